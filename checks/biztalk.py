"""BizTalk Server checks (CHECKS.md BTS0xx): product and SSO version parity across the group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, failed, passed, skipped
from ssocheck.evidence import group_summary
from ssocheck.facts.biztalk import BizTalkRegistry
from ssocheck.facts.sso import EntssoRegistry, same_version, version_key
from ssocheck.model import Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import KB_SSO_VERSION, strict_majority

DOCS_BIZTALK_VERSION = "https://learn.microsoft.com/en-us/biztalk/core/what-version-of-biztalk-server-do-i-have"
DOCS_BIZTALK_VERSIONS = "https://learn.microsoft.com/archive/technet-wiki/7915.biztalk-server-versions"


def _canon(version: str) -> str:
    key = version_key(version)
    return ".".join(str(p) for p in key) if key is not None else version.strip().lower()


def reference_version(versions: Mapping[str, str]) -> str | None:
    """The version most nodes have (node -> version); None when there is none or the top is a tie.

    With a tie nobody can say which side is right, so every node of the group is reported.
    """
    canonical = strict_majority(Counter(_canon(v) for v in versions.values()))
    if canonical is None:
        return None
    return next(v for v in versions.values() if _canon(v) == canonical)  # as the first node holding it spells it


def _compare(what: str, version: str, reference: str | None, versions: Mapping[str, str]) -> str | None:
    """A problem text when ``version`` is not the group's ``reference`` version, else None."""
    if reference is None:
        if len({_canon(v) for v in versions.values()}) > 1:
            listing = ", ".join(f"{n} {v}" for n, v in sorted(versions.items()))
            return f"{what} versions differ across the group with no majority ({listing})"
        return None
    if same_version(version, reference):
        return None
    holders = sorted(n for n, v in versions.items() if same_version(v, reference))
    return f"{what} {version} differs from {reference} on {', '.join(holders)}"


class BizTalkVersionParity(GroupCheck):
    """BizTalk and SSO product versions, update level included, agree across the group.

    BizTalk ``ProductVersion`` must be the same on every BizTalk node, and the SSO version (ENTSSO
    ``Server``, which changes with cumulative updates) the same on every SSO server, cluster nodes
    included. Cluster nodes without BizTalk are fine. The BizTalk nodes' SSO version is the reference:
    a node that differs from what most of them run is the odd one out.
    """

    id = "BTS002"
    name = "biztalk-version-parity"
    severity = Severity.MEDIUM
    roles = ("biztalk", "sso-cluster")
    facts = (BizTalkRegistry, EntssoRegistry)
    guide_step = "3"
    remediation = (
        "Install the same BizTalk Server cumulative update (and with it the same Enterprise SSO update) on every "
        "node that differs, so that HKLM\\SOFTWARE\\Microsoft\\BizTalk Server\\3.0 ProductVersion and the "
        "ENTSSO 'Server' version match across the group; on SSO-only cluster nodes install the SSO update of "
        "that cumulative update."
    )
    references = (DOCS_BIZTALK_VERSION, DOCS_BIZTALK_VERSIONS, KB_SSO_VERSION)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        biztalk = {n.name: n.get(BizTalkRegistry) for n in nodes}
        sso = {n.name: n.get(EntssoRegistry) for n in nodes}
        bts_versions = {name: b.product_version for name, b in biztalk.items() if b.installed and b.product_version}
        sso_versions = {name: c.server_version for name, c in sso.items() if c.installed_server and c.server_version}
        # The existing BizTalk nodes define the SSO baseline; without them, all SSO servers vote.
        bts_nodes = {n.name for n in nodes if n.has_role("biztalk")}
        sso_baseline = {n: v for n, v in sso_versions.items() if n in bts_nodes} or sso_versions
        bts_ref = reference_version(bts_versions)
        sso_ref = reference_version(sso_baseline)
        overview = {
            n.name: {"biztalk": biztalk[n.name].product_version, "sso": sso[n.name].server_version} for n in nodes
        }
        summary = group_summary({name: f"BizTalk {v['biztalk'] or '-'}, SSO {v['sso'] or '-'}"
                                 for name, v in overview.items()})
        for node in nodes:
            problems: list[str] = []
            bts = bts_versions.get(node.name)
            sso_version = sso_versions.get(node.name)
            if node.has_role("biztalk") and bts is None:
                problems.append("BizTalk Server is not installed (no ProductVersion under "
                                "HKLM\\SOFTWARE\\Microsoft\\BizTalk Server\\3.0)")
            if bts is not None and (p := _compare("BizTalk", bts, bts_ref, bts_versions)):
                problems.append(p)
            if sso_version is not None:
                compared = {**sso_baseline, node.name: sso_version}
                if p := _compare("SSO", sso_version, sso_ref, compared):
                    problems.append(p)
            evidence: dict[str, Any] = {
                "expected": {"biztalk": bts_ref, "sso": sso_ref},
                "found": overview[node.name],
                "group": summary,
            }
            if problems:
                yield failed("; ".join(problems), node=node.name, **evidence)
            elif bts is None and sso_version is None:
                yield skipped("neither BizTalk nor the SSO server is installed here (SSO001 reports a missing SSO)",
                              node=node.name, **evidence)
            else:
                parts = [f"BizTalk {bts}" if bts else "", f"SSO {sso_version}" if sso_version else ""]
                yield passed(f"{' and '.join(p for p in parts if p)}, as on the rest of the group", node=node.name,
                             **evidence)


CHECKS = [BizTalkVersionParity]
