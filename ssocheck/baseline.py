"""Baselines: the facts of a known-good run, saved to compare later runs against (nightly drift).

A baseline file is versioned JSON written atomically::

    {"schema": "ssocheck-baseline/1", "saved_at": "2026-11-21T02:00:00Z", "tool_version": "0.1.0",
     "snapshot": {<an ssocheck-snapshot/1 document>}}

The loader is strict: a file of another schema (an older baseline, a snapshot given by mistake, a
newer ssocheck's format), broken JSON or a malformed field raises :class:`SnapshotError` naming the
file and the field. A corrupt baseline never crashes a run and never compares as "no drift".

A baseline must be complete to be trusted: a node that was not collected, or a fact that failed,
would leave part of the farm unwatched. :func:`baseline_from_snapshot` refuses such a snapshot
unless ``allow_incomplete`` is given; the failed facts are then kept in the file (they are in the
snapshot's ``fact_errors``) so drift reports can say what is not watched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ssocheck import __version__, strictjson
from ssocheck.errors import SnapshotError
from ssocheck.output import write_atomic
from ssocheck.secrets import redact_value
from ssocheck.snapshot import SCHEMA as SNAPSHOT_SCHEMA
from ssocheck.snapshot import Snapshot, bad_field, snapshot_from_dict

VERSION = 1
SCHEMA = f"ssocheck-baseline/{VERSION}"
_SCHEMA_RE = re.compile(r"^ssocheck-baseline/(\d+)$")
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@dataclass(frozen=True)
class Baseline:
    """A saved known-good snapshot, with when and by which ssocheck version it was saved."""

    snapshot: Snapshot
    saved_at: str
    tool_version: str = __version__
    source: str = ""  # the file it was loaded from ("" when built in memory)

    def facts(self) -> dict[str, dict[str, Any]]:
        """``node -> fact -> raw value`` (what ``Context.baseline`` holds); a node not collected has no facts."""
        return {n.name: dict(n.facts) if n.error is None else {} for n in self.snapshot.nodes}

    def unwatched(self) -> dict[str, list[str]]:
        """``node -> facts`` that failed when the baseline was saved (not compared later); ``*`` for a whole node."""
        out: dict[str, list[str]] = {}
        for n in self.snapshot.nodes:
            if n.error is not None:
                out[n.name] = ["*"]
            elif n.fact_errors:
                out[n.name] = sorted(n.fact_errors)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of the file."""
        return {
            "schema": SCHEMA,
            "saved_at": self.saved_at,
            "tool_version": self.tool_version,
            "snapshot": self.snapshot.to_dict(),
        }

    def describe(self) -> str:
        """One line: where from, when, how many nodes."""
        where = f"{self.source} " if self.source else ""
        return (f"baseline {where}saved {self.saved_at} by ssocheck {self.tool_version} "
                f"({len(self.snapshot.nodes)} nodes, collected {self.snapshot.collected_at or 'at an unknown time'})")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def incomplete_parts(snapshot: Snapshot, required: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Human-readable list of what the snapshot lacks: nodes left out by ``--node``, nodes not collected, failed
    facts, and facts the checks need (``required``: node -> fact names) that are not in it at all (a snapshot of
    a ``--select`` run)."""
    parts: list[str] = []
    if snapshot.node_filter is not None:  # a --node collection: the nodes left out are not watched at all
        parts.append(f"nodes left out by --node: {', '.join(snapshot.node_filter.excluded_names)}")
    for n in snapshot.nodes:
        if n.error is not None:
            parts.append(f"{n.name}: not collected ({n.error})")
            continue
        for fact, message in sorted(n.fact_errors.items()):
            parts.append(f"{n.name}: fact {fact} failed ({message})")
        absent = [f for f in (required or {}).get(n.name, ()) if f not in n.facts and f not in n.fact_errors]
        if absent:
            parts.append(f"{n.name}: {len(absent)} of the {len((required or {})[n.name])} facts the checks need are "
                         "not in it (was it taken with --select or --skip?)")
    return parts


def same_farm_problem(baseline: Baseline, group: str, nodes: Sequence[str]) -> str | None:
    """Why ``baseline`` is not a baseline of this farm (another BizTalk group, or no node in common), else None."""
    theirs = baseline.snapshot
    their_nodes = sorted(n.name for n in theirs.nodes)
    if theirs.expect.group.casefold() != group.casefold():
        return (f"the baseline is of BizTalk group {theirs.expect.group!r} (nodes {', '.join(their_nodes)}), this farm "
                f"is {group!r}; use the baseline of this farm, or --force-baseline if the group was renamed")
    if not {n.casefold() for n in nodes} & {n.casefold() for n in their_nodes}:
        return (f"the baseline shares no node with this farm (baseline: {', '.join(their_nodes)}); use the "
                "baseline of this farm, or --force-baseline")
    return None


def baseline_from_snapshot(snapshot: Snapshot, *, allow_incomplete: bool = False, saved_at: str | None = None,
                           source: str = "the collected facts",
                           required: Mapping[str, Sequence[str]] | None = None) -> Baseline:
    """A baseline of ``snapshot``; refuses an incomplete one (unreachable node, failed fact, facts the checks need
    missing: a filtered run) unless allowed."""
    missing = incomplete_parts(snapshot, required)
    if missing and not allow_incomplete:
        shown = "; ".join(missing[:5]) + (f"; and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise SnapshotError(
            f"not saved as a baseline: the facts are incomplete ({shown}); a baseline must be a complete, "
            "known-good run (--allow-incomplete saves it anyway, leaving those parts unwatched)",
            source=source,
        )
    if not any(n.error is None for n in snapshot.nodes):
        raise SnapshotError("not saved as a baseline: no node was collected", source=source)
    return Baseline(snapshot=snapshot, saved_at=saved_at or _now())


def save_baseline(baseline: Baseline, path: Path) -> Path:
    """Write the baseline atomically (a crash never leaves half a file over a good baseline)."""
    text = strictjson.dumps(redact_value(baseline.to_dict()), indent=1, sort_keys=True) + "\n"
    return write_atomic(Path(path), text)


def baseline_from_dict(doc: Any, source: str) -> Baseline:
    """Validate a parsed baseline document; every problem names ``source`` and the field."""
    if not isinstance(doc, dict):
        raise bad_field(source, "(top level)", "not a JSON object: not an ssocheck baseline")
    schema = doc.get("schema")
    if schema != SCHEMA:
        raise bad_field(source, "schema", _schema_problem(schema))
    saved_at = doc.get("saved_at")
    if not isinstance(saved_at, str) or not _TIMESTAMP_RE.match(saved_at):
        raise bad_field(source, "saved_at", "missing or not a UTC timestamp (YYYY-MM-DDTHH:MM:SSZ)")
    tool_version = doc.get("tool_version")
    if not isinstance(tool_version, str) or not tool_version:
        raise bad_field(source, "tool_version", "missing or not a string")
    raw_snapshot = doc.get("snapshot")
    if not isinstance(raw_snapshot, dict):
        raise bad_field(source, "snapshot", "missing or not an object")
    try:
        snapshot = snapshot_from_dict(raw_snapshot, source)
    except SnapshotError as exc:
        # Re-anchor the snapshot's field names inside the baseline document ("snapshot.nodes[0].roles").
        inner = exc.field or "(top level)"
        prefix = f"{source}: {exc.field}: " if exc.field else f"{source}: "
        problem = str(exc)[len(prefix):] if str(exc).startswith(prefix) else str(exc)
        raise bad_field(source, f"snapshot.{inner}", problem) from exc
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        # A value of the wrong type deep inside: still a clear error, never a crash.
        raise bad_field(source, "snapshot", f"malformed: {type(exc).__name__}: {exc}") from exc
    return Baseline(snapshot=snapshot, saved_at=saved_at, tool_version=tool_version, source=source)


def _schema_problem(schema: Any) -> str:
    rerun = "save a new one with 'ssocheck baseline save'"
    if schema == SNAPSHOT_SCHEMA:
        return (f"this is a snapshot ({SNAPSHOT_SCHEMA}), not a baseline; make a baseline of it with "
                "'ssocheck baseline save --snapshot FILE -o BASELINE'")
    if schema is None:
        return f"no schema field: not an ssocheck baseline (expected {SCHEMA}); {rerun}"
    match = _SCHEMA_RE.match(str(schema))
    if match:
        if int(match.group(1)) < VERSION:
            return f"baseline format {schema} is older than this ssocheck reads ({SCHEMA}); {rerun}"
        return f"baseline format {schema} was written by a newer ssocheck (this one reads {SCHEMA}); upgrade ssocheck"
    return f"unsupported schema {schema!r}: not an ssocheck baseline (expected {SCHEMA})"


def load_baseline(path: str | Path) -> Baseline:
    """Read and validate a baseline file; any problem is a SnapshotError naming the file and the field."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SnapshotError("baseline file not found (save one with 'ssocheck baseline save')", source=str(p)) from exc
    except OSError as exc:
        raise SnapshotError(f"cannot read baseline: {exc.strerror}", source=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"not a text file (byte {exc.start}): corrupt baseline", source=str(p)) from exc
    if not text.strip():
        raise SnapshotError("empty file: corrupt baseline", source=str(p))
    return baseline_from_dict(strictjson.load_document(text, str(p), "baseline"), str(p))


def load_snapshot_or_baseline(path: str | Path) -> Snapshot:
    """The snapshot in ``path``, which may be a snapshot file or a baseline file (its saved snapshot).

    Lets ``ssocheck drift --snapshot`` compare two baselines, e.g. to review a new one before committing it.
    """
    from ssocheck.snapshot import load_snapshot

    p = Path(path)
    try:
        head = strictjson.load_document(p.read_text(encoding="utf-8"), str(p), "file")
    except (OSError, UnicodeDecodeError, SnapshotError):
        head = None  # load_snapshot gives the precise error
    if isinstance(head, dict) and head.get("schema") == SCHEMA:
        return baseline_from_dict(head, str(p)).snapshot
    return load_snapshot(p)
