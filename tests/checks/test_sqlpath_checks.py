"""SQL001 through the real runner, on NodeFacts built from raw ``ssodb_path`` values (pass, fail, warn, error)."""

from __future__ import annotations

from typing import Any

import pytest
from ssocheck_checks import rpc

from ssocheck.check import Context, Expectations
from ssocheck.model import Phase, Result, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")
ALIAS = "DBMSSOCN,SQLAG,14330"


def path(**kw: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"server": "SQL01", "database": "SSODB", "alias64": None, "alias32": None, "protocol": "tcp",
                           "host": "SQL01", "instance": None, "port": 1433, "port_source": "default",
                           "browser_error": None, "addresses": ["10.0.0.30"], "resolve_error": None, "tcp_ok": True,
                           "tcp_error": None}
    raw.update(kw)
    return raw


def run(raw: dict[str, Any] | None) -> Result:
    facts = {} if raw is None else {"ssodb_path": raw}
    report = evaluate(build([("builtin", [rpc.SsoDbReachableFromClusterNodes])]),
                      Snapshot(EXPECT, [NodeSnapshot(name="NODE1", roles=("sso-cluster",), facts=facts)],
                               "2026-11-30T10:00:00Z"), Context(Phase.PRE, EXPECT))
    (result,) = report.results
    return result


@pytest.mark.parametrize(("raw", "status", "text"), [
    (path(), Status.PASS, "TCP SQL01:1433 answers"),
    (path(alias64=ALIAS, alias32=ALIAS, host="SQLAG", port=14330, port_source="alias"), Status.PASS,
     "(alias DBMSSOCN,SQLAG,14330)"),
    (path(alias32=ALIAS, tcp_ok=False, tcp_error="actively refused"), Status.FAIL,
     "exists only in the 32-bit view"),
    (path(alias64=ALIAS, host="SQLAG", port=14330), Status.FAIL, "exists only in the 64-bit view"),
    (path(alias64=ALIAS, alias32="DBMSSOCN,OLDSQL,1433", host="SQLAG", port=14330), Status.FAIL, "differs"),
    (path(tcp_ok=False, tcp_error="no answer within 3000 ms"), Status.FAIL, "TCP SQL01:1433 does not answer"),
    (path(addresses=[], resolve_error="No such host is known", tcp_ok=None), Status.FAIL, "does not resolve"),
    (path(instance="SSO", port=None, browser_error="SQL Server Browser (UDP 1434) did not answer: timeout",
          tcp_ok=None), Status.FAIL, "UDP 1434"),
    (path(server=None, host=None, port=None, addresses=[], tcp_ok=None), Status.FAIL, "10511"),
    (path(alias64="DBNMPNTW,\\\\SQL01\\pipe\\sql\\query", alias32="DBNMPNTW,\\\\SQL01\\pipe\\sql\\query",
          protocol="DBNMPNTW", tcp_ok=None), Status.WARN, "not TCP/IP"),
])
def test_sql001(raw: dict[str, Any], status: Status, text: str) -> None:
    result = run(raw)
    assert result.status is status and text in result.message, result.message


def test_sql001_errors_without_the_fact_or_on_a_malformed_one() -> None:
    assert run(None).status is Status.ERROR
    assert run(path(port="1433")).status is Status.ERROR
    assert run(path(tcp_ok="yes")).status is Status.ERROR
