"""Kerberos and CredSSP options of the inventory's ``connection`` (and a node's ``spn_host``), validated strictly.

Kerberos names the user by principal, ``user@REALM``: a ``CORP\\user`` handed to the Kerberos library becomes
``CORPuser@DEFAULT.REALM`` (the backslash is eaten), so the NetBIOS form is mapped here with the inventory's
``domain: {netbios, dns}`` (the realm of an AD domain is its DNS name in upper case), or ``realm:`` /
``principal:`` give it explicitly. Options that only make sense for one transport are refused for the others, so
a typo never silently changes how ssocheck authenticates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the reader lives in inventory.py, which imports this module
    from ssocheck.inventory import _Reader

KERBEROS_ONLY = ("credential_cache", "keytab", "delegation")
CREDSSP_AUTH = ("kerberos", "ntlm")
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$")
_REALM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")


@dataclass(frozen=True)
class KerberosOptions:
    """The parsed Kerberos/CredSSP part of ``connection``."""

    username: str
    principal: str | None = None
    credential_cache: str | None = None
    keytab: Path | None = None
    delegation: bool = False
    credssp_auth: str = "kerberos"


def map_principal(username: str, realm: str | None, netbios: str | None) -> tuple[str | None, str | None]:
    """``(principal, problem)`` for ``username``: ``CORP\\\\user`` or ``user@dns`` -> ``user@REALM``."""
    if "\\" in username:
        dom, _, user = username.partition("\\")
        if not user or "\\" in user:
            return None, f"{username!r} is not DOMAIN\\user"
        if dom in (".", "") or (netbios and dom.upper() != netbios.upper()):
            return None, (
                f"{username!r}: Kerberos needs a domain account; the domain {dom!r} is not the inventory's "
                f"domain.netbios ({netbios or 'not set'}); give connection.principal: user@REALM"
            )
        if not realm:
            return None, (
                f"{username!r}: Kerberos needs user@REALM; set domain: {{netbios: {dom}, dns: ...}} or "
                "connection.realm, or give connection.principal"
            )
        return f"{user}@{realm}", None
    if "@" in username:
        user, _, suffix = username.rpartition("@")
        if not user or not _REALM.match(suffix):
            return None, f"{username!r} is not user@REALM"
        # A UPN's suffix is usually the domain's DNS name; the Kerberos realm is its upper-case form.
        return f"{user}@{(realm or suffix).upper()}", None
    if not realm:
        return None, f"{username!r}: Kerberos needs user@REALM; set domain.dns or connection.realm"
    return f"{username}@{realm}", None


def kerberos_options(r: _Reader, transport: str, base: Path, domain: tuple[str | None, str | None]) -> KerberosOptions:
    """Read and check ``principal``, ``realm``, ``credential_cache``, ``keytab``, ``delegation``, ``credssp_auth``."""
    netbios, dns = domain
    for key in KERBEROS_ONLY:
        if key in r.data and transport != "kerberos":
            hint = " (CredSSP always delegates the password)" if key == "delegation" else ""
            raise r.error(key, f"only applies to transport kerberos, not {transport}{hint}")
    if "credssp_auth" in r.data and transport != "credssp":
        raise r.error("credssp_auth", f"only applies to transport credssp, not {transport}")
    for key in ("principal", "realm"):
        if key in r.data and transport not in ("kerberos", "credssp"):
            raise r.error(key, f"only applies to transports kerberos and credssp, not {transport}")
    explicit = r.get("principal", str, None)
    realm_raw = r.get("realm", str, None)
    if realm_raw is not None and not _REALM.match(realm_raw):
        raise r.error("realm", f"{realm_raw!r} is not a realm name (e.g. CORP.EXAMPLE.COM)")
    realm = (realm_raw or dns or "").upper() or None
    cache = r.get("credential_cache", str, None)
    keytab_raw = r.get("keytab", str, None)
    if cache and keytab_raw:
        raise r.error("keytab", "give either credential_cache or keytab, not both")
    credssp_auth = r.get("credssp_auth", str, "kerberos").lower()
    if credssp_auth not in CREDSSP_AUTH:
        raise r.error("credssp_auth", f"must be one of {', '.join(CREDSSP_AUTH)}")
    username = r.get("username", str, None)
    if username is None:
        if explicit is None:
            raise r.error("username", "is required")
        username = explicit
    principal: str | None = None
    kerberos_inside = transport == "kerberos" or (transport == "credssp" and credssp_auth == "kerberos")
    if explicit is not None:
        user, at, prealm = explicit.rpartition("@")
        if not at or not user or not _REALM.match(prealm):
            raise r.error("principal", f"{explicit!r} is not user@REALM (e.g. ssocheck@CORP.EXAMPLE.COM)")
        principal = f"{user}@{prealm.upper()}"
    elif kerberos_inside:
        principal, problem = map_principal(username, realm, netbios)
        if problem:
            raise r.error("username", problem)
    if cache and ":" not in cache.split("/", 1)[0]:
        cache = f"FILE:{base / cache}"  # a plain path, relative to the inventory like every other file
    return KerberosOptions(
        username=username,
        principal=principal,
        credential_cache=cache,
        keytab=(base / keytab_raw) if keytab_raw else None,
        delegation=r.get("delegation", bool, False),
        credssp_auth=credssp_auth,
    )


def node_spn_host(r: _Reader, transport: str) -> str | None:
    """A node's ``spn_host``: the host name its service principal ``HTTP/<spn_host>`` is registered under."""
    spn_host: str | None = r.get("spn_host", str, None)
    if spn_host is None:
        return None
    if transport == "credssp":
        raise r.error("spn_host", "CredSSP builds the service principal from address (requests-credssp has no "
                                  "override): put the host name in address instead")
    if transport != "kerberos":
        raise r.error("spn_host", f"only applies to transport kerberos, not {transport}")
    if not _HOST.match(spn_host):
        raise r.error("spn_host", f"{spn_host!r} is not a host name (e.g. node1.corp.example.com)")
    return spn_host.rstrip(".")
