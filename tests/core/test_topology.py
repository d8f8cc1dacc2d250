"""The master secret server topology (issue 16): inventory field, one applicability rule in the runner, recorded in
every report and in the snapshot."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ssocheck import provenance
from ssocheck.check import Context, NodeCheck, NodeFacts, Outcome, passed
from ssocheck.errors import InventoryError, PluginLoadError, SnapshotError
from ssocheck.inventory import SCHEMA, load_inventory
from ssocheck.model import DEFAULT_TOPOLOGY, TOPOLOGIES, Phase, Severity, Status
from ssocheck.registry import build, load_checks
from ssocheck.report_file import report_from_dict
from ssocheck.reporters import console, html, junit, prometheus
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot, load_snapshot
from tests.core.test_inventory import base, write
from tests.core.test_runner import EXPECT


class ClusterOnly(NodeCheck):
    """Means something on a clustered MSS only."""

    id = "TST101"
    name = "cluster-only"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    topologies = ("dedicated-cluster", "sql-cluster")

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        return passed("clustered")


class Everywhere(NodeCheck):
    """Applies in every topology."""

    id = "TST102"
    name = "everywhere"
    severity = Severity.LOW

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        return passed("fine")


def _snapshot(topology: str, *nodes: tuple[str, tuple[str, ...]]) -> Snapshot:
    expect = dataclasses.replace(EXPECT, topology=topology)
    return Snapshot(expect, [NodeSnapshot(name=n, roles=r, facts={}) for n, r in nodes], "2026-01-01T00:00:00Z")


def _results(snapshot: Snapshot) -> dict[tuple[str, str], Any]:
    report = evaluate(build([("test", [ClusterOnly, Everywhere])]), snapshot, Context(Phase.PRE, snapshot.expect))
    assert report.topology == snapshot.expect.topology
    return {(r.check_id, r.node): r for r in report.results}


# -- inventory -------------------------------------------------------------------------------------------------------


def test_schema_is_the_one_list_and_the_default_is_dedicated_cluster(tmp_path: Path) -> None:
    assert TOPOLOGIES == tuple(SCHEMA["properties"]["topology"]["enum"]) == (
        "dedicated-cluster", "sql-cluster", "standalone")
    assert DEFAULT_TOPOLOGY == SCHEMA["properties"]["topology"]["default"] == "dedicated-cluster"
    assert load_inventory(write(tmp_path, base())).expect.topology == "dedicated-cluster"


@pytest.mark.parametrize("topology", ["dedicated-cluster", "sql-cluster"])
def test_each_clustered_topology_is_read(tmp_path: Path, topology: str) -> None:
    doc = base()
    doc["topology"] = topology
    doc["nodes"][1]["roles"] = ["sso-cluster", "sql"]  # on a SQL cluster its nodes are SQL nodes too
    inv = load_inventory(write(tmp_path, doc))
    assert inv.expect.topology == topology
    assert inv.expect.to_dict()["topology"] == topology


@pytest.mark.parametrize(("value", "words"), [
    ("cluster", "'cluster' is not a topology; use dedicated-cluster, sql-cluster, standalone"),
    ("Standalone", "is not a topology"),
    (["standalone"], "must be a str"),
    (True, "not a boolean"),
    ("", "must not be empty"),
])
def test_a_bad_topology_is_one_line_naming_the_field(tmp_path: Path, value: Any, words: str) -> None:
    doc = base()
    doc["topology"] = value
    path = write(tmp_path, doc)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "topology" in message and words in message, message


# -- applicability: decided once, by the runner --------------------------------------------------------------------


def test_a_check_applies_in_its_topologies() -> None:
    for topology in ("dedicated-cluster", "sql-cluster"):
        res = _results(_snapshot(topology, ("BTS1", ("biztalk",)), ("NODE1", ("sso-cluster",))))
        assert res["TST101", "NODE1"].status is Status.PASS
        assert ("TST101", "BTS1") not in res  # out of the check's role scope, as before


def test_outside_its_topologies_a_check_is_skipped_with_the_reason_never_run() -> None:
    res = _results(_snapshot("standalone", ("BTS1", ("biztalk",)), ("NODE1", ("sso-cluster",))))
    skip = res["TST101", "NODE1"]
    assert skip.status is Status.SKIP
    assert skip.message == "not applicable to topology standalone (applies to dedicated-cluster, sql-cluster)"
    assert res["TST102", "BTS1"].status is res["TST102", "NODE1"].status is Status.PASS


def test_without_a_node_in_scope_the_not_applicable_skip_is_said_on_the_mss_nodes() -> None:
    # A standalone farm has no sso-cluster node: the cluster checks still show, as not applicable, not vanish; on the
    # nodes that hold the MSS in that topology, not on every BizTalk node of a large farm.
    res = _results(_snapshot("standalone", ("BTS1", ("biztalk",)), ("SSO1", ("sso-server",))))
    assert {(k, v.status) for k, v in res.items() if k[0] == "TST101"} == {(("TST101", "SSO1"), Status.SKIP)}
    assert "not applicable to topology standalone" in res["TST101", "SSO1"].message
    # Without any MSS node at all (only BizTalk nodes), on every node rather than nowhere.
    res = _results(_snapshot("standalone", ("BTS1", ("biztalk",)), ("BTS2", ("biztalk",))))
    assert {k[1] for k in res if k[0] == "TST101"} == {"BTS1", "BTS2"}


def test_topology_comes_before_the_phase() -> None:
    snapshot = _snapshot("standalone", ("NODE1", ("sso-cluster",)))
    post_only = type("PostCluster", (ClusterOnly,), {"id": "TST103", "phases": (Phase.POST,),
                                                      "__doc__": "Post, clustered."})
    report = evaluate(build([("test", [post_only])]), snapshot, Context(Phase.PRE, snapshot.expect))
    assert [r.message.split(" (")[0] for r in report.results] == ["not applicable to topology standalone"]


def test_a_pack_declaring_an_unknown_topology_is_refused() -> None:
    bad = type("Bad", (Everywhere,), {"id": "TST104", "topologies": ("cloud",), "__doc__": "Bad."})
    with pytest.raises(PluginLoadError, match="topologies must be a non-empty subset"):
        build([("test", [bad])])


def test_the_builtin_cluster_checks_are_not_applicable_to_standalone() -> None:
    metas = {lc.meta.id: lc.meta for lc in load_checks()}
    clustered = {cid for cid, m in metas.items() if "standalone" not in m.topologies} - {"SSO025"}
    assert metas["SSO025"].topologies == ("sql-cluster",)
    standalone_only = {cid for cid, m in metas.items() if m.topologies == ("standalone",)}
    assert {"CLU001", "CLU002", "CLU003", "DTC004", "DTC005", "SSO011"} <= clustered
    assert standalone_only == {"SSO022", "SSO023", "SSO024"}
    assert all(m.topologies == TOPOLOGIES for cid, m in metas.items()
               if cid not in clustered | standalone_only | {"SSO025"})
    assert all(set(metas[cid].topologies) == {"dedicated-cluster", "sql-cluster"} for cid in clustered)


# -- recorded in every report and in the snapshot ------------------------------------------------------------------


def _report(topology: str) -> Any:
    snapshot = _snapshot(topology, ("BTS1", ("biztalk",)), ("NODE1", ("sso-cluster",)))
    report = evaluate(build([("test", [ClusterOnly, Everywhere])]), snapshot, Context(Phase.PRE, snapshot.expect))
    return provenance.attach(report, {**provenance.gather(argv=["ssocheck", "run"]), "topology": report.topology})


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_every_report_format_records_the_topology(topology: str) -> None:
    report = _report(topology)
    doc = report.to_dict()
    assert doc["topology"] == doc["provenance"]["topology"] == topology
    assert doc["checks"]["TST101"]["topologies"] == ["dedicated-cluster", "sql-cluster"]
    assert report_from_dict(json.loads(json.dumps(doc))).topology == topology
    header = console.render(report, width=120, color=False).splitlines()[:8]
    assert f"  Topology: master secret server {topology}" in header
    assert f"master secret server {topology}" in html.render(report)
    assert f'ssocheck_info{{version="{report.tool_version}",topology="{topology}"}} 1' in prometheus.render(report)
    suites = ET.fromstring(junit.render(report)).findall("testsuite")
    assert suites and all(s.find("properties/property[@name='topology']").get("value") == topology  # type: ignore
                          for s in suites)


def test_an_older_report_without_topology_reads_as_dedicated_cluster() -> None:
    doc = _report("sql-cluster").to_dict()
    del doc["topology"]
    for meta in doc["checks"].values():
        del meta["topologies"]
    old = report_from_dict(doc)
    assert old.topology == "dedicated-cluster" and old.checks["TST101"].topologies == TOPOLOGIES


def test_the_snapshot_keeps_the_topology_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    snapshot = _snapshot("standalone", ("BTS1", ("biztalk",)))
    path = tmp_path / "snap.json"
    snapshot.save(path)
    assert load_snapshot(path).expect.topology == "standalone"
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["expectations"]["topology"]  # written before topologies existed
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_snapshot(path).expect.topology == "dedicated-cluster"
    doc["expectations"]["topology"] = "cloud"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"expectations\.topology: must be one of dedicated-cluster"):
        load_snapshot(path)


# -- standalone and sql-cluster inventories --------------------------------------------------------------------------


def standalone_doc() -> dict[str, Any]:
    doc = base()
    del doc["cluster_network_name"]
    doc["topology"] = "standalone"
    doc["standalone"] = {"server": "SSO1", "standby": "SSO2"}
    doc["nodes"] = [{"name": "BTSNODE1", "roles": ["biztalk"]}, {"name": "SSO1", "roles": ["sso-server"]},
                    {"name": "SSO2", "roles": ["sso-server", "biztalk"]}]
    return doc


def test_a_standalone_inventory_needs_no_cluster_and_names_its_server_and_standby(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, standalone_doc()))
    assert inv.expect.topology == "standalone"
    # The standalone server is the name every check expects after the move (SSO database, secret source).
    assert inv.expect.cluster_network_name == "SSO1" and inv.expect.standby_sso_server == "SSO2"
    assert inv.expect.sso_cluster_nodes == ()
    doc = standalone_doc()
    del doc["standalone"]["standby"]
    doc["nodes"].pop()
    assert load_inventory(write(tmp_path, doc)).expect.standby_sso_server is None


def _sql_cluster(d: dict[str, Any]) -> None:
    d["topology"] = "sql-cluster"


@pytest.mark.parametrize(("mutate", "field", "words"), [
    (lambda d: d.update(cluster_network_name="X"), "cluster_network_name", "not used with topology standalone"),
    (lambda d: d.pop("standalone"), "standalone", "is required with topology standalone"),
    (lambda d: d["standalone"].pop("server"), "standalone.server", "is required"),
    (lambda d: d["standalone"].update(standby="sso1"), "standalone.standby", "another server"),
    (lambda d: d["standalone"].update(server="NOPE"), "standalone.server", "inventory node with the role sso-server"),
    (lambda d: d["standalone"].update(standby="BTSNODE1"), "standalone.standby", "role sso-server"),
    (lambda d: d["standalone"].update(colour="x"), "standalone.colour", "unknown key"),
    (lambda d: d["nodes"].append({"name": "N1", "roles": ["sso-cluster"]}), "nodes[3].roles",
     "topology standalone has no master secret server cluster"),
    (lambda d: d["nodes"].append({"name": "SSO3", "roles": ["sso-server"]}), "nodes",
     "neither standalone.server nor standalone.standby"),
])
def test_standalone_rules_are_one_line_naming_the_field(tmp_path: Path, mutate: Any, field: str, words: str) -> None:
    doc = standalone_doc()
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "\n" not in message and f"{path}: {field}: " in message and words in message, message


@pytest.mark.parametrize(("mutate", "field", "words"), [
    (lambda d: d.update(standalone={"server": "NODE1"}), "standalone", "only with topology standalone"),
    (lambda d: d.pop("cluster_network_name"), "cluster_network_name", "is required"),
    (lambda d: d["nodes"].append({"name": "SSO1", "roles": ["sso-server"]}), "nodes[2].roles",
     "sso-server is the role of a standalone master secret server"),
    (_sql_cluster, "nodes[1].roles", "give them both roles, sso-cluster and sql"),
])
def test_clustered_rules_are_one_line_naming_the_field(tmp_path: Path, mutate: Any, field: str, words: str) -> None:
    doc = base()
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "\n" not in message and f"{path}: {field}: " in message and words in message, message


def test_a_sql_cluster_inventory_has_cluster_nodes_that_are_sql_nodes(tmp_path: Path) -> None:
    doc = base()
    doc["topology"] = "sql-cluster"
    doc["nodes"][1]["roles"] = ["sso-cluster", "sql"]
    inv = load_inventory(write(tmp_path, doc))
    assert inv.expect.topology == "sql-cluster" and inv.expect.sso_cluster_nodes == ("NODE1",)


@pytest.mark.parametrize("make", [standalone_doc, base])
def test_the_schema_says_the_same_as_the_parser(make: Any) -> None:
    from tests.support.schema_lite import validate

    good = make()
    assert validate(good, SCHEMA) == []
    bad = make()
    if "standalone" in bad:
        bad["cluster_network_name"] = "X"  # a standalone inventory names no cluster
    else:
        bad["standalone"] = {"server": "NODE1"}  # a clustered one names no standalone server
    assert validate(bad, SCHEMA)


# -- the standalone checks on facts ------------------------------------------------------------------------------------

BAK = "C:\\Program Files\\Common Files\\Enterprise Single Sign-On\\SSO1A2B.bak"


def _bak(sha: str | None) -> list[dict[str, Any]]:
    return [{"path": BAK, "name": "SSO1A2B.bak", "size": 1232, "sha256": sha, "modified": None, "error": None}]


def _entsso(account: str = "CORP\\svc", start: str = "Auto") -> list[dict[str, Any]]:
    return [{"name": "ENTSSO", "state": "Running", "start_mode": start, "account": account, "account_sid": None,
             "path": "ENTSSO.exe", "process_id": 1}]


def _registry(server: str = "SQL01", database: str = "SSODB") -> dict[str, Any]:
    return {"native": {"server": "10.0.1000.0", "administration": "10.0.1000.0", "sql_server": server,
                       "sql_database": database}, "wow6432": None}


def _standalone(standby: str | None, facts: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Any]:
    expect = dataclasses.replace(EXPECT, topology="standalone", cluster_network_name="SSO1", standby_sso_server=standby)
    nodes = [NodeSnapshot(name=n, roles=("sso-server",), facts=f) for n, f in facts.items()]
    snapshot = Snapshot(expect, nodes, "2026-01-01T00:00:00Z")
    checks = [lc for lc in load_checks() if lc.meta.id in ("SSO022", "SSO023", "SSO024")]
    report = evaluate(checks, snapshot, Context(Phase.POST, expect))
    return {(r.check_id, r.node): r for r in report.results}


def _healthy() -> dict[str, dict[str, Any]]:
    return {name: {"sso_backup_files": _bak("ab" * 32), "services": _entsso(), "entsso_registry": _registry(),
                   "biztalk_host_services": []} for name in ("SSO1", "SSO2")}


def test_the_standby_checks_pass_on_a_prepared_standby_and_say_why_on_the_server() -> None:
    res = _standalone("SSO2", _healthy())
    assert {k: v.status for k, v in res.items()} == {
        ("SSO022", "SSO2"): Status.PASS, ("SSO022", "SSO1"): Status.SKIP, ("SSO023", "SSO2"): Status.PASS,
        ("SSO023", "SSO1"): Status.SKIP, ("SSO024", "SSO1"): Status.PASS, ("SSO024", "SSO2"): Status.SKIP}
    assert "this is the master secret server" in res["SSO022", "SSO1"].message


def test_without_a_standby_in_the_inventory_the_standby_checks_skip_with_the_reason() -> None:
    facts = _healthy()
    del facts["SSO2"]
    res = _standalone(None, facts)
    assert res["SSO022", "SSO1"].status is res["SSO023", "SSO1"].status is Status.SKIP
    assert "no standby SSO server in the inventory" in res["SSO023", "SSO1"].message


def test_a_standby_backup_differing_from_the_servers_fails_one_alone_passes() -> None:
    facts = _healthy()
    facts["SSO2"]["sso_backup_files"] = _bak("cd" * 32)
    assert _standalone("SSO2", facts)["SSO022", "SSO2"].status is Status.FAIL
    facts["SSO1"]["sso_backup_files"] = []  # the server keeps its backup off the servers: nothing to compare
    assert _standalone("SSO2", facts)["SSO022", "SSO2"].status is Status.PASS
    facts["SSO2"]["sso_backup_files"] = _bak(None)
    assert _standalone("SSO2", facts)["SSO022", "SSO2"].status is Status.ERROR


@pytest.mark.parametrize(("change", "words"), [
    ({"services": []}, "the ENTSSO service is not installed"),
    ({"services": _entsso(start="Disabled")}, "the ENTSSO service is Disabled"),
    ({"services": _entsso(account="CORP\\other")}, "not as the master secret server's CORP\\svc"),
    ({"entsso_registry": _registry(database="SSODB2")}, "not the master secret server's SQL01/SSODB"),
    ({"entsso_registry": {"native": None, "wow6432": None}}, "SSO Server component is not installed"),
])
def test_a_standby_that_cannot_be_promoted_fails_naming_why(change: dict[str, Any], words: str) -> None:
    facts = _healthy()
    facts["SSO2"].update(change)
    result = _standalone("SSO2", facts)["SSO023", "SSO2"]
    assert result.status is Status.FAIL and words in result.message, result.message


def test_a_standalone_server_with_the_biztalk_role_warns() -> None:
    expect = dataclasses.replace(EXPECT, topology="standalone", cluster_network_name="SSO1")
    node = NodeSnapshot(name="SSO1", roles=("sso-server", "biztalk"), facts={"biztalk_host_services": []})
    checks = [lc for lc in load_checks() if lc.meta.id == "SSO024"]
    report = evaluate(checks, Snapshot(expect, [node], "2026-01-01T00:00:00Z"), Context(Phase.PRE, expect))
    assert [(r.status, "has the inventory role biztalk" in r.message) for r in report.results] == [(Status.WARN, True)]


def test_the_messagebox_database_reaches_the_expectations(tmp_path: Path) -> None:
    doc = base()
    doc["topology"] = "sql-cluster"
    doc["nodes"][1]["roles"] = ["sso-cluster", "sql"]
    doc["biztalk"] = {"messagebox_database": {"server": "SQLVNN\\BTS", "name": "BizTalkMsgBoxDb"}}
    expect = load_inventory(write(tmp_path, doc)).expect
    assert (expect.messagebox_db_server, expect.messagebox_db_name) == ("SQLVNN\\BTS", "BizTalkMsgBoxDb")
    doc["biztalk"] = {"messagebox_database": {"name": "BizTalkMsgBoxDb"}}
    with pytest.raises(InventoryError, match=r"biztalk\.messagebox_database\.server: is required"):
        load_inventory(write(tmp_path, doc))
