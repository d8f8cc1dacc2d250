"""HTML reporter: one self-contained page (inline CSS, no external asset, no script needed).

Order of the page: the verdict banner (with what to do next), the node x check matrix, the details of
every finding, the skipped and passing results (collapsed), then the nodes table and any extra sections
(waivers, drift, audit trail, or sections added later, rendered generically).

Findings are grouped so the page stays short on a bad night: an unreachable node is one block that also
names the group checks it stopped on other nodes, the checks one failed fact stopped on a node are one
block, and the same result on several nodes (a cluster-wide setting seen from each node) is one block.

Everything from a server (messages, evidence, names) is hostile text: the Jinja2 environment
autoescapes, nothing is marked safe, and only http(s) references become links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ssocheck import provenance
from ssocheck.model import Report, Result, Status
from ssocheck.reporters.common import (
    STATUS_ORDER,
    STATUS_RANK,
    Outage,
    cap,
    escape_controls,
    evidence_items,
    finding_key,
    format_value,
    group_by_cause,
    group_same_finding,
    guide_text,
    meta_for,
    next_step,
    node_list,
    node_order,
    outages,
    redacted,
    remediation_text,
    sorted_results,
    summary_counts,
    waived_message,
)

# Shape and colour both carry the status (colour-blind readers, black-and-white printouts).
SYMBOLS = {
    Status.PASS: "\u2714",  # heavy check mark
    Status.FAIL: "\u2718",  # heavy ballot X
    Status.WARN: "\u26a0",  # warning sign
    Status.SKIP: "\u00bb",  # right guillemet: "skipped over"
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
class _Finding:
    anchor: str
    result: Result
    nodes: str  # every node the finding holds for ("NODE1, NODE2")
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


@dataclass
class _Section:
    key: str
    title: str
    kind: str  # "table", "mapping", "text" or "empty"
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""


def render(report: Report, **_other: Any) -> str:
    """The HTML page of ``report``; options meant for other reporters are accepted and ignored."""
    report = redacted(report)  # before any escaping, which would hide secrets from redaction
    nodes = node_order(report)
    results = sorted_results(report)
    anchors: dict[tuple[str, str], str] = {}
    # Every error an unreachable node explains says the same thing: one block per node instead of one per check.
    down = outages(report)
    unreachable = [_unreachable(f"node{i}", outage) for i, outage in enumerate(down)]
    for block, outage in zip(unreachable, down, strict=True):
        anchors.update({(r.check_id, r.node): block.anchor for r in outage.results})
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
    skipped = [(r, f"s{i}", waived_message(r)) for i, r in enumerate(r for r in rest if r.status is Status.SKIP)]
    anchors.update({(r.check_id, r.node): anchor for r, anchor, _ in skipped})
    template = _env.get_template("report.html.j2")
    return template.render(
        report=report,
        verdict=report.verdict(),
        verdict_label=provenance.verdict_label(report),
        provenance=provenance.lines(report),
        next_step=next_step(report),
        counts=[(s.value, n) for s, n in summary_counts(report)],
        symbols={s.value: SYMBOLS[s] for s in STATUS_ORDER},
        nodes=nodes,
        not_collected=[n.name for n in nodes if n.error],
        rows=_matrix(report, [n.name for n in nodes], anchors),
        findings=findings,
        unreachable=unreachable,
        skipped=skipped,
        passed=[r for r in results if r.status is Status.PASS],
        titles={cid: meta.title for cid, meta in report.checks.items()},
        sections=_sections(report.sections),
        not_in_scope=NOT_IN_SCOPE,
    )


def _unreachable(anchor: str, outage: Outage) -> _Unreachable:
    # Group checks grouped by the nodes they stopped on, so the usual case is one line.
    by_check: dict[str, list[str]] = {}
    for r in outage.dependents:
        by_check.setdefault(r.check_id, []).append(r.node)
    by_nodes: dict[str, list[str]] = {}
    for cid, names in by_check.items():
        by_nodes.setdefault(", ".join(names), []).append(cid)
    return _Unreachable(anchor, outage.node.name, outage.node.error or "", [r.check_id for r in outage.own],
                        [(", ".join(cids), names) for names, cids in by_nodes.items()])


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
                anchor = anchors[(cid, name)] if result.status is not Status.PASS else None
                message = waived_message(result)
                row.cells.append(_Cell(result.status.value, SYMBOLS[result.status], cap(message, 300), anchor))
        rows.append(row)
    return rows


def _finding(report: Report, group: list[Result], anchor: str, by_cause: bool = False) -> _Finding:
    """One block: ``group`` holds results identical but for the node, or (``by_cause``) the checks one cause stopped."""
    result = group[0]
    meta = meta_for(report, result.check_id)
    refs = [(ref, ref.startswith(("https://", "http://"))) for ref in (meta.references if meta else ())]
    if by_cause and len(group) > 1:
        # Several checks stopped by one cause: the cause and the checks, no per-check evidence or fix.
        stopped = [(r.check_id, meta.title if (meta := meta_for(report, r.check_id)) else "") for r in group]
        return _Finding(anchor=anchor, result=result, nodes=result.node, title="", severity="", evidence=[],
                        remediation="", guide_step="", references=[], message=result.message, members=group,
                        stopped=stopped)
    return _Finding(
        anchor=anchor,
        result=result,
        nodes=node_list(group),
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


def _sections(sections: Mapping[str, Any]) -> list[_Section]:
    """Known sections first (waivers, drift, audit), then the others by name; each rendered by shape."""
    order = [k for k in SECTION_TITLES if k in sections] + sorted(k for k in sections if k not in SECTION_TITLES)
    return [_section(key, sections[key]) for key in order]


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
