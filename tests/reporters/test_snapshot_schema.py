"""The snapshot schema documents ``Snapshot.to_dict()`` completely: every field described, every field present."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ssocheck.check import Expectations
from ssocheck.nodefilter import NodeFilter
from ssocheck.snapshot import NodeSnapshot, Snapshot, snapshot_from_dict
from tests.support.schema_lite import validate

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "ssocheck" / "schemas" / "snapshot.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def sample_snapshot() -> Snapshot:
    expect = Expectations(
        group="BizTalkGroup", cluster_network_name="BIZTALKCLUSTER", master_secret_server="BTSNODE1",
        sso_service_account="CORP\\svc_sso", sso_db_server="SQL01", sso_db_name="SSODB",
        domain_netbios="CORP", domain_dns="corp.example.com",
    )
    nodes = [
        NodeSnapshot("BTSNODE1", ("biztalk",), address="btsnode1.corp.example.com", ps_version="5.1.14393.0",
                     computer="BTSNODE1", clock_utc="2030-01-10T02:00:01Z",
                     received_utc="2030-01-10T02:00:01.250Z", duration_s=2.5,
                     facts={"services": {"ENTSSO": {"state": "Running"}}, "clock": "2030-01-10T02:00:01Z"},
                     fact_errors={"cluster_resources": "The term 'Get-ClusterResource' is not recognized"}),
        NodeSnapshot("NODE2", ("sso-cluster",), error="NODE2: connection refused", duration_s=30.0),
    ]
    # Collected with --node BTSNODE1 --node NODE2 (every optional field present).
    return Snapshot(expect=expect, nodes=nodes, collected_at="2030-01-10T02:00:00Z", inventory="inv.yml",
                    phase="post", node_filter=NodeFilter(("BTSNODE1", "NODE2"), (("NODE1", ("sso-cluster",)),)))


def subschemas(schema: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema describing a field: properties, items and additionalProperties, recursively."""
    if not isinstance(schema, dict):
        return
    for name, sub in schema.get("properties", {}).items():
        yield f"{path}.{name}", sub
        yield from subschemas(sub, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield f"{path}[{key}]", schema[key]
            yield from subschemas(schema[key], f"{path}[{key}]")


def test_snapshot_validates(schema: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(sample_snapshot().to_dict()))
    assert validate(doc, schema) == []


def test_every_field_has_a_description(schema: dict[str, Any]) -> None:
    fields = list(subschemas(schema))
    assert len(fields) > 20
    missing = [path for path, sub in fields if not str(sub.get("description", "")).strip()]
    assert missing == []
    assert schema["description"]


def test_schema_lists_exactly_the_fields_written(schema: dict[str, Any]) -> None:
    doc = sample_snapshot().to_dict()
    assert set(schema["properties"]) == set(doc)
    assert set(schema["properties"]["expectations"]["properties"]) == set(doc["expectations"])
    assert set(schema["properties"]["nodes"]["items"]["properties"]) == set(doc["nodes"][0])
    assert schema["properties"]["schema"]["const"] == doc["schema"]


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda d: d.update(schema="ssocheck-snapshot/2"), "schema version"),
        (lambda d: d.update(nodes=[]), "no node"),
        (lambda d: d.update(phase="during"), "unknown phase"),
        (lambda d: d["nodes"][0].update(roles=["web"]), "unknown role"),
        (lambda d: d["nodes"][0].update(fact_errors={"x": 1}), "fact error not a string"),
        (lambda d: d["expectations"].pop("group"), "missing expectation"),
        (lambda d: d["expectations"].update(password="x"), "unknown expectation"),
        (lambda d: d["node_filter"].pop("excluded"), "node filter without the nodes left out"),
        (lambda d: d["node_filter"]["excluded"][0].pop("roles"), "node left out without its roles"),
    ],
)
def test_schema_and_loader_agree_on_invalid_documents(schema: dict[str, Any], mutate: Any, why: str) -> None:
    doc = json.loads(json.dumps(sample_snapshot().to_dict()))
    mutate(doc)
    assert validate(doc, schema), why
    with pytest.raises(Exception):  # noqa: B017 - the loader raises SnapshotError, or TypeError for some
        snapshot_from_dict(doc, "test")


def test_loader_round_trip_still_validates(schema: dict[str, Any]) -> None:
    doc = sample_snapshot().to_dict()
    again = snapshot_from_dict(json.loads(json.dumps(doc)), "test").to_dict()
    assert again == doc
    assert validate(again, schema) == []
