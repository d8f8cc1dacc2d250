"""Second hops: which facts need the WinRM session's credentials beyond the node, and whether the transport has them.

A WinRM logon over NTLM, Basic or Kerberos (without unconstrained delegation) holds no credentials the node can
pass on: a connection from the node to SQL Server, Active Directory or a remote SSO server runs as ANONYMOUS
LOGON and is denied. CredSSP delegates the user's credentials; Microsoft lists it as the way to make the second
hop in PowerShell remoting, and notes that Kerberos constrained delegation "doesn't support the second hop for
WinRM" (MicrosoftDocs/PowerShell-Docs, "Making the second hop in PowerShell Remoting"). Basic authentication of
WinRM only accepts local accounts, which have no domain credentials to pass on either.

Every read-only fact stays on the node (review probe.md D1: the service account's groups come from an S4U logon,
``ssomanage`` runs only where ENTSSO answers locally). The one fact that truly needs a second hop (BTS001's port
create test opens BizTalkMgmtDb with Windows authentication) declares it in ``Fact.second_hop``; a run that
would send it over a transport that cannot delegate is refused here, before any command is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ssocheck.errors import ConfigError
from ssocheck.facts.base import Fact

# Transports whose WinRM logon carries credentials the node can use for a second hop.
DELEGATING_TRANSPORTS = frozenset({"credssp"})


def second_hop_facts(checks: Iterable[Any], allow_changes: bool) -> list[tuple[str, type[Fact[Any]]]]:
    """``(check id, fact)`` for every fact these checks would send that needs a second hop.

    Writing facts are sent only with ``allow_changes``; without it they are not part of the run.
    """
    found: list[tuple[str, type[Fact[Any]]]] = []
    for check in checks:
        for fact in getattr(check, "facts", ()):
            if fact.second_hop and (allow_changes or not fact.writes):
                found.append((str(getattr(check, "id", "?")), fact))
    return found


def refuse_without_delegation(transport: str, checks: Sequence[Any], allow_changes: bool) -> None:
    """Raise ConfigError (exit 2, one line) when a selected check needs a second hop the transport cannot make."""
    if transport.lower() in DELEGATING_TRANSPORTS:
        return
    needed = second_hop_facts(checks, allow_changes)
    if not needed:
        return
    ids = ", ".join(sorted({check_id for check_id, _ in needed}))
    reach = "; ".join(sorted({str(fact.second_hop) for _, fact in needed}))
    raise ConfigError(
        f"{ids} needs a second hop ({reach}) that transport '{transport}' cannot delegate: set 'transport: credssp' "
        "in the inventory's connection and run 'Enable-WSManCredSSP -Role Server' on the BizTalk nodes "
        f"(or leave out --allow-changes / skip {ids}); nothing was sent",
        field="connection.transport",
    )
