"""Mutation tests: a broken fact snippet or JSON writer makes the end-to-end result on a healthy farm change.

The farm answers a fact only when the received snippet makes the calls its emulator stands in for, parses every
script, and writes the answer with the escape table of the writer it received. So for every fact:

* a deleted body (the block leaves ``$value`` at ``$null``, as on Windows),
* a garbled body (does not parse: the whole probe gets PowerShell's parse error),
* each declared call renamed (the snippet parses but calls something else),

and the JSON writer without its backslash or quote escape, must turn a green healthy farm non-green. The probe is
built and collected by ssocheck's real pipeline (``collect.gather``, the real parser and checks); the transport is
the farm's command handler called directly (fast), plus one wire test through pywinrm.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ssocheck.check import Context
from ssocheck.collect import gather
from ssocheck.facts import probe
from ssocheck.facts.base import Fact
from ssocheck.inventory import Connection, Inventory, Node, load_inventory
from ssocheck.lab.emulation import CALLS, load_all
from ssocheck.lab.farm import LabFarm
from ssocheck.lab.session import SessionIdentity
from ssocheck.lab.state import FarmState, load_scenario
from ssocheck.model import Phase, Status
from ssocheck.registry import LoadedCheck, load_checks
from ssocheck.runner import evaluate
from ssocheck.secrets import Secret
from ssocheck.transport.winrm import ScriptResult

SCENARIO = "healthy-post"
CHECKS = load_checks()
FACTS: dict[str, type[Fact[Any]]] = {f.name: f for lc in CHECKS for f in lc.check.facts}
load_all()
EMULATED = sorted(n for n in FACTS if CALLS.get(n))


def _all_ps2(state: FarmState) -> FarmState:
    for node in state.iter_nodes():
        node.ps_version = "2.0"
        node.os_caption, node.os_version = "Microsoft Windows Server 2008 R2 Enterprise", "6.1.7601"
    return state


@pytest.fixture(scope="module")
def farm2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Inventory]]:
    """The healthy farm with every node on Windows Server 2008 R2 / PowerShell 2.0."""
    workdir = tmp_path_factory.mktemp("mutations-ps2")
    with LabFarm(_all_ps2(load_scenario(SCENARIO)), workdir=workdir / "farm") as lab:
        inventory = lab.write_inventory(workdir / "inventory.yml")
        yield lab, load_inventory(inventory)


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Inventory]]:
    workdir = tmp_path_factory.mktemp("mutations")
    with LabFarm(SCENARIO, workdir=workdir / "farm") as lab:
        inventory = lab.write_inventory(workdir / "inventory.yml")
        yield lab, load_inventory(inventory)


# BTS001's state-changing port test runs only with allow_changes and a delegating session (CredSSP).
CREDSSP = SessionIdentity(principal="CORP\\ssocheck", mechanism="credssp", can_delegate=True)


def statuses(lab: LabFarm, inv: Inventory, checks: list[LoadedCheck], *, wire: bool = False) -> dict[str, Status]:
    """Collect (the handler called directly, or over WinRM with ``wire``) and evaluate ``checks`` in every phase."""
    writes = any(lc.meta.writes for lc in checks)

    def direct(conn: Connection, node: Node, password: Secret, script: str) -> ScriptResult:
        arguments = " ".join([*probe.POWERSHELL_ARGS, probe.encoded_command(probe.BOOTSTRAP)])
        result = lab.host(node.name, probe.POWERSHELL, arguments, script.encode("ascii"), CREDSSP if writes else None)
        return ScriptResult(result.stdout.decode("cp437"), result.stderr.decode("cp437"), result.exit_code, 0.0)

    snapshot, _ = gather(inv, [lc.check for lc in checks], inv.password(), runner=None if wire else direct,
                         allow_changes=writes)
    out: dict[str, Status] = {}
    for phase in Phase:
        report = evaluate(checks, snapshot, Context(phase, inv.expect, allow_changes=writes))
        out.update({f"{phase.value} {r.check_id} {r.node}": r.status for r in report.results})
    return out


def users_of(name: str) -> list[LoadedCheck]:
    return [lc for lc in CHECKS if any(f.name == name for f in lc.check.facts)]


_BASELINES: dict[tuple[Any, ...], dict[str, Status]] = {}


def baseline(farm: tuple[LabFarm, Inventory], checks: list[LoadedCheck]) -> dict[str, Status]:
    key = (id(farm[0]), *(lc.meta.id for lc in checks))
    if key not in _BASELINES:
        _BASELINES[key] = statuses(*farm, checks)
    return _BASELINES[key]


def assert_turns_red(farm: tuple[LabFarm, Inventory], checks: list[LoadedCheck], what: str) -> None:
    before = baseline(farm, checks)
    after = statuses(*farm, checks)
    worse = [key for key, status in after.items() if before.get(key) is Status.PASS and status is not Status.PASS]
    assert worse, f"{what}: every check that passed on {SCENARIO} still passes"


def test_the_unmutated_probe_is_green(farm: tuple[LabFarm, Inventory]) -> None:
    result = baseline(farm, CHECKS)
    # The scenario's own phase is all green; other phases may skip or warn (a post farm judged as pre).
    assert {s for k, s in result.items() if k.startswith("post ")} == {Status.PASS, Status.SKIP}
    assert sum(s is Status.PASS for s in result.values()) > 50


def test_every_emulator_declares_calls_its_snippet_makes() -> None:
    from ssocheck.psparse import missing_calls

    assert EMULATED, "no emulator declares its calls"
    for name in FACTS:
        declared = CALLS.get(name)
        assert declared, f"the emulator of fact {name} declares no calls (emulates(..., calls=...))"
        assert missing_calls(FACTS[name].script, declared) == [], name


def _rename(script: str, declared: str) -> str:
    """The snippet with the identifying word of ``declared`` changed everywhere (it parses, calls something else)."""
    text = declared.strip()
    if text.startswith("'"):
        word = text.strip("'")
    elif "::" in text:
        word = text.split("::")[1]
    elif text.startswith("."):
        word = text[1:]
    else:
        word = text.split()[-1]
    # Q inside the word, so the changed text no longer contains it (paths are matched as substrings).
    changed = re.sub(re.escape(word), lambda m: m.group(0)[:-1] + "Q" + m.group(0)[-1], script, flags=re.I)
    assert changed != script, f"{declared!r} not found in the snippet"
    return changed


MUTANTS = [pytest.param(name, "deleted", id=f"{name}-deleted") for name in EMULATED]
MUTANTS += [pytest.param(name, "garbled", id=f"{name}-garbled") for name in EMULATED]
MUTANTS += [
    pytest.param(name, declared, id=f"{name}-renamed-{i}") for name in EMULATED for i, declared in
    enumerate(CALLS[name])
]


@pytest.mark.parametrize(("name", "mutation"), MUTANTS)
def test_a_broken_fact_snippet_turns_the_healthy_farm_red(
    farm: tuple[LabFarm, Inventory], monkeypatch: pytest.MonkeyPatch, name: str, mutation: str
) -> None:
    fact = FACTS[name]
    if mutation == "deleted":
        script = "# (body deleted)\n"
    elif mutation == "garbled":
        script = fact.script + "\nthis is { not ( PowerShell ]]]\n"
    else:
        script = _rename(fact.script, mutation)
    baseline(farm, users_of(name))  # measured before the mutation
    monkeypatch.setattr(fact, "script", script)
    assert_turns_red(farm, users_of(name), f"fact {name}, mutation {mutation}")


def test_the_unmutated_probe_runs_on_powershell_2(farm2: tuple[LabFarm, Inventory]) -> None:
    result = baseline(farm2, CHECKS)
    assert {s for k, s in result.items() if k.startswith("post ")} == {Status.PASS, Status.SKIP}


PS3_ONLY = {
    "syntax": "$null = [ordered]@{ a = 1 }",  # PowerShell 3.0 language: the whole probe does not parse on 2.0
    "cmdlet": "$null = ConvertTo-Json 1",  # a PowerShell 3.0 cmdlet: the fact fails where it runs
    "dotnet": "$null = [string]::IsNullOrWhiteSpace('x')",  # .NET 4: CLR 2.0 has no such method
}


@pytest.mark.parametrize("construct", sorted(PS3_ONLY))
@pytest.mark.parametrize("name", EMULATED)
def test_a_powershell_3_construct_turns_a_powershell_2_farm_red(
    farm2: tuple[LabFarm, Inventory], monkeypatch: pytest.MonkeyPatch, name: str, construct: str
) -> None:
    fact = FACTS[name]
    baseline(farm2, users_of(name))
    monkeypatch.setattr(fact, "script", fact.script + "\n" + PS3_ONLY[construct] + "\n")
    assert_turns_red(farm2, users_of(name), f"fact {name} with PowerShell 3+ {construct} on PowerShell 2.0")


@pytest.mark.parametrize(
    ("escape", "line"),
    [
        ("backslash", "elseif ($code -eq 92) { [void]$sb.Append('\\\\') }"),
        ("quote", "if ($code -eq 34) { [void]$sb.Append('\\\"') }"),
    ],
)
def test_json_writer_without_an_escape_turns_the_healthy_farm_red(
    farm: tuple[LabFarm, Inventory], monkeypatch: pytest.MonkeyPatch, escape: str, line: str
) -> None:
    assert line in probe.PREAMBLE, f"the writer's {escape} escape is not written as the test expects"
    replacement = "if ($false) { }" if line.startswith("if") else ""
    baseline(farm, CHECKS)  # measured before the mutation
    monkeypatch.setattr(probe, "PREAMBLE", probe.PREAMBLE.replace(line, replacement))
    assert_turns_red(farm, CHECKS, f"writer without the {escape} escape")


def test_json_writer_missing_is_a_node_error(farm: tuple[LabFarm, Inventory], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe, "PREAMBLE", probe.PREAMBLE.replace("function ConvertTo-SsoJsonString",
                                                                  "function ConvertTo-SsoJsonStrung"))
    lab, inv = farm
    result = statuses(lab, inv, users_of("services"))
    assert Status.ERROR in result.values() and set(result.values()) <= {Status.ERROR, Status.SKIP}


@pytest.mark.e2e
def test_a_deleted_fact_body_turns_a_real_wire_run_red(
    farm: tuple[LabFarm, Inventory], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lab, inv = farm
    checks = users_of("services")
    before = statuses(lab, inv, checks, wire=True)
    assert before == baseline(farm, checks) and Status.PASS in before.values()
    monkeypatch.setattr(FACTS["services"], "script", "# (body deleted)\n")
    after = statuses(lab, inv, checks, wire=True)
    # (an unreadable answer makes the node not collected: its COLLECTION error is new, hence .get)
    assert [k for k, s in after.items() if before.get(k) is Status.PASS and s is not Status.PASS]
