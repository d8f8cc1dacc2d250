"""MSDTC facts: contact CIDs (cloned images share them) and network security settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

MSDTC_DESCRIPTIONS = ("MSDTC", "MSDTCUIS", "MSDTCTIPGW", "MSDTCXATM")


LOCAL = "local"


@dataclass(frozen=True)
class CidEntry:
    """One MSDTC contact key: ...\\CID\\<cid> with Description (Default) = description.

    ``instance`` is ``local`` for the node's own DTC (HKLM\\SOFTWARE\\Classes\\CID), else ``cluster:<resource
    id>`` for a clustered DTC resource (HKLM\\Cluster\\Resources\\<id>\\MSDTCPRIVATE\\CID): the cluster hive is the
    same on every node of the cluster, so those CIDs belong to the resource, not to the node.
    """

    cid: str
    description: str
    instance: str = LOCAL

    @property
    def local(self) -> bool:
        """True for the node's own DTC."""
        return self.instance == LOCAL


class MsdtcCids(Fact[list[CidEntry]]):
    """MSDTC contact CIDs with their descriptions (MS-CMOM 2.2.3.5), local and of clustered DTC resources.

    Read from HKLM\\SOFTWARE\\Classes\\CID rather than HKCR so that a per-user HKCU\\Software\\Classes
    overlay of the WinRM account cannot hide or fake an entry. A clustered DTC (registry protocol V7/V9)
    keeps its own CIDs in ``HKLM\\Cluster\\Resources\\<ResID>\\MSDTCPRIVATE\\CID\\<GUID>`` (MS-CMOM 2.2.3.5,
    domain.md 1; review probe.md D8): those are read too. Raw value: a list of ``{"cid": "<guid>",
    "description": "MSDTC|MSDTCUIS|MSDTCTIPGW|MSDTCXATM"}`` for the node's own DTC, plus ``"instance":
    "cluster:<resource id>"`` for a clustered DTC's (local entries carry no ``instance``, so baselines taken
    before clustered CIDs were read still compare equal).
    """

    name = "msdtc_cids"
    description = "MSDTC contact CIDs (HKLM\\SOFTWARE\\Classes\\CID and clustered DTC resources)"
    script = r"""
$wanted = @('MSDTC', 'MSDTCUIS', 'MSDTCTIPGW', 'MSDTCXATM')
$list = New-Object System.Collections.ArrayList
$roots = New-Object System.Collections.ArrayList
[void]$roots.Add(@('local', 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CID'))
$clusterRoot = 'Registry::HKEY_LOCAL_MACHINE\Cluster\Resources'
if (Test-Path -LiteralPath $clusterRoot) {
    foreach ($res in @(Get-ChildItem -LiteralPath $clusterRoot -ErrorAction SilentlyContinue)) {
        $cidRoot = $res.PSPath + '\MSDTCPRIVATE\CID'
        if (Test-Path -LiteralPath $cidRoot) { [void]$roots.Add(@(('cluster:' + [string]$res.PSChildName), $cidRoot)) }
    }
}
foreach ($pair in $roots) {
    if (-not (Test-Path -LiteralPath $pair[1])) { continue }
    foreach ($key in @(Get-ChildItem -LiteralPath $pair[1] -ErrorAction SilentlyContinue)) {
        $desc = Get-SsoRegValue ($key.PSPath + '\Description') '(default)'
        if ($null -ne $desc -and ($wanted -contains [string]$desc)) {
            $entry = @{ cid = [string]$key.PSChildName; description = [string]$desc }
            if ($pair[0] -ne 'local') { $entry['instance'] = [string]$pair[0] }
            [void]$list.Add($entry)
        }
    }
}
$value = @($list.ToArray())
"""

    @classmethod
    def parse(cls, raw: Any) -> list[CidEntry]:
        entries = []
        for i, item in enumerate(as_list(raw, cls.name)):
            item = expect_type(item, dict, f"{cls.name}[{i}]")
            cid = opt_str(item.get("cid"), f"{cls.name}[{i}].cid")
            desc = opt_str(item.get("description"), f"{cls.name}[{i}].description")
            if not cid or not desc:
                raise FactParseError(f"{cls.name}[{i}]: cid and description are required")
            instance = opt_str(item.get("instance"), f"{cls.name}[{i}].instance") or LOCAL
            if instance != LOCAL and not instance.startswith("cluster:"):
                raise FactParseError(f"{cls.name}[{i}].instance: expected 'local' or 'cluster:<id>', got {instance!r}")
            entries.append(CidEntry(cid.strip("{}").lower(), desc.upper(), instance.lower()))
        return entries
