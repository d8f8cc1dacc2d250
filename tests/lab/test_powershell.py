"""The lab's PowerShell host, called directly as the endpoint's CommandHandler (no network here).

The probe scripts are built by the real probe builder from the real Fact classes, and the answers are read back
with the real parser: this pins the lab to the wire contract from both sides. (Tests may import ssocheck.facts;
the lab itself may not.)
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import pytest

from ssocheck.facts import probe
from ssocheck.facts.cluster import Cluster
from ssocheck.facts.msdtc import MsdtcCids
from ssocheck.facts.services import Services
from ssocheck.lab import powershell
from ssocheck.lab.emulation import EmulationError
from ssocheck.lab.emulation.cluster import NOT_A_CLUSTER_NODE, SERVICE_DOWN
from ssocheck.lab.powershell import PowerShellHost, decode_command_line
from ssocheck.lab.shells import CommandResult
from ssocheck.lab.state import FarmState, NodeState, build_farm, deep_merge, load_scenario

FIXED_NOW = datetime(2026, 11, 20, 22, 0, 0, tzinfo=timezone.utc)
PARAMS = {"cluster_network_name": "BIZTALKCLUSTER", "sso_service_account": "CORP\\svc_sso"}


def enc(script: str) -> str:
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def transport_call(host: PowerShellHost, node: str, script: str) -> CommandResult:
    """Exactly what ssocheck's transport sends: the bootstrap on the command line, the probe on stdin."""
    arguments = " ".join([*probe.POWERSHELL_ARGS, probe.encoded_command(probe.BOOTSTRAP)])
    return host(node, probe.POWERSHELL, arguments, script.encode("ascii"))


def run_ps(host: PowerShellHost, node: str, script: str) -> CommandResult:
    """Exactly what pywinrm's Session.run_ps sends."""
    return host(node, f"powershell -encodedcommand {enc(script)}", "", b"")


def clixml_message(stderr: bytes) -> str:
    """The text pywinrm's run_ps would extract from a CLIXML error stream."""
    assert stderr.startswith(b"#< CLIXML\r\n")
    parts = re.findall(rb'<S S="Error">(.*?)</S>', stderr)
    return "".join(p.decode("cp437").replace("_x000D__x000A_", "\n") for p in parts)


@pytest.fixture(scope="module")
def farm() -> FarmState:
    # The _farm fragment alone: what these tests assert is this fragment's content, which other fragments of
    # healthy-post may legitimately extend (more resources, dependencies, registry keys).
    return load_scenario("_farm")


@pytest.fixture
def host(farm: FarmState) -> PowerShellHost:
    return PowerShellHost(farm, clock=lambda: FIXED_NOW)


def with_overlay(farm: FarmState, overlay: Mapping[str, Any]) -> FarmState:
    return build_farm(deep_merge(farm.document, overlay), farm.name)


def test_wire_constants_match_the_probe() -> None:
    # The lab duplicates them on purpose (it must not share code with the client); they must stay equal.
    for name in ("PROBE_VERSION", "BEGIN", "END", "FACT_MARKER", "PARAMS_START", "PARAMS_END", "BOOTSTRAP",
                 "DOCTOR_SCRIPT"):
        assert getattr(powershell, name) == getattr(probe, name), name


def test_probe_is_answered_from_state_and_parses(host: PowerShellHost) -> None:
    script = probe.build_probe([Cluster, MsdtcCids, Services], PARAMS)
    result = transport_call(host, "NODE1", script)
    assert (result.exit_code, result.stderr) == (0, b"")
    stdout = result.stdout.decode("ascii")
    assert stdout.startswith(probe.BEGIN) and stdout.endswith(probe.END)
    answer = probe.parse_answer(stdout, ["cluster", "msdtc_cids", "services"])
    assert (answer.computer, answer.ps_version) == ("NODE1", "5.1.14393.0")
    assert answer.clock_utc == "2026-11-20T22:00:00.000Z"
    assert answer.fact_errors == {}
    cids = MsdtcCids.parse(answer.facts["msdtc_cids"])
    assert sorted(c.description for c in cids) == ["MSDTC", "MSDTCTIPGW", "MSDTCUIS", "MSDTCXATM"]
    assert {c.cid for c in cids} == {"1887b7af-685e-48d2-a593-fb82cfe1c9c2", "2f278a75-123f-41e1-b5de-36e3cbf6f194",
                                     "93948c02-1cb0-4a17-afb8-c1e83df1d668", "b2bb6043-9dfc-4ed7-8447-3e12409def54"}
    services = Services.parse(answer.facts["services"])
    assert set(services) == {"ENTSSO", "MSDTC"}  # ClusSvc is in the state but not asked for
    assert (services["ENTSSO"].account, services["ENTSSO"].state, services["ENTSSO"].start_mode) == (
        "CORP\\svc_sso", "Running", "Manual")
    cluster = Cluster.parse(answer.facts["cluster"])
    assert cluster.name == "SSOCLU"
    [entsso] = cluster.entsso_resources()
    assert (entsso.group, entsso.owner_node, entsso.private_str("UseNetworkName")) == ("SSO", "NODE1", "1")
    assert entsso.dependency_expression == "[BIZTALKCLUSTER] and [Cluster Disk 1]"
    assert entsso.possible_owners == ("NODE1", "NODE2")
    network_name = cluster.network_name_resource("biztalkcluster.corp.example.com")
    assert network_name is not None and network_name.group == "SSO"
    dtc = cluster.resources_of_type("Distributed Transaction Coordinator")
    assert [(r.name, r.state, r.dependency_expression) for r in dtc] == [
        ("MSDTC-SSOCLU", "Online", "[BIZTALKCLUSTER] and [Cluster Disk 1]")]
    # Resources run where their group runs: the cluster core group is owned by the other node.
    assert {r.name: r.owner_node for r in cluster.resources}["Cluster Name"] == "NODE2"


def test_probe_json_is_ascii_like_the_real_writer(farm: FarmState) -> None:
    odd = with_overlay(farm, {"nodes": {"BTSNODE1": {"services": {"ENTSSO": {"account": "CORP\\svc_ssö✓"}}}}})
    result = transport_call(PowerShellHost(odd), "BTSNODE1", probe.build_probe([Services], {}))
    assert result.stdout.isascii()
    assert b"\\u00f6\\u2713" in result.stdout
    answer = probe.parse_answer(result.stdout.decode("ascii"))
    assert Services.parse(answer.facts["services"])["ENTSSO"].account == "CORP\\svc_ssö✓"


def test_clock_offset_and_missing_service(farm: FarmState) -> None:
    drifted = with_overlay(farm, {"nodes": {"BTSNODE2": {"clock_offset_s": -125, "services": {"ENTSSO": None}}}})
    host = PowerShellHost(drifted, clock=lambda: FIXED_NOW)
    answer = probe.parse_answer(transport_call(host, "BTSNODE2", probe.build_probe([Services], {})).stdout.decode())
    assert answer.clock_utc == "2026-11-20T21:57:55.000Z"  # milliseconds, as the probe writes them
    assert [s["name"] for s in answer.facts["services"]] == ["MSDTC"]  # not installed = absent, not an error


def test_fact_errors_are_reported_per_fact(host: PowerShellHost, farm: FarmState) -> None:
    class Unknown(MsdtcCids):
        name = "no_such_fact"

    script = probe.build_probe([Cluster, Unknown, Services], {})
    # A BizTalk node has no FailoverClusters module: the snippet's Import-Module throws.
    answer = probe.parse_answer(transport_call(host, "BTSNODE1", script).stdout.decode())
    assert answer.fact_errors["cluster"] == NOT_A_CLUSTER_NODE
    assert re.match(r"The term 'no_such_fact' is not recognized as the name of a cmdlet", answer.fact_errors[
        "no_such_fact"])
    assert "services" in answer.facts, "one failing fact does not take the others down"

    stopped = with_overlay(farm, {"nodes": {"NODE2": {"services": {"ClusSvc": {"state": "Stopped"}}}}})
    answer = probe.parse_answer(transport_call(PowerShellHost(stopped), "NODE2", script).stdout.decode())
    assert answer.fact_errors["cluster"] == SERVICE_DOWN
    down = with_overlay(farm, {"clusters": {"SSOCLU": {"nodes": {"NODE1": "Down"}}}})
    answer = probe.parse_answer(transport_call(PowerShellHost(down), "NODE1", script).stdout.decode())
    assert answer.fact_errors["cluster"] == SERVICE_DOWN
    answer = probe.parse_answer(transport_call(PowerShellHost(down), "NODE2", script).stdout.decode())
    assert {n.name: n.state for n in Cluster.parse(answer.facts["cluster"]).nodes} == {"NODE1": "Down", "NODE2": "Up"}


def test_emulators_get_params_as_data_and_failures_stay_per_fact(farm: FarmState) -> None:
    seen: list[Any] = []

    def needs_param(f: FarmState, n: NodeState, params: Mapping[str, Any]) -> Any:
        seen.append(dict(params))
        return params["cluster_network_name"]

    def needs_missing(f: FarmState, n: NodeState, params: Mapping[str, Any]) -> Any:
        return params["not_sent"]

    def raises(f: FarmState, n: NodeState, params: Mapping[str, Any]) -> Any:
        raise EmulationError("Access is denied")

    def buggy(f: FarmState, n: NodeState, params: Mapping[str, Any]) -> Any:
        return object()  # nothing the JSON writer could have produced

    emulators = {"a_param": needs_param, "b_missing": needs_missing, "c_raises": raises, "d_buggy": buggy}
    host = PowerShellHost(farm, emulators=emulators)
    facts = []
    for name in emulators:
        facts.append(type(name, (MsdtcCids,), {"name": name}))
    hostile = {"cluster_network_name": "x'@\n$(Remove-Item C:\\)", "n": 1}
    answer = probe.parse_answer(transport_call(host, "NODE1", probe.build_probe(facts, hostile)).stdout.decode())
    assert seen == [hostile]
    assert answer.facts == {"a_param": "x'@\n$(Remove-Item C:\\)"}
    assert answer.fact_errors["b_missing"] == "parameter missing: not_sent"
    assert answer.fact_errors["c_raises"] == "Access is denied"
    assert answer.fact_errors["d_buggy"].startswith("ssocheck lab: emulator for d_buggy crashed: TypeError")


def test_undecodable_params_fail_the_facts_that_read_them(farm: FarmState) -> None:
    def reads(f: FarmState, n: NodeState, params: Mapping[str, Any]) -> Any:
        return params["cluster_network_name"]

    def ignores(f: FarmState, n: NodeState, params: Mapping[str, Any]) -> Any:
        return 42

    host = PowerShellHost(farm, emulators={"reads": reads, "ignores": ignores})
    facts = [type(name, (MsdtcCids,), {"name": name}) for name in ("reads", "ignores")]
    script = probe.build_probe(facts, PARAMS)
    broken = script.replace(probe.params_text(PARAMS), "cluster_network_name:s:not*base64", 1)
    assert broken != script
    answer = probe.parse_answer(transport_call(host, "NODE1", broken).stdout.decode())
    assert answer.facts == {"ignores": 42}
    assert answer.fact_errors["reads"].startswith("cannot decode parameters")


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("powershell -encodedcommand {b64}", ""),
        ("powershell.exe", "-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {b64}"),
        ("PowerShell.EXE -noprofile -enc {b64}", ""),
        ("powershell", "-NoLogo -e {b64}"),
        ("powershell", "-ec {b64}"),
        ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe /EncodedCommand {b64}", ""),
        ("powershell", "-ExecutionPolicy RemoteSigned -EncodedC {b64}"),
    ],
)
def test_encoded_command_forms(host: PowerShellHost, command: str, arguments: str) -> None:
    b64 = enc("$env:COMPUTERNAME")
    result = host("NODE2", command.format(b64=b64), arguments.format(b64=b64), b"")
    assert (result.stdout, result.exit_code) == (b"NODE2\r\n", 0)


def test_command_line_errors() -> None:
    assert decode_command_line("powershell -Command hostname", "") == ("hostname", None)
    assert decode_command_line("powershell hostname", "") == ("hostname", None)
    assert decode_command_line("ipconfig", "/all") == (None, None)
    assert decode_command_line("powershell -enc", "")[1] == (
        "Cannot process the command because -EncodedCommand requires an argument.")
    problem = decode_command_line("powershell -enc not*base64", "")[1]
    assert problem is not None and "must be Base64 encoded" in problem
    problem = decode_command_line("powershell -Bogus x", "")[1]
    assert problem == "Unrecognized parameter: -Bogus"


@pytest.mark.parametrize(
    ("script", "stdout"),
    [
        ("$PSVersionTable.PSVersion.ToString()", "5.1.14393.0\r\n"),
        ("hostname", "BTSNODE1\r\n"),
        ("$env:COMPUTERNAME;", "BTSNODE1\r\n"),
        ("Write-Output 'it''s fine'", "it's fine\r\n"),
        ('echo hello "big world"', "hello\r\nbig world\r\n"),
        ("  ", ""),
    ],
)
def test_trivial_commands(host: PowerShellHost, script: str, stdout: str) -> None:
    result = run_ps(host, "BTSNODE1", script)
    assert (result.stdout.decode("cp437"), result.stderr, result.exit_code) == (stdout, b"", 0)


def test_version_table(host: PowerShellHost) -> None:
    lines = run_ps(host, "NODE1", "$PSVersionTable.PSVersion").stdout.decode().split("\r\n")
    assert [line.split() for line in lines if line.strip()] == [
        ["Major", "Minor", "Build", "Revision"], ["-----", "-----", "-----", "--------"], ["5", "1", "14393", "0"]]


def test_doctor_script(host: PowerShellHost, farm: FarmState) -> None:
    renamed = with_overlay(farm, {"nodes": {"NODE1": {"computer_name": "node7", "ps_version": "2.0"}}})
    result = run_ps(PowerShellHost(renamed), "NODE1", probe.DOCTOR_SCRIPT)
    assert result.exit_code == 0
    text = result.stdout.decode()
    assert text.startswith(probe.BEGIN) and text.endswith(probe.END)
    assert json.loads(text[len(probe.BEGIN) : -len(probe.END)]) == {
        "ps_version": "2.0", "computer": "NODE7", "user": "", "language_mode": "FullLanguage"}
    restricted = with_overlay(farm, {"nodes": {"NODE1": {"language_mode": "ConstrainedLanguage"}}})
    text = run_ps(PowerShellHost(restricted), "NODE1", probe.DOCTOR_SCRIPT).stdout.decode()
    assert json.loads(text[len(probe.BEGIN) : -len(probe.END)])["language_mode"] == "ConstrainedLanguage"


@pytest.mark.parametrize(
    ("script", "first_line"),
    [
        ("Get-Service ENTSSO", "The term 'Get-Service' is not recognized as the name of a cmdlet, function, script "
                               "file, or operable program. Check the spelling of the name, or if a path was "
                               "included, verify that the path is correct and try again."),
        ("Write-Output \"$env:USERNAME\"", "ssocheck lab: this PowerShell is not emulated: Write-Output"),
        ("$x = 1; $x", "ssocheck lab: this PowerShell is not emulated: $x = 1; $x"),
    ],
)
def test_anything_else_is_a_powershell_error(host: PowerShellHost, script: str, first_line: str) -> None:
    result = run_ps(host, "NODE1", script)
    assert (result.stdout, result.exit_code) == (b"", 1)
    message = clixml_message(result.stderr)
    assert message.startswith(first_line)
    assert "ssocheck lab: only the ssocheck probe and a few trivial commands are emulated" in message


def test_bootstrap_with_something_else_on_stdin_is_not_a_probe(host: PowerShellHost) -> None:
    result = transport_call(host, "NODE1", "Remove-Item C:\\Windows -Recurse")
    assert result.exit_code == 1
    assert clixml_message(result.stderr).startswith("The term 'Remove-Item' is not recognized")
    dash = host("NODE1", "powershell -NoProfile -Command -", "", b"hostname\r\n")
    assert (dash.stdout, dash.exit_code) == (b"NODE1\r\n", 0)
    empty = transport_call(host, "NODE1", "")
    assert (empty.stdout, empty.stderr, empty.exit_code) == (b"", b"", 0)  # nothing to run, nothing printed


def test_cmd_shell_commands(host: PowerShellHost) -> None:
    assert host("NODE1", "hostname", "", b"").stdout == b"NODE1\r\n"
    assert host("NODE1", "echo", "hi there", b"").stdout == b"hi there\r\n"
    result = host("NODE1", "ipconfig", "/all", b"")
    assert result.exit_code == 9009  # cmd.exe: MSG_DIR_BAD_COMMAND_OR_FILE
    assert result.stderr.startswith(b"'ipconfig' is not recognized as an internal or external command")


def test_unknown_or_down_node_is_refused(farm: FarmState) -> None:
    host = PowerShellHost(with_overlay(farm, {"nodes": {"NODE2": {"up": False}}}))
    for node in ("NODE2", "NODE9"):
        result = run_ps(host, node, "hostname")
        assert result.exit_code == 1 and result.stdout == b""


def test_commands_are_counted_per_node_across_threads(host: PowerShellHost) -> None:
    def work() -> None:
        for _ in range(25):
            run_ps(host, "NODE1", "hostname")
            host("btsnode2", "nonsense", "", b"")  # failures count too: they are remote commands

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (host.commands("NODE1"), host.commands("BTSNODE2"), host.commands("NODE2")) == (200, 200, 0)
    host.reset_counters()
    assert host.commands("NODE1") == 0


def test_state_can_be_swapped_while_serving(host: PowerShellHost, farm: FarmState) -> None:
    script = probe.build_probe([Services], {})
    before = probe.parse_answer(transport_call(host, "NODE2", script).stdout.decode()).facts["services"]
    host.state = with_overlay(farm, {"nodes": {"NODE2": {"services": {"ENTSSO": {"state": "Running"}}}}})
    after = probe.parse_answer(transport_call(host, "NODE2", script).stdout.decode()).facts["services"]
    assert [(s["state"], s["process_id"]) for s in before if s["name"] == "ENTSSO"] == [("Stopped", 0)]
    [(state, pid)] = [(s["state"], s["process_id"]) for s in after if s["name"] == "ENTSSO"]
    assert state == "Running" and pid > 0 and pid % 4 == 0
