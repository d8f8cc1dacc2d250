"""RPC and firewall facts of a simulated node: ``rpc_config``, ``firewall`` and ``rpc_callback``.

Scenario state read here (see ``scenarios/_network.yaml``):

* registry ``HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet`` (``Ports`` as a list, ``PortsInternetAvailable``,
  ``UseInternetPorts``) and ``HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Rpc``;
* ``dynamic_tcp_ports: {start, count}`` of a node (default 49152 / 16384, Windows Server 2008+);
* ``firewall`` of a node: ``{current: [domain], enabled: {domain: true, ...}, rules: {<display name>:
  {direction: in|out, action: allow|block, enabled, profiles: [domain, private, public] | any,
  protocol: tcp|udp|any, local_ports, program, service, group, remote_addresses}}}`` (rules is a mapping, so an
  overlay can switch one rule off); a node without ``firewall`` has the Windows Firewall service
  stopped, and the COM object throws as it does on Windows;
* ``blocked`` paths ``"NODE1->BTSNODE1:135"`` for the TCP 135 tests from the cluster nodes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import EmulationError, emulates
from ssocheck.lab.state import FarmState, NodeState

RPC_INTERNET = "HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet"
RPC_POLICY = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Rpc"
PROFILE_BITS = {"domain": 1, "private": 2, "public": 4}
ALL_PROFILES = 0x7FFFFFFF
PROTOCOLS = {"tcp": 6, "udp": 17, "any": 256}
DTC_GROUP = "@FirewallAPI.dll,-33502"
FIREWALL_STOPPED = (
    "Exception from HRESULT: 0x800706D9 (the Windows Firewall service is not running: There are no more endpoints "
    "available from the endpoint mapper)"
)
NO_SUCH_HOST = "No such host is known"


def computer_name(node: NodeState) -> str:
    """``$env:COMPUTERNAME``: the NetBIOS name (as the host_names emulation answers it)."""
    return str(node.extra.get("computer_name") or node.name.split(".")[0][:15]).upper()


@emulates(
    "rpc_config",
    calls=(r"'\software\microsoft\rpc\internet'", r"'\policies\microsoft\windows nt\rpc'", 'netsh dynamicport',),
)
def rpc_config(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """The Rpc\\Internet values (null when the key is absent), netsh's English text for the dynamic range
    and the two policy DWORDs."""
    reg = node.registry
    internet = None
    if reg.key_exists(RPC_INTERNET):
        ports = reg.value(RPC_INTERNET, "Ports")
        internet = {
            "Ports": None if ports is None else [str(p) for p in (ports if isinstance(ports, list) else [ports])],
            "PortsInternetAvailable": reg.value(RPC_INTERNET, "PortsInternetAvailable"),
            "UseInternetPorts": reg.value(RPC_INTERNET, "UseInternetPorts"),
        }
    dyn = dict(node.extra.get("dynamic_tcp_ports") or {})
    start = int(dyn.get("start", 49152))
    count = int(dyn.get("count", 16384))
    text = ("\nProtocol tcp Dynamic Port Range\n---------------------------------\n"
            f"Start Port      : {start}\nNumber of Ports : {count}\n")
    return {
        "internet": internet,
        "dynamic_tcp": text,
        "dynamic_error": None,
        "policy": {
            "RestrictRemoteClients": reg.value(RPC_POLICY, "RestrictRemoteClients"),
            "EnableAuthEpResolution": reg.value(RPC_POLICY, "EnableAuthEpResolution"),
        },
    }


def _profiles(raw: Any) -> int:
    if raw is None or raw == "any":
        return ALL_PROFILES
    names = [raw] if isinstance(raw, str) else list(raw)
    mask = 0
    for name in names:
        mask |= PROFILE_BITS[str(name).lower()]
    return mask


def _kept(direction: int, protocol: int, ports: str, app: str, group: str) -> bool:
    """The snippet's filter: DTC group rules, and inbound TCP rules for ENTSSO/MSDTC, RPC, 135, ranges, or all."""
    if group.lower() == DTC_GROUP.lower():
        return True
    if direction != 1 or protocol not in (6, 256):
        return False
    return bool(
        re.search(r"\\(entsso|msdtc)\.exe$", app, re.I)
        or re.search("RPC", ports, re.I)
        or re.search(r"(^|,)\s*135\s*(,|$)", ports)
        or re.search(r"\d+\s*-\s*\d+", ports)
        or (ports in ("", "*") and app == "")
    )


@emulates(
    "firewall",
    calls=('New-Object HNetCfg.FwPolicy2',),
)
def firewall(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """Profiles and the rules the snippet keeps, from the node's ``firewall`` document."""
    doc = node.extra.get("firewall")
    if not isinstance(doc, Mapping):
        raise EmulationError(FIREWALL_STOPPED)
    enabled_doc = dict(doc.get("enabled") or {})
    enabled = {str(bit): bool(enabled_doc.get(name, True)) for name, bit in PROFILE_BITS.items()}
    rules = []
    for name, raw in dict(doc.get("rules") or {}).items():
        rule = dict(raw or {})
        direction = 1 if str(rule.get("direction", "in")).lower() == "in" else 2
        protocol = PROTOCOLS[str(rule.get("protocol", "tcp")).lower()]
        ports = str(rule.get("local_ports") or "*") if protocol in (6, 17) else ""
        app = str(rule.get("program") or "")
        group = str(rule.get("group") or "")
        if not _kept(direction, protocol, ports, app, group):
            continue
        rules.append({
            "name": str(name),
            "direction": direction,
            "action": 0 if str(rule.get("action", "allow")).lower() == "block" else 1,
            "enabled": bool(rule.get("enabled", True)),
            "profiles": _profiles(rule.get("profiles")),
            "protocol": protocol,
            "local_ports": ports,
            "application": app,
            "service": str(rule.get("service") or ""),
            "grouping": group,
            "remote_addresses": str(rule.get("remote_addresses") or "*"),
        })
    return {
        "current_profiles": _profiles(doc.get("current") or ["domain"]),
        "enabled": enabled,
        "rules": rules,
        "truncated": False,
    }


def _path_blocked(farm: FarmState, source: NodeState, target: str, port: int) -> bool:
    paths = {p.replace(" ", "").lower() for p in farm.blocked}
    return f"{source.name}->{target.split('.')[0]}:{port}".lower() in paths


@emulates(
    "rpc_callback",
    calls=('New-Object System.Net.Sockets.TcpClient', '.BeginConnect',),
)
def rpc_callback(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """TCP 135 to each target when this node's computer name is a source: answered when the target is a farm
    node that is up, resolves in ``dns`` and the path is not ``blocked``."""
    me = computer_name(node)
    sources = [str(s).split(".")[0].upper() for s in params.get("rpc_callback_sources") or []]
    paths = []
    if me in sources:
        for raw in params.get("rpc_callback_targets") or []:
            target = str(raw)
            if target.split(".")[0].upper() == me:
                continue
            host = farm.node(target.split(".")[0])
            resolves = any(k.lower() == target.split(".")[0].lower() for k in farm.dns)
            if not resolves:
                paths.append({"target": target, "port": 135, "connected": False, "error": NO_SUCH_HOST})
            elif host is None or not host.up or _path_blocked(farm, node, target, 135):
                paths.append({"target": target, "port": 135, "connected": False, "error": "no answer within 3000 ms"})
            else:
                paths.append({"target": target, "port": 135, "connected": True, "error": None})
    return {"computer": me, "tested": me in sources, "paths": paths}


ENTSSO_SQL = "HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SQL"
CONNECT_TO = {
    "64": "HKLM\\SOFTWARE\\Microsoft\\MSSQLServer\\Client\\ConnectTo",
    "32": "HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\MSSQLServer\\Client\\ConnectTo",
}
REFUSED = "No connection could be made because the target machine actively refused it"


def _listening(farm: FarmState, host: str, port: int) -> bool:
    """``sql_listeners: {SQL01: [1433]}`` of the scenario: which SQL hosts listen on which TCP ports."""
    listeners = farm.document.get("sql_listeners") or {}
    for name, ports in dict(listeners).items():
        if str(name).split(".")[0].lower() == host.split(".")[0].lower():
            return port in [int(p) for p in ports or []]
    return False


@emulates(
    "ssodb_path",
    calls=(r"'\microsoft\entsso\sql'", r"'\client\connectto'", '.BeginConnect',),
)
def ssodb_path(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """ENTSSO\\SQL, the ConnectTo alias of that name in both views, the port (alias, explicit, 1433 or the
    scenario's ``sql_instances: {"HOST\\\\INST": port}`` for the Browser), ``dns`` and ``sql_listeners``."""
    reg = node.registry
    server = reg.value(ENTSSO_SQL, "Server")
    out: dict[str, Any] = {
        "server": server, "database": reg.value(ENTSSO_SQL, "Database"), "alias64": None, "alias32": None,
        "protocol": "tcp", "host": None, "instance": None, "port": None, "port_source": None, "browser_error": None,
        "addresses": [], "resolve_error": None, "tcp_ok": None, "tcp_error": None,
    }
    if not server:
        return out
    server = str(server)
    out["alias64"] = reg.value(CONNECT_TO["64"], server)
    out["alias32"] = reg.value(CONNECT_TO["32"], server)
    target = server
    if out["alias64"]:
        library, _, rest = str(out["alias64"]).partition(",")
        if library.strip().upper() != "DBMSSOCN":
            out["protocol"] = library.strip()
        target = rest.replace(" ", "")
    if target.lower().startswith("tcp:"):
        target = target[4:]
    host, _, port_text = target.partition(",")
    if port_text:
        out["port"], out["port_source"] = int(port_text), "alias" if out["alias64"] else "explicit"
    host, _, instance = host.partition("\\")
    out["host"], out["instance"] = host, instance or None
    if out["protocol"] != "tcp":
        return out
    if out["port"] is None:
        if not instance or instance.upper() == "MSSQLSERVER":
            out["port"], out["port_source"] = 1433, "default"
        else:
            instances = {str(k).upper(): v for k, v in dict(farm.document.get("sql_instances") or {}).items()}
            found = instances.get(f"{host}\\{instance}".upper())
            if found is None:
                out["browser_error"] = ("SQL Server Browser (UDP 1434) did not answer: A connection attempt failed "
                                        "because the connected party did not properly respond")
            else:
                out["port"], out["port_source"] = int(found), "browser"
    address = next((ip for name, ip in farm.dns.items() if name.lower() == host.split(".")[0].lower()), None)
    if address is None:
        out["resolve_error"] = NO_SUCH_HOST
        return out
    out["addresses"] = [address]
    if out["port"] is None:
        return out
    if _listening(farm, host, out["port"]) and not _path_blocked(farm, node, host, out["port"]):
        out["tcp_ok"] = True
    elif _listening(farm, host, out["port"]):
        out["tcp_ok"], out["tcp_error"] = False, "no answer within 3000 ms"
    else:
        out["tcp_ok"], out["tcp_error"] = False, REFUSED
    return out
