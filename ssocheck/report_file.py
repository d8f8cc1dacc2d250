"""Reading a JSON report back (``ssocheck-report/1``) as a :class:`~ssocheck.model.Report`.

``ssocheck diff`` compares two saved runs and ``ssocheck runbook --report`` shows the runbook of a saved run:
both start from the JSON report a run wrote. The loader is strict about what it needs (schema tag, results
with check ID, node and a known status) and tolerant of what it does not (unknown keys, a check missing
from ``checks``): a wrong or corrupt file is a :class:`~ssocheck.errors.ConfigError` naming the file and the
field (exit 2), never a crash and never a silently empty comparison.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ssocheck.errors import ConfigError
from ssocheck.model import DEFAULT_TOPOLOGY, TOPOLOGIES, CheckMeta, NodeInfo, Phase, Report, Result, Severity, Status

SCHEMA = "ssocheck-report/1"
# A report file is JSON text written by ssocheck: far below this; a bigger file is refused before parsing.
MAX_BYTES = 256 * 1024 * 1024


def load_report(path: Path) -> Report:
    """The report saved in ``path`` (see the module docstring)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{size} bytes, more than a report can be ({MAX_BYTES})", source=str(path))
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", source=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"not a JSON report: {exc}", source=str(path)) from exc
    return report_from_dict(doc, str(path))


def report_from_dict(doc: Any, origin: str = "report") -> Report:
    """A :class:`Report` from the document ``Report.to_dict()`` wrote."""
    if not isinstance(doc, Mapping):
        raise ConfigError("not a JSON object", source=origin)
    if doc.get("schema") != SCHEMA:
        found = doc.get("schema", "no schema")
        hint = " (a snapshot or baseline? give the ssocheck-report.json of a run)" if "snapshot" in str(found) or \
            "baseline" in str(found) else ""
        raise ConfigError(f"{found!r}, expected {SCHEMA!r}{hint}", source=origin, field="schema")
    try:
        checks = {str(cid): _meta(m) for cid, m in (doc.get("checks") or {}).items() if isinstance(m, Mapping)}
        results = tuple(_result(r) for r in _list(doc, "results"))
        nodes = tuple(_node(n) for n in _list(doc, "nodes"))
        phase = Phase(doc.get("phase", "pre"))
        fail_on = Severity(doc["fail_on"]) if doc.get("fail_on") else None
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"malformed report: {exc}", source=origin) from exc
    return Report(
        tool_version=str(doc.get("tool_version", "")),
        phase=phase,
        group=str(doc.get("group", "")),
        source=str(doc.get("source", "")),
        started_at=str(doc.get("started_at", "")),
        finished_at=str(doc.get("finished_at", "")),
        nodes=nodes,
        checks=checks,
        results=results,
        sections=dict(doc.get("sections") or {}),
        duration_s=float(doc.get("duration_s") or 0.0),
        fail_on=fail_on,
        provenance=dict(doc.get("provenance") or {}),
        topology=str(doc.get("topology") or DEFAULT_TOPOLOGY),  # reports written before topologies existed
    )


def _list(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = doc.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise TypeError(f"{key} must be a list of objects")
    return value


def _result(r: Mapping[str, Any]) -> Result:
    return Result(str(r["check_id"]), str(r["node"]), Status(r["status"]), str(r.get("message", "")),
                  dict(r.get("evidence") or {}), dict(r["waiver"]) if r.get("waiver") else None)


def _node(n: Mapping[str, Any]) -> NodeInfo:
    return NodeInfo(str(n["name"]), tuple(map(str, n.get("roles") or ())), str(n.get("address") or ""),
                    n.get("error"), n.get("ps_version"), n.get("duration_s"))


def _meta(m: Mapping[str, Any]) -> CheckMeta:
    return CheckMeta(
        id=str(m["id"]), name=str(m.get("name", "")), title=str(m.get("title", "")),
        description=str(m.get("description", "")), severity=Severity(m.get("severity", "low")),
        shape=str(m.get("shape", "node")), phases=tuple(Phase(p) for p in m.get("phases") or ()),
        roles=tuple(map(str, m.get("roles") or ())), remediation=str(m.get("remediation", "")),
        guide_step=str(m.get("guide_step", "-")), references=tuple(map(str, m.get("references") or ())),
        facts=tuple(map(str, m.get("facts") or ())), pack=str(m.get("pack", "builtin")),
        writes=bool(m.get("writes", False)),
        topologies=tuple(map(str, m.get("topologies") or TOPOLOGIES)),
    )
