"""Hand-made reports for the reporter tests: every status, hostile text, a node that could not be reached.

The sample report (:func:`build_report`):

=========  ===========  ==================================================================
node       roles        results
=========  ===========  ==================================================================
BTSNODE1   biztalk      SSO004 fail (hostile evidence), DTC001 pass, SSO009 warn, SYS001 skip (waived)
NODE1      sso-cluster  SSO004 pass, DTC001 pass, CLU003 error, SYS001 pass
NODE2      sso-cluster  node error; SSO004, DTC001, CLU003 error (as the runner gives them)
SQL01      sql          node error and no result at all
=========  ===========  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ssocheck.model import CheckMeta, NodeInfo, Phase, Report, Result, Severity, Status

HOSTILE = "<script>alert(1)</script>"
NODE2_ERROR = "NODE2: connection refused (port 5986)"

CHECKS: dict[str, CheckMeta] = {
    meta.id: meta
    for meta in (
        CheckMeta(
            id="SSO004", name="entsso-service-account", title="ENTSSO logs on as the designated account",
            description="Why it matters.", severity=Severity.HIGH, shape="node",
            phases=(Phase.PRE, Phase.POST, Phase.NIGHTLY), roles=("biztalk", "sso-cluster"),
            remediation="services.msc > ENTSSO > Log On: set CORP\\svc_sso", guide_step="4, 6",
            references=("https://learn.microsoft.com/biztalk/sso", "javascript:alert(2)"), facts=("services",),
        ),
        CheckMeta(
            id="DTC001", name="msdtc-cid-unique", title="MSDTC CIDs are unique", description="Clones.",
            severity=Severity.CRITICAL, shape="group", phases=(Phase.PRE, Phase.POST, Phase.NIGHTLY),
            roles=("biztalk", "sso-cluster", "sql"), remediation="msdtc -uninstall; msdtc -install",
            guide_step="1", references=(), facts=("msdtc_cids",),
        ),
        CheckMeta(
            id="CLU003", name="use-network-name", title="ENTSSO resource uses the network name",
            description="0xC0002A0F otherwise.", severity=Severity.CRITICAL, shape="group",
            phases=(Phase.PRE, Phase.POST, Phase.NIGHTLY), roles=("sso-cluster",),
            remediation="Set UseNetworkName=1", guide_step="15", references=(), facts=("cluster_resources",),
        ),
        CheckMeta(
            id="SSO009", name="biztalk-nodes-get-secret", title="BizTalk nodes get the secret from the cluster",
            description="Event 10532.", severity=Severity.CRITICAL, shape="node",
            phases=(Phase.POST, Phase.NIGHTLY), roles=("biztalk",), remediation="Restart ENTSSO",
            guide_step="23", references=(), facts=("sso_events",),
        ),
        CheckMeta(
            id="SYS001", name="clock-skew", title="Clocks agree", description="Kerberos.",
            severity=Severity.MEDIUM, shape="group", phases=(Phase.PRE, Phase.POST, Phase.NIGHTLY),
            roles=("biztalk", "sso-cluster"), remediation="w32tm /resync", guide_step="-", references=(),
            facts=("clock",),
        ),
    )
}

WAIVER = {"check": "SYS001", "justification": "NTP change CHG4711 pending", "expires": "2030-01-31",
          "approver": "cab@corp.example.com"}


def sample_nodes() -> tuple[NodeInfo, ...]:
    """The four nodes of the sample report."""
    return (
        NodeInfo("BTSNODE1", ("biztalk",), address="btsnode1.corp.example.com", ps_version="5.1.14393.0",
                 duration_s=2.5),
        NodeInfo("NODE1", ("sso-cluster",), ps_version="5.1.17763.1", duration_s=3.25),
        NodeInfo("NODE2", ("sso-cluster",), error=NODE2_ERROR, duration_s=30.0),
        NodeInfo("SQL01", ("sql",), address="sql01.corp.example.com", error="SQL01: timed out after 60 s"),
    )


def sample_results() -> tuple[Result, ...]:
    """Results covering every status, including hostile and control-character evidence."""
    return (
        Result("SSO004", "BTSNODE1", Status.FAIL, "ENTSSO logs on as LocalSystem",
               {"expected": "CORP\\svc_sso", "found": HOSTILE, "escape": "bad\x1b[2J\x00end"}),
        Result("DTC001", "BTSNODE1", Status.PASS, "CIDs unique", {"cids": 4}),
        Result("SSO009", "BTSNODE1", Status.WARN, "last secret retrieval is 9 days old",
               {"expected": "< 7 days", "found": "9 days"}),
        Result("SYS001", "BTSNODE1", Status.SKIP, "waived", {}, waiver=WAIVER),
        Result("SSO004", "NODE1", Status.PASS, "CORP\\svc_sso"),
        Result("DTC001", "NODE1", Status.PASS, "CIDs unique"),
        Result("CLU003", "NODE1", Status.ERROR, "cannot evaluate: cluster_resources: failed on the node: "
               "Access is denied", {"fact": "cluster_resources"}),
        Result("SYS001", "NODE1", Status.PASS, "offset 0 s"),
        Result("SSO004", "NODE2", Status.ERROR, f"cannot evaluate: services: node not collected: {NODE2_ERROR}"),
        Result("DTC001", "NODE2", Status.ERROR, f"cannot evaluate: msdtc_cids: node not collected: {NODE2_ERROR}"),
        Result("CLU003", "NODE2", Status.ERROR, f"cannot evaluate: cluster_resources: node not collected: "
               f"{NODE2_ERROR}"),
    )


def sample_sections() -> dict[str, Any]:
    """Audit trail, waivers and drift sections as the later stages add them."""
    return {
        "audit": [
            {"node": "BTSNODE1", "purpose": "fact probe (read-only)", "sha256": "a" * 64, "size": 5120,
             "facts": ["services", "sso_events"], "changes_state": False, "started_at": "2030-01-10T02:00:00Z",
             "duration_s": 2.5, "outcome": "ok"},
        ],
        "waivers": [dict(WAIVER, state="in force")],
        "drift": [
            {"node": "NODE1", "fact": "services", "path": "ENTSSO.account", "before": "CORP\\svc_sso",
             "after": HOSTILE},
        ],
    }


def build_report(
    *,
    nodes: tuple[NodeInfo, ...] | None = None,
    results: tuple[Result, ...] | None = None,
    checks: Mapping[str, CheckMeta] | None = None,
    sections: Mapping[str, Any] | None = None,
    phase: Phase = Phase.POST,
) -> Report:
    """A report with the sample content unless a part is given."""
    return Report(
        tool_version="0.1.0",
        phase=phase,
        group="BizTalkGroup",
        source="live",
        started_at="2030-01-10T02:00:00Z",
        finished_at="2030-01-10T02:00:40Z",
        nodes=sample_nodes() if nodes is None else nodes,
        checks=CHECKS if checks is None else checks,
        results=sample_results() if results is None else results,
        sections={} if sections is None else sections,
        duration_s=40.0,
    )






