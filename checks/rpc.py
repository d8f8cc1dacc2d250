"""Network path checks: RPC beyond TCP 135, RPC restriction policy, the SSO database path (NET002, NET003, SQL001)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ssocheck.check import Context, GroupCheck, NodeCheck, NodeFacts, Outcome, errored, failed, passed, warned
from ssocheck.facts.firewall import (
    ACTION_ALLOW,
    ACTION_BLOCK,
    DIR_IN,
    PROTO_ANY,
    PROTO_TCP,
    Firewall,
    FirewallRule,
    FirewallState,
    profile_names,
)
from ssocheck.facts.rpc import PortRange, RpcCallbackPaths, RpcConfig, RpcSettings, parse_port_entries
from ssocheck.facts.sqlpath import SsoDbReachability
from ssocheck.model import Phase, Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import DOCS_MSDTC, host, strict_majority
from .system import DOCS_SSO_PORTS

DOCS_RPC_PORTS = (
    "https://learn.microsoft.com/en-us/windows/win32/rpc/"
    "configuring-the-windows-xp-2000-nt-registry-for-port-allocations-and-selective-binding"
)
DOCS_SSO_TROUBLESHOOTING = "https://learn.microsoft.com/en-us/biztalk/core/troubleshooting-enterprise-single-sign-on"
DOCS_RPC_POLICY = "https://learn.microsoft.com/en-us/windows/client-management/mdm/policy-csp-remoteprocedurecall"
KB_RPC_SSO = "KB 841893: ENTSSO fails with 10555 'Secret server access denied' under RPC client restrictions"

# --------------------------------------------------------------------------- RPC port configuration


@dataclass(frozen=True)
class EffectiveRpcPorts:
    """The ports this node's RPC servers (ENTSSO) take their dynamic endpoints from."""

    text: str  # how it is reported and compared between nodes
    ranges: tuple[PortRange, ...] | None  # None: unknown or "everything except ..."
    invalid: str | None = None  # why Rpc\Internet is invalid (RPC over TCP then fails)


def _yes_no(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    return text if text in ("Y", "N") else None


def _complement(ranges: list[PortRange]) -> list[PortRange]:
    out: list[PortRange] = []
    start = 1
    for r in sorted(ranges, key=lambda x: x.first):
        if r.first > start:
            out.append(PortRange(start, r.first - 1))
        start = max(start, r.last + 1)
    if start <= 65535:
        out.append(PortRange(start, 65535))
    return out


def effective_rpc_ports(cfg: RpcConfig) -> EffectiveRpcPorts:
    """Which ports RPC servers listen on: the Rpc\\Internet set when it is configured, else the dynamic range.

    Per Microsoft's registry page: ``Ports`` lists the Internet-available ports when
    ``PortsInternetAvailable`` is Y and the ports *not* available from the Internet when it is N;
    ``UseInternetPorts`` Y makes processes allocate from the Internet-available set, N from the
    intranet set. A missing or malformed value invalidates the whole configuration.
    """
    key = cfg.internet
    if key is None or not key.configured:
        if cfg.dynamic_tcp is None:
            return EffectiveRpcPorts(f"dynamic range unknown ({cfg.dynamic_error or 'not read'})", None)
        return EffectiveRpcPorts(f"dynamic {cfg.dynamic_tcp}", (cfg.dynamic_tcp,))
    problems = []
    ranges: list[PortRange] = []
    if not key.ports:
        problems.append("Ports is missing or empty")
    else:
        ranges, bad = parse_port_entries(key.ports)
        if bad:
            problems.append(f"Ports entries outside 0-65535 or unreadable: {', '.join(repr(b) for b in bad)}")
    available = _yes_no(key.ports_internet_available)
    use = _yes_no(key.use_internet_ports)
    if available is None:
        problems.append(f"PortsInternetAvailable is {key.ports_internet_available!r}, not Y or N")
    if use is None:
        problems.append(f"UseInternetPorts is {key.use_internet_ports!r}, not Y or N")
    if problems:
        return EffectiveRpcPorts("invalid Rpc\\Internet", None, "; ".join(problems))
    listed = ",".join(str(r) for r in sorted(ranges, key=lambda x: x.first))
    if (available == "Y") == (use == "Y"):
        return EffectiveRpcPorts(f"Rpc\\Internet {listed}", tuple(sorted(ranges, key=lambda x: x.first)))
    return EffectiveRpcPorts(f"Rpc\\Internet all except {listed}", tuple(_complement(ranges)))


# --------------------------------------------------------------------------- firewall rules


def _numeric_items(rule: FirewallRule) -> list[PortRange] | None:
    """The rule's numeric local ports; None when it allows every port."""
    items = rule.port_items()
    if "*" in items:
        return None
    ranges, _bad = parse_port_entries(tuple(i for i in items if i[:1].isdigit()))
    return ranges


def _covers(have: list[PortRange], want: Iterable[PortRange]) -> bool:
    """True when the union of ``have`` contains every port of ``want``."""
    merged: list[PortRange] = []
    for r in sorted(have, key=lambda x: x.first):
        if merged and r.first <= merged[-1].last + 1:
            merged[-1] = PortRange(merged[-1].first, max(merged[-1].last, r.last))
        else:
            merged.append(r)
    return all(any(m.first <= w.first and w.last <= m.last for m in merged) for w in want)


def _inbound_tcp(rule: FirewallRule, active: int) -> bool:
    return (rule.enabled and rule.direction == DIR_IN and rule.protocol in (PROTO_TCP, PROTO_ANY)
            and bool(rule.profiles & active))


def _opens_epm(rule: FirewallRule) -> bool:
    """Whether the rule's ports include the endpoint mapper (RPC-EPMap keyword, 135, or every port)."""
    if rule.program not in ("", "svchost.exe") or rule.service.lower() not in ("", "*", "rpcss"):
        return False
    numeric = _numeric_items(rule)
    if numeric is None:
        return True
    return "rpc-epmap" in [i.lower() for i in rule.port_items()] or _covers(numeric, [PortRange(135, 135)])


def _opens_entsso(rule: FirewallRule, ports: EffectiveRpcPorts) -> bool:
    """Whether the rule lets ENTSSO's dynamic endpoint in: a program rule for ENTSSO.exe (any port or the
    RPC keyword), or a rule for every program on every port, the RPC keyword, or the whole RPC range."""
    # A rule restricted to another service (the RPC keyword with Svc=...) does not cover ENTSSO.
    if rule.program not in ("", "entsso.exe") or rule.service.lower() not in ("", "*", "entsso"):
        return False
    numeric = _numeric_items(rule)
    if numeric is None or "rpc" in [i.lower() for i in rule.port_items()]:
        return True
    return ports.ranges is not None and _covers(numeric, ports.ranges)


def _coverage(rules: Sequence[FirewallRule], active: int) -> int:
    mask = 0
    for r in rules:
        mask |= r.profiles & active
    return mask


def firewall_findings(fw: FirewallState, ports: EffectiveRpcPorts) -> tuple[list[str], dict[str, Any]]:
    """What the host firewall blocks of ENTSSO's RPC path inbound, and the evidence.

    Evidence ``restricted_to`` lists remote-address limits (LocalSubnet, address ranges) of the rules that
    open ENTSSO: they are not judged (the nodes' subnets are not known here) but cut off BizTalk nodes in
    another subnet, so a caller can warn about them.
    """
    active = fw.active_profiles
    evidence: dict[str, Any] = {"active_profiles": profile_names(active)}
    if not active:
        evidence["firewall"] = "off in the current profile(s)"
        return [], evidence
    relevant = [r for r in fw.rules if _inbound_tcp(r, active)]
    allow = [r for r in relevant if r.action == ACTION_ALLOW]
    block = [r for r in relevant if r.action == ACTION_BLOCK]
    problems = []
    epm = [r for r in allow if _opens_epm(r)]
    entsso = [r for r in allow if _opens_entsso(r, ports)]
    evidence["epm_rules"] = sorted({r.name for r in epm})
    evidence["entsso_rules"] = sorted({r.name for r in entsso})
    limited = sorted({f"{r.name}: {r.remote_addresses}" for r in epm + entsso
                      if r.remote_addresses.strip() not in ("", "*")})
    if limited and all(r.remote_addresses.strip() not in ("", "*") for r in entsso):
        evidence["restricted_to"] = limited
    if _coverage(epm, active) != active:
        missing = active & ~_coverage(epm, active)
        problems.append(f"no enabled inbound rule allows TCP 135 (RPC-EPMap) in the {profile_names(missing)} profile")
    if _coverage(entsso, active) != active:
        missing = active & ~_coverage(entsso, active)
        problems.append("no enabled inbound rule allows ENTSSO.exe or the RPC ports "
                        f"({ports.text}) in the {profile_names(missing)} profile")
    blockers = [r.name for r in block if r.program == "entsso.exe" or (r.program == "" and _opens_epm(r))]
    if blockers:
        problems.append(f"inbound block rule(s) override the allow rules: {', '.join(sorted(set(blockers)))}")
    if fw.truncated:
        evidence["note"] = "more than 300 relevant rules; the first 300 were read"
    return problems, evidence


# --------------------------------------------------------------------------- NET002


class RpcDynamicPath(GroupCheck):
    """Beyond TCP 135: ENTSSO's dynamic RPC path is open and configured the same way on every SSO server.

    The ports page for the SSO servers asks for TCP 135 *and* the dynamic RPC range between the
    master secret server and the processing servers, "both for inbound and outbound traffic". This
    check proves the host side of it on each node: the Windows Firewall (when on in the current
    profile) allows the endpoint mapper and ENTSSO.exe (or the RPC ports) inbound, with no block rule
    overriding them; the RPC port configuration under HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet is
    valid (an invalid one disables RPC over TCP for every service) and gives the same ports as the
    BizTalk nodes use (the range the network firewalls were opened for); and TCP 135 answers from
    each cluster node back to each BizTalk node. Failures show as 0x800706BA "The RPC server is
    unavailable". Network firewalls between the nodes are only seen through the TCP 135 tests.
    """

    id = "NET002"
    name = "rpc-dynamic-path"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster")
    facts = (RpcSettings, Firewall, RpcCallbackPaths)
    guide_step = "15, 23"
    remediation = (
        "On every SSO server allow ENTSSO inbound: New-NetFirewallRule -DisplayName 'Enterprise SSO (RPC)' "
        "-Direction Inbound -Program '%CommonProgramFiles%\\Enterprise Single Sign-On\\ENTSSO.exe' -Protocol TCP "
        "-LocalPort RPC -Action Allow, and enable the 'RPC Endpoint Mapper' rule (TCP 135); on Windows Server "
        "2008 R2: netsh advfirewall firewall add rule name=\"Enterprise SSO (RPC)\" dir=in action=allow "
        "program=\"%CommonProgramFiles%\\Enterprise Single Sign-On\\ENTSSO.exe\" protocol=tcp localport=RPC. "
        "Make HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet valid (Ports REG_MULTI_SZ, PortsInternetAvailable and "
        "UseInternetPorts REG_SZ Y) and the same on the cluster and BizTalk nodes, or delete the key to use the "
        "dynamic range (netsh int ipv4 show dynamicport tcp); restart the server after a change. Open TCP 135 "
        "and that range between the cluster nodes and the BizTalk nodes in both directions on the network "
        "firewalls. Verify with 'portqry -n <node> -e 135' from the other side."
    )
    references = (DOCS_SSO_PORTS, DOCS_RPC_PORTS, DOCS_SSO_TROUBLESHOOTING)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        ports = {n.name: effective_rpc_ports(n.get(RpcSettings)) for n in nodes}
        usable = {name: p.text for name, p in ports.items() if p.invalid is None and p.ranges is not None}
        biztalk = Counter(usable[n.name] for n in nodes if n.has_role("biztalk") and n.name in usable)
        reference = strict_majority(biztalk) or strict_majority(Counter(usable.values()))
        collected = {host(n.name) for n in nodes}
        for node in nodes:
            mine = ports[node.name]
            problems: list[str] = []
            unknown: list[str] = []
            warnings: list[str] = []
            evidence: dict[str, Any] = {"rpc_ports": mine.text}
            if mine.invalid:
                problems.append(f"HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet is invalid ({mine.invalid}): "
                                "every RPC server on this node fails to listen on TCP")
            elif node.name not in usable:
                unknown.append(f"RPC ports not known ({mine.text})")
            elif reference is not None and usable[node.name] != reference:
                problems.append(f"RPC ports are {mine.text}, the BizTalk nodes use {reference}")
            fw_problems, fw_evidence = firewall_findings(node.get(Firewall), mine)
            problems.extend(fw_problems)
            evidence.update(fw_evidence)
            if node.has_role("sso-cluster"):
                cb = node.get(RpcCallbackPaths)
                if not cb.tested:
                    unknown.append(f"TCP 135 to the BizTalk nodes not tested: computer name {cb.computer} is not "
                                   "one of the inventory's cluster nodes")
                else:
                    evidence["tcp_135_to_biztalk"] = {p.target: p.connected for p in cb.paths}
                    # A BizTalk node that could not be collected is likely down: its silence is its own
                    # error (reported once, on that node), not proof of a blocked path from here.
                    down = [p.target for p in cb.paths if not p.connected and host(p.target) not in collected]
                    closed = [f"{p.target} ({p.error or 'no answer'})" for p in cb.paths
                              if not p.connected and host(p.target) in collected]
                    if closed:
                        problems.append(f"TCP 135 does not answer from this node on {', '.join(closed)}")
                    if down:
                        # The runner turns this node's pass into "not proven" because those nodes are missing.
                        evidence["not_collected_targets"] = down
            if "restricted_to" in evidence and not problems:
                warnings.append("every rule that lets ENTSSO in is limited to remote addresses ("
                                + "; ".join(evidence["restricted_to"]) + "): BizTalk nodes outside them are blocked")
            expected = {"rpc_ports": reference or "valid and the same as the BizTalk nodes",
                        "firewall": "endpoint mapper and ENTSSO.exe (or the RPC ports) allowed inbound",
                        "tcp_135_to_biztalk": "answers (cluster nodes)"}
            if problems:
                yield failed("; ".join(problems + unknown), node=node.name, expected=expected, found=evidence)
            elif unknown:
                yield errored("; ".join(unknown), node=node.name, expected=expected, found=evidence)
            elif warnings:
                yield warned("; ".join(warnings), node=node.name, expected=expected, found=evidence)
            else:
                yield passed(f"RPC ports {mine.text}, firewall allows the endpoint mapper and ENTSSO"
                             + (", TCP 135 answers on every BizTalk node" if node.has_role("sso-cluster") else ""),
                             node=node.name, expected=expected, found=evidence)


# --------------------------------------------------------------------------- NET003

RESTRICT_NAMES = {0: "None", 1: "Authenticated", 2: "Authenticated without exceptions"}


class RpcSecurityPolicy(GroupCheck):
    """The RPC restriction policy (RestrictRemoteClients, EnableAuthEpResolution) is consistent and SSO-compatible.

    ``HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Rpc`` applies to every RPC server on the node,
    ENTSSO and MSDTC included. Absent, RestrictRemoteClients means "None" on servers (policy CSP
    RemoteProcedureCall), which is what the BizTalk MSDTC guidance asks for. "Authenticated without
    exceptions" (2) also refuses unauthenticated endpoint-mapper queries, so it fails unless every
    node sends authenticated ones (EnableAuthEpResolution = 1); "Authenticated" (1) refuses MSDTC
    partners set to "No Authentication Required" and is a warning. Nodes that differ from the others
    are a warning: a hardened baseline applied to the new cluster nodes only is how it happens.
    """

    id = "NET003"
    name = "rpc-security-policy"
    severity = Severity.MEDIUM
    roles = ("biztalk", "sso-cluster", "sso-server")
    phases = (Phase.PRE, Phase.NIGHTLY)
    facts = (RpcSettings,)
    guide_step = "2"
    remediation = (
        "In the GPO that applies to the node (gpresult /h), set Computer Configuration > Administrative Templates > "
        "System > Remote Procedure Call > 'Restrict Unauthenticated RPC clients' to Not Configured or None "
        "(RestrictRemoteClients 0) and 'Enable RPC Endpoint Mapper Client Authentication' the same on every "
        "BizTalk and SSO node (EnableAuthEpResolution 1 recommended); then gpupdate /force and restart ENTSSO "
        "and MSDTC."
    )
    references = (DOCS_MSDTC, DOCS_RPC_POLICY, KB_RPC_SSO)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        values = {}
        for n in nodes:
            cfg = n.get(RpcSettings)
            values[n.name] = (cfg.restrict_remote_clients or 0, cfg.enable_auth_ep_resolution or 0)
        no_auth_ep = sorted(name for name, (_rrc, ep) in values.items() if ep != 1)
        # The BizTalk nodes work today: their policy is the reference the new cluster nodes must match.
        reference = (strict_majority(Counter(values[n.name] for n in nodes if n.has_role("biztalk")))
                     or strict_majority(Counter(values.values())))
        for node in nodes:
            rrc, ep = values[node.name]
            found = {"RestrictRemoteClients": rrc, "EnableAuthEpResolution": ep}
            expected = {"RestrictRemoteClients": "0 (None; absent means None)",
                        "EnableAuthEpResolution": "the same on every node (1 recommended)"}
            label = RESTRICT_NAMES.get(rrc)
            if label is None:
                yield failed(f"RestrictRemoteClients = {rrc} is not a valid value (0, 1 or 2)", node=node.name,
                             expected=expected, found=found)
            elif rrc == 2 and no_auth_ep:
                yield failed(f"RestrictRemoteClients = 2 ({label}) refuses unauthenticated endpoint-mapper queries, "
                             f"and {', '.join(no_auth_ep)} do not authenticate them (EnableAuthEpResolution != 1): "
                             "ENTSSO and MSDTC clients cannot find their endpoints", node=node.name,
                             expected=expected, found=found)
            elif rrc in (1, 2):
                yield warned(f"RestrictRemoteClients = {rrc} ({label}): unauthenticated RPC callers (MSDTC partners "
                             "set to 'No Authentication Required') are refused; BizTalk's guidance is None",
                             node=node.name, expected=expected, found=found)
            elif reference is not None and values[node.name] != reference:
                yield warned(f"RPC policy differs from the other nodes: RestrictRemoteClients={rrc}, "
                             f"EnableAuthEpResolution={ep} (most nodes: {reference[0]}, {reference[1]})",
                             node=node.name, expected=expected, found=found)
            else:
                yield passed(f"RestrictRemoteClients = {rrc} (None), EnableAuthEpResolution = {ep}", node=node.name,
                             expected=expected, found=found)


# --------------------------------------------------------------------------- SQL001

DOCS_SSO_AG = "https://learn.microsoft.com/en-us/biztalk/core/high-availability-using-sql-server-always-on-availability-groups"
DOCS_SQL_ALIAS = "https://learn.microsoft.com/en-us/sql/tools/configuration-manager/create-or-delete-a-server-alias-for-use-by-a-client"


class SsoDbReachableFromClusterNodes(NodeCheck):
    """From each cluster node the SSO database server resolves the same way in both registry views and answers on TCP.

    ENTSSO connects to the SSO database named in HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SQL. When that name is
    a SQL client alias (Microsoft's advice for an Availability Group listener on a non-default port),
    the alias must exist in both the 64-bit and the 32-bit registry view with the same target: the
    64-bit ENTSSO service and the 32-bit tools read different views. New cluster nodes are where the
    alias is forgotten; SSO005 compares only the name. The effective host must resolve and its TCP
    port (alias port, 1433, or the named instance's port from the SQL Server Browser) must answer
    from the node -- a bare TCP connect, no login. Otherwise ENTSSO logs 10513 "Failed to contact the
    SSO database" and does not start.
    """

    id = "SQL001"
    name = "ssodb-reachable-from-cluster-nodes"
    severity = Severity.HIGH
    roles = ("sso-cluster", "sso-server")
    facts = (SsoDbReachability,)
    guide_step = "7"
    remediation = (
        "Create the same SQL client alias as on the BizTalk nodes in both views with cliconfg.exe: "
        "%windir%\\System32\\cliconfg.exe (64-bit) and %windir%\\SysWOW64\\cliconfg.exe (32-bit), Alias tab, "
        "TCP/IP, server name and port (or SQL Server Configuration Manager > SQL Native Client Configuration and "
        "its (32bit) twin > Aliases); check with reg query "
        "\"HKLM\\SOFTWARE\\Microsoft\\MSSQLServer\\Client\\ConnectTo\" and the Wow6432Node twin. Open the "
        "SQL port (and UDP 1434 for a named instance without a fixed port) from the cluster nodes to the SQL "
        "server; test with Test-NetConnection <server> -Port <port>."
    )
    references = (DOCS_SSO_AG, DOCS_SQL_ALIAS, DOCS_SSO_PORTS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        path = node.get(SsoDbReachability)
        found: dict[str, Any] = {
            "server": path.server, "alias_64bit": path.alias64, "alias_32bit": path.alias32,
            "connects_to": f"{path.host}:{path.port}" if path.host and path.port else path.host,
            "port_from": path.port_source, "addresses": list(path.addresses),
            "tcp": "answers" if path.tcp_ok else (path.tcp_error or path.resolve_error or path.browser_error),
        }
        expected = {"alias": "absent in both views, or the same in both",
                    "tcp": "the SQL port answers from this node"}
        if not path.server:
            return failed("HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SQL has no Server value (ENTSSO logs 10511)",
                          expected=expected, found=found)
        problems = []
        if (path.alias64 or "").replace(" ", "").upper() != (path.alias32 or "").replace(" ", "").upper():
            if path.alias64 is None:
                problems.append(f"alias {path.server} exists only in the 32-bit view ({path.alias32}): the 64-bit "
                                "ENTSSO service does not use it")
            elif path.alias32 is None:
                problems.append(f"alias {path.server} exists only in the 64-bit view ({path.alias64}): 32-bit "
                                "SSO tools connect elsewhere")
            else:
                problems.append(f"alias {path.server} differs: 64-bit {path.alias64}, 32-bit {path.alias32}")
        if path.protocol.lower() != "tcp":
            if problems:
                return failed("; ".join(problems), expected=expected, found=found)
            return warned(f"alias {path.server} uses {path.protocol}, not TCP/IP: the path was not tested",
                          expected=expected, found=found)
        if path.browser_error:
            problems.append(path.browser_error)
        elif path.resolve_error or not path.addresses:
            problems.append(f"{path.host} does not resolve: {path.resolve_error or 'no address'}")
        elif path.tcp_ok is not True:
            problems.append(f"TCP {path.host}:{path.port} does not answer ({path.tcp_error or 'not tested'})")
        if problems:
            return failed("; ".join(problems), expected=expected, found=found)
        via = f" (alias {path.alias64})" if path.alias64 else ""
        return passed(f"{path.server}{via}: TCP {path.host}:{path.port} answers", expected=expected, found=found)


CHECKS = [RpcDynamicPath, RpcSecurityPolicy, SsoDbReachableFromClusterNodes]
