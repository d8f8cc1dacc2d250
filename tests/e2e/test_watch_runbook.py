"""run --watch and the runbook command, against the simulated farm through the real CLI and pywinrm.

The operator fixes a mistake on the farm between two rounds (the lab's state changes, as the server would):
the second round says the finding is fixed and the guide step is now done; each round costs one remote
command per node.
"""

from __future__ import annotations

from pathlib import Path

from ssocheck.lab.farm import LabFarm
from ssocheck.model import Report
from ssocheck.watch import watch
from tests.support.lab import evaluate_inventory, run_cli

FIX_USE_NETWORK_NAME = {"clusters": {"SSOCLU": {"resources": {
    "Enterprise Single Sign-On Service": {"private": {"UseNetworkName": 1}}}}}}


def test_watch_shows_what_changed_between_rounds(tmp_path: Path) -> None:
    out: list[str] = []
    with LabFarm("demo", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")

        def one_round() -> Report:
            return evaluate_inventory(inventory)

        def fix_between_rounds(_seconds: float) -> None:
            farm.apply_overlay(FIX_USE_NETWORK_NAME)

        code = watch(one_round, interval=0.0, rounds=2, out=out.append, width=200,
                     sleep=fix_between_rounds, clock=lambda: "T")
        commands = {name: farm.commands(name) for name in farm.state.nodes}
    assert code == 1  # DTC001 and SSO004 still fail
    first, second = out
    assert first.startswith("=== round 1 at T: FAILED") and "Runbook: the migration guide" in first
    assert second.startswith("=== round 2 at T: FAILED") and "since round 1:" in second
    assert "FIXED (2):\n  CLU003 fail -> pass on NODE1, NODE2:" in second
    assert "  step 15: not done -> done" in second
    assert "STILL" not in second  # what did not move is counted, not listed
    assert set(commands.values()) == {2}  # one remote command per node per round


def test_cli_watch_rounds_and_runbook_command(tmp_path: Path) -> None:
    with LabFarm("demo", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, stdout, _ = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", "--watch", "1",
                                   "--rounds", "2", "--no-color"])
        assert {farm.commands(name) for name in farm.state.nodes} == {2}
    assert code == 1
    assert stdout.count("=== round ") == 2 and "no change since round 1 (5 still failing)" in stdout
    assert (tmp_path / "out" / "ssocheck-report.html").exists()  # the reports follow every round
    code, stdout, _ = run_cli(["runbook", "--report", tmp_path / "out" / "ssocheck-report.json", "--no-color"])
    assert code == 0
    assert "Before the downtime window" in stdout and "During the downtime window" in stdout
    assert "NOT DONE      15  'Use Network Name for computer name'" in stdout
    assert "BY HAND        5  BizTalk Server Configuration is started" in stdout
    code, _out, err = run_cli(["runbook", "--report", tmp_path / "out" / "ssocheck-snapshot.json"])
    assert code == 2 and "expected 'ssocheck-report/1'" in err
    # The same view from the snapshot (offline) or, in phase pre, with the downtime steps never done.
    code, snap, _ = run_cli(["runbook", "--snapshot", tmp_path / "out" / "ssocheck-snapshot.json", "--no-color"])
    assert code == 0 and "NOT DONE      15  'Use Network Name for computer name'" in snap
    code, pre, _ = run_cli(["runbook", "--snapshot", tmp_path / "out" / "ssocheck-snapshot.json", "--phase", "pre",
                            "--no-color"])
    assert code == 0 and "done during the downtime window: a run in phase post verifies it" in pre
    code, _out, err = run_cli(["runbook"])
    assert code == 2 and "exactly one of" in err
