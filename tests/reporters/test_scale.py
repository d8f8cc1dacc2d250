"""Reports at scale (issue 14 targets): 500 nodes with a few findings, a healthy 200-node run.

Targets: the 500-node HTML under 1 MB with every heading short; a healthy 200-node console under 40 lines;
the node lists folded or given as exact ranges, never 500 names in a heading. The measured sizes are stated
in the README (Reports at scale); this test keeps them true.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest

from ssocheck.model import Report
from ssocheck.reporters import REPORTERS, common
from tests.support.bigfarm import big_report, node_names


def test_500_node_html_is_small_and_its_headings_bounded() -> None:
    page = REPORTERS["html"].render(big_report(500))
    assert len(page.encode("utf-8")) < 1_000_000
    headings = [unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", page, re.S)]
    assert headings and max(len(h) for h in headings) < 300
    assert any("and 490 more" in h for h in headings)  # DTC003/SSO004 on 493 nodes, folded in the heading
    # ... and the full list is there, exactly, as ranges of clone names
    assert "BTSNODE0001..BTSNODE0099, BTSNODE0101..BTSNODE0249, BTSNODE0251..BTSNODE0399, BTSNODE0401..BTSNODE0496" \
        in page
    # the matrix is by check with counts (no 500-column table); every node name still appears somewhere
    assert '<table class="matrix counts-matrix">' in page and page.count("<th scope=\"col\" class=\"mono\">") == 0
    assert "Grouped: the same script and outcome on many nodes is one row" in page


def test_small_farm_keeps_the_node_matrix() -> None:
    page = REPORTERS["html"].render(big_report(12, healthy=True))
    assert page.count('<th scope="col" class="mono">') == 12


def test_healthy_200_node_console_is_short() -> None:
    text = REPORTERS["console"].render(big_report(200, healthy=True), width=120)
    lines = text.splitlines()
    assert len(lines) < 40, text
    assert "-> PASSED" in text
    # no line is a list of node names
    assert not [line for line in lines if line.count("BTSNODE") > 4]


def test_500_node_console_stays_readable() -> None:
    text = REPORTERS["console"].render(big_report(500), width=120)
    assert len(text.splitlines()) < 120
    assert "nodes (493): BTSNODE0001..BTSNODE0099, BTSNODE0101..BTSNODE0249" in text
    assert len(node_names(500)) == 500


def test_the_four_reporters_of_one_report_derive_its_order_and_outages_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A Report is never mutated and the four reporters of a run render the same one: the node order, the sorted
    # results and the outages are computed once for it (a dozen times each before, on 11,500 results at 500 nodes).
    calls: list[str] = []

    def counted(name: str) -> Callable[[Report], Any]:
        real = getattr(common, name)

        def wrapper(report: Report) -> Any:
            calls.append(name)
            return real(report)
        return wrapper

    for name in ("_node_order", "_outages"):
        monkeypatch.setattr(common, name, counted(name))
    report = big_report(60)
    first = {fmt: REPORTERS[fmt].render(report) for fmt in ("console", "junit", "html", "json")}
    assert sorted(calls) == ["_node_order", "_outages"]
    # Another report is not answered from the first one's values, and the same report renders the same text.
    other = big_report(12, healthy=True)
    assert REPORTERS["console"].render(other) != first["console"]
    assert sorted(calls) == ["_node_order", "_node_order", "_outages", "_outages"]
    assert {fmt: REPORTERS[fmt].render(report) for fmt in first} == first


def test_500_nodes_that_failed_alike_are_one_audit_row() -> None:
    from dataclasses import replace

    report = big_report(500, healthy=True)
    audit = [dict(entry, outcome=f"error: {entry['node']}: no probe answer in the output: (empty); exit code 1")
             for entry in report.sections["audit"]]
    page = REPORTERS["html"].render(replace(report, sections={"audit": audit}))
    table = page[page.index('id="section-audit"'):]
    assert table.count("<tr><td") == 1, table[:3000]
    assert "error: &lt;node&gt;: no probe answer in the output" in table and ">500<" in table
    assert len(page.encode("utf-8")) < 200_000
