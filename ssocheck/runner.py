"""Evaluates checks on a snapshot: pure, no I/O. The one place where a crashing check becomes a result.

Rules enforced here rather than in each check:

* checks that do not apply to the inventory's topology, run outside their phase, or change state without
  permission, are ``skip`` with a reason (topology first: a cluster check on a standalone MSS never runs);
* a node whose facts are missing gets ``error`` for every check that needs them;
* a group check never passes on a partial set of nodes: if any node in scope lacks a fact, the
  verdicts it would give as ``pass`` become ``error`` (a ``fail`` found on the others still stands),
  unless the check declares ``partial_ok`` and judges partial data itself (see GroupCheck);
* a group check's ``unproven`` error (it lacked nodes of some role to decide) is a ``skip`` "not proven" when
  every node of that role in scope with missing facts was not collected, and stays an ``error`` otherwise:
  only the check knows which nodes its verdict depends on, only the runner knows why they are missing;
* a group check never passes when ``--node`` left out a node in its scope (ssocheck/nodefilter.py): its
  ``pass`` becomes ``skip`` naming the nodes left out (the run is PARTIAL, not broken; a ``fail`` stands);
* every node in scope gets exactly one verdict per check.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from ssocheck import __version__
from ssocheck.check import Check, Context, GroupCheck, NodeCheck, NodeFacts, Outcome
from ssocheck.errors import FactError
from ssocheck.model import COLLECTION_CHECK, COLLECTION_META, MSS_ROLES, CheckMeta, Report, Result, Status
from ssocheck.registry import LoadedCheck
from ssocheck.snapshot import Snapshot

log = logging.getLogger(__name__)



def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _outcomes(value: Outcome | Iterable[Outcome]) -> list[Outcome]:
    """The outcomes a check returned; anything that is not an Outcome is a bug of the check (TypeError)."""
    outs = [value] if isinstance(value, Outcome) else list(value)
    for out in outs:
        if not isinstance(out, Outcome) or not isinstance(out.status, Status):
            raise TypeError(f"the check returned {type(out).__name__}, not an Outcome")
    return outs


def _crash(check: Check, exc: Exception) -> str:
    log.debug("check %s crashed:\n%s", check.id, "".join(traceback.format_exception(exc)))
    return f"check crashed: {type(exc).__name__}: {exc}"


def _missing(check: Check, node: NodeFacts) -> str | None:
    for fact in check.facts:
        reason = node.missing_reason(fact)
        if reason:
            return f"{fact.name}: {reason}"
    return None


def _stamp(check_id: str, node: str, outcome: Outcome) -> Result:
    return Result(check_id, node, outcome.status, outcome.message, dict(outcome.evidence))


def _not_collected(check_id: str, node: NodeFacts) -> Result:
    # The node's one error is its collection result (COLLECTION_CHECK); its checks are not run, so they are
    # skipped, each saying why. The verdict stays red: that collection error counts in every format.
    return Result(check_id, node.name, Status.SKIP, f"node not collected: {node.node_error}",
                  {"not_collected": True})


def _run_node_check(check: NodeCheck, nodes: Sequence[NodeFacts], ctx: Context) -> list[Result]:
    results = []
    for node in nodes:
        if node.node_error:
            results.append(_not_collected(check.id, node))
            continue
        missing = _missing(check, node)
        if missing:
            results.append(Result(check.id, node.name, Status.ERROR, f"cannot evaluate: {missing}"))
            continue
        try:
            outs = _outcomes(check.evaluate(node, ctx))
        except FactError as exc:
            outs = [Outcome(Status.ERROR, f"cannot evaluate: {exc}")]
        except Exception as exc:
            outs = [Outcome(Status.ERROR, _crash(check, exc))]
        if not outs:
            outs = [Outcome(Status.ERROR, "the check gave no verdict")]
        # A node check speaks about its own node only; several outcomes collapse to the worst one.
        worst = max(outs, key=lambda o: _SEVERITY_ORDER[o.status])
        results.append(_stamp(check.id, node.name, worst))
    return results


_SEVERITY_ORDER = {Status.PASS: 0, Status.SKIP: 1, Status.WARN: 2, Status.FAIL: 3, Status.ERROR: 4}


# How many missing nodes a "not proven" message names with their reasons; the rest are counted. Every
# missing node is in the evidence (missing_nodes) and has its own result saying why. Naming all of them
# made each message of an interrupted 500-node run 38 KB long and its JSON report 121 MB.
_NAMED_MISSING = 3


def _missing_note(incomplete: dict[str, str]) -> str:
    named = sorted(incomplete.items())
    note = "; ".join(f"{name} ({reason})" for name, reason in named[:_NAMED_MISSING])
    if len(named) > _NAMED_MISSING:
        note += f"; and {len(named) - _NAMED_MISSING} more nodes (each says why in its own results)"
    return note


def _not_collected_only(roles: Sequence[str], nodes: Sequence[NodeFacts], incomplete: dict[str, str],
                        down: set[str]) -> dict[str, str]:
    """The in-scope nodes of ``roles`` whose facts are missing, with why, when every one of them was not
    collected; empty when there is none or one of them was reached (its failed fact is a cause of its own)."""
    missing = {n.name: incomplete[n.name] for n in nodes if n.name in incomplete and n.has_role(*roles)}
    return missing if missing and set(missing) <= down else {}


def _run_group_check(check: GroupCheck, nodes: Sequence[NodeFacts], ctx: Context,
                     left_out: Sequence[str] = ()) -> list[Result]:
    incomplete = {n.name: reason for n in nodes if (reason := _missing(check, n))}
    complete = [n for n in nodes if n.name not in incomplete]
    # A partial_ok check sees every node and may prove failures about the incomplete ones.
    given = list(nodes) if check.partial_ok else complete
    names = {n.name for n in given}
    verdicts: dict[str, Outcome] = {}
    if complete:
        try:
            for out in _outcomes(check.evaluate(given, ctx)):
                for target in [out.node] if out.node else [n.name for n in given]:
                    if target not in names:
                        continue  # a check may not speak for nodes outside its scope
                    if target in incomplete and out.status not in (Status.FAIL, Status.WARN):
                        continue  # without its own facts a node can be proven wrong, never right
                    prev = verdicts.get(target)
                    if prev is None or _SEVERITY_ORDER[out.status] > _SEVERITY_ORDER[prev.status]:
                        verdicts[target] = out
        except FactError as exc:
            verdicts = {n.name: Outcome(Status.ERROR, f"cannot evaluate: {exc}") for n in complete}
        except Exception as exc:
            verdicts = {n.name: Outcome(Status.ERROR, _crash(check, exc)) for n in complete}
    results = []
    partial_note = _missing_note(incomplete)
    down = {n.name for n in nodes if n.node_error}
    for node in nodes:
        verdict = verdicts.get(node.name)
        if node.name in down and verdict is None:
            results.append(_not_collected(check.id, node))
        elif node.name in incomplete and verdict is None:
            results.append(
                Result(check.id, node.name, Status.ERROR, f"cannot evaluate: {incomplete[node.name]}")
            )
        elif verdict is None:
            results.append(Result(check.id, node.name, Status.ERROR, "the check gave no verdict for this node"))
        elif verdict.status is Status.ERROR and verdict.absent_roles and (
                absent := _not_collected_only(verdict.absent_roles, nodes, incomplete, down)):
            # The check could not decide without nodes of these roles, and all of them that it lacked were not
            # collected: not proven, like a pass on a partial group; their collection errors keep the run red.
            results.append(Result(check.id, node.name, Status.SKIP, f"not proven: facts missing for "
                                  f"{_missing_note(absent)}", {**verdict.evidence, "undecided": verdict.message,
                                                               "missing_nodes": sorted(absent)}))
        elif incomplete and verdict.status is Status.PASS and not check.partial_ok:
            # Uniqueness or consistency proven on a subset of the group proves nothing.
            evidence: dict[str, Any] = dict(verdict.evidence)
            evidence["missing_nodes"] = sorted(incomplete)
            # Missing only because whole nodes were not collected: skipped, the collection error of those
            # nodes already makes the run red. A fact that failed on a reachable node is an error here.
            status = Status.SKIP if set(incomplete) <= down else Status.ERROR
            results.append(
                Result(check.id, node.name, status, f"not proven: facts missing for {partial_note}", evidence)
            )
        elif left_out and verdict.status is Status.PASS:
            # The group is not all here (--node): a pass on the kept nodes says nothing about the others.
            results.append(Result(check.id, node.name, Status.SKIP,
                                  f"not proven: nodes left out by --node: {', '.join(left_out)}",
                                  {**verdict.evidence, "not_selected": list(left_out)}))
        elif left_out and verdict.status is Status.ERROR:
            # Stays an error (the cause may be real), but says that what it missed may be on the nodes left out.
            results.append(Result(check.id, node.name, Status.ERROR,
                                  f"{verdict.message} (nodes left out by --node: {', '.join(left_out)}; what is "
                                  "missing may be there)", {**verdict.evidence, "left_out": list(left_out)}))
        else:
            results.append(_stamp(check.id, node.name, verdict))
    return results


def _left_out(check: Check, snapshot: Snapshot) -> list[str]:
    """The nodes in ``check``'s scope that ``--node`` left out of the snapshot (inventory order)."""
    if snapshot.node_filter is None:
        return []
    return [name for name, roles in snapshot.node_filter.excluded if check.applies_to(NodeFacts(name, roles, {}))]


def evaluate(
    checks: Sequence[LoadedCheck],
    snapshot: Snapshot,
    ctx: Context,
    source: str = "live",
    started_at: str | None = None,
    sections: dict[str, Any] | None = None,
) -> Report:
    """Run every check on the snapshot's facts and build the report."""
    began = datetime.now(timezone.utc)
    node_facts = [n.node_facts() for n in snapshot.nodes]
    results: list[Result] = []
    metas: dict[str, CheckMeta] = {}
    for lc in checks:
        check, meta = lc.check, lc.meta
        metas[meta.id] = meta
        in_scope = [n for n in node_facts if check.applies_to(n)]
        skip_reason = None
        if ctx.expect.topology not in check.topologies:
            # The one place applicability per topology is decided. Said on the nodes in the check's scope; a
            # topology without any (standalone has no sso-cluster node) says it on the nodes that hold the master
            # secret server there (MSS_ROLES), so the report shows each cluster check as not applicable instead of
            # leaving it out, without one row per BizTalk node of a large farm.
            skip_reason = (f"not applicable to topology {ctx.expect.topology} "
                           f"(applies to {', '.join(check.topologies)})")
            in_scope = in_scope or [n for n in node_facts if n.has_role(*MSS_ROLES)] or list(node_facts)
        elif ctx.phase not in check.phases:
            skip_reason = f"not run in phase {ctx.phase.value} (runs in {', '.join(p.value for p in check.phases)})"
        elif check.writes and not ctx.allow_changes:
            skip_reason = "changes state; runs only with --allow-changes"
        if skip_reason:
            results.extend(Result(meta.id, n.name, Status.SKIP, skip_reason) for n in in_scope)
        elif isinstance(check, GroupCheck):
            results.extend(_run_group_check(check, in_scope, ctx, _left_out(check, snapshot)))
        elif isinstance(check, NodeCheck):
            results.extend(_run_node_check(check, in_scope, ctx))
    # One error per node that was not collected, whatever checks were selected: a filtered run must
    # never call a farm with an unreachable node PASSED (one truth in every format and the exit code).
    # First in the list: it is the cause of every "node not collected" skip after it.
    collection = [Result(COLLECTION_CHECK, n.name, Status.ERROR, f"facts could not be collected: {n.node_error}",
                         {"not_collected": True}) for n in node_facts if n.node_error]
    if collection:
        metas = {COLLECTION_CHECK: COLLECTION_META, **metas}
        results = collection + results
    duration = (datetime.now(timezone.utc) - began).total_seconds()
    return Report(
        tool_version=__version__,
        phase=ctx.phase,
        group=ctx.expect.group,
        source=source,
        started_at=started_at or began.strftime("%Y-%m-%dT%H:%M:%SZ"),
        finished_at=_now(),
        nodes=tuple(n.info() for n in snapshot.nodes),
        checks=metas,
        results=tuple(results),
        sections=sections or {},
        duration_s=duration,
        topology=ctx.expect.topology,
    )
