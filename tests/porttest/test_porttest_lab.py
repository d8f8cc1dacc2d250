"""The lab's side of BTS001: the management database and the SSO chain, derived from scenario state."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ssocheck.facts.porttest import PortCreateTest
from ssocheck.lab.emulation import EmulationError, load_all
from ssocheck.lab.emulation.biztalk import port_create_test, port_lists, sso_failure
from ssocheck.lab.powershell import Params
from ssocheck.lab.session import SessionIdentity, identity_for
from ssocheck.lab.state import SCENARIO_DIR, FarmState, build_farm, deep_merge, resolve_document

FRAGMENT = yaml.safe_load((SCENARIO_DIR / "_biztalk.yaml").read_text(encoding="utf-8"))
SSO_RESOURCE = "Enterprise Single Sign-On Service"
DOCUMENTED_KEYS = {
    "run_id", "prefix", "names", "mgmt_db", "biztalk_version", "process_bits", "relaunched_32bit",
    "leftovers_found", "leftovers_removed", "precleanup_error", "attempted", "created", "saved", "stage", "error",
    "hresult", "rpc", "codes", "cleanup_ok", "cleanup_error", "leftovers", "events", "events_error",
}


def farm(*overlays: dict[str, Any], scenario: str = "healthy-post") -> FarmState:
    doc = deep_merge(FRAGMENT, resolve_document(scenario))
    for overlay in overlays:
        doc = deep_merge(doc, overlay)
    return build_farm(doc, scenario)


# BTS001 connects to SQL as the WinRM logon: only a session with delegable credentials (CredSSP) can.
CREDSSP = SessionIdentity("CORP\\ssocheck", "credssp", can_delegate=True)


def port_test(state: FarmState, node: str = "BTSNODE1", params: dict[str, Any] | None = None,
              identity: SessionIdentity = CREDSSP) -> dict[str, Any]:
    target = state.node(node)
    assert target is not None
    probe_params = Params(params or {})
    probe_params.identity = identity
    answer: dict[str, Any] = port_create_test(state, target, probe_params)
    return answer


def test_without_delegation_sql_sees_an_anonymous_logon_and_nothing_changes() -> None:
    # An NTLM WinRM logon cannot pass credentials on: ExplorerOM's Integrated Security connection to SQL01 is a
    # second hop, refused as NT AUTHORITY\ANONYMOUS LOGON; nothing is created (stage connect).
    state = farm()
    before = port_lists(state)
    answer = port_test(state, identity=identity_for("CORP\\ssocheck", "ntlm"))
    assert answer["stage"] == "connect" and answer["saved"] is not True
    assert answer["error"] == "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."
    assert answer["hresult"] == "0x80131904" and answer["cleanup_ok"] is True
    assert port_lists(state) == before
    # Kerberos with a forwarded ticket to a node trusted for delegation may; CredSSP always may.
    assert port_test(state, identity=identity_for("x@CORP", "kerberos", can_delegate=True))["saved"] is True
    assert port_test(state)["saved"] is True



def codes(state: FarmState, node: str = "BTSNODE1") -> tuple[str, str | None] | None:
    target = state.node(node)
    assert target is not None
    failure = sso_failure(state, target)
    if failure is None:
        return None
    return f"0x{failure.hresult:08X}", (f"0x{failure.rpc:08X}" if failure.rpc is not None else None)


def test_registered_under_the_fact_name() -> None:
    assert load_all()[PortCreateTest.name] is port_create_test


def test_healthy_test_creates_and_removes_and_matches_the_wire_contract() -> None:
    state = farm()
    before = port_lists(state)
    events = len(state.nodes["BTSNODE1"].events)
    raw = port_test(state)
    assert set(raw) == DOCUMENTED_KEYS
    result = PortCreateTest.parse(raw)  # the lab answers exactly what the fact's parser accepts
    assert result.saved and result.cleanup_ok and not result.leftovers
    assert result.created == (result.names["receive_port"], result.names["send_port"])
    assert all(name.startswith("ZZ_SSOCHK_") and "_BTSNODE1_" in name for name in result.names.values())
    assert result.mgmt_db == "SQL01/BizTalkMgmtDb" and result.mgmt_db_source == "registry"
    assert result.relaunched_32bit  # BizTalk 2016 on 64-bit PowerShell
    assert port_lists(state) == before
    assert len(state.nodes["BTSNODE1"].events) == events


def test_inventory_parameters_win_over_the_registry() -> None:
    raw = port_test(farm(), params={"biztalk_mgmt_db_server": "sql01", "biztalk_mgmt_db_name": "BIZTALKMGMTDB"})
    assert raw["mgmt_db"]["source"] == "inventory" and raw["saved"]


def test_a_wrong_management_database_is_a_connect_error_that_changes_nothing() -> None:
    state = farm()
    before = port_lists(state)
    raw = port_test(state, params={"biztalk_mgmt_db_server": "SQL02", "biztalk_mgmt_db_name": "BizTalkMgmtDb"})
    assert raw["stage"] == "connect" and not raw["saved"] and raw["hresult"] == "0x80131904"
    assert "Cannot open database" in raw["error"]
    assert port_lists(state) == before


def test_no_management_database_anywhere_fails_the_fact() -> None:
    state = farm({"nodes": {"BTSNODE1": {"registry": {
        r"HKLM\SOFTWARE\Microsoft\BizTalk Server\3.0\Administration": None}}}})
    with pytest.raises(EmulationError, match="management database unknown"):
        port_test(state)


@pytest.mark.parametrize(
    ("version", "relaunched"),
    [("3.12.774.0", True), ("3.11.158.0", True), ("3.13.717.0", False), (None, False)],
)
def test_32bit_relaunch_for_biztalk_2016_and_older(version: str | None, relaunched: bool) -> None:
    state = farm({"nodes": {"BTSNODE1": {"registry": {
        r"HKLM\SOFTWARE\Microsoft\BizTalk Server\3.0": {"ProductVersion": version}}}}})
    assert port_test(state)["relaunched_32bit"] is relaunched


def test_healthy_chain_reaches_the_cluster_owner_with_the_secret() -> None:
    assert codes(farm()) is None and codes(farm(), "BTSNODE2") is None


@pytest.mark.parametrize(
    ("overlay", "expected"),
    [
        # The name is not online anywhere: nothing answers RPC.
        ({"clusters": {"SSOCLU": {"groups": {"SSO": {"state": "Offline"}}}}}, ("0xC0002A0F", "0x800706BA")),
        ({"clusters": {"SSOCLU": {"resources": {"BIZTALKCLUSTER": {"state": "Failed"}}}}},
         ("0xC0002A0F", "0x800706BA")),
        ({"clusters": {"SSOCLU": {"nodes": {"NODE1": "Down"}}}}, ("0xC0002A0F", "0x800706BA")),
        # The name answers, but no SSOSecretServer endpoint is registered under it.
        ({"clusters": {"SSOCLU": {"resources": {SSO_RESOURCE: {"state": "Offline"}}}}}, ("0xC0002A0F", "0x800706D9")),
        ({"clusters": {"SSOCLU": {"resources": {SSO_RESOURCE: {"private": {"UseNetworkName": 0}}}}}},
         ("0xC0002A0F", "0x800706D9")),
        # The owner answers but has no secret.
        ({"nodes": {"NODE1": {"registry": {
            r"HKLM\SOFTWARE\Microsoft\ENTSSO\SSOSS\3f1e8a52-6c2d-4b9e-9a71-0d5c2e8b4f13": None,
            r"HKLM\SOFTWARE\Microsoft\ENTSSO\SSOSS\a7c04d19-28e3-4f6b-b5d2-7e9f1a3c6b80": None}}}},
         ("0xC0002A1F", None)),
        # The secret server name is not the cluster's.
        ({"sso_databases": {"SQL01/SSODB": {"secret_server": "NOSUCHHOST"}}}, ("0xC0002A0F", "0x800706BA")),
        ({"sso_databases": {"SQL01/SSODB": {"secret_server": "SQL01"}}}, ("0xC0002A0F", "0x800706D9")),
        ({"sso_databases": {"SQL01/SSODB": {"secret_server": "SSOCLU"}}}, ("0xC0002A0F", "0x800706D9")),
        ({"blocked": ["BTSNODE1->BIZTALKCLUSTER:135"]}, ("0xC0002A0F", "0x800706BA")),
    ],
    ids=["group-offline", "name-failed", "owner-down", "entsso-offline", "use-network-name-0", "no-ssoss",
         "unknown-name", "host-without-sso", "cluster-cno", "rpc-blocked"],
)
def test_sso_chain_failures(overlay: dict[str, Any], expected: tuple[str, str | None]) -> None:
    assert codes(farm(overlay)) == expected


def test_blocked_path_only_affects_that_node() -> None:
    state = farm({"blocked": ["BTSNODE1->BIZTALKCLUSTER:135"]})
    assert codes(state, "BTSNODE2") is None


def test_a_computer_name_serves_the_secret_only_when_its_entsso_started_as_master_secret_server() -> None:
    # BTSNODE1 holds the old secret and runs ENTSSO, but restarted after its last 10534 (_secret.yaml story).
    assert codes(farm({"sso_databases": {"SQL01/SSODB": {"secret_server": "BTSNODE1"}}})) == ("0xC0002A0F",
                                                                                              "0x800706D9")
    # A computer without an event story is taken at its word.
    quiet = farm({"sso_databases": {"SQL01/SSODB": {"secret_server": "BTSNODE1"}},
                  "nodes": {"BTSNODE1": {"events": []}}})
    assert codes(quiet) is None


def test_local_entsso_stopped_names_the_node_itself_and_writes_no_event() -> None:
    state = farm({"nodes": {"BTSNODE2": {"services": {"ENTSSO": {"state": "Stopped"}}}}})
    events = len(state.nodes["BTSNODE2"].events)
    raw = port_test(state, "BTSNODE2")
    assert (raw["hresult"], raw["rpc"]) == ("0xC0002A0F", "0x800706BA")
    assert "'BTSNODE2'" in raw["error"] and raw["events"] == []
    assert len(state.nodes["BTSNODE2"].events) == events


def test_a_failed_save_leaves_nothing_and_logs_what_entsso_writes() -> None:
    state = farm({"clusters": {"SSOCLU": {"resources": {SSO_RESOURCE: {"private": {"UseNetworkName": 0}}}}}})
    before = port_lists(state)
    raw = port_test(state)
    result = PortCreateTest.parse(raw)
    assert not result.saved and result.stage == "save" and result.cleanup_ok and result.created == ()
    assert result.error and result.error.startswith('Exception calling "SaveChanges"')
    assert result.codes == (0x800706D9, 0xC0002A0F)
    assert port_lists(state) == before
    logged = state.nodes["BTSNODE1"].events[-2:]
    assert [e.id for e in logged] == [10532, 10536]
    assert logged[0].strings[0] == "BIZTALKCLUSTER" and logged[0].strings[1].startswith("0x800706D9")
    assert {e.id for e in result.events} == {10532, 10536}


def test_cleanup_failure_on_one_node_only_leaves_that_nodes_ports() -> None:
    state = farm({"biztalk": {"cleanup_fails": ["BTSNODE2"]}})
    assert port_test(state, "BTSNODE1")["cleanup_ok"]
    raw = port_test(state, "BTSNODE2")
    assert raw["saved"] and not raw["cleanup_ok"] and "Timeout expired" in raw["cleanup_error"]
    assert raw["leftovers"] == raw["created"]
    assert [p for kind in ("receive", "send") for p in port_lists(state)[kind] if p.startswith("ZZ_")] == \
        raw["created"]
    # The scenario document follows, so a farm rebuilt from it (LabFarm.apply_overlay) keeps the database.
    assert state.document["biztalk"]["ports"] == port_lists(state)


def test_other_ports_are_never_touched() -> None:
    state = farm({"biztalk": {"ports": {"receive": ["zz_ssochk_lowercase_RP", "ZZ_OTHER_RP"], "send": []}}})
    raw = port_test(state)
    # The prefix match is case-insensitive like the snippet's OrdinalIgnoreCase; another ZZ_ name stays.
    assert raw["leftovers_removed"] == ["zz_ssochk_lowercase_RP"]
    assert port_lists(state) == {"receive": ["ZZ_OTHER_RP"], "send": []}
