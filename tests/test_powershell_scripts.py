"""The PowerShell quality gate: every text ssocheck can send to a server parses and passes pslint.

What is covered, discovered through the check registry (so facts added later are picked up):

* each fact snippet alone, and embedded in a full probe built from hostile inventory values;
* one probe with every fact at once;
* the preamble/epilogue alone, the bootstrap (``-EncodedCommand``) and the doctor script.

"Parses" means tree-sitter-powershell finds no ERROR/MISSING node; "clean" means
``ssocheck.pslint.lint`` has no finding (PowerShell 2.0 only, read-only, ASCII, parameters only via
``Get-SsoParam``). Facts used only by checks declared ``writes = True`` are linted with
``allow_writes=True``; a fact also used by a read-only check is collected by the normal probe, so it
must be read-only. These tests need tree-sitter and tree-sitter-powershell (install requirements): without it
they fail with an install hint rather than skip, because a skipped gate is no gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from ssocheck import pslint, psparse
from ssocheck.check import Expectations
from ssocheck.facts.base import Fact
from ssocheck.facts.probe import BOOTSTRAP, DOCTOR_SCRIPT, FACT_MARKER, PARAMS_END, PARAMS_START, build_probe
from ssocheck.registry import load_checks

REQUIRED_FACTS = {"msdtc_cids", "services", "cluster"}


@dataclass
class FactUse:
    """One fact name as the registered checks use it."""

    classes: list[type[Fact[Any]]] = field(default_factory=list)
    reading_checks: set[str] = field(default_factory=set)
    writing_checks: set[str] = field(default_factory=set)

    @property
    def fact(self) -> type[Fact[Any]]:
        return self.classes[0]

    @property
    def allow_writes(self) -> bool:
        # Only when no read-only check needs it: otherwise it rides in the normal probe.
        return not self.reading_checks


def collect_facts() -> dict[str, FactUse]:
    uses: dict[str, FactUse] = {}
    for lc in load_checks():
        for fact in lc.check.facts:
            use = uses.setdefault(fact.name, FactUse())
            if fact not in use.classes:
                use.classes.append(fact)
            (use.writing_checks if lc.meta.writes else use.reading_checks).add(lc.meta.id)
    return uses


FACTS = collect_facts()
NAMES = sorted(FACTS)

# Inventory values that try to end the parameter here-string, run code or break the code page.
# Each probe parameter gets one of them, exactly as collect.py builds the probe.
EXPECT = Expectations(
    group="G'@",
    cluster_network_name="BIZTALKCLUSTER\n'@\nInvoke-PwnedHereString\n@'",
    master_secret_server="$(Invoke-PwnedSubexpression)",
    sso_service_account='CORP\\svc_sso" ; Invoke-PwnedQuote ; "',
    sso_db_server="SQL01\u00e9\u4e2d\U0001f600\r\n'@",
    sso_db_name="SSODB'; Invoke-PwnedSingle; '`$x",
)
HOSTILE_PARAMS = EXPECT.probe_params()


def require_tree_sitter() -> None:
    if not pslint.tree_sitter_available():
        pytest.fail("the PowerShell gate needs tree-sitter and tree-sitter-powershell: pip install -e .")


def region_of(script: str, line: int) -> str:
    """Which part of a probe a line belongs to: the parameters, the preamble, a fact block, the epilogue."""
    region = "parameters"
    for number, text in enumerate(script.split("\n"), 1):
        if number > line:
            break
        if number == 4:
            region = "preamble (ssocheck/facts/probe.py)"
        if text.startswith(FACT_MARKER):
            region = f"fact '{text[len(FACT_MARKER) :]}'"
        elif text.startswith("[Console]::Out.Write('<<SSOCHECK-BEGIN>>'") or text.startswith("$SsoResult['clock_utc']"):
            region = "epilogue (ssocheck/facts/probe.py)"
    return region


def error_line(error: str) -> int:
    """The line number at the start of a parse_errors() message."""
    return int(error.split(",", 1)[0].removeprefix("line "))


def assert_parses(script: str, what: str, *, probe: bool = False) -> None:
    require_tree_sitter()
    errors = pslint.parse_errors(script)
    if probe:
        errors = [f"{e}  [in {region_of(script, error_line(e))}]" for e in errors]
    assert not errors, f"{what}: tree-sitter-powershell cannot parse it:\n  " + "\n  ".join(errors)


def assert_clean(script: str, what: str, *, allow_writes: bool = False, probe: bool = False) -> None:
    findings = pslint.lint(script, allow_writes=allow_writes)
    lines = [f"{f}  [in {region_of(script, f.line)}]" if probe else str(f) for f in findings]
    assert not findings, f"{what}: pslint findings:\n  " + "\n  ".join(lines)


def command_names(script: str) -> list[str]:
    names = []
    for node in psparse.walk(psparse.parse(script).root_node):
        if node.type == "command":
            name = node.child_by_field_name("command_name")
            if name is not None:
                names.append((name.text or b"").decode())
    return names


# ---------------------------------------------------------------------------------------- inventory


def test_facts_are_discovered_through_the_registry() -> None:
    assert NAMES, "no check declares any fact"
    assert set(NAMES) >= REQUIRED_FACTS, f"missing {REQUIRED_FACTS - set(NAMES)} in {NAMES}"


@pytest.mark.parametrize("name", NAMES)
def test_one_class_per_fact_name(name: str) -> None:
    classes = FACTS[name].classes
    assert len(classes) == 1, f"fact name '{name}' is claimed by {[c.__qualname__ for c in classes]}"


# ------------------------------------------------------------------------------------ fact snippets


@pytest.mark.parametrize("name", NAMES)
def test_fact_snippet_alone(name: str) -> None:
    use = FACTS[name]
    script = use.fact.script
    assert script.strip(), f"fact '{name}' has an empty script"
    assert re.search(r"\$value\s*=", script, re.I), f"fact '{name}' never assigns $value"
    assert_parses(script, f"fact '{name}' ({use.fact.__module__})")
    assert_clean(script, f"fact '{name}' ({use.fact.__module__})", allow_writes=use.allow_writes)


@pytest.mark.parametrize("name", NAMES)
def test_fact_reads_only_declared_parameters(name: str) -> None:
    """Every ``Get-SsoParam 'x'`` names a literal declared in ``Fact.params`` that the probe provides."""
    require_tree_sitter()
    fact = FACTS[name].fact
    read: list[str] = []
    for node in psparse.walk(psparse.parse(fact.script).root_node):
        command = node.child_by_field_name("command_name") if node.type == "command" else None
        if command is None or (command.text or b"").decode().lower() != "get-ssoparam":
            continue
        elements = node.child_by_field_name("command_elements")
        args = [] if elements is None else [e for e in elements.named_children if e.type != "command_argument_sep"]
        text = (args[0].text or b"").decode() if args else ""
        literal = re.fullmatch(r"'(\w+)'|\"(\w+)\"|(\w+)", text)
        assert literal, f"fact '{name}': Get-SsoParam needs a literal parameter name, got {text!r}"
        read.append(next(g for g in literal.groups() if g))
    undeclared = set(read) - set(fact.params)
    assert not undeclared, f"fact '{name}' reads {sorted(undeclared)} but declares params={fact.params}"
    unknown = set(fact.params) - set(HOSTILE_PARAMS)
    assert not unknown, f"fact '{name}' declares {sorted(unknown)}, which Expectations.probe_params() never sends"


@pytest.mark.parametrize("name", NAMES)
def test_fact_in_probe_with_hostile_parameters(name: str) -> None:
    use = FACTS[name]
    probe = build_probe([use.fact], HOSTILE_PARAMS)
    what = f"probe with fact '{name}'"
    assert_parses(probe, what, probe=True)
    assert_clean(probe, what, allow_writes=use.allow_writes, probe=True)
    lines = probe.split("\n")
    assert lines[0] == PARAMS_START and lines[2] == PARAMS_END
    # The here-string is one string literal: none of the hostile values became a command.
    assert not [n for n in command_names(probe) if "pwned" in n.lower()]
    strings = [n for n in psparse.walk(psparse.parse(probe).root_node) if n.type == "verbatim_here_string_characters"]
    assert strings, "no parameter here-string in the probe"
    assert (strings[0].start_point[0], strings[0].end_point[0]) == (0, 2), "the parameter here-string is not lines 1-3"


# ------------------------------------------------------------------------------------- whole probes


def test_preamble_and_epilogue_alone() -> None:
    probe = build_probe([], HOSTILE_PARAMS)
    assert_parses(probe, "probe without facts", probe=True)
    assert_clean(probe, "probe without facts", probe=True)


def test_probe_with_every_read_only_fact() -> None:
    facts = [FACTS[n].fact for n in NAMES if not FACTS[n].allow_writes]
    assert facts
    probe = build_probe(facts, HOSTILE_PARAMS)
    assert probe.count(FACT_MARKER) == len(facts)
    assert_parses(probe, "probe with every read-only fact", probe=True)
    assert_clean(probe, "probe with every read-only fact", probe=True)


def test_probe_with_every_fact() -> None:
    probe = build_probe([FACTS[n].fact for n in NAMES], HOSTILE_PARAMS)
    assert_parses(probe, "probe with every fact", probe=True)
    assert_clean(probe, "probe with every fact", allow_writes=any(FACTS[n].allow_writes for n in NAMES), probe=True)


@pytest.mark.parametrize(("what", "script"), [("bootstrap", BOOTSTRAP), ("doctor script", DOCTOR_SCRIPT)])
def test_fixed_scripts(what: str, script: str) -> None:
    assert_parses(script, what)
    assert_clean(script, what)
