"""HTTP authentication for the lab endpoint: NTLM, Kerberos, CredSSP and Basic acceptors, MS-WSMV message
encryption, CBT. Kerberos and CredSSP are in :mod:`ssocheck.lab.gssauth`; this module keeps the per-connection
state and the message framing.

NTLM is accepted with pyspnego's pure-Python acceptor, one context per TCP connection: requests_ntlm
authenticates the *connection* and later requests on it carry no ``Authorization`` header. The acceptor looks
accounts up in the file named by the process-wide ``NTLM_USER_FILE`` variable, so every
:class:`~ssocheck.lab.endpoint.LabEndpoints` of the process registers its accounts into one shared file here
(see :func:`register_ntlm_users`).
"""

from __future__ import annotations

import atexit
import base64
import binascii
import hmac
import itertools
import logging
import os
import shutil
import socket
import struct
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from ssocheck.lab.gssauth import CredSspAcceptor, KerberosAcceptor, KerberosNode, decode_token

log = logging.getLogger(__name__)

ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
# pywinrm treats a response as encrypted only if its Content-Type contains exactly protocol="..." (quoted).
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
# MS-WSMV 2.2.9.1.3: CredSSP seals with the TLS session inside CredSSP; bodies over 16 KiB go as one part per 16 KiB
# ("multipart/x-multi-encrypted"), each part <u32le TLS trailer length><TLS records>.
CREDSSP_PROTOCOL = "application/HTTP-CredSSP-session-encrypted"
CREDSSP_CHUNK = 16384
_BOUNDARY = b"--Encrypted Boundary"
_OCTET_STREAM = b"\tContent-Type: application/octet-stream\r\n"
_NTLMSSP = b"NTLMSSP\x00"


class MessageSecurityError(Exception):
    """An encrypted body that cannot be unwrapped (bad framing, signature or length)."""


@dataclass(frozen=True)
class Account:
    """One credential line: pyspnego's acceptor needs an exact (case-insensitive) domain match."""

    domain: str
    user: str
    password: str
    alias: bool = False  # an extra line under a domain clients send for a local user ("", ".", host name)


def expand_accounts(users: Mapping[str, str], hostname: str | None = None) -> tuple[Account, ...]:
    """Accounts for ``"DOMAIN\\\\user"`` / ``"user"`` keys, plus aliases under the domains clients really send.

    pywinrm with a bare ``user`` sends an empty domain; Go's go-ntlmssp sends the challenge's TargetName (the
    server's host name); scripts often use ``.\\\\user``. Exact entries come first so they win over aliases.
    """
    host = hostname or socket.gethostname()
    exact: list[Account] = []
    for key, password in users.items():
        domain, _, user = key.rpartition("\\")
        for field in (domain, user, password):
            # The Heimdal line format is DOMAIN:USER:PASSWORD, split on every ':'.
            if ":" in field or "\n" in field or "\r" in field:
                raise ValueError(f"lab account {key!r}: ':' and line breaks are not supported in NTLM_USER_FILE")
        if not user:
            raise ValueError(f"lab account {key!r} has no user name")
        exact.append(Account(domain, user, password))
    aliases = [
        Account(alias, acc.user, acc.password, alias=True)
        for acc in exact
        for alias in dict.fromkeys(("", ".", host, host.split(".")[0]))
        if alias.upper() != acc.domain.upper()
    ]
    return tuple(exact + aliases)


def find_account(accounts: Iterable[Account], domain: str, user: str) -> Account | None:
    """The first account matching ``domain``/``user`` case-insensitively (the acceptor's lookup rule)."""
    for acc in accounts:
        if acc.domain.upper() == domain.upper() and acc.user.upper() == user.upper():
            return acc
    return None


_REGISTRY_LOCK = threading.Lock()
_REGISTRY: dict[int, tuple[Account, ...]] = {}
_TOKENS = itertools.count(1)
_USER_DIR: str | None = None


def register_ntlm_users(accounts: tuple[Account, ...]) -> tuple[int, str]:
    """Merge ``accounts`` into the process-wide NTLM user file and point ``NTLM_USER_FILE`` at it.

    Returns ``(token, path)``; pass the token to :func:`unregister_ntlm_users`. The variable is process-wide and
    pyspnego re-reads the file at every authentication, so several lab endpoints in one process share one file
    that holds all their accounts (earlier registrations keep working). Written atomically, mode 0600; any
    ``NTLM_USER_FILE`` set before is replaced. The acceptor takes the FIRST matching line, so the same
    ``DOMAIN\\user`` with a different password in two registrations is refused with ValueError.
    """
    global _USER_DIR
    with _REGISTRY_LOCK:
        known = {(a.domain.upper(), a.user.upper()): a for accs in _REGISTRY.values() for a in accs if not a.alias}
        for acc in accounts:
            other = known.get((acc.domain.upper(), acc.user.upper()))
            if other is not None and not acc.alias and other.password != acc.password:
                raise ValueError(
                    f"lab account {acc.domain}\\{acc.user} is already registered with another password by another "
                    "LabEndpoints in this process (NTLM_USER_FILE is process-wide)"
                )
        if _USER_DIR is None:
            _USER_DIR = tempfile.mkdtemp(prefix="ssocheck-lab-")  # 0700
            atexit.register(shutil.rmtree, _USER_DIR, True)
        token = next(_TOKENS)
        _REGISTRY[token] = accounts
        path = _write_user_file(_USER_DIR)
        os.environ["NTLM_USER_FILE"] = path
        return token, path


def unregister_ntlm_users(token: int) -> None:
    """Remove one registration's accounts from the shared user file (other registrations stay)."""
    with _REGISTRY_LOCK:
        if _REGISTRY.pop(token, None) is not None and _USER_DIR is not None:
            _write_user_file(_USER_DIR)


def _write_user_file(directory: str) -> str:
    path = os.path.join(directory, "ntlm-users")
    lines = "".join(f"{a.domain}:{a.user}:{a.password}\n" for accs in _REGISTRY.values() for a in accs)
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(lines)
    os.replace(tmp, path)  # readers (the acceptor) never see a half-written file
    return path


def channel_bindings(cert_pem: bytes) -> GssChannelBindings:
    """RFC 5929 ``tls-server-end-point`` bindings for the server's (first) PEM certificate.

    The hash is the certificate's signature hash, or SHA-256 if that is MD5/SHA-1, as requests_ntlm computes it.
    """
    cert = x509.load_pem_x509_certificate(cert_pem)
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(cert.public_bytes(Encoding.DER))
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest.finalize())


@dataclass(frozen=True)
class AuthPolicy:
    """What an endpoint accepts: schemes (``ntlm``/``basic``), accounts, and CBT for NTLM over HTTPS."""

    schemes: frozenset[str]
    accounts: tuple[Account, ...]
    bindings: GssChannelBindings | None = None
    # kerberos: what the node named by the argument knows about itself (SPNs, clock, trusted for delegation)
    kerberos_node: Callable[[str], KerberosNode] | None = None


@dataclass(frozen=True)
class AuthOutcome:
    """Result of checking one request: a principal to proceed with, or a status + headers to answer."""

    principal: str | None
    scheme: str | None = None
    status: int = 401
    headers: tuple[tuple[str, str], ...] = ()
    can_delegate: bool = False  # the logon holds credentials for a second hop (CredSSP, forwarded Kerberos)


class ConnectionAuth:
    """Authentication state of ONE TCP connection (NTLM authenticates the connection, not the request)."""

    def __init__(self, policy: AuthPolicy, node: str = "") -> None:
        """Start unauthenticated; ``node`` is the simulated server this connection reached."""
        self._policy = policy
        self._node = node
        self._context: spnego.ContextProxy | None = None
        self._principal: str | None = None
        self._scheme = "ntlm"
        self._can_delegate = False
        self._credssp: CredSspAcceptor | None = None

    @property
    def scheme(self) -> str:
        """The mechanism that authenticated this connection (``ntlm``, ``kerberos``, ``credssp``)."""
        return self._scheme

    def challenge(self) -> AuthOutcome:
        """401 offering the enabled schemes, like Windows (Negotiate carries raw NTLMSSP for requests_ntlm)."""
        headers = []
        schemes = self._policy.schemes
        if "ntlm" in schemes or "kerberos" in schemes:
            headers.append(("WWW-Authenticate", "Negotiate"))
        if "kerberos" in schemes:
            headers.append(("WWW-Authenticate", "Kerberos"))
        if "credssp" in schemes:
            headers.append(("WWW-Authenticate", "CredSSP"))
        if "basic" in schemes:
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return AuthOutcome(None, headers=tuple(headers))

    def authenticate(self, authorization: str | None) -> AuthOutcome:
        """Check a request's ``Authorization`` header (never logged) against the connection state."""
        if not authorization:
            if self._principal is not None:
                return AuthOutcome(self._principal, self._scheme, 200, can_delegate=self._can_delegate)
            return self.challenge()
        scheme, _, token = authorization.strip().partition(" ")
        scheme_l = scheme.lower()
        schemes = self._policy.schemes
        if scheme_l == "basic" and "basic" in schemes:
            return self._basic(token.strip())
        if scheme_l == "credssp" and "credssp" in schemes:
            return self._credssp_step(token.strip())
        if scheme_l in ("negotiate", "kerberos") and "kerberos" in schemes:
            raw = decode_token(token.strip())
            if raw is not None and not raw.startswith(_NTLMSSP):
                return self._kerberos(scheme, raw)
        if scheme_l in ("negotiate", "ntlm") and "ntlm" in schemes:
            return self._ntlm(scheme, token.strip())
        return self.challenge()

    def _kerberos(self, scheme: str, token: bytes) -> AuthOutcome:
        """One-leg Kerberos: AP-REQ in, AP-REP back on the 200 (pywinrm requires mutual authentication)."""
        self._principal = None
        if self._policy.kerberos_node is None:
            return self.challenge()
        acceptor = KerberosAcceptor(self._policy.kerberos_node(self._node))
        result = acceptor.accept(token)
        if result.principal is None:
            log.info("node %s: Kerberos authentication refused: %s", self._node, result.refused)
            return self.challenge()
        self._context = acceptor.context
        self._principal, self._scheme, self._can_delegate = result.principal, "kerberos", result.can_delegate
        log.debug("Kerberos authenticated %s (can delegate: %s)", self._principal, self._can_delegate)
        headers: tuple[tuple[str, str], ...] = ()
        if result.out_token:
            headers = (("WWW-Authenticate", f"{scheme} {base64.b64encode(result.out_token).decode()}"),)
        return AuthOutcome(self._principal, "kerberos", 200, headers, result.can_delegate)

    def _credssp_step(self, token_b64: str) -> AuthOutcome:
        """One CredSSP leg on this connection: a 401 with the next token, or the authenticated request."""
        token = decode_token(token_b64)
        if token is None:
            return self.challenge()
        if self._credssp is None or self._principal is not None:
            self._credssp = CredSspAcceptor()  # a new exchange (re)starts on this connection
            self._principal = None
        result = self._credssp.step(token)
        if result.refused:
            log.info("node %s: CredSSP authentication refused: %s", self._node, result.refused)
            self._credssp = None
            return self.challenge()
        if result.principal is None:
            header = f"CredSSP {base64.b64encode(result.out_token or b'').decode()}"
            return AuthOutcome(None, headers=(("WWW-Authenticate", header),))
        self._context = self._credssp.context
        self._principal, self._scheme, self._can_delegate = result.principal, "credssp", True
        return AuthOutcome(self._principal, "credssp", 200, can_delegate=True)

    def _basic(self, token: str) -> AuthOutcome:
        try:
            user_pass = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return self.challenge()
        name, _, password = user_pass.partition(":")
        domain, _, user = name.rpartition("\\")
        acc = find_account(self._policy.accounts, domain, user)
        if acc is None or not hmac.compare_digest(acc.password.encode(), password.encode()):
            log.info("basic authentication failed for %r", name)
            return self.challenge()
        return AuthOutcome(f"{acc.domain}\\{acc.user}" if acc.domain else acc.user, "basic", 200)

    def _ntlm(self, scheme: str, token_b64: str) -> AuthOutcome:
        try:
            token = base64.b64decode(token_b64, validate=True)
        except binascii.Error:
            return self.challenge()
        # requests_ntlm sends raw NTLMSSP even under "Negotiate"; SPNEGO/Kerberos tokens are not supported.
        if not token.startswith(_NTLMSSP) or len(token) < 12:
            log.info("refusing a non-NTLM %s token", scheme)
            return self.challenge()
        message_type = struct.unpack("<I", token[8:12])[0]
        try:
            if message_type == 1:  # NEGOTIATE: (re)start the handshake on this connection
                self._principal = None
                self._context = spnego.server(
                    protocol="ntlm",
                    channel_bindings=self._policy.bindings,
                    options=spnego.NegotiateOptions.use_ntlm,  # pure Python acceptor: reads NTLM_USER_FILE
                )
                challenge = self._context.step(token) or b""
                header = f"{scheme} {base64.b64encode(challenge).decode()}"
                return AuthOutcome(None, headers=(("WWW-Authenticate", header),))
            if message_type == 3 and self._context is not None:
                self._context.step(token)  # raises on a bad password, missing/wrong CBT, bad MIC
                self._principal = self._context.client_principal or "?"
                self._scheme, self._can_delegate = "ntlm", False  # an NTLM logon has nothing to pass on
                log.debug("NTLM authenticated %s", self._principal)
                return AuthOutcome(self._principal, "ntlm", 200)
        except (SpnegoError, ValueError, struct.error) as exc:
            log.info("NTLM authentication failed: %s", exc)
        self._context = None
        self._principal = None
        return self.challenge()

    def unwrap(self, body: bytes) -> bytes:
        """Decrypt an MS-WSMV ``multipart/encrypted`` body (exactly one unwrap per request keeps the NTLM
        sequence numbers in step with the client)."""
        if self._context is None or self._principal is None:
            raise MessageSecurityError("encrypted message on a connection without a security context")
        if self._scheme == "credssp":
            return unwrap_credssp(self._context, body)
        return unwrap_message(self._context, body)

    def wrap(self, plain: bytes) -> tuple[bytes, str]:
        """Encrypt a response body in the framing pywinrm expects: ``(body, Content-Type)``."""
        if self._context is None:
            raise MessageSecurityError("no security context to encrypt with")
        if self._scheme == "credssp":
            return wrap_credssp(self._context, plain)
        return wrap_message(self._context, plain), ENCRYPTED_CONTENT_TYPE


def is_encrypted(content_type: str) -> bool:
    """True for an MS-WSMV encrypted request body (SPNEGO or CredSSP session encryption)."""
    lowered = content_type.lower()
    multipart = lowered.startswith("multipart/encrypted") or lowered.startswith("multipart/x-multi-encrypted")
    return multipart and (ENCRYPTED_PROTOCOL.lower() in lowered or CREDSSP_PROTOCOL.lower() in lowered)


def _parts(body: bytes) -> list[tuple[int, bytes]]:
    """``(declared Length, payload)`` of every encrypted part (x-multi-encrypted has several)."""
    head = _BOUNDARY + b"\r\n"
    if not body.startswith(head):
        raise MessageSecurityError("encrypted body does not start with the boundary")
    chunks = [c for c in body.removesuffix(_BOUNDARY + b"--\r\n").split(head) if c]
    if len(chunks) % 2:
        raise MessageSecurityError("encrypted body has a header without a payload part")
    out = []
    for header, payload in zip(chunks[::2], chunks[1::2], strict=True):
        try:
            expected = int(header.split(b"Length=", 1)[1].split(b"\r\n", 1)[0])
        except (IndexError, ValueError) as exc:
            raise MessageSecurityError("encrypted part without a Length") from exc
        out.append((expected, payload.removeprefix(_OCTET_STREAM)))
    return out


def unwrap_credssp(context: spnego.ContextProxy, body: bytes) -> bytes:
    """Decrypt a CredSSP-sealed body: each part is ``<u32le trailer length><TLS records>``."""
    plain = []
    for expected, payload in _parts(body):
        try:
            data = context.unwrap(payload[4:]).data
        except Exception as exc:  # TLS errors come as ssl.SSLError or SpnegoError
            raise MessageSecurityError(f"cannot decrypt the CredSSP message: {exc}") from exc
        if len(data) != expected:
            raise MessageSecurityError(f"decrypted length {len(data)} != declared Length={expected}")
        plain.append(data)
    return b"".join(plain)


def wrap_credssp(context: spnego.ContextProxy, plain: bytes) -> tuple[bytes, str]:
    """Seal ``plain`` with the CredSSP TLS session, one part per 16 KiB like Windows: ``(body, Content-Type)``."""
    chunks = [plain[i : i + CREDSSP_CHUNK] for i in range(0, len(plain), CREDSSP_CHUNK)] or [b""]
    parts = []
    for chunk in chunks:
        sealed = context.wrap(chunk).data
        parts.append(b"".join((
            _BOUNDARY, b"\r\n\tContent-Type: ", CREDSSP_PROTOCOL.encode(),
            b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=", str(len(chunk)).encode(),
            b"\r\n", _BOUNDARY, b"\r\n", _OCTET_STREAM,
            # The TLS trailer length (MAC + padding); pywinrm ignores it, AES-GCM's 16-byte tag is the usual value.
            struct.pack("<I", 16), sealed,
        )))
    kind = "multipart/x-multi-encrypted" if len(chunks) > 1 else "multipart/encrypted"
    content_type = f'{kind};protocol="{CREDSSP_PROTOCOL}";boundary="Encrypted Boundary"'
    return b"".join(parts) + _BOUNDARY + b"--\r\n", content_type


def unwrap_message(context: spnego.ContextProxy, body: bytes) -> bytes:
    """Parse the MIME-like framing and decrypt; the plaintext must have the ``Length=`` the client declared."""
    head = _BOUNDARY + b"\r\n"
    if not body.startswith(head):
        raise MessageSecurityError("encrypted body does not start with the boundary")
    second = body.find(head, len(head))
    if second < 0:
        raise MessageSecurityError("encrypted body has no payload part")
    header, payload = body[len(head) : second], body[second + len(head) :]
    payload = payload.removesuffix(_BOUNDARY + b"--\r\n")
    payload = payload.split(b"\r\n", 1)[1] if b"\r\n" in payload else b""  # drop the octet-stream header line
    try:
        expected = int(header.split(b"Length=", 1)[1].split(b"\r\n", 1)[0])
        (sig_len,) = struct.unpack("<I", payload[:4])
        plain = context.unwrap_winrm(payload[4 : 4 + sig_len], payload[4 + sig_len :])
    except (IndexError, ValueError, struct.error, SpnegoError) as exc:
        raise MessageSecurityError(f"cannot decrypt the message: {exc}") from exc
    if len(plain) != expected:
        raise MessageSecurityError(f"decrypted length {len(plain)} != declared Length={expected}")
    return plain


def wrap_message(context: spnego.ContextProxy, plain: bytes) -> bytes:
    """Encrypt ``plain`` as ``<u32le 16><16-byte signature><sealed>`` inside pywinrm's boundary framing."""
    wrapped = context.wrap_winrm(plain)
    return b"".join(
        (
            _BOUNDARY,
            b"\r\n\tContent-Type: ",
            ENCRYPTED_PROTOCOL.encode(),
            b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
            str(len(plain)).encode(),
            b"\r\n",
            _BOUNDARY,
            b"\r\n",
            _OCTET_STREAM,
            struct.pack("<I", len(wrapped.header)),
            wrapped.header,
            wrapped.data,
            _BOUNDARY,
            b"--\r\n",
        )
    )
