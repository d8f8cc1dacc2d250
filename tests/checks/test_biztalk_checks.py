"""BTS002 through the real runner, on raw ``biztalk_registry`` and ``entsso_registry`` values."""

from __future__ import annotations

from typing import Any

from ssocheck_checks import biztalk as bts

from tests.checks.test_sso_checks import BT_VERSION, SSO_VERSION, biztalk, entsso, run, statuses

NODES = ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2")


def facts(**per_node: tuple[str | None, str | None] | None) -> dict[str, dict[str, Any] | None]:
    """``NODE=(biztalk version or None, sso version or None)``; BizTalk nodes default to both, cluster nodes to SSO."""
    out: dict[str, dict[str, Any] | None] = {}
    for node in (*NODES, *(n for n in per_node if n not in NODES)):
        if node in per_node and per_node[node] is None:
            out[node] = None
            continue
        default = (BT_VERSION, SSO_VERSION) if node.startswith("BTS") else (None, SSO_VERSION)
        bt, sso_version = per_node.get(node) or default
        out[node] = {"biztalk_registry": biztalk(bt), "entsso_registry": entsso(sso_version, sso_version)}
    return out


def test_module_exports_bts002() -> None:
    assert bts.CHECKS[0].id == "BTS002"
    check = bts.BizTalkVersionParity
    assert check.shape == "group" and check.roles == ("biztalk", "sso-cluster")
    assert check.remediation and check.references and check.guide_step == "3"


def test_bts002_same_versions_pass_and_sso_only_cluster_nodes_are_fine() -> None:
    res = run(bts.BizTalkVersionParity, facts())
    assert statuses(res) == dict.fromkeys(NODES, "pass")
    assert res["NODE1"].message.startswith(f"SSO {SSO_VERSION}") and "BizTalk" not in res["NODE1"].message
    assert res["BTSNODE1"].evidence["found"] == {"biztalk": BT_VERSION, "sso": SSO_VERSION}


def test_bts002_cluster_node_sso_differs() -> None:
    res = run(bts.BizTalkVersionParity, facts(NODE2=(None, "9.0.1865.0")))
    assert statuses(res) == {"BTSNODE1": "pass", "BTSNODE2": "pass", "NODE1": "pass", "NODE2": "fail"}
    assert "SSO 9.0.1865.0 differs from 10.0.1000.0 on BTSNODE1, BTSNODE2" in res["NODE2"].message
    assert res["NODE2"].evidence["expected"] == {"biztalk": BT_VERSION, "sso": SSO_VERSION}
    assert res["NODE2"].evidence["group"]["BizTalk -, SSO 9.0.1865.0"] == {"count": 1, "nodes": ["NODE2"]}


def test_bts002_cluster_nodes_cannot_outvote_the_biztalk_nodes() -> None:
    # Three cluster nodes on another update level do not make the two BizTalk nodes the odd ones out.
    res = run(bts.BizTalkVersionParity, facts(NODE1=(None, "10.0.3025.0"), NODE2=(None, "10.0.3025.0"),
                                              NODE3=(None, "10.0.3025.0")))
    assert statuses(res) == {"BTSNODE1": "pass", "BTSNODE2": "pass", "NODE1": "fail", "NODE2": "fail",
                             "NODE3": "fail"}


def test_bts002_biztalk_nodes_disagree() -> None:
    # Two BizTalk nodes, two versions: no majority, both are reported.
    res = run(bts.BizTalkVersionParity, facts(BTSNODE2=("3.13.717.0", SSO_VERSION)))
    assert statuses(res) == {"BTSNODE1": "fail", "BTSNODE2": "fail", "NODE1": "pass", "NODE2": "pass"}
    assert "no majority" in res["BTSNODE1"].message and "3.13.717.0" in res["BTSNODE1"].message
    # With three, the odd one out.
    res = run(bts.BizTalkVersionParity, facts(BTSNODE3=("3.13.717.0", SSO_VERSION)))
    assert statuses(res)["BTSNODE3"] == "fail" and statuses(res)["BTSNODE1"] == "pass"
    assert "BizTalk 3.13.717.0 differs from 3.12.774.0" in res["BTSNODE3"].message


def test_bts002_biztalk_node_without_biztalk_and_node_without_anything() -> None:
    res = run(bts.BizTalkVersionParity, facts(BTSNODE2=(None, SSO_VERSION), NODE2=(None, None)))
    assert statuses(res) == {"BTSNODE1": "pass", "BTSNODE2": "fail", "NODE1": "pass", "NODE2": "skip"}
    assert "BizTalk Server is not installed" in res["BTSNODE2"].message
    assert "SSO001" in res["NODE2"].message  # a skip always says why


def test_bts002_missing_facts_are_errors_for_the_group() -> None:
    res = run(bts.BizTalkVersionParity, facts(BTSNODE2=None))
    # BTSNODE2 was not collected: its own error is its collection result (runner.COLLECTION_CHECK); its check
    # and the others' "not proven" verdicts are skips, never passes.
    assert statuses(res) == dict.fromkeys(NODES, "skip")
    assert "not proven" in res["NODE1"].message and "not collected" in res["BTSNODE2"].message
    partial = facts()
    del (partial["NODE1"] or {})["biztalk_registry"]
    res = run(bts.BizTalkVersionParity, partial)
    assert statuses(res) == dict.fromkeys(NODES, "error")
    assert "biztalk_registry" in res["NODE1"].message


def test_reference_version() -> None:
    assert bts.reference_version({"A": "1.0", "B": "1.0.0.0", "C": "2.0"}) == "1.0"
    assert bts.reference_version({"A": "1.0", "B": "2.0"}) is None
    assert bts.reference_version({}) is None
