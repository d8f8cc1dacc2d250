"""Operating-system and network checks around the SSO move (CHECKS.md SYS0xx, NET0xx)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from statistics import median
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeCheck, NodeFacts, Outcome, errored, failed, passed, warned
from ssocheck.facts.network import SsoEndpoint
from ssocheck.facts.system import NETBIOS_MAX, HostNames, TimeSync, clock_offset, first_label
from ssocheck.model import Severity, Status

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import BLOG_NO_ENDPOINTS, DOCS_CLUSTER_MSS, DOCS_MSDTC, DOCS_SSO_SECURITY

DOCS_SSO_PORTS = "https://learn.microsoft.com/en-us/biztalk/core/ports-for-the-enterprise-single-sign-on-servers"
DOCS_NAMING = (
    "https://learn.microsoft.com/en-us/troubleshoot/windows-server/active-directory/"
    "naming-conventions-for-computer-domain-site-ou"
)

# Offsets closer than this are a tie: float noise and network jitter must not pick a culprit.
TIE_TOLERANCE_S = 0.5
# How precisely a node's clock reading is known: the probe writes milliseconds; older probes (and snapshots
# taken with them) wrote whole seconds, truncated, so their offset may be up to a second too small.
MS_RESOLUTION_S = 0.001
WHOLE_SECOND_RESOLUTION_S = 1.0


def reading_resolution(clock_utc: str | None) -> float:
    """The resolution of a node's clock stamp: 1 ms with a fraction of a second, else 1 s."""
    text = (clock_utc or "").strip()
    return MS_RESOLUTION_S if re.search(r":\d{2}\.\d+", text) else WHOLE_SECOND_RESOLUTION_S


def clock_outliers(offsets: Mapping[str, float], limit: float,
                   tolerance: float = 0.0) -> tuple[dict[str, float], list[str]]:
    """Split nodes into those whose clocks agree within ``limit`` seconds and those out of line.

    Repeatedly drops the node(s) farthest from the median of the remaining nodes until the spread of
    what is left is within the limit. Equidistant nodes are dropped together: with two nodes 80 s
    apart there is no telling which clock is wrong, so both are reported. Returns the deviation of
    every node from the median of the agreeing nodes, and the names of the nodes out of line.
    """
    remaining = dict(offsets)
    outliers: list[str] = []
    # A spread counts as over the limit only beyond what the readings can tell apart (``tolerance``): a skew
    # just under the limit must not be flagged in some runs and not in others.
    while len(remaining) >= 2 and max(remaining.values()) - min(remaining.values()) > limit + tolerance:
        centre = median(remaining.values())
        distance = {name: abs(off - centre) for name, off in remaining.items()}
        worst = max(distance.values())
        # Distances within the measurement resolution count as equal (float noise must not pick a culprit).
        for name in sorted(n for n, d in distance.items() if d >= worst - TIE_TOLERANCE_S):
            outliers.append(name)
            del remaining[name]
    reference = median(remaining.values()) if remaining else median(offsets.values()) if offsets else 0.0
    return {name: off - reference for name, off in offsets.items()}, outliers


class ClockSkew(GroupCheck):
    """Node clocks agree within the allowed skew (60 s by default).

    SSO servers must be time-synchronised ("You must have a time server in your environment to ensure
    all SSO servers are synchronized"), and Kerberos between the BizTalk nodes, the SSO cluster and SQL
    Server fails once clocks drift apart. Each node's offset is its clock when the probe ran minus the
    controller's clock when the answer arrived (the Receive that carried it, not the end of the
    session); the check compares the offsets between nodes, so the controller's own clock and the
    moment each node was collected do not matter. The probe reads the clock to the millisecond, just
    before the answer leaves; a spread counts as over the limit only beyond the readings' resolution
    (1 ms, or 1 s for whole-second stamps of older snapshots), so a skew near the limit gets the same
    verdict in every run.
    A node whose Windows Time service is set to NoSync gets a warning even while its clock still agrees.
    """

    id = "SYS001"
    name = "clock-skew"
    severity = Severity.MEDIUM
    roles = ("biztalk", "sso-cluster", "sql", "sso-server")
    facts = (TimeSync,)
    guide_step = "-"
    remediation = (
        "Synchronise every node with the domain time hierarchy: 'w32tm /config /syncfromflags:domhier /update', "
        "then 'net stop w32time && net start w32time' and 'w32tm /resync'. Verify with 'w32tm /query /status' "
        "and 'w32tm /stripchart /computer:<other node> /samples:3 /dataonly'. On virtual machines make sure the "
        "hypervisor's time synchronisation does not fight the domain hierarchy."
    )
    references = (DOCS_SSO_SECURITY,)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        limit = ctx.expect.max_clock_skew_seconds
        offsets: dict[str, float] = {}
        unknown: dict[str, str] = {}
        for node in nodes:
            offset = clock_offset(node.clock_utc, node.received_utc)
            if offset is None:
                unknown[node.name] = f"clock_utc={node.clock_utc!r}, received_utc={node.received_utc!r}"
            else:
                offsets[node.name] = offset
        # The readings' resolution bounds how exactly two offsets can be compared.
        tolerance = max((reading_resolution(n.clock_utc) for n in nodes if n.name in offsets), default=0.0)
        deviation, outliers = clock_outliers(offsets, limit, tolerance)
        expected = f"within {limit} s of the other nodes"
        for node in nodes:
            if node.name in unknown:
                yield errored(f"no usable clock reading from this node ({unknown[node.name]})", node=node.name,
                              expected=expected, found="unknown")
                continue
            offset = offsets[node.name]
            dev = deviation[node.name]
            sync = node.get(TimeSync)
            evidence: dict[str, Any] = {
                "expected": expected,
                "found": f"{dev:+.0f} s from the other nodes",
                "offset_vs_controller_s": round(offset, 3),
                "reading_resolution_s": reading_resolution(node.clock_utc),
                "w32time_type": sync.type,
                "ntp_server": sync.ntp_server,
            }
            if node.name in outliers:
                yield failed(f"clock is {dev:+.0f} s off the other nodes (limit {limit} s)", node=node.name,
                             **evidence)
            elif unknown:
                yield errored(f"not proven: no clock reading from {', '.join(sorted(unknown))}", node=node.name,
                              **evidence)
            elif not sync.service_present or sync.synchronised is False:
                what = f"Type = {sync.type}" if sync.service_present else "not configured"
                yield warned(f"clock agrees ({dev:+.0f} s) but the Windows Time service is {what}: it will drift",
                             node=node.name, **{**evidence, "expected": "W32Time Type NT5DS, NTP or AllSync"})
            else:
                yield passed(f"clock within {abs(dev):.0f} s of the other nodes (limit {limit} s)", node=node.name,
                             **evidence)


def _netbios_findings(label: str, what: str) -> list[tuple[Status, str]]:
    """Findings for one name that must fit NetBIOS."""
    if len(label) > NETBIOS_MAX:
        return [(Status.FAIL, f"{what} {label} has {len(label)} characters; NetBIOS keeps only "
                              f"{label[:NETBIOS_MAX].upper()}")]
    if len(label) == NETBIOS_MAX:
        # Fits, but DTCPing already warns about CIDs for names longer than 14 characters.
        return [(Status.WARN, f"{what} {label} has exactly {NETBIOS_MAX} characters (at the NetBIOS limit)")]
    return []


class NetbiosNameLength(GroupCheck):
    """Node names and the cluster network name fit NetBIOS (15 characters).

    MSDTC and the SSO RPC calls resolve machines by NetBIOS name as well as DNS. Windows truncates a
    longer host name to 15 characters for NetBIOS, so the NetBIOS and DNS names then differ and DTC
    (and DTCPing) misbehave. The real host name is read from DNS and from Tcpip\\Parameters because
    $env:COMPUTERNAME is already truncated. A name of exactly 15 characters, a pending rename (NV Hostname)
    to a longer name, or a NetBIOS name that differs from the host name is a warning.
    """

    id = "SYS002"
    name = "netbios-name-length"
    severity = Severity.MEDIUM
    roles = ("biztalk", "sso-cluster", "sql", "sso-server")
    facts = (HostNames,)
    guide_step = "-"
    remediation = (
        "Rename the computer to 15 characters or fewer (System Properties -> Computer Name -> Change, or "
        "Rename-Computer -NewName <name>) and reboot; a cluster node has to be evicted and re-added. For the "
        "cluster network name, create the SSO role's client access point with a name of at most 15 "
        "characters and update the inventory. Do this before configuring SSO and DTC on the node."
    )
    references = (DOCS_MSDTC, DOCS_NAMING)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        cluster_name = first_label(ctx.expect.cluster_network_name)
        cluster_findings = _netbios_findings(cluster_name, "cluster network name")
        # The cluster network name is reported on the nodes that host it (all nodes if none is in scope).
        hosts = {n.name for n in nodes if n.has_role("sso-cluster")} or {n.name for n in nodes}
        for node in nodes:
            info = node.get(HostNames)
            label = info.host_label
            findings = _netbios_findings(label, "host name")
            if len(label) <= NETBIOS_MAX and label.upper() != info.computer_name.upper():
                findings.append((Status.WARN, f"NetBIOS name {info.computer_name} differs from host name {label}"))
            pending = first_label(info.tcpip_nv_hostname or "")
            if pending and pending.lower() != label.lower():
                # Not the name in use yet: a warning until the reboot makes it real.
                findings += [(Status.WARN, m + " (pending rename, effective after a reboot)")
                             for _, m in _netbios_findings(pending, "new host name")]
            if node.name in hosts:
                findings += cluster_findings
            evidence = {
                "expected": f"at most {NETBIOS_MAX} characters",
                "found": {"host_name": label, "length": len(label), "netbios_name": info.computer_name,
                          "pending_host_name": info.tcpip_nv_hostname,
                          **({"cluster_network_name": cluster_name} if node.name in hosts else {})},
            }
            if not findings:
                yield passed(f"host name {label} ({len(label)} characters) fits NetBIOS", node=node.name, **evidence)
                continue
            # Findings are failures or warnings; one failure makes the verdict a failure.
            verdict = failed if any(s is Status.FAIL for s, _ in findings) else warned
            yield verdict("; ".join(m for _, m in findings), node=node.name, **evidence)


class SsoEndpointReachable(NodeCheck):
    """From each BizTalk node the cluster network name resolves forward and reverse, and TCP 135 answers.

    BizTalk nodes reach the clustered master secret server by the cluster network name through the
    RPC endpoint mapper on TCP 135 (then a dynamic RPC port); MSDTC additionally needs reverse lookups
    that give the name back. A missing A or PTR record, a PTR naming another host, or a firewall
    blocking 135 shows up as SSO error 0xC0002A0F / RPC 0x800706D9 once the secret server moves. The
    dynamic RPC range cannot be tested without the real endpoint, only the endpoint mapper.
    """

    id = "NET001"
    name = "sso-endpoint-reachable"
    severity = Severity.HIGH
    roles = ("biztalk",)
    facts = (SsoEndpoint,)
    guide_step = "15, 24"
    remediation = (
        "Register the cluster network name in DNS with its A and PTR records (Failover Cluster Manager -> the "
        "SSO role -> the Network Name resource -> Properties: 'Publish PTR records', i.e. "
        "Get-ClusterResource <name> | Set-ClusterParameter PublishPTRRecords 1, then take the name offline and "
        "online, or add the PTR in the reverse lookup zone) and remove stale PTR records naming other hosts. "
        "Open TCP 135 and the dynamic RPC range (49152-65535) from the BizTalk nodes to the cluster nodes. "
        "Verify from the BizTalk node with 'ping -a <address>', 'Test-NetConnection <cluster network name> "
        "-Port 135' or 'portqry -n <cluster network name> -e 135'."
    )
    references = (DOCS_SSO_PORTS, DOCS_CLUSTER_MSS, DOCS_MSDTC, BLOG_NO_ENDPOINTS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        probe = node.get(SsoEndpoint)
        want = ctx.expect.cluster_network_name
        want_label = first_label(want).lower()
        expected = {"forward": f"{want} resolves", "reverse": f"each address resolves back to {want}",
                    "tcp_135": "answers"}
        if first_label(probe.name).lower() != want_label:
            return errored(f"the probe tested {probe.name}, but the inventory's cluster network name is {want}",
                           expected=expected, found={"tested_name": probe.name})
        if probe.forward_error or not probe.addresses:
            reason = probe.forward_error or "no address"
            return failed(f"{want} does not resolve: {reason}", expected=expected, found={"forward": reason})
        found = {
            a.address: {
                "reverse": a.reverse_name or f"(none: {a.reverse_error or 'no PTR record'})",
                "tcp_135": "answers" if a.tcp_135 else (a.tcp_error or "no answer"),
            }
            for a in probe.addresses
        }
        no_ptr = [a.address for a in probe.addresses if not a.reverse_name or a.reverse_name == a.address]
        wrong_ptr = [
            f"{a.address} -> {a.reverse_name}"
            for a in probe.addresses
            if a.address not in no_ptr and first_label(a.reverse_name or "").lower() != want_label
        ]
        good_ptr = [a.address for a in probe.addresses if a.address not in no_ptr and
                    first_label(a.reverse_name or "").lower() == want_label]
        closed = [a.address for a in probe.addresses if not a.tcp_135]
        fails: list[str] = []
        warns: list[str] = []
        if wrong_ptr:
            fails.append(f"reverse lookup names another host: {', '.join(wrong_ptr)}")
        if not good_ptr and no_ptr:
            fails.append(f"no reverse lookup for {', '.join(no_ptr)}")
        elif no_ptr:
            warns.append(f"no reverse lookup for {', '.join(no_ptr)}")
        if len(closed) == len(probe.addresses):
            fails.append(f"TCP 135 does not answer on {', '.join(closed)}")
        elif closed:
            # Multi-subnet clusters register the addresses of the offline subnets too.
            warns.append(f"TCP 135 does not answer on {', '.join(closed)} (answers on another address)")
        addresses = ", ".join(a.address for a in probe.addresses)
        if fails:
            return failed(f"{want}: " + "; ".join(fails + warns), expected=expected, found=found)
        if warns:
            return warned(f"{want}: " + "; ".join(warns), expected=expected, found=found)
        return passed(f"{want} resolves to {addresses}, reverse lookup matches, TCP 135 answers",
                      expected=expected, found=found)


CHECKS = [ClockSkew, NetbiosNameLength, SsoEndpointReachable]
