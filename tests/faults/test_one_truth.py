"""One truth in every format: console, JSON, HTML, JUnit and the exit code agree on the verdict and the counts,
for full and filtered runs with an unreachable node (reports.md D1: `--select CLU` with a BizTalk node down said
PASSED/exit 0 in three formats and errors="1" in JUnit)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.lab import run_cli


@pytest.fixture(scope="module")
def down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The node-unreachable farm (BTSNODE2 powered off) and its inventory."""
    work = tmp_path_factory.mktemp("onetruth")
    with LabFarm("node-unreachable", workdir=work / "farm") as farm:
        yield farm.write_inventory(work / "inventory.yml")


def _formats(out: Path, console: str) -> dict[str, object]:
    doc = json.loads((out / "ssocheck-report.json").read_text())
    root = ET.parse(out / "ssocheck-junit.xml").getroot()
    html = (out / "ssocheck-report.html").read_text()
    return {"json": doc, "junit": root, "html": html, "console": console}


@pytest.mark.parametrize("selection", [[], ["--select", "CLU"], ["--select", "SSO004"], ["--skip", "BTS"]])
def test_every_format_tells_the_same_story(selection: list[str], down: Path, tmp_path: Path) -> None:
    code, console, err = run_cli(["run", "-i", down, "--output-dir", tmp_path, *selection])
    f = _formats(tmp_path, console)
    doc = f["json"]
    assert isinstance(doc, dict)
    assert code == doc["exit_code"] == 3, err
    assert doc["verdict"].startswith("INCOMPLETE")
    assert "PASSED" not in console.split("results (")[-1].splitlines()[0]
    assert "INCOMPLETE" in console and "INCOMPLETE" in str(f["html"])
    summary = doc["summary"]
    # The unreachable node costs one error, in every selection, even when no selected check applies to it.
    errors = [r for r in doc["results"] if r["status"] == "error"]
    assert [(r["check_id"], r["node"]) for r in errors] == [("COLLECTION", "BTSNODE2")]
    assert summary["error"] == 1
    root = f["junit"]
    assert isinstance(root, ET.Element)
    assert int(root.get("errors", "0")) == summary["error"]
    assert int(root.get("failures", "0")) == summary["fail"]
    assert int(root.get("tests", "0")) == len(doc["results"])
    assert f"{summary['error']} error" in console


def test_a_saved_snapshot_checked_with_a_filter_agrees_too(down: Path, tmp_path: Path) -> None:
    code, _, _ = run_cli(["run", "-i", down, "--output-dir", tmp_path / "full"])
    assert code == 3
    code, console, _ = run_cli(["check", "--snapshot", tmp_path / "full" / "ssocheck-snapshot.json",
                                "--select", "CLU", "--output-dir", tmp_path / "sel"])
    doc = json.loads((tmp_path / "sel" / "ssocheck-report.json").read_text())
    assert code == doc["exit_code"] == 3 and doc["verdict"].startswith("INCOMPLETE") and "INCOMPLETE" in console



def test_the_audit_trail_records_a_failed_cleanup_and_the_footer_does_not_say_read_only(tmp_path: Path) -> None:
    from ssocheck.reporters import REPORTERS
    from tests.porttest.test_porttest_e2e import lab, only_bts001

    with lab("porttest-cleanup-fails", tmp_path) as env:
        run = env.run(allow_changes=True, checks=only_bts001())
        # The same farm recovered: a clean run's audit says ok.
        env.farm.apply_overlay({"biztalk": {"cleanup_fails": False}})
        rerun = env.run(allow_changes=True, checks=only_bts001())
    writes = [a for a in run.audits if a.changes_state]
    assert writes and all(a.outcome.startswith("error:") and "left behind" in a.outcome for a in writes)
    assert all(a.outcome == "ok" for a in run.audits if not a.changes_state)
    assert all(a.outcome == "ok" for a in rerun.audits)
    from dataclasses import replace

    report = replace(run.report, sections={"audit": [a.to_dict() for a in run.audits]})
    html = REPORTERS["html"].render(report)
    assert "(read-only checks)" not in html and "state-changing tests ran" in html


def test_waived_findings_are_waived_and_counted_in_every_format(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("version: 1\nwaivers:\n  - check: CLU003\n    node: '*'\n    justification: accepted for "
                       "the test\n    expires: 2999-12-31\n")
    with LabFarm("use-network-name-off", workdir=tmp_path / "farm") as farm:
        inv = farm.write_inventory(tmp_path / "inventory.yml")
        code, console, err = run_cli(["run", "-i", inv, "--output-dir", tmp_path / "r", "--waivers", waivers,
                                      "--select", "CLU003"])
    doc = json.loads((tmp_path / "r" / "ssocheck-report.json").read_text())
    waived = [r for r in doc["results"] if r["status"] == "waived"]
    assert code == doc["exit_code"] == 0 and len(waived) == doc["summary"]["waived"] == 2, err
    assert "WAIVED" in console and "2 waived" in console and "critical" in console
    root = ET.parse(tmp_path / "r" / "ssocheck-junit.xml").getroot()
    messages = [s.get("message", "") for s in root.iter("skipped")]
    assert sum(m.startswith("WAIVED:") for m in messages) == 2
    assert "waived" in (tmp_path / "r" / "ssocheck-report.html").read_text().lower()
