"""``ssocheck doctor --self-test`` and ``ssocheck probe --print`` against the simulated farm (real WinRM, no mocks)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import build_farm, deep_merge, resolve_document
from ssocheck.selftest import EXPECTED, DoctorSelfTest, compare, needs
from tests.support.lab import run_cli

pytestmark = pytest.mark.e2e


def test_round_trip_comparison_names_each_broken_value() -> None:
    assert compare(dict(EXPECTED)) == []
    broken = {**EXPECTED, "controls": "", "long_min": -9223372036854775807, "true": 1}
    problems = compare(broken)
    assert [p.split(":")[0] for p in problems] == ["controls", "long_min", "true"]
    assert compare(None) == ["no table in the answer (got NoneType)"]


def test_prerequisites_follow_rights_modules_and_transport() -> None:
    ok = {"failoverclusters_module": False, "mscluster_wmi": True, "get_winevent": True, "ssomanage": True,
          "domain_member": True}
    assert all(n.holds is not False for n in needs(ok, True, "ntlm", ("sso-cluster",)))
    missing = {n.fact for n in needs({**ok, "mscluster_wmi": False}, False, "ntlm", ("sso-cluster",))
               if n.holds is False}
    assert {"cluster", "user_rights", "sso_secret_keys"} <= missing
    bts = [n for n in needs(ok, True, "ntlm", ("biztalk",)) if n.fact.startswith("port_create_test")]
    assert bts[0].holds is None  # not needed by a read-only run
    bts = [n for n in needs(ok, True, "ntlm", ("biztalk",), allow_changes=True) if n.fact.startswith("port_create")]
    assert bts[0].holds is False and "Enable-WSManCredSSP -Role Server" in bts[0].fix


def test_prerequisites_name_the_unconfirmed_powershell_behaviours() -> None:
    ok = {"get_winevent": True, "winevent_no_match_empty": True, "system_web_extensions": True,
          "domain_member": True, "ssomanage": True}
    assert all(n.holds is not False for n in needs(ok, True, "credssp", ("biztalk",), allow_changes=True))
    events = [n for n in needs({**ok, "winevent_no_match_empty": False}, True, "ntlm", ("biztalk",))
              if n.holds is False]
    assert [n.fact for n in events] == ["sso_events, system_failure_events"]
    web = {n.holds for n in needs({**ok, "system_web_extensions": False}, True, "credssp", ("biztalk",))
           if "System.Web.Extensions" in n.needs}
    assert web == {None}  # a read-only run does not need it
    web = {n.holds for n in needs({**ok, "system_web_extensions": False}, True, "credssp", ("biztalk",),
                                  allow_changes=True) if "System.Web.Extensions" in n.needs}
    assert web == {False}


def test_self_test_snippet_passes_the_powershell_gate() -> None:
    from ssocheck import pslint
    from ssocheck.facts.probe import build_probe

    probe = build_probe([DoctorSelfTest], {"sso_service_account": "CORP\\svc_sso"})
    assert pslint.lint(DoctorSelfTest.script) == [] and pslint.lint(probe) == []
    if pslint.tree_sitter_available():
        assert pslint.parse_errors(probe) == []


def test_self_test_snippet_builds_the_expected_table() -> None:
    # Every key the client compares is built by the snippet (and nothing reads inventory text as code).
    for key in EXPECTED:
        assert re.search(rf"\b{key} = ", DoctorSelfTest.script), key


def test_doctor_self_test_end_to_end(tmp_path: Path) -> None:
    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["doctor", "-i", inventory, "--self-test"])
    assert code == 0, out + err
    lines = out.split("Probe self-test (will a real run work?):", 1)[1].strip().splitlines()
    summary = [ln for ln in lines if not ln.startswith("    ")]
    assert len(summary) == 4 and all(": yes - a real run will work" in ln for ln in summary), out
    assert any("PowerShell 2.0" in ln and "CLR 2.0" in ln for ln in summary)  # BTSNODE2 is Server 2008 R2


def test_doctor_self_test_says_why_a_run_will_not_work(tmp_path: Path) -> None:
    doc = deep_merge(resolve_document("healthy-post"), {"nodes": {"NODE1": {"elevated": False}}})
    with LabFarm(build_farm(doc, "not-elevated"), workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["doctor", "-i", inventory, "--self-test"])
    assert code == 3, out + err
    node1 = next(ln for ln in out.splitlines() if ln.startswith("NODE1: "))
    assert node1.startswith("NODE1: NO - ") and "local administrator rights" in node1 and "NOT elevated" in node1


def test_doctor_names_constrained_language_mode(tmp_path: Path) -> None:
    # The doctor script and the bootstrap use only what Constrained Language Mode allows, so such a node answers
    # and both doctor parts name the cause (before, [Console]::Out.Write failed: "unexpected answer").
    with LabFarm("constrained-language-mode", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["doctor", "-i", inventory, "--self-test"])
    assert code == 3, out + err
    assert "Constrained Language Mode on BTSNODE2" in out
    row = next(ln for ln in out.splitlines() if ln.startswith("BTSNODE2 "))
    assert "ConstrainedLanguage mode" in row
    node = next(ln for ln in out.splitlines() if ln.startswith("BTSNODE2: "))
    assert node.startswith("BTSNODE2: NO - ") and "ConstrainedLanguage" in node


def test_probe_print_shows_exactly_what_a_run_sends(tmp_path: Path) -> None:
    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, printed, err = run_cli(["probe", "--print", "-i", inventory])
        assert code == 0, err
        code, _out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "r", "--format", "json"])
        assert code == 0, err
    audit = json.loads((tmp_path / "r" / "ssocheck-report.json").read_text(encoding="utf-8"))["sections"]["audit"]
    shown = set(re.findall(r"^# sha256 ([0-9a-f]{64})", printed, re.M))
    assert shown == {a["sha256"] for a in audit} and len(shown) == 2  # one probe for biztalk, one for sso-cluster
    assert "STATE-CHANGING" not in printed
    code, bts_only, err = run_cli(["probe", "--print", "-i", inventory, "--role", "biztalk", "--allow-changes"])
    assert code == 0 and bts_only.count("# sha256 ") == 2 and "STATE-CHANGING test (BTS001" in bts_only
    code, _out, err = run_cli(["probe", "--print", "-i", inventory, "--role", "nosuchrole"])
    assert code == 2 and "nosuchrole" in err
