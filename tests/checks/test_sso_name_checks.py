"""SSO016 (the SSO server each node's tools use) and SSO020 (the secret server name is no DNS alias) through the
real runner, on raw ``sso_db_info`` and ``secret_server_names`` values; plus the new fact and parser pieces."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
from ssocheck_checks import secret, sso

from ssocheck.facts.base import FactParseError
from ssocheck.facts.sso import SecretServerNames, SsoDatabase
from ssocheck.model import Phase
from ssocheck.parsers.ssomanage import THIS_COMPUTER, parse_displaydb
from tests.checks.test_sso_checks import EXPECT, displaydb, displaydb_unreachable, run, statuses

NODES = ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2")


# --------------------------------------------------------------------------- SSO016


def sso016(info: dict[str, Any] | None, node: str = "BTSNODE2", phase: Phase = Phase.POST) -> Any:
    return run(sso.SsoServerPointers, {node: None if info is None else {"sso_db_info": info}}, phase=phase)[node]


@pytest.mark.parametrize("server,node", [("BIZTALKCLUSTER", "BTSNODE2"), ("biztalkcluster.corp.example.com", "NODE2"),
                                         ("BTSNODE2", "BTSNODE2"), ("BTSNODE1", "BTSNODE1")])
def test_sso016_network_name_or_the_node_itself_passes(server: str, node: str) -> None:
    assert sso016(displaydb(server=server), node).status.value == "pass"


def test_sso016_old_master_secret_server_fails_even_when_it_still_answers() -> None:
    res = sso016(displaydb(server="BTSNODE1"))
    assert res.status.value == "fail" and "old master secret server BTSNODE1" in res.message
    assert res.evidence["found"] == "BTSNODE1"
    # Unreachable: the pointer is still what the tools use.
    assert sso016(displaydb_unreachable(server="BTSNODE1")).status.value == "fail"


def test_sso016_another_server_warns_and_local_text_passes() -> None:
    assert sso016(displaydb(server="SOMEHOST")).status.value == "warn"
    local = {"exit_code": 0, "output": "Using SSO server on this computer.\r\n\r\nSQL Server : SQL01\r\n"
                                       "Single Sign-On Secret Server name : BIZTALKCLUSTER\r\n"
                                       "Single Sign-On Administrators account : CORP\\SSO Administrators\r\n"}
    res = sso016(local)
    assert res.status.value == "pass" and res.evidence["found"] == THIS_COMPUTER


def test_sso016_missing_fact_or_no_pointer_is_error_not_read_locally_is_skip() -> None:
    # A node that was not collected: its check is skipped, its one error is the COLLECTION result.
    assert sso016(None).status.value == "skip" and "not collected" in sso016(None).message
    assert sso016({"exit_code": None, "output": "", "error": "ssomanage.exe not found"}).status.value == "error"
    assert run(sso.SsoServerPointers, {"NODE2": {}})["NODE2"].status.value == "error"
    # Where ENTSSO does not answer locally the probe does not run ssomanage (no second hop) and says why.
    res = sso016({"exit_code": None, "output": "", "not_local": "the local ENTSSO service is Stopped"}, "NODE2")
    assert res.status.value == "skip" and "not asked here" in res.message


def test_sso016_runs_only_after_the_move() -> None:
    assert sso016(displaydb(server="BTSNODE1"), phase=Phase.PRE).status.value == "skip"


def test_parser_reads_the_local_server_line() -> None:
    assert parse_displaydb("Using SSO server on this computer.\r\nSQL Server : X\r\n").using_server == THIS_COMPUTER
    assert SsoDatabase.parse(displaydb(server="NODE1")).using_server == "NODE1"


# --------------------------------------------------------------------------- SSO020


def names(canonical: dict[str, str | None]) -> list[dict[str, Any]]:
    """secret_server_names: name -> canonical host name (None: does not resolve)."""
    return [{"name": n, "host_name": h, "addresses": ["10.0.0.50"] if h else [],
             "error": None if h else "No such host is known"} for n, h in canonical.items()]


def sso020(secret_server: str, canonical: Mapping[str, str | None], phase: Phase = Phase.POST,
           unread: tuple[str, ...] = ()) -> dict[str, str]:
    facts: dict[str, dict[str, Any] | None] = {
        n: {"sso_db_info": displaydb_unreachable(n) if n in unread else displaydb(secret=secret_server),
            "secret_server_names": names(dict(canonical))} for n in NODES}
    return statuses(run(secret.SecretServerNotAnAlias, facts, phase=phase))


HEALTHY = {"BIZTALKCLUSTER": "BIZTALKCLUSTER.corp.example.com", "BTSNODE1": "btsnode1.corp.example.com"}


def test_sso020_real_names_pass_in_every_phase() -> None:
    assert sso020("BIZTALKCLUSTER", HEALTHY) == dict.fromkeys(NODES, "pass")
    assert sso020("BTSNODE1", HEALTHY, Phase.PRE, unread=("NODE2",)) == dict.fromkeys(NODES, "pass")


def test_sso020_alias_fails_on_every_node_and_names_the_target() -> None:
    # The inventory uses the alias too (so SSO007 passes in pre): only SSO020 sees it.
    expect = dataclasses.replace(EXPECT, master_secret_server="SSOMSS")
    res = run(secret.SecretServerNotAnAlias, {n: {"sso_db_info": displaydb(secret="SSOMSS"), "secret_server_names":
                                                   names({"SSOMSS": "btsnode1.corp.example.com"})} for n in NODES},
              phase=Phase.PRE, expect=expect)
    assert {r.status.value for r in res.values()} == {"fail"}
    assert "SSOMSS is a DNS alias of btsnode1.corp.example.com" in res["NODE1"].message


def test_sso020_ip_address_fails() -> None:
    assert set(sso020("10.0.0.50", HEALTHY).values()) == {"fail"}


def test_sso020_errors_when_unreadable_or_unresolved_skips_a_name_sso007_rejects() -> None:
    assert set(sso020("BIZTALKCLUSTER", HEALTHY, unread=NODES).values()) == {"error"}
    assert set(sso020("OTHER", HEALTHY).values()) == {"skip"}  # SSO007 rejects the name itself
    assert set(sso020("BIZTALKCLUSTER", {"BIZTALKCLUSTER": None}).values()) == {"error"}
    facts: dict[str, dict[str, Any] | None] = {n: {"sso_db_info": displaydb()} for n in NODES}
    assert set(statuses(run(secret.SecretServerNotAnAlias, facts)).values()) == {"error"}  # fact missing


def test_secret_server_names_parser() -> None:
    parsed = SecretServerNames.parse(names({"biztalkcluster.corp.example.com": "BIZTALKCLUSTER.corp.example.com"}))
    assert set(parsed) == {"BIZTALKCLUSTER"} and parsed["BIZTALKCLUSTER"].addresses == ("10.0.0.50",)
    with pytest.raises(FactParseError):
        SecretServerNames.parse([{"name": "X", "host_name": None, "error": None}])
    with pytest.raises(FactParseError):
        SecretServerNames.parse([{"host_name": "x"}])
