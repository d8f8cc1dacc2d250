"""EVT001 (failure events since ENTSSO last started) through the real runner, on raw ``sso_events`` and
``system_failure_events`` values; plus the System-log fact's parser and its bounded query."""

from __future__ import annotations

from typing import Any

import pytest
from ssocheck_checks import events as evt

from ssocheck.facts.base import FactParseError
from ssocheck.facts.events import SystemFailureEvents
from ssocheck.model import Phase
from ssocheck.sso_event_query import SYSTEM_QUERIES, WATCHED_IDS
from tests.checks.test_sso_checks import event, run

RESOURCE = "Enterprise Single Sign-On Service"
STARTED = [event(10611, "2026-11-20T22:15:00Z", "BIZTALKCLUSTER", "SQL01", "SSODB")]


def system(*events: dict[str, Any], resources: tuple[str, ...] = (RESOURCE,)) -> dict[str, Any]:
    return {"events": list(events), "entsso_resources": list(resources)}


def sys_event(provider: str, event_id: int, time: str, *strings: str) -> dict[str, Any]:
    return {"provider": provider, "id": event_id, "time": time, "strings": list(strings)}


def evt001(sso: list[dict[str, Any]] | None, sys: dict[str, Any] | None, node: str = "NODE2",
           phase: Phase = Phase.POST) -> Any:
    facts: dict[str, Any] = {}
    if sso is not None:
        facts["sso_events"] = sso
    if sys is not None:
        facts["system_failure_events"] = sys
    return run(evt.SsoAndClusterFailureEvents, {node: facts}, phase=phase)[node]


def test_no_failures_since_the_last_start_passes_older_ones_are_history() -> None:
    old = [event(10605, "2026-11-20T22:10:00Z", "0xC0002A24"), *STARTED]
    old_logon = sys_event("Service Control Manager", 7038, "2026-11-20T22:14:00Z", "ENTSSO", "CORP\\svc_sso", "x")
    res = evt001(old, system(old_logon))
    assert res.status.value == "pass" and "2026-11-20T22:15:00Z" in res.message


@pytest.mark.parametrize("event_id", [10513, 10514, 10602, 10603, 10605, 11016, 11049])
def test_entsso_failure_after_the_last_start_fails(event_id: int) -> None:
    res = evt001([*STARTED, event(event_id, "2026-11-21T08:00:00Z", "x")], system())
    assert res.status.value == "fail" and f"ENTSSO {event_id}" in res.message


def test_scm_logon_failure_for_entsso_fails_other_services_do_not() -> None:
    mine = sys_event("Service Control Manager", 7038, "2026-11-25T03:00:00Z", "ENTSSO", "CORP\\svc_sso", "%%1326")
    other = sys_event("Service Control Manager", 7041, "2026-11-25T03:00:00Z", "SomeService", "CORP\\x", "y")
    display = sys_event("Service Control Manager", 7041, "2026-11-26T03:00:00Z", "Enterprise Single Sign-On Service")
    assert evt001(STARTED, system(other)).status.value == "pass"
    res = evt001(STARTED, system(mine, other, display))
    assert res.status.value == "fail" and res.message.startswith("2 failure event(s)")
    assert [e["id"] for e in res.evidence["found"]] == [7041, 7038]


def test_cluster_failure_counts_only_for_the_entsso_resource() -> None:
    entsso = sys_event("Microsoft-Windows-FailoverClustering", 1069, "2026-11-25T03:00:05Z", RESOURCE, "SSO")
    disk = sys_event("Microsoft-Windows-FailoverClustering", 1069, "2026-11-25T03:00:05Z", "Cluster Disk 1", "SSO")
    assert evt001(STARTED, system(disk)).status.value == "pass"
    assert evt001(STARTED, system(entsso)).status.value == "fail"
    assert evt001(STARTED, system(entsso, resources=())).status.value == "pass"  # not a cluster node


def test_without_any_start_every_failure_in_the_window_counts() -> None:
    res = evt001([event(10513, "2026-01-01T00:00:00Z", "SQL01")], system(), node="BTSNODE1")
    assert res.status.value == "fail" and "no ENTSSO start" in res.message


def test_missing_fact_is_error_and_pre_phase_skips() -> None:
    assert evt001(STARTED, None).status.value == "error"
    assert evt001(None, system()).status.value == "error"
    assert evt001(STARTED, system(), phase=Phase.PRE).status.value == "skip"


def test_fact_parses_and_is_bounded() -> None:
    parsed = SystemFailureEvents.parse(system(
        sys_event("Service Control Manager", 7038, "2026-11-01T00:00:00Z", "ENTSSO"),
        sys_event("Microsoft-Windows-FailoverClustering", 1069, "2026-11-02T00:00:00Z", RESOURCE)))
    assert [e.id for e in parsed.events] == [1069, 7038] and parsed.entsso_resources == (RESOURCE,)
    with pytest.raises(FactParseError):
        SystemFailureEvents.parse({"events": [{"id": 7038, "time": "2026-11-01T00:00:00Z"}]})
    with pytest.raises(FactParseError):
        SystemFailureEvents.parse([])
    script = SystemFailureEvents.script
    assert "-MaxEvents $cap" in script and "FilterHashtable" in script and "Get-EventLog" not in script
    for provider, event_id in SYSTEM_QUERIES:
        assert f"@('{provider}', {event_id})" in script
    assert set(evt.ENTSSO_FAILURES) <= set(WATCHED_IDS)
