"""A second, independent WinRM client drives the farm: pypsrp (its own WS-Man, NTLM and message encryption code).

So the farm is a WinRM server, not a partner of pywinrm alone: authentication (and refusal of a wrong password),
commands through cmd.exe, stdin, the ssocheck probe exactly as ssocheck sends it, and faults.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("pypsrp", reason="pypsrp is in the dev extra (pip install -e '.[dev]')")

from pypsrp.exceptions import AuthenticationError, WSManFaultError
from pypsrp.shell import Process, WinRS
from pypsrp.wsman import WSMan

from ssocheck.facts import probe
from ssocheck.facts.services import Services
from ssocheck.lab.farm import LabFarm


@pytest.fixture(scope="module")
def farm() -> Iterator[LabFarm]:
    with LabFarm("healthy-post", username="LAB\\pypsrp") as lab:
        yield lab


def wsman(farm: LabFarm, node: str, password: str | None = None) -> WSMan:
    return WSMan("127.0.0.1", port=farm.port(node), ssl=False, auth="ntlm", encryption="always",
                 username=farm.username, password=password or farm.password, operation_timeout=5)


def run(farm: LabFarm, node: str, executable: str, arguments: list[str] | None = None,
        stdin: bytes | None = None) -> Process:
    with wsman(farm, node) as connection, WinRS(connection) as shell:
        process = Process(shell, executable, arguments or [])
        if stdin is None:
            process.invoke()
        else:
            process.begin_invoke()
            process.send(stdin, end=True)
            process.end_invoke()
        return process


def test_commands_through_cmd(farm: LabFarm) -> None:
    process = run(farm, "BTSNODE1", "hostname")
    assert (process.stdout, process.rc) == (b"BTSNODE1\r\n", 0)
    process = run(farm, "BTSNODE1", "cmd.exe", ["/c", "echo", "hi"])
    assert (process.stdout, process.rc) == (b"hi\r\n", 0)
    process = run(farm, "BTSNODE1", "nosuchcmd")
    assert process.rc == 9009 and process.stderr.startswith(b"'nosuchcmd' is not recognized")


def test_script_on_stdin(farm: LabFarm) -> None:
    process = run(farm, "NODE1", "powershell.exe", ["-"], stdin=b"hostname\r\n")
    assert (process.stdout, process.rc) == (b"NODE1\r\n", 0)


def test_the_ssocheck_probe_as_ssocheck_sends_it(farm: LabFarm) -> None:
    script = probe.build_probe([Services], {})
    arguments = [*probe.POWERSHELL_ARGS, probe.encoded_command(probe.BOOTSTRAP)]
    process = run(farm, "NODE2", probe.POWERSHELL, arguments, stdin=script.encode("ascii"))
    answer = probe.parse_answer(process.stdout.decode("ascii"), ["services"])
    assert process.rc == 0 and answer.computer == "NODE2"
    assert Services.parse(answer.facts["services"])["ENTSSO"].account == "CORP\\svc_sso"


def test_wrong_password_is_refused(farm: LabFarm) -> None:
    with pytest.raises(AuthenticationError), wsman(farm, "NODE1", password="wrong") as connection:
        WinRS(connection).open()


def test_unknown_shell_is_the_windows_fault(farm: LabFarm) -> None:
    with wsman(farm, "NODE1") as connection:
        shell = WinRS(connection)
        shell.open()
        shell.close()
        with pytest.raises(WSManFaultError) as caught:
            Process(shell, "hostname").invoke()
    assert caught.value.code == 2150858843
