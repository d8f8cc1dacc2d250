"""Facts msdtc_security, host_names, time_sync, sso_endpoint and the clock helpers: parsers, snippets, lab.

The raw values here have the shapes the PowerShell snippets build (documented in each Fact's docstring); the
last part checks that the lab's emulators produce exactly those shapes from scenario state.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest
import tree_sitter
import tree_sitter_powershell

from ssocheck.facts.base import Fact, FactParseError
from ssocheck.facts.msdtc_security import (
    INCOMING,
    MUTUAL,
    NO_AUTH,
    SECURITY_VALUES,
    MsdtcSecurity,
    authentication_level,
)
from ssocheck.facts.network import SsoEndpoint
from ssocheck.facts.system import HostNames, TimeSync, clock_offset, first_label, parse_utc
from ssocheck.lab.emulation import load_all
from ssocheck.lab.state import FarmState, build_farm, deep_merge, resolve_document

MY_FACTS: list[type[Fact[Any]]] = [MsdtcSecurity, HostNames, TimeSync, SsoEndpoint]

HEALTHY_SECURITY = {
    "NetworkDtcAccess": 1, "NetworkDtcAccessTransactions": 1, "NetworkDtcAccessInbound": 1,
    "NetworkDtcAccessOutbound": 1, "NetworkDtcAccessClients": 0, "NetworkDtcAccessAdmin": 0,
    "NetworkDtcAccessTip": 0, "XaTransactions": 0, "LuTransactions": 1,
}
MUTUAL_RPC = {"AllowOnlySecureRpcCalls": 1, "FallbackToUnsecureRPCIfNecessary": 0, "TurnOffRpcSecurity": 0}


def local(**kw: Any) -> dict[str, Any]:
    """A raw local-DTC entry as the snippet writes it, healthy unless ``kw`` replaces a field."""
    entry: dict[str, Any] = {"kind": "local", "resource_id": "", "resource_name": "", "key_present": True,
                             "security": dict(HEALTHY_SECURITY), "rpc": dict(MUTUAL_RPC)}
    entry.update(kw)
    return entry


# -- msdtc_security ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rpc", "level"),
    [
        ({}, MUTUAL),  # nothing set: AllowOnlySecureRpcCalls missing -> Mutual
        ({"AllowOnlySecureRpcCalls": 1}, MUTUAL),
        ({"AllowOnlySecureRpcCalls": 1, "FallbackToUnsecureRPCIfNecessary": 1, "TurnOffRpcSecurity": 1}, MUTUAL),
        ({"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": 1}, INCOMING),
        ({"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": 1, "TurnOffRpcSecurity": 1}, INCOMING),
        ({"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": 0, "TurnOffRpcSecurity": 1}, NO_AUTH),
        ({"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": None, "TurnOffRpcSecurity": 1}, NO_AUTH),
        ({"AllowOnlySecureRpcCalls": 0}, MUTUAL),  # all "off": the implementation default
    ],
)
def test_authentication_level_follows_ms_cmom(rpc: dict[str, int | None], level: str) -> None:
    assert authentication_level(rpc) == level


def test_msdtc_security_parses_local_and_clustered() -> None:
    clustered = local(security=dict(HEALTHY_SECURITY, XaTransactions=1),
                      rpc={"AllowOnlySecureRpcCalls": 0, "FallbackToUnsecureRPCIfNecessary": 1,
                           "TurnOffRpcSecurity": 0})
    clustered.update(kind="clustered", resource_id="{7D3C5E21-4B8A-4F6E-9C1D-2A5B8E7F0C13}",
                     resource_name="MSDTC-SSOCLU")
    state = MsdtcSecurity.parse([local(), clustered])
    assert state.local.label == "local DTC"
    assert state.local.effective() == {**HEALTHY_SECURITY, "AuthenticationLevel": MUTUAL}
    (dtc,) = state.clustered
    assert dtc.resource_id == "7d3c5e21-4b8a-4f6e-9c1d-2a5b8e7f0c13"
    assert dtc.label == "clustered DTC MSDTC-SSOCLU"
    assert dtc.effective()["XaTransactions"] == 1
    assert dtc.effective()["AuthenticationLevel"] == INCOMING
    assert [i.kind for i in state.instances] == ["local", "clustered"]


def test_msdtc_security_defaults_for_absent_values_and_key() -> None:
    # PowerShell collapses a one-element array into the element: accept the bare hashtable too.
    state = MsdtcSecurity.parse(local(security=None, rpc={}, key_present=False))
    assert not state.local.security_present and not state.local.key_present
    effective = state.local.effective()
    assert effective["NetworkDtcAccess"] == 0 and effective["LuTransactions"] == 1  # MS-CMOM defaults
    assert effective["AuthenticationLevel"] == MUTUAL
    assert state.local.rpc_effective() == MUTUAL_RPC
    partial = MsdtcSecurity.parse([local(security={"NetworkDtcAccess": 1})])
    assert partial.local.effective()["NetworkDtcAccessInbound"] == 0
    assert partial.local.security["NetworkDtcAccessInbound"] is None


def test_msdtc_security_value_names_are_case_insensitive() -> None:
    # dbatools' Get-DbaMsdtc spells them networkDTCAccessOutBound etc.; the registry does not care.
    raw = local(security={k.lower(): v for k, v in HEALTHY_SECURITY.items()}, rpc={"allowonlysecurerpccalls": 0,
                                                                                 "TURNOFFRPCSECURITY": 1})
    state = MsdtcSecurity.parse([raw])
    assert state.local.effective() == {**HEALTHY_SECURITY, "AuthenticationLevel": NO_AUTH}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "no local DTC entry"),
        ([local(), local()], "more than one local"),
        ([local(kind="remote")], "kind"),
        ([local(security=dict(HEALTHY_SECURITY, NetworkDtcAccess=True))], "boolean"),
        ([local(security=dict(HEALTHY_SECURITY, NetworkDtcAccess="yes"))], "expected a DWORD"),
        ([local(rpc={"AllowOnlySecureRpcCalls": [1]})], "expected a DWORD"),
        ([local(key_present="yes")], "key_present"),
        ("text", "expected dict"),
    ],
)
def test_msdtc_security_rejects_malformed(raw: Any, message: str) -> None:
    with pytest.raises(FactParseError, match=message):
        MsdtcSecurity.parse(raw)


def test_msdtc_security_reads_a_reg_sz_digit_as_its_number() -> None:
    state = MsdtcSecurity.parse([local(security=dict(HEALTHY_SECURITY, NetworkDtcAccessInbound=" 0 "))])
    assert state.local.effective()["NetworkDtcAccessInbound"] == 0


# -- host_names / time_sync ----------------------------------------------------------------------------------------


def test_host_names_parse_and_host_label() -> None:
    info = HostNames.parse({"computer_name": "BTSNODE2-PRODUC", "dns_host_name": "BTSNODE2-PRODUCTION",
                            "tcpip_hostname": "btsnode2-production", "tcpip_nv_hostname": None,
                            "tcpip_domain": "corp.example.com"})
    assert info.host_label == "BTSNODE2-PRODUCTION"
    assert info.tcpip_nv_hostname is None
    # The registry value alone can reveal the long name when DNS answers with something shorter.
    info = HostNames.parse({"computer_name": "APP", "dns_host_name": "APP", "tcpip_hostname": "app-long-name-001"})
    assert info.host_label == "app-long-name-001"
    assert HostNames.parse({"computer_name": "N1", "dns_host_name": "n1.corp.example.com"}).host_label == "n1"


@pytest.mark.parametrize("raw", [{"computer_name": "X"}, {"dns_host_name": "x"}, ["x"], {"computer_name": "",
                                                                                      "dns_host_name": "x"}])
def test_host_names_rejects_malformed(raw: Any) -> None:
    with pytest.raises(FactParseError):
        HostNames.parse(raw)


def test_time_sync_parse() -> None:
    info = TimeSync.parse({"service_present": True, "type": "NT5DS", "ntp_server": "time.windows.com,0x9"})
    assert info.synchronised is True
    assert TimeSync.parse({"service_present": True, "type": "NoSync", "ntp_server": None}).synchronised is False
    assert TimeSync.parse({"service_present": True, "type": "allsync"}).synchronised is True
    assert TimeSync.parse({"service_present": False, "type": None}).synchronised is None
    with pytest.raises(FactParseError, match="service_present"):
        TimeSync.parse({"type": "NT5DS"})


# -- clock helpers -------------------------------------------------------------------------------------------------


def test_parse_utc_reads_probe_and_collector_stamps() -> None:
    assert parse_utc("2026-11-20T22:00:05Z") == datetime(2026, 11, 20, 22, 0, 5, tzinfo=timezone.utc)
    assert parse_utc("2026-11-20T22:00:05.250Z") == datetime(2026, 11, 20, 22, 0, 5, 250000, tzinfo=timezone.utc)
    assert parse_utc("2026-11-20T22:00:05.250+00:00") is not None
    for bad in (None, "", "yesterday", "2026-11-20T22:00:05+02:00", "2026-13-40T22:00:05Z", "2026-11-20 10:00 PM"):
        assert parse_utc(bad) is None, bad


def test_clock_offset_is_node_minus_controller() -> None:
    assert clock_offset("2026-11-20T22:05:00Z", "2026-11-20T22:00:00.500Z") == pytest.approx(299.5)
    assert clock_offset("2026-11-20T21:59:00Z", "2026-11-20T22:00:00.000Z") == pytest.approx(-60.0)
    assert clock_offset(None, "2026-11-20T22:00:00.000Z") is None
    assert clock_offset("2026-11-20T22:00:00Z", "garbage") is None
    assert first_label("biztalkcluster.corp.example.com") == "biztalkcluster"


# -- sso_endpoint --------------------------------------------------------------------------------------------------


def test_sso_endpoint_parse() -> None:
    probe = SsoEndpoint.parse({
        "name": "BIZTALKCLUSTER", "forward_error": None,
        # One address: PowerShell hands over the bare hashtable.
        "addresses": {"address": "10.0.0.50", "family": "InterNetwork", "reverse_name": "BIZTALKCLUSTER.corp",
                      "reverse_error": None, "tcp_135": True, "tcp_error": None},
    })
    assert probe.name == "BIZTALKCLUSTER" and probe.forward_error is None
    (addr,) = probe.addresses
    assert addr.address == "10.0.0.50" and addr.tcp_135 and addr.reverse_name == "BIZTALKCLUSTER.corp"
    unresolved = SsoEndpoint.parse({"name": "X", "forward_error": "No such host is known", "addresses": []})
    assert unresolved.addresses == () and unresolved.forward_error == "No such host is known"
    # An empty reverse name is no reverse name.
    empty = SsoEndpoint.parse({"name": "X", "addresses": [{"address": "1.2.3.4", "reverse_name": "",
                                                           "tcp_135": False}]})
    assert empty.addresses[0].reverse_name is None


@pytest.mark.parametrize(
    "raw",
    [
        {"forward_error": None, "addresses": []},
        {"name": "X", "addresses": [{"address": "1.2.3.4", "tcp_135": "True"}]},
        {"name": "X", "addresses": [{"tcp_135": True}]},
        {"name": "X", "addresses": ["1.2.3.4"]},
    ],
)
def test_sso_endpoint_rejects_malformed(raw: Any) -> None:
    with pytest.raises(FactParseError):
        SsoEndpoint.parse(raw)


# -- snippets ------------------------------------------------------------------------------------------------------

_PS = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
# The PS 2.0 / read-only rules of the brief, as far as these snippets are concerned.
FORBIDDEN = re.compile(
    r"ConvertTo-Json|ConvertFrom-Json|\[ordered\]|\[pscustomobject\]|Get-CimInstance|-notin\b|\s-in\s|\.Where\(|"
    r"\.ForEach\(|::new\(|Invoke-Expression|\biex\b|\b(Set|Remove|Start|Stop|Restart|Rename|Clear)-\w+|New-Item|"
    r"New-ItemProperty|Test-NetConnection|Resolve-DnsName|Get-Dtc",
    re.I,
)


def _errors(node: Any) -> list[Any]:
    found = [node] if node.type == "ERROR" or node.is_missing else []
    for child in node.children:
        found.extend(_errors(child))
    return found


@pytest.mark.parametrize("fact", MY_FACTS, ids=lambda f: f.name)
def test_snippet_is_valid_ps2_read_only(fact: type[Fact[Any]]) -> None:
    script = fact.script
    assert script.isascii()
    assert not _errors(_PS.parse(script.encode()).root_node), "tree-sitter cannot parse the snippet"
    assert not FORBIDDEN.search(script), FORBIDDEN.search(script)
    assert re.search(r"^\$value = ", script, re.M), "the snippet assigns $value"
    for param in fact.params:
        assert f"Get-SsoParam '{param}'" in script
    assert "Get-SsoParam" not in script or fact.params, "parameters read must be declared"


def test_tcp_snippet_always_closes_its_socket() -> None:
    script = SsoEndpoint.script
    assert "BeginConnect" in script and "WaitOne($timeoutMs, $false)" in script
    assert re.search(r"finally \{\s*\$client\.Close\(\)", script)


# -- lab emulation round trip --------------------------------------------------------------------------------------


def farm(overlay: dict[str, Any] | None = None) -> FarmState:
    doc = deep_merge(resolve_document("healthy-post"), overlay or {})
    return build_farm(doc, "test")


def emulate(state: FarmState, fact: type[Fact[Any]], node: str) -> Any:
    target = state.node(node)
    assert target is not None
    raw = load_all()[fact.name](state, target, {"cluster_network_name": "BIZTALKCLUSTER"})
    return fact.parse(raw)


def test_lab_healthy_state_of_my_facts() -> None:
    state = farm()
    for node in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"):
        dtc = emulate(state, MsdtcSecurity, node)
        assert dtc.local.effective() == {**HEALTHY_SECURITY, "AuthenticationLevel": MUTUAL}
        hosts = emulate(state, HostNames, node)
        assert hosts.host_label == node and hosts.computer_name == node
        assert emulate(state, TimeSync, node).synchronised is True
    assert emulate(state, MsdtcSecurity, "BTSNODE1").clustered == ()
    (clustered,) = emulate(state, MsdtcSecurity, "NODE2").clustered
    assert clustered.resource_name == "MSDTC-SSOCLU" and set(clustered.security) == set(SECURITY_VALUES)
    endpoint = emulate(state, SsoEndpoint, "BTSNODE1")
    (addr,) = endpoint.addresses
    assert (addr.address, addr.tcp_135) == ("10.0.0.50", True)
    assert addr.reverse_name is not None and addr.reverse_name.lower() == "biztalkcluster.corp.example.com"


def test_lab_long_host_name_is_truncated_for_netbios() -> None:
    state = farm({"nodes": {"BTSNODE2": {"registry": {
        "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters": {"Hostname": "BTSNODE2-PRODUCTION"}}}}})
    info = emulate(state, HostNames, "BTSNODE2")
    assert (info.computer_name, info.dns_host_name) == ("BTSNODE2-PRODUC", "BTSNODE2-PRODUCTION")


def test_lab_endpoint_dns_and_reachability() -> None:
    no_reverse = emulate(farm({"dns_no_reverse": ["BIZTALKCLUSTER"]}), SsoEndpoint, "BTSNODE1").addresses[0]
    assert no_reverse.reverse_name is None and no_reverse.reverse_error
    stale = emulate(farm({"dns_ptr": {"10.0.0.50": "oldserver.corp.example.com"}}), SsoEndpoint, "BTSNODE1")
    assert stale.addresses[0].reverse_name == "oldserver.corp.example.com"
    unresolved = emulate(farm({"dns": {"BIZTALKCLUSTER": None}}), SsoEndpoint, "BTSNODE1")
    assert unresolved.addresses == () and unresolved.forward_error
    blocked = farm({"blocked": ["BTSNODE1->BIZTALKCLUSTER:135"]})
    assert emulate(blocked, SsoEndpoint, "BTSNODE1").addresses[0].tcp_135 is False
    assert emulate(blocked, SsoEndpoint, "BTSNODE2").addresses[0].tcp_135 is True
    # The SSO role runs on NODE1: with NODE1 powered off nothing holds the address any more.
    owner_down = emulate(farm({"nodes": {"NODE1": {"up": False}}}), SsoEndpoint, "BTSNODE2").addresses[0]
    assert owner_down.tcp_135 is False and owner_down.tcp_error
    failed_over = farm({"nodes": {"NODE1": {"up": False}}, "clusters": {"SSOCLU": {"groups": {"SSO": {
        "owner": "NODE2"}}}}})
    assert emulate(failed_over, SsoEndpoint, "BTSNODE2").addresses[0].tcp_135 is True


def test_lab_missing_msdtc_registry_reads_as_absent() -> None:
    state = farm({"nodes": {"NODE1": {"registry": {
        "HKLM\\SOFTWARE\\Microsoft\\MSDTC": None, "HKLM\\SOFTWARE\\Microsoft\\MSDTC\\Security": None}}}})
    dtc = emulate(state, MsdtcSecurity, "NODE1")
    assert not dtc.local.key_present and not dtc.local.security_present
    assert len(dtc.clustered) == 1  # the cluster hive is untouched


def test_time_sync_prefers_the_group_policy_key() -> None:
    # Review probe.md D8: a domain GPO's W32Time settings win over the service's own key.
    from ssocheck.facts.system import TimeSync
    from ssocheck.lab.emulation import load_all
    from ssocheck.lab.state import NodeState as LabNode
    from ssocheck.lab.state import Registry as LabRegistry
    from ssocheck.lab.state import load_scenario as lab_scenario

    service = r"HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters"
    policy = r"HKLM\SOFTWARE\Policies\Microsoft\W32Time\Parameters"
    emulate = load_all()["time_sync"]
    farm = lab_scenario("healthy-post")
    plain = LabNode("N", ["biztalk"], registry=LabRegistry({service: {"Type": "NoSync"}}))
    info = TimeSync.parse(emulate(farm, plain, {}))
    assert (info.type, info.source, info.synchronised) == ("NoSync", "service", False)
    gpo = LabNode("N", ["biztalk"], registry=LabRegistry({service: {"Type": "NoSync"},
                                                         policy: {"Type": "NT5DS", "NtpServer": "dc01"}}))
    info = TimeSync.parse(emulate(farm, gpo, {}))
    assert (info.type, info.ntp_server, info.source, info.synchronised) == ("NT5DS", "dc01", "policy", True)
    assert "SOFTWARE\\Policies\\Microsoft\\W32Time\\Parameters" in TimeSync.script
