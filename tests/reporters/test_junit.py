"""JUnit reporter: structure CI consumers rely on (suites per node, totals, unique names, status mapping)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable

import pytest

from ssocheck.model import NodeInfo, Report, Result, Status
from ssocheck.reporters import junit
from tests.support.reports import HOSTILE, NODE2_ERROR, WAIVER


def parse(report: Report, **options: str) -> ET.Element:
    return ET.fromstring(junit.render(report, **options).encode("utf-8"))


def case(root: ET.Element, node: str, check_id: str) -> ET.Element:
    suite = root.find(f"testsuite[@name='{node}']")
    assert suite is not None
    found = [c for c in suite.findall("testcase") if c.get("name", "").split(" ")[0] == check_id]
    assert len(found) == 1
    return found[0]


def test_parses_and_has_one_testsuite_per_node(report: Report) -> None:
    root = parse(report)
    assert root.tag == "testsuites"
    assert root.get("name") == "ssocheck post"
    assert [s.get("name") for s in root.findall("testsuite")] == ["BTSNODE1", "NODE1", "NODE2", "SQL01"]


def test_suite_attributes(report: Report) -> None:
    root = parse(report)
    bts = root.find("testsuite[@name='BTSNODE1']")
    node1 = root.find("testsuite[@name='NODE1']")
    assert bts is not None and node1 is not None
    assert bts.get("hostname") == "btsnode1.corp.example.com"
    assert node1.get("hostname") == "NODE1"  # no address: the name
    assert bts.get("timestamp") == "2030-01-10T02:00:00Z"
    assert bts.get("package") == "biztalk"
    assert bts.get("time") == "2.500"


def test_per_suite_and_root_totals_match_the_model_and_the_elements(report: Report) -> None:
    root = parse(report)
    expected = {
        # node: (tests, failures, errors, skipped); warn counts as a passing test by default
        "BTSNODE1": (4, 1, 0, 1),
        "NODE1": (4, 0, 1, 0),
        "NODE2": (3, 0, 3, 0),
        "SQL01": (1, 0, 1, 0),  # the synthetic "connection" testcase
    }
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        got = tuple(int(suite.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped"))
        assert got == expected[suite.get("name", "")]
        assert got == (
            len(cases),
            sum(c.find("failure") is not None for c in cases),
            sum(c.find("error") is not None for c in cases),
            sum(c.find("skipped") is not None for c in cases),
        )
    totals = [sum(v[i] for v in expected.values()) for i in range(3)]
    assert [int(root.get(k, "-1")) for k in ("tests", "failures", "errors")] == totals
    # The Jenkins xUnit plugin's schema forbids a root "skipped"; the suites carry it (see test_junit_schema).
    assert root.get("skipped") is None
    assert float(root.get("time", "0")) == pytest.approx(2.5 + 3.25 + 30.0)


def test_classname_and_name_pairs_are_unique_and_well_formed(report: Report) -> None:
    root = parse(report)
    pairs = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
    assert len(pairs) == len(set(pairs))
    # The same check on two nodes differs by classname (GitLab keeps only the first duplicate).
    assert ("ssocheck.biztalk.BTSNODE1", "SSO004 ENTSSO logs on as the designated account") in pairs
    assert ("ssocheck.sso-cluster.NODE1", "SSO004 ENTSSO logs on as the designated account") in pairs
    for classname, name in pairs:
        assert classname and classname.startswith("ssocheck.") and classname.count(".") == 2
        assert name and re.match(r"^([A-Z]+\d+ |connection$)", name)


def test_dots_in_node_names_become_underscores(make_report: Callable[..., Report]) -> None:
    assert junit.classname("biztalk", "bts01.corp.example") == "ssocheck.biztalk.bts01_corp_example"
    report = make_report(
        nodes=(NodeInfo("bts01.corp.example", ("biztalk",)),),
        results=(Result("SSO004", "bts01.corp.example", Status.PASS, "ok"),),
    )
    tc = parse(report).find("testsuite/testcase")
    assert tc is not None and tc.get("classname") == "ssocheck.biztalk.bts01_corp_example"


def test_fail_becomes_failure_with_full_body(report: Report) -> None:
    tc = case(parse(report), "BTSNODE1", "SSO004")
    failure = tc.find("failure")
    assert failure is not None and tc.find("error") is None and tc.find("skipped") is None
    assert failure.get("type") == "high"
    assert failure.get("message") == "ENTSSO logs on as LocalSystem"
    body = failure.text or ""
    for part in ("ENTSSO logs on as LocalSystem", "expected: CORP\\svc_sso", f"found: {HOSTILE}",
                 "severity: high", "remediation: services.msc", "guide: Migration guide step 4: ",
                 "https://learn.microsoft.com/biztalk/sso"):
        assert part in body
    out = tc.find("system-out")
    assert out is not None and "expected: CORP\\svc_sso" in (out.text or "")


def test_error_becomes_error_not_failure(report: Report) -> None:
    tc = case(parse(report), "NODE1", "CLU003")
    error = tc.find("error")
    assert error is not None and tc.find("failure") is None
    assert "Access is denied" in (error.get("message") or "")
    assert "could not be evaluated" in (error.text or "")
    assert "reason: cannot evaluate: cluster_resources" in (error.text or "")
    # The check's fix is not the answer to "could not evaluate".
    assert "remediation" not in (error.text or "")


def test_skip_has_reason_and_waiver(report: Report) -> None:
    tc = case(parse(report), "BTSNODE1", "SYS001")
    skipped = tc.find("skipped")
    assert skipped is not None and tc.find("failure") is None
    message = skipped.get("message") or ""
    assert WAIVER["justification"] in message and WAIVER["expires"] in message
    assert not (skipped.text or "").strip()  # said once, in the attribute (viewers print both)


def test_one_classname_per_node_whatever_its_roles(make_report: Callable[..., Report]) -> None:
    # BTSNODE1 with [sql, biztalk]: SSO004 (biztalk scope) and DTC001 (every role) share one class.
    node = NodeInfo("BTSNODE1", ("sql", "biztalk"))
    results = (Result("SSO004", "BTSNODE1", Status.PASS, "ok"), Result("DTC001", "BTSNODE1", Status.PASS, "ok"))
    root = parse(make_report(nodes=(node,), results=results))
    assert {c.get("classname") for c in root.iter("testcase")} == {"ssocheck.sql.BTSNODE1"}


def test_suites_carry_the_biztalk_group(report: Report) -> None:
    for suite in parse(report).findall("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert props["group"] == report.group and props["phase"] == "post"


def test_pass_has_no_outcome_element(report: Report) -> None:
    tc = case(parse(report), "NODE1", "SSO004")
    assert [child.tag for child in tc] == []


def test_unreachable_node_without_results_gets_a_connection_error(report: Report) -> None:
    suite = parse(report).find("testsuite[@name='SQL01']")
    assert suite is not None
    (tc,) = suite.findall("testcase")
    assert tc.get("name") == "connection"
    assert tc.get("classname") == "ssocheck.sql.SQL01"
    error = tc.find("error")
    assert error is not None and "timed out after 60 s" in (error.get("message") or "")


def test_unreachable_node_with_results_gets_no_extra_testcase(report: Report) -> None:
    suite = parse(report).find("testsuite[@name='NODE2']")
    assert suite is not None
    names = [tc.get("name", "") for tc in suite.findall("testcase")]
    assert "connection" not in names and len(names) == 3
    assert all(NODE2_ERROR in (tc.findtext("error") or "") for tc in suite.findall("testcase"))


@pytest.mark.parametrize(
    ("warn_as", "element"), [("pass", None), ("skip", "skipped"), ("failure", "failure")]
)
def test_warn_as(report: Report, warn_as: str, element: str | None) -> None:
    root = parse(report, warn_as=warn_as)
    tc = case(root, "BTSNODE1", "SSO009")
    outcomes = [child.tag for child in tc if child.tag in ("failure", "error", "skipped")]
    assert outcomes == ([element] if element else [])
    if warn_as == "pass":
        assert (tc.findtext("system-out") or "").startswith("WARNING: last secret retrieval is 9 days old")
    if element:
        assert "last secret retrieval" in (tc.find(element).get("message") or "")  # type: ignore[union-attr]
    if warn_as == "skip":
        # Shown as skipped, a warning still says what to do: GitLab shows only the skipped text.
        text = tc.findtext("skipped") or ""
        assert text.startswith("WARNING: ") and "remediation: Restart ENTSSO" in text and "9 days" in text
    suite = root.find("testsuite[@name='BTSNODE1']")
    assert suite is not None
    assert suite.get("failures") == ("2" if warn_as == "failure" else "1")
    assert suite.get("skipped") == ("2" if warn_as == "skip" else "1")


def test_warn_as_rejects_unknown_values(report: Report) -> None:
    with pytest.raises(ValueError, match="warn_as"):
        junit.render(report, warn_as="ignore")


def test_properties_only_at_suite_level(report: Report) -> None:
    root = parse(report)
    for suite in root.findall("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
        assert {"group", "phase", "roles", "tool_version", "source"} <= set(props)
        assert props["phase"] == "post" and props["source"] == "live" and props["tool_version"] == "0.1.0"
    assert root.find("properties") is None
    assert not list(root.iter("testcase")) or all(tc.find("properties") is None for tc in root.iter("testcase"))
    assert {p.get("value") for p in root.iter("property") if p.get("name") == "roles"} == {
        "biztalk", "sso-cluster", "sql"}


def test_control_characters_are_escaped_not_emitted(report: Report) -> None:
    text = junit.render(report)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    ET.fromstring(text.encode("utf-8"))
    body = case(ET.fromstring(text.encode("utf-8")), "BTSNODE1", "SSO004").findtext("failure") or ""
    assert "bad\\x1b[2J\\x00end" in body


def test_system_out_is_capped(make_report: Callable[..., Report]) -> None:
    big = Result("SSO004", "NODE1", Status.FAIL, "huge", {"expected": "x", "found": "y" * 100_000})
    report = make_report(results=(big,))
    tc = case(parse(report), "NODE1", "SSO004")
    out = tc.findtext("system-out") or ""
    assert len(out) <= 4096 and "truncated" in out
    assert len(tc.findtext("failure") or "") < 10_000


def test_hostile_text_round_trips_as_text(report: Report) -> None:
    text = junit.render(report)
    assert HOSTILE not in text  # escaped in the XML source...
    tc = case(ET.fromstring(text.encode("utf-8")), "BTSNODE1", "SSO004")
    assert HOSTILE in (tc.findtext("failure") or "")  # ...and intact for the reader


def test_empty_report_is_a_valid_document(empty_report: Report) -> None:
    root = parse(empty_report)
    assert root.get("tests") == "0" and root.get("errors") == "0" and root.findall("testsuite") == []


def test_node_in_results_but_not_in_nodes_still_gets_a_suite(make_report: Callable[..., Report]) -> None:
    report = make_report(nodes=(), results=(Result("SSO004", "GHOST", Status.FAIL, "x"),))
    root = parse(report)
    assert [s.get("name") for s in root.findall("testsuite")] == ["GHOST"]
    assert Counter(tc.find("failure") is not None for tc in root.iter("testcase")) == Counter([True])


def test_duplicate_results_stay_visible_and_unique(make_report: Callable[..., Report]) -> None:
    dup = (Result("SSO004", "NODE1", Status.PASS, "a"), Result("SSO004", "NODE1", Status.FAIL, "b"))
    report = make_report(nodes=(NodeInfo("NODE1", ("sso-cluster",)),), results=dup)
    names = [tc.get("name") for tc in parse(report).iter("testcase")]
    assert len(names) == 2 and len(set(names)) == 2


def test_references_are_separated_unambiguously(report: Report) -> None:
    root = ET.fromstring(junit.render(report))
    [failure] = list(root.iter("failure"))
    assert "references: https://learn.microsoft.com/biztalk/sso; javascript:alert(2)" in (failure.text or "")
