"""The --fail-on gate and the DRF001 check as the runner evaluates it (skip, new node, error, pass, fail)."""

from __future__ import annotations

from typing import Any

import pytest
from ssocheck_checks.drift import FactDrift

from ssocheck.check import Context, Expectations
from ssocheck.model import CheckMeta, ExitCode, Phase, Report, Result, Severity, Status
from ssocheck.registry import build, load_checks
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("G", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")


def meta(check_id: str, severity: Severity) -> CheckMeta:
    return CheckMeta(check_id, check_id.lower(), "t", "d", severity, "node", (Phase.POST,), ("biztalk",), "r", "-",
                     (), ())


def report(*results: Result, fail_on: Severity | None = None) -> Report:
    checks = {"CRT001": meta("CRT001", Severity.CRITICAL), "MED001": meta("MED001", Severity.MEDIUM),
              "LOW001": meta("LOW001", Severity.LOW)}
    return Report("0", Phase.POST, "G", "live", "s", "f", (), checks, results, fail_on=fail_on)


@pytest.mark.parametrize(
    ("statuses", "fail_on", "expected"),
    [
        ({"MED001": Status.FAIL}, None, ExitCode.FAIL),
        ({"MED001": Status.FAIL}, Severity.HIGH, ExitCode.OK),
        ({"MED001": Status.FAIL}, Severity.MEDIUM, ExitCode.FAIL),
        ({"MED001": Status.FAIL, "LOW001": Status.ERROR}, Severity.HIGH, ExitCode.ERROR),
        ({"CRT001": Status.FAIL, "MED001": Status.FAIL}, Severity.CRITICAL, ExitCode.FAIL),
        ({"LOW001": Status.FAIL}, Severity.LOW, ExitCode.FAIL),
        ({"LOW001": Status.WARN}, None, ExitCode.OK),
        ({"UNK001": Status.FAIL}, Severity.CRITICAL, ExitCode.FAIL),  # unknown severity never hides a failure
    ],
)
def test_exit_code_with_threshold(statuses: dict[str, Status], fail_on: Severity | None, expected: ExitCode) -> None:
    rep = report(*(Result(cid, "N", status, "m") for cid, status in statuses.items()), fail_on=fail_on)
    assert rep.exit_code() is expected
    assert rep.to_dict()["exit_code"] == int(expected)  # every report states the same exit code


def test_report_records_threshold_and_counts() -> None:
    rep = report(Result("CRT001", "N", Status.FAIL, "m"), Result("LOW001", "N", Status.FAIL, "m"),
                 fail_on=Severity.HIGH)
    assert rep.counted_failures() == (1, 1)
    doc = rep.to_dict()
    assert (doc["fail_on"], doc["exit_code"], doc["failures_below_threshold"]) == ("high", 1, 1)


# -- DRF001 through the runner -----------------------------------------------------------------------------------

DRIFT = [lc for lc in load_checks() if lc.meta.id == "DRF001"]


def snap(**facts: dict[str, Any]) -> Snapshot:
    nodes = [NodeSnapshot(name, ("sso-cluster",) if name.startswith("NODE") else ("biztalk",), facts=f)
             for name, f in facts.items()]
    return Snapshot(EXPECT, nodes, "2026-11-21T02:00:00Z")


def run(snapshot: Snapshot, baseline: Any, phase: Phase = Phase.NIGHTLY) -> dict[str, Result]:
    rep = evaluate(DRIFT, snapshot, Context(phase, EXPECT, baseline=baseline))
    return {r.node: r for r in rep.results}


BASE = {"NODE1": {"services": [{"name": "ENTSSO", "account": "CORP\\svc_sso"}]},
        "BTSNODE1": {"services": [{"name": "ENTSSO", "account": "CORP\\svc_sso"}]}}


def test_drift_check_is_registered_as_specified() -> None:
    [lc] = DRIFT
    assert (lc.meta.name, lc.meta.shape, lc.meta.phases) == ("fact-drift", "group", (Phase.NIGHTLY,))
    assert set(lc.meta.roles) == {"biztalk", "sso-cluster", "sql", "sso-server"}
    assert lc.meta.severity is Severity.CRITICAL


def test_skips_outside_nightly_and_without_baseline() -> None:
    current = snap(**BASE)
    post = run(current, BASE, Phase.POST)
    assert {r.status for r in post.values()} == {Status.SKIP}
    assert "not run in phase post" in post["NODE1"].message
    none = run(current, None)
    assert {r.status for r in none.values()} == {Status.SKIP}
    assert "no baseline given" in none["NODE1"].message


def test_no_change_passes_naming_the_compared_facts() -> None:
    out = run(snap(**BASE), BASE)
    assert {r.status for r in out.values()} == {Status.PASS}
    assert out["NODE1"].evidence["compared"] == ["services"]


def test_a_change_fails_with_each_change_as_evidence() -> None:
    current = snap(NODE1={"services": [{"name": "ENTSSO", "account": "CORP\\other"}]}, BTSNODE1=BASE["BTSNODE1"])
    out = run(current, BASE)
    assert out["BTSNODE1"].status is Status.PASS
    node1 = out["NODE1"]
    assert node1.status is Status.FAIL
    assert node1.message == '1 change since the baseline: services/ENTSSO/account: "CORP\\\\svc_sso" -> "CORP\\\\other"'
    assert node1.evidence["changes"] == [{"node": "NODE1", "fact": "services", "path": "/ENTSSO/account",
                                          "change": "changed", "before": "CORP\\svc_sso", "after": "CORP\\other"}]


def test_new_node_fails() -> None:
    out = run(snap(**BASE, SQL01={"services": []}), BASE)
    assert out["SQL01"].status is Status.FAIL
    assert out["SQL01"].message == "new node: not in the baseline"


def test_uncollected_node_or_fact_is_an_error_never_a_pass() -> None:
    current = snap(**BASE)
    current.nodes[0].error = "connection refused"
    current.nodes[1].facts = {}
    current.nodes[1].fact_errors = {"services": "WMI broken"}
    out = run(current, BASE)
    assert out["NODE1"].status is Status.ERROR and "connection refused" in out["NODE1"].message
    assert out["BTSNODE1"].status is Status.ERROR
    assert "services (failed on the node: WMI broken)" in out["BTSNODE1"].message


def test_fact_not_collected_in_this_run_is_an_error() -> None:
    base = {"NODE1": {**BASE["NODE1"], "cluster": {"name": "SSOCLU"}}}
    out = run(snap(NODE1=BASE["NODE1"]), base)
    assert out["NODE1"].status is Status.ERROR
    assert out["NODE1"].evidence["not_compared"] == {"cluster": "not collected in this run"}


def test_node_without_baseline_facts_is_an_error() -> None:
    out = run(snap(NODE1=BASE["NODE1"]), {"NODE1": {}})
    assert out["NODE1"].status is Status.ERROR and "holds no facts" in out["NODE1"].message


def test_include_failover_context_reports_owner_changes() -> None:
    base = {"NODE1": {"cluster": {"groups": [{"name": "SSO", "owner_node": "NODE1"}]}}}
    cur = snap(NODE1={"cluster": {"groups": [{"name": "SSO", "owner_node": "NODE2"}]}})
    [lc] = build([("test", [FactDrift])])
    plain = evaluate([lc], cur, Context(Phase.NIGHTLY, EXPECT, baseline=base))
    assert plain.results[0].status is Status.PASS
    strict = evaluate([lc], cur, Context(Phase.NIGHTLY, EXPECT, baseline=base, include_failover=True))
    assert strict.results[0].status is Status.FAIL
