"""CLU001-CLU006 through the real runner, on NodeFacts built from raw ``cluster`` values (the snippet's shape)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ssocheck_checks import cluster as clu

from ssocheck.check import Context, Expectations
from ssocheck.model import Phase, Result, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")
ENTSSO = "Enterprise Single Sign-On Service"


def resource(name: str, rtype: str, group: str, **kw: Any) -> dict[str, Any]:
    """One raw resource as the snippet builds it."""
    res: dict[str, Any] = {"name": name, "type": rtype, "group": group, "state": "Online", "owner_node": "NODE1",
                           "private": {}, "dependency_expression": "", "possible_owners": ["NODE1", "NODE2"],
                           "registry_checkpoints": []}
    res.update(kw)
    return res


def healthy_cluster() -> dict[str, Any]:
    """SSOCLU as NODE1 and NODE2 see it: the SSO role on NODE1 with IP, network name, disk and ENTSSO."""
    return {
        "name": "SSOCLU",
        "nodes": [{"name": "NODE1", "state": "Up"}, {"name": "NODE2", "state": "Up"}],
        "groups": [{"name": "Cluster Group", "owner_node": "NODE2", "state": "Online"},
                   {"name": "SSO", "owner_node": "NODE1", "state": "Online"}],
        "resources": [
            resource("Cluster Name", "Network Name", "Cluster Group", owner_node="NODE2",
                     private={"Name": "SSOCLU", "DnsName": "SSOCLU"}, dependency_expression="[Cluster IP Address]",
                     registry_checkpoints=["software\\clusname"]),
            resource("IP Address 10.0.0.50", "IP Address", "SSO", private={"Address": "10.0.0.50"}),
            resource("BIZTALKCLUSTER", "Network Name", "SSO",
                     private={"Name": "BIZTALKCLUSTER", "DnsName": "BIZTALKCLUSTER"},
                     dependency_expression="[IP Address 10.0.0.50]"),
            resource("Cluster Disk 1", "Physical Disk", "SSO"),
            resource(ENTSSO, "Generic Service", "SSO",
                     private={"ServiceName": "ENTSSO", "StartupParameters": "", "UseNetworkName": 1},
                     dependency_expression="[BIZTALKCLUSTER] and [Cluster Disk 1]"),
        ],
    }


def entsso(doc: dict[str, Any]) -> dict[str, Any]:
    """The ENTSSO resource of a raw cluster document (to change it in place)."""
    return next(r for r in doc["resources"] if r["name"] == ENTSSO)


def run(check: type, views: dict[str, dict[str, Any] | None], roles: dict[str, tuple[str, ...]] | None = None,
        phase: Phase = Phase.POST) -> dict[str, Result]:
    """Evaluate one check with the real runner; ``views`` maps node -> raw cluster value (None: not collected)."""
    nodes = [NodeSnapshot(name=n, roles=(roles or {}).get(n, ("sso-cluster",)),
                          facts={} if v is None else {"cluster": v}) for n, v in views.items()]
    report = evaluate(build([("builtin", [check])]), Snapshot(EXPECT, nodes, "2026-11-21T00:00:00Z"),
                      Context(phase, EXPECT))
    return {r.node: r for r in report.results}


def both(doc: dict[str, Any] | None = None) -> dict[str, dict[str, Any] | None]:
    """The same view from NODE1 and NODE2."""
    doc = doc or healthy_cluster()
    return {"NODE1": copy.deepcopy(doc), "NODE2": copy.deepcopy(doc)}


def statuses(results: dict[str, Result]) -> dict[str, Status]:
    return {n: r.status for n, r in results.items()}


ALL = [clu.ClusterNodesUp, clu.EntssoGenericService, clu.UseNetworkName, clu.EntssoResourceDependency,
       clu.EntssoPossibleOwners, clu.NoEntssoRegistryCheckpoint]


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_healthy_cluster_passes_and_missing_view_is_error(check: type) -> None:
    res = run(check, both())
    assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.PASS}, {n: r.message for n, r in res.items()}
    # A node without the fact is an error, and the other node's pass is "not proven" -- except for
    # CLU001, which judges each node from every view (partial_ok): NODE1's own membership is proven.
    res = run(check, {"NODE1": healthy_cluster(), "NODE2": None})
    if check is clu.ClusterNodesUp:
        assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.ERROR}
    else:
        assert statuses(res) == {"NODE1": Status.ERROR, "NODE2": Status.ERROR}
        assert "not proven" in res["NODE1"].message


def test_catalog_metadata_and_module_exports() -> None:
    assert [c.id for c in clu.CHECKS] == ["CLU001", "CLU002", "CLU003", "CLU004", "CLU005", "CLU006"]
    for check in clu.CHECKS:
        assert check.roles == ("sso-cluster",) and check.shape == "group"
        assert check.remediation and check.references and check.__doc__


# --------------------------------------------------------------------------- CLU001


def test_clu001_paused_node_fails_on_itself() -> None:
    doc = healthy_cluster()
    doc["nodes"][1]["state"] = "Paused"
    res = run(clu.ClusterNodesUp, both(doc))
    assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.FAIL}
    assert "Paused by NODE1" in res["NODE2"].message and "Paused by NODE2" in res["NODE2"].message
    assert res["NODE2"].evidence["expected"] == "member of SSOCLU and Up"


def test_clu001_down_node_without_own_view_is_proven_down_by_the_others() -> None:
    doc = healthy_cluster()
    doc["nodes"][1]["state"] = "Down"
    res = run(clu.ClusterNodesUp, {"NODE1": doc, "NODE2": None})
    assert res["NODE2"].status is Status.FAIL
    assert "Down by NODE1" in res["NODE2"].message
    assert res["NODE2"].evidence["own_view"]  # why its own view is missing
    assert res["NODE1"].status is Status.PASS


def test_clu001_inventory_node_not_a_member() -> None:
    other = {"name": "OTHERCLU", "nodes": [{"name": "NODE3", "state": "Up"}], "groups": [], "resources": []}
    res = run(clu.ClusterNodesUp, {**both(), "NODE3": other})
    assert statuses(res) == {"NODE1": Status.PASS, "NODE2": Status.PASS, "NODE3": Status.FAIL}
    assert "in cluster OTHERCLU, the others in SSOCLU" in res["NODE3"].message
    assert "not a member by NODE1" in res["NODE3"].message


def test_clu001_names_compare_on_netbios_part() -> None:
    doc = healthy_cluster()
    doc["nodes"] = [{"name": "node1.corp.example.com", "state": "Up"}, {"name": "Node2", "state": "Up"}]
    res = run(clu.ClusterNodesUp, {"NODE1.corp.example.com": copy.deepcopy(doc), "node2": copy.deepcopy(doc)})
    assert set(statuses(res).values()) == {Status.PASS}


# --------------------------------------------------------------------------- CLU002


def test_clu002_offline_resource_fails() -> None:
    doc = healthy_cluster()
    entsso(doc)["state"] = "Failed"
    res = run(clu.EntssoGenericService, both(doc))
    assert set(statuses(res).values()) == {Status.FAIL}
    assert res["NODE1"].evidence["found"] == "Failed" and "is Failed" in res["NODE1"].message


def test_clu002_resource_in_another_role_or_missing_fails() -> None:
    doc = healthy_cluster()
    entsso(doc)["group"] = "Cluster Group"
    res = run(clu.EntssoGenericService, both(doc))
    assert res["NODE1"].status is Status.FAIL and "in role Cluster Group" in res["NODE1"].message
    doc = healthy_cluster()
    entsso(doc)["private"]["ServiceName"] = "MSDTC"
    res = run(clu.EntssoGenericService, both(doc))
    assert res["NODE2"].status is Status.FAIL and "no Generic Service resource" in res["NODE2"].message
    doc = healthy_cluster()
    doc["resources"] = [r for r in doc["resources"] if r["name"] != "BIZTALKCLUSTER"]
    res = run(clu.EntssoGenericService, both(doc))
    assert res["NODE1"].status is Status.FAIL
    assert "no Network Name resource named BIZTALKCLUSTER" in res["NODE1"].message


def test_clu003_still_works() -> None:
    doc = healthy_cluster()
    entsso(doc)["private"]["UseNetworkName"] = 0
    assert set(statuses(run(clu.UseNetworkName, both(doc))).values()) == {Status.FAIL}


# --------------------------------------------------------------------------- CLU004


@pytest.mark.parametrize(
    "expression,ok",
    [
        ("[BIZTALKCLUSTER] and [Cluster Disk 1]", True),
        ("([biztalkcluster]) and ([Cluster Disk 1] or [Cluster Disk 1])", True),
        # Microsoft's procedure adds only the Name: the role's disk is optional (measured false failure,
        # review 2026-11-30 domain.md 5.2).
        ("[BIZTALKCLUSTER]", True),
        ("[Cluster Disk 1]", False),
        ("[BIZTALKCLUSTER] or [Cluster Disk 1]", False),  # an OR guarantees neither
        ("", False),
        ("[BIZTALKCLUSTER] and (", False),  # unreadable: proves nothing
    ],
)
def test_clu004_dependency_expression(expression: str, ok: bool) -> None:
    doc = healthy_cluster()
    entsso(doc)["dependency_expression"] = expression
    res = run(clu.EntssoResourceDependency, both(doc))
    assert res["NODE1"].status is (Status.PASS if ok else Status.FAIL), res["NODE1"].message
    if not ok:
        assert res["NODE1"].evidence["expected"] == "[BIZTALKCLUSTER] (a disk may be added, not required)"


def test_clu004_role_without_disk_needs_only_the_network_name() -> None:
    doc = healthy_cluster()
    doc["resources"] = [r for r in doc["resources"] if r["type"] != "Physical Disk"]
    entsso(doc)["dependency_expression"] = "[BIZTALKCLUSTER]"
    assert set(statuses(run(clu.EntssoResourceDependency, both(doc))).values()) == {Status.PASS}
    entsso(doc)["dependency_expression"] = "[IP Address 10.0.0.50]"
    res = run(clu.EntssoResourceDependency, both(doc))
    assert res["NODE1"].status is Status.FAIL
    assert "does not depend on the Network Name resource [BIZTALKCLUSTER]" in res["NODE1"].message


def test_required_dependencies_parser() -> None:
    assert clu.required_dependencies("[A] and [B]") == {"a", "b"}
    assert clu.required_dependencies("[A] or [B]") == set()
    assert clu.required_dependencies("([A] or [B]) and [C]") == {"c"}
    assert clu.required_dependencies("[A] and [B] or [A] and [C]") == {"a"}
    assert clu.required_dependencies("[A] [B]") == set()


# --------------------------------------------------------------------------- CLU005


def test_clu005_missing_possible_owner_fails() -> None:
    doc = healthy_cluster()
    entsso(doc)["possible_owners"] = ["NODE1"]
    res = run(clu.EntssoPossibleOwners, both(doc))
    assert set(statuses(res).values()) == {Status.FAIL}
    assert res["NODE1"].evidence["missing"] == ["NODE2"]
    assert "NODE2 not a possible owner" in res["NODE2"].message


def test_clu005_inventory_node_missing_from_the_cluster_counts_too() -> None:
    doc = healthy_cluster()
    entsso(doc)["possible_owners"] = ["node1.corp.example.com", "NODE2"]
    assert set(statuses(run(clu.EntssoPossibleOwners, both(doc))).values()) == {Status.PASS}
    other = copy.deepcopy(doc)
    res = run(clu.EntssoPossibleOwners, {**both(doc), "NODE3": other})
    assert res["NODE1"].status is Status.FAIL and res["NODE1"].evidence["missing"] == ["NODE3"]


# --------------------------------------------------------------------------- CLU006


@pytest.mark.parametrize(
    "checkpoint,bad",
    [
        ("SOFTWARE\\Microsoft\\ENTSSO", True),
        ("software\\microsoft\\entsso\\SSOSS", True),
        ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ENTSSO", True),
        ("\\SOFTWARE\\Wow6432Node\\Microsoft\\ENTSSO\\SQL", True),
        ("SOFTWARE\\Microsoft\\ENTSSOX", False),
        ("software\\clusname", False),
    ],
)
def test_clu006_registry_checkpoints(checkpoint: str, bad: bool) -> None:
    doc = healthy_cluster()
    entsso(doc)["registry_checkpoints"] = [checkpoint]
    res = run(clu.NoEntssoRegistryCheckpoint, both(doc))
    assert res["NODE1"].status is (Status.FAIL if bad else Status.PASS)
    if bad:
        assert res["NODE1"].evidence["found"] == [{"resource": ENTSSO, "checkpoint": checkpoint}]


def test_clu006_checkpoint_on_another_resource_of_the_cluster_fails_too() -> None:
    doc = healthy_cluster()
    next(r for r in doc["resources"] if r["name"] == "BIZTALKCLUSTER")["registry_checkpoints"] = [
        "SOFTWARE\\Microsoft\\ENTSSO"]
    res = run(clu.NoEntssoRegistryCheckpoint, both(doc))
    assert res["NODE2"].status is Status.FAIL and "on 'BIZTALKCLUSTER'" in res["NODE2"].message
