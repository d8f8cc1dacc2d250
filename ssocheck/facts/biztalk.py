"""BizTalk Server installation facts (product version and edition) and the host instance services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str


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


# --------------------------------------------------------------------------- host instance services


@dataclass(frozen=True)
class HostService:
    """One BizTalk host instance service (``BTSSvc$<host>``) as the node's service manager sees it."""

    name: str
    state: str
    start_mode: str
    account: str
    delayed_autostart: bool = False

    @property
    def host(self) -> str:
        """The BizTalk host name (the part after ``BTSSvc$``)."""
        return self.name.split("$", 1)[1] if "$" in self.name else self.name


class BizTalkHostServices(Fact[list[HostService]]):
    """The BizTalk host instance services of this node: ``Win32_Service`` named ``BTSSvc$*``.

    Read from the node's own service manager (WMI ``root\\cimv2``, local), not from BizTalk's WMI provider
    (``root\\MicrosoftBizTalkServer`` reads BizTalkMgmtDb: a second hop). WQL ``LIKE`` treats only ``%``,
    ``_`` and ``[`` as wildcards, so ``'BTSSvc$%'`` matches the ``$`` literally. ``delayed_autostart`` is the
    service key's ``DelayedAutostart`` value (Automatic (Delayed Start), which Microsoft recommends for
    services depending on ENTSSO). Raw value: a list of ``{"name", "state", "start_mode", "account",
    "delayed_autostart"}``; an empty list when no host instance is installed.
    """

    name = "biztalk_host_services"
    description = "BizTalk host instance services (BTSSvc$*): state, start mode, delayed start"
    script = r"""
$list = New-Object System.Collections.ArrayList
foreach ($svc in @(Get-WmiObject -Class Win32_Service -Filter 'Name LIKE ''BTSSvc$%''')) {
    if ($null -eq $svc) { continue }
    $key = 'Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\' + [string]$svc.Name
    $delayed = Get-SsoRegValue $key 'DelayedAutostart'
    [void]$list.Add(@{
        name = [string]$svc.Name
        state = [string]$svc.State
        start_mode = [string]$svc.StartMode
        account = [string]$svc.StartName
        delayed_autostart = ($null -ne $delayed -and [int]$delayed -eq 1)
    })
}
$value = @($list.ToArray())
"""

    @classmethod
    def parse(cls, raw: Any) -> list[HostService]:
        out = []
        for i, item in enumerate(as_list(raw, cls.name)):
            where = f"{cls.name}[{i}]"
            doc = expect_type(item, dict, where)
            name = opt_str(doc.get("name"), f"{where}.name")
            if not name or not name.lower().startswith("btssvc$"):
                raise FactParseError(f"{where}.name: expected a BTSSvc$<host> service name, got {name!r}")
            delayed = doc.get("delayed_autostart", False)
            if not isinstance(delayed, bool):
                raise FactParseError(f"{where}.delayed_autostart: expected a boolean, got {delayed!r}")
            out.append(HostService(
                name=name,
                state=opt_str(doc.get("state"), f"{where}.state") or "",
                start_mode=opt_str(doc.get("start_mode"), f"{where}.start_mode") or "",
                account=opt_str(doc.get("account"), f"{where}.account") or "",
                delayed_autostart=delayed,
            ))
        return sorted(out, key=lambda s: s.name.lower())
