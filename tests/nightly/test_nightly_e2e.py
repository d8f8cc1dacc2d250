"""Nightly drift end to end (issue 4 acceptance): CLI -> pywinrm -> loopback WinRM -> lab farm.

A baseline of ``healthy-post`` is saved with ``ssocheck baseline save``; then the farm is changed one way at a
time and ``ssocheck run --phase nightly --baseline B`` must go red (exit 1) with the change named in the JSON
report, the JUnit file, the HTML report and the console; a plain failover must stay green.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssocheck.baseline import load_baseline
from tests.support.nightly import (
    LiveFarm,
    json_report,
    junit_case,
    registry_keys,
    results_by,
    run_cli,
)

pytestmark = pytest.mark.e2e

SCENARIO = "healthy-post"
CID_ROOT = "HKLM\\SOFTWARE\\Classes\\CID\\"
SSOSS_ROOT = "HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SSOSS\\"


@pytest.fixture(scope="module")
def baseline(live_farm: LiveFarm) -> Path:
    """The baseline of the healthy farm, saved through the CLI."""
    path = live_farm.workdir / "baseline.json"
    out = run_cli("baseline", "save", "-i", live_farm.inventory, "-o", path)
    assert out.exit_code == 0, out.stderr
    assert f"baseline: {path} (4 nodes" in out.stdout
    return path


def nightly(live_farm: LiveFarm, baseline: Path, out_dir: Path, *extra: str | Path) -> Any:
    return run_cli("run", "-i", live_farm.inventory, "--phase", "nightly", "--baseline", baseline,
                   "--output-dir", out_dir, "--no-color", *extra)


# -- the changes of the acceptance list, computed from the served scenario so they follow it ---------------------


def _entsso_resource(doc: dict[str, Any]) -> str:
    resources: dict[str, dict[str, Any]] = doc["clusters"]["SSOCLU"]["resources"]
    return next(name for name, r in resources.items() if (r.get("private") or {}).get("ServiceName") == "ENTSSO")


def use_network_name_off(doc: dict[str, Any]) -> dict[str, Any]:
    return {"clusters": {"SSOCLU": {"resources": {_entsso_resource(doc): {"private": {"UseNetworkName": 0}}}}}}


def node2_new_msdtc_cid(doc: dict[str, Any]) -> dict[str, Any]:
    [old] = registry_keys(doc, "NODE2", lambda k, v: k.startswith(CID_ROOT) and v.get("(default)") == "MSDTC")
    new = CID_ROOT + "d2b0c6a4-1e5f-4c3b-9a8d-7f6e5d4c3b2a\\Description"
    return {"nodes": {"NODE2": {"registry": {old: None, new: {"(default)": "MSDTC"}}}}}


def node1_entsso_account(doc: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": {"NODE1": {"services": {"ENTSSO": {"account": "CORP\\svc_sso_new"}}}}}


def node2_ssoss_keys_gone(doc: dict[str, Any]) -> dict[str, Any]:
    keys = registry_keys(doc, "NODE2", lambda k, v: k.upper().startswith(SSOSS_ROOT.upper()))
    assert keys, "the scenario restores the secret on NODE2"
    return {"nodes": {"NODE2": {"registry": dict.fromkeys(keys)}}}


def btsnode2_sso_sql_server(doc: dict[str, Any]) -> dict[str, Any]:
    return {"nodes": {"BTSNODE2": {"registry": {"HKLM\\SOFTWARE\\Microsoft\\ENTSSO\\SQL": {"Server": "SQL02"}}}}}


@dataclass(frozen=True)
class Drift:
    """A change to make and where the drift check must name it."""

    overlay: Callable[[dict[str, Any]], dict[str, Any]]
    nodes: tuple[str, ...]
    fact: str
    path: str
    before: Any
    after: Any


CHANGES = {
    "use-network-name-off": Drift(use_network_name_off, ("NODE1", "NODE2"), "cluster",
                                  "/resources/Enterprise Single Sign-On Service/private/UseNetworkName", 1, 0),
    "node2-msdtc-cid": Drift(node2_new_msdtc_cid, ("NODE2",), "msdtc_cids", "/MSDTC/cid",
                             "650dfc10-581f-456b-8a83-d0c2b8bf2eb2", "d2b0c6a4-1e5f-4c3b-9a8d-7f6e5d4c3b2a"),
    "node1-entsso-account": Drift(node1_entsso_account, ("NODE1",), "services", "/ENTSSO/account",
                                  "CORP\\svc_sso", "CORP\\svc_sso_new"),
    "node2-ssoss-keys-gone": Drift(node2_ssoss_keys_gone, ("NODE2",), "sso_secret_keys", "/present", True, False),
    "btsnode2-sso-sql-server": Drift(btsnode2_sso_sql_server, ("BTSNODE2",), "entsso_registry",
                                     "/native/sql_server", "SQL01", "SQL02"),
}


def test_baseline_file_is_versioned_and_complete(live_farm: LiveFarm, baseline: Path) -> None:
    loaded = load_baseline(baseline)
    assert json.loads(baseline.read_text(encoding="utf-8"))["schema"] == "ssocheck-baseline/1"
    assert sorted(loaded.facts()) == ["BTSNODE1", "BTSNODE2", "NODE1", "NODE2"]
    assert {"cluster", "services", "msdtc_cids", "sso_secret_keys"} <= set(loaded.facts()["NODE2"])
    assert loaded.unwatched() == {}
    assert live_farm.farm.password not in baseline.read_text(encoding="utf-8")


def test_unchanged_farm_is_green_in_nightly(live_farm: LiveFarm, baseline: Path, tmp_path: Path) -> None:
    out = nightly(live_farm, baseline, tmp_path)
    assert out.exit_code == 0, out.stdout
    doc = json_report(tmp_path)
    assert doc["phase"] == "nightly"
    drf = results_by(doc, "DRF001")
    assert sorted(drf) == ["BTSNODE1", "BTSNODE2", "NODE1", "NODE2"]
    assert {r["status"] for r in drf.values()} == {"pass"}
    assert doc["sections"]["drift"] == []
    assert junit_case(tmp_path / "ssocheck-junit.xml", "DRF001", "NODE1").outcome == "pass"


@pytest.mark.parametrize("case", sorted(CHANGES))
def test_each_change_turns_nightly_red_with_the_change_named(
    live_farm: LiveFarm, baseline: Path, tmp_path: Path, case: str
) -> None:
    drift = CHANGES[case]
    where = f"{drift.fact}{drift.path}"
    with live_farm.changed(drift.overlay(live_farm.document)):
        out = nightly(live_farm, baseline, tmp_path)
    assert out.exit_code == 1, out.stdout
    doc = json_report(tmp_path)
    drf = results_by(doc, "DRF001")
    for node in drift.nodes:
        result = drf[node]
        assert result["status"] == "fail"
        assert where in result["message"]
        named = [c for c in result["evidence"]["changes"] if (c["fact"], c["path"]) == (drift.fact, drift.path)]
        assert named == [{"node": node, "fact": drift.fact, "path": drift.path, "change": "changed",
                          "before": drift.before, "after": drift.after}]
        case_xml = junit_case(tmp_path / "ssocheck-junit.xml", "DRF001", node)
        assert case_xml.outcome == "failure" and where in case_xml.message
    # Nodes not touched by the change stay green.
    assert all(r["status"] == "pass" for n, r in drf.items() if n not in drift.nodes)
    section = [(r["node"], r["fact"], r["path"]) for r in doc["sections"]["drift"]]
    assert {(n, drift.fact, drift.path) for n in drift.nodes} <= set(section)
    assert doc["verdict"] == "FAILED"
    page = html.unescape((tmp_path / "ssocheck-report.html").read_text(encoding="utf-8"))
    assert where in page
    assert "DRF001" in out.stdout and where in out.stdout


def failover(doc: dict[str, Any]) -> dict[str, Any]:
    """The SSO role moves to NODE2: ENTSSO stops on NODE1 and starts on NODE2, nothing else changes."""
    assert doc["clusters"]["SSOCLU"]["groups"]["SSO"]["owner"] == "NODE1"
    return {
        "clusters": {"SSOCLU": {"groups": {"SSO": {"owner": "NODE2"}}}},
        "nodes": {"NODE1": {"services": {"ENTSSO": {"state": "Stopped"}}},
                  "NODE2": {"services": {"ENTSSO": {"state": "Running"}}}},
    }


def test_plain_failover_stays_green(live_farm: LiveFarm, baseline: Path, tmp_path: Path) -> None:
    with live_farm.changed(failover(live_farm.document)):
        out = nightly(live_farm, baseline, tmp_path / "run")
        strict = run_cli("drift", "--baseline", baseline, "-i", live_farm.inventory, "--include-failover",
                         "--output-dir", tmp_path / "drift")
    assert out.exit_code == 0, out.stdout
    assert {r["status"] for r in results_by(json_report(tmp_path / "run"), "DRF001").values()} == {"pass"}
    # Asked for, the failover is reported as what it is.
    assert strict.exit_code == 1
    rows = json_report(tmp_path / "drift", "ssocheck-drift-report.json")["sections"]["drift"]
    # Values may be lists (multi-line text, e.g. ssomanage output that only the active node reads): compare as text.
    changes = {(r["node"], r["fact"], r["path"], str(r["before"]), str(r["after"])) for r in rows}
    assert ("NODE1", "cluster", "/groups/SSO/owner_node", "NODE1", "NODE2") in changes
    assert ("NODE2", "services", "/ENTSSO/state", "Stopped", "Running") in changes
    # The drift report says which baseline it compared, saved when, and is not a "partial" run.
    prov = json_report(tmp_path / "drift", "ssocheck-drift-report.json")["provenance"]
    assert prov["baseline"]["path"] == str(baseline) and prov["baseline"]["saved_at"]
    assert len(prov["baseline"]["sha256"]) == 64 and prov["partial"] is False


def test_drift_command_exit_codes_and_table(live_farm: LiveFarm, baseline: Path, tmp_path: Path) -> None:
    clean = run_cli("drift", "--baseline", baseline, "-i", live_farm.inventory, "--output-dir", tmp_path / "a")
    assert clean.exit_code == 0, clean.stdout
    assert "No drift since the baseline." in clean.stdout
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "ssocheck-drift-junit.xml", "ssocheck-drift-report.html", "ssocheck-drift-report.json"]
    with live_farm.changed(node1_entsso_account(live_farm.document)):
        changed = run_cli("drift", "--baseline", baseline, "-i", live_farm.inventory, "--output-dir", tmp_path / "b",
                          "--format", "json")
    assert changed.exit_code == 1
    line = next(ln for ln in changed.stdout.splitlines() if ln.startswith("NODE1"))
    assert line.split()[:4] == ["NODE1", "services", "/ENTSSO/account", "changed"]
    assert "CORP\\svc_sso_new" in line
    # The logon name and the SID the node translates it to (an unknown account: none) both changed.
    assert "2 changes on 1 node" in changed.stdout
    assert any(ln.split()[:3] == ["NODE1", "services", "/ENTSSO/account_sid"] for ln in changed.stdout.splitlines())
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["ssocheck-drift-report.json"]
    doc = json_report(tmp_path / "b", "ssocheck-drift-report.json")
    assert doc["phase"] == "nightly" and set(doc["checks"]) == {"DRF001"}


def test_drift_on_a_snapshot_offline(live_farm: LiveFarm, baseline: Path, tmp_path: Path) -> None:
    with live_farm.changed(use_network_name_off(live_farm.document)):
        assert run_cli("collect", "-i", live_farm.inventory, "-o", tmp_path / "snap.json").exit_code == 0
    live_farm.farm.reset_counters()
    out = run_cli("drift", "--baseline", baseline, "--snapshot", tmp_path / "snap.json", "--output-dir", tmp_path)
    assert out.exit_code == 1
    assert out.stdout.count("UseNetworkName") == 2
    assert all(live_farm.farm.commands(n) == 0 for n in live_farm.farm.state.nodes)  # offline: no remote command
    # The same snapshot through `check --phase nightly --baseline` gives the same verdict.
    checked = run_cli("check", "--snapshot", tmp_path / "snap.json", "--phase", "nightly", "--baseline", baseline,
                      "--output-dir", tmp_path / "check")
    assert checked.exit_code == 1
    assert results_by(json_report(tmp_path / "check"), "DRF001")["NODE1"]["status"] == "fail"


def test_a_node_removed_from_the_inventory_fails_the_nightly_run(
    live_farm: LiveFarm, baseline: Path, tmp_path: Path
) -> None:
    inv = yaml.safe_load(live_farm.inventory.read_text(encoding="utf-8"))
    inv["nodes"] = [n for n in inv["nodes"] if n["name"] != "BTSNODE2"]
    smaller = live_farm.inventory.with_name("smaller.yml")
    smaller.write_text(yaml.safe_dump(inv), encoding="utf-8")
    out = nightly(live_farm, baseline, tmp_path, "-i", smaller)
    assert out.exit_code == 1
    doc = json_report(tmp_path)
    gone = results_by(doc, "DRF001")["BTSNODE2"]
    assert gone["status"] == "fail" and "missing from this run" in gone["message"]
    assert {"node": "BTSNODE2", "fact": "(node)", "path": "", "change": "node-missing", "before": "in the baseline",
            "after": "missing from this run"} in doc["sections"]["drift"]
    assert junit_case(tmp_path / "ssocheck-junit.xml", "DRF001", "BTSNODE2").outcome == "failure"


def test_a_node_not_in_the_baseline_fails_as_new(live_farm: LiveFarm, baseline: Path, tmp_path: Path) -> None:
    # A baseline saved from a snapshot that lacks BTSNODE2 (baseline save --snapshot).
    doc = json.loads(baseline.read_text(encoding="utf-8"))["snapshot"]
    doc["nodes"] = [n for n in doc["nodes"] if n["name"] != "BTSNODE2"]
    (tmp_path / "three.json").write_text(json.dumps(doc), encoding="utf-8")
    saved = run_cli("baseline", "save", "--snapshot", tmp_path / "three.json", "-o", tmp_path / "three-base.json")
    assert saved.exit_code == 0, saved.stderr
    out = nightly(live_farm, tmp_path / "three-base.json", tmp_path / "run")
    assert out.exit_code == 1
    new = results_by(json_report(tmp_path / "run"), "DRF001")["BTSNODE2"]
    assert new["status"] == "fail" and new["message"] == "new node: not in the baseline"


@pytest.fixture
def corrupt_baselines(tmp_path: Path, baseline: Path) -> Iterator[dict[str, Path]]:
    old = json.loads(baseline.read_text(encoding="utf-8"))
    old["schema"] = "ssocheck-baseline/0"
    files = {
        "truncated": baseline.read_text(encoding="utf-8")[:500],
        "older": json.dumps(old),
        "snapshot": json.dumps(old["snapshot"]),
        "empty": "",
    }
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(text, encoding="utf-8")
    yield paths


@pytest.mark.parametrize(("kind", "words"), [
    ("truncated", "not valid JSON"), ("older", "older than this ssocheck reads"),
    ("snapshot", "this is a snapshot"), ("empty", "empty file"),
])
def test_old_or_corrupt_baseline_is_a_clear_error_before_any_collection(
    live_farm: LiveFarm, corrupt_baselines: dict[str, Path], tmp_path: Path, kind: str, words: str
) -> None:
    live_farm.farm.reset_counters()
    out = nightly(live_farm, corrupt_baselines[kind], tmp_path / "out")
    assert out.exit_code == 2
    [line] = out.stderr.strip().splitlines()
    assert line.startswith(f"ssocheck: error: {corrupt_baselines[kind]}: ") and words in line
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()  # no report claims anything
    assert all(live_farm.farm.commands(n) == 0 for n in live_farm.farm.state.nodes)
    drift = run_cli("drift", "--baseline", corrupt_baselines[kind], "-i", live_farm.inventory)
    assert drift.exit_code == 2 and words in drift.stderr


def test_baseline_save_refuses_an_incomplete_farm(live_farm: LiveFarm, tmp_path: Path) -> None:
    target = tmp_path / "b.json"
    with live_farm.changed({"nodes": {"NODE2": {"up": False}}}):
        refused = run_cli("baseline", "save", "-i", live_farm.inventory, "-o", target)
        allowed = run_cli("baseline", "save", "-i", live_farm.inventory, "-o", tmp_path / "partial.json",
                          "--allow-incomplete")
    assert refused.exit_code == 3
    assert "NODE2: not collected" in refused.stderr and "--allow-incomplete" in refused.stderr
    assert not target.exists()
    assert allowed.exit_code == 0
    assert "not watched on NODE2: *" in allowed.stderr
    assert load_baseline(tmp_path / "partial.json").facts()["NODE2"] == {}


def test_baseline_save_needs_exactly_one_source(tmp_path: Path, live_farm: LiveFarm) -> None:
    neither = run_cli("baseline", "save", "-o", tmp_path / "b.json")
    both = run_cli("baseline", "save", "-i", live_farm.inventory, "--snapshot", tmp_path / "s.json",
                   "-o", tmp_path / "b.json")
    assert neither.exit_code == both.exit_code == 2
    assert "exactly one of -i/--inventory and --snapshot" in neither.stderr


def test_drift_check_alone_still_compares_every_fact(live_farm: LiveFarm, baseline: Path, tmp_path: Path) -> None:
    with live_farm.changed(node1_entsso_account(live_farm.document)):
        out = nightly(live_farm, baseline, tmp_path, "--select", "DRF001")
    assert out.exit_code == 1
    doc = json_report(tmp_path)
    assert set(doc["checks"]) == {"DRF001"}
    drf = results_by(doc, "DRF001")
    assert drf["NODE1"]["status"] == "fail" and "services/ENTSSO/account" in drf["NODE1"]["message"]
    assert {drf[n]["status"] for n in ("NODE2", "BTSNODE1", "BTSNODE2")} == {"pass"}
    assert len(drf["NODE2"]["evidence"]["compared"]) >= 10
