"""Scale through the real runner and reporters (issue 14 part 2): a real farm's snapshot scaled to 500 nodes.

The issue's targets, on what ``ssocheck check`` really produces (not on a hand-built report): at 500 nodes
with 3 unreachable nodes, each down node costs exactly one error (its COLLECTION result) and its checks
are skipped "node not collected", while the verdict stays red - the same counts in the console, HTML,
JSON, JUnit, Prometheus and the exit code, also for ``--select CLU`` (no selected check applies to the
down BizTalk nodes); the HTML stays under 1 MB and a healthy run's console under 40 lines.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.bigsnapshot import scaled_snapshot
from tests.support.lab import run_cli

DOWN = ("BTSNODE0100", "BTSNODE0250", "BTSNODE0400")
FORMATS = ["--format", "junit", "--format", "html", "--format", "json", "--format", "prometheus"]


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A snapshot of the healthy-post farm (4 nodes), collected over WinRM like any run."""
    work = tmp_path_factory.mktemp("scale")
    with LabFarm("healthy-post", workdir=work / "farm") as farm:
        inv = farm.write_inventory(work / "inventory.yml")
        code, _, err = run_cli(["collect", "-i", inv, "-o", work / "snap.json"])
    assert code == 0, err
    snap: dict[str, Any] = json.loads((work / "snap.json").read_text(encoding="utf-8"))
    return snap


def _check(snap: dict[str, Any], tmp: Path, *extra: str) -> tuple[int, str, Path]:
    path = tmp / "snapshot.json"
    path.write_text(json.dumps(snap), encoding="utf-8")
    code, out, err = run_cli(["check", "--snapshot", path, "--output-dir", tmp / "r", "--no-color", *extra])
    assert "Traceback" not in out + err and "internal error" not in err, err
    return code, out, tmp / "r"


def _prometheus(path: Path) -> tuple[dict[str, int], str, int]:
    text = path.read_text(encoding="utf-8")
    counts = {m[0]: int(m[1]) for m in re.findall(r'^ssocheck_results\{[^}]*status="(\w+)"\} (\d+)$', text, re.M)}
    verdict = re.findall(r'^ssocheck_run_verdict\{[^}]*verdict="(\w+)"\} 1$', text, re.M)
    code = re.findall(r"^ssocheck_run_exit_code\{[^}]*\} (\d+)$", text, re.M)
    assert len(verdict) == len(code) == 1, text[-800:]
    return counts, verdict[0], int(code[0])


def _one_truth(code: int, console: str, out: Path) -> dict[str, Any]:
    """Every format states the exit code, verdict and counts of the JSON report; returns the JSON."""
    doc: dict[str, Any] = json.loads((out / "ssocheck-report.json").read_text(encoding="utf-8"))
    summary = doc["summary"]
    assert code == doc["exit_code"]
    verdict = doc["verdict"].split()[0]
    assert summary == dict(Counter(r["status"] for r in doc["results"]), **{
        s: 0 for s in summary if s not in {r["status"] for r in doc["results"]}})
    root = ET.parse(out / "ssocheck-junit.xml").getroot()
    cases = list(root.iter("testcase"))
    assert int(root.get("tests", "-1")) == len(cases) == len(doc["results"])
    assert int(root.get("errors", "-1")) == sum(c.find("error") is not None for c in cases) == summary["error"]
    assert int(root.get("failures", "-1")) == sum(c.find("failure") is not None for c in cases) == summary["fail"]
    assert sum(c.find("skipped") is not None for c in cases) == summary["skip"] + summary["waived"]
    counts, prom_verdict, prom_code = _prometheus(out / "ssocheck.prom")
    assert counts == summary and prom_code == code and prom_verdict == verdict
    page = (out / "ssocheck-report.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) < 1_000_000
    banner = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("</h1>")[0] + page.split("</h1>")[1][:3000]))
    assert verdict in banner
    for status in ("fail", "error", "warn", "waived", "skip", "pass"):
        assert f"{summary[status]} {status}" in banner, (status, banner[:600])
        assert f"{summary[status]} {status}" in console
    assert f"-> {doc['verdict']}" in re.sub(r"\s+", " ", console)
    return doc


def test_500_nodes_3_down_cost_3_errors_in_every_format(collected: dict[str, Any], tmp_path: Path) -> None:
    code, console, out = _check(scaled_snapshot(collected, 500, DOWN), tmp_path, *FORMATS)
    doc = _one_truth(code, console, out)
    assert code == 3 and doc["verdict"] == "INCOMPLETE"  # red: nothing failed, but 3 nodes are unknown
    errors = [(r["check_id"], r["node"]) for r in doc["results"] if r["status"] == "error"]
    assert sorted(errors) == [("COLLECTION", node) for node in DOWN]
    for node in DOWN:
        own = [r for r in doc["results"] if r["node"] == node and r["check_id"] != "COLLECTION"]
        assert own and {r["status"] for r in own} == {"skip"}
        not_collected = [r for r in own if r["message"].startswith("node not collected: ")]
        assert len(not_collected) >= 15 and all(node in r["message"] for r in not_collected)
    # The group verdicts the down nodes leave unproven are skipped on the others, naming the cause.
    unproven = [r for r in doc["results"] if r["node"] not in DOWN and r["message"].startswith("not proven")]
    assert unproven and {r["status"] for r in unproven} == {"skip"}
    root = ET.parse(out / "ssocheck-junit.xml").getroot()
    failing = [(c.get("classname"), c.get("name", "").split()[0]) for c in root.iter("testcase")
               if c.find("error") is not None]
    assert sorted(failing) == [(f"ssocheck.biztalk.{node}", "COLLECTION") for node in DOWN]
    # The HTML names each down node once: its block, not also a COLLECTION finding of its own.
    page = (out / "ssocheck-report.html").read_text(encoding="utf-8")
    assert "Findings (3)" in page and page.count("facts could not be collected</h3>") == 3


def test_500_nodes_select_clu_with_down_biztalk_nodes_is_not_green(collected: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    # reports.md D1: no selected check applies to the down BizTalk nodes; JSON/HTML/console said PASSED.
    code, console, out = _check(scaled_snapshot(collected, 500, DOWN), tmp_path, "--select", "CLU", *FORMATS)
    doc = _one_truth(code, console, out)
    assert code == 3 and doc["verdict"] == "INCOMPLETE" and doc["provenance"]["partial"] is True
    assert "INCOMPLETE (PARTIAL: 9 of" in re.sub(r"\s+", " ", console)
    assert "INCOMPLETE (PARTIAL: 9 of" in (out / "ssocheck-report.html").read_text(encoding="utf-8")
    assert sorted(r["node"] for r in doc["results"] if r["status"] == "error") == sorted(DOWN)


def test_a_failure_beside_down_nodes_keeps_the_build_red_with_exit_1(collected: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    snap = scaled_snapshot(collected, 500, DOWN)
    node = next(n for n in snap["nodes"] if n["name"] == "BTSNODE0007")
    node["facts"]["msdtc_cids"] = next(n for n in snap["nodes"] if n["name"] == "BTSNODE0008")["facts"]["msdtc_cids"]
    code, console, out = _check(snap, tmp_path, *FORMATS)
    doc = _one_truth(code, console, out)
    assert code == 1 and doc["verdict"] == "FAILED" and doc["summary"]["error"] == 3
    assert {r["node"] for r in doc["results"] if r["status"] == "fail" and r["check_id"] == "DTC001"} \
        == {"BTSNODE0007", "BTSNODE0008"}


@pytest.mark.parametrize("nodes", [200, 500])
def test_a_healthy_farm_at_scale_is_short_and_green(nodes: int, collected: dict[str, Any], tmp_path: Path) -> None:
    code, console, out = _check(scaled_snapshot(collected, nodes), tmp_path, *FORMATS)
    doc = _one_truth(code, console, out)
    assert code == 0 and doc["verdict"] == "PASSED" and len(doc["nodes"]) == nodes
    lines = console.splitlines()
    assert len(lines) < 40, console
    assert not [line for line in lines if line.count("BTSNODE") > 4]  # no line is a list of node names


def test_many_nodes_down_for_one_cause_are_one_block_and_messages_stay_short(collected: dict[str, Any],
                                                                             tmp_path: Path) -> None:
    # As an interrupted 500-node run leaves them (measured: 292 "not contacted", a 666-line console, 38 KB
    # per "not proven" message, a 121 MB JSON report): 300 nodes refused with the same cause.
    down = tuple(f"BTSNODE{i:04d}" for i in range(101, 401))
    code, console, out = _check(scaled_snapshot(collected, 500, down), tmp_path, *FORMATS)
    doc = _one_truth(code, console, out)
    assert code == 3 and doc["summary"]["error"] == 300
    assert len(console.splitlines()) < 60, console
    assert "300 nodes: cannot connect to http://<node>:5985/wsman: connection refused" in console
    assert "BTSNODE0101..BTSNODE0400" in console
    assert max(len(r["message"]) for r in doc["results"]) < 2_000
    assert (out / "ssocheck-report.json").stat().st_size < 40_000_000
    page = (out / "ssocheck-report.html").read_text(encoding="utf-8")
    assert page.count("facts could not be collected</h3>") == 1 and "BTSNODE0101..BTSNODE0400" in page
    assert "Findings (1)" in page and len(page.encode("utf-8")) < 500_000
