"""The services fact: the logon account's SID as translated on the node (older snapshots have none)."""

from __future__ import annotations

import pytest

from ssocheck.facts.base import FactParseError
from ssocheck.facts.services import Services

ENTSSO = {"name": "ENTSSO", "state": "Running", "start_mode": "Manual", "account": "CORP\\svc_sso"}


def test_account_sid_is_parsed_upper_case_and_optional() -> None:
    parsed = Services.parse([{**ENTSSO, "account_sid": "s-1-5-21-1-2-3-1105"}])
    assert parsed["ENTSSO"].account_sid == "S-1-5-21-1-2-3-1105"
    assert Services.parse([ENTSSO])["ENTSSO"].account_sid is None  # a snapshot from before the field
    assert Services.parse([{**ENTSSO, "account_sid": None}])["ENTSSO"].account_sid is None  # did not translate


def test_a_malformed_account_sid_is_a_parse_error() -> None:
    with pytest.raises(FactParseError, match="not a SID"):
        Services.parse([{**ENTSSO, "account_sid": "CORP\\svc_sso"}])


def test_the_snippet_translates_the_logon_name_on_the_node() -> None:
    assert "NTAccount([string]$svc.StartName)).Translate" in Services.script
