"""Baselines that can be trusted: a filtered snapshot is not a baseline unless --allow-incomplete, and a baseline
of another BizTalk group (name or node set) is refused with exit 2 unless --force-baseline (newcomer D3, D9)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.lab import run_cli


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Path, Path]]:
    work = tmp_path_factory.mktemp("trust")
    with LabFarm("healthy-post", workdir=work / "farm") as lab:
        inv = lab.write_inventory(work / "inventory.yml")
        code, _, err = run_cli(["baseline", "save", "-i", inv, "-o", work / "base.json"])
        assert code == 0, err
        yield lab, inv, work / "base.json"


def test_a_filtered_snapshot_is_not_saved_as_a_baseline_unless_allowed(farm: tuple[LabFarm, Path, Path],
                                                                       tmp_path: Path) -> None:
    _, inv, _ = farm
    run_cli(["run", "-i", inv, "--select", "SSO003", "--output-dir", tmp_path / "sel"])
    snap = tmp_path / "sel" / "ssocheck-snapshot.json"
    code, _out, err = run_cli(["baseline", "save", "--snapshot", snap, "-o", tmp_path / "b.json"])
    assert code == 2 and not (tmp_path / "b.json").exists()
    assert "facts the checks need are not in it (was it taken with --select or --skip?)" in err
    code, _out, err = run_cli(["baseline", "save", "--snapshot", snap, "-o", tmp_path / "b.json",
                              "--allow-incomplete"])
    assert code == 0 and (tmp_path / "b.json").exists()


def test_a_full_snapshot_is_saved(farm: tuple[LabFarm, Path, Path], tmp_path: Path) -> None:
    _, inv, _ = farm
    run_cli(["run", "-i", inv, "--output-dir", tmp_path / "full"])
    code, _, err = run_cli(["baseline", "save", "--snapshot", tmp_path / "full" / "ssocheck-snapshot.json",
                            "-o", tmp_path / "b.json"])
    assert code == 0, err


def _other_group(base: Path, out: Path, group: str | None = None, rename: bool = False) -> Path:
    doc = json.loads(base.read_text())
    if group:
        doc["snapshot"]["expectations"]["group"] = group
    if rename:
        for n in doc["snapshot"]["nodes"]:
            n["name"] = "OTHER" + n["name"]
    out.write_text(json.dumps(doc))
    return out


@pytest.mark.parametrize(("group", "rename", "needle"), [
    ("OtherGroup", False, "is of BizTalk group 'OtherGroup'"),
    (None, True, "shares no node with this farm"),
])
def test_a_baseline_of_another_farm_is_refused_before_anything_is_collected(
    group: str | None, rename: bool, needle: str, farm: tuple[LabFarm, Path, Path], tmp_path: Path
) -> None:
    lab, inv, base = farm
    other = _other_group(base, tmp_path / "other.json", group, rename)
    lab.reset_counters()
    runs: list[list[str | Path]] = [
        ["run", "-i", inv, "--phase", "nightly", "--baseline", other, "--output-dir", tmp_path / "r"],
        ["drift", "--baseline", other, "-i", inv, "--output-dir", tmp_path / "d"]]
    for args in runs:
        code, _, err = run_cli(args)
        assert code == 2 and needle in err and str(other) in err, err
    assert sum(lab.commands(n) for n in lab.state.nodes) == 0
    code, _, err = run_cli(["run", "-i", inv, "--phase", "nightly", "--baseline", other, "--output-dir",
                            tmp_path / "r", "--force-baseline"])
    assert code in (0, 1, 3) and "(forced)" in err
