"""Failover cluster checks for the clustered ENTSSO resource (CHECKS.md CLU0xx)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, failed, passed
from ssocheck.facts.cluster import Cluster, ClusterResource, ClusterState
from ssocheck.model import Severity

DOCS_CLUSTER_MSS = "https://learn.microsoft.com/en-us/biztalk/core/how-to-cluster-the-master-secret-server1"
DOCS_GENERIC_SERVICE = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/generic-service-private-properties"


def find_entsso_resource(state: ClusterState, network_name: str) -> tuple[ClusterResource | None, str]:
    """The ENTSSO Generic Service resource in the role that holds the cluster network name.

    Returns the resource, or None with the reason it could not be found.
    """
    candidates = state.entsso_resources()
    if not candidates:
        return None, "no Generic Service resource with ServiceName ENTSSO in the cluster"
    netname = state.network_name_resource(network_name)
    if netname is None:
        return None, f"no Network Name resource named {network_name} in the cluster"
    in_role = [r for r in candidates if r.group.lower() == netname.group.lower()]
    if not in_role:
        return None, (
            f"the ENTSSO resource is in role {candidates[0].group}, but network name {network_name} "
            f"is in role {netname.group}"
        )
    return in_role[0], ""


class UseNetworkName(GroupCheck):
    """The clustered ENTSSO resource has "Use Network Name for computer name" (UseNetworkName = 1).

    Without it the service reports the physical node name, the SSOSecretServer RPC endpoint is not
    registered under the cluster network name, and every SSO client fails with 0xC0002A0F /
    0x800706D9 ("There are no more endpoints available from the endpoint mapper").
    """

    id = "CLU003"
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

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        netname = ctx.expect.cluster_network_name
        for node in nodes:
            resource, reason = find_entsso_resource(node.get(Cluster), netname)
            if resource is None:
                yield failed(reason, node=node.name, expected=f"ENTSSO Generic Service in the role of {netname}")
                continue
            raw = resource.private_str("UseNetworkName")
            evidence = {"resource": resource.name, "role": resource.group, "expected": "UseNetworkName = 1",
                        "found": f"UseNetworkName = {raw or '(not set)'}"}
            if raw.strip() in ("1", "True", "true"):
                yield passed(f"resource '{resource.name}' has UseNetworkName = 1", node=node.name, **evidence)
            else:
                yield failed(
                    f"resource '{resource.name}' has UseNetworkName = {raw or '(not set, default 0)'}",
                    node=node.name,
                    **evidence,
                )
CHECKS = [UseNetworkName]
