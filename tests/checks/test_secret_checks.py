"""SSO007-SSO011 through the real runner, on NodeFacts built from raw fact values (the snippets' shapes).

The default farm is the healthy state after the move: BTSNODE1 (old master secret server) and BTSNODE2 get
the secret from BIZTALKCLUSTER; NODE1 owns the SSO role and is the master secret server; NODE2 is passive.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ssocheck_checks import secret

from ssocheck.check import Context, Expectations
from ssocheck.model import Phase, Result, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot
from tests.checks.test_cluster_checks import healthy_cluster

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")
MSID = "3f1e8a52-6c2d-4b9e-9a71-0d5c2e8b4f13"
PREVIOUS = "a7c04d19-28e3-4f6b-b5d2-7e9f1a3c6b80"
ROLES = {"BTSNODE1": ("biztalk",), "BTSNODE2": ("biztalk",), "NODE1": ("sso-cluster",), "NODE2": ("sso-cluster",),
         "SQL01": ("sql",)}
NO_SERVER = ("ERROR: 0xC0002A0F : Could not contact the SSO server '{0}'. Check that SSO is configured and that "
             "the SSO service is running on that server.")


def ev(event_id: int, time: str, *strings: str) -> dict[str, Any]:
    return {"id": event_id, "time": f"2026-11-20T{time}Z", "strings": list(strings)}


def restore(time: str, node: str) -> dict[str, Any]:
    return ev(10523, time, "C:\\SSO1A2B.bak", MSID, PREVIOUS, "CORP\\bizadmin", node)


def displaydb(secret_server: str = "BIZTALKCLUSTER", using: str = "BTSNODE1") -> dict[str, Any]:
    return {"exit_code": 0, "output": (
        f"Using SSO server : {using}\r\nSQL Server : SQL01\r\nSingle Sign-On database : SSODB\r\n"
        f"Single Sign-On Secret Server name : {secret_server}\r\n"
        "Single Sign-On Administrators account : CORP\\SSO Administrators\r\n")}


def displaydb_error(server: str, text: str = NO_SERVER) -> dict[str, Any]:
    return {"exit_code": -1073731057, "output": f"Using SSO server : {server}\r\n" + text.format(server)}


def service(state: str, start_mode: str = "Auto") -> list[dict[str, Any]]:
    return [{"name": "ENTSSO", "state": state, "start_mode": start_mode, "account": "CORP\\svc_sso", "path": "x",
             "process_id": 4 if state == "Running" else 0}]


def healthy() -> dict[str, dict[str, Any]]:
    """Raw facts per node after a clean move (events newest last here; the parser orders them)."""
    keys = {"present": True, "keys": [MSID, PREVIOUS]}
    doc: dict[str, dict[str, Any]] = {
        "BTSNODE1": {
            "services": service("Running"),
            "sso_db_info": displaydb(using="BTSNODE1"),
            "sso_secret_keys": keys,  # the old MSS keeps its key: harmless
            "sso_events": [ev(10611, "06:00:00", "BTSNODE1", "SQL01", "SSODB"), ev(10534, "06:00:05"),
                           ev(10575, "22:00:00", "BIZTALKCLUSTER", "BTSNODE1", "t", "BTSNODE1", "CORP\\bizadmin"),
                           ev(10611, "22:30:00", "BTSNODE1", "SQL01", "SSODB"),
                           ev(10533, "22:30:05", "BIZTALKCLUSTER", MSID)],
        },
        "BTSNODE2": {
            "services": service("Running"),
            "sso_db_info": displaydb(using="BTSNODE2"),
            "sso_secret_keys": {"present": False, "keys": []},
            "sso_events": [ev(10533, "06:05:10", "BTSNODE1", MSID),
                           ev(10532, "22:06:00", "BIZTALKCLUSTER", "0x80002918, No secrets were found"),
                           ev(10611, "22:31:00", "BTSNODE2", "SQL01", "SSODB"),
                           ev(10533, "22:31:05", "BIZTALKCLUSTER", MSID)],
        },
        "NODE1": {
            "services": service("Running", "Manual"),  # the cluster starts it
            "sso_db_info": displaydb(using="NODE1"),
            "sso_secret_keys": copy.deepcopy(keys),
            "cluster": healthy_cluster(),
            "sso_events": [ev(10611, "22:05:00", "BIZTALKCLUSTER", "SQL01", "SSODB"), ev(10534, "22:05:01"),
                           ev(10520, "22:05:02"), restore("22:10:00", "NODE1"),
                           ev(10611, "22:25:00", "BIZTALKCLUSTER", "SQL01", "SSODB"), ev(10534, "22:25:01")],
        },
        "NODE2": {
            "services": service("Stopped", "Manual"),
            "sso_db_info": displaydb_error("NODE2"),  # passive: its local ENTSSO is stopped
            "sso_secret_keys": copy.deepcopy(keys),
            "cluster": healthy_cluster(),
            "sso_events": [ev(10611, "22:15:00", "BIZTALKCLUSTER", "SQL01", "SSODB"), ev(10534, "22:15:01"),
                           ev(10520, "22:15:02"), restore("22:20:00", "NODE2")],
        },
    }
    # SSO013: the backup copied to the cluster nodes was taken from the current secret before the move.
    doc["BTSNODE1"]["sso_events"].append(ev(10559, "21:00:00", "C:\\SSO1A2B.bak", MSID, PREVIOUS, "CORP\\bizadmin",
                                            "BTSNODE1"))
    for facts in doc.values():  # SSO020: both names resolve to themselves on every node
        facts["secret_server_names"] = [
            {"name": n, "host_name": f"{n}.corp.example.com", "addresses": [ip], "error": None}
            for n, ip in (("BIZTALKCLUSTER", "10.0.0.50"), ("BTSNODE1", "10.0.0.11"))]
    return doc


def run(check: type, facts: dict[str, dict[str, Any]], phase: Phase = Phase.POST,
        expect: Expectations = EXPECT, roles: dict[str, tuple[str, ...]] | None = None) -> dict[str, Result]:
    """Evaluate one check with the real runner; results by node name."""
    role_of = {**ROLES, **(roles or {})}
    nodes = [NodeSnapshot(name=n, roles=role_of.get(n, ("biztalk",)), facts=f) for n, f in facts.items()]
    report = evaluate(build([("builtin", [check])]), Snapshot(expect, nodes, "2026-11-21T00:00:00Z"),
                      Context(phase, expect))
    return {r.node: r for r in report.results}


def statuses(results: dict[str, Result]) -> dict[str, Status]:
    return {n: r.status for n, r in results.items()}


def show(results: dict[str, Result]) -> dict[str, str]:
    return {n: f"{r.status.value}: {r.message}" for n, r in results.items()}


def test_module_exports_and_metadata() -> None:
    assert [c.id for c in secret.CHECKS] == ["SSO007", "SSO008", "SSO009", "SSO010", "SSO011",
                                                  "SSO021", "SSO020", "SSO013"]
    for check in secret.CHECKS:
        assert check.remediation and check.references and check.__doc__ and check.guide_step != "-"
    assert "ssomanage -updatedb" in secret.MasterSecretServerName.remediation
    assert "<secretServer>" in secret.MasterSecretServerName.remediation
    assert "ssoconfig -restoreSecret" in secret.MasterSecretRestored.remediation
    assert "Stop-Service ENTSSO" in secret.NoLocalEntssoOnPassiveNode.remediation


@pytest.mark.parametrize("check", secret.CHECKS, ids=lambda c: c.id)
def test_healthy_post_passes(check: type) -> None:
    res = run(check, healthy())
    assert res and set(statuses(res).values()) == {Status.PASS}, show(res)


# --------------------------------------------------------------------------- SSO007


def test_sso007_passive_node_gets_the_verdict_read_elsewhere() -> None:
    res = run(secret.MasterSecretServerName, healthy())
    assert "passive node" in res["NODE2"].message and "read on BTSNODE1, BTSNODE2, NODE1" in res["NODE2"].message
    assert res["NODE1"].evidence["found"] == "BIZTALKCLUSTER"


def test_sso007_post_old_mss_still_in_database_fails_everywhere() -> None:
    facts = healthy()
    for name in ("BTSNODE1", "BTSNODE2", "NODE1"):
        facts[name]["sso_db_info"] = displaydb("BTSNODE1", using=name)
    res = run(secret.MasterSecretServerName, facts)
    assert set(statuses(res).values()) == {Status.FAIL}, show(res)
    assert "still names the old master secret server BTSNODE1" in res["BTSNODE2"].message
    assert res["BTSNODE2"].evidence["expected"] == "BIZTALKCLUSTER"


@pytest.mark.parametrize(
    "value,phrase",
    [("NODE1", "physical cluster node NODE1"), ("node2.corp.example.com", "physical cluster node NODE2"),
     ("SSOCLU", "Windows cluster (CNO) SSOCLU"), ("OTHER", "names OTHER as master secret server, expected")],
)
def test_sso007_post_wrong_names(value: str, phrase: str) -> None:
    facts = healthy()
    for name in ("BTSNODE1", "BTSNODE2", "NODE1"):
        facts[name]["sso_db_info"] = displaydb(value, using=name)
    res = run(secret.MasterSecretServerName, facts)
    assert res["BTSNODE1"].status is Status.FAIL and phrase in res["BTSNODE1"].message, show(res)


def test_sso007_case_and_fqdn_insensitive() -> None:
    facts = healthy()
    facts["BTSNODE1"]["sso_db_info"] = displaydb("biztalkcluster.corp.example.com")
    assert set(statuses(run(secret.MasterSecretServerName, facts)).values()) == {Status.PASS}


def test_sso007_pre_phase_expects_the_current_mss() -> None:
    facts = healthy()
    for name in ("BTSNODE1", "BTSNODE2", "NODE1"):
        facts[name]["sso_db_info"] = displaydb("BTSNODE1", using=name)
    assert set(statuses(run(secret.MasterSecretServerName, facts, Phase.PRE)).values()) == {Status.PASS}


def test_sso007_pre_run_on_a_moved_farm_says_run_post_and_never_advises_going_back() -> None:
    res = run(secret.MasterSecretServerName, healthy(), Phase.PRE)
    assert set(statuses(res).values()) == {Status.WARN}
    message = res["NODE1"].message
    assert "the move looks done" in message and "--phase post" in message
    assert "BTSNODE1" not in message  # never "expected the current master secret server BTSNODE1"
    assert "set it back" not in secret.MasterSecretServerName.remediation
    assert "never set the database back" in secret.MasterSecretServerName.remediation
    assert "not the cluster's own (CNO) name" in secret.MasterSecretServerName.remediation
    # A physical node or the CNO in pre is still a failure (the move went wrong, whatever the phase).
    facts = healthy()
    for name in ("BTSNODE1", "BTSNODE2", "NODE1"):
        facts[name]["sso_db_info"] = displaydb("NODE1", using=name)
    assert set(statuses(run(secret.MasterSecretServerName, facts, Phase.PRE)).values()) == {Status.FAIL}


def test_sso007_nodes_disagree() -> None:
    facts = healthy()
    facts["BTSNODE2"]["sso_db_info"] = displaydb("BTSNODE1")
    res = run(secret.MasterSecretServerName, facts)
    assert set(statuses(res).values()) == {Status.FAIL}
    assert "disagree" in res["NODE1"].message
    assert res["NODE1"].evidence["found"] == {"BTSNODE1": "BIZTALKCLUSTER", "BTSNODE2": "BTSNODE1",
                                              "NODE1": "BIZTALKCLUSTER"}


def test_sso007_node_that_cannot_read_is_error() -> None:
    facts = healthy()
    facts["BTSNODE2"]["sso_db_info"] = displaydb_error(
        "BTSNODE2", "ERROR: 0xC0002A13 : This function can only be performed by a local administrator.")
    facts["NODE2"]["services"] = service("Running")  # running yet unreadable: not the expected passive gap
    res = run(secret.MasterSecretServerName, facts)
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.ERROR, "NODE1": Status.PASS,
                             "NODE2": Status.ERROR}
    assert "0xC0002A13" in res["BTSNODE2"].message
    nobody = {n: {**f, "sso_db_info": displaydb_error(n)} for n, f in healthy().items()}
    assert set(statuses(run(secret.MasterSecretServerName, nobody)).values()) == {Status.ERROR}


def test_sso007_missing_fact_makes_the_others_not_proven() -> None:
    facts = healthy()
    del facts["BTSNODE2"]["sso_db_info"]
    res = run(secret.MasterSecretServerName, facts)
    assert set(statuses(res).values()) == {Status.ERROR}
    assert "not proven" in res["BTSNODE1"].message and "sso_db_info" in res["BTSNODE2"].message


# --------------------------------------------------------------------------- SSO008


def cluster_only(facts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n: f for n, f in facts.items() if n.startswith("NODE")}


def test_sso008_secret_restored_on_one_node_only() -> None:
    facts = healthy()
    facts["NODE2"]["sso_secret_keys"] = {"present": False, "keys": []}
    facts["NODE2"]["sso_events"] = []
    res = run(secret.MasterSecretRestored, cluster_only(facts))
    assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.FAIL}
    assert "SSOSS key is absent" in res["NODE2"].message
    facts["NODE2"]["sso_secret_keys"] = {"present": True, "keys": []}
    assert "no GUID sub-keys" in run(secret.MasterSecretRestored, cluster_only(facts))["NODE2"].message


def test_sso008_different_guid_sets() -> None:
    facts = healthy()
    facts["NODE2"]["sso_secret_keys"] = {"present": True, "keys": [MSID]}
    res = run(secret.MasterSecretRestored, cluster_only(facts))
    assert set(statuses(res).values()) == {Status.FAIL}  # two nodes, two sets: nobody to trust
    assert "differ from the other cluster nodes" in res["NODE1"].message
    # With a third node holding NODE1's set, the majority decides who is wrong.
    res = run(secret.MasterSecretRestored, {**cluster_only(facts), "NODE3": copy.deepcopy(facts["NODE1"])},
              roles={"NODE3": ("sso-cluster",)})
    assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.FAIL, "NODE3": Status.PASS}


@pytest.mark.parametrize("event_id", [10565, 10521, 10520, 10524])
def test_sso008_secret_error_after_last_restore(event_id: int) -> None:
    facts = healthy()
    facts["NODE2"]["sso_events"].append(ev(event_id, "23:00:00", MSID))
    res = run(secret.MasterSecretRestored, cluster_only(facts))
    assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.FAIL}
    assert f"newest {event_id}" in res["NODE2"].message
    assert res["NODE2"].evidence["last_restore"]["time"] == "2026-11-20T22:20:00Z"
    # A restore afterwards clears it.
    facts["NODE2"]["sso_events"].append(restore("23:05:00", "NODE2"))
    assert run(secret.MasterSecretRestored, cluster_only(facts))["NODE2"].status is Status.PASS


def test_sso008_error_and_no_restore_event_at_all() -> None:
    facts = healthy()
    facts["NODE1"]["sso_events"] = [ev(10565, "23:00:00", MSID)]
    res = run(secret.MasterSecretRestored, cluster_only(facts))
    assert res["NODE1"].status is Status.FAIL and "no restore event logged" in res["NODE1"].message


def test_sso008_missing_fact_and_phase() -> None:
    facts = healthy()
    del facts["NODE2"]["sso_secret_keys"]
    res = run(secret.MasterSecretRestored, cluster_only(facts))
    assert statuses(res) == {"NODE1": Status.ERROR, "NODE2": Status.ERROR}
    res = run(secret.MasterSecretRestored, cluster_only(healthy()), Phase.PRE)
    assert set(statuses(res).values()) == {Status.SKIP}


# --------------------------------------------------------------------------- SSO009


def biztalk_only(facts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n: f for n, f in facts.items() if n.startswith("BTS")}


def test_sso009_lost_secret_after_success() -> None:
    facts = healthy()
    facts["BTSNODE2"]["sso_events"].append(ev(10532, "23:00:00", "BIZTALKCLUSTER", "0xC0002A0F"))
    res = run(secret.BizTalkNodesGetSecret, biztalk_only(facts))
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.FAIL}
    assert "from BIZTALKCLUSTER at 2026-11-20T23:00:00Z" in res["BTSNODE2"].message
    assert "ENTSSO_E_NO_SSO_SERVER" in res["BTSNODE2"].message


def test_sso009_audit_failures_count_only_for_secret_codes() -> None:
    facts = healthy()
    audit = ev(10536, "23:00:00", "GetConfigInfo", "t", "BTSNODE2 (BTSNTSvc.exe:1234)", "CORP\\x", "{app}",
               "0x800706D9, There are no more endpoints available from the endpoint mapper.")
    facts["BTSNODE2"]["sso_events"].append(audit)
    res = run(secret.BizTalkNodesGetSecret, biztalk_only(facts))
    assert res["BTSNODE2"].status is Status.FAIL and "RPC_S_NO_ENDPOINTS" in res["BTSNODE2"].message
    audit["strings"][5] = "0xC0002A13, This function can only be performed by a local administrator."
    assert run(secret.BizTalkNodesGetSecret, biztalk_only(facts))["BTSNODE2"].status is Status.PASS
    facts["BTSNODE2"]["sso_events"].append(ev(10767, "23:05:00", "BIZTALKCLUSTER"))
    assert run(secret.BizTalkNodesGetSecret, biztalk_only(facts))["BTSNODE2"].status is Status.FAIL


def test_sso009_still_gets_the_secret_from_the_old_server() -> None:
    facts = healthy()
    facts["BTSNODE2"]["sso_events"] = [ev(10533, "06:05:10", "BTSNODE1", MSID)]
    res = run(secret.BizTalkNodesGetSecret, biztalk_only(facts))
    assert res["BTSNODE2"].status is Status.FAIL
    assert "was from BTSNODE1, not BIZTALKCLUSTER" in res["BTSNODE2"].message
    facts["BTSNODE2"]["sso_events"] = [ev(10529, "06:05:10", "BizTalkCluster.corp.example.com", MSID)]
    assert run(secret.BizTalkNodesGetSecret, biztalk_only(facts))["BTSNODE2"].status is Status.PASS


def test_sso009_service_stopped_or_no_retrieval() -> None:
    facts = healthy()
    facts["BTSNODE1"]["services"] = service("Stopped")
    facts["BTSNODE2"]["sso_events"] = []
    res = run(secret.BizTalkNodesGetSecret, biztalk_only(facts))
    assert res["BTSNODE1"].status is Status.FAIL and "ENTSSO is Stopped" in res["BTSNODE1"].message
    assert res["BTSNODE2"].status is Status.FAIL and "no secret retrieval event" in res["BTSNODE2"].message
    nightly = run(secret.BizTalkNodesGetSecret, biztalk_only(facts), Phase.NIGHTLY)
    assert nightly["BTSNODE2"].status is Status.WARN
    facts["BTSNODE1"]["services"] = []
    assert "not installed" in run(secret.BizTalkNodesGetSecret, biztalk_only(facts))["BTSNODE1"].message


def test_sso009_missing_fact_is_error() -> None:
    facts = healthy()
    del facts["BTSNODE1"]["sso_events"]
    res = run(secret.BizTalkNodesGetSecret, biztalk_only(facts))
    assert statuses(res) == {"BTSNODE1": Status.ERROR, "BTSNODE2": Status.PASS}  # a node check: no contagion


# --------------------------------------------------------------------------- SSO010


def test_sso010_sql_node_without_entsso_passes() -> None:
    facts = {**healthy(), "SQL01": {"services": [], "sso_events": []}}
    res = run(secret.SingleMasterSecretServer, facts)
    assert set(statuses(res).values()) == {Status.PASS}, show(res)
    assert res["NODE1"].evidence["role_owner"] == "NODE1"


def test_sso010_old_mss_not_restarted() -> None:
    facts = healthy()
    facts["BTSNODE1"]["sso_events"] = facts["BTSNODE1"]["sso_events"][:3]  # no restart after the update
    res = run(secret.SingleMasterSecretServer, facts)
    assert statuses(res) == {"BTSNODE1": Status.FAIL, "BTSNODE2": Status.PASS, "NODE1": Status.PASS,
                             "NODE2": Status.PASS}
    assert "still acts as master secret server" in res["BTSNODE1"].message
    assert res["BTSNODE1"].evidence["acting_nodes"] == ["BTSNODE1", "NODE1"]


def test_sso010_events_out_of_window() -> None:
    facts = healthy()
    facts["BTSNODE1"]["sso_events"] = []
    facts["BTSNODE2"]["sso_events"] = []
    res = run(secret.SingleMasterSecretServer, facts, Phase.NIGHTLY)
    assert res["BTSNODE1"].status is Status.WARN and "old master secret server" in res["BTSNODE1"].message
    assert res["BTSNODE2"].status is Status.PASS


def test_sso010_passive_cluster_node_acting() -> None:
    facts = healthy()
    facts["NODE2"]["services"] = service("Running")
    res = run(secret.SingleMasterSecretServer, facts)
    assert res["NODE2"].status is Status.FAIL and "SSO role is owned by NODE1" in res["NODE2"].message
    assert res["NODE1"].status is Status.PASS


def test_sso010_owner_not_acting() -> None:
    facts = healthy()
    facts["NODE1"]["sso_events"].append(ev(10611, "23:00:00", "BIZTALKCLUSTER", "SQL01", "SSODB"))
    res = run(secret.SingleMasterSecretServer, facts)
    assert res["NODE1"].status is Status.FAIL
    assert "owns the SSO role but does not act" in res["NODE1"].message
    facts["NODE1"]["sso_events"] = []
    assert run(secret.SingleMasterSecretServer, facts)["NODE1"].status is Status.WARN


def test_sso010_without_cluster_view() -> None:
    facts = healthy()
    for name in ("NODE1", "NODE2"):
        del facts[name]["cluster"]
    assert set(statuses(run(secret.SingleMasterSecretServer, facts)).values()) == {Status.PASS}
    facts["NODE2"]["services"] = service("Running")
    res = run(secret.SingleMasterSecretServer, facts)
    assert res["NODE1"].status is res["NODE2"].status is Status.FAIL
    assert "2 cluster nodes act" in res["NODE1"].message
    facts["NODE1"]["services"] = facts["NODE2"]["services"] = service("Stopped")
    res = run(secret.SingleMasterSecretServer, facts)
    assert res["NODE1"].status is Status.FAIL and "no cluster node acts" in res["NODE1"].message


def test_sso010_missing_fact_makes_the_others_not_proven() -> None:
    facts = healthy()
    del facts["BTSNODE2"]["sso_events"]
    res = run(secret.SingleMasterSecretServer, facts)
    assert set(statuses(res).values()) == {Status.ERROR}


# --------------------------------------------------------------------------- SSO011


def test_sso011_local_entsso_on_passive_node() -> None:
    facts = cluster_only(healthy())
    facts["NODE2"]["services"] = service("Running")
    res = run(secret.NoLocalEntssoOnPassiveNode, facts)
    assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.FAIL}
    assert res["NODE2"].evidence == {"expected": "Stopped", "found": "Running", "role_owner": "NODE1",
                                     "service_state": "Running"}


def test_sso011_after_failover_the_roles_swap() -> None:
    facts = cluster_only(healthy())
    for name in ("NODE1", "NODE2"):
        doc = facts[name]["cluster"]
        next(g for g in doc["groups"] if g["name"] == "SSO")["owner_node"] = "NODE2"
        for res in doc["resources"]:
            if res["group"] == "SSO":
                res["owner_node"] = "NODE2"
    facts["NODE2"]["services"] = service("Running")
    facts["NODE1"]["services"] = service("Stopped")
    assert set(statuses(run(secret.NoLocalEntssoOnPassiveNode, facts)).values()) == {Status.PASS}
    facts["NODE1"]["services"] = service("Running")
    assert run(secret.NoLocalEntssoOnPassiveNode, facts)["NODE1"].status is Status.FAIL


def test_sso011_cannot_tell_without_the_resource_or_facts() -> None:
    facts = cluster_only(healthy())
    for name in ("NODE1", "NODE2"):
        facts[name]["cluster"]["resources"] = [r for r in facts[name]["cluster"]["resources"]
                                               if r["type"] != "Generic Service"]
    res = run(secret.NoLocalEntssoOnPassiveNode, facts)
    assert set(statuses(res).values()) == {Status.ERROR}
    assert "cannot tell which node is passive" in res["NODE1"].message
    facts = cluster_only(healthy())
    del facts["NODE2"]["cluster"]
    assert statuses(run(secret.NoLocalEntssoOnPassiveNode, facts)) == {"NODE1": Status.PASS, "NODE2": Status.ERROR}


# --------------------------------------------------------------------------- SSO021


@pytest.mark.parametrize(
    "start_mode,status,words",
    [
        ("Manual", Status.PASS, "Manual"),
        ("manual", Status.PASS, "Manual"),
        ("Auto", Status.FAIL, "next reboot"),
        ("Automatic", Status.FAIL, "next reboot"),  # Get-Service's spelling
        ("Disabled", Status.FAIL, "failover of the SSO role to this node fails"),
        ("Boot", Status.FAIL, "start mode is Boot"),
        ("", Status.ERROR, "cannot read the ENTSSO start mode ''"),
        ("Manuell", Status.ERROR, "cannot read the ENTSSO start mode 'Manuell'"),  # never guessed
    ],
)
def test_sso021_start_mode_on_a_passive_node(start_mode: str, status: Status, words: str) -> None:
    facts = healthy()
    facts["NODE2"]["services"] = service("Stopped", start_mode)
    res = run(secret.EntssoManualOnClusterNodes, facts)
    assert res["NODE2"].status is status and words in res["NODE2"].message, show(res)
    assert res["NODE1"].status is Status.PASS
    assert set(res) == {"NODE1", "NODE2"}  # cluster nodes only: BizTalk nodes start ENTSSO automatically


def test_sso021_the_owner_node_is_judged_too_and_a_missing_service_fails() -> None:
    facts = healthy()
    facts["NODE1"]["services"] = service("Running", "Auto")
    facts["NODE2"]["services"] = []
    res = run(secret.EntssoManualOnClusterNodes, facts)
    assert res["NODE1"].status is Status.FAIL and res["NODE1"].evidence["found"]["start_mode"] == "Auto"
    assert res["NODE2"].status is Status.FAIL and "not installed" in res["NODE2"].message


def test_sso021_without_the_services_fact_is_an_error() -> None:
    facts = healthy()
    del facts["NODE2"]["services"]
    res = run(secret.EntssoManualOnClusterNodes, facts)
    assert res["NODE2"].status is Status.ERROR and "not collected" in res["NODE2"].message


# --------------------------------------------------------------------------- localised text (rule: never a silent pass)

GERMAN_10533 = ("Das aktuelle Geheimnis wurde vom Hauptgeheimnisserver abgerufen. Name des Geheimnisservers: "
                "BIZTALKCLUSTER Aktuelle MSID: " + MSID)


def test_sso009_an_event_in_another_language_is_an_error_quoting_it_not_a_guess() -> None:
    facts = healthy()
    facts["BTSNODE2"]["sso_events"][-1] = {"id": 10533, "time": "2026-11-20T22:31:05Z", "message": GERMAN_10533}
    res = run(secret.BizTalkNodesGetSecret, facts)
    assert res["BTSNODE2"].status is Status.ERROR
    assert "Name des Geheimnisservers: BIZTALKCLUSTER" in res["BTSNODE2"].message
    assert res["BTSNODE2"].evidence["found"] == GERMAN_10533
    assert res["BTSNODE1"].status is Status.PASS


def test_sso009_a_localised_failure_audit_is_still_read_by_its_hresult() -> None:
    facts = healthy()
    # A 10536 audit rendered in German after the last retrieval: the labels are unreadable, the code is not.
    facts["BTSNODE1"]["sso_events"].append({"id": 10536, "time": "2026-11-20T23:00:00Z", "message": (
        "SSO-ÜBERWACHUNG Funktion: GetConfigInfo Fehlercode: 0x800706D9, Es sind keine Endpunkte mehr verfügbar.")})
    res = run(secret.BizTalkNodesGetSecret, facts)
    assert res["BTSNODE1"].status is Status.FAIL, res["BTSNODE1"].message
    assert "RPC_S_NO_ENDPOINTS" in res["BTSNODE1"].message
