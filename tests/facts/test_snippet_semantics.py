"""What the snippets' .NET calls do, checked on the snippets' own text (the simulated farm never runs them).

Each test pins a bug that reached main because no test executed the PowerShell: the values are run through a
regex engine that shares .NET's semantics for what these patterns use (:func:`ssocheck.psnet.pattern_to_python`),
or the script is checked for what Windows PowerShell needs (a loaded assembly, Constrained Language Mode's
core types).
"""

from __future__ import annotations

import re

import pytest

from ssocheck import pslint, psnet
from ssocheck.facts.cluster import Cluster
from ssocheck.facts.porttest import PortCreateTest
from ssocheck.facts.probe import BOOTSTRAP, PREAMBLE
from ssocheck.facts.secret import SecretKeys
from ssocheck.registry import load_checks


def _function(script: str, name: str) -> str:
    """The text of ``function name ... { ... }`` (braces matched on code, strings and comments blanked)."""
    code = pslint._analyse(script).code
    m = re.search(r"function " + re.escape(name) + r"\b[^{]*\{", code)
    assert m, f"{name} is not defined"
    depth = 0
    for end in range(m.end() - 1, len(code)):
        depth += (code[end] == "{") - (code[end] == "}")
        if depth == 0:
            return script[m.start() : end + 1]
    raise AssertionError(f"{name} is not closed")


def _literals(text: str) -> list[str]:
    return [m.group(1).replace("''", "'") for m in re.finditer(r"'((?:[^']|'')*)'", text)]


def _net(pattern: str) -> re.Pattern[str]:
    text, flags = psnet.pattern_to_python(pattern)
    return re.compile(text, flags)


# ---- cluster WMI fallback: the Name key of a WMI object path -----------------------------------------------------

@pytest.mark.parametrize(("path", "name"), [
    (r'\\NODE1\root\MSCluster:MSCluster_Node.Name="NODE1"', "NODE1"),
    ('MSCluster_Resource.Name="Cluster Disk 1"', "Cluster Disk 1"),
    (r'MSCluster_ResourceGroup.Name="SSO \"prod\" group"', 'SSO "prod" group'),
    (r'MSCluster_Resource.Name="C:\\share\\sso"', r"C:\share\sso"),
])
def test_wmi_name_of_an_object_path(path: str, name: str) -> None:
    body = _function(Cluster.script, "Get-SsoWmiName")
    pattern, unescape, replacement = _literals(body)[0], _literals(body)[1], _literals(body)[2]
    m = _net(pattern).search(path)
    assert m, f"{pattern!r} finds no Name key in {path!r}"
    # .NET's '$1' is Python's '\1' in a replacement.
    assert _net(unescape).sub(replacement.replace("$1", r"\1"), m.group(1)) == name


# ---- the JSON writer ---------------------------------------------------------------------------------------------

_PLAIN = set(range(0x20, 0x7F)) - {ord('"'), ord("\\")}


@pytest.mark.parametrize("text", ["", "plain", "line\n", "\n", "x\r\n", 'q"', "b\\", "tab\t", "caf\u00e9", "a\nb"])
def test_fast_path_takes_only_text_that_needs_no_escaping(text: str) -> None:
    body = _function(PREAMBLE, "ConvertTo-SsoJsonString")
    fast = re.search(r"\$s -cmatch '([^']*)'", body)
    assert fast, "the fast path moved: keep this test on it"
    taken = _net(fast.group(1)).search(text) is not None  # -cmatch: case-sensitive, unanchored search
    assert taken == all(ord(c) in _PLAIN for c in text), f"fast path {'took' if taken else 'refused'} {text!r}"


def test_writer_sends_no_nan() -> None:
    # Double.ToString('R') writes NaN/Infinity as words, which no JSON parser accepts: one such value (a cluster
    # private property, a WMI real) would have made the node's whole answer unreadable.
    body = _function(PREAMBLE, "ConvertTo-SsoJson")
    assert "[double]::IsNaN($d) -or [double]::IsInfinity($d)) { return 'null' }" in body
    from ssocheck.selftest import EXPECTED, DoctorSelfTest

    assert EXPECTED["nan"] is None and "nan = [double]::NaN" in DoctorSelfTest.script


def test_writers_read_dictionary_keys_through_psbase() -> None:
    # sso_secret_keys answers {"present": .., "keys": [...], "view": ..}: with `$o.Keys` PowerShell returns that
    # entry, not the hashtable's keys, and the fact came back as garbage on every SSO cluster node.
    assert re.search(r"(?m)^\s*\$value = @\{[^\n]*\bkeys = ", SecretKeys.script)
    for name, text in (("ConvertTo-SsoJson", PREAMBLE), ("ConvertTo-PtJson", PortCreateTest.script)):
        body = _function(text, name)
        assert "$o.PSBase.Keys" in body and "$o.Keys" not in body, name


def test_registry_values_come_back_whole() -> None:
    # 'return $prop.Value' enumerated a REG_BINARY byte[] into bytes: FailureActions reached the writer as object[],
    # was sent as [24,0,...] and entsso_failure_policy failed to parse on every node with SCM recovery actions.
    body = _function(PREAMBLE, "Get-SsoRegValue")
    assert re.search(r"(?m)^\s*return ,\$prop\.Value$", body) and not re.search(r"(?m)^\s*return \$prop", body)
    from ssocheck.selftest import EXPECTED, DoctorSelfTest

    assert EXPECTED["bytes"] == "AP8=" and "return ,([byte[]](0, 255))" in DoctorSelfTest.script


# ---- BTS001's 32-bit relaunch: the parent decodes the child's JSON ----------------------------------------------

def test_port_test_parent_loads_the_serializer_it_uses() -> None:
    assert not [f for f in pslint.lint(PortCreateTest.script, allow_writes=True) if f.rule == "assembly-load"]
    # Without the parent's own load (as shipped before) the rule sees the type used outside the worker's block.
    shipped = re.sub(r"(?m)^\s*if \(\$null -eq \[System\.Reflection\.Assembly\]::LoadWithPartialName\("
                     r"'System\.Web\.Extensions'\)\) \{\n.*?\n\s*\}\n", "", PortCreateTest.script, flags=re.S)
    assert shipped != PortCreateTest.script
    assert [f for f in pslint.lint(shipped, allow_writes=True) if f.rule == "assembly-load"]


# ---- list parameters: Get-SsoParam returns a list as one array object ------------------------------------------

def test_list_parameters_are_enumerated_once() -> None:
    from ssocheck.facts.rpc import RpcCallbackPaths

    assert not [f for f in pslint.lint(RpcCallbackPaths.script) if f.rule == "array-wrap"]
    # As shipped: @(Get-SsoParam 'rpc_callback_sources') looped once over 'NODE1 NODE2' (PowerShell#4257), so no
    # cluster node of a two-node cluster found itself among the sources and NET00x was an error on every one.
    shipped = RpcCallbackPaths.script.replace("@($sources)", "@(Get-SsoParam 'rpc_callback_sources')")
    assert [f for f in pslint.lint(shipped) if f.rule == "array-wrap"]


# ---- Constrained Language Mode: what runs before the probe's own language-mode check ---------------------------

# PowerShell's CoreTypes (src/System.Management.Automation/engine/parser/TypeResolver.cs): the only types whose
# methods and static members Constrained Language Mode allows (about_Language_Modes, "Allowed Types").
CLM_CORE_TYPES = {"string", "char", "int", "long", "bool", "byte", "datetime", "double", "hashtable", "regex",
                  "array", "version", "guid", "timespan", "uri", "xml", "cultureinfo", "void"}


def _before_language_check() -> str:
    head, sep, _ = PREAMBLE.partition("if ($SsoLanguageMode -ne 'FullLanguage')")
    assert sep, "the preamble's language-mode check moved"
    return BOOTSTRAP + "\n" + head


def test_code_before_the_language_mode_check_uses_only_clm_core_types() -> None:
    code = pslint._analyse(_before_language_check()).code
    used = {t.lower().removeprefix("system.") for t in re.findall(r"\[([\w.]+)\]", code)}
    assert used <= CLM_CORE_TYPES, f"types Constrained Language Mode refuses: {sorted(used - CLM_CORE_TYPES)}"
    assert "::Create" not in code and "New-Object" not in code


def test_every_regex_literal_of_every_snippet_compiles() -> None:
    scripts = {"preamble": PREAMBLE, "port_create_test": PortCreateTest.script}
    for loaded in load_checks():
        for fact in loaded.check.facts:
            scripts[fact.name] = fact.script
    seen = 0
    for name, script in scripts.items():
        src = pslint._analyse(script)
        for _, pattern in psnet.regex_literals(src.script, src.code):
            seen += 1
            assert psnet.compile_error(pattern) is None, f"{name}: {pattern!r}"
    assert seen >= 12  # the extraction still finds the probe's patterns
