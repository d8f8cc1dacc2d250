"""Enterprise SSO side of a simulated node: ENTSSO and BizTalk registry, ``ssomanage -displaydb``, the
service account's AD groups, the user rights export, and the master secret backup files.

Everything comes from scenario state (the lab never imports ``ssocheck.facts``):

* ``entsso_registry`` / ``biztalk_registry``: the node's ``registry`` (both registry views).
* ``sso_db_info``: nothing where the local ENTSSO is not running (``not_local``, as the probe); else console
  text rendered like ``ssomanage -displaydb``. ssomanage asks the SSO server the node's tools use (another
  computer's server only answers a session that can delegate: else ``0x80070005`` access denied):
  ``sso_server`` in the node document (what ``ssomanage -server`` sets), else the node
  itself. A cluster network name resolves to the owner node of its role. That server's ENTSSO must be
  running and reachable (``blocked``: ``"NODE->SERVER:135"``); it reads the SSO database its own
  ENTSSO\\SQL registry names, looked up in ``sso_databases`` (``"SERVER/NAME"``). Otherwise the text is the
  real ``ERROR: 0xC0002A0F`` message, hard-wrapped at 80 columns as the console does, with exit code 1.
* ``service_account_groups``: the S4U logon token of a ``directory`` account: nested group membership is
  followed, the primary group (Domain Users) added, the node's ``local_groups`` (BUILTIN names) and the
  groups of every token (Everyone, Authenticated Users, This Organization) included.
* ``restore_operator_groups``: the same token for the inventory's restore operator (SSO014).
* ``user_rights``: a secedit INF rendered from ``user_rights`` (rights the scenario does not name keep a
  member server's defaults); directory accounts are written as ``*SID``, as secedit exports them.
* ``sso_backup_files``: ``files`` whose path is a ``*.bak`` in a Common Files\\Enterprise Single Sign-On
  folder: ``{size, sha256, modified}``; ``locked: true`` makes the file unreadable.
"""

from __future__ import annotations

import hashlib
import ntpath
import textwrap
from collections.abc import Mapping
from typing import Any

from ssocheck.lab.emulation import EmulationError, emulates, identity_of, utc_text
from ssocheck.lab.language import name_of, well_known_names
from ssocheck.lab.session import SessionIdentity
from ssocheck.lab.state import FarmState, NodeState

ENTSSO_VIEWS = {
    "native": r"HKLM\SOFTWARE\Microsoft\ENTSSO",
    "wow6432": r"HKLM\SOFTWARE\Wow6432Node\Microsoft\ENTSSO",
}
BIZTALK_KEYS = (
    r"HKLM\SOFTWARE\Microsoft\BizTalk Server\3.0",
    r"HKLM\SOFTWARE\Wow6432Node\Microsoft\BizTalk Server\3.0",
)
SSO_FOLDERS = (
    r"C:\Program Files\Common Files\Enterprise Single Sign-On",
    r"C:\Program Files (x86)\Common Files\Enterprise Single Sign-On",
)
NOT_TRANSLATED = (
    'Exception calling "Translate" with "1" argument(s): "Some or all identity references could not be translated."'
)
NO_SERVER = (
    "ERROR: 0xC0002A0F : Could not contact the SSO server '{server}'. Check that SSO is configured and that the "
    "SSO service is running on that server."
)
NOT_SSO_ADMIN = "ERROR: 0xC0002A13 : This function can only be performed by a local administrator."
RPC_NO_ENDPOINTS = "(RPC: 0x800706D9: There are no more endpoints available from the endpoint mapper.)"
RPC_UNAVAILABLE = "(RPC: 0x800706BA: The RPC server is unavailable.)"
RPC_ACCESS_DENIED = "(RPC: 0x80070005: Access is denied.)"
CONSOLE_WIDTH = 80
# secedit's export of a Windows Server 2016 member server (domain.md 5), minus SeServiceLogonRight defaults
# that scenarios set themselves; scenario rights replace these per right.
DEFAULT_RIGHTS: dict[str, list[str]] = {
    "SeNetworkLogonRight": ["*S-1-1-0", "*S-1-5-32-544", "*S-1-5-32-545", "*S-1-5-32-551"],
    "SeBackupPrivilege": ["*S-1-5-32-544", "*S-1-5-32-551"],
    "SeChangeNotifyPrivilege": ["*S-1-1-0", "*S-1-5-19", "*S-1-5-20", "*S-1-5-32-544", "*S-1-5-32-545",
                                "*S-1-5-32-551"],
    "SeBatchLogonRight": ["*S-1-5-32-544", "*S-1-5-32-551", "*S-1-5-32-559"],
    "SeServiceLogonRight": ["*S-1-5-80-0"],
    "SeInteractiveLogonRight": ["Guest", "*S-1-5-32-544", "*S-1-5-32-545", "*S-1-5-32-551"],
    "SeDenyInteractiveLogonRight": ["Guest"],
    "SeAssignPrimaryTokenPrivilege": ["*S-1-5-19", "*S-1-5-20"],
    "SeImpersonatePrivilege": ["*S-1-5-19", "*S-1-5-20", "*S-1-5-32-544", "*S-1-5-6"],
}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- registry


def _entsso_view(node: NodeState, root: str) -> dict[str, Any] | None:
    reg = node.registry
    if not reg.key_exists(root):
        return None
    return {
        "server": _text(reg.value(root, "Server")),
        "administration": _text(reg.value(root, "Administration")),
        "sql_server": _text(reg.value(root + "\\SQL", "Server")),
        "sql_database": _text(reg.value(root + "\\SQL", "Database")),
    }


@emulates(
    "entsso_registry",
    calls=(r"'\software\microsoft\entsso'", 'Get-SsoRegValue',),
)
def entsso_registry(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"native": view|None, "wow6432": view|None}`` with ``server``, ``administration``, ``sql_*``."""
    return {view: _entsso_view(node, root) for view, root in ENTSSO_VIEWS.items()}


@emulates(
    "biztalk_registry",
    calls=(r"'\microsoft\biztalk server\3.0'", 'Get-SsoRegValue',),
)
def biztalk_registry(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"product_version", "product_edition", "install_path"}`` of the first BizTalk key that exists, else None."""
    for key in BIZTALK_KEYS:
        if node.registry.key_exists(key):
            return {
                "product_version": _text(node.registry.value(key, "ProductVersion")),
                "product_edition": _text(node.registry.value(key, "ProductEdition")),
                "install_path": _text(node.registry.value(key, "InstallPath")),
            }
    return None


# --------------------------------------------------------------------------- ssomanage -displaydb


def _sso_sql(node: NodeState) -> tuple[str | None, str | None]:
    for root in ENTSSO_VIEWS.values():
        server = node.registry.value(root + "\\SQL", "Server")
        database = node.registry.value(root + "\\SQL", "Database")
        if server and database:
            return str(server), str(database)
    return None, None


def _resolve_sso_server(farm: FarmState, name: str) -> NodeState | None:
    """The node that answers for SSO server ``name``: a node by name, or the owner of a cluster network name."""
    direct = farm.node(name)
    if direct is not None:
        return direct
    for cluster in farm.clusters.values():
        resources = dict(cluster.get("resources") or {})
        groups = dict(cluster.get("groups") or {})
        for res in resources.values():
            res = dict(res or {})
            private = dict(res.get("private") or {})
            if str(res.get("type", "")).lower() != "network name":
                continue
            names = {str(private.get("Name", "")).lower(), str(private.get("DnsName", "")).split(".")[0].lower()}
            if name.split(".")[0].lower() not in names:
                continue
            group = dict(groups.get(str(res.get("group"))) or {})
            if str(group.get("state", "Online")).lower() != "online":
                return None
            return farm.node(str(group.get("owner") or ""))
    return None


def _console(lines: list[str]) -> str:
    """Lines as the console prints them: hard-wrapped at 80 columns (at word boundaries), CRLF."""
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, CONSOLE_WIDTH - 1, break_on_hyphens=False) or [""])
    return "\r\n".join(out) + "\r\n"


# What a German ssomanage could print (hypothetical, see sso_db_info).
GERMAN_LABELS = {
    "SQL Server": "SQL-Server",
    "Single Sign-On database": "Einmaliges Anmelden-Datenbank",
    "Single Sign-On Secret Server name": "Name des Geheimnisservers",
    "Single Sign-On Administrators account": "Konto der SSO-Administratoren",
    "Single Sign-On Affiliate Administrators account": "Konto der SSO-Partneradministratoren",
}


def _header(server: str, local: bool) -> str:
    """ssomanage's first line: the documented "Using SSO server on this computer." for the local server (biztalk-docs
    samples, review probe.md D5), ``Using SSO server : NAME`` (blog transcripts, domain.md 7) for another one."""
    return "Using SSO server on this computer." if local else f"Using SSO server : {server}"


def _no_server(server: str, rpc: str, local: bool = False) -> dict[str, Any]:
    text = _console([_header(server, local), NO_SERVER.format(server=server), "", rpc])
    return {"exit_code": 1, "output": text}


def _has_admin_tools(node: NodeState) -> bool:
    return any(node.registry.value(root, "Administration") for root in ENTSSO_VIEWS.values())


@emulates(
    "sso_db_info",
    calls=("'ssomanage.exe'", '* -displaydb',),
)
def sso_db_info(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"exit_code", "output"}`` of ``ssomanage -displaydb``, or the "not found" answer without SSO tools."""
    if not _has_admin_tools(node):
        return {
            "exit_code": None,
            "output": "",
            "error": "ssomanage.exe not found in Common Files\\Enterprise Single Sign-On (SSO administration tools "
                     "not installed)",
        }
    local = node.service("ENTSSO")
    if local is None or local.state.lower() != "running":
        # The probe does not run ssomanage where ENTSSO does not answer locally (a remote call is a second hop).
        state = "not installed" if local is None else local.state
        return {"exit_code": None, "output": "", "not_local": (
            f"the local ENTSSO service is {state}, so ssomanage would ask a remote SSO server: a second hop this "
            "WinRM logon cannot make")}
    server_name = str(node.extra.get("sso_server") or node.name).upper()
    server = _resolve_sso_server(farm, server_name)
    remote = server is not None and server.name.lower() != node.name.lower()
    if remote and not identity_of(params).can_delegate:
        # The RPC call to another computer's SSO server carries no credentials from an NTLM/Kerberos WinRM logon.
        return _no_server(server_name, RPC_ACCESS_DENIED)
    if server is None or not server.up or (remote and f"{node.name}->{server_name}:135".lower() in
                                           {b.lower() for b in farm.blocked}):
        return _no_server(server_name, RPC_UNAVAILABLE)
    svc = server.service("ENTSSO")
    if svc is None or svc.state.lower() != "running":
        return _no_server(server_name, RPC_NO_ENDPOINTS, local=not remote)
    sql_server, database = _sso_sql(server)
    db = None
    for key, doc in farm.sso_databases.items():
        if sql_server and database and key.lower() == f"{sql_server}/{database}".lower():
            db = doc
    if db is None:
        # An SSO service without a reachable SSO database does not stay up; clients see it as down.
        return _no_server(server_name, RPC_NO_ENDPOINTS, local=not remote)
    if not is_sso_admin(farm, server, identity_of(params)):
        # ENTSSO checks the caller on the SSO server it asks: ENTSSO_E_NOT_ADMIN (10771), exit code 1. The text is
        # the biztalknotes transcript's (domain.md 9, F13; tests/data/ssomanage/not-admin.txt). Whether ENTSSO
        # answers -displaydb with 0xC0002A13 or 0xC0002A14 (ENTSSO_E_NOT_SSO_ADMIN) is not confirmed [U].
        return {"exit_code": 1, "output": _console([_header(server_name, not remote), NOT_SSO_ADMIN])}
    width = 50
    rows = [
        ("SQL Server", sql_server),
        ("Single Sign-On database", database),
        ("Single Sign-On Secret Server name", db.get("secret_server")),
        ("Single Sign-On Administrators account", db.get("admin_group")),
        ("Single Sign-On Affiliate Administrators account", db.get("affiliate_group")),
        ("Size of audit table for deleted applications (number of audit entries)", 1000),
        ("Size of audit table for deleted user mappings (number of audit entries)", 1000),
        ("Size of audit table for external credential lookups (number of audit entries)", 1000),
        ("Ticket timeout (in minutes)", 2),
        ("Credential cache timeout (in minutes)", 60),
        ("Single Sign-On Status", "Enabled"),
        ("Tickets allowed", "No"),
        ("Validate tickets", "Yes"),
    ]
    lines = [_header(server_name, not remote), ""]
    if str(node.extra.get("biztalk_language") or "en-US") == "de-DE":
        # A localised BizTalk build (hypothetical texts: whether ssomanage is localised is unconfirmed, domain.md
        # Appendix B): the probe must fail the fact with the raw text, never read None values as an answer.
        lines = ["Verwendeter SSO-Server: dieser Computer.", ""]
        rows = [(GERMAN_LABELS.get(label, label), value) for label, value in rows]
    lines += [f"{label.ljust(width)} : {'' if value is None else value}" for label, value in rows]
    # Long labels are never wrapped mid-line by ssomanage itself; only error messages are.
    return {"exit_code": 0, "output": "\r\n".join(lines) + "\r\n"}


# --------------------------------------------------------------------------- directory


def _directory_key(farm: FarmState, name: str) -> str | None:
    """The directory's key for ``DOMAIN\\user``, ``user@dns`` or a bare user name (case-insensitive)."""
    domain = dict(farm.farm.get("domain") or {})
    netbios = str(domain.get("netbios") or "")
    dns = str(domain.get("dns") or "").lower()
    text = name.strip()
    if "@" in text:
        user, _, suffix = text.partition("@")
        if suffix.lower() not in (dns, dns.split(".")[0]):
            return None
        text = f"{netbios}\\{user}"
    elif "\\" not in text:
        text = f"{netbios}\\{text}"
    else:
        dom, _, user = text.partition("\\")
        if dom.lower() in (dns, dns.split(".")[0]):
            text = f"{netbios}\\{user}"
    for key in farm.directory:
        if key.lower() == text.lower():
            return key
    return None


# What LSA translates the built-in service identities to (NTAccount('LocalSystem') does not translate).
SERVICE_IDENTITY_SIDS = {"nt authority\\system": "S-1-5-18", "nt authority\\localservice": "S-1-5-19",
                "nt authority\\local service": "S-1-5-19", "nt authority\\networkservice": "S-1-5-20",
                "nt authority\\network service": "S-1-5-20"}


def directory_sid(farm: FarmState, name: str) -> str | None:
    """The SID a node's LSA translates an account name to: a ``directory`` account or a built-in identity."""
    if name.strip().lower() in SERVICE_IDENTITY_SIDS:
        return SERVICE_IDENTITY_SIDS[name.strip().lower()]
    key = _directory_key(farm, name)
    sid = farm.directory[key].get("sid") if key is not None else None
    return str(sid) if sid else None


def _groups_of(farm: FarmState, key: str) -> list[str]:
    """Every directory group that contains ``key``, directly or through other groups (cycles tolerated)."""
    found: list[str] = []
    frontier = [key.lower()]
    while frontier:
        member = frontier.pop()
        for name, doc in farm.directory.items():
            if str(doc.get("type", "")).lower() != "group" or name in found:
                continue
            if member in {str(m).lower() for m in doc.get("members") or []}:
                found.append(name)
                frontier.append(name.lower())
    return found


def sso_admin_group(farm: FarmState, node: NodeState) -> str | None:
    """The SSO Administrators account of the SSO database ``node``'s ENTSSO uses (``gi_SSOAdminGroup``)."""
    sql_server, database = _sso_sql(node)
    for key, doc in farm.sso_databases.items():
        if sql_server and database and key.lower() == f"{sql_server}/{database}".lower():
            return str(doc.get("admin_group") or "") or None
    return str(dict(next(iter(farm.sso_databases.values()), {}) or {}).get("admin_group") or "") or None


def is_sso_admin(farm: FarmState, node: NodeState, identity: SessionIdentity) -> bool:
    """Whether the session's account is an SSO administrator for ``node``'s SSO system.

    Only SSO Administrators may read the master secret or run ssomanage's administration functions
    (learn.microsoft.com, "Master Secret Server": "Only Single Sign-On administrators can access the master secret";
    "Using SSO": "Only Single Sign-On Administrators can perform these tasks"). A directory account is one when it
    is in the database's SSO Administrators group, directly or nested; a local account of the node (``.\\user``)
    never is (the group is a domain group); the lab's own account (not in the directory) is one unless the
    scenario says ``farm.operator_sso_admin: false``.
    """
    if identity.local_account:
        return False
    key = _directory_key(farm, identity.principal)
    if key is None:
        return bool(farm.farm.get("operator_sso_admin", True))
    group = sso_admin_group(farm, node)
    admin_key = _directory_key(farm, group) if group else None
    return admin_key is not None and (admin_key == key or admin_key in _groups_of(farm, key))


# BUILTIN groups by name (well-known SIDs) for ``local_groups`` of a node.
BUILTIN_SIDS = {
    "builtin\\administrators": "S-1-5-32-544", "builtin\\users": "S-1-5-32-545", "builtin\\guests": "S-1-5-32-546",
    "builtin\\power users": "S-1-5-32-547", "builtin\\backup operators": "S-1-5-32-551",
    "builtin\\remote desktop users": "S-1-5-32-555", "builtin\\performance log users": "S-1-5-32-559",
}
# Groups every domain account's S4U logon token holds (what survives the probe's logon-type filter).
IN_EVERY_TOKEN = [("S-1-1-0", "Everyone"), ("S-1-5-11", "NT AUTHORITY\\Authenticated Users"),
                  ("S-1-5-15", "NT AUTHORITY\\This Organization")]


def _local_groups(node: NodeState, netbios: str, member_names: set[str]) -> list[dict[str, Any]]:
    """The node's local groups that hold the account or one of its groups. A member server's BUILTIN\\Users
    holds Domain Users unless the scenario lists the node's ``local_groups`` itself."""
    groups = node.local_groups or {"BUILTIN\\Users": [f"{netbios}\\Domain Users"]}
    out = []
    for name, members in groups.items():
        sid = BUILTIN_SIDS.get(name.lower())
        if sid and member_names & {str(m).lower() for m in members}:
            out.append({"sid": sid, "name": name_of(node, sid, name)})  # in the node's display language
    return out


@emulates(
    "service_account_groups",
    calls=('Get-WmiObject Win32_ComputerSystem',),
)
def service_account_groups(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"account", "sid", "resolved_by": "s4u", "upn", "groups": [{"sid", "name"}]}``: the S4U logon token's groups.

    Nested directory groups, the primary group (Domain Users / Domain Computers, not a "member" link in AD),
    Everyone / Authenticated Users / This Organization, and the node's BUILTIN groups holding any of them. The
    S4U logon is made by the node's machine account, so it works whatever the session can delegate.
    """
    return _s4u_token(farm, node, str(params["sso_service_account"]))


@emulates(
    "restore_operator_groups",
    calls=('Get-WmiObject Win32_ComputerSystem',),
)
def restore_operator_groups(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """The restore operator's S4U token as ``service_account_groups`` gives it, BUILTIN\\Administrators
    included where the node's ``local_groups`` hold the operator or one of its groups; ``{"account": None}``
    when the inventory names no operator."""
    wanted = str(params.get("restore_operator") or "")
    if not wanted:
        return {"account": None}
    return _s4u_token(farm, node, wanted)


def _s4u_token(farm: FarmState, node: NodeState, wanted: str) -> dict[str, Any]:
    """The S4U logon token of directory account ``wanted`` on ``node`` (raises as the probe's Translate)."""
    key = _directory_key(farm, wanted)
    if key is None:
        raise EmulationError(f"account {wanted} not found: {NOT_TRANSLATED}")
    account = farm.directory[key]
    sid = str(account.get("sid") or "")
    netbios, _, sam = key.partition("\\")
    dns = str(dict(farm.farm.get("domain") or {}).get("dns") or netbios.lower())
    upn = wanted if "@" in wanted else f"{sam}@{dns}"
    groups = [{"sid": str(farm.directory[g].get("sid")), "name": g} for g in _groups_of(farm, key)]
    if sid.count("-") >= 7:
        domain_sid = sid.rsplit("-", 1)[0]
        kind = str(account.get("type", "user")).lower()
        rid, label = ("515", "Domain Computers") if kind in ("gmsa", "computer") else ("513", "Domain Users")
        groups.append({"sid": f"{domain_sid}-{rid}", "name": f"{netbios}\\{label}"})
    names = {key.lower(), *(str(g["name"]).lower() for g in groups)}
    groups += _local_groups(node, netbios, names)
    groups += [{"sid": gsid, "name": name_of(node, gsid, gname)} for gsid, gname in IN_EVERY_TOKEN]
    return {"account": key, "sid": sid, "resolved_by": "s4u", "upn": upn, "groups": groups}


# --------------------------------------------------------------------------- user rights


def _secedit_entry(farm: FarmState, entry: str) -> str:
    """How secedit writes an entry: ``*SID`` for an account it can resolve, else the name as stored."""
    if entry.startswith("*"):
        return entry
    key = _directory_key(farm, entry) if "\\" in entry or "@" in entry else None
    if key is not None and farm.directory[key].get("sid"):
        return "*" + str(farm.directory[key]["sid"])
    return entry


@emulates(
    "user_rights",
    calls=("'secedit.exe'", '* /export', '[System.IO.File]::ReadAllText',),
)
def user_rights(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> str:
    """The INF text of ``secedit /export /areas USER_RIGHTS`` (as read back with ReadAllText: no BOM, CRLF)."""
    if not node.extra.get("elevated", True):
        # secedit needs an administrator's token; the snippet throws on its exit code.
        raise EmulationError("secedit /export failed with exit code 5: Access is denied.")
    rights = dict(DEFAULT_RIGHTS)
    rights.update(node.user_rights)
    lines = ["[Unicode]", "Unicode=yes", "[Privilege Rights]"]
    for right, members in rights.items():
        rendered = [_secedit_entry(farm, str(m)) for m in members]
        if rendered:  # secedit leaves out rights nobody holds
            lines.append(f"{right} = {','.join(rendered)}")
    lines += ["[Version]", 'signature="$CHICAGO$"', "Revision=1"]
    return "\r\n".join(lines) + "\r\n"


# --------------------------------------------------------------------------- backup files


@emulates(
    "sso_backup_files",
    calls=('Get-ChildItem', 'New-Object System.Security.Cryptography.SHA256Managed', '.ComputeHash',),
)
def sso_backup_files(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"path", "name", "size", "sha256", "modified", "error"}]`` for ``*.bak`` in the SSO folders."""
    folders = {f.lower() for f in SSO_FOLDERS}
    out = []
    for path, raw in sorted(node.files.items()):
        doc = dict(raw or {})
        folder, name = ntpath.split(path)
        if folder.lower() not in folders or not name.lower().endswith(".bak"):
            continue
        sha = doc.get("sha256") or hashlib.sha256(str(doc.get("content", path)).encode("utf-8")).hexdigest()
        locked = bool(doc.get("locked"))
        out.append(
            {
                "path": path,
                "name": name,
                "size": int(doc.get("size", 0)),
                "sha256": None if locked else str(sha).lower(),
                "modified": utc_text(doc.get("modified", "2026-11-19T21:00:00Z")),
                "error": (f'Exception calling ".ctor" with "4" argument(s): "The process cannot access the file '
                          f"'{path}' because it is being used by another process.\"") if locked else None,
            }
        )
    return out


# --------------------------------------------------------------------------- logon right holders (LSA)

def _well_known(node: NodeState) -> dict[str, str]:
    return well_known_names(node)


def _translate(farm: FarmState, node: NodeState, entry: str) -> dict[str, Any]:
    """What the node's LSA makes of one exported entry: ``{"entry", "sid", "name"}`` (null when it fails)."""
    names = _well_known(node)
    if entry.startswith("*"):
        given = entry[1:]
        name = names.get(given.upper()) or next(
            (key for key, doc in farm.directory.items() if str(doc.get("sid") or "").upper() == given.upper()), None)
        return {"entry": entry, "sid": given, "name": name}
    by_name = {v.lower(): k for k, v in names.items()}
    bare = {v.split("\\")[-1].lower(): k for k, v in names.items()}
    low = entry.lower()
    sid: str | None = by_name.get(low) or bare.get(low)
    if sid is None and ("\\" in entry or "@" in entry):
        sid = directory_sid(farm, entry)
    return {"entry": entry, "sid": sid, "name": entry if sid else None}


@emulates(
    "logon_right_accounts",
    calls=("'secedit.exe'", '* /export', '[System.IO.File]::ReadAllLines',),
)
def logon_right_accounts(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> dict[str, Any]:
    """``{right: [{"entry", "sid", "name"}]}`` for the two logon rights, entries as the INF writes them."""
    rights = dict(DEFAULT_RIGHTS)
    rights.update(node.user_rights)
    out: dict[str, Any] = {}
    for right in ("SeServiceLogonRight", "SeDenyServiceLogonRight"):
        rendered = [_secedit_entry(farm, str(m)) for m in rights.get(right, [])]
        out[right] = [_translate(farm, node, e) for e in rendered]
    return out


# --------------------------------------------------------------------------- DNS names of the secret server

NO_SUCH_HOST_TEXT = 'Exception calling "GetHostEntry" with "1" argument(s): "No such host is known"'


def _resolve_canonical(farm: FarmState, name: str) -> tuple[str | None, list[str]]:
    """(canonical name, addresses) of ``name``: ``dns_cname`` aliases are followed (as a resolver follows a CNAME
    chain, at most 8 links), then the ``dns`` A record; (None, []) when nothing answers."""
    aliases = {str(k).lower(): str(v) for k, v in dict(farm.document.get("dns_cname") or {}).items()}
    current = name.split(".")[0]
    for _ in range(8):
        target = aliases.get(current.lower())
        if target is None:
            break
        current = target.split(".")[0]
    address = next((str(ip) for host, ip in farm.dns.items() if host.lower() == current.lower()), None)
    if address is None:
        return None, []
    domain = str(dict(farm.farm.get("domain") or {}).get("dns") or "")
    return (f"{current}.{domain}" if domain else current), [address]


@emulates(
    "secret_server_names",
    calls=('[System.Net.Dns]::GetHostEntry',),
)
def secret_server_names(farm: FarmState, node: NodeState, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"name", "host_name", "addresses", "error"}]`` for the cluster network name and the master secret server."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for param in ("cluster_network_name", "master_secret_server"):
        name = str(params.get(param) or "")
        if not name or name.lower() in seen:
            continue
        seen.add(name.lower())
        canonical, addresses = _resolve_canonical(farm, name)
        out.append({"name": name, "host_name": canonical, "addresses": addresses,
                    "error": None if canonical else NO_SUCH_HOST_TEXT})
    return out
