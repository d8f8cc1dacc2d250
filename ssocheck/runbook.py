"""The runbook view: the migration guide's steps in order, each with the state the checks prove.

For every step of :mod:`ssocheck.guide` (before the downtime window, then during it) the view shows the
checks that verify it and their state per node:

* ``done``: every verifying check ran and passed on every node in its scope;
* ``not done``: at least one verifying check fails (or warns) on some node; the nodes are named;
* ``not verified``: no failure, but some verifying result could not decide (``error``), was skipped (other
  phase, not allowed to write, waived) or the check did not run in this report (``--select``): the tool
  cannot say the step is done, so it never shows it as done;
* ``by hand``: no check can see the step (a wizard page, a failover the operator performs); the view says
  what the operator must confirm. Such a step is never shown as done.

A step that has checks *and* a manual part (step 17: the failover itself) takes its state from the checks
and still lists what to confirm by hand. Pure: a function of a :class:`~ssocheck.model.Report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ssocheck import guide
from ssocheck.model import Phase, Report, Result, Status

DONE = "done"
NOT_DONE = "not done"
NOT_VERIFIED = "not verified"
BY_HAND = "by hand"

STATES = (NOT_DONE, NOT_VERIFIED, BY_HAND, DONE)


@dataclass(frozen=True)
class CheckState:
    """One verifying check of a step: how many of its results are in each status."""

    check_id: str
    title: str
    counts: dict[str, int]  # status value -> number of results
    ran: bool  # False: the check is installed but not in this report (not selected), or not installed
    installed: bool = True  # False: no such check in this report's catalog (a check of a newer version)
    other_phase: bool = False  # the check does not run in the report's phase


@dataclass(frozen=True)
class StepState:
    """One guide step and what the report proves about it."""

    step: guide.Step
    state: str
    checks: tuple[CheckState, ...]
    nodes_done: tuple[str, ...] = ()
    nodes_not_done: tuple[str, ...] = ()
    nodes_not_verified: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)  # why it is not done / not verified (one line each)

    @property
    def manual(self) -> str:
        """What the operator confirms by hand ('' when the checks cover the whole step)."""
        return self.step.manual


def build(report: Report) -> list[StepState]:
    """Every guide step, in the guide's order, with its state in ``report``."""
    by_check: dict[str, list[Result]] = {}
    for result in report.results:
        by_check.setdefault(result.check_id, []).append(result)
    return [_step_state(step, report, by_check) for step in guide.STEPS]


def _step_state(step: guide.Step, report: Report, by_check: dict[str, list[Result]]) -> StepState:
    if step.window == guide.DURING and report.phase is Phase.PRE:
        # Before the window the checks prove the *old* state (SSO007 expects the current master secret server):
        # a pass there says nothing about a step done during the window.
        return StepState(step, NOT_VERIFIED if step.verified_by else BY_HAND,
                         tuple(CheckState(c, "", {}, ran=False, other_phase=True) for c in step.verified_by),
                         reasons=("done during the downtime window: a run in phase post verifies it",))
    checks: list[CheckState] = []
    node_status: dict[str, str] = {}  # node -> worst of done / not verified / not done
    reasons: list[str] = []
    down = {n.name for n in report.nodes if n.error}
    for cid in step.verified_by:
        meta = report.checks.get(cid)
        results = by_check.get(cid, [])
        counts: dict[str, int] = {}
        for r in results:
            counts[r.status.value] = counts.get(r.status.value, 0) + 1
        other_phase = meta is not None and report.phase not in meta.phases
        checks.append(CheckState(cid, meta.title if meta else "", counts, ran=bool(results) and not other_phase,
                                 installed=meta is not None, other_phase=other_phase))
        if other_phase:
            # Skipped by design in this phase (BTS004 in post): neutral, as long as another check of the step ran.
            continue
        for r in results:
            state = _result_state(r)
            previous = node_status.get(r.node)
            node_status[r.node] = state if previous is None else min(previous, state, key=_rank)
        if results:
            reasons += _reasons(cid, results, down)
    ran = [c for c in checks if c.ran]
    if not ran:
        if step.verified_by and any(cid in report.checks for cid in step.verified_by):
            state = NOT_VERIFIED
        else:
            state = BY_HAND if not step.verified_by or step.manual else NOT_VERIFIED
        later = [c for c in checks if c.other_phase]
        if state == NOT_VERIFIED and later:
            phases = sorted({p.value for c in later if (m := report.checks.get(c.check_id)) for p in m.phases})
            reasons.append(f"its checks ({', '.join(c.check_id for c in later)}) run in phase "
                           f"{' or '.join(phases)}, not {report.phase.value}")
        elif state == NOT_VERIFIED and not reasons:
            reasons.append("none of its checks ran in this report (" + ", ".join(step.verified_by) + ")")
    else:
        states = set(node_status.values())
        if NOT_DONE in states:
            state = NOT_DONE
        elif NOT_VERIFIED in states:
            state = NOT_VERIFIED
        else:
            state = DONE
        missing = [c.check_id for c in checks if not c.ran and not c.other_phase and c.check_id in report.checks]
        if state == DONE and missing:
            state = NOT_VERIFIED
            reasons.append(f"{', '.join(missing)} did not run in this report")
        if state == DONE and step.manual:
            # The checks pass, but part of the step is invisible to the tool (the failover itself): it stays a
            # step the operator confirms, never "done" on the tool's word.
            state = BY_HAND
            reasons.append(f"its checks pass ({', '.join(c.check_id for c in ran)}); the rest is confirmed by hand")
    order = [n.name for n in report.nodes]
    position = {name: i for i, name in enumerate(order)}

    def nodes(wanted: str) -> tuple[str, ...]:
        return tuple(sorted((n for n, s in node_status.items() if s == wanted),
                            key=lambda n: (position.get(n, len(order)), n)))

    # Failures and warnings first: they say what to do; "could not decide" lines after them.
    reasons.sort(key=lambda line: 0 if (" fail on " in line or " warn on " in line) else 1)
    return StepState(step, state, tuple(checks), nodes(DONE), nodes(NOT_DONE), nodes(NOT_VERIFIED),
                     tuple(dict.fromkeys(reasons)))


def _result_state(result: Result) -> str:
    if result.status is Status.PASS:
        return DONE
    if result.status in (Status.FAIL, Status.WARN):
        return NOT_DONE
    return NOT_VERIFIED  # error (could not decide) or skip (other phase, not allowed, waived)


def _rank(state: str) -> int:
    return {NOT_DONE: 0, NOT_VERIFIED: 1, DONE: 2}[state]


def _reasons(check_id: str, results: Iterable[Result], down: set[str]) -> list[str]:
    """One line per distinct non-pass message of a check (a node count, not every node).

    Results that could not decide because a node was not collected (the node itself, or a node a group check
    needs) say the same thing with a node's name in it: they are one line, after the failures.
    """
    by_message: dict[tuple[int, str, str], int] = {}
    not_collected = 0
    for r in results:
        if r.status is Status.PASS:
            continue
        missing = r.evidence.get("missing_nodes") if r.status is Status.ERROR else None
        if r.status is Status.ERROR and (r.node in down or (
                isinstance(missing, (list, tuple)) and missing and set(map(str, missing)) <= down)):
            # The node, or a node a group check needs, was not collected: the outage is the cause.
            not_collected += 1
            continue
        order = 0 if r.status in (Status.FAIL, Status.WARN) else 1
        first = r.message.splitlines()[0] if r.message else ""
        key = (order, r.status.value, first if len(first) <= 160 else first[:157] + "...")
        by_message[key] = by_message.get(key, 0) + 1
    lines = [f"{check_id} {status} on {n} node{'s' if n != 1 else ''}: {message}"
             for (_order, status, message), n in sorted(by_message.items(), key=lambda kv: kv[0][0])]
    if not_collected:
        lines.append(f"{check_id} could not decide on {not_collected} node{'s' if not_collected != 1 else ''}: "
                     "a node was not collected")
    return lines


def counts(steps: Iterable[StepState]) -> dict[str, int]:
    """Number of steps per state (every state present)."""
    out = dict.fromkeys(STATES, 0)
    for s in steps:
        out[s.state] += 1
    return out
