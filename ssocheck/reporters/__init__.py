"""Reporters: pure functions from a :class:`~ssocheck.model.Report` to text, looked up by name.

``REPORTERS[name].render(report, **options)`` returns the document; the CLI writes it (redacting
secrets) to ``reports/<basename>.<extension>`` or prints it. Every reporter accepts the options of
the others and ignores them, so one option set can be passed to all of them:

* ``console``: ``color`` (ANSI colours, off by default), ``verbose`` (list passing results);
* ``junit``: ``warn_as`` = ``pass`` (default) | ``skip`` | ``failure``;
* ``html``, ``json``, ``prometheus``: no option.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ssocheck.model import Report
from ssocheck.reporters import console, html, json_report, junit, prometheus


@dataclass(frozen=True)
class Reporter:
    """A named output format: its file extension and its render function."""

    name: str
    extension: str
    render: Callable[..., str]

    def __call__(self, report: Report, **options: Any) -> str:
        """Shorthand for ``render``."""
        return self.render(report, **options)


REPORTERS: dict[str, Reporter] = {
    r.name: r
    for r in (
        Reporter("console", "txt", console.render),
        Reporter("junit", "xml", junit.render),
        Reporter("html", "html", html.render),
        Reporter("json", "json", json_report.render),
        Reporter("prometheus", "prom", prometheus.render),
    )
}

__all__ = ["REPORTERS", "Reporter"]
