"""System and network facts of a simulated node: MSDTC security, host names, time service, SSO endpoint.

Answered from scenario state only (registry, DNS, blocked paths, cluster groups), in the raw shapes the
snippets of ``msdtc_security``, ``host_names``, ``time_sync`` and ``sso_endpoint`` produce.

Scenario state read here (see ``scenarios/_system.yaml``):

* registry ``HKLM\\SOFTWARE\\Microsoft\\MSDTC`` (+ ``\\Security``) and, for clustered DTCs,
  ``HKLM\\Cluster\\Resources\\<id>`` (value ``Name``) with ``\\MSDTCPRIVATE\\MSDTC`` (+ ``\\Security``);
* registry ``HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters`` (Hostname, NV Hostname, Domain)
  and ``...\\W32Time\\Parameters`` (Type, NtpServer);
* ``dns`` (forward), ``dns_no_reverse`` (names without a PTR record), an optional ``dns_ptr`` mapping
  (address -> host name) for stale PTR records, and ``blocked`` (``"NODE->NAME:135"`` or
  ``"NODE->ADDRESS:135"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import emulates
from ssocheck.lab.state import FarmState, NodeState

MSDTC_KEY = "HKLM\\SOFTWARE\\Microsoft\\MSDTC"
CLUSTER_RESOURCES = "HKLM\\Cluster\\Resources"
SECURITY_NAMES = (
    "NetworkDtcAccess",
    "NetworkDtcAccessTransactions",
    "NetworkDtcAccessInbound",
    "NetworkDtcAccessOutbound",
    "NetworkDtcAccessClients",
    "NetworkDtcAccessAdmin",
    "NetworkDtcAccessTip",
    "XaTransactions",
    "LuTransactions",
)
RPC_NAMES = ("AllowOnlySecureRpcCalls", "FallbackToUnsecureRPCIfNecessary", "TurnOffRpcSecurity")
TCPIP_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"
W32TIME_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters"
W32TIME_POLICY_KEY = r"HKLM\SOFTWARE\Policies\Microsoft\W32Time\Parameters"

# What .NET says on Windows when a lookup finds nothing (SocketException 11001).
NO_SUCH_HOST = "No such host is known"
TCP_TIMEOUT_MS = 3000


def _dtc_instance(node: NodeState, kind: str, res_id: str, res_name: str, path: str) -> dict[str, Any]:
    reg = node.registry
    sec_path = f"{path}\\Security"
    security = {n: reg.value(sec_path, n) for n in SECURITY_NAMES} if reg.key_exists(sec_path) else None
    return {
        "kind": kind,
        "resource_id": res_id,
        "resource_name": res_name,
        "key_present": reg.key_exists(path),
        "security": security,
        "rpc": {n: reg.value(path, n) for n in RPC_NAMES},
    }


@emulates(
    "msdtc_security",
    calls=(r"'\software\microsoft\msdtc'", r"'hkey_local_machine\cluster\resources'",),
)
def msdtc_security(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The local DTC entry, then one entry per cluster resource key that has ``MSDTCPRIVATE\\MSDTC``."""
    out = [_dtc_instance(node, "local", "", "", MSDTC_KEY)]
    for res_id in node.registry.subkeys(CLUSTER_RESOURCES):
        res_path = f"{CLUSTER_RESOURCES}\\{res_id}"
        dtc_path = f"{res_path}\\MSDTCPRIVATE\\MSDTC"
        if node.registry.key_exists(dtc_path):
            name = node.registry.value(res_path, "Name")
            out.append(_dtc_instance(node, "clustered", res_id, "" if name is None else str(name), dtc_path))
    return out


@emulates(
    "host_names",
    calls=(r"'\tcpip\parameters'", '[System.Net.Dns]::GetHostName',),
)
def host_names(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``$env:COMPUTERNAME`` (the NetBIOS name: the host name cut to 15 characters, upper case, unless the
    node sets ``computer_name``), ``GetHostName()`` (the Tcpip Hostname, else the node name) and the
    registry values as stored (null when absent)."""
    reg = node.registry
    hostname = reg.value(TCPIP_KEY, "Hostname")
    dns_host = str(hostname) if hostname else node.name
    netbios = str(node.extra.get("computer_name") or dns_host.split(".")[0][:15]).upper()
    return {
        "computer_name": netbios,
        "dns_host_name": dns_host,
        "tcpip_hostname": hostname,
        "tcpip_nv_hostname": reg.value(TCPIP_KEY, "NV Hostname"),
        "tcpip_domain": reg.value(TCPIP_KEY, "Domain"),
    }


@emulates(
    "time_sync",
    calls=(r"'\w32time\parameters'",),
)
def time_sync(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """Type and NtpServer from the W32Time policy key when set, else W32Time\\Parameters (null when absent)."""
    reg = node.registry
    policy_type = reg.value(W32TIME_POLICY_KEY, "Type")
    policy_ntp = reg.value(W32TIME_POLICY_KEY, "NtpServer")
    return {
        "service_present": reg.key_exists(W32TIME_KEY),
        "type": policy_type if policy_type is not None else reg.value(W32TIME_KEY, "Type"),
        "ntp_server": policy_ntp if policy_ntp is not None else reg.value(W32TIME_KEY, "NtpServer"),
        "source": "policy" if policy_type is not None else "service",
    }


def _lookup(mapping: Mapping[str, Any], name: str) -> Any:
    """Case-insensitive lookup by the full name, then by its host label."""
    for candidate in (name, name.split(".")[0]):
        for key, value in mapping.items():
            if key.lower() == candidate.lower():
                return value
    return None


def _holders(farm: FarmState, address: str) -> list[str]:
    """The DNS names whose A record is ``address``, in scenario order."""
    return [name for name, ip in farm.dns.items() if ip == address]


def _domain(farm: FarmState) -> str:
    domain = farm.farm.get("domain") or {}
    return str(domain.get("dns") or "") if isinstance(domain, Mapping) else ""


def _reverse(farm: FarmState, address: str) -> str | None:
    """The PTR answer for ``address``: a ``dns_ptr`` override, else the first name holding it that has a PTR."""
    override = farm.document.get("dns_ptr") or {}
    if isinstance(override, Mapping) and address in override:
        return str(override[address]) if override[address] else None
    no_reverse = {n.lower() for n in farm.dns_no_reverse}
    for name in _holders(farm, address):
        if name.lower() not in no_reverse:
            domain = _domain(farm)
            return f"{name}.{domain}" if domain and "." not in name else name
    return None


def _network_name_owner(farm: FarmState, name: str) -> NodeState | None:
    """The node that owns the cluster group holding the Network Name resource ``name`` (None if none)."""
    label = name.split(".")[0].lower()
    for cluster in farm.clusters.values():
        groups = {str(k): dict(v or {}) for k, v in dict(cluster.get("groups") or {}).items()}
        for res_name, raw in dict(cluster.get("resources") or {}).items():
            res = dict(raw or {})
            if str(res.get("type") or "").lower() != "network name":
                continue
            private = dict(res.get("private") or {})
            names = {str(res_name).lower(), str(private.get("Name") or "").lower(),
                     str(private.get("DnsName") or "").split(".")[0].lower()}
            if label in names:
                owner = str(groups.get(str(res.get("group") or ""), {}).get("owner") or "")
                return farm.node(owner) if owner else None
    return None


def _answers_135(farm: FarmState, address: str) -> bool:
    """Some host holding ``address`` is up: a node by its own name, or a cluster network name's owner node."""
    for name in _holders(farm, address):
        host = farm.node(name.split(".")[0])
        if host is not None and host.up:
            return True
        owner = _network_name_owner(farm, name)
        if owner is not None and owner.up:
            return True
    return False


def _blocked(farm: FarmState, node: NodeState, target: str, address: str) -> bool:
    paths = {p.replace(" ", "").lower() for p in farm.blocked}
    return any(f"{node.name}->{dest}:135".lower() in paths for dest in (target, target.split(".")[0], address))


@emulates(
    "sso_endpoint",
    calls=('[System.Net.Dns]::GetHostAddresses', '.BeginConnect',),
)
def sso_endpoint(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """Forward lookup from ``dns``, reverse unless the name is in ``dns_no_reverse`` (or ``dns_ptr`` says
    otherwise), TCP 135 answered when a host holding the address is up and the path is not ``blocked``."""
    target = str(params["cluster_network_name"])
    address = _lookup(farm.dns, target)
    if address is None:
        return {"name": target, "forward_error": NO_SUCH_HOST, "addresses": []}
    address = str(address)
    ptr = _reverse(farm, address)
    if _blocked(farm, node, target, address) or not _answers_135(farm, address):
        connected, tcp_error = False, f"no answer within {TCP_TIMEOUT_MS} ms"
    else:
        connected, tcp_error = True, None
    family = "InterNetworkV6" if ":" in address else "InterNetwork"
    return {
        "name": target,
        "forward_error": None,
        "addresses": [
            {
                "address": address,
                "family": family,
                "reverse_name": ptr,
                "reverse_error": None if ptr else NO_SUCH_HOST,
                "tcp_135": connected,
                "tcp_error": tcp_error,
            }
        ],
    }
