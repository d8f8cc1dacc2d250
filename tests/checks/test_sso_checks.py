"""SSO001-SSO003, SSO005, SSO006 through the real runner, on NodeFacts built from raw fact values.

The raw values have the snippets' shapes (see each Fact's docstring); tests/checks/test_biztalk_checks.py
reuses the builders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from ssocheck_checks import sso

from ssocheck.check import Context, Expectations
from ssocheck.model import Phase, Result
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB",
                      domain_netbios="CORP", domain_dns="corp.example.com")
ROLES = {"BTSNODE1": ("biztalk",), "BTSNODE2": ("biztalk",), "NODE1": ("sso-cluster",), "NODE2": ("sso-cluster",),
         "NODE3": ("sso-cluster",), "BTSNODE3": ("biztalk",)}
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
SVC_SID = f"{DOMAIN_SID}-1105"
ADMINS_SID = f"{DOMAIN_SID}-1110"
SVC_GROUP_SID = f"{DOMAIN_SID}-1120"
SSO_VERSION = "10.0.1000.0"
BT_VERSION = "3.12.774.0"
HASH_A = "a" * 64
HASH_B = "b" * 64


def run(check: type, facts: dict[str, dict[str, Any] | None], phase: Phase = Phase.POST,
        expect: Expectations = EXPECT) -> dict[str, Result]:
    """Evaluate one check with the real runner; ``facts`` maps node -> raw facts (None: node not collected)."""
    nodes = [
        NodeSnapshot(name=n, roles=ROLES[n], facts=f or {}, error=None if f is not None else "connection refused")
        for n, f in facts.items()
    ]
    report = evaluate(build([("builtin", [check])]), Snapshot(expect, nodes, "2026-11-21T00:00:00Z"),
                      Context(phase, expect))
    return {r.node: r for r in report.results}


def statuses(results: dict[str, Result]) -> dict[str, str]:
    return {n: r.status.value for n, r in results.items()}


def entsso(version: str | None = SSO_VERSION, admin: str | None = SSO_VERSION, server: str | None = "SQL01",
           database: str | None = "SSODB") -> dict[str, Any]:
    """entsso_registry: versions in Wow6432Node, the SQL pointer in the native view (as KB 2908466 / the tools)."""
    return {
        "native": {"server": None, "administration": None, "sql_server": server, "sql_database": database},
        "wow6432": {"server": version, "administration": admin, "sql_server": None, "sql_database": None},
    }


def services(entsso_installed: bool = True, state: str = "Running") -> list[dict[str, Any]]:
    out = [{"name": "MSDTC", "state": "Running", "start_mode": "Auto", "account": "NT AUTHORITY\\NetworkService"}]
    if entsso_installed:
        out.append({"name": "ENTSSO", "state": state, "start_mode": "Manual", "account": "CORP\\svc_sso"})
    return out


def displaydb(admin: str = "CORP\\SSO Administrators", secret: str = "BIZTALKCLUSTER", server: str = "NODE1",
              database: str = "SSODB") -> dict[str, Any]:
    """sso_db_info as ssomanage -displaydb answers it."""
    return {"exit_code": 0, "output": (
        f"Using SSO server : {server}\r\n\r\nSQL Server                         : SQL01\r\n"
        f"Single Sign-On database            : {database}\r\n"
        f"Single Sign-On Secret Server name  : {secret}\r\n"
        f"Single Sign-On Administrators account : {admin}\r\n"
        "Single Sign-On Affiliate Administrators account : CORP\\SSO Affiliate Administrators\r\n")}


def displaydb_unreachable(server: str = "NODE2") -> dict[str, Any]:
    """The real 0xC0002A0F answer (a passive node whose tools ask its stopped local ENTSSO)."""
    return {"exit_code": 1, "output": (
        f"Using SSO server : {server}\r\n"
        f"ERROR: 0xC0002A0F : Could not contact the SSO server '{server}'. Check that\r\n"
        "SSO is configured and that the SSO service is running on that server.\r\n\r\n"
        "(RPC: 0x800706D9: There are no more endpoints available from the endpoint\r\nmapper.)\r\n")}


def groups(*extra: tuple[str, str | None], admins: bool = True) -> dict[str, Any]:
    """service_account_groups of CORP\\svc_sso: SSO Service Accounts (nested in SSO Administrators), Domain Users."""
    gs: list[dict[str, Any]] = [{"sid": SVC_GROUP_SID, "name": "CORP\\SSO Service Accounts"},
                                {"sid": f"{DOMAIN_SID}-513", "name": "CORP\\Domain Users"}]
    if admins:
        gs.append({"sid": ADMINS_SID, "name": "CORP\\SSO Administrators"})
    gs += [{"sid": sid, "name": name} for sid, name in extra]
    return {"account": "CORP\\svc_sso", "sid": SVC_SID, "groups": gs}


def rights(allow: list[str] | None = None, deny: list[str] | None = None) -> str:
    """user_rights: a secedit INF with the given SeServiceLogonRight / SeDenyServiceLogonRight entries."""
    lines = ["[Unicode]", "Unicode=yes", "[Privilege Rights]",
             "SeNetworkLogonRight = *S-1-1-0,*S-1-5-32-544,*S-1-5-32-545,*S-1-5-32-551"]
    if allow:
        lines.append("SeServiceLogonRight = " + ",".join(allow))
    if deny:
        lines.append("SeDenyServiceLogonRight = " + ",".join(deny))
    lines += ["SeDenyInteractiveLogonRight = Guest", "[Version]", 'signature="$CHICAGO$"', "Revision=1"]
    return "\r\n".join(lines) + "\r\n"


def backups(*files: tuple[str, str | None], modified: str = "2026-11-10T09:00:00Z") -> list[dict[str, Any]]:
    """sso_backup_files: (name, sha256 or None for an unreadable file)."""
    folder = "C:\\Program Files\\Common Files\\Enterprise Single Sign-On"
    return [{"path": f"{folder}\\{name}", "name": name, "size": 1232, "sha256": sha, "modified": modified,
             "error": None if sha else "The process cannot access the file"} for name, sha in files]


def event(event_id: int, time: str, *strings: str) -> dict[str, Any]:
    return {"id": event_id, "time": time, "strings": list(strings)}


def biztalk(version: str | None = BT_VERSION) -> dict[str, Any] | None:
    if version is None:
        return None
    return {"product_version": version, "product_edition": "Enterprise",
            "install_path": "C:\\Program Files (x86)\\Microsoft BizTalk Server 2016\\"}


def test_module_exports_all_sso_checks_in_catalog_order() -> None:
    assert [c.id for c in sso.CHECKS] == ["SSO001", "SSO002", "SSO003", "SSO004", "SSO005", "SSO006", "SSO012",
                                          "SSO016", "SSO014"]
    for check in sso.CHECKS:
        assert check.remediation and check.references and check.__doc__ and check.guide_step != "-"


# --------------------------------------------------------------------------- SSO001


def sso001_facts(**overrides: tuple[Any, Any] | None) -> dict[str, dict[str, Any] | None]:
    """services + entsso_registry per node; ``NODE2=(services(...), entsso(...))`` overrides one node."""
    out: dict[str, dict[str, Any] | None] = {}
    for node in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"):
        svc, reg = overrides.get(node) or (services(), entsso())
        out[node] = {"services": svc, "entsso_registry": reg}
    for node, value in overrides.items():
        if value is None:
            out[node] = None
    return out


def test_sso001_healthy_group_passes() -> None:
    res = run(sso.EntssoInstalled, sso001_facts())
    assert statuses(res) == dict.fromkeys(("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"), "pass")
    assert "same version as the BizTalk nodes" in res["NODE1"].message
    assert "reference" in res["BTSNODE1"].message


def test_sso001_service_missing_on_a_cluster_node() -> None:
    res = run(sso.EntssoInstalled, sso001_facts(NODE2=(services(entsso_installed=False), entsso())))
    assert statuses(res)["NODE2"] == "fail" and statuses(res)["NODE1"] == "pass"
    assert "ENTSSO service" in res["NODE2"].message
    assert res["NODE2"].evidence["found"]["service"] is None and res["NODE2"].evidence["expected"]


def test_sso001_components_missing() -> None:
    nothing = (services(entsso_installed=False), entsso(None, None, None, None))
    res = run(sso.EntssoInstalled, sso001_facts(NODE1=(services(), entsso(admin=None)), NODE2=nothing))
    assert statuses(res) == {"BTSNODE1": "pass", "BTSNODE2": "pass", "NODE1": "fail", "NODE2": "fail"}
    assert "Administration" in res["NODE1"].message and "Server component" not in res["NODE1"].message
    assert all(part in res["NODE2"].message for part in ("ENTSSO service", "SSO Server", "Administration"))


def test_sso001_older_cluster_version_fails_newer_warns() -> None:
    res = run(sso.EntssoInstalled, sso001_facts(NODE1=(services(), entsso("9.0.1865.0", "9.0.1865.0")),
                                                NODE2=(services(), entsso("10.0.3025.0", "10.0.3025.0"))))
    assert statuses(res) == {"BTSNODE1": "pass", "BTSNODE2": "pass", "NODE1": "fail", "NODE2": "warn"}
    assert "older" in res["NODE1"].message and "10728" in res["NODE1"].message
    assert res["NODE1"].evidence["expected"] == [SSO_VERSION]
    assert res["NODE1"].evidence["found"]["server_version"] == "9.0.1865.0"
    assert res["NODE2"].evidence["expected"] == [SSO_VERSION]


def test_sso001_cumulative_update_level_counts() -> None:
    res = run(sso.EntssoInstalled, sso001_facts(BTSNODE1=(services(), entsso("10.0.3025.0")),
                                                BTSNODE2=(services(), entsso("10.0.3025.0"))))
    assert statuses(res)["NODE1"] == "fail" and statuses(res)["NODE2"] == "fail"


def test_sso001_missing_facts_make_the_group_not_proven() -> None:
    res = run(sso.EntssoInstalled, sso001_facts(BTSNODE2=None))
    # Not collected: skipped and "not proven", never pass; the node's collection error keeps the run red.
    assert statuses(res) == dict.fromkeys(("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"), "skip")
    assert "not proven" in res["NODE1"].message
    facts = sso001_facts()
    del (facts["NODE2"] or {})["entsso_registry"]
    res = run(sso.EntssoInstalled, facts)
    assert statuses(res)["NODE2"] == "error" and "entsso_registry" in res["NODE2"].message
    assert statuses(res)["NODE1"] == "error"


def test_sso001_without_biztalk_reference() -> None:
    facts = {n: v for n, v in sso001_facts().items() if n.startswith("NODE")}
    res = run(sso.EntssoInstalled, facts)
    assert statuses(res) == {"NODE1": "pass", "NODE2": "pass"}
    assert "no BizTalk node" in res["NODE1"].message
    # BizTalk nodes exist but none has SSO: they fail, the cluster nodes cannot be compared.
    none = (services(entsso_installed=False), entsso(None, None, None, None))
    res = run(sso.EntssoInstalled, sso001_facts(BTSNODE1=none, BTSNODE2=none))
    assert statuses(res) == {"BTSNODE1": "fail", "BTSNODE2": "fail", "NODE1": "error", "NODE2": "error"}


# --------------------------------------------------------------------------- SSO002


def sso002_facts(db: dict[str, Any] | None = None, acct: dict[str, Any] | None = None,
                 **per_node: dict[str, Any] | None) -> dict[str, dict[str, Any] | None]:
    out: dict[str, dict[str, Any] | None] = {}
    for node in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"):
        out[node] = {"sso_db_info": db or displaydb(), "service_account_groups": acct or groups()}
        if node in per_node:
            override = per_node[node]
            out[node] = None if override is None else {**out[node], **override}  # type: ignore[dict-item]
    return out


def test_sso002_nested_member_passes_everywhere() -> None:
    res = run(sso.ServiceAccountInSsoAdmins, sso002_facts())
    assert statuses(res) == dict.fromkeys(("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"), "pass")
    assert "CORP\\SSO Administrators" in res["NODE1"].message


def test_sso002_not_a_member_fails_with_evidence() -> None:
    res = run(sso.ServiceAccountInSsoAdmins, sso002_facts(acct=groups(admins=False)))
    assert statuses(res) == dict.fromkeys(("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"), "fail")
    ev = res["NODE2"].evidence
    assert "CORP\\SSO Administrators" in ev["expected"] and "CORP\\svc_sso" in ev["expected"]
    assert "CORP\\SSO Service Accounts" in ev["found"] and "CORP\\SSO Administrators" not in ev["found"]


def test_sso002_admin_group_read_on_one_node_is_enough() -> None:
    unreachable = {"sso_db_info": displaydb_unreachable()}
    res = run(sso.ServiceAccountInSsoAdmins,
              sso002_facts(BTSNODE2=unreachable, NODE1=unreachable, NODE2=unreachable))
    assert statuses(res) == dict.fromkeys(("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"), "pass")
    assert res["NODE2"].evidence["admin_group_read_on"] == "BTSNODE1"


def test_sso002_no_node_read_the_database_is_error() -> None:
    res = run(sso.ServiceAccountInSsoAdmins, sso002_facts(db=displaydb_unreachable()))
    assert statuses(res) == dict.fromkeys(("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"), "error")
    assert "0xC0002A0F" in res["NODE1"].evidence["found"]["NODE1"]


def test_sso002_inconsistent_admin_groups_is_error() -> None:
    res = run(sso.ServiceAccountInSsoAdmins,
              sso002_facts(NODE1={"sso_db_info": displaydb(admin="CORP\\Cluster SSO Admins")}))
    assert set(statuses(res).values()) == {"error"}
    assert res["BTSNODE1"].evidence["found"]["NODE1"] == "CORP\\Cluster SSO Admins"


def test_sso002_several_accounts_dns_domain_and_the_account_itself() -> None:
    res = run(sso.ServiceAccountInSsoAdmins,
              sso002_facts(db=displaydb(admin="CORP\\Other Admins;corp.example.com\\SSO Administrators")))
    assert set(statuses(res).values()) == {"pass"}
    res = run(sso.ServiceAccountInSsoAdmins, sso002_facts(db=displaydb(admin="CORP\\svc_sso"),
                                                          acct=groups(admins=False)))
    assert set(statuses(res).values()) == {"pass"}
    # Different case, bare group name (domain from the inventory).
    res = run(sso.ServiceAccountInSsoAdmins, sso002_facts(db=displaydb(admin="sso administrators")))
    assert set(statuses(res).values()) == {"pass"}


def test_sso002_untranslated_group_is_error_not_fail() -> None:
    res = run(sso.ServiceAccountInSsoAdmins, sso002_facts(acct=groups((f"{DOMAIN_SID}-1300", None), admins=False)))
    assert set(statuses(res).values()) == {"error"}
    assert res["NODE1"].evidence["untranslated"] == [f"{DOMAIN_SID}-1300"]


def test_sso002_missing_account_fact_on_a_node() -> None:
    facts = sso002_facts()
    del (facts["NODE2"] or {})["service_account_groups"]
    res = run(sso.ServiceAccountInSsoAdmins, facts)
    assert set(statuses(res).values()) == {"error"}
    assert "not proven" in res["NODE1"].message and "service_account_groups" in res["NODE2"].message
    # A fail found on the complete nodes still stands.
    facts = sso002_facts(acct=groups(admins=False))
    facts["NODE2"] = None
    res = run(sso.ServiceAccountInSsoAdmins, facts)
    assert statuses(res) == {"BTSNODE1": "fail", "BTSNODE2": "fail", "NODE1": "fail", "NODE2": "skip"}


# --------------------------------------------------------------------------- SSO003


# What the node's LSA translates names to (logon_right_accounts); a name missing here does not translate.
MACHINE_SID = "S-1-5-21-3623811015-3361044348-30300820"
NODE_LSA = {
    "corp\\svc_sso": SVC_SID, "svc_sso@corp.example.com": SVC_SID, "corp\\svc_other": f"{DOMAIN_SID}-2001",
    "corp.example.com\\sso service accounts": SVC_GROUP_SID, "everyone": "S-1-1-0",
    "other\\svc_sso": "S-1-5-21-1-2-3-1105", "node1\\sso services": f"{MACHINE_SID}-1001",
}


def held(allow: list[str] | None, deny: list[str] | None, lsa: dict[str, str | None] | None = None,
         unresolved: tuple[str, ...] = ()) -> dict[str, Any]:
    """logon_right_accounts for the entries: *SID entries resolve unless listed in ``unresolved``."""
    table = {**NODE_LSA, **(lsa or {})}

    def one(entry: str) -> dict[str, Any]:
        if entry.startswith("*"):
            return {"entry": entry, "sid": entry[1:], "name": None if entry in unresolved else f"name of {entry}"}
        sid = table.get(entry.lower())
        return {"entry": entry, "sid": sid, "name": entry if sid else None}

    return {"SeServiceLogonRight": [one(e) for e in allow or []],
            "SeDenyServiceLogonRight": [one(e) for e in deny or []]}


def sso003(allow: list[str] | None, deny: list[str] | None = None, acct: dict[str, Any] | None = None,
           lsa: dict[str, str | None] | None = None, unresolved: tuple[str, ...] = ()) -> Result:
    res = run(sso.LogonAsServiceRight, {"NODE1": {"user_rights": rights(allow, deny),
                                                  "service_account_groups": acct or groups(),
                                                  "logon_right_accounts": held(allow, deny, lsa, unresolved)}})
    return res["NODE1"]


@pytest.mark.parametrize("allow", [
    ["*S-1-5-80-0", f"*{SVC_SID}"],                 # the account's SID, as secedit exports it
    ["*S-1-5-80-0", f"*{SVC_GROUP_SID.lower()}"],   # a group's SID (any case)
    ["CORP\\svc_sso"],                              # names, as a GPO may store them
    ["svc_sso@corp.example.com"],
    ["corp.example.com\\SSO Service Accounts"],
    ["*S-1-5-80-0", "Everyone"],
    ["*S-1-5-11"],
], ids=["sid", "group-sid", "name", "upn", "group-dns-name", "everyone", "authenticated-users"])
def test_sso003_granted(allow: list[str]) -> None:
    result = sso003(allow)
    assert result.status.value == "pass", result.message


def test_sso003_default_member_server_fails() -> None:
    result = sso003(["*S-1-5-80-0"])
    assert result.status.value == "fail"
    assert "does not hold" in result.message
    assert result.evidence["found"]["SeServiceLogonRight"] == ["*S-1-5-80-0"]
    assert SVC_SID in result.evidence["expected"]
    assert sso003(None).status.value == "fail"  # nobody holds the right at all


def test_sso003_other_accounts_of_the_domain_do_not_count() -> None:
    # Another account or a group the account is not in (tokenGroups lists all of its own domain's groups).
    assert sso003(["CORP\\svc_other", f"*{DOMAIN_SID}-2000", "*S-1-5-80-0"]).status.value == "fail"
    # Same user name in another domain: could be a group there whose members this check cannot see.
    result = sso003(["OTHER\\svc_sso"])
    assert result.status.value == "warn" and "OTHER\\svc_sso" in result.message


@pytest.mark.parametrize("deny", [[f"*{SVC_GROUP_SID}"], ["CORP\\svc_sso"], ["*S-1-1-0"]],
                         ids=["group", "name", "everyone"])
def test_sso003_deny_wins(deny: list[str]) -> None:
    result = sso003([f"*{SVC_SID}"], deny)
    assert result.status.value == "fail"
    assert "denied" in result.message and result.evidence["found"]["SeDenyServiceLogonRight"] == deny


def test_sso003_local_groups_warn_and_a_deny_that_may_hold_the_account_warns() -> None:
    result = sso003(["*S-1-5-80-0", "*S-1-5-32-544", "NODE1\\SSO Services"])
    assert result.status.value == "warn"
    assert "*S-1-5-32-544" in result.message and "NODE1\\SSO Services" in result.message
    # BUILTIN\Guests in the deny list: its members are unknown from AD groups, so it never passes silently.
    result = sso003([f"*{SVC_SID}"], ["*S-1-5-32-546"])
    assert result.status.value == "warn"
    assert result.evidence["not_expanded_in_deny"] == ["*S-1-5-32-546"]
    assert "*S-1-5-32-546" in result.message and "Deny log on as a service" in result.message


def test_sso003_deny_via_builtin_users_is_at_least_a_warning() -> None:
    # BUILTIN\Users holds Domain Users on a member server: from the account's AD groups this cannot be expanded.
    result = sso003([f"*{SVC_SID}"], ["*S-1-5-32-545"])
    assert result.status.value == "warn" and "*S-1-5-32-545" in result.message
    # From the node's logon token (S4U: BUILTIN groups included), the deny provably holds the account: fail.
    token = groups(("S-1-5-32-545", "BUILTIN\\Users"))
    token["resolved_by"] = "s4u"
    result = sso003([f"*{SVC_SID}"], ["*S-1-5-32-545"], acct=token)
    assert result.status.value == "fail" and "BUILTIN\\Users" in result.message
    # ...and a BUILTIN group outside a complete token provably does not hold it: pass.
    assert sso003([f"*{SVC_SID}"], ["*S-1-5-32-546"], acct=token).status.value == "pass"


@pytest.mark.parametrize("name,sid", [("Jeder", "S-1-1-0"), ("Tout le monde", "S-1-1-0"),
                                      ("NT-AUTORITÄT\\Authentifizierte Benutzer", "S-1-5-11"),
                                      ("NT-AUTORITÄT\\DIENST", "S-1-5-6")])
def test_sso003_localised_everyone_in_deny_is_compared_by_the_sid_the_node_gives_it(name: str, sid: str) -> None:
    result = sso003([f"*{SVC_SID}"], [name], lsa={name.lower(): sid})
    assert result.status.value == "fail", result.message
    assert name in result.message
    # Without the node's translation the localised name cannot be expanded: a warning naming it, never a pass.
    result = sso003([f"*{SVC_SID}"], [name], lsa={name.lower(): None})
    assert result.status.value == "warn" and name in result.message


def test_sso003_deny_sid_that_does_not_resolve_warns() -> None:
    stale = f"*{DOMAIN_SID}-7777"
    result = sso003([f"*{SVC_SID}"], [stale], unresolved=(stale,))
    assert result.status.value == "warn" and "cannot resolve" in result.message
    # The same SID resolving to a group the account is not in: pass (tokenGroups lists its own domain's groups).
    assert sso003([f"*{SVC_SID}"], [stale]).status.value == "pass"


def test_sso003_missing_or_malformed_facts_are_errors() -> None:
    res = run(sso.LogonAsServiceRight, {"NODE1": {"service_account_groups": groups(),
                                                  "logon_right_accounts": held([], [])},
                                        "NODE2": {"user_rights": "garbage", "service_account_groups": groups(),
                                                  "logon_right_accounts": held([], [])},
                                        "NODE3": {"user_rights": rights([f"*{SVC_SID}"]),
                                                  "service_account_groups": groups()}})
    assert statuses(res) == {"NODE1": "error", "NODE2": "error", "NODE3": "error"}
    assert "user_rights" in res["NODE1"].message and "malformed" in res["NODE2"].message
    assert "logon_right_accounts" in res["NODE3"].message


def test_sso003_runs_on_cluster_nodes_only() -> None:
    res = run(sso.LogonAsServiceRight, {"BTSNODE1": {}, "NODE1": {
        "user_rights": rights([f"*{SVC_SID}"]), "service_account_groups": groups(),
        "logon_right_accounts": held([f"*{SVC_SID}"], None)}})
    assert statuses(res) == {"NODE1": "pass"}


# --------------------------------------------------------------------------- SSO005


def sso005_facts(**per_node: tuple[str | None, str | None] | None) -> dict[str, dict[str, Any] | None]:
    out: dict[str, dict[str, Any] | None] = {}
    for node in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"):
        if node in per_node and per_node[node] is None:
            out[node] = None
            continue
        server, database = per_node.get(node) or ("SQL01", "SSODB")
        out[node] = {"entsso_registry": entsso(server=server, database=database)}
    return out


def test_sso005_same_database_everywhere_in_any_spelling() -> None:
    res = run(sso.SsoDatabaseJoined, sso005_facts(BTSNODE2=("sql01.corp.example.com", "ssodb"),
                                                  NODE1=("SQL01\\MSSQLSERVER", "SSODB"),
                                                  NODE2=("tcp:SQL01,1433", "SSODB")))
    assert set(statuses(res).values()) == {"pass"}, {n: r.message for n, r in res.items()}


def test_sso005_cluster_nodes_created_a_new_sso_system() -> None:
    res = run(sso.SsoDatabaseJoined, sso005_facts(NODE1=("SQL01", "SSODB_CLU"), NODE2=("SQL01", "SSODB_CLU")))
    assert statuses(res) == {"BTSNODE1": "pass", "BTSNODE2": "pass", "NODE1": "fail", "NODE2": "fail"}
    assert "created a new SSO system" in res["NODE1"].message
    ev = res["NODE2"].evidence
    assert ev["expected"] == "SQL01/SSODB" and ev["found"] == "SQL01/SSODB_CLU"
    assert ev["all_nodes"] == {"SQL01/SSODB": {"count": 2, "nodes": ["BTSNODE1", "BTSNODE2"]},
                               "SQL01/SSODB_CLU": {"count": 2, "nodes": ["NODE1", "NODE2"]}}


def test_sso005_other_instance_biztalk_node_and_unconfigured_node() -> None:
    res = run(sso.SsoDatabaseJoined, sso005_facts(BTSNODE1=("SQL01\\INST1", "SSODB"), NODE2=(None, None)))
    assert statuses(res) == {"BTSNODE1": "fail", "BTSNODE2": "pass", "NODE1": "pass", "NODE2": "fail"}
    assert "new SSO system" not in res["BTSNODE1"].message and "SQL01\\INST1/SSODB" in res["BTSNODE1"].message
    assert "not configured" in res["NODE2"].message


def test_sso005_missing_fact_is_error_for_the_group() -> None:
    res = run(sso.SsoDatabaseJoined, sso005_facts(NODE1=None))
    assert set(statuses(res).values()) == {"skip"}  # NODE1 not collected: nothing proven, nothing passed
    assert all("not proven" in r.message or "not collected" in r.message for r in res.values())


def test_sql_instance_key() -> None:
    assert sso.sql_instance_key("SQL01") == sso.sql_instance_key("sql01.corp.example.com\\MSSQLSERVER")
    assert sso.sql_instance_key(".\\INST", "SQL01") == ("sql01", "inst")
    assert sso.sql_instance_key("10.0.0.30,1433") == ("10.0.0.30", "")
    assert sso.sql_instance_key("SQL01\\INST1") != sso.sql_instance_key("SQL01")


# --------------------------------------------------------------------------- SSO006


def sso006(per_node: Mapping[str, list[dict[str, Any]] | None],
           events: dict[str, list[dict[str, Any]]] | None = None, phase: Phase = Phase.POST) -> dict[str, Result]:
    facts: dict[str, dict[str, Any] | None] = {}
    for node, files in per_node.items():
        facts[node] = None if files is None else {"sso_backup_files": files,
                                                  "sso_events": (events or {}).get(node, [])}
    return run(sso.MasterSecretBackupPresent, facts, phase=phase)


@pytest.mark.parametrize("phase,status", [(Phase.PRE, "fail"), (Phase.POST, "fail"), (Phase.NIGHTLY, "warn")])
def test_sso006_backup_moved_to_a_secure_place_warns_only_nightly(phase: Phase, status: str) -> None:
    # Microsoft: "You must save and store the backup file in a secure location". Before and right after the move
    # the restore needs it on each node; nightly its absence is a reminder, not a failure.
    res = sso006({"NODE1": [], "NODE2": []}, phase=phase)
    assert statuses(res) == {"NODE1": status, "NODE2": status}
    if status == "warn":
        assert "secure location" in res["NODE1"].message
    res = sso006({"NODE1": backups(("SSO1A2B.bak", HASH_A)), "NODE2": backups(("SSO1A2B.bak", HASH_B))}, phase=phase)
    assert set(statuses(res).values()) == {status}


def test_sso006_nightly_an_unbacked_secret_still_fails_and_missing_facts_are_errors() -> None:
    res = sso006({"NODE1": [], "NODE2": backups(("SSO1A2B.bak", HASH_A))},
                 {"NODE1": [event(10589, "2026-11-20T22:25:00Z")]}, phase=Phase.NIGHTLY)
    assert res["NODE1"].status.value == "fail" and "10589" in res["NODE1"].message
    res = sso006({"NODE1": [], "NODE2": None}, phase=Phase.NIGHTLY)
    assert res["NODE2"].status.value == "skip" and "not collected" in res["NODE2"].message
    assert res["NODE1"].status.value == "warn"  # a warning from a partial set stays a warning, never a pass


def test_sso006_same_backup_on_both_nodes() -> None:
    res = sso006({"NODE1": backups(("SSO1A2B.bak", HASH_A)), "NODE2": backups(("SSO1A2B.bak", HASH_A))})
    assert statuses(res) == {"NODE1": "pass", "NODE2": "pass"}
    assert "every cluster node" in res["NODE1"].message


def test_sso006_missing_on_one_node_blames_that_node() -> None:
    res = sso006({"NODE1": backups(("SSO1A2B.bak", HASH_A)), "NODE2": []})
    assert statuses(res) == {"NODE1": "pass", "NODE2": "fail"}
    assert "no master secret backup" in res["NODE2"].message
    assert res["NODE2"].evidence["found"] == {} and res["NODE2"].evidence["expected"]


def test_sso006_different_backups() -> None:
    res = sso006({"NODE1": backups(("SSO1A2B.bak", HASH_A)), "NODE2": backups(("SSO1A2B.bak", HASH_B))})
    assert statuses(res) == {"NODE1": "fail", "NODE2": "fail"}
    res = sso006({"NODE1": backups(("a.bak", HASH_A)), "NODE2": backups(("a.bak", HASH_A), ("old.bak", HASH_B)),
                  "NODE3": backups(("c.bak", "c" * 64))})
    assert statuses(res) == {"NODE1": "pass", "NODE2": "pass", "NODE3": "fail"}
    assert res["NODE3"].evidence["cluster_nodes"]["NODE1"] == {"a.bak": HASH_A}


def test_sso006_unreadable_backup_is_error() -> None:
    res = sso006({"NODE1": backups(("SSO1A2B.bak", HASH_A)), "NODE2": backups(("SSO1A2B.bak", None))})
    assert statuses(res) == {"NODE1": "pass", "NODE2": "error"}
    assert res["NODE2"].evidence["unreadable"] == {"SSO1A2B.bak": "The process cannot access the file"}


def test_sso006_secret_not_backed_up_event() -> None:
    files = {"NODE1": backups(("SSO1A2B.bak", HASH_A)), "NODE2": backups(("SSO1A2B.bak", HASH_A))}
    later = {"NODE1": [event(10589, "2026-11-20T22:25:00Z")]}
    res = sso006(files, later)
    assert statuses(res) == {"NODE1": "fail", "NODE2": "pass"}
    assert "10589" in res["NODE1"].message and res["NODE1"].evidence["events"][0]["id"] == 10589
    # A 10589 logged before the backup was made was answered by that backup.
    res = sso006(files, {"NODE1": [event(10589, "2026-11-01T06:00:00Z")]})
    assert statuses(res) == {"NODE1": "pass", "NODE2": "pass"}
    # No backup and the event: both reasons in the message.
    res = sso006({"NODE1": [], "NODE2": backups(("x.bak", HASH_A))}, later)
    assert "no master secret backup" in res["NODE1"].message and "10589" in res["NODE1"].message


def test_sso006_missing_facts() -> None:
    res = sso006({"NODE1": backups(("SSO1A2B.bak", HASH_A)), "NODE2": None})
    assert statuses(res) == {"NODE1": "skip", "NODE2": "skip"}  # NODE2 not collected: never a pass
    assert "not proven" in res["NODE1"].message
    res = run(sso.MasterSecretBackupPresent, {"NODE1": {"sso_backup_files": backups(("a.bak", HASH_A))}})
    assert statuses(res) == {"NODE1": "error"} and "sso_events" in res["NODE1"].message


# --------------------------------------------------------------------------- SSO004


def entsso_as(account: str, sid: str | None = None) -> list[dict[str, Any]]:
    svc: dict[str, Any] = {"name": "ENTSSO", "state": "Running", "start_mode": "Manual", "account": account}
    if sid is not None:
        svc["account_sid"] = sid
    return [svc]


NO_DOMAIN = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "svc_sso@corp.example.com", "SQL01", "SSODB")


def test_sso004_upn_inventory_without_domain_block_matches_by_sid() -> None:
    # The node translated the inventory's UPN (service_account_groups) and the service's logon name to one SID.
    res = run(sso.EntssoServiceAccount, {"NODE1": {"services": entsso_as("CORP\\svc_sso", SVC_SID),
                                                   "service_account_groups": groups()}}, expect=NO_DOMAIN)
    assert res["NODE1"].status.value == "pass", res["NODE1"].message
    assert res["NODE1"].evidence["compared"] == "SID"
    # Without SIDs (an older snapshot) the names alone cannot be matched without a domain block: fail, as before.
    res = run(sso.EntssoServiceAccount, {"NODE1": {"services": entsso_as("CORP\\svc_sso")}}, expect=NO_DOMAIN)
    assert res["NODE1"].status.value == "fail"


def test_sso004_the_sid_wins_over_a_matching_name() -> None:
    # Same spelling, different SID (the account was deleted and re-created): not the designated account.
    res = run(sso.EntssoServiceAccount, {"NODE1": {"services": entsso_as("CORP\\svc_sso", f"{DOMAIN_SID}-4242"),
                                                   "service_account_groups": groups()}})
    assert res["NODE1"].status.value == "fail" and f"{DOMAIN_SID}-4242" in res["NODE1"].message


def test_sso004_names_are_compared_when_no_fact_has_sids() -> None:
    res = run(sso.EntssoServiceAccount, {"NODE1": {"services": entsso_as("corp.example.com\\SVC_SSO")},
                                         "NODE2": {"services": entsso_as("CORP\\other")}})
    assert statuses(res) == {"NODE1": "pass", "NODE2": "fail"}


@pytest.mark.parametrize("account", ["CORP\\gmsa_sso$", "gmsa_sso$@corp.example.com"])
def test_sso004_a_gmsa_is_unsupported_even_when_designated(account: str) -> None:
    designated = Expectations("BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\gmsa_sso$", "SQL01", "SSODB",
                              domain_netbios="CORP", domain_dns="corp.example.com")
    res = run(sso.EntssoServiceAccount, {"NODE1": {"services": entsso_as(account, f"{DOMAIN_SID}-1190")}},
              expect=designated)
    assert res["NODE1"].status.value == "fail"
    assert "does not support gMSA" in res["NODE1"].message
    assert any("gmsa-config" in ref for ref in sso.EntssoServiceAccount.references)


def test_sso004_a_localised_builtin_account_is_recognised_by_its_sid() -> None:
    res = run(sso.EntssoServiceAccount, {"NODE1": {"services": entsso_as("NT-AUTORITÄT\\NETZWERKDIENST", "S-1-5-20"),
                                                   "service_account_groups": groups()}})
    assert res["NODE1"].status.value == "fail" and "built-in account" in res["NODE1"].message


def test_sso004_builtin_missing_and_uncollected() -> None:
    res = run(sso.EntssoServiceAccount, {"NODE1": {"services": entsso_as("LocalSystem")},
                                         "NODE2": {"services": []}, "NODE3": {}})
    assert statuses(res) == {"NODE1": "fail", "NODE2": "fail", "NODE3": "error"}
    assert "built-in" in res["NODE1"].message and "not installed" in res["NODE2"].message
