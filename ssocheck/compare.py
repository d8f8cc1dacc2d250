"""Comparing the results of two runs (``ssocheck diff OLD.json NEW.json``, and ``run --watch`` between rounds).

Fact drift (``ssocheck drift``) says what changed on the servers; this says what changed in the verdicts:

* **new**: a finding in NEW that OLD did not have (NEW is ``fail``, ``warn`` or ``error`` where OLD passed,
  was skipped, or had no result);
* **fixed**: OLD had a finding, NEW passes;
* **still failing**: a finding in both, with the same evidence;
* **changed**: a finding in both whose status, message or evidence changed (the problem moved: another
  peer, another value), shown with both sides;
* **waived**: OLD had a finding that NEW accepts with a waiver (never counted as fixed);
* **gone**: OLD had a finding and NEW has no result for it (check not selected, node removed): not fixed
  either, the run simply did not look.

Results are matched by (check ID, node). The exit code of ``diff``: 1 when NEW has a new ``fail``; else 3
when it has a new ``error`` (the state became unknown somewhere); else 0. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ssocheck.model import ExitCode, Report, Result, Status

FINDING = (Status.FAIL, Status.WARN, Status.ERROR)

NEW = "new"
FIXED = "fixed"
STILL = "still failing"
CHANGED = "changed"
WAIVED = "waived"
GONE = "gone"
KINDS = (NEW, CHANGED, STILL, WAIVED, GONE, FIXED)


@dataclass(frozen=True)
class Change:
    """One (check, node) whose verdict is worth a line: its kind, and the old and new result (None if absent)."""

    kind: str
    check_id: str
    node: str
    old: Result | None
    new: Result | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"kind": self.kind, "check_id": self.check_id, "node": self.node,
                "old": self.old.to_dict() if self.old else None, "new": self.new.to_dict() if self.new else None}


@dataclass(frozen=True)
class Comparison:
    """Every change between two runs, in the kinds' order, then by check and node."""

    changes: tuple[Change, ...]
    old_label: str = ""
    new_label: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    down: Mapping[str, str] = field(default_factory=dict)  # node -> collection error, in the NEW run

    def of(self, kind: str) -> list[Change]:
        """The changes of one kind."""
        return [c for c in self.changes if c.kind == kind]

    def exit_code(self) -> ExitCode:
        """1 on a new failure, else 3 on a new error, else 0."""
        new = self.of(NEW) + [c for c in self.of(CHANGED) if c.old and c.new and c.old.status != c.new.status]
        if any(c.new is not None and c.new.status is Status.FAIL for c in new):
            return ExitCode.FAIL
        if any(c.new is not None and c.new.status is Status.ERROR for c in new):
            return ExitCode.ERROR
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``ssocheck diff --format json``)."""
        return {"schema": "ssocheck-diff/1", "old": self.old_label, "new": self.new_label,
                "counts": dict(self.counts), "exit_code": int(self.exit_code()),
                "changes": [c.to_dict() for c in self.changes]}


def compare(old: Report, new: Report, old_label: str = "", new_label: str = "") -> Comparison:
    """What changed in the verdicts from ``old`` to ``new`` (see the module docstring)."""
    before = {(r.check_id, r.node): r for r in old.results}
    after = {(r.check_id, r.node): r for r in new.results}
    changes: list[Change] = []
    for key in sorted(set(before) | set(after)):
        o, n = before.get(key), after.get(key)
        kind = _kind(o, n)
        if kind:
            changes.append(Change(kind, key[0], key[1], o, n))
    order = {k: i for i, k in enumerate(KINDS)}
    changes.sort(key=lambda c: (order[c.kind], c.check_id, c.node))
    counts = {k: sum(1 for c in changes if c.kind == k) for k in KINDS}
    down = {n.name: n.error for n in new.nodes if n.error}
    return Comparison(tuple(changes), old_label, new_label, counts, down)


def _kind(o: Result | None, n: Result | None) -> str | None:
    was = o is not None and o.status in FINDING
    now = n is not None and n.status in FINDING
    if now and not was:
        return NEW
    if was and n is None:
        return GONE
    if was and not now:
        assert n is not None
        if n.waiver is not None:
            return WAIVED
        return FIXED if n.status is Status.PASS else GONE
    if was and now:
        assert o is not None and n is not None
        if (o.status, o.message, _plain(o.evidence)) != (n.status, n.message, _plain(n.evidence)):
            return CHANGED
        return STILL
    return None


def _plain(evidence: Mapping[str, Any]) -> str:
    import json

    # Volatile evidence (a clock reading) would make every finding "changed"; it is compared like the rest on
    # purpose: a changed value is what an operator wants to see between two rounds.
    return json.dumps(evidence, sort_keys=True, default=str)


def render_text(comparison: Comparison) -> str:
    """The comparison as console text: counts first, then one line per kind, check and message with its nodes.

    The same change on 493 nodes is one line naming them as ranges (``BTSNODE0001..BTSNODE0099``); a changed
    finding shows the old and the new message.
    """
    from ssocheck.reporters.common import compact_names, escape_controls

    counts = comparison.counts
    head = f"diff {comparison.old_label} -> {comparison.new_label}".strip()
    lines = [head, ", ".join(f"{counts.get(k, 0)} {k}" for k in KINDS)]
    for kind in KINDS:
        changes = comparison.of(kind)
        if not changes:
            continue
        lines += ["", f"{kind.upper()} ({len(changes)}):"]
        grouped: dict[tuple[str, str, str], list[str]] = {}
        outage: dict[str, list[str]] = {}
        for c in changes:
            if c.node in comparison.down and c.new is not None and c.new.status is Status.ERROR:
                # Every check of a node that was not collected says so: one line per node, not one per check.
                outage.setdefault(c.node, []).append(c.check_id)
                continue
            shown = c.new if kind not in (FIXED, GONE) and c.new is not None else c.old
            status = shown.status.value if shown else "-"
            message = shown.message if shown else ""
            if kind == CHANGED and c.old is not None and c.new is not None:
                status = f"{c.old.status.value} -> {c.new.status.value}"
                message = c.new.message if c.old.message == c.new.message else \
                    f"{c.old.message}  ->  {c.new.message}"
            elif kind == FIXED:
                status = f"{c.old.status.value if c.old else '-'} -> pass"
            grouped.setdefault((c.check_id, status, message), []).append(c.node)
        for node, check_ids in outage.items():
            lines.append(escape_controls(f"  {node} not collected ({comparison.down[node]}): {len(check_ids)} "
                                         f"check{'s' if len(check_ids) != 1 else ''} could not decide"))
        for (check_id, status, message), nodes in grouped.items():
            lines.append(escape_controls(f"  {check_id} {status} on {compact_names(nodes)}: {message}"))
    verdict = {ExitCode.FAIL: "new failures", ExitCode.ERROR: "new errors (state unknown)",
               ExitCode.OK: "no new failure"}[comparison.exit_code()]
    lines += ["", f"Result: {verdict}"]
    return "\n".join(lines) + "\n"
