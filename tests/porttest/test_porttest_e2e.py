"""BTS001 end to end: pywinrm -> loopback WinRM (CredSSP) -> lab farm (management database, SSO chain) -> collector ->
runner.

Nothing is mocked. Each test starts its own farm (the port test changes the farm's state) with an account of its
own, so it can never clash with another module's farm over the process-wide NTLM user file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from ssocheck_checks import MODULES
from ssocheck_checks import porttest as porttest_checks

from ssocheck.check import Context
from ssocheck.collect import AuditEntry, gather
from ssocheck.inventory import Inventory, load_inventory
from ssocheck.lab.emulation.biztalk import port_lists
from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import SCENARIO_DIR, build_farm, deep_merge, list_scenarios, resolve_document
from ssocheck.model import ExitCode, Phase, Report, Result, Status
from ssocheck.registry import LoadedCheck, build, load_checks, select
from ssocheck.runner import evaluate

pytestmark = pytest.mark.e2e

BIZTALK_NODES = ("BTSNODE1", "BTSNODE2")
CLUSTER_NODES = ("NODE1", "NODE2")
USER = "LAB\\porttest"
# The management database model; healthy-post may not extend it yet (merged underneath, it changes nothing then).
BIZTALK_FRAGMENT = yaml.safe_load((SCENARIO_DIR / "_biztalk.yaml").read_text(encoding="utf-8"))
# secret-restored-on-one-node-only, after a failover to NODE2: the active node is the one without the secret.
ROLE_ON_NODE2: dict[str, Any] = {
    "clusters": {"SSOCLU": {"groups": {"SSO": {"owner": "NODE2"}}}},
    "nodes": {
        "NODE1": {"services": {"ENTSSO": {"state": "Stopped", "process_id": 0}}},
        "NODE2": {"services": {"ENTSSO": {"state": "Running", "process_id": 3304}}},
    },
}


def all_checks() -> list[LoadedCheck]:
    """Every built-in check, BTS001 included even before checks/__init__.py lists the porttest module."""
    loaded = load_checks()
    if not any(lc.meta.id == "BTS001" for lc in loaded):
        loaded = build([("builtin", [*(type(lc.check) for lc in loaded), *porttest_checks.CHECKS])])
    return loaded


@dataclass
class Run:
    """One collection + evaluation against a farm, with what the farm counted meanwhile."""

    report: Report
    audits: list[AuditEntry]
    commands: dict[str, int]

    def bts001(self) -> dict[str, Result]:
        return {r.node: r for r in self.report.results if r.check_id == "BTS001"}


@dataclass
class Lab:
    """A running farm and the inventory that points at it."""

    farm: LabFarm
    inventory: Inventory

    def ports(self) -> dict[str, list[str]]:
        return port_lists(self.farm.state)

    def run(self, allow_changes: bool, checks: Sequence[LoadedCheck] | None = None) -> Run:
        loaded = list(checks) if checks is not None else all_checks()
        self.farm.reset_counters()
        snapshot, audits = gather(self.inventory, [lc.check for lc in loaded], self.inventory.password(),
                                  allow_changes=allow_changes)
        report = evaluate(loaded, snapshot, Context(Phase.POST, self.inventory.expect, allow_changes=allow_changes))
        return Run(report, audits, {n: self.farm.commands(n) for n in self.farm.state.nodes})


def missing_credssp() -> str | None:
    """Why pywinrm cannot speak CredSSP here (BTS001's SQL connection needs its delegation), or None."""
    try:
        import requests_credssp  # noqa: F401
        import winrm.transport as wt
    except ImportError as exc:
        return f"CredSSP Python libraries missing ({exc.name}): pip install -e '.[credssp]'"
    return None if wt.HAVE_CREDSSP else "pywinrm lacks CredSSP support: pip install -e '.[credssp]'"


@contextmanager
def lab(scenario: str, tmp_path: Path, *overlays: Mapping[str, Any], transport: str = "credssp") -> Iterator[Lab]:
    """Start ``scenario`` with the management database model and ``overlays`` merged on top.

    The run goes over CredSSP (NTLM inside, so no KDC is needed): BTS001's SQL connection is a second hop, which
    the farm, like Windows, refuses to a session that cannot delegate (``transport="ntlm"`` shows it).
    """
    if transport == "credssp" and missing_credssp():
        pytest.skip(str(missing_credssp()))
    # Underneath the scenario, so a scenario's own ports win.
    doc = deep_merge(BIZTALK_FRAGMENT, resolve_document(scenario))
    for overlay in overlays:
        doc = deep_merge(doc, dict(overlay))
    with LabFarm(build_farm(doc, scenario), workdir=tmp_path / "farm", username=USER,
                 auth=("ntlm", "credssp")) as farm:
        path = farm.write_inventory(tmp_path / "inventory.yml", transport=transport)
        if transport == "credssp":
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            raw["connection"]["credssp_auth"] = "ntlm"
            path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        yield Lab(farm, load_inventory(path))


def test_the_sql_connection_is_a_second_hop_refused_over_ntlm_and_made_over_credssp(tmp_path: Path) -> None:
    # The farm checks the session's delegation (SessionIdentity.can_delegate), not the inventory: gathered directly
    # (ssocheck's own pipeline refuses BTS001 over NTLM before sending anything), NTLM gets SQL's anonymous logon.
    with lab("healthy-post", tmp_path / "ntlm", transport="ntlm") as env:
        before = env.ports()
        run = env.run(allow_changes=True, checks=only_bts001())
        assert env.ports() == before
        assert all(not i.can_delegate for n in BIZTALK_NODES for i in env.farm.identities(n))
    for result in run.bts001().values():
        # Not proven either way (the test never reached SSO): error, never pass.
        assert result.status is Status.ERROR, result.message
        assert "ANONYMOUS LOGON" in result.message and "stage connect" in result.message
    with lab("healthy-post", tmp_path / "credssp") as env:
        run = env.run(allow_changes=True, checks=only_bts001())
        assert all(i.mechanism == "credssp" and i.can_delegate for n in BIZTALK_NODES
                   for i in env.farm.identities(n))
    assert all(r.status is Status.PASS for r in run.bts001().values()), run.bts001()


def only_bts001() -> list[LoadedCheck]:
    return select(all_checks(), ["BTS001"])


def ours(ports: Mapping[str, list[str]]) -> list[str]:
    return [p for kind in ("receive", "send") for p in ports[kind] if p.startswith("ZZ_SSOCHK_")]


def require(scenario: str) -> None:
    if scenario not in {name for name, _ in list_scenarios()}:
        pytest.skip(f"scenario {scenario} is not in the repository yet")


# --------------------------------------------------------------------------- healthy


def test_healthy_post_with_allow_changes_passes_and_leaves_the_group_as_it_was(tmp_path: Path) -> None:
    with lab("healthy-post", tmp_path) as env:
        before = env.ports()
        events_before = {n.name: len(n.events) for n in env.farm.state.iter_nodes()}
        run = env.run(allow_changes=True)
        after = env.ports()
        events_after = {n.name: len(n.events) for n in env.farm.state.iter_nodes()}

    results = run.bts001()
    assert set(results) == set(BIZTALK_NODES)
    for node, result in results.items():
        assert result.status is Status.PASS, result.message
        created = result.evidence["ports_created"]
        assert len(created) == 2 and all(p.startswith("ZZ_SSOCHK_") and node in p for p in created)
        assert result.evidence["mgmt_db"] == "SQL01/BizTalkMgmtDb"
        assert result.evidence["powershell"] == "64-bit relaunched as 32-bit"  # BizTalk 2016 (3.12)
    assert after == before and not ours(after)
    assert events_after == events_before  # a successful encryption writes no warning
    # One read-only probe per node, plus one state-changing command per BizTalk node, audited as such.
    assert run.commands == {**dict.fromkeys(BIZTALK_NODES, 2), **dict.fromkeys(CLUSTER_NODES, 1)}
    writing = [a for a in run.audits if a.changes_state]
    assert [a.node for a in writing] == list(BIZTALK_NODES)
    assert all(a.facts == ("port_create_test",) and a.outcome == "ok" for a in writing)
    assert all(a.purpose.startswith("state-changing test") for a in writing)
    assert [a.node for a in run.audits if not a.changes_state] == [*BIZTALK_NODES, *CLUSTER_NODES]
    assert all("port_create_test" not in a.facts for a in run.audits if not a.changes_state)


def test_without_allow_changes_it_is_skipped_and_nothing_is_sent(tmp_path: Path) -> None:
    with lab("healthy-post", tmp_path) as env:
        before = env.ports()
        run = env.run(allow_changes=False)
        after = env.ports()

    for result in run.bts001().values():
        assert result.status is Status.SKIP
        assert "--allow-changes" in result.message
    assert set(run.bts001()) == set(BIZTALK_NODES)
    assert run.commands == dict.fromkeys([*BIZTALK_NODES, *CLUSTER_NODES], 1)
    assert not any(a.changes_state for a in run.audits)
    assert len(run.audits) == 4
    assert after == before


# --------------------------------------------------------------------------- SSO broken


def assert_fails_with(run: Run, hresult: str, rpc: str | None, server: str) -> None:
    results = run.bts001()
    assert set(results) == set(BIZTALK_NODES)
    for result in results.values():
        assert result.status is Status.FAIL, result.message
        assert hresult in result.message and result.evidence["hresult"] == hresult
        assert result.evidence.get("rpc") == rpc
        assert result.evidence["secret_server"] == server
        assert {e["id"] for e in result.evidence["events"]} == {10532, 10536}
        assert "leftovers" not in result.evidence
    assert run.report.exit_code() is ExitCode.FAIL


def test_mss_name_not_updated_fails_because_the_old_server_no_longer_serves_the_secret(tmp_path: Path) -> None:
    require("mss-name-not-updated")
    with lab("mss-name-not-updated", tmp_path) as env:
        before = env.ports()
        run = env.run(allow_changes=True, checks=only_bts001())
        after = env.ports()
    assert_fails_with(run, "0xC0002A0F", "0x800706D9", "BTSNODE1")
    assert after == before


def test_active_cluster_node_without_the_secret_fails_with_no_secret(tmp_path: Path) -> None:
    require("secret-restored-on-one-node-only")
    with lab("secret-restored-on-one-node-only", tmp_path, ROLE_ON_NODE2) as env:
        before = env.ports()
        run = env.run(allow_changes=True, checks=only_bts001())
        after = env.ports()
        node = env.farm.state.node("BTSNODE1")
        assert node is not None
        lost = [e for e in node.events if e.id == 10532]
    assert_fails_with(run, "0xC0002A1F", None, "BIZTALKCLUSTER")
    assert "ENTSSO_E_NO_SECRET" in run.bts001()["BTSNODE1"].message
    assert after == before
    # What ENTSSO wrote at that moment stays in the node's log, as on a real server.
    assert lost and lost[-1].strings[1].startswith("0x80002918")


def test_secret_restored_on_one_node_only_passes_while_the_node_with_the_secret_is_active(tmp_path: Path) -> None:
    require("secret-restored-on-one-node-only")
    with lab("secret-restored-on-one-node-only", tmp_path) as env:
        run = env.run(allow_changes=True, checks=only_bts001())
    assert all(r.status is Status.PASS for r in run.bts001().values())


def test_use_network_name_off_fails_with_no_endpoints(tmp_path: Path) -> None:
    with lab("use-network-name-off", tmp_path) as env:
        before = env.ports()
        run = env.run(allow_changes=True, checks=only_bts001())
        after = env.ports()
    assert_fails_with(run, "0xC0002A0F", "0x800706D9", "BIZTALKCLUSTER")
    assert "UseNetworkName" in run.bts001()["BTSNODE2"].evidence["hint"]
    assert after == before


# --------------------------------------------------------------------------- leftovers and cleanup


def test_leftovers_of_an_interrupted_run_are_removed_first(tmp_path: Path) -> None:
    with lab("porttest-leftovers", tmp_path) as env:
        before = env.ports()
        run = env.run(allow_changes=True, checks=only_bts001())
        after = env.ports()
    old = ours(before)
    assert len(old) == 2
    first, second = run.bts001()["BTSNODE1"], run.bts001()["BTSNODE2"]
    assert first.status is Status.PASS and second.status is Status.PASS
    assert first.evidence["leftovers_removed"] == old and all(p in first.message for p in old)
    assert "leftovers_found" not in second.evidence  # the first node already cleaned up
    assert after == {kind: [p for p in ports if p not in old] for kind, ports in before.items()}
    assert not ours(after)


def test_cleanup_failure_is_an_error_naming_the_leftovers_and_exit_code_3(tmp_path: Path) -> None:
    with lab("porttest-cleanup-fails", tmp_path) as env:
        run = env.run(allow_changes=True, checks=only_bts001())
        left = ours(env.ports())
        # The database recovers; the next run removes everything the failed one left.
        env.farm.apply_overlay({"biztalk": {"cleanup_fails": False}})
        assert ours(env.ports()) == left, "the farm keeps its management database across overlays"
        rerun = env.run(allow_changes=True, checks=only_bts001())
        after = ours(env.ports())

    results = run.bts001()
    assert len(left) == 4  # two ports per BizTalk node
    for node, result in results.items():
        assert result.status is Status.ERROR, result.message
        mine = [p for p in left if f"_{node}_" in p]
        assert len(mine) == 2 and all(p in result.message for p in mine)
        assert set(mine) <= set(result.evidence["leftovers"])
        assert "Timeout expired" in result.evidence["cleanup_error"]
    # BTSNODE2 found BTSNODE1's leftovers, could not remove them either, and names them too.
    assert set(results["BTSNODE2"].evidence["leftovers"]) == set(left)
    assert run.report.exit_code() is ExitCode.ERROR and int(run.report.exit_code()) == 3
    assert all(r.status is Status.PASS for r in rerun.bts001().values())
    assert sorted(rerun.bts001()["BTSNODE1"].evidence["leftovers_removed"]) == sorted(left)
    assert after == []


def test_bts001_is_registered_by_the_builtin_pack() -> None:
    if "porttest" not in MODULES:
        pytest.skip("checks/__init__.py MODULES does not list 'porttest' yet (the lead adds it)")
    assert [lc.meta.id for lc in select(load_checks(), ["BTS001"])] == ["BTS001"]


def test_the_inventory_management_database_is_used_and_passed_as_data(tmp_path: Path) -> None:
    with lab("healthy-post", tmp_path) as env:
        path = tmp_path / "inventory.yml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["biztalk"] = {"management_database": {"server": "sql01", "name": "BizTalkMgmtDb"}}
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        env.inventory = load_inventory(path)
        good = env.run(allow_changes=True, checks=only_bts001())
        # A quote in the name stays data: the lab answers "cannot open database", nothing runs as code.
        doc["biztalk"]["management_database"]["name"] = "BizTalkMgmtDb'; DROP DATABASE x; --"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        env.inventory = load_inventory(path)
        bad = env.run(allow_changes=True, checks=only_bts001())
        after = env.ports()
    for result in good.bts001().values():
        assert result.status is Status.PASS and result.evidence["mgmt_db_source"] == "inventory"
        assert result.evidence["mgmt_db"] == "sql01/BizTalkMgmtDb"
    for result in bad.bts001().values():
        assert result.status is Status.ERROR and "Cannot open database" in result.message
        assert "DROP DATABASE" in result.evidence["mgmt_db"]
    assert not ours(after)


def test_a_node_without_system_web_extensions_cannot_run_the_port_test(tmp_path: Path) -> None:
    # PowerShell 2.0 on CLR 2 without the .NET 3.5.1 feature cannot load System.Web.Extensions: the port test's
    # JavaScriptSerializer fails as on Windows, BTS001 is an error (never a pass), and no port is created.
    missing = {"nodes": {"BTSNODE2": {"assemblies": {"System.Web.Extensions": False}}}}
    with lab("healthy-post", tmp_path, missing) as env:
        before = env.ports()
        run = env.run(allow_changes=True, checks=only_bts001())
        assert env.ports() == before
    results = run.bts001()
    assert results["BTSNODE1"].status is Status.PASS, results["BTSNODE1"].message
    assert results["BTSNODE2"].status is Status.ERROR
    # BTSNODE2 is the healthy scenarios' Server 2008 R2 node: PowerShell 2.0's wording.
    assert ("Cannot find type [System.Web.Script.Serialization.JavaScriptSerializer]: make sure the assembly "
            "containing this type is loaded.") in results["BTSNODE2"].message
