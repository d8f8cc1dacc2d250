"""The topologies end to end, beyond the scenarios' exact expected sets: what a farm without an optional inventory
part (a standby, the MessageBox) reports, through the real lab farm (pywinrm, NTLM, loopback WinRM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from ssocheck.model import Status
from tests.support.lab import evaluate_inventory

pytestmark = pytest.mark.e2e


def _results(scenario: str, overlay: dict[str, object], tmp_path: Path) -> dict[tuple[str, str], tuple[Status, str]]:
    with LabFarm(scenario, username="LAB\\ssocheck") as farm:
        farm.apply_overlay(overlay)
        report = evaluate_inventory(farm.write_inventory(tmp_path / "inventory.yml"))
    assert report.verdict() == "PASSED", [(r.check_id, r.node, r.message) for r in report.results
                                          if r.status not in (Status.PASS, Status.SKIP)]
    return {(r.check_id, r.node): (r.status, r.message) for r in report.results}


def test_standalone_without_a_standby_skips_the_standby_checks_saying_why(tmp_path: Path) -> None:
    res = _results("standalone-healthy-post", {"farm": {"standalone": {"standby": None}},
                                                "nodes": {"NODE2": None}}, tmp_path)
    for check in ("SSO022", "SSO023"):
        status, message = res[check, "NODE1"]
        assert status is Status.SKIP and "no standby SSO server in the inventory" in message
    assert res["SSO024", "NODE1"][0] is Status.PASS
    # The cluster checks are there, as not applicable, on the standalone server only.
    assert res["CLU002", "NODE1"] == (Status.SKIP, "not applicable to topology standalone (applies to "
                                                   "dedicated-cluster, sql-cluster)")
    assert ("CLU002", "BTSNODE1") not in res


def test_sql_cluster_without_the_messagebox_in_the_inventory_skips_sso025(tmp_path: Path) -> None:
    res = _results("sqlcluster-healthy-post", {"farm": {"messagebox_db": None}}, tmp_path)
    assert {res["SSO025", n][0] for n in ("NODE1", "NODE2")} == {Status.SKIP}
    assert "names no MessageBox database" in res["SSO025", "NODE1"][1]


def test_sql_cluster_entsso_sharing_the_sql_role_uses_that_roles_dtc(tmp_path: Path) -> None:
    # ENTSSO is a Generic Service in the SQL Server role, under its network name: the DTC it uses is that SQL role's
    # (a DTC in the service's own role comes first), and the MessageBox's role is compared with that shared role.
    res = _results("sqlcluster-shared-role-healthy-post", {}, tmp_path)
    for node in ("NODE1", "NODE2"):
        status, message = res["DTC005", node]
        assert status is Status.PASS
        assert message.startswith("ENTSSO uses MSDTC-SSOCLU (the DTC resource in role SQL Server (BTSSSO))"), message
        assert res["SSO025", node] == (Status.PASS, "the master secret server runs on NODE1, the MessageBox's SQL "
                                                    "role on NODE2")


def test_sql_cluster_shared_role_dtc_offline_fails_dtc005_naming_it(tmp_path: Path) -> None:
    with LabFarm("sqlcluster-shared-role-dtc-offline", username="LAB\\ssocheck") as farm:
        report = evaluate_inventory(farm.write_inventory(tmp_path / "inventory.yml"))
    res = {(r.check_id, r.node): (r.status, r.message) for r in report.results}
    for node in ("NODE1", "NODE2"):
        status, message = res["DTC005", node]
        assert status is Status.FAIL and "MSDTC-SSOCLU" in message and "offline" in message.lower(), message
