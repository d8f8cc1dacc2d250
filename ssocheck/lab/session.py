"""Who a simulated command runs as: the identity the endpoint's authentication established for the session.

The endpoint (``endpoint.py`` with ``httpauth.py``) fills it in; the command handler (``powershell.py``) reads it
to decide what Windows would allow that logon to do, e.g. a second hop to Active Directory, SQL Server or a
remote SSO server. On Windows a WinRM logon over NTLM, or Kerberos without a forwardable ticket, has no
credentials to pass on; CredSSP delegates the user's credentials (Microsoft docs, "Making the second hop in
PowerShell Remoting").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SessionIdentity:
    """The authenticated account of one WinRM session and what its logon can do beyond the node."""

    principal: str  # DOMAIN\user as authenticated
    mechanism: str  # "ntlm" | "basic" | "kerberos" | "credssp"
    can_delegate: bool = False  # the session holds credentials usable for a second hop
    local_account: bool = False  # an account of the node's own SAM (``.\\user``), not of the domain


def local_principal(principal: str, node: str) -> str | None:
    """``NODE\\user`` when ``principal`` names an account of ``node``'s own SAM, else None.

    ``.\\user`` (and ``NODE\\user``) is a local account of the computer that authenticates it: an NTLM client sends
    the domain ``.`` and Windows' MSV1_0 looks the user up in the local SAM, and the logon's name is then
    ``NODE\\user`` (learn.microsoft.com, "Local Accounts"; MS-NLMP 3.2.5.1.2: the server validates against its
    own account database when the domain is its own name). A bare ``user`` is left alone (the lab treats it as the
    domain account, as clients.md D16 measured; documented in docs/architecture.md).
    """
    domain, sep, user = principal.partition("\\")
    if sep and user and (domain == "." or domain.upper() == node.upper()):
        return f"{node.upper()}\\{user}"
    return None


def identity_for(
    principal: str, mechanism: str | None, can_delegate: bool = False, node: str | None = None
) -> SessionIdentity:
    """The identity an authentication outcome gives.

    CredSSP always delegates (the node receives the password). Kerberos delegates only when the acceptor saw a
    forwarded ticket AND the node is trusted for delegation (decided in ``gssauth``, passed as ``can_delegate``).
    NTLM never does: an NTLM network logon has no credentials to pass on. Basic is treated like NTLM (its
    second-hop behaviour is not modelled by the lab). ``node`` is the computer that authenticated the logon: a
    ``.\\user`` principal becomes that node's local account ``NODE\\user``.
    """
    scheme = (mechanism or "ntlm").lower()
    delegates = scheme == "credssp" or (scheme == "kerberos" and can_delegate)
    local = local_principal(principal, node) if node else None
    return SessionIdentity(principal=local or principal, mechanism=scheme, can_delegate=delegates,
                           local_account=local is not None)
