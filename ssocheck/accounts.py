"""Windows account name normalisation, so the same account written two ways compares equal.

Windows shows one account as ``CORP\\svc_sso``, ``corp.example.com\\svc_sso``,
``svc_sso@corp.example.com``, ``svc_sso`` or, for local accounts, ``.\\name``; a gMSA ends in ``$``;
case never matters; a SID (``S-1-5-21-...``) identifies an account whatever its name. Getting this
wrong is the likeliest source of false failures, hence one tested helper used by every check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SID = re.compile(r"^\*?S-1-\d+(-\d+)+$", re.I)

# Built-in service identities; compared by well-known name or SID.
WELL_KNOWN = {
    "localsystem": "S-1-5-18",
    "nt authority\\system": "S-1-5-18",
    "system": "S-1-5-18",
    "nt authority\\localservice": "S-1-5-19",
    "nt authority\\local service": "S-1-5-19",
    "nt authority\\networkservice": "S-1-5-20",
    "nt authority\\network service": "S-1-5-20",
}
BUILTIN_SERVICE_SIDS = frozenset({"S-1-5-18", "S-1-5-19", "S-1-5-20"})


@dataclass(frozen=True)
class Domain:
    """The NetBIOS and DNS names of the domain the accounts live in (either may be unknown)."""

    netbios: str | None = None
    dns: str | None = None

    def canonical(self, name: str) -> str:
        """Map a DNS domain (or its first label) to the NetBIOS name when known."""
        low = name.lower()
        if self.dns and self.netbios and low in (self.dns.lower(), self.dns.split(".")[0].lower()):
            return self.netbios.lower()
        return low


@dataclass(frozen=True)
class Account:
    """A normalised account: lower-case ``domain`` ('' unknown, '.' local machine), ``user``, or a SID."""

    domain: str
    user: str
    sid: str | None = None

    @property
    def key(self) -> str:
        """A comparable key: the SID for well-known identities, else ``domain\\user``."""
        if self.sid:
            return self.sid
        return f"{self.domain}\\{self.user}" if self.domain else self.user

    def __str__(self) -> str:
        return self.key


def parse_account(text: str, domain: Domain | None = None, machine: str | None = None) -> Account:
    """Normalise one account string; ``machine`` resolves ``.\\name`` to ``MACHINE\\name``."""
    dom = domain or Domain()
    raw = text.strip()
    if SID.match(raw):
        return Account("", "", raw.lstrip("*").upper())
    low = raw.lower()
    if low in WELL_KNOWN:
        return Account("", "", WELL_KNOWN[low])
    if "\\" in raw:
        d, _, user = raw.partition("\\")
        d = d.strip()
        if d in (".", "") and machine:
            d = machine
        return Account(dom.canonical(d) if d != "." else ".", user.strip().lower())
    if "@" in raw:
        user, _, d = raw.partition("@")
        return Account(dom.canonical(d.strip()), user.strip().lower())
    # A bare name: assume the domain when one is configured (that is how services display it).
    return Account(dom.netbios.lower() if dom.netbios else "", low)


def same_account(a: str, b: str, domain: Domain | None = None, machine: str | None = None) -> bool:
    """True when ``a`` and ``b`` name the same account.

    A bare user name matches the same user in any domain only when no domain is configured, and
    a gMSA's trailing ``$`` is significant (``svc$`` and ``svc`` are different accounts).
    """
    x, y = parse_account(a, domain, machine), parse_account(b, domain, machine)
    if x.sid or y.sid:
        return x.sid == y.sid
    if x.user != y.user:
        return False
    return x.domain == y.domain or not x.domain or not y.domain


def is_builtin_service_account(text: str) -> bool:
    """LocalSystem, LocalService or NetworkService (in any spelling)."""
    return parse_account(text).sid in BUILTIN_SERVICE_SIDS


def is_managed_service_account(text: str) -> bool:
    """A (group) managed service account or computer account: ``DOMAIN\\name$`` / ``name$@dns`` / ``name$``.

    Windows shows a gMSA's logon name with the trailing ``$`` of its sAMAccountName; a SID says nothing
    about the account type, so a SID is never reported as one.
    """
    acc = parse_account(text)
    return not acc.sid and acc.user.endswith("$")
