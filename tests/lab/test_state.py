"""Scenario loading: deep-merged ``extends`` chains, null deletes, fragments, overlays; the built-in scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssocheck.lab.state import (
    Registry,
    ScenarioError,
    deep_merge,
    list_scenarios,
    load_scenario,
    resolve_document,
)

BASE = """
description: the base farm
expect_not_passing: [[DTC001, N1, fail]]
farm:
  group: G
  phase: post
  cluster_network_name: CLUNET
  master_secret_server: N1
  sso_service_account: CORP\\svc_sso
  sso_db: {server: SQL01, name: SSODB}
nodes:
  N1:
    roles: [biztalk]
    services:
      ENTSSO: {state: Running, start_mode: Auto, account: CORP\\svc_sso}
      MSDTC: {state: Running}
    registry:
      HKLM\\SOFTWARE\\Classes\\CID\\aaaa\\Description: {"(default)": MSDTC}
  N2:
    roles: [sso-cluster]
    cluster: CLU
"""


def write(directory: Path, name: str, text: str) -> None:
    (directory / f"{name}.yaml").write_text(text, encoding="utf-8")


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    write(tmp_path, "_base", BASE)
    write(tmp_path, "_extra", "nodes: {N1: {ps_version: 2.0}}\ndns: {CLUNET: 10.0.0.50}\n")
    write(tmp_path, "middle", "extends: _base\ndescription: middle\nnodes: {N1: {clock_offset_s: 90}}\n")
    write(
        tmp_path,
        "leaf",
        "extends: [middle, _extra]\n"
        "expect_not_passing: []\n"
        "nodes:\n"
        "  N1:\n"
        "    services: {MSDTC: null, ENTSSO: {account: LocalSystem}}\n"
        "    roles: [biztalk, sql]\n"
        "  N2: {up: false, services: {ENTSSO: null}}\n",
    )
    return tmp_path


def test_deep_merge_rules() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 2, "c": 3}
    merged = deep_merge(base, {"a": {"y": [3], "z": 4}, "b": None, "d": {"e": None}})
    # mappings merge, lists replace, None deletes (also when nothing was there to delete)
    assert merged == {"a": {"x": 1, "y": [3], "z": 4}, "c": 3, "d": {}}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 2, "c": 3}, "the inputs are not mutated"


def test_extends_chain_merges_in_order(scenarios: Path) -> None:
    farm = load_scenario("leaf", directory=scenarios)
    n1, n2 = farm.node("N1"), farm.node("n2")
    assert n1 is not None and n2 is not None
    assert n1.clock_offset_s == 90  # from middle
    assert n1.ps_version == "2.0"  # from the second parent
    assert n1.roles == ["biztalk", "sql"]  # a list replaces
    assert sorted(n1.services) == ["ENTSSO"]  # null deleted MSDTC
    entsso = n1.service("entsso")
    assert entsso is not None
    assert (entsso.account, entsso.state, entsso.start_mode) == ("LocalSystem", "Running", "Auto")
    assert n1.registry.value("HKLM\\SOFTWARE\\Classes\\CID\\AAAA\\Description", "(Default)") == "MSDTC"
    assert not n2.up and n2.cluster == "CLU"
    assert n2.services == {}, "deleting what is not there must not create it (a default Service)"
    assert farm.dns == {"CLUNET": "10.0.0.50"}
    assert farm.farm["group"] == "G"


def test_description_and_expectations_are_not_inherited(scenarios: Path) -> None:
    middle = resolve_document("middle", scenarios)
    assert middle["description"] == "middle"
    assert "expect_not_passing" not in middle  # the base's expectations belong to the base only
    assert load_scenario("leaf", directory=scenarios).description == ""


def test_fragments_are_not_listed(scenarios: Path) -> None:
    assert list_scenarios(scenarios) == [("leaf", ""), ("middle", "middle")]


def test_overlay_file_is_merged_last(scenarios: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "drift.yml"
    overlay.write_text("nodes: {N1: {services: {ENTSSO: {account: CORP\\svc_other}}}}\n", encoding="utf-8")
    farm = load_scenario("middle", overlay=overlay, directory=scenarios)
    entsso = farm.nodes["N1"].service("ENTSSO")
    assert entsso is not None and entsso.account == "CORP\\svc_other"


def test_scenario_file_by_path(scenarios: Path) -> None:
    farm = load_scenario(str(scenarios / "leaf.yaml"))
    assert farm.name == "leaf" and set(farm.nodes) == {"N1", "N2"}


def test_errors_name_the_problem(scenarios: Path) -> None:
    write(scenarios, "loop-a", "extends: loop-b\n")
    write(scenarios, "loop-b", "extends: loop-a\n")
    with pytest.raises(ScenarioError, match="circular extends"):
        load_scenario("loop-a", directory=scenarios)
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        load_scenario("nope", directory=scenarios)
    write(scenarios, "nofarm", "nodes: {N1: {roles: [biztalk]}}\nfarm: {group: G}\n")
    with pytest.raises(ScenarioError, match=r"farm\.cluster_network_name: is required"):
        load_scenario("nofarm", directory=scenarios)
    write(scenarios, "badservice", "extends: _base\nnodes: {N1: {services: {ENTSSO: {colour: blue}}}}\n")
    with pytest.raises(ScenarioError, match=r"nodes\.N1"):
        load_scenario("badservice", directory=scenarios)


def test_registry_is_case_insensitive_and_implies_parent_keys() -> None:
    reg = Registry({"HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CID\\Guid-B\\Description": {"(default)": "MSDTC"},
                    "HKLM\\SOFTWARE\\Classes\\CID\\guid-a\\Description": {"(default)": "MSDTCUIS"}})
    assert reg.key_exists("hklm\\software\\classes\\cid")
    assert reg.values("HKLM\\SOFTWARE\\Classes\\CID") == {}  # exists (implied), no values of its own
    assert reg.values("HKLM\\SOFTWARE\\Classes\\Nope") is None
    assert reg.subkeys("Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CID") == ["guid-a", "Guid-B"]
    assert reg.value("HKLM:\\SOFTWARE\\Classes\\CID\\GUID-B\\Description", "(DEFAULT)") == "MSDTC"


# -- the built-in scenarios ---------------------------------------------------------------------------------------

BUILT_IN = [name for name, _ in list_scenarios()]


def test_built_in_scenarios_are_listed_with_descriptions() -> None:
    listed = dict(list_scenarios())
    for name in ("healthy-post", "healthy-pre", "demo", "cloned-msdtc-cid", "use-network-name-off",
                 "wrong-service-account", "node-unreachable"):
        assert listed.get(name), f"{name} is missing or has no description"
    assert not any(name.startswith("_") for name in listed)


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_expectations_are_well_formed(name: str) -> None:
    farm = load_scenario(name)
    assert "expect_not_passing" in farm.document or "expect_refused" in farm.document, (
        "every built-in scenario states what it expects: its non-pass results, or the refusal of the run")
    nodes = {n.upper() for n in farm.nodes}
    for entry in farm.expect_not_passing:
        check, node, status = entry
        assert check in ("*", "COLLECTION") or (len(check) == 6 and check[:3].isalpha() and check[3:].isdigit()), entry
        assert node == "*" or node.upper() in nodes, entry
        assert status in ("fail", "warn", "error"), entry


def test_healthy_post_is_a_consistent_farm() -> None:
    farm = load_scenario("healthy-post")
    assert farm.expect_not_passing == []
    assert [n.name for n in farm.iter_nodes()] == ["BTSNODE1", "BTSNODE2", "NODE1", "NODE2"]
    cids = [k for n in farm.iter_nodes() for k in n.registry.subkeys("HKLM\\SOFTWARE\\Classes\\CID")]
    assert len(cids) == 16 and len(set(cids)) == 16, "unique MSDTC CIDs, four per node"
    assert all(c == c.lower() and not c.startswith("{") for c in cids)
    for node in farm.iter_nodes():
        entsso = node.service("ENTSSO")
        assert entsso is not None and entsso.account == farm.farm["sso_service_account"]
    cluster = farm.clusters["SSOCLU"]
    assert cluster["groups"]["SSO"]["owner"] == "NODE1"
    assert farm.nodes["NODE1"].services["ENTSSO"].state == "Running"
    assert farm.nodes["NODE2"].services["ENTSSO"].state == "Stopped"
    assert set(farm.dns) >= {"BIZTALKCLUSTER", "SSOCLU", *farm.nodes}


def test_healthy_pre_differs_in_phase_and_secret_server() -> None:
    pre, post = load_scenario("healthy-pre"), load_scenario("healthy-post")
    assert (pre.farm["phase"], post.farm["phase"]) == ("pre", "post")
    assert pre.sso_databases["SQL01/SSODB"]["secret_server"] == "BTSNODE1"
    assert post.sso_databases["SQL01/SSODB"]["secret_server"] == "BIZTALKCLUSTER"
    assert pre.sso_databases["SQL01/SSODB"]["admin_group"] == "CORP\\SSO Administrators"  # the rest is inherited


def test_mistake_scenarios_change_only_their_mistake() -> None:
    healthy = load_scenario("healthy-post")
    cloned = load_scenario("cloned-msdtc-cid")
    root = "HKLM\\SOFTWARE\\Classes\\CID"
    assert cloned.nodes["NODE2"].registry.subkeys(root) == healthy.nodes["BTSNODE2"].registry.subkeys(root)
    assert cloned.nodes["NODE1"].registry.keys == healthy.nodes["NODE1"].registry.keys
    unreachable = load_scenario("node-unreachable")
    assert [n.name for n in unreachable.iter_nodes() if not n.up] == ["BTSNODE2"]
    wrong = load_scenario("wrong-service-account")
    assert wrong.nodes["NODE2"].services["ENTSSO"].account == "CORP\\svc_other"
    assert wrong.nodes["NODE2"].services["ENTSSO"].state == "Stopped"  # only the account changed
