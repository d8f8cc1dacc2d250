"""HTTP authentication for the lab endpoint: NTLM and Basic acceptors, MS-WSMV message encryption, CBT.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

log = logging.getLogger(__name__)

ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
# pywinrm treats a response as encrypted only if its Content-Type contains exactly protocol="..." (quoted).
ENCRYPTED_CONTENT_TYPE = f'multipart/encrypted;protocol="{ENCRYPTED_PROTOCOL}";boundary="Encrypted Boundary"'
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


@dataclass(frozen=True)
class AuthOutcome:
    """Result of checking one request: a principal to proceed with, or a status + headers to answer."""

    principal: str | None
    scheme: str | None = None
    status: int = 401
    headers: tuple[tuple[str, str], ...] = ()


class ConnectionAuth:
    """Authentication state of ONE TCP connection (NTLM authenticates the connection, not the request)."""

    def __init__(self, policy: AuthPolicy) -> None:
        """Start unauthenticated."""
        self._policy = policy
        self._context: spnego.ContextProxy | None = None
        self._principal: str | None = None

    @property
    def sealing(self) -> bool:
        """True once an NTLM context is established, so message encryption is possible."""
        return self._principal is not None

    def challenge(self) -> AuthOutcome:
        """401 offering the enabled schemes, like Windows (Negotiate carries raw NTLMSSP for requests_ntlm)."""
        headers = []
        if "ntlm" in self._policy.schemes:
            headers.append(("WWW-Authenticate", "Negotiate"))
        if "basic" in self._policy.schemes:
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return AuthOutcome(None, headers=tuple(headers))

    def authenticate(self, authorization: str | None) -> AuthOutcome:
        """Check a request's ``Authorization`` header (never logged) against the connection state."""
        if not authorization:
            if self._principal is not None:
                return AuthOutcome(self._principal, "ntlm", 200)
            return self.challenge()
        scheme, _, token = authorization.strip().partition(" ")
        scheme_l = scheme.lower()
        if scheme_l == "basic" and "basic" in self._policy.schemes:
            return self._basic(token.strip())
        if scheme_l in ("negotiate", "ntlm") and "ntlm" in self._policy.schemes:
            return self._ntlm(scheme, token.strip())
        return self.challenge()

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
            raise MessageSecurityError("encrypted message on a connection without an NTLM context")
        return unwrap_message(self._context, body)

    def wrap(self, plain: bytes) -> bytes:
        """Encrypt a response body in the framing pywinrm expects (use with :data:`ENCRYPTED_CONTENT_TYPE`)."""
        if self._context is None:
            raise MessageSecurityError("no NTLM context to encrypt with")
        return wrap_message(self._context, plain)


def is_encrypted(content_type: str) -> bool:
    """True for a ``multipart/encrypted`` SPNEGO-session-encrypted request body."""
    lowered = content_type.lower()
    return lowered.startswith("multipart/encrypted") and ENCRYPTED_PROTOCOL.lower() in lowered


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
