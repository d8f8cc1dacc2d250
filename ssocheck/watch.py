"""``ssocheck run --watch SECONDS``: re-run during the downtime window and show what changed each round.

Each round is one ordinary run (one remote command per node, reports rewritten so the HTML on the bridge
call is always the latest). The console shows, per round, the verdict and counts, what changed since the
previous round (:mod:`ssocheck.compare`: new, fixed, changed findings) and which guide steps changed state
(:mod:`ssocheck.runbook`); the first round shows the whole runbook. The loop stops after ``rounds`` rounds,
or when the operator presses Ctrl-C while it waits; the exit code is the last round's. A Ctrl-C during a
round is not swallowed: that run is interrupted like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ssocheck import compare, provenance, runbook, runbook_text
from ssocheck.model import Report
from ssocheck.reporters.common import summary_phrase


def watch(run_round: Callable[[], Report], *, interval: float, rounds: int | None, out: Callable[[str], None],
          width: int = 120, color: bool = False, sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], str] | None = None) -> int:
    """Run rounds every ``interval`` seconds; return the exit code of the last round."""
    now = clock or (lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    previous: Report | None = None
    number = 0
    code = 0
    while True:
        number += 1
        report = run_round()
        code = int(report.exit_code())
        out(round_text(number, previous, report, now(), width=width, color=color))
        previous = report
        if report.interrupted:  # Ctrl-C during a round's collection ends the watch too (exit 130)
            out(f"watch stopped during round {number} (interrupted); exit code {code}\n")
            return code
        if rounds is not None and number >= rounds:
            return code
        try:
            sleep(interval)
        except KeyboardInterrupt:
            out(f"watch stopped after round {number}; exit code of that round: {code}\n")
            return code


def round_text(number: int, previous: Report | None, report: Report, at: str, *, width: int = 120,
               color: bool = False) -> str:
    """What one round prints: verdict and counts, changes since the previous round, steps that changed."""
    head = (f"=== round {number} at {at}: {provenance.verdict_label(report)} ({summary_phrase(report)})")
    if previous is None:
        return head + "\n" + runbook_text.render(report, width=width, color=color) + "\n"
    lines = [head]
    diff = compare.compare(previous, report)
    moving = [k for k in compare.KINDS if k != compare.STILL and diff.counts.get(k)]
    if not moving:
        lines.append(f"no change since round {number - 1} ({diff.counts.get(compare.STILL, 0)} still failing)")
    else:
        text = compare.render_text(diff).splitlines()
        # Drop the header and the "still failing" block: the operator wants what moved.
        keep, skipping = [], False
        for line in text[1:]:
            if line.startswith(compare.STILL.upper() + " ("):
                skipping = True
                continue
            if skipping and line.startswith("  "):
                continue
            skipping = False
            keep.append(line)
        lines += [f"since round {number - 1}:", *keep]
    before = {s.step.number: s.state for s in runbook.build(previous)}
    moved = [(s.step, before.get(s.step.number), s.state) for s in runbook.build(report)
             if before.get(s.step.number) != s.state]
    if moved:
        lines.append("runbook steps that changed:")
        lines += [f"  step {step.number}: {old} -> {new}  ({step.title})" for step, old, new in moved]
    return "\n".join(lines) + "\n\n"
