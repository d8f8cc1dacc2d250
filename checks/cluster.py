"""Failover cluster checks for the clustered ENTSSO resource (CHECKS.md CLU0xx)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, failed, passed
from ssocheck.facts.cluster import Cluster, ClusterNode, ClusterResource, ClusterState
from ssocheck.model import Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import BLOG_FAILOVER, CLUSTERED, DOCS_CLUSTER_MSS, find_entsso_resource, host, resource_role

DOCS_GENERIC_SERVICE = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/generic-service-private-properties"
DOCS_PS_CLUSTER = "https://learn.microsoft.com/en-us/powershell/module/failoverclusters/"
DOCS_NAME_DEPENDENCY = (
    "https://learn.microsoft.com/en-us/biztalk/core/how-to-cluster-sso-and-a-biztalk-host-in-the-same-cluster-group1 "
    "('If you do not add the dependency to the Name: resource, SSO client computers will generate an error')"
)


class EntssoResourceCheck(GroupCheck):
    """Base of the checks that judge the clustered ENTSSO resource in each cluster node's own view (CLU002-CLU005).

    Not a check itself (it is in no CHECKS list). ``evaluate`` finds the ENTSSO Generic Service
    resource in the role of the cluster network name on every node; a node whose view has none gets
    ``not_found``'s failure, the others ``judge``'s verdict.
    """

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        for node in nodes:
            state = node.get(Cluster)
            resource, reason = find_entsso_resource(state, ctx.expect.cluster_network_name)
            if resource is None:
                yield self.not_found(node, reason, ctx)
            else:
                yield self.judge(node, state, resource, nodes, ctx)

    def not_found(self, node: NodeFacts, reason: str, ctx: Context) -> Outcome:
        """The failure of a node whose cluster view has no ENTSSO resource in the network name's role."""
        return failed(reason, node=node.name,
                      expected=f"an ENTSSO Generic Service resource in the role of {ctx.expect.cluster_network_name}",
                      found=None)

    def judge(self, node: NodeFacts, state: ClusterState, resource: ClusterResource, nodes: Sequence[NodeFacts],
              ctx: Context) -> Outcome:
        """The verdict on ``node``, whose cluster view ``state`` holds the ENTSSO ``resource``.

        ``nodes`` are all the nodes in scope (CLU005 counts the inventory's cluster nodes as members).
        """
        raise NotImplementedError


class UseNetworkName(EntssoResourceCheck):
    """The clustered ENTSSO resource has "Use Network Name for computer name" (UseNetworkName = 1).

    Without it the service reports the physical node name, the SSOSecretServer RPC endpoint is not
    registered under the cluster network name, and every SSO client fails with 0xC0002A0F /
    0x800706D9 ("There are no more endpoints available from the endpoint mapper").
    """

    id = "CLU003"
    topologies = CLUSTERED
    name = "use-network-name"
    severity = Severity.CRITICAL
    roles = ("sso-cluster",)
    facts = (Cluster,)
    guide_step = "15"
    remediation = (
        "In Failover Cluster Manager open the ENTSSO Generic Service resource properties and tick "
        "'Use Network Name for computer name', or run: Get-ClusterResource <ENTSSO resource> | "
        "Set-ClusterParameter UseNetworkName 1; then take the resource offline and online."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_GENERIC_SERVICE)

    def not_found(self, node: NodeFacts, reason: str, ctx: Context) -> Outcome:
        """CLU003's own wording of the missing resource (no ``found``), kept as released."""
        return failed(reason, node=node.name,
                      expected=f"ENTSSO Generic Service in the role of {ctx.expect.cluster_network_name}")

    def judge(self, node: NodeFacts, state: ClusterState, resource: ClusterResource, nodes: Sequence[NodeFacts],
              ctx: Context) -> Outcome:
        """Pass when the resource's UseNetworkName private property is 1."""
        raw = resource.private_str("UseNetworkName")
        evidence = {"resource": resource.name, "role": resource.group, "expected": "UseNetworkName = 1",
                    "found": f"UseNetworkName = {raw or '(not set)'}"}
        if raw.strip() in ("1", "True", "true"):
            return passed(f"resource '{resource.name}' has UseNetworkName = 1", node=node.name, **evidence)
        return failed(
            f"resource '{resource.name}' has UseNetworkName = {raw or '(not set, default 0)'}",
            node=node.name,
            **evidence,
        )


# --------------------------------------------------------------------------- helpers


def member(state: ClusterState, name: str) -> ClusterNode | None:
    """The cluster member called ``name`` (NetBIOS part, case-insensitive), if it is one."""
    return next((m for m in state.nodes if host(m.name) == host(name)), None)


_TOKEN = re.compile(r"\[([^\]]*)\]|\(|\)|\band\b|\bor\b", re.I)


def required_dependencies(expression: str) -> set[str]:
    """Resource names (lower-case) that every way of satisfying a dependency expression needs.

    ``[A] and [B]`` needs both; ``[A] or [B]`` needs neither for sure; ``([A] or [B]) and [C]`` needs
    C. AND binds tighter than OR, as in the cluster's dependency expressions. Malformed text
    yields what could be read (an unbalanced expression never proves a dependency).
    """
    tokens: list[str] = []
    for match in _TOKEN.finditer(expression or ""):
        if match.group(1) is not None:
            tokens.append("[" + match.group(1).strip().lower())
        else:
            tokens.append(match.group(0).lower())
    pos = 0

    def parse_or() -> set[str] | None:
        nonlocal pos
        result = parse_and()
        while pos < len(tokens) and tokens[pos] == "or":
            pos += 1
            other = parse_and()
            result = None if result is None or other is None else result & other
        return result

    def parse_and() -> set[str] | None:
        nonlocal pos
        result = parse_atom()
        while pos < len(tokens) and tokens[pos] == "and":
            pos += 1
            other = parse_atom()
            result = None if result is None or other is None else result | other
        return result

    def parse_atom() -> set[str] | None:
        nonlocal pos
        if pos >= len(tokens):
            return None
        token = tokens[pos]
        pos += 1
        if token.startswith("["):
            return {token[1:]}
        if token == "(":
            inner = parse_or()
            if pos < len(tokens) and tokens[pos] == ")":
                pos += 1
                return inner
            return None
        return None

    result = parse_or()
    return result if result is not None and pos == len(tokens) else set()


# --------------------------------------------------------------------------- CLU001


class ClusterNodesUp(GroupCheck):
    """Every inventory cluster node is a member of the cluster and Up.

    A node that is Down, Paused or not a member cannot take over the SSO role, so the master secret
    server is not highly available (and a secret restored there cannot be tested). Each node is
    judged by every collected view of the cluster: it passes only when all of them list it as Up.
    A node whose own cluster view could not be collected (typically because its cluster service is
    stopped) fails when another node sees it Down, Paused or missing; otherwise it is an error.
    """

    id = "CLU001"
    topologies = CLUSTERED
    name = "cluster-nodes-up"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (Cluster,)
    # A node's membership is judged from every node's view, so a node without a view of its own can
    # still be proven Down by the others (the runner accepts only failures for such a node).
    partial_ok = True
    guide_step = "17"
    remediation = (
        "Bring the node back: start the Cluster service on it (Start-ClusterNode -Name <node>), or resume a "
        "paused node (Resume-ClusterNode -Name <node>); a node that is not a member is added with "
        "Add-ClusterNode -Name <node> (then install and configure ENTSSO on it and restore the secret there). "
        "Check with Get-ClusterNode."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_PS_CLUSTER)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        views = {n.name: n.get(Cluster) for n in nodes if n.missing_reason(Cluster) is None}
        names = Counter(host(v.name) for v in views.values())
        cluster_name = names.most_common(1)[0][0] if names else ""
        for node in nodes:
            seen: dict[str, str] = {}
            for observer, view in views.items():
                if host(view.name) != cluster_name:
                    continue
                m = member(view, node.name)
                seen[observer] = m.state if m else "not a member"
            problems = []
            own = views.get(node.name)
            if own is not None and host(own.name) != cluster_name:
                problems.append(f"this node is in cluster {own.name}, the others in {cluster_name}")
            bad = {obs: st for obs, st in seen.items() if st.lower() != "up"}
            if bad:
                problems.append("seen as " + ", ".join(f"{st} by {obs}" for obs, st in sorted(bad.items())))
            evidence: dict[str, Any] = {"expected": f"member of {cluster_name} and Up", "found": seen}
            if own is not None:
                evidence["members"] = {m.name: m.state for m in own.nodes}
            else:
                evidence["own_view"] = node.missing_reason(Cluster)
            if problems:
                yield failed("; ".join(problems), node=node.name, **evidence)
            elif own is not None:
                yield passed(f"member of {own.name} and Up ({len(own.nodes)} members)", node=node.name, **evidence)


# --------------------------------------------------------------------------- CLU002


class EntssoGenericService(EntssoResourceCheck):
    """A Generic Service resource for ENTSSO exists in the role of the cluster network name, and it is online.

    The SSO cluster role holds an IP Address, the Network Name resource named as the inventory's
    cluster network name (the name the SSO database and every BizTalk node use) and a Generic
    Service resource with ServiceName ENTSSO. A service resource in another role, or offline,
    means no master secret server answers under that name.
    """

    id = "CLU002"
    topologies = CLUSTERED
    name = "entsso-generic-service"
    severity = Severity.CRITICAL
    roles = ("sso-cluster",)
    facts = (Cluster,)
    guide_step = "14"
    remediation = (
        "In Failover Cluster Manager add a Generic Service resource to the role that holds the cluster network name "
        "(Add-ClusterGenericServiceRole, or Add-ClusterResource -Name 'Enterprise Single Sign-On Service' -Group "
        "<role> -ResourceType 'Generic Service', then Set-ClusterParameter ServiceName ENTSSO), and bring it online "
        "with Start-ClusterResource <ENTSSO resource>; read the cluster log (Get-ClusterLog) if it fails."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_GENERIC_SERVICE)

    def judge(self, node: NodeFacts, state: ClusterState, resource: ClusterResource, nodes: Sequence[NodeFacts],
              ctx: Context) -> Outcome:
        """Pass when the resource is Online."""
        group = resource_role(state, resource)
        evidence = {
            "resource": resource.name,
            "role": resource.group,
            "role_state": group.state if group else None,
            "owner": resource.owner_node or (group.owner_node if group else None),
            "expected": "Online",
            "found": resource.state,
        }
        if resource.state.lower() != "online":
            return failed(f"resource '{resource.name}' in role {resource.group} is {resource.state or 'unknown'}",
                          node=node.name, **evidence)
        return passed(f"resource '{resource.name}' (ServiceName ENTSSO) is Online in role {resource.group}",
                      node=node.name, **evidence)


# --------------------------------------------------------------------------- CLU004


class EntssoResourceDependency(EntssoResourceCheck):
    """The clustered ENTSSO resource depends on the Network Name resource of its role (a disk dependency is optional).

    The dependency makes the cluster bring the network name online before ENTSSO starts, so the
    service registers its RPC endpoint under that name ("Use Network Name for computer name" also
    needs it); without it SSO clients get 0x800706D9. A dependency inside an OR clause is not
    guaranteed and does not count. A disk dependency is accepted but never required: Microsoft's
    procedure adds only the Name resource ("A clustered Enterprise SSO service does not explicitly
    require the use of a clustered Physical Disk resource in the same group"), and a role that holds a
    clustered DTC always holds a disk.
    """

    id = "CLU004"
    topologies = CLUSTERED
    name = "entsso-resource-dependency"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (Cluster,)
    guide_step = "16"
    remediation = (
        "Add-ClusterResourceDependency -Resource <ENTSSO resource> -Provider <Network Name resource of the SSO "
        "role>, or in Failover Cluster Manager > ENTSSO resource > Properties > Dependencies add the Name: "
        "resource (with AND if there are others); then take the resource offline and online. Check with "
        "Get-ClusterResourceDependency <ENTSSO resource>. A dependency on the role's disk is optional (Microsoft "
        "does not require it)."
    )
    references = (
        f"{DOCS_CLUSTER_MSS} (steps 5 and 11-12: 'select the Name: resource'; 'does not explicitly require the "
        "use of a clustered Physical Disk resource')",
        DOCS_NAME_DEPENDENCY,
        DOCS_PS_CLUSTER,
    )

    def judge(self, node: NodeFacts, state: ClusterState, resource: ClusterResource, nodes: Sequence[NodeFacts],
              ctx: Context) -> Outcome:
        """Pass when the dependency expression requires the Network Name resource; a disk is neither needed nor
        refused."""
        netname = state.network_name_resource(ctx.expect.cluster_network_name)
        if netname is None:  # for the type checker: the resource was found through this Network Name
            return self.not_found(node, "", ctx)
        required = required_dependencies(resource.dependency_expression)
        evidence = {"resource": resource.name, "expected": f"[{netname.name}] (a disk may be added, not required)",
                    "found": resource.dependency_expression or "(no dependencies)"}
        if netname.name.lower() not in required:
            return failed(f"resource '{resource.name}' does not depend on the Network Name resource [{netname.name}]"
                          f" (dependencies: {resource.dependency_expression or 'none'}): SSO clients get 0x800706D9",
                          node=node.name, **evidence)
        return passed(f"resource '{resource.name}' depends on {resource.dependency_expression}",
                      node=node.name, **evidence)


# --------------------------------------------------------------------------- CLU005


class EntssoPossibleOwners(EntssoResourceCheck):
    """Every cluster node is a possible owner of the ENTSSO resource, so failover to each node can work.

    A node missing from the resource's possible owners can never run ENTSSO: a failover leaves the
    master secret server offline, and the secret cannot be restored on that node (it must own the
    role during the restore). Members are those of the collected cluster view plus the inventory's
    cluster nodes.
    """

    id = "CLU005"
    topologies = CLUSTERED
    name = "entsso-possible-owners"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (Cluster,)
    guide_step = "17, 21"
    remediation = (
        "Set-ClusterOwnerNode -Resource <ENTSSO resource> -Owners NODE1,NODE2 (every cluster node), or in Failover "
        "Cluster Manager > ENTSSO resource > Properties > Advanced Policies tick every node; check with "
        "Get-ClusterOwnerNode -Resource <ENTSSO resource>."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_PS_CLUSTER)

    def judge(self, node: NodeFacts, state: ClusterState, resource: ClusterResource, nodes: Sequence[NodeFacts],
              ctx: Context) -> Outcome:
        """Pass when every member of this view and every inventory cluster node is a possible owner."""
        inventory = {host(n.name): n.name for n in nodes}
        members = {host(m.name): m.name for m in state.nodes}
        members.update({k: v for k, v in inventory.items() if k not in members})
        owners = {host(o) for o in resource.possible_owners}
        missing = sorted(name for key, name in members.items() if key not in owners)
        evidence = {"resource": resource.name, "expected": sorted(members.values()),
                    "found": list(resource.possible_owners)}
        if missing:
            return failed(f"{', '.join(missing)} not a possible owner of '{resource.name}' "
                          f"(possible owners: {', '.join(resource.possible_owners) or 'none'})",
                          node=node.name, missing=missing, **evidence)
        return passed(f"every cluster node is a possible owner of '{resource.name}'", node=node.name, **evidence)


# --------------------------------------------------------------------------- CLU006

_ENTSSO_KEY = re.compile(
    r"^(?:HKLM\\|HKEY_LOCAL_MACHINE\\)?SOFTWARE\\(?:WOW6432NODE\\)?MICROSOFT\\ENTSSO(?:\\|$)", re.I
)


def replicates_entsso(checkpoint: str) -> bool:
    """True when a registry checkpoint path is SOFTWARE\\Microsoft\\ENTSSO or below it (any case, any hive prefix)."""
    path = checkpoint.strip().replace("/", "\\").lstrip("\\")
    return bool(_ENTSSO_KEY.match(path))


class NoEntssoRegistryCheckpoint(GroupCheck):
    """No registry checkpoint replicates SOFTWARE\\Microsoft\\ENTSSO between the cluster nodes.

    The master secret under ENTSSO\\SSOSS is encrypted for each node and service account; a
    checkpoint copies one node's keys over the other's at failover, which then logs 10565/10521
    ("the secret could not be loaded") alternately on each node. The restore is done per node
    instead. Checkpoints on any resource are examined, not only the ENTSSO resource.
    """

    id = "CLU006"
    topologies = CLUSTERED
    name = "no-entsso-registry-checkpoint"
    severity = Severity.MEDIUM
    roles = ("sso-cluster",)
    facts = (Cluster,)
    guide_step = "21"
    remediation = (
        "Remove-ClusterCheckpoint -ResourceName <resource> -RegistryCheckpoint -CheckpointName "
        "'SOFTWARE\\Microsoft\\ENTSSO' (as listed by Get-ClusterCheckpoint -ResourceName <resource> "
        "-RegistryCheckpoint), then restore the master secret on each node while it owns the role "
        "(ssoconfig -restoreSecret <file>)."
    )
    references = (DOCS_CLUSTER_MSS, BLOG_FAILOVER, DOCS_PS_CLUSTER)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        for node in nodes:
            state = node.get(Cluster)
            bad = [
                {"resource": r.name, "checkpoint": c}
                for r in state.resources
                for c in r.registry_checkpoints
                if replicates_entsso(c)
            ]
            evidence = {"expected": "no registry checkpoint under SOFTWARE\\Microsoft\\ENTSSO", "found": bad}
            if bad:
                yield failed(
                    "registry checkpoint replicates the ENTSSO key: "
                    + ", ".join(f"{b['checkpoint']} on '{b['resource']}'" for b in bad),
                    node=node.name,
                    **evidence,
                )
            else:
                total = sum(len(r.registry_checkpoints) for r in state.resources)
                yield passed(f"no ENTSSO registry checkpoint ({total} registry checkpoint(s) in the cluster)",
                             node=node.name, **evidence)


CHECKS = [
    ClusterNodesUp,
    EntssoGenericService,
    UseNetworkName,
    EntssoResourceDependency,
    EntssoPossibleOwners,
    NoEntssoRegistryCheckpoint,
]
