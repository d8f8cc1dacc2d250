"""BizTalk Server installation facts (product version and edition)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, expect_type, opt_str


@dataclass(frozen=True)
class BizTalkInstall:
    """``HKLM\\SOFTWARE\\Microsoft\\BizTalk Server\\3.0``: absent on SSO-only cluster nodes (installed False).

    ``installed`` is True only when the key holds a ``ProductVersion``.
    """

    installed: bool
    product_version: str | None = None
    product_edition: str | None = None
    install_path: str | None = None


class BizTalkRegistry(Fact[BizTalkInstall]):
    """BizTalk Server ``ProductVersion``, ``ProductEdition`` and ``InstallPath`` from the registry.

    Documented key: ``HKLM\\SOFTWARE\\Microsoft\\BizTalk Server\\3.0`` (what-version-of-biztalk-server-do-i-have);
    the Wow6432Node view is read when the native one is absent (older 32-bit installs). Raw value: null
    when neither key exists, else ``{"product_version", "product_edition", "install_path"}``.
    """

    name = "biztalk_registry"
    description = "BizTalk Server version, edition and install path (registry)"
    script = r"""
$value = $null
foreach ($root in @('Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\BizTalk Server\3.0', 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\BizTalk Server\3.0')) {
    if ($null -eq $value -and (Test-Path -LiteralPath $root)) {
        $value = @{
            product_version = Get-SsoRegValue $root 'ProductVersion'
            product_edition = Get-SsoRegValue $root 'ProductEdition'
            install_path = Get-SsoRegValue $root 'InstallPath'
        }
    }
}
"""

    @classmethod
    def parse(cls, raw: Any) -> BizTalkInstall:
        if raw is None:
            return BizTalkInstall(installed=False)
        doc = expect_type(raw, dict, cls.name)
        version = opt_str(doc.get("product_version"), f"{cls.name}.product_version")
        # A key without ProductVersion is what an uninstall leaves behind: not an installed product.
        return BizTalkInstall(
            installed=bool(version and version.strip()),
            product_version=version.strip() if version and version.strip() else None,
            product_edition=opt_str(doc.get("product_edition"), f"{cls.name}.product_edition"),
            install_path=opt_str(doc.get("install_path"), f"{cls.name}.install_path"),
        )
