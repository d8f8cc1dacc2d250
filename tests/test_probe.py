"""Unit tests of ssocheck.facts.probe: parameter encoding, probe assembly, answer parsing, encoding."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from ssocheck.facts.base import Fact
from ssocheck.facts.probe import (
    BEGIN,
    BOOTSTRAP,
    END,
    FACT_MARKER,
    PARAMS_END,
    PARAMS_START,
    ProbeOutputError,
    build_probe,
    decode_params_text,
    encoded_command,
    params_text,
    parse_answer,
)

# Values an inventory could carry by accident or malice: each tries to end the here-string, become
# code, break the JSON or the console code page.
HOSTILE: dict[str, Any] = {
    "here_string_end": "'@",
    "here_string_end_on_its_own_line": "x\n'@\nWrite-Output pwned\n@'",
    "quote": "O'Brien",
    "double_quote": 'say "hi"',
    "subexpression": "$(whoami)",
    "variable": "$env:COMPUTERNAME",
    "backtick": "`n`0",
    "newlines": "line1\nline2\r\nline3\r",
    "unicode_separators": "a\u2028b\u2029c\u0085d",
    "non_ascii": "caf\u00e9 \u2603 \u4e2d\u6587 \U0001f600",
    "smart_quotes": "\u2018x\u2019 \u201cy\u201d",
    "nul": "a\x00b",
    "comment": "<# x #> # y",
    "backslash": "CORP\\svc_sso\\",
    "json_like": '{"a": 1}\'@',
    "list": ["'@", "$(whoami)", "\u00e9"],
    "number": 135,
    "flag": True,
    "nothing": None,
}
# What the parameter encoding refuses (Python-side, before anything is sent): nested maps, floats, odd names.
REFUSED: list[dict[str, Any]] = [{"nested": {"k'@": {"$(x)": ["\n'@"]}}}, {"float": 1.5},
                                 {"key with '@ and $(whoami)": "v"}, {"mixed": ["a", 1]}]


class Alpha(Fact[Any]):
    """Test fact."""

    name = "alpha"
    description = "a"
    script = "$value = 1"


class Beta(Fact[Any]):
    """Test fact."""

    name = "beta"
    description = "b"
    script = "foreach ($i in @(1, 2)) {\n    $value = $i\n}\n"


class AlphaAgain(Fact[Any]):
    """A different class claiming the same snapshot key."""

    name = "alpha"
    description = "a2"
    script = "$value = 2"


class NonAscii(Fact[Any]):
    """A snippet with a non-ASCII character."""

    name = "non_ascii"
    description = "n"
    script = "$value = 'caf\u00e9'"


# ------------------------------------------------------------------------------------------ params_text


def assert_safe_here_string_body(text: str) -> None:
    assert text.isascii()
    assert "'" not in text and '"' not in text and "$" not in text and "`" not in text
    assert "\n" not in text and "\r" not in text
    assert re.fullmatch(r"[A-Za-z0-9_+/=:;,]*", text), text
    assert not any(line.startswith("'@") for line in text.splitlines())


def test_params_text_hostile_values_round_trip() -> None:
    text = params_text(HOSTILE)
    assert_safe_here_string_body(text)
    assert decode_params_text(text) == HOSTILE


@pytest.mark.parametrize("key", sorted(HOSTILE))
def test_params_text_each_hostile_value_alone(key: str) -> None:
    text = params_text({key: HOSTILE[key]})
    assert_safe_here_string_body(text)
    assert decode_params_text(text) == {key: HOSTILE[key]}


def test_params_text_every_bmp_character_and_some_astral() -> None:
    # Every code point from NUL to the end of the BMP (surrogates excluded: not encodable as UTF-8), plus astral
    # ones: one value each, in one document.
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF] + ["\U0001f600", "\U0010ffff"]
    doc = {"all": "".join(chars), "each": chars, "none": None, "flag": True, "off": False, "n": -(2**40), "empty": ""}
    text = params_text(doc)
    assert_safe_here_string_body(text)
    assert decode_params_text(text) == doc


def test_params_text_is_stable_and_strict() -> None:
    assert params_text({"b": 1, "a": "x"}) == params_text({"a": "x", "b": 1}) == "a:s:eA==;b:i:MQ=="
    for refused in REFUSED:
        with pytest.raises(ValueError):
            params_text(refused)


def test_params_need_no_extra_assembly() -> None:
    # Review probe.md D4: a PowerShell 2.0 node without .NET 3.5.1 has no System.Web.Extensions.
    probe = build_probe([Alpha], HOSTILE)
    assert "System.Web.Extensions" not in probe and "JavaScriptSerializer" not in probe
    assert "[Convert]::FromBase64String" in probe


# ------------------------------------------------------------------------------------------ build_probe


def test_probe_here_string_holds_exactly_the_params() -> None:
    probe = build_probe([Alpha], HOSTILE)
    lines = probe.split("\n")
    assert lines[0] == PARAMS_START
    assert lines[1] == params_text(HOSTILE)
    assert lines[2] == PARAMS_END
    # The only line that closes a single-quoted here-string is the one we put there.
    assert [i for i, line in enumerate(lines) if line.startswith("'@")] == [2]
    assert probe.isascii()


def test_probe_blocks_sorted_and_snippets_indented() -> None:
    probe = build_probe([Beta, Alpha], {})
    markers = [line for line in probe.splitlines() if line.startswith(FACT_MARKER)]
    assert markers == [FACT_MARKER + "alpha", FACT_MARKER + "beta"]
    assert "        foreach ($i in @(1, 2)) {\n            $value = $i\n        }" in probe
    assert "$SsoFacts['beta'] = @{ ok = $true; value = $value }" in probe
    assert "$SsoFacts['beta'] = @{ ok = $false; error = [string]$_.Exception.Message }" in probe
    assert probe.rstrip().endswith("+ '<<SSOCHECK-END>>')")


def test_probe_without_facts_still_answers() -> None:
    probe = build_probe([], {})
    assert FACT_MARKER not in probe
    assert BEGIN in probe and END in probe


def test_probe_rejects_duplicate_fact_names() -> None:
    with pytest.raises(ValueError, match="duplicate fact names"):
        build_probe([Alpha, AlphaAgain], {})
    with pytest.raises(ValueError, match="duplicate fact names"):
        build_probe([Alpha, Alpha], {})


def test_probe_rejects_non_ascii_snippet() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        build_probe([Alpha, NonAscii], {})


def test_probe_accepts_non_ascii_params_escaped() -> None:
    probe = build_probe([Alpha], {"name": "caf\u00e9"})
    assert "name:s:Y2Fmw6k=" in probe and probe.isascii()  # base64 of the UTF-8 bytes


# ----------------------------------------------------------------------------------------- parse_answer


def answer(doc: Any) -> str:
    return BEGIN + json.dumps(doc) + END


GOOD_DOC = {
    "probe": "ssocheck/1",
    "computer": "BTSNODE1",
    "ps_version": "2.0",
    "clock_utc": "2026-11-20T22:00:00Z",
    "facts": {
        "alpha": {"ok": True, "value": [1, {"a": None}]},
        "beta": {"ok": False, "error": "Get-Cluster : The cluster service is not running"},
    },
}


def test_parse_answer_with_noise_around_markers() -> None:
    stdout = "WARNING: profile noise\r\n#< CLIXML\r\n" + answer(GOOD_DOC) + "\r\ntrailing output\r\n"
    got = parse_answer(stdout, ["alpha", "beta"])
    assert (got.computer, got.ps_version, got.clock_utc) == ("BTSNODE1", "2.0", "2026-11-20T22:00:00Z")
    assert got.facts == {"alpha": [1, {"a": None}]}
    assert got.fact_errors == {"beta": "Get-Cluster : The cluster service is not running"}


def test_parse_answer_missing_requested_fact_is_an_error() -> None:
    got = parse_answer(answer(GOOD_DOC), ["alpha", "beta", "gamma"])
    assert "gamma" not in got.facts
    assert "does not contain" in got.fact_errors["gamma"]


def test_parse_answer_fact_failures_are_never_values() -> None:
    doc = dict(GOOD_DOC)
    doc["facts"] = {
        "no_message": {"ok": False},
        "truthy_string": {"ok": "true", "value": 1},
        "truthy_number": {"ok": 1, "value": 1},
        "no_ok": {"value": 1},
        "not_a_dict": [1, 2],
        "fine": {"ok": True, "value": False},
    }
    got = parse_answer(answer(doc))
    assert got.facts == {"fine": False}
    assert got.fact_errors["no_message"] == "unknown error"
    assert set(got.fact_errors) == {"no_message", "truthy_string", "truthy_number", "no_ok", "not_a_dict"}
    assert "malformed" in got.fact_errors["no_ok"] and "malformed" in got.fact_errors["not_a_dict"]


def test_parse_answer_malformed_json() -> None:
    with pytest.raises(ProbeOutputError, match="not valid JSON"):
        parse_answer(BEGIN + '{"facts": {"a": ' + END)


def test_parse_answer_without_markers_quotes_the_output() -> None:
    stdout = "  Get-Cluster : The term 'Get-Cluster' is not recognized  " + "x" * 500
    with pytest.raises(ProbeOutputError) as info:
        parse_answer(stdout)
    message = str(info.value)
    assert "no probe answer" in message
    assert "Get-Cluster : The term 'Get-Cluster' is not recognized" in message
    assert len(message) < 300  # a snippet, not the whole output
    with pytest.raises(ProbeOutputError, match=r"\(empty\)"):
        parse_answer("   \r\n")
    with pytest.raises(ProbeOutputError, match="no probe answer"):
        parse_answer(BEGIN + "{}")  # cut off before the end marker


@pytest.mark.parametrize("doc", [{"facts": []}, {"facts": "x"}, {"facts": 1}, [1], "x", None])
def test_parse_answer_facts_must_be_an_object(doc: Any) -> None:
    with pytest.raises(ProbeOutputError, match="'facts' object"):
        parse_answer(answer(doc))


def test_parse_answer_tolerates_odd_header_values() -> None:
    got = parse_answer(answer({"facts": {}, "clock_utc": 12, "computer": None}))
    assert (got.computer, got.ps_version, got.clock_utc) == ("", "", None)
    assert got.facts == {} and got.fact_errors == {}


# ------------------------------------------------------------------------------------- encoded_command


def test_encoded_command_is_base64_utf16le() -> None:
    assert encoded_command("a") == "YQA="
    for script in (BOOTSTRAP, "$x = 'caf\u00e9'\n$y = 1"):
        encoded = encoded_command(script)
        assert encoded.isascii()
        assert base64.b64decode(encoded).decode("utf-16-le") == script


def test_constrained_language_answer_is_a_named_cause() -> None:
    from ssocheck.facts.probe import ProbeRefused

    text = BEGIN + '{"probe":"ssocheck/1","cause":"language_mode","language_mode":"ConstrainedLanguage"}' + END
    with pytest.raises(ProbeRefused, match=r"ConstrainedLanguage mode .*AppLocker or WDAC"):
        parse_answer(text, ["cluster"])


def test_missing_elevation_is_named_on_the_facts_that_need_it() -> None:
    doc = {"probe": "ssocheck/1", "elevated": False, "facts": {
        "user_rights": {"ok": False, "error": "secedit /export failed with exit code 5: Access is denied."},
        "host_names": {"ok": False, "error": "boom"}}}
    answer = parse_answer(BEGIN + json.dumps(doc) + END)
    assert "not a local administrator" in answer.fact_errors["user_rights"]
    assert answer.fact_errors["host_names"] == "boom"  # needs no administrator rights: no guessed cause
    elevated = parse_answer(BEGIN + json.dumps({**doc, "elevated": True}) + END)
    assert "cause" not in elevated.fact_errors["user_rights"]


def test_probe_stops_at_once_in_a_restricted_language_mode() -> None:
    probe = build_probe([Alpha], {})
    gate = probe.index("$SsoLanguageMode -ne 'FullLanguage'")
    # Nothing but the parameters here-string and plain statements before the gate: no .NET call.
    assert "New-Object" not in probe[:gate] and "::" not in probe[:gate].replace("[string]$ExecutionContext", "")
