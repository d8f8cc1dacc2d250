"""MSDTC facts: contact CIDs (cloned images share them) and network security settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

MSDTC_DESCRIPTIONS = ("MSDTC", "MSDTCUIS", "MSDTCTIPGW", "MSDTCXATM")


@dataclass(frozen=True)
class CidEntry:
    """One MSDTC contact key: HKLM\\SOFTWARE\\Classes\\CID\\<cid> with Description (Default) = description."""

    cid: str
    description: str


class MsdtcCids(Fact[list[CidEntry]]):
    """MSDTC contact CIDs with their descriptions (MS-CMOM 2.2.3.5).

    Read from HKLM\\SOFTWARE\\Classes\\CID rather than HKCR so that a per-user HKCU\\Software\\Classes
    overlay of the WinRM account cannot hide or fake an entry. Raw value: a list of
    ``{"cid": "<guid>", "description": "MSDTC|MSDTCUIS|MSDTCTIPGW|MSDTCXATM"}``.
    """

    name = "msdtc_cids"
    description = "MSDTC contact CIDs (HKLM\\SOFTWARE\\Classes\\CID)"
    script = r"""
$wanted = @('MSDTC', 'MSDTCUIS', 'MSDTCTIPGW', 'MSDTCXATM')
$list = New-Object System.Collections.ArrayList
$root = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CID'
if (Test-Path -LiteralPath $root) {
    foreach ($key in @(Get-ChildItem -LiteralPath $root -ErrorAction SilentlyContinue)) {
        $desc = Get-SsoRegValue ($key.PSPath + '\Description') '(default)'
        if ($null -ne $desc -and ($wanted -contains [string]$desc)) {
            [void]$list.Add(@{ cid = [string]$key.PSChildName; description = [string]$desc })
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
            entries.append(CidEntry(cid.strip("{}").lower(), desc.upper()))
        return entries
