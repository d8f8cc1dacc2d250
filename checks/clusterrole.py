"""Checks on the SSO cluster role beyond its resource: network name health, access, failure policy (CLU007-9)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeFacts, Outcome, errored, failed, passed, warned
from ssocheck.facts.cluster import Cluster, ClusterResource, ClusterState
from ssocheck.facts.clusterpolicy import (
    SC_ACTION_NAMES,
    SC_ACTION_RESTART,
    ClusterAccess,
    DtcClusterConfig,
    DtcClusterMapping,
    EntssoFailurePolicy,
)
from ssocheck.facts.firewall import ACTION_ALLOW, DIR_IN, DIR_OUT, DTC_GROUP, Firewall, FirewallState, profile_names
from ssocheck.facts.msdtc_security import DtcInstance, MsdtcSecurity
from ssocheck.facts.network import SsoEndpoint
from ssocheck.facts.services import Services
from ssocheck.facts.sso import ServiceAccountGroups
from ssocheck.model import Phase, Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import BLOG_NO_ENDPOINTS, CLUSTERED, DOCS_CLUSTER_MSS, DOCS_MSDTC, find_entsso_resource

DOCS_STATUS_DNS = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/network-name-statusdns"
DOCS_TG_CLUSTERING = "https://learn.microsoft.com/en-us/biztalk/technical-guides/clustering-the-master-secret-server"
DOCS_GET_CLUSTER_ACCESS = "https://learn.microsoft.com/en-us/powershell/module/failoverclusters/get-clusteraccess"
DOCS_RESTART_ACTION = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/resources-restartaction"
DOCS_PENDING_TIMEOUT = "https://learn.microsoft.com/en-us/previous-versions/windows/desktop/mscs/resources-pendingtimeout"
DOCS_SSO_TROUBLESHOOTING = "https://learn.microsoft.com/en-us/biztalk/core/troubleshooting-enterprise-single-sign-on"

STATUS_PROPERTIES = ("StatusDNS", "StatusKerberos", "StatusNetBIOS")
# Microsoft's multi-subnet guidance lowers HostRecordTTL to 300 s when RegisterAllProvidersIP stays 0.
MULTI_SUBNET_TTL_S = 300
ADDRESS_TYPES = ("ip address", "ipv6 address")

# --------------------------------------------------------------------------- CLU007


class SsoNetworkNameHealth(GroupCheck):
    """The SSO role's Network Name is online, registered (StatusDNS/Kerberos/NetBIOS 0) and resolves to the role's IPs.

    The Network Name resource reports the result of its last DNS registration, Kerberos (computer
    object) and NetBIOS operations in StatusDNS, StatusKerberos and StatusNetBIOS (0 = success). A
    non-zero status means clients may resolve a stale address or fail Kerberos against the name,
    which SSO clients report as 0xC0002A0F. From every cluster node the name must resolve only to
    addresses of the role's own IP Address resources: a stale A record left from an earlier build
    sends SSO clients to another host. A role with addresses in several subnets that registers only
    the online one (RegisterAllProvidersIP 0) with the default HostRecordTTL (1200 s) is a warning:
    after a cross-subnet failover clients keep the old address until the record expires. Read from
    the cluster's own resource properties and the node's own resolver.
    """

    id = "CLU007"
    topologies = CLUSTERED
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
            warnings = []
            ttl = netname.private_str("HostRecordTTL")
            if (len(role_ips) > 1 and netname.private_str("RegisterAllProvidersIP").strip() in ("", "0")
                    and ttl.isdigit() and int(ttl) > MULTI_SUBNET_TTL_S):
                # A multi-subnet role registers only its online address; clients cache it for the TTL.
                warnings.append(f"role {netname.group} has {len(role_ips)} addresses, RegisterAllProvidersIP 0 and "
                                f"HostRecordTTL {ttl} s: after a failover to another subnet BizTalk nodes keep the "
                                f"old address for up to {ttl} s")
            evidence: dict[str, Any] = {
                "expected": {"state": "Online", **dict.fromkeys(STATUS_PROPERTIES, 0),
                             "resolves_to": f"only the role's addresses {role_ips}"},
                "found": {"state": netname.state, **statuses, "resolves_to": resolved},
                "resource": netname.name,
                "RegisterAllProvidersIP": netname.private_str("RegisterAllProvidersIP") or None,
                "HostRecordTTL": netname.private_str("HostRecordTTL") or None,
            }
            if problems:
                yield failed("; ".join(problems + warnings), node=node.name, **evidence)
            elif warnings:
                yield warned("; ".join(warnings), node=node.name, **evidence)
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
    """The SSO service account has Full Control on the cluster, directly or through one of its groups.

    Microsoft's clustering guide for the master secret server: the SSO service account "must also be
    granted Full Control access to the cluster". The cluster's access list (Get-ClusterAccess) is read on
    each cluster node and compared by SID with the account and the groups of its logon token on that
    node (domain groups, and BUILTIN groups such as Administrators, which hold Full Control by default);
    a Deny entry for any of them wins. Microsoft asks for the account itself to be granted access; an
    SSO service running as a local administrator is a warning of its own (event 10599).
    """

    id = "CLU008"
    topologies = CLUSTERED
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
    topologies = CLUSTERED
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


# --------------------------------------------------------------------------- DTC005

DTC_TYPE = "Distributed Transaction Coordinator"
NETWORK_ACCESS = ("NetworkDtcAccess", "NetworkDtcAccessInbound", "NetworkDtcAccessOutbound")
DOCS_SQL_DTC_FAQ = "https://techcommunity.microsoft.com/blog/sqlserver/can-i-listen-to-you-mr-msdtc/383290"
DOCS_BTS_FIREWALL_DTC = (
    "https://learn.microsoft.com/en-us/biztalk/install-and-config-guides/"
    "post-installation-steps-for-biztalk-server-2013-and-2013-r2"
)


def _maps_entsso(application_type: str, application: str) -> bool:
    app = application.strip().lower()
    return ("service" in application_type.lower() and app == "entsso") or app.replace("/", "\\").endswith(
        "\\entsso.exe")


def _default_resource(state: ClusterState, dtcs: list[ClusterResource], default: str) -> ClusterResource | None:
    """The DTC resource Get-DtcClusterDefault names: ``MSDTC-<resource or its role's network name>`` or the name."""
    want = default.strip().lower()
    bare = want[6:] if want.startswith("msdtc-") else want
    for res in dtcs:
        names = {res.name.lower()} | {n.private_str("Name").lower() for n in state.resources_of_type("Network Name")
                                      if n.group.lower() == res.group.lower()}
        if want in names or bare in names:
            return res
    return None


def dtc_for_entsso(state: ClusterState, entsso: ClusterResource,
                   cfg: DtcClusterConfig) -> tuple[ClusterResource | None, str, str | None]:
    """Which DTC the clustered ENTSSO uses: (resource or None for the local DTC, how it was chosen, undecided).

    The order Microsoft documents for clustered services (SQL Server FAQ "Can I listen to you Mr. MSDTC?",
    the same rules as Books Online): a DTC resource in the service's own role; else a cluster TM mapping for
    the service; else the cluster's default DTC (the first clustered instance); else the local DTC.
    """
    dtcs = state.resources_of_type(DTC_TYPE)
    in_role = [r for r in dtcs if r.group.lower() == entsso.group.lower()]
    if in_role:
        return in_role[0], f"the DTC resource in role {entsso.group}", None
    mapping = next((m for m in cfg.mappings if _maps_entsso(m.application_type, m.application)), None)
    if mapping is not None:
        if mapping.local:
            return None, f"TM mapping {mapping.name} (local DTC)", None
        res = next((r for r in dtcs if r.name.lower() == mapping.resource.lower()), None)
        if res is None:
            return None, f"TM mapping {mapping.name}", (f"TM mapping {mapping.name} names DTC resource "
                                                        f"{mapping.resource}, which the cluster does not have")
        return res, f"TM mapping {mapping.name}", None
    if cfg.default:
        res = _default_resource(state, dtcs, cfg.default)
        if res is not None:
            return res, f"the cluster default DTC ({cfg.default})", None
        return None, "the cluster default DTC", f"cluster default DTC {cfg.default} is not a DTC resource here"
    if not dtcs:
        return None, "no clustered DTC: the local DTC", None
    if len(dtcs) == 1 or cfg.available:
        return dtcs[0], "the cluster's first clustered DTC (default)", None
    return None, "the cluster default DTC", (f"{len(dtcs)} clustered DTCs outside the SSO role and no MsDtc module "
                                             "(Windows Server 2012+) to read the TM mappings and the default")


class DtcUsedByEntsso(GroupCheck):
    """The DTC the clustered ENTSSO really uses is online with network DTC access, and its firewall rules are on.

    DTC004 only proves that some DTC resource is online somewhere in the cluster. A clustered service uses
    the DTC in its own role, else a cluster TM mapping for it, else the cluster's default DTC, else the
    local DTC of the node it runs on; on a shared (often SQL) cluster the default DTC is another role's
    and may be offline or closed to the network. That instance must be online (the local one: MSDTC
    running), with Network DTC Access, inbound and outbound on, and the "Distributed Transaction
    Coordinator" firewall rule group enabled on each cluster node. Otherwise SSO fails with 10605 /
    0xC0002A24 "Could not import a DTC transaction".
    """

    id = "DTC005"
    topologies = CLUSTERED
    name = "dtc-used-by-entsso"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (Cluster, DtcClusterMapping, MsdtcSecurity, Services, Firewall)
    guide_step = "13, 22b"
    remediation = (
        "Give the SSO role its own clustered DTC (Failover Cluster Manager > SSO role > Add Resource > Distributed "
        "Transaction Coordinator, depending on the role's name and disk) or map ENTSSO to a DTC with "
        "Add-DtcClusterTMMapping -Name ENTSSO -Service ENTSSO -ClusterResourceName <DTC resource> -Local $false; "
        "bring it online (Start-ClusterResource); turn on Network DTC Access, inbound and outbound "
        "(Set-DtcNetworkSetting -DtcName <MSDTC-name> -InboundTransactionsEnabled $true "
        "-OutboundTransactionsEnabled $true, restarts that DTC); enable the firewall group on every cluster node: "
        "Enable-NetFirewallRule -DisplayGroup 'Distributed Transaction Coordinator' (2008 R2: netsh advfirewall "
        "firewall set rule group=\"Distributed Transaction Coordinator\" new enable=yes)."
    )
    references = (DOCS_SQL_DTC_FAQ, DOCS_BTS_FIREWALL_DTC, DOCS_MSDTC, DOCS_CLUSTER_MSS)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        for node in nodes:
            state = node.get(Cluster)
            entsso, reason = find_entsso_resource(state, ctx.expect.cluster_network_name)
            problems: list[str] = []
            warnings: list[str] = []
            undecided: list[str] = []
            found: dict[str, Any] = {}
            if entsso is None:
                # Which DTC a service uses depends on its role; CLU002 reports the missing resource itself.
                undecided.append(f"cannot tell which DTC ENTSSO uses: {reason}")
            else:
                dtc, how, unknown = dtc_for_entsso(state, entsso, node.get(DtcClusterMapping))
                found["dtc"] = dtc.name if dtc else "local DTC"
                found["chosen_by"] = how
                if unknown:
                    undecided.append(unknown)
                else:
                    problems.extend(self._instance_problems(node, dtc, found))
            fw_problems, fw_warnings = _dtc_firewall(node.get(Firewall), found)
            problems.extend(fw_problems)
            warnings.extend(fw_warnings)
            evidence = {"expected": {"dtc": "online, Network DTC Access inbound and outbound on",
                                     "firewall": "Distributed Transaction Coordinator rules enabled"},
                        "found": found}
            if problems:
                yield failed("; ".join(problems + warnings + undecided), node=node.name, **evidence)
            elif undecided:
                yield errored("; ".join(undecided), node=node.name, **evidence)
            elif warnings:
                yield warned("; ".join(warnings), node=node.name, **evidence)
            else:
                yield passed(f"ENTSSO uses {found['dtc']} ({found['chosen_by']}): online, network access on, "
                             "DTC firewall rules enabled", node=node.name, **evidence)

    @staticmethod
    def _instance_problems(node: NodeFacts, dtc: ClusterResource | None, found: dict[str, Any]) -> list[str]:
        security = node.get(MsdtcSecurity)
        problems = []
        instance: DtcInstance | None
        if dtc is None:
            svc = node.get(Services).get("MSDTC")
            found["state"] = svc.state if svc else "not installed"
            if svc is None or svc.state.lower() != "running":
                problems.append(f"ENTSSO uses the local DTC, and MSDTC is {found['state']}")
            instance = security.local
        else:
            found["state"] = dtc.state
            if dtc.state.lower() != "online":
                problems.append(f"ENTSSO uses clustered DTC {dtc.name}, which is {dtc.state or 'unknown'}")
            instance = next((i for i in security.clustered if i.resource_name.lower() == dtc.name.lower()), None)
            if instance is None:
                problems.append(f"no MSDTC security settings of {dtc.name} in the cluster hive")
        if instance is not None:
            settings = instance.effective()
            found["network_access"] = {k: settings[k] for k in NETWORK_ACCESS}
            off = [k for k in NETWORK_ACCESS if settings[k] != 1]
            if off:
                problems.append(f"{instance.label}: {', '.join(off)} off (network DTC access, inbound and outbound "
                                "must be on)")
        return problems


def _dtc_firewall(fw: FirewallState, found: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Problems and warnings about the 'Distributed Transaction Coordinator' rule group in the active profiles."""
    active = fw.active_profiles
    if not active:
        found["firewall"] = "off in the current profile(s)"
        return [], []
    group = [r for r in fw.rules if r.grouping.lower() == DTC_GROUP.lower() and r.action == ACTION_ALLOW]
    found["dtc_rules_enabled"] = sorted(r.name for r in group if r.enabled)
    problems: list[str] = []
    warnings: list[str] = []
    for direction, name, out in ((DIR_IN, "inbound", problems), (DIR_OUT, "outbound", warnings)):
        mask = 0
        for r in group:
            if r.enabled and r.direction == direction:
                mask |= r.profiles & active
        if mask != active:
            out.append(f"no enabled {name} 'Distributed Transaction Coordinator' firewall rule in the "
                       f"{profile_names(active & ~mask)} profile")
    return problems, warnings


CHECKS = [SsoNetworkNameHealth, SsoAccountClusterAccess, EntssoFailurePolicyCheck, DtcUsedByEntsso]
