"""User rights assignment of a node (secedit export), for "Log on as a service" and its deny twin."""

from __future__ import annotations

from typing import Any

from ssocheck.facts.base import Fact, FactParseError, expect_type
from ssocheck.parsers.secedit import SeceditFormatError, parse_user_rights


class UserRights(Fact[dict[str, list[str]]]):
    """The node's user rights assignment: ``secedit /export /areas USER_RIGHTS`` (local policy as applied).

    secedit only exports to a file, so the snippet writes to a fresh file from ``GetTempFileName()``
    (the one write any ssocheck probe does: its own temp file), reads it as UTF-16 (what secedit writes)
    and deletes it in a ``finally``. Entries are ``*SID``, bare names or ``DOMAIN\\name``, as exported;
    groups are not expanded (see SSO003). Raw value: the INF text.
    """

    name = "user_rights"
    description = "User rights assignment (secedit /export /areas USER_RIGHTS)"
    script = r"""
$tmp = [System.IO.Path]::GetTempFileName()
try {
    $secedit = [System.IO.Path]::Combine([Environment]::SystemDirectory, 'secedit.exe')
    $said = & { $ErrorActionPreference = 'Continue'; & $secedit /export /areas USER_RIGHTS /cfg $tmp /quiet 2>&1 }
    $code = $LASTEXITCODE
    if ($code -ne 0) {
        throw ('secedit /export failed with exit code ' + $code + ': ' + [string]::Join(' ', [string[]]@($said)))
    }
    $value = [System.IO.File]::ReadAllText($tmp, [System.Text.Encoding]::Unicode)
} finally {
    [System.IO.File]::Delete($tmp)
}
"""

    @classmethod
    def parse(cls, raw: Any) -> dict[str, list[str]]:
        text = expect_type(raw, str, cls.name)
        try:
            return parse_user_rights(text)
        except SeceditFormatError as exc:
            raise FactParseError(f"{cls.name}: {exc}") from exc
