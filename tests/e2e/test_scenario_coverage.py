"""Every check is proven both ways against the simulated farm: it passes on the healthy farms (see
test_scenarios.py) and fails on at least one scenario that has exactly the mistake it exists to catch."""

from __future__ import annotations

from ssocheck.lab.state import list_scenarios, load_scenario
from ssocheck.registry import load_checks

# Checks whose failing case needs more than a scenario, proven end to end in their own suites.
PROVEN_ELSEWHERE = {
    "BTS001": "tests/porttest/test_porttest_e2e.py (needs --allow-changes)",
    "DRF001": "tests/nightly/test_nightly_e2e.py (needs a baseline and a change between two runs)",
}


def test_every_check_fails_in_some_scenario() -> None:
    failing: dict[str, set[str]] = {}
    for name, _description in list_scenarios():
        for check_id, _node, status in load_scenario(name).expect_not_passing:
            if status in ("fail", "warn") and check_id != "*":
                failing.setdefault(check_id, set()).add(name)
    unproven = sorted(
        lc.meta.id for lc in load_checks() if lc.meta.id not in failing and lc.meta.id not in PROVEN_ELSEWHERE
    )
    assert not unproven, f"no scenario makes these checks fail: {unproven}"


def test_exceptions_are_real_test_files() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    for where in PROVEN_ELSEWHERE.values():
        assert (root / where.split(" ")[0]).is_file(), where
