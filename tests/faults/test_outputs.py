"""Output faults: an unusable output folder is refused before any node is contacted; stale temp files of a
killed run are cleaned; files are private; a closed pipe ends quietly; a poisoned snapshot is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.lab import run_cli


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Path, Path]]:
    """A running healthy-pre farm, its inventory and one snapshot of it."""
    work = tmp_path_factory.mktemp("outputs")
    with LabFarm("healthy-pre", scheme="http", workdir=work / "farm") as farm:
        inv = farm.write_inventory(work / "inventory.yml")
        code, _, err = run_cli(["run", "-i", inv, "--output-dir", work / "reports"])
        assert code == 0, err
        yield farm, inv, work / "reports" / "ssocheck-snapshot.json"


def test_an_unusable_output_folder_is_refused_before_any_node_is_contacted(
    snapshot: tuple[LabFarm, Path, Path], tmp_path: Path
) -> None:
    farm, inv, _ = snapshot
    (tmp_path / "afile").write_text("x")
    farm.reset_counters()
    code, _out, err = run_cli(["run", "-i", inv, "--output-dir", tmp_path / "afile" / "x"])
    assert code == 2
    assert f"cannot write reports to {tmp_path / 'afile' / 'x'}" in err and "internal error" not in err
    assert sum(farm.commands(n) for n in farm.state.nodes) == 0
    code, _out, err = run_cli(["collect", "-i", inv, "-o", tmp_path / "afile" / "s.json"])
    assert code == 2 and "cannot write reports to" in err
    assert sum(farm.commands(n) for n in farm.state.nodes) == 0


def test_stale_temp_files_of_a_killed_run_are_removed_and_files_are_private(
    snapshot: tuple[LabFarm, Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "r"
    out.mkdir()
    stale = out / ".ssocheck-snapshot.json.abc123.tmp"
    stale.write_text("half a snapshot")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = out / ".ssocheck-junit.xml.def456.tmp"  # another run may be writing it right now
    fresh.write_text("in progress")
    code, _, err = run_cli(["check", "--snapshot", snapshot[2], "--output-dir", out])
    assert code == 0, err
    assert not stale.exists() and fresh.exists()
    for f in out.glob("ssocheck-*"):
        assert f.stat().st_mode & 0o077 == 0, f


def test_a_closed_pipe_ends_quietly_and_the_reports_are_still_written(
    snapshot: tuple[LabFarm, Path, Path], tmp_path: Path
) -> None:
    exe = Path(sys.executable).with_name("ssocheck")
    proc = subprocess.run(
        f"'{exe}' check --snapshot '{snapshot[2]}' -v --output-dir '{tmp_path}' | head -c 10",
        shell=True, capture_output=True, text=True, timeout=60,
    )
    assert proc.stderr == ""
    assert (tmp_path / "ssocheck-report.json").exists()


@pytest.mark.parametrize(("poison", "field"), [
    ('"start_mode": NaN', "contains NaN"),
    ('"start_mode": "\\ud800"', "unpaired UTF-16 surrogate"),
    ('"start_mode": ' + "[" * 900 + "]" * 900, "nested deeper than 64 levels"),
])
def test_a_poisoned_snapshot_or_baseline_is_one_line_naming_file_and_field(
    poison: str, field: str, snapshot: tuple[LabFarm, Path, Path], tmp_path: Path
) -> None:
    doc = json.loads(snapshot[2].read_text())
    doc["nodes"][1]["facts"]["poison"] = "@@P@@"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc).replace('"@@P@@"', "{" + poison + "}"))
    code, out, err = run_cli(["check", "--snapshot", bad, "--output-dir", tmp_path / "r"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(bad) in err and "nodes[1].facts.poison" in err and field in err
    code, _, err = run_cli(["drift", "--baseline", bad, "--snapshot", snapshot[2], "--output-dir", tmp_path / "d"])
    assert code == 2 and str(bad) in err and "internal error" not in err


def test_a_snapshot_with_duplicate_node_names_is_refused(snapshot: tuple[LabFarm, Path, Path],
                                                         tmp_path: Path) -> None:
    doc = json.loads(snapshot[2].read_text())
    doc["nodes"][1]["name"] = doc["nodes"][0]["name"].lower()
    bad = tmp_path / "dup.json"
    bad.write_text(json.dumps(doc))
    code, _, err = run_cli(["check", "--snapshot", bad, "--output-dir", tmp_path / "r"])
    assert code == 2 and "nodes[1].name: duplicate node" in err


def test_a_non_utf8_snapshot_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"schema": "caf\u00e9"}'.encode("latin-1"))
    code, _, err = run_cli(["check", "--snapshot", bad, "--output-dir", tmp_path / "r"])
    assert code == 2 and str(bad) in err and "internal error" not in err


def test_reports_of_an_earlier_run_left_beside_this_one_are_named(snapshot: tuple[LabFarm, Path, Path],
                                                                 tmp_path: Path) -> None:
    run_cli(["check", "--snapshot", snapshot[2], "--output-dir", tmp_path])
    code, _, err = run_cli(["check", "--snapshot", snapshot[2], "--output-dir", tmp_path, "--format", "junit"])
    assert code == 0
    assert f"{tmp_path / 'ssocheck-report.html'} is from an earlier run" in err
    assert f"{tmp_path / 'ssocheck-report.json'} is from an earlier run" in err


def test_a_disk_that_fills_during_the_run_still_gets_the_verdict_and_names_the_file(
    snapshot: tuple[LabFarm, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ssocheck.errors import OutputError
    from ssocheck.snapshot import Snapshot

    def full(self: Snapshot, path: Path) -> None:
        raise OutputError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(Snapshot, "save", full)
    code, out, err = run_cli(["run", "-i", snapshot[1], "--output-dir", tmp_path])
    assert code == 2 and "-> PASSED" in out
    assert f"cannot write {tmp_path / 'ssocheck-snapshot.json'}: No space left on device" in err
    assert "internal error" not in err
