"""Cluster facts for the SSO role's policies: the ENTSSO resource's failure policy and the cluster's access list.

Both are read on the cluster node itself with the FailoverClusters module (Windows Server 2008 R2+), the
same way as the ``cluster`` fact; nothing authenticates onward (no second hop).
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

# SC_ACTION_TYPE values of a SERVICE_FAILURE_ACTIONS entry (winsvc.h).
SC_ACTION_RESTART = 1
SC_ACTION_NAMES = {0: "none", 1: "restart", 2: "reboot", 3: "run command"}


@dataclass(frozen=True)
class ResourcePolicy:
    """An ENTSSO Generic Service resource's restart policy and its group's failover policy."""

    name: str
    group: str
    restart_action: int | None
    restart_threshold: int | None
    restart_period_ms: int | None
    pending_timeout_ms: int | None
    group_failover_threshold: int | None
    group_failover_period_h: int | None


@dataclass(frozen=True)
class FailurePolicy:
    """Every ENTSSO resource's policy in this node's view, and the local ENTSSO service's SCM recovery actions."""

    resources: tuple[ResourcePolicy, ...]
    scm_actions: tuple[int, ...] | None  # None: no FailureActions value (no recovery configured)
    scm_error: str | None = None


def scm_failure_actions(blob: bytes) -> tuple[int, ...]:
    """The action types of a service's ``FailureActions`` registry value (SERVICE_FAILURE_ACTIONS as stored).

    Layout: dwResetPeriod, lpRebootMsg, lpCommand, cActions, lpsaActions (five DWORDs; the last is the
    offset of the array in the value), then cActions SC_ACTION {Type, Delay} pairs of two DWORDs.
    """
    if len(blob) < 20:
        raise ValueError(f"FailureActions is {len(blob)} bytes, shorter than its 20-byte header")
    count, offset = struct.unpack_from("<II", blob, 12)
    if offset < 20 or offset + 8 * count > len(blob):
        raise ValueError(f"FailureActions lists {count} actions at offset {offset} in {len(blob)} bytes")
    return tuple(struct.unpack_from("<I", blob, offset + 8 * i)[0] for i in range(count))


def _opt_uint(raw: Any, what: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise FactParseError(f"{what}: expected a non-negative integer, got {raw!r}")
    return raw


class EntssoFailurePolicy(Fact[FailurePolicy]):
    """The ENTSSO resource's RestartAction, RestartThreshold, RestartPeriod, PendingTimeout and its group's
    FailoverThreshold / FailoverPeriod (common properties, Get-ClusterResource / Get-ClusterGroup, or WMI
    ``root\\MSCluster`` on a node without the FailoverClusters module, ``source`` says which), plus the
    local ENTSSO service's recovery actions (``HKLM\\SYSTEM\\CurrentControlSet\\Services\\ENTSSO``
    ``FailureActions``, base64). Raw value::

        {"resources": [{"name", "group", "restart_action": 2, "restart_threshold": 1, "restart_period": 900000,
                        "pending_timeout": 180000, "failover_threshold": 4294967295, "failover_period": 6}],
         "scm_failure_actions": "<base64>" | null}
    """

    name = "entsso_failure_policy"
    description = "ENTSSO cluster resource restart/failover policy and the local service's SCM recovery actions"
    script = r"""
$list = New-Object System.Collections.ArrayList
if (@(Get-Module -ListAvailable -Name FailoverClusters).Length -gt 0) {
    $source = 'FailoverClusters'
    Import-Module FailoverClusters
    foreach ($r in @(Get-ClusterResource)) {
        if ([string]$r.ResourceType.Name -ne 'Generic Service') { continue }
        $svc = ''
        foreach ($p in @($r | Get-ClusterParameter -Name ServiceName -ErrorAction SilentlyContinue)) { $svc = [string]$p.Value }
        if ($svc -ne 'ENTSSO') { continue }
        $g = Get-ClusterGroup -Name ([string]$r.OwnerGroup.Name)
        [void]$list.Add(@{
            name = [string]$r.Name
            group = [string]$r.OwnerGroup.Name
            restart_action = [uint32]$r.RestartAction
            restart_threshold = [uint32]$r.RestartThreshold
            restart_period = [uint32]$r.RestartPeriod
            pending_timeout = [uint32]$r.PendingTimeout
            failover_threshold = [uint32]$g.FailoverThreshold
            failover_period = [uint32]$g.FailoverPeriod
        })
    }
} else {
    # No RSAT-Clustering-PowerShell: the same common properties from WMI root\MSCluster, as the cluster fact does
    # (MSCluster_Resource RestartAction/RestartThreshold/RestartPeriod/PendingTimeout, MSCluster_ResourceGroup
    # FailoverThreshold/FailoverPeriod; the provider wants Packet Privacy). The group through its association.
    $source = 'wmi'
    $all = @()
    try {
        $all = @(Get-WmiObject -Namespace 'root\MSCluster' -Authentication PacketPrivacy -Class MSCluster_Resource -ErrorAction Stop)
    } catch {
        throw ('the FailoverClusters module is missing (RSAT-Clustering-PowerShell) and WMI root\MSCluster does not answer (not a cluster node, or its cluster service is down): ' + $_.Exception.Message)
    }
    foreach ($r in $all) {
        if ([string]$r.Type -ne 'Generic Service') { continue }
        $svc = ''
        if ($null -ne $r.PrivateProperties) { $svc = [string]$r.PrivateProperties.ServiceName }
        if ($svc -ne 'ENTSSO') { continue }
        $g = $null
        foreach ($related in @($r.GetRelated('MSCluster_ResourceGroup'))) { if ($null -eq $g) { $g = $related } }
        $entry = @{
            name = [string]$r.Name
            group = ''
            restart_action = [uint32]$r.RestartAction
            restart_threshold = [uint32]$r.RestartThreshold
            restart_period = [uint32]$r.RestartPeriod
            pending_timeout = [uint32]$r.PendingTimeout
            failover_threshold = $null
            failover_period = $null
        }
        # No group found: unknown, not 0 (a 0 threshold would read as "the role never fails over").
        if ($null -ne $g) {
            $entry['group'] = [string]$g.Name
            $entry['failover_threshold'] = [uint32]$g.FailoverThreshold
            $entry['failover_period'] = [uint32]$g.FailoverPeriod
        }
        [void]$list.Add($entry)
    }
}
$actions = Get-SsoRegValue 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\ENTSSO' 'FailureActions'
$value = @{ resources = @($list.ToArray()); scm_failure_actions = $actions; source = $source }
"""

    @classmethod
    def parse(cls, raw: Any) -> FailurePolicy:
        doc = expect_type(raw, dict, cls.name)
        resources = []
        for i, item in enumerate(as_list(doc.get("resources"), f"{cls.name}.resources")):
            where = f"{cls.name}.resources[{i}]"
            r = expect_type(item, dict, where)
            name = opt_str(r.get("name"), f"{where}.name")
            if not name:
                raise FactParseError(f"{where}: name is required")
            resources.append(ResourcePolicy(
                name=name,
                group=opt_str(r.get("group"), f"{where}.group") or "",
                restart_action=_opt_uint(r.get("restart_action"), f"{where}.restart_action"),
                restart_threshold=_opt_uint(r.get("restart_threshold"), f"{where}.restart_threshold"),
                restart_period_ms=_opt_uint(r.get("restart_period"), f"{where}.restart_period"),
                pending_timeout_ms=_opt_uint(r.get("pending_timeout"), f"{where}.pending_timeout"),
                group_failover_threshold=_opt_uint(r.get("failover_threshold"), f"{where}.failover_threshold"),
                group_failover_period_h=_opt_uint(r.get("failover_period"), f"{where}.failover_period"),
            ))
        blob = opt_str(doc.get("scm_failure_actions"), f"{cls.name}.scm_failure_actions")
        actions: tuple[int, ...] | None = None
        error = None
        if blob:
            try:
                actions = scm_failure_actions(base64.b64decode(blob, validate=True))
            except (binascii.Error, ValueError) as exc:
                error = f"FailureActions unreadable: {exc}"
        return FailurePolicy(tuple(resources), actions, error)


# --------------------------------------------------------------------------- cluster access

ACCESS_NEEDS_MODULE = ("the FailoverClusters module is missing, and Get-ClusterAccess needs it: install "
                       "RSAT-Clustering-PowerShell (Install-WindowsFeature RSAT-Clustering-PowerShell; Windows "
                       "Server 2008 R2: Add-WindowsFeature RSAT-Clustering)")


@dataclass(frozen=True)
class AccessEntry:
    """One entry of the cluster's security descriptor (Get-ClusterAccess)."""

    identity: str
    sid: str | None
    access: str  # Allow / Deny
    rights: str  # Full / Read


class ClusterAccess(Fact[tuple[AccessEntry, ...]]):
    """Who may manage the cluster (``Get-ClusterAccess``), each identity translated to a SID on the node (LSA).

    Raw value: ``[{"identity": "CORP\\\\svc_sso", "sid": "S-1-5-21-..." | null, "access": "Allow",
    "rights": "Full"}]``. The property names IdentityReference / AccessControlType / ClusterRights are
    those the cmdlet's objects print; a value that cannot be read is an empty string. A node without the
    FailoverClusters module fails this fact with :data:`ACCESS_NEEDS_MODULE` (the cluster fact and the
    failure policy fall back to WMI; the access list has no reading we could trust there).
    """

    name = "cluster_access"
    description = "The cluster's access list (Get-ClusterAccess), with SIDs"
    script = r"""
# Get-ClusterAccess has no WMI counterpart the probe could read without guessing how access masks map to
# Full/Read, so a node without the module says so (the cause and the fix) instead of Import-Module's error.
if (@(Get-Module -ListAvailable -Name FailoverClusters).Length -eq 0) {
    throw 'the FailoverClusters module is missing, and Get-ClusterAccess needs it: install RSAT-Clustering-PowerShell (Install-WindowsFeature RSAT-Clustering-PowerShell; Windows Server 2008 R2: Add-WindowsFeature RSAT-Clustering)'
}
Import-Module FailoverClusters
$list = New-Object System.Collections.ArrayList
foreach ($a in @(Get-ClusterAccess)) {
    $sid = $null
    try { $sid = $a.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]).Value } catch { $sid = $null }
    [void]$list.Add(@{
        identity = [string]$a.IdentityReference
        sid = $sid
        access = [string]$a.AccessControlType
        rights = [string]$a.ClusterRights
    })
}
$value = @($list.ToArray())
"""

    @classmethod
    def parse(cls, raw: Any) -> tuple[AccessEntry, ...]:
        out = []
        for i, item in enumerate(as_list(raw, cls.name)):
            where = f"{cls.name}[{i}]"
            e = expect_type(item, dict, where)
            identity = opt_str(e.get("identity"), f"{where}.identity")
            if not identity:
                raise FactParseError(f"{where}: identity is required")
            sid = opt_str(e.get("sid"), f"{where}.sid")
            out.append(AccessEntry(identity, sid.upper() if sid else None,
                                   opt_str(e.get("access"), f"{where}.access") or "",
                                   opt_str(e.get("rights"), f"{where}.rights") or ""))
        return tuple(out)


# --------------------------------------------------------------------------- DTC mappings and the cluster default


@dataclass(frozen=True)
class DtcMapping:
    """A cluster DTC transaction manager mapping (DtcClusterTMMapping)."""

    name: str
    application_type: str
    application: str
    local: bool
    resource: str


@dataclass(frozen=True)
class DtcClusterConfig:
    """The cluster's DTC mappings and default DTC, as far as this node can read them."""

    available: bool  # the MsDtc module (Windows Server 2012+) answered
    mappings: tuple[DtcMapping, ...]
    default: str | None
    error: str | None = None


class DtcClusterMapping(Fact[DtcClusterConfig]):
    """``Get-DtcClusterTMMapping`` and ``Get-DtcClusterDefault`` (MsDtc module, Windows Server 2012+).

    Both are asked only when the cmdlets exist (``Get-Command`` first), so the snippet runs on Windows
    Server 2008 R2 and says ``available: false`` there. Raw value::

        {"available": true, "default": "MSDTC-SSOCLU" | null, "error": str | null,
         "mappings": [{"name", "application_type": "Service", "application": "ENTSSO", "local": false,
                       "resource": "MSDTC-SSOCLU"}]}
    """

    name = "dtc_cluster_mapping"
    description = "Cluster DTC transaction manager mappings and the cluster default DTC (MsDtc, 2012+)"
    script = r"""
$available = $false
$mappings = New-Object System.Collections.ArrayList
$default = $null
$err = $null
if ((Get-Command Get-DtcClusterTMMapping -ErrorAction SilentlyContinue) -and (Get-Command Get-DtcClusterDefault -ErrorAction SilentlyContinue)) {
    $available = $true
    try {
        foreach ($m in @(Get-DtcClusterTMMapping)) {
            [void]$mappings.Add(@{
                name = [string]$m.Name
                application_type = [string]$m.ApplicationType
                application = [string]$m.Application
                local = [bool]$m.Local
                resource = [string]$m.ClusterResourceName
            })
        }
        $d = Get-DtcClusterDefault
        if ($null -ne $d) { $default = [string]$d }
    } catch {
        $err = [string]$_.Exception.Message
    }
}
$value = @{ available = $available; mappings = @($mappings.ToArray()); default = $default; error = $err }
"""

    @classmethod
    def parse(cls, raw: Any) -> DtcClusterConfig:
        doc = expect_type(raw, dict, cls.name)
        available = expect_type(doc.get("available"), bool, f"{cls.name}.available")
        mappings = []
        for i, item in enumerate(as_list(doc.get("mappings"), f"{cls.name}.mappings")):
            where = f"{cls.name}.mappings[{i}]"
            m = expect_type(item, dict, where)
            mappings.append(DtcMapping(
                name=opt_str(m.get("name"), f"{where}.name") or "",
                application_type=opt_str(m.get("application_type"), f"{where}.application_type") or "",
                application=opt_str(m.get("application"), f"{where}.application") or "",
                local=bool(expect_type(m.get("local", False), bool, f"{where}.local")),
                resource=opt_str(m.get("resource"), f"{where}.resource") or "",
            ))
        return DtcClusterConfig(bool(available), tuple(mappings),
                                opt_str(doc.get("default"), f"{cls.name}.default") or None,
                                opt_str(doc.get("error"), f"{cls.name}.error") or None)
