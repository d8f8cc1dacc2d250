"""The lab's WinRM endpoint: HTTP(S) on loopback, one port per simulated node, and its authentication.

The unmodified pywinrm 0.5 client talks to it over real HTTP. The facts it relies on were measured and are
written up in ``/work/shared/reference/winrm-protocol.md`` (cited below as "gotcha N"). This module owns the
sockets, TLS, HTTP/1.1 keep-alive, authentication and message encryption (:mod:`ssocheck.lab.httpauth`); the
decrypted SOAP goes, with the :class:`~ssocheck.lab.session.SessionIdentity` it authenticated, to the node's
:class:`~ssocheck.lab.shells.NodeShells` (the shell and command model), and what a command *does* is decided
by the :class:`~ssocheck.lab.shells.CommandHandler` supplied by the caller.

``NTLM_USER_FILE`` is process-wide: each :class:`LabEndpoints` merges its accounts into one shared file
(:func:`ssocheck.lab.httpauth.register_ntlm_users`), so several instances can live in one process.
"""

from __future__ import annotations

import dataclasses
import http
import http.client
import ipaddress
import logging
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from types import MappingProxyType, TracebackType
from typing import BinaryIO, Literal, cast

from ssocheck.lab import httpauth
from ssocheck.lab.gssauth import KerberosNode
from ssocheck.lab.session import SessionIdentity, identity_for
from ssocheck.lab.shells import CommandHandler, NodeShells

log = logging.getLogger(__name__)

DEFAULT_LAB_USERS: Mapping[str, str] = MappingProxyType({"LAB\\ssocheck": "Lab-Passw0rd"})
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
_MAX_BODY = 16 * 1024 * 1024
_HANDSHAKE_TIMEOUT = 10.0
_IDLE_TIMEOUT = 120.0  # an idle keep-alive connection is dropped after this (Windows: 120 s as well)
_STOP_JOIN_SECONDS = 5.0
AUTH_SCHEMES = frozenset({"ntlm", "basic", "kerberos", "credssp"})


@dataclass
class NodeCounters:
    """Per-node traffic counters; :meth:`LabEndpoints.counters` returns a snapshot copy."""

    http_requests: int = 0  # every HTTP request, incl. 401 handshakes and the empty encryption-setup POST
    shells_created: int = 0
    commands: int = 0  # rsp:Command operations (= remote commands run)
    connections: int = 0  # TCP connections accepted


@dataclass(frozen=True)
class NodeLimits:
    """A node's WinRM quotas (``winrm get winrm/config``): defaults of Windows Server 2012 and later.

    Server 2008 R2 (WinRM 2.0): MaxEnvelopeSizekb 150, MaxShellsPerUser 5 (MS-WSMV 2.2.4.10; "Configuring WSMAN
    Limits", PowerShell team blog); 2012 and later: 500 and 30.
    """

    max_envelope_kb: int = 500
    max_shells_per_user: int = 30


@dataclass(frozen=True)
class EndpointConfig:
    """How every node of a :class:`LabEndpoints` listens and authenticates."""

    scheme: Literal["http", "https"] = "http"
    auth: frozenset[str] = frozenset({"ntlm"})  # any of "ntlm", "basic", "kerberos", "credssp"
    # http: a plaintext SOAP body (unsealed NTLM, or Basic) is refused with 401, like Windows' AllowUnencrypted=false;
    # Basic over http therefore needs allow_unencrypted=True as well, as on Windows.
    allow_unencrypted: bool = False
    users: Mapping[str, str] = field(default_factory=lambda: DEFAULT_LAB_USERS)  # "DOMAIN\\user" or "user" -> password
    certfile: str | None = None  # required for https
    keyfile: str | None = None
    receive_wait_seconds: float = 5.0  # Receive long-poll cap; must stay below the client's read timeout
    max_output_chunk: int = 65536  # raw output bytes per Receive at most (the client's MaxEnvelopeSize may lower it)
    # kerberos: node name -> its SPNs, clock and delegation trust; the keys come from KRB5_KTNAME (a LabKdc keytab)
    kerberos_node: Callable[[str], KerberosNode] | None = None
    # node name -> its quotas (None: the defaults of NodeLimits for every node)
    node_limits: Callable[[str], NodeLimits] | None = None
    # (node name, identity) -> may this account use WinRM there (local administrator)? None: everyone may.
    authorize: Callable[[str, SessionIdentity], bool] | None = None
    # (command, arguments) -> does the program read stdin to its end (then it waits for End="true", as on Windows)
    reads_stdin: Callable[[str, str], bool] | None = None

    def limits(self, node: str) -> NodeLimits:
        """The quotas of ``node``."""
        return self.node_limits(node) if self.node_limits is not None else NodeLimits()

    def __post_init__(self) -> None:
        if self.scheme not in ("http", "https"):
            raise ValueError(f"scheme must be http or https, not {self.scheme!r}")
        if not self.auth or not self.auth <= AUTH_SCHEMES:
            raise ValueError(f"auth must be a non-empty subset of {sorted(AUTH_SCHEMES)}, not {set(self.auth)}")
        if "kerberos" in self.auth and self.kerberos_node is None:
            raise ValueError("kerberos needs kerberos_node (the SPNs each node accepts)")
        if self.scheme == "https" and not (self.certfile and self.keyfile):
            raise ValueError("https needs certfile and keyfile (see ssocheck.lab.certs)")
        if self.receive_wait_seconds <= 0 or self.max_output_chunk <= 0:
            raise ValueError("receive_wait_seconds and max_output_chunk must be positive")


class _Node:
    """One simulated server: its listening socket, live connections, counters and its shells."""

    def __init__(self, name: str, handler: CommandHandler, config: EndpointConfig) -> None:
        self.name = name
        self.port = 0
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()  # guards counters and conns
        self.counters = NodeCounters()
        self.conns: set[_Conn] = set()
        authorize = config.authorize
        self.shells = NodeShells(name, handler, receive_wait_seconds=config.receive_wait_seconds,
                                 max_output_chunk=config.max_output_chunk, count=self.count,
                                 authorize=None if authorize is None else (lambda who: authorize(name, who)),
                                 max_shells=lambda: config.limits(name).max_shells_per_user,
                                 reads_stdin=config.reads_stdin,
                                 max_envelope=lambda: config.limits(name).max_envelope_kb * 1024)

    def count(self, name: str) -> None:
        """Thread-safe ``counters.<name> += 1``."""
        with self.lock:
            setattr(self.counters, name, getattr(self.counters, name) + 1)


@dataclass(eq=False)
class _Conn:
    sock: socket.socket  # replaced by the SSLSocket after the handshake


@dataclass
class _HttpRequest:
    method: str
    target: str
    headers: http.client.HTTPMessage
    body: bytes
    keep_alive: bool


class _BadRequest(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _read_request(rfile: BinaryIO) -> _HttpRequest | None:
    """One HTTP/1.x request from a keep-alive connection; None at a clean EOF."""
    line = rfile.readline(65537)
    while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests (RFC 9112 §2.2)
        line = rfile.readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(400)
    method, target, version = parts
    try:
        headers = http.client.parse_headers(rfile)
        length = int(headers.get("Content-Length") or 0)
    except (http.client.HTTPException, ValueError) as exc:
        raise _BadRequest(400) from exc
    if headers.get("Transfer-Encoding"):
        raise _BadRequest(501)  # requests always sends Content-Length for a bytes body
    if not 0 <= length <= _MAX_BODY:
        raise _BadRequest(413)
    body = rfile.read(length)
    if len(body) < length:
        return None
    connection = (headers.get("Connection") or "").lower()
    keep_alive = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
    return _HttpRequest(method, target, headers, body, keep_alive)


def _http_response(
    status: int, body: bytes, content_type: str | None, headers: tuple[tuple[str, str], ...], keep_alive: bool
) -> bytes:
    """Status line, headers and body as ONE buffer: written with a single send on a TCP_NODELAY socket.

    Split header/body writes with Nagle on cost ~40 ms of delayed-ACK stall per request (gotcha 11).
    """
    lines = [
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
        "Server: Microsoft-HTTPAPI/2.0",
        f"Date: {formatdate(usegmt=True)}",
        f"Content-Length: {len(body)}",
    ]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    lines += [f"{name}: {value}" for name, value in headers]
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _loopback(host: str) -> tuple[socket.AddressFamily, str]:
    if host.lower() == "localhost":
        return socket.AF_INET, "127.0.0.1"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is None or not ip.is_loopback:
        raise ValueError(f"the lab endpoint only binds loopback addresses, not {host!r}")
    return (socket.AF_INET6 if ip.version == 6 else socket.AF_INET), str(ip)


class LabEndpoints:
    """Serves many simulated nodes, one loopback listening socket (own port) per node, with ONE acceptor thread
    (a selector over all listening sockets) and one thread per connection, so it scales to hundreds of nodes.

    Use as a context manager (``__enter__`` starts it) or call :meth:`start` and :meth:`close`. The accounts
    of every instance in the process are merged into one ``NTLM_USER_FILE`` (it is a process-wide variable
    read by pyspnego's acceptor); the same account must not have different passwords in two instances.
    """

    def __init__(self, config: EndpointConfig, handler: CommandHandler, host: str = "127.0.0.1") -> None:
        """Validate ``host`` (loopback only), load TLS material and register the NTLM accounts."""
        self.config = config
        self._handler = handler
        self._family, self._host = _loopback(host)
        self._ssl: ssl.SSLContext | None = None
        bindings = None
        if config.scheme == "https":
            self._ssl = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ssl.minimum_version = ssl.TLSVersion.TLSv1_2
            self._ssl.load_cert_chain(cast(str, config.certfile), config.keyfile)
            if "ntlm" in config.auth:
                # CBT: requests_ntlm binds NTLM to the server certificate over HTTPS (strict, gotcha 9).
                with open(cast(str, config.certfile), "rb") as fh:
                    bindings = httpauth.channel_bindings(fh.read())
        accounts = httpauth.expand_accounts(config.users)
        self._policy = httpauth.AuthPolicy(config.auth, accounts, bindings, config.kerberos_node)
        # Before any OS resource is taken: it raises on a password clash with another instance.
        self._user_token, self._user_file = httpauth.register_ntlm_users(accounts)
        self._lock = threading.Lock()  # guards _nodes, _threads and the selector registrations
        self._nodes: dict[str, _Node] = {}
        self._threads: set[threading.Thread] = set()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._acceptor: threading.Thread | None = None
        self._closed = False

    @property
    def user_file(self) -> str:
        """Path of the (shared, 0600) NTLM_USER_FILE written for pyspnego's acceptor."""
        return self._user_file

    def add_node(self, node: str, port: int = 0) -> int:
        """Bind a listening socket for ``node`` (0 = ephemeral port) and return the port.

        A node that was stopped can be added again ("powered on"); its counters are kept.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("LabEndpoints is closed")
            state = self._nodes.get(node) or _Node(node, self._handler, self.config)
            if state.listener is not None:
                raise ValueError(f"node {node!r} is already listening on port {state.port}")
            sock = socket.socket(self._family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # re-bind a stopped node's port
                sock.bind((self._host, port))
                sock.listen(128)
                sock.setblocking(False)
            except OSError:
                sock.close()
                raise
            state.listener, state.port = sock, sock.getsockname()[1]
            self._nodes[node] = state
            self._selector.register(sock, selectors.EVENT_READ, state)
            return state.port

    def stop_node(self, node: str) -> None:
        """Close the node's listening socket and live connections, and drop its shells: the port now refuses
        connections, like a powered-off server."""
        with self._lock:
            state = self._nodes[node]
            if state.listener is not None:
                self._selector.unregister(state.listener)
                state.listener.close()
                state.listener = None
        self._disconnect(state)

    def start(self) -> None:
        """Start the acceptor thread (daemon); nodes may be added before or after."""
        with self._lock:
            if self._closed:
                raise RuntimeError("LabEndpoints is closed")
            if self._acceptor is None:
                self._acceptor = threading.Thread(target=self._accept_loop, name="lab-acceptor", daemon=True)
                self._acceptor.start()

    def close(self) -> None:
        """Stop accepting, close every socket, abort pending Receives and join the threads. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            nodes = list(self._nodes.values())
        self._wake_w.send(b"x")
        if self._acceptor is not None:
            self._acceptor.join(_STOP_JOIN_SECONDS)
        for state in nodes:
            if state.listener is not None:
                state.listener.close()
                state.listener = None
            self._disconnect(state)
        deadline = time.monotonic() + _STOP_JOIN_SECONDS
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        httpauth.unregister_ntlm_users(self._user_token)

    def __enter__(self) -> LabEndpoints:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def port(self, node: str) -> int:
        """The node's (last) listening port."""
        return self._nodes[node].port

    def counters(self, node: str) -> NodeCounters:
        """A snapshot copy of the node's counters."""
        state = self._nodes[node]
        with state.lock:
            return dataclasses.replace(state.counters)

    def open_shells(self, node: str) -> int:
        """Shells created on the node and not deleted yet (what counts against MaxShellsPerUser)."""
        return self._nodes[node].shells.open_count()

    def reset_counters(self) -> None:
        """Zero the counters of every node."""
        with self._lock:
            nodes = list(self._nodes.values())
        for state in nodes:
            with state.lock:
                state.counters = NodeCounters()

    # -- connections -------------------------------------------------------------------------------------

    def _disconnect(self, state: _Node) -> None:
        with state.lock:
            conns, state.conns = list(state.conns), set()
        for conn in conns:
            try:
                # socket.socket.shutdown, not SSLSocket.shutdown: it must not touch the TLS object that the
                # connection thread may be using; the thread's blocked recv then returns and it exits.
                socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)
            except OSError:
                pass
        state.shells.abort_all()

    def _accept_loop(self) -> None:
        while not self._closed:
            for key, _ in self._selector.select(timeout=1.0):
                if key.data is None:  # wake-up from close()
                    continue
                self._accept(cast(_Node, key.data), cast(socket.socket, key.fileobj))

    def _accept(self, state: _Node, listener: socket.socket) -> None:
        for _ in range(64):  # drain a burst of connections without re-selecting each time
            with self._lock:
                if state.listener is not listener:  # stopped while we were selecting
                    return
                try:
                    sock, peer = listener.accept()
                except (BlockingIOError, InterruptedError):
                    return
                except OSError as exc:
                    log.warning("accept on node %s failed: %s", state.name, exc)
                    return
                conn = _Conn(sock)
                thread = threading.Thread(
                    target=self._serve, args=(state, conn, peer[0]), name=f"lab-{state.name}", daemon=True
                )
                self._threads.add(thread)
                # Registered while self._lock is held, so a concurrent stop_node either prevented this accept
                # or will see (and shut down) this connection.
                with state.lock:
                    state.conns.add(conn)
                    state.counters.connections += 1
            thread.start()

    def _serve(self, state: _Node, conn: _Conn, peer: str) -> None:
        """One TCP connection: TLS handshake (here, not in the acceptor: gotcha 12), then keep-alive requests
        sharing one NTLM context (requests_ntlm authenticates the connection)."""
        sock = conn.sock
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(_HANDSHAKE_TIMEOUT)
            if self._ssl is not None:
                sock = conn.sock = self._ssl.wrap_socket(sock, server_side=True)
            sock.settimeout(_IDLE_TIMEOUT)
            auth = httpauth.ConnectionAuth(self._policy, state.name)
            with sock.makefile("rb") as rfile:
                while True:
                    try:
                        req = _read_request(rfile)
                    except _BadRequest as bad:
                        sock.sendall(_http_response(bad.status, b"", None, (), keep_alive=False))
                        return
                    if req is None:
                        return
                    status, body, ctype, headers = self._respond(state, auth, req, peer)
                    keep_alive = req.keep_alive and status != 400
                    sock.sendall(_http_response(status, body, ctype, headers, keep_alive))
                    if not keep_alive:
                        return
        except OSError as exc:  # includes ssl.SSLError, timeouts and resets by the client or stop_node
            log.debug("connection from %s to node %s ended: %s", peer, state.name, exc)
        except Exception:
            log.exception("connection from %s to node %s failed", peer, state.name)
        finally:
            sock.close()
            with state.lock:
                state.conns.discard(conn)
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _respond(
        self, state: _Node, auth: httpauth.ConnectionAuth, req: _HttpRequest, peer: str
    ) -> tuple[int, bytes, str | None, tuple[tuple[str, str], ...]]:
        """Authenticate, decrypt, dispatch and encrypt one request: ``(status, body, content type, headers)``."""
        state.count("http_requests")
        if req.method != "POST":
            return 405, b"", None, (("Allow", "POST"),)
        if req.target.split("?", 1)[0].rstrip("/").lower() != "/wsman":
            return 404, b"", None, ()
        outcome = auth.authenticate(req.headers.get("Authorization"))
        if outcome.principal is None:
            return outcome.status, b"", None, outcome.headers
        encrypted = httpauth.is_encrypted(req.headers.get("Content-Type") or "")
        if encrypted:
            try:
                plain = auth.unwrap(req.body)
            except httpauth.MessageSecurityError as exc:
                log.warning("node %s: undecryptable message from %s: %s", state.name, peer, exc)
                return 400, b"", None, ()
        else:
            plain = req.body
        # Kerberos' AP-REP rides on the 200 (mutual authentication, which pywinrm requires).
        if not plain:
            # pywinrm's setup_encryption sends an empty POST only to run the handshake: 2xx + empty body.
            return 200, b"", None, outcome.headers
        # Windows' AllowUnencrypted=false refuses every unencrypted body over HTTP: a sealable logon that did not
        # seal, and Basic, which cannot (needs both Basic=true and AllowUnencrypted=true: MS-WSMV 2.2.4.36;
        # diyan/pywinrm#79; review clients.md D10).
        if not encrypted and self.config.scheme == "http" and not self.config.allow_unencrypted:
            # Windows' AllowUnencrypted=false; pywinrm reports the 401 as InvalidCredentialsError.
            return 401, b"", None, auth.challenge().headers
        identity = identity_for(outcome.principal, outcome.scheme, outcome.can_delegate, node=state.name)
        host = f"[{self._host}]" if self._family == socket.AF_INET6 else self._host
        address = f"{self.config.scheme}://{host}:{state.port}/wsman"
        if len(plain) > self.config.limits(state.name).max_envelope_kb * 1024:
            # A request over MaxEnvelopeSizekb: HTTP 413 with no body (ansible.windows#391, masterzen/winrm#156);
            # the Windows client reports "the request size exceeded the configured MaxEnvelopeSize quota".
            return 413, b"", None, outcome.headers
        status, xml = state.shells.handle(plain, identity, peer, address)
        if encrypted:
            body, ctype = auth.wrap(xml)
            return status, body, ctype, outcome.headers
        return status, xml, SOAP_CONTENT_TYPE, outcome.headers
