"""``ssocheck monitor``, the Nagios/Icinga plugin: status line and performance data in the plugin format, the
plugin API's exit codes, against hand-made reports and end to end against the simulated farm."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ssocheck.cli import main
from ssocheck.lab.farm import LabFarm
from ssocheck.model import CheckMeta, NodeInfo, Phase, Report, Result, Severity, Status
from ssocheck.monitor import MONITOR_CHECKS, PluginState, evaluate_report, selected_checks

# Monitoring Plugins Development Guidelines: "SERVICE STATUS: Information text|perfdata" with perfdata
# 'label'=value[UOM];[warn];[crit];[min];[max], space separated.
PERF = r"[A-Za-z_]+=-?[0-9.]+(s|%|B|c)?(;[0-9.]*){0,4}"
STATUS_LINE = re.compile(rf"^SSOCHECK (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| {PERF}( {PERF})*$")


def meta(check_id: str, severity: Severity) -> CheckMeta:
    return CheckMeta(id=check_id, name="n", title="t", description="d", severity=severity, shape="node",
                     phases=(Phase.NIGHTLY,), roles=("biztalk",), remediation="r", guide_step="1", references=(),
                     facts=("f",))


def report(*results: Result, down: str | None = None) -> Report:
    checks = {"SSO009": meta("SSO009", Severity.CRITICAL), "XYZ001": meta("XYZ001", Severity.MEDIUM)}
    nodes = (NodeInfo("BTSNODE1", ("biztalk",)), NodeInfo("BTSNODE2", ("biztalk",), error=down))
    return Report(tool_version="0.1.0", phase=Phase.NIGHTLY, group="G", source="live", started_at="",
                  finished_at="", nodes=nodes, checks=checks, results=results, duration_s=1.5)


def r(check: str, status: Status, message: str = "m", node: str = "BTSNODE1") -> Result:
    return Result(check, node, status, message)


@pytest.mark.parametrize(("results", "state"), [
    ((r("SSO009", Status.PASS), r("XYZ001", Status.PASS)), PluginState.OK),
    ((r("SSO009", Status.PASS), r("XYZ001", Status.SKIP)), PluginState.OK),
    ((r("SSO009", Status.FAIL), r("XYZ001", Status.PASS)), PluginState.CRITICAL),
    ((r("SSO009", Status.PASS), r("XYZ001", Status.FAIL)), PluginState.WARNING),  # medium check
    ((r("SSO009", Status.WARN), r("XYZ001", Status.PASS)), PluginState.WARNING),
    ((r("SSO009", Status.ERROR), r("XYZ001", Status.PASS)), PluginState.UNKNOWN),  # nothing proven: never OK
    ((r("SSO009", Status.ERROR), r("XYZ001", Status.FAIL)), PluginState.UNKNOWN),  # unknown outranks warning
    ((r("SSO009", Status.FAIL), r("XYZ001", Status.ERROR)), PluginState.CRITICAL),  # a proven failure wins
    ((), PluginState.UNKNOWN),
    ((r("SSO009", Status.SKIP), r("XYZ001", Status.SKIP)), PluginState.UNKNOWN),  # all skipped: nothing proven
])
def test_states(results: tuple[Result, ...], state: PluginState) -> None:
    out = evaluate_report(report(*results))
    assert out.state is state
    first = out.text.splitlines()[0]
    assert STATUS_LINE.match(first), first
    assert first.startswith(f"SSOCHECK {state.name} - ")


def test_ok_line_counts_skips_apart_from_passes() -> None:
    first = evaluate_report(report(r("SSO009", Status.PASS), r("XYZ001", Status.SKIP))).text.splitlines()[0]
    assert "the master secret is available: 1 result passed, 1 skipped or waived (XYZ001)" in first, first


def test_status_line_has_counts_and_no_injected_pipe_or_control() -> None:
    out = evaluate_report(report(r("SSO009", Status.FAIL, "bad | checks=0 \x1b[31m\nfake"), down="refused"))
    first, *rest = out.text.splitlines()
    assert STATUS_LINE.match(first), first
    assert first.count("|") == 1 and "\x1b" not in out.text
    assert "checks=1;;;0" in first and "fail=1;;;0" in first and "nodes_not_collected=1;;;0" in first
    assert "duration=1.500s;;;0" in first
    assert rest == ["SSO009 fail on BTSNODE1: bad / checks=0 \\x1b[31m fake"]


def test_subset_answers_can_biztalk_get_the_secret() -> None:
    assert MONITOR_CHECKS == ("CLU002", "CLU007", "NET001", "SSO009", "SSO010")
    assert selected_checks(("SSO008", "SSO009")) == (*MONITOR_CHECKS, "SSO008")


def plugin(inventory: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["monitor", "-i", str(inventory), *args])
    return result.exit_code, result.stdout


@pytest.mark.e2e
@pytest.mark.parametrize(("scenario", "code", "finding"), [
    ("healthy-post", 0, None),
    ("biztalk-node-lost-secret", 2, "SSO009 fail on BTSNODE2"),  # its latest secret retrieval failed (10532)
    ("endpoint-unreachable", 2, "NET001 fail on BTSNODE1"),  # TCP 135 to the network name dropped
    ("node-unreachable", 3, "on BTSNODE2"),  # powered off: nothing proven there, never OK
    # A standalone master secret server: the cluster checks of the subset do not apply and are named as skipped.
    ("standalone-healthy-post", 0, None),
])
def test_against_the_simulated_farm(scenario: str, code: int, finding: str | None, tmp_path: Path) -> None:
    with LabFarm(scenario, workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        exit_code, out = plugin(inventory)
    first, *long_output = out.splitlines()
    assert STATUS_LINE.match(first), out
    assert (exit_code, first.split(" - ")[0]) == (code, f"SSOCHECK {PluginState(code).name}"), out
    if finding is None:
        assert long_output == [] and "fail=0;;;0" in first and "error=0;;;0" in first
        skipped = "skipped or waived (CLU002, CLU007)" in first
        assert skipped == scenario.startswith("standalone"), first
    else:
        assert any(finding in line for line in long_output), out


@pytest.mark.e2e
def test_unreadable_inventory_is_unknown(tmp_path: Path) -> None:
    bad = tmp_path / "inventory.yml"
    bad.write_text("group: [unclosed\n", encoding="utf-8")
    code, out = plugin(bad)
    assert code == 3 and out.startswith("SSOCHECK UNKNOWN - "), out
    assert len(out.splitlines()) == 1
