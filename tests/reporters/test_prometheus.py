"""The Prometheus textfile report, read back with the real consumer's parser (prometheus_client).

A unit part on the hand-made sample report (every status, hostile text, unreachable nodes) and an end-to-end
part: a real run against the simulated farm with ``--format prometheus``, whose series must tell exactly what
the JSON report of the same run tells.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ssocheck.lab.farm import LabFarm
from ssocheck.model import CheckMeta, NodeInfo, Phase, Report, Result, Severity, Status
from ssocheck.reporters import REPORTERS

parser = pytest.importorskip("prometheus_client.parser", reason="prometheus_client is in the dev extras")

Sample = tuple[str, dict[str, str], float]


def samples(text: str) -> list[Sample]:
    """Every sample of the document as prometheus_client parses it (it raises on a malformed document)."""
    return [(s.name, dict(s.labels), s.value) for family in parser.text_string_to_metric_families(text)
            for s in family.samples]


def by_name(parsed: list[Sample], name: str) -> list[tuple[dict[str, str], float]]:
    return [(labels, value) for sample_name, labels, value in parsed if sample_name == name]


def test_every_result_is_one_series_with_its_status(report: Report) -> None:
    text = REPORTERS["prometheus"](report)
    assert text.endswith("\n")  # the textfile collector ignores a file whose last line is cut
    parsed = samples(text)
    series = {(labels["check"], labels["node"]): labels["status"]
              for labels, value in by_name(parsed, "ssocheck_check_status") if value == 1}
    assert series == {(r.check_id, r.node): r.status.value for r in report.results}
    assert len(by_name(parsed, "ssocheck_check_status")) == len(report.results)
    counts = {labels["status"]: value for labels, value in by_name(parsed, "ssocheck_results")}
    assert counts == {status.value: n for status, n in report.counts().items()}
    [(verdict, one)] = by_name(parsed, "ssocheck_run_verdict")
    assert (verdict["verdict"], one) == (report.verdict(), 1)
    [(_, code)] = by_name(parsed, "ssocheck_run_exit_code")
    assert code == int(report.exit_code())
    collected = {labels["node"]: value for labels, value in by_name(parsed, "ssocheck_node_collected")}
    assert collected == {n.name: (0 if n.error else 1) for n in report.nodes}
    assert {"NODE2", "SQL01"} <= {node for node, value in collected.items() if value == 0}


def test_hostile_names_survive_escaping() -> None:
    hostile = 'NODE"1\\x\nEVIL} 1\n# TYPE'
    meta = CheckMeta(id="SSO004", name="n", title="t", description="d", severity=Severity.HIGH, shape="node",
                     phases=(Phase.POST,), roles=("biztalk",), remediation="r", guide_step="1", references=(),
                     facts=("services",))
    report = Report(tool_version="0.1.0", phase=Phase.POST, group='Group "A"\\B', source="live",
                    started_at="2026-11-30T02:30:00Z", finished_at="2026-11-30T02:30:05Z",
                    nodes=(NodeInfo(name=hostile, roles=("biztalk",)),), checks={"SSO004": meta},
                    results=(Result("SSO004", hostile, Status.FAIL, "bad"),), duration_s=5.0)
    parsed = samples(REPORTERS["prometheus"](report))
    [(labels, value)] = by_name(parsed, "ssocheck_check_status")
    assert (labels["node"], labels["group"], labels["status"], value) == (hostile, 'Group "A"\\B', "fail", 1)
    [(_, stamp)] = by_name(parsed, "ssocheck_run_timestamp_seconds")
    assert stamp == 1796005805.0  # 2026-11-30T02:30:05Z


@pytest.fixture(scope="module")
def demo_farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabFarm]:
    with LabFarm("demo", workdir=tmp_path_factory.mktemp("prom-farm")) as farm:
        yield farm


@pytest.mark.e2e
def test_a_real_run_writes_a_textfile_that_agrees_with_the_json_report(demo_farm: LabFarm, tmp_path: Path) -> None:
    from ssocheck.cli import main

    inventory = demo_farm.write_inventory(tmp_path / "inventory.yml")
    out = tmp_path / "reports"
    result = CliRunner().invoke(main, ["run", "-i", str(inventory), "--output-dir", str(out),
                                       "--format", "prometheus", "--format", "json", "--no-color"])
    doc = json.loads((out / "ssocheck-report.json").read_text(encoding="utf-8"))
    assert result.exit_code == doc["exit_code"] != 0  # the demo farm has deliberate mistakes
    assert not (out / "ssocheck-report.html").exists()  # only the formats asked for
    parsed = samples((out / "ssocheck.prom").read_text(encoding="utf-8"))
    series = {(labels["check"], labels["node"]): labels["status"]
              for labels, _ in by_name(parsed, "ssocheck_check_status")}
    assert series == {(r["check_id"], r["node"]): r["status"] for r in doc["results"]}
    assert {labels["verdict"] for labels, _ in by_name(parsed, "ssocheck_run_verdict")} == {doc["verdict"]}
    assert [v for _, v in by_name(parsed, "ssocheck_run_exit_code")] == [doc["exit_code"]]


def test_the_textfile_is_not_written_unless_asked_for() -> None:
    from ssocheck import pipeline

    assert "prometheus" not in pipeline.REPORT_FILES
    assert pipeline.OPTIONAL_REPORT_FILES["prometheus"].endswith(".prom")
