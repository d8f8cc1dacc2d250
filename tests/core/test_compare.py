"""ssocheck diff: fixed, new, still failing, changed evidence, waived, gone; exit 1 on new failures."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ssocheck import compare
from ssocheck.errors import ConfigError
from ssocheck.model import ExitCode, Report, Result, Status
from ssocheck.report_file import load_report
from ssocheck.reporters import REPORTERS
from tests.support.bigfarm import big_report


def with_results(report: Report, changes: dict[tuple[str, str], Result | None]) -> Report:
    results = [changes.get((r.check_id, r.node), r) for r in report.results]
    return replace(report, results=tuple(r for r in results if r is not None))


def test_kinds_and_exit_codes() -> None:
    old = big_report(10, healthy=True)
    fail = Result("CLU003", "NODE1", Status.FAIL, "UseNetworkName = 0", {"found": 0})
    new = with_results(old, {("CLU003", "NODE1"): fail})
    cmp = compare.compare(old, new)
    assert [(c.kind, c.check_id, c.node) for c in cmp.changes] == [("new", "CLU003", "NODE1")]
    assert cmp.exit_code() is ExitCode.FAIL
    back = compare.compare(new, old)
    assert [c.kind for c in back.changes] == ["fixed"] and back.exit_code() is ExitCode.OK
    moved = with_results(new, {("CLU003", "NODE1"): replace(fail, evidence={"found": 2})})
    assert [c.kind for c in compare.compare(new, moved).changes] == ["changed"]
    assert [c.kind for c in compare.compare(new, new).changes] == ["still failing"]
    waived = with_results(new, {("CLU003", "NODE1"): Result("CLU003", "NODE1", Status.SKIP, "waived until x",
                                                           waiver={"finding": "fail: ..."})})
    assert [c.kind for c in compare.compare(new, waived).changes] == ["waived"]
    gone = with_results(new, {("CLU003", "NODE1"): None})
    assert [c.kind for c in compare.compare(new, gone).changes] == ["gone"]
    err = with_results(old, {("CLU003", "NODE1"): Result("CLU003", "NODE1", Status.ERROR, "cannot evaluate")})
    assert compare.compare(old, err).exit_code() is ExitCode.ERROR


def test_text_folds_500_nodes_into_ranges() -> None:
    old, new = big_report(500, healthy=True), big_report(500)
    text = compare.render_text(compare.compare(old, new, "old.json", "new.json"))
    assert "NEW (" in text and "DTC003 fail on BTSNODE0001..BTSNODE0099, BTSNODE0101..BTSNODE0249" in text
    assert text.rstrip().endswith("Result: new failures") and len(text.splitlines()) < 40


def test_reports_round_trip_through_the_json_file(tmp_path: Path) -> None:
    report = big_report(20)
    path = tmp_path / "r.json"
    path.write_text(REPORTERS["json"].render(report), encoding="utf-8")
    loaded = load_report(path)
    assert loaded.results == report.results and loaded.counts() == report.counts()
    assert loaded.verdict() == report.verdict() and set(loaded.checks) == set(report.checks)


@pytest.mark.parametrize("content", ['{"schema": "ssocheck-snapshot/1"}', "not json", "[]",
                                     '{"schema": "ssocheck-report/1", "results": [{"node": "x"}]}'])
def test_wrong_files_are_config_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=str(path).replace("\\", "\\\\")):
        load_report(path)


def test_diff_command(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ssocheck.cli import main

    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(REPORTERS["json"].render(big_report(10, healthy=True)), encoding="utf-8")
    new.write_text(REPORTERS["json"].render(with_results(big_report(10, healthy=True), {
        ("CLU003", "NODE1"): Result("CLU003", "NODE1", Status.FAIL, "UseNetworkName = 0")})), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["diff", str(old), str(new)])
    assert res.exit_code == 1 and "NEW (1):\n  CLU003 fail on NODE1: UseNetworkName = 0" in res.stdout
    res = runner.invoke(main, ["diff", str(new), str(old), "--format", "json"])
    doc = json.loads(res.stdout)
    assert res.exit_code == 0 and doc["counts"]["fixed"] == 1 and doc["changes"][0]["kind"] == "fixed"
    bad = runner.invoke(main, ["diff", str(old), str(tmp_path / "missing.json")])
    assert bad.exit_code == 2 and "missing.json" in bad.stderr
