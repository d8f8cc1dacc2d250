"""The lab WinRM endpoint, exercised only through the real pywinrm 0.5 client over loopback."""

from __future__ import annotations

import base64
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import winrm
from winrm.exceptions import InvalidCredentialsError, WinRMError, WSManFaultError
from winrm.protocol import Protocol

from ssocheck.lab import wsman
from ssocheck.lab.certs import LabCertificates, generate_lab_certificates
from ssocheck.lab.endpoint import EndpointConfig, LabEndpoints
from ssocheck.lab.session import SessionIdentity
from ssocheck.lab.shells import CommandResult, clixml_error, encode_console

USER, PASSWORD = "LAB\\tester", "S3cret-pw"
BIG = bytes(range(256)) * 1200  # 300 KiB of output, more than 4 Receive chunks of 64 KiB


def handler(node: str, command: str, arguments: str, stdin: bytes, identity: SessionIdentity) -> CommandResult:
    """A trivial node: behaviour picked by the command text (run_ps scripts are decoded first)."""
    if command == "whoami":
        who = f"{identity.principal}|{identity.mechanism}|{identity.can_delegate}"
        return CommandResult(encode_console(who), b"", 0)
    match = re.match(r"(?i)powershell -encodedcommand (\S+)$", command)
    script = base64.b64decode(match.group(1)).decode("utf-16-le") if match else command
    if script == "echo-stdin":
        return CommandResult(stdin, b"", 0)
    if script == "slow":
        time.sleep(1.5)
        return CommandResult(b"finally\r\n", b"", 0)
    if script == "big":
        return CommandResult(BIG, b"E" * 70000, 7)
    if script == "cafe":
        return CommandResult(encode_console("café ✓"), b"", 0)
    if script == "boom":
        raise RuntimeError("kaboom: the disk is on fire")
    return CommandResult(encode_console(f"{node}|{script}|{arguments}"), b"", 3)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> LabCertificates:
    return generate_lab_certificates(tmp_path_factory.mktemp("certs"))


def _lab(config: EndpointConfig) -> Iterator[LabEndpoints]:
    with LabEndpoints(config, handler) as lab:
        yield lab


@pytest.fixture(scope="module")
def ntlm_lab() -> Iterator[LabEndpoints]:
    yield from _lab(EndpointConfig(users={USER: PASSWORD, "vagrant": "vagrant"}, receive_wait_seconds=0.5))


@pytest.fixture(scope="module")
def mixed_lab() -> Iterator[LabEndpoints]:
    # Basic over HTTP needs AllowUnencrypted=true too on Windows (clients.md D10).
    yield from _lab(EndpointConfig(auth=frozenset({"ntlm", "basic"}), users={USER: PASSWORD}, allow_unencrypted=True))


def test_basic_over_http_needs_allow_unencrypted_too() -> None:
    # Service/Auth/Basic=true alone is not enough over HTTP: with AllowUnencrypted=false Windows answers 401.
    config = EndpointConfig(auth=frozenset({"ntlm", "basic"}), users={"LAB\\d10": "pw-d10"})
    with LabEndpoints(config, handler) as lab:
        lab.add_node("D10")
        url = f"http://127.0.0.1:{lab.port('D10')}/wsman"
        with pytest.raises(InvalidCredentialsError):
            winrm.Session(url, auth=("LAB\\d10", "pw-d10"), transport="basic", ca_trust_path=None).run_cmd("x")


@pytest.fixture(scope="module")
def https_lab(certs: LabCertificates) -> Iterator[LabEndpoints]:
    config = EndpointConfig(
        scheme="https",
        auth=frozenset({"ntlm", "basic"}),
        users={USER: PASSWORD},
        certfile=certs.cert,
        keyfile=certs.key,
    )
    yield from _lab(config)


_names = iter(range(1_000_000))


def node(lab: LabEndpoints) -> tuple[str, str]:
    """A fresh node (so its counters are this test's own) and its endpoint URL."""
    name = f"NODE{next(_names)}"
    port = lab.add_node(name)
    return name, f"{lab.config.scheme}://127.0.0.1:{port}/wsman"


def protocol(url: str, **kwargs: Any) -> Protocol:
    """A pywinrm Protocol for the lab user; HTTP tests need no CA (and get no REQUESTS_CA_BUNDLE warning)."""
    options: dict[str, Any] = {"transport": "ntlm", "username": USER, "password": PASSWORD, "ca_trust_path": None}
    return Protocol(url, **(options | kwargs))


def session(url: str, **kwargs: Any) -> winrm.Session:
    """A pywinrm Session (one shell per run_cmd/run_ps) for the lab user."""
    options: dict[str, Any] = {"transport": "ntlm", "ca_trust_path": None}
    return winrm.Session(url, auth=(USER, PASSWORD), **(options | kwargs))


def test_ntlm_encrypted_shell_command_stdin(ntlm_lab: LabEndpoints) -> None:
    name, url = node(ntlm_lab)
    proto = protocol(url, message_encryption="always")
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, "ipconfig", ["/all", "/x"])
    proto.send_command_input(shell_id, command_id, b"ignored", end=True)
    out, err, code = proto.get_command_output(shell_id, command_id)
    proto.cleanup_command(shell_id, command_id)
    proto.close_shell(shell_id)
    assert (out, err, code) == (f"{name}|ipconfig|/all /x".encode(), b"", 3)
    # Measured: empty POST -> 401, Negotiate type1 -> 401 (challenge), type3 with the empty body -> 200 (the
    # encryption setup), then Create, Command, Send, Receive, Signal, Delete: 9 requests on ONE connection.
    counters = ntlm_lab.counters(name)
    assert (counters.http_requests, counters.connections, counters.shells_created, counters.commands) == (9, 1, 1, 1)


def test_stdin_over_several_sends_and_one_big_send(ntlm_lab: LabEndpoints) -> None:
    _, url = node(ntlm_lab)
    proto = protocol(url, message_encryption="auto")
    shell_id = proto.open_shell()
    payload = bytes(range(251)) * 700  # 175,700 bytes: too big for one envelope, so several Sends
    command_id = proto.run_command(shell_id, "echo-stdin")
    for offset in range(0, len(payload), 50_000):
        proto.send_command_input(
            shell_id, command_id, payload[offset : offset + 50_000], offset + 50_000 >= len(payload)
        )
    assert proto.get_command_output(shell_id, command_id) == (payload, b"", 0)  # output needs 3 Receives
    proto.cleanup_command(shell_id, command_id)

    single = b"x" * 60_000
    command_id = proto.run_command(shell_id, "echo-stdin")
    proto.send_command_input(shell_id, command_id, single, end=True)
    assert proto.get_command_output(shell_id, command_id) == (single, b"", 0)
    proto.cleanup_command(shell_id, command_id)
    proto.close_shell(shell_id)


def test_run_ps_ntlm_encrypted(ntlm_lab: LabEndpoints) -> None:
    name, url = node(ntlm_lab)
    result = session(url).run_ps("Get-Service ENTSSO")
    assert (result.std_out, result.status_code) == (f"{name}|Get-Service ENTSSO|".encode(), 3)
    # run_ps = the 3 handshake requests + Create, Command, Receive, Signal, Delete (no Send).
    assert ntlm_lab.counters(name).http_requests == 8


def test_wrong_password_is_rejected(ntlm_lab: LabEndpoints) -> None:
    _, url = node(ntlm_lab)
    with pytest.raises(InvalidCredentialsError):
        protocol(url, password="wrong").open_shell()


def test_plaintext_after_ntlm_is_refused_on_http(ntlm_lab: LabEndpoints) -> None:
    name, url = node(ntlm_lab)
    with pytest.raises(InvalidCredentialsError):
        protocol(url, message_encryption="never").open_shell()
    # The Create body goes out three times: no auth -> 401, type1 -> 401, type3 + plaintext -> 401.
    assert ntlm_lab.counters(name).http_requests == 3


def test_second_instance_shares_the_user_file(ntlm_lab: LabEndpoints) -> None:
    config = EndpointConfig(allow_unencrypted=True, users={"OTHER\\admin": "pw2"})
    with LabEndpoints(config, handler) as other:
        assert other.user_file == ntlm_lab.user_file
        assert Path(other.user_file).stat().st_mode & 0o777 == 0o600
        _, other_url = node(other)
        sess = winrm.Session(
            other_url, auth=("OTHER\\admin", "pw2"), transport="ntlm", message_encryption="never", ca_trust_path=None
        )
        assert sess.run_cmd("hostname").status_code == 3  # plaintext NTLM allowed here
        _, url = node(ntlm_lab)
        assert session(url).run_cmd("hostname").status_code == 3  # the first instance's users still work
    assert session(url).run_cmd("hostname").status_code == 3  # ...also after the second one closed
    with pytest.raises(ValueError, match="another password"):  # one file: the first matching line would win
        LabEndpoints(EndpointConfig(users={USER: "a different one"}), handler)


def test_bare_user_name_matches_with_any_local_domain(ntlm_lab: LabEndpoints) -> None:
    _, url = node(ntlm_lab)
    for user in ("vagrant", ".\\vagrant", f"{socket.gethostname()}\\vagrant"):
        assert (
            winrm.Session(url, auth=(user, "vagrant"), transport="ntlm", ca_trust_path=None).run_cmd("x").status_code
            == 3
        )


def test_https_ntlm_with_ca_validation_and_cbt(https_lab: LabEndpoints, certs: LabCertificates) -> None:
    name, url = node(https_lab)
    result = session(url, server_cert_validation="validate", ca_trust_path=certs.ca_cert).run_ps("hostname")
    assert result.status_code == 3
    # Create goes 3 times (no auth -> 401, type1 -> 401, type3 + body -> 200), then Command, Receive, Signal,
    # Delete; no encryption-setup POST because pywinrm's "auto" does not encrypt over HTTPS.
    assert https_lab.counters(name).http_requests == 7
    with pytest.raises(InvalidCredentialsError):  # CBT is enforced: a client that sends none is refused
        session(url, ca_trust_path=certs.ca_cert, send_cbt=False).run_ps("hostname")


def test_https_without_ca_fails_validation(https_lab: LabEndpoints) -> None:
    _, url = node(https_lab)
    with pytest.raises(requests.exceptions.SSLError):
        session(url, server_cert_validation="validate", ca_trust_path=None).run_ps("hostname")


def test_https_basic(https_lab: LabEndpoints, certs: LabCertificates) -> None:
    name, url = node(https_lab)
    result = session(url, transport="ssl", ca_trust_path=certs.ca_cert).run_ps("hostname")
    assert result.status_code == 3
    assert https_lab.counters(name).http_requests == 5  # Basic is preemptive: no 401 round trips


def test_basic_over_http_only_when_enabled(mixed_lab: LabEndpoints, ntlm_lab: LabEndpoints) -> None:
    name, url = node(mixed_lab)
    assert session(url, transport="basic").run_cmd("hostname").status_code == 3
    assert mixed_lab.counters(name).http_requests == 5
    assert session(url).run_cmd("hostname").status_code == 3  # NTLM still offered alongside
    _, ntlm_only = node(ntlm_lab)
    with pytest.raises(InvalidCredentialsError):
        session(ntlm_only, transport="basic").run_cmd("hostname")
    with pytest.raises(InvalidCredentialsError):
        winrm.Session(url, auth=(USER, "nope"), transport="basic", ca_trust_path=None).run_cmd("hostname")


def test_receive_long_polls(ntlm_lab: LabEndpoints) -> None:
    name, url = node(ntlm_lab)
    started = time.monotonic()
    result = session(url).run_ps("slow")
    assert result.std_out == b"finally\r\n"
    assert time.monotonic() - started < 5
    # A 1.5 s command with a 0.5 s long-poll: about 3-4 Receives (timeouts re-polled by pywinrm), not hundreds.
    receives = ntlm_lab.counters(name).http_requests - 7  # 7 = handshake 3 + Create, Command, Signal, Delete
    assert 2 <= receives <= 6


def _recording(proto: Protocol) -> list[int]:
    """Record the size of every SOAP reply ``proto`` receives (decrypted: what MaxEnvelopeSize limits)."""
    sizes: list[int] = []
    send = proto.transport.send_message

    def recorded(message: str | bytes) -> bytes:
        reply = send(message)
        sizes.append(len(reply))
        return reply

    proto.transport.send_message = recorded  # type: ignore[method-assign]
    return sizes


class _EnvelopeProtocol(Protocol):
    """pywinrm with another w:MaxEnvelopeSize (pywinrm itself always sends 153600, whatever max_env_sz says)."""

    max_envelope = 153600

    def build_wsman_header(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        header: dict[str, Any] = super().build_wsman_header(*args, **kwargs)
        header["env:Header"]["w:MaxEnvelopeSize"]["#text"] = str(self.max_envelope)
        return header


def envelope_protocol(url: str, max_envelope: int) -> Protocol:
    options: dict[str, Any] = {"transport": "ntlm", "username": USER, "password": PASSWORD, "ca_trust_path": None}
    proto = _EnvelopeProtocol(url, **options)
    proto.max_envelope = max_envelope
    return proto


def _drain(proto: Protocol, shell_id: str, command_id: str) -> tuple[bytes, bytes, list[tuple[int, int, int, bool]]]:
    receives = []
    out, err, done = b"", b"", False
    while not done:
        o, e, code, done = proto.get_command_output_raw(shell_id, command_id)
        out, err = out + o, err + e
        receives.append((len(o), len(e), code, done))
    return out, err, receives


@pytest.mark.parametrize("max_envelope", [None, 20000, 8192])
def test_large_output_is_chunked_within_the_clients_max_envelope_size(ntlm_lab: LabEndpoints,
                                                                      max_envelope: int | None) -> None:
    # Every ReceiveResponse fits the client's w:MaxEnvelopeSize (pywinrm: 153600; DSP0226 6.2, MS-WSMV 3.1.4.1.7):
    # the rest of the output follows in further Receives (CommandState Running), the exit code with the last one.
    _, url = node(ntlm_lab)
    proto = protocol(url) if max_envelope is None else envelope_protocol(url, max_envelope)
    limit = max_envelope or 153600
    shell_id = proto.open_shell()
    command_id = proto.run_command(shell_id, "big")
    sizes = _recording(proto)
    out, err, receives = _drain(proto, shell_id, command_id)
    assert (out, err) == (BIG, b"E" * 70000)
    assert max(sizes) <= limit, sizes
    if max_envelope is not None:
        assert min(sizes[:-1]) > limit * 0.8, sizes  # the budget is used, not a tiny fixed chunk
    assert all(code == -1 and not done for _, _, code, done in receives[:-1]) and receives[-1][2:] == (7, True)
    if max_envelope is None:
        # At most 64 KiB raw per Receive (max_output_chunk), stdout first.
        assert receives[0] == (65536, 0, -1, False)
    proto.cleanup_command(shell_id, command_id)
    proto.close_shell(shell_id)


def test_max_envelope_size_below_8192_is_an_encoding_limit_fault(ntlm_lab: LabEndpoints) -> None:
    _, url = node(ntlm_lab)
    proto = envelope_protocol(url, 1024)
    with pytest.raises(WinRMError) as caught:
        proto.open_shell()
    assert "EncodingLimit" in str(caught.value) or "8192" in str(caught.value)
    assert getattr(caught.value, "code", 500) == 500


def test_console_code_page_437(ntlm_lab: LabEndpoints) -> None:
    _, url = node(ntlm_lab)
    out = session(url).run_ps("cafe").std_out
    assert out.decode("cp437") == "café ?"


@pytest.mark.parametrize(("codepage", "codec", "text"), [(65001, "utf-8", "café ✓"), (1252, "cp1252", "café ?"),
                                                         (850, "cp850", "café ?")])
def test_console_code_page_is_the_shells_winrs_codepage(ntlm_lab: LabEndpoints, codepage: int, codec: str,
                                                         text: str) -> None:
    # WINRS_CODEPAGE of the Create request is the console code page of every command in the shell (clients.md D14).
    _, url = node(ntlm_lab)
    proto = protocol(url)
    shell_id = proto.open_shell(codepage=codepage)
    encoded = base64.b64encode("cafe".encode("utf-16-le")).decode()
    command_id = proto.run_command(shell_id, f"powershell -encodedcommand {encoded}")
    out, _, code = proto.get_command_output(shell_id, command_id)
    proto.close_shell(shell_id)
    assert code == 0 and out == text.encode(codec)


def test_handler_exception_becomes_powershell_error(ntlm_lab: LabEndpoints) -> None:
    _, url = node(ntlm_lab)
    result = session(url).run_ps("boom")
    assert result.status_code == 1
    assert result.std_err.decode().splitlines()[0] == "kaboom: the disk is on fire"
    assert b"FullyQualifiedErrorId" in result.std_err


def test_clixml_error_escapes_markup_and_cp437() -> None:
    raw = clixml_error("a < b & ✓\nsecond")
    assert raw.startswith(b"#< CLIXML\r\n<Objs ")
    assert b'<S S="Error">a &lt; b &amp; ?_x000D__x000A_</S><S S="Error">second_x000D__x000A_</S>' in raw


def test_unknown_shell_and_action_faults(ntlm_lab: LabEndpoints) -> None:
    _, url = node(ntlm_lab)
    proto = protocol(url)
    with pytest.raises(WSManFaultError) as info:
        proto.run_command("0BAD0000-0000-0000-0000-000000000000", "hostname")
    assert (info.value.code, info.value.wsman_fault_code) == (500, wsman.CODE_SHELL_NOT_FOUND)
    assert info.value.fault_subcode == "w:InvalidSelectors"
    shell_id = proto.open_shell()
    with pytest.raises(WSManFaultError) as info:
        proto.get_command_output_raw(shell_id, "NO-SUCH-COMMAND")
    assert info.value.wsman_fault_code == wsman.CODE_SHELL_NOT_FOUND
    envelope = (
        f'<s:Envelope xmlns:s="{wsman.NS_SOAP}" xmlns:a="{wsman.NS_ADDRESSING}"><s:Header>'
        "<a:Action>http://example.invalid/Frobnicate</a:Action><a:MessageID>uuid:1</a:MessageID>"
        "</s:Header><s:Body/></s:Envelope>"
    )
    with pytest.raises(WSManFaultError) as info:
        proto.send_message(envelope)
    assert info.value.wsman_fault_code == wsman.CODE_ACTION_NOT_SUPPORTED
    proto.close_shell(shell_id)


def test_stop_node_refuses_connections(ntlm_lab: LabEndpoints) -> None:
    down, down_url = node(ntlm_lab)
    _, up_url = node(ntlm_lab)
    session(down_url).run_cmd("hostname")
    ntlm_lab.stop_node(down)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError):
        session(down_url).run_cmd("hostname")
    assert time.monotonic() - started < 2
    assert session(up_url).run_cmd("hostname").status_code == 3
    assert ntlm_lab.add_node(down, ntlm_lab.port(down)) == ntlm_lab.port(down)  # powered on again
    assert session(down_url).run_cmd("hostname").status_code == 3


def test_stop_node_drops_live_connections(ntlm_lab: LabEndpoints) -> None:
    name, url = node(ntlm_lab)
    proto = protocol(url)
    shell_id = proto.open_shell()  # keeps the NTLM-authenticated keep-alive connection open
    ntlm_lab.stop_node(name)
    with pytest.raises((requests.exceptions.ConnectionError, WinRMError)):
        proto.run_command(shell_id, "hostname")


def test_fifty_nodes_eight_clients(ntlm_lab: LabEndpoints) -> None:
    nodes = [node(ntlm_lab) for _ in range(50)]

    def run(item: tuple[str, str]) -> bytes:
        name, url = item
        return bytes(session(url).run_ps(f"probe {name}").std_out)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(run, nodes))
    assert outputs == [f"{name}|probe {name}|".encode() for name, _ in nodes]
    for name, _ in nodes:
        counters = ntlm_lab.counters(name)
        assert (counters.commands, counters.shells_created, counters.http_requests) == (1, 1, 8)


def test_five_hundred_nodes_one_acceptor() -> None:
    def lab_threads() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.startswith("lab-")]

    before = lab_threads()
    with LabEndpoints(EndpointConfig(users={USER: PASSWORD}), handler) as lab:
        ports = {lab.add_node(f"N{i}") for i in range(500)}
        assert len(ports) == 500
        # One acceptor thread for all 500 listening sockets, no thread per node.
        assert lab_threads().count("lab-acceptor") == before.count("lab-acceptor") + 1
        assert len(lab_threads()) <= len(before) + 1  # threads left from earlier tests can only have ended
        assert session(f"http://127.0.0.1:{lab.port('N499')}/wsman").run_cmd("x").std_out == b"N499|x|"
    assert "lab-N499" not in lab_threads()  # close() joined the connection threads


def test_reset_counters(ntlm_lab: LabEndpoints) -> None:
    name, url = node(ntlm_lab)
    session(url).run_cmd("hostname")
    ntlm_lab.reset_counters()
    assert ntlm_lab.counters(name).http_requests == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "example.com"])
def test_non_loopback_host_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        LabEndpoints(EndpointConfig(), handler, host=host)


def test_ipv6_loopback_and_localhost_are_accepted() -> None:
    for host in ("::1", "localhost"):
        LabEndpoints(EndpointConfig(), handler, host=host).close()


def test_handler_learns_the_session_identity(ntlm_lab: LabEndpoints) -> None:
    """The command handler is told who authenticated and how: an NTLM logon cannot delegate (no second hop)."""
    _, url = node(ntlm_lab)
    result = session(url, message_encryption="always").run_cmd("whoami")
    assert result.std_out.decode() == f"{USER}|ntlm|False"
