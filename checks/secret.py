"""Master secret checks (CHECKS.md SSO007-SSO011): who the master secret server is, where the secret is.

Evidence comes from three places that must tell the same story (domain.md §7-§9, §11): the SSO
database's secret server name (``ssomanage -displaydb``), the SSOSS registry key names on each
node, and the ENTSSO events of the Application log (10534 "this computer is the master secret
server", 10533 "got the current secret from <server>", 10532 "failed to retrieve master secrets",
10523 restores, 10520/10521/10565 missing or unreadable secrets, 10501/10611 service starts).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

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
    unproven,
    warned,
)
from ssocheck.errors import FactError
from ssocheck.evidence import group_summary
from ssocheck.facts.cluster import Cluster, ClusterState
from ssocheck.facts.events import (
    API_AUDIT,
    GOT_SECRET,
    IS_SECRET_SERVER,
    LOST_SECRET_SERVER,
    RESTORE_FAILED,
    RESTORE_OK,
    SECRET_FAILURE_HRESULTS,
    SECRET_MISSING,
    SERVICE_STARTING,
    SsoEvent,
    SsoEvents,
    event_id_of,
    hresult_meaning,
    latest,
    newer_than,
)
from ssocheck.facts.secret import SecretKeys
from ssocheck.facts.services import Services
from ssocheck.facts.sso import NOT_LOCAL, SecretServerNames, SsoDatabase
from ssocheck.model import Phase, Severity

# Relative: the pack installs as ssocheck_checks but type-checks as checks.
from .common import (
    BLOG_FAILOVER,
    BLOG_NO_ENDPOINTS,
    CLUSTERED,
    DOCS_BACKUP,
    DOCS_CLUSTER_MSS,
    DOCS_HA_MSS,
    DOCS_MOVE_MSS,
    DOCS_RESTORE,
    ENTSSO_E_NO_SSO_SERVER,
    ENTSSO_FOLDER,
    db_unread,
    find_entsso_resource,
    host,
    resource_role,
    same_host,
    strict_majority,
)

DOCS_UPDATE_DB = "https://learn.microsoft.com/en-us/biztalk/core/how-to-update-the-sso-database"


def entsso_running(node: NodeFacts) -> tuple[bool, str]:
    """Whether ENTSSO runs on the node, and its state as text ("not installed" when absent)."""
    svc = node.get(Services).get("ENTSSO")
    if svc is None:
        return False, "not installed"
    return svc.state.lower() == "running", svc.state


def cluster_view(nodes: Sequence[NodeFacts]) -> ClusterState | None:
    """The cluster as seen by the first sso-cluster node whose ``cluster`` fact was collected, if any.

    Used opportunistically by checks that do not declare the fact (declaring it would make it be
    collected, and fail, on BizTalk nodes, which are not cluster members).
    """
    for node in nodes:
        if node.has_role("sso-cluster") and node.missing_reason(Cluster) is None:
            try:
                return node.get(Cluster)
            except FactError:
                continue
    return None


def role_owner(state: ClusterState, network_name: str) -> str | None:
    """The node that owns the role holding the clustered ENTSSO resource (None when not found)."""
    resource, _reason = find_entsso_resource(state, network_name)
    if resource is None:
        return None
    if resource.owner_node:
        return resource.owner_node
    group = resource_role(state, resource)
    return group.owner_node if group and group.owner_node else None


def _ev(event: SsoEvent | None) -> dict[str, Any] | None:
    return event.summary() if event else None


# --------------------------------------------------------------------------- SSO007


class MasterSecretServerName(GroupCheck):
    """The SSO database names the right master secret server: the current one (pre), the cluster network name (post).

    ``SSOX_GlobalInfo.gi_SecretServer`` (read with ``ssomanage -displaydb`` on every node that can)
    is where every SSO server looks for the master secret. Before the move it must still be the
    current master secret server (inventory ``master_secret_server``); after it, the cluster
    network name (NetBIOS, case-insensitive) - never a physical cluster node or the cluster's own
    (CNO) name, which would break at the first failover. A 'pre' run that finds the network name already
    there warns that the move looks done and asks for a 'post' run; it never advises setting the database
    back to the old server. Nodes that could not read the database get
    ``error``, except a passive cluster node whose local ENTSSO is stopped (ssomanage answers
    0xC0002A0F there by design), which gets the verdict of the value read elsewhere. Different
    answers from different nodes fail.
    """

    id = "SSO007"
    name = "master-secret-server-name"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster")
    facts = (SsoDatabase, Services)
    guide_step = "18-19"
    remediation = (
        "After the move: in '" + ENTSSO_FOLDER + "' create UpdateMSS.xml containing only "
        "<sso><globalInfo><secretServer>CLUSTER-NETWORK-NAME</secretServer></globalInfo></sso> (the cluster "
        "network name, e.g. BIZTALKCLUSTER; no SSO Administrators element when run from a computer that is not "
        "the master secret server) and run 'ssomanage -updatedb UpdateMSS.xml' as an SSO administrator "
        "(event 10575 confirms); then take the clustered ENTSSO resource offline and online and run "
        "'Restart-Service ENTSSO' on every BizTalk node. Use the network name of the SSO role (the clustered "
        "ENTSSO resource's Name: resource), not the cluster's own (CNO) name and never a physical node: an older "
        "Host Integration Server page still says 'cluster name', BizTalk's page was corrected. Before the move "
        "the database names the current master secret server; if a 'pre' run finds the SSO network name there, "
        "the move has been done: validate it with '--phase post' (never set the database back)."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_UPDATE_DB, DOCS_MOVE_MSS)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        expected = ctx.expect.master_secret_server if ctx.phase is Phase.PRE else ctx.expect.cluster_network_name
        view = cluster_view(nodes)
        physical = {host(n.name) for n in nodes if n.has_role("sso-cluster")}
        cno = host(view.name) if view else ""
        if view:
            physical |= {host(m.name) for m in view.nodes}
        readings: dict[str, str] = {}
        problems: dict[str, str] = {}
        for node in nodes:
            info = node.get(SsoDatabase)
            if info.error or not (info.secret_server or "").strip():
                problems[node.name] = info.error or "ssomanage -displaydb showed no secret server name"
            else:
                readings[node.name] = (info.secret_server or "").strip()
        values = sorted({host(v) for v in readings.values()})
        base: dict[str, Any] = {"expected": expected, "read_on": group_summary(readings)}
        verdict: Outcome | None = None
        if len(values) > 1:
            verdict = failed(
                "nodes disagree about the master secret server name in the SSO database: "
                + ", ".join(f"{n}={v}" for n, v in sorted(readings.items())),
                **base,
                found=dict(readings),
            )
        elif values:
            found = values[0]
            verdict = self._judge(found, expected, ctx, physical, cno, base)
        for node in nodes:
            if node.name in readings and verdict is not None:
                yield Outcome(verdict.status, verdict.message, verdict.evidence, node.name)
                continue
            reason = problems[node.name]
            running, state = entsso_running(node)
            expected_gap = node.has_role("sso-cluster") and not running and _is_no_server(reason)
            if verdict is not None and expected_gap:
                note = (f" (not readable here: local ENTSSO {state} on this passive node; read on "
                        f"{', '.join(sorted(readings))})")
                yield Outcome(verdict.status, verdict.message + note, {**verdict.evidence, "local_error": reason},
                              node.name)
            else:
                yield (errored if verdict is not None else db_unread(nodes))(
                    f"could not read the SSO database here: {reason}", node=node.name,
                    expected=expected, found=None, error=reason)

    @staticmethod
    def _judge(found: str, expected: str, ctx: Context, physical: set[str], cno: str,
               base: dict[str, Any]) -> Outcome:
        evidence = {**base, "found": found}
        if cno and found == cno:
            return failed(
                f"the SSO database names the Windows cluster (CNO) {found} as master secret server, not the "
                f"network name of the SSO role {ctx.expect.cluster_network_name}",
                **evidence,
            )
        if found in physical:
            return failed(
                f"the SSO database names the physical cluster node {found} as master secret server; it must be "
                f"the cluster network name {host(ctx.expect.cluster_network_name)} or the secret is lost at failover",
                **evidence,
            )
        if found == host(expected):
            return passed(f"the SSO database names {found} as master secret server", **evidence)
        if ctx.phase is Phase.PRE:
            if found == host(ctx.expect.cluster_network_name):
                # Never advise pointing the database back at the old server: the secret may already live only on
                # the cluster, and the BizTalk nodes may already fetch it from there.
                return warned(
                    f"the SSO database already names the SSO network name {found} as master secret server: the move "
                    "looks done; run ssocheck with --phase post to validate it (the 'pre' expectations no longer "
                    "apply)",
                    **{**evidence, "expected": f"{expected} before the move; {found} once it is done"},
                )
            return failed(f"the SSO database names {found} as master secret server, expected {expected}", **evidence)
        if found == host(ctx.expect.master_secret_server):
            return failed(
                f"the SSO database still names the old master secret server {found}: run ssomanage -updatedb "
                f"with secretServer {expected}",
                **evidence,
            )
        return failed(f"the SSO database names {found} as master secret server, expected {expected}", **evidence)


def _is_no_server(reason: str) -> bool:
    """True when ssomanage could not reach an SSO server (0xC0002A0F), or the probe did not ask it because the
    local ENTSSO does not answer (facts/sso.py NOT_LOCAL: asking a remote server would be a second hop)."""
    low = reason.lower()
    return "0xc0002a0f" in low or "could not contact the sso server" in low or low.startswith(NOT_LOCAL)


# --------------------------------------------------------------------------- SSO008


class MasterSecretRestored(GroupCheck):
    """The master secret is restored on every cluster node: the same SSOSS GUID keys everywhere, no secret errors since.

    ``ssoconfig -restoreSecret`` writes the secret under HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS on
    the node where it runs, encrypted for that node and service account, so it must be done on
    each node while it owns the role. Each node must hold GUID (MSID) sub-keys, the same set on all
    nodes (key names only; the values are never read), and no 10520 (no secrets), 10521 (secrets
    not loaded), 10565 (secret cannot be validated) or 10524 (restore failed) event may be newer
    than the node's last successful restore (10523). When the sets differ, the nodes holding the
    set most nodes hold pass; on a tie every differing node fails.
    """

    id = "SSO008"
    topologies = CLUSTERED
    name = "master-secret-restored"
    severity = Severity.CRITICAL
    roles = ("sso-cluster",)
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (SecretKeys, SsoEvents)
    guide_step = "20, 22"
    remediation = (
        "On each failing cluster node in turn: move the SSO role to it (Move-ClusterGroup <SSO role> -Node "
        "<node>), take the ENTSSO resource offline and online (Stop-ClusterResource / Start-ClusterResource "
        "<ENTSSO resource>), then in '" + ENTSSO_FOLDER + "' run 'ssoconfig -restoreSecret <backup file>' with the "
        "backup password (event 10523 confirms, with the MSID). Use the same backup file on every node; if the "
        "service account changed, restore again (10565)."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_RESTORE, BLOG_FAILOVER)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        keys = {n.name: n.get(SecretKeys) for n in nodes}
        events = {n.name: n.get(SsoEvents) for n in nodes}
        sets = {name: info.guids for name, info in keys.items() if info.has_secret}
        counts = Counter(sets.values())
        majority = strict_majority(counts)
        all_sets = {name: sorted(g) for name, g in sorted(sets.items())}
        for node in nodes:
            info, evs = keys[node.name], events[node.name]
            last_restore = latest(evs, RESTORE_OK)
            bad = newer_than(evs, (*SECRET_MISSING, RESTORE_FAILED), last_restore)
            evidence: dict[str, Any] = {
                "expected": "SSOSS GUID keys equal on every cluster node; "
                "no 10520/10521/10565/10524 after the last 10523",
                "found": sorted(info.guids),
                "ssoss_present": info.present,
                "keys_on_nodes": all_sets,
                "last_restore": _ev(last_restore),
            }
            if info.other_keys:
                evidence["non_guid_keys"] = list(info.other_keys)
            problems: list[str] = []
            if not info.has_secret:
                problems.append(
                    "no master secret on this node (the SSOSS key is absent)" if not info.present
                    else "no master secret on this node (the SSOSS key has no GUID sub-keys)"
                )
            elif len(counts) > 1 and info.guids != majority:
                others = ", ".join(f"{n}: {', '.join(g) or '-'}" for n, g in all_sets.items() if n != node.name)
                problems.append(
                    f"SSOSS keys {', '.join(sorted(info.guids))} differ from the other cluster nodes ({others})"
                )
            if bad:
                newest = bad[0]
                since = f"the last restore ({last_restore.time})" if last_restore else "(no restore event logged)"
                problems.append(
                    f"{len(bad)} secret error event(s) after {since}, "
                    f"newest {newest.id} {newest.symbol} at {newest.time}"
                )
                evidence["errors_after_restore"] = [e.summary() for e in bad[:5]]
            if problems:
                yield failed("; ".join(problems), node=node.name, **evidence)
            else:
                restored = f", restored {last_restore.time}" if last_restore else ""
                yield passed(
                    f"master secret present ({len(info.guids)} GUID key(s), same on every cluster node{restored})",
                    node=node.name,
                    **evidence,
                )


# --------------------------------------------------------------------------- SSO009


def secret_failures_after(events: Sequence[SsoEvent], since: SsoEvent | None) -> list[SsoEvent]:
    """Events newer than ``since`` that say this node cannot get the master secret.

    10532 (lost secret server), a logged 10767 (0xC0002A0F), and 10536 audits whose error code is
    a secret/endpoint failure (0xC0002A0F, 0xC0002A1F, 0x80002918, 0x800706D9, ...). Other
    10536 audits (a user not allowed to read an application) say nothing about the secret.
    """
    out = []
    for event in newer_than(events, (LOST_SECRET_SERVER, API_AUDIT, event_id_of(ENTSSO_E_NO_SSO_SERVER)), since):
        if event.id == API_AUDIT and event.hresult not in SECRET_FAILURE_HRESULTS:
            continue
        out.append(event)
    return out


class BizTalkNodesGetSecret(NodeCheck):
    """ENTSSO runs on each BizTalk node and last got the master secret from the cluster network name, with no failure.

    After the SSO database is updated and ENTSSO restarted, a BizTalk node's ENTSSO logs 10533
    (or 10529) "Got the current secret from the master secret server. Secret Server Name: <name>".
    Its newest such event must name the cluster network name, and no 10532 ("Failed to retrieve
    master secrets"), 10767 (0xC0002A0F) or secret-related 10536 failure may be newer. No
    retrieval event at all fails after the move; in nightly runs, where the last retrieval may be
    older than the collected event window, it is a warning.
    """

    id = "SSO009"
    name = "biztalk-nodes-get-secret"
    severity = Severity.CRITICAL
    roles = ("biztalk",)
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (Services, SsoEvents)
    guide_step = "23"
    remediation = (
        "On the BizTalk node run 'Restart-Service MSDTC; Restart-Service ENTSSO' (then restart the BizTalk host "
        "instances) and look for event 10533 naming the cluster network name. If 10532 / 0xC0002A0F / "
        "0x800706D9 follows: check that the SSO database names the cluster network name (SSO007), that the "
        "clustered ENTSSO resource is online with UseNetworkName = 1 (CLU002, CLU003), that ENTSSO is stopped on "
        "the passive node (SSO011), and that TCP 135 and the dynamic RPC ports to the cluster network name are open "
        "(NET001)."
    )
    references = (DOCS_CLUSTER_MSS, DOCS_HA_MSS, BLOG_NO_ENDPOINTS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        want = host(ctx.expect.cluster_network_name)
        running, state = entsso_running(node)
        events = node.get(SsoEvents)
        got = latest(events, GOT_SECRET)
        failures = secret_failures_after(events, got)
        evidence: dict[str, Any] = {
            "expected": f"ENTSSO Running; newest 10529/10533 names {want}; no later 10532/0xC0002A0F",
            "service_state": state,
            "last_got_secret": _ev(got),
        }
        if failures:
            evidence["failures_after"] = [e.summary() for e in failures[:5]]
        if not running:
            return failed(f"ENTSSO is {state} on this BizTalk node", found=state, **evidence)
        if failures:
            newest = failures[0]
            code = newest.hresult
            detail = f" ({hresult_meaning(code)})" if code is not None else ""
            server = newest.field("Secret Server Name")
            at = f" from {server}" if server else ""
            return failed(
                f"failed to get the master secret{at} at {newest.time}: event {newest.id} {newest.symbol}{detail}"
                + (f", after the last success at {got.time}" if got else ""),
                found=newest.summary(),
                **evidence,
            )
        if got is None:
            message = "no secret retrieval event (10529/10533) in the collected events"
            if ctx.phase is Phase.NIGHTLY:
                return warned(message + "; cannot confirm the source of the secret", found=None, **evidence)
            return failed(message + ": restart ENTSSO after the move so it fetches the secret from the cluster",
                          found=None, **evidence)
        server = got.field("Secret Server Name") or ""
        if not server:
            # A message in another language or layout: never guess the server (and never pass) from it.
            return errored(
                f"cannot read the secret server name from event {got.id} ({got.time}); it said: {got.raw()}",
                found=got.raw(), **evidence,
            )
        if not same_host(server, want):
            return failed(
                f"the last secret retrieval ({got.time}) was from {server or '(no name)'}, not {want}: restart "
                "ENTSSO so it reads the new master secret server from the SSO database",
                found=server,
                **evidence,
            )
        return passed(f"ENTSSO Running; got the secret from {server} at {got.time} (MSID {got.field('MSID') or '?'})",
                      found=server, **evidence)


# --------------------------------------------------------------------------- SSO010


def acting_as_mss(node: NodeFacts) -> tuple[bool | None, str, dict[str, Any]]:
    """Whether the node's running ENTSSO is currently the master secret server.

    True when ENTSSO is Running and its newest 10534 ("This computer is the master secret server")
    is not older than its newest service start (10501/10611): ENTSSO decides whether it is the
    master secret server when it starts, and logs 10534 right after the start event. When no
    start is in the collected events but a 10534 is, it is taken as acting (the conservative
    answer). None when ENTSSO runs but neither event is in the collected window (cannot tell).
    """
    running, state = entsso_running(node)
    events = node.get(SsoEvents)
    start = latest(events, SERVICE_STARTING)
    mss = latest(events, IS_SECRET_SERVER)
    evidence = {"service_state": state, "last_start": _ev(start), "last_10534": _ev(mss)}
    if not running:
        return False, f"ENTSSO {state}", evidence
    if mss is None:
        if start is None:
            return None, "ENTSSO Running, no start or 10534 event in the collected window", evidence
        return False, f"ENTSSO Running since {start.time}, no 10534 since", evidence
    if start is None or not newer_than(events, SERVICE_STARTING, mss):
        return True, f"ENTSSO Running, 10534 at {mss.time}" + (f" after its start at {start.time}" if start else ""), \
            evidence
    return False, f"ENTSSO restarted at {start.time}, after its last 10534 ({mss.time})", evidence


class SingleMasterSecretServer(GroupCheck):
    """Only the cluster node that owns the SSO role acts as master secret server; the old one no longer does.

    Rule, per node: it *acts* as master secret server when ENTSSO is Running and its newest 10534
    is not older than its newest service start (10501/10611) - ENTSSO decides at start-up whether
    it is the master secret server. A BizTalk (or SQL) node that acts fails: the old master secret
    server keeps serving its secret until ENTSSO restarts after the SSO database update (when its
    ENTSSO runs but neither event is in the collected window: a warning; other BizTalk nodes without
    any 10534 pass). A cluster
    node that acts but does not own the role fails, and so does the owner when it runs ENTSSO but
    does not act. The owner comes from the ``cluster`` fact when it was collected on a cluster
    node; without it, more than one acting cluster node fails, and no acting node at all fails.
    """

    id = "SSO010"
    name = "single-master-secret-server"
    severity = Severity.HIGH
    roles = ("biztalk", "sso-cluster", "sql", "sso-server")
    phases = (Phase.POST, Phase.NIGHTLY)
    facts = (Services, SsoEvents)
    guide_step = "18"
    remediation = (
        "On an old master secret server (a BizTalk node) that still acts as one, confirm the SSO database names the "
        "cluster network name (ssomanage -displaydb) and run 'Restart-Service ENTSSO' there: it then fetches the "
        "secret from the cluster (10533) instead of logging 10534. On a cluster node that acts without owning the "
        "SSO role, run 'Stop-Service ENTSSO' and take the clustered ENTSSO resource offline and online; if the owner "
        "does not act, take the resource offline and online on it and check SSO007/CLU003."
    )
    references = (DOCS_MOVE_MSS, DOCS_CLUSTER_MSS, "https://learn.microsoft.com/en-us/biztalk/core/master-secret-server")

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        status = {n.name: acting_as_mss(n) for n in nodes}
        view = cluster_view(nodes)
        owner = role_owner(view, ctx.expect.cluster_network_name) if view else None
        acting_cluster = [n.name for n in nodes if n.has_role("sso-cluster") and status[n.name][0]]
        acting_any = [name for name, s in status.items() if s[0]]
        for node in nodes:
            acting, why, evidence = status[node.name]
            evidence = {**evidence, "found": why, "acting_nodes": acting_any, "role_owner": owner}
            if node.has_role("sso-cluster"):
                is_owner = owner is not None and same_host(owner, node.name)
                evidence["expected"] = "acts as master secret server" if is_owner else (
                    "acts as master secret server only if it owns the SSO role" if owner is None
                    else f"does not act as master secret server (role owner is {owner})")
                if owner is not None:
                    if acting and not is_owner:
                        yield failed(f"acts as master secret server but the SSO role is owned by {owner}: {why}",
                                     node=node.name, **evidence)
                    elif is_owner and acting is False:
                        yield failed(f"owns the SSO role but does not act as master secret server: {why}",
                                     node=node.name, **evidence)
                    elif acting is None:
                        yield warned(f"cannot confirm whether it acts as master secret server: {why}",
                                     node=node.name, **evidence)
                    else:
                        yield passed(why + (" (role owner)" if is_owner else " (passive node)"), node=node.name,
                                     **evidence)
                elif acting and len(acting_cluster) > 1:
                    yield failed(f"{len(acting_cluster)} cluster nodes act as master secret server "
                                 f"({', '.join(acting_cluster)}): {why}", node=node.name, **evidence)
                elif not acting_cluster:
                    yield failed(f"no cluster node acts as master secret server: {why}", node=node.name, **evidence)
                else:
                    yield passed(why, node=node.name, **evidence)
                continue
            if ctx.expect.topology == "standalone" and same_host(node.name, ctx.expect.cluster_network_name):
                # A standalone master secret server (standalone.server) is the one node that must act as MSS.
                evidence["expected"] = "acts as master secret server (the standalone master secret server)"
                if acting:
                    yield passed(f"{why} (the standalone master secret server)", node=node.name, **evidence)
                elif acting is None:
                    yield warned(f"cannot confirm that the standalone master secret server acts as one: {why}",
                                 node=node.name, **evidence)
                else:
                    yield failed(f"the standalone master secret server does not act as one: {why}", node=node.name,
                                 **evidence)
                continue
            evidence["expected"] = "does not act as master secret server (not a cluster node)"
            if acting:
                yield failed(f"still acts as master secret server: {why}; restart ENTSSO after the SSO database "
                             "update", node=node.name, **evidence)
            elif acting is None and same_host(node.name, ctx.expect.master_secret_server):
                # Only the old master secret server is suspect when its events are out of the window.
                yield warned(f"cannot tell whether the old master secret server still acts as one: {why}",
                             node=node.name, **evidence)
            else:
                yield passed(f"not acting as master secret server ({why})", node=node.name, **evidence)


# --------------------------------------------------------------------------- SSO011


class NoLocalEntssoOnPassiveNode(NodeCheck):
    """ENTSSO is not running outside the cluster on a passive cluster node.

    Only the node that owns the role holding the clustered ENTSSO resource runs the service. A
    local start on a passive node (by hand, a monitoring tool) registers the SSOSecretServer RPC
    endpoint under the node's own name before the clustered resource comes online there, and SSO
    clients then fail with 0xC0002A0F / 0x800706D9 "There are no more endpoints available from the
    endpoint mapper".
    """

    id = "SSO011"
    topologies = CLUSTERED
    name = "no-local-entsso-on-passive-node"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (Services, Cluster)
    guide_step = "14-17"
    remediation = (
        "On the passive node run 'Stop-Service ENTSSO' (keep its start mode Manual: the cluster starts it), then "
        "take the clustered ENTSSO resource offline and online on the owner node (Stop-ClusterResource / "
        "Start-ClusterResource <ENTSSO resource>) so the SSOSecretServer endpoint registers under the network name; "
        "find and disable whatever started it (monitoring agent, scheduled task)."
    )
    references = (BLOG_NO_ENDPOINTS, DOCS_CLUSTER_MSS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        running, state = entsso_running(node)
        view = node.get(Cluster)
        owner = role_owner(view, ctx.expect.cluster_network_name)
        if owner is None:
            _res, reason = find_entsso_resource(view, ctx.expect.cluster_network_name)
            return errored(f"cannot tell which node is passive: {reason or 'the SSO role has no owner'} (see CLU002)",
                           expected="ENTSSO stopped on passive nodes", found=state)
        evidence = {"role_owner": owner, "service_state": state}
        if same_host(owner, node.name):
            return passed(f"this node owns the SSO role; ENTSSO {state} under the cluster",
                          expected="ENTSSO runs only through the cluster resource", **evidence)
        if running:
            return failed(f"ENTSSO is running on the passive node (the SSO role is owned by {owner})",
                          expected="Stopped", found=state, **evidence)
        return passed(f"passive node (owner {owner}); ENTSSO {state}", expected="Stopped", found=state, **evidence)


# --------------------------------------------------------------------------- SSO021

DOCS_RESUTIL_START = (
    "https://learn.microsoft.com/en-us/windows/win32/api/resapi/nf-resapi-resutilsetresourceservicestartparameters "
    "('verifies that the service is not disabled, changes the service configuration to manual start')"
)
# Win32_Service.StartMode spellings (and Get-Service's StartType, for older snapshots or other collectors).
# WMI returns these English keywords on every display language: they are enumeration names, not labels.
START_MODES = {"auto": "Auto", "automatic": "Auto", "manual": "Manual", "disabled": "Disabled",
               "boot": "Boot", "system": "System"}


class EntssoManualOnClusterNodes(NodeCheck):
    """The local ENTSSO service is set to Manual start on every cluster node (the cluster starts it).

    When ENTSSO is a Generic Service resource, the cluster owns the service: bringing the resource online
    on a node verifies that the service is not disabled and sets it to manual start
    (ResUtilSetResourceServiceStartParameters). A node that never hosted the role keeps what setup left.
    Automatic starts ENTSSO outside the cluster at the node's next reboot, which registers the
    SSOSecretServer endpoint under the node's own name (the SSO011 failure, 0x800706D9); Disabled makes
    the cluster refuse to start it there, so a failover to that node fails. A new ID rather than a wider
    SSO011: SSO011 proves what runs now, this check what the node will do at its next reboot or failover.
    """

    id = "SSO021"
    topologies = CLUSTERED
    name = "entsso-manual-on-cluster-nodes"
    severity = Severity.HIGH
    roles = ("sso-cluster",)
    facts = (Services,)
    guide_step = "14-17"
    remediation = (
        "On the node, as Administrator: 'Set-Service ENTSSO -StartupType Manual' (or 'sc.exe config ENTSSO start= "
        "demand'); do not start the service by hand: the cluster starts it on the node that owns the SSO role. "
        "If it is running outside the cluster, see SSO011. Remove whatever set it to Automatic or Disabled "
        "(a hardening GPO under Computer Configuration > Windows Settings > Security Settings > System "
        "Services, a build script) or the next policy refresh undoes the change."
    )
    references = (DOCS_RESUTIL_START, BLOG_NO_ENDPOINTS, DOCS_CLUSTER_MSS)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        svc = node.get(Services).get("ENTSSO")
        expected = "ENTSSO start mode Manual (the cluster starts it)"
        if svc is None:
            return failed("the ENTSSO service is not installed on this cluster node (see SSO001): a failover to it "
                          "cannot start the master secret server", expected=expected, found="not installed")
        raw = svc.start_mode.strip()
        mode = START_MODES.get(raw.lower())
        found = {"start_mode": raw, "state": svc.state}
        if mode is None:
            return errored(f"cannot read the ENTSSO start mode {raw!r}", expected=expected, found=found)
        if mode == "Manual":
            return passed("ENTSSO start mode Manual: only the cluster starts it", expected=expected, found=found)
        if mode == "Disabled":
            return failed("ENTSSO is Disabled on this cluster node: the cluster refuses to start a disabled service, "
                          "so a failover of the SSO role to this node fails", expected=expected, found=found)
        return failed(f"ENTSSO start mode is {mode}: the node starts it outside the cluster at its next reboot, "
                      "which blocks the clustered endpoint (0x800706D9, see SSO011)", expected=expected, found=found)


# --------------------------------------------------------------------------- SSO020

BLOG_ALIAS = (
    "https://adventuresinsidethemessagebox.wordpress.com/2013/06/29/encountering-biztalk-configuration-difficulties-"
    "when-moving-from-a-clustered-master-secret-server-back-to-a-single-server-cannot-perform-encryption-or-"
    "decryption-because-the-secret-is-not-available/"
)
IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


class SecretServerNotAnAlias(GroupCheck):
    """The master secret server name in the SSO database is a real host or cluster network name, not a DNS alias.

    ENTSSO decides that it is the master secret server by comparing ``gi_SecretServer`` with its own computer
    name (the network name, with "Use Network Name for computer name"). A DNS alias (CNAME) of the cluster or
    of the old server resolves for the clients, but no SSO server recognises itself in it: "Cannot perform
    encryption or decryption because the secret is not available from the master secret server". The name is
    read from the SSO database (``ssomanage -displaydb``) where a node can read it, and resolved on every
    node by the node's own resolver; its canonical name must be the name itself.
    """

    id = "SSO020"
    name = "secret-server-not-an-alias"
    severity = Severity.MEDIUM
    roles = ("biztalk", "sso-cluster")
    facts = (SsoDatabase, SecretServerNames)
    guide_step = "19"
    remediation = (
        "Put the real name in the SSO database: after the move the SSO role's network name (e.g. BIZTALKCLUSTER), "
        "before it the current master secret server's computer name. In '" + ENTSSO_FOLDER + "' create "
        "UpdateMSS.xml with <sso><globalInfo><secretServer>REAL-NAME</secretServer></globalInfo></sso> and run "
        "'ssomanage -updatedb UpdateMSS.xml', take the clustered ENTSSO resource offline and online and restart "
        "ENTSSO on the BizTalk nodes. Keep DNS aliases for people, never for the secret server name."
    )
    references = (DOCS_UPDATE_DB, DOCS_MOVE_MSS, BLOG_ALIAS)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        readings = {n.name: (info.secret_server or "").strip() for n in nodes
                    if not (info := n.get(SsoDatabase)).error and (info.secret_server or "").strip()}
        values = sorted({v.lower() for v in readings.values()})
        base: dict[str, Any] = {"read_on": group_summary(readings)}
        if len(values) != 1:
            why = ("no node could read the master secret server name from the SSO database" if not values else
                   "nodes disagree about the master secret server name (SSO007): " + ", ".join(values))
            for node in nodes:
                yield (db_unread(nodes) if not values else errored)(
                    why, node=node.name, expected="one secret server name read from the SSO database", **base)
            return
        secret = next(iter(readings.values()))
        base["expected"] = f"{secret} resolves to itself (canonical name {host(secret)}), not to another host"
        if IPV4.match(secret) or ":" in secret:
            for node in nodes:
                yield failed(f"the SSO database names the IP address {secret} as master secret server, not a "
                             "computer or network name", node=node.name, **base)
            return
        if not any(same_host(secret, n) for n in (ctx.expect.cluster_network_name, ctx.expect.master_secret_server)):
            # The probe resolves the two names SSO007 can accept; any other name already fails SSO007.
            for node in nodes:
                yield skipped(f"the SSO database names {secret}, which SSO007 already rejects (neither the cluster "
                              "network name nor the current master secret server); resolved only once it is one "
                              "of them", node=node.name, **base)
            return
        for node in nodes:
            lookup = node.get(SecretServerNames).get(host(secret))
            if lookup is None:
                yield errored(f"{secret} was not resolved on this node (the probe's answer lacks it)",
                              node=node.name, **base)
            elif lookup.error or not lookup.host_name:
                yield errored(f"{secret} does not resolve on this node: {lookup.error}", node=node.name,
                              found=lookup.error, **base)
            elif not same_host(lookup.host_name, secret):
                yield failed(
                    f"{secret} is a DNS alias of {lookup.host_name}: no SSO server recognises itself in that name, "
                    "so the master secret is not served under it",
                    node=node.name, found={"canonical_name": lookup.host_name, "addresses": list(lookup.addresses)},
                    **base)
            else:
                yield passed(f"{secret} resolves to itself ({lookup.host_name})", node=node.name,
                             found={"canonical_name": lookup.host_name, "addresses": list(lookup.addresses)}, **base)


# --------------------------------------------------------------------------- SSO013

BACKUP_OK = 10559  # SSO_INFO_BACKUP_SECRET_OK: File Name, Current MSID, ...
GENERATED = 10525  # SSO_INFO_GENERATE_SECRET_OK: MSID, ...
# Events that name the MSID of the secret in use at their time, and the field that holds it.
CURRENT_MSID_FIELDS: dict[int, str] = {GENERATED: "MSID", RESTORE_OK: "Current MSID", BACKUP_OK: "Current MSID",
                                       10529: "MSID", 10533: "MSID"}


def _msid(event: SsoEvent) -> str:
    return (event.field(CURRENT_MSID_FIELDS.get(event.id, "MSID")) or "").strip().lower()


class BackupIsCurrent(GroupCheck):
    """The latest master secret backup holds the secret in use: no new secret since, the same MSID.

    The backup copied to the cluster nodes (step 12) is what every node restores (step 20). A backup taken
    before the last regeneration or yearly rotation restores an older secret, and everything encrypted since
    cannot be decrypted (0x80090005 "Bad Data"). The newest ENTSSO 10559 ("master secrets were successfully
    backed up", with File Name and Current MSID) on any node is the latest backup; no 10525 ("a new master
    secret was generated") may be newer, and its MSID must equal the MSID of the secret in use: the newest of
    10525 / 10523 (restore) / 10559 / 10529 / 10533 (got the current secret) on any node. After the move each
    cluster node's newest restore (10523) must have restored that MSID. The events are read on every node
    (bounded, newest per ID); nothing reads the backup file itself.
    """

    id = "SSO013"
    name = "backup-is-current"
    severity = Severity.CRITICAL
    roles = ("biztalk", "sso-cluster")
    phases = (Phase.PRE, Phase.POST)
    facts = (SsoEvents,)
    guide_step = "12, 20"
    remediation = (
        "On the current master secret server run 'ssoconfig -backupSecret <file>.bak' into '" + ENTSSO_FOLDER + "' "
        "(note the password and reminder), copy that new file to '" + ENTSSO_FOLDER + "' on every cluster node, "
        "replace the old copies, and after the move restore it on each node ('ssoconfig -restoreSecret <file>')."
    )
    references = (DOCS_BACKUP, DOCS_RESTORE, DOCS_CLUSTER_MSS)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        events = {n.name: n.get(SsoEvents) for n in nodes}
        tagged = sorted(((e, name) for name, evs in events.items() for e in evs), key=lambda p: p[0].time,
                        reverse=True)
        backup = next(((e, n) for e, n in tagged if e.id == BACKUP_OK), None)
        if backup is None:
            for node in nodes:
                # Any node may hold the backup event: not proven (skip) when nodes were not collected.
                yield unproven(f"no backup event {BACKUP_OK} on any node in the read window: cannot prove which secret "
                               "the backup holds (back it up again: ssoconfig -backupSecret)", node=node.name,
                               expected=f"a {BACKUP_OK} event on the master secret server")
            return
        b_event, b_node = backup
        b_msid = _msid(b_event)
        current = next(((e, n) for e, n in tagged if e.id in CURRENT_MSID_FIELDS and _msid(e)), backup)
        c_event, c_node = current
        base: dict[str, Any] = {
            "expected": f"the latest backup ({b_event.field('File Name')}, {b_event.time} on {b_node}) holds the "
                        "MSID of the secret in use",
            "backup": {**b_event.summary(), "node": b_node},
            "secret_in_use": {**c_event.summary(), "node": c_node},
        }
        group_problems: list[str] = []
        newer = [(e, n) for e, n in tagged if e.id == GENERATED and e.when > b_event.when]
        if newer:
            group_problems.append(f"a new master secret was generated at {newer[0][0].time} on {newer[0][1]} "
                                  f"(event {GENERATED}) after the latest backup of {b_event.time}")
        if _msid(c_event) != b_msid:
            group_problems.append(f"the secret in use has MSID {_msid(c_event)} (event {c_event.id} at {c_event.time} "
                                  f"on {c_node}), the latest backup holds {b_msid or 'no MSID'}")
        for node in nodes:
            problems = list(group_problems)
            restore = latest(events[node.name], RESTORE_OK)
            if ctx.phase is Phase.POST and node.has_role("sso-cluster") and restore is not None \
                    and _msid(restore) != b_msid:
                problems.append(f"the restore here at {restore.time} restored MSID {_msid(restore)}, not the "
                                f"latest backup's {b_msid}")
            if problems:
                yield failed("; ".join(problems), node=node.name, **base)
            else:
                yield passed(f"the latest backup ({b_event.time} on {b_node}) holds the secret in use "
                             f"(MSID {b_msid})", node=node.name, **base)


CHECKS = [
    MasterSecretServerName,
    MasterSecretRestored,
    BizTalkNodesGetSecret,
    SingleMasterSecretServer,
    NoLocalEntssoOnPassiveNode,
    EntssoManualOnClusterNodes,
    SecretServerNotAnAlias,
    BackupIsCurrent,
]
