"""MSDTC network security settings of the local DTC and of every clustered DTC instance (domain.md §2).

Read from the registry rather than with ``Get-DtcNetworkSetting``: the MsDtc module does not exist
on Windows Server 2008 R2, and the registry is what the cmdlet reports anyway (MS-CMOM §2.2.3).

* Local DTC: ``HKLM\\SOFTWARE\\Microsoft\\MSDTC\\Security`` (the nine Security DWORDs) and
  ``HKLM\\SOFTWARE\\Microsoft\\MSDTC`` (the RPC DWORDs that give the authentication level).
* Clustered DTC: the same two keys below
  ``HKLM\\Cluster\\Resources\\<resource id>\\MSDTCPRIVATE\\MSDTC`` (cluster hive, present on the cluster
  nodes only). The resource key's ``Name`` value names the instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str

# The Security DWORDs with their spec defaults when the value is absent (MS-CMOM §2.2.3.2-2.2.3.4):
# everything is off by default except LU transactions.
SECURITY_DEFAULTS: dict[str, int] = {
    "NetworkDtcAccess": 0,
    "NetworkDtcAccessTransactions": 0,
    "NetworkDtcAccessInbound": 0,
    "NetworkDtcAccessOutbound": 0,
    "NetworkDtcAccessClients": 0,
    "NetworkDtcAccessAdmin": 0,
    "NetworkDtcAccessTip": 0,
    "XaTransactions": 0,
    "LuTransactions": 1,
}
SECURITY_VALUES = tuple(SECURITY_DEFAULTS)

# RPC security values in the MSDTC key itself, with their defaults when absent.
RPC_DEFAULTS: dict[str, int] = {
    "AllowOnlySecureRpcCalls": 1,
    "FallbackToUnsecureRPCIfNecessary": 0,
    "TurnOffRpcSecurity": 0,
}
RPC_VALUES = tuple(RPC_DEFAULTS)

# Names of Get-DtcNetworkSetting's AuthenticationLevel, which the RPC values map to.
MUTUAL = "Mutual"
INCOMING = "Incoming"
NO_AUTH = "NoAuth"
AUTH_LEVEL = "AuthenticationLevel"


def authentication_level(rpc: dict[str, int | None]) -> str:
    """The DTC RPC authentication level from the three RPC DWORDs (MS-CMOM §3.3.1.2.3).

    AllowOnlySecureRpcCalls missing or non-zero: Mutual; else FallbackToUnsecureRPCIfNecessary
    non-zero: Incoming; else TurnOffRpcSecurity non-zero: NoAuth; else the implementation default,
    which is Mutual on every supported Windows version.
    """
    allow_only_secure = rpc.get("AllowOnlySecureRpcCalls")
    if allow_only_secure is None or allow_only_secure != 0:
        return MUTUAL
    if rpc.get("FallbackToUnsecureRPCIfNecessary"):
        return INCOMING
    if rpc.get("TurnOffRpcSecurity"):
        return NO_AUTH
    return MUTUAL


@dataclass(frozen=True)
class DtcInstance:
    """The security configuration of one DTC instance (the local one or a clustered resource)."""

    kind: str  # "local" or "clustered"
    resource_id: str = ""
    resource_name: str = ""
    key_present: bool = True  # the instance's MSDTC key exists at all
    security_present: bool = True  # its Security sub-key exists
    security: dict[str, int | None] = field(default_factory=dict)  # raw DWORDs; None = value absent
    rpc: dict[str, int | None] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How reports name this instance: 'local DTC' or 'clustered DTC <resource name>'."""
        if self.kind == "local":
            return "local DTC"
        return f"clustered DTC {self.resource_name or self.resource_id}"

    def effective(self) -> dict[str, int | str]:
        """The nine Security values with spec defaults applied, plus the derived AuthenticationLevel."""
        out: dict[str, int | str] = {}
        for name, default in SECURITY_DEFAULTS.items():
            raw = self.security.get(name)
            out[name] = default if raw is None else raw
        out[AUTH_LEVEL] = authentication_level(self.rpc)
        return out

    def rpc_effective(self) -> dict[str, int]:
        """The three RPC values with their defaults applied (for evidence)."""
        out: dict[str, int] = {}
        for name, default in RPC_DEFAULTS.items():
            raw = self.rpc.get(name)
            out[name] = default if raw is None else raw
        return out


@dataclass(frozen=True)
class MsdtcSecurityState:
    """The local DTC instance and the clustered ones visible on a node."""

    local: DtcInstance
    clustered: tuple[DtcInstance, ...] = ()

    @property
    def instances(self) -> tuple[DtcInstance, ...]:
        """Local first, then the clustered instances."""
        return (self.local, *self.clustered)


def _dword(raw: Any, where: str) -> int | None:
    """A REG_DWORD as read by Get-ItemProperty: an integer, or null when the value is absent."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise FactParseError(f"{where}: expected a DWORD, got a boolean")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        # A value written as REG_SZ instead of REG_DWORD: MSDTC ignores it, but show what is there.
        return int(raw.strip())
    raise FactParseError(f"{where}: expected a DWORD, got {type(raw).__name__}")


def _dwords(raw: Any, names: tuple[str, ...], where: str) -> dict[str, int | None]:
    doc = expect_type(raw, dict, where)
    # Registry value names are case-insensitive; match them that way.
    lowered = {str(k).lower(): v for k, v in doc.items()}
    return {name: _dword(lowered.get(name.lower()), f"{where}.{name}") for name in names}


class MsdtcSecurity(Fact[MsdtcSecurityState]):
    """MSDTC network security DWORDs and RPC authentication values, local and clustered DTC.

    Raw value: a list with one entry per DTC instance, the local one first::

        {"kind": "local" | "clustered", "resource_id": "<guid or ''>", "resource_name": "<Name or ''>",
         "key_present": true, "security": {"NetworkDtcAccess": 1, ...} | null,
         "rpc": {"AllowOnlySecureRpcCalls": 1 | null, "FallbackToUnsecureRPCIfNecessary": ..,
                 "TurnOffRpcSecurity": ..}}

    ``security`` is null when the Security key does not exist; an absent value is null. Exactly one
    ``local`` entry is required.
    """

    name = "msdtc_security"
    description = "MSDTC network security (Security DWORDs, RPC authentication) of the local and clustered DTC"
    script = r"""
$secNames = @('NetworkDtcAccess', 'NetworkDtcAccessTransactions', 'NetworkDtcAccessInbound', 'NetworkDtcAccessOutbound', 'NetworkDtcAccessClients', 'NetworkDtcAccessAdmin', 'NetworkDtcAccessTip', 'XaTransactions', 'LuTransactions')
$rpcNames = @('AllowOnlySecureRpcCalls', 'FallbackToUnsecureRPCIfNecessary', 'TurnOffRpcSecurity')
$bases = New-Object System.Collections.ArrayList
[void]$bases.Add(@{ kind = 'local'; id = ''; name = ''; path = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\MSDTC' })
$clusterRoot = 'Registry::HKEY_LOCAL_MACHINE\Cluster\Resources'
if (Test-Path -LiteralPath $clusterRoot) {
    foreach ($res in @(Get-ChildItem -LiteralPath $clusterRoot -ErrorAction SilentlyContinue)) {
        $dtcPath = $res.PSPath + '\MSDTCPRIVATE\MSDTC'
        if (Test-Path -LiteralPath $dtcPath) {
            $resName = Get-SsoRegValue $res.PSPath 'Name'
            [void]$bases.Add(@{ kind = 'clustered'; id = [string]$res.PSChildName; name = [string]$resName; path = $dtcPath })
        }
    }
}
$instances = New-Object System.Collections.ArrayList
foreach ($b in $bases) {
    $secPath = $b.path + '\Security'
    $security = $null
    if (Test-Path -LiteralPath $secPath) {
        $security = @{}
        foreach ($n in $secNames) { $security[$n] = Get-SsoRegValue $secPath $n }
    }
    $rpc = @{}
    foreach ($n in $rpcNames) { $rpc[$n] = Get-SsoRegValue $b.path $n }
    $present = Test-Path -LiteralPath $b.path
    [void]$instances.Add(@{ kind = $b.kind; resource_id = $b.id; resource_name = $b.name; key_present = $present; security = $security; rpc = $rpc })
}
$value = @($instances.ToArray())
"""

    @classmethod
    def parse(cls, raw: Any) -> MsdtcSecurityState:
        local: DtcInstance | None = None
        clustered: list[DtcInstance] = []
        for i, item in enumerate(as_list(raw, cls.name)):
            where = f"{cls.name}[{i}]"
            doc = expect_type(item, dict, where)
            kind = opt_str(doc.get("kind"), f"{where}.kind")
            if kind not in ("local", "clustered"):
                raise FactParseError(f"{where}.kind: expected 'local' or 'clustered', got {kind!r}")
            security_raw = doc.get("security")
            present = doc.get("key_present", True)
            instance = DtcInstance(
                kind=kind,
                resource_id=(opt_str(doc.get("resource_id"), f"{where}.resource_id") or "").strip("{}").lower(),
                resource_name=opt_str(doc.get("resource_name"), f"{where}.resource_name") or "",
                key_present=bool(expect_type(present, bool, f"{where}.key_present")),
                security_present=security_raw is not None,
                security=_dwords(security_raw or {}, SECURITY_VALUES, f"{where}.security"),
                rpc=_dwords(doc.get("rpc") or {}, RPC_VALUES, f"{where}.rpc"),
            )
            if kind == "local":
                if local is not None:
                    raise FactParseError(f"{where}: more than one local DTC entry")
                local = instance
            else:
                clustered.append(instance)
        if local is None:
            raise FactParseError(f"{cls.name}: no local DTC entry")
        return MsdtcSecurityState(local, tuple(clustered))
