"""DTC001-DTC004 through the real runner, on NodeFacts built from raw fact values (the snippets' shapes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from ssocheck_checks import msdtc

from ssocheck.check import Context, Expectations
from ssocheck.model import Phase, Result, Severity, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")

SECURITY = {
    "NetworkDtcAccess": 1, "NetworkDtcAccessTransactions": 1, "NetworkDtcAccessInbound": 1,
    "NetworkDtcAccessOutbound": 1, "NetworkDtcAccessClients": 0, "NetworkDtcAccessAdmin": 0,
    "NetworkDtcAccessTip": 0, "XaTransactions": 0, "LuTransactions": 1,
}
MUTUAL = {"AllowOnlySecureRpcCalls": 1, "FallbackToUnsecureRPCIfNecessary": 0, "TurnOffRpcSecurity": 0}
INCOMING = {"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": 1, "TurnOffRpcSecurity": 0}
DTC_ID = "7d3c5e21-4b8a-4f6e-9c1d-2a5b8e7f0c13"


def dtc(kind: str = "local", security: dict[str, Any] | None = None, rpc: dict[str, Any] | None = None,
        **changes: Any) -> dict[str, Any]:
    """One raw msdtc_security entry: healthy values, with ``changes`` applied to the Security DWORDs."""
    sec = dict(SECURITY if security is None else security)
    sec.update(changes)
    entry: dict[str, Any] = {"kind": kind, "resource_id": "", "resource_name": "", "key_present": True,
                             "security": sec, "rpc": dict(MUTUAL if rpc is None else rpc)}
    if kind == "clustered":
        entry.update(resource_id=DTC_ID, resource_name="MSDTC-SSOCLU")
    return entry


def node(name: str, roles: tuple[str, ...], facts: dict[str, Any] | None = None, **kw: Any) -> NodeSnapshot:
    return NodeSnapshot(name=name, roles=roles, facts=facts or {}, **kw)


def farm(overrides: Mapping[str, list[dict[str, Any]] | None] | None = None) -> list[NodeSnapshot]:
    """Two BizTalk nodes and two cluster nodes (local + clustered DTC) with msdtc_security, healthy by default.

    ``overrides`` maps a node name to its raw msdtc_security value (None: the fact is not collected).
    """
    raw: dict[str, list[dict[str, Any]] | None] = {
        "BTSNODE1": [dtc()], "BTSNODE2": [dtc()],
        "NODE1": [dtc(), dtc("clustered")], "NODE2": [dtc(), dtc("clustered")],
    }
    raw.update(overrides or {})
    roles = {"BTSNODE1": ("biztalk",), "BTSNODE2": ("biztalk",), "NODE1": ("sso-cluster",),
             "NODE2": ("sso-cluster",)}
    return [node(n, roles.get(n, ("biztalk",)), {} if v is None else {"msdtc_security": v}) for n, v in raw.items()]


def run(check: type, nodes: list[NodeSnapshot], phase: Phase = Phase.POST) -> dict[str, Result]:
    """Evaluate one check with the real runner; results by node name."""
    report = evaluate(build([("builtin", [check])]), Snapshot(EXPECT, nodes, "2026-11-20T22:00:00Z"),
                      Context(phase, EXPECT))
    return {r.node: r for r in report.results}


def statuses(results: dict[str, Result]) -> dict[str, Status]:
    return {name: r.status for name, r in results.items()}


# -- catalogue contract --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "cid", "name", "shape", "roles", "severity", "step"),
    [
        (msdtc.MsdtcCidUnique, "DTC001", "msdtc-cid-unique", "group", ("biztalk", "sso-cluster", "sql", "sso-server"),
         Severity.CRITICAL, "1"),
        (msdtc.MsdtcSecurityConsistent, "DTC002", "msdtc-security-consistent", "group",
         ("biztalk", "sso-cluster", "sso-server"),
         Severity.HIGH, "2"),
        (msdtc.MsdtcServiceRunning, "DTC003", "msdtc-service-running", "node",
         ("biztalk", "sso-cluster", "sql", "sso-server"),
         Severity.HIGH, "22"),
        (msdtc.ClusteredMsdtcResource, "DTC004", "clustered-msdtc-resource", "group", ("sso-cluster",),
         Severity.HIGH, "13"),
    ],
)
def test_catalogue_metadata(cls: type, cid: str, name: str, shape: str, roles: tuple[str, ...],
                            severity: Severity, step: str) -> None:
    (loaded,) = build([("builtin", [cls])])
    meta = loaded.meta
    assert (meta.id, meta.name, meta.shape, meta.roles, meta.severity, meta.guide_step) == (
        cid, name, shape, roles, severity, step)
    assert meta.phases == (Phase.PRE, Phase.POST, Phase.NIGHTLY)
    assert meta.title and meta.description and meta.remediation and meta.references
    assert cls in msdtc.CHECKS


def test_dtc002_remediation_names_the_commands() -> None:
    assert "Set-DtcNetworkSetting" in msdtc.MsdtcSecurityConsistent.remediation
    assert "dcomcnfg" in msdtc.MsdtcSecurityConsistent.remediation
    assert "msdtc -install" in msdtc.MsdtcServiceRunning.remediation
    assert "Start-ClusterResource" in msdtc.ClusteredMsdtcResource.remediation


# -- DTC001 still works next to the new checks ---------------------------------------------------------------------


def test_dtc001_still_detects_a_shared_cid() -> None:
    def cids(prefix: str) -> list[dict[str, str]]:
        return [{"cid": f"{prefix}{i}", "description": d} for i, d in enumerate(("MSDTC", "MSDTCUIS", "MSDTCTIPGW",
                                                                                  "MSDTCXATM"))]

    res = run(msdtc.MsdtcCidUnique, [node("A", ("biztalk",), {"msdtc_cids": cids("a")}),
                                     node("B", ("sso-cluster",), {"msdtc_cids": cids("a")}),
                                     node("C", ("sso-cluster",), {"msdtc_cids": cids("c")})])
    assert statuses(res) == {"A": Status.FAIL, "B": Status.FAIL, "C": Status.PASS}


# -- DTC002 --------------------------------------------------------------------------------------------------------


def test_dtc002_passes_when_every_instance_matches() -> None:
    res = run(msdtc.MsdtcSecurityConsistent, farm())
    assert set(statuses(res).values()) == {Status.PASS}
    assert "clustered DTC MSDTC-SSOCLU" in res["NODE1"].message
    assert res["NODE1"].evidence["expected"]["AuthenticationLevel"] == "Mutual"


def test_dtc002_fails_a_cluster_node_with_inbound_off_and_no_auth() -> None:
    no_auth = {"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": 0, "TurnOffRpcSecurity": 1}
    res = run(msdtc.MsdtcSecurityConsistent, farm({"NODE2": [dtc(rpc=no_auth, NetworkDtcAccessInbound=0),
                                                            dtc("clustered")]}))
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.PASS, "NODE1": Status.PASS,
                             "NODE2": Status.FAIL}
    ev = res["NODE2"].evidence
    assert ev["expected"] == {"local DTC: NetworkDtcAccessInbound": 1, "local DTC: AuthenticationLevel": "Mutual"}
    assert "cannot authenticate with BTSNODE1=Mutual, BTSNODE2=Mutual" in res["NODE2"].message
    assert ev["found"] == {"local DTC: NetworkDtcAccessInbound": 0, "local DTC: AuthenticationLevel": "NoAuth"}
    assert "NetworkDtcAccessInbound = 0" in res["NODE2"].message
    assert ev["rpc_values"]["local DTC"] == no_auth


def test_dtc002_incoming_on_the_clustered_dtc_is_microsofts_recommendation_and_passes() -> None:
    # Measured on the demo snapshot (review 2026-11-30, domain.md 5.1): this used to fail with
    # "AuthenticationLevel = Incoming (the BizTalk nodes have Mutual)".
    res = run(msdtc.MsdtcSecurityConsistent, farm({
        "NODE1": [dtc(), dtc("clustered", rpc=INCOMING)],
        "NODE2": [dtc(), dtc("clustered", rpc=INCOMING)],
    }))
    assert set(statuses(res).values()) == {Status.PASS}
    assert "clustered DTC MSDTC-SSOCLU (Incoming)" in res["NODE1"].message


def test_dtc002_other_security_values_than_the_biztalk_nodes_warn_with_the_difference() -> None:
    res = run(msdtc.MsdtcSecurityConsistent, farm({
        "NODE1": [dtc(), dtc("clustered", rpc=INCOMING, XaTransactions=1)],
        "NODE2": [dtc(), dtc("clustered", rpc=INCOMING, XaTransactions=1)],
    }))
    for name in ("NODE1", "NODE2"):
        assert res[name].status is Status.WARN
        assert res[name].evidence["found"] == {"clustered DTC MSDTC-SSOCLU: XaTransactions": 1}
        assert res[name].evidence["expected"] == {"clustered DTC MSDTC-SSOCLU: XaTransactions": 0}
        assert "XaTransactions = 1 (the BizTalk nodes have 0)" in res[name].message
    assert res["BTSNODE1"].status is Status.PASS


NO_AUTH = {"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": 0, "TurnOffRpcSecurity": 1}


def test_dtc002_no_authentication_facing_mutual_fails_the_no_authentication_side() -> None:
    res = run(msdtc.MsdtcSecurityConsistent, farm({"NODE1": [dtc(), dtc("clustered", rpc=NO_AUTH)],
                                                  "NODE2": [dtc(), dtc("clustered", rpc=NO_AUTH)]}))
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.PASS, "NODE1": Status.FAIL,
                             "NODE2": Status.FAIL}
    assert "AuthenticationLevel = NoAuth (cannot authenticate with BTSNODE1=Mutual, BTSNODE2=Mutual)" in \
        res["NODE1"].message
    # A BizTalk node without authentication facing the others' Mutual is the one that fails.
    res = run(msdtc.MsdtcSecurityConsistent, farm({"BTSNODE3": [dtc(rpc=NO_AUTH)]}))
    assert res["BTSNODE3"].status is Status.FAIL
    assert {res[n].status for n in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2")} == {Status.PASS}


def test_dtc002_incoming_or_no_authentication_that_still_works_warns() -> None:
    # Incoming on a cluster node's local DTC works with Mutual partners, but Mutual is recommended there.
    res = run(msdtc.MsdtcSecurityConsistent, farm({"NODE1": [dtc(rpc=INCOMING), dtc("clustered")]}))
    assert res["NODE1"].status is Status.WARN and "recommends Mutual" in res["NODE1"].message
    # Everyone without authentication: nothing clashes, every node is warned (Mutual is recommended).
    everyone = {n: [dtc(rpc=NO_AUTH)] for n in ("BTSNODE1", "BTSNODE2")}
    everyone |= {n: [dtc(rpc=NO_AUTH), dtc("clustered", rpc=NO_AUTH)] for n in ("NODE1", "NODE2")}
    res = run(msdtc.MsdtcSecurityConsistent, farm(everyone))
    assert set(statuses(res).values()) == {Status.WARN}


def test_dtc002_baseline_is_what_the_biztalk_nodes_share() -> None:
    # The BizTalk nodes use XA (MQSeries adapter): the cluster nodes differ, which is named as a warning.
    res = run(msdtc.MsdtcSecurityConsistent, farm({"BTSNODE1": [dtc(XaTransactions=1)],
                                                  "BTSNODE2": [dtc(XaTransactions=1)]}))
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.PASS, "NODE1": Status.WARN,
                             "NODE2": Status.WARN}
    assert res["NODE1"].evidence["expected"] == {"local DTC: XaTransactions": 1,
                                                 "clustered DTC MSDTC-SSOCLU: XaTransactions": 1}


def test_dtc002_biztalk_nodes_that_disagree_warn_and_leave_the_value_undecided() -> None:
    res = run(msdtc.MsdtcSecurityConsistent, farm({"BTSNODE2": [dtc(NetworkDtcAccessTip=1)]}))
    assert res["BTSNODE1"].status is Status.WARN and res["BTSNODE2"].status is Status.WARN
    assert "BizTalk nodes disagree" in res["BTSNODE1"].message
    assert res["BTSNODE2"].evidence["found"] == {"local DTC: NetworkDtcAccessTip": 1}
    # The cluster nodes cannot be judged on TIP: error, never pass.
    assert res["NODE1"].status is Status.ERROR and "NetworkDtcAccessTip" in res["NODE1"].message


def test_dtc002_majority_of_biztalk_nodes_wins() -> None:
    nodes = farm({"BTSNODE3": [dtc(LuTransactions=0)]})
    res = run(msdtc.MsdtcSecurityConsistent, nodes)
    assert res["BTSNODE3"].status is Status.WARN
    assert "the other BizTalk nodes have 1" in res["BTSNODE3"].message
    assert {res[n].status for n in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2")} == {Status.PASS}


def test_dtc002_network_access_must_be_on_even_on_the_biztalk_nodes() -> None:
    off = dict.fromkeys(SECURITY, 0)
    res = run(msdtc.MsdtcSecurityConsistent, farm({n: [dtc(security=off)] for n in ("BTSNODE1", "BTSNODE2")} | {
        "NODE1": [dtc(security=off)], "NODE2": [dtc(security=off)]}))
    assert set(statuses(res).values()) == {Status.FAIL}
    assert set(res["BTSNODE1"].evidence["expected"]) == {
        "local DTC: NetworkDtcAccess", "local DTC: NetworkDtcAccessInbound", "local DTC: NetworkDtcAccessOutbound"}


def test_dtc002_missing_security_key_means_defaults_and_fails() -> None:
    missing = dtc()
    missing["security"] = None
    res = run(msdtc.MsdtcSecurityConsistent, farm({"NODE1": [missing]}))
    assert res["NODE1"].status is Status.FAIL
    assert any("Security key is missing" in n for n in res["NODE1"].evidence["notes"])
    assert res["NODE1"].evidence["found"]["local DTC: NetworkDtcAccess"] == 0


def test_dtc002_without_biztalk_nodes_cannot_decide() -> None:
    cluster_only = [n for n in farm() if not n.name.startswith("BTS")]
    res = run(msdtc.MsdtcSecurityConsistent, cluster_only)
    assert set(statuses(res).values()) == {Status.ERROR}
    assert "no BizTalk node" in res["NODE1"].message


def test_dtc002_missing_fact_is_error_and_others_not_proven() -> None:
    nodes = farm({"NODE2": None})
    res = run(msdtc.MsdtcSecurityConsistent, nodes)
    assert res["NODE2"].status is Status.ERROR and "not collected" in res["NODE2"].message
    assert res["BTSNODE1"].status is Status.ERROR and "not proven" in res["BTSNODE1"].message
    # A real failure on another node still stands.
    nodes = farm({"NODE2": None, "NODE1": [dtc(NetworkDtcAccessOutbound=0)]})
    res = run(msdtc.MsdtcSecurityConsistent, nodes)
    assert res["NODE1"].status is Status.FAIL


def test_dtc002_fact_error_and_unreachable_node_are_errors() -> None:
    nodes = farm()
    nodes[3] = node("NODE2", ("sso-cluster",), {}, fact_errors={"msdtc_security": "Requested registry access"})
    nodes[1] = node("BTSNODE2", ("biztalk",), {}, error="connection refused")
    res = run(msdtc.MsdtcSecurityConsistent, nodes)
    # A fact that failed on a reachable node keeps the group an error; the unreachable node's check is skipped
    # (its one error is its collection result).
    assert {n: s for n, s in statuses(res).items() if n != "BTSNODE2"} == dict.fromkeys(
        ("BTSNODE1", "NODE1", "NODE2"), Status.ERROR)
    assert res["BTSNODE2"].status is Status.SKIP
    assert "Requested registry access" in res["NODE2"].message
    assert "connection refused" in res["BTSNODE2"].message


def test_dtc002_malformed_value_is_error() -> None:
    res = run(msdtc.MsdtcSecurityConsistent, farm({"NODE1": [{"kind": "clustered"}]}))
    assert res["NODE1"].status is Status.ERROR and "malformed" in res["NODE1"].message


# -- DTC003 --------------------------------------------------------------------------------------------------------


def services(**msdtc_fields: Any) -> dict[str, Any]:
    svc = {"name": "MSDTC", "state": "Running", "start_mode": "Auto", "account": "NT AUTHORITY\\NetworkService",
           "path": "C:\\Windows\\System32\\msdtc.exe", "process_id": 1876}
    svc.update(msdtc_fields)
    return {"services": [svc]}


def test_dtc003_running_stopped_missing_disabled() -> None:
    res = run(msdtc.MsdtcServiceRunning, [
        node("A", ("biztalk",), services()),
        node("B", ("sso-cluster",), services(state="Stopped", process_id=0)),
        node("C", ("sql",), {"services": []}),
        node("D", ("biztalk",), services(start_mode="Disabled")),
    ])
    assert statuses(res) == {"A": Status.PASS, "B": Status.FAIL, "C": Status.FAIL, "D": Status.WARN}
    assert res["B"].evidence["found"]["state"] == "Stopped" and res["B"].evidence["expected"]
    assert res["C"].evidence == {"expected": "MSDTC installed and Running", "found": "not installed"}
    assert "Disabled" in res["D"].message


def test_dtc003_missing_services_fact_is_error() -> None:
    res = run(msdtc.MsdtcServiceRunning, [node("A", ("biztalk",), {}, fact_errors={"services": "RPC unavailable"}),
                                          node("B", ("biztalk",), services())])
    assert statuses(res) == {"A": Status.ERROR, "B": Status.PASS}  # a node check speaks for its node only


# -- DTC004 --------------------------------------------------------------------------------------------------------


def cluster(*resources: dict[str, Any]) -> dict[str, Any]:
    base = [{"name": "BIZTALKCLUSTER", "type": "Network Name", "group": "SSO", "state": "Online",
             "owner_node": "NODE1", "private": {"Name": "BIZTALKCLUSTER"}}]
    return {"cluster": {"name": "SSOCLU", "nodes": [{"name": "NODE1", "state": "Up"}, {"name": "NODE2", "state": "Up"}],
                        "groups": [{"name": "SSO", "owner_node": "NODE1", "state": "Online"}],
                        "resources": base + list(resources)}}


def dtc_resource(name: str = "MSDTC-SSOCLU", state: str = "Online") -> dict[str, Any]:
    return {"name": name, "type": "Distributed Transaction Coordinator", "group": "SSO", "state": state,
            "owner_node": "NODE1", "private": {}}


def cluster_nodes(facts: dict[str, Any]) -> list[NodeSnapshot]:
    return [node("NODE1", ("sso-cluster",), facts), node("NODE2", ("sso-cluster",), facts)]


def test_dtc004_online_resource_passes() -> None:
    res = run(msdtc.ClusteredMsdtcResource, cluster_nodes(cluster(dtc_resource())))
    assert set(statuses(res).values()) == {Status.PASS}
    assert "MSDTC-SSOCLU" in res["NODE1"].message


def test_dtc004_missing_or_offline_resource_fails() -> None:
    res = run(msdtc.ClusteredMsdtcResource, cluster_nodes(cluster()))
    assert set(statuses(res).values()) == {Status.FAIL}
    assert res["NODE1"].evidence == {"expected": "a 'Distributed Transaction Coordinator' resource, Online",
                                     "found": "none"}
    res = run(msdtc.ClusteredMsdtcResource, cluster_nodes(cluster(dtc_resource(state="Failed"))))
    assert set(statuses(res).values()) == {Status.FAIL}
    assert "is Failed" in res["NODE2"].message
    assert res["NODE2"].evidence["found"]["MSDTC-SSOCLU"]["state"] == "Failed"


def test_dtc004_a_second_offline_dtc_is_a_warning() -> None:
    res = run(msdtc.ClusteredMsdtcResource,
              cluster_nodes(cluster(dtc_resource(), dtc_resource("MSDTC-OLD", state="Offline"))))
    assert set(statuses(res).values()) == {Status.WARN}


def test_dtc004_node_without_cluster_fact_is_error_and_the_other_not_proven() -> None:
    nodes = [node("NODE1", ("sso-cluster",), cluster(dtc_resource())),
             node("NODE2", ("sso-cluster",), {}, fact_errors={"cluster": "The cluster service is not running."})]
    res = run(msdtc.ClusteredMsdtcResource, nodes)
    assert statuses(res) == {"NODE1": Status.ERROR, "NODE2": Status.ERROR}
    assert "not proven" in res["NODE1"].message


def test_dtc004_only_runs_on_cluster_nodes() -> None:
    res = run(msdtc.ClusteredMsdtcResource, [*cluster_nodes(cluster(dtc_resource())),
                                             node("BTSNODE1", ("biztalk",), {})])
    assert set(res) == {"NODE1", "NODE2"}


# --------------------------------------------------------------------------- DTC001 and the clustered DTC's CIDs


def cids(prefix: str, instance: str = "local") -> list[dict[str, str]]:
    """Four MSDTC contact CIDs whose GUIDs start with ``prefix`` (8 hex digits)."""
    return [{"cid": f"{prefix}-0000-0000-0000-00000000000{i}", "description": d, "instance": instance}
            for i, d in enumerate(("MSDTC", "MSDTCUIS", "MSDTCTIPGW", "MSDTCXATM"))]


def cid_farm(clustered: list[dict[str, str]]) -> list[NodeSnapshot]:
    raw = {"BTSNODE1": cids("aaaaaaaa"), "BTSNODE2": cids("bbbbbbbb"),
           "NODE1": cids("cccccccc") + clustered, "NODE2": cids("dddddddd") + clustered}
    roles = {"BTSNODE1": ("biztalk",), "BTSNODE2": ("biztalk",), "NODE1": ("sso-cluster",), "NODE2": ("sso-cluster",)}
    return [node(n, roles[n], {"msdtc_cids": v}) for n, v in raw.items()]


def test_dtc001_clustered_dtc_cids_are_the_resource_s_not_shared_between_its_nodes() -> None:
    # Review probe.md D8: the clustered DTC's CIDs (cluster hive) are reported alike by every cluster node.
    res = run(msdtc.MsdtcCidUnique, cid_farm(cids("eeeeeeee", f"cluster:{DTC_ID}")[:3]))
    assert {n: r.status for n, r in res.items()} == dict.fromkeys(res, Status.PASS)
    assert "clustered" in res["NODE1"].evidence["found"]


def test_dtc001_clustered_dtc_cid_cloned_from_a_node_fails() -> None:
    # The clustered DTC was created from an image that kept BTSNODE1's MSDTC CID.
    clone = [{"cid": "aaaaaaaa-0000-0000-0000-000000000000", "description": "MSDTC", "instance": f"cluster:{DTC_ID}"}]
    res = run(msdtc.MsdtcCidUnique, cid_farm(clone))
    assert res["NODE1"].status is Status.FAIL and "clustered DTC" in res["NODE1"].message
    assert res["BTSNODE1"].status is Status.FAIL
    assert res["BTSNODE2"].status is Status.PASS


def test_dtc002_builds_partner_lists_only_for_a_level_microsoft_does_not_recommend(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # One partner list per DTC instance over every other node made DTC002 quadratic (a quarter of evaluating a
    # 500-node farm); a recommended level is never blamed, so a healthy farm needs none.
    built: list[str] = []
    real = msdtc._partners

    def counting(*args: Any) -> dict[str, str]:
        built.append(args[2])
        partners: dict[str, str] = real(*args)
        return partners

    monkeypatch.setattr(msdtc, "_partners", counting)
    healthy = farm({f"BTSNODE{i}": [dtc()] for i in range(3, 40)})
    assert set(statuses(run(msdtc.MsdtcSecurityConsistent, healthy)).values()) == {Status.PASS}
    assert built == []
    res = run(msdtc.MsdtcSecurityConsistent, farm({"BTSNODE3": [dtc(rpc=NO_AUTH)]}))
    assert built == ["BTSNODE3"] and res["BTSNODE3"].status is Status.FAIL
