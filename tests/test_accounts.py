"""Account name normalisation (ssocheck.accounts): the same account written every way Windows writes it."""

from __future__ import annotations

import pytest

from ssocheck.accounts import Account, Domain, is_builtin_service_account, parse_account, same_account

CORP = Domain("CORP", "corp.example.com")
SID = "S-1-5-21-1004336348-1177238915-682003330-1105"


@pytest.mark.parametrize("text", [
    "CORP\\svc_sso", "corp\\SVC_SSO", "corp.example.com\\svc_sso", "CORP.EXAMPLE.COM\\svc_sso",
    "svc_sso@corp.example.com", "SVC_SSO@CORP.EXAMPLE.COM", "svc_sso@corp", "svc_sso", "  CORP\\svc_sso  ",
])
def test_spellings_of_one_domain_account(text: str) -> None:
    assert parse_account(text, CORP) == Account("corp", "svc_sso")
    assert same_account(text, "CORP\\svc_sso", CORP)


def test_netbios_and_dns_names_need_the_domain_to_be_known() -> None:
    # Without the inventory's domain names, the DNS and NetBIOS spellings cannot be tied together.
    assert not same_account("corp.example.com\\svc_sso", "CORP\\svc_sso")
    assert same_account("corp.example.com\\svc_sso", "CORP\\svc_sso", CORP)
    # A NetBIOS name that is not the first DNS label.
    contoso = Domain("CONTOSO", "ad.contoso.com")
    assert same_account("svc@ad.contoso.com", "CONTOSO\\svc", contoso)
    assert same_account("ad\\svc", "CONTOSO\\svc", contoso)


def test_other_domain_and_other_user() -> None:
    assert not same_account("OTHER\\svc_sso", "CORP\\svc_sso", CORP)
    assert not same_account("svc_sso@other.example.com", "CORP\\svc_sso", CORP)
    assert not same_account("CORP\\svc_other", "CORP\\svc_sso", CORP)


def test_bare_name_matches_any_domain_only_when_no_domain_is_configured() -> None:
    assert same_account("svc_sso", "OTHER\\svc_sso")
    assert not same_account("svc_sso", "OTHER\\svc_sso", CORP)


def test_local_accounts_dot_prefix() -> None:
    assert parse_account(".\\admin", CORP, machine="NODE1") == Account("node1", "admin")
    assert same_account(".\\admin", "NODE1\\admin", CORP, machine="NODE1")
    assert not same_account(".\\admin", "NODE2\\admin", CORP, machine="NODE1")
    # Without the machine name a local account stays local: never equal to a domain account.
    assert parse_account(".\\svc_sso", CORP) == Account(".", "svc_sso")
    assert not same_account(".\\svc_sso", "CORP\\svc_sso", CORP)


def test_gmsa_dollar_is_significant() -> None:
    assert same_account("CORP\\gmsa_sso$", "gmsa_sso$@corp.example.com", CORP)
    assert not same_account("CORP\\gmsa_sso$", "CORP\\gmsa_sso", CORP)
    assert parse_account("CORP\\GMSA_SSO$", CORP).user == "gmsa_sso$"


def test_sids() -> None:
    assert parse_account(SID) == Account("", "", SID)
    assert parse_account("*" + SID.lower()) == Account("", "", SID)  # secedit's *SID form, any case
    assert same_account("*" + SID, SID)
    assert not same_account(SID, SID[:-1] + "6")
    # A SID and a name cannot be compared without a lookup: never equal.
    assert not same_account(SID, "CORP\\svc_sso", CORP)
    assert parse_account("S-1-5-21-1-2-3-4", CORP).key == "S-1-5-21-1-2-3-4"


@pytest.mark.parametrize("text", ["not-a-sid", "S-1", "S-1-5-", "XS-1-5-18"])
def test_sid_lookalikes_are_names(text: str) -> None:
    assert parse_account(text).sid is None


@pytest.mark.parametrize("text, sid", [
    ("LocalSystem", "S-1-5-18"), ("NT AUTHORITY\\SYSTEM", "S-1-5-18"), ("nt authority\\system", "S-1-5-18"),
    ("NT AUTHORITY\\LocalService", "S-1-5-19"), ("NT AUTHORITY\\Local Service", "S-1-5-19"),
    ("NT AUTHORITY\\NetworkService", "S-1-5-20"), ("NT AUTHORITY\\NETWORK SERVICE", "S-1-5-20"),
])
def test_builtin_service_identities(text: str, sid: str) -> None:
    assert parse_account(text).sid == sid
    assert is_builtin_service_account(text)
    assert same_account(text, sid)


def test_domain_accounts_are_not_builtin() -> None:
    assert not is_builtin_service_account("CORP\\svc_sso")
    assert not is_builtin_service_account(SID)
    assert same_account("LocalSystem", "NT AUTHORITY\\SYSTEM")
    assert not same_account("LocalSystem", "NT AUTHORITY\\NetworkService")


def test_account_key_and_str() -> None:
    acc = parse_account("CORP\\svc_sso", CORP)
    assert acc.key == "corp\\svc_sso" == str(acc)
    assert parse_account("svc_sso").key == "svc_sso"


def test_managed_service_accounts_are_recognised_in_every_spelling() -> None:
    from ssocheck.accounts import is_managed_service_account

    assert is_managed_service_account("CORP\\gmsa_sso$")
    assert is_managed_service_account("gmsa_sso$@corp.example.com")
    assert not is_managed_service_account("CORP\\svc_sso")
    assert not is_managed_service_account("S-1-5-21-1-2-3-1190")  # a SID says nothing about the type
