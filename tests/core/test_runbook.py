"""Runbook view: the guide's steps in order with the state their checks prove; never "done" without proof."""

from __future__ import annotations

from dataclasses import replace

from ssocheck import runbook
from ssocheck.model import Phase, Status
from tests.support.bigfarm import big_report


def states(report: object) -> dict[str, runbook.StepState]:
    return {s.step.number: s for s in runbook.build(report)}  # type: ignore[arg-type]


def test_steps_in_order_with_the_checks_state() -> None:
    steps = states(big_report(40, down=("BTSNODE0005",)))
    assert list(steps)[:3] == ["1", "2", "3"] and list(steps)[-3:] == ["22b", "23", "24"]
    assert steps["15"].state == runbook.NOT_DONE and steps["15"].nodes_not_done == ("NODE1", "NODE2")
    assert steps["15"].reasons[0].startswith("CLU003 fail on 2 nodes: resource 'Enterprise Single Sign-On Service'")
    assert steps["16"].state == runbook.DONE and steps["16"].nodes_done == ("NODE1", "NODE2")
    # A down node leaves a step unproven, never done.
    assert steps["2"].state == runbook.NOT_VERIFIED and len(steps["2"].nodes_not_verified) == 1
    assert "DTC002 could not decide on 1 node: a node was not collected" in steps["2"].reasons


def test_steps_no_check_can_see_are_by_hand_never_done() -> None:
    healthy = states(big_report(10, healthy=True))
    for number in ("5", "6", "8", "10", "11", "18"):
        assert healthy[number].state == runbook.BY_HAND and healthy[number].manual
    # Step 17: its checks pass, but the failover itself is the operator's to confirm.
    assert healthy["17"].state == runbook.BY_HAND and "failover" in healthy["17"].manual
    assert healthy["17"].reasons == ("its checks pass (CLU001, CLU005, CLU006); the rest is confirmed by hand",)
    assert healthy["16"].state == runbook.DONE
    # BTS001 is skipped without --allow-changes: step 24 is not verified.
    assert healthy["24"].state == runbook.NOT_VERIFIED


def test_phase_skips_and_unselected_checks_are_not_verified() -> None:
    pre = states(big_report(10, healthy=True, phase=Phase.PRE))
    assert pre["20"].state == runbook.NOT_VERIFIED  # SSO008 runs in post only
    # Before the window, SSO007 passing proves the *old* master secret server: step 19 is not done by that.
    assert pre["19"].state == runbook.NOT_VERIFIED and pre["19"].reasons == (
        "done during the downtime window: a run in phase post verifies it",)
    assert pre["16"].state == runbook.DONE and pre["14"].state == runbook.DONE  # BTS004 runs in pre
    report = big_report(10, healthy=True)
    only_clu = replace(report, results=tuple(r for r in report.results if r.check_id.startswith("CLU")))
    steps = states(only_clu)
    assert steps["1"].state == runbook.NOT_VERIFIED  # DTC001 did not run in this report
    assert steps["16"].state == runbook.DONE


def test_a_warning_is_not_done() -> None:
    report = big_report(10, healthy=True)
    warned = tuple(replace(r, status=Status.WARN, message="running, startup Disabled")
                   if r.check_id == "DTC003" and r.node == "NODE1" else r for r in report.results)
    step = states(replace(report, results=warned))["22b"]
    assert step.state == runbook.NOT_DONE and step.nodes_not_done == ("NODE1",)
    assert step.checks[0].counts == {"pass": 9, "warn": 1}
