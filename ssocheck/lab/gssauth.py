"""Kerberos (Negotiate) and CredSSP acceptors of the lab endpoint, answering as a Windows WinRM service would.

The acceptor is pyspnego with the keys of the process's keytab (``KRB5_KTNAME``, written by
:class:`ssocheck.lab.kdc.LabKdc`): one keytab serves every simulated node, so the checks a Windows node makes
with its OWN account key are made here explicitly, before the ticket is accepted:

* the ticket must be for one of the node's service principals (``HTTP/<name>``, ``HTTP/<name>.<dns>``, or the
  loopback address the lab registers for every node). A ticket for another node's SPN fails on Windows because it
  is encrypted with another account's key (``KRB_AP_ERR_MODIFIED``); the answer is a plain 401.
* the node's clock must be within 5 minutes of the client's (Windows' default "Maximum tolerance for computer clock
  synchronization", https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-10/security/threat-protection/security-policy-settings/maximum-tolerance-for-computer-clock-synchronization),
  else ``KRB_AP_ERR_SKEW``, again a 401.
* a forwarded ticket gives a session that can delegate only when the node is trusted for delegation (on Windows
  the client forwards its TGT only to a service whose ticket carries OK-AS-DELEGATE, i.e. whose account is trusted
  for delegation; MIT clients forward regardless, so the lab applies the rule on the server side).

Facts measured in the project's feasibility spike and relied on here: pywinrm sends a raw krb5 GSS token (not
SPNEGO) under ``Authorization: Negotiate`` preemptively, and REQUIRES the AP-REP in ``WWW-Authenticate`` on the 200
(mutual authentication); pyspnego raises AttributeError (not SpnegoError) when the keytab lacks the key, so every
exception of ``step()`` is a refusal. CredSSP (``requests-credssp``): 401 ``WWW-Authenticate: CredSSP`` first, then
one 401 per leg carrying ``CredSSP <token>``, the final leg's request is answered for real (200); the TLS tunnel is
pyspnego's own (self-signed certificate, made once per process); the delegated password arrives in the last leg.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass

import spnego

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW_S = 300.0
# OID 1.2.840.113554.1.2.2 (krb5) followed by TOK_ID 01 00 (AP-REQ): the start of a krb5 GSS initial token, raw
# or inside an SPNEGO NegTokenInit.
_KRB5_AP_REQ_MARKER = bytes.fromhex("06092a864886f712010202") + b"\x01\x00"


@dataclass(frozen=True)
class KerberosNode:
    """What one node's Kerberos acceptor knows about itself, looked up when a client authenticates."""

    spns: frozenset[str]  # lower-case service principals without realm, e.g. "http/node1.corp.example.com"
    clock_offset_s: float = 0.0
    trusted_for_delegation: bool = False


@dataclass(frozen=True)
class GssResult:
    """One accepted (or refused) token: the principal once authenticated, the token to answer with."""

    principal: str | None
    out_token: bytes | None = None
    can_delegate: bool = False
    refused: str | None = None  # why the token was refused (logged; Windows answers a plain 401)


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """DER tag, content start and content end of the element at ``pos``."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER element")
    return tag, pos, pos + length


def _fields(data: bytes, start: int, end: int) -> dict[int, tuple[int, int]]:
    """Context-tagged fields ``[n]`` of a SEQUENCE's content: n -> (start, end) of the field's content."""
    out: dict[int, tuple[int, int]] = {}
    pos = start
    while pos < end:
        tag, s, e = _tlv(data, pos)
        out[tag & 0x1F] = (s, e)
        pos = e
    return out


def _sequence(data: bytes, start: int) -> dict[int, tuple[int, int]]:
    tag, s, e = _tlv(data, start)
    if tag != 0x30:
        raise ValueError("expected a SEQUENCE")
    return _fields(data, s, e)


def ticket_service(token: bytes) -> str | None:
    """``service/host`` (lower case) of the ticket in a krb5 AP-REQ token (raw GSS or SPNEGO), None if none.

    The ticket's sname is in clear text (RFC 4120 5.3): Ticket ::= [APPLICATION 1] SEQUENCE {[0] tkt-vno,
    [1] realm, [2] sname PrincipalName, [3] enc-part}; AP-REQ ::= [APPLICATION 14] SEQUENCE {..., [3] ticket}.
    """
    at = token.find(_KRB5_AP_REQ_MARKER)
    if at < 0:
        return None
    try:
        pos = at + len(_KRB5_AP_REQ_MARKER)
        tag, s, _ = _tlv(token, pos)
        if tag != 0x6E:  # [APPLICATION 14] AP-REQ
            return None
        ticket_s, _ = _sequence(token, s)[3]
        tag, s, _ = _tlv(token, ticket_s)
        if tag != 0x61:  # [APPLICATION 1] Ticket
            return None
        sname_s, _ = _sequence(token, s)[2]
        names_s, _ = _sequence(token, sname_s)[1]
        tag, s, e = _tlv(token, names_s)
        parts = []
        pos = s
        while pos < e:
            _, ps, pe = _tlv(token, pos)
            parts.append(token[ps:pe].decode("utf-8", errors="replace"))
            pos = pe
        return "/".join(parts).lower()
    except (IndexError, KeyError, ValueError):
        return None


def decode_token(token_b64: str) -> bytes | None:
    """The bytes of a base64 ``Authorization`` token, None when malformed."""
    try:
        return base64.b64decode(token_b64, validate=True)
    except binascii.Error:
        return None


class KerberosAcceptor:
    """One connection's Kerberos acceptor (Negotiate with a raw krb5 or SPNEGO token, or the Kerberos scheme)."""

    def __init__(self, node: KerberosNode) -> None:
        """Accept tickets for ``node``'s service principals only."""
        self.node = node
        self.context: spnego.ContextProxy | None = None

    def accept(self, token: bytes) -> GssResult:
        """Check and accept one initial token; Kerberos needs a single leg (AP-REQ in, AP-REP out)."""
        service = ticket_service(token)
        if service is not None and service not in self.node.spns:
            return GssResult(None, refused=f"ticket is for {service}, not a service principal of this node "
                                           "(KRB_AP_ERR_MODIFIED)")
        if abs(self.node.clock_offset_s) > MAX_CLOCK_SKEW_S:
            return GssResult(None, refused=f"node clock is {self.node.clock_offset_s:+.0f} s off (KRB_AP_ERR_SKEW)")
        raw_krb5 = token.startswith(b"\x60") and token[2:4] == b"\x06\x09" and _KRB5_AP_REQ_MARKER in token[:24]
        try:
            ctx = spnego.server(service="HTTP", protocol="kerberos" if raw_krb5 else "negotiate")
            out = ctx.step(token)
        except Exception as exc:  # pyspnego raises AttributeError on a missing key, not only SpnegoError
            return GssResult(None, refused=f"{type(exc).__name__}: {exc}")
        if not ctx.complete:
            return GssResult(None, refused="Kerberos needs one leg; the token did not complete the context")
        self.context = ctx
        delegated = bool(ctx.context_attr & spnego.ContextReq.delegate)
        return GssResult(
            ctx.client_principal or "?", out, can_delegate=delegated and self.node.trusted_for_delegation
        )


class CredSspAcceptor:
    """One connection's CredSSP exchange (TLS, then Kerberos or NTLM inside, then the delegated credentials)."""

    def __init__(self) -> None:
        """Start a fresh pyspnego CredSSP acceptor."""
        self.context = spnego.server(protocol="credssp")
        self.principal: str | None = None

    def step(self, token: bytes) -> GssResult:
        """One leg: the token to send back in a 401, or the authenticated principal after the last leg."""
        try:
            out = self.context.step(token)
        except Exception as exc:
            return GssResult(None, refused=f"{type(exc).__name__}: {exc}")
        if not self.context.complete:
            return GssResult(None, out_token=out)
        cred = self.context.get_extra_info("client_credential", None)
        user = getattr(cred, "username", None)
        domain = getattr(cred, "domain_name", None)
        if not user:
            return GssResult(None, refused="CredSSP finished without delegated credentials")
        self.principal = f"{domain}\\{user}" if domain else str(user)
        log.info("CredSSP delegated %s credentials for %s", type(cred).__name__, self.principal)
        # CredSSP hands the node the user's password: the session can always make a second hop.
        return GssResult(self.principal, out, can_delegate=True)
