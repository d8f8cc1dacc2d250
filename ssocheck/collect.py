"""Collects the facts of every node: one probe per node, nodes in parallel, one deadline per node.

A node that cannot be reached, authenticated or understood keeps its place in the snapshot with a
node-level ``error``; the other nodes are collected as usual. Nothing already collected is lost.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from ssocheck.check import Check
from ssocheck.deadline import Finished, GivenUp, clean_up_abandoned, describe_given_up, run_all
from ssocheck.errors import AuthenticationError, TransportError
from ssocheck.facts.base import Fact
from ssocheck.facts.probe import ProbeOutputError, build_probe, parse_answer
from ssocheck.inventory import Connection, Inventory, Node
from ssocheck.model import Expectations
from ssocheck.secrets import Secret, redact
from ssocheck.snapshot import NodeSnapshot, Snapshot
from ssocheck.transport.winrm import ScriptResult, run_script

log = logging.getLogger(__name__)


class ScriptRunner(Protocol):
    """Runs a script on a node (the WinRM transport in production)."""

    def __call__(self, conn: Connection, node: Node, password: Secret, script: str) -> ScriptResult: ...


@dataclass(frozen=True)
class AuditEntry:
    """One remote script that ran: where, what (hash and size), whether it may change state, outcome."""

    node: str
    purpose: str
    sha256: str
    size: int
    facts: tuple[str, ...]
    changes_state: bool
    started_at: str
    duration_s: float
    outcome: str

    @classmethod
    def of(cls, node: str, facts: Sequence[type[Fact[Any]]], script: str, changes_state: bool, started_at: str,
           duration_s: float, outcome: str) -> AuditEntry:
        """The entry of ``script`` (the probe of ``facts``) sent to ``node``: its hash, size and purpose."""
        return cls(
            node=node,
            purpose=("state-changing test: " + ", ".join(f.name for f in facts)) if changes_state
            else "fact probe (read-only)",
            sha256=hashlib.sha256(script.encode("ascii")).hexdigest(),
            size=len(script),
            facts=tuple(f.name for f in facts),
            changes_state=changes_state,
            started_at=started_at,
            duration_s=duration_s,
            outcome=outcome,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "node": self.node,
            "purpose": self.purpose,
            "sha256": self.sha256,
            "size": self.size,
            "facts": list(self.facts),
            "changes_state": self.changes_state,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "outcome": self.outcome,
        }


def facts_for(node: Node, checks: Sequence[Check], writes: bool = False) -> list[type[Fact[Any]]]:
    """Facts needed by the checks whose roles include one of the node's roles (deduplicated).

    ``writes=False`` gives the read-only facts of the probe; ``writes=True`` the state-changing ones.
    """
    wanted: dict[str, type[Fact[Any]]] = {}
    for check in checks:
        if any(role in check.roles for role in node.roles):
            for fact in check.facts:
                if fact.writes == writes:
                    wanted.setdefault(fact.name, fact)
    return [wanted[name] for name in sorted(wanted)]


# Windows truncates the NetBIOS computer name ($env:COMPUTERNAME) to 15 characters.
NETBIOS_MAX = 15


def identity_problem(node: Node, computer: str, facts: dict[str, Any]) -> str | None:
    """Why the host that answered is not ``node`` (computer name, cluster membership), or None."""
    expected = node.name.split(".")[0].upper()[:NETBIOS_MAX]
    answered = computer.strip().upper()
    if not answered:
        return (f"{node.name}: address {node.address} did not report its computer name, so it cannot be proven "
                f"to be {node.name}")
    if answered != expected:
        return (f"{node.name}: address {node.address} answered as {answered}, not {expected}: fix the inventory's "
                f"address (or the DNS record) of {node.name}; its facts are left out")
    cluster = facts.get("cluster")
    if "sso-cluster" in node.roles and isinstance(cluster, dict) and isinstance(cluster.get("nodes"), list):
        members = {str(m.get("name", "")).split(".")[0].upper() for m in cluster["nodes"] if isinstance(m, dict)}
        if members and answered not in members:
            return (f"{node.name}: address {node.address} answered as {answered}, which is not a node of cluster "
                    f"{cluster.get('name') or '?'} ({', '.join(sorted(members))}); its facts are left out")
    return None


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def collect_node(
    inv: Inventory,
    node: Node,
    facts: Sequence[type[Fact[Any]]],
    password: Secret,
    params: dict[str, Any],
    runner: ScriptRunner,
    changes_state: bool = False,
) -> tuple[NodeSnapshot, AuditEntry]:
    """Collect one node; every failure becomes a node error, never an exception."""
    snap = NodeSnapshot(name=node.name, roles=node.roles, address=node.address)
    script = build_probe(facts, params)
    started_at = _now()
    t0 = time.monotonic()
    outcome = "ok"
    try:
        result = runner(inv.connection, node, password, script)
        # When the answer arrived (SYS001 compares it with the node's clock, read just before the answer left);
        # a runner that does not measure it gives the time the call returned.
        snap.received_utc = result.answered_utc or datetime.now(timezone.utc).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        try:
            answer = parse_answer(result.stdout, [f.name for f in facts])
        except ProbeOutputError as exc:
            detail = result.stderr.strip().splitlines()[:3]
            stderr = f" (stderr: {' '.join(detail)})" if detail else ""
            raise TransportError(f"{node.name}: {exc}; exit code {result.exit_code}{stderr}") from exc
        snap.ps_version = answer.ps_version
        snap.computer = answer.computer
        snap.clock_utc = answer.clock_utc
        # The facts count only if the host that answered is the node the inventory names: a wrong address
        # (or DNS record) must not become "cloned MSDTC CIDs" or a rogue ENTSSO on someone else's node.
        wrong = identity_problem(node, answer.computer, answer.facts)
        if wrong:
            raise TransportError(wrong)
        snap.facts = answer.facts
        snap.fact_errors = answer.fact_errors
    except TransportError as exc:
        snap.error = redact(str(exc))
        outcome = f"error: {snap.error}"
    except Exception as exc:  # a bug or an unexpected library error must not lose the other nodes
        log.debug("collecting %s failed", node.name, exc_info=True)
        snap.error = redact(f"{node.name}: unexpected {type(exc).__name__}: {exc}")
        outcome = f"error: {snap.error}"
    snap.duration_s = round(time.monotonic() - t0, 3)
    if changes_state and outcome == "ok":
        # "ok" only if the command left nothing behind and every state-changing part answered.
        problems = [f"{f.name}: {snap.fact_errors[f.name]}" for f in facts if f.name in snap.fact_errors]
        problems += [f"{f.name}: {left}" for f in facts
                     if f.name in snap.facts and (left := f.leftovers(snap.facts[f.name]))]
        if problems:
            outcome = "error: " + redact("; ".join(problems))
    return snap, AuditEntry.of(node.name, facts, script, changes_state, started_at, snap.duration_s, outcome)


def _given_up_entry(
    inv: Inventory, node: Node, facts: Sequence[type[Fact[Any]]], params: dict[str, Any], given_up: GivenUp,
    changes_state: bool, started_at: str,
) -> tuple[NodeSnapshot, AuditEntry | None]:
    """The snapshot and audit entry of a node that was abandoned (deadline, interrupt) or never contacted."""
    snap = NodeSnapshot(name=node.name, roles=node.roles, address=node.address)
    snap.error = redact(describe_given_up(node.name, given_up, inv.connection.node_timeout))
    snap.duration_s = round(given_up.elapsed_s, 3)
    if given_up.why in ("not started", "held"):
        return snap, None  # nothing was sent: no audit entry
    script = build_probe(facts, params)
    outcome = f"error: {snap.error}"
    if changes_state:
        # The command may have run (or half run) on the node: say so, the operator must look.
        outcome += "; the state-changing command may have run partly: check the node for leftovers"
    return snap, AuditEntry.of(node.name, facts, script, changes_state, started_at, snap.duration_s, outcome)


def _collect_all(
    inv: Inventory,
    jobs: Sequence[tuple[Node, Sequence[type[Fact[Any]]]]],
    password: Secret,
    params: dict[str, Any],
    run: ScriptRunner,
    workers: int,
    stop: threading.Event | None,
    changes_state: bool = False,
    on_node_done: Callable[[NodeSnapshot], None] | None = None,
) -> dict[str, tuple[NodeSnapshot, AuditEntry | None]]:
    """Collect ``jobs`` under the hard per-node deadline (``node_timeout``), stopping early on ``stop``."""
    started: dict[str, str] = {}
    facts_of = {node.name: facts for node, facts in jobs}
    hold = threading.Event()

    def guarded(conn: Connection, node: Node, password: Secret, script: str) -> ScriptResult:
        try:
            return run(conn, node, password, script)
        except AuthenticationError:
            if inv.connection.stop_after_auth_failure:
                hold.set()  # one wrong password must not be tried on every node (AD account lockout)
            raise
    nodes = {node.name: node for node, _ in jobs}

    def work(node: Node, facts: Sequence[type[Fact[Any]]]) -> tuple[NodeSnapshot, AuditEntry]:
        started[node.name] = _now()
        return collect_node(inv, node, facts, password, params, guarded, changes_state=changes_state)

    collected: dict[str, tuple[NodeSnapshot, AuditEntry | None]] = {}

    def settle(name: str, outcome: Finished[tuple[NodeSnapshot, AuditEntry]] | GivenUp) -> None:
        node = nodes[name]
        if isinstance(outcome, GivenUp):
            entry = _given_up_entry(inv, node, facts_of[name], params, outcome, changes_state,
                                    started.get(name, _now()))
        elif outcome.error is not None or outcome.value is None:
            # collect_node never raises; this is a bug below it. It costs this node, not the run.
            exc = outcome.error
            snap = NodeSnapshot(name=node.name, roles=node.roles, address=node.address)
            snap.error = redact(f"{node.name}: unexpected {type(exc).__name__}: {exc}")
            entry = (snap, None)
        else:
            entry = outcome.value
        collected[name] = entry
        if on_node_done:
            on_node_done(entry[0])

    outcomes = run_all(
        [(node.name, functools.partial(work, node, facts)) for node, facts in jobs],
        workers=workers,
        timeout=inv.connection.node_timeout,
        stop=stop,
        on_done=settle,
        hold=hold,
    )
    if changes_state:
        # Deleting the shell would kill a state-changing command before its own clean-up (the ports it opened
        # stay open); left alone, the command finishes and cleans up, and the audit already asks for a look.
        for name, outcome in outcomes.items():
            snap, audit = collected[name]
            if isinstance(outcome, GivenUp) and outcome.abort is not None and outcome.abort.cleanup is not None \
                    and audit is not None:
                collected[name] = (snap, dataclasses.replace(audit, outcome=(
                    f"{audit.outcome}; its remote shell was left open so the command can finish its own clean-up")))
    else:
        _delete_abandoned_shells(outcomes, collected)
    return collected


def _delete_abandoned_shells(
    outcomes: dict[str, Any], collected: dict[str, tuple[NodeSnapshot, AuditEntry | None]]
) -> None:
    """Delete the remote shell of every node abandoned after its shell was opened; note the result in its audit."""
    for name, what in clean_up_abandoned(outcomes).items():
        snap, audit = collected[name]
        if audit is not None:
            collected[name] = (snap, dataclasses.replace(audit, outcome=redact(f"{audit.outcome}; {what}")))


def gather(
    inv: Inventory,
    checks: Sequence[Check],
    password: Secret,
    workers: int = 8,
    runner: ScriptRunner | None = None,
    on_node_done: Callable[[NodeSnapshot], None] | None = None,
    expect: Expectations | None = None,
    allow_changes: bool = False,
    stop: threading.Event | None = None,
) -> tuple[Snapshot, list[AuditEntry]]:
    """Collect all nodes of the inventory in parallel (at most ``workers`` at a time).

    Each node is cut off ``node_timeout`` seconds after its collection started, whatever its
    server does (see ssocheck/deadline.py); the other nodes are unaffected. When ``stop`` is set
    (an interrupt), no further node is contacted and nodes in flight are abandoned at once.

    With ``allow_changes``, state-changing facts are then run as separate commands, one node at a
    time in inventory order (never in parallel: two nodes creating ports at once would make one
    node's failure hard to attribute), each with its own audit entry marked ``changes_state``.
    Without it, no state-changing script is sent at all.
    """
    run: ScriptRunner = runner or (lambda c, n, p, s: run_script(c, n, p, s))
    exp = expect or inv.expect
    params = exp.probe_params()
    collected_at = _now()
    by_name = _collect_all(inv, [(node, facts_for(node, checks)) for node in inv.nodes], password, params, run,
                           workers, stop, on_node_done=on_node_done)
    ordered = [by_name[n.name] for n in inv.nodes]
    audits = [a for _, a in ordered if a is not None]
    if allow_changes:
        jobs = [
            (node, writing)
            for node, (snap, _) in zip(inv.nodes, ordered, strict=True)
            # an unreachable node is not written to; its checks are errors anyway
            if (writing := facts_for(node, checks, writes=True)) and not snap.error
        ]
        written = _collect_all(inv, jobs, password, params, run, 1, stop, changes_state=True)
        for node, writing in jobs:
            done, audit = written[node.name]
            if audit is not None:
                audits.append(audit)
            snap = by_name[node.name][0]
            snap.facts.update(done.facts)
            snap.fact_errors.update(done.fact_errors)
            if done.error:
                for fact in writing:
                    snap.fact_errors[fact.name] = done.error
    snapshot = Snapshot(
        expect=exp, nodes=[s for s, _ in ordered], collected_at=collected_at, inventory=str(inv.path)
    )
    return snapshot, audits
