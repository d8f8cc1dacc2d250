"""Checks of a standalone master secret server (topology standalone): its standby and its own lock-down.

Microsoft's high-availability page for the master secret server describes an "available, not highly available"
set-up: one master secret server, an alert when it is unavailable, and a prepared manual promotion of another SSO
server (the backed-up secret restored there). The inventory names the server (``standalone.server``, in the
checks ``ctx.expect.cluster_network_name``: the MSS name after the move) and optionally the standby
(``standalone.standby``); both have the role ``sso-server``. These checks judge the standby (SSO022, SSO023) and
the server itself (SSO024); on the other SSO server they say why they do not apply to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ssocheck.accounts import same_account
from ssocheck.check import Context, GroupCheck, NodeCheck, NodeFacts, Outcome, errored, failed, passed, skipped, warned
from ssocheck.facts.biztalk import BizTalkHostServices
from ssocheck.facts.services import Services
from ssocheck.facts.sso import EntssoRegistry, SsoBackupFiles
from ssocheck.model import Severity

from .common import DOCS_BACKUP, DOCS_HA_MSS, DOCS_RESTORE, DOCS_SSO_SECURITY, ENTSSO_FOLDER, same_host
from .sso import domain_of, sql_instance_key

STANDALONE = ("standalone",)
STANDBY_HINT = "name the SSO server prepared for promotion as standalone.standby in the inventory"


def _is_server(node: NodeFacts, ctx: Context) -> bool:
    return same_host(node.name, ctx.expect.cluster_network_name)


def _is_standby(node: NodeFacts, ctx: Context) -> bool:
    return same_host(node.name, ctx.expect.standby_sso_server)


def _standby_pair(nodes: Sequence[NodeFacts], ctx: Context) -> tuple[NodeFacts | None, NodeFacts | None]:
    server = next((n for n in nodes if _is_server(n, ctx)), None)
    standby = next((n for n in nodes if _is_standby(n, ctx)), None)
    return server, standby


def _not_the_standby(nodes: Sequence[NodeFacts], ctx: Context, check: str) -> Iterable[Outcome]:
    """The verdicts for the nodes other than the standby: the reason the check does not judge them."""
    for node in nodes:
        if _is_standby(node, ctx):
            continue
        if ctx.expect.standby_sso_server is None:
            yield skipped(f"no standby SSO server in the inventory: {check} judges the standby ({STANDBY_HINT})",
                          node=node.name)
        else:
            yield skipped(f"{check} judges the standby {ctx.expect.standby_sso_server}; this is the master secret "
                          "server", node=node.name)


class StandbyHoldsSecretBackup(GroupCheck):
    """The standby SSO server holds the master secret backup, the same file as the master secret server.

    Promoting the standby means restoring the backed-up secret there ('ssoconfig -restoreSecret'); without the
    backup on the standby (or with another one than the master secret server's) the promotion cannot be done
    when the master secret server is lost, which is the whole point of the standalone set-up. Compared by
    SHA-256 like SSO006; when the master secret server keeps no backup of its own (stored off the servers, as
    Microsoft asks), the standby's file is not compared.
    """

    id = "SSO022"
    name = "standby-holds-secret-backup"
    severity = Severity.HIGH
    roles = ("sso-server",)
    topologies = STANDALONE
    facts = (SsoBackupFiles,)
    guide_step = "12"
    remediation = (
        "Copy the current master secret backup (the file 'ssoconfig -backupSecret' wrote on the master secret server) "
        f"into '{ENTSSO_FOLDER}' on the standby SSO server, readable by SSO administrators only, and keep the "
        "password and reminder with the promotion procedure."
    )
    references = (DOCS_HA_MSS, DOCS_BACKUP, DOCS_RESTORE)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        yield from _not_the_standby(nodes, ctx, self.id)
        server, standby = _standby_pair(nodes, ctx)
        if standby is None:
            return
        mine = standby.get(SsoBackupFiles)
        theirs = server.get(SsoBackupFiles) if server is not None else []
        mine_hashes = {f.sha256 for f in mine if f.sha256}
        their_hashes = {f.sha256 for f in theirs if f.sha256}
        evidence: dict[str, Any] = {
            "expected": f"a *.bak master secret backup in {ENTSSO_FOLDER} on the standby, the same file (SHA-256) as "
                        "on the master secret server when it keeps one",
            "found": {f.name: f.sha256 for f in mine},
            "master_secret_server": {f.name: f.sha256 for f in theirs},
        }
        if not mine:
            yield failed(f"no master secret backup (*.bak) in {ENTSSO_FOLDER}: the standby cannot be promoted",
                         node=standby.name, **evidence)
        elif not mine_hashes:
            yield errored("backup file(s) present but none could be read to compare", node=standby.name,
                          unreadable={f.name: f.error for f in mine}, **evidence)
        elif their_hashes and not mine_hashes & their_hashes:
            yield failed("the backup file(s) here differ from the master secret server's: copy its current backup",
                         node=standby.name, **evidence)
        else:
            name = sorted(f.name for f in mine if f.sha256)[0]
            where = "the same file as on the master secret server" if their_hashes else \
                "the master secret server keeps no backup to compare it with"
            yield passed(f"master secret backup {name} present, {where}", node=standby.name, **evidence)


class StandbyPromotionReady(GroupCheck):
    """The standby SSO server can be promoted: ENTSSO installed, joined to the same SSO database, same account.

    A manual promotion makes the standby the master secret server ('ssomanage -updatedb' naming it, then the
    secret restored there). That works only when the standby already is an SSO server of the same SSO system:
    the ENTSSO service and the SSO Server component installed, ENTSSO\\SQL naming the same SSO database as the
    master secret server, and ENTSSO logging on as the same account, so the rights the master secret server's
    account holds (SSO Administrators, SSO002; "Log on as a service", SSO003, both run on the standby too) are
    the standby's as well. A disabled ENTSSO service could not start after the promotion.
    """

    id = "SSO023"
    name = "standby-promotion-ready"
    severity = Severity.HIGH
    roles = ("sso-server",)
    topologies = STANDALONE
    facts = (Services, EntssoRegistry)
    guide_step = "3, 4, 6"
    remediation = (
        "On the standby, install Enterprise Single Sign-On (Server and Administration), configure it with 'Join an "
        "existing SSO system' naming the master secret server's SSO database, and set the ENTSSO service to log on "
        "as the master secret server's SSO service account (services.msc), startup type Automatic or Manual."
    )
    references = (DOCS_HA_MSS, DOCS_SSO_SECURITY)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        yield from _not_the_standby(nodes, ctx, self.id)
        server, standby = _standby_pair(nodes, ctx)
        if standby is None:
            return
        svc = standby.get(Services).get("ENTSSO")
        cfg = standby.get(EntssoRegistry)
        ref_svc = server.get(Services).get("ENTSSO") if server is not None else None
        ref_cfg = server.get(EntssoRegistry) if server is not None else None
        want_db = (ref_cfg.sql_server, ref_cfg.sql_database) if ref_cfg is not None and ref_cfg.sql_server else \
            (ctx.expect.sso_db_server, ctx.expect.sso_db_name)
        want_account = ref_svc.account if ref_svc is not None else ctx.expect.sso_service_account
        evidence: dict[str, Any] = {
            "expected": {"entsso": "installed, not Disabled", "sso_server_component": True,
                         "sso_database": f"{want_db[0]}/{want_db[1]}", "account": want_account},
            "found": {"entsso": None if svc is None else f"{svc.state}, {svc.start_mode}",
                      "sso_server_component": cfg.installed_server,
                      "sso_database": f"{cfg.sql_server}/{cfg.sql_database}",
                      "account": None if svc is None else svc.account},
        }
        problems: list[str] = []
        if svc is None:
            problems.append("the ENTSSO service is not installed")
        elif svc.start_mode.lower() == "disabled":
            problems.append("the ENTSSO service is Disabled")
        if not cfg.installed_server:
            problems.append("the SSO Server component is not installed (ENTSSO 'Server' value missing)")
        if not cfg.sql_server or not cfg.sql_database:
            problems.append("SSO is not configured (ENTSSO\\SQL Server/Database not set)")
        elif sql_instance_key(cfg.sql_server, standby.name) != sql_instance_key(str(want_db[0])) or \
                cfg.sql_database.strip().lower() != str(want_db[1]).strip().lower():
            problems.append(f"joined to the SSO database {cfg.sql_server}/{cfg.sql_database}, not the master secret "
                            f"server's {want_db[0]}/{want_db[1]}")
        if svc is not None and not _same_logon(svc.account, svc.account_sid, ref_svc, want_account, ctx):
            problems.append(f"ENTSSO logs on as {svc.account}, not as the master secret server's {want_account}")
        if problems:
            yield failed("cannot be promoted: " + "; ".join(problems), node=standby.name, **evidence)
        else:
            yield passed(f"ready for promotion: ENTSSO installed, joined to {cfg.sql_server}/{cfg.sql_database}, "
                         f"logs on as {svc.account if svc else want_account}", node=standby.name, **evidence)


def _same_logon(account: str, sid: str | None, ref: Any, want: str, ctx: Context) -> bool:
    """The standby's ENTSSO account is the master secret server's: by SID when both nodes translated it."""
    ref_sid = getattr(ref, "account_sid", None)
    if sid and ref_sid:
        return bool(sid == ref_sid)
    return same_account(account, want, domain_of(ctx))


class StandaloneMssNotProcessingNode(NodeCheck):
    """The standalone master secret server is not also a BizTalk processing server.

    Microsoft's SSO security recommendations: "You should not use this server as a processing server. The only
    purpose of this server should be to hold the master secret." A standalone master secret server that is also a
    BizTalk node (the inventory role biztalk, or BizTalk host instance services on it) is a warning: it works, but
    the server holding the secret runs the farm's adapters and code.
    """

    id = "SSO024"
    name = "standalone-mss-not-processing-node"
    severity = Severity.MEDIUM
    roles = ("sso-server",)
    topologies = STANDALONE
    facts = (BizTalkHostServices,)
    guide_step = "-"
    remediation = (
        "Move the master secret server to a server that runs nothing else (an SSO server with only the Enterprise "
        "SSO Server and Administration components; 'ssomanage -updatedb' and a restore of the secret there), or "
        "remove the BizTalk host instances from this server."
    )
    references = (DOCS_SSO_SECURITY, DOCS_HA_MSS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        if not _is_server(node, ctx):
            return skipped(f"{self.id} judges the master secret server {ctx.expect.cluster_network_name}; this is "
                           "the standby")
        hosts = sorted(h.name for h in node.get(BizTalkHostServices))
        evidence: dict[str, Any] = {"expected": "no BizTalk host instance and not in the biztalk role",
                    "found": {"roles": list(node.roles), "host_instances": hosts}}
        if node.has_role("biztalk") or hosts:
            what = "has the inventory role biztalk" if node.has_role("biztalk") else ""
            if hosts:
                what += (" and " if what else "") + f"runs BizTalk host instances ({', '.join(hosts)})"
            return warned(f"the standalone master secret server is also a BizTalk processing server: it {what}",
                          **evidence)
        return passed("holds the master secret only: no BizTalk host instance here", **evidence)


CHECKS = [StandbyHoldsSecretBackup, StandbyPromotionReady, StandaloneMssNotProcessingNode]
