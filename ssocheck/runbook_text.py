"""The runbook view as console text (``ssocheck runbook``, and each round of ``run --watch``).

One block per guide step, in the guide's order, before then during the downtime window: the state word
(colour is never the only signal), the step, and under it the nodes it is not done or not verified on, why,
and what the operator confirms by hand. A step that is done is one line.
"""

from __future__ import annotations

from typing import Any

import click

from ssocheck import guide, runbook
from ssocheck.model import Report
from ssocheck.reporters.common import cap, compact_names, escape_controls

_STYLE: dict[str, dict[str, Any]] = {
    runbook.DONE: {"fg": "green"},
    runbook.NOT_DONE: {"fg": "red", "bold": True},
    runbook.NOT_VERIFIED: {"fg": "magenta", "bold": True},
    runbook.BY_HAND: {"fg": "yellow", "bold": True},
}
_WORD_WIDTH = max(len(s) for s in runbook.STATES)
# A node list in the runbook is cut beyond this (the HTML report has every node).
_NODES_CAP = 300


def render(report: Report, *, width: int = 120, color: bool = False) -> str:
    """The runbook of ``report`` as text wrapped to ``width`` columns."""
    steps = runbook.build(report)
    counts = runbook.counts(steps)

    def paint(state: str) -> str:
        word = state.upper().ljust(_WORD_WIDTH)
        return click.style(word, **_STYLE[state]) if color else word

    lines = [
        f"Runbook: {guide.GUIDE_NAME}",
        f"  group {escape_controls(report.group)}, phase {report.phase.value}, run of {report.started_at}",
        "  " + ", ".join(f"{counts[s]} {s}" for s in (runbook.DONE, runbook.NOT_DONE, runbook.NOT_VERIFIED,
                                                       runbook.BY_HAND)),
    ]
    for window in (guide.BEFORE, guide.DURING):
        lines += ["", window[0].upper() + window[1:]]
        for s in steps:
            if s.step.window != window:
                continue
            lines.append(_fit(f"  {paint(s.state)} {s.step.number:>3}  {s.step.title}", width, 8 + _WORD_WIDTH))
            detail: list[str] = []
            if s.nodes_not_done:
                detail.append(f"not done on {cap(compact_names(s.nodes_not_done), _NODES_CAP)}")
            if s.nodes_not_verified:
                detail.append(f"not verified on {cap(compact_names(s.nodes_not_verified), _NODES_CAP)}")
            if s.state != runbook.DONE:
                detail += list(s.reasons[:4])
            if s.manual and s.state != runbook.DONE:
                detail.append(f"confirm by hand: {s.manual}")
            lines += [_fit(escape_controls(f"{' ' * (8 + _WORD_WIDTH)}{d}"), width, 10 + _WORD_WIDTH) for d in detail]
    return "\n".join(lines) + "\n"


def _fit(text: str, width: int, indent: int) -> str:
    """``text`` wrapped at spaces to ``width`` visible columns, continuation lines indented by ``indent``."""
    out: list[str] = []
    lead = len(text) - len(text.lstrip(" "))
    line = " " * lead
    for word in text[lead:].split(" "):
        candidate = f"{line} {word}" if line.strip() else line + word
        if line.strip() and len(click.unstyle(candidate)) > width:
            out.append(line)
            line = " " * indent + word
        else:
            line = candidate
    out.append(line)
    return "\n".join(out)
