"""BizTalk Server checks (CHECKS.md BTS0xx): product and SSO version parity across the group, host instances
running after the ENTSSO restart, and no unclustered host instance on the SSO cluster."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeCheck, NodeFacts, Outcome, errored, failed, passed, skipped
from ssocheck.evidence import group_summary
from ssocheck.facts.biztalk import BizTalkHostServices, BizTalkRegistry, HostService
from ssocheck.facts.cluster import Cluster, ClusterState
from ssocheck.facts.sso import EntssoRegistry, same_version, version_key
from ssocheck.model import Phase, Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import CLUSTERED, DOCS_CLUSTER_MSS, DOCS_MOVE_MSS, KB_SSO_VERSION, find_entsso_resource, strict_majority

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


# --------------------------------------------------------------------------- BTS003

DOCS_TROUBLESHOOT_SSO = "https://learn.microsoft.com/en-us/biztalk/core/troubleshooting-enterprise-single-sign-on"
DOCS_SSO_AND_HOST_CLUSTER = (
    "https://learn.microsoft.com/en-us/biztalk/core/how-to-cluster-sso-and-a-biztalk-host-in-the-same-cluster-group1"
)


def _running(svc: HostService) -> bool:
    return svc.state.lower() == "running"


def _automatic(svc: HostService) -> bool:
    # Win32_Service says "Auto" for both Automatic and Automatic (Delayed Start).
    return svc.start_mode.lower() in ("auto", "automatic")


def _service_summary(services: Sequence[HostService]) -> dict[str, str]:
    return {s.name: f"{s.state}, {s.start_mode}{' (delayed)' if s.delayed_autostart else ''}" for s in services}


class HostInstancesRunning(NodeCheck):
    """Every BizTalk host instance set to start automatically runs after the ENTSSO restart.

    Each in-process host instance (service ``BTSSvc$<host>``) depends on the Enterprise SSO service. Guide
    step 23 restarts ENTSSO on the BizTalk nodes; stopping ENTSSO stops its dependents, and starting it
    again does not start them. ENTSSO itself may take minutes to start once it has to reach the clustered
    master secret server, so host instances that started too early also stay down. Read from the node's own
    services (no BizTalk WMI, no second hop); isolated hosts have no service and are not judged.
    """

    id = "BTS003"
    name = "host-instances-running"
    severity = Severity.HIGH
    roles = ("biztalk",)
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (BizTalkHostServices,)
    guide_step = "23"
    remediation = (
        "Start the stopped host instances once ENTSSO runs: BizTalk Server Administration -> Platform Settings -> "
        "Host Instances -> Start, or 'Start-Service \'BTSSvc$<host>\'' on the node. To make them survive the next "
        "ENTSSO restart, set ENTSSO and the host instance services to 'Automatic (Delayed Start)' "
        "('sc.exe config \"BTSSvc$<host>\" start= delayed-auto') as Microsoft's SSO troubleshooting page advises."
    )
    references = (DOCS_TROUBLESHOOT_SSO, DOCS_MOVE_MSS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        services = node.get(BizTalkHostServices)
        automatic = [s for s in services if _automatic(s)]
        down = [s for s in automatic if not _running(s)]
        evidence: dict[str, Any] = {
            "expected": "every BTSSvc$* service with start mode Auto is Running",
            "found": _service_summary(services),
        }
        if down:
            names = ", ".join(f"{s.host} ({s.state})" for s in down)
            return failed(f"{len(down)} of {len(automatic)} automatic host instance(s) not running: {names}",
                          **evidence)
        if not automatic:
            return passed(f"no host instance service set to start automatically here ({len(services)} installed)",
                          **evidence)
        return passed(f"all {len(automatic)} automatic host instance(s) are running", **evidence)


# --------------------------------------------------------------------------- BTS004


def _clustered_in(state: ClusterState, service: str) -> list[str]:
    """The roles (groups) that hold a Generic Service resource for ``service``."""
    return sorted({r.group for r in state.resources_of_type("Generic Service")
                   if r.private_str("ServiceName").lower() == service.lower()})


class NoUnclusteredHostOnSsoCluster(NodeCheck):
    """No BizTalk host instance runs on an SSO cluster node outside the cluster.

    Microsoft: "Running a non-clustered BizTalk host instance on a Windows Server Cluster node where the
    Enterprise SSO service is clustered is not a supported configuration", and the clustered SSO "cannot be
    failed over unless the unclustered instance of the BizTalk host is stopped". A host instance on the SSO
    cluster must be a Generic Service resource in the SSO role. A host service that is clustered in the SSO
    role passes; one that is stopped and not automatic is reported but passes; one that runs or starts
    automatically outside the SSO role fails.
    """

    id = "BTS004"
    topologies = CLUSTERED
    name = "no-unclustered-biztalk-host-on-sso-cluster"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    phases = (Phase.PRE, Phase.NIGHTLY)
    facts = (BizTalkHostServices, Cluster)
    guide_step = "14"
    remediation = (
        "Either cluster the host instance in the SSO role (Failover Cluster Manager -> the SSO role -> Add Resource "
        "-> Generic Service 'BizTalk Service BizTalk Group : <host>', or BizTalk Administration -> Hosts -> "
        "<host> -> Cluster, choosing the SSO role), or stop it and set the service to Manual/Disabled and remove the "
        "host instance from this node (BizTalk Administration -> Host Instances -> Delete)."
    )
    references = (DOCS_MOVE_MSS, DOCS_SSO_AND_HOST_CLUSTER, DOCS_CLUSTER_MSS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        services = node.get(BizTalkHostServices)
        evidence: dict[str, Any] = {
            "expected": "no BTSSvc$* service running or automatic on this node unless it is a Generic Service "
                        "resource in the SSO role",
            "found": _service_summary(services),
        }
        if not services:
            return passed("no BizTalk host instance service on this node", **evidence)
        state = node.get(Cluster)
        resource, why = find_entsso_resource(state, ctx.expect.cluster_network_name)
        if resource is None:
            return errored(f"cannot tell the SSO role to judge {len(services)} host instance service(s): {why}",
                           **evidence)
        sso_role = resource.group
        evidence["sso_role"] = sso_role
        wrong: list[str] = []
        idle: list[str] = []
        for svc in services:
            roles = _clustered_in(state, svc.name)
            if any(r.lower() == sso_role.lower() for r in roles):
                continue
            where = f"clustered in role {', '.join(roles)}, not {sso_role}" if roles else "not clustered"
            if _running(svc) or _automatic(svc):
                wrong.append(f"{svc.host} ({svc.state}, {svc.start_mode}; {where})")
            else:
                idle.append(svc.host)
        if wrong:
            return failed("BizTalk host instance(s) outside the SSO role: " + "; ".join(wrong), **evidence)
        if idle:
            return passed(f"host instance(s) {', '.join(idle)} installed outside the SSO role but stopped and not "
                          "automatic; every other one is clustered in the SSO role", **evidence)
        return passed(f"every host instance here is clustered in the SSO role {sso_role}", **evidence)


CHECKS = [BizTalkVersionParity, HostInstancesRunning, NoUnclusteredHostOnSsoCluster]
