"""JSON reporter and the report schema it is documented by."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ssocheck.collect import AuditEntry
from ssocheck.model import Report, Result, Status
from ssocheck.reporters import json_report
from tests.support.schema_lite import SchemaError, errors, validate

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "ssocheck" / "schemas" / "report.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


def test_output_is_the_report_dict_sorted_and_indented(report: Report) -> None:
    text = json_report.render(report)
    assert json.loads(text) == report.to_dict()
    assert text == json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


def test_report_validates_against_the_schema(report: Report, schema: dict[str, Any]) -> None:
    assert validate(json.loads(json_report.render(report)), schema) == []


def test_empty_report_validates(empty_report: Report, schema: dict[str, Any]) -> None:
    assert validate(json.loads(json_report.render(empty_report)), schema) == []


def test_real_audit_entries_validate(make_report: Callable[..., Report], schema: dict[str, Any]) -> None:
    entry = AuditEntry(node="NODE1", purpose="fact probe (read-only)", sha256="0" * 64, size=10,
                       facts=("services",), changes_state=False, started_at="2030-01-10T02:00:00Z",
                       duration_s=1.23456, outcome="ok")
    doc = json.loads(json_report.render(make_report(sections={"audit": [entry.to_dict()], "future": 42})))
    assert validate(doc, schema) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("verdict",), "GREEN"),
        (("summary", "pass"), -1),
        (("results", 0, "status"), "ok"),
        (("nodes", 0, "roles"), "biztalk"),
        (("checks", "SSO004", "severity"), "blocker"),
        (("sections", "audit", 0, "sha256"), "not-a-hash"),
        (("exit_code",), 2),
    ],
)
def test_schema_rejects_wrong_documents(report: Report, schema: dict[str, Any], path: tuple[Any, ...],
                                        value: Any) -> None:
    doc = copy.deepcopy(report.to_dict())
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert validate(doc, schema)


def test_schema_requires_every_top_level_key(report: Report, schema: dict[str, Any]) -> None:
    doc = report.to_dict()
    assert set(schema["required"]) == set(doc) == set(schema["properties"])
    for key in doc:
        broken = {k: v for k, v in doc.items() if k != key}
        assert validate(broken, schema), key


def test_schema_describes_every_model_field(report: Report, schema: dict[str, Any]) -> None:
    doc = report.to_dict()
    defs = schema["$defs"]
    assert set(defs["node"]["properties"]) == set(doc["nodes"][0])
    assert set(defs["check"]["properties"]) == set(doc["checks"]["SSO004"])
    waived = next(r for r in doc["results"] if "waiver" in r)
    assert set(defs["result"]["properties"]) == set(waived)


def test_unserialisable_evidence_does_not_lose_the_report(make_report: Callable[..., Report]) -> None:
    report = make_report(results=(Result("SSO004", "NODE1", Status.FAIL, "x", {"found": {1, 2}.__class__}),))
    assert json.loads(json_report.render(report))["results"][0]["evidence"]["found"] == "<class 'set'>"


def test_validator_refuses_unknown_keywords() -> None:
    with pytest.raises(SchemaError):
        list(errors({}, {"type": "object", "oneOf": []}))
