"""The check API: per-node and group checks as pure functions of collected facts.

A check never talks to a server, reads a file or prints. It receives :class:`NodeFacts` (one node)
or a sequence of them (a group) plus a :class:`Context`, and returns :class:`Outcome` values. The
runner stamps check IDs and node names, turns crashes and missing facts into ``error`` results,
and makes sure a group check never passes on a partial set of nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from ssocheck.errors import FactError
from ssocheck.facts.base import Fact, FactParseError
from ssocheck.model import ROLES, TOPOLOGIES, Phase, Severity, Status

# Expectations lives with the model (inventory and snapshot need it without the check API); re-exported
# here because it is part of what a check sees (Context.expect).
from ssocheck.model import Expectations as Expectations

T = TypeVar("T")

ALL_PHASES = (Phase.PRE, Phase.POST, Phase.NIGHTLY)


@dataclass(frozen=True)
class Context:
    """Run-wide inputs of a check besides facts: the phase and the expectations."""

    phase: Phase
    expect: Expectations
    # Whether changing checks (BTS001) may run; read-only checks ignore it.
    allow_changes: bool = False
    # Raw facts of a known-good run (node name -> fact name -> raw value), for drift detection;
    # None when no baseline was given.
    baseline: Mapping[str, Mapping[str, Any]] | None = None
    # Drift: also count what a plain failover changes (owner node, which node runs ENTSSO).
    include_failover: bool = False


class NodeFacts:
    """The collected facts of one node, parsed lazily and cached.

    ``get`` raises :class:`FactError` when the node was unreachable, the fact failed on the node,
    was not collected, or its value is malformed; the runner turns that into an ``error`` result.
    """

    def __init__(
        self,
        name: str,
        roles: Sequence[str],
        raw: Mapping[str, Any],
        fact_errors: Mapping[str, str] | None = None,
        node_error: str | None = None,
        clock_utc: str | None = None,
        received_utc: str | None = None,
    ) -> None:
        self.name = name
        # The node's own UTC clock when the probe ran, and the controller's UTC time when the answer
        # arrived (ISO 8601, milliseconds): their difference estimates the node's clock offset.
        self.clock_utc = clock_utc
        self.received_utc = received_utc
        self.roles = tuple(roles)
        self.raw = dict(raw)
        self.fact_errors = dict(fact_errors or {})
        self.node_error = node_error
        self._parsed: dict[str, Any] = {}

    def has_role(self, *roles: str) -> bool:
        """True when the node has any of ``roles``."""
        return any(role in self.roles for role in roles)

    def missing_reason(self, fact: type[Fact[Any]]) -> str | None:
        """Why ``fact`` is unavailable on this node, or None when it can be read."""
        if self.node_error:
            return f"node not collected: {self.node_error}"
        if fact.name in self.fact_errors:
            return f"failed on the node: {self.fact_errors[fact.name]}"
        if fact.name not in self.raw:
            return "not collected"
        return None

    def get(self, fact: type[Fact[T]]) -> T:
        """The parsed value of ``fact`` on this node."""
        if fact.name in self._parsed:
            return self._parsed[fact.name]  # type: ignore[no-any-return]
        reason = self.missing_reason(fact)
        if reason:
            raise FactError(fact.name, reason, self.name)
        try:
            value = fact.parse(self.raw[fact.name])
        except FactParseError as exc:
            raise FactError(fact.name, f"malformed value: {exc}", self.name) from exc
        self._parsed[fact.name] = value
        return value


@dataclass(frozen=True)
class Outcome:
    """What a check returns: a status, a one-line message and evidence (expected / found / ...)."""

    status: Status
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    node: str | None = None  # group checks name the node each verdict is about
    # Set by unproven() only: this error says no more than that the check was given no usable node of these
    # roles. Whether such nodes were not collected (a skip: their collection errors keep the run red) or
    # are really absent or broken (an error) only the runner knows; it decides (ssocheck/runner.py).
    absent_roles: tuple[str, ...] = ()


def passed(message: str, node: str | None = None, **evidence: Any) -> Outcome:
    """A pass verdict."""
    return Outcome(Status.PASS, message, evidence, node)


def failed(message: str, node: str | None = None, **evidence: Any) -> Outcome:
    """A fail verdict; evidence should say what was expected and what was found."""
    return Outcome(Status.FAIL, message, evidence, node)


def warned(message: str, node: str | None = None, **evidence: Any) -> Outcome:
    """Suspicious but not blocking."""
    return Outcome(Status.WARN, message, evidence, node)


def skipped(reason: str, node: str | None = None, **evidence: Any) -> Outcome:
    """Not applicable; the reason is always shown."""
    return Outcome(Status.SKIP, reason, evidence, node)


def errored(reason: str, node: str | None = None, **evidence: Any) -> Outcome:
    """The check could not decide (for example inconsistent facts between nodes)."""
    return Outcome(Status.ERROR, reason, evidence, node)


def unproven(reason: str, node: str | None = None, roles: Sequence[str] = ROLES, **evidence: Any) -> Outcome:
    """A group check's ``error`` whose only cause is that no node of ``roles`` among those it was given could
    settle it (DTC002 without a BizTalk node to take the baseline from, SSO013 without any backup event).

    Use it for nothing else: an error from what the given nodes said themselves must be :func:`errored`.
    The runner makes it a ``skip`` "not proven" when every node of ``roles`` in the check's scope whose facts
    are missing was not collected at all; otherwise (no such node in the inventory, or a reachable node's fact
    failed) it stays an ``error``.
    """
    return Outcome(Status.ERROR, reason, evidence, node, absent_roles=tuple(roles))


class Check:
    """Metadata shared by both check shapes; subclasses set the class attributes.

    The class docstring is the user-facing description (first line = title).
    """

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    phases: ClassVar[tuple[Phase, ...]] = ALL_PHASES
    roles: ClassVar[tuple[str, ...]] = ROLES
    facts: ClassVar[tuple[type[Fact[Any]], ...]] = ()
    remediation: ClassVar[str] = ""
    guide_step: ClassVar[str] = "-"
    references: ClassVar[tuple[str, ...]] = ()
    # True only for the one check that changes state (BTS001); it is off unless explicitly allowed.
    writes: ClassVar[bool] = False
    shape: ClassVar[str] = ""
    # The master secret server topologies (model.TOPOLOGIES) the check means something in. The runner alone
    # decides applicability from it: in any other topology the check is `skip` with the reason, never run.
    topologies: ClassVar[tuple[str, ...]] = TOPOLOGIES

    def applies_to(self, node: NodeFacts) -> bool:
        """True when the node's roles are in this check's scope."""
        return node.has_role(*self.roles)


class NodeCheck(Check):
    """A check evaluated once per node in scope."""

    shape = "node"

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome | Iterable[Outcome]:
        """Return the verdict for ``node``."""
        raise NotImplementedError


class GroupCheck(Check):
    """A check over all nodes in scope at once; it yields one verdict per node (``Outcome.node`` set).

    By default the runner passes only nodes whose facts are complete, and turns ``pass`` verdicts
    into ``error`` when some node in scope is missing facts. A check that sets ``partial_ok = True``
    receives every node in scope instead (it must test ``node.missing_reason(fact)`` itself) and is
    trusted to judge partial data; for a node whose own facts are missing, only a ``fail`` or
    ``warn`` proven from the other nodes' facts is accepted (CLU001: NODE1 sees NODE2 Down).
    """

    shape = "group"
    partial_ok: ClassVar[bool] = False

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        """Yield one verdict per node of ``nodes``."""
        raise NotImplementedError
