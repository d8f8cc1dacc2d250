"""Console reporter: table, summary with verdict, details, colour only on request, no terminal injection."""

from __future__ import annotations

import re
from collections.abc import Callable

from ssocheck.model import Report, Result, Status
from ssocheck.reporters import console

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def table_rows(text: str) -> list[list[str]]:
    """Rows of the results table as [ID, node, status] (the message column may wrap)."""
    rows = []
    for line in text.splitlines():
        match = re.match(r"^([A-Z]{3}\d{3})\s+(\S+)\s+(PASS|FAIL|WARN|SKIP|ERROR)\s", ANSI.sub("", line))
        if match:
            rows.append(list(match.groups()))
    return rows


def test_no_ansi_codes_without_colour(report: Report) -> None:
    text = console.render(report, color=False, verbose=True)
    assert "\x1b" not in text


def test_colour_when_asked(report: Report) -> None:
    text = console.render(report, color=True)
    assert ANSI.search(text)
    assert "\x1b[31m" in text  # red for the failure
    # colour is never the only signal: the words are there once codes are stripped
    plain = ANSI.sub("", text)
    assert plain == console.render(report, color=False)


def test_table_hides_passing_rows_unless_verbose(report: Report) -> None:
    quiet = console.render(report)
    loud = console.render(report, verbose=True)
    assert [r[2] for r in table_rows(quiet)].count("PASS") == 0
    assert [r[2] for r in table_rows(loud)].count("PASS") == 4
    assert len(table_rows(loud)) == len(report.results)
    assert "4 passing results hidden" in quiet
    # the counts always include passes
    for text in (quiet, loud):
        assert "1 fail, 4 error, 1 warn, 1 skip, 4 pass -> FAILED" in text


def test_table_columns(report: Report) -> None:
    text = console.render(report, verbose=True)
    assert re.search(r"^ID\s+Node\s+Status\s+Message$", text, re.M)
    assert ["SSO004", "BTSNODE1", "FAIL"] in table_rows(text)
    assert ["CLU003", "NODE1", "ERROR"] in table_rows(text)


def test_summary_comes_after_the_table_and_details_after_the_summary(report: Report) -> None:
    text = console.render(report)
    table_end = text.index("passing results hidden")
    summary = text.index("-> FAILED")
    details = text.index("Details:")
    assert table_end < summary < details


def test_details_for_fail_warn_error_only(report: Report) -> None:
    text = console.render(report)
    details = text[text.index("Details:"):]
    assert "FAIL SSO004 on BTSNODE1" in details
    assert "WARN SSO009 on BTSNODE1" in details
    assert "ERROR CLU003 on NODE1" in details
    assert "expected: CORP\\svc_sso" in details and "found: <script>alert(1)</script>" in details
    assert "remediation: services.msc > ENTSSO > Log On: set CORP\\svc_sso" in details
    assert "guide step: 4, 6" in details
    assert "SYS001" not in details and "DTC001 on NODE1" not in details
    # an unreachable node is explained once, not once per check
    assert "on NODE2" not in details
    assert "NODE2: NODE2: connection refused (port 5986) (3 checks could not run)" in text
    assert "SQL01: SQL01: timed out after 60 s" in text


def test_waiver_is_shown(report: Report) -> None:
    text = console.render(report)
    assert "waived until 2030-01-31: NTP change CHG4711 pending" in text


def test_server_text_cannot_drive_the_terminal(report: Report) -> None:
    for colour in (False, True):
        text = ANSI.sub("", console.render(report, color=colour))
        assert "\x1b" not in text and "\x00" not in text
        assert "bad\\x1b[2J\\x00end" in text


def test_zero_results(empty_report: Report) -> None:
    text = console.render(empty_report, color=True, verbose=True)
    plain = ANSI.sub("", text)
    assert "No results" in plain
    assert "0 fail, 0 error, 0 warn, 0 skip, 0 pass -> PASSED" in plain
    assert "Details" not in plain


def test_all_passing_quiet(make_report: Callable[..., Report]) -> None:
    report = make_report(results=(Result("SSO004", "NODE1", Status.PASS, "ok"),
                                  Result("DTC001", "NODE1", Status.PASS, "ok")))
    text = console.render(report)
    assert "All 2 results passed" in text and "-> PASSED" in text
    assert table_rows(text) == []


def test_sections_are_mentioned(report: Report) -> None:
    text = console.render(report)
    assert "audit: 1 entry" in text and "waivers: 1 entry" in text and "drift: 1 entry" in text


def test_one_cause_stopping_several_checks_is_shown_once(report: Report) -> None:
    from dataclasses import replace

    cause = "cannot evaluate: entsso_registry: failed on the node: Access is denied"
    extra = (
        Result("SSO001", "NODE1", Status.ERROR, cause),
        Result("SSO005", "NODE1", Status.ERROR, cause),
    )
    text = console.render(replace(report, results=report.results + extra))
    details = text.split("Details:", 1)[1]
    assert details.count(cause) == 1
    assert "SSO001, SSO005 on NODE1: could not decide" in details


def test_waiver_from_apply_waivers_is_spelled_out_once(report: Report) -> None:
    from dataclasses import replace

    from ssocheck.reporters import REPORTERS

    waived = Result(
        "CLU003", "BTSNODE1", Status.SKIP, "waived until 2099-01-31: cut-over in progress (CHG123)",
        waiver={"expires": "2099-01-31", "justification": "cut-over in progress", "ticket": "CHG123",
                "finding": "fail: UseNetworkName = 0"},
    )
    rep = replace(report, results=(*report.results, waived))
    console_text = REPORTERS["console"].render(rep, verbose=True)
    assert console_text.count("cut-over in progress") == 1
    assert "UseNetworkName = 0" in console_text
    import xml.etree.ElementTree as ET

    root = ET.fromstring(REPORTERS["junit"].render(rep))
    [case] = [
        c for c in root.iter("testcase")
        if c.get("name", "").startswith("CLU003") and "BTSNODE1" in c.get("classname", "")
    ]
    skipped = case.find("skipped")
    assert skipped is not None and (skipped.text or "").count("cut-over in progress") == 1
    assert "UseNetworkName = 0" in (skipped.text or "")
