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

from ssocheck import provenance
from ssocheck.model import Report, Result, Status
from ssocheck.reporters.common import (
    FOLD_NAMES,
    STATUS_RANK,
    cap,
    compact_names,
    escape_controls,
    evidence_items,
    explained_by_outages,
    finding_key,
    findings_phrase,
    fold_names,
    group_by_cause,
    group_same_finding,
    guide_text,
    meta_for,
    next_step,
    node_list,
    node_order,
    outage_cause,
    outage_groups,
    redacted,
    remediation_text,
    severity_for,
    severity_rank,
    sorted_results,
    summary_counts,
    waived_message,
)
from ssocheck.terminal import DEFAULT_WIDTH

_STYLE: dict[Status, dict[str, Any]] = {
    Status.PASS: {"fg": "green"},
    Status.FAIL: {"fg": "red", "bold": True},
    Status.WARN: {"fg": "yellow", "bold": True},
    Status.SKIP: {"fg": "cyan"},
    Status.WAIVED: {"fg": "magenta"},
    Status.ERROR: {"fg": "magenta", "bold": True},
}
_VERDICT_STYLE: dict[str, dict[str, Any]] = {
    "PASSED": {"fg": "green", "bold": True},
    "FAILED": {"fg": "red", "bold": True},
    "INCOMPLETE": {"fg": "magenta", "bold": True},
    "INTERRUPTED": {"fg": "magenta", "bold": True},
}
# A finding's full node list in the details, beyond which it is cut (the HTML and JSON keep every name).
_NODE_LIST_CAP = 400
# The message column never gets narrower than this, whatever the terminal: below it, rows wrap.
_MIN_MESSAGE = 30


class _Painter:
    """click.style when colour is on, the identity otherwise (so no escape code leaks into pipes)."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.color else text

    def status(self, status: Status, text: str | None = None) -> str:
        return self(text if text is not None else status.value.upper(), **_STYLE[status])


def render(report: Report, *, color: bool = False, verbose: bool = False, width: int = DEFAULT_WIDTH,
           **_other: Any) -> str:
    """The console text of ``report``.

    ``color`` adds ANSI colours (the CLI decides with ``ssocheck.terminal.use_color``: a TTY, NO_COLOR,
    FORCE_COLOR). ``verbose`` lists passing results in the table too; the counts always include them.
    ``width`` is the terminal's width: the table's message column and the detail lines wrap to it.
    Options meant for other reporters are accepted and ignored so the CLI can pass one option set to
    every reporter.
    """
    report = redacted(report)  # before any escaping, which would hide secrets from redaction
    paint = _Painter(color)
    lines: list[str] = [*_header(report, width), ""]
    lines += _table(report, paint, verbose, width)
    lines += ["", _wrap(_summary(report, paint), width, "", "  ")]
    phrase = findings_phrase(report)
    if phrase:
        lines.append(f"failing: {phrase}")
    lines.append(_wrap(f"next: {next_step(report)}", width, "", "  "))
    lines += _node_errors(report, paint, width)
    details = _details(report, paint, width)
    lines += details
    lines += _sections(report)
    if details:
        # The summary has scrolled out of sight behind the details: the last line says it again.
        # The verdict word is the last line, whatever the width: the next step, wrapped, comes just before.
        lines += ["", _wrap(f"next: {next_step(report)}", width, "", "  "), f"Verdict: {_verdict(report, paint)}"]
    return "\n".join(lines).rstrip("\n") + "\n"


def _header(report: Report, width: int) -> list[str]:
    """The first lines: what was checked and how the report was produced (provenance), before any result."""
    first = (f"ssocheck {report.tool_version}: group {report.group}, phase {report.phase.value}, "
             f"source {report.source}, started {report.started_at}")
    lines = [_wrap(_t(first), width, "", "  ")]
    lines += [_wrap(_t(f"{label}: {value}"), width, "  ", "    ") for label, value in provenance.lines(report)]
    return lines


def _table(report: Report, paint: _Painter, verbose: bool, width: int) -> list[str]:
    results = sorted_results(report)
    if not results:
        return ["No results: no check applied to any node."]
    shown = [r for r in results if verbose or r.status is not Status.PASS]
    if not shown:
        return [f"All {len(results)} results passed (use --verbose to list them)."]
    rows = _rows(report, shown, paint) if not verbose else [
        [_t(r.check_id), severity_for(report, r.check_id), _t(r.node), paint.status(r.status), _t(_message(r))]
        for r in sorted(shown, key=lambda r: (severity_rank(report, r.check_id), STATUS_RANK[r.status]))
    ]
    headers = ["ID", "Severity", "Node", "Status", "Message"]
    # The message column takes what the other columns leave (tabulate's "simple" format puts two spaces
    # between columns); colour codes do not count, tabulate measures visible width.
    # tabulate pads a header by two (MIN_PADDING), so a column is at least its header + 2 wide.
    fixed = [max([len(click.unstyle(str(row[i]))) for row in rows] + [len(headers[i]) + 2]) for i in range(4)]
    room = width - sum(fixed) - 2 * 4
    node_width: int | None = None
    if room < _MIN_MESSAGE:
        # A narrow terminal (80 columns with "BTSNODE1,BTSNODE2" in the node column): the node column gives way
        # first, wrapping its list after a comma, down to its longest single name; only then does the table
        # grow past the width.
        longest_name = max([len(n.name) + 1 for n in report.nodes] + [len(headers[2]) + 2])
        give = min(_MIN_MESSAGE - room, fixed[2] - longest_name)
        if give > 0:
            node_width, room = fixed[2] - give, room + give
            for row in rows:
                row[2] = row[2].replace(",", ", ")  # node names hold no comma: a place to break the list
    message_width = max(_MIN_MESSAGE, room)
    table = tabulate(
        rows,
        headers=headers,
        tablefmt="simple",
        maxcolwidths=[None, None, node_width, None, message_width],
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
    # Sort key: (severity rank, status rank); outages and shared causes have no severity of their own and
    # come first (-1): they explain many rows and say what to fix before anything else can be judged.
    rows: list[tuple[tuple[int, int], list[str]]] = []
    for same_cause in outage_groups(report):
        # Always a row, even when no selected check applies to the node: it is the run's error. Many nodes
        # with the same cause share one row.
        stopped_n = sum(len(outage.results) for outage in same_cause)
        stopped = f": {_plural(stopped_n, 'check')} could not decide" if stopped_n else ""
        where, on = _t(same_cause[0].node.name), ""
        if len(same_cause) > 1:
            where, on = f"{len(same_cause)} nodes", f" (on {_t(fold_names([o.node.name for o in same_cause]))})"
        rows.append(((-1, STATUS_RANK[Status.ERROR]), [
            "COLLECTION", "-", where, paint.status(Status.ERROR), f"not collected{stopped} (see below){on}",
        ]))
    rest = [r for r in shown if (r.check_id, r.node) not in explained]
    for group in group_by_cause([r for r in rest if r.status is Status.ERROR]):
        if len(group) > 1:
            ids = ", ".join(r.check_id for r in group)
            rows.append(((-1, STATUS_RANK[Status.ERROR]), [
                f"{len(group)} checks", "-", _t(group[0].node), paint.status(Status.ERROR),
                _t(f"{ids}: {group[0].message}"),
            ]))
    grouped = {(r.check_id, r.node) for g in group_by_cause([r for r in rest if r.status is Status.ERROR])
               if len(g) > 1 for r in g}
    position = {n.name: i for i, n in enumerate(node_order(report))}
    same: dict[tuple[str, Status, str], list[Result]] = {}
    for result in rest:
        if (result.check_id, result.node) not in grouped:
            same.setdefault((result.check_id, result.status, _message(result)), []).append(result)
    ordered = sorted(same.items(), key=lambda kv: (kv[0][0], position[kv[1][0].node]))
    for (check_id, status, message), group in ordered:
        if len(group) <= 2:
            where = ",".join(r.node for r in group)  # no space: the node column stays one token wide
        else:
            where, message = f"{len(group)} nodes", f"{message} (on {node_list(group, FOLD_NAMES)})"
        rank = severity_rank(report, check_id)
        rows.append(((rank, STATUS_RANK[status]),
                     [_t(check_id), severity_for(report, check_id), _t(where), paint.status(status), _t(message)]))
    # Operator's order: severity first (critical before high), then status; stable within a key.
    rows.sort(key=lambda row: (row[0][1] > STATUS_RANK[Status.WARN], row[0]))
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
    return (f"{_plural(len(report.results), 'result')} ({_plural(checks, 'check')} on {_plural(nodes, 'node')}): "
            f"{counts} -> {_verdict(report, paint)}")


def _verdict(report: Report, paint: _Painter) -> str:
    # "PASSED (PARTIAL: 6 of 27 checks)" for a filtered run: never mistaken for a full one.
    return paint(provenance.verdict_label(report), **_VERDICT_STYLE[report.verdict()])


def _node_errors(report: Report, paint: _Painter, width: int) -> list[str]:
    broken = [n for n in report.nodes if n.error]
    if not broken:
        return []
    lines = ["", paint("Nodes whose facts could not be collected:", bold=True)]
    for group in outage_groups(report):
        node = group[0].node
        affected = sum(len(outage.own) for outage in group)
        note = f" ({_plural(affected, 'check')} could not run)" if affected else ""
        if len(group) == 1:
            # The error names its node already ("NODE2: cannot connect ..."): said once (newcomer D13).
            error = node.error or ""
            if error.startswith(f"{node.name}: "):
                error = error[len(node.name) + 2:]
            lines.append(_wrap(f"{paint.status(Status.ERROR)} {_t(node.name)}: {_t(error)}{note}", width, "  ", "    "))
        else:
            # One cause for many nodes: said once, the nodes listed exactly (ranges of clone names).
            cause = f"{paint.status(Status.ERROR)} {len(group)} nodes: {_t(outage_cause(node))}{note}"
            lines.append(_wrap(cause, width, "  ", "    "))
            lines.append(_wrap(_t(compact_names([o.node.name for o in group])), width, "    ", "    "))
        dependents = [r for outage in group for r in outage.dependents]
        if dependents:
            # Checks grouped by the nodes they stopped on: usually one line ("BTS002, DTC001 on BTSNODE1, NODE1").
            by_check: dict[str, list[str]] = {}
            for r in dependents:
                by_check.setdefault(r.check_id, []).append(r.node)
            by_nodes: dict[str, list[str]] = {}
            for cid, names in by_check.items():
                by_nodes.setdefault(", ".join(names), []).append(cid)
            lines.append(_wrap(f"and {_plural(len(dependents), 'group check result')} on other nodes, "
                               f"which need {'its' if len(group) == 1 else 'their'} facts to be proven:", width,
                               "    ", "      "))
            lines += [_wrap(f"{_t(', '.join(cids))} on {_t(fold_names(names.split(', ')))}", width, "      ",
                            "        ") for names, cids in by_nodes.items()]
    return lines


def _details(report: Report, paint: _Painter, width: int) -> list[str]:
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
            _wrap(f"{paint.status(Status.ERROR)} {_t(check_ids)} on {_t(group[0].node)}: could not decide", width),
            _wrap(_t(group[0].message), width, "  "),
            "  fix the cause above and run again",
        ]
    # Operator's order: severity first (critical before high), then fail before warn; stable within a key.
    findings.sort(key=lambda r: finding_key(report, r))
    for same in group_same_finding(report, findings):
        lines += ["", *_detail(report, same, paint, width)]
    return lines


def _detail(report: Report, same: list[Result], paint: _Painter, width: int) -> list[str]:
    """One finding; ``same`` holds its results, identical but for the node."""
    result = same[0]
    meta = meta_for(report, result.check_id)
    title = f" {meta.title}" if meta else ""
    severity = f" (severity {meta.severity.value})" if meta else ""
    where = _t(node_list(same, FOLD_NAMES))
    lines = [_wrap(f"{paint.status(result.status)} {_t(result.check_id)} on {where}:{_t(title)}{severity}", width),
             _wrap(_t(result.message), width, "  ")]
    if len(same) > FOLD_NAMES + 1:
        # Every node, exactly, as ranges of clones; a list that stays long is cut (the JSON and HTML have it).
        names = cap(compact_names(list(dict.fromkeys(r.node for r in same))), _NODE_LIST_CAP)
        lines.append(_wrap(f"nodes ({len(same)}): {_t(names)}", width, "  ", "    "))
    for key, value in evidence_items(result.evidence):
        lines.append(_wrap(_t(f"{key}: {value}"), width, "    "))
    fix = remediation_text(meta, result)
    if fix:
        lines.append(_wrap(_t(f"remediation: {fix}"), width, "  ", "    "))
    steps = guide_text(meta)
    if steps:
        lines.append(_wrap(f"guide: {steps}", width, "  ", "    "))
    if meta and meta.references:
        # "; " because a reference may itself contain commas ("MS-CMOM (2.2.3.2-2.2.3.4, 3.3.1.2.3)").
        lines.append(_wrap(f"references: {'; '.join(meta.references)}", width, "  ", "    "))
    return lines


def _wrap(text: str, width: int, prefix: str = "", subsequent: str | None = None) -> str:
    """``text`` wrapped to ``width`` visible columns; the first line starts with ``prefix``, the others
    with ``subsequent`` (default: ``prefix``).

    Breaks at spaces only, never at a hyphen (``ssoconfig -restoreSecret`` stays whole); colour codes
    do not count towards the width, so the coloured and the plain text wrap at the same places. A word
    longer than a line (a hash, a path) is cut rather than left for the terminal to cut mid-word.
    """
    rest = prefix if subsequent is None else subsequent
    out: list[str] = []
    for line in text.splitlines() or [""]:
        current, visible = prefix, len(prefix)
        lead = prefix
        for word in line.split(" "):
            size = len(click.unstyle(word))
            if visible > len(lead) and visible + 1 + size > width:
                out.append(current)
                current, visible, lead = rest, len(rest), rest
            while size > width - len(lead) and word == click.unstyle(word):
                room = max(1, width - visible - (1 if visible > len(lead) else 0))
                current += (" " if visible > len(lead) else "") + word[:room]
                out.append(current)
                word, size = word[room:], size - room
                current, visible, lead = rest, len(rest), rest
            if visible > len(lead):
                current += " "
                visible += 1
            current += word
            visible += size
        out.append(current)
        prefix = rest  # a multi-line text: every later line is a continuation
    return "\n".join(out)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _t(text: str) -> str:
    """Server-provided text, made unable to drive the terminal (escape sequences shown, not obeyed)."""
    return escape_controls(text)


def _sections(report: Report) -> list[str]:
    """One line per extra section (waivers, drift, audit...); the full content is in HTML and JSON."""
    if not report.sections:
        return []
    lines = [""]
    for name, value in sorted(report.sections.items()):
        if name == "audit" and isinstance(value, list):
            # What the count means: remote scripts sent (one per node and purpose), not log lines.
            writes = sum(1 for e in value if isinstance(e, dict) and e.get("changes_state"))
            lines.append(f"audit: {_plural(len(value), 'remote script')} sent, {writes} state-changing "
                         "(see the HTML or JSON report)")
            continue
        size = _plural(len(value), "entry", "entries") if isinstance(value, (list, dict)) else "present"
        lines.append(f"{_t(name)}: {size} (see the HTML or JSON report)")
    return lines
