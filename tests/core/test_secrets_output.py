"""Secrets are redacted from everything written; files are written atomically."""

from __future__ import annotations

import logging
from pathlib import Path

from ssocheck.output import write_atomic
from ssocheck.secrets import RedactingFilter, Secret, redact


def test_redact_and_write_atomic(tmp_path: Path) -> None:
    Secret("Pa55-word-xyz")
    assert redact("user:Pa55-word-xyz@host") == "user:********@host"
    target = write_atomic(tmp_path / "sub" / "report.txt", "leak Pa55-word-xyz here")
    assert target.read_text(encoding="utf-8") == "leak ******** here"
    assert [p.name for p in target.parent.iterdir()] == ["report.txt"]  # no temp file left behind


def test_logging_filter_scrubs(caplog: object) -> None:
    Secret("Other-Secret-123")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "pw=%s", ("Other-Secret-123",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "pw=********"
