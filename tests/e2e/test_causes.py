"""Causes, not symptoms (issue 10 item 8): a node whose PowerShell or account cannot run the probe says why and how
to fix it, end to end through pywinrm and the simulated farm."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssocheck.collect import gather
from ssocheck.inventory import load_inventory
from ssocheck.lab.farm import LabFarm
from ssocheck.registry import load_checks

pytestmark = pytest.mark.e2e


def collect(scenario: str, tmp_path: Path) -> dict[str, object]:
    with LabFarm(scenario, workdir=tmp_path / "farm") as farm:
        inv = load_inventory(farm.write_inventory(tmp_path / "inventory.yml"))
        snapshot, _ = gather(inv, [lc.check for lc in load_checks()], inv.password())
    return {n.name: n for n in snapshot.nodes}


def test_constrained_language_mode_is_named_with_its_fix(tmp_path: Path) -> None:
    nodes = collect("constrained-language-mode", tmp_path)
    error = str(nodes["BTSNODE2"].error)  # type: ignore[attr-defined]
    assert "ConstrainedLanguage mode" in error and "AppLocker or WDAC" in error and "full language" in error
    assert nodes["BTSNODE1"].error is None  # type: ignore[attr-defined]


def test_a_token_without_elevation_is_named_next_to_the_failed_fact(tmp_path: Path) -> None:
    nodes = collect("winrm-account-not-elevated", tmp_path)
    errors = nodes["NODE1"].fact_errors  # type: ignore[attr-defined]
    assert "Access is denied" in errors["user_rights"] and "not a local administrator" in errors["user_rights"]
    assert "user_rights" not in nodes["NODE2"].fact_errors  # type: ignore[attr-defined]
