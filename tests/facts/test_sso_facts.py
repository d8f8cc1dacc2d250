"""SSO, user-rights and BizTalk facts: raw shapes -> typed values, malformed values, snippet rules, and the
lab's emulation of them (the wire contract both sides implement)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ssocheck.facts.base import FactParseError
from ssocheck.facts.biztalk import BizTalkInstall, BizTalkRegistry
from ssocheck.facts.rights import UserRights
from ssocheck.facts.sso import (
    NOT_LOCAL,
    EntssoConfig,
    EntssoRegistry,
    ServiceAccountGroups,
    SsoBackupFiles,
    SsoDatabase,
    same_version,
    version_key,
)
from ssocheck.lab.emulation import load_all
from ssocheck.lab.state import load_scenario
from ssocheck.parsers.secedit import decode_inf

DATA = Path(__file__).parent.parent / "data"
SID = "S-1-5-21-1004336348-1177238915-682003330-1105"
ALL_FACTS = (EntssoRegistry, SsoDatabase, ServiceAccountGroups, SsoBackupFiles, UserRights, BizTalkRegistry)


# --------------------------------------------------------------------------- entsso_registry


def view(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"server": None, "administration": None, "sql_server": None, "sql_database": None}
    base.update(kw)
    return base


def test_entsso_registry_versions_from_wow_and_sql_from_native() -> None:
    cfg = EntssoRegistry.parse({
        "native": view(sql_server="SQL01", sql_database="SSODB"),
        "wow6432": view(server="9.0.1865.0", administration="9.0.1865.0"),
    })
    assert cfg == EntssoConfig(True, True, "9.0.1865.0", "9.0.1865.0", "SQL01", "SSODB")
    assert cfg.installed


def test_entsso_registry_native_wins_and_blank_is_absent() -> None:
    cfg = EntssoRegistry.parse({
        "native": view(server="10.0.1000.0", administration="  ", sql_server="SQL01"),
        "wow6432": view(server="9.0.1865.0", administration="9.0.1865.0", sql_server="OTHER", sql_database="SSODB"),
    })
    assert cfg.server_version == "10.0.1000.0"
    assert cfg.admin_version == "9.0.1865.0"  # blank native value falls through to the other view
    assert (cfg.sql_server, cfg.sql_database) == ("SQL01", "SSODB")


def test_entsso_registry_not_installed() -> None:
    cfg = EntssoRegistry.parse({"native": None, "wow6432": None})
    assert not cfg.installed_server and not cfg.installed_admin and not cfg.installed
    assert cfg.server_version is None and cfg.sql_server is None


@pytest.mark.parametrize("raw", [None, [], {"native": None}, {"native": "x", "wow6432": None},
                                 {"native": view(server=["a"]), "wow6432": None}])
def test_entsso_registry_malformed(raw: Any) -> None:
    with pytest.raises(FactParseError):
        EntssoRegistry.parse(raw)


# --------------------------------------------------------------------------- sso_db_info


def test_sso_db_info_from_constructed_displaydb() -> None:
    text = (DATA / "ssomanage" / "displaydb-constructed.txt").read_text(encoding="utf-8")
    info = SsoDatabase.parse({"exit_code": 0, "output": text})
    assert info.error is None and info.error_code is None
    assert (info.secret_server, info.sql_server, info.database) == ("BIZTALKCLUSTER", "SQL01", "SSODB")
    assert info.admin_accounts == ("CORP\\SSO Administrators",)
    assert info.using_server == "BTSNODE1"


def test_sso_db_info_real_error_output_is_a_value_not_a_parse_error() -> None:
    text = (DATA / "ssomanage" / "updatedb-no-sso-server.txt").read_text(encoding="utf-8")
    info = SsoDatabase.parse({"exit_code": 1, "output": text})
    assert info.error_code == "0xC0002A0F"
    assert info.error is not None and "Could not contact the SSO server 'XXXXXX'" in info.error
    assert info.admin_group is None and info.admin_accounts == ()


def test_sso_db_info_tools_missing_and_several_admin_accounts() -> None:
    info = SsoDatabase.parse({"exit_code": None, "output": "", "error": "ssomanage.exe not found in ..."})
    assert info.error == "ssomanage.exe not found in ..." and info.secret_server is None
    several = SsoDatabase.parse({"exit_code": 0, "output": "SQL Server : S\nSSO Secret Server name : X\n"
                                                          "SSO Administrators account : "
                                                          "CORP\\SSO Admins; CORP\\svc_sso ,CORP\\Other\n"})
    assert several.admin_accounts == ("CORP\\SSO Admins", "CORP\\svc_sso", "CORP\\Other")


@pytest.mark.parametrize("output", ["", "SQL-Server : SQL01\r\nName des geheimen SSO-Servers : X\r\n",
                                    "SQL Server : S\nSSO Administrators account : CORP\\A\n"])
def test_sso_db_info_unrecognised_output_is_a_fact_error_with_the_raw_text(output: str) -> None:
    # Review probe.md D5: never silent None values from a layout the parser does not know.
    with pytest.raises(FactParseError, match="unrecognised ssomanage output") as info:
        SsoDatabase.parse({"exit_code": 0, "output": output})
    assert (output.splitlines() or ["(empty)"])[0].strip() in str(info.value)


@pytest.mark.parametrize("raw", ["text", {"exit_code": 0}, {"exit_code": "0", "output": ""},
                                 {"exit_code": True, "output": ""}, {"exit_code": 0, "output": 5.5j}])
def test_sso_db_info_malformed(raw: Any) -> None:
    with pytest.raises(FactParseError):
        SsoDatabase.parse(raw)


# --------------------------------------------------------------------------- service_account_groups


def test_service_account_groups_parse() -> None:
    acc = ServiceAccountGroups.parse({
        "account": "CORP\\svc_sso",
        "sid": SID.lower(),
        "groups": [{"sid": "S-1-5-21-1-2-3-1110", "name": "CORP\\SSO Administrators"},
                   {"sid": "S-1-5-21-1-2-3-1200", "name": None}],
    })
    assert acc.sid == SID
    assert acc.group_sids == {"S-1-5-21-1-2-3-1110", "S-1-5-21-1-2-3-1200"}
    assert acc.group_names == ("CORP\\SSO Administrators",)


def test_service_account_groups_single_group_collapsed_by_powershell() -> None:
    # PowerShell 2.0 turns a one-element array into the element.
    acc = ServiceAccountGroups.parse({"account": "CORP\\svc_sso", "sid": SID,
                                      "groups": {"sid": "S-1-5-21-1-2-3-513", "name": "CORP\\Domain Users"}})
    assert len(acc.groups) == 1
    assert ServiceAccountGroups.parse({"account": "CORP\\svc_sso", "sid": SID, "groups": None}).groups == ()


def test_service_account_groups_record_how_they_were_resolved() -> None:
    acc = ServiceAccountGroups.parse({"account": "CORP\\svc_sso", "sid": SID, "resolved_by": "s4u",
                                      "upn": "svc_sso@corp.example.com", "groups": []})
    assert acc.resolved_by == "s4u"
    # A snapshot taken before the S4U probe read tokenGroups from AD.
    old = ServiceAccountGroups.parse({"account": "CORP\\svc_sso", "sid": SID, "groups": []})
    assert old.resolved_by == "tokenGroups"


@pytest.mark.parametrize("raw", [
    {"account": "CORP\\svc_sso", "sid": "not-a-sid", "groups": []},
    {"account": "", "sid": SID, "groups": []},
    {"account": "CORP\\svc_sso", "sid": SID, "groups": [{"name": "CORP\\G"}]},
    {"account": "CORP\\svc_sso", "sid": SID, "groups": ["S-1-5-21-1-2-3-4"]},
])
def test_service_account_groups_malformed(raw: Any) -> None:
    with pytest.raises(FactParseError):
        ServiceAccountGroups.parse(raw)


# --------------------------------------------------------------------------- sso_backup_files


HASH = "AB" * 32


def test_backup_files_parse() -> None:
    files = SsoBackupFiles.parse([
        {"path": "C:\\Program Files\\Common Files\\Enterprise Single Sign-On\\SSO1A2B.bak", "name": "SSO1A2B.bak",
         "size": 1232, "sha256": HASH, "modified": "2026-11-10T09:00:00Z", "error": None},
        {"path": "C:\\x\\locked.bak", "size": 10, "sha256": None, "error": "in use"},
    ])
    assert files[0].sha256 == HASH.lower() and files[0].size == 1232
    assert files[1].name == "locked.bak" and files[1].sha256 is None and files[1].error == "in use"
    assert SsoBackupFiles.parse(None) == [] and SsoBackupFiles.parse([]) == []


@pytest.mark.parametrize("raw", [[{"path": "", "size": 1}], [{"path": "a.bak", "size": "big"}],
                                 [{"path": "a.bak", "size": 1, "sha256": "xyz"}], ["a.bak"]])
def test_backup_files_malformed(raw: Any) -> None:
    with pytest.raises(FactParseError):
        SsoBackupFiles.parse(raw)


# --------------------------------------------------------------------------- user_rights


def test_user_rights_parse_real_export() -> None:
    text = decode_inf((DATA / "secedit" / "member-server-2016.inf").read_bytes())
    rights = UserRights.parse(text)
    assert rights.entries("SeServiceLogonRight") == ["*S-1-5-80-0", "*S-1-5-83-0", "*S-1-5-99-0"]


@pytest.mark.parametrize("raw", [None, 5, "[Unicode]\nUnicode=yes\n"])
def test_user_rights_malformed(raw: Any) -> None:
    with pytest.raises(FactParseError):
        UserRights.parse(raw)


# --------------------------------------------------------------------------- biztalk_registry


def test_biztalk_registry() -> None:
    assert BizTalkRegistry.parse(None) == BizTalkInstall(installed=False)
    bts = BizTalkRegistry.parse({"product_version": "3.12.774.0", "product_edition": "Enterprise",
                                 "install_path": "C:\\Program Files (x86)\\Microsoft BizTalk Server 2016\\"})
    assert bts.installed and bts.product_version == "3.12.774.0" and bts.product_edition == "Enterprise"
    leftover = BizTalkRegistry.parse({"product_version": None, "product_edition": None, "install_path": None})
    assert not leftover.installed  # an uninstall's leftover key is not an installation
    with pytest.raises(FactParseError):
        BizTalkRegistry.parse(["3.12"])


# --------------------------------------------------------------------------- versions


def test_version_helpers() -> None:
    assert version_key("10.0.1000.0") == (10, 0, 1000)
    assert version_key("9.0.1865.0") < version_key("10.0.1000.0")  # type: ignore[operator]
    assert version_key("abc") is None and version_key(None) is None
    assert same_version("10.0", "10.0.0.0") and not same_version("10.0.1000.0", "10.0.1001.0")
    assert same_version("Beta", "beta")


# --------------------------------------------------------------------------- snippets


@pytest.mark.parametrize("fact", ALL_FACTS, ids=lambda f: f.name)
def test_snippet_rules(fact: Any) -> None:
    script = fact.script
    assert script.isascii()
    assert "$value" in script
    forbidden = re.compile(r"\b(Remove-Item|Set-Item|New-Item|Set-ItemProperty|Start-Service|Stop-Service|"
                           r"Invoke-Expression|ConvertTo-Json|Get-CimInstance|pscustomobject)\b|::new\(|\s-in\s",
                           re.I)
    assert not forbidden.search(script), forbidden.search(script)


def test_snippets_that_need_the_account_read_it_as_a_parameter() -> None:
    assert ServiceAccountGroups.params == ("sso_service_account",)
    assert "Get-SsoParam 'sso_service_account'" in ServiceAccountGroups.script
    # No second hop (review probe.md D1): an S4U logon on the node, never an AD bind from the node.
    assert "System.Security.Principal.WindowsIdentity($upn)" in ServiceAccountGroups.script
    assert "DirectorySearcher" not in ServiceAccountGroups.script and "LDAP" not in ServiceAccountGroups.script


def test_user_rights_snippet_deletes_only_its_own_temp_file_in_finally() -> None:
    script = UserRights.script
    assert "[System.IO.Path]::GetTempFileName()" in script
    assert re.search(r"finally\s*\{\s*\[System\.IO\.File\]::Delete\(\$tmp\)\s*\}", script)
    assert "[System.Text.Encoding]::Unicode" in script
    assert "/export /areas USER_RIGHTS /cfg $tmp" in script


def test_secret_values_are_never_read() -> None:
    for fact in ALL_FACTS:
        assert "SSOSS" not in fact.script
    # The backup hash is computed through a read-only stream that is always closed.
    assert "[System.IO.FileAccess]::Read" in SsoBackupFiles.script and "$stream.Close()" in SsoBackupFiles.script
    assert "ssomanage.exe" in SsoDatabase.script and "-displaydb" in SsoDatabase.script


# --------------------------------------------------------------------------- lab emulation contract


@pytest.mark.parametrize("scenario", ["healthy-post", "healthy-pre", "version-mismatch", "entsso-missing-on-node"])
def test_lab_emulation_values_parse(scenario: str) -> None:
    emulators = load_all()
    farm = load_scenario(scenario)
    params = {"sso_service_account": farm.farm["sso_service_account"]}
    for node in farm.iter_nodes():
        for fact in ALL_FACTS:
            value = fact.parse(emulators[fact.name](farm, node, params))
            assert value is not None or fact is BizTalkRegistry


def test_lab_displaydb_is_not_asked_where_entsso_does_not_answer_locally() -> None:
    emulators = load_all()
    farm = load_scenario("healthy-post")
    node2 = farm.node("NODE2")
    assert node2 is not None
    node2.extra.pop("sso_server")  # its tools would ask the local, stopped ENTSSO: the probe does not run them
    info = SsoDatabase.parse(emulators["sso_db_info"](farm, node2, {}))
    assert not info.local and (info.error or "").startswith(NOT_LOCAL) and "Stopped" in (info.error or "")


def test_lab_displaydb_error_is_the_real_wrapped_text() -> None:
    emulators = load_all()
    farm = load_scenario("healthy-post")
    node1 = farm.node("BTSNODE1")
    assert node1 is not None
    farm.sso_databases.clear()  # the local ENTSSO has no SSO database: clients see no endpoint
    raw = emulators["sso_db_info"](farm, node1, {})
    assert raw["exit_code"] == 1
    info = SsoDatabase.parse(raw)
    assert info.error_code == "0xC0002A0F" and info.using_server == "(this computer)"
    assert "0x800706D9" in (info.error or "")
    assert max(len(line) for line in raw["output"].splitlines()) <= 80  # wrapped like the console


def test_lab_user_rights_write_directory_accounts_as_sids() -> None:
    emulators = load_all()
    farm = load_scenario("healthy-post")
    node1 = farm.node("NODE1")
    assert node1 is not None
    rights = UserRights.parse(emulators["user_rights"](farm, node1, {}))
    assert rights.entries("SeServiceLogonRight") == ["*S-1-5-80-0", "*" + SID]
