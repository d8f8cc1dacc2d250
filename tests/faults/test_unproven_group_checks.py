"""A group check that cannot decide only because nodes it needs were not collected is a skip "not proven", not
one more error per node (issue 14 item 2, issue 9 item 7): with both BizTalk nodes down, DTC002 has no BizTalk
baseline and SSO013 no backup event, and each gave an error on both cluster nodes (6 errors for 2 down nodes).
Likewise the SSO database checks (SSO002, SSO007, SSO012, SSO014, SSO020) when the only nodes reached are passive
cluster nodes, which do not read the SSO database by design (no second hop). The same words from a farm that
really lacks those nodes, or whose reached nodes tried and failed, stay errors.

End to end through the simulated farm (real WinRM on loopback, nothing mocked).
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ssocheck.lab.farm import LabFarm
from ssocheck.model import Report, Result, Status
from tests.support.lab import evaluate_inventory, run_cli

NO_BIZTALK_NODES = {"nodes": {"BTSNODE1": None, "BTSNODE2": None}}


def _evaluate(down: tuple[str, ...], overlay: Mapping[str, Any] | None = None,
              scenario: str = "healthy-post") -> Report:
    """``scenario`` with ``overlay`` applied and the ``down`` nodes powered off, collected and evaluated."""
    with tempfile.TemporaryDirectory() as tmp, LabFarm(scenario, workdir=Path(tmp) / "farm") as farm:
        if overlay:
            farm.apply_overlay(dict(overlay))
        farm.apply_overlay({"nodes": {name: {"up": False} for name in down}})
        return evaluate_inventory(farm.write_inventory(Path(tmp) / "inventory.yml"))


def _errors(results: Any) -> list[tuple[str, str]]:
    return [(r["check_id"], r["node"]) if isinstance(r, dict) else (r.check_id, r.node)
            for r in results if (r["status"] if isinstance(r, dict) else r.status.value) == "error"]


def _of(report: Report, check_id: str) -> dict[str, Result]:
    return {r.node: r for r in report.results if r.check_id == check_id}


def _assert_not_proven(result: Result, missing: list[str], undecided: str) -> None:
    assert result.status is Status.SKIP, result
    assert result.message.startswith(f"not proven: facts missing for {missing[0]} ("), result
    assert "node not collected: " in result.message
    assert result.evidence["missing_nodes"] == missing
    assert undecided in result.evidence["undecided"]


def test_every_biztalk_node_down_costs_two_errors_in_every_format(tmp_path: Path) -> None:
    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        farm.apply_overlay({"nodes": {"BTSNODE1": {"up": False}, "BTSNODE2": {"up": False}}})
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, console, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", "--no-color"])
    doc = json.loads((tmp_path / "out" / "ssocheck-report.json").read_text(encoding="utf-8"))
    # The build stays red (exit 3, INCOMPLETE) through the two collection errors, and only through them.
    assert code == doc["exit_code"] == 3, err
    assert doc["verdict"] == "INCOMPLETE"
    assert _errors(doc["results"]) == [("COLLECTION", "BTSNODE1"), ("COLLECTION", "BTSNODE2")]
    assert doc["summary"]["error"] == 2 and doc["summary"]["fail"] == 0
    junit = ET.parse(tmp_path / "out" / "ssocheck-junit.xml").getroot()
    assert junit.get("errors") == "2" and junit.get("failures") == "0"
    assert "2 error" in console and "INCOMPLETE" in console
    for check_id, undecided in (("DTC002", "no BizTalk node in scope to take the baseline from"),
                                ("SSO013", "no backup event 10559 on any node")):
        got = {r["node"]: r for r in doc["results"] if r["check_id"] == check_id}
        assert sorted(got) == ["BTSNODE1", "BTSNODE2", "NODE1", "NODE2"]
        for down in ("BTSNODE1", "BTSNODE2"):
            assert got[down]["status"] == "skip" and got[down]["message"].startswith("node not collected: ")
        for node in ("NODE1", "NODE2"):
            result = got[node]
            assert result["status"] == "skip", result
            assert result["message"].startswith("not proven: facts missing for BTSNODE1 (")
            assert "node not collected: BTSNODE2: " in result["message"]
            assert result["evidence"]["missing_nodes"] == ["BTSNODE1", "BTSNODE2"]
            assert undecided in result["evidence"]["undecided"]


def test_the_biztalk_node_holding_the_backup_event_down_leaves_sso013_unproven_elsewhere() -> None:
    report = _evaluate(("BTSNODE1",))
    assert _errors(report.results) == [("COLLECTION", "BTSNODE1")]
    sso013 = _of(report, "SSO013")
    assert sso013["BTSNODE1"].status is Status.SKIP and sso013["BTSNODE1"].message.startswith("node not collected")
    for node in ("BTSNODE2", "NODE1", "NODE2"):
        _assert_not_proven(sso013[node], ["BTSNODE1"], "no backup event 10559 on any node")
    assert report.exit_code() == 3


def test_a_farm_without_biztalk_nodes_keeps_its_errors() -> None:
    # Nothing was left uncollected: no BizTalk baseline and no backup event are the farm's (inventory's) truth.
    report = _evaluate((), NO_BIZTALK_NODES)
    assert _errors(report.results) == [("DTC002", "NODE1"), ("DTC002", "NODE2"), ("SSO013", "NODE1"),
                                       ("SSO013", "NODE2")]
    assert "no BizTalk node in scope" in _of(report, "DTC002")["NODE1"].message


def test_a_down_node_of_another_role_does_not_excuse_a_missing_biztalk_baseline() -> None:
    # NODE2 down could have held the backup event (SSO013 not proven), but it is no BizTalk node: DTC002's
    # missing baseline stays an error on NODE1.
    report = _evaluate(("NODE2",), NO_BIZTALK_NODES)
    assert _errors(report.results) == [("COLLECTION", "NODE2"), ("DTC002", "NODE1")]
    _assert_not_proven(_of(report, "SSO013")["NODE1"], ["NODE2"], "no backup event 10559 on any node")


def test_the_active_cluster_node_down_leaves_the_sso_database_unread_not_errored() -> None:
    # NODE1 owns the SSO role; NODE2 is passive (its ENTSSO is stopped) and does not run ssomanage.
    report = _evaluate(("NODE1",), scenario="healthy-pre")
    assert _errors(report.results) == [("COLLECTION", "NODE1")]
    assert report.exit_code() == 1  # NET001: the SSO role's network name does not answer (it was on NODE1)
    _assert_not_proven(_of(report, "SSO012")["NODE2"], ["NODE1"], "no cluster node could read")
    _assert_not_proven(_of(report, "SSO014")["NODE2"], ["NODE1"], "SSO administrator membership is unproven")


def test_only_the_passive_node_reached_costs_the_collection_errors_only() -> None:
    report = _evaluate(("BTSNODE1", "BTSNODE2", "NODE1"))
    assert _errors(report.results) == [("COLLECTION", "BTSNODE1"), ("COLLECTION", "BTSNODE2"), ("COLLECTION", "NODE1")]
    everyone = ["BTSNODE1", "BTSNODE2", "NODE1"]
    for check_id, missing, undecided in (
            ("DTC002", ["BTSNODE1", "BTSNODE2"], "no BizTalk node in scope"),
            ("SSO002", everyone, "no node could read the SSO Administrators account"),
            ("SSO007", everyone, "could not read the SSO database here: not read on this node"),
            ("SSO012", ["NODE1"], "no cluster node could read"),
            ("SSO013", everyone, "no backup event"),
            ("SSO020", everyone, "no node could read the master secret server name")):
        _assert_not_proven(_of(report, check_id)["NODE2"], missing, undecided)


def test_a_reached_node_that_failed_to_read_keeps_the_errors() -> None:
    # inventory-local-account: BTSNODE2 refuses the local account, BTSNODE1 reads the SSO database and fails
    # (0xC0002A13, no SSO administrator). With NODE1 down too, NODE2 (passive) reads nothing by design, but
    # BTSNODE1's failure is a real cause: SSO002/SSO007/SSO020 stay errors. Only SSO012 (cluster nodes only,
    # where nobody tried) is not proven.
    report = _evaluate(("NODE1",), scenario="inventory-local-account")
    assert sorted(_errors(report.results)) == [
        ("COLLECTION", "BTSNODE2"), ("COLLECTION", "NODE1"), ("SSO002", "BTSNODE1"), ("SSO002", "NODE2"),
        ("SSO007", "BTSNODE1"), ("SSO007", "NODE2"), ("SSO008", "NODE2"), ("SSO020", "BTSNODE1"),
        ("SSO020", "NODE2")]
    assert "no node could read" in _of(report, "SSO002")["NODE2"].message
    _assert_not_proven(_of(report, "SSO012")["NODE2"], ["NODE1"], "no cluster node could read")
