"""Baseline files: versioned, atomic, strict; old, corrupt or foreign files give a clear error, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ssocheck.baseline import (
    SCHEMA,
    Baseline,
    baseline_from_snapshot,
    load_baseline,
    load_snapshot_or_baseline,
    save_baseline,
)
from ssocheck.check import Expectations
from ssocheck.errors import OutputError, SnapshotError
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("G", "BIZTALKCLUSTER", "BTSNODE1", "CORP\\svc_sso", "SQL01", "SSODB")


def snapshot(**node_kw: Any) -> Snapshot:
    return Snapshot(
        EXPECT,
        [
            NodeSnapshot("NODE1", ("sso-cluster",), facts={"services": [{"name": "ENTSSO", "state": "Running"}]},
                         **node_kw),
            NodeSnapshot("BTSNODE1", ("biztalk",), facts={"msdtc_cids": []}),
        ],
        "2026-11-21T02:00:00Z",
        phase="post",
    )


def saved(tmp_path: Path) -> Path:
    return save_baseline(baseline_from_snapshot(snapshot(), saved_at="2026-11-21T02:01:00Z"), tmp_path / "b.json")


def test_round_trip_keeps_every_fact_and_the_metadata(tmp_path: Path) -> None:
    path = saved(tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema"] == SCHEMA == "ssocheck-baseline/1"
    assert doc["saved_at"] == "2026-11-21T02:01:00Z" and doc["tool_version"]
    loaded = load_baseline(path)
    assert loaded.snapshot.to_dict() == snapshot().to_dict()
    assert loaded.facts() == {"NODE1": {"services": [{"name": "ENTSSO", "state": "Running"}]},
                              "BTSNODE1": {"msdtc_cids": []}}
    assert loaded.source == str(path)
    assert "2026-11-21T02:01:00Z" in loaded.describe()


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = saved(tmp_path)
    before = path.read_text(encoding="utf-8")

    def boom(*_paths: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError) as info:
        save_baseline(baseline_from_snapshot(snapshot(), saved_at="2026-11-22T02:01:00Z"), path)
    assert f"cannot write {path}: disk full" in str(info.value)  # the file is named, not "internal error"
    assert path.read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]  # no temp file left behind


def test_incomplete_snapshot_is_refused_unless_allowed() -> None:
    with pytest.raises(SnapshotError) as info:
        baseline_from_snapshot(snapshot(fact_errors={"cluster": "cluster service down"}), source="snap.json")
    assert "snap.json" in str(info.value) and "NODE1: fact cluster failed" in str(info.value)
    allowed = baseline_from_snapshot(snapshot(fact_errors={"cluster": "down"}), allow_incomplete=True)
    assert allowed.unwatched() == {"NODE1": ["cluster"]}


def test_unreachable_node_is_refused_and_kept_without_facts_when_allowed() -> None:
    snap = snapshot()
    snap.nodes[0].error = "connection refused"
    with pytest.raises(SnapshotError, match="NODE1: not collected"):
        baseline_from_snapshot(snap)
    base = baseline_from_snapshot(snap, allow_incomplete=True)
    assert base.facts()["NODE1"] == {}
    assert base.unwatched() == {"NODE1": ["*"]}


def test_no_node_collected_is_refused_even_when_incomplete_is_allowed() -> None:
    snap = snapshot()
    for n in snap.nodes:
        n.error = "down"
    with pytest.raises(SnapshotError, match="no node was collected"):
        baseline_from_snapshot(snap, allow_incomplete=True)


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "bad.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _doc(tmp_path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(saved(tmp_path).read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d.update(schema="ssocheck-baseline/0"), "schema", "older than this ssocheck reads"),
        (lambda d: d.update(schema="ssocheck-baseline/7"), "schema", "newer ssocheck"),
        (lambda d: d.pop("schema"), "schema", "not an ssocheck baseline"),
        (lambda d: d.update(schema="something/1"), "schema", "unsupported schema"),
        (lambda d: d.update(saved_at="yesterday"), "saved_at", "UTC timestamp"),
        (lambda d: d.pop("tool_version"), "tool_version", "missing"),
        (lambda d: d.update(snapshot=[]), "snapshot", "not an object"),
        (lambda d: d["snapshot"].update(schema="ssocheck-snapshot/0"), "snapshot.schema", "unsupported snapshot"),
        (lambda d: d["snapshot"]["nodes"][1].update(roles=["web"]), "snapshot.nodes[1].roles", "non-empty list"),
        (lambda d: d["snapshot"]["nodes"][0].update(facts="x"), "snapshot.nodes[0].facts", "must be an object"),
        (lambda d: d["snapshot"]["expectations"].update(max_clock_skew_seconds=None, group=7),
         "snapshot.expectations.group", "non-empty string"),
    ],
)
def test_malformed_baselines_name_file_and_field(tmp_path: Path, mutate: Any, field: str, words: str) -> None:
    doc = _doc(tmp_path)
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(SnapshotError) as info:
        load_baseline(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {field}: "), message
    assert words in message


def test_a_snapshot_given_as_baseline_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    snapshot().save(path)
    with pytest.raises(SnapshotError, match=r"this is a snapshot .* 'ssocheck baseline save --snapshot FILE"):
        load_baseline(path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", "empty file"),
        ('{"schema": "ssocheck-baseline/1", "saved_at": ', "not valid JSON (line 1"),
        (b"\xff\xfe\x00garbage", "not a text file"),
        ("[1, 2]", "not a JSON object"),
        ("[" * 100000 + "]" * 100000, "corrupt baseline"),
    ],
    ids=["empty", "truncated", "binary", "list", "deep"],
)
def test_corrupt_files_give_a_clear_error(tmp_path: Path, content: Any, words: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(SnapshotError) as info:
        load_baseline(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="baseline file not found"):
        load_baseline(tmp_path / "nope.json")


def test_snapshot_or_baseline_loader_accepts_both(tmp_path: Path) -> None:
    snap_path = tmp_path / "snap.json"
    snapshot().save(snap_path)
    base_path = saved(tmp_path)
    assert load_snapshot_or_baseline(snap_path).to_dict() == load_snapshot_or_baseline(base_path).to_dict()
    with pytest.raises(SnapshotError):
        load_snapshot_or_baseline(_write(tmp_path, "{"))


def test_baseline_dataclass_to_dict_is_what_is_saved(tmp_path: Path) -> None:
    base = Baseline(snapshot(), "2026-11-21T02:01:00Z", "9.9")
    path = save_baseline(base, tmp_path / "x.json")
    assert json.loads(path.read_text(encoding="utf-8")) == base.to_dict()
