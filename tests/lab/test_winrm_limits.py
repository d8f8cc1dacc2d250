"""WinRM's own refusals, over the wire with pywinrm: access denied for a non-administrator, MaxShellsPerUser,
MaxEnvelopeSizekb per Windows version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import winrm
from winrm.exceptions import WinRMError, WinRMTransportError

from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import load_scenario


@pytest.fixture(scope="module")
def farm() -> Iterator[LabFarm]:
    state = load_scenario("winrm-account-not-local-admin")
    with LabFarm(state, username="LAB\\limits") as lab:
        yield lab


def protocol(farm: LabFarm, node: str) -> winrm.protocol.Protocol:
    return winrm.protocol.Protocol(farm.url(node), transport="ntlm", username=farm.username,
                                   password=farm.password, message_encryption="auto")


def test_a_non_administrator_gets_access_denied_at_shell_creation(farm: LabFarm) -> None:
    with pytest.raises(WinRMError, match="Access is denied") as caught:
        protocol(farm, "BTSNODE2").open_shell()
    assert getattr(caught.value, "code", 500) == 500
    # An administrator elsewhere is fine.
    shell = protocol(farm, "BTSNODE1").open_shell()
    protocol(farm, "BTSNODE1").close_shell(shell)


def test_max_shells_per_user_by_windows_version(farm: LabFarm) -> None:
    farm.apply_overlay({"nodes": {"NODE1": {"os_version": "6.1.7601"}}})  # Server 2008 R2: 5 shells per user
    proto = protocol(farm, "NODE1")
    shells = [proto.open_shell() for _ in range(5)]
    with pytest.raises(WinRMError, match="maximum number of 5 concurrent shells"):
        proto.open_shell()
    proto.close_shell(shells.pop())
    shells.append(proto.open_shell())  # a closed shell frees its slot
    for shell in shells:
        proto.close_shell(shell)


@pytest.mark.parametrize(("node", "os_version", "limit_kb"), [("NODE2", "6.1.7601", 150), ("BTSNODE1", None, 500)])
def test_max_envelope_size_per_windows_version(farm: LabFarm, node: str, os_version: str | None,
                                               limit_kb: int) -> None:
    if os_version:
        farm.apply_overlay({"nodes": {node: {"os_version": os_version}}})
    proto = protocol(farm, node)
    shell = proto.open_shell()
    command = proto.run_command(shell, "powershell.exe", ["-"])
    # Under the limit (base64 of the raw bytes plus the envelope): accepted.
    proto.send_command_input(shell, command, b"x" * (limit_kb * 1024 * 3 // 4 - 4096))
    with pytest.raises(WinRMTransportError) as caught:
        proto.send_command_input(shell, command, b"x" * (limit_kb * 1024 * 3 // 4 + 1024), end=True)
    assert caught.value.code == 413
    proto.close_shell(shell)


def test_a_command_reading_stdin_waits_for_it_even_when_receive_comes_first(farm: LabFarm) -> None:
    """Go's masterzen/winrm polls Receive before it sends stdin; Windows' process blocks on stdin (D4)."""
    import threading

    from ssocheck.facts import probe
    from ssocheck.facts.services import Services

    proto = protocol(farm, "NODE2")
    shell = proto.open_shell()
    command = proto.run_command(shell, probe.POWERSHELL, [*probe.POWERSHELL_ARGS,
                                                          probe.encoded_command(probe.BOOTSTRAP)])
    result: dict[str, object] = {}
    receiver = threading.Thread(target=lambda: result.update(out=proto.get_command_output(shell, command)))
    receiver.start()  # Receive first: the lab answers w:TimedOut and pywinrm re-polls until stdin has ended
    receiver.join(timeout=1.0)
    assert receiver.is_alive(), "the command ran before its stdin arrived"
    proto2 = protocol(farm, "NODE2")  # a second connection, as the Go client's concurrent Send
    proto2.send_command_input(shell, command, probe.build_probe([Services], {}).encode("ascii"), end=True)
    receiver.join(timeout=15)
    out = result["out"]
    assert isinstance(out, tuple)
    stdout, code = bytes(out[0]), int(out[2])
    assert code == 0 and probe.parse_answer(stdout.decode("ascii"), ["services"]).facts["services"]
    proto.close_shell(shell)


def test_dot_user_is_each_nodes_local_account_and_uac_remote_restrictions_apply() -> None:
    # .\limits2 is a local account of the node it reaches: NODE1\limits2 there. Without LocalAccountTokenFilterPolicy
    # a local administrator's network logon is filtered: Access is denied at shell creation.
    with LabFarm(load_scenario("inventory-local-account"), username="LAB\\limits2") as lab:
        proto = winrm.protocol.Protocol(lab.url("NODE1"), transport="ntlm", username=".\\limits2",
                                        password=lab.password, message_encryption="auto")
        shell = proto.open_shell()
        command = proto.run_command(shell, "hostname")
        assert proto.get_command_output(shell, command)[2] == 0
        proto.close_shell(shell)
        assert lab.identities("NODE1")[-1].principal == "NODE1\\limits2"
        assert lab.identities("NODE1")[-1].local_account
        denied = winrm.protocol.Protocol(lab.url("BTSNODE2"), transport="ntlm", username=".\\limits2",
                                         password=lab.password, message_encryption="auto")
        with pytest.raises(WinRMError, match="Access is denied"):
            denied.open_shell()
        # The same node admits the domain account: only the local account is filtered.
        domain = winrm.protocol.Protocol(lab.url("BTSNODE2"), transport="ntlm", username="LAB\\limits2",
                                         password=lab.password, message_encryption="auto")
        domain.close_shell(domain.open_shell())
