"""Console reporter: a table of results, a summary line with the verdict, then details of every finding.

Colour is opt-in (``color=True``): the CLI asks for it only when stdout is a terminal, so logs and
pipes never get escape codes. Colour is never the only signal: the status word is always printed.

Written for a terminal on a cut-over bridge call: worst results first, one row for the same result on
several nodes, one row and one block for a node that could not be reached (instead of an error per check
and node), a summary line that says what to do, and the verdict repeated last when details pushed it up.
``--verbose`` lists every result on its own row.
"""

from __future__ import annotations

from typing import Any

import click
from tabulate import tabulate

from ssocheck.model import Report, Result, Status
from ssocheck.reporters.common import (
    STATUS_RANK,
    escape_controls,
    evidence_items,
    explained_by_outages,
    group_by_cause,
    group_same_finding,
    meta_for,
    next_step,
    node_list,
    node_order,
    outages,
    redacted,
    sorted_results,
    summary_counts,
    waived_message,
)

_STYLE: dict[Status, dict[str, Any]] = {
    Status.PASS: {"fg": "green"},
    Status.FAIL: {"fg": "red", "bold": True},
    Status.WARN: {"fg": "yellow", "bold": True},
    Status.SKIP: {"fg": "cyan"},
    Status.ERROR: {"fg": "magenta", "bold": True},
}
_VERDICT_STYLE: dict[str, dict[str, Any]] = {
    "PASSED": {"fg": "green", "bold": True},
    "FAILED": {"fg": "red", "bold": True},
    "INCOMPLETE": {"fg": "magenta", "bold": True},
}
# Long messages wrap inside their column instead of pushing the table off the screen.
_MESSAGE_WIDTH = 80


class _Painter:
    """click.style when colour is on, the identity otherwise (so no escape code leaks into pipes)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.color else text

    def status(self, status: Status, text: str | None = None) -> str:
        return self(text if text is not None else status.value.upper(), **_STYLE[status])


def render(report: Report, *, color: bool = False, verbose: bool = False, **_other: Any) -> str:
    """The console text of ``report``.

    ``color`` adds ANSI colours (the CLI passes whether stdout is a TTY). ``verbose`` lists passing
    results in the table too; the counts always include them. Options meant for other reporters
    are accepted and ignored so the CLI can pass one option set to every reporter.
    """
    report = redacted(report)  # before any escaping, which would hide secrets from redaction
    paint = _Painter(color)
    lines: list[str] = [_header(report), ""]
    lines += _table(report, paint, verbose)
    lines += ["", _summary(report, paint), f"next: {next_step(report)}"]
    lines += _node_errors(report, paint)
    details = _details(report, paint)
    lines += details
    lines += _sections(report)
    if details:
        # The summary has scrolled out of sight behind the details: the last line says it again.
        lines += ["", f"Verdict: {_verdict(report, paint)}: {next_step(report)}"]
    return "\n".join(lines).rstrip("\n") + "\n"


def _header(report: Report) -> str:
    return (
        f"ssocheck {report.tool_version}: group {report.group}, phase {report.phase.value}, "
        f"source {report.source}, started {report.started_at}"
    )


def _table(report: Report, paint: _Painter, verbose: bool) -> list[str]:
    results = sorted_results(report)
    if not results:
        return ["No results: no check applied to any node."]
    shown = [r for r in results if verbose or r.status is not Status.PASS]
    if not shown:
        return [f"All {len(results)} results passed (use --verbose to list them)."]
    rows = _rows(report, shown, paint) if not verbose else [
        [_t(r.check_id), _t(r.node), paint.status(r.status), _t(_message(r))] for r in shown
    ]
    table = tabulate(
        rows,
        headers=["ID", "Node", "Status", "Message"],
        tablefmt="simple",
        maxcolwidths=[None, None, None, _MESSAGE_WIDTH],
        disable_numparse=True,
    )
    out = table.splitlines()
    hidden = len(results) - len(shown)
    if hidden:
        out.append(f"({hidden} passing results hidden; use --verbose to list them)")
    return out


def _rows(report: Report, shown: list[Result], paint: _Painter) -> list[list[str]]:
    """The compact table, worst first.

    One row per unreachable node (for every error it explains), one row for the checks one cause stopped
    on a node, and one row for the same result on several nodes.
    """
    explained = explained_by_outages(report)
    rows: list[tuple[int, list[str]]] = []
    for outage in outages(report):
        if outage.results:
            rows.append((STATUS_RANK[Status.ERROR], [
                "-", _t(outage.node.name), paint.status(Status.ERROR),
                f"not collected: {_plural(len(outage.results), 'check')} could not decide (see below)",
            ]))
    rest = [r for r in shown if (r.check_id, r.node) not in explained]
    for group in group_by_cause([r for r in rest if r.status is Status.ERROR]):
        if len(group) > 1:
            ids = ", ".join(r.check_id for r in group)
            rows.append((STATUS_RANK[Status.ERROR], [
                f"{len(group)} checks", _t(group[0].node), paint.status(Status.ERROR), _t(f"{ids}: {group[0].message}"),
            ]))
    grouped = {(r.check_id, r.node) for g in group_by_cause([r for r in rest if r.status is Status.ERROR])
               if len(g) > 1 for r in g}
    position = {n.name: i for i, n in enumerate(node_order(report))}
    same: dict[tuple[str, Status, str], list[Result]] = {}
    for result in rest:
        if (result.check_id, result.node) not in grouped:
            same.setdefault((result.check_id, result.status, _message(result)), []).append(result)
    ordered = sorted(same.items(), key=lambda kv: (STATUS_RANK[kv[0][1]], kv[0][0], position[kv[1][0].node]))
    for (check_id, status, message), group in ordered:
        if len(group) <= 2:
            where = ",".join(r.node for r in group)  # no space: the node column stays one token wide
        else:
            where, message = f"{len(group)} nodes", f"{message} (on {node_list(group)})"
        rows.append((STATUS_RANK[status], [_t(check_id), _t(where), paint.status(status), _t(message)]))
    rows.sort(key=lambda row: row[0])  # stable: within a status, outages and causes before single results
    return [row for _, row in rows]


def _message(result: Result) -> str:
    """The table message; a waived result says so, with expiry and justification."""
    return waived_message(result)


def _summary(report: Report, paint: _Painter) -> str:
    counts = ", ".join(
        paint.status(status, f"{n} {status.value}") if n else f"{n} {status.value}"
        for status, n in summary_counts(report)
    )
    checks = len({r.check_id for r in report.results})
    nodes = len(node_order(report))
    return f"{len(report.results)} results ({checks} checks on {nodes} nodes): {counts} -> {_verdict(report, paint)}"


def _verdict(report: Report, paint: _Painter) -> str:
    verdict = report.verdict()
    return paint(verdict, **_VERDICT_STYLE[verdict])


def _node_errors(report: Report, paint: _Painter) -> list[str]:
    broken = [n for n in report.nodes if n.error]
    if not broken:
        return []
    lines = ["", paint("Nodes whose facts could not be collected:", bold=True)]
    for outage in outages(report):
        node = outage.node
        affected = len(outage.own)
        note = f" ({_plural(affected, 'check')} could not run)" if affected else ""
        lines.append(f"  {paint.status(Status.ERROR)} {_t(node.name)}: {_t(node.error or '')}{note}")
        if outage.dependents:
            # Checks grouped by the nodes they stopped on: usually one line ("BTS002, DTC001 on BTSNODE1, NODE1").
            by_check: dict[str, list[str]] = {}
            for r in outage.dependents:
                by_check.setdefault(r.check_id, []).append(r.node)
            by_nodes: dict[str, list[str]] = {}
            for cid, names in by_check.items():
                by_nodes.setdefault(", ".join(names), []).append(cid)
            lines.append(f"    and {_plural(len(outage.dependents), 'group check result')} on other nodes, "
                         "which need its facts to be proven:")
            lines += [f"      {_t(', '.join(cids))} on {_t(names)}" for names, cids in by_nodes.items()]
    return lines


def _details(report: Report, paint: _Painter) -> list[str]:
    # Errors an unreachable node explains all say the same thing; the node errors block above covers them.
    explained = explained_by_outages(report)
    ordered = sorted_results(report)
    findings = [r for r in ordered if r.status in (Status.FAIL, Status.WARN)]
    # One missing or failed fact usually stops several checks on a node with the same message:
    # show that cause once, with the checks it stopped, instead of once per check.
    causes = group_by_cause([r for r in ordered if r.status is Status.ERROR and (r.check_id, r.node) not in explained])
    if not findings and not causes:
        return []
    lines = ["", paint("Details:", bold=True)]
    for group in causes:
        check_ids = ", ".join(r.check_id for r in group)
        lines += [
            "",
            f"{paint.status(Status.ERROR)} {_t(check_ids)} on {_t(group[0].node)}: could not decide",
            _indent(_t(group[0].message), "  "),
            "  fix the cause above and run again",
        ]
    findings.sort(key=lambda r: STATUS_RANK[r.status])  # stable: keeps node/check order inside a status
    for same in group_same_finding(report, findings):
        lines += ["", *_detail(report, same, paint)]
    return lines


def _detail(report: Report, same: list[Result], paint: _Painter) -> list[str]:
    """One finding; ``same`` holds its results, identical but for the node."""
    result = same[0]
    meta = meta_for(report, result.check_id)
    title = f" {meta.title}" if meta else ""
    severity = f" (severity {meta.severity.value})" if meta else ""
    where = _t(node_list(same))
    lines = [f"{paint.status(result.status)} {_t(result.check_id)} on {where}:{_t(title)}{severity}",
             _indent(_t(result.message), "  ")]
    for key, value in evidence_items(result.evidence):
        lines.append(_indent(_t(f"{key}: {value}"), "    "))
    if meta and meta.remediation:
        lines.append(_indent(f"remediation: {meta.remediation}", "  "))
    if meta and meta.guide_step and meta.guide_step != "-":
        lines.append(f"  guide step: {meta.guide_step}")
    if meta and meta.references:
        # "; " because a reference may itself contain commas ("MS-CMOM (2.2.3.2-2.2.3.4, 3.3.1.2.3)").
        lines.append(f"  references: {'; '.join(meta.references)}")
    return lines


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _t(text: str) -> str:
    """Server-provided text, made unable to drive the terminal (escape sequences shown, not obeyed)."""
    return escape_controls(text)


def _indent(text: str, prefix: str) -> str:
    """Indent every line of a multi-line value so it stays visually under its finding."""
    return "\n".join(prefix + line for line in text.splitlines() or [""])


def _sections(report: Report) -> list[str]:
    """One line per extra section (waivers, drift, audit...); the full content is in HTML and JSON."""
    if not report.sections:
        return []
    lines = [""]
    for name, value in sorted(report.sections.items()):
        size = _plural(len(value), "entry", "entries") if isinstance(value, (list, dict)) else "present"
        lines.append(f"{_t(name)}: {size} (see the HTML or JSON report)")
    return lines
