"""Secrets are redacted on the model, before a reporter escapes them beyond recognition."""

from __future__ import annotations

import html as htmllib
import json
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

import pytest

from ssocheck.model import NodeInfo, Report, Result, Status
from ssocheck.reporters import REPORTERS
from ssocheck.secrets import REDACTED, register

# XML/HTML-special and non-ASCII characters: escaped forms differ from the raw text in every format.
SECRET = "pä<&\"'ss-7Q"


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_no_form_of_a_secret_survives(make_report: Callable[..., Report], name: str) -> None:
    register(SECRET)
    report = make_report(
        nodes=(NodeInfo("NODE1", ("sso-cluster",), error=f"logon failed for {SECRET}"),),
        results=(Result("SSO004", "NODE1", Status.FAIL, f"saw {SECRET}", {"found": SECRET, SECRET: [SECRET]},
                        waiver={"justification": SECRET}),),
        sections={"audit": [{"outcome": f"error: {SECRET}"}]},
    )
    text = REPORTERS[name].render(report, verbose=True)
    forms = {SECRET, escape(SECRET), quoteattr(SECRET)[1:-1], htmllib.escape(SECRET), json.dumps(SECRET)[1:-1],
             "pä", "p\\u00e4"}
    assert not [form for form in forms if form in text]
    # The Prometheus file carries names, statuses and numbers only: no message, error or evidence to redact.
    assert REDACTED in text or name == "prometheus"
