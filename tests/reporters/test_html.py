"""HTML reporter: escaping of hostile text, page order, the matrix, self-containment and size."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape as html_unescape
from html.parser import HTMLParser

from ssocheck.model import NodeInfo, Report, Result, Status
from ssocheck.reporters import html
from tests.support.reports import HOSTILE, NODE2_ERROR, WAIVER


class Outline(HTMLParser):
    """Collects headings (in order), tags, attributes and the visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2"):
            self._in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_heading:
            self.headings[-1] += data


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    parser.close()
    return parser


def test_hostile_evidence_renders_as_text(report: Report) -> None:
    page = html.render(report)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = outline(page)
    assert not [t for t, _ in parsed.tags if t == "script"]
    assert HOSTILE in "".join(parsed.text)  # the reader sees the text as it was found


def test_hostile_node_name_and_message_are_escaped(make_report: Callable[..., Report]) -> None:
    evil = '"><img src=x onerror=alert(3)>'
    report = make_report(
        nodes=(NodeInfo(evil, ("biztalk",), error=evil),),
        results=(Result("SSO004", evil, Status.FAIL, evil, {evil: evil}),),
    )
    page = html.render(report)
    assert "<img" not in page
    assert not [t for t, _ in outline(page).tags if t == "img"]


def test_only_http_references_become_links(report: Report) -> None:
    parsed = outline(html.render(report))
    hrefs = [a.get("href") or "" for t, a in parsed.tags if t == "a"]
    assert "https://learn.microsoft.com/biztalk/sso" in hrefs
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs)
    assert "javascript:alert(2)" in "".join(parsed.text)  # shown, but not clickable


def test_verdict_banner_comes_first(report: Report) -> None:
    parsed = outline(html.render(report))
    assert parsed.headings[0] == "FAILEDssocheck report: BizTalkGroup, phase post"
    body_tags = [t for t, _ in parsed.tags]
    first = body_tags.index("body") + 1
    assert [t for t, _ in parsed.tags[first:first + 2]] == ["header", "section"]
    assert "banner" in (parsed.tags[first + 1][1].get("class") or "")
    # Operator's order: findings first, then the runbook, then the matrix and the rest.
    assert parsed.headings[1:] == [
        "Findings (5)", "Runbook: the migration guide's steps", "Checks by node", "Skipped and passed", "Nodes",
        "Waivers", "Drift since the baseline", "Audit trail: remote scripts run",
    ]
    # Landmarks for screen readers and keyboard users.
    assert {"header", "nav", "main", "footer"} <= set(body_tags)


def test_banner_shows_counts_phase_group_source_and_time(report: Report) -> None:
    page = html.render(report)
    banner = page[page.index('<section class="banner FAILED"'):page.index("</section>")]
    for text in ("1 fail", "4 error", "1 warn", "1 skip", "4 pass", "post", "BizTalkGroup", "live",
                 "2030-01-10T02:00:00Z"):
        assert text in banner


def test_verdicts(make_report: Callable[..., Report]) -> None:
    passed = make_report(results=(Result("SSO004", "NODE1", Status.PASS, "ok"),))
    incomplete = make_report(results=(Result("SSO004", "NODE1", Status.ERROR, "x"),))
    assert outline(html.render(passed)).headings[0].startswith("PASSEDssocheck report")
    assert outline(html.render(incomplete)).headings[0].startswith("INCOMPLETEssocheck report")


def test_matrix_rows_are_checks_and_columns_are_nodes(report: Report) -> None:
    page = html.render(report)
    matrix = page[page.index('<table class="matrix">'):]
    matrix = matrix[: matrix.index("</table>")]
    header = re.findall(r'<th scope="col" class="mono">([^<]*)</th>', matrix)
    assert header == ["BTSNODE1", "NODE1", "NODE2", "SQL01"]
    rows = re.findall(r"<tr>\s*<th scope=\"row\" class=\"mono\">(\w+)</th><td>([^<]*)</td><td>(\w+)</td>", matrix)
    assert [r[0] for r in rows] == ["CLU003", "DTC001", "SSO004", "SSO009", "SYS001"]
    assert ("SSO004", "ENTSSO logs on as the designated account", "high") in rows
    sso004 = matrix[matrix.index(">SSO004<"):]
    sso004 = sso004[: sso004.index("</tr>")]
    cells = re.findall(r'<td class="st (\w+)"[^>]*>(.*?)</td>', sso004)
    assert [c[0] for c in cells] == ["fail", "pass", "error", "none"]
    # a symbol and a word, not colour only; a dash when the check does not apply
    assert "\u2718 fail" in cells[0][1] and "\u2714 pass" in cells[1][1] and cells[3][1] == "\u2014"


def test_matrix_cells_link_to_their_details(report: Report) -> None:
    page = html.render(report)
    ids = {a.get("id") for _, a in outline(page).tags if a.get("id")}
    links = re.findall(r'<a href="#([^"]+)">', page)
    assert links and all(link in ids for link in links)


def test_details_for_findings_and_collapsed_passes(report: Report) -> None:
    page = html.render(report)
    fail = page[page.index('<div class="finding fail"'):]
    fail = fail[: fail.index("</div>")]
    assert "<dt>expected</dt><dd><pre>CORP\\svc_sso</pre></dd>" in fail
    assert "Remediation:" in fail and "Guide:</strong> Migration guide step 4: A domain account" in fail
    # unreachable node: one block, not one per check
    blocks = re.findall(r'<div class="finding error" id="[^"]+">(.*?)</div>', page, re.S)
    assert len(blocks) == 3  # NODE2 (3 checks could not decide), SQL01, and CLU003 on NODE1
    assert sum(NODE2_ERROR in block for block in blocks) == 1
    assert re.search(r'<details id="passed">\s*<summary>Passed \(4\)</summary>', page)
    assert re.search(r'<details id="skipped">', page)
    assert WAIVER["justification"] in page


def test_page_is_self_contained(report: Report) -> None:
    page = html.render(report)
    parsed = outline(page)
    assert not [t for t, _ in parsed.tags if t in ("link", "script", "img", "iframe", "object")]
    assert not [a for _, a in parsed.tags if "src" in a]
    assert "@import" not in page and "url(" not in page
    assert '<meta charset="utf-8">' in page


def test_evidence_is_capped(make_report: Callable[..., Report]) -> None:
    big = Result("SSO004", "NODE1", Status.FAIL, "huge", {"found": "y" * 200_000})
    page = html.render(make_report(results=(big,)))
    assert len(page) < 30_000
    assert "truncated, 200000 characters in total" in page


def test_sections_render_generically(make_report: Callable[..., Report]) -> None:
    report = make_report(sections={"zz_custom": {"key": HOSTILE}, "audit": [], "drift": [
        {"node": "NODE1", "fact": "services", "path": "ENTSSO.state", "before": "Running", "after": "Stopped"}]})
    page = html.render(report)
    headings = outline(page).headings
    assert headings.index("Drift since the baseline") < headings.index("Audit trail: remote scripts run")
    assert headings[-1] == "Zz custom"
    assert HOSTILE not in page
    assert "Stopped" in page


def test_control_characters_do_not_reach_the_page(report: Report) -> None:
    page = html.render(report)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page)
    assert "bad\\x1b[2J\\x00end" in page


def test_empty_report(empty_report: Report) -> None:
    page = html.render(empty_report)
    parsed = outline(page)
    assert parsed.headings[0].startswith("PASSED")
    assert "No check ran" in page


def finding_blocks(page: str) -> list[tuple[str, str, str]]:
    """(status class, id, inner HTML) of every finding block."""
    return re.findall(r'<div class="finding (\w+)" id="([^"]+)">(.*?)</div>', page, re.S)


def matrix_cell_links(page: str) -> dict[tuple[str, str], str]:
    """{(check ID, node column index): anchor} of every linked matrix cell."""
    matrix = page[page.index('<table class="matrix">'):]
    matrix = matrix[: matrix.index("</table>")]
    links: dict[tuple[str, str], str] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", matrix, re.S)[1:]:
        cid = re.search(r'<th scope="row" class="mono">(\w+)</th>', row)
        cells = re.findall(r'<td class="st \w+"[^>]*>(.*?)</td>', row)
        for i, cell in enumerate(cells):
            link = re.search(r'href="#([^"]+)"', cell)
            if cid and link:
                links[(cid.group(1), str(i))] = link.group(1)
    return links


def test_unreachable_node_also_explains_group_checks_it_left_unproven(report: Report) -> None:
    from dataclasses import replace

    dependent = Result("DTC001", "NODE1", Status.ERROR, f"not proven: facts missing for NODE2 ({NODE2_ERROR})",
                       {"found": "4 CIDs", "missing_nodes": ["NODE2"]})
    kept = [r for r in report.results if (r.check_id, r.node) != ("DTC001", "NODE1")]
    page = html.render(replace(report, results=(*kept, dependent)))
    assert "Findings (5)" in page  # still NODE2, SQL01, SSO004, SSO009, CLU003: no block for the dependent error
    [node2] = [b for b in finding_blocks(page) if NODE2_ERROR in b[2] and "facts could not be collected" in b[2]]
    assert "need this node's facts" in html_unescape(node2[2]) and '<span class="mono">DTC001</span> on' in node2[2]
    # neither in the findings nor in the runbook (the matrix cell title keeps each result's own message)
    assert "facts missing for NODE2" not in page.split('id="findings"', 1)[1].split('id="matrix"', 1)[0]
    # the matrix cell of the dependent error leads to the node's block (column 1 is NODE1)
    assert matrix_cell_links(page)[("DTC001", "1")] == node2[1]


def test_checks_stopped_by_one_cause_are_one_block(make_report: Callable[..., Report]) -> None:
    cause = "cannot evaluate: cluster: failed on the node: The cluster service is not running"
    results = tuple(Result(cid, "NODE1", Status.ERROR, cause, {"fact": "cluster"}) for cid in ("CLU003", "SSO004"))
    page = html.render(make_report(results=results, nodes=()))
    [block] = finding_blocks(page)
    # the block, the two matrix cell titles, and the runbook's reason for the steps the two checks verify
    findings = page[page.index('id="findings"'):page.index('id="runbook"')]
    assert block[0] == "error" and findings.count(cause) == 1 and page.count(cause) >= 3
    assert "2 checks on" in block[2] and "could not decide: one cause" in block[2]
    assert "ENTSSO resource uses the network name" in block[2] and "ENTSSO logs on as the designated" in block[2]
    links = matrix_cell_links(page)
    assert links[("CLU003", "0")] == links[("SSO004", "0")] == block[1]


def test_same_finding_on_several_nodes_is_one_block(make_report: Callable[..., Report]) -> None:
    same = {"expected": "UseNetworkName = 1", "found": "UseNetworkName = 0"}
    results = (Result("CLU003", "NODE1", Status.FAIL, "UseNetworkName = 0", same),
               Result("CLU003", "NODE2", Status.FAIL, "UseNetworkName = 0", dict(same)),
               Result("SSO004", "NODE1", Status.FAIL, "LocalSystem", {"found": "LocalSystem"}),
               Result("SSO004", "NODE2", Status.FAIL, "LocalService", {"found": "LocalService"}))
    page = html.render(make_report(results=results, nodes=()))
    blocks = finding_blocks(page)
    assert len(blocks) == 3 and "Findings (3)" in page
    clu003 = next(b for b in blocks if "CLU003" in b[2])
    assert re.search(r'on <span class="mono">NODE1, NODE2</span>: ENTSSO resource uses the network name', clu003[2])
    links = matrix_cell_links(page)
    assert links[("CLU003", "0")] == links[("CLU003", "1")] == clu003[1]
    assert links[("SSO004", "0")] != links[("SSO004", "1")]


def test_banner_says_what_to_do_and_names_uncollected_nodes(report: Report, make_report: Callable[..., Report]) -> None:
    page = html.render(report)
    banner = page[page.index('<section class="banner'):page.index("</section>")]
    assert ('<p class="next">Next: fix 1 failing check (1 failure; see the details), then run again; '
            "2 nodes not reached") in banner
    assert 'not collected: <span class="mono">NODE2, SQL01</span>' in banner
    ok = html.render(make_report(results=(Result("SSO004", "NODE1", Status.PASS, "ok"),), nodes=()))
    assert "Next: nothing to fix" in ok and "all collected" in ok


def test_skipped_table_spells_a_waiver_out_once(make_report: Callable[..., Report]) -> None:
    waived = Result("SYS001", "NODE1", Status.SKIP, "waived until 2030-01-31: NTP change CHG4711 pending",
                    waiver=dict(WAIVER, finding="fail: clock 90 s off"))
    page = html.render(make_report(results=(waived,)))
    # A waived finding is listed on its own, outside the collapsed skips (it is an accepted problem, not "n/a").
    skipped = page[page.index("<h3>Waived findings (1)</h3>"):]
    skipped = skipped[: skipped.index("</table>")]
    assert skipped.count("NTP change CHG4711 pending") == 1 and "clock 90 s off" in skipped


def test_section_tables_keep_short_words_whole_and_scroll_when_wide(make_report: Callable[..., Report]) -> None:
    audit = [{"node": "BTSNODE1", "sha256": "a" * 64, "started_at": "2030-01-10T02:00:00Z",
              "purpose": "fact probe (read-only)"}]
    page = html.render(make_report(sections={"audit": audit}))
    section = page[page.index('id="section-audit"'):]
    # scrolls on its own, and a keyboard user can focus it to scroll (axe: scrollable-region-focusable)
    assert '<div class="scroll" tabindex="0" role="region"' in section[: section.index("<table")]
    assert '<th scope="col">started at</th>' in section  # keys read as words
    assert '<td class="v tok">2030-01-10T02:00:00Z</td>' in section  # a date never breaks at its hyphens
    assert f'<td class="v long">{"a" * 64}</td>' in section  # a hash may break anywhere
    assert '<td class="v">fact probe (read-only)</td>' in section
