"""Kerberos for ssocheck's WinRM sessions: its own ticket in a private credential cache, and one-line causes.

pywinrm's Kerberos transport (pykerberos through its vendored ``requests_kerberos``) never uses a password: it
takes the principal's ticket from the default credential cache collection (``KRB5CCNAME``) and fails without one.
So ssocheck gets the ticket itself, once per process and principal, with the MIT library (``krb5``/``gssapi``
Python bindings, the ``ssocheck[kerberos]`` extra): from the inventory's password (an AS exchange, like ``kinit``),
from a client keytab, or copied out of a credential cache the inventory names. The ticket goes into a cache file
in a private 0700 directory and ``KRB5CCNAME`` points at that directory (a ``DIR:`` collection, one file per
principal) for this process only, so the user's own cache is never written, and no ``kinit`` is needed. The
directory is removed at exit.

Failures of the Kerberos library carry MIT error codes (com_err numbers, also in pykerberos' and pyspnego's
messages); :func:`kerberos_cause` turns the ones an operator can act on into one line.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass

from ssocheck.errors import TransportError
from ssocheck.inventory import Connection
from ssocheck.secrets import Secret

# MIT krb5 error codes (krb5/krb5_err.et, k5e1_err.et): the numbers in "(..., -1765328377)" of library messages.
KDC_ERR_C_PRINCIPAL_UNKNOWN = -1765328378
KDC_ERR_S_PRINCIPAL_UNKNOWN = -1765328377
KDC_ERR_PREAUTH_FAILED = -1765328360
AP_ERR_BAD_INTEGRITY = -1765328353
AP_ERR_TKT_EXPIRED = -1765328352
AP_ERR_SKEW = -1765328347
CC_NOTFOUND = -1765328243
FCC_NOFILE = -1765328189
KDC_UNREACH = -1765328228
REALM_UNKNOWN = -1765328230
REALM_CANT_RESOLVE = -1765328164
KDC_ERR_KEY_EXPIRED = -1765328361
KDC_ERR_CLIENT_REVOKED = -1765328366

_CODE = re.compile(r"-17653\d{5}")
_RENEW_MARGIN_S = 60.0


def kerberos_cause(text: str, principal: str | None = None, spn: str | None = None) -> str | None:
    """One line naming the cause of a Kerberos failure whose message (or code) is ``text``, or None."""
    codes = {int(c) for c in _CODE.findall(text)}
    lowered = text.lower()
    realm = principal.rpartition("@")[2] if principal else "the realm"
    who = principal or "the user"
    if KDC_ERR_S_PRINCIPAL_UNKNOWN in codes or ("server" in lowered and "not found in kerberos database" in lowered):
        target = spn or "the node"
        return (f"unknown SPN: the KDC has no service principal {target}; register it on the node's computer "
                "account (setspn -S) or set the node's spn_host to the name it is registered under")
    if KDC_ERR_C_PRINCIPAL_UNKNOWN in codes or "client not found in kerberos database" in lowered:
        return f"wrong realm or user: the KDC of {realm} does not know {who} (check username/principal and realm)"
    if REALM_UNKNOWN in codes or REALM_CANT_RESOLVE in codes or "cannot find kdc for" in lowered:
        return (f"wrong realm: no KDC is known for realm {realm} (check connection.realm or domain.dns, and the "
                "[realms] of krb5.conf)")
    if KDC_UNREACH in codes or "cannot contact any kdc" in lowered:
        return f"KDC unreachable: no KDC of realm {realm} answered (network, firewall, or krb5.conf [realms])"
    if AP_ERR_SKEW in codes or "clock skew too great" in lowered:
        return ("clock skew: this machine's clock and the KDC's differ by more than Kerberos allows (5 minutes); "
                "synchronise the time")
    if AP_ERR_TKT_EXPIRED in codes or "ticket expired" in lowered or "credential has expired" in lowered:
        return f"ticket expired: the Kerberos ticket of {who} has expired (kinit again, or use password/keytab)"
    if CC_NOTFOUND in codes or FCC_NOFILE in codes or "no credentials cache found" in lowered \
            or "can't find client principal" in lowered or "no credentials were supplied" in lowered:
        return f"no ticket: no Kerberos ticket for {who} (kinit first, or give password_env/password_file or keytab)"
    if KDC_ERR_PREAUTH_FAILED in codes or AP_ERR_BAD_INTEGRITY in codes or "preauthentication failed" in lowered:
        return f"the KDC refused the password of {who} (wrong password)"
    if KDC_ERR_KEY_EXPIRED in codes or KDC_ERR_CLIENT_REVOKED in codes:
        return f"the account {who} is locked, disabled or its password expired"
    return None


@dataclass
class _Login:
    expires: float
    cache: str


_lock = threading.Lock()
_dir: str | None = None
_logins: dict[tuple[str, str], _Login] = {}


def _private_dir() -> str:
    global _dir
    if _dir is None:
        _dir = tempfile.mkdtemp(prefix="ssocheck-krb5-")  # mode 0700
        atexit.register(shutil.rmtree, _dir, True)
    return _dir


def _source_key(conn: Connection, password: Secret) -> str:
    """Identifies where the ticket comes from, so a changed password or cache gets a new ticket."""
    if conn.keytab:
        return f"keytab:{conn.keytab}"
    if conn.credential_cache:
        return f"ccache:{conn.credential_cache}"
    return "password:" + hashlib.sha256(password.reveal().encode()).hexdigest()


def _fail(conn: Connection, exc: BaseException) -> TransportError:
    text = str(exc)
    cause = kerberos_cause(text, conn.principal) or f"Kerberos could not get a ticket for {conn.principal}: {text}"
    return TransportError(cause)


def _from_password_or_keytab(conn: Connection, password: Secret, cache_name: str) -> float:
    import krb5

    ctx = krb5.init_context()
    principal = krb5.parse_name_flags(ctx, str(conn.principal).encode())
    opt = krb5.get_init_creds_opt_alloc(ctx)
    krb5.get_init_creds_opt_set_forwardable(opt, True)  # a forwarded ticket (delegation) needs a forwardable TGT
    if conn.keytab:
        keytab = krb5.kt_resolve(ctx, f"FILE:{conn.keytab}".encode())
        creds = krb5.get_init_creds_keytab(ctx, principal, opt, keytab=keytab)
    else:
        creds = krb5.get_init_creds_password(ctx, principal, opt, password=password.reveal().encode())
    cache = krb5.cc_resolve(ctx, cache_name.encode())
    krb5.cc_initialize(ctx, cache, principal)
    krb5.cc_store_cred(ctx, cache, creds)
    return float(creds.times.endtime)


def _from_cache(conn: Connection, cache_name: str) -> float:
    import gssapi
    import gssapi.exceptions
    from gssapi.raw.misc import GSSError

    name = gssapi.Name(str(conn.principal), gssapi.NameType.kerberos_principal)
    try:
        creds = gssapi.Credentials(name=name, usage="initiate", store={"ccache": str(conn.credential_cache)})
        lifetime = creds.lifetime  # raises ExpiredCredentialsError for an expired ticket
    except gssapi.exceptions.ExpiredCredentialsError as exc:
        raise TransportError(
            f"ticket expired: the Kerberos ticket of {conn.principal} in {conn.credential_cache} has expired "
            "(kinit again, or use password/keytab)"
        ) from exc
    except GSSError as exc:
        raise TransportError(
            kerberos_cause(f"{exc} ({exc.min_code})" if hasattr(exc, "min_code") else str(exc), conn.principal)
            or f"no ticket: cannot use {conn.credential_cache}: {exc}"
        ) from exc
    if not lifetime:
        raise TransportError(f"ticket expired: the Kerberos ticket of {conn.principal} in "
                             f"{conn.credential_cache} has expired (kinit again, or use password/keytab)")
    creds.store(store={"ccache": cache_name}, usage="initiate", overwrite=True)  # copied: the source is only read
    return time.time() + float(lifetime)


def ensure_ticket(conn: Connection, password: Secret) -> str:
    """Make sure this process holds a valid ticket of ``conn.principal`` in its private cache; returns the cache.

    Thread-safe (nodes are collected in parallel); the AS exchange happens once per principal and source until
    the ticket is about to expire. Raises TransportError with a one-line cause.
    """
    try:
        import gssapi  # noqa: F401
        import krb5  # noqa: F401
    except ImportError as exc:
        raise TransportError("transport kerberos needs the Kerberos libraries: pip install 'ssocheck[kerberos]' "
                             "(builds against libkrb5-dev)") from exc
    if not conn.principal:
        raise TransportError("transport kerberos needs a principal (user@REALM)")
    key = (conn.principal.upper(), _source_key(conn, password))
    with _lock:
        login = _logins.get(key)
        if login is None or login.expires - time.time() < _RENEW_MARGIN_S:
            directory = _private_dir()
            digest = hashlib.sha256("|".join(key).encode()).hexdigest()[:16]
            # A FILE cache named tkt* inside the directory is a member of the DIR: collection (MIT's layout);
            # storing through "DIR::" fails in gss_store_cred_into ("Can't create new subsidiary cache").
            cache_name = f"FILE:{directory}/tkt{digest}"
            try:
                if conn.credential_cache:
                    expires = _from_cache(conn, cache_name)
                else:
                    expires = _from_password_or_keytab(conn, password, cache_name)
            except TransportError:
                raise
            except Exception as exc:  # krb5.Krb5Error, gssapi.GSSError: the message carries the MIT code
                raise _fail(conn, exc) from exc
            login = _logins[key] = _Login(expires, cache_name)
        # pykerberos looks the principal up in the default collection: point it at ours (this process only).
        # Set once: setenv while another node's thread is inside the Kerberos library (getenv) is not safe.
        collection = f"DIR:{_private_dir()}"
        if os.environ.get("KRB5CCNAME") != collection:
            os.environ["KRB5CCNAME"] = collection
        return login.cache


def forget_tickets() -> None:
    """Drop every ticket this process obtained (tests; a new run then authenticates again)."""
    with _lock:
        _logins.clear()
        if _dir is not None:
            for entry in os.listdir(_dir):
                os.unlink(os.path.join(_dir, entry))
