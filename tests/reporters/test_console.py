"""Console reporter: table, summary with verdict, details, colour only on request, no terminal injection."""

from __future__ import annotations

import re
from collections.abc import Callable

from ssocheck.model import Report, Result, Status
from ssocheck.reporters import console
from tests.support.reports import NODE2_ERROR

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def table_rows(text: str) -> list[list[str]]:
    """Rows of the results table as [ID, node, status] (the message column may wrap; severity is dropped)."""
    rows = []
    for line in text.splitlines():
        match = re.match(r"^([A-Z]{3}\d{3})\s+(?:critical|high|medium|low|unknown|-)\s+(\S+)\s+"
                         r"(PASS|FAIL|WARN|SKIP|ERROR)\s", ANSI.sub("", line))
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
        assert "1 fail, 4 error, 1 warn, 0 waived, 1 skip, 4 pass -> FAILED" in text


def test_table_columns(report: Report) -> None:
    text = console.render(report, verbose=True)
    assert re.search(r"^ID\s+Severity\s+Node\s+Status\s+Message$", text, re.M)
    assert re.search(r"^SSO004\s+high\s+BTSNODE1\s+FAIL\s", text, re.M)
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
    assert "guide: Migration guide step 4: A domain account in the SSO Administrators group" in details
    assert "SYS001" not in details and "DTC001 on NODE1" not in details
    # an unreachable node is explained once, not once per check
    assert "on NODE2" not in details
    assert "ERROR NODE2: connection refused (port 5986) (3 checks could not run)" in text
    assert "ERROR SQL01: timed out after 60 s" in text  # the node named once (newcomer D13)


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
    assert "0 fail, 0 error, 0 warn, 0 waived, 0 skip, 0 pass -> PASSED" in plain
    assert "Details" not in plain


def test_all_passing_quiet(make_report: Callable[..., Report]) -> None:
    report = make_report(results=(Result("SSO004", "NODE1", Status.PASS, "ok"),
                                  Result("DTC001", "NODE1", Status.PASS, "ok")))
    text = console.render(report)
    assert "All 2 results passed" in text and "-> PASSED" in text
    assert table_rows(text) == []


def test_sections_are_mentioned(report: Report) -> None:
    text = console.render(report)
    assert "audit: 1 remote script sent, 0 state-changing (see the HTML or JSON report)" in text
    assert "waivers: 1 entry" in text and "drift: 1 entry" in text


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
    # Said once, in the message attribute (the element text stays empty: viewers print both).
    assert skipped is not None and (skipped.get("message") or "").count("cut-over in progress") == 1
    assert "UseNetworkName = 0" in (skipped.get("message") or "") and not (skipped.text or "").strip()


def dependent_error(check_id: str, node: str) -> Result:
    """A group-check error on a reachable node that only lacks the facts of the unreachable NODE2."""
    return Result(check_id, node, Status.ERROR, f"not proven: facts missing for NODE2 (msdtc_cids: node not "
                  f"collected: {NODE2_ERROR})", {"found": "4 CIDs", "missing_nodes": ["NODE2"]})


def test_unreachable_node_explains_its_consequences_once(report: Report) -> None:
    from dataclasses import replace

    rep = replace(report, results=(*report.results, dependent_error("DTC001", "BTSNODE1"),
                                   dependent_error("SYS001", "NODE1")))
    text = console.render(rep)
    # one table row for the outage instead of one per check and node
    assert re.search(r"^COLLECTION\s+-\s+NODE2\s+ERROR\s+not collected: 5 checks could not decide", text, re.M)
    assert not [row for row in table_rows(text) if row[1] == "NODE2" or (row[2] == "ERROR" and row[0] != "CLU003")]
    # the node block names the group checks on other nodes it stopped; details do not repeat them
    assert "and 2 group check results on other nodes, which need its facts to be proven:" in text
    assert "DTC001 on BTSNODE1" in text and "SYS001 on NODE1" in text
    assert "NODE2: NODE2" not in text  # named once, although its collection error starts with its name
    assert "facts missing for NODE2" not in text.split("Details:", 1)[1]
    # --verbose still lists every result on its own row
    assert len(table_rows(console.render(rep, verbose=True))) == len(rep.results)


def test_error_needing_a_reachable_nodes_failed_fact_keeps_its_own_block(make_report: Callable[..., Report]) -> None:
    # NODE1 was collected (no node error) but a fact failed there: not an outage, a cause of its own.
    results = (Result("DTC001", "BTSNODE1", Status.ERROR, "not proven: facts missing for NODE1 (x)",
                      {"missing_nodes": ["NODE1"]}),)
    text = console.render(make_report(results=results))
    assert "ERROR DTC001 on BTSNODE1: could not decide" in text


def test_same_result_on_several_nodes_is_one_row_and_one_finding(make_report: Callable[..., Report]) -> None:
    same = {"expected": "UseNetworkName = 1", "found": "UseNetworkName = 0"}
    results = tuple(Result("CLU003", n, Status.FAIL, "UseNetworkName = 0", same) for n in ("NODE1", "NODE2"))
    results += tuple(Result("SYS001", n, Status.SKIP, "not run in phase post") for n in ("BTSNODE1", "NODE1", "NODE2"))
    text = console.render(make_report(results=results))
    assert ["CLU003", "NODE1,NODE2", "FAIL"] in table_rows(text)
    assert re.search(r"^SYS001\s+medium\s+3 nodes\s+SKIP\s+not run in phase post \(on BTSNODE1, NODE1, NODE2\)",
                     text, re.M)
    details = text.split("Details:", 1)[1]
    assert details.count("UseNetworkName = 0") == 2  # message and found, once
    assert "FAIL CLU003 on NODE1, NODE2:" in details
    assert "2 fail, 0 error, 0 warn, 0 waived, 3 skip, 0 pass -> FAILED" in text


def test_checks_stopped_by_one_cause_share_a_table_row(make_report: Callable[..., Report]) -> None:
    cause = "cannot evaluate: cluster: failed on the node: The cluster service is not running"
    results = tuple(Result(cid, "NODE1", Status.ERROR, cause) for cid in ("CLU003", "DTC001", "SSO004"))
    text = console.render(make_report(results=results))
    table = text.split("Details:", 1)[0]
    assert " ".join(table.split()).count(cause) == 1  # the message column wraps
    assert re.search(r"^3 checks\s+-\s+NODE1\s+ERROR\s+CLU003, DTC001, SSO004: cannot evaluate", table, re.M)


def test_summary_says_what_to_do(report: Report, make_report: Callable[..., Report]) -> None:
    text = console.render(report, width=400)
    assert ("\nnext: fix 1 failing check (1 failure; see the details), then run again; "
            "2 nodes not reached (NODE2, SQL01)") in text
    assert "\nfailing: 1 failing check (1 high) in 1 result\n" in text
    assert "review 1 warning" in text
    ok = console.render(make_report(results=(Result("SSO004", "NODE1", Status.PASS, "ok"),), nodes=()))
    assert "-> PASSED\nnext: nothing to fix" in ok
    undecided = console.render(make_report(results=(Result("SSO004", "NODE1", Status.ERROR, "boom"),), nodes=()))
    assert "1 check could not decide (state unknown, not healthy)" in undecided


def test_failures_below_fail_on_are_explained(make_report: Callable[..., Report]) -> None:
    from dataclasses import replace

    from ssocheck.model import Severity

    low = Result("SYS001", "NODE1", Status.FAIL, "clock 90 s off")  # SYS001 is medium
    text = console.render(replace(make_report(results=(low,), nodes=()), fail_on=Severity.HIGH))
    assert "-> PASSED" in text
    assert "1 failure below --fail-on high listed but not failing the run" in text


def test_verdict_is_repeated_last_after_details(report: Report) -> None:
    text = console.render(report)
    last = text.rstrip("\n").splitlines()[-1]
    assert last == "Verdict: FAILED"
    assert "\nnext: fix 1 failing check" in text[text.index("Details:"):]
    assert text.index("Details:") < text.rindex("Verdict: FAILED")


def test_references_are_separated_unambiguously(report: Report) -> None:
    text = console.render(report)
    assert "references: https://learn.microsoft.com/biztalk/sso; javascript:alert(2)" in text


def test_a_clone_pair_is_one_finding_two_pairs_are_two(make_report: Callable[..., Report]) -> None:
    from ssocheck.model import NodeInfo

    nodes = tuple(NodeInfo(n, ("sso-cluster",)) for n in ("NODE1", "NODE2", "NODE3", "NODE4"))

    def shared(node: str, peer: str) -> Result:
        return Result("DTC001", node, Status.FAIL, f"MSDTC CID 1887 is also on {peer}", {"shared_with": [peer]})

    pair = console.render(make_report(nodes=nodes, results=(shared("NODE1", "NODE2"), shared("NODE2", "NODE1"))))
    assert "FAIL DTC001 on NODE1, NODE2:" in pair and pair.count("FAIL DTC001 on") == 1
    two = console.render(make_report(nodes=nodes, results=(shared("NODE1", "NODE3"), shared("NODE2", "NODE4"))))
    assert "FAIL DTC001 on NODE1:" in two and "FAIL DTC001 on NODE2:" in two


def test_summary_counts_agree_in_number(make_report: Callable[..., Report]) -> None:
    report = make_report(results=(Result("SSO004", "NODE1", Status.FAIL, "bad"),))
    assert "1 result (1 check on " in console.render(report)
