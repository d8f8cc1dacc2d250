"""SSO012 (the SSO Administrators accounts are domain groups) through the real runner, on raw ``sso_db_info`` and
``service_account_groups`` values."""

from __future__ import annotations

from typing import Any

import pytest
from ssocheck_checks import sso

from ssocheck.model import Phase
from tests.checks.test_sso_checks import ADMINS_SID, displaydb, displaydb_unreachable, groups, run, statuses

CLUSTER = ("NODE1", "NODE2")


def displaydb_with(admin: str, affiliate: str = "CORP\\SSO Affiliate Administrators") -> dict[str, Any]:
    info = displaydb(admin=admin)
    info["output"] = info["output"].replace("CORP\\SSO Affiliate Administrators", affiliate)
    return info


def sso012(admin: str, affiliate: str = "CORP\\SSO Affiliate Administrators",
           token: dict[str, Any] | None = None, unread: tuple[str, ...] = ("NODE2",)) -> dict[str, Any]:
    facts: dict[str, dict[str, Any] | None] = {
        n: {"sso_db_info": displaydb_unreachable(n) if n in unread else displaydb_with(admin, affiliate),
            "service_account_groups": token or groups()} for n in CLUSTER}
    return run(sso.SsoGroupsAreDomainGroups, facts, phase=Phase.PRE)


def test_domain_groups_pass_on_every_node_even_where_the_database_is_not_readable() -> None:
    res = sso012("CORP\\SSO Administrators")
    assert statuses(res) == dict.fromkeys(CLUSTER, "pass")
    assert res["NODE2"].evidence["resolved_here"] == {"CORP\\SSO Administrators": ADMINS_SID}
    assert res["NODE2"].evidence["read_on"] == "NODE1"
    assert statuses(sso012("SSO Administrators@corp.example.com")) == dict.fromkeys(CLUSTER, "pass")


@pytest.mark.parametrize("admin,why", [
    ("SSO Administrators", "not domain-qualified"),
    ("BTSNODE1\\SSO Administrators", "machine-local group of BTSNODE1"),
    ("NODE2\\SSO Administrators", "machine-local group of NODE2"),
    ("BUILTIN\\Administrators", "BUILTIN or well-known"),
])
def test_local_builtin_or_unqualified_admin_account_fails(admin: str, why: str) -> None:
    res = sso012(admin)
    assert statuses(res) == dict.fromkeys(CLUSTER, "fail")
    assert why in res["NODE1"].message and "10517" in res["NODE1"].message


def test_local_affiliate_group_fails_too() -> None:
    res = sso012("CORP\\SSO Administrators", affiliate="SSO Affiliate Administrators")
    assert statuses(res) == dict.fromkeys(CLUSTER, "fail")
    assert "SSO Affiliate Administrators account" in res["NODE1"].message


def test_name_that_resolves_to_a_local_sid_on_the_node_fails() -> None:
    token = groups(("S-1-5-21-111-222-333-1001", "NODE1\\SSO Admins"), admins=False)
    token["groups"].append({"sid": "S-1-5-32-544", "name": "CORP\\SSO Administrators"})  # a shadowing BUILTIN SID
    res = sso012("CORP\\SSO Administrators", token=token)
    assert statuses(res) == dict.fromkeys(CLUSTER, "fail") and "S-1-5-32-544" in res["NODE1"].message


def test_individual_account_warns() -> None:
    res = sso012("CORP\\SSO Administrators;CORP\\svc_sso")
    assert statuses(res) == dict.fromkeys(CLUSTER, "warn") and "11051" in res["NODE1"].message


def test_unreadable_everywhere_or_missing_fact_is_error() -> None:
    assert set(statuses(sso012("CORP\\SSO Administrators", unread=CLUSTER)).values()) == {"error"}
    facts: dict[str, dict[str, Any] | None] = {n: {"sso_db_info": displaydb()} for n in CLUSTER}
    assert set(statuses(run(sso.SsoGroupsAreDomainGroups, facts)).values()) == {"error"}
