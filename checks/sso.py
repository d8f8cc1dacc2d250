"""Enterprise SSO checks (CHECKS.md SSO0xx): installation, service account, its rights and groups,
the SSO database every SSO server uses, and the master secret backup."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ssocheck.accounts import (
    BUILTIN_SERVICE_SIDS,
    Account,
    Domain,
    is_builtin_service_account,
    is_managed_service_account,
    parse_account,
    same_account,
)
from ssocheck.check import (
    Context,
    GroupCheck,
    NodeCheck,
    NodeFacts,
    Outcome,
    errored,
    failed,
    passed,
    skipped,
    warned,
)
from ssocheck.errors import FactError
from ssocheck.evidence import group_summary
from ssocheck.facts.events import SsoEvent, SsoEvents, of_ids, parse_time
from ssocheck.facts.rights import LogonRightAccounts, RightHolder, UserRights
from ssocheck.facts.services import Services
from ssocheck.facts.sso import (
    AccountGroups,
    BackupFile,
    EntssoConfig,
    EntssoRegistry,
    RestoreOperatorGroups,
    ServiceAccountGroups,
    SsoBackupFiles,
    SsoDatabase,
    SsoDbInfo,
    same_version,
    version_key,
)
from ssocheck.model import Phase, Severity
from ssocheck.parsers.ssomanage import THIS_COMPUTER

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import (
    CLUSTERED,
    DOCS_BACKUP,
    DOCS_CLUSTER_MSS,
    DOCS_MOVE_MSS,
    DOCS_RESTORE,
    DOCS_SSO_SECURITY,
    ENTSSO_FOLDER,
    KB_SSO_VERSION,
    db_unread,
    host,
    same_host,
    strict_majority,
)

DOCS_DISPLAY_DB = "https://learn.microsoft.com/en-us/biztalk/core/how-to-display-the-sso-database-information"
DOCS_WELL_KNOWN_SIDS = (
    "https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/manage/understand-security-identifiers "
    "(S-1-1-0 Everyone, S-1-5-11 Authenticated Users, S-1-5-6 Service, S-1-5-32-545 Users)"
)
DOCS_GMSA = "https://learn.microsoft.com/en-us/biztalk/core/gmsa-config ('Enterprise SSO | No')"
DOCS_LOGON_AS_SERVICE = (
    "https://learn.microsoft.com/en-us/windows/security/threat-protection/security-policy-settings/log-on-as-a-service"
)


def domain_of(ctx: Context) -> Domain:
    """The inventory's domain names, for account comparison."""
    return Domain(ctx.expect.domain_netbios, ctx.expect.domain_dns)


class EntssoServiceAccount(NodeCheck):
    """ENTSSO logs on as the designated domain service account.

    On the cluster nodes the Enterprise SSO service must run as the same domain account on every
    node (the one in the SSO Administrators group), never LocalSystem or NetworkService; the secret
    restored on a node is bound to that account. BizTalk nodes use the inventory's
    ``sso.biztalk_service_account`` when given, else the same account.
    """

    id = "SSO004"
    name = "entsso-service-account"
    severity = Severity.HIGH
    roles = ("biztalk", "sso-cluster", "sso-server")
    facts = (Services,)
    guide_step = "4, 6"
    remediation = (
        "In services.msc set the 'Enterprise Single Sign-On Service' (ENTSSO) logon account to the "
        "designated domain account on this node (or re-run SSO configuration with it); a domain user account with "
        "a password, not a group managed service account (gMSA, name ending in $). If the account "
        "changed on a master secret server node, restore the secret again: 'ssoconfig -restoreSecret <file>'."
    )
    references = (DOCS_CLUSTER_MSS, "KB 884205: change the Enterprise SSO service account", DOCS_GMSA)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        svc = node.get(Services).get("ENTSSO")
        want = ctx.expect.sso_service_account
        # The BizTalk nodes' own account applies to them only; an MSS (cluster node or standalone server) has the
        # designated one (Microsoft recommends a unique account for the MSS's SSO service).
        if not node.has_role("sso-cluster", "sso-server") and ctx.expect.biztalk_sso_service_account:
            want = ctx.expect.biztalk_sso_service_account
        if svc is None:
            return failed("the ENTSSO service is not installed", expected=want, found=None)
        # By name, or by the SID the node translated it to (a localised "NT-AUTORITÄT\\NETZWERKDIENST" is S-1-5-20).
        if is_builtin_service_account(svc.account) or (svc.account_sid or "") in BUILTIN_SERVICE_SIDS:
            return failed(
                f"ENTSSO logs on as the built-in account {svc.account}, not a domain account",
                expected=want,
                found=svc.account,
            )
        if is_managed_service_account(svc.account):
            return failed(
                f"ENTSSO logs on as the group managed service account {svc.account}: Enterprise SSO does not "
                "support gMSA (BizTalk gMSA page: 'Enterprise SSO | No'); use a domain user account",
                expected=f"{want} (a domain user account, not a gMSA)" if not is_managed_service_account(want)
                else "a domain user account, not a gMSA",
                found=svc.account,
            )
        want_sid = _designated_sid(node, want, ctx)
        if svc.account_sid and want_sid:
            # Identities, not spellings: CORP\\svc_sso, corp.example.com\\svc_sso and svc_sso@corp.example.com are
            # one account when the node's own LSA translates both to the same SID.
            evidence = {"expected": f"{want} ({want_sid})", "found": f"{svc.account} ({svc.account_sid})",
                        "compared": "SID"}
            if svc.account_sid != want_sid:
                return failed(f"ENTSSO logs on as {svc.account} ({svc.account_sid}), expected {want} ({want_sid})",
                              **evidence)
            return passed(f"ENTSSO logs on as {svc.account} ({svc.account_sid}, the designated account)", **evidence)
        if not same_account(svc.account, want, domain_of(ctx), machine=node.name):
            return failed(f"ENTSSO logs on as {svc.account}, expected {want}", expected=want, found=svc.account)
        return passed(f"ENTSSO logs on as {svc.account}", expected=want, found=svc.account)


def _designated_sid(node: NodeFacts, want: str, ctx: Context) -> str | None:
    """The SID of the designated account ``want`` as this node translates it, when a fact has it.

    The ``service_account_groups`` fact translates the inventory's SSO service account on the node; it is
    used when it was collected there (not declared by SSO004: a failed directory lookup must not make the
    service-account check an error when names can still be compared). A SID in the inventory is itself.
    """
    parsed = parse_account(want)
    if parsed.sid:
        return parsed.sid
    if want != ctx.expect.sso_service_account or node.missing_reason(ServiceAccountGroups) is not None:
        return None
    try:
        return node.get(ServiceAccountGroups).sid
    except FactError:
        return None


# --------------------------------------------------------------------------- helpers


def _sso_summary(cfg: EntssoConfig) -> dict[str, str | None]:
    return {"server_version": cfg.server_version, "admin_version": cfg.admin_version}


def _newer(a: str | None, b: str | None) -> bool:
    """True when version ``a`` is numerically greater than ``b`` (False if either is not a dotted number)."""
    ka, kb = version_key(a), version_key(b)
    return ka is not None and kb is not None and ka > kb


# --------------------------------------------------------------------------- SSO001


class EntssoInstalled(GroupCheck):
    """ENTSSO and the SSO Server + Administration components are installed, at the BizTalk nodes' SSO version.

    Each cluster node needs the Enterprise SSO service with the "Master Secret Server" (SSO Server) and
    "Administration Module" components of the same SSO version, cumulative update included, as the
    BizTalk nodes: an older SSO server than the database it joins logs 10728 ("not compatible with the SSO
    database") and does not start. The BizTalk nodes are the reference; their own installation is checked too.
    """

    id = "SSO001"
    name = "entsso-installed"
    severity = Severity.HIGH
    roles = ("biztalk", "sso-cluster")
    facts = (Services, EntssoRegistry)
    guide_step = "3"
    remediation = (
        "On the cluster node run BizTalk Server setup and install 'Enterprise Single Sign-On Administration "
        "Module' and 'Enterprise Single Sign-On Master Secret Server', then apply the same cumulative update as "
        "on the BizTalk nodes, so that HKLM\\SOFTWARE\\(Wow6432Node\\)Microsoft\\ENTSSO 'Server' and "
        "'Administration' show the BizTalk nodes' SSO version. Then configure SSO with 'Join an existing SSO system'."
    )
    references = (DOCS_CLUSTER_MSS, KB_SSO_VERSION)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        state = {n.name: (n.get(Services).get("ENTSSO"), n.get(EntssoRegistry)) for n in nodes}
        biztalk = [n for n in nodes if n.has_role("biztalk")]
        # The BizTalk nodes' SSO versions: what the cluster nodes must match.
        reference = {
            n.name: cfg.server_version
            for n in biztalk
            if (cfg := state[n.name][1]).installed_server and cfg.server_version
        }
        for node in nodes:
            svc, cfg = state[node.name]
            found = {"service": svc.state if svc else None, **_sso_summary(cfg)}
            missing = []
            if svc is None:
                missing.append("the ENTSSO service")
            if not cfg.installed_server:
                missing.append("the SSO Server component (ENTSSO 'Server' value)")
            if not cfg.installed_admin:
                missing.append("the SSO Administration component (ENTSSO 'Administration' value)")
            if missing:
                yield failed(
                    f"not installed: {', '.join(missing)}",
                    node=node.name,
                    expected="ENTSSO service, SSO Server and Administration installed",
                    found=found,
                )
                continue
            version = cfg.server_version
            if not node.has_role("sso-cluster"):
                yield passed(f"SSO {version} installed (reference for the cluster nodes)", node=node.name, found=found)
                continue
            if not biztalk:
                yield passed(f"SSO {version} installed (no BizTalk node in the inventory to compare with)",
                             node=node.name, found=found)
                continue
            if not reference:
                yield errored(
                    "SSO is installed, but no BizTalk node has an SSO version to compare with",
                    node=node.name, expected="the BizTalk nodes' SSO version", found=found,
                )
                continue
            evidence = {"expected": sorted(set(reference.values())), "found": found, "biztalk_nodes": reference}
            if all(same_version(version, v) for v in reference.values()):
                yield passed(f"SSO {version} installed, the same version as the BizTalk nodes", node=node.name,
                             **evidence)
            elif any(_newer(v, version) for v in reference.values()):
                older = sorted(n for n, v in reference.items() if _newer(v, version))
                yield failed(
                    f"SSO {version} is older than on {', '.join(older)} ({reference[older[0]]}): the SSO server "
                    "would not be compatible with the SSO database (event 10728)",
                    node=node.name, **evidence,
                )
            else:
                yield warned(
                    f"SSO {version} differs from the BizTalk nodes' SSO version(s) "
                    f"{', '.join(sorted(set(reference.values())))}; install the same cumulative update everywhere",
                    node=node.name, **evidence,
                )


# --------------------------------------------------------------------------- SSO002


def _account_keys(names: Iterable[str], domain: Domain) -> frozenset[str]:
    return frozenset(parse_account(n, domain).key for n in names)


class ServiceAccountInSsoAdmins(GroupCheck):
    """The SSO service account is a member (direct or nested) of the SSO Administrators group in the SSO database.

    The group is the one recorded in the SSO database (``ssomanage -displaydb``, "Single Sign-On
    Administrators account"), read on any node that could reach an SSO server; the membership is the
    account's AD groups including nested ones (``tokenGroups``), read on every node. A service account
    outside that group cannot start the SSO service (event 10550), on the cluster or anywhere else.
    """

    id = "SSO002"
    name = "service-account-in-sso-admins"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster", "sso-server")
    facts = (SsoDatabase, ServiceAccountGroups)
    guide_step = "4"
    remediation = (
        "Add the SSO service account to the SSO Administrators domain group named in the SSO database "
        "('ssomanage -displaydb', line 'Single Sign-On Administrators account'), directly or through a nested "
        "domain group: Active Directory Users and Computers, or 'Add-ADGroupMember -Identity \"<group>\" "
        "-Members <account>'. Group membership is read at logon: then restart ENTSSO on the BizTalk nodes and "
        "take the clustered ENTSSO resource offline and online."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_DISPLAY_DB, DOCS_SSO_SECURITY,
                  "https://learn.microsoft.com/en-us/biztalk/core/single-sign-on-event-10550")

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        domain = domain_of(ctx)
        readings: dict[str, SsoDbInfo] = {n.name: n.get(SsoDatabase) for n in nodes}
        usable = {name: info for name, info in readings.items() if info.error is None and info.admin_accounts}
        if not usable:
            errors = {name: info.error or "no 'Single Sign-On Administrators account' line" for name, info in
                      readings.items()}
            for node in nodes:
                yield db_unread(nodes)("no node could read the SSO Administrators account from the SSO database",
                              node=node.name, expected="ssomanage -displaydb output on at least one node",
                              found=errors)
            return
        by_value: dict[frozenset[str], list[str]] = defaultdict(list)
        for name, info in usable.items():
            by_value[_account_keys(info.admin_accounts, domain)].append(name)
        if len(by_value) > 1:
            seen = {name: info.admin_group for name, info in usable.items()}
            for node in nodes:
                yield errored(
                    "the nodes read different SSO Administrators accounts (they use different SSO databases, "
                    "see SSO005): cannot tell which one applies",
                    node=node.name, expected="one SSO Administrators account across the nodes", found=seen,
                )
            return
        source = sorted(usable)[0]
        admins = usable[source].admin_accounts
        want = ctx.expect.sso_service_account
        for node in nodes:
            ident = node.get(ServiceAccountGroups)
            via = _membership(ident, admins, domain)
            evidence = {
                "expected": f"{want} is a member of {' or '.join(admins)}",
                "admin_group_read_on": source,
                "account_sid": ident.sid,
            }
            untranslated = [g.sid for g in ident.groups if not g.name]
            if via:
                yield passed(f"{ident.account} is in the SSO Administrators account {via}", node=node.name, **evidence)
            elif untranslated:
                # A group whose name could not be resolved on the node may be the SSO Administrators group.
                yield errored(
                    f"{ident.account} is in none of the named groups, but {len(untranslated)} of its groups could "
                    "not be translated to names on this node: cannot tell",
                    node=node.name, found=sorted(ident.group_names), untranslated=untranslated, **evidence,
                )
            else:
                yield failed(
                    f"{ident.account} is not a member of the SSO Administrators account "
                    f"{' or '.join(admins)}, directly or nested",
                    node=node.name, found=sorted(ident.group_names) or [g.sid for g in ident.groups], **evidence,
                )


def _membership(ident: AccountGroups, admins: Sequence[str], domain: Domain) -> str | None:
    """The admin account that ``ident`` is, or is a (nested) member of; None when it is in none of them."""
    for admin in admins:
        parsed = parse_account(admin, domain)
        if parsed.sid:
            if parsed.sid == ident.sid.upper() or parsed.sid in ident.group_sids:
                return admin
            continue
        if same_account(admin, ident.account, domain):
            return admin  # the SSO Administrators "account" may be the service account itself
        if any(same_account(admin, g, domain) for g in ident.group_names):
            return admin
    return None


# --------------------------------------------------------------------------- SSO003

SERVICE_LOGON = "SeServiceLogonRight"
DENY_SERVICE_LOGON = "SeDenyServiceLogonRight"
# Well-known groups every domain account's service logon token holds (an AD read of the account's groups does
# not list them): Everyone, Authenticated Users, This Organization, and SERVICE, which Windows adds to every
# service logon. Compared by SID; a localised name ("Jeder", "Tout le monde") is translated on the node.
IN_EVERY_TOKEN = {"S-1-1-0": "Everyone", "S-1-5-11": "Authenticated Users", "S-1-5-15": "This Organization",
                  "S-1-5-6": "SERVICE"}
IN_EVERY_TOKEN_NAMES = {"everyone", "authenticated users", "nt authority\\authenticated users", "service",
                        "nt authority\\service"}
# Well-known SIDs whose members depend on the node (BUILTIN\Users holds Domain Users on a member server).
BUILTIN_PREFIX = "S-1-5-32-"


@dataclass(frozen=True)
class _Match:
    kind: str  # "account", "group", "everyone", "unexpanded", "no"
    entry: str
    why: str = ""

    def text(self) -> str:
        return f"{self.entry} ({self.why})" if self.why and self.why != self.entry else self.entry


def _domain_sid(sid: str) -> str | None:
    parts = sid.upper().split("-")
    return "-".join(parts[:7]) if len(parts) > 7 and parts[3] == "21" else None


def _complete_token(ident: AccountGroups) -> bool:
    """Whether the groups are the account's whole logon token on this node (an S4U logon on the node), so a
    SID outside them provably does not hold the account; an AD read (``tokenGroups``) misses BUILTIN, local
    and other domains' groups."""
    return ident.resolved_by == "s4u"


def _classify(entry: str, ident: AccountGroups, domain: Domain, machine: str,
              holder: RightHolder | None = None) -> _Match:
    """How a user-rights entry relates to the service account, by SID whenever the entry or the node has one.

    ``holder`` is the node's own translation of the entry (``logon_right_accounts``): it gives the SID of a
    name (also of a localised one such as "Jeder") and says whether a SID still resolves there.
    ``unexpanded``: an entry that may contain the account but whose membership cannot be proven either way:
    a BUILTIN, local or other-domain group when only AD groups are known, a SID or name the node cannot
    resolve, a bare name without a translation.
    """
    acc: Account = parse_account(entry, domain, machine=machine)
    account_domain = parse_account(ident.account, domain).domain
    sid = acc.sid or (holder.sid if holder and holder.sid else None)
    label = holder.name if holder and holder.name and holder.name != entry else ""
    if sid:
        if sid == ident.sid.upper():
            return _Match("account", entry, label or ident.account)
        if sid in ident.group_sids:
            name = next((g.name for g in ident.groups if g.sid.upper() == sid and g.name), label or sid)
            return _Match("group", entry, name)
        if sid in IN_EVERY_TOKEN:
            return _Match("everyone", entry, label or IN_EVERY_TOKEN[sid])
        if holder is not None and not holder.resolved:
            return _Match("unexpanded", entry, "a SID this node cannot resolve: it may be a group holding the account")
        if _complete_token(ident):
            return _Match("no", entry, label)
        if sid.startswith(BUILTIN_PREFIX):
            return _Match("unexpanded", entry, f"{label + ', ' if label else ''}BUILTIN group")
        own = _domain_sid(ident.sid)
        if _domain_sid(sid) and _domain_sid(sid) != own:
            return _Match("unexpanded", entry, f"{label + ', ' if label else ''}local group or another domain's group")
        return _Match("no", entry, label)
    if entry.strip().lower() in IN_EVERY_TOKEN_NAMES:
        return _Match("everyone", entry, entry.strip())
    if same_account(entry, ident.account, domain, machine=machine):
        return _Match("account", entry, ident.account)
    for group in ident.groups:
        if group.name and same_account(entry, group.name, domain, machine=machine):
            return _Match("group", entry, group.name)
    if holder is not None and not holder.resolved:
        return _Match("unexpanded", entry, "a name this node cannot translate (another language, a deleted or "
                                           "unreachable account): it may hold the account")
    bare = "\\" not in entry and "@" not in entry
    if bare or acc.domain in ("builtin", machine.lower(), ".") or (acc.domain and acc.domain != account_domain):
        return _Match("unexpanded", entry, "local, BUILTIN or another domain's account")
    return _Match("no", entry)


class LogonAsServiceRight(NodeCheck):
    """The SSO service account holds "Log on as a service" on each cluster node and is not denied it.

    Checked on the node's effective user rights (``secedit /export``): SeServiceLogonRight must name the
    account or one of its groups (nested, by SID or name), and SeDenyServiceLogonRight, which wins over
    the grant, must name none of them. Entries are compared by SID: the node translates each one (a
    localised "Jeder" is Everyone, S-1-1-0), and Everyone, Authenticated Users, This Organization and
    SERVICE are in every service logon token. A deny entry that may contain the account but cannot be
    expanded (BUILTIN\\Users, which holds Domain Users on a member server, when the account's local groups
    are unknown; a SID or name the node cannot resolve) is a warning that names it, never a pass; a deny
    that provably contains the account fails. Without the right the clustered ENTSSO resource fails to
    start on that node (logon failure, error 1069) exactly when the role fails over to it.
    """

    id = "SSO003"
    name = "logon-as-service-right"
    severity = Severity.CRITICAL
    roles = ("sso-cluster", "sso-server")
    facts = (UserRights, ServiceAccountGroups, LogonRightAccounts)
    guide_step = "4"
    remediation = (
        "Grant the SSO service account 'Log on as a service' on this node: secpol.msc -> Local Policies -> "
        "User Rights Assignment -> 'Log on as a service' -> Add User or Group; remove it (and its groups) from "
        "'Deny log on as a service', and replace deny entries that may contain it (BUILTIN\\Users, Everyone in "
        "any language, SIDs that no longer resolve) by the specific accounts to deny. If the setting comes from "
        "a domain GPO (gpresult /scope computer /h), change it in that GPO instead, or the next policy refresh "
        "undoes the local change."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_LOGON_AS_SERVICE, DOCS_WELL_KNOWN_SIDS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        rights = node.get(UserRights)
        ident = node.get(ServiceAccountGroups)
        held = node.get(LogonRightAccounts)
        domain = domain_of(ctx)

        def judge(right: str) -> list[_Match]:
            translated = {h.entry.lower(): h for h in held.get(right, [])}
            return [_classify(e, ident, domain, node.name, translated.get(e.lower())) for e in rights.entries(right)]

        allow, deny = judge(SERVICE_LOGON), judge(DENY_SERVICE_LOGON)
        evidence: dict[str, Any] = {
            "expected": f"{SERVICE_LOGON} holds {ident.account} ({ident.sid}) or one of its groups; "
                        f"{DENY_SERVICE_LOGON} holds none of them",
            "found": {right: rights.entries(right) for right in (SERVICE_LOGON, DENY_SERVICE_LOGON)},
            "translated_on_node": {right: {h.entry: h.sid for h in held.get(right, [])} for right in held},
        }
        denied = [m for m in deny if m.kind in ("account", "group", "everyone")]
        granted = [m for m in allow if m.kind in ("account", "group", "everyone")]
        unexpanded_allow = [m.entry for m in allow if m.kind == "unexpanded"]
        unexpanded_deny = [m for m in deny if m.kind == "unexpanded"]
        if unexpanded_deny:
            evidence["not_expanded_in_deny"] = [m.entry for m in unexpanded_deny]
        if denied:
            return failed(
                f"{ident.account} is denied 'Log on as a service' through " + ", ".join(m.text() for m in denied),
                **evidence,
            )
        if granted and unexpanded_deny:
            return warned(
                f"{ident.account} holds 'Log on as a service' through {', '.join(m.text() for m in granted)}, but "
                f"'Deny log on as a service' names {', '.join(m.text() for m in unexpanded_deny)}, which may contain "
                "it and cannot be expanded here (a deny wins over the grant): verify, or deny specific accounts",
                **evidence,
            )
        if granted:
            return passed(f"{ident.account} holds 'Log on as a service' through "
                          + ", ".join(m.text() for m in granted), **evidence)
        if unexpanded_allow:
            return warned(
                f"'Log on as a service' names no AD group of {ident.account}, only {', '.join(unexpanded_allow)} "
                "(local, BUILTIN or other-domain groups whose members this check cannot see): verify the account "
                "is a member, or grant the right to the account",
                **evidence,
            )
        return failed(f"{ident.account} does not hold 'Log on as a service' (neither directly nor through a group)",
                      **evidence)


# --------------------------------------------------------------------------- SSO005


def sql_instance_key(server: str, node_name: str | None = None) -> tuple[str, str]:
    """(host, instance) of a SQL Server name, for comparison: case-insensitive, FQDN reduced to its host
    label, ``tcp:`` prefix and ``,port`` suffix dropped, ``MSSQLSERVER`` = the default instance, and
    ``.``/``(local)``/``localhost`` = the node itself."""
    text = server.strip().lower()
    if text.startswith("tcp:"):
        text = text[4:]
    host, _, instance = text.partition("\\")
    host = host.split(",")[0].strip()
    instance = instance.split(",")[0].strip()
    if host in (".", "(local)", "localhost", "127.0.0.1") and node_name:
        host = node_name.lower()
    host = host.split(".")[0] if not host.replace(".", "").isdigit() else host
    if instance == "mssqlserver":
        instance = ""
    return host, instance


def _db_label(server: str | None, database: str | None) -> str:
    return f"{server or '?'}/{database or '?'}"


class SsoDatabaseJoined(GroupCheck):
    """Every SSO server uses the existing SSO database: the cluster nodes joined the SSO system, not a new one.

    ENTSSO\\SQL ``Server`` and ``Database`` on every BizTalk and cluster node must name the inventory's SSO
    database (the BizTalk group's SSODB). A cluster node that points elsewhere was configured with "Create a
    new SSO system": there must be only one SSO database and one master secret server in the environment.
    """

    id = "SSO005"
    name = "sso-database-joined"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster", "sso-server")
    facts = (EntssoRegistry,)
    guide_step = "6"
    remediation = (
        "On the node, re-run the Enterprise SSO configuration (BizTalk Server Configuration) and choose "
        "'Join an existing SSO system' with the existing SSO database server and name and the existing SSO "
        "service account; do not create a new SSO system. Then restore the master secret on that node "
        "('ssoconfig -restoreSecret <backup file>') while it owns the SSO role. If the move's "
        "'ssomanage -updatedb <file.xml>' (secretServer = the cluster network name) was run from that node, it "
        "changed the wrong database: run it again against the existing one, from a node that uses it."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_MOVE_MSS, DOCS_SSO_SECURITY)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        want_server, want_db = ctx.expect.sso_db_server, ctx.expect.sso_db_name
        expected = _db_label(want_server, want_db)
        configs = {n.name: n.get(EntssoRegistry) for n in nodes}
        all_nodes = group_summary({name: _db_label(c.sql_server, c.sql_database) for name, c in configs.items()})
        for node in nodes:
            cfg = configs[node.name]
            found = _db_label(cfg.sql_server, cfg.sql_database)
            evidence = {"expected": expected, "found": found, "all_nodes": all_nodes}
            if not cfg.sql_server or not cfg.sql_database:
                yield failed(
                    "ENTSSO\\SQL 'Server'/'Database' are not set: SSO is not configured on this node",
                    node=node.name, **evidence,
                )
                continue
            same_server = sql_instance_key(cfg.sql_server, node.name) == sql_instance_key(want_server)
            same_db = cfg.sql_database.strip().lower() == want_db.strip().lower()
            if same_server and same_db:
                yield passed(f"uses the SSO database {found}", node=node.name, **evidence)
                continue
            if node.has_role("sso-cluster"):
                message = (f"uses the SSO database {found}, not the existing {expected}: this node created a new "
                           "SSO system instead of joining the existing one")
            else:
                message = f"uses the SSO database {found}, not the inventory's {expected}"
            yield failed(message, node=node.name, **evidence)


# --------------------------------------------------------------------------- SSO006


class MasterSecretBackupPresent(GroupCheck):
    """A master secret backup file is in the Enterprise SSO folder of each cluster node, the same file on all.

    The move restores the master secret from a backup on every cluster node (guide step 12 copies it to
    each node); without it a failover to a node that lost its secret cannot be repaired, and everything
    encrypted in the SSO database is lost with the secret. An ENTSSO event 10589 ("The master secret has
    not been backed up") newer than the node's newest backup file means the secret in use was never
    backed up (for example it was regenerated after the backup was taken). In nightly runs a missing or
    different file is a warning, not a failure: Microsoft asks for the backup to be stored in a secure
    location ("You must save and store the backup file in a secure location"), so removing it from the
    nodes after the move is right; a 10589 still fails.
    """

    id = "SSO006"
    name = "master-secret-backup-present"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (SsoBackupFiles, SsoEvents)
    guide_step = "12"
    remediation = (
        "On the master secret server (the node that owns the SSO role) run 'ssoconfig -backupSecret "
        f"\"{ENTSSO_FOLDER}\\SSO<date>.bak\"' (keep the password and reminder safe), copy that same file into "
        f"'{ENTSSO_FOLDER}' on every cluster node and keep a copy off the servers in a secure location (only SSO "
        "administrators may read it). After the move it may be removed from the nodes (nightly runs then warn)."
    )
    references = (DOCS_BACKUP, DOCS_RESTORE, DOCS_CLUSTER_MSS,
                  "https://learn.microsoft.com/en-us/biztalk/core/single-sign-on-event-10589")

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        files = {n.name: n.get(SsoBackupFiles) for n in nodes}
        hashes = {name: {f.sha256 for f in fs if f.sha256} for name, fs in files.items()}
        holders = Counter(h for hs in hashes.values() for h in hs)
        with_backup = [name for name, hs in hashes.items() if hs]
        # The backup most nodes share. With a tie at the top nobody can be blamed, unless only one node has
        # backups at all: then it is the reference and the nodes without a backup are the ones that fail.
        reference = strict_majority(holders)
        if reference is None and len(with_backup) == 1:
            reference = min(holders)  # that node's files, each held once: the lowest hash, a stable choice
        shared_by_all = reference is not None and holders[reference] == len(nodes)
        overview = {name: {f.name: f.sha256 for f in fs} for name, fs in files.items()}
        nightly = ctx.phase is Phase.NIGHTLY
        for node in nodes:
            mine = files[node.name]
            evidence: dict[str, Any] = {
                "expected": f"a *.bak master secret backup in {ENTSSO_FOLDER}, the same file (SHA-256) on every "
                            f"cluster node; no event {BACKUP_REQUIRED} after it",
                "found": {f.name: f.sha256 for f in mine},
                "cluster_nodes": overview,
            }
            problems: list[str] = []
            unbacked = _backup_required_events(node.get(SsoEvents), mine)
            if unbacked:
                evidence["events"] = [e.summary() for e in unbacked]
                problems.append(f"event {BACKUP_REQUIRED} at {unbacked[0].time}: the master secret in use has not "
                                "been backed up" + (" since the newest backup file" if mine else ""))
            if not mine:
                if nightly and not problems:
                    # Microsoft: "store the backup file in a secure location"; removing it from the nodes after the
                    # move is right, so nightly this only reminds, it never fails.
                    yield warned(f"no master secret backup (*.bak) in {ENTSSO_FOLDER}: make sure it is stored in a "
                                 "secure location off the servers (needed to restore a node)", node=node.name,
                                 **evidence)
                    continue
                problems.insert(0, f"no master secret backup (*.bak) in {ENTSSO_FOLDER}")
                yield failed("; ".join(problems), node=node.name, **evidence)
                continue
            if not hashes[node.name]:
                evidence["unreadable"] = {f.name: f.error for f in mine}
                if problems:
                    yield failed("; ".join(problems), node=node.name, **evidence)
                else:
                    yield errored("backup file(s) present but none could be read to compare", node=node.name,
                                  **evidence)
                continue
            if reference is not None and reference in hashes[node.name]:
                name = next(f.name for f in mine if f.sha256 == reference)
                if shared_by_all:
                    where = "the same file on every cluster node"
                elif holders[reference] == 1:
                    where = "no other cluster node has a backup to compare it with"
                else:
                    where = f"the same file on {holders[reference]} of {len(nodes)} cluster nodes"
                if not problems:
                    yield passed(f"master secret backup {name} present, {where}", node=node.name, **evidence)
                    continue
            else:
                others = sorted(n for n in files if n != node.name and hashes[n])
                differ = ("the backup file(s) here differ from the other cluster nodes' "
                          f"({', '.join(others) or 'none'}): copy the same backup file to every node")
                if nightly and not problems:
                    yield warned(differ, node=node.name, **evidence)
                    continue
                problems.insert(0, differ)
            yield failed("; ".join(problems), node=node.name, **evidence)


BACKUP_REQUIRED = 10589  # SSO_ERROR_BACKUP_SECRET_REQUIRED


def _backup_required_events(events: list[SsoEvent], backups: Sequence[BackupFile]) -> list[SsoEvent]:
    """10589 events (newest first) logged after the newest backup file was written (all of them without one).

    A backup copied to a node keeps its LastWriteTime, so the file time is when the backup was made; an older
    10589 was answered by that backup.
    """
    times = []
    for backup in backups:
        try:
            times.append(parse_time(backup.modified or ""))
        except ValueError:
            continue  # no usable time: the file cannot prove a later backup
    newest = max(times) if times else None
    return [e for e in of_ids(events, BACKUP_REQUIRED) if newest is None or e.when > newest]


# --------------------------------------------------------------------------- SSO012

DOCS_EVENT_10517 = "https://learn.microsoft.com/en-us/biztalk/core/single-sign-on-event-10517"
WELL_KNOWN_DOMAINS = {"builtin", "nt authority", "nt service", "."}


def _db_accounts(nodes: Sequence[NodeFacts]) -> tuple[dict[str, tuple[str, ...]], str | None, dict[str, str]]:
    """{"SSO Administrators": (...), "SSO Affiliate Administrators": (...)} as most readable nodes read them, the
    node the value comes from, and why each node could not read it."""
    readings: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    problems: dict[str, str] = {}
    for node in nodes:
        info = node.get(SsoDatabase)
        if info.error or not info.admin_accounts:
            problems[node.name] = info.error or "no 'Single Sign-On Administrators account' line"
            continue
        affiliates = tuple(a.strip() for a in re.split(r"[;,]", info.affiliate_group or "") if a.strip())
        readings[node.name] = (info.admin_accounts, affiliates)
    reference = strict_majority(Counter(readings.values()))
    if reference is None:
        return {}, None, problems
    source = sorted(n for n, v in readings.items() if v == reference)[0]
    return {"SSO Administrators": reference[0], "SSO Affiliate Administrators": reference[1]}, source, problems


def _local_kind(entry: str, node: str, machines: set[str]) -> str | None:
    """Why ``entry`` is not a domain account name on ``node``, or None when it names a domain account."""
    if "@" in entry:
        return None
    if "\\" not in entry:
        return "not domain-qualified: each SSO server resolves it against its own local groups first"
    dom = entry.partition("\\")[0].strip().lower()
    if dom in WELL_KNOWN_DOMAINS:
        return "a BUILTIN or well-known group of each machine, not a domain group"
    if dom.upper() == host(node) or dom.upper() in machines:
        return f"a machine-local group of {dom.upper()}"
    return None


class SsoGroupsAreDomainGroups(GroupCheck):
    """The SSO Administrators and SSO Affiliate Administrators accounts in the SSO database are domain groups.

    "To create a clustered instance of the Enterprise SSO service, you must create these groups as domain groups."
    A single-server installation often uses the machine's local "SSO Administrators" group; on the cluster nodes
    that name does not resolve (or resolves to another machine's group), ENTSSO logs 10517 "The SSO Administrators
    account is not valid" and does not start, and changing the account needs SSO disabled first (10570), so it
    must be found before the downtime window. The names come from the SSO database (``ssomanage -displaydb``)
    where a node reads it; on every cluster node the SSO Administrators group is also looked up in the service
    account's logon token (S4U, on the node): its SID there must be a domain SID, not BUILTIN or the node's own.
    """

    id = "SSO012"
    name = "sso-groups-are-domain-groups"
    severity = Severity.CRITICAL
    roles = ("sso-cluster", "sso-server")
    facts = (SsoDatabase, ServiceAccountGroups)
    guide_step = "4"
    remediation = (
        "Create domain groups (e.g. CORP\\SSO Administrators, CORP\\SSO Affiliate Administrators), add the SSO service "
        "account and the SSO administrators, then on the master secret server disable SSO ('ssomanage -disablesso'), "
        "update the accounts with 'ssomanage -updatedb <file.xml>' (<ssoAdminAccount>CORP\\SSO Administrators"
        "</ssoAdminAccount>, <ssoAffiliateAdminAccount>...</ssoAffiliateAdminAccount>), enable SSO "
        "('ssomanage -enablesso') and restart ENTSSO everywhere - before the downtime window."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_EVENT_10517, DOCS_DISPLAY_DB)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        accounts, source, problems = _db_accounts(nodes)
        if source is None:
            say = db_unread(nodes)
            for node in nodes:
                yield say("no cluster node could read the SSO Administrators accounts from the SSO database"
                          if not any(n.name not in problems for n in nodes) else
                          "the cluster nodes read different SSO Administrators accounts (see SSO005)",
                          node=node.name, expected="ssomanage -displaydb output on at least one cluster node",
                          found=problems)
            return
        machines = {host(n.name) for n in nodes} | {host(ctx.expect.master_secret_server)}
        domain = domain_of(ctx)
        for node in nodes:
            ident = node.get(ServiceAccountGroups)
            evidence: dict[str, Any] = {
                "expected": "domain groups that resolve to a domain SID on this node",
                "found": {k: list(v) for k, v in accounts.items()},
                "read_on": source,
            }
            problems_here: list[str] = []
            individual: list[str] = []
            resolved: dict[str, str] = {}
            for role, names in accounts.items():
                for entry in names:
                    why = _local_kind(entry, node.name, machines)
                    if why:
                        problems_here.append(f"{role} account {entry!r} is {why}")
                        continue
                    if same_account(entry, ident.account, domain):
                        individual.append(entry)
                    group = next((g for g in ident.groups if g.name and same_account(g.name, entry, domain)), None)
                    if group is None:
                        continue  # not in the service account's token: SSO002 judges membership
                    resolved[entry] = group.sid
                    gdom = (group.name or "").partition("\\")[0].upper()
                    if group.sid.startswith("S-1-5-32-") or gdom == host(node.name):
                        problems_here.append(f"{role} account {entry!r} resolves on this node to the local group "
                                             f"{group.name} ({group.sid})")
            if resolved:
                evidence["resolved_here"] = resolved
            if problems_here:
                yield failed("; ".join(problems_here) + " (event 10517: ENTSSO does not start)", node=node.name,
                             **evidence)
            elif individual:
                yield warned(f"the SSO Administrators accounts include the individual account(s) {individual} "
                             "(event 11051): use domain groups only", node=node.name, **evidence)
            else:
                yield passed("the SSO Administrators and Affiliate Administrators accounts are domain groups"
                             + (" (resolved here to domain SIDs)" if resolved else ""), node=node.name, **evidence)


# --------------------------------------------------------------------------- SSO016

DOCS_SET_SSO_SERVER = "https://learn.microsoft.com/en-us/biztalk/core/how-to-set-the-sso-server"


class SsoServerPointers(NodeCheck):
    """After the move, the SSO tools of each node use the SSO network name or the node itself, never the old server.

    ``ssomanage -displaydb`` prints the SSO server this node's SSO tools (ssomanage, ssoconfig, the BizTalk
    Administration console's SSO calls) talk to: ``Using SSO server : <name>``, set per user with
    ``ssomanage -server`` or for all users with ``-serverall``. Pointing at the old master secret server keeps
    working only while that server runs its own ENTSSO; once it is decommissioned every SSO administration
    call from this node fails with 0xC0002A0F. The BizTalk group's own SSO server name
    (``MSBTS_GroupSetting.SSOServerName``) is read through BizTalk's WMI provider from the management database,
    a second hop, and is not judged here.
    """

    id = "SSO016"
    name = "sso-server-pointers"
    severity = Severity.MEDIUM
    roles = ("biztalk", "sso-cluster")
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (SsoDatabase,)
    guide_step = "19, 23"
    remediation = (
        "On the node, as each user that runs the SSO tools: 'ssomanage -server <SSO network name>' (or for all users "
        "'ssomanage -serverall <SSO network name>', e.g. BIZTALKCLUSTER), or point it at the node itself on a "
        "BizTalk node that runs ENTSSO. If BizTalk hosts are clustered on the SSO cluster, also set the group's "
        "SSO server name (BizTalk Administration -> group -> Settings -> SSO Server) to the network name."
    )
    references = (DOCS_SET_SSO_SERVER, DOCS_MOVE_MSS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        info = node.get(SsoDatabase)
        network_name, old = ctx.expect.cluster_network_name, ctx.expect.master_secret_server
        evidence: dict[str, Any] = {
            "expected": f"{network_name} or {node.name} (this node)",
            "found": info.using_server,
        }
        using = info.using_server
        if not using:
            if not info.local:
                # The probe does not run ssomanage where ENTSSO does not answer locally (no second hop).
                return skipped(f"the SSO tools were not asked here: {info.error}", **evidence)
            return errored("ssomanage did not say which SSO server it uses"
                           + (f": {info.error}" if info.error else " (no 'Using SSO server' line)"), **evidence)
        if using == THIS_COMPUTER or same_host(using, node.name):
            return passed("the SSO tools use the SSO server on this node", **evidence)
        if same_host(using, network_name):
            return passed(f"the SSO tools use the SSO network name {host(network_name)}", **evidence)
        if same_host(using, old):
            return failed(f"the SSO tools still use the old master secret server {host(old)}: they fail once it is "
                          f"decommissioned; point them at {host(network_name)}", **evidence)
        return warned(f"the SSO tools use {using}, neither the SSO network name {host(network_name)} nor this node",
                      **evidence)


# --------------------------------------------------------------------------- SSO014

LOCAL_ADMINS_SID = "S-1-5-32-544"  # BUILTIN\\Administrators, the same SID on every Windows machine


def _sso_admin_accounts(nodes: Sequence[NodeFacts], domain: Domain) -> tuple[tuple[str, ...], str | None, str]:
    """The SSO Administrators account(s) as the SSO database names them, the node that read them, and why
    not when no node could tell (none read it, or the nodes read different ones: see SSO005)."""
    readings = {n.name: n.get(SsoDatabase) for n in nodes}
    usable = {name: info for name, info in readings.items() if info.error is None and info.admin_accounts}
    if not usable:
        why = "; ".join(f"{name}: {info.error or 'no Single Sign-On Administrators line'}"
                        for name, info in sorted(readings.items()))
        return (), None, f"no cluster node could read the SSO Administrators account from the SSO database ({why})"
    if len({_account_keys(info.admin_accounts, domain) for info in usable.values()}) > 1:
        return (), None, "the cluster nodes read different SSO Administrators accounts (different SSO databases)"
    source = sorted(usable)[0]
    return usable[source].admin_accounts, source, ""


class OperatorCanRestore(GroupCheck):
    """The restore operator is a local administrator and an SSO administrator on every cluster node.

    ``ssoconfig -restoreSecret`` needs "an account that is both a Windows administrator and an SSO
    administrator" (How to Restore the Master Secret); otherwise it fails in the downtime window with
    0xC0002A13 ENTSSO_E_NOT_ADMIN (event 10771, "This function can only be performed by a local
    administrator") or 0xC0002A14 ENTSSO_E_NOT_SSO_ADMIN (codes from ENTSSO's ssoerrors.h).
    The inventory's ``sso.restore_operator`` is logged on with S4U on each cluster node (no second hop):
    BUILTIN\\Administrators (S-1-5-32-544) in that token proves local administrator rights, nested groups
    included; the SSO Administrators account comes from the SSO database (``ssomanage -displaydb``) as read
    on a cluster node where ENTSSO answers. Where no node could read it, only the local administrator half
    is proven and the verdict is ``error``. Without an operator in the inventory: ``skip``.
    """

    id = "SSO014"
    topologies = CLUSTERED
    name = "operator-can-restore"
    severity = Severity.HIGH
    phases = (Phase.PRE,)
    roles = ("sso-cluster",)
    facts = (SsoDatabase, RestoreOperatorGroups)
    guide_step = "20, 22a"
    remediation = (
        "Before the window, make the restore operator (inventory sso.restore_operator) a member of the local "
        "Administrators group on every cluster node (Computer Management, or 'net localgroup Administrators "
        "CORP\\opadmin /add'; a domain group already in it also works) and of the SSO Administrators group named "
        "by 'ssomanage -displaydb' (directly or through a nested domain group). Group membership is read at "
        "logon: the operator must log off and on again, and run 'ssoconfig -restoreSecret' from an elevated "
        "prompt (UAC filters Administrators out of a non-elevated token)."
    )
    references = (
        DOCS_RESTORE,
        DOCS_CLUSTER_MSS,
        "ENTSSO error codes (ssoerrors.h): 0xC0002A13 ENTSSO_E_NOT_ADMIN 'This function can only be performed by "
        "a local administrator'; 0xC0002A14 ENTSSO_E_NOT_SSO_ADMIN 'The user is not a member of the specified SSO "
        "Admin account' (event 10771 logs the first)",
    )

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        want = ctx.expect.restore_operator
        if not want:
            for node in nodes:
                yield skipped("no restore operator in the inventory (sso.restore_operator): nothing to prove",
                              node=node.name)
            return
        domain = domain_of(ctx)
        admins, source, unknown = _sso_admin_accounts(nodes, domain)
        for node in nodes:
            ident = node.get(RestoreOperatorGroups)
            if ident is None:
                yield errored(f"the probe did not log on {want}: the snapshot was taken without the operator",
                              node=node.name, expected=want, found=None)
                continue
            local_admin = LOCAL_ADMINS_SID in ident.group_sids
            via = _membership(ident, admins, domain) if admins else None
            untranslated = [g.sid for g in ident.groups if not g.name]
            evidence: dict[str, Any] = {
                "expected": f"{want} holds {LOCAL_ADMINS_SID} (BUILTIN\\Administrators) and is in "
                            + (" or ".join(admins) if admins else "the SSO Administrators group"),
                "account_sid": ident.sid,
                "local_administrator": local_admin,
                "sso_admin_group_read_on": source,
                "found": sorted(ident.group_names) or [g.sid for g in ident.groups],
            }
            problems = []
            if not local_admin:
                problems.append("not a local administrator (no BUILTIN\\Administrators in its token: "
                                "ssoconfig -restoreSecret fails with 0xC0002A13)")
            if admins and not via and not untranslated:
                problems.append(f"not in the SSO Administrators account {' or '.join(admins)}, directly or nested "
                                "(0xC0002A14)")
            if problems:
                yield failed(f"{ident.account} cannot restore the master secret here: {'; '.join(problems)}",
                             node=node.name, **evidence)
            elif not admins:
                yield db_unread(nodes)(f"{ident.account} is a local administrator, but SSO administrator membership is "
                              f"unproven: {unknown}", node=node.name, **evidence)
            elif not via:
                yield errored(f"{ident.account} is a local administrator and in none of {' or '.join(admins)}, "
                              f"but {len(untranslated)} of its groups could not be translated to names: cannot tell",
                              node=node.name, untranslated=untranslated, **evidence)
            else:
                yield passed(f"{ident.account} is a local administrator and in the SSO Administrators account {via}",
                             node=node.name, **evidence)


CHECKS = [
    EntssoInstalled,
    ServiceAccountInSsoAdmins,
    LogonAsServiceRight,
    EntssoServiceAccount,
    SsoDatabaseJoined,
    MasterSecretBackupPresent,
    SsoGroupsAreDomainGroups,
    SsoServerPointers,
    OperatorCanRestore,
]
