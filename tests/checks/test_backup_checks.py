"""SSO013 (the latest master secret backup holds the secret in use) through the real runner, on the healthy
post-move facts of test_secret_checks with the events changed."""

from __future__ import annotations

from typing import Any

from ssocheck_checks import secret

from ssocheck.model import Phase
from tests.checks.test_secret_checks import MSID, PREVIOUS, ev, healthy, run

OLD = "0d0c9b8a-7f6e-4d5c-8b4a-392817161514"


def statuses(facts: dict[str, dict[str, Any]], phase: Phase = Phase.POST) -> dict[str, str]:
    return {n: r.status.value for n, r in run(secret.BackupIsCurrent, facts, phase=phase).items()}


def test_backup_of_the_current_secret_passes_before_and_after_the_move() -> None:
    assert set(statuses(healthy()).values()) == {"pass"}
    assert set(statuses(healthy(), Phase.PRE).values()) == {"pass"}


def test_secret_generated_after_the_backup_fails_everywhere() -> None:
    facts = healthy()
    facts["BTSNODE1"]["sso_events"].append(ev(10525, "21:30:00", MSID, "CORP\\bizadmin", "BTSNODE1", "t"))
    res = run(secret.BackupIsCurrent, facts)
    assert {r.status.value for r in res.values()} == {"fail"}
    assert "generated at 2026-11-20T21:30:00Z on BTSNODE1" in res["NODE1"].message


def test_backup_of_an_older_secret_fails() -> None:
    facts = healthy()
    facts["BTSNODE1"]["sso_events"] = [e for e in facts["BTSNODE1"]["sso_events"] if e["id"] != 10559]
    facts["BTSNODE1"]["sso_events"].insert(0, ev(10559, "01:00:00", "C:\\old.bak", PREVIOUS, OLD, "u", "BTSNODE1"))
    res = run(secret.BackupIsCurrent, facts)
    assert {r.status.value for r in res.values()} == {"fail"}
    assert f"the latest backup holds {PREVIOUS}" in res["BTSNODE2"].message


def test_restore_of_another_msid_on_a_cluster_node_fails_and_is_named_there() -> None:
    facts = healthy()
    facts["NODE2"]["sso_events"].append(ev(10523, "23:00:00", "C:\\x.bak", OLD, MSID, "u", "NODE2"))
    res = run(secret.BackupIsCurrent, facts)
    assert res["NODE2"].status.value == "fail" and f"the restore here at 2026-11-20T23:00:00Z restored MSID {OLD}" \
        in res["NODE2"].message
    # That restore is now the secret in use: the latest backup does not hold it, for every node.
    assert "the restore here" not in res["NODE1"].message and res["NODE1"].status.value == "fail"


def test_no_backup_event_or_missing_fact_is_error() -> None:
    facts = healthy()
    facts["BTSNODE1"]["sso_events"] = [e for e in facts["BTSNODE1"]["sso_events"] if e["id"] != 10559]
    assert set(statuses(facts).values()) == {"error"}
    facts = healthy()
    del facts["NODE1"]["sso_events"]
    assert set(statuses(facts).values()) == {"error"}
