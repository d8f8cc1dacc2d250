"""HTML reporter: one self-contained page (inline CSS, no external asset, no script needed).

Order of the page: the verdict banner (verdict, counts, what to do next, and how the report was produced),
a table of contents, the findings (worst first: severity, then status), the runbook view (the migration
guide's steps and what the checks prove about each), the checks by node, the skipped and passing results
(collapsed), the nodes, then any extra sections (waivers, drift, audit trail, or sections added later,
rendered generically).

Built to stay readable and small from 4 to 500 nodes:

* findings are grouped (an unreachable node is one block that also names the group checks it stopped on
  other nodes; the checks one failed fact stopped on a node are one block; the same result on several
  nodes is one block) and a heading names at most a few nodes ("BTSNODE0001, ... and 490 more"); the
  full list follows as exact ranges of clone names, folded;
* up to :data:`MATRIX_NODES` nodes the matrix is check x node with one cell per result; above, it is one
  row per check with the count of each status and a drill-down listing the nodes of each status;
* skipped and passing results, the nodes and the audit trail are grouped the same way above that size.

Printing (a change record is filed as PDF): a print stylesheet expands every collapsed part, lets wide
tables wrap instead of scrolling, puts each main section on a new page and keeps the verdict and the
provenance on page one. Accessibility: landmarks (header, nav, main, footer), ``scope`` on every header
cell, keyboard-focusable scroll areas, status as symbol and word (never colour alone), messages in the
page (not only in hover titles), and a dark colour scheme that follows the system preference.

Everything from a server (messages, evidence, names) is hostile text: the Jinja2 environment
autoescapes, nothing is marked safe, and only http(s) references become links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ssocheck import guide, provenance, runbook
from ssocheck.model import COLLECTION_CHECK, Report, Result, Status
from ssocheck.reporters.common import (
    FOLD_NAMES,
    STATUS_ORDER,
    STATUS_RANK,
    Outage,
    cap,
    compact_names,
    escape_controls,
    evidence_items,
    failing_checks,
    finding_key,
    fold_names,
    format_value,
    group_by_cause,
    group_same_finding,
    guide_text,
    meta_for,
    name_neutral,
    next_step,
    node_list,
    node_order,
    outage_cause,
    outage_groups,
    redacted,
    remediation_text,
    sorted_results,
    summary_counts,
    waived_message,
)

# A skipped or passing row's message is cut beyond this (a message naming 500 nodes); the JSON keeps it whole.
_ROW_MESSAGE_CAP = 600
# Up to this many nodes the matrix has a column per node (it fits a landscape page); above, counts per check.
MATRIX_NODES = 12

# Shape and colour both carry the status (colour-blind readers, black-and-white printouts).
SYMBOLS = {
    Status.PASS: "\u2714",  # heavy check mark
    Status.FAIL: "\u2718",  # heavy ballot X
    Status.WARN: "\u26a0",  # warning sign
    Status.SKIP: "\u00bb",  # right guillemet: "skipped over"
    Status.WAIVED: "\u2691",  # black flag: accepted by a waiver
    Status.ERROR: "?",
}
NOT_IN_SCOPE = "\u2014"

# Titles of the sections other stages add; any other section gets its key as title.
SECTION_TITLES = {
    "waivers": "Waivers",
    "drift": "Drift since the baseline",
    "audit": "Audit trail: remote scripts run",
}

_env = Environment(
    loader=PackageLoader("ssocheck.reporters", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    # Every printed value loses its control characters (they are invalid in HTML and could hide text).
    finalize=lambda value: escape_controls(value) if isinstance(value, str) else value,
)


@dataclass
class _Cell:
    status: str
    symbol: str
    message: str
    anchor: str | None


@dataclass
class _Row:
    id: str
    title: str
    severity: str
    cells: list[_Cell] = field(default_factory=list)


@dataclass
class _CountRow:
    """One check of the by-check matrix (large farms): counts per status and the nodes of each status."""

    id: str
    title: str
    severity: str
    counts: list[tuple[str, int]]  # (status value, count), worst first, zeros included
    not_in_scope: int
    drill: list[tuple[str, str, str | None]]  # (status value, exact node ranges, anchor of its finding)


@dataclass
class _Finding:
    anchor: str
    result: Result
    nodes: str  # the nodes in the heading, folded ("NODE1, NODE2" / "A, B, C and 490 more")
    all_nodes: str  # every node as exact ranges when the heading is folded, else ""
    count: int  # how many nodes
    title: str
    severity: str
    evidence: list[tuple[str, str]]
    remediation: str
    guide_step: str
    references: list[tuple[str, bool]]  # (text, is a safe link)
    message: str  # with the waiver spelled out for a waived result
    members: list[Result]  # the results this block stands for
    stopped: list[tuple[str, str]] = field(default_factory=list)  # (check ID, title) stopped by one cause


@dataclass
class _Unreachable:
    anchor: str
    name: str
    error: str
    checks: list[str]
    dependents: list[tuple[str, str]]  # (check IDs, nodes): group checks on other nodes it left unproven
    nodes: str = ""  # when several nodes share this cause: all of them (``name`` is then "N nodes")


@dataclass
class _Group:
    """Results of one check with one message (skipped or passing), on one or many nodes."""

    anchor: str
    check_id: str
    title: str
    nodes: str  # exact node ranges
    count: int
    message: str


@dataclass
class _NodeGroup:
    """Nodes alike in roles, PowerShell version and collection outcome (large farms)."""

    roles: str
    ps_version: str
    error: str
    nodes: str
    count: int
    seconds: str  # collection time range


@dataclass
class _Section:
    key: str
    title: str
    kind: str  # "table", "mapping", "text" or "empty"
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""
    note: str = ""


@dataclass
class _RunbookRow:
    number: str
    window: str
    title: str
    state: str
    symbol: str
    checks: list[tuple[str, str]]  # (check ID, "2 pass, 1 fail")
    done: str  # node ranges
    not_done: str
    not_verified: str
    reasons: list[str]
    manual: str


RUNBOOK_SYMBOLS = {runbook.DONE: "\u2714", runbook.NOT_DONE: "\u2718", runbook.NOT_VERIFIED: "?",
                   runbook.BY_HAND: "\u2610"}


def render(report: Report, **_other: Any) -> str:
    """The HTML page of ``report``; options meant for other reporters are accepted and ignored."""
    report = redacted(report)  # before any escaping, which would hide secrets from redaction
    nodes = node_order(report)
    results = sorted_results(report)
    large = len(nodes) > MATRIX_NODES
    anchors: dict[tuple[str, str], str] = {}
    # Every error an unreachable node explains says the same thing: one block per node instead of one per check.
    down = outage_groups(report)  # and one block for many nodes with the same cause
    unreachable = [_unreachable(f"node{i}", same) for i, same in enumerate(down)]
    for block, same in zip(unreachable, down, strict=True):
        anchors.update({(r.check_id, r.node): block.anchor for outage in same for r in outage.results})
        # The node's own COLLECTION error is the outage itself: shown once, as its block (as in the console),
        # not a second time as a finding of its own (500 such findings were 770 KB of a 2 MB page).
        anchors.update({(COLLECTION_CHECK, outage.node.name): block.anchor for outage in same})
    rest = [r for r in results if r.status is not Status.PASS and (r.check_id, r.node) not in anchors]
    findings: list[_Finding] = []
    for group in group_by_cause([r for r in rest if r.status is Status.ERROR]):
        findings.append(_finding(report, group, f"r{len(findings)}", by_cause=True))
    for group in group_same_finding(report, [r for r in rest if r.status in (Status.FAIL, Status.WARN)]):
        findings.append(_finding(report, group, f"r{len(findings)}"))
    # Operator's order: severity first (critical before high), then status; stable within a key.
    findings.sort(key=lambda f: (-1, STATUS_RANK[Status.ERROR], "") if f.stopped else finding_key(report, f.result))
    for f in findings:
        anchors.update({(r.check_id, r.node): f.anchor for r in f.members})
    skipped_results = [r for r in rest if r.status in (Status.SKIP, Status.WAIVED)]
    waived = [(r, f"s{i}", waived_message(r)) for i, r in enumerate(r for r in skipped_results if r.waiver)]
    anchors.update({(r.check_id, r.node): anchor for r, anchor, _ in waived})
    skipped = _groups(report, [r for r in skipped_results if not r.waiver], "k", large)
    for g, members in skipped:
        anchors.update({(r.check_id, r.node): g.anchor for r in members})
    passed_results = [r for r in results if r.status is Status.PASS]
    passed = _groups(report, passed_results, "p", large)
    for g, members in passed:
        anchors.update({(r.check_id, r.node): g.anchor for r in members})
    steps = runbook.build(report)
    template = _env.get_template("report.html.j2")
    return template.render(
        report=report,
        verdict=report.verdict(),
        verdict_label=provenance.verdict_label(report),
        partial=provenance.is_partial(report),
        provenance=provenance.lines(report),
        next_step=next_step(report),
        counts=[(s.value, n) for s, n in summary_counts(report)],
        failing=failing_checks(report),
        symbols={s.value: SYMBOLS[s] for s in STATUS_ORDER},
        nodes=nodes,
        large=large,
        not_collected=fold_names([n.name for n in nodes if n.error], 10),
        rows=[] if large else _matrix(report, [n.name for n in nodes], anchors),
        count_rows=_count_matrix(report, nodes, anchors) if large else [],
        findings=findings,
        unreachable=unreachable,
        waived=waived,
        skipped=[g for g, _ in skipped],
        skipped_total=len(skipped_results),
        passed=[g for g, _ in passed],
        passed_total=len(passed_results),
        node_groups=_node_groups(nodes) if large else [],
        titles={cid: meta.title for cid, meta in report.checks.items()},
        sections=_sections(report.sections, large),
        not_in_scope=NOT_IN_SCOPE,
        runbook=_runbook_rows(steps),
        runbook_counts=runbook.counts(steps),
        runbook_symbols=RUNBOOK_SYMBOLS,
        runbook_windows=[guide.BEFORE, guide.DURING],
        guide_name=guide.GUIDE_NAME,
        changes_state=_changed_state(report),
    )


def _changed_state(report: Report) -> bool:
    """True when a state-changing script ran (the footer must not call such a run read-only)."""
    audit = report.sections.get("audit")
    return isinstance(audit, list) and any(isinstance(a, Mapping) and a.get("changes_state") for a in audit)


def _unreachable(anchor: str, same: Sequence[Outage]) -> _Unreachable:
    # Group checks grouped by the nodes they stopped on, so the usual case is one line.
    by_check: dict[str, list[str]] = {}
    for r in (r for outage in same for r in outage.dependents):
        by_check.setdefault(r.check_id, []).append(r.node)
    by_nodes: dict[str, list[str]] = {}
    for cid, names in by_check.items():
        by_nodes.setdefault(compact_names(list(dict.fromkeys(names))), []).append(cid)
    dependents = [(", ".join(cids), names) for names, cids in by_nodes.items()]
    first = same[0].node
    if len(same) == 1:
        return _Unreachable(anchor, first.name, first.error or "", [r.check_id for r in same[0].own], dependents)
    checks = sorted({r.check_id for outage in same for r in outage.own})
    return _Unreachable(anchor, f"{len(same)} nodes", outage_cause(first), checks, dependents,
                        nodes=compact_names([outage.node.name for outage in same]))


def _matrix(report: Report, node_names: list[str], anchors: Mapping[tuple[str, str], str]) -> list[_Row]:
    by_key = {(r.check_id, r.node): r for r in report.results}
    check_ids = sorted(set(report.checks) | {r.check_id for r in report.results})
    rows = []
    for cid in check_ids:
        meta = meta_for(report, cid)
        row = _Row(cid, meta.title if meta else "", meta.severity.value if meta else "unknown")
        for name in node_names:
            result = by_key.get((cid, name))
            if result is None:
                row.cells.append(_Cell("none", NOT_IN_SCOPE, "not in scope", None))
            else:
                message = waived_message(result)
                row.cells.append(_Cell(result.status.value, SYMBOLS[result.status], cap(message, 300),
                                       anchors.get((cid, name))))
        rows.append(row)
    return rows


def _count_matrix(report: Report, nodes: Sequence[Any], anchors: Mapping[tuple[str, str], str]) -> list[_CountRow]:
    """One row per check: how many nodes are in each status, and which (as exact ranges), with a link."""
    by_check: dict[str, list[Result]] = {}
    for r in sorted_results(report):
        by_check.setdefault(r.check_id, []).append(r)
    rows = []
    for cid in sorted(set(report.checks) | set(by_check)):
        meta = meta_for(report, cid)
        members = by_check.get(cid, [])
        per_status: dict[Status, list[Result]] = {}
        for r in members:
            per_status.setdefault(r.status, []).append(r)
        drill = [(status.value, compact_names([r.node for r in per_status[status]]),
                  anchors.get((cid, per_status[status][0].node)))
                 for status in STATUS_ORDER if status in per_status]
        rows.append(_CountRow(cid, meta.title if meta else "", meta.severity.value if meta else "unknown",
                              [(s.value, len(per_status.get(s, []))) for s in STATUS_ORDER],
                              len(nodes) - len({r.node for r in members}), drill))
    return rows


def _finding(report: Report, group: list[Result], anchor: str, by_cause: bool = False) -> _Finding:
    """One block: ``group`` holds results identical but for the node, or (``by_cause``) the checks one cause stopped."""
    result = group[0]
    meta = meta_for(report, result.check_id)
    refs = [(ref, ref.startswith(("https://", "http://"))) for ref in (meta.references if meta else ())]
    names = list(dict.fromkeys(r.node for r in group))
    folded = len(names) > FOLD_NAMES + 1
    if by_cause and len(group) > 1:
        # Several checks stopped by one cause: the cause and the checks, no per-check evidence or fix.
        stopped = [(r.check_id, meta.title if (meta := meta_for(report, r.check_id)) else "") for r in group]
        return _Finding(anchor=anchor, result=result, nodes=result.node, all_nodes="", count=1, title="",
                        severity="", evidence=[], remediation="", guide_step="", references=[],
                        message=result.message, members=group, stopped=stopped)
    return _Finding(
        anchor=anchor,
        result=result,
        nodes=node_list(group, FOLD_NAMES),
        all_nodes=compact_names(names) if folded else "",
        count=len(names),
        title=meta.title.rstrip(".") if meta else "",
        severity=meta.severity.value if meta else "unknown",
        evidence=evidence_items(result.evidence),
        # The check's fix does not apply when the check could not decide.
        remediation=remediation_text(meta, result) if result.status is not Status.ERROR else "",
        guide_step=guide_text(meta),
        references=refs,
        message=waived_message(result),
        members=group,
    )


def _groups(report: Report, results: list[Result], prefix: str, large: bool) -> list[tuple[_Group, list[Result]]]:
    """Skipped or passing results as rows: one per result on a small farm, one per (check, message) on a large one.

    On a small farm every message is its own row (readable without hovering a matrix cell); on a large one the
    same message on 497 nodes is one row naming them as ranges.
    """
    buckets: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        key = (r.check_id, r.message) if large else (r.check_id, f"{r.node}\0{r.message}")
        buckets.setdefault(key, []).append(r)
    messages: dict[tuple[str, str], str] = {key: members[0].message for key, members in buckets.items()}
    if large:
        # A check whose message names the node ("BTSNODE0001 is 11 characters") would still give one row per
        # node: beyond a few messages per check, its rows merge into one that says how many messages there are.
        per_check: dict[str, list[tuple[str, str]]] = {}
        for key in buckets:
            per_check.setdefault(key[0], []).append(key)
        for cid, keys in per_check.items():
            if len(keys) > FOLD_NAMES:
                merged = [r for key in keys for r in buckets.pop(key)]
                buckets[(cid, "")] = merged
                messages[(cid, "")] = (f"{merged[0].message} (and {len(keys) - 1} other messages, one per node; "
                                       "each is in the JSON report)")
    out = []
    for i, (key, members) in enumerate(buckets.items()):
        cid = key[0]
        out.append((_Group(f"{prefix}{i}", cid, (m.title if (m := meta_for(report, cid)) else ""),
                           compact_names([r.node for r in members]), len(members),
                           cap(messages[key], _ROW_MESSAGE_CAP)), members))
    return out


def _node_groups(nodes: Sequence[Any]) -> list[_NodeGroup]:
    buckets: dict[tuple[str, str, str], list[Any]] = {}
    for n in nodes:
        buckets.setdefault((", ".join(n.roles), n.ps_version or "", n.error or ""), []).append(n)
    out = []
    for (roles, ps, error), members in buckets.items():
        times = [n.duration_s for n in members if n.duration_s is not None]
        seconds = "" if not times else (f"{min(times):.1f} s" if min(times) == max(times)
                                         else f"{min(times):.1f} to {max(times):.1f} s")
        out.append(_NodeGroup(roles, ps, error, compact_names([n.name for n in members]), len(members), seconds))
    return out


def _runbook_rows(steps: Sequence[runbook.StepState]) -> list[_RunbookRow]:
    rows = []
    for s in steps:
        checks = [(c.check_id, "runs in another phase" if c.other_phase else ", ".join(
            f"{n} {st}" for st, n in sorted(c.counts.items(), key=lambda kv: STATUS_RANK[Status(kv[0])]))
            if c.ran else "did not run") for c in s.checks if c.ran or c.installed]
        rows.append(_RunbookRow(
            number=s.step.number, window=s.step.window, title=s.step.title, state=s.state,
            symbol=RUNBOOK_SYMBOLS[s.state], checks=checks, done=compact_names(s.nodes_done),
            not_done=compact_names(s.nodes_not_done), not_verified=compact_names(s.nodes_not_verified),
            reasons=list(s.reasons[:5]) + ([f"... and {len(s.reasons) - 5} more"] if len(s.reasons) > 5 else []),
            manual=s.manual))
    return rows


def _sections(sections: Mapping[str, Any], large: bool = False) -> list[_Section]:
    """Known sections first (waivers, drift, audit), then the others by name; each rendered by shape.

    On a large farm the audit trail (one entry per node and script) is grouped: the same script (hash) with
    the same outcome on 497 nodes is one row naming them as ranges.
    """
    order = [k for k in SECTION_TITLES if k in sections] + sorted(k for k in sections if k not in SECTION_TITLES)
    out = []
    for key in order:
        value = sections[key]
        if key == "audit" and large and isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
            out.append(_audit_grouped(value))
        else:
            out.append(_section(key, value))
    return out


def _audit_grouped(entries: list[Mapping[str, Any]]) -> _Section:
    buckets: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for e in entries:
        key = tuple(_cell_text(e.get(k)) for k in ("purpose", "sha256", "size", "changes_state"))
        # An error outcome names its node ("error: BTSNODE0001: ..."): without the name, 500 nodes that
        # failed alike are one row, not 500 (660 KB of a page whose target is 1 MB).
        key += (name_neutral(_cell_text(e.get("outcome")), str(e.get("node", ""))),)
        buckets.setdefault(key, []).append(e)
    rows = []
    for (purpose, sha, size, changes, outcome), members in buckets.items():
        names = compact_names([str(m.get("node", "")) for m in members])
        rows.append([names, str(len(members)), purpose, sha, size, changes, outcome])
    return _Section("audit", SECTION_TITLES["audit"], "table",
                    ["nodes", "count", "purpose", "sha256", "size", "changes state", "outcome"], rows,
                    note="Grouped: the same script and outcome on many nodes is one row (every entry is in the "
                         "JSON report).")


def _section(key: str, value: Any) -> _Section:
    title = SECTION_TITLES.get(key, key.replace("_", " ").capitalize())
    if value in (None, [], {}):
        return _Section(key, title, "empty")
    if isinstance(value, list) and all(isinstance(item, Mapping) for item in value):
        columns: list[str] = []
        for item in value:
            columns += [str(k) for k in item if str(k) not in columns]
        rows = [[_cell_text(item.get(col)) for col in columns] for item in value]
        return _Section(key, title, "table", columns, rows)
    if isinstance(value, Mapping):
        return _Section(key, title, "mapping", ["key", "value"],
                        [[str(k), _cell_text(v)] for k, v in value.items()])
    if isinstance(value, list):
        return _Section(key, title, "table", ["value"], [[_cell_text(item)] for item in value])
    return _Section(key, title, "text", text=_cell_text(value))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return cap(", ".join(str(v) for v in value))  # a list of fact names reads better without JSON quotes
    return cap(format_value(value))
