"""Runs one PowerShell script on one node over WinRM with pywinrm, streaming the script over stdin.

``Session.run_ps`` puts the script on the command line (``-EncodedCommand``), which breaks around
3 KB of script. Here a tiny fixed bootstrap goes on the command line and the probe travels on
stdin, so a node costs one shell and one command: with NTLM that is 9 HTTP requests (3 for the
handshake, then Create, Command, Send, Receive, Signal, Delete).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, cast

from ssocheck import deadline
from ssocheck.errors import AuthenticationError, TransportError
from ssocheck.facts.probe import BOOTSTRAP, POWERSHELL, POWERSHELL_ARGS, encoded_command
from ssocheck.inventory import Connection, Node
from ssocheck.secrets import Secret, redact

log = logging.getLogger(__name__)

# pywinrm turns a str into cp437 bytes; the probe is ASCII, so sending bytes keeps it exact.
# 96 KiB raw is 128 KiB base64: one Send stays under the default MaxEnvelopeSize (150 KiB).
SEND_CHUNK = 96 * 1024
# A node's whole answer (stdout + stderr) is cut off beyond this: a healthy probe answer is well
# under 1 MiB (a secedit export is the largest part); this keeps a hostile node from exhausting memory.
MAX_ANSWER_BYTES = 32 * 2**20

PyWinrmAuth = Literal["ntlm", "kerberos", "credssp", "basic"]
PYWINRM_TRANSPORT: dict[str, PyWinrmAuth] = {
    "ntlm": "ntlm",
    "kerberos": "kerberos",
    "credssp": "credssp",
    "basic": "basic",
}


@dataclass(frozen=True)
class ScriptResult:
    """What the remote command produced."""

    stdout: str
    stderr: str
    exit_code: int
    duration_s: float
    # Controller UTC time (ISO, milliseconds) when the Receive that completed the output returned: the
    # node read its clock just before writing that output, so SYS001 compares against this moment rather
    # than against the end of the shell clean-up (two more round trips). None when not measured.
    answered_utc: str | None = None


def endpoint_url(conn: Connection, node: Node) -> str:
    """The WS-Management URL of ``node``."""
    host = node.address
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"{conn.scheme}://{host}:{node.port or conn.effective_port}/wsman"


def _protocol(conn: Connection, node: Node, password: Secret, timeouts: tuple[int, int] | None = None) -> Any:
    try:
        from winrm.protocol import Protocol
    except ImportError as exc:  # pragma: no cover - pywinrm is a hard dependency
        raise TransportError("pywinrm is not installed (pip install pywinrm)") from exc
    missing = missing_support(conn)
    if missing:
        raise TransportError(missing)
    extra: dict[str, Any] = {}
    username = conn.username
    if conn.transport == "kerberos":
        from ssocheck.transport.kerberos import ensure_ticket

        ensure_ticket(conn, password)
        username = str(conn.principal)  # pykerberos looks this principal up in ssocheck's private cache
        extra = {"service": "HTTP", "kerberos_delegation": conn.delegation}
        if node.spn_host:
            extra["kerberos_hostname_override"] = node.spn_host
    elif conn.transport == "credssp" and conn.credssp_auth == "kerberos":
        username = str(conn.principal)  # Kerberos inside CredSSP needs user@REALM too
    https = conn.scheme == "https"
    if https and not conn.verify_tls:
        _warn_once("verify_tls: false: TLS certificates are not checked, so anyone on the network path can "
                   "pose as the nodes; set ca_bundle to the farm's CA instead")
    # NTLM over plain HTTP is allowed only sealed (MS-WSMV message encryption), never in clear.
    encryption: Literal["auto", "always", "never"] = "auto" if https else "always"
    if conn.transport == "basic":
        encryption = "never"
        if not https:
            # Only reachable with allow_basic_over_http: the inventory refuses it otherwise.
            log.warning("%s: Basic authentication over plain HTTP sends the password in clear text", node.name)
    proto = Protocol(
        endpoint_url(conn, node),
        transport=PYWINRM_TRANSPORT[conn.transport],
        username=username,
        password=password.reveal() or None,
        server_cert_validation="validate" if conn.verify_tls else "ignore",
        # pywinrm documents None ("no additional CA trust path") though its annotation omits it.
        ca_trust_path=cast(str, _ca_trust_path(conn)),
        operation_timeout_sec=timeouts[0] if timeouts else conn.operation_timeout,
        read_timeout_sec=timeouts[1] if timeouts else conn.read_timeout,
        message_encryption=encryption,
        **extra,
    )
    if conn.transport == "credssp":
        # pywinrm 0.5's Protocol does not pass credssp_auth_mechanism on, and the Transport's default "auto" turns
        # a failed Kerberos logon inside CredSSP into NTLM silently. The session is built lazily at the first
        # request, so setting the Transport's attribute here takes effect.
        proto.transport.credssp_auth_mechanism = cast(Literal["ntlm", "kerberos"], conn.credssp_auth)
    return proto


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    """A warning printed once per run (not once per node)."""
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


def missing_support(conn: Connection) -> str | None:
    """Why pywinrm cannot speak ``conn.transport`` here, or None.

    pywinrm 0.5 vendors requests_kerberos and needs only pykerberos, so ``import requests_kerberos`` is the wrong
    test: ask pywinrm itself (HAVE_KERBEROS / HAVE_CREDSSP).
    """
    if conn.transport not in ("kerberos", "credssp"):
        return None
    import winrm.transport as wt

    if conn.transport == "kerberos" and not getattr(wt, "HAVE_KERBEROS", False):
        return "transport kerberos needs pywinrm's Kerberos support: pip install 'ssocheck[kerberos]'"
    if conn.transport == "credssp" and not getattr(wt, "HAVE_CREDSSP", False):
        return "transport credssp needs pywinrm's CredSSP support: pip install 'ssocheck[credssp]'"
    return None


def _ca_trust_path(conn: Connection) -> str | None:
    """The CA bundle to trust: the inventory's, else the one requests would take from the environment.

    Resolved here rather than with pywinrm's "legacy_requests" mode, which is deprecated and warns;
    None means the CA store that requests ships with (certifi).
    """
    if conn.ca_bundle:
        return str(conn.ca_bundle)
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything behind it: causes, contexts, urllib3's ``reason`` and wrapped ``args``."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        cur = todo.pop(0)
        if any(cur is s for s in seen):
            continue
        seen.append(cur)
        for nxt in (cur.__cause__, cur.__context__, getattr(cur, "reason", None), *cur.args):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return seen


def service_principal(conn: Connection, node: Node) -> str:
    """The SPN ssocheck asks a ticket for: ``HTTP/<spn_host or address>`` (CredSSP: always the address)."""
    host = node.spn_host if conn.transport == "kerberos" and node.spn_host else node.address
    return f"HTTP/{host}"


def describe_failure(exc: BaseException, url: str, conn: Connection | None = None, node: Node | None = None) -> str:
    """One clear line for a transport failure, without secrets, naming the most specific cause found."""
    import socket as socketmod
    import xml.parsers.expat

    import requests
    import urllib3.exceptions as u3
    import winrm.exceptions as wex

    chain = _chain(exc)

    def has(*kinds: type[BaseException]) -> bool:
        return any(isinstance(e, kinds) for e in chain)

    if conn is not None and node is not None and conn.transport in ("kerberos", "credssp"):
        from ssocheck.transport.kerberos import kerberos_cause

        spn = service_principal(conn, node)
        cause = kerberos_cause(" ".join(str(e) for e in chain), conn.principal, spn)
        if cause:
            return f"{cause} [{conn.transport} to {url}]"
        if isinstance(exc, wex.InvalidCredentialsError) and conn.transport == "kerberos":
            return (f"the node refused the Kerberos ticket for {spn} at {url}: wrong principal (is {spn} registered "
                    "on this node's account? see spn_host), node clock more than 5 minutes off, or the account "
                    "may not use WinRM")
        if type(exc).__name__ == "AuthenticationException" and conn.transport == "credssp":
            return (f"CredSSP authentication refused at {url} (CredSSP server role disabled, wrong password, or "
                    f"the {conn.credssp_auth} logon inside CredSSP failed): {exc}")
    if isinstance(exc, wex.InvalidCredentialsError):
        return f"authentication failed at {url} ({exc})"
    if has(requests.exceptions.SSLError, u3.SSLError):
        ssl_err = next((e for e in chain if type(e).__name__ == "SSLCertVerificationError"), None)
        detail = getattr(ssl_err, "verify_message", None) or "the TLS handshake failed"
        return (f"TLS certificate validation failed for {url}: {detail}; if the farm uses an internal CA, "
                "set connection.ca_bundle to its PEM file")
    if has(u3.NameResolutionError, socketmod.gaierror):
        return f"cannot resolve the host name of {url} (DNS): check the address or the DNS record"
    if has(ConnectionRefusedError):
        return f"cannot connect to {url}: connection refused (nothing listens on that port?)"
    if has(requests.exceptions.ConnectTimeout, u3.ConnectTimeoutError):
        return f"connection to {url} timed out (host down or a firewall drops the packets)"
    if has(ConnectionResetError, BrokenPipeError, ConnectionAbortedError, u3.ProtocolError,
           requests.exceptions.ChunkedEncodingError):
        return f"{url} reset the connection in the middle of the exchange"
    if has(requests.exceptions.ReadTimeout, u3.ReadTimeoutError):
        return f"{url} did not answer in time (read timeout: the connection stalled)"
    if isinstance(exc, wex.WinRMTransportError):
        return f"{url} answered HTTP {exc.code}, not a WS-Management reply"
    http_error = next((e for e in chain if isinstance(e, requests.exceptions.HTTPError)), None)
    status = getattr(getattr(http_error, "response", None), "status_code", None)
    if status is not None:
        return f"{url} answered HTTP {status} with a body that is not WS-Management"
    if has(UnicodeDecodeError, xml.parsers.expat.ExpatError, AttributeError, KeyError, ValueError) and not has(
        requests.exceptions.ConnectionError
    ):
        return (f"{url} sent an answer that is not WS-Management ({type(exc).__name__}); "
                "is another service listening on that port, or a proxy in the way?")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"cannot connect to {url}: host unreachable"
    if isinstance(exc, wex.WSManFaultError):
        return f"WS-Management fault from {url}: {exc.reason or exc}"
    if isinstance(exc, wex.WinRMError):
        return f"WinRM error from {url}: {exc}"
    return f"{type(exc).__name__} talking to {url}: {exc}"


def run_script(
    conn: Connection, node: Node, password: Secret, script: str, deadline_s: float | None = None
) -> ScriptResult:
    """Run ``script`` on ``node`` in one shell and one command; raise TransportError on failure."""
    import winrm.exceptions as wex

    stage = deadline.set_stage
    url = endpoint_url(conn, node)
    timeout = deadline_s if deadline_s is not None else conn.node_timeout
    started = time.monotonic()
    ends_at = started + timeout
    payload = script.encode("ascii")
    try:
        stage("connecting and opening a shell")
        proto = _protocol(conn, node, password)
        shell_id = proto.open_shell(codepage=437, noprofile=True)
        # If this node is abandoned from now on (node_timeout, Ctrl-C), the collector deletes the shell on a new
        # connection: this one is shut, and an open shell counts against MaxShellsPerUser until WinRM's idle timeout.
        deadline.on_abandon(lambda: delete_shell(conn, node, password, shell_id))
        try:
            stage("starting the command")
            command_id = proto.run_command(
                shell_id, POWERSHELL, [*POWERSHELL_ARGS, encoded_command(BOOTSTRAP)]
            )
            try:
                stage("sending the probe")
                deadline.check_current()
                for offset in range(0, len(payload), SEND_CHUNK):
                    chunk = payload[offset : offset + SEND_CHUNK]
                    proto.send_command_input(shell_id, command_id, chunk, end=offset + SEND_CHUNK >= len(payload))
                out: list[bytes] = []
                err: list[bytes] = []
                done = False
                code = -1
                size = 0
                answered: str | None = None
                stage("waiting for the answer")
                while not done:
                    if time.monotonic() > ends_at:
                        raise TransportError(f"{node.name}: no complete answer within {timeout:.0f} s")
                    try:
                        stdout, stderr, code, done = proto.get_command_output_raw(shell_id, command_id)
                    except wex.WinRMOperationTimeoutError:
                        continue  # the server's long-poll expired; the command is still running
                    if answered is None and (done or ANSWER_END in stdout):
                        answered = _utc_now()
                    out.append(stdout)
                    err.append(stderr)
                    size += len(stdout) + len(stderr)
                    if size > MAX_ANSWER_BYTES:
                        raise TransportError(
                            f"{node.name}: the answer exceeds {MAX_ANSWER_BYTES // 2**20} MiB; cut off "
                            "(a healthy node answers well under 1 MiB)"
                        )
                    deadline.check_current()
            finally:
                stage("closing the shell")
                try:
                    proto.cleanup_command(shell_id, command_id)
                except Exception as exc:  # the answer is already in hand; a failed cleanup must not lose it
                    log.debug("%s: cleanup_command failed: %s", node.name, exc)
        finally:
            try:
                proto.close_shell(shell_id)
                deadline.on_abandon(None)
            except Exception as exc:
                log.debug("%s: close_shell failed: %s", node.name, exc)
    except (TransportError, deadline.Abandoned):
        raise
    except Exception as exc:
        rejected = isinstance(exc, wex.InvalidCredentialsError) or type(exc).__name__ == "AuthenticationException"
        kind = AuthenticationError if rejected else TransportError
        raise kind(redact(f"{node.name}: {describe_failure(exc, url, conn, node)}")) from exc
    return ScriptResult(
        stdout=b"".join(out).decode("cp437", errors="replace"),
        stderr=b"".join(err).decode("cp437", errors="replace"),
        exit_code=code,
        duration_s=time.monotonic() - started,
        answered_utc=answered,
    )


# Seconds one best-effort Delete of an abandoned node's shell may take (pywinrm's read timeout on its new
# connection; the caller also cuts it off at a hard deadline: deadline.CLEANUP_BOUND_S).
DELETE_TIMEOUT_S = 2
# Windows' fault for a ShellId it does not know (0x8033805B): the shell is already gone.
SHELL_NOT_FOUND = 2150858843


def delete_shell(conn: Connection, node: Node, password: Secret, shell_id: str) -> str:
    """Best effort: Delete ``shell_id`` on ``node`` on a new connection; what happened, as a phrase for the audit.

    Never raises. The abandoned command's own connection was shut, so this authenticates again (a new pywinrm
    Protocol is a new requests session). A Delete may be sent while other messages to the shell are outstanding,
    and the shell's commands in progress are then terminated (MS-WSMV 3.1.4.4.1 Remote Shells).
    """
    import winrm.exceptions as wex

    url = endpoint_url(conn, node)
    try:
        # pywinrm requires read > operation timeout, both whole seconds of at least 1.
        proto = _protocol(conn, node, password, timeouts=(1, DELETE_TIMEOUT_S))
        proto.close_shell(shell_id)
    except wex.WSManFaultError as exc:
        if exc.wsman_fault_code == SHELL_NOT_FOUND:
            return "its remote shell was already closed"
        return f"its remote shell could not be deleted ({redact(describe_failure(exc, url, conn, node))})"
    except Exception as exc:
        return f"its remote shell could not be deleted ({redact(describe_failure(exc, url, conn, node))})"
    return "its remote shell was deleted"


# The probe's end marker: the Receive whose output holds it carries the node's clock reading.
ANSWER_END = b"<<SSOCHECK-END>>"


def _utc_now() -> str:
    """The controller's UTC time with milliseconds, as the collector stamps answers."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
