"""Versioned snapshots of collected facts (schema: ssocheck/schemas/snapshot.schema.json).

A snapshot holds, per node, the raw fact values exactly as the node answered, per-fact errors and a
node-level error for unreachable nodes, plus the inventory's expectations (no secrets) so checks
can be re-run offline with ``ssocheck check --snapshot FILE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssocheck import __version__, strictjson
from ssocheck.check import NodeFacts
from ssocheck.errors import SnapshotError
from ssocheck.model import ROLES, TOPOLOGIES, Expectations, NodeInfo
from ssocheck.nodefilter import NodeFilter
from ssocheck.nodefilter import from_dict as node_filter_from_dict
from ssocheck.output import write_atomic
from ssocheck.secrets import redact_value

SCHEMA = "ssocheck-snapshot/1"


@dataclass
class NodeSnapshot:
    """What was collected from one node."""

    name: str
    roles: tuple[str, ...]
    address: str = ""
    error: str | None = None
    ps_version: str | None = None
    computer: str | None = None
    clock_utc: str | None = None
    received_utc: str | None = None
    duration_s: float | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    fact_errors: dict[str, str] = field(default_factory=dict)

    def node_facts(self) -> NodeFacts:
        """The check-facing view of this node."""
        return NodeFacts(
            self.name, self.roles, self.facts, self.fact_errors, self.error, self.clock_utc, self.received_utc
        )

    def info(self) -> NodeInfo:
        """The report-facing summary of this node."""
        return NodeInfo(self.name, self.roles, self.address, self.error, self.ps_version, self.duration_s)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "roles": list(self.roles),
            "address": self.address,
            "error": self.error,
            "ps_version": self.ps_version,
            "computer": self.computer,
            "clock_utc": self.clock_utc,
            "received_utc": self.received_utc,
            "duration_s": self.duration_s,
            "facts": self.facts,
            "fact_errors": self.fact_errors,
        }


@dataclass
class Snapshot:
    """Facts of every node of one collection run."""

    expect: Expectations
    nodes: list[NodeSnapshot]
    collected_at: str
    tool_version: str = __version__
    inventory: str = ""
    # The phase of the run that wrote the snapshot; `check --snapshot` uses it when --phase is absent.
    phase: str | None = None
    # Set (in memory) when Ctrl-C/SIGTERM stopped the collection early; its nodes' errors say which.
    interrupted: bool = False
    # Set when --node limited the collection to some nodes: the snapshot is partial (ssocheck/nodefilter.py).
    node_filter: NodeFilter | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        doc = {
            "schema": SCHEMA,
            "tool_version": self.tool_version,
            "collected_at": self.collected_at,
            "inventory": self.inventory,
            "phase": self.phase,
            "expectations": self.expect.to_dict(),
            "nodes": [n.to_dict() for n in self.nodes],
        }
        if self.node_filter is not None:  # absent for a whole collection (older readers and goldens unchanged)
            doc["node_filter"] = self.node_filter.to_dict()
        return doc

    def save(self, path: Path) -> None:
        """Write atomically (a crash never leaves half a snapshot)."""
        # Redacted on the decoded values, then strict JSON (no NaN): see strictjson and secrets.redact_value.
        write_atomic(path, strictjson.dumps(redact_value(self.to_dict()), indent=1, sort_keys=True) + "\n")


def bad_field(source: str, fieldname: str, problem: str) -> SnapshotError:
    """A SnapshotError naming the file and the field (shared with the baseline loader)."""
    return SnapshotError(problem, source=source, field=fieldname)


def snapshot_from_dict(doc: Any, source: str) -> Snapshot:
    """Validate and build a Snapshot; errors name the file and the field."""
    if not isinstance(doc, dict):
        raise bad_field(source, "(top level)", "not a JSON object")
    schema = doc.get("schema")
    if schema != SCHEMA:
        raise bad_field(source, "schema", f"unsupported snapshot schema {schema!r} (this ssocheck reads {SCHEMA})")
    exp = doc.get("expectations")
    if not isinstance(exp, dict):
        raise bad_field(source, "expectations", "missing or not an object")
    try:
        # JSON has no tuples: node lists come back as lists (and are absent in older snapshots).
        lists = {k: tuple(str(x) for x in v) for k, v in exp.items()
                 if k in ("biztalk_nodes", "sso_cluster_nodes") and isinstance(v, list)}
        expect = Expectations(**{**exp, **lists})
    except TypeError as exc:
        raise bad_field(source, "expectations", f"invalid: {exc}") from exc
    for key in ("group", "cluster_network_name", "master_secret_server", "sso_service_account"):
        if not isinstance(getattr(expect, key), str) or not getattr(expect, key):
            raise bad_field(source, f"expectations.{key}", "must be a non-empty string")
    if expect.topology not in TOPOLOGIES:
        raise bad_field(source, "expectations.topology", f"must be one of {', '.join(TOPOLOGIES)}")
    raw_nodes = doc.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise bad_field(source, "nodes", "missing or empty")
    nodes = []
    seen: set[str] = set()
    for i, n in enumerate(raw_nodes):
        where = f"nodes[{i}]"
        if not isinstance(n, dict) or not isinstance(n.get("name"), str) or not n["name"]:
            raise bad_field(source, f"{where}.name", "missing")
        if n["name"].lower() in seen:
            raise bad_field(source, f"{where}.name", f"duplicate node {strictjson.clean_text(n['name'], 80)!r}")
        seen.add(n["name"].lower())
        roles = n.get("roles")
        if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
            raise bad_field(source, f"{where}.roles", f"must be a non-empty list of {', '.join(ROLES)}")
        facts = n.get("facts", {})
        errors = n.get("fact_errors", {})
        if not isinstance(facts, dict):
            raise bad_field(source, f"{where}.facts", "must be an object")
        if not isinstance(errors, dict) or not all(isinstance(v, str) for v in errors.values()):
            raise bad_field(source, f"{where}.fact_errors", "must map fact names to messages")
        error = n.get("error")
        if error is not None and not isinstance(error, str):
            raise bad_field(source, f"{where}.error", "must be null or a string")
        nodes.append(
            NodeSnapshot(
                name=n["name"],
                roles=tuple(roles),
                address=str(n.get("address") or ""),
                error=error,
                ps_version=n.get("ps_version"),
                computer=n.get("computer"),
                clock_utc=n.get("clock_utc"),
                received_utc=n.get("received_utc"),
                duration_s=n.get("duration_s"),
                facts=facts,
                fact_errors=errors,
            )
        )
    try:
        node_filter = node_filter_from_dict(doc.get("node_filter"), "node_filter")
    except ValueError as exc:
        raise bad_field(source, "node_filter", str(exc).partition(": ")[2]) from exc
    return Snapshot(
        expect=expect,
        nodes=nodes,
        collected_at=str(doc.get("collected_at") or ""),
        tool_version=str(doc.get("tool_version") or ""),
        inventory=str(doc.get("inventory") or ""),
        phase=_phase(doc.get("phase"), source),
        node_filter=node_filter,
    )


def _phase(value: Any, source: str) -> str | None:
    if value is None:
        return None
    if value not in ("pre", "post", "nightly"):
        raise bad_field(source, "phase", "must be null, pre, post or nightly")
    return str(value)


def load_snapshot(path: str | Path) -> Snapshot:
    """Read a snapshot file; any problem is a SnapshotError naming the file and field."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SnapshotError(f"cannot read: {exc.strerror}", source=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"not a UTF-8 text file (byte {exc.start}): corrupt snapshot", source=str(p)) from exc
    return snapshot_from_dict(strictjson.load_document(text, str(p), "snapshot"), str(p))
