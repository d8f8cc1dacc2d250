"""Helpers of the nightly/phase/waiver end-to-end tests: a farm that tests change and restore, report readers.

Everything goes through the real CLI (click's CliRunner on ``ssocheck.cli:main``), the real pywinrm client and
the lab's WinRM endpoint on loopback. A test changes the farm with a scenario overlay (``farm.apply_overlay``,
deep-merged like ``extends``) inside :meth:`LiveFarm.changed`, which restores the original scenario afterwards
by applying the inverse overlay. The ``live_farm`` fixture (``tests/nightly/conftest.py``) serves it.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ssocheck.lab.farm import LabFarm


@dataclass
class CliOutcome:
    """What one ``ssocheck`` invocation did."""

    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path) -> CliOutcome:
    """``ssocheck <args>`` in-process; exceptions propagate (a crash must fail the test, not look like exit 1)."""
    from ssocheck.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return CliOutcome(result.exit_code, result.stdout, result.stderr)


def inverse_overlay(original: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """The overlay that undoes ``overlay`` on ``original``: original values back, added keys deleted (None)."""
    out: dict[str, Any] = {}
    for key, value in overlay.items():
        if key not in original:
            out[key] = None
        elif isinstance(value, Mapping) and isinstance(original[key], Mapping):
            out[key] = inverse_overlay(original[key], value)
        else:
            out[key] = copy.deepcopy(original[key])
    return out


@dataclass
class LiveFarm:
    """A running lab farm, its inventory and a scratch folder."""

    farm: LabFarm
    inventory: Path
    workdir: Path
    original: dict[str, Any]

    @property
    def document(self) -> dict[str, Any]:
        """The merged scenario document being served."""
        return self.farm.state.document

    @contextmanager
    def changed(self, overlay: Mapping[str, Any]) -> Iterator[None]:
        """Serve the farm with ``overlay`` applied, then restore the state it had before exactly (nestable)."""
        before = copy.deepcopy(self.farm.state.document)
        self.farm.apply_overlay(dict(overlay))
        try:
            yield
        finally:
            self.farm.apply_overlay(inverse_overlay(before, overlay))
            assert self.farm.state.document == before, "the farm was not restored"






# -- report readers -------------------------------------------------------------------------------------------------


REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "ssocheck" / "schemas" / "report.schema.json"


def json_report(output_dir: Path, name: str = "ssocheck-report.json") -> dict[str, Any]:
    """The JSON report written into ``output_dir``, checked against the published report schema."""
    from tests.support.schema_lite import validate

    doc: dict[str, Any] = json.loads((output_dir / name).read_text(encoding="utf-8"))
    if doc.get("schema") == "ssocheck-report/1":
        problems = validate(doc, json.loads(REPORT_SCHEMA.read_text(encoding="utf-8")))
        assert not problems, problems
    return doc


def results_by(doc: Mapping[str, Any], check_id: str) -> dict[str, dict[str, Any]]:
    """``node -> result`` of one check in a JSON report."""
    return {r["node"]: r for r in doc["results"] if r["check_id"] == check_id}


@dataclass
class JUnitCase:
    """One ``<testcase>``: its suite (node), name, outcome element and texts."""

    suite: str
    name: str
    outcome: str  # pass | failure | error | skipped
    message: str
    text: str


def junit_cases(path: Path) -> list[JUnitCase]:
    """Every testcase of a JUnit file."""
    root = ET.parse(path).getroot()
    cases = []
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            outcome, message, text = "pass", "", ""
            for tag in ("failure", "error", "skipped"):
                el = case.find(tag)
                if el is not None:
                    outcome, message, text = tag, el.get("message") or "", el.text or ""
            cases.append(JUnitCase(suite.get("name") or "", case.get("name") or "", outcome, message, text))
    return cases


def junit_case(path: Path, check_id: str, node: str) -> JUnitCase:
    """The testcase of ``check_id`` on ``node``."""
    found = [c for c in junit_cases(path) if c.suite == node and c.name.split(" ")[0] == check_id]
    assert len(found) == 1, f"{check_id} on {node}: {found}"
    return found[0]


def registry_keys(doc: Mapping[str, Any], node: str, predicate: Any) -> list[str]:
    """Registry key paths of ``node`` in a scenario document for which ``predicate(path, values)`` holds."""
    keys: dict[str, Any] = doc["nodes"][node].get("registry") or {}
    return [k for k, v in keys.items() if predicate(k, v or {})]

