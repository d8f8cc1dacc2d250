"""How a report was produced: the run's inputs and scope, so the report can serve as a change record.

Every report (console header, HTML banner, JSON ``provenance``, JUnit suite properties) carries the same
record: the command line (secrets redacted), the phase, the master secret server topology, which checks ran
out of how many are installed ("6 of 27") and the ``--select``/``--skip`` patterns, the inventory or
snapshot file and its SHA-256, the baseline file with when and by which version it was saved, the waivers
file and its SHA-256, whether state-changing tests were allowed, the tool version, who ran it and from which host.

A run that did not evaluate every installed check, or that ``--node`` limited to some of the inventory's
nodes, is **partial**: its banner and verdict say ``PARTIAL`` (``6 of 27 checks``, ``2 of 4 nodes``) and name
the filter, so a green partial run is never mistaken for a full one.

:func:`gather` reads files and the environment (hashes, user, host) and is called by the front end;
:func:`attach` puts the record on a :class:`~ssocheck.model.Report` (pure).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ssocheck import __version__
from ssocheck.model import COLLECTION_CHECK, Report
from ssocheck.secrets import redact

# Options whose value is a secret or could be one: their value never reaches a report, whatever it is.
_SECRET_OPTIONS = ("--password", "-p", "--token", "--secret")


# The command line as the front end received it (set by the CLI's entry point; sys.argv otherwise).
_command: list[str] | None = None


def set_command(argv: Sequence[str]) -> None:
    """Record the command line of this process's run (the CLI calls it with the arguments click parses)."""
    global _command
    _command = [str(a) for a in argv]


def gather(
    *,
    argv: Sequence[str] | None = None,
    selected: Sequence[str] = (),
    installed: Sequence[str] = (),
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    inventory: Path | None = None,
    snapshot: Path | None = None,
    baseline_file: Path | None = None,
    baseline: Any = None,
    waivers_file: Path | None = None,
    allow_changes: bool = False,
    fail_on: str | None = None,
    node_filter: Any = None,
) -> dict[str, Any]:
    """The provenance record of a run (JSON-ready). ``baseline`` is a loaded ``Baseline`` (for its dates);
    ``node_filter`` the snapshot's :class:`~ssocheck.nodefilter.NodeFilter` (None: every node)."""
    record: dict[str, Any] = {
        "command": command_line((_command or sys.argv) if argv is None else argv),
        "tool_version": __version__,
        "run_by": _user(),
        "run_from": _host(),
        "checks": {
            "selected": len(selected),
            "installed": len(installed),
            "ids": sorted(selected),
            "select": list(only),
            "skip": list(skip),
        },
        "partial": len(selected) < len(installed),
        "allow_changes": bool(allow_changes),
        "fail_on": fail_on,
    }
    if node_filter is not None:
        record["nodes"] = {"selected": list(node_filter.selected), "excluded": list(node_filter.excluded_names)}
        record["partial"] = True
    if inventory is not None:
        record["inventory"] = _file(inventory)
    if snapshot is not None:
        record["snapshot"] = _file(snapshot)
    if baseline_file is not None:
        entry = _file(baseline_file)
        for key in ("saved_at", "tool_version"):
            value = getattr(baseline, key, None)
            if value:
                entry[key] = str(value)
        collected = getattr(getattr(baseline, "snapshot", None), "collected_at", None)
        if collected:
            entry["collected_at"] = str(collected)
        record["baseline"] = entry
    if waivers_file is not None:
        record["waivers"] = _file(waivers_file)
    return record


def for_run(report: Report, **inputs: Any) -> Report:
    """``report`` with the provenance of the run that produced it (the front ends' one call).

    The selected checks are the report's own; the installed ones come from the registry. ``inputs`` are
    :func:`gather`'s file and option arguments (``only``, ``skip``, ``inventory``, ``snapshot``,
    ``baseline_file``, ``baseline``, ``waivers_file``, ``allow_changes``, ``fail_on``).
    """
    from ssocheck.registry import load_checks

    installed = [lc.meta.id for lc in load_checks()]
    selected = sorted(c for c in report.checks if c != COLLECTION_CHECK)  # the collection is not a check
    record = gather(selected=selected, installed=installed, **inputs)
    record["topology"] = report.topology  # which checks applied: part of what the verdict covers
    return attach(report, record)


def attach(report: Report, record: Mapping[str, Any]) -> Report:
    """``report`` carrying ``record`` (the model is frozen: a new report)."""
    return replace(report, provenance=dict(record))


def command_line(argv: Sequence[str]) -> str:
    """``argv`` as one line, program name shortened, secret option values and known secrets redacted."""
    words: list[str] = []
    hide_next = False
    for i, arg in enumerate(argv):
        if i == 0:
            arg = "ssocheck" if arg.endswith(("ssocheck", "__main__.py", "-m")) else Path(arg).name
        if hide_next:
            words.append("***")
            hide_next = False
            continue
        name, eq, _value = arg.partition("=")
        if name in _SECRET_OPTIONS:
            if eq:
                words.append(f"{name}=***")
            else:
                words.append(arg)
                hide_next = True
            continue
        words.append(_quote(arg))
    return redact(" ".join(words))


def is_partial(report: Report) -> bool:
    """True when the run evaluated fewer checks than are installed (``--select``/``--skip``) or left nodes out."""
    if _nodes_left_out(report):
        return True
    checks = report.provenance.get("checks") if report.provenance else None
    if not isinstance(checks, Mapping):
        return False
    selected, installed = checks.get("selected"), checks.get("installed")
    return isinstance(selected, int) and isinstance(installed, int) and selected < installed


def scope_text(report: Report) -> str:
    """``"6 of 27 checks"``, with ``", 2 of 4 nodes"`` after ``--node`` (empty without a provenance record)."""
    checks = report.provenance.get("checks") if report.provenance else None
    if not isinstance(checks, Mapping):
        return ""
    text = f"{checks.get('selected')} of {checks.get('installed')} checks"
    nodes = report.provenance.get("nodes")
    if _nodes_left_out(report) and isinstance(nodes, Mapping):
        kept = len(nodes.get("selected") or ())
        text += f", {kept} of {kept + len(nodes.get('excluded') or ())} nodes"
    return text


def _nodes_left_out(report: Report) -> list[str]:
    """The nodes ``--node`` left out of the run (empty for a run of every node)."""
    nodes = report.provenance.get("nodes") if report.provenance else None
    excluded = nodes.get("excluded") if isinstance(nodes, Mapping) else None
    return [str(n) for n in excluded] if isinstance(excluded, list) else []


def verdict_label(report: Report) -> str:
    """The verdict as every report shows it: ``PASSED``, or ``PASSED (PARTIAL: 6 of 27 checks)``."""
    verdict = report.verdict()
    return f"{verdict} (PARTIAL: {scope_text(report)})" if is_partial(report) else verdict


def lines(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs of the record for the console header and the HTML banner, in reading order."""
    prov = report.provenance or {}
    out: list[tuple[str, str]] = []
    if prov.get("command"):
        out.append(("Command", str(prov["command"])))
    checks = prov.get("checks")
    if isinstance(checks, Mapping):
        selected, installed = checks.get("selected"), checks.get("installed")
        scope = f"{selected} of {installed} checks"  # the nodes --node left out get their own line below
        patterns = []
        if checks.get("select"):
            patterns.append("--select " + " ".join(map(str, checks["select"])))
        if checks.get("skip"):
            patterns.append("--skip " + " ".join(map(str, checks["skip"])))
        if isinstance(selected, int) and isinstance(installed, int) and selected < installed:
            scope = f"PARTIAL: {scope}"
        out.append(("Checks", scope + (f" ({'; '.join(patterns)})" if patterns else "")))
    left_out = _nodes_left_out(report)
    if left_out:
        kept = [str(n) for n in (prov.get("nodes") or {}).get("selected") or ()]
        out.append(("Nodes", f"PARTIAL: {len(kept)} of {len(kept) + len(left_out)} nodes ("
                             + " ".join(f"--node {n}" for n in kept) + f"; not checked: {', '.join(left_out)})"))
    out.append(("Topology", f"master secret server {report.topology}"))
    for key, label in (("inventory", "Inventory"), ("snapshot", "Snapshot")):
        entry = prov.get(key)
        if isinstance(entry, Mapping):
            out.append((label, _file_text(entry)))
    base = prov.get("baseline")
    if isinstance(base, Mapping):
        saved = f", saved {base['saved_at']}" if base.get("saved_at") else ""
        by = f" by ssocheck {base['tool_version']}" if base.get("tool_version") else ""
        out.append(("Baseline", _file_text(base) + saved + by))
    waivers = prov.get("waivers")
    if isinstance(waivers, Mapping):
        out.append(("Waivers", _file_text(waivers)))
    if prov.get("allow_changes"):
        out.append(("Changes", "state-changing tests allowed (--allow-changes): BTS001 creates and removes ports"))
    if prov.get("run_by") or prov.get("run_from"):
        out.append(("Run by", f"{prov.get('run_by', '?')} on {prov.get('run_from', '?')}"))
    return out


def _file(path: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": str(path)}
    try:
        entry["sha256"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:  # the file was read moments ago; say why the hash is missing rather than fail
        entry["sha256"] = None
        entry["error"] = exc.strerror or type(exc).__name__
    return entry


def _file_text(entry: Mapping[str, Any]) -> str:
    digest = entry.get("sha256")
    return f"{entry.get('path')} (sha256 {str(digest)[:16]}...)" if digest else str(entry.get("path"))


def _quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "-_./=:,@%+\\" for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container with an arbitrary uid)
        return os.environ.get("USERNAME") or os.environ.get("USER") or f"uid {os.getuid()}"


def _host() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return "unknown host"
