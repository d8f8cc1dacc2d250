"""SYS001, SYS002 and NET001 through the real runner, on NodeFacts built from raw fact values."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from ssocheck_checks import system

from ssocheck.check import Context, Expectations
from ssocheck.model import Phase, Result, Severity, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")
ROLES = {"BTSNODE1": ("biztalk",), "BTSNODE2": ("biztalk",), "NODE1": ("sso-cluster",), "NODE2": ("sso-cluster",)}
RECEIVED = "2026-11-20T22:00:00.400Z"
NT5DS = {"service_present": True, "type": "NT5DS", "ntp_server": "time.windows.com,0x9"}


def run(check: type, nodes: list[NodeSnapshot], expect: Expectations = EXPECT) -> dict[str, Result]:
    """Evaluate one check with the real runner; results by node name."""
    report = evaluate(build([("builtin", [check])]), Snapshot(expect, nodes, "2026-11-20T22:00:00Z"),
                      Context(Phase.POST, expect))
    return {r.node: r for r in report.results}


def statuses(results: dict[str, Result]) -> dict[str, Status]:
    return {name: r.status for name, r in results.items()}


@pytest.mark.parametrize(
    ("cls", "cid", "name", "shape", "roles", "step"),
    [
        (system.ClockSkew, "SYS001", "clock-skew", "group", ("biztalk", "sso-cluster", "sql", "sso-server"), "-"),
        (system.NetbiosNameLength, "SYS002", "netbios-name-length", "group",
         ("biztalk", "sso-cluster", "sql", "sso-server"), "-"),
        (system.SsoEndpointReachable, "NET001", "sso-endpoint-reachable", "node", ("biztalk",), "15, 24"),
    ],
)
def test_catalogue_metadata(cls: type, cid: str, name: str, shape: str, roles: tuple[str, ...], step: str) -> None:
    (loaded,) = build([("builtin", [cls])])
    meta = loaded.meta
    assert (meta.id, meta.name, meta.shape, meta.roles, meta.guide_step) == (cid, name, shape, roles, step)
    assert meta.severity is (Severity.HIGH if cid == "NET001" else Severity.MEDIUM)
    assert meta.phases == (Phase.PRE, Phase.POST, Phase.NIGHTLY)
    assert meta.title and meta.description and meta.remediation and meta.references
    assert cls in system.CHECKS


# -- SYS001 --------------------------------------------------------------------------------------------------------


def clock_node(name: str, clock: str | None, time_sync: dict[str, Any] | None = NT5DS, **kw: Any) -> NodeSnapshot:
    facts = {} if time_sync is None else {"time_sync": time_sync}
    return NodeSnapshot(name=name, roles=ROLES.get(name, ("sql",)), facts=facts, clock_utc=clock,
                        received_utc=kw.pop("received", RECEIVED), **kw)


def clocks(**offsets: str | None) -> list[NodeSnapshot]:
    """Four nodes at 22:00:00 (the controller received at 22:00:00.400), some overridden by ``offsets``."""
    values: dict[str, str | None] = dict.fromkeys(ROLES, "2026-11-20T22:00:00Z")
    values.update(offsets)
    return [clock_node(n, c) for n, c in values.items()]


def test_sys001_passes_when_clocks_agree() -> None:
    res = run(system.ClockSkew, clocks(NODE1="2026-11-20T22:00:03Z", NODE2="2026-11-20T21:59:58Z"))
    assert set(statuses(res).values()) == {Status.PASS}
    assert res["NODE1"].evidence["offset_vs_controller_s"] == pytest.approx(2.6)
    assert res["NODE1"].evidence["w32time_type"] == "NT5DS"


def test_sys001_fails_the_node_out_of_line() -> None:
    res = run(system.ClockSkew, clocks(NODE2="2026-11-20T22:05:00Z"))
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.PASS, "NODE1": Status.PASS,
                             "NODE2": Status.FAIL}
    assert res["NODE2"].evidence["found"] == "+300 s from the other nodes"
    assert res["NODE2"].evidence["expected"] == "within 60 s of the other nodes"


def test_sys001_two_nodes_too_far_apart_both_fail() -> None:
    nodes = [clock_node("BTSNODE1", "2026-11-20T22:00:00Z"), clock_node("NODE1", "2026-11-20T22:01:20Z")]
    assert set(statuses(run(system.ClockSkew, nodes)).values()) == {Status.FAIL}


def test_sys001_respects_the_inventory_limit() -> None:
    nodes = clocks(NODE2="2026-11-20T22:00:30Z")
    assert run(system.ClockSkew, nodes)["NODE2"].status is Status.PASS
    strict = dataclasses.replace(EXPECT, max_clock_skew_seconds=10)
    res = run(system.ClockSkew, nodes, strict)
    assert res["NODE2"].status is Status.FAIL and "limit 10 s" in res["NODE2"].message


def test_sys001_node_without_clock_is_error_and_the_others_not_proven() -> None:
    res = run(system.ClockSkew, clocks(NODE1=None))
    assert res["NODE1"].status is Status.ERROR and "no usable clock reading" in res["NODE1"].message
    assert res["BTSNODE1"].status is Status.ERROR and "not proven" in res["BTSNODE1"].message
    # A clock that is out of line is still a failure.
    res = run(system.ClockSkew, clocks(NODE1="not a time", NODE2="2026-11-20T23:00:00Z"))
    assert res["NODE2"].status is Status.FAIL and res["NODE1"].status is Status.ERROR


def test_sys001_unreachable_node_or_missing_fact_is_error_for_the_group() -> None:
    nodes = clocks()
    nodes[1] = NodeSnapshot(name="BTSNODE2", roles=("biztalk",), error="connection refused")
    res = run(system.ClockSkew, nodes)
    assert set(statuses(res).values()) == {Status.SKIP}  # BTSNODE2's one error is its collection result
    assert "connection refused" in res["BTSNODE2"].message and "not proven" in res["NODE1"].message
    nodes = clocks()
    nodes[2] = clock_node("NODE1", "2026-11-20T22:00:00Z", time_sync=None)
    res = run(system.ClockSkew, nodes)
    assert res["NODE1"].status is Status.ERROR and "time_sync" in res["NODE1"].message


def test_sys001_warns_when_time_is_not_synchronised() -> None:
    nodes = clocks()
    nodes[3] = clock_node("NODE2", "2026-11-20T22:00:00Z", {"service_present": True, "type": "NoSync"})
    res = run(system.ClockSkew, nodes)
    assert res["NODE2"].status is Status.WARN and "NoSync" in res["NODE2"].message
    assert res["NODE1"].status is Status.PASS


def test_clock_outliers_keeps_the_agreeing_majority() -> None:
    deviation, outliers = system.clock_outliers({"A": 0.0, "B": 1.0, "C": -2.0, "D": 500.0}, 60)
    assert outliers == ["D"] and deviation["D"] == pytest.approx(500.0)
    _, outliers = system.clock_outliers({"A": -40.0, "B": 0.0, "C": 40.0}, 60)
    assert outliers == ["A", "C"]  # each is 80 s from the other; neither is provably right
    assert system.clock_outliers({"A": 0.0}, 60)[1] == []
    assert system.clock_outliers({}, 60) == ({}, [])


# -- SYS002 --------------------------------------------------------------------------------------------------------


def names_node(name: str, host: str | None = None, netbios: str | None = None, nv: str | None = None,
               **kw: Any) -> NodeSnapshot:
    host = host or name
    raw = {"computer_name": netbios or host[:15].upper(), "dns_host_name": host, "tcpip_hostname": host,
           "tcpip_nv_hostname": nv or host, "tcpip_domain": "corp.example.com"}
    return NodeSnapshot(name=name, roles=ROLES[name], facts={"host_names": raw}, **kw)


def names_farm(**overrides: NodeSnapshot) -> list[NodeSnapshot]:
    return [overrides.get(n, names_node(n)) for n in ROLES]


def test_sys002_short_names_pass() -> None:
    res = run(system.NetbiosNameLength, names_farm())
    assert set(statuses(res).values()) == {Status.PASS}
    assert res["NODE1"].evidence["found"]["cluster_network_name"] == "BIZTALKCLUSTER"


def test_sys002_long_host_name_fails_with_evidence() -> None:
    res = run(system.NetbiosNameLength, names_farm(BTSNODE2=names_node("BTSNODE2", "BTSNODE2-PRODUCTION")))
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.FAIL, "NODE1": Status.PASS,
                             "NODE2": Status.PASS}
    ev = res["BTSNODE2"].evidence
    assert ev["expected"] == "at most 15 characters"
    assert ev["found"]["host_name"] == "BTSNODE2-PRODUCTION" and ev["found"]["length"] == 19
    assert "BTSNODE2-PRODUC" in res["BTSNODE2"].message


def test_sys002_exactly_fifteen_warns_and_other_oddities() -> None:
    res = run(system.NetbiosNameLength, names_farm(
        NODE1=names_node("NODE1", "SSO-CLUSTER-N01"),  # 15 characters
        NODE2=names_node("NODE2", "NODE2", netbios="OLDNAME"),
        BTSNODE1=names_node("BTSNODE1", nv="BTSNODE1-RENAMED-X"),
    ))
    assert statuses(res) == {"BTSNODE1": Status.WARN, "BTSNODE2": Status.PASS, "NODE1": Status.WARN,
                             "NODE2": Status.WARN}
    assert "exactly 15" in res["NODE1"].message
    assert "differs" in res["NODE2"].message
    assert "pending rename" in res["BTSNODE1"].message


def test_sys002_long_cluster_network_name_fails_on_the_cluster_nodes() -> None:
    expect = dataclasses.replace(EXPECT, cluster_network_name="BIZTALK-SSO-CLUSTER.corp.example.com")
    res = run(system.NetbiosNameLength, names_farm(), expect)
    assert statuses(res) == {"BTSNODE1": Status.PASS, "BTSNODE2": Status.PASS, "NODE1": Status.FAIL,
                             "NODE2": Status.FAIL}
    assert "cluster network name BIZTALK-SSO-CLUSTER has 19 characters" in res["NODE1"].message


def test_sys002_missing_fact_is_error_and_the_others_not_proven() -> None:
    res = run(system.NetbiosNameLength, names_farm(
        NODE2=NodeSnapshot(name="NODE2", roles=("sso-cluster",), fact_errors={"host_names": "Access is denied"})))
    assert res["NODE2"].status is Status.ERROR and "Access is denied" in res["NODE2"].message
    assert {res[n].status for n in ("BTSNODE1", "BTSNODE2", "NODE1")} == {Status.ERROR}


# -- NET001 --------------------------------------------------------------------------------------------------------


def address(ip: str = "10.0.0.50", reverse: str | None = "BIZTALKCLUSTER.corp.example.com", tcp: bool = True,
            tcp_error: str | None = None) -> dict[str, Any]:
    return {"address": ip, "family": "InterNetwork", "reverse_name": reverse,
            "reverse_error": None if reverse else "No such host is known", "tcp_135": tcp,
            "tcp_error": tcp_error if not tcp else None}


def endpoint_node(*addresses: dict[str, Any], name: str = "BTSNODE1", target: str = "BIZTALKCLUSTER",
                  forward_error: str | None = None) -> NodeSnapshot:
    raw = {"name": target, "forward_error": forward_error, "addresses": list(addresses)}
    return NodeSnapshot(name=name, roles=ROLES[name], facts={"sso_endpoint": raw})


def net001(*addresses: dict[str, Any], **kw: Any) -> Result:
    return run(system.SsoEndpointReachable, [endpoint_node(*addresses, **kw)])["BTSNODE1"]


def test_net001_passes_when_resolved_both_ways_and_reachable() -> None:
    res = net001(address())
    assert res.status is Status.PASS
    assert res.evidence["found"] == {"10.0.0.50": {"reverse": "BIZTALKCLUSTER.corp.example.com",
                                                   "tcp_135": "answers"}}


def test_net001_forward_failure() -> None:
    res = net001(forward_error="No such host is known")
    assert res.status is Status.FAIL and "does not resolve" in res.message
    assert res.evidence["found"] == {"forward": "No such host is known"}


def test_net001_reverse_missing_or_naming_another_host_fails() -> None:
    res = net001(address(reverse=None))
    assert res.status is Status.FAIL and "no reverse lookup for 10.0.0.50" in res.message
    res = net001(address(reverse="oldsso01.corp.example.com"))
    assert res.status is Status.FAIL and "names another host" in res.message
    # .NET hands back the address itself when no PTR exists on some resolvers.
    assert net001(address(reverse="10.0.0.50")).status is Status.FAIL


def test_net001_tcp_135_closed_fails() -> None:
    res = net001(address(tcp=False, tcp_error="no answer within 3000 ms"))
    assert res.status is Status.FAIL and "TCP 135 does not answer" in res.message
    assert res.evidence["found"]["10.0.0.50"]["tcp_135"] == "no answer within 3000 ms"


def test_net001_multi_subnet_partial_answers_warn() -> None:
    res = net001(address(), address("10.1.0.50", reverse=None, tcp=False, tcp_error="timed out"))
    assert res.status is Status.WARN
    assert "10.1.0.50" in res.message


def test_net001_probe_of_another_name_is_error_and_missing_fact_is_error() -> None:
    res = net001(address(), target="OTHERCLUSTER")
    assert res.status is Status.ERROR and "OTHERCLUSTER" in res.message
    both = run(system.SsoEndpointReachable, [NodeSnapshot(name="BTSNODE1", roles=("biztalk",), facts={}),
                                             endpoint_node(address(), name="BTSNODE2")])
    assert statuses(both) == {"BTSNODE1": Status.ERROR, "BTSNODE2": Status.PASS}


def test_net001_fqdn_in_the_inventory_matches_the_short_name() -> None:
    expect = dataclasses.replace(EXPECT, cluster_network_name="biztalkcluster.corp.example.com")
    nodes = [endpoint_node(address(), target="biztalkcluster.corp.example.com")]
    assert run(system.SsoEndpointReachable, nodes, expect)["BTSNODE1"].status is Status.PASS


def test_net001_runs_on_biztalk_nodes_only() -> None:
    nodes = [endpoint_node(address()), NodeSnapshot(name="NODE1", roles=("sso-cluster",), facts={})]
    assert set(run(system.SsoEndpointReachable, nodes)) == {"BTSNODE1"}


def _stamp(moment: float, whole_seconds: bool) -> str:
    """A UTC stamp of ``moment`` (seconds after 2026-11-20T22:00:00Z) as the probe writes it (truncated)."""
    from datetime import datetime, timedelta, timezone

    t = datetime(2026, 11, 20, 22, 0, 0, tzinfo=timezone.utc) + timedelta(seconds=moment)
    if whole_seconds:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _verdicts(skew: float, whole_seconds: bool, runs: int = 300) -> set[Status]:
    """SYS001's verdict on NODE2 (``skew`` s ahead of three agreeing nodes) over many simulated collections.

    Each node is collected at its own moment in the run; its clock is read just before the answer leaves and the
    controller stamps the arrival 5-120 ms later (network and load jitter).
    """
    import random

    rng = random.Random(1105)
    seen = set()
    for _ in range(runs):
        nodes = []
        for name in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"):
            read_at = rng.uniform(0.0, 3.0)  # nodes answer at different moments of the run
            arrival = read_at + rng.uniform(0.005, 0.120)
            clock = read_at + (skew if name == "NODE2" else 0.0)
            nodes.append(clock_node(name, _stamp(clock, whole_seconds), received=_stamp(arrival, False)))
        seen.add(run(system.ClockSkew, nodes)["NODE2"].status)
    return seen


def test_sys001_verdict_near_the_limit_is_the_same_in_every_run() -> None:
    # Whole-second stamps used to flag a 59 s skew in a few percent of runs; millisecond readings never do.
    assert _verdicts(59.0, whole_seconds=False) == {Status.PASS}
    assert _verdicts(60.9, whole_seconds=False) == {Status.FAIL}
    # Older snapshots with whole-second stamps: a spread within the reading resolution is not flagged.
    assert _verdicts(59.0, whole_seconds=True) == {Status.PASS}
    assert _verdicts(62.5, whole_seconds=True) == {Status.FAIL}


def test_sys001_reading_resolution() -> None:
    assert system.reading_resolution("2026-11-20T22:00:00.123Z") == 0.001
    assert system.reading_resolution("2026-11-20T22:00:00Z") == 1.0
    res = run(system.ClockSkew, clocks(NODE1="2026-11-20T22:00:00.250Z"))
    assert res["NODE1"].evidence["reading_resolution_s"] == 0.001
