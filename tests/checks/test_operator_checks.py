"""SSO014 (the restore operator is a local administrator and an SSO administrator on every cluster node) through
the real runner, on raw ``sso_db_info`` and ``restore_operator_groups`` values, and the fact's parser."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from ssocheck_checks import sso

from ssocheck.facts.base import FactParseError
from ssocheck.facts.sso import RestoreOperatorGroups
from ssocheck.model import Phase
from tests.checks.test_sso_checks import (
    ADMINS_SID,
    DOMAIN_SID,
    EXPECT,
    displaydb,
    displaydb_unreachable,
    run,
    statuses,
)

CLUSTER = ("NODE1", "NODE2")
OPERATOR = "CORP\\opadmin"
WITH_OPERATOR = dataclasses.replace(EXPECT, restore_operator=OPERATOR)
OPS_SID = f"{DOMAIN_SID}-1141"


def token(local_admin: bool = True, sso_admin: bool = True, *extra: tuple[str, str | None]) -> dict[str, Any]:
    """restore_operator_groups of CORP\\opadmin: Domain Users, BizTalk Operators (in BUILTIN\\Administrators)."""
    gs: list[dict[str, Any]] = [{"sid": f"{DOMAIN_SID}-513", "name": "CORP\\Domain Users"},
                                {"sid": OPS_SID, "name": "CORP\\BizTalk Operators"},
                                {"sid": "S-1-5-32-545", "name": "BUILTIN\\Users"},
                                {"sid": "S-1-1-0", "name": "Everyone"}]
    if local_admin:
        gs.append({"sid": "S-1-5-32-544", "name": "BUILTIN\\Administrators"})
    if sso_admin:
        gs.append({"sid": ADMINS_SID, "name": "CORP\\SSO Administrators"})
    gs += [{"sid": sid, "name": name} for sid, name in extra]
    return {"account": OPERATOR, "sid": f"{DOMAIN_SID}-1140", "resolved_by": "s4u",
            "upn": "opadmin@corp.example.com", "groups": gs}


def sso014(tokens: dict[str, dict[str, Any] | None], unread: tuple[str, ...] = ("NODE2",),
           expect: Any = WITH_OPERATOR, phase: Phase = Phase.PRE) -> dict[str, Any]:
    facts: dict[str, dict[str, Any] | None] = {}
    for n in CLUSTER:
        node: dict[str, Any] = {"sso_db_info": displaydb_unreachable(n) if n in unread else displaydb()}
        if tokens.get(n) is not None:
            node["restore_operator_groups"] = tokens[n]
        facts[n] = node
    return run(sso.OperatorCanRestore, facts, phase=phase, expect=expect)


def test_local_and_sso_admin_everywhere_passes_with_the_group_read_on_one_node() -> None:
    res = sso014({n: token() for n in CLUSTER})
    assert statuses(res) == dict.fromkeys(CLUSTER, "pass")
    assert res["NODE2"].evidence["sso_admin_group_read_on"] == "NODE1"
    assert res["NODE2"].evidence["local_administrator"] is True


def test_nested_sso_admin_membership_by_name_passes() -> None:
    # The SSO database may name the group by name only; a token group with that name counts.
    res = sso014({n: token(True, False, ("S-1-5-21-9-9-9-1200", "CORP\\SSO Administrators")) for n in CLUSTER})
    assert statuses(res) == dict.fromkeys(CLUSTER, "pass")


def test_not_sso_admin_fails_on_every_node() -> None:
    res = sso014({n: token(sso_admin=False) for n in CLUSTER})
    assert statuses(res) == dict.fromkeys(CLUSTER, "fail")
    assert "not in the SSO Administrators account CORP\\SSO Administrators" in res["NODE1"].message
    assert "0xC0002A14" in res["NODE1"].message and "0xC0002A13" not in res["NODE1"].message


def test_not_local_admin_on_one_node_fails_there_only() -> None:
    res = sso014({"NODE1": token(), "NODE2": token(local_admin=False)})
    assert statuses(res) == {"NODE1": "pass", "NODE2": "fail"}
    assert "not a local administrator" in res["NODE2"].message and "0xC0002A13" in res["NODE2"].message
    assert res["NODE2"].evidence["local_administrator"] is False


def test_both_missing_names_both() -> None:
    res = sso014({n: token(False, False) for n in CLUSTER})
    assert statuses(res) == dict.fromkeys(CLUSTER, "fail")
    assert "not a local administrator" in res["NODE1"].message and "SSO Administrators" in res["NODE1"].message


def test_sso_admin_group_unreadable_everywhere_is_error_not_pass() -> None:
    # Only the local-admin half is proven: never green (nothing false-green).
    res = sso014({n: token() for n in CLUSTER}, unread=CLUSTER)
    assert statuses(res) == dict.fromkeys(CLUSTER, "error")
    assert "unproven" in res["NODE1"].message
    # ...but a proven local-admin failure is still a failure.
    res = sso014({n: token(local_admin=False) for n in CLUSTER}, unread=CLUSTER)
    assert statuses(res) == dict.fromkeys(CLUSTER, "fail")


def test_untranslated_group_makes_missing_sso_membership_an_error() -> None:
    res = sso014({n: token(True, False, ("S-1-5-21-7-7-7-1300", None)) for n in CLUSTER})
    assert statuses(res) == dict.fromkeys(CLUSTER, "error")
    assert res["NODE1"].evidence["untranslated"] == ["S-1-5-21-7-7-7-1300"]


def test_missing_fact_is_error() -> None:
    res = sso014({"NODE1": token(), "NODE2": None})
    assert statuses(res)["NODE2"] == "error"
    assert "pass" not in statuses(res).values()  # a group check with a node unproven passes nowhere


def test_no_operator_in_the_inventory_skips_with_the_reason() -> None:
    res = sso014({n: {"account": None} for n in CLUSTER}, expect=EXPECT)
    assert statuses(res) == dict.fromkeys(CLUSTER, "skip")
    assert "sso.restore_operator" in res["NODE1"].message


def test_pre_phase_only() -> None:
    assert sso.OperatorCanRestore.phases == (Phase.PRE,)
    assert sso.OperatorCanRestore.roles == ("sso-cluster",)


def test_fact_parses_no_operator_as_none_and_rejects_garbage() -> None:
    assert RestoreOperatorGroups.parse({"account": None}) is None
    parsed = RestoreOperatorGroups.parse(token())
    assert parsed is not None and "S-1-5-32-544" in parsed.group_sids
    with pytest.raises(FactParseError):
        RestoreOperatorGroups.parse({**token(), "resolved_by": "tokenGroups"})  # AD read: no BUILTIN groups
    with pytest.raises(FactParseError):
        RestoreOperatorGroups.parse({"account": OPERATOR, "sid": "nope"})
    with pytest.raises(FactParseError):
        RestoreOperatorGroups.parse(None)


def test_fact_script_reads_the_operator_as_data_and_logs_it_on_with_s4u() -> None:
    script = RestoreOperatorGroups.script
    assert "Get-SsoParam 'restore_operator'" in script and "sso_service_account" not in script
    assert "System.Security.Principal.WindowsIdentity($upn)" in script
    assert RestoreOperatorGroups.params == ("restore_operator",)
