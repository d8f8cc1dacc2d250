"""Checks on the SSO cluster role beyond its resource: network name health, access, failure policy (CLU007-9)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, failed, passed, warned
from ssocheck.facts.cluster import Cluster
from ssocheck.facts.clusterpolicy import SC_ACTION_NAMES, SC_ACTION_RESTART, ClusterAccess, EntssoFailurePolicy
from ssocheck.facts.network import SsoEndpoint
from ssocheck.facts.sso import ServiceAccountGroups
from ssocheck.model import Phase, Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import BLOG_NO_ENDPOINTS, DOCS_CLUSTER_MSS, find_entsso_resource

DOCS_STATUS_DNS = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/network-name-statusdns"
DOCS_TG_CLUSTERING = "https://learn.microsoft.com/en-us/biztalk/technical-guides/clustering-the-master-secret-server"
DOCS_GET_CLUSTER_ACCESS = "https://learn.microsoft.com/en-us/powershell/module/failoverclusters/get-clusteraccess"
DOCS_RESTART_ACTION = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/resources-restartaction"
DOCS_PENDING_TIMEOUT = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/resources-pendingtimeout"
DOCS_SSO_TROUBLESHOOTING = "https://learn.microsoft.com/en-us/biztalk/core/troubleshooting-enterprise-single-sign-on"

STATUS_PROPERTIES = ("StatusDNS", "StatusKerberos", "StatusNetBIOS")
ADDRESS_TYPES = ("ip address", "ipv6 address")

# --------------------------------------------------------------------------- CLU007


class SsoNetworkNameHealth(GroupCheck):
    """The SSO role's Network Name is online, registered (StatusDNS/Kerberos/NetBIOS 0) and resolves to the role's IPs.

    The Network Name resource reports the result of its last DNS registration, Kerberos (computer
    object) and NetBIOS operations in StatusDNS, StatusKerberos and StatusNetBIOS (0 = success). A
    non-zero status means clients may resolve a stale address or fail Kerberos against the name,
    which SSO clients report as 0xC0002A0F. From every cluster node the name must resolve only to
    addresses of the role's own IP Address resources: a stale A record left from an earlier build
    sends SSO clients to another host. Read from the cluster's own resource properties and the
    node's own resolver.
    """

    id = "CLU007"
    name = "sso-network-name-health"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (Cluster, SsoEndpoint)
    guide_step = "14, 21"
    remediation = (
        "Fix the registration the status names, then take the Network Name resource offline and online (or run "
        "Update-ClusterNetworkNameResource <name>) and check Get-ClusterResource <name> | Get-ClusterParameter "
        "StatusDNS,StatusKerberos,StatusNetBIOS is 0: DNS: allow the cluster name object to update its A record "
        "(secure dynamic update, record ACL); Kerberos: the computer object of the name exists and is enabled in "
        "AD; then delete stale A records of the name that point at other addresses (dnscmd /recorddelete or DNS "
        "Manager) and ipconfig /flushdns on the nodes."
    )
    references = (DOCS_STATUS_DNS, DOCS_CLUSTER_MSS, BLOG_NO_ENDPOINTS)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        want = ctx.expect.cluster_network_name
        for node in nodes:
            state = node.get(Cluster)
            probe = node.get(SsoEndpoint)
            netname = state.network_name_resource(want)
            if netname is None:
                yield failed(f"no Network Name resource named {want} in the cluster", node=node.name,
                             expected=f"Network Name resource {want}", found=None)
                continue
            role_ips = sorted({r.private_str("Address") for r in state.resources
                               if r.type.lower() in ADDRESS_TYPES and r.group.lower() == netname.group.lower()
                               and r.private_str("Address")})
            statuses = {p: netname.private_str(p) for p in STATUS_PROPERTIES if netname.private_str(p) != ""}
            resolved = sorted(a.address for a in probe.addresses)
            problems = []
            if netname.state.lower() != "online":
                problems.append(f"resource '{netname.name}' is {netname.state or 'unknown'}")
            bad = {p: v for p, v in statuses.items() if v.strip() != "0"}
            if bad:
                problems.append("last registration failed: " + ", ".join(
                    f"{p} = {_code(v)}" for p, v in sorted(bad.items())))
            if probe.forward_error or not resolved:
                problems.append(f"{want} does not resolve from this node: {probe.forward_error or 'no address'}")
            else:
                stale = [a for a in resolved if a not in role_ips]
                if stale:
                    problems.append(f"{want} resolves to {', '.join(stale)}, not an address of role "
                                    f"{netname.group} ({', '.join(role_ips) or 'none'})")
            evidence: dict[str, Any] = {
                "expected": {"state": "Online", **dict.fromkeys(STATUS_PROPERTIES, 0),
                             "resolves_to": f"only the role's addresses {role_ips}"},
                "found": {"state": netname.state, **statuses, "resolves_to": resolved},
                "resource": netname.name,
                "RegisterAllProvidersIP": netname.private_str("RegisterAllProvidersIP") or None,
                "HostRecordTTL": netname.private_str("HostRecordTTL") or None,
            }
            if problems:
                yield failed("; ".join(problems), node=node.name, **evidence)
            else:
                yield passed(f"'{netname.name}' Online, registered (status 0), resolves to {', '.join(resolved)} "
                             f"of role {netname.group}", node=node.name, **evidence)


def _code(value: str) -> str:
    """A status value as text with its hex form (Win32 error codes read better in hex: 9005 = 0x232D)."""
    try:
        number = int(value)
    except ValueError:
        return value
    return f"{number} (0x{number & 0xFFFFFFFF:X})"


# --------------------------------------------------------------------------- CLU008


class SsoAccountClusterAccess(GroupCheck):
    """The SSO service account has Full Control on the cluster, directly or through one of its domain groups.

    Microsoft's clustering guide for the master secret server: the SSO service account "must also be
    granted Full Control access to the cluster". The cluster's access list (Get-ClusterAccess) is read on
    each cluster node and compared by SID with the account and the groups of its logon token on that
    node (domain groups, and BUILTIN groups such as Administrators, which hold Full Control by default);
    a Deny entry for any of them wins. Microsoft asks for the account itself to be granted access; an
    SSO service running as a local administrator is a warning of its own (event 10599).
    """

    id = "CLU008"
    name = "sso-account-cluster-access"
    severity = Severity.MEDIUM
    roles = ("sso-cluster",)
    phases = (Phase.PRE, Phase.NIGHTLY)
    facts = (ClusterAccess, ServiceAccountGroups)
    guide_step = "14"
    remediation = (
        "Grant the SSO service account Full Control on the cluster: Grant-ClusterAccess -User <DOMAIN\\svc_sso> "
        "-Full (or Failover Cluster Manager > the cluster > Properties > Cluster Permissions > Add, Full Control), "
        "remove any Deny entry for it or its groups (Remove-ClusterAccess), and check with Get-ClusterAccess."
    )
    references = (DOCS_TG_CLUSTERING, DOCS_GET_CLUSTER_ACCESS)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        for node in nodes:
            entries = node.get(ClusterAccess)
            ident = node.get(ServiceAccountGroups)
            mine = {ident.sid} | set(ident.group_sids)
            matching = [e for e in entries if e.sid and e.sid in mine]
            deny = [e for e in matching if e.access.lower() == "deny"]
            full = [e for e in matching if e.access.lower() == "allow" and e.rights.lower() in ("full", "fullcontrol")]
            read = [e for e in matching if e.access.lower() == "allow" and e not in full]
            evidence = {
                "expected": f"{ident.account} (or one of its groups) Allow Full, no Deny",
                "found": [f"{e.identity}: {e.access} {e.rights}" for e in entries],
            }
            if deny:
                yield failed(f"Deny entry for {', '.join(e.identity for e in deny)} on the cluster", node=node.name,
                             **evidence)
            elif full:
                yield passed(f"{ident.account} has Full Control through {', '.join(e.identity for e in full)}",
                             node=node.name, **evidence)
            elif read:
                yield failed(f"{ident.account} has only {', '.join(e.rights or '?' for e in read)} access "
                             f"({', '.join(e.identity for e in read)}), not Full Control", node=node.name, **evidence)
            else:
                yield failed(f"{ident.account} is not granted access to the cluster (neither it nor its domain groups "
                             "are in Get-ClusterAccess)", node=node.name, **evidence)


# --------------------------------------------------------------------------- CLU009

# Microsoft: ENTSSO "may take around 3 minutes to start"; the cluster's default PendingTimeout is 180000 ms.
MIN_PENDING_TIMEOUT_MS = 180000
RESTART_ACTIONS = {0: "do not restart", 1: "restart, never fail over the role", 2: "restart, then fail over the role"}


class EntssoFailurePolicyCheck(GroupCheck):
    """The ENTSSO resource's restart and failover policy lets it start and fail over; SCM never restarts it locally.

    ENTSSO can take about three minutes to start, so the resource's PendingTimeout must allow at least
    that (180000 ms, the default); RestartAction 2 (restart, then fail over the role) and a non-zero
    RestartThreshold let the cluster recover it, and the role's FailoverThreshold and FailoverPeriod must
    not be zero or the role never moves. On each node the local ENTSSO service must have no Service
    Control Manager "restart" recovery action: a restart by SCM starts ENTSSO outside the cluster, which
    blocks the clustered endpoint registration (0x800706D9).
    """

    id = "CLU009"
    name = "entsso-failure-policy"
    severity = Severity.MEDIUM
    roles = ("sso-cluster",)
    phases = (Phase.PRE, Phase.NIGHTLY)
    facts = (Cluster, EntssoFailurePolicy)
    guide_step = "17"
    remediation = (
        "(Get-ClusterResource <ENTSSO resource>).PendingTimeout = 180000 (or more); .RestartAction = 2; "
        ".RestartThreshold = 3 (Failover Cluster Manager > resource > Properties > Policies); "
        "(Get-ClusterGroup <SSO role>).FailoverThreshold / .FailoverPeriod not 0 (role > Properties > Failover). "
        "Remove the SCM recovery actions of the local service on every node: sc.exe failure ENTSSO reset= 0 "
        "actions= \"\" (services.msc > ENTSSO > Recovery: Take No Action); the cluster restarts it."
    )
    references = (DOCS_RESTART_ACTION, DOCS_PENDING_TIMEOUT, DOCS_SSO_TROUBLESHOOTING, BLOG_NO_ENDPOINTS)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        for node in nodes:
            resource, reason = find_entsso_resource(node.get(Cluster), ctx.expect.cluster_network_name)
            policy = node.get(EntssoFailurePolicy)
            problems: list[str] = []
            warnings: list[str] = []
            found: dict[str, Any] = {}
            res = None
            if resource is None:
                problems.append(reason)
            else:
                res = next((p for p in policy.resources if p.name.lower() == resource.name.lower()), None)
                if res is None:
                    problems.append(f"no policy read for resource '{resource.name}'")
            if res is not None:
                found = {"RestartAction": res.restart_action, "RestartThreshold": res.restart_threshold,
                         "PendingTimeout": res.pending_timeout_ms, "FailoverThreshold": res.group_failover_threshold,
                         "FailoverPeriod": res.group_failover_period_h}
                if res.pending_timeout_ms is not None and res.pending_timeout_ms < MIN_PENDING_TIMEOUT_MS:
                    problems.append(f"PendingTimeout {res.pending_timeout_ms} ms is shorter than ENTSSO's start "
                                    f"(about 3 minutes; at least {MIN_PENDING_TIMEOUT_MS} ms)")
                if res.restart_action == 0:
                    problems.append("RestartAction 0: the cluster never restarts ENTSSO or fails the role over")
                elif res.restart_action == 1:
                    warnings.append("RestartAction 1: ENTSSO is restarted on the same node but the role never "
                                    "fails over")
                if res.restart_threshold == 0:
                    problems.append("RestartThreshold 0: no restart is attempted")
                if res.group_failover_threshold == 0 or res.group_failover_period_h == 0:
                    problems.append(f"role {res.group}: FailoverThreshold {res.group_failover_threshold}, "
                                    f"FailoverPeriod {res.group_failover_period_h}: the role never fails over")
            if policy.scm_error:
                problems.append(policy.scm_error)
            actions = policy.scm_actions or ()
            found["scm_recovery"] = [SC_ACTION_NAMES.get(a, str(a)) for a in actions]
            if SC_ACTION_RESTART in actions:
                problems.append("the local ENTSSO service has an SCM recovery action 'Restart the Service': it "
                                "starts ENTSSO outside the cluster")
            evidence = {"expected": {"PendingTimeout": f">= {MIN_PENDING_TIMEOUT_MS}", "RestartAction": 2,
                                     "RestartThreshold": ">= 1", "FailoverThreshold": ">= 1",
                                     "FailoverPeriod": ">= 1", "scm_recovery": "no restart"},
                        "found": found}
            if problems:
                yield failed("; ".join(problems + warnings), node=node.name, **evidence)
            elif warnings:
                yield warned("; ".join(warnings), node=node.name, **evidence)
            else:
                yield passed(f"PendingTimeout {found.get('PendingTimeout')} ms, RestartAction "
                             f"{RESTART_ACTIONS.get(found.get('RestartAction') or 0, '?')}, no SCM restart",
                             node=node.name, **evidence)


CHECKS = [SsoNetworkNameHealth, SsoAccountClusterAccess, EntssoFailurePolicyCheck]
