"""Windows services relevant to SSO: ENTSSO and MSDTC (state, start mode, logon account)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

SID_TEXT = re.compile(r"^S-1-\d+(-\d+)+$", re.I)


@dataclass(frozen=True)
class ServiceInfo:
    """One Win32_Service instance."""

    name: str
    state: str
    start_mode: str
    account: str
    path: str | None = None
    process_id: int | None = None
    # The logon account's SID as the node translates it (LSA, local: no second hop); None when it cannot.
    account_sid: str | None = None


class Services(Fact[dict[str, ServiceInfo]]):
    """Win32_Service for ENTSSO and MSDTC, read with Get-WmiObject (Get-CimInstance needs PowerShell 3).

    A service that is not installed is simply absent. The logon account (StartName) is also translated to
    its SID on the node, so checks compare identities, not spellings (``CORP\\svc`` and ``svc@corp.example.com``
    are one account); the translation goes through the node's LSA and secure channel, not a second hop.
    Raw value: a list of ``{"name", "state", "start_mode", "account", "account_sid", "path", "process_id"}``;
    ``account_sid`` is null when the name does not translate (LocalSystem, an unknown account) and absent
    in snapshots taken before it existed.
    """

    name = "services"
    description = "ENTSSO and MSDTC services: state, start mode, logon account"
    script = r"""
$list = New-Object System.Collections.ArrayList
foreach ($svcName in @('ENTSSO', 'MSDTC')) {
    $svc = Get-WmiObject -Class Win32_Service -Filter ("Name='" + $svcName + "'")
    if ($null -ne $svc) {
        $accountSid = $null
        try {
            if ($svc.StartName) {
                $accountSid = (New-Object System.Security.Principal.NTAccount([string]$svc.StartName)).Translate([System.Security.Principal.SecurityIdentifier]).Value
            }
        } catch { $accountSid = $null }
        [void]$list.Add(@{
            name = [string]$svc.Name
            state = [string]$svc.State
            start_mode = [string]$svc.StartMode
            account = [string]$svc.StartName
            account_sid = $accountSid
            path = [string]$svc.PathName
            process_id = [int]$svc.ProcessId
        })
    }
}
$value = @($list.ToArray())
"""

    @classmethod
    def parse(cls, raw: Any) -> dict[str, ServiceInfo]:
        out: dict[str, ServiceInfo] = {}
        for i, item in enumerate(as_list(raw, cls.name)):
            where = f"{cls.name}[{i}]"
            item = expect_type(item, dict, where)
            name = opt_str(item.get("name"), f"{where}.name")
            if not name:
                raise FactParseError(f"{where}: name is required")
            pid = item.get("process_id")
            out[name.upper()] = ServiceInfo(
                name=name.upper(),
                state=opt_str(item.get("state"), f"{where}.state") or "",
                start_mode=opt_str(item.get("start_mode"), f"{where}.start_mode") or "",
                account=opt_str(item.get("account"), f"{where}.account") or "",
                path=opt_str(item.get("path"), f"{where}.path"),
                process_id=int(pid) if isinstance(pid, int) and not isinstance(pid, bool) else None,
                account_sid=_sid(item.get("account_sid"), f"{where}.account_sid"),
            )
        return out


def _sid(raw: Any, where: str) -> str | None:
    """An upper-case SID, or None when absent; anything else that is not a SID is malformed."""
    text = opt_str(raw, where)
    if not text:
        return None
    if not SID_TEXT.match(text.strip()):
        raise FactParseError(f"{where}: not a SID: {text!r}")
    return text.strip().upper()
