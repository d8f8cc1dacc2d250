"""secedit USER_RIGHTS export parser, on real exports (tests/data/secedit, see its README) and edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssocheck.facts.rights import UserRights
from ssocheck.parsers.secedit import SeceditFormatError, decode_inf, parse_user_rights

DATA = Path(__file__).parent.parent / "data" / "secedit"


def load(name: str) -> dict[str, list[str]]:
    return parse_user_rights(decode_inf((DATA / name).read_bytes()))


def test_member_server_sample_utf16_bom_crlf() -> None:
    raw = (DATA / "member-server-2016.inf").read_bytes()
    assert raw.startswith(b"\xff\xfe") and b"\r\x00\n\x00" in raw  # the fixture really is what secedit writes
    rights = load("member-server-2016.inf")
    assert rights["SeServiceLogonRight"] == ["*S-1-5-80-0", "*S-1-5-83-0", "*S-1-5-99-0"]
    # A bare name mixed with SIDs on one line.
    assert rights["SeInteractiveLogonRight"] == ["Guest", "*S-1-5-32-544", "*S-1-5-32-545", "*S-1-5-32-551"]
    assert rights["SeDenyInteractiveLogonRight"] == ["Guest"]
    assert rights["SeSystemProfilePrivilege"][1] == "*S-1-5-80-3139157870-2983391045-3678747466-658725712-1809340420"
    assert len(rights) == 32
    # [Unicode] and [Version] keys are not rights.
    assert "Unicode" not in rights and "signature" not in rights and "Revision" not in rights
    assert "SeDenyServiceLogonRight" not in rights


def test_tab_indented_copy_gives_the_same_rights() -> None:
    assert load("tab-indented.inf") == load("member-server-2016.inf")


def test_chinese_locale_names() -> None:
    rights = load("chinese-locale.inf")
    assert rights["SeServiceLogonRight"] == ["*S-1-5-80-0", "受限服务\\所有受限服务"]


def test_decoded_text_with_bom_character_and_lf_only() -> None:
    text = "\ufeff[Unicode]\nUnicode=yes\n[Privilege Rights]\nSeServiceLogonRight = CORP\\svc_sso , *S-1-5-80-0\n"
    assert parse_user_rights(text) == {"SeServiceLogonRight": ["CORP\\svc_sso", "*S-1-5-80-0"]}


def test_empty_right_comments_quotes_and_case_insensitive_lookup() -> None:
    text = ("[privilege rights]\r\n; a comment\r\nSeDenyServiceLogonRight =\r\n"
            'SeServiceLogonRight = "CORP\\SSO Service Accounts",*S-1-5-80-0,\r\n')
    rights = parse_user_rights(text)
    assert rights["SeDenyServiceLogonRight"] == []
    # The fact's typed value looks rights up case-insensitively; a right nobody holds has no entries.
    typed = UserRights.parse(text)
    assert typed.entries("seservicelogonright") == ["CORP\\SSO Service Accounts", "*S-1-5-80-0"]
    assert typed.entries("SeDenyServiceLogonRight") == [] == typed.entries("SeNoSuchRight")


def test_decode_inf_variants() -> None:
    text = "[Privilege Rights]\r\nSeServiceLogonRight = *S-1-5-80-0\r\n"
    assert decode_inf(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_inf(text.encode("utf-16-le")) == text  # UTF-16 without BOM: recognised by its NULs
    assert decode_inf(text.encode("utf-8")) == text


@pytest.mark.parametrize(
    "text",
    ["", "[Unicode]\nUnicode=yes\n[Version]\nsignature=\"$CHICAGO$\"\n", "not an inf at all"],
)
def test_no_privilege_section_is_an_error(text: str) -> None:
    with pytest.raises(SeceditFormatError, match="Privilege Rights"):
        parse_user_rights(text)


def test_line_without_equals_is_an_error() -> None:
    with pytest.raises(SeceditFormatError, match="line 2"):
        parse_user_rights("[Privilege Rights]\nSeServiceLogonRight *S-1-5-80-0\n")
