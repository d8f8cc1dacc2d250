"""Failure events nothing else reads (CHECKS.md EVT001): ENTSSO errors, ENTSSO logon failures at the Service
Control Manager, and failures of the clustered ENTSSO resource."""

from __future__ import annotations

from typing import Any

from ssocheck.check import Context, NodeCheck, NodeFacts, Outcome, failed, passed
from ssocheck.facts.events import SERVICE_STARTING, SsoEvents, SystemEvent, SystemFailureEvents, latest, of_ids
from ssocheck.model import Phase, Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import DOCS_CLUSTER_MSS

# ENTSSO errors of the Application log: SQL access (10513 first contact, 10514, 10603), RPC (10602), DTC (10605
# import, 11049 no MSDTC), AuthZ cannot read group membership (11016).
ENTSSO_FAILURES = (10513, 10514, 10602, 10603, 10605, 11016, 11049)
# How the Service Control Manager names the service in its events (service name or display name).
ENTSSO_SERVICE_NAMES = {"entsso", "enterprise single sign-on service"}
SCM = "service control manager"
CLUSTERING = "microsoft-windows-failoverclustering"
DOCS_TROUBLESHOOT_SSO = "https://learn.microsoft.com/en-us/biztalk/core/troubleshooting-enterprise-single-sign-on"
KB_7041 = "KB 871236: event 7041, the service account is missing 'Log on as a service' on this node"
DOCS_1069 = ("Microsoft, Failover Clustering events 1040-1042 'Generic service could not be brought online' "
             "(Windows Server 2008 R2 event reference, dd354049)")


def _about_entsso(event: SystemEvent, resources: tuple[str, ...]) -> bool:
    """An SCM event naming the ENTSSO service, or a cluster event naming one of the ENTSSO resources."""
    first = event.strings[0].strip().lower() if event.strings else ""
    if event.provider.lower() == SCM:
        return first in ENTSSO_SERVICE_NAMES
    if event.provider.lower() == CLUSTERING:
        return first in {r.strip().lower() for r in resources if r}
    return False


class SsoAndClusterFailureEvents(NodeCheck):
    """No ENTSSO, Service Control Manager or cluster failure events about SSO since ENTSSO last started.

    Failures no other check reads: ENTSSO 10513/10514/10603 (SSO database), 10602 (RPC), 10605/11049 (MSDTC),
    11016 (the service account cannot read group membership); Service Control Manager 7038/7041 for ENTSSO (a
    password changed on one node only, "Log on as a service" missing on a cluster node); Failover Clustering
    1069 and 1040-1042 for the ENTSSO Generic Service resource. The move restarts ENTSSO on every node, so the
    events judged are those after the node's newest ENTSSO start (10501/10611), or all events of the read window
    when there is none: a failure the service recovered from by a later good start is history, one after it is
    current. Matched by provider, ID and insertion strings, never by (localised) message text.
    """

    id = "EVT001"
    name = "sso-and-cluster-failure-events"
    severity = Severity.HIGH
    roles = ("biztalk", "sso-cluster", "sql", "sso-server")
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (SsoEvents, SystemFailureEvents)
    guide_step = "21, 23"
    remediation = (
        "Read the events named in the evidence on the node and fix their cause: 7038/7041 - set the ENTSSO logon "
        "password (services.msc) or grant 'Log on as a service' on this node, the same on every cluster node; "
        "10513/10514/10603 - SQL connectivity and the service account's rights on the SSO database; 10602 - the RPC "
        "path (TCP 135 and the dynamic ports); 10605/11049 - MSDTC network access and the clustered DTC; 11016 - "
        "add the service account to 'Windows Authorization Access Group'; 1069/1040-1042 - the ENTSSO resource's "
        "dependencies and the node's secret (ssoconfig -restoreSecret). Then restart ENTSSO (or take the resource "
        "offline and online) and run the check again."
    )
    references = (DOCS_TROUBLESHOOT_SSO, DOCS_CLUSTER_MSS, KB_7041, DOCS_1069)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        sso = node.get(SsoEvents)
        system = node.get(SystemFailureEvents)
        start = latest(sso, SERVICE_STARTING)
        since = start.when if start else None
        found: list[dict[str, Any]] = [e.summary() for e in of_ids(sso, ENTSSO_FAILURES)
                                       if since is None or e.when > since]
        found += [e.summary() for e in system.events
                  if _about_entsso(e, system.entsso_resources) and (since is None or e.when > since)]
        found.sort(key=lambda e: str(e["time"]), reverse=True)
        window = f"since ENTSSO last started here ({start.time})" if start else "in the read window (no ENTSSO start)"
        evidence: dict[str, Any] = {"expected": f"no SSO failure events {window}", "found": found[:20]}
        if system.entsso_resources:
            evidence["entsso_resources"] = list(system.entsso_resources)
        if found:
            kinds = ", ".join(sorted({f"{e.get('provider', 'ENTSSO')} {e['id']}" for e in found}))
            return failed(f"{len(found)} failure event(s) {window}: {kinds} (newest {found[0]['time']})",
                          **evidence)
        return passed(f"no ENTSSO, service or cluster failure events {window}", **evidence)


CHECKS = [SsoAndClusterFailureEvents]
