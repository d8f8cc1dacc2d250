"""The farm judges the PowerShell it receives: a script that does not parse gets PowerShell's parse-error answer.

Real probes are built by the real probe builder; the handler is called directly with what ssocheck's transport
sends (bootstrap on the command line, probe on stdin) and with what pywinrm's ``run_ps`` sends.
"""

from __future__ import annotations

import base64
import re

import pytest

from ssocheck.facts import probe
from ssocheck.facts.services import Services
from ssocheck.lab.powershell import PowerShellHost
from ssocheck.lab.shells import CommandResult
from ssocheck.lab.state import load_scenario

PARAMS = {"cluster_network_name": "BIZTALKCLUSTER", "sso_service_account": "CORP\\svc_sso"}


@pytest.fixture(scope="module")
def host() -> PowerShellHost:
    return PowerShellHost(load_scenario("healthy-post"))


def transport_call(host: PowerShellHost, node: str, script: str) -> CommandResult:
    arguments = " ".join([*probe.POWERSHELL_ARGS, probe.encoded_command(probe.BOOTSTRAP)])
    return host(node, probe.POWERSHELL, arguments, script.encode("ascii"))


def stderr_text(stderr: bytes) -> str:
    assert stderr.startswith(b"#< CLIXML\r\n")
    parts = re.findall(rb'<S S="Error">(.*?)</S>', stderr)
    return "".join(p.decode("cp437").replace("_x000D__x000A_", "\n") for p in parts)


def test_a_good_probe_is_answered(host: PowerShellHost) -> None:
    result = transport_call(host, "BTSNODE1", probe.build_probe([Services], PARAMS))
    assert result.exit_code == 0 and probe.BEGIN.encode() in result.stdout


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda s: s.replace("catch {", "catch {{", 1), id="unbalanced-brace"),
        pytest.param(lambda s: s.replace("$value = $null", "$value = (", 1), id="unclosed-paren"),
        pytest.param(lambda s: s + "\n$x = @'\nnever closed\n", id="unterminated-here-string"),
    ],
)
def test_a_probe_that_does_not_parse_gets_no_answer(host: PowerShellHost, breakage: object) -> None:
    script = breakage(probe.build_probe([Services], PARAMS))  # type: ignore[operator]
    result = transport_call(host, "BTSNODE1", script)
    # PowerShell parses the whole script first: nothing runs, nothing on stdout, exit 1, a ParseException record.
    assert (result.stdout, result.exit_code) == (b"", 1)
    text = stderr_text(result.stderr)
    assert re.search(r"^At line:\d+ char:\d+$", text, re.M), text
    assert "ParserError: (:) [], ParentContainsErrorRecordException" in text
    assert "FullyQualifiedErrorId : ParseException" in text


def test_run_ps_one_liner_that_does_not_parse(host: PowerShellHost) -> None:
    script = "if ($x { hostname }"
    command = "powershell -encodedcommand " + base64.b64encode(script.encode("utf-16-le")).decode()
    result = host("BTSNODE1", command, "", b"")
    assert (result.stdout, result.exit_code) == (b"", 1)
    assert "At line:1 char:" in stderr_text(result.stderr)


@pytest.mark.parametrize("script", ["   ", "# only a comment", "# a\r\n# b\r\n"])
def test_empty_and_comment_only_scripts_run(host: PowerShellHost, script: str) -> None:
    command = "powershell -encodedcommand " + base64.b64encode(script.encode("utf-16-le")).decode()
    assert host("BTSNODE1", command, "", b"") == CommandResult(b"", b"", 0)


def run_ps(host: PowerShellHost, node: str, script: str) -> CommandResult:
    return host(node, "powershell -encodedcommand " + base64.b64encode(script.encode("utf-16-le")).decode(), "", b"")


def test_healthy_post_has_a_powershell_2_node(host: PowerShellHost) -> None:
    assert run_ps(host, "BTSNODE2", "$PSVersionTable.PSVersion.ToString()").stdout == b"2.0\r\n"
    answer = transport_call(host, "BTSNODE2", probe.build_probe([Services], PARAMS))
    assert answer.exit_code == 0 and b'"ps_version":"2.0"' in answer.stdout


def test_powershell_2_refuses_powershell_3_language_as_a_parse_error(host: PowerShellHost) -> None:
    script = "$h = [ordered]@{ a = 1 }\nhostname"
    result = run_ps(host, "BTSNODE2", script)
    assert (result.stdout, result.exit_code) == (b"", 1)
    text = stderr_text(result.stderr)
    assert "At line:1 char:1" in text and "FullyQualifiedErrorId : UnexpectedToken" in text
    assert "[ordered] is PowerShell 3.0" in text
    # The same script on PowerShell 5.1 parses (and is then merely not emulated by the lab).
    assert "UnexpectedToken" not in stderr_text(run_ps(host, "BTSNODE1", script).stderr)


def test_powershell_2_lacks_powershell_3_cmdlets_and_net_4_members(host: PowerShellHost) -> None:
    text = stderr_text(run_ps(host, "BTSNODE2", "$s = Get-CimInstance Win32_Service").stderr)
    assert text.startswith("The term 'Get-CimInstance' is not recognized as the name of a cmdlet")
    text = stderr_text(run_ps(host, "BTSNODE2", "$b = [string]::IsNullOrWhiteSpace($x)").stderr)
    assert text.startswith("Method invocation failed because [System.String] doesn't contain a method named "
                           "'IsNullOrWhiteSpace'.")


def test_a_powershell_3_cmdlet_in_a_fact_block_fails_only_that_fact_on_powershell_2(host: PowerShellHost) -> None:
    from ssocheck.facts.msdtc import MsdtcCids

    class Broken(Services):
        script = Services.script + "\n$null = ConvertTo-Json 1\n"

    script = probe.build_probe([Broken, MsdtcCids], PARAMS)
    answer = probe.parse_answer(transport_call(host, "BTSNODE2", script).stdout.decode("cp437"))
    assert answer.fact_errors == {"services": answer.fact_errors["services"]}
    assert answer.fact_errors["services"].startswith("The term 'ConvertTo-Json' is not recognized")
    assert "msdtc_cids" in answer.facts
    assert "services" in probe.parse_answer(transport_call(host, "BTSNODE1", script).stdout.decode("cp437")).facts


def test_cmd_exe_behaviours(host: PowerShellHost) -> None:
    # The Ruby WinRM gem quotes the whole command; cmd.exe strips the quotes (review clients.md D5).
    assert host("BTSNODE1", '"hostname"', "", b"").stdout == b"BTSNODE1\r\n"
    assert host("BTSNODE1", "cmd.exe /c echo hi", "", b"").stdout == b"hi\r\n"
    ps = "powershell -encodedcommand " + base64.b64encode("hostname".encode("utf-16-le")).decode()
    assert host("BTSNODE1", f'"{ps}"', "", b"").stdout == b"BTSNODE1\r\n"
    assert host("BTSNODE1", f'cmd /c "{ps}"', "", b"").stdout == b"BTSNODE1\r\n"
    # An unknown command: cmd's message and ERRORLEVEL 9009.
    unknown = host("BTSNODE1", "nosuchcmd", "/x", b"")
    assert unknown.exit_code == 9009 and unknown.stderr.startswith(b"'nosuchcmd' is not recognized as an internal")


def test_powershell_dash_reads_the_script_from_stdin(host: PowerShellHost) -> None:
    result = host("BTSNODE1", "powershell.exe", "-NoProfile -", b"hostname\r\n")
    assert (result.stdout, result.exit_code) == (b"BTSNODE1\r\n", 0)


def test_a_command_line_over_8191_characters_is_too_long(host: PowerShellHost) -> None:
    script = "Write-Output 'x'\n" + "#" * 8000
    command = "powershell -encodedcommand " + base64.b64encode(script.encode("utf-16-le")).decode()
    assert len(command) > 8191
    result = host("BTSNODE1", command, "", b"")
    assert (result.stdout, result.stderr, result.exit_code) == (b"", b"The command line is too long.\r\n", 1)
    # ssocheck's own command (the bootstrap; the probe goes on stdin) is far below the limit.
    arguments = " ".join([*probe.POWERSHELL_ARGS, probe.encoded_command(probe.BOOTSTRAP)])
    assert len(f"{probe.POWERSHELL} {arguments}") < 1000


def test_missing_assemblies_fail_the_block_that_needs_them_as_powershell_does() -> None:
    from ssocheck.lab.assemblies import failure
    from ssocheck.lab.state import NodeState
    from ssocheck.psparse import calls

    ps2 = NodeState("N", ["biztalk"], extra={"assemblies": {"System.Web.Extensions": False}})
    load = "[void][System.Reflection.Assembly]::LoadWithPartialName('System.Web.Extensions')\n"
    # LoadWithPartialName alone returns $null and raises nothing; the first use of a type does.
    assert failure(ps2, calls(load), ps2=True) is None
    use = load + "$s = New-Object System.Web.Script.Serialization.JavaScriptSerializer\n"
    assert failure(ps2, calls(use), ps2=False) == (
        "Cannot find type [System.Web.Script.Serialization.JavaScriptSerializer]: verify that the assembly "
        "containing this type is loaded.")
    assert failure(ps2, calls("Add-Type -AssemblyName System.Web.Extensions\n"), ps2=True) == (
        "Cannot add type. The assembly 'System.Web.Extensions' could not be found.")
    assert failure(ps2, calls("$x = [System.Web.Script.Serialization.JavaScriptSerializer]::MaxJsonLength\n"),
                   ps2=True) == ("Unable to find type [System.Web.Script.Serialization.JavaScriptSerializer]: make "
                                 "sure that the assembly containing this type is loaded.")
    # A node that has the assembly (the default) runs all of it.
    assert failure(NodeState("N", ["biztalk"]), calls(use), ps2=True) is None
