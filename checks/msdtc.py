"""MSDTC checks (CHECKS.md DTC0xx)."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ssocheck.check import (
    Context,
    GroupCheck,
    NodeCheck,
    NodeFacts,
    Outcome,
    errored,
    failed,
    passed,
    unproven,
    warned,
)
from ssocheck.facts.cluster import Cluster
from ssocheck.facts.msdtc import MSDTC_DESCRIPTIONS, MsdtcCids
from ssocheck.facts.msdtc_security import (
    AUTH_LEVEL,
    INCOMING,
    MUTUAL,
    NO_AUTH,
    SECURITY_VALUES,
    DtcInstance,
    MsdtcSecurity,
)
from ssocheck.facts.services import Services
from ssocheck.model import Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import CLUSTERED, DOCS_CLUSTER_MSS, DOCS_MSDTC, strict_majority

DOCS_SET_DTC = "https://learn.microsoft.com/en-us/powershell/module/msdtc/set-dtcnetworksetting"
DOCS_CMOM = "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cmom/"


class MsdtcCidUnique(GroupCheck):
    """Every MSDTC contact CID is present once per node and no CID is shared by two machines.

    Disk images cloned without reinstalling MSDTC keep the same CIDs (MSDTC, MSDTCUIS, MSDTCTIPGW,
    MSDTCXATM); distributed transactions between such machines then fail, and SSO uses DTC.
    """

    id = "DTC001"
    name = "msdtc-cid-unique"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster", "sql", "sso-server")
    facts = (MsdtcCids,)
    guide_step = "1"
    remediation = (
        "On every node that shares a CID (all but one of the clones), as Administrator run "
        "'msdtc -uninstall' then 'msdtc -install', set the MSDTC service to Automatic, re-apply the "
        "MSDTC security settings (reinstalling resets them) and reboot."
    )
    references = (DOCS_MSDTC, "MS-CMOM 2.2.3.5 (HKCR\\CID contact keys)")

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        # Who holds a CID: a node (its own DTC) or a clustered DTC resource, which every node of its cluster
        # reports alike (the cluster hive). A CID with two holders is shared.
        holders: dict[str, set[str]] = defaultdict(set)
        per_node = {node.name: node.get(MsdtcCids) for node in nodes}
        for name, all_entries in per_node.items():
            for entry in all_entries:
                holders[entry.cid].add(name if entry.local else entry.instance)
        for name, all_entries in per_node.items():
            entries = [e for e in all_entries if e.local]
            clustered = [e for e in all_entries if not e.local]
            by_desc: dict[str, list[str]] = defaultdict(list)
            for entry in entries:
                by_desc[entry.description].append(entry.cid)
            problems: list[str] = []
            shared = {
                cid: sorted(holders[cid] - {name})
                for cid in sorted({e.cid for e in entries})
                if len(holders[cid]) > 1
            }
            for cid, others in shared.items():
                desc = next(e.description for e in entries if e.cid == cid)
                problems.append(f"{desc} CID {cid} is also on {', '.join(others)}")
            for entry in clustered:
                owners = sorted(h for h in holders[entry.cid] if h != entry.instance)
                if owners:
                    problems.append(f"{entry.description} CID {entry.cid} of the clustered DTC "
                                    f"{entry.instance.split(':', 1)[1]} is also on {', '.join(owners)}")
                    shared[entry.cid] = owners
            # MSDTCTIPGW is absent only on the NT4-era registry protocol version 1.
            missing = [d for d in MSDTC_DESCRIPTIONS if d not in by_desc]
            if missing:
                problems.append(f"missing {', '.join(missing)} (MSDTC not installed or damaged)")
            doubled = sorted(d for d, cids in by_desc.items() if len(cids) > 1)
            if doubled:
                problems.append(f"more than one CID for {', '.join(doubled)}")
            cids: dict[str, Any] = {e.description: e.cid for e in entries}
            if clustered:
                cids["clustered"] = {f"{e.instance.split(':', 1)[1]} {e.description}": e.cid for e in clustered}
            if problems:
                yield failed(
                    "; ".join(problems),
                    node=name,
                    expected="one CID per description (MSDTC, MSDTCUIS, MSDTCTIPGW, MSDTCXATM), unique across nodes",
                    found=cids,
                    shared_with=shared,
                )
            else:
                yield passed(f"{len(entries)} MSDTC CIDs, none shared with another node", node=name, found=cids)


# The values DTC002 compares: the nine Security DWORDs plus the authentication level derived from
# the RPC DWORDs. Network DTC access, inbound and outbound must be on everywhere: BizTalk and SSO
# use distributed transactions in both directions between the BizTalk nodes and the SSO servers.
COMPARED_VALUES = (*SECURITY_VALUES, AUTH_LEVEL)
REQUIRED_ON = ("NetworkDtcAccess", "NetworkDtcAccessInbound", "NetworkDtcAccessOutbound")


@dataclass(frozen=True)
class _Deviation:
    """One value of one DTC instance that is not what it should be."""

    instance: str
    value: str
    expected: Any
    found: Any
    why: str  # completes "<instance> <value> = <found> (...)"

    @property
    def key(self) -> str:
        return f"{self.instance}: {self.value}"

    def text(self) -> str:
        return f"{self.instance} {self.value} = {self.found} ({self.why})"


def _baseline(
    biztalk: Mapping[str, Mapping[str, int | str]],
) -> tuple[dict[str, int | str], dict[str, dict[str, int | str]]]:
    """The values shared by the BizTalk nodes' local DTC, and the values they disagree on.

    A value held by a strict majority of the BizTalk nodes is the baseline (the nodes in the
    minority are then wrong); a tie leaves no baseline for that value: every BizTalk node is then
    reported, and the cluster nodes cannot be judged on it.
    """
    baseline: dict[str, int | str] = {}
    ties: dict[str, dict[str, int | str]] = {}
    for value in COMPARED_VALUES:
        counts = Counter(settings[value] for settings in biztalk.values())
        if not counts:
            continue
        top = strict_majority(counts)
        if top is not None:
            baseline[value] = top
        else:
            ties[value] = {node: settings[value] for node, settings in sorted(biztalk.items())}
    return baseline, ties


# Which DTC RPC authentication levels can talk to each other (troubleshooting-problems-with-msdtc; MS-CMPO
# 2.1.3: an "Incoming Caller Authentication Required" partner tries authenticated RPC first and accepts
# authenticated calls, so it works with Mutual partners; only Mutual facing No Authentication cannot work).
INCOMPATIBLE_LEVELS = frozenset({frozenset({MUTUAL, NO_AUTH})})
DOCS_MSDTC_TABLE = (
    f"{DOCS_MSDTC} (table 'MSDTC security options': Mutual Authentication Required recommended; "
    "Incoming Caller Authentication Required 'Enabled if running MSDTC on cluster')"
)


def compatible(a: str, b: str) -> bool:
    """Whether two DTC instances with these AuthenticationLevels can run transactions with each other."""
    return frozenset({a, b}) not in INCOMPATIBLE_LEVELS


def _partners(
    levels: Mapping[tuple[str, str], str], biztalk: Mapping[str, Mapping[str, int | str]], name: str,
    is_biztalk_local: bool,
) -> dict[str, str]:
    """The DTC instances one of ``name``'s instances talks to, with their authentication levels.

    Built only when that instance's level is not one Microsoft recommends (_judge_auth): one dict per node over
    every node made DTC002 quadratic in the farm size (a quarter of evaluating a 500-node farm).
    """
    if is_biztalk_local:  # a BizTalk node's DTC talks to every other DTC instance in scope
        return {f"{n} {label}": lvl for (n, label), lvl in levels.items() if n != name}
    # a cluster node's DTC instances talk to the BizTalk nodes
    return {n: str(biztalk[n][AUTH_LEVEL]) for n in biztalk if n != name}


class MsdtcSecurityConsistent(GroupCheck):
    """MSDTC network access is on everywhere and the partners' authentication levels can work together.

    BizTalk and Enterprise SSO use distributed transactions between the BizTalk servers, the SSO
    servers and SQL Server. Network DTC access with inbound and outbound transactions must be on for
    every DTC instance (the local DTC of every node and the clustered DTC); otherwise transactions
    between them fail (SSO event 10605 / 0xC0002A24 "Could not import a DTC transaction"). The RPC
    authentication levels must be able to talk to each other: Microsoft recommends "Mutual
    Authentication Required" on the BizTalk nodes and "Incoming Caller Authentication Required" on a
    clustered DTC, which works with Mutual partners and passes; "No Authentication Required" facing
    Mutual cannot work and fails; a local DTC with another level than Mutual that still works is a
    warning. Other Security values that differ from what the BizTalk nodes share are a warning with the
    difference named. Read from HKLM\\SOFTWARE\\Microsoft\\MSDTC\\Security and, for the clustered DTC,
    HKLM\\Cluster\\Resources\\<id>\\MSDTCPRIVATE\\MSDTC\\Security; the authentication level is derived
    from AllowOnlySecureRpcCalls / FallbackToUnsecureRPCIfNecessary / TurnOffRpcSecurity (MS-CMOM
    3.3.1.2.3).
    """

    id = "DTC002"
    name = "msdtc-security-consistent"
    severity = Severity.HIGH
    roles = ("biztalk", "sso-cluster", "sso-server")
    facts = (MsdtcSecurity,)
    guide_step = "2"
    remediation = (
        "On each node listed: dcomcnfg -> Component Services -> Computers -> My Computer -> Distributed "
        "Transaction Coordinator -> Local DTC (for the clustered DTC: Clustered DTCs -> <name>) -> Properties -> "
        "Security: tick Network DTC Access, Allow Inbound and Allow Outbound. Authentication: 'Mutual "
        "Authentication Required' on the local DTC of every node, 'Incoming Caller Authentication Required' "
        "(Microsoft's recommendation) or Mutual on a clustered DTC; never 'No Authentication Required' while a "
        "partner requires Mutual. Make the other Security options equal to the BizTalk nodes'. On Windows Server "
        "2012 and later: Set-DtcNetworkSetting -DtcName Local -InboundTransactionsEnabled $true "
        "-OutboundTransactionsEnabled $true -AuthenticationLevel Mutual (for the clustered DTC: -DtcName "
        "<MSDTC-...> from Get-Dtc, -AuthenticationLevel Incoming; the cmdlet restarts the DTC instance)."
    )
    references = (DOCS_MSDTC_TABLE, DOCS_SET_DTC, f"{DOCS_CMOM} (2.2.3.2-2.2.3.4, 3.3.1.2.3)")

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        states = {node.name: node.get(MsdtcSecurity) for node in nodes}
        biztalk = {node.name: states[node.name].local.effective() for node in nodes if node.has_role("biztalk")}
        baseline, ties = _baseline(biztalk)
        # Every DTC instance a BizTalk node's DTC talks to: the other BizTalk nodes and every cluster instance.
        levels = {(node.name, inst.label): str(inst.effective()[AUTH_LEVEL])
                  for node in nodes for inst in states[node.name].instances}
        for node in nodes:
            state = states[node.name]
            deviations: dict[str, _Deviation] = {}
            warnings: dict[str, _Deviation] = {}
            undecided: list[str] = []
            notes: list[str] = []
            for instance in state.instances:
                is_biztalk_local = node.name in biztalk and instance.kind == "local"
                partners = functools.partial(_partners, levels, biztalk, node.name, is_biztalk_local)
                self._judge(instance, is_biztalk_local, baseline, ties, bool(biztalk), deviations, warnings,
                            undecided)
                self._judge_auth(instance, partners, deviations, warnings)
                if not instance.key_present:
                    notes.append(f"{instance.label}: the MSDTC registry key is missing (DTC not installed?)")
                elif not instance.security_present:
                    notes.append(f"{instance.label}: the Security key is missing (all values at their defaults)")
            found_all = {inst.label: inst.effective() for inst in state.instances}
            # The RPC values behind each AuthenticationLevel, so a difference can be traced to the registry.
            rpc_values = {inst.label: inst.rpc_effective() for inst in state.instances}
            if deviations or (warnings and not undecided):
                # A failure names the warnings too; warnings alone (nothing undecided) are a warning.
                devs = list(deviations.values()) + list(warnings.values())
                yield (failed if deviations else warned)(
                    "; ".join(d.text() for d in devs),
                    node=node.name,
                    expected={d.key: d.expected for d in devs},
                    found={d.key: d.found for d in devs},
                    baseline=dict(baseline),
                    notes=notes,
                    settings=found_all,
                    rpc_values=rpc_values,
                )
            elif undecided and not biztalk:
                # Only the missing baseline: not proven (skip) when the BizTalk nodes were not collected.
                yield unproven(
                    "cannot compare " + "; ".join(undecided),
                    node=node.name,
                    roles=("biztalk",),
                    expected="the values shared by the BizTalk nodes",
                    found=found_all,
                )
            elif undecided:
                yield errored(
                    "cannot compare " + "; ".join(undecided),
                    node=node.name,
                    expected="the values shared by the BizTalk nodes",
                    found=found_all,
                    biztalk_disagreement=ties,
                )
            else:
                labels = ", ".join(f"{inst.label} ({inst.effective()[AUTH_LEVEL]})" for inst in state.instances)
                yield passed(
                    f"{labels}: network DTC access, inbound and outbound on; authentication levels work with the "
                    "partners; same security as the BizTalk nodes",
                    node=node.name,
                    expected=dict(baseline),
                    found=found_all,
                )

    @staticmethod
    def _judge(
        instance: DtcInstance,
        is_biztalk_local: bool,
        baseline: Mapping[str, int | str],
        ties: Mapping[str, Mapping[str, int | str]],
        have_biztalk: bool,
        deviations: dict[str, _Deviation],
        warnings: dict[str, _Deviation],
        undecided: list[str],
    ) -> None:
        """Network access off is a failure; another Security value than the BizTalk nodes' is a warning.

        A value the BizTalk nodes disagree on warns on the BizTalk nodes and leaves the cluster nodes'
        instances undecided for it (``error``, never ``pass``).
        """
        settings = instance.effective()
        for value in REQUIRED_ON:
            if settings[value] != 1:
                deviations[f"{instance.label}: {value}"] = _Deviation(
                    instance.label, value, 1, settings[value], "must be 1: network DTC access, inbound and outbound on"
                )
        if not have_biztalk:
            undecided.append(f"{instance.label}: no BizTalk node in scope to take the baseline from")
            return
        # The required values are judged above against 1, the authentication level by what its partners
        # can work with (_judge_auth); the other Security values against what the BizTalk nodes share.
        for value in (v for v in SECURITY_VALUES if v not in REQUIRED_ON):
            found = settings[value]
            if value in ties:
                others = ", ".join(f"{n}={v}" for n, v in ties[value].items())
                if is_biztalk_local:
                    dev = _Deviation(instance.label, value, "one value on every BizTalk node", found,
                                     f"the BizTalk nodes disagree: {others}")
                    warnings[dev.key] = dev
                else:
                    undecided.append(f"{instance.label} {value}: the BizTalk nodes disagree ({others})")
            elif value in baseline and found != baseline[value]:
                why = "the other BizTalk nodes have" if is_biztalk_local else "the BizTalk nodes have"
                dev = _Deviation(instance.label, value, baseline[value], found, f"{why} {baseline[value]}")
                warnings[dev.key] = dev

    @staticmethod
    def _judge_auth(
        instance: DtcInstance,
        partners_of: Callable[[], Mapping[str, str]],
        deviations: dict[str, _Deviation],
        warnings: dict[str, _Deviation],
    ) -> None:
        """Fail an authentication level that cannot work with a partner; warn one that works but is not advised.

        When two partners cannot work together, the one that deviates from Microsoft's recommendation is
        blamed (No Authentication facing Mutual: the No Authentication side), not the recommended one.
        """
        level = str(instance.effective()[AUTH_LEVEL])
        recommended = (MUTUAL, INCOMING) if instance.kind == "clustered" else (MUTUAL,)
        if level in recommended:
            return  # a recommended level is never blamed, whatever its partners
        partners = partners_of()
        clash = sorted(n for n, other in partners.items() if not compatible(level, other))
        if clash:
            theirs = ", ".join(f"{n}={partners[n]}" for n in clash)
            dev = _Deviation(instance.label, AUTH_LEVEL, " or ".join(recommended), level,
                             f"cannot authenticate with {theirs}")
            deviations[dev.key] = dev
        else:
            dev = _Deviation(instance.label, AUTH_LEVEL, " or ".join(recommended), level,
                             "works with the partners, but Microsoft recommends "
                             + ("Incoming Caller Authentication on a clustered DTC" if instance.kind == "clustered"
                                else "Mutual Authentication on a local DTC"))
            warnings[dev.key] = dev


class MsdtcServiceRunning(NodeCheck):
    """The MSDTC service exists and is running.

    BizTalk and Enterprise SSO enlist in distributed transactions through the local Distributed
    Transaction Coordinator; with the service stopped or missing, SSO operations that write to the SSO
    database and BizTalk host instances fail. The guide restarts DTC on the BizTalk nodes after the
    move, so it must be running again afterwards.
    """

    id = "DTC003"
    name = "msdtc-service-running"
    severity = Severity.HIGH
    roles = ("biztalk", "sso-cluster", "sql", "sso-server")
    facts = (Services,)
    guide_step = "22"
    remediation = (
        "Start the Distributed Transaction Coordinator service: 'net start msdtc' (services.msc -> "
        "Distributed Transaction Coordinator -> Start) and set its startup type to Automatic "
        "('sc config msdtc start= auto'). If the service is missing, as Administrator run 'msdtc -install', "
        "then re-apply the MSDTC security settings and reboot."
    )
    references = (DOCS_MSDTC,)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        svc = node.get(Services).get("MSDTC")
        expected = "MSDTC installed and Running"
        if svc is None:
            return failed("the MSDTC service is not installed", expected=expected, found="not installed")
        found = {"state": svc.state, "start_mode": svc.start_mode, "account": svc.account}
        if svc.state.strip().lower() != "running":
            return failed(f"MSDTC is {svc.state or 'in an unknown state'}, not Running",
                          expected=expected, found=found)
        if svc.start_mode.strip().lower() == "disabled":
            return warned("MSDTC is running but its startup type is Disabled: it will not start after a reboot",
                          expected="startup type Automatic or Manual", found=found)
        return passed(f"MSDTC is Running (start mode {svc.start_mode or 'unknown'})", expected=expected, found=found)


DTC_RESOURCE_TYPE = "Distributed Transaction Coordinator"


class ClusteredMsdtcResource(GroupCheck):
    """The cluster has a Distributed Transaction Coordinator resource and it is online.

    The clustering guide requires a clustered MSDTC resource before ENTSSO is clustered: the
    clustered SSO service takes part in distributed transactions with the SSO database, and without a
    clustered DTC that follows the role, transactions from the active node fail after a failover.
    """

    id = "DTC004"
    topologies = CLUSTERED
    name = "clustered-msdtc-resource"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (Cluster,)
    guide_step = "13"
    remediation = (
        "Create the clustered DTC: Failover Cluster Manager -> Roles -> Configure Role -> Distributed "
        "Transaction Coordinator (DTC), with its own client access point and a clustered disk "
        "(PowerShell: Add-ClusterServerRole / Add-ClusterResource -ResourceType 'Distributed Transaction "
        "Coordinator' in that role, with dependencies on its Network Name and disk). If it exists but is "
        "not online: Start-ClusterResource '<DTC resource name>' (or right-click it -> Bring Online). Then "
        "apply the same MSDTC security settings as on the BizTalk nodes (DTC002)."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_MSDTC)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        expected = f"a '{DTC_RESOURCE_TYPE}' resource, Online"
        for node in nodes:
            cluster = node.get(Cluster)
            dtcs = cluster.resources_of_type(DTC_RESOURCE_TYPE)
            found = {r.name: {"state": r.state, "group": r.group, "owner_node": r.owner_node} for r in dtcs}
            where = f"cluster {cluster.name}" if cluster.name else "the cluster"
            if not dtcs:
                yield failed(f"no {DTC_RESOURCE_TYPE} resource in {where}", node=node.name,
                             expected=expected, found="none")
                continue
            online = [r for r in dtcs if r.state.strip().lower() == "online"]
            offline = [r for r in dtcs if r not in online]
            if not online:
                states = ", ".join(f"'{r.name}' is {r.state or 'in an unknown state'}" for r in dtcs)
                yield failed(f"no clustered DTC is online in {where}: {states}", node=node.name,
                             expected=expected, found=found)
            elif offline:
                states = ", ".join(f"'{r.name}' is {r.state or 'in an unknown state'}" for r in offline)
                yield warned(f"clustered DTC '{online[0].name}' is online, but {states}", node=node.name,
                             expected=expected, found=found)
            else:
                names = ", ".join(f"'{r.name}' (role {r.group}, on {r.owner_node})" for r in online)
                yield passed(f"clustered DTC online: {names}", node=node.name, expected=expected, found=found)


CHECKS = [MsdtcCidUnique, MsdtcSecurityConsistent, MsdtcServiceRunning, ClusteredMsdtcResource]
