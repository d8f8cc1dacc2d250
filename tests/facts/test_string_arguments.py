"""A fact snippet never passes an empty string where a character was meant.

In .NET ``"x".Contains("")`` is always true and ``IndexOf("")`` is 0: a lost backslash in ``Contains('\\')`` made
the S4U logon name of ``CORP\\svc_sso`` come out as ``ORP\\svc_sso@...`` (and SSO002/SSO003/SSO004/SSO014 error on
every real node). The simulated farm does not run the PowerShell, so this guard reads the snippets themselves.
"""

from __future__ import annotations

import re

import pytest

from ssocheck.facts.base import Fact
from ssocheck.facts.sso import ServiceAccountGroups
from ssocheck.registry import load_checks

_EMPTY_ARGUMENT = re.compile(r"\.(Contains|IndexOf|LastIndexOf|StartsWith|EndsWith|Split|Trim)\(\s*(''|\"\")\s*\)",
                             re.I)


def _fact_classes() -> list[type[Fact[object]]]:
    found: dict[str, type[Fact[object]]] = {}
    for loaded in load_checks():
        for fact in loaded.check.facts:
            found[fact.name] = fact
    return [found[name] for name in sorted(found)]


@pytest.mark.parametrize("fact", _fact_classes(), ids=lambda f: f.name)
def test_no_string_method_gets_an_empty_argument(fact: type[Fact[object]]) -> None:
    assert not _EMPTY_ARGUMENT.findall(fact.script), f"{fact.name}: an empty string argument (a lost character?)"


def test_the_s4u_name_is_cut_at_the_backslash() -> None:
    script = ServiceAccountGroups.script
    assert "$account.Contains('\\')" in script and "$account.IndexOf('\\') + 1" in script
