"""Issue 2 acceptance through the real CLI, pywinrm and the simulated farm (nothing mocked).

The three checks of the first vertical slice (DTC001, SSO004, CLU003) are selected explicitly so
these tests keep proving the collection / evaluation / reporting path whatever the catalog grows
into; the per-scenario test (test_scenarios.py) covers the whole catalog.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.lab import run_cli

SLICE = ["--select", "DTC001", "--select", "SSO004", "--select", "CLU003"]


def results(output_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    doc = json.loads((output_dir / "ssocheck-report.json").read_text(encoding="utf-8"))
    return {(r["check_id"], r["node"]): r for r in doc["results"]}


def non_passing(output_dir: Path) -> set[tuple[str, str, str]]:
    return {(c, n, r["status"]) for (c, n), r in results(output_dir).items() if r["status"] != "pass"}


@pytest.fixture(scope="module", params=["http", "https"])
def healthy(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Path]]:
    """healthy-post over NTLM-sealed HTTP and over HTTPS with CA validation and channel binding."""
    work = tmp_path_factory.mktemp(f"healthy-{request.param}")
    with LabFarm("healthy-post", scheme=request.param, workdir=work / "farm") as farm:
        yield farm, farm.write_inventory(work / "inventory.yml")


def test_healthy_farm_passes_with_one_command_per_node(healthy: tuple[LabFarm, Path], tmp_path: Path) -> None:
    farm, inventory = healthy
    farm.reset_counters()
    code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path, *SLICE])
    assert code == 0, out + err
    res = results(tmp_path)
    assert {r["status"] for r in res.values()} == {"pass"}
    # Each check ran on every node of its scope.
    assert {n for (c, n) in res if c == "DTC001"} == {"BTSNODE1", "BTSNODE2", "NODE1", "NODE2"}
    assert {n for (c, n) in res if c == "CLU003"} == {"NODE1", "NODE2"}
    assert {n for (c, n) in res if c == "SSO004"} == {"BTSNODE1", "BTSNODE2", "NODE1", "NODE2"}
    for node in farm.state.nodes:
        assert farm.commands(node) == 1, f"{node}: expected exactly one remote command"
        assert farm.http_requests(node) <= 9


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("cloned-msdtc-cid", {("DTC001", "NODE2", "fail"), ("DTC001", "BTSNODE2", "fail")}),
        ("use-network-name-off", {("CLU003", "NODE1", "fail"), ("CLU003", "NODE2", "fail")}),
        ("wrong-service-account", {("SSO004", "NODE2", "fail")}),
    ],
)
def test_each_mistake_fails_exactly_its_check(
    scenario: str, expected: set[tuple[str, str, str]], tmp_path: Path
) -> None:
    with LabFarm(scenario, workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", *SLICE])
    assert code == 1, out + err
    assert non_passing(tmp_path / "out") == expected


def test_stopped_node_is_error_and_others_are_still_checked(tmp_path: Path) -> None:
    with LabFarm("node-unreachable", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", *SLICE])
    assert code == 3, out + err
    res = results(tmp_path / "out")
    down = {k: r for k, r in res.items() if k[1] == "BTSNODE2"}
    # One error for the collection; the node's checks skipped with that cause (never pass).
    assert {k: r["status"] for k, r in down.items() if r["status"] == "error"} == {("COLLECTION", "BTSNODE2"): "error"}
    assert {r["status"] for r in down.values()} == {"error", "skip"}
    assert all("BTSNODE2" in r["message"] or "connect" in r["message"] for r in down.values())
    assert res["SSO004", "BTSNODE1"]["status"] == "pass"
    assert res["CLU003", "NODE1"]["status"] == "pass"
    # DTC001 is a group check: on the reachable nodes it is "not proven", never a pass.
    assert res["DTC001", "NODE1"]["status"] == "skip" and "BTSNODE2" in res["DTC001", "NODE1"]["message"]
    report = json.loads((tmp_path / "out" / "ssocheck-report.json").read_text(encoding="utf-8"))
    assert report["exit_code"] == 3 and report["verdict"] == "INCOMPLETE"


def test_offline_check_of_a_collected_snapshot_equals_the_live_run(
    healthy: tuple[LabFarm, Path], tmp_path: Path
) -> None:
    farm, inventory = healthy
    farm.apply_overlay({"nodes": {"NODE2": {"services": {"ENTSSO": {"account": "CORP\\svc_other"}}}}})
    try:
        code_run, _, _ = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "live", *SLICE])
        code_col, _, _ = run_cli(["collect", "-i", inventory, "-o", tmp_path / "facts.json", *SLICE])
        assert code_col == 0
        code_chk, _, _ = run_cli(
            ["check", "--snapshot", tmp_path / "facts.json", "--output-dir", tmp_path / "offline", *SLICE]
        )
    finally:
        farm.apply_overlay({})
    assert code_run == code_chk == 1

    def comparable(out: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
        return {k: (r["status"], r["message"], json.dumps(r["evidence"], sort_keys=True))
                for k, r in results(out).items()}

    assert comparable(tmp_path / "live") == comparable(tmp_path / "offline")
    assert ("SSO004", "NODE2") in {k for k, v in comparable(tmp_path / "offline").items() if v[0] == "fail"}


def test_junit_file_shape(tmp_path: Path) -> None:
    with LabFarm("demo", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out"])
    root = ET.parse(tmp_path / "out" / "ssocheck-junit.xml").getroot()
    suites = root.findall("testsuite")
    assert sorted(s.get("name", "") for s in suites) == ["BTSNODE1", "BTSNODE2", "NODE1", "NODE2"]
    pairs = set()
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", -1)) == len(cases)
        assert int(suite.get("failures", -1)) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("errors", -1)) == sum(1 for c in cases if c.find("error") is not None)
        assert int(suite.get("skipped", -1)) == sum(1 for c in cases if c.find("skipped") is not None)
        for case in cases:
            assert suite.get("name", "?") in case.get("classname", "")
            assert case.get("name", "")[:6].isalnum()  # the check ID comes first
            pair = (case.get("classname"), case.get("name"))
            assert pair not in pairs
            pairs.add(pair)
    failure = next(c for s in suites for c in s.findall("testcase") if c.find("failure") is not None)
    assert failure.findtext("failure")  # remediation and evidence in the element text
    # A real run's file is valid for the Jenkins xUnit plugin (its junit-10.xsd, see tests/data/xsd).
    import xmlschema

    schema = xmlschema.XMLSchema(str(Path(__file__).resolve().parents[1] / "data" / "xsd" / "junit-10.xsd"))
    assert [str(e.reason) for e in schema.iter_errors(str(tmp_path / "out" / "ssocheck-junit.xml"))] == []
    # junitparser (what many CI helpers use) counts what the report model counts.
    from junitparser import Error, Failure, JUnitXml, Skipped

    summary = json.loads((tmp_path / "out" / "ssocheck-report.json").read_text(encoding="utf-8"))["summary"]
    kinds: dict[type, int] = {Failure: 0, Error: 0, Skipped: 0}
    counted = 0
    for parsed_suite in JUnitXml.fromfile(str(tmp_path / "out" / "ssocheck-junit.xml")):
        for tc in parsed_suite:
            counted += 1
            for outcome in tc.result:
                kinds[type(outcome)] += 1
    assert kinds[Failure] == summary["fail"] and kinds[Error] == summary["error"]
    assert kinds[Skipped] == summary["skip"] + summary.get("waived", 0)
    assert counted == sum(summary.values())


def test_html_escapes_hostile_evidence(tmp_path: Path) -> None:
    hostile = "CORP\\<script>alert('x')</script>"
    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        farm.apply_overlay({"nodes": {"NODE2": {"services": {"ENTSSO": {"account": hostile}}}}})
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, _, _ = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", *SLICE])
    assert code == 1
    html = (tmp_path / "out" / "ssocheck-report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_password_never_written_anywhere(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with LabFarm("node-unreachable", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        doc = inventory.read_text(encoding="utf-8")
        pw_file = next(line.split(":", 1)[1].strip() for line in doc.splitlines() if "password_file" in line)
        password = (inventory.parent / pw_file).read_text(encoding="utf-8").strip()
        out = tmp_path / "out"
        outputs = [
            run_cli(["--debug", "run", "-i", inventory, "--output-dir", out]),
            run_cli(["--debug", "collect", "-i", inventory, "-o", out / "collected.json"]),
            run_cli(["--debug", "doctor", "-i", inventory]),
        ]
    assert len(password) >= 12
    texts = [o[1] + o[2] for o in outputs] + [p.read_text(encoding="utf-8") for p in out.iterdir()]
    texts.append(caplog.text)
    assert all(password not in text for text in texts)
    assert len(list(out.iterdir())) >= 5  # the reports, the snapshot and the collected facts were checked


def test_bad_inventory_exits_2_with_one_line(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yml"
    inventory.write_text(
        "group: G\ncluster_network_name: X\nsso: {service_account: CORP\\svc, database: {server: S}}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(inventory) in lines[0] and "master_secret_server" in lines[0]
    assert "Traceback" not in out + err


def test_bad_snapshot_exits_2_with_one_line(tmp_path: Path) -> None:
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps({"schema": "ssocheck-snapshot/1", "expectations": {}}), encoding="utf-8")
    code, out, err = run_cli(["check", "--snapshot", snap, "--output-dir", tmp_path])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(snap) in lines[0] and "expectations" in lines[0]
    assert "Traceback" not in out + err


def test_no_color_and_force_color_are_honoured(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ssocheck.cli import main

    with LabFarm("demo", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", *SLICE])
    snapshot = tmp_path / "out" / "ssocheck-snapshot.json"
    args = ["check", "--snapshot", str(snapshot), "--output-dir", str(tmp_path / "o2"), *SLICE]
    runner = CliRunner()
    forced = runner.invoke(main, args, env={"FORCE_COLOR": "1", "NO_COLOR": None, "COLUMNS": "100"})
    assert "\x1b[31m" in forced.stdout  # a CI log that renders ANSI gets colour through a pipe
    plain = runner.invoke(main, args, env={"FORCE_COLOR": "1", "NO_COLOR": "1", "COLUMNS": "100"})
    assert "\x1b[" not in plain.stdout and "FAIL" in plain.stdout
    # The table fits COLUMNS (a pipe has no terminal size); long unbreakable tokens aside.
    assert max(len(line) for line in plain.stdout.splitlines() if "\\" not in line and "/" not in line) <= 100
