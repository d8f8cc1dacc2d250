"""JUnit reports judged by their real consumers: the Jenkins xUnit plugin's schema and junitparser.

The schema is the plugin's ``junit-10.xsd``, kept in ``tests/data/xsd`` (source and licence in the README
there); xmlschema validates against it. junitparser is the parser many CI helpers use: its totals must
equal the report model's counts, status by status.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema
from junitparser import Error, Failure, JUnitXml, Skipped

from ssocheck.model import NodeInfo, Report, Result, Status
from ssocheck.reporters import junit

XSD = Path(__file__).resolve().parents[1] / "data" / "xsd" / "junit-10.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def errors(schema: xmlschema.XMLSchema, text: str) -> list[str]:
    return [str(e.reason) for e in schema.iter_errors(text)]


@pytest.mark.parametrize("warn_as", junit.WARN_AS)
def test_sample_report_is_valid_against_the_xunit_plugin_schema(
    schema: xmlschema.XMLSchema, report: Report, warn_as: str
) -> None:
    assert errors(schema, junit.render(report, warn_as=warn_as)) == []


def test_empty_and_multirole_reports_are_valid(schema: xmlschema.XMLSchema, empty_report: Report,
                                               make_report: Callable[..., Report]) -> None:
    assert errors(schema, junit.render(empty_report)) == []
    multi = make_report(nodes=(NodeInfo("BTSNODE1", ("sql", "biztalk")),),
                        results=(Result("SSO004", "BTSNODE1", Status.FAIL, "x\x1b[31m <&>"),))
    assert errors(schema, junit.render(multi)) == []


def test_the_schema_rejects_what_the_plugin_rejects(schema: xmlschema.XMLSchema, report: Report) -> None:
    # The defect this guards against: a root "skipped" attribute made every file invalid for the plugin.
    text = junit.render(report).replace("<testsuites ", '<testsuites skipped="1" ', 1)
    assert any("skipped" in e for e in errors(schema, text))


def test_junitparser_counts_match_the_model(tmp_path: Path, report: Report) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(junit.render(report, warn_as="skip"), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    kinds = {Failure: 0, Error: 0, Skipped: 0}
    cases = 0
    for suite in xml:
        for case in suite:
            cases += 1
            for outcome in case.result:
                kinds[type(outcome)] += 1
    counts = report.counts()
    down_without_results = [n for n in report.nodes if n.error and not report.results_for(n.name)]
    assert kinds[Failure] == counts[Status.FAIL]
    # warn_as=skip: warnings are skipped; a down node without any result is one "connection" error.
    assert kinds[Skipped] == counts[Status.SKIP] + counts[Status.WARN]
    assert kinds[Error] == counts[Status.ERROR] + len(down_without_results)
    assert cases == len(report.results) + len(down_without_results)
