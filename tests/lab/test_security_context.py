"""The lab's security-context model: what a WinRM session's logon may reach beyond the node.

The endpoint hands the command handler a :class:`SessionIdentity`; emulators read it with ``identity_of``. An
NTLM (or non-delegating Kerberos) logon cannot make a second hop: the read-only probe no longer needs one (S4U
groups on the node; ssomanage only where ENTSSO answers locally), and the lab fails the remaining remote call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ssocheck.facts import probe
from ssocheck.facts.sso import NOT_LOCAL, ServiceAccountGroups, SsoDatabase
from ssocheck.lab.powershell import PowerShellHost
from ssocheck.lab.session import SessionIdentity, identity_for
from ssocheck.lab.state import build_farm, deep_merge, load_scenario

PARAMS = {"sso_service_account": "CORP\\svc_sso"}
NTLM = identity_for("CORP\\ssocheck", "ntlm")
CREDSSP = SessionIdentity("CORP\\ssocheck", "credssp", can_delegate=True)


def ask(scenario_doc: Mapping[str, Any] | None, node: str, identity: SessionIdentity) -> probe.ProbeAnswer:
    base = load_scenario("healthy-post")
    farm = build_farm(deep_merge(base.document, scenario_doc or {}), base.name)
    host = PowerShellHost(farm)
    script = probe.build_probe([SsoDatabase, ServiceAccountGroups], PARAMS)
    stdout = host.answer_probe(farm, farm.nodes[node], script, identity)
    return probe.parse_answer(stdout, ["sso_db_info", "service_account_groups"])


def test_groups_come_from_an_s4u_logon_that_needs_no_delegation() -> None:
    answer = ask(None, "BTSNODE1", NTLM)
    groups = ServiceAccountGroups.parse(answer.facts["service_account_groups"])
    assert groups.resolved_by == "s4u"
    assert answer.facts["service_account_groups"]["upn"] == "svc_sso@corp.example.com"
    names = set(groups.group_names)
    # Nested AD groups, the primary group, BUILTIN\Users (holds Domain Users) and the groups of every token.
    assert {"CORP\\SSO Administrators", "CORP\\SSO Service Accounts", "CORP\\Domain Users",
            "BUILTIN\\Users", "Everyone"} <= names


def test_passive_node_does_not_ask_a_remote_sso_server() -> None:
    info = SsoDatabase.parse(ask(None, "NODE2", NTLM).facts["sso_db_info"])
    assert not info.local and info.error is not None and info.error.startswith(NOT_LOCAL)
    assert "second hop" in info.error
    active = SsoDatabase.parse(ask(None, "NODE1", NTLM).facts["sso_db_info"])
    assert active.local and active.error is None and active.secret_server == "BIZTALKCLUSTER"


def test_a_remote_sso_server_answers_only_a_delegating_session() -> None:
    # The passive node's local ENTSSO runs, but its tools point at the cluster (NODE1): a second hop.
    overlay = {"nodes": {"NODE2": {"services": {"ENTSSO": {"state": "Running"}}}}}
    denied = SsoDatabase.parse(ask(overlay, "NODE2", NTLM).facts["sso_db_info"])
    assert denied.error_code == "0xC0002A0F" and "0x80070005" in (denied.error or "")
    allowed = SsoDatabase.parse(ask(overlay, "NODE2", CREDSSP).facts["sso_db_info"])
    assert allowed.error is None and allowed.secret_server == "BIZTALKCLUSTER"


def test_cluster_facts_without_the_failoverclusters_module_come_from_wmi() -> None:
    from ssocheck.facts.cluster import Cluster

    farm = load_scenario("cluster-node-without-failoverclusters-module")
    host = PowerShellHost(farm)
    script = probe.build_probe([Cluster], PARAMS)
    views = {}
    for name in ("NODE1", "NODE2"):
        answer = probe.parse_answer(host.answer_probe(farm, farm.nodes[name], script, NTLM), ["cluster"])
        views[name] = Cluster.parse(answer.facts["cluster"])
    assert (views["NODE1"].source, views["NODE2"].source) == ("FailoverClusters", "wmi")
    # Same shape and content whichever interface answered.
    assert views["NODE1"].resources == views["NODE2"].resources and views["NODE1"].nodes == views["NODE2"].nodes


def test_wmi_lists_dependencies_so_an_or_expression_reads_as_and() -> None:
    from ssocheck.lab.emulation.cluster import dependency_expression

    assert dependency_expression("[IP A] or [IP B]") == "[IP A] or [IP B]"
    assert dependency_expression("[IP A] or [IP B]", as_wmi=True) == "[IP A] and [IP B]"
    assert dependency_expression(["N", "D"], as_wmi=True) == "[N] and [D]"


def test_cluster_source_is_validated_and_defaults_to_the_module() -> None:
    import pytest

    from ssocheck.facts.base import FactParseError
    from ssocheck.facts.cluster import Cluster

    assert Cluster.parse({"name": "C", "nodes": [], "groups": [], "resources": []}).source == "FailoverClusters"
    with pytest.raises(FactParseError, match="source"):
        Cluster.parse({"name": "C", "source": "guess", "nodes": [], "groups": [], "resources": []})


# --------------------------------------------------------------------------- SSO administrators, local accounts


def _secret_and_db(scenario_doc: Mapping[str, Any] | None, node: str, identity: SessionIdentity) -> tuple[Any, str]:
    """The raw sso_db_info answer and the sso_secret_keys answer (its value, or its error) of ``node``."""
    from ssocheck.facts.secret import SecretKeys as SsoSecretKeys

    base = load_scenario("healthy-post")
    farm = build_farm(deep_merge(base.document, scenario_doc or {}), base.name)
    script = probe.build_probe([SsoDatabase, SsoSecretKeys], PARAMS)
    answer = probe.parse_answer(PowerShellHost(farm).answer_probe(farm, farm.nodes[node], script, identity),
                                ["sso_db_info", "sso_secret_keys"])
    keys = answer.facts.get("sso_secret_keys")
    return answer.facts["sso_db_info"], str(keys) if keys is not None else answer.fact_errors["sso_secret_keys"]


NOBODY = {"directory": {"CORP\\helpdesk": {"sid": "S-1-5-21-1004336348-1177238915-682003330-1190", "type": "user"}}}


def test_ssomanage_and_the_ssoss_key_need_an_sso_administrator() -> None:
    # CORP\opadmin is a direct member of CORP\SSO Administrators, CORP\svc_sso a nested one, CORP\helpdesk none.
    for account in ("CORP\\opadmin", "svc_sso@corp.example.com"):
        db, keys = _secret_and_db(NOBODY, "NODE1", identity_for(account, "ntlm"))
        assert SsoDatabase.parse(db).error is None and "'present': True" in keys, account
    db, keys = _secret_and_db(NOBODY, "NODE1", identity_for("CORP\\helpdesk", "ntlm"))
    info = SsoDatabase.parse(db)
    assert info.error_code == "0xC0002A13" and info.secret_server is None and db["exit_code"] == 1
    assert "not an SSO administrator" in (info.error or "")
    assert keys == "Requested registry access is not allowed. (HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS)"


def test_the_lab_account_is_an_sso_administrator_unless_the_scenario_says_not() -> None:
    db, _ = _secret_and_db({"farm": {"operator_sso_admin": False}}, "NODE1", NTLM)
    assert SsoDatabase.parse(db).error_code == "0xC0002A13"
    db, _ = _secret_and_db(None, "NODE1", NTLM)
    assert SsoDatabase.parse(db).error is None


def test_dot_user_is_the_nodes_local_account() -> None:
    local = identity_for(".\\ssocheck", "ntlm", node="NODE1")
    assert (local.principal, local.local_account) == ("NODE1\\ssocheck", True)
    assert identity_for("node1\\ssocheck", "ntlm", node="NODE1").local_account
    domain = identity_for("CORP\\ssocheck", "ntlm", node="NODE1")
    assert (domain.principal, domain.local_account) == ("CORP\\ssocheck", False)
    # A local account is never in the domain's SSO Administrators group, even where the lab account would be.
    db, keys = _secret_and_db(None, "NODE1", local)
    assert SsoDatabase.parse(db).error_code == "0xC0002A13" and "not allowed" in keys


def test_without_the_module_the_failure_policy_comes_from_wmi_and_the_access_list_names_the_cause() -> None:
    # On Windows both snippets used to start with Import-Module FailoverClusters, while the farm answered them
    # through its WMI view: CLU008/CLU009 passed here and would have been errors on such a node.
    from ssocheck.facts.clusterpolicy import ACCESS_NEEDS_MODULE, ClusterAccess, EntssoFailurePolicy
    from ssocheck.lab.emulation import clusterrole

    assert ACCESS_NEEDS_MODULE in ClusterAccess.script and clusterrole.ACCESS_NEEDS_MODULE == ACCESS_NEEDS_MODULE
    assert "Get-WmiObject -Namespace 'root\\MSCluster'" in EntssoFailurePolicy.script
    farm = load_scenario("cluster-node-without-failoverclusters-module")
    host = PowerShellHost(farm)
    script = probe.build_probe([EntssoFailurePolicy, ClusterAccess], PARAMS)
    names = ["entsso_failure_policy", "cluster_access"]
    with_module = probe.parse_answer(host.answer_probe(farm, farm.nodes["NODE1"], script, NTLM), names)
    without = probe.parse_answer(host.answer_probe(farm, farm.nodes["NODE2"], script, NTLM), names)
    assert not with_module.fact_errors
    assert EntssoFailurePolicy.parse(without.facts["entsso_failure_policy"]).resources == \
        EntssoFailurePolicy.parse(with_module.facts["entsso_failure_policy"]).resources
    assert ACCESS_NEEDS_MODULE in without.fact_errors["cluster_access"]
