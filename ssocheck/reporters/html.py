"""HTML reporter: one self-contained page (inline CSS, no external asset, no script needed).

Order of the page: the verdict banner, the node x check matrix, the details of every finding, the
passing results (collapsed), then the nodes table and any extra sections (waivers, drift, audit
trail, or sections added later, rendered generically).

Everything from a server (messages, evidence, names) is hostile text: the Jinja2 environment
autoescapes, nothing is marked safe, and only http(s) references become links.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ssocheck.model import Report, Result, Status
from ssocheck.reporters.common import (
    STATUS_ORDER,
    STATUS_RANK,
    cap,
    escape_controls,
    evidence_items,
    format_value,
    meta_for,
    node_order,
    redacted,
    sorted_results,
    summary_counts,
    waived_message,
    waiver_text,
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
    title: str
    severity: str
    evidence: list[tuple[str, str]]
    remediation: str
    guide_step: str
    references: list[tuple[str, bool]]  # (text, is a safe link)
    waiver: str


@dataclass
class _Unreachable:
    anchor: str
    name: str
    error: str
    checks: list[str]


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
    # Every error on an unreachable node says the same thing: one block per node instead of one per check.
    unreachable = {
        n.name: _Unreachable(f"node{i}", n.name, n.error, [r.check_id for r in results
                                                          if r.node == n.name and r.status is Status.ERROR])
        for i, n in enumerate(nodes)
        if n.error
    }
    anchors = {
        (r.check_id, r.node): unreachable[r.node].anchor
        if r.status is Status.ERROR and r.node in unreachable else f"r{i}"
        for i, r in enumerate(results)
    }
    findings = [
        _finding(report, r, anchors[(r.check_id, r.node)])
        for r in results
        if r.status is not Status.PASS and not (r.status is Status.ERROR and r.node in unreachable)
    ]
    findings.sort(key=lambda f: STATUS_RANK[f.result.status])  # stable: node/check order kept per status
    template = _env.get_template("report.html.j2")
    return template.render(
        report=report,
        verdict=report.verdict(),
        counts=[(s.value, n) for s, n in summary_counts(report)],
        symbols={s.value: SYMBOLS[s] for s in STATUS_ORDER},
        nodes=nodes,
        rows=_matrix(report, [n.name for n in nodes], anchors),
        findings=[f for f in findings if f.result.status is not Status.SKIP],
        unreachable=list(unreachable.values()),
        skipped=[f for f in findings if f.result.status is Status.SKIP],
        passed=[r for r in results if r.status is Status.PASS],
        titles={cid: meta.title for cid, meta in report.checks.items()},
        sections=_sections(report.sections),
        not_in_scope=NOT_IN_SCOPE,
    )


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


def _finding(report: Report, result: Result, anchor: str) -> _Finding:
    meta = meta_for(report, result.check_id)
    refs = [(ref, ref.startswith(("https://", "http://"))) for ref in (meta.references if meta else ())]
    return _Finding(
        anchor=anchor,
        result=result,
        title=meta.title if meta else "",
        severity=meta.severity.value if meta else "unknown",
        evidence=evidence_items(result.evidence),
        # The check's fix does not apply when the check could not decide.
        remediation=meta.remediation if meta and result.status is not Status.ERROR else "",
        guide_step=meta.guide_step if meta and meta.guide_step != "-" else "",
        references=refs,
        waiver=waiver_text(result.waiver) if result.waiver is not None else "",
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
