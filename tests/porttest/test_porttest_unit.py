"""BTS001 from raw facts: the parser, every outcome of the check, the runner's opt-in gate, and the snippet's form."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import tree_sitter as ts
import tree_sitter_powershell as tsp
from ssocheck_checks.porttest import CHECKS, PortCreateTestCheck, sso_codes

from ssocheck.check import Context, Expectations, NodeFacts, Outcome
from ssocheck.facts.base import FactParseError
from ssocheck.facts.porttest import PREFIX, PortCreateTest
from ssocheck.facts.probe import build_probe
from ssocheck.model import Phase, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

DATA = Path(__file__).resolve().parent.parent / "data" / "events"
EXPECT = Expectations(
    group="BizTalkGroup",
    cluster_network_name="BIZTALKCLUSTER",
    master_secret_server="BTSNODE1",
    sso_service_account="CORP\\svc_sso",
    sso_db_server="SQL01",
    sso_db_name="SSODB",
)
RP = "ZZ_SSOCHK_20261121T220000_a1b2c3_BTSNODE1_RP"
RL = "ZZ_SSOCHK_20261121T220000_a1b2c3_BTSNODE1_RL"
SP = "ZZ_SSOCHK_20261121T220000_a1b2c3_BTSNODE1_SP"
OLD_RP = "ZZ_SSOCHK_20261120T031500_5e6f7a_BTSNODE2_RP"
OLD_SP = "ZZ_SSOCHK_20261120T031500_5e6f7a_BTSNODE2_SP"
NO_SECRET_TEXT = (
    "Cannot perform encryption or decryption because the secret is not available from the master secret server. "
    "See the event log for related errors."
)
NO_SERVER_TEXT = (
    "Could not contact the SSO server 'BIZTALKCLUSTER'. Check that SSO is configured and that the SSO service is "
    "running on that server. (RPC: 0x800706D9: There are no more endpoints available from the endpoint mapper.)"
)


def healthy_raw(**changes: Any) -> dict[str, Any]:
    """A raw value as the snippet returns it after a successful test; ``changes`` override fields."""
    raw: dict[str, Any] = {
        "run_id": "20261121T220000_a1b2c3",
        "prefix": PREFIX,
        "names": {"receive_port": RP, "receive_location": RL, "send_port": SP},
        "mgmt_db": {"server": "SQL01", "name": "BizTalkMgmtDb", "source": "registry"},
        "biztalk_version": "3.12.774.0",
        "process_bits": 64,
        "relaunched_32bit": True,
        "leftovers_found": [],
        "leftovers_removed": [],
        "precleanup_error": None,
        "attempted": [RP, SP],
        "created": [RP, SP],
        "saved": True,
        "stage": "cleanup",
        "error": None,
        "hresult": None,
        "rpc": None,
        "codes": [],
        "cleanup_ok": True,
        "cleanup_error": None,
        "leftovers": [],
        "events": [],
        "events_error": None,
    }
    raw.update(copy.deepcopy(changes))
    return raw


def failed_save(error: str, **changes: Any) -> dict[str, Any]:
    """A raw value for a SaveChanges that threw (nothing saved, nothing left)."""
    base: dict[str, Any] = {
        "created": [],
        "saved": False,
        "stage": "save",
        "error": f'Exception calling "SaveChanges" with "0" argument(s): "{error}"',
    }
    base.update(changes)
    return healthy_raw(**base)


NO_SECRET_EVENTS = [
    {"id": 10536, "time": "2026-11-21T22:00:01Z", "strings": [
        "SetConfigInfo", "6a0c1f1e-0000-4000-8000-000000000001", "BTSNODE1 (powershell.exe:4242)", "CORP\\ssocheck",
        "{6a0c1f1e-0000-4000-8000-000000000002}", "0xC0002A1F, " + NO_SECRET_TEXT]},
    {"id": 10532, "time": "2026-11-21T22:00:01Z", "strings": [
        "BIZTALKCLUSTER", "0x80002918, No secrets were found in the registry of the master secret server. Use the "
        "configuration tools to generate or restore a master secret."]},
]


def verdict(raw: dict[str, Any]) -> tuple[Status, str, dict[str, Any]]:
    """Run the check on one node whose fact is ``raw``."""
    node = NodeFacts("BTSNODE1", ("biztalk",), {PortCreateTest.name: raw})
    out = PortCreateTestCheck().evaluate(node, Context(Phase.POST, EXPECT, allow_changes=True))
    assert isinstance(out, Outcome)
    return out.status, out.message, dict(out.evidence)


# --------------------------------------------------------------------------- parser


def test_parse_keeps_every_field() -> None:
    raw = failed_save(NO_SECRET_TEXT, hresult="0xc0002a1f", codes=["0xC0002A1F"], events=NO_SECRET_EVENTS)
    result = PortCreateTest.parse(raw)
    assert result.hresult == 0xC0002A1F and result.rpc is None and result.codes == (0xC0002A1F,)
    assert result.attempted == (RP, SP) and result.created == () and not result.saved
    assert result.mgmt_db == "SQL01/BizTalkMgmtDb" and result.mgmt_db_source == "registry"
    assert [e.id for e in result.events] == [10536, 10532]
    assert result.events[1].field("Secret Server Name") == "BIZTALKCLUSTER"
    assert result.events[1].hresult == 0x80002918


def test_parse_accepts_powershell_collapsed_single_element_lists() -> None:
    result = PortCreateTest.parse(healthy_raw(leftovers=OLD_RP, created=RP))
    assert result.leftovers == (OLD_RP,) and result.created == (RP,)


@pytest.mark.parametrize(
    "change",
    [
        {"saved": "yes"},
        {"cleanup_ok": None},
        {"hresult": "C0002A1F"},
        {"rpc": "0x8007"},
        {"stage": "explode"},
        {"events": [{"id": "10532", "time": "2026-11-21T22:00:01Z", "strings": []}]},
        {"events": [{"id": 10532, "time": "21/11/2026 22:00", "strings": []}]},
        {"process_bits": "64"},
    ],
)
def test_parse_rejects_malformed_values(change: dict[str, Any]) -> None:
    with pytest.raises(FactParseError):
        PortCreateTest.parse(healthy_raw(**change))


def test_parse_rejects_a_non_object() -> None:
    with pytest.raises(FactParseError):
        PortCreateTest.parse(["not", "an", "object"])


# --------------------------------------------------------------------------- outcomes


def test_pass_when_created_and_cleaned_up_names_the_ports() -> None:
    status, message, evidence = verdict(healthy_raw())
    assert status is Status.PASS
    assert RP in message and SP in message
    assert evidence["ports_created"] == [RP, SP]
    assert evidence["receive_location"] == RL
    assert evidence["mgmt_db"] == "SQL01/BizTalkMgmtDb"
    assert evidence["powershell"] == "64-bit relaunched as 32-bit"


def test_pass_mentions_leftovers_of_an_earlier_run_that_were_removed() -> None:
    status, message, evidence = verdict(
        healthy_raw(leftovers_found=[OLD_RP, OLD_SP], leftovers_removed=[OLD_RP, OLD_SP]))
    assert status is Status.PASS
    assert OLD_RP in message and OLD_SP in message
    assert evidence["leftovers_removed"] == [OLD_RP, OLD_SP]


def test_fail_no_secret_maps_the_hresult_and_keeps_the_events() -> None:
    status, message, evidence = verdict(failed_save(
        NO_SECRET_TEXT, hresult="0xC0002A1F", codes=["0xC0002A1F"], events=NO_SECRET_EVENTS))
    assert status is Status.FAIL
    assert "0xC0002A1F" in message and "ENTSSO_E_NO_SECRET" in message
    assert "BIZTALKCLUSTER" in message  # the master secret server from the 10532 event
    assert evidence["hresult"] == "0xC0002A1F"
    assert "restore" in evidence["hint"]
    assert [e["id"] for e in evidence["events"]] == [10536, 10532]
    assert evidence["ports_attempted"] == [RP, SP]
    assert "leftovers" not in evidence  # nothing was left behind


def test_fail_no_sso_server_maps_hresult_and_rpc() -> None:
    status, message, evidence = verdict(failed_save(
        NO_SERVER_TEXT, hresult="0xC0002A0F", rpc="0x800706D9", codes=["0x800706D9", "0xC0002A0F"]))
    assert status is Status.FAIL
    assert "0xC0002A0F" in message and "ENTSSO_E_NO_SSO_SERVER" in message
    assert "0x800706D9" in message and "RPC_S_NO_ENDPOINTS" in message
    assert evidence["secret_server"] == "BIZTALKCLUSTER"
    assert "UseNetworkName" in evidence["hint"]


def test_fail_from_the_exception_text_when_it_carries_no_code() -> None:
    status, _message, evidence = verdict(failed_save(NO_SECRET_TEXT))
    assert status is Status.FAIL and evidence["hresult"] == "0xC0002A1F"


def test_fail_from_real_hard_wrapped_sso_error_text() -> None:
    # The verbatim ssoconfig output (apacbiztalk blog) wraps "endpoint\nmapper"; codes are read from the text.
    text = (DATA / "ssoconfig-backupsecret-no-sso-server.txt").read_text(encoding="utf-8")
    hresult, rpc = sso_codes(PortCreateTest.parse(failed_save(text.replace("0x", "code "))))
    assert (hresult, rpc) == (0xC0002A0F, 0x800706D9)
    status, _message, evidence = verdict(failed_save(text.replace("0x", "code ")))
    assert status is Status.FAIL and evidence["secret_server"] == "sso-cluster"


def test_fail_from_the_events_when_the_exception_is_generic() -> None:
    no_endpoints = "0x800706D9, There are no more endpoints available from the endpoint mapper."
    events = [{"id": 10532, "time": "2026-11-21T22:00:01Z", "strings": ["BIZTALKCLUSTER", no_endpoints]}]
    status, _message, evidence = verdict(failed_save("Catastrophic failure", events=events))
    assert status is Status.FAIL
    assert evidence["hresult"] == "0xC0002A0F" and evidence["rpc"] == "0x800706D9"


def test_fail_also_names_ports_left_behind() -> None:
    raw = failed_save(NO_SECRET_TEXT, hresult="0xC0002A1F", codes=["0xC0002A1F"], leftovers_found=[OLD_RP],
                      precleanup_error="timeout", cleanup_ok=False, leftovers=[OLD_RP])
    status, message, evidence = verdict(raw)
    assert status is Status.FAIL
    assert OLD_RP in message and evidence["leftovers"] == [OLD_RP]


def test_error_naming_the_leftovers_when_cleanup_failed() -> None:
    timeout = 'Exception calling "SaveChanges" with "0" argument(s): "Timeout expired."'
    status, message, evidence = verdict(healthy_raw(cleanup_ok=False, cleanup_error=timeout, leftovers=[RP, SP]))
    assert status is Status.ERROR
    assert RP in message and SP in message
    assert evidence["leftovers"] == [RP, SP] and evidence["cleanup_error"] == timeout
    assert evidence["ports_created"] == [RP, SP]


def test_error_when_an_earlier_runs_leftovers_could_not_be_removed() -> None:
    status, message, _ = verdict(healthy_raw(leftovers_found=[OLD_SP], precleanup_error="timeout",
                                             cleanup_ok=False, leftovers=[OLD_SP]))
    assert status is Status.ERROR and OLD_SP in message


def test_error_not_fail_when_the_test_could_not_run() -> None:
    raw = healthy_raw(saved=False, created=[], attempted=[], stage="connect", hresult="0x80131904",
                      codes=["0x80131904"], error='Cannot open database "BizTalkMgmtDb" requested by the login.')
    status, message, evidence = verdict(raw)
    assert status is Status.ERROR
    assert "connect" in message and "Cannot open database" in message
    assert "hresult" not in evidence


def test_error_when_explorerom_cannot_be_loaded() -> None:
    raw = healthy_raw(saved=False, created=[], attempted=[], stage="load",
                      error="Microsoft.BizTalk.ExplorerOM cannot be loaded")
    status, _, _ = verdict(raw)
    assert status is Status.ERROR


# --------------------------------------------------------------------------- runner gate


def snapshot(raw: dict[str, Any] | None) -> Snapshot:
    facts = {PortCreateTest.name: raw} if raw is not None else {}
    nodes = [NodeSnapshot("BTSNODE1", ("biztalk",), facts=facts), NodeSnapshot("NODE1", ("sso-cluster",))]
    return Snapshot(expect=EXPECT, nodes=nodes, collected_at="2026-11-21T22:00:00Z")


def run(raw: dict[str, Any] | None, allow: bool, phase: Phase = Phase.POST) -> list[tuple[str, Status, str]]:
    report = evaluate(build([("builtin", CHECKS)]), snapshot(raw), Context(phase, EXPECT, allow_changes=allow))
    return [(r.node, r.status, r.message) for r in report.results]


def test_skipped_with_a_reason_without_allow_changes() -> None:
    results = run(None, allow=False)
    assert results == [("BTSNODE1", Status.SKIP, "changes state; runs only with --allow-changes")]


def test_skipped_outside_phase_post_even_when_allowed() -> None:
    [(_node, status, message)] = run(healthy_raw(), allow=True, phase=Phase.PRE)
    assert status is Status.SKIP and "post" in message


def test_allowed_but_not_collected_is_an_error_never_a_pass() -> None:
    [(_node, status, message)] = run(None, allow=True)
    assert status is Status.ERROR and "port_create_test" in message


def test_allowed_and_collected_runs_on_biztalk_nodes_only() -> None:
    assert run(healthy_raw(), allow=True) == [("BTSNODE1", Status.PASS, verdict(healthy_raw())[1])]


def test_metadata_matches_the_catalog() -> None:
    [loaded] = build([("builtin", CHECKS)])
    meta = loaded.meta
    assert (meta.id, meta.name, meta.severity.value, meta.shape) == ("BTS001", "port-create-test", "critical", "node")
    assert set(meta.roles) == {"biztalk"} and set(meta.phases) == {Phase.POST, Phase.NIGHTLY}
    assert loaded.check.writes and PortCreateTest.writes


# --------------------------------------------------------------------------- the snippet

PARSER = ts.Parser(ts.Language(tsp.language()))


def _worker_text() -> str:
    script = PortCreateTest.script
    start = script.index("$ptWorker = {") + len("$ptWorker = {")
    return script[start:script.index("\n}\n\n$ptPrefix")]


def test_snippet_and_its_probe_parse_and_are_ascii() -> None:
    probe = build_probe([PortCreateTest], EXPECT.probe_params())
    assert probe.isascii()
    assert not PARSER.parse(PortCreateTest.script.encode("ascii")).root_node.has_error
    assert not PARSER.parse(probe.encode("ascii")).root_node.has_error


def test_the_32bit_child_script_parses() -> None:
    # What the snippet pipes into the 32-bit PowerShell: the worker's own text plus a runner.
    child = ("$ErrorActionPreference = 'Stop'\n$ptWorker = {" + _worker_text() + "}\n$ptOut = @(& $ptWorker $true)\n"
             "[Console]::Out.Write('<<SSOCHECK-' + 'PORTTEST>>' + $ptOut[$ptOut.Count - 1] + '<<SSOCHECK-' + "
             "'PORTTEST-END>>')")
    assert not PARSER.parse(child.encode("ascii")).root_node.has_error
    assert "<<SSOCHECK-PORTTEST>>" not in child  # an echo of the code can never look like an answer


def test_snippet_follows_the_safety_rules() -> None:
    script = PortCreateTest.script
    assert "ZZ_SSOCHK_" in script and PREFIX == "ZZ_SSOCHK_"
    # Inventory values only as data: Get-SsoParam for each declared parameter, the child input via the environment.
    for name in PortCreateTest.params:
        assert f"Get-SsoParam '{name}'" in script
    assert "SqlConnectionStringBuilder" in script and "$env:SSOCHECK_PORTTEST" in script
    assert "SysWOW64\\WindowsPowerShell\\v1.0\\powershell.exe" in script
    # Removal in a finally block, DiscardChanges on failure, never enlisted or started.
    assert re.search(r"\} finally \{\s+if \(\$connected\)", script)
    assert "DiscardChanges()" in script
    assert "$rl.Enable = $false" in script
    assert not re.search(r"\.Status\s*=|Enlist|\.Start\(", script)
    # PowerShell 2.0: none of the later-version constructs.
    for banned in ("ConvertTo-Json", "ConvertFrom-Json", "[ordered]", "[pscustomobject]", "Get-CimInstance",
                   " -in ", " -notin ", ".Where(", ".ForEach(", "::new(", "Invoke-Expression", "Start-Process"):
        assert banned not in script, banned
    # The probe indents snippets: a here-string terminator would stop being one.
    assert "@'" not in script and '@"' not in script
