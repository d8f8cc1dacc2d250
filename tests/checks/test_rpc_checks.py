"""NET002 and NET003 through the real runner, on NodeFacts built from raw fact values (pass, fail, error)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ssocheck_checks import rpc

from ssocheck.check import Context, Expectations
from ssocheck.facts.rpc import PortRange, RpcConfig, RpcPorts, parse_dynamic_port_text, parse_port_entries
from ssocheck.model import Phase, Result, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB",
                      biztalk_nodes=("BTSNODE1", "BTSNODE2"), sso_cluster_nodes=("NODE1", "NODE2"))
ROLES = {"BTSNODE1": ("biztalk",), "BTSNODE2": ("biztalk",), "NODE1": ("sso-cluster",), "NODE2": ("sso-cluster",)}
NETSH = "\nProtocol tcp Dynamic Port Range\n----------\nStart Port      : 49152\nNumber of Ports : 16384\n"
ENTSSO = "C:\\Program Files\\Common Files\\Enterprise Single Sign-On\\ENTSSO.exe"
RPC_CONFIG: dict[str, Any] = {
    "internet": None, "dynamic_tcp": NETSH, "dynamic_error": None,
    "policy": {"RestrictRemoteClients": None, "EnableAuthEpResolution": None},
}


def rule(name: str, ports: str, app: str = "", action: int = 1, enabled: bool = True, profiles: int = 0x7FFFFFFF,
         direction: int = 1) -> dict[str, Any]:
    return {"name": name, "direction": direction, "action": action, "enabled": enabled, "profiles": profiles,
            "protocol": 6, "local_ports": ports, "application": app, "service": "", "grouping": ""}


FIREWALL: dict[str, Any] = {
    "current_profiles": 1, "enabled": {"1": True, "2": True, "4": True}, "truncated": False,
    "rules": [rule("RPC Endpoint Mapper", "RPC-EPMap", "%SystemRoot%\\system32\\svchost.exe"),
              rule("ENTSSO", "RPC", ENTSSO)],
}


def callback(name: str, closed: tuple[str, ...] = ()) -> dict[str, Any]:
    if name.startswith("BTS"):
        return {"computer": name, "tested": False, "paths": []}
    return {"computer": name, "tested": True,
            "paths": [{"target": t, "port": 135, "connected": t not in closed,
                       "error": "refused" if t in closed else None} for t in ("BTSNODE1", "BTSNODE2")]}


def farm(**overrides: dict[str, Any]) -> list[NodeSnapshot]:
    """Four healthy nodes; ``overrides[node] = {fact: raw}`` replaces facts (a value of None drops the fact)."""
    nodes = []
    for name, roles in ROLES.items():
        facts: dict[str, Any] = {"rpc_config": copy.deepcopy(RPC_CONFIG), "firewall": copy.deepcopy(FIREWALL),
                                 "rpc_callback": callback(name)}
        for fact, raw in overrides.get(name, {}).items():
            if raw is None:
                facts.pop(fact)
            else:
                facts[fact] = raw
        nodes.append(NodeSnapshot(name=name, roles=roles, facts=facts))
    return nodes


def run(check: type, nodes: list[NodeSnapshot], phase: Phase = Phase.PRE) -> dict[str, Result]:
    report = evaluate(build([("builtin", [check])]), Snapshot(EXPECT, nodes, "2026-11-30T10:00:00Z"),
                      Context(phase, EXPECT))
    return {r.node: r for r in report.results}


def statuses(results: dict[str, Result]) -> dict[str, str]:
    return {name: r.status.value for name, r in results.items()}


ALL_PASS = {"BTSNODE1": "pass", "BTSNODE2": "pass", "NODE1": "pass", "NODE2": "pass"}

# -- parsing helpers -----------------------------------------------------------------------------------------------


def test_port_entries_as_the_rpc_runtime_reads_them() -> None:
    ranges, bad = parse_port_entries(("5000-5100", " 6000 ", "70000", "9-3", "abc", "135"))
    assert ranges == [PortRange(5000, 5100), PortRange(6000, 6000), PortRange(135, 135)]
    assert bad == ["70000", "9-3", "abc"]


def test_netsh_dynamic_range_by_numbers_not_labels() -> None:
    german = "Protokoll tcp Dynamischer Portbereich\n---------\nStartport       : 50000\nAnzahl der Ports: 1000\n"
    assert parse_dynamic_port_text(german) == PortRange(50000, 50999)
    assert parse_dynamic_port_text(NETSH) == PortRange(49152, 65535)
    assert parse_dynamic_port_text("garbage") is None


@pytest.mark.parametrize(("internet", "text", "invalid"), [
    (None, "dynamic 49152-65535", False),
    ({"Ports": None, "PortsInternetAvailable": None, "UseInternetPorts": None}, "dynamic 49152-65535", False),
    ({"Ports": ["5000-5100"], "PortsInternetAvailable": "Y", "UseInternetPorts": "y"}, "Rpc\\Internet 5000-5100",
     False),
    ({"Ports": ["5000-5100"], "PortsInternetAvailable": "N", "UseInternetPorts": "Y"},
     "Rpc\\Internet all except 5000-5100", False),
    ({"Ports": ["5000-5100"], "PortsInternetAvailable": "Y", "UseInternetPorts": None}, "invalid Rpc\\Internet", True),
    ({"Ports": ["5000-99999"], "PortsInternetAvailable": "Y", "UseInternetPorts": "Y"}, "invalid Rpc\\Internet", True),
])
def test_effective_rpc_ports(internet: dict[str, Any] | None, text: str, invalid: bool) -> None:
    ports = None if internet is None else RpcPorts(
        None if internet["Ports"] is None else tuple(internet["Ports"]), internet["PortsInternetAvailable"],
        internet["UseInternetPorts"])
    eff = rpc.effective_rpc_ports(RpcConfig(ports, PortRange(49152, 65535), None, None, None))
    assert eff.text == text
    assert (eff.invalid is not None) is invalid


# -- NET002 --------------------------------------------------------------------------------------------------------


def test_net002_passes_on_a_healthy_farm() -> None:
    results = run(rpc.RpcDynamicPath, farm())
    assert statuses(results) == ALL_PASS
    assert "TCP 135 answers on every BizTalk node" in results["NODE1"].message


def test_net002_fails_without_an_entsso_rule() -> None:
    fw = copy.deepcopy(FIREWALL)
    fw["rules"] = [fw["rules"][0]]
    results = run(rpc.RpcDynamicPath, farm(NODE1={"firewall": fw}))
    assert statuses(results) == {**ALL_PASS, "NODE1": "fail"}
    assert "ENTSSO.exe or the RPC ports" in results["NODE1"].message


def test_net002_a_block_rule_wins_and_a_disabled_firewall_needs_no_rule() -> None:
    fw = copy.deepcopy(FIREWALL)
    fw["rules"].append(rule("Block SSO", "*", ENTSSO, action=0))
    off = {"current_profiles": 1, "enabled": {"1": False, "2": True, "4": True}, "rules": [], "truncated": False}
    results = run(rpc.RpcDynamicPath, farm(NODE1={"firewall": fw}, NODE2={"firewall": off}))
    assert statuses(results) == {**ALL_PASS, "NODE1": "fail"}
    assert "Block SSO" in results["NODE1"].message


def test_net002_numeric_rule_must_cover_the_whole_rpc_range() -> None:
    fw = copy.deepcopy(FIREWALL)
    fw["rules"][1] = rule("some ports", "49152-50000")
    results = run(rpc.RpcDynamicPath, farm(NODE2={"firewall": fw}))
    assert results["NODE2"].status is Status.FAIL
    fw["rules"][1] = rule("all RPC ports", "135,49152-65535")
    assert run(rpc.RpcDynamicPath, farm(NODE2={"firewall": fw}))["NODE2"].status is Status.PASS


def test_net002_fails_on_an_invalid_or_different_port_configuration() -> None:
    invalid = copy.deepcopy(RPC_CONFIG)
    invalid["internet"] = {"Ports": ["5000-5100"], "PortsInternetAvailable": "Y", "UseInternetPorts": None}
    other = copy.deepcopy(RPC_CONFIG)
    other["dynamic_tcp"] = NETSH.replace("49152", "10000")
    results = run(rpc.RpcDynamicPath, farm(NODE1={"rpc_config": invalid}, NODE2={"rpc_config": other}))
    assert statuses(results) == {**ALL_PASS, "NODE1": "fail", "NODE2": "fail"}
    assert "UseInternetPorts" in results["NODE1"].message
    assert "the BizTalk nodes use dynamic 49152-65535" in results["NODE2"].message


def test_net002_fails_when_tcp_135_back_to_a_biztalk_node_is_closed() -> None:
    results = run(rpc.RpcDynamicPath, farm(NODE2={"rpc_callback": callback("NODE2", closed=("BTSNODE1",))}))
    assert statuses(results) == {**ALL_PASS, "NODE2": "fail"}
    assert "BTSNODE1 (refused)" in results["NODE2"].message


def test_net002_errors_when_a_fact_is_missing_or_the_callback_was_not_tested() -> None:
    results = run(rpc.RpcDynamicPath, farm(NODE1={"firewall": None}))
    assert results["NODE1"].status is Status.ERROR
    assert all(r.status is Status.ERROR for r in results.values())  # a group check never passes on partial data
    untested = {"computer": "NODE1.CORP", "tested": False, "paths": []}
    results = run(rpc.RpcDynamicPath, farm(NODE1={"rpc_callback": untested}))
    assert results["NODE1"].status is Status.ERROR
    assert "not tested" in results["NODE1"].message


def test_net002_unknown_dynamic_range_is_an_error() -> None:
    broken = copy.deepcopy(RPC_CONFIG)
    broken["dynamic_tcp"], broken["dynamic_error"] = None, "netsh exit code 1"
    results = run(rpc.RpcDynamicPath, farm(BTSNODE2={"rpc_config": broken}))
    assert results["BTSNODE2"].status is Status.ERROR


# -- NET003 --------------------------------------------------------------------------------------------------------


def policy(rrc: int | None, ep: int | None) -> dict[str, Any]:
    cfg = copy.deepcopy(RPC_CONFIG)
    cfg["policy"] = {"RestrictRemoteClients": rrc, "EnableAuthEpResolution": ep}
    return cfg


def test_net003_absent_values_are_none_and_pass() -> None:
    assert statuses(run(rpc.RpcSecurityPolicy, farm())) == ALL_PASS
    assert rpc.RpcSecurityPolicy.phases == (Phase.PRE, Phase.NIGHTLY)


def test_net003_authenticated_without_exceptions_fails_unless_every_node_authenticates_epm() -> None:
    results = run(rpc.RpcSecurityPolicy, farm(NODE1={"rpc_config": policy(2, None)}))
    assert statuses(results) == {**ALL_PASS, "NODE1": "fail"}
    assert "BTSNODE1, BTSNODE2, NODE1, NODE2 do not authenticate" in results["NODE1"].message
    everyone = {n: {"rpc_config": policy(0, 1)} for n in ROLES}
    everyone["NODE1"] = {"rpc_config": policy(2, 1)}
    assert run(rpc.RpcSecurityPolicy, farm(**everyone))["NODE1"].status is Status.WARN


def test_net003_warns_on_authenticated_and_on_nodes_that_differ() -> None:
    results = run(rpc.RpcSecurityPolicy, farm(NODE1={"rpc_config": policy(1, None)},
                                              NODE2={"rpc_config": policy(0, 1)}))
    assert statuses(results) == {**ALL_PASS, "NODE1": "warn", "NODE2": "warn"}
    assert "differs" in results["NODE2"].message


def test_net003_invalid_value_fails_and_missing_fact_errors() -> None:
    results = run(rpc.RpcSecurityPolicy, farm(NODE2={"rpc_config": policy(7, None)}))
    assert results["NODE2"].status is Status.FAIL
    results = run(rpc.RpcSecurityPolicy, farm(NODE2={"rpc_config": None}))
    assert results["NODE2"].status is Status.ERROR
    bad = copy.deepcopy(RPC_CONFIG)
    bad["policy"]["RestrictRemoteClients"] = "2"
    assert run(rpc.RpcSecurityPolicy, farm(NODE2={"rpc_config": bad}))["NODE2"].status is Status.ERROR


def test_malformed_firewall_and_callback_answers_are_errors_not_passes() -> None:
    fw = copy.deepcopy(FIREWALL)
    fw["rules"][0]["profiles"] = "all"
    cb = {"computer": "NODE2", "tested": "yes", "paths": []}
    results = run(rpc.RpcDynamicPath, farm(NODE1={"firewall": fw}))
    assert results["NODE1"].status is Status.ERROR and "profiles" in results["NODE1"].message
    results = run(rpc.RpcDynamicPath, farm(NODE2={"rpc_callback": cb}))
    assert results["NODE2"].status is Status.ERROR and "tested" in results["NODE2"].message


def test_net002_an_rpc_rule_of_another_service_does_not_open_entsso() -> None:
    fw = copy.deepcopy(FIREWALL)
    other = rule("Remote Event Log Management (RPC)", "RPC")
    other["service"] = "Eventlog"
    fw["rules"][1] = other
    results = run(rpc.RpcDynamicPath, farm(BTSNODE1={"firewall": fw}))
    assert results["BTSNODE1"].status is Status.FAIL and "ENTSSO.exe or the RPC ports" in results["BTSNODE1"].message
    other["service"] = "*"
    assert run(rpc.RpcDynamicPath, farm(BTSNODE1={"firewall": fw}))["BTSNODE1"].status is Status.PASS


def test_net002_warns_when_every_entsso_rule_is_limited_to_remote_addresses() -> None:
    fw = copy.deepcopy(FIREWALL)
    fw["rules"][1]["remote_addresses"] = "LocalSubnet"
    results = run(rpc.RpcDynamicPath, farm(NODE1={"firewall": fw}))
    assert statuses(results) == {**ALL_PASS, "NODE1": "warn"}
    assert "ENTSSO: LocalSubnet" in results["NODE1"].message
