"""Enterprise SSO service checks (CHECKS.md SSO0xx)."""

from __future__ import annotations

from ssocheck.accounts import Domain, is_builtin_service_account, same_account
from ssocheck.check import Context, NodeCheck, NodeFacts, Outcome, failed, passed
from ssocheck.facts.services import Services
from ssocheck.model import Severity

DOCS_CLUSTER_MSS = "https://learn.microsoft.com/en-us/biztalk/core/how-to-cluster-the-master-secret-server1"


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
    roles = ("biztalk", "sso-cluster")
    facts = (Services,)
    guide_step = "4, 6"
    remediation = (
        "In services.msc set the 'Enterprise Single Sign-On Service' (ENTSSO) logon account to the "
        "designated domain account on this node (or re-run SSO configuration with it). If the account "
        "changed on a master secret server node, restore the secret again: 'ssoconfig -restoreSecret <file>'."
    )
    references = (DOCS_CLUSTER_MSS, "KB 884205: change the Enterprise SSO service account")

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        svc = node.get(Services).get("ENTSSO")
        want = ctx.expect.sso_service_account
        if not node.has_role("sso-cluster") and ctx.expect.biztalk_sso_service_account:
            want = ctx.expect.biztalk_sso_service_account
        if svc is None:
            return failed("the ENTSSO service is not installed", expected=want, found=None)
        if is_builtin_service_account(svc.account):
            return failed(
                f"ENTSSO logs on as the built-in account {svc.account}, not a domain account",
                expected=want,
                found=svc.account,
            )
        if not same_account(svc.account, want, domain_of(ctx), machine=node.name):
            return failed(f"ENTSSO logs on as {svc.account}, expected {want}", expected=want, found=svc.account)
        return passed(f"ENTSSO logs on as {svc.account}", expected=want, found=svc.account)
CHECKS = [EntssoServiceAccount]
