"""User rights assignment of a node (secedit export), for "Log on as a service" and its deny twin."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str
from ssocheck.parsers.secedit import SeceditFormatError, parse_user_rights


@dataclass(frozen=True)
class UserRightsAssignment:
    """The parsed ``user_rights`` fact: right name (as exported, e.g. ``SeServiceLogonRight``) -> its entries.

    An entry is what secedit exported: ``*SID``, ``DOMAIN\\name`` or a bare, possibly localised name.
    Checks ask :meth:`entries`; how the INF text is parsed stays behind the fact.
    """

    rights: Mapping[str, tuple[str, ...]]

    def entries(self, right: str) -> list[str]:
        """The entries of ``right`` (case-insensitive name); empty when the right is assigned to nobody."""
        wanted = right.lower()
        for name, values in self.rights.items():
            if name.lower() == wanted:
                return list(values)
        return []


def _secedit_export(read: str) -> str:
    """The snippet part both facts share: ``secedit /export`` of the user rights to a fresh temp file (the one
    write any ssocheck probe does: its own temp file), the PowerShell line ``read`` that reads it (UTF-16, what
    secedit writes), and the file deleted in a ``finally``."""
    return r"""
# %TEMP% of a WinRM shell opened without a profile (pywinrm sends WINRS_NOPROFILE) may not exist for an account that
# never logged on there: then %windir%\Temp, which administrators (secedit needs one) may write.
try { $tmp = [System.IO.Path]::GetTempFileName() } catch {
    $tmp = [System.IO.Path]::Combine([System.IO.Path]::Combine([string]$env:windir, 'Temp'), 'ssocheck-' + [Guid]::NewGuid().ToString('N', $SsoInv) + '.inf')
}
try {
    $secedit = [System.IO.Path]::Combine([Environment]::SystemDirectory, 'secedit.exe')
    $said = & { $ErrorActionPreference = 'Continue'; & $secedit /export /areas USER_RIGHTS /cfg $tmp /quiet 2>&1 }
    $code = $LASTEXITCODE
    if ($code -ne 0) {
        throw ('secedit /export failed with exit code ' + $code + ': ' + [string]::Join(' ', [string[]]@($said)))
    }
""" + "    " + read + "\n" + r"""} finally {
    [System.IO.File]::Delete($tmp)
}
"""


class UserRights(Fact[UserRightsAssignment]):
    """The node's user rights assignment: ``secedit /export /areas USER_RIGHTS`` (local policy as applied).

    secedit only exports to a file, so the snippet writes to a fresh file from ``GetTempFileName()``
    (the one write any ssocheck probe does: its own temp file), reads it as UTF-16 (what secedit writes)
    and deletes it in a ``finally``. Entries are ``*SID``, bare names or ``DOMAIN\\name``, as exported;
    groups are not expanded (see SSO003). Raw value: the INF text.
    """

    name = "user_rights"
    description = "User rights assignment (secedit /export /areas USER_RIGHTS)"
    script = _secedit_export("$value = [System.IO.File]::ReadAllText($tmp, [System.Text.Encoding]::Unicode)")

    @classmethod
    def parse(cls, raw: Any) -> UserRightsAssignment:
        text = expect_type(raw, str, cls.name)
        try:
            rights = parse_user_rights(text)
        except SeceditFormatError as exc:
            raise FactParseError(f"{cls.name}: {exc}") from exc
        return UserRightsAssignment({name: tuple(values) for name, values in rights.items()})


# --------------------------------------------------------------------------- logon right accounts

LOGON_RIGHTS = ("SeServiceLogonRight", "SeDenyServiceLogonRight")
_SID = re.compile(r"^S-1-\d+(-\d+)+$", re.I)


@dataclass(frozen=True)
class RightHolder:
    """One entry of a logon right as the node's LSA translates it.

    ``entry`` is the text secedit exported (``*S-1-...``, ``DOMAIN\\name`` or a bare, possibly localised
    name such as ``Jeder``); ``sid`` and ``name`` are what the node translated it to, each None when the
    translation failed (a deleted account, a name from another language, an unreachable trusted domain).
    """

    entry: str
    sid: str | None
    name: str | None

    @property
    def resolved(self) -> bool:
        """The node knows both the SID and the name: the entry denotes an existing account or group."""
        return bool(self.sid and self.name)


class LogonRightAccounts(Fact[dict[str, list[RightHolder]]]):
    """The holders of "Log on as a service" and "Deny log on as a service", translated on the node.

    secedit exports entries as ``*SID`` or as names in the machine's language ("Jeder", "Tout le monde",
    "VORDEFINIERT\\Benutzer"): only the node can say which SID a localised name means and whether a SID
    still resolves. The snippet exports the user rights like ``user_rights`` (its own temp file, deleted
    in a ``finally``) and translates each entry of the two logon rights through LSA
    (``NTAccount.Translate`` / ``SecurityIdentifier.Translate``): local, over the node's secure channel,
    no second hop. Raw value::

        {"SeServiceLogonRight": [{"entry": "*S-1-5-80-0", "sid": "S-1-5-80-0", "name": "NT SERVICE\\ALL SERVICES"}],
         "SeDenyServiceLogonRight": [{"entry": "Jeder", "sid": "S-1-1-0", "name": "Jeder"}]}

    ``sid`` / ``name`` are null when the translation failed; a right nobody holds is an empty list.
    """

    name = "logon_right_accounts"
    description = "Holders of (Deny) Log on as a service, translated to SIDs and names on the node (LSA)"
    script = _secedit_export("$lines = [System.IO.File]::ReadAllLines($tmp, [System.Text.Encoding]::Unicode)") + r"""$value = @{}
foreach ($right in @('SeServiceLogonRight', 'SeDenyServiceLogonRight')) {
    $holders = New-Object System.Collections.ArrayList
    foreach ($line in $lines) {
        $eq = $line.IndexOf('=')
        if ($eq -lt 1) { continue }
        if (-not [string]::Equals($line.Substring(0, $eq).Trim(), $right, [System.StringComparison]::OrdinalIgnoreCase)) { continue }
        foreach ($part in $line.Substring($eq + 1).Split(',')) {
            $entry = $part.Trim().Trim('"').Trim()
            if (-not $entry) { continue }
            $sid = $null
            $name = $null
            if ($entry.StartsWith('*')) {
                $sid = $entry.Substring(1)
                try { $name = (New-Object System.Security.Principal.SecurityIdentifier($sid)).Translate([System.Security.Principal.NTAccount]).Value } catch { $name = $null }
            } else {
                $name = $entry
                try { $sid = (New-Object System.Security.Principal.NTAccount($entry)).Translate([System.Security.Principal.SecurityIdentifier]).Value } catch { $sid = $null; $name = $null }
            }
            [void]$holders.Add(@{ entry = $entry; sid = $sid; name = $name })
        }
    }
    $value[$right] = @($holders.ToArray())
}
"""

    @classmethod
    def parse(cls, raw: Any) -> dict[str, list[RightHolder]]:
        doc = expect_type(raw, dict, cls.name)
        out: dict[str, list[RightHolder]] = {}
        for right in LOGON_RIGHTS:
            holders = []
            for i, item in enumerate(as_list(doc.get(right), f"{cls.name}.{right}")):
                where = f"{cls.name}.{right}[{i}]"
                h = expect_type(item, dict, where)
                entry = opt_str(h.get("entry"), f"{where}.entry")
                if not entry:
                    raise FactParseError(f"{where}: 'entry' is required")
                sid = opt_str(h.get("sid"), f"{where}.sid")
                if sid and not _SID.match(sid.strip()):
                    raise FactParseError(f"{where}.sid: not a SID: {sid!r}")
                holders.append(RightHolder(entry.strip(), sid.strip().upper() if sid else None,
                                           opt_str(h.get("name"), f"{where}.name") or None))
            out[right] = holders
        return out
