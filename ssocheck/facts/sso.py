"""Enterprise SSO facts: installed components and SQL pointer (registry), the SSO database as
``ssomanage -displaydb`` shows it, the service account's AD groups, and master secret backup files.

None of these reads a secret: the SSOSS key (the master secret itself) belongs to the
``sso_secret_keys`` fact, which reads key names only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ssocheck.facts.base import Fact, FactParseError, as_list, expect_type, opt_str
from ssocheck.parsers.ssomanage import parse_displaydb

ENTSSO_FOLDER = "Enterprise Single Sign-On"
SID_TEXT = re.compile(r"^S-1-\d+(-\d+)+$", re.I)


def version_key(version: str | None) -> tuple[int, ...] | None:
    """``"10.0.1000.0"`` -> ``(10, 0, 1000, 0)`` for ordering; None when it is not a dotted number."""
    if not version:
        return None
    parts = version.strip().split(".")
    if not all(p.isdigit() for p in parts):
        return None
    key = [int(p) for p in parts]
    while len(key) > 1 and key[-1] == 0:
        key.pop()  # 10.0 == 10.0.0.0
    return tuple(key)


def same_version(a: str | None, b: str | None) -> bool:
    """Equal versions, numerically when both are dotted numbers, else as case-insensitive text."""
    ka, kb = version_key(a), version_key(b)
    if ka is not None and kb is not None:
        return ka == kb
    return (a or "").strip().lower() == (b or "").strip().lower()


# --------------------------------------------------------------------------- ENTSSO registry


@dataclass(frozen=True)
class EntssoConfig:
    """What the ENTSSO registry key says about this node's SSO installation.

    ``installed_server`` / ``installed_admin``: the ``Server`` / ``Administration`` version values exist
    (KB 2908466: they name the installed SSO Server and Administration components and their version).
    ``sql_server`` / ``sql_database``: ``ENTSSO\\SQL`` ``Server`` and ``Database``, the SSO database this
    SSO server uses (absent until SSO is configured).
    """

    installed_server: bool
    installed_admin: bool
    server_version: str | None
    admin_version: str | None
    sql_server: str | None
    sql_database: str | None

    @property
    def installed(self) -> bool:
        """Any SSO component is installed."""
        return self.installed_server or self.installed_admin


class EntssoRegistry(Fact[EntssoConfig]):
    """ENTSSO registry values in both registry views (64-bit and Wow6432Node).

    KB 2908466 documents the version values under Wow6432Node, the SSO tools read ``ENTSSO\\SQL`` in the
    native view; which view holds what differs by version, so both are read and the native one wins.
    Never reads ``ENTSSO\\SSOSS`` (the master secret). Raw value::

        {"native": null | {"server", "administration", "sql_server", "sql_database"},
         "wow6432": null | {...same keys...}}

    A view is null when its ENTSSO key does not exist; a value is null when it is absent.
    """

    name = "entsso_registry"
    description = "ENTSSO registry: SSO Server/Administration versions and the SSO database (ENTSSO\\SQL)"
    script = r"""
$views = @{ native = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\ENTSSO'; wow6432 = 'Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\ENTSSO' }
$value = @{ native = $null; wow6432 = $null }
foreach ($view in @('native', 'wow6432')) {
    $root = $views[$view]
    if (Test-Path -LiteralPath $root) {
        $value[$view] = @{
            server = Get-SsoRegValue $root 'Server'
            administration = Get-SsoRegValue $root 'Administration'
            sql_server = Get-SsoRegValue ($root + '\SQL') 'Server'
            sql_database = Get-SsoRegValue ($root + '\SQL') 'Database'
        }
    }
}
"""

    @classmethod
    def parse(cls, raw: Any) -> EntssoConfig:
        doc = expect_type(raw, dict, cls.name)
        views: list[dict[str, Any]] = []
        for view in ("native", "wow6432"):
            if view not in doc:
                raise FactParseError(f"{cls.name}: the '{view}' view is missing")
            if doc[view] is not None:
                views.append(expect_type(doc[view], dict, f"{cls.name}.{view}"))

        def first(key: str) -> str | None:
            for i, v in enumerate(views):
                text = opt_str(v.get(key), f"{cls.name}[{i}].{key}")
                if text and text.strip():
                    return text.strip()
            return None

        server, admin = first("server"), first("administration")
        return EntssoConfig(
            installed_server=server is not None,
            installed_admin=admin is not None,
            server_version=server,
            admin_version=admin,
            sql_server=first("sql_server"),
            sql_database=first("sql_database"),
        )


# --------------------------------------------------------------------------- ssomanage -displaydb


@dataclass(frozen=True)
class SsoDbInfo:
    """The SSO database's global information as ``ssomanage -displaydb`` shows it on this node.

    ``error`` is set (and the other values may be None) when ssomanage could not answer: the SSO server
    it uses is unreachable (``0xC0002A0F``), the caller is not an SSO administrator (``0xC0002A13``), or
    the SSO administration tools are not installed. ``using_server`` is the SSO server ssomanage used.
    """

    secret_server: str | None
    admin_group: str | None
    affiliate_group: str | None
    sql_server: str | None
    database: str | None
    using_server: str | None
    error: str | None
    # False when ssomanage was not run because ENTSSO does not answer on this node (a second hop otherwise).
    local: bool = True

    @property
    def error_code(self) -> str | None:
        """The first HRESULT (``0xC0002A0F``) in the error message, if any."""
        match = re.search(r"0x[0-9A-Fa-f]{8}", self.error or "")
        return ("0x" + match.group(0)[2:].upper()) if match else None

    @property
    def admin_accounts(self) -> tuple[str, ...]:
        """The SSO Administrators account(s): ``gi_SSOAdminGroup`` may hold several, separated by ';' or ','.

        Neither character can occur in a Windows account name, so splitting on them is safe.
        """
        return tuple(a.strip() for a in re.split(r"[;,]", self.admin_group or "") if a.strip())


# The first words of the error of a node that did not run ssomanage because ENTSSO does not answer locally.
NOT_LOCAL = "not read on this node"


class SsoDatabase(Fact[SsoDbInfo]):
    """``ssomanage.exe -displaydb`` (read-only), run only where ENTSSO answers locally; parsed in Python.

    ssomanage asks the SSO server this node's tools use. When the local ENTSSO service is not running
    (a passive cluster node, a stopped BizTalk node) that server is another computer, and the RPC call
    would be a second hop the WinRM logon cannot make (review probe.md D1/D5): the snippet does not run
    ssomanage there and says so (``not_local``); group checks take the SSO database's values from a
    node that could read them. ssomanage is looked up in the Enterprise Single Sign-On folder of both
    Common Files folders. Raw value: ``{"exit_code": int, "output": text}``;
    ``{"exit_code": null, "output": "", "error": "ssomanage.exe not found ..."}`` without the tools;
    ``{"exit_code": null, "output": "", "not_local": "<why>"}`` when ENTSSO does not answer locally.
    """

    name = "sso_db_info"
    description = "SSO database global info (secret server, admin groups) from ssomanage -displaydb"
    script = r"""
$exe = $null
$folders = @($env:CommonProgramFiles, ${env:CommonProgramFiles(x86)})
foreach ($folder in $folders) {
    if ($null -eq $exe -and $folder) {
        $candidate = [System.IO.Path]::Combine([string]$folder, 'Enterprise Single Sign-On\ssomanage.exe')
        if (Test-Path -LiteralPath $candidate) { $exe = $candidate }
    }
}
$entsso = Get-WmiObject -Class Win32_Service -Filter "Name='ENTSSO'"
if ($null -eq $exe) {
    $value = @{ exit_code = $null; output = ''; error = 'ssomanage.exe not found in Common Files\Enterprise Single Sign-On (SSO administration tools not installed)' }
} elseif ($null -eq $entsso -or [string]$entsso.State -ne 'Running') {
    $state = 'not installed'
    if ($null -ne $entsso) { $state = [string]$entsso.State }
    $value = @{ exit_code = $null; output = ''; not_local = ('the local ENTSSO service is ' + $state + ', so ssomanage would ask a remote SSO server: a second hop this WinRM logon cannot make') }
} else {
    # A child scope with 'Continue': with the probe's 'Stop', the first line ssomanage writes to
    # stderr would abort the fact instead of being captured.
    $lines = & { $ErrorActionPreference = 'Continue'; & $exe -displaydb 2>&1 }
    $code = $LASTEXITCODE
    $text = New-Object System.Collections.ArrayList
    foreach ($line in @($lines)) { [void]$text.Add([string]$line) }
    $value = @{ exit_code = [int]$code; output = [string]::Join([Environment]::NewLine, [string[]]$text.ToArray()) }
}
"""

    @classmethod
    def parse(cls, raw: Any) -> SsoDbInfo:
        doc = expect_type(raw, dict, cls.name)
        tool_error = opt_str(doc.get("error"), f"{cls.name}.error")
        output = opt_str(doc.get("output"), f"{cls.name}.output")
        code = doc.get("exit_code")
        if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
            raise FactParseError(f"{cls.name}.exit_code: expected an integer, got {code!r}")
        if tool_error:
            return SsoDbInfo(None, None, None, None, None, None, tool_error)
        not_local = opt_str(doc.get("not_local"), f"{cls.name}.not_local")
        if not_local:
            return SsoDbInfo(None, None, None, None, None, None, f"{NOT_LOCAL}: {not_local}", local=False)
        if output is None:
            raise FactParseError(f"{cls.name}: 'output' is missing")
        parsed = parse_displaydb(output, code)
        if parsed.unrecognised:
            # Never silent None values: a localised BizTalk or another layout fails the fact, raw text as evidence.
            shown = " | ".join(ln.strip() for ln in output.splitlines() if ln.strip())
            raise FactParseError(f"{cls.name}: {parsed.error} (exit code {code}); raw text: {shown[:600] or '(empty)'}")
        error = parsed.error
        if parsed.error_code == "0xC0002A13":
            # ENTSSO_E_NOT_ADMIN: name the cause and the fix next to the symptom.
            error = (f"{error} (cause: the WinRM account is not an SSO administrator here: add it to the SSO "
                     "Administrators group named in the SSO database, and to the local Administrators group)")
        return SsoDbInfo(
            secret_server=parsed.secret_server,
            admin_group=parsed.admin_group,
            affiliate_group=parsed.affiliate_group,
            sql_server=parsed.sql_server,
            database=parsed.database,
            using_server=parsed.using_server,
            error=error,
        )


# --------------------------------------------------------------------------- service account groups


@dataclass(frozen=True)
class GroupRef:
    """A security group the account belongs to: its SID and the name the node translated it to (or None)."""

    sid: str
    name: str | None


@dataclass(frozen=True)
class AccountGroups:
    """The designated SSO service account and all the groups its logon token holds (nested ones included)."""

    account: str
    sid: str
    groups: tuple[GroupRef, ...]
    # How the groups were read on the node: "s4u" (logon token, see ServiceAccountGroups) or "tokenGroups"
    # (an AD read, in snapshots taken before the S4U probe).
    resolved_by: str = "s4u"

    @property
    def group_sids(self) -> frozenset[str]:
        """Upper-case SIDs of every group."""
        return frozenset(g.sid.upper() for g in self.groups)

    @property
    def group_names(self) -> tuple[str, ...]:
        """The names that could be translated."""
        return tuple(g.name for g in self.groups if g.name)


class ServiceAccountGroups(Fact[AccountGroups]):
    """The SSO service account's SID and every group its logon token holds, nested ones included.

    No second hop (review probe.md D1): the groups come from an S4U logon on the node itself,
    ``New-Object System.Security.Principal.WindowsIdentity(<UPN>)``, the way ENTSSO resolves accounts
    (AuthzInitializeContextFromSid). The node's own machine account asks the domain controller
    (Kerberos S4U2Self), so the WinRM session needs no delegable credentials; the constructor "uses
    LsaLogonUser to retrieve a token for that user" and needs a Windows Server 2003+ domain
    (learn.microsoft.com, WindowsIdentity(String) constructor, .NET 2.0). ``WindowsIdentity.Groups``
    is the token's group list: nested domain groups, universal groups of the forest, and the node's
    own BUILTIN and local groups (which an AD read would not show). Logon-type SIDs of this S4U
    logon (NETWORK, the logon session, the authentication package, asserted identity) say how
    *this* logon happened, not what the service's logon would hold, and are dropped.

    The UPN is the inventory's ``user@dns`` form, else the implicit UPN ``sam@<the node's DNS
    domain>``; the token's user SID must equal the account's SID from ``NTAccount.Translate`` (LSA,
    over the node's secure channel: no second hop either), else the fact throws. Each group SID is
    translated to ``DOMAIN\\name`` on the node (null when it cannot be). Raw value::

        {"account": "CORP\\svc_sso", "sid": "S-1-5-21-...", "resolved_by": "s4u", "upn": "svc_sso@corp.example.com",
         "groups": [{"sid": "S-1-5-21-...", "name": "CORP\\Group"}]}

    ``resolved_by`` ("s4u"; older snapshots have none: AD ``tokenGroups``) records how the groups were
    read, ``upn`` the name the S4U logon used.
    """

    name = "service_account_groups"
    description = "The SSO service account's SID and all its groups (S4U logon token on the node, nested)"
    params = ("sso_service_account",)
    # Everything after the line that reads the account: restore_operator_groups runs the same part for its account.
    s4u_groups = r"""
try {
    $sid = (New-Object System.Security.Principal.NTAccount($account)).Translate([System.Security.Principal.SecurityIdentifier]).Value
} catch {
    throw ('account ' + $account + ' not found: ' + $_.Exception.Message)
}
if ($sid -notmatch '^S-1-[0-9-]+\z') { throw ('unexpected SID for ' + $account + ': ' + $sid) }
# The UPN for the S4U logon: as given, or the implicit UPN sam@<DNS domain of this node>.
$upn = $account
if ($account.Contains('\')) {
    $sam = $account.Substring($account.IndexOf('\') + 1)
    $cs = Get-WmiObject -Class Win32_ComputerSystem
    if (-not $cs.PartOfDomain) { throw ('this node is not in a domain: cannot resolve the groups of ' + $account) }
    $upn = $sam + '@' + [string]$cs.Domain
}
try {
    $s4u = New-Object System.Security.Principal.WindowsIdentity($upn)
} catch {
    throw ('S4U logon for ' + $upn + ' failed (a Kerberos domain controller must answer S4U2Self for this node; an account of another domain than this node''s must be written as its UPN, user@dns.domain, in the inventory): ' + $_.Exception.Message)
}
try {
    if ($s4u.User.Value -ne $sid) { throw ('the S4U logon for ' + $upn + ' is ' + $s4u.User.Value + ', not ' + $account + ' (' + $sid + '): write the account as its UPN (user@dns.domain) in the inventory') }
    # Logon-type SIDs of this S4U logon, not of the service's own logon: NETWORK, INTERACTIVE, BATCH, SERVICE,
    # LOCAL, logon session (S-1-5-5-x-y), authentication package (S-1-5-64-x), asserted identity (S-1-18-x).
    $logonSid = '^(S-1-5-[2346]|S-1-2-0|S-1-2-1|S-1-5-5-.*|S-1-5-64-.*|S-1-18-.*|S-1-16-.*)\z'
    $groups = New-Object System.Collections.ArrayList
    foreach ($g in @($s4u.Groups)) {
        $gsid = [string]$g.Value
        if ($gsid -match $logonSid) { continue }
        $gname = $null
        try { $gname = $g.Translate([System.Security.Principal.NTAccount]).Value } catch { $gname = $null }
        [void]$groups.Add(@{ sid = $gsid; name = $gname })
    }
} finally {
    $s4u.Dispose()
}
$name = $account
try { $name = (New-Object System.Security.Principal.SecurityIdentifier($sid)).Translate([System.Security.Principal.NTAccount]).Value } catch { $name = $account }
$value = @{ account = $name; sid = $sid; resolved_by = 's4u'; upn = $upn; groups = @($groups.ToArray()) }
"""
    script = "\n$account = [string](Get-SsoParam 'sso_service_account')" + s4u_groups

    @classmethod
    def parse(cls, raw: Any) -> AccountGroups:
        doc = expect_type(raw, dict, cls.name)
        account = opt_str(doc.get("account"), f"{cls.name}.account")
        sid = opt_str(doc.get("sid"), f"{cls.name}.sid")
        if not account or not sid or not SID_TEXT.match(sid):
            raise FactParseError(f"{cls.name}: 'account' and a valid 'sid' are required, got {account!r}, {sid!r}")
        groups = []
        for i, item in enumerate(as_list(doc.get("groups"), f"{cls.name}.groups")):
            where = f"{cls.name}.groups[{i}]"
            g = expect_type(item, dict, where)
            gsid = opt_str(g.get("sid"), f"{where}.sid")
            if not gsid or not SID_TEXT.match(gsid):
                raise FactParseError(f"{where}: a valid 'sid' is required, got {gsid!r}")
            groups.append(GroupRef(gsid.upper(), opt_str(g.get("name"), f"{where}.name") or None))
        resolved_by = opt_str(doc.get("resolved_by"), f"{cls.name}.resolved_by") or "tokenGroups"
        return AccountGroups(account, sid.upper(), tuple(groups), resolved_by)


class RestoreOperatorGroups(Fact[AccountGroups | None]):
    """The restore operator's SID and every group its logon token holds on this node (SSO014).

    The same S4U logon on the node as ``service_account_groups`` (no second hop, read-only; see there), for the
    inventory's ``sso.restore_operator``: the account that will run ``ssoconfig -restoreSecret``. The token
    built on the node holds the node's own aliases, so ``S-1-5-32-544`` (BUILTIN\\Administrators) in it
    proves local administrator rights, nested through domain groups included; the domain group SIDs are
    compared with the SSO Administrators group the SSO database names. Raw value as
    ``service_account_groups``, or ``{"account": null}`` when the inventory names no operator (then the
    probe makes no logon at all).
    """

    name = "restore_operator_groups"
    description = "The restore operator's SID and all its groups (S4U logon token on the node, BUILTIN included)"
    params = ("restore_operator",)
    script = (
        "$account = [string](Get-SsoParam 'restore_operator')\n"
        "if (-not $account) {\n    $value = @{ account = $null }\n} else {\n"
        + ServiceAccountGroups.s4u_groups
        + "}\n"
    )

    @classmethod
    def parse(cls, raw: Any) -> AccountGroups | None:
        doc = expect_type(raw, dict, cls.name)
        if doc.get("account") is None and not doc.get("sid"):
            return None  # no operator in the inventory
        parsed = ServiceAccountGroups.parse(raw)
        if parsed.resolved_by != "s4u":
            raise FactParseError(f"{cls.name}: resolved_by must be 's4u', got {parsed.resolved_by!r}")
        return parsed


# --------------------------------------------------------------------------- backup files


@dataclass(frozen=True)
class BackupFile:
    """A ``*.bak`` file in the Enterprise Single Sign-On folder (a master secret backup, by convention)."""

    path: str
    name: str
    size: int
    sha256: str | None
    modified: str | None = None
    error: str | None = None


class SsoBackupFiles(Fact[list[BackupFile]]):
    """``*.bak`` files in ``Common Files\\Enterprise Single Sign-On`` (both Common Files folders).

    The configuration wizard's default backup is ``...\\Enterprise Single Sign-On\\SSOxxxx.bak``. Each
    file is hashed (SHA-256, SHA256Managed: PowerShell 2.0 has no Get-FileHash) through a read-only,
    shared FileStream; its content is never returned. A file that cannot be read keeps ``sha256`` null
    and says why in ``error``. Raw value: a list of ``{"path", "name", "size", "sha256", "modified",
    "error"}``.
    """

    name = "sso_backup_files"
    description = "Master secret backup files (*.bak) in the Enterprise Single Sign-On folder, with SHA-256"
    script = r"""
$list = New-Object System.Collections.ArrayList
$seen = @{}
foreach ($folder in @($env:CommonProgramFiles, ${env:CommonProgramFiles(x86)})) {
    if (-not $folder) { continue }
    $dir = [System.IO.Path]::Combine([string]$folder, 'Enterprise Single Sign-On')
    if (-not (Test-Path -LiteralPath $dir)) { continue }
    foreach ($file in @(Get-ChildItem -LiteralPath $dir -Filter '*.bak' -ErrorAction SilentlyContinue)) {
        if ($file.PSIsContainer) { continue }
        $key = $file.FullName.ToLowerInvariant()
        if ($seen.ContainsKey($key)) { continue }
        $seen[$key] = $true
        $hash = $null
        $problem = $null
        $sha = New-Object System.Security.Cryptography.SHA256Managed
        $stream = $null
        try {
            $stream = New-Object System.IO.FileStream($file.FullName, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]::ReadWrite)
            $hash = [System.BitConverter]::ToString($sha.ComputeHash($stream)).Replace('-', '').ToLowerInvariant()
        } catch {
            $problem = [string]$_.Exception.Message
        } finally {
            if ($null -ne $stream) { $stream.Close() }
            $sha.Clear()
        }
        [void]$list.Add(@{
            path = [string]$file.FullName
            name = [string]$file.Name
            size = [long]$file.Length
            sha256 = $hash
            modified = $file.LastWriteTimeUtc
            error = $problem
        })
    }
}
$value = @($list.ToArray())
"""

    @classmethod
    def parse(cls, raw: Any) -> list[BackupFile]:
        files = []
        for i, item in enumerate(as_list(raw, cls.name)):
            where = f"{cls.name}[{i}]"
            f = expect_type(item, dict, where)
            path = opt_str(f.get("path"), f"{where}.path")
            if not path:
                raise FactParseError(f"{where}: 'path' is required")
            size = f.get("size", 0)
            if not isinstance(size, int) or isinstance(size, bool):
                raise FactParseError(f"{where}.size: expected an integer, got {size!r}")
            sha = opt_str(f.get("sha256"), f"{where}.sha256")
            if sha is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
                raise FactParseError(f"{where}.sha256: not a SHA-256 hex digest: {sha!r}")
            files.append(
                BackupFile(
                    path=path,
                    name=opt_str(f.get("name"), f"{where}.name") or path.replace("/", "\\").rsplit("\\", 1)[-1],
                    size=size,
                    sha256=sha.lower() if sha else None,
                    modified=opt_str(f.get("modified"), f"{where}.modified"),
                    error=opt_str(f.get("error"), f"{where}.error"),
                )
            )
        return files


# --------------------------------------------------------------------------- the secret server's names in DNS


@dataclass(frozen=True)
class NameLookup:
    """A forward lookup on the node: the name asked, the canonical host name DNS answered, the addresses."""

    name: str
    host_name: str | None
    addresses: tuple[str, ...]
    error: str | None


class SecretServerNames(Fact[dict[str, NameLookup]]):
    """The canonical DNS name of each name the master secret server may have: the inventory's cluster network
    name and current master secret server, resolved on this node.

    ``[System.Net.Dns]::GetHostEntry(name)`` asks the node's own resolver (no authentication, no second hop,
    PowerShell 2.0) for the name with its canonical name: for a DNS alias (CNAME) ``HostName`` is the target
    host, not the alias. The SSO database's ``gi_SecretServer`` must be a real host or network name, because
    ENTSSO decides whether it is the master secret server by comparing that name with its own computer name
    (review domain.md 2, SSO020). Raw value: a list of ``{"name", "host_name" | null, "addresses": [..],
    "error" | null}``, one per distinct name.
    """

    name = "secret_server_names"
    description = "Canonical DNS names of the cluster network name and the current master secret server"
    params = ("cluster_network_name", "master_secret_server")
    script = r"""
$list = New-Object System.Collections.ArrayList
$seen = @{}
foreach ($name in @([string](Get-SsoParam 'cluster_network_name'), [string](Get-SsoParam 'master_secret_server'))) {
    if (-not $name -or $seen.ContainsKey($name.ToLowerInvariant())) { continue }
    $seen[$name.ToLowerInvariant()] = $true
    $hostName = $null
    $problem = $null
    $addresses = New-Object System.Collections.ArrayList
    try {
        $entry = [System.Net.Dns]::GetHostEntry($name)
        $hostName = [string]$entry.HostName
        foreach ($a in @($entry.AddressList)) { [void]$addresses.Add([string]$a.IPAddressToString) }
    } catch {
        $problem = [string]$_.Exception.Message
    }
    [void]$list.Add(@{ name = $name; host_name = $hostName; addresses = @($addresses.ToArray()); error = $problem })
}
$value = @($list.ToArray())
"""

    @classmethod
    def parse(cls, raw: Any) -> dict[str, NameLookup]:
        out: dict[str, NameLookup] = {}
        for i, item in enumerate(as_list(raw, cls.name)):
            where = f"{cls.name}[{i}]"
            doc = expect_type(item, dict, where)
            name = opt_str(doc.get("name"), f"{where}.name")
            if not name:
                raise FactParseError(f"{where}: 'name' is required")
            host_name = opt_str(doc.get("host_name"), f"{where}.host_name") or None
            error = opt_str(doc.get("error"), f"{where}.error") or None
            if host_name is None and error is None:
                raise FactParseError(f"{where}: neither 'host_name' nor 'error'")
            addresses = tuple(opt_str(a, f"{where}.addresses[]") or "" for a in as_list(doc.get("addresses"), where))
            out[name.split(".")[0].upper()] = NameLookup(name, host_name, addresses, error)
        return out
