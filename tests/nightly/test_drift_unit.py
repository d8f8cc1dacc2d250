"""diff_facts: paths, identities (reordering is not drift), volatile and failover rules, node-level changes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ssocheck.drift import (
    ADDED,
    CHANGED,
    NODE_MISSING,
    NODE_NEW,
    REMOVED,
    Change,
    Rule,
    attach_drift,
    diff_facts,
    diff_node,
    summarize,
    uncompared,
)
from ssocheck.model import CheckMeta, Phase, Report, Result, Severity, Status

# Raw fact shapes as the probe returns them (see the Fact docstrings in ssocheck/facts/).
CLUSTER = {
    "name": "SSOCLU",
    "nodes": [{"name": "NODE1", "state": "Up"}, {"name": "NODE2", "state": "Up"}],
    "groups": [{"name": "SSO", "owner_node": "NODE1", "state": "Online"},
               {"name": "Cluster Group", "owner_node": "NODE2", "state": "Online"}],
    "resources": [
        {"name": "Enterprise Single Sign-On Service", "type": "Generic Service", "group": "SSO", "state": "Online",
         "owner_node": "NODE1", "private": {"ServiceName": "ENTSSO", "UseNetworkName": 1},
         "dependency_expression": "[BIZTALKCLUSTER]", "possible_owners": ["NODE1", "NODE2"],
         "registry_checkpoints": []},
        {"name": "BIZTALKCLUSTER", "type": "Network Name", "group": "SSO", "state": "Online", "owner_node": "NODE1",
         "private": {"Name": "BIZTALKCLUSTER"}, "dependency_expression": "", "possible_owners": [],
         "registry_checkpoints": []},
    ],
}
SERVICES = [
    {"name": "ENTSSO", "state": "Running", "start_mode": "Manual", "account": "CORP\\svc_sso", "path": "x",
     "process_id": 3120},
    {"name": "MSDTC", "state": "Running", "start_mode": "Auto", "account": "NT AUTHORITY\\NetworkService",
     "path": "y", "process_id": 1652},
]
CIDS = [
    {"cid": "1887b7af-685e-48d2-a593-fb82cfe1c9c2", "description": "MSDTC"},
    {"cid": "2f278a75-123f-41e1-b5de-36e3cbf6f194", "description": "MSDTCUIS"},
]
EVENTS = [{"id": 10534, "time": "2026-11-20T22:25:00Z", "strings": []}]


def node1() -> dict[str, Any]:
    return copy.deepcopy({"cluster": CLUSTER, "services": SERVICES, "msdtc_cids": CIDS, "sso_events": EVENTS,
                          "sso_secret_keys": {"present": True, "keys": ["a", "b"]}})


def bts() -> dict[str, Any]:
    return copy.deepcopy({"services": SERVICES, "entsso_registry": {"native": {"sql_server": "SQL01"},
                                                                    "wow6432": None}})


def farm() -> dict[str, dict[str, Any]]:
    return {"NODE1": node1(), "BTSNODE1": bts()}


def resource(facts: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in facts["cluster"]["resources"] if r["name"] == name)
    return found


def test_identical_facts_have_no_drift() -> None:
    assert diff_facts(farm(), farm()) == []


def test_reordered_lists_are_not_drift() -> None:
    cur = farm()
    cur["NODE1"]["services"].reverse()
    cur["NODE1"]["msdtc_cids"].reverse()
    cur["NODE1"]["cluster"]["resources"].reverse()
    cur["NODE1"]["cluster"]["groups"].reverse()
    resource(cur["NODE1"], "Enterprise Single Sign-On Service")["possible_owners"].reverse()
    cur["NODE1"]["sso_secret_keys"]["keys"].reverse()
    assert diff_facts(farm(), cur) == []


def test_a_changed_value_is_named_by_identity_path() -> None:
    cur = farm()
    resource(cur["NODE1"], "Enterprise Single Sign-On Service")["private"]["UseNetworkName"] = 0
    assert diff_facts(farm(), cur) == [
        Change("NODE1", "cluster", "/resources/Enterprise Single Sign-On Service/private/UseNetworkName", 1, 0)
    ]


def test_changed_msdtc_cid_is_reported_under_its_description() -> None:
    cur = farm()
    cur["NODE1"]["msdtc_cids"][0]["cid"] = "99999999-0000-0000-0000-000000000000"
    [change] = diff_facts(farm(), cur)
    assert (change.fact, change.path, change.kind) == ("msdtc_cids", "/MSDTC/cid", CHANGED)
    assert change.before == "1887b7af-685e-48d2-a593-fb82cfe1c9c2"
    assert change.after == "99999999-0000-0000-0000-000000000000"


def test_duplicate_descriptions_fall_back_to_cid_identity() -> None:
    # A cloned image can list the same description twice; elements are then matched by cid.
    base = farm()
    cur = farm()
    cur["NODE1"]["msdtc_cids"].append({"cid": "77777777-0000-0000-0000-000000000000", "description": "MSDTC"})
    [change] = diff_facts(base, cur)
    assert change.kind == ADDED
    assert change.path == "/77777777-0000-0000-0000-000000000000"
    assert change.after == {"cid": "77777777-0000-0000-0000-000000000000", "description": "MSDTC"}


def test_service_account_change() -> None:
    cur = farm()
    cur["NODE1"]["services"][0]["account"] = "CORP\\other"
    assert [c.describe() for c in diff_facts(farm(), cur)] == [
        'NODE1 services/ENTSSO/account: "CORP\\\\svc_sso" -> "CORP\\\\other"'
    ]


def test_removed_and_added_elements_and_keys() -> None:
    cur = farm()
    del cur["NODE1"]["services"][1]  # MSDTC uninstalled
    cur["BTSNODE1"]["entsso_registry"]["native"]["administration"] = "x"
    changes = diff_facts(farm(), cur)
    kinds = {(c.node, c.fact, c.path, c.kind) for c in changes}
    assert kinds == {
        ("NODE1", "services", "/MSDTC", REMOVED),
        ("BTSNODE1", "entsso_registry", "/native/administration", ADDED),
    }
    removed = next(c for c in changes if c.kind == REMOVED)
    assert removed.before["account"] == "NT AUTHORITY\\NetworkService"
    assert removed.after is None


def test_scalar_lists_compare_as_multisets_and_report_the_whole_list() -> None:
    cur = farm()
    cur["NODE1"]["sso_secret_keys"] = {"present": False, "keys": []}
    changes = {c.path: c for c in diff_facts(farm(), cur)}
    assert set(changes) == {"/present", "/keys"}
    assert (changes["/keys"].before, changes["/keys"].after) == (["a", "b"], [])
    assert (changes["/present"].before, changes["/present"].after) == (True, False)


def test_type_change_is_drift_even_when_python_equal() -> None:
    base = {"N": {"f": {"v": "1", "w": 1}}}
    cur = {"N": {"f": {"v": 1, "w": 1.0}}}
    # "1" -> 1 is a change of kind; 1 -> 1.0 is the same number.
    assert [(c.path, c.before, c.after) for c in diff_facts(base, cur)] == [("/v", "1", 1)]


def test_null_to_mapping_is_one_change() -> None:
    base = {"N": {"entsso_registry": {"native": None}}}
    cur = {"N": {"entsso_registry": {"native": {"sql_server": "SQL02"}}}}
    assert diff_facts(base, cur) == [Change("N", "entsso_registry", "/native", None, {"sql_server": "SQL02"})]


def test_mapping_keys_match_case_insensitively() -> None:
    base = {"N": {"f": {"UseNetworkName": 1}}}
    cur = {"N": {"f": {"usenetworkname": 1}}}
    assert diff_facts(base, cur) == []


def test_path_segments_are_escaped_like_json_pointer() -> None:
    base = {"N": {"f": {"a/b": {"c~d": 1}}}}
    cur = {"N": {"f": {"a/b": {"c~d": 2}}}}
    assert diff_facts(base, cur)[0].path == "/a~1b/c~0d"


@pytest.mark.parametrize("mutate", [
    lambda f: f["sso_events"].append({"id": 10533, "time": "2026-11-21T01:00:00Z", "strings": []}),
    lambda f: f["services"][0].update(process_id=9999),
    lambda f: f.update(host={"clock_utc": "2026-11-21T01:00:00Z", "last_boot_time": "x", "modified": "y"}),
    lambda f: f["sso_secret_keys"].update(error_event_counts={"10520": 3}),
], ids=["new-event", "process-id", "timestamps", "event-counter"])
def test_volatile_facts_are_ignored(mutate: Any) -> None:
    base = farm()
    base["NODE1"]["host"] = {"clock_utc": "2026-11-20T01:00:00Z", "last_boot_time": "w", "modified": "z"}
    base["NODE1"]["sso_secret_keys"]["error_event_counts"] = {"10520": 1}
    cur = copy.deepcopy(base)
    mutate(cur["NODE1"])
    assert diff_facts(base, cur) == []


def failover(facts: dict[str, dict[str, Any]], active: str, passive: str) -> None:
    for name in (active, passive):
        cluster = facts[name]["cluster"]
        next(g for g in cluster["groups"] if g["name"] == "SSO")["owner_node"] = active
        for r in cluster["resources"]:
            if r["group"] == "SSO":
                r["owner_node"] = active
    facts[active]["services"][0].update(state="Running", process_id=4242)
    facts[passive]["services"][0].update(state="Stopped", process_id=0)
    facts[active]["sso_db_info"] = {"exit_code": 0, "output": "Secret Server name : BIZTALKCLUSTER"}
    facts[passive]["sso_db_info"] = {"exit_code": 1, "output": "0xC0002A0F"}


def cluster_farm() -> dict[str, dict[str, Any]]:
    facts = {"NODE1": node1(), "NODE2": node1(), "BTSNODE1": bts()}
    facts["NODE2"]["services"][0].update(state="Stopped", process_id=0)
    facts["NODE1"]["sso_db_info"] = {"exit_code": 0, "output": "Secret Server name : BIZTALKCLUSTER"}
    facts["NODE2"]["sso_db_info"] = {"exit_code": 1, "output": "0xC0002A0F"}
    return facts


def test_plain_failover_is_not_drift_unless_asked() -> None:
    base = cluster_farm()
    cur = copy.deepcopy(base)
    failover(cur, "NODE2", "NODE1")
    assert diff_facts(base, cur) == []
    asked = {(c.node, c.where) for c in diff_facts(base, cur, include_failover=True)}
    assert ("NODE1", "cluster/groups/SSO/owner_node") in asked
    assert ("NODE2", "cluster/resources/Enterprise Single Sign-On Service/owner_node") in asked
    assert ("NODE1", "services/ENTSSO/state") in asked
    assert ("NODE2", "sso_db_info/exit_code") in asked


def test_failover_rules_do_not_hide_an_entsso_stop_on_a_biztalk_node() -> None:
    base = cluster_farm()
    cur = copy.deepcopy(base)
    cur["BTSNODE1"]["services"][0]["state"] = "Stopped"
    assert [(c.node, c.where) for c in diff_facts(base, cur)] == [("BTSNODE1", "services/ENTSSO/state")]


def test_failover_rules_do_not_hide_a_real_change_in_the_same_fact() -> None:
    base = cluster_farm()
    cur = copy.deepcopy(base)
    failover(cur, "NODE2", "NODE1")
    for name in ("NODE1", "NODE2"):
        resource(cur[name], "Enterprise Single Sign-On Service")["private"]["UseNetworkName"] = 0
    assert {(c.node, c.path) for c in diff_facts(base, cur)} == {
        ("NODE1", "/resources/Enterprise Single Sign-On Service/private/UseNetworkName"),
        ("NODE2", "/resources/Enterprise Single Sign-On Service/private/UseNetworkName"),
    }


def test_new_and_missing_nodes_case_insensitive_names() -> None:
    base = farm()
    cur = {"node1": node1(), "SQL01": {"services": []}}
    changes = diff_facts(base, cur)
    assert {(c.node, c.kind) for c in changes} == {("BTSNODE1", NODE_MISSING), ("SQL01", NODE_NEW)}
    assert all(c.fact == "(node)" for c in changes)


def test_facts_on_one_side_only_are_not_changes_but_listed_as_uncompared() -> None:
    base = farm()
    cur = farm()
    del cur["NODE1"]["cluster"]
    cur["NODE1"]["new_fact"] = 1
    assert diff_node("NODE1", base["NODE1"], cur["NODE1"]) == []
    assert uncompared(base["NODE1"], cur["NODE1"]) == ["cluster"]


def test_rule_globs() -> None:
    rule = Rule("clu*", "resources/**/owner_node", "r")
    assert rule.matches("cluster", ["resources", "x", "owner_node"], False)
    assert rule.matches("CLUSTER", ["Resources", "x", "y", "Owner_Node"], False)
    assert not rule.matches("cluster", ["groups", "x", "owner_node"], False)
    assert not Rule("*", "a", "r", cluster_only=True).matches("f", ["a"], False)
    assert Rule("*", "**", "r").matches("f", [], False)


def test_change_descriptions_and_summary() -> None:
    changes = [
        Change("N", "f", "/a", 1, 2),
        Change("N", "f", "/b", None, 3, ADDED),
        Change("N", "f", "/c", 4, None, REMOVED),
        Change("N", "f", "/d", 5, 6),
    ]
    assert summarize(changes) == "f/a: 1 -> 2; f/b: added 3; f/c: removed (was 4) and 1 more"
    assert changes[0].to_dict() == {"node": "N", "fact": "f", "path": "/a", "change": "changed", "before": 1,
                                    "after": 2}


def _report(phase: Phase) -> Report:
    meta = CheckMeta("DRF001", "fact-drift", "t", "d", Severity.CRITICAL, "group", (Phase.NIGHTLY,),
                     ("biztalk",), "r", "-", (), ())
    return Report("0", phase, "G", "live", "s", "f", (), {"DRF001": meta},
                  (Result("DRF001", "NODE1", Status.PASS, "ok"),), {"audit": []})


def test_attach_drift_adds_the_section_and_fails_vanished_nodes_in_nightly() -> None:
    base = farm()
    cur = {"NODE1": node1()}
    report = attach_drift(_report(Phase.NIGHTLY), base, cur)
    assert report.sections["drift"] == [
        {"node": "BTSNODE1", "fact": "(node)", "path": "", "change": NODE_MISSING, "before": "in the baseline",
         "after": "missing from this run"}
    ]
    assert report.sections["audit"] == []
    vanished = [r for r in report.results if r.node == "BTSNODE1"]
    assert [(r.check_id, r.status) for r in vanished] == [("DRF001", Status.FAIL)]
    assert int(report.exit_code()) == 1


def test_attach_drift_outside_nightly_only_adds_the_section() -> None:
    report = attach_drift(_report(Phase.POST), farm(), {"NODE1": node1()})
    assert len(report.sections["drift"]) == 1
    assert [r.node for r in report.results] == ["NODE1"]


def test_multiline_text_is_compared_line_by_line() -> None:
    inf = "[Unicode]\r\nUnicode=yes\r\n[Privilege Rights]\r\nSeServiceLogonRight = *S-1-5-80-0,*S-1-5-21-1\r\n"
    reformatted = ("[Unicode]\r\nUnicode=yes\r\n\r\n[Privilege Rights]  \r\n"
                   "SeServiceLogonRight = *S-1-5-80-0,*S-1-5-21-1")
    changed = inf.replace(",*S-1-5-21-1", "") + "SeDenyServiceLogonRight = *S-1-5-21-1\r\n"
    assert diff_facts({"N": {"user_rights": inf}}, {"N": {"user_rights": reformatted}}) == []
    [change] = diff_facts({"N": {"user_rights": inf}}, {"N": {"user_rights": changed}})
    assert (change.path, change.kind) == ("", CHANGED)
    assert change.before == ["SeServiceLogonRight = *S-1-5-80-0,*S-1-5-21-1"]
    assert change.after == ["SeServiceLogonRight = *S-1-5-80-0", "SeDenyServiceLogonRight = *S-1-5-21-1"]


def test_a_password_echoed_in_a_fact_is_not_drift_against_its_redacted_baseline() -> None:
    from ssocheck.secrets import REDACTED, register

    secret = 'Dr"ift\\pw\u00f6-unit-9731'
    register(secret)
    baseline = {"services": {"ENTSSO": {"PathName": f"svc.exe /p:{REDACTED}", "StartMode": "Auto"}}}
    current = {"services": {"ENTSSO": {"PathName": f"svc.exe /p:{secret}", "StartMode": "Auto"}}}
    assert diff_node("NODE1", baseline, current) == []
    current["services"]["ENTSSO"]["StartMode"] = "Manual"
    changes = diff_node("NODE1", baseline, current)
    assert [c.after for c in changes] == ["Manual"] and secret not in repr(changes)
