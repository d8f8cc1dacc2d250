"""The run pipeline as a library (ssocheck/pipeline.py): every use case without click, against a real lab farm.

The farm is real (pywinrm over loopback, NTLM with message encryption); nothing is mocked. These tests
are what another front end (a scheduler, a monitor) relies on: typed outcomes, the same exit codes as
the CLI, nothing printed, and ``cli.py`` reaching the core only through this module.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssocheck import pipeline
from ssocheck.errors import ConfigError
from ssocheck.lab.farm import LabFarm
from ssocheck.model import ExitCode, Phase, Severity, Status


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Inventory of the ``node-unreachable`` farm (BTSNODE2 is powered off)."""
    workdir = tmp_path_factory.mktemp("pipeline")
    with LabFarm("node-unreachable", workdir=workdir / "farm") as farm:
        yield farm.write_inventory(workdir / "inventory.yml")


def test_run_returns_report_snapshot_audit_and_exit_code(unreachable: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = pipeline.run(unreachable)
    assert capsys.readouterr() == ("", ""), "the pipeline prints nothing"
    # The down node's checks are errors, nothing else is wrong in this farm.
    assert out.exit_code == out.report.exit_code() == ExitCode.ERROR
    assert [a.node for a in out.audit] == [n.name for n in out.snapshot.nodes]
    assert [a["node"] for a in out.report.sections["audit"]] == [a.node for a in out.audit]
    down = {n.name: n.error for n in out.snapshot.nodes if n.error}
    assert list(down) == ["BTSNODE2"]
    assert out.report.phase == out.snapshot.phase == "post"


def test_check_on_the_saved_snapshot_judges_the_same(unreachable: Path, tmp_path: Path) -> None:
    live = pipeline.run(unreachable, phase=Phase.POST, only=["SSO", "CLU"], skip=["CLU001"])
    live.snapshot.save(tmp_path / "s.json")
    offline = pipeline.check(tmp_path / "s.json", only=["SSO", "CLU"], skip=["CLU001"])
    assert offline.audit == ()
    assert offline.report.source == f"snapshot:{tmp_path / 's.json'}"
    assert [(r.check_id, r.node, r.status, r.message) for r in offline.report.results] == \
        [(r.check_id, r.node, r.status, r.message) for r in live.report.results]
    # BTSNODE2 is down: its one error is the COLLECTION result, whatever the selection.
    assert {r.check_id[:3] for r in live.report.results if r.check_id != "COLLECTION"} == {"SSO", "CLU"}
    assert "CLU001" not in {r.check_id for r in live.report.results}


def test_fail_on_counts_only_failures_at_or_above_it(tmp_path: Path) -> None:
    with LabFarm("clock-skew", workdir=tmp_path / "farm") as farm:
        live = pipeline.run(farm.write_inventory(tmp_path / "inventory.yml"))
    live.snapshot.save(tmp_path / "s.json")
    worst = min(live.report.checks[r.check_id].severity.rank for r in live.report.results if r.status is Status.FAIL)
    assert live.exit_code == ExitCode.FAIL
    above = [s for s in Severity if s.rank < worst]
    assert above, "the worst failure is not critical"
    lenient = pipeline.check(tmp_path / "s.json", ci=pipeline.CiInputs(fail_on=above[-1]))
    assert lenient.report.fail_on is above[-1]
    assert lenient.exit_code == ExitCode.OK
    strict = pipeline.check(tmp_path / "s.json", ci=pipeline.CiInputs(fail_on=list(Severity)[worst]))
    assert strict.exit_code == ExitCode.FAIL


def test_collect_reports_the_node_it_could_not_reach(unreachable: Path) -> None:
    out = pipeline.collect(unreachable, only=["SYS001"])
    assert out.exit_code == ExitCode.ERROR
    assert [name for name, _ in out.failed_nodes] == ["BTSNODE2"]


def test_baseline_of_an_incomplete_live_collection_is_refused_with_exit_3(unreachable: Path, tmp_path: Path) -> None:
    out = pipeline.save_baseline(tmp_path / "b.json", inventory=unreachable)
    assert out.baseline is None and out.path is None
    assert out.exit_code == ExitCode.ERROR and out.refused and "BTSNODE2" in out.refused
    assert not (tmp_path / "b.json").exists()
    kept = pipeline.save_baseline(tmp_path / "b.json", inventory=unreachable, allow_incomplete=True)
    assert kept.exit_code == ExitCode.OK and kept.path == tmp_path / "b.json" and kept.path.exists()


def test_drift_against_its_own_baseline_finds_no_change(unreachable: Path, tmp_path: Path) -> None:
    run = pipeline.run(unreachable)
    run.snapshot.save(tmp_path / "s.json")
    pipeline.save_baseline(tmp_path / "b.json", snapshot_file=tmp_path / "s.json", allow_incomplete=True)
    out = pipeline.drift(tmp_path / "b.json", snapshot_file=tmp_path / "s.json")
    assert out.changes == ()
    assert {r.check_id for r in out.report.results} == {pipeline.DRIFT_CHECK_ID, "COLLECTION"}  # BTSNODE2 down
    with pytest.raises(ConfigError, match="exactly one"):
        pipeline.drift(tmp_path / "b.json")


def test_progress_goes_only_to_the_stream_given(unreachable: Path) -> None:
    stream = io.StringIO()
    pipeline.collect(unreachable, only=["SYS001"], progress=stream)
    # Runs under a second print no progress at all; either way nothing else reaches the stream.
    assert all(line.startswith("collecting facts") for line in stream.getvalue().splitlines())


def test_reports_are_written_by_format(unreachable: Path, tmp_path: Path) -> None:
    out = pipeline.run(unreachable, only=["SYS"])
    written = pipeline.write_reports(out.report, tmp_path, ["json"])
    assert written == {"json": tmp_path / pipeline.REPORT_FILES["json"]}
    drift_files = pipeline.write_reports(out.report, tmp_path, files=pipeline.DRIFT_REPORT_FILES)
    assert sorted(p.name for p in drift_files.values()) == sorted(pipeline.DRIFT_REPORT_FILES.values())
    assert "SYS001" in pipeline.console_text(out.report, verbose=True)


# The CLI parses, calls the pipeline and prints: it reaches no collector, runner, reporter or loader directly.
CLI_MAY_IMPORT = {"ssocheck", "ssocheck.pipeline", "ssocheck.errors", "ssocheck.model", "ssocheck.secrets",
                  "ssocheck.waivers",  # type-only: the Waiver an outcome lists as expired
                  "ssocheck.terminal", "ssocheck.guide",  # presentation: colour, width, guide step wording
                  # front-end features over finished reports: run --watch, diff, runbook
                  "ssocheck.watch", "ssocheck.compare", "ssocheck.report_file", "ssocheck.runbook_text",
                  "ssocheck.lab.farm", "ssocheck.lab.state",  # `ssocheck lab` and `demo` serve the farm
                  "ssocheck.sanitize",  # `sanitize`, `collect --sanitize`: rewrite a finished snapshot
                  "ssocheck.completion"}  # PowerShell tab completion (click has none)


def test_cli_imports_only_the_pipeline_from_the_core() -> None:
    tree = ast.parse(Path(pipeline.__file__).with_name("cli.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ssocheck")}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names if alias.name.startswith("ssocheck")}
    assert imported <= CLI_MAY_IMPORT, f"cli.py imports {sorted(imported - CLI_MAY_IMPORT)} directly"
