"""Scenarios whose run is refused before any command is sent (``expect_refused``: text of the one error line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import list_scenarios, load_scenario
from tests.support.lab import run_cli

pytestmark = pytest.mark.e2e

REFUSED = [name for name, _ in list_scenarios() if "expect_refused" in load_scenario(name).document]


def test_there_is_a_refusal_scenario() -> None:
    assert "bts001-without-delegating-transport" in REFUSED


@pytest.mark.parametrize("scenario", REFUSED)
def test_refused_before_any_command(scenario: str, tmp_path: Path) -> None:
    with LabFarm(scenario, workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "reports"])
        commands = {n: farm.commands(n) for n in farm.state.nodes}
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(load_scenario(scenario).document["expect_refused"]) in lines[0], err
    assert "Enable-WSManCredSSP -Role Server" in lines[0]
    assert commands == dict.fromkeys(commands, 0)
    assert not (tmp_path / "reports").exists()
