"""The golden-results tool is only a proof if two captures of an unchanged tree are identical."""

from __future__ import annotations

from pathlib import Path

from tests.tools import golden


def test_two_captures_of_a_scenario_are_identical_and_cover_every_command(tmp_path: Path) -> None:
    # porttest-leftovers exercises the writing check (random run ids), the clock check (real time) and drift.
    first = golden.scenario_golden("porttest-leftovers")
    assert golden.scenario_golden("porttest-leftovers") == first
    assert set(first) == {"run", "check", "baseline save", "run nightly", "drift", "collect"}
    run = first["run"]
    assert isinstance(run, dict) and "ssocheck-report.json" in run["files"]
    golden.capture(tmp_path, ["porttest-leftovers"])
    assert golden.compare(tmp_path, ["porttest-leftovers"]) == 0


def test_normalise_removes_only_what_varies(tmp_path: Path) -> None:
    text = (f'{tmp_path}/x "duration_s": 0.123 at 2026-11-30T10:00:00Z on 127.0.0.1:5985 '
            "ZZ_SSOCHK_20261130T100713_05d8ed_RP status fail")
    assert golden.normalise(text, tmp_path) == ('<TMP>/x "duration_s": <N> at <TIME> on 127.0.0.1:<PORT> '
                                                "ZZ_SSOCHK_<RUN-ID>_RP status fail")
