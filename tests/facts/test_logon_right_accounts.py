"""logon_right_accounts: the two logon rights' holders as the node's LSA translates them."""

from __future__ import annotations

import pytest

from ssocheck.facts.base import FactParseError
from ssocheck.facts.rights import LogonRightAccounts, RightHolder
from ssocheck.lab.emulation.sso import logon_right_accounts
from ssocheck.lab.state import load_scenario


def test_parse_keeps_entries_and_translations() -> None:
    raw = {"SeServiceLogonRight": {"entry": "*S-1-5-80-0", "sid": "S-1-5-80-0", "name": "NT SERVICE\\ALL SERVICES"},
           "SeDenyServiceLogonRight": [{"entry": "Jeder", "sid": "s-1-1-0", "name": "Jeder"},
                                       {"entry": "*S-1-5-21-9-9-9-1133", "sid": "S-1-5-21-9-9-9-1133", "name": None}]}
    parsed = LogonRightAccounts.parse(raw)
    assert parsed["SeServiceLogonRight"] == [RightHolder("*S-1-5-80-0", "S-1-5-80-0", "NT SERVICE\\ALL SERVICES")]
    jeder, stale = parsed["SeDenyServiceLogonRight"]
    assert jeder.sid == "S-1-1-0" and jeder.resolved
    assert not stale.resolved
    assert LogonRightAccounts.parse({}) == {"SeServiceLogonRight": [], "SeDenyServiceLogonRight": []}


@pytest.mark.parametrize("raw,words", [
    ({"SeDenyServiceLogonRight": [{"sid": "S-1-1-0"}]}, "'entry' is required"),
    ({"SeDenyServiceLogonRight": [{"entry": "x", "sid": "Everyone"}]}, "not a SID"),
    ("text", "expected"),
])
def test_parse_rejects_malformed_values(raw: object, words: str) -> None:
    with pytest.raises(FactParseError, match=words):
        LogonRightAccounts.parse(raw)


def test_lab_translates_a_localised_name_only_on_a_node_of_that_language() -> None:
    farm = load_scenario("deny-localised-everyone")
    german, english = farm.node("NODE2"), farm.node("NODE1")
    assert german is not None and english is not None
    deny = logon_right_accounts(farm, german, {})["SeDenyServiceLogonRight"]
    assert deny == [{"entry": "Jeder", "sid": "S-1-1-0", "name": "Jeder"}]
    english.user_rights["SeDenyServiceLogonRight"] = ["Jeder"]
    assert logon_right_accounts(farm, english, {})["SeDenyServiceLogonRight"][0]["sid"] is None
