"""Checks of a master secret server clustered on the SQL Server failover cluster (topology sql-cluster).

Microsoft's "Clustering the Master Secret Server" (BizTalk technical guide) allows adding the master secret server
as a cluster resource of the SQL Server database cluster, to save hardware, and recommends keeping it off the node
that is active for the MessageBox database. Every other cluster check applies as on a dedicated cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, passed, skipped, warned
from ssocheck.facts.cluster import Cluster, ClusterState
from ssocheck.model import Severity

from .common import host, resource_role, same_host
from .secret import role_owner

DOCS_CLUSTERING_MSS_GUIDE = "https://learn.microsoft.com/en-us/biztalk/technical-guides/clustering-the-master-secret-server"


def _sql_role_owner(state: ClusterState, sql_server: str) -> tuple[str | None, str]:
    """(the node active for the SQL role that serves ``sql_server``, the role's name), from its Network Name."""
    name = host(sql_server.split("\\")[0].split(",")[0].removeprefix("tcp:"))
    resource = state.network_name_resource(name)
    if resource is None:
        return None, ""
    group = resource_role(state, resource)
    owner = resource.owner_node or (group.owner_node if group else "")
    return owner or None, group.name if group else resource.group


class MssNotOnMessageBoxNode(GroupCheck):
    """The clustered master secret server is not active on the node that runs the MessageBox's SQL role.

    On the SQL Server cluster Microsoft recommends "that you do not put the master secret server on the same active
    node as the MessageBox database": the MessageBox is the busiest database, and although the master secret
    server needs little, it is better on another active node. The owner of the role that holds ENTSSO is compared
    with the owner of the SQL role whose network name serves the MessageBox (inventory
    ``biztalk.messagebox_database.server``); on the same node it is a warning on that node.
    """

    id = "SSO025"
    name = "mss-not-on-messagebox-node"
    severity = Severity.LOW
    roles = ("sso-cluster",)
    topologies = ("sql-cluster",)
    facts = (Cluster,)
    guide_step = "14"
    remediation = (
        "Move the SSO role to another node (Move-ClusterGroup <SSO role> -Node <node>) and set its preferred owners "
        "so that it runs on a node where the MessageBox's SQL role is not active, or give the MessageBox's SQL role "
        "preferred owners that keep them apart."
    )
    references = (DOCS_CLUSTERING_MSS_GUIDE,)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        server = ctx.expect.messagebox_db_server
        if not server:
            for node in nodes:
                yield skipped("the inventory names no MessageBox database (biztalk.messagebox_database.server)",
                              node=node.name)
            return
        state = nodes[0].get(Cluster)
        mss = role_owner(state, ctx.expect.cluster_network_name)
        msgbox, sql_role = _sql_role_owner(state, server)
        evidence: dict[str, Any] = {
            "expected": "the SSO role and the MessageBox's SQL role active on different nodes",
            "found": {"sso_role_owner": mss, "messagebox_sql_role": sql_role or None, "messagebox_role_owner": msgbox},
        }
        if mss is None or msgbox is None:
            missing = (f"the role of {ctx.expect.cluster_network_name}" if mss is None
                       else f"a role with the network name of {server}")
            for node in nodes:
                yield warned(f"cannot tell: the cluster has no {missing} (is the MessageBox on this SQL cluster?)",
                             node=node.name, **evidence)
            return
        for node in nodes:
            if same_host(node.name, mss) and same_host(node.name, msgbox):
                yield warned(f"the master secret server and the MessageBox's SQL role {sql_role} are both active here",
                             node=node.name, **evidence)
            else:
                yield passed(f"the master secret server runs on {mss}, the MessageBox's SQL role on {msgbox}",
                             node=node.name, **evidence)


CHECKS = [MssNotOnMessageBoxNode]
