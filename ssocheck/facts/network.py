"""Network facts seen from a node: can it reach the clustered SSO endpoint (domain.md §9, §11)?

SSO clients contact the master secret server by the cluster network name through the RPC endpoint
mapper (TCP 135), and MSDTC needs forward and reverse name resolution both ways. This fact resolves
the name and opens (then immediately closes) a TCP connection to port 135 of each address: nothing
is sent, nothing changes on either side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

TCP_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class AddressProbe:
    """One address the name resolved to: its reverse lookup and whether TCP 135 answered."""

    address: str
    family: str
    reverse_name: str | None
    reverse_error: str | None
    tcp_135: bool
    tcp_error: str | None


@dataclass(frozen=True)
class EndpointProbe:
    """Forward resolution of the cluster network name and what each address did."""

    name: str
    forward_error: str | None
    addresses: tuple[AddressProbe, ...]


class SsoEndpoint(Fact[EndpointProbe]):
    """From this node: forward and reverse DNS of the cluster network name, and TCP 135 on each address.

    Uses ``[System.Net.Dns]`` and ``System.Net.Sockets.TcpClient`` with ``BeginConnect`` and a
    3-second ``WaitOne`` (``Test-NetConnection`` and ``Resolve-DnsName`` need Windows Server 2012).
    The socket is always closed. Raw value::

        {"name": "<cluster network name>", "forward_error": str | null,
         "addresses": [{"address": "10.0.0.50", "family": "InterNetwork",
                        "reverse_name": "biztalkcluster.corp.example.com" | null, "reverse_error": str | null,
                        "tcp_135": true, "tcp_error": str | null}]}
    """

    name = "sso_endpoint"
    description = "Forward/reverse DNS of the cluster network name and TCP 135 reachability from this node"
    params = ("cluster_network_name",)
    script = r"""
$target = [string](Get-SsoParam 'cluster_network_name')
# Dns.GetHostAddresses('') returns this node's own addresses: an empty name must not test the node itself.
if (-not $target) { throw 'cluster_network_name is empty in the inventory' }
$timeoutMs = 3000
$forwardError = $null
$resolved = @()
try {
    $resolved = @([System.Net.Dns]::GetHostAddresses($target))
} catch {
    $ex = $_.Exception
    if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
    $forwardError = [string]$ex.Message
}
$probes = New-Object System.Collections.ArrayList
foreach ($ip in $resolved) {
    $reverseName = $null
    $reverseError = $null
    try {
        $reverseName = [string]([System.Net.Dns]::GetHostEntry($ip).HostName)
    } catch {
        $ex = $_.Exception
        if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
        $reverseError = [string]$ex.Message
    }
    $connected = $false
    $tcpError = $null
    $client = New-Object System.Net.Sockets.TcpClient -ArgumentList $ip.AddressFamily
    try {
        $pending = $client.BeginConnect($ip, 135, $null, $null)
        if ($pending.AsyncWaitHandle.WaitOne($timeoutMs, $false)) {
            $client.EndConnect($pending)
            $connected = $true
        } else {
            $tcpError = 'no answer within ' + $timeoutMs + ' ms'
        }
    } catch {
        $ex = $_.Exception
        if ($null -ne $ex.InnerException) { $ex = $ex.InnerException }
        $tcpError = [string]$ex.Message
    } finally {
        $client.Close()
    }
    [void]$probes.Add(@{
        address = $ip.ToString()
        family = [string]$ip.AddressFamily
        reverse_name = $reverseName
        reverse_error = $reverseError
        tcp_135 = $connected
        tcp_error = $tcpError
    })
}
$value = @{ name = $target; forward_error = $forwardError; addresses = @($probes.ToArray()) }
"""

    @classmethod
    def parse(cls, raw: Any) -> EndpointProbe:
        doc = expect_type(raw, dict, cls.name)
        target = opt_str(doc.get("name"), f"{cls.name}.name")
        if not target:
            raise FactParseError(f"{cls.name}: name is required")
        probes = []
        for i, item in enumerate(as_list(doc.get("addresses"), f"{cls.name}.addresses")):
            where = f"{cls.name}.addresses[{i}]"
            entry = expect_type(item, dict, where)
            address = opt_str(entry.get("address"), f"{where}.address")
            if not address:
                raise FactParseError(f"{where}: address is required")
            tcp = expect_type(entry.get("tcp_135"), bool, f"{where}.tcp_135")
            probes.append(
                AddressProbe(
                    address=address,
                    family=opt_str(entry.get("family"), f"{where}.family") or "",
                    reverse_name=opt_str(entry.get("reverse_name"), f"{where}.reverse_name") or None,
                    reverse_error=opt_str(entry.get("reverse_error"), f"{where}.reverse_error"),
                    tcp_135=bool(tcp),
                    tcp_error=opt_str(entry.get("tcp_error"), f"{where}.tcp_error"),
                )
            )
        return EndpointProbe(
            name=target,
            forward_error=opt_str(doc.get("forward_error"), f"{cls.name}.forward_error"),
            addresses=tuple(probes),
        )
