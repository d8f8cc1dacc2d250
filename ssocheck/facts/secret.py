"""The master secret on a node: the GUID sub-key names under HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS.

"There should be one or more keys under SSOSS named as GUIDs which contain the encrypted keys. If
these are not present then the master secret is not present" (domain.md §8). The GUID is the MSID
(two are typical: current and previous). The values are the encrypted secret, bound to the node
and the service account: they are never read, only the key names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$")


def normalize_guid(text: str) -> str:
    """A GUID without braces, lower-case (MSIDs appear with and without braces in events)."""
    return text.strip().strip("{}").lower()


@dataclass(frozen=True)
class SecretKeyInfo:
    """Whether the SSOSS key exists and the names of its sub-keys (normalised GUIDs, sorted)."""

    present: bool
    keys: tuple[str, ...]
    other_keys: tuple[str, ...] = ()  # sub-keys that are not GUIDs (unexpected; shown as evidence)

    @property
    def guids(self) -> frozenset[str]:
        """The MSIDs held by this node."""
        return frozenset(self.keys)

    @property
    def has_secret(self) -> bool:
        """True when at least one MSID key is present."""
        return bool(self.keys)


class SecretKeys(Fact[SecretKeyInfo]):
    """Sub-key names of HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS (the master secret; names only, never values).

    The 64-bit ENTSSO writes the native view; the Wow6432Node view is read when the native key is absent
    (a 32-bit SSO install, review probe.md D8). Raw value: ``{"present": bool, "keys": ["<guid>", ...],
    "view": "native" | "wow6432" | null}``. An unreadable key (access denied) makes the fact fail rather
    than look empty.
    """

    name = "sso_secret_keys"
    description = "Master secret key names under HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS (not the values)"
    script = r"""
$keys = New-Object System.Collections.ArrayList
$present = $false
$view = $null
$views = @(@('native', 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ENTSSO\SSOSS'), @('wow6432', 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\ENTSSO\SSOSS'))
foreach ($pair in $views) {
    if (-not $present -and (Test-Path -LiteralPath $pair[1])) {
        $present = $true
        $view = $pair[0]
        foreach ($k in @(Get-ChildItem -LiteralPath $pair[1])) { [void]$keys.Add([string]$k.PSChildName) }
    }
}
$value = @{ present = $present; keys = @($keys.ToArray()); view = $view }
"""

    @classmethod
    def parse(cls, raw: Any) -> SecretKeyInfo:
        doc = expect_type(raw, dict, cls.name)
        present = doc.get("present")
        if not isinstance(present, bool):
            raise FactParseError(f"{cls.name}.present: expected a boolean, got {present!r}")
        names = [opt_str(k, f"{cls.name}.keys[]") or "" for k in as_list(doc.get("keys"), cls.name)]
        if names and not present:
            raise FactParseError(f"{cls.name}: sub-keys listed but the SSOSS key is reported absent")
        guids = sorted({normalize_guid(n) for n in names if _GUID.match(n.strip())})
        others = sorted(n for n in names if not _GUID.match(n.strip()))
        return SecretKeyInfo(present, tuple(guids), tuple(others))
