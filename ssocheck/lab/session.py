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


def identity_for(principal: str, mechanism: str | None, can_delegate: bool = False) -> SessionIdentity:
    """The identity an authentication outcome gives.

    CredSSP always delegates (the node receives the password). Kerberos delegates only when the acceptor saw a
    forwarded ticket AND the node is trusted for delegation (decided in ``gssauth``, passed as ``can_delegate``).
    NTLM never does: an NTLM network logon has no credentials to pass on. Basic is treated like NTLM (its
    second-hop behaviour is not modelled by the lab).
    """
    scheme = (mechanism or "ntlm").lower()
    delegates = scheme == "credssp" or (scheme == "kerberos" and can_delegate)
    return SessionIdentity(principal=principal, mechanism=scheme, can_delegate=delegates)
