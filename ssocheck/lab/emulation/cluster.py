"""Failover cluster facts of a simulated node, answered from ``clusters.<name>`` of the scenario.

The cluster document (see docs/architecture.md, "Scenario document")::

    nodes: {NODE1: Up, NODE2: Up}                       # or a list of names (all Up)
    groups: {SSO: {owner: NODE1, state: Online}}
    resources:
      <name>: {type, group, state, private: {..}, dependencies: [A, B] | "[A] or [B]",
               possible_owners: [..], registry_checkpoints: [..]}

A resource's owner node is its group's owner, as in a real cluster; its state defaults to its group's state.

A node answers through the FailoverClusters module unless its document says ``modules: {FailoverClusters: false}``
(no RSAT-Clustering-PowerShell); then the probe's WMI path (``root\\MSCluster``) answers with the same shape,
``source: wmi``, and a dependency expression that WMI can only list (``[A] and [B]``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import EmulationError, emulates
from ssocheck.lab.state import FarmState, NodeState

MODULE_MISSING = (
    "The specified module 'FailoverClusters' was not loaded because no valid module file was found in any module "
    "directory."
)
# A node without the module that is no cluster member: the probe's WMI fallback finds no root\MSCluster namespace.
NOT_A_CLUSTER_NODE = (
    "the FailoverClusters module is missing (RSAT-Clustering-PowerShell) and WMI root\\MSCluster does not answer "
    "(not a cluster node, or its cluster service is down): Invalid namespace "
)
SERVICE_DOWN = (
    "The cluster service is not running. Make sure that the service is running on all nodes in the cluster. "
    "There are no more endpoints available from the endpoint mapper"
)

# Private properties Get-ClusterParameter lists even when never set (their documented defaults).
TYPE_DEFAULTS: dict[str, dict[str, Any]] = {
    "generic service": {"ServiceName": "", "StartupParameters": "", "UseNetworkName": 0},
}


def _node_states(doc: Mapping[str, Any]) -> dict[str, str]:
    raw = doc.get("nodes") or {}
    if isinstance(raw, list):
        return {str(name): "Up" for name in raw}
    return {str(name): str(state or "Up") for name, state in dict(raw).items()}


def dependency_expression(deps: Any, as_wmi: bool = False) -> str:
    """Get-ClusterResourceDependency's text: a list means all of them (``[A] and [B]``); a string is verbatim.

    ``as_wmi``: what the probe builds from MSCluster_ResourceToDependentResource, which lists the resources only,
    so every expression reads ``[A] and [B]``.
    """
    if deps is None:
        return ""
    if isinstance(deps, str):
        if not as_wmi:
            return deps
        deps = re.findall(r"\[([^\]]*)\]", deps)
    return " and ".join(f"[{d}]" for d in deps)


@emulates(
    "cluster",
    calls=('Get-ClusterResource', 'Get-ClusterOwnerNode', 'Get-WmiObject',),
)
def cluster(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"name", "nodes", "groups", "resources"}`` of the node's cluster, as the snippet builds it.

    A node that is in no cluster has no FailoverClusters module (the snippet's Import-Module throws). A member
    whose cluster service is stopped (``ClusSvc`` not running, or the node Down in the cluster) cannot open it.
    """
    has_module = bool(dict(node.extra.get("modules") or {}).get("FailoverClusters", bool(node.cluster)))
    if not node.cluster:
        raise EmulationError(MODULE_MISSING if has_module else NOT_A_CLUSTER_NODE)
    doc = farm.cluster_of(node)
    if doc is None:
        raise EmulationError(f"ssocheck lab: node {node.name} is in cluster {node.cluster}, which the scenario "
                             "does not define")
    states = _node_states(doc)
    own_state = next((s for n, s in states.items() if n.lower() == node.name.lower()), None)
    clussvc = node.service("ClusSvc")
    if own_state is None or own_state.lower() == "down" or (clussvc is not None and clussvc.state != "Running"):
        raise EmulationError(SERVICE_DOWN)

    groups_doc = {str(k): dict(v or {}) for k, v in dict(doc.get("groups") or {}).items()}
    groups = [
        {"name": name, "owner_node": str(g.get("owner") or ""), "state": str(g.get("state") or "Online")}
        for name, g in groups_doc.items()
    ]
    resources = []
    for name, raw in dict(doc.get("resources") or {}).items():
        res = dict(raw or {})
        rtype = str(res.get("type") or "")
        group_name = str(res.get("group") or "")
        group = groups_doc.get(group_name, {})
        private = dict(TYPE_DEFAULTS.get(rtype.lower(), {}))
        private.update(dict(res.get("private") or {}))
        owners = res.get("possible_owners")
        resources.append(
            {
                "name": str(name),
                "type": rtype,
                "group": group_name,
                "state": str(res.get("state") or group.get("state") or "Online"),
                "owner_node": str(group.get("owner") or ""),
                "private": private,
                "dependency_expression": dependency_expression(res.get("dependencies"), as_wmi=not has_module),
                "possible_owners": [str(o) for o in (owners if owners is not None else states)],
                "registry_checkpoints": [str(c) for c in res.get("registry_checkpoints") or []],
            }
        )
    return {
        "name": str(node.cluster),
        "source": "FailoverClusters" if has_module else "wmi",
        "nodes": [{"name": n, "state": s} for n, s in states.items()],
        "groups": groups,
        "resources": resources,
    }
