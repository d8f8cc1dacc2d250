"""``ssocheck doctor``: per node, can we connect, authenticate, and which PowerShell answers?"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from ssocheck.deadline import Finished, GivenUp, clean_up_abandoned, describe_given_up, run_all
from ssocheck.errors import TransportError
from ssocheck.facts.probe import BEGIN, CAUSE_LANGUAGE_MODE, DOCTOR_SCRIPT, END
from ssocheck.inventory import Inventory, Node
from ssocheck.secrets import Secret
from ssocheck.transport.winrm import endpoint_url, run_script


@dataclass(frozen=True)
class DoctorRow:
    """The connectivity verdict for one node."""

    node: str
    address: str
    reachable: bool
    authenticated: bool
    ps_version: str | None
    detail: str
    identity: str | None = None  # the account the node says the session runs as (WindowsIdentity.Name)
    language_mode: str | None = None  # what the node reported; None from an older answer (FullLanguage then)

    @property
    def ok(self) -> bool:
        """True when the node answered a PowerShell command in a language mode the probe can run in."""
        return self.ps_version is not None and self.language_mode in (None, "FullLanguage")


def connection_summary(inv: Inventory) -> str:
    """One line: the transport, who ssocheck authenticates as, and whether the nodes get delegable credentials.

    Decided from the inventory, before anything is sent: what a Windows node can do with the logon follows from
    the mechanism (Microsoft docs, "Making the second hop in PowerShell Remoting").
    """
    conn = inv.connection
    kerberos_inside = conn.transport == "kerberos" or (conn.transport == "credssp" and conn.credssp_auth == "kerberos")
    who = conn.principal if kerberos_inside and conn.principal else conn.username
    source = ""
    if conn.transport == "kerberos":
        if conn.keytab:
            source = f" (ticket from keytab {conn.keytab})"
        elif conn.credential_cache:
            source = f" (ticket copied from {conn.credential_cache})"
        else:
            source = " (ticket from the password, in a private cache)"
    elif conn.transport == "credssp":
        source = f" ({conn.credssp_auth} inside CredSSP)"
    if conn.transport == "credssp":
        delegation = "yes (CredSSP hands the password to each node: second hop to SQL works)"
    elif conn.transport == "kerberos" and conn.delegation:
        delegation = "forwarded ticket (a second hop works only from nodes trusted for delegation)"
    elif conn.transport == "kerberos":
        delegation = "no (delegation: false; no second hop from the nodes)"
    else:
        delegation = f"no ({conn.transport} logons cannot make a second hop)"
    return (f"Transport: {conn.transport} over {conn.scheme.upper()} as {who}{source}; "
            f"credentials delegated: {delegation}")


def probe_node(inv: Inventory, node: Node, password: Secret) -> DoctorRow:
    """Run the tiny doctor script on one node and classify what went wrong, if anything."""
    url = endpoint_url(inv.connection, node)
    try:
        result = run_script(inv.connection, node, password, DOCTOR_SCRIPT)
    except TransportError as exc:
        text = str(exc)
        auth_failed = "authentication failed" in text
        reachable = auth_failed or not any(s in text for s in ("cannot connect", "cannot resolve", "timed out",
                                                                "TLS"))
        return DoctorRow(node.name, url, reachable, False, None, _own_detail(node.name, text))
    out = result.stdout
    if BEGIN in out and END in out:
        try:
            doc = json.loads(out.split(BEGIN, 1)[1].split(END, 1)[0])
            user = doc.get("user")
            mode = str(doc["language_mode"]) if doc.get("language_mode") else None
            detail = "ok" if mode in (None, "FullLanguage") else CAUSE_LANGUAGE_MODE.format(mode=mode)
            return DoctorRow(node.name, url, True, True, str(doc.get("ps_version")), detail,
                             str(user) if user else None, mode)
        except json.JSONDecodeError:
            pass
    return DoctorRow(node.name, url, True, True, None,
                     f"unexpected answer (exit {result.exit_code}): {result.stderr.strip()[:200]}")


def _own_detail(node: str, text: str) -> str:
    """``text`` without a leading ``NODE: `` (the table's first column already names the node)."""
    prefix = f"{node}: "
    while text.startswith(prefix):
        text = text[len(prefix):]
    return text


def summary(rows: list[DoctorRow] | tuple[DoctorRow, ...]) -> list[str]:
    """The lines under the table: how many nodes answered and, when some did not, what to look at first."""
    answered = sum(r.ps_version is not None for r in rows)
    lines = [f"doctor: {answered} of {len(rows)} node{'s' if len(rows) != 1 else ''} answered PowerShell"]
    auth = [r.node for r in rows if r.reachable and not r.authenticated]
    restricted = [r.node for r in rows if r.ps_version is not None and not r.ok]
    if restricted:
        lines.append(f"  Constrained Language Mode on {', '.join(restricted)}: the probe cannot run there (AppLocker "
                     "or WDAC policy); exempt the WinRM account's PowerShell from the policy")
    down = [r.node for r in rows if not r.reachable]
    if auth:
        lines.append(f"  authentication failed on {', '.join(auth)}: check connection.username and the password "
                     "source (password_env / password_file) of the inventory, and that the account may use WinRM")
    if down:
        lines.append(f"  not reached: {', '.join(down)}: check the address and port, DNS, the firewall, and that a "
                     "WinRM listener runs there (README, prerequisites)")
    if all(r.ok for r in rows):
        lines.append("  next: ssocheck run -i INVENTORY --phase pre")
    return lines


def probe_all(inv: Inventory, password: Secret, workers: int) -> list[DoctorRow]:
    """Doctor every node in parallel, each bounded by the inventory's ``node_timeout`` like a run."""
    outcomes = run_all(
        [(n.name, functools.partial(probe_node, inv, n, password)) for n in inv.nodes],
        workers=workers,
        timeout=inv.connection.node_timeout,
    )
    shells = clean_up_abandoned(outcomes)  # an abandoned node's open shell is deleted, as in a run
    rows = []
    for node in inv.nodes:
        outcome = outcomes[node.name]
        if isinstance(outcome, Finished) and outcome.value is not None:
            rows.append(outcome.value)
            continue
        if isinstance(outcome, GivenUp):
            detail = describe_given_up(node.name, outcome, inv.connection.node_timeout)
            if node.name in shells:
                detail += f"; {shells[node.name]}"
            reachable = outcome.stage != "connecting and opening a shell"
        else:
            detail = f"{node.name}: unexpected {type(outcome.error).__name__}: {outcome.error}"
            reachable = False
        rows.append(DoctorRow(node.name, endpoint_url(inv.connection, node), reachable, False, None,
                              _own_detail(node.name, detail)))
    return rows
