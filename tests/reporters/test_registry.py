"""The reporter registry: five named formats, one option set accepted by all."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ssocheck.model import Report
from ssocheck.reporters import REPORTERS, Reporter


def test_registry_names_and_extensions() -> None:
    assert {name: r.extension for name, r in REPORTERS.items()} == {
        "console": "txt", "junit": "xml", "html": "html", "json": "json", "prometheus": "prom"}
    assert all(isinstance(r, Reporter) and r.name == name for name, r in REPORTERS.items())


def test_every_reporter_accepts_the_shared_option_set(report: Report) -> None:
    options = {"color": False, "verbose": True, "warn_as": "skip"}
    out = {name: r.render(report, **options) for name, r in REPORTERS.items()}
    assert "-> FAILED" in out["console"]
    junit = ET.fromstring(out["junit"].encode("utf-8"))
    # warn_as reached the JUnit reporter (the root has no "skipped": the xUnit plugin schema forbids it)
    assert sum(int(s.get("skipped", "0")) for s in junit.iter("testsuite")) == 2
    assert out["html"].startswith("<!DOCTYPE html>")
    assert json.loads(out["json"])["verdict"] == "FAILED"
    assert REPORTERS["json"](report) == out["json"]
