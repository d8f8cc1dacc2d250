"""``--node NAME`` against the simulated farm over real WinRM: a partial run, said so everywhere, never a false pass.

The run, its reports and its snapshot name the filter; group checks that need a node left out do not pass;
a baseline of the filtered snapshot is refused without --allow-incomplete; an unknown name is exit 2.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ssocheck.cli import main
from ssocheck.lab.farm import LabFarm
from ssocheck.registry import load_checks
from tests.support.schema_lite import validate

SCHEMAS = Path(__file__).resolve().parents[2] / "ssocheck" / "schemas"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Path]]:
    tmp = tmp_path_factory.mktemp("nodefilter")
    with LabFarm("healthy-pre", scheme="http", workdir=tmp) as farm:
        yield farm, farm.write_inventory(tmp / "inventory.yml")


def test_run_with_node_is_partial_and_group_checks_do_not_pass(lab: tuple[LabFarm, Path], tmp_path: Path) -> None:
    farm, inventory = lab
    farm.reset_counters()
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["run", "-i", str(inventory), "--node", "btsnode1", "--node", "NODE1",
                                       "--output-dir", str(out), "--no-color"])
    assert result.exit_code == 0, result.output
    # Only the nodes named were contacted (names match case-insensitively).
    assert [farm.commands(n) for n in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2")] == [1, 0, 1, 0]
    assert "Nodes: PARTIAL: 2 of 4 nodes (--node BTSNODE1 --node NODE1; not checked: BTSNODE2, NODE2)" in result.stdout
    assert "-> PASSED (PARTIAL: " in result.stdout and "2 of 4 nodes)" in result.stdout
    assert "group checks not proven on part of the farm (--node)" in result.stdout  # not "nothing to fix"

    report = json.loads((out / "ssocheck-report.json").read_text(encoding="utf-8"))
    assert report["provenance"]["partial"] is True
    assert report["provenance"]["nodes"] == {"selected": ["BTSNODE1", "NODE1"], "excluded": ["BTSNODE2", "NODE2"]}
    assert {n["name"] for n in report["nodes"]} == {"BTSNODE1", "NODE1"}
    assert validate(report, json.loads((SCHEMAS / "report.schema.json").read_text(encoding="utf-8"))) == []
    # No group check passes while a node of its scope is left out; node checks still judge their node.
    shapes = {lc.meta.id: (lc.meta.shape, set(lc.meta.roles)) for lc in load_checks()}
    roles_out = {"biztalk", "sso-cluster"}  # BTSNODE2 and NODE2
    group_passes = [r for r in report["results"] if shapes.get(r["check_id"], ("", set()))[0] == "group"
                    and shapes[r["check_id"]][1] & roles_out and r["status"] == "pass"]
    assert group_passes == []
    unproven = [r for r in report["results"] if "not_selected" in r["evidence"]]
    assert unproven and all(r["status"] == "skip" and "left out by --node" in r["message"] for r in unproven)
    assert any(r["status"] == "pass" and shapes[r["check_id"]][0] == "node" for r in report["results"])

    suite = ET.parse(out / "ssocheck-junit.xml").getroot().find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["partial"] == "true" and props["nodes_excluded"] == "BTSNODE2 NODE2"
    html = (out / "ssocheck-report.html").read_text(encoding="utf-8")
    assert "PARTIAL" in html and "not checked: BTSNODE2, NODE2" in html

    # The snapshot keeps the filter: checked again offline it is just as partial; a baseline of it is refused.
    snapshot = out / "ssocheck-snapshot.json"
    snap_doc = json.loads(snapshot.read_text(encoding="utf-8"))
    assert snap_doc["node_filter"]["selected"] == ["BTSNODE1", "NODE1"]
    assert validate(snap_doc, json.loads((SCHEMAS / "snapshot.schema.json").read_text(encoding="utf-8"))) == []
    again = CliRunner().invoke(main, ["check", "--snapshot", str(snapshot), "--output-dir", str(tmp_path / "c"),
                                      "--no-color"])
    assert again.exit_code == 0 and "Nodes: PARTIAL: 2 of 4 nodes" in again.stdout
    refused = CliRunner().invoke(main, ["baseline", "save", "--snapshot", str(snapshot), "-o",
                                        str(tmp_path / "b.json")])
    assert refused.exit_code == 2 and "nodes left out by --node: BTSNODE2, NODE2" in refused.stderr
    assert not (tmp_path / "b.json").exists()
    forced = CliRunner().invoke(main, ["baseline", "save", "--snapshot", str(snapshot), "-o",
                                       str(tmp_path / "b.json"), "--allow-incomplete"])
    assert forced.exit_code == 0, forced.output


def test_unknown_node_is_a_usage_error_naming_it(lab: tuple[LabFarm, Path], tmp_path: Path) -> None:
    farm, inventory = lab
    farm.reset_counters()
    for command in (["run", "--output-dir", str(tmp_path / "r")], ["collect", "-o", str(tmp_path / "s.json")],
                    ["doctor"]):
        result = CliRunner().invoke(main, [*command, "-i", str(inventory), "--node", "NODE1", "--node", "NODE9"])
        assert result.exit_code == 2, result.output
        assert "--node: no node named NODE9 in" in result.stderr and "BTSNODE1, BTSNODE2, NODE1, NODE2" in result.stderr
    assert sum(farm.commands(n) for n in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2")) == 0  # nothing contacted


def test_collect_and_doctor_with_node(lab: tuple[LabFarm, Path], tmp_path: Path) -> None:
    farm, inventory = lab
    farm.reset_counters()
    snap = tmp_path / "s.json"
    result = CliRunner().invoke(main, ["collect", "-i", str(inventory), "--node", "NODE2", "-o", str(snap)])
    assert result.exit_code == 0, result.output
    assert "(1 node, 0 not collected; PARTIAL, left out by --node: BTSNODE1, BTSNODE2, NODE1)" in result.stdout
    doc = json.loads(snap.read_text(encoding="utf-8"))
    assert [n["name"] for n in doc["nodes"]] == ["NODE2"]
    assert [e["name"] for e in doc["node_filter"]["excluded"]] == ["BTSNODE1", "BTSNODE2", "NODE1"]
    doctor = CliRunner().invoke(main, ["doctor", "-i", str(inventory), "--node", "NODE2"])
    assert doctor.exit_code == 0, doctor.output
    assert "doctor: 1 of 1 node answered PowerShell" in doctor.stdout and "BTSNODE1" not in doctor.stdout
    assert [farm.commands(n) for n in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2")] == [0, 0, 0, 2]


def test_nightly_with_node_does_not_report_the_nodes_left_out_as_removed(
        lab: tuple[LabFarm, Path], tmp_path: Path) -> None:
    _, inventory = lab
    base = tmp_path / "base.json"
    assert CliRunner().invoke(main, ["baseline", "save", "-i", str(inventory), "-o", str(base)]).exit_code == 0
    result = CliRunner().invoke(main, ["run", "-i", str(inventory), "--phase", "nightly", "--baseline", str(base),
                                       "--node", "BTSNODE1", "--output-dir", str(tmp_path / "n"), "--no-color"])
    report = json.loads((tmp_path / "n" / "ssocheck-report.json").read_text(encoding="utf-8"))
    assert "missing from this run" not in result.stdout
    assert report["sections"]["drift"] == [] or all(c.get("node") == "BTSNODE1" for c in report["sections"]["drift"])


def test_a_group_check_that_cannot_decide_without_the_nodes_left_out_says_so(
        lab: tuple[LabFarm, Path], tmp_path: Path) -> None:
    _, inventory = lab
    # Only the cluster nodes: DTC002 compares them with the BizTalk nodes, which were left out.
    CliRunner().invoke(main, ["run", "-i", str(inventory), "--node", "NODE1", "--node", "NODE2",
                              "--output-dir", str(tmp_path / "c"), "--format", "json"])
    report = json.loads((tmp_path / "c" / "ssocheck-report.json").read_text(encoding="utf-8"))
    dtc = [r for r in report["results"] if r["check_id"] == "DTC002"]
    assert dtc and all(r["status"] == "error" for r in dtc)  # never a pass, and not hidden as a skip
    assert all("nodes left out by --node: BTSNODE1, BTSNODE2" in r["message"] for r in dtc)
    assert report["verdict"] == "INCOMPLETE"

