"""RPC facts of a node: the port configuration, the RPC restriction policy, and TCP 135 back to BizTalk nodes.

ENTSSO is an RPC server on every SSO server: clients find it through the endpoint mapper (TCP 135) and
then call it on a dynamic port. Microsoft's ports page for the SSO servers asks for 135 and the dynamic
range in both directions, between the master secret server and the processing servers; an invalid
``HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet`` configuration disables RPC over TCP altogether
("If a key is missing or if it contains an invalid value, the entire configuration is marked as invalid,
and all RpcServerUseProtseq* calls over ncacn_ip_tcp or ncadg_ip_udp will fail", learn.microsoft.com
windows/win32/rpc/configuring-the-windows-xp-2000-nt-registry-for-port-allocations-and-selective-binding).
Everything here is read on the node itself; the TCP test opens and closes a connection, nothing is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str


@dataclass(frozen=True)
class PortRange:
    """An inclusive TCP port range."""

    first: int
    last: int

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class RpcPorts:
    """What ``HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet`` holds (None: the key does not exist)."""

    ports: tuple[str, ...] | None
    ports_internet_available: str | None
    use_internet_ports: str | None

    @property
    def configured(self) -> bool:
        """True when any of the three values is set (an empty key changes nothing)."""
        return self.ports is not None or self.ports_internet_available is not None or self.use_internet_ports is not None


@dataclass(frozen=True)
class RpcConfig:
    """The node's RPC port configuration, dynamic TCP range and RPC restriction policy."""

    internet: RpcPorts | None
    dynamic_tcp: PortRange | None
    dynamic_error: str | None
    restrict_remote_clients: int | None
    enable_auth_ep_resolution: int | None


_PORT_ENTRY = re.compile(r"^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$")


def parse_port_entries(entries: tuple[str, ...]) -> tuple[list[PortRange], list[str]]:
    """Ports as the RPC runtime reads them: each string one port or an inclusive range ``a-b`` within 0-65535.

    Returns the ranges and the entries it cannot interpret (any of them makes the configuration invalid).
    """
    ranges: list[PortRange] = []
    bad: list[str] = []
    for entry in entries:
        m = _PORT_ENTRY.match(entry)
        if not m:
            bad.append(entry)
            continue
        first = int(m.group(1))
        last = int(m.group(2) or m.group(1))
        if first > 65535 or last > 65535 or last < first:
            bad.append(entry)
            continue
        ranges.append(PortRange(first, last))
    return ranges, bad


def parse_dynamic_port_text(text: str) -> PortRange | None:
    """``netsh int ipv4 show dynamicport tcp``: the start port and the number of ports, whatever the language.

    The labels are localised ("Start Port", "Startport", ...), so only the numbers after the colons are
    read: the first is the start, the second the count.
    """
    numbers = [int(m.group(1)) for m in re.finditer(r":\s*(\d+)\s*$", text, re.M)]
    if len(numbers) < 2 or numbers[1] < 1 or numbers[0] + numbers[1] - 1 > 65535:
        return None
    return PortRange(numbers[0], numbers[0] + numbers[1] - 1)


def _opt_int(raw: Any, what: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise FactParseError(f"{what}: expected an integer (REG_DWORD), got {type(raw).__name__}")
    return raw


class RpcSettings(Fact[RpcConfig]):
    """``HKLM\\SOFTWARE\\Microsoft\\Rpc\\Internet``, the dynamic TCP port range and the RPC restriction policy.

    Reads the registry (``Ports`` REG_MULTI_SZ, ``PortsInternetAvailable`` and ``UseInternetPorts`` REG_SZ;
    ``HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Rpc`` ``RestrictRemoteClients`` and
    ``EnableAuthEpResolution`` REG_DWORD) and the text of ``netsh int ipv4 show dynamicport tcp``
    (Windows Server 2008+; parsed by numbers only, the labels are localised). Raw value::

        {"internet": null | {"Ports": [str] | null, "PortsInternetAvailable": str | null, "UseInternetPorts": str | null},
         "dynamic_tcp": "<netsh text>" | null, "dynamic_error": str | null,
         "policy": {"RestrictRemoteClients": int | null, "EnableAuthEpResolution": int | null}}
    """

    name = "rpc_config"
    description = "RPC port configuration (Rpc\\Internet), dynamic TCP range, RPC restriction policy"
    script = r"""
$internetKey = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Rpc\Internet'
$internet = $null
if (Test-Path -LiteralPath $internetKey) {
    $ports = Get-SsoRegValue $internetKey 'Ports'
    $portList = $null
    if ($null -ne $ports) { $portList = @(foreach ($p in @($ports)) { [string]$p }) }
    $internet = @{
        Ports = $portList
        PortsInternetAvailable = Get-SsoRegValue $internetKey 'PortsInternetAvailable'
        UseInternetPorts = Get-SsoRegValue $internetKey 'UseInternetPorts'
    }
}
$dynamicText = $null
$dynamicError = $null
try {
    # A child scope with 'Continue', as for ssomanage: with the probe's 'Stop' a stderr line would abort the read.
    $lines = @(& { $ErrorActionPreference = 'Continue'; & netsh.exe int ipv4 show dynamicport tcp 2>&1 })
    $dynamicText = [string]::Join("`n", @(foreach ($l in $lines) { [string]$l }))
    if ($LASTEXITCODE -ne 0) { $dynamicError = 'netsh exit code ' + $LASTEXITCODE; $dynamicText = $null }
} catch {
    $dynamicError = [string]$_.Exception.Message
}
$policyKey = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows NT\Rpc'
$value = @{
    internet = $internet
    dynamic_tcp = $dynamicText
    dynamic_error = $dynamicError
    policy = @{
        RestrictRemoteClients = Get-SsoRegValue $policyKey 'RestrictRemoteClients'
        EnableAuthEpResolution = Get-SsoRegValue $policyKey 'EnableAuthEpResolution'
    }
}
"""

    @classmethod
    def parse(cls, raw: Any) -> RpcConfig:
        doc = expect_type(raw, dict, cls.name)
        internet = None
        if doc.get("internet") is not None:
            key = expect_type(doc["internet"], dict, f"{cls.name}.internet")
            ports_raw = key.get("Ports")
            ports = None if ports_raw is None else tuple(
                str(p) for p in as_list(ports_raw, f"{cls.name}.internet.Ports"))
            internet = RpcPorts(
                ports=ports,
                ports_internet_available=opt_str(key.get("PortsInternetAvailable"), f"{cls.name}.internet.PIA"),
                use_internet_ports=opt_str(key.get("UseInternetPorts"), f"{cls.name}.internet.UseInternetPorts"),
            )
        text = opt_str(doc.get("dynamic_tcp"), f"{cls.name}.dynamic_tcp")
        dynamic = parse_dynamic_port_text(text) if text else None
        error = opt_str(doc.get("dynamic_error"), f"{cls.name}.dynamic_error")
        if text and dynamic is None and not error:
            error = f"cannot read the start port and count from: {text[:120]!r}"
        policy = expect_type(doc.get("policy") or {}, dict, f"{cls.name}.policy")
        return RpcConfig(
            internet=internet,
            dynamic_tcp=dynamic,
            dynamic_error=error,
            restrict_remote_clients=_opt_int(policy.get("RestrictRemoteClients"), f"{cls.name}.RestrictRemoteClients"),
            enable_auth_ep_resolution=_opt_int(policy.get("EnableAuthEpResolution"),
                                               f"{cls.name}.EnableAuthEpResolution"),
        )


# --------------------------------------------------------------------------- TCP 135 back to the BizTalk nodes


@dataclass(frozen=True)
class TcpPath:
    """One outbound TCP test from this node."""

    target: str
    port: int
    connected: bool
    error: str | None


@dataclass(frozen=True)
class RpcCallback:
    """TCP 135 from this node to each BizTalk node, when this node is one of the SSO cluster nodes."""

    computer: str
    tested: bool
    paths: tuple[TcpPath, ...]


class RpcCallbackPaths(Fact[RpcCallback]):
    """From an SSO cluster node: does TCP 135 answer on each BizTalk node (the master secret server calls back)?

    The inventory's node names arrive as probe parameters ``rpc_callback_sources`` (the SSO cluster nodes)
    and ``rpc_callback_targets`` (the BizTalk nodes). A node tests only its own outbound path, and only
    when its computer name is one of the sources (NetBIOS part, case-insensitive); elsewhere ``tested``
    is false and nothing is opened. All connections start at once and share one 3-second deadline, so
    the cost does not grow with the number of BizTalk nodes. Raw value::

        {"computer": "NODE1", "tested": true,
         "paths": [{"target": "BTSNODE1", "port": 135, "connected": true, "error": null}]}
    """

    name = "rpc_callback"
    description = "TCP 135 from each SSO cluster node to each BizTalk node (its own outbound path)"
    params = ("rpc_callback_sources", "rpc_callback_targets")
    script = r"""
$me = ([string]$env:COMPUTERNAME).ToUpperInvariant()
$isSource = $false
# A list parameter comes back as ONE array object; @(Get-SsoParam ...) would wrap it in a second array and the loop
# would see 'NODE1 NODE2' as one name (PowerShell/PowerShell#4257). Assign first, then enumerate the variable.
$sources = Get-SsoParam 'rpc_callback_sources'
$targets = Get-SsoParam 'rpc_callback_targets'
foreach ($s in @($sources)) {
    if (-not $s) { continue }
    if (([string]$s).Split('.')[0].ToUpperInvariant() -eq $me) { $isSource = $true }
}
$paths = New-Object System.Collections.ArrayList
if ($isSource) {
    $pending = New-Object System.Collections.ArrayList
    foreach ($t in @($targets)) {
        if (-not $t) { continue }
        $target = [string]$t
        if ($target.Split('.')[0].ToUpperInvariant() -eq $me) { continue }
        $client = New-Object System.Net.Sockets.TcpClient
        $entry = @{ target = $target; client = $client; async = $null; error = $null }
        try { $entry.async = $client.BeginConnect($target, 135, $null, $null) } catch {
            $ex = $_.Exception
            if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
            $entry.error = [string]$ex.Message
        }
        [void]$pending.Add($entry)
    }
    $deadline = [DateTime]::UtcNow.AddMilliseconds(3000)
    foreach ($entry in $pending) {
        $connected = $false
        $err = $entry.error
        if ($null -ne $entry.async) {
            $left = [int]($deadline - [DateTime]::UtcNow).TotalMilliseconds
            if ($left -lt 0) { $left = 0 }
            try {
                if ($entry.async.AsyncWaitHandle.WaitOne($left, $false)) {
                    $entry.client.EndConnect($entry.async)
                    $connected = $true
                } else {
                    $err = 'no answer within 3000 ms'
                }
            } catch {
                $ex = $_.Exception
                if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
                $err = [string]$ex.Message
            }
        }
        $entry.client.Close()
        [void]$paths.Add(@{ target = $entry.target; port = 135; connected = $connected; error = $err })
    }
}
$value = @{ computer = $me; tested = $isSource; paths = @($paths.ToArray()) }
"""

    @classmethod
    def parse(cls, raw: Any) -> RpcCallback:
        doc = expect_type(raw, dict, cls.name)
        tested = expect_type(doc.get("tested"), bool, f"{cls.name}.tested")
        paths = []
        for i, item in enumerate(as_list(doc.get("paths"), f"{cls.name}.paths")):
            where = f"{cls.name}.paths[{i}]"
            p = expect_type(item, dict, where)
            target = opt_str(p.get("target"), f"{where}.target")
            if not target:
                raise FactParseError(f"{where}: target is required")
            port = p.get("port", 135)
            if isinstance(port, bool) or not isinstance(port, int):
                raise FactParseError(f"{where}.port: expected an integer")
            paths.append(TcpPath(target, port, bool(expect_type(p.get("connected"), bool, f"{where}.connected")),
                                 opt_str(p.get("error"), f"{where}.error")))
        return RpcCallback(opt_str(doc.get("computer"), f"{cls.name}.computer") or "", bool(tested), tuple(paths))
