"""BTS003 (host instances running) and BTS004 (no unclustered host on the SSO cluster) through the real runner,
on raw ``biztalk_host_services`` and ``cluster`` values; plus the fact's parser."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ssocheck_checks import biztalk as bts

from ssocheck.facts.base import FactParseError
from ssocheck.facts.biztalk import BizTalkHostServices
from ssocheck.model import Phase, Result
from tests.checks.test_cluster_checks import healthy_cluster, resource
from tests.checks.test_sso_checks import run


def host(name: str, state: str = "Running", start_mode: str = "Auto", delayed: bool = True) -> dict[str, Any]:
    """One raw BTSSvc$ service as the snippet reports it."""
    return {"name": f"BTSSvc${name}", "state": state, "start_mode": start_mode, "account": "CORP\\svc_btshost",
            "delayed_autostart": delayed}


def test_module_exports_and_metadata() -> None:
    assert [c.id for c in bts.CHECKS] == ["BTS002", "BTS003", "BTS004"]
    assert bts.HostInstancesRunning.roles == ("biztalk",) and bts.HostInstancesRunning.shape == "node"
    assert bts.NoUnclusteredHostOnSsoCluster.roles == ("sso-cluster",)
    assert set(bts.NoUnclusteredHostOnSsoCluster.phases) == {Phase.PRE, Phase.NIGHTLY}


# --------------------------------------------------------------------------- BTS003


def bts003(services: list[dict[str, Any]] | None) -> Result:
    facts = None if services is None else {"biztalk_host_services": services}
    return run(bts.HostInstancesRunning, {"BTSNODE1": facts})["BTSNODE1"]


def test_bts003_all_automatic_running_passes_idle_manual_is_ignored() -> None:
    res = bts003([host("BizTalkServerApplication"), host("TrackingHost", "Stopped", "Manual")])
    assert res.status.value == "pass" and "all 1 automatic" in res.message
    assert res.evidence["found"]["BTSSvc$TrackingHost"] == "Stopped, Manual (delayed)"


def test_bts003_stopped_automatic_host_fails_and_names_it() -> None:
    res = bts003([host("BizTalkServerApplication", "Stopped"), host("ProcessingHost")])
    assert res.status.value == "fail"
    assert res.message == "1 of 2 automatic host instance(s) not running: BizTalkServerApplication (Stopped)"


def test_bts003_no_host_instance_passes_with_the_count() -> None:
    res = bts003([])
    assert res.status.value == "pass" and "(0 installed)" in res.message


def test_bts003_missing_fact_is_error() -> None:
    assert bts003(None).status.value == "skip"  # not collected: the node's one error is its collection result
    res = run(bts.HostInstancesRunning, {"BTSNODE1": {}})["BTSNODE1"]
    assert res.status.value == "error" and "biztalk_host_services" in res.message


def test_bts003_does_not_run_before_the_move() -> None:
    res = run(bts.HostInstancesRunning, {"BTSNODE1": {"biztalk_host_services": [host("A", "Stopped")]}},
              phase=Phase.PRE)
    assert res["BTSNODE1"].status.value == "skip"


# --------------------------------------------------------------------------- BTS004


def clustered_host_cluster(group: str = "SSO") -> dict[str, Any]:
    doc = healthy_cluster()
    doc["resources"].append(resource("BizTalk ClusteredHost", "Generic Service", group,
                                     private={"ServiceName": "BTSSvc$ClusteredHost", "UseNetworkName": 0}))
    return doc


def bts004(services: list[dict[str, Any]] | None, cluster: dict[str, Any] | None = None) -> Result:
    doc = cluster or clustered_host_cluster()
    facts = {"NODE1": None if services is None else {"biztalk_host_services": services,
                                                     "cluster": copy.deepcopy(doc)}}
    return run(bts.NoUnclusteredHostOnSsoCluster, facts, phase=Phase.PRE)["NODE1"]


def test_bts004_no_host_or_clustered_host_passes() -> None:
    assert bts004([]).status.value == "pass"
    res = bts004([host("ClusteredHost", "Running", "Manual")])
    assert res.status.value == "pass" and res.message.endswith("clustered in the SSO role SSO")


@pytest.mark.parametrize("state,mode", [("Running", "Manual"), ("Stopped", "Auto"), ("Running", "Auto")])
def test_bts004_unclustered_running_or_automatic_host_fails(state: str, mode: str) -> None:
    res = bts004([host("BizTalkServerApplication", state, mode), host("ClusteredHost", "Running", "Manual")])
    assert res.status.value == "fail"
    assert "BizTalkServerApplication" in res.message and "not clustered" in res.message
    assert "ClusteredHost" not in res.message


def test_bts004_host_clustered_in_another_role_fails() -> None:
    doc = clustered_host_cluster(group="BizTalk Hosts")
    doc["groups"].append({"name": "BizTalk Hosts", "owner_node": "NODE1", "state": "Online"})
    res = bts004([host("ClusteredHost", "Running", "Manual")], doc)
    assert res.status.value == "fail" and "clustered in role BizTalk Hosts, not SSO" in res.message


def test_bts004_stopped_manual_unclustered_host_passes_but_is_named() -> None:
    res = bts004([host("OldHost", "Stopped", "Manual")])
    assert res.status.value == "pass" and "OldHost" in res.message


def test_bts004_without_the_sso_role_is_error_and_missing_fact_is_error() -> None:
    doc = healthy_cluster()
    doc["resources"] = [r for r in doc["resources"] if r["type"] != "Generic Service"]
    assert bts004([host("A")], doc).status.value == "error"
    assert bts004(None).status.value == "skip"  # not collected (see runner.COLLECTION_CHECK)


# --------------------------------------------------------------------------- the fact


def test_fact_parses_sorted_and_rejects_other_services() -> None:
    parsed = BizTalkHostServices.parse([host("Zeta"), host("alpha", delayed=False)])
    assert [s.host for s in parsed] == ["alpha", "Zeta"] and parsed[1].delayed_autostart
    assert BizTalkHostServices.parse(None) == [] and len(BizTalkHostServices.parse(host("One"))) == 1
    with pytest.raises(FactParseError):
        BizTalkHostServices.parse([{"name": "ENTSSO", "state": "Running"}])
    with pytest.raises(FactParseError):
        BizTalkHostServices.parse([dict(host("A"), delayed_autostart="yes")])
