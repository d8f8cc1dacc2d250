"""Nightly drift detection (DRF001): the facts of a migrated group compared with a known-good baseline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, errored, failed, passed, skipped
from ssocheck.drift import diff_node, summarize, uncompared
from ssocheck.model import Phase, Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import DOCS_BACKUP, DOCS_CLUSTER_MSS


class FactDrift(GroupCheck):
    """Nothing changed on the node since the known-good baseline (facts compared one by one).

    The checks say whether the farm is valid; drift says whether it is still the farm that was
    validated. A migrated group can stay "valid" for a while and still be broken at the next
    failover or restart: UseNetworkName unticked, a patched or re-imaged node with a new MSDTC CID,
    another ENTSSO service account, a master secret restore lost in a rebuild, a BizTalk node
    pointed at another SSO SQL server. Every fact collected tonight is compared with the baseline
    saved after the validated cut-over (``ssocheck baseline save``); each change is named with its
    node, fact, path, value before and after. Timestamps, clocks, the event log and process ids are
    ignored, and so is what a plain failover moves (owner node, which cluster node runs ENTSSO).
    A node that is not in the baseline fails as a new node; a fact that could not be collected
    tonight makes the verdict an error (not proven), never a pass.
    """

    id = "DRF001"
    name = "fact-drift"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster", "sql", "sso-server")
    phases = (Phase.NIGHTLY,)
    facts = ()  # compares every fact the run collected
    guide_step = "-"
    remediation = (
        "Find out who changed what and why (change records, the node's System and Application logs). "
        "Revert an unintended change. If the change was intended and every check passes, record the new "
        "known-good state: ssocheck baseline save -i INVENTORY -o BASELINE (or waive the finding until "
        "the change is complete)."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_BACKUP)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        if ctx.baseline is None:
            for node in nodes:
                yield skipped("no baseline given (run with --baseline FILE saved by 'ssocheck baseline save')",
                              node=node.name)
            return
        by_name = {name.upper(): (name, facts) for name, facts in ctx.baseline.items()}
        for node in nodes:
            entry = by_name.get(node.name.upper())
            if entry is None:
                yield failed(
                    "new node: not in the baseline",
                    node=node.name,
                    expected=f"only the baseline's nodes ({', '.join(sorted(n for n, _ in by_name.values()))})",
                    found=f"{node.name} ({', '.join(node.roles)})",
                )
                continue
            yield self._verdict(node, entry[1], ctx)

    def _verdict(self, node: NodeFacts, base: Mapping[str, Any], ctx: Context) -> Outcome:
        if node.node_error:
            return errored(f"cannot compare with the baseline: node not collected ({node.node_error})", node=node.name)
        if not base:
            return errored("cannot compare: the baseline holds no facts of this node (it was not collected "
                           "when the baseline was saved)", node=node.name)
        changes = diff_node(node.name, base, node.raw, include_failover=ctx.include_failover)
        missing = uncompared(base, node.raw)
        not_compared = {
            fact: (f"failed on the node: {node.fact_errors[fact]}" if fact in node.fact_errors
                   else "not collected in this run")
            for fact in missing
        }
        if changes:
            extra: dict[str, Any] = {"not_compared": not_compared} if not_compared else {}
            return failed(
                f"{len(changes)} change{'s' if len(changes) != 1 else ''} since the baseline: {summarize(changes)}",
                node=node.name,
                expected="the facts of the baseline",
                found=f"{len(changes)} changed",
                changes=[c.to_dict() for c in changes],
                **extra,
            )
        if not_compared:
            return errored(
                "not proven: facts of the baseline could not be compared: "
                + "; ".join(f"{fact} ({why})" for fact, why in not_compared.items()),
                node=node.name,
                not_compared=not_compared,
            )
        compared = sorted(f for f in base if f in node.raw)
        return passed(f"no change in {len(compared)} facts since the baseline", node=node.name, compared=compared)


CHECKS = [FactDrift]
