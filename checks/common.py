"""Pieces several check modules share: reference URLs, SSO constants, computer-name and cluster helpers.

Only what two or more modules use lives here; a reference used by one module stays in that module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from ssocheck.check import NodeFacts, Outcome, errored, unproven
from ssocheck.facts.cluster import ClusterGroup, ClusterResource, ClusterState
from ssocheck.facts.sso import SsoDatabase

T = TypeVar("T")

# --------------------------------------------------------------------------- references

DOCS_CLUSTER_MSS = "https://learn.microsoft.com/en-us/biztalk/core/how-to-cluster-the-master-secret-server1"
DOCS_MOVE_MSS = "https://learn.microsoft.com/en-us/biztalk/core/how-to-move-the-master-secret-server"
DOCS_BACKUP = "https://learn.microsoft.com/en-us/biztalk/core/how-to-back-up-the-master-secret"
DOCS_RESTORE = "https://learn.microsoft.com/en-us/biztalk/core/how-to-restore-the-master-secret"
DOCS_HA_MSS = "https://learn.microsoft.com/en-us/biztalk/technical-guides/high-availability-for-the-master-secret-server"
DOCS_MSDTC = "https://learn.microsoft.com/en-us/biztalk/core/troubleshooting-problems-with-msdtc"
DOCS_SSO_SECURITY = "https://learn.microsoft.com/en-us/biztalk/core/sso-security-recommendations"
BLOG_NO_ENDPOINTS = "https://blogs.msdn.microsoft.com/apacbiztalk/2013/01/23/0x800706d9-when-contact-a-sso-master-secret-cluster/"
BLOG_FAILOVER = (
    "https://www.biztalkgurus.com/blogs/msft-biztalk-community/sso-master-secret-server-does-not-start-after-cluster-failover/"
)
KB_SSO_VERSION = "KB 2908466: the ENTSSO Server and Administration registry values give the installed SSO version"

# --------------------------------------------------------------------------- topologies

# The checks of a clustered master secret server (its failover cluster, its ENTSSO Generic Service, the cluster's
# DTC): they mean something when the MSS is clustered, on its own cluster or on the SQL cluster; a standalone MSS has
# none of it, so there they are `skip` "not applicable to topology standalone" (the runner decides, from this).
CLUSTERED = ("dedicated-cluster", "sql-cluster")

# --------------------------------------------------------------------------- SSO constants

ENTSSO_FOLDER = "C:\\Program Files\\Common Files\\Enterprise Single Sign-On"
ENTSSO_E_NO_SSO_SERVER = 0xC0002A0F  # could not contact the SSO server

# --------------------------------------------------------------------------- majorities


def strict_majority(counts: Counter[T]) -> T | None:
    """The value counted more often than every other one; None when nothing is counted or the top is a tie.

    Group checks take the value most nodes share as the reference and blame the others; with a tie
    at the top nobody can say which side is right. The counted values must not be None.
    """
    ranked = counts.most_common(2)
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return None


# --------------------------------------------------------------------------- computer names


def host(name: str | None) -> str:
    """The NetBIOS part of a computer name, upper-case (``biztalkcluster.corp.example.com`` -> ``BIZTALKCLUSTER``).

    Cluster views, event texts, the SSO database and the inventory spell the same machine differently
    (FQDN or not, any case, ``\\\\`` prefix); they compare on this.
    """
    return (name or "").strip().lstrip("\\").split(".")[0].upper()


def same_host(a: str | None, b: str | None) -> bool:
    """True when two computer names are the same machine name (NetBIOS part, case-insensitive)."""
    return bool(host(a)) and host(a) == host(b)


# --------------------------------------------------------------------------- the clustered ENTSSO resource


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


def resource_role(state: ClusterState, resource: ClusterResource) -> ClusterGroup | None:
    """The cluster role (group) that holds ``resource``, if the cluster view lists it."""
    return next((g for g in state.groups if g.name.lower() == resource.group.lower()), None)


def db_unread(nodes: Sequence[NodeFacts]) -> Callable[..., Outcome]:
    """How a group check says that no node read the SSO database (``ssomanage -displaydb``).

    :func:`unproven` when none of ``nodes`` even tried (each skipped ssomanage because its own ENTSSO does not
    answer, as on a passive cluster node: a second hop otherwise): the nodes that could read are not among them,
    and when they were not collected the runner says "not proven". :func:`errored` when a node tried and failed
    (not an SSO administrator, SSO server unreachable...): that is a cause of its own, never hidden.
    """
    return unproven if all(not n.get(SsoDatabase).local for n in nodes) else errored
