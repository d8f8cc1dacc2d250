"""Operating-system facts: the node's host names (NetBIOS limit) and its time service configuration.

Also home of :func:`parse_utc`, which reads the probe's ``clock_utc`` and the controller's
``received_utc`` stamps that the clock-skew check compares (domain.md §11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, expect_type, opt_str

NETBIOS_MAX = 15

_UTC_STAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]00:?00)?$"
)


def parse_utc(text: str | None) -> datetime | None:
    """An aware UTC datetime from ``yyyy-MM-ddTHH:mm:ss[.fff]Z``; None when absent or malformed.

    The probe writes the node's clock as ``2026-11-20T22:00:00.123Z`` (milliseconds; older probes wrote
    whole seconds); the collector writes its receipt time with milliseconds. Only UTC stamps are accepted: a local time without
    zone would silently shift the offset by hours.
    """
    if not text:
        return None
    match = _UTC_STAMP.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    micro = int((fraction + "000000")[:6]) if fraction else 0
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=timezone.utc)
    except ValueError:
        return None


def clock_offset(clock_utc: str | None, received_utc: str | None) -> float | None:
    """Seconds the node's clock is ahead of the controller's (negative: behind); None when unknown."""
    node_clock = parse_utc(clock_utc)
    received = parse_utc(received_utc)
    if node_clock is None or received is None:
        return None
    delta: timedelta = node_clock - received
    return delta.total_seconds()


def first_label(name: str) -> str:
    """The host part of a DNS name (``node1.corp.example.com`` -> ``node1``)."""
    return name.strip().split(".")[0]


@dataclass(frozen=True)
class HostNameInfo:
    """The names a Windows host goes by."""

    computer_name: str  # NetBIOS name ($env:COMPUTERNAME), already cut to 15 characters by Windows
    dns_host_name: str  # [System.Net.Dns]::GetHostName(): the full host label
    tcpip_hostname: str | None  # Tcpip\Parameters Hostname (the active DNS host name)
    tcpip_nv_hostname: str | None  # Tcpip\Parameters "NV Hostname" (differs while a rename is pending)
    tcpip_domain: str | None

    @property
    def host_label(self) -> str:
        """The longest host label the node reports (the one NetBIOS would have to truncate)."""
        candidates = [first_label(n) for n in (self.dns_host_name, self.tcpip_hostname or "") if n]
        return max(candidates, key=len) if candidates else self.computer_name


class HostNames(Fact[HostNameInfo]):
    """The node's NetBIOS name, DNS host name and the Tcpip\\Parameters host name values.

    ``$env:COMPUTERNAME`` is the NetBIOS name, which Windows has already truncated to 15
    characters, so the real host name comes from DNS and the Tcpip registry key. Raw value:
    ``{"computer_name", "dns_host_name", "tcpip_hostname", "tcpip_nv_hostname", "tcpip_domain"}``
    (the registry values are null when absent).
    """

    name = "host_names"
    description = "NetBIOS computer name, DNS host name and Tcpip\\Parameters Hostname / NV Hostname"
    script = r"""
$tcpip = 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters'
$hostName = Get-SsoRegValue $tcpip 'Hostname'
$nvHostName = Get-SsoRegValue $tcpip 'NV Hostname'
$domainName = Get-SsoRegValue $tcpip 'Domain'
$value = @{
    computer_name = [string]$env:COMPUTERNAME
    dns_host_name = [string][System.Net.Dns]::GetHostName()
    tcpip_hostname = $hostName
    tcpip_nv_hostname = $nvHostName
    tcpip_domain = $domainName
}
"""

    @classmethod
    def parse(cls, raw: Any) -> HostNameInfo:
        doc = expect_type(raw, dict, cls.name)
        computer = opt_str(doc.get("computer_name"), f"{cls.name}.computer_name")
        dns = opt_str(doc.get("dns_host_name"), f"{cls.name}.dns_host_name")
        if not computer or not dns:
            raise FactParseError(f"{cls.name}: computer_name and dns_host_name are required")
        return HostNameInfo(
            computer_name=computer.strip(),
            dns_host_name=dns.strip(),
            tcpip_hostname=(opt_str(doc.get("tcpip_hostname"), f"{cls.name}.tcpip_hostname") or "").strip() or None,
            tcpip_nv_hostname=(opt_str(doc.get("tcpip_nv_hostname"), f"{cls.name}.tcpip_nv_hostname") or "").strip()
            or None,
            tcpip_domain=(opt_str(doc.get("tcpip_domain"), f"{cls.name}.tcpip_domain") or "").strip() or None,
        )


# W32Time Parameters\Type values: NT5DS = domain hierarchy, NTP = manual peers, AllSync = both,
# NoSync = the clock is not synchronised at all.
SYNCING_TYPES = ("NT5DS", "NTP", "ALLSYNC")


@dataclass(frozen=True)
class TimeSyncInfo:
    """How the Windows Time service is configured to synchronise the clock."""

    service_present: bool
    type: str | None
    ntp_server: str | None
    # Where the type came from: "policy" (Group Policy key) or "service" (W32Time's own key).
    source: str = "service"

    @property
    def synchronised(self) -> bool | None:
        """True when W32Time syncs from the domain or NTP, False for NoSync, None when unknown."""
        if not self.type:
            return None
        return self.type.strip().upper() in SYNCING_TYPES


class TimeSync(Fact[TimeSyncInfo]):
    """Windows Time service configuration: the Group Policy key when it sets a value, else the service key.

    A domain GPO writes the effective settings to ``HKLM\\SOFTWARE\\Policies\\Microsoft\\W32Time\\Parameters``
    and W32Time prefers them to its own ``HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters``
    (review probe.md D8). Read from the registry rather than parsing ``w32tm /query /status``, whose
    text is localised. Raw value: ``{"service_present": bool, "type": "NT5DS|NTP|NoSync|AllSync" | null,
    "ntp_server": str | null, "source": "policy" | "service"}`` (``source`` names where ``type`` came from).
    """

    name = "time_sync"
    description = "Windows Time service synchronisation type and NTP server (policy, else W32Time\\Parameters)"
    script = r"""
$w32 = 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\W32Time\Parameters'
$policy = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\W32Time\Parameters'
$present = Test-Path -LiteralPath $w32
$syncType = Get-SsoRegValue $policy 'Type'
$ntpServer = Get-SsoRegValue $policy 'NtpServer'
$source = 'policy'
if ($null -eq $syncType) {
    $source = 'service'
    $syncType = Get-SsoRegValue $w32 'Type'
}
if ($null -eq $ntpServer) { $ntpServer = Get-SsoRegValue $w32 'NtpServer' }
$value = @{ service_present = $present; type = $syncType; ntp_server = $ntpServer; source = $source }
"""

    @classmethod
    def parse(cls, raw: Any) -> TimeSyncInfo:
        doc = expect_type(raw, dict, cls.name)
        present = expect_type(doc.get("service_present"), bool, f"{cls.name}.service_present")
        return TimeSyncInfo(
            service_present=bool(present),
            type=opt_str(doc.get("type"), f"{cls.name}.type"),
            ntp_server=opt_str(doc.get("ntp_server"), f"{cls.name}.ntp_server"),
            source=opt_str(doc.get("source"), f"{cls.name}.source") or "service",
        )
