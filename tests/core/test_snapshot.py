"""Snapshots round-trip and bad ones fail with the file and field named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ssocheck.check import Expectations
from ssocheck.errors import SnapshotError
from ssocheck.snapshot import NodeSnapshot, Snapshot, load_snapshot

EXPECT = Expectations("G", "CLUSTERNET", "BTS1", "CORP\\svc", "SQL01", "SSODB")


def sample() -> Snapshot:
    return Snapshot(
        EXPECT,
        [
            NodeSnapshot("A", ("biztalk",), facts={"services": []}, fact_errors={"cluster": "x"}),
            NodeSnapshot("B", ("sso-cluster",), error="refused"),
        ],
        "2026-01-01T00:00:00Z",
        phase="post",
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    sample().save(path)
    loaded = load_snapshot(path)
    assert loaded.to_dict() == sample().to_dict()
    assert loaded.nodes[0].node_facts().fact_errors == {"cluster": "x"}


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(schema="ssocheck-snapshot/99"), "schema"),
        (lambda d: d.pop("expectations"), "expectations"),
        (lambda d: d["expectations"].update(colour=1), "expectations"),
        (lambda d: d.update(nodes=[]), "nodes"),
        (lambda d: d["nodes"][0].update(roles=["web"]), "nodes[0].roles"),
        (lambda d: d["nodes"][1].update(facts=[1]), "nodes[1].facts"),
        (lambda d: d["nodes"][0].update(fact_errors={"a": 1}), "nodes[0].fact_errors"),
        (lambda d: d.update(phase="later"), "phase"),
    ],
)
def test_bad_snapshot(tmp_path: Path, mutate: Any, field: str) -> None:
    doc = sample().to_dict()
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SnapshotError) as info:
        load_snapshot(path)
    assert str(path) in str(info.value) and field in str(info.value)


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{nope", encoding="utf-8")
    with pytest.raises(SnapshotError, match="not valid JSON"):
        load_snapshot(path)
