"""Report fixtures of the reporter tests (``make_report``, ``report``, ``empty_report``); the sample content
and its builders live in :mod:`tests.support.reports`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ssocheck.model import Report
from tests.support.reports import build_report, sample_sections


@pytest.fixture
def make_report() -> Callable[..., Report]:
    """The report factory (see :func:`build_report`)."""
    return build_report


@pytest.fixture
def report() -> Report:
    """The sample report with every extra section."""
    return build_report(sections=sample_sections())


@pytest.fixture
def empty_report() -> Report:
    """A run where nothing ran: no node, no check, no result."""
    return build_report(nodes=(), results=(), checks={})
