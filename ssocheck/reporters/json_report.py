"""JSON reporter: ``Report.to_dict()`` as stable, diff-friendly JSON (schema: ssocheck/schemas/report.schema.json)."""

from __future__ import annotations

from typing import Any

from ssocheck import fastjson
from ssocheck.model import Report
from ssocheck.reporters.common import redacted


def render(report: Report, **_other: Any) -> str:
    """The JSON document of ``report``: sorted keys and indentation so two runs diff line by line.

    Options meant for other reporters are accepted and ignored. A value a check put in evidence that
    JSON cannot carry (a datetime, a set) is written as its string form rather than losing the report.
    """
    # Redacted before serialising: json.dumps escapes non-ASCII, which write_atomic's redaction would miss.
    # fastjson: json.dumps's text (indent=2, sorted keys, default=str), without its pure-Python indent encoder.
    return fastjson.dumps(redacted(report).to_dict(), indent=2, sort_keys=True, default=str) + "\n"
