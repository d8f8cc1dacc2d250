"""CLU007, CLU008 and CLU009 through the real runner, on NodeFacts built from raw fact values (pass, fail, error)."""

from __future__ import annotations

import base64
import copy
import struct
from typing import Any

import pytest
from ssocheck_checks import clusterrole

from ssocheck.check import Context, Expectations
from ssocheck.facts.clusterpolicy import scm_failure_actions
from ssocheck.model import Phase, Result, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot
from tests.checks.test_cluster_checks import ENTSSO, healthy_cluster, resource
from tests.checks.test_msdtc_checks import dtc as dtc_entry

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")
SVC_SID = "S-1-5-21-1004336348-1177238915-682003330-1105"
ADMINS_GROUP = "S-1-5-21-1004336348-1177238915-682003330-1110"


def endpoint(*addresses: str, error: str | None = None) -> dict[str, Any]:
    return {"name": "BIZTALKCLUSTER", "forward_error": error,
            "addresses": [{"address": a, "family": "InterNetwork", "reverse_name": "biztalkcluster",
                           "reverse_error": None, "tcp_135": True, "tcp_error": None} for a in addresses]}


def netname_cluster(**private: Any) -> dict[str, Any]:
    doc = healthy_cluster()
    for r in doc["resources"]:
        if r["name"] == "BIZTALKCLUSTER":
            r["private"].update({"StatusDNS": 0, "StatusKerberos": 0, "StatusNetBIOS": 0, **private})
    return doc


def policy(pending: int = 180000, action: int = 2, threshold: int = 1, failover_threshold: int = 4294967295,
           scm: list[int] | None = None) -> dict[str, Any]:
    blob = None
    if scm is not None:
        blob = base64.b64encode(struct.pack("<IIIII", 86400, 0, 0, len(scm), 20)
                                + b"".join(struct.pack("<II", a, 60000) for a in scm)).decode()
    return {"resources": [{"name": ENTSSO, "group": "SSO", "restart_action": action, "restart_threshold": threshold,
                           "restart_period": 900000, "pending_timeout": pending,
                           "failover_threshold": failover_threshold, "failover_period": 6}],
            "scm_failure_actions": blob}


def account(*groups: str) -> dict[str, Any]:
    return {"account": "CORP\\svc_sso", "sid": SVC_SID, "groups": [{"sid": g, "name": None} for g in groups]}


DEFAULT_ACCESS = [{"identity": "BUILTIN\\Administrators", "sid": "S-1-5-32-544", "access": "Allow", "rights": "Full"}]


def run(check: type, facts: dict[str, dict[str, Any]], phase: Phase = Phase.NIGHTLY) -> dict[str, Result]:
    nodes = [NodeSnapshot(name=n, roles=("sso-cluster",), facts=f) for n, f in facts.items()]
    report = evaluate(build([("builtin", [check])]), Snapshot(EXPECT, nodes, "2026-11-30T10:00:00Z"),
                      Context(phase, EXPECT))
    return {r.node: r for r in report.results}


def both(**facts: Any) -> dict[str, dict[str, Any]]:
    return {"NODE1": copy.deepcopy(facts), "NODE2": copy.deepcopy(facts)}


def statuses(results: dict[str, Result]) -> dict[str, str]:
    return {n: r.status.value for n, r in results.items()}


# -- CLU007 --------------------------------------------------------------------------------------------------------


def test_clu007_passes_when_registered_and_resolving_to_the_role_ip() -> None:
    results = run(clusterrole.SsoNetworkNameHealth, both(cluster=netname_cluster(), sso_endpoint=endpoint("10.0.0.50")),
                  Phase.POST)
    assert statuses(results) == {"NODE1": "pass", "NODE2": "pass"}


def test_clu007_fails_on_a_failed_dns_registration_and_a_stale_address() -> None:
    facts = both(cluster=netname_cluster(StatusDNS=9005), sso_endpoint=endpoint("10.0.0.50"))
    facts["NODE2"]["cluster"] = netname_cluster()
    facts["NODE2"]["sso_endpoint"] = endpoint("10.0.0.50", "10.9.9.9")
    results = run(clusterrole.SsoNetworkNameHealth, facts, Phase.POST)
    assert statuses(results) == {"NODE1": "fail", "NODE2": "fail"}
    assert "StatusDNS = 9005 (0x232D)" in results["NODE1"].message
    assert "10.9.9.9, not an address of role SSO (10.0.0.50)" in results["NODE2"].message


def test_clu007_fails_offline_or_unresolved_and_errors_without_the_endpoint_fact() -> None:
    offline = netname_cluster()
    next(r for r in offline["resources"] if r["name"] == "BIZTALKCLUSTER")["state"] = "Failed"
    facts = both(cluster=offline, sso_endpoint=endpoint(error="No such host is known"))
    results = run(clusterrole.SsoNetworkNameHealth, facts, Phase.POST)
    assert results["NODE1"].status is Status.FAIL and "Failed" in results["NODE1"].message
    assert "No such host is known" in results["NODE1"].message
    facts = both(cluster=netname_cluster())
    assert run(clusterrole.SsoNetworkNameHealth, facts, Phase.POST)["NODE1"].status is Status.ERROR


def test_clu007_warns_on_a_multi_subnet_role_with_the_default_ttl() -> None:
    doc = netname_cluster(HostRecordTTL=1200, RegisterAllProvidersIP=0)
    doc["resources"].append({**doc["resources"][1], "name": "IP Address 10.1.0.50",
                             "private": {"Address": "10.1.0.50"}, "state": "Offline"})
    results = run(clusterrole.SsoNetworkNameHealth, both(cluster=doc, sso_endpoint=endpoint("10.0.0.50")), Phase.POST)
    assert statuses(results) == {"NODE1": "warn", "NODE2": "warn"}
    assert "HostRecordTTL 1200 s" in results["NODE1"].message
    next(r for r in doc["resources"] if r["name"] == "BIZTALKCLUSTER")["private"]["HostRecordTTL"] = 300
    results = run(clusterrole.SsoNetworkNameHealth, both(cluster=doc, sso_endpoint=endpoint("10.0.0.50")), Phase.POST)
    assert statuses(results) == {"NODE1": "pass", "NODE2": "pass"}


# -- CLU008 --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("access", "groups", "status"), [
    ([{"identity": "CORP\\svc_sso", "sid": SVC_SID, "access": "Allow", "rights": "Full"}], (), "pass"),
    ([{"identity": "CORP\\SSO Administrators", "sid": ADMINS_GROUP, "access": "Allow", "rights": "Full"}],
     (ADMINS_GROUP,), "pass"),
    # Local Administrators hold Full Control: it counts only when the account's token has the group.
    ([], ("S-1-5-32-544",), "pass"),
    ([], (), "fail"),
    ([{"identity": "CORP\\svc_sso", "sid": SVC_SID, "access": "Allow", "rights": "Read"}], (), "fail"),
    ([{"identity": "CORP\\svc_sso", "sid": SVC_SID, "access": "Allow", "rights": "Full"},
      {"identity": "CORP\\SSO Administrators", "sid": ADMINS_GROUP, "access": "Deny", "rights": "Full"}],
     (ADMINS_GROUP,), "fail"),
])
def test_clu008(access: list[dict[str, Any]], groups: tuple[str, ...], status: str) -> None:
    facts = both(cluster_access=DEFAULT_ACCESS + access, service_account_groups=account(*groups))
    results = run(clusterrole.SsoAccountClusterAccess, facts)
    assert statuses(results) == {"NODE1": status, "NODE2": status}


def test_clu008_error_without_the_access_list() -> None:
    results = run(clusterrole.SsoAccountClusterAccess, both(service_account_groups=account()))
    assert statuses(results) == {"NODE1": "error", "NODE2": "error"}


# -- CLU009 --------------------------------------------------------------------------------------------------------


def test_clu009_passes_with_the_cluster_defaults_and_no_scm_restart() -> None:
    facts = both(cluster=healthy_cluster(), entsso_failure_policy=policy(scm=[0, 0]))
    assert statuses(run(clusterrole.EntssoFailurePolicyCheck, facts)) == {"NODE1": "pass", "NODE2": "pass"}
    assert clusterrole.EntssoFailurePolicyCheck.phases == (Phase.PRE, Phase.NIGHTLY)


def test_clu009_fails_a_short_pending_timeout_and_an_scm_restart() -> None:
    facts = both(cluster=healthy_cluster(), entsso_failure_policy=policy(pending=60000))
    facts["NODE2"]["entsso_failure_policy"] = policy(scm=[1, 1, 0])
    results = run(clusterrole.EntssoFailurePolicyCheck, facts)
    assert statuses(results) == {"NODE1": "fail", "NODE2": "fail"}
    assert "PendingTimeout 60000 ms" in results["NODE1"].message
    assert "Restart the Service" in results["NODE2"].message


@pytest.mark.parametrize(("kw", "status", "text"), [
    ({"action": 0}, "fail", "RestartAction 0"),
    ({"action": 1}, "warn", "never fails over"),
    ({"threshold": 0}, "fail", "RestartThreshold 0"),
    ({"failover_threshold": 0}, "fail", "the role never fails over"),
])
def test_clu009_restart_and_failover_policy(kw: dict[str, Any], status: str, text: str) -> None:
    results = run(clusterrole.EntssoFailurePolicyCheck, both(cluster=healthy_cluster(),
                                                             entsso_failure_policy=policy(**kw)))
    assert results["NODE1"].status.value == status and text in results["NODE1"].message


def test_clu009_errors_on_missing_or_malformed_facts() -> None:
    assert run(clusterrole.EntssoFailurePolicyCheck, both(cluster=healthy_cluster()))["NODE1"].status is Status.ERROR
    bad = policy()
    bad["resources"][0]["pending_timeout"] = "3 minutes"
    results = run(clusterrole.EntssoFailurePolicyCheck, both(cluster=healthy_cluster(), entsso_failure_policy=bad))
    assert results["NODE1"].status is Status.ERROR


def test_scm_failure_actions_layout() -> None:
    blob = struct.pack("<IIIII", 0, 0, 0, 3, 20) + struct.pack("<IIIIII", 1, 60000, 1, 60000, 0, 0)
    assert scm_failure_actions(blob) == (1, 1, 0)
    with pytest.raises(ValueError):
        scm_failure_actions(blob[:30])


# -- DTC005 --------------------------------------------------------------------------------------------------------

DTC_GROUP = "@FirewallAPI.dll,-33502"


def dtc_rule(name: str, direction: int, enabled: bool = True) -> dict[str, Any]:
    return {"name": name, "direction": direction, "action": 1, "enabled": enabled, "profiles": 0x7FFFFFFF,
            "protocol": 6, "local_ports": "RPC" if direction == 1 else "*",
            "application": "%SystemRoot%\\system32\\msdtc.exe", "service": "", "grouping": DTC_GROUP}


def dtc_firewall(inbound: bool = True, outbound: bool = True) -> dict[str, Any]:
    return {"current_profiles": 1, "enabled": {"1": True, "2": True, "4": True}, "truncated": False,
            "rules": [dtc_rule("DTC (RPC)", 1, inbound), dtc_rule("DTC (TCP-Out)", 2, outbound)]}


def dtc_cluster(in_role: bool = True, state: str = "Online") -> dict[str, Any]:
    doc = healthy_cluster()
    group = "SSO" if in_role else "SQL"
    doc["resources"].append(resource("MSDTC-SSOCLU", "Distributed Transaction Coordinator", group, state=state))
    if not in_role:
        doc["groups"].append({"name": "SQL", "owner_node": "NODE2", "state": state})
    return doc


def dtc_facts(cluster: dict[str, Any] | None = None, mapping: dict[str, Any] | None = None,
              security: list[dict[str, Any]] | None = None, firewall: dict[str, Any] | None = None,
              msdtc_state: str = "Running") -> dict[str, dict[str, Any]]:
    return both(
        cluster=cluster or dtc_cluster(),
        dtc_cluster_mapping=mapping or {"available": True, "mappings": [], "default": "MSDTC-SSOCLU", "error": None},
        msdtc_security=security or [dtc_entry(), dtc_entry("clustered")],
        services=[{"name": "MSDTC", "state": msdtc_state, "start_mode": "Auto",
                   "account": "NT AUTHORITY\\NetworkService"}],
        firewall=firewall or dtc_firewall(),
    )


def test_dtc005_passes_with_the_roles_own_dtc() -> None:
    results = run(clusterrole.DtcUsedByEntsso, dtc_facts(), Phase.POST)
    assert statuses(results) == {"NODE1": "pass", "NODE2": "pass"}
    assert "the DTC resource in role SSO" in results["NODE1"].message


def test_dtc005_fails_when_the_default_dtc_of_another_role_is_offline() -> None:
    results = run(clusterrole.DtcUsedByEntsso, dtc_facts(cluster=dtc_cluster(in_role=False, state="Offline")),
                  Phase.POST)
    assert statuses(results) == {"NODE1": "fail", "NODE2": "fail"}
    assert "MSDTC-SSOCLU, which is Offline" in results["NODE1"].message


def test_dtc005_a_tm_mapping_to_the_local_dtc_needs_msdtc_running_and_network_access() -> None:
    mapping = {"available": True, "default": "MSDTC-SSOCLU", "error": None,
               "mappings": [{"name": "sso", "application_type": "Service", "application": "ENTSSO", "local": True,
                             "resource": ""}]}
    local_off = [dtc_entry(NetworkDtcAccessInbound=0), dtc_entry("clustered")]
    results = run(clusterrole.DtcUsedByEntsso, dtc_facts(cluster=dtc_cluster(in_role=False), mapping=mapping,
                                                         security=local_off, msdtc_state="Stopped"), Phase.POST)
    assert results["NODE1"].status is Status.FAIL
    assert "local DTC, and MSDTC is Stopped" in results["NODE1"].message
    assert "NetworkDtcAccessInbound off" in results["NODE1"].message


def test_dtc005_firewall_group_inbound_fails_outbound_warns() -> None:
    results = run(clusterrole.DtcUsedByEntsso, dtc_facts(firewall=dtc_firewall(inbound=False)), Phase.POST)
    assert results["NODE1"].status is Status.FAIL and "inbound" in results["NODE1"].message
    results = run(clusterrole.DtcUsedByEntsso, dtc_facts(firewall=dtc_firewall(outbound=False)), Phase.POST)
    assert results["NODE1"].status is Status.WARN and "outbound" in results["NODE1"].message


def test_dtc005_undecidable_on_2008r2_with_several_dtcs_and_error_without_facts() -> None:
    doc = dtc_cluster(in_role=False)
    doc["resources"].append(resource("MSDTC-OTHER", "Distributed Transaction Coordinator", "SQL"))
    old = {"available": False, "mappings": [], "default": None, "error": None}
    results = run(clusterrole.DtcUsedByEntsso, dtc_facts(cluster=doc, mapping=old), Phase.POST)
    assert results["NODE1"].status is Status.ERROR and "no MsDtc module" in results["NODE1"].message
    facts = dtc_facts()
    for f in facts.values():
        f.pop("firewall")
    assert run(clusterrole.DtcUsedByEntsso, facts, Phase.POST)["NODE1"].status is Status.ERROR
