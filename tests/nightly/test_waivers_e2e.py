"""Waivers and the --fail-on gate end to end (issue 4 acceptance), on a healthy-post farm with one mistake made.

UseNetworkName is switched off (CLU003, critical, fails on NODE1 and NODE2). A valid waiver turns those failures
into skips whose justification and expiry appear in JUnit and HTML (and JSON, console); an expired waiver does
not apply and is reported as expired. ``--fail-on`` keeps lower-severity failures visible but out of the exit code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.nightly import LiveFarm, json_report, junit_case, results_by, run_cli

pytestmark = pytest.mark.e2e

SCENARIO = "healthy-post"
JUSTIFICATION = "Resource rebuilt by the cluster team tonight; UseNetworkName is restored in the next window"
UNW_OFF = {"clusters": {"SSOCLU": {"resources": {"Enterprise Single Sign-On Service": {
    "private": {"UseNetworkName": 0}}}}}}


@pytest.fixture
def broken(live_farm: LiveFarm) -> Iterator[LiveFarm]:
    """The farm with UseNetworkName off for one test."""
    with live_farm.changed(UNW_OFF):
        yield live_farm


def waivers_file(tmp_path: Path, *entries: dict[str, Any]) -> Path:
    path = tmp_path / "waivers.yml"
    path.write_text(yaml.safe_dump({"version": 1, "waivers": list(entries)}, sort_keys=False), encoding="utf-8")
    return path


def waiver(**kw: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"check": "CLU003", "node": "NODE*", "justification": JUSTIFICATION,
                             "expires": "2099-12-31", "ticket": "CHG0042"}
    entry.update(kw)
    return {k: v for k, v in entry.items() if v is not None}


def run(farm: LiveFarm, out: Path, *extra: str | Path) -> Any:
    return run_cli("run", "-i", farm.inventory, "--phase", "post", "--output-dir", out, "--no-color", *extra)


def page(out: Path) -> str:
    return html.unescape((out / "ssocheck-report.html").read_text(encoding="utf-8"))


def test_without_waiver_the_mistake_fails(broken: LiveFarm, tmp_path: Path) -> None:
    assert run(broken, tmp_path).exit_code == 1
    assert {r["status"] for r in results_by(json_report(tmp_path), "CLU003").values()} == {"fail"}


def test_valid_waiver_turns_fail_into_skip_with_justification_everywhere(broken: LiveFarm, tmp_path: Path) -> None:
    out = run(broken, tmp_path, "--waivers", waivers_file(tmp_path, waiver()))
    assert out.exit_code == 0, out.stdout
    expected = f"waived until 2099-12-31: {JUSTIFICATION} (CHG0042)"
    doc = json_report(tmp_path)
    for node in ("NODE1", "NODE2"):
        result = results_by(doc, "CLU003")[node]
        assert result["status"] == "waived" and result["message"] == expected
        assert result["waiver"]["justification"] == JUSTIFICATION and result["waiver"]["expires"] == "2099-12-31"
        assert result["waiver"]["finding"].startswith("fail: ")
        case = junit_case(tmp_path / "ssocheck-junit.xml", "CLU003", node)
        assert case.outcome == "skipped"
        assert JUSTIFICATION in case.message and "2099-12-31" in case.message
    assert doc["sections"]["waivers"] == [{
        "waiver": "#1", "check": "CLU003", "node": "NODE*", "state": "in-force", "expires": "2099-12-31",
        "justification": JUSTIFICATION, "ticket": "CHG0042", "matches": ["NODE1", "NODE2"]}]
    text = page(tmp_path)
    assert text.count(expected) >= 2  # each waived result shows justification and expiry
    waivers_html = text.split('id="section-waivers"', 1)[1]
    assert "in-force" in waivers_html and JUSTIFICATION in waivers_html and "CHG0042" in waivers_html
    assert expected in " ".join(out.stdout.split())  # the console wraps long messages


def test_expired_waiver_does_not_apply_and_is_reported(broken: LiveFarm, tmp_path: Path) -> None:
    out = run(broken, tmp_path, "--waivers", waivers_file(tmp_path, waiver(expires="2020-01-31")))
    assert out.exit_code == 1
    doc = json_report(tmp_path)
    for node in ("NODE1", "NODE2"):
        result = results_by(doc, "CLU003")[node]
        assert result["status"] == "fail" and "waiver" not in result
        assert "expired on 2020-01-31" in result["evidence"]["waiver_expired"]
        assert junit_case(tmp_path / "ssocheck-junit.xml", "CLU003", node).outcome == "failure"
    [row] = doc["sections"]["waivers"]
    assert row["state"] == "expired" and row["matches"] == ["NODE1", "NODE2"]
    assert re.search(r"warning: waiver #1 CLU003 on NODE\* expired on 2020-01-31 and no longer applies", out.stderr)
    waivers_html = page(tmp_path).split('id="section-waivers"', 1)[1]
    assert "expired" in waivers_html and "2020-01-31" in waivers_html


def test_waiver_for_one_node_leaves_the_other_failing(broken: LiveFarm, tmp_path: Path) -> None:
    out = run(broken, tmp_path, "--waivers", waivers_file(tmp_path, waiver(node="node1"), waiver(check="SSO004")))
    assert out.exit_code == 1
    clu = results_by(json_report(tmp_path), "CLU003")
    assert (clu["NODE1"]["status"], clu["NODE2"]["status"]) == ("waived", "fail")
    states = [(r["check"], r["state"]) for r in json_report(tmp_path)["sections"]["waivers"]]
    assert states == [("CLU003", "in-force"), ("SSO004", "unused")]


@pytest.mark.parametrize(("entry", "words"), [
    (waiver(check="CLU099"), "waivers[0].check: unknown check ID 'CLU099' (see 'ssocheck list')"),
    (waiver(justification=None), "waivers[0].justification: is required"),
    (waiver(expires="soon"), "waivers[0].expires: must be a date YYYY-MM-DD, not 'soon'"),
])
def test_bad_waivers_file_exits_2_before_collecting(broken: LiveFarm, tmp_path: Path, entry: dict[str, Any],
                                                    words: str) -> None:
    path = waivers_file(tmp_path, entry)
    broken.farm.reset_counters()
    out = run(broken, tmp_path / "out", "--waivers", path)
    assert out.exit_code == 2
    assert out.stderr.strip() == f"ssocheck: error: {path}: {words}"
    assert all(broken.farm.commands(n) == 0 for n in broken.farm.state.nodes)


def test_drift_can_be_waived_until_the_next_baseline(live_farm: LiveFarm, tmp_path: Path) -> None:
    # An intended change in progress: baseline from the healthy farm, change made, both findings accepted.
    base = tmp_path / "baseline.json"
    assert run_cli("baseline", "save", "-i", live_farm.inventory, "-o", base).exit_code == 0
    path = waivers_file(tmp_path, waiver(), waiver(check="DRF001", node="NODE?"))
    with live_farm.changed(UNW_OFF):
        out = run_cli("run", "-i", live_farm.inventory, "--phase", "nightly", "--baseline", base, "--waivers", path,
                      "--output-dir", tmp_path / "out")
    assert out.exit_code == 0, out.stdout
    drf = results_by(json_report(tmp_path / "out"), "DRF001")
    assert drf["NODE1"]["status"] == "waived"
    assert "UseNetworkName" in drf["NODE1"]["waiver"]["finding"]  # what was accepted stays visible
    assert len(json_report(tmp_path / "out")["sections"]["drift"]) == 2


# -- --fail-on -------------------------------------------------------------------------------------------------------


@pytest.fixture
def skewed(live_farm: LiveFarm) -> Iterator[LiveFarm]:
    """NODE2's clock five minutes off: SYS001 (medium) fails, nothing else."""
    with live_farm.changed({"nodes": {"NODE2": {"clock_offset_s": 300}}}):
        yield live_farm


def test_fail_on_threshold_keeps_lower_failures_visible_but_green(skewed: LiveFarm, tmp_path: Path) -> None:
    default = run(skewed, tmp_path / "default")
    assert default.exit_code == 1
    failing = {(r["check_id"], r["status"]) for r in json_report(tmp_path / "default")["results"]
               if r["status"] == "fail"}
    assert failing == {("SYS001", "fail")}

    high = run(skewed, tmp_path / "high", "--fail-on", "high")
    assert high.exit_code == 0
    doc = json_report(tmp_path / "high")
    assert {r["status"] for r in results_by(doc, "SYS001").values()} >= {"fail"}
    assert (doc["fail_on"], doc["exit_code"], doc["verdict"]) == ("high", 0, "PASSED")
    assert doc["failures_below_threshold"] == len([r for r in doc["results"] if r["status"] == "fail"])
    fails = [c for c in ("NODE1", "NODE2", "BTSNODE1", "BTSNODE2")
             if junit_case(tmp_path / "high" / "ssocheck-junit.xml", "SYS001", c).outcome == "failure"]
    assert fails, "the failure still shows in JUnit"

    medium = run(skewed, tmp_path / "medium", "--fail-on", "medium")
    assert medium.exit_code == 1


def test_fail_on_critical_still_fails_on_a_critical_check(broken: LiveFarm, tmp_path: Path) -> None:
    assert run(broken, tmp_path, "--fail-on", "critical").exit_code == 1
    bad = run_cli("run", "-i", broken.inventory, "--fail-on", "severe")
    assert bad.exit_code == 2 and "Invalid value for '--fail-on'" in bad.stderr
