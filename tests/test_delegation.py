"""BTS001 is the one check that needs a second hop; a run that cannot delegate refuses it before sending anything."""

from __future__ import annotations

import pytest

from ssocheck.delegation import refuse_without_delegation, second_hop_facts
from ssocheck.errors import ConfigError
from ssocheck.model import ExitCode
from ssocheck.registry import load_checks, select


def checks(*ids: str) -> list[object]:
    loaded = load_checks()
    return [lc.check for lc in (select(loaded, list(ids)) if ids else loaded)]


def test_no_read_only_fact_needs_a_second_hop() -> None:
    # Every fact of the read-only probe stays on the node (S4U groups, local ssomanage).
    assert second_hop_facts(checks(), allow_changes=False) == []
    needed = second_hop_facts(checks(), allow_changes=True)
    assert {check_id for check_id, _ in needed} == {"BTS001"}
    assert all(fact.writes for _, fact in needed)


@pytest.mark.parametrize("transport", ["ntlm", "kerberos", "basic", "NTLM"])
def test_bts001_with_allow_changes_is_refused_without_credssp(transport: str) -> None:
    with pytest.raises(ConfigError) as info:
        refuse_without_delegation(transport, checks(), allow_changes=True)
    text = str(info.value)
    assert info.value.exit_code == ExitCode.USAGE
    assert "\n" not in text
    assert "transport: credssp" in text and "Enable-WSManCredSSP -Role Server" in text and "BTS001" in text


def test_credssp_or_no_bts001_is_not_refused() -> None:
    refuse_without_delegation("credssp", checks(), allow_changes=True)
    refuse_without_delegation("ntlm", checks(), allow_changes=False)
    refuse_without_delegation("ntlm", checks("SSO", "CLU"), allow_changes=True)
