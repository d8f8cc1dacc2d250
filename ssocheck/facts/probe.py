"""Builds the one PowerShell probe sent to each node, and reads its answer.

Wire contract (the simulated farm implements the server side of it):

* The command line is ``powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass
  -EncodedCommand <BOOTSTRAP>``. The bootstrap only reads standard input and runs it, so the
  probe can be any size: ``-EncodedCommand`` alone breaks around 3 KB of script.
* The probe (sent on stdin, ASCII only) starts with the parameters inside a single-quoted here-string
  (data, never code): one line ``name:kind:base64;...`` where each value is base64 of its UTF-8 text
  (kind ``s`` string, ``n`` null, ``b`` boolean, ``i`` integer, ``l`` list of strings, items joined
  by ``,``). Decoding needs only ``[Convert]::FromBase64String`` and ``Encoding.UTF8`` (.NET 2.0): no
  System.Web.Extensions, which a PowerShell 2.0 node without .NET 3.5.1 lacks (review probe.md D4).
  Then a JSON writer, then one block per fact::

      # ssocheck-fact: <name>
      try { $value = $null; $null = . { <snippet> }; <store ok> } catch { <store error> }

* It prints ``<<SSOCHECK-BEGIN>>{json}<<SSOCHECK-END>>`` on stdout, where json is
  ``{"probe": "ssocheck/1", "computer": ..., "ps_version": ..., "clock_utc": ...,
  "facts": {name: {"ok": true, "value": raw} | {"ok": false, "error": message}}}``.

Everything here must stay valid on Windows PowerShell 2.0 (Windows Server 2008 R2) to 5.1.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ssocheck import strictjson
from ssocheck.facts.base import Fact
from ssocheck.strictjson import MAX_DEPTH, MAX_VALUE_CHARS, clean_text

PROBE_VERSION = "ssocheck/1"
# Facts that read what only administrators may (secedit's export, the SSOSS key, the cluster hive and the cluster
# API, the SSO administration interface): their errors name a missing elevation as the cause.
ADMIN_FACTS = frozenset({"user_rights", "sso_secret_keys", "cluster", "msdtc_security", "sso_db_info"})
BEGIN = "<<SSOCHECK-BEGIN>>"
END = "<<SSOCHECK-END>>"
FACT_MARKER = "# ssocheck-fact: "
PARAMS_START = "$SsoParamsText = @'"
PARAMS_END = "'@"

# Reads the whole of stdin and runs it. `$input | Out-String` works on PowerShell 2.0 (Ansible's
# WinRM plugin uses the same technique). No inventory value is ever placed in this text.
# Only what Constrained Language Mode allows, so that the probe's own language-mode check runs and names the
# cause: CLM permits methods of its core types only, and neither [Environment] nor [scriptblock] is one (PowerShell
# TypeResolver.cs CoreTypes: ScriptBlock is added as an accelerator "unsafe to expose to untrusted input";
# about_Language_Modes "Only allowed types can be used"); [string]::Join, "`n" and Invoke-Expression are allowed.
BOOTSTRAP = (
    "$ErrorActionPreference = 'Stop'; "
    "$ssoProbe = [string]::Join(\"`n\", @($input)); "
    "Invoke-Expression $ssoProbe"
)

POWERSHELL = "powershell.exe"
POWERSHELL_ARGS = ("-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand")

PREAMBLE = r"""
# ssocheck probe (read-only). Compatible with Windows PowerShell 2.0 through 5.1.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Constrained Language Mode (AppLocker / WDAC) forbids the .NET calls every fact makes: say so instead of failing
# each fact with an obscure error. Only language elements CLM allows are used until this check has passed.
$SsoLanguageMode = [string]$ExecutionContext.SessionState.LanguageMode
if ($SsoLanguageMode -ne 'FullLanguage') {
    Write-Output ('<<SSOCHECK-BEGIN>>{"probe":"ssocheck/1","cause":"language_mode","language_mode":"' + $SsoLanguageMode + '"}<<SSOCHECK-END>>')
    return
}
# Every date and number the probe writes is formatted with the invariant culture: in a custom format ':' is
# the culture's time separator and 'yyyy' counts in the culture's calendar (Thai Buddhist: year + 543), so a
# node's regional settings would otherwise change the clock SYS001 reads (review probe.md D2; .NET docs
# "Custom date and time format strings", DateTimeFormatInfo.TimeSeparator). pslint's culture-format rule
# keeps every format call explicit.
$SsoInv = [System.Globalization.CultureInfo]::InvariantCulture

function ConvertTo-SsoJsonString([string]$s) {
    # Fast path: printable ASCII without '"' and '\' needs no escaping, so no char-by-char loop (slow in
    # interpreted PowerShell 2.0 on a 5 KB secedit export or hundreds of event strings; review probe.md D8).
    # Anchored with \z, not $: in .NET '$' also matches before a final \n ("Anchors in regular expressions",
    # learn.microsoft.com), so 'text<LF>' would be written with a raw line feed and the whole answer be invalid JSON.
    if ($s -cmatch '^[\x20\x21\x23-\x5B\x5D-\x7E]*\z') { return '"' + $s + '"' }
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append('"')
    foreach ($ch in $s.ToCharArray()) {
        $code = [int]$ch
        if ($code -eq 34) { [void]$sb.Append('\"') }
        elseif ($code -eq 92) { [void]$sb.Append('\\') }
        elseif ($code -lt 32 -or $code -gt 126) { [void]$sb.Append('\u' + $code.ToString('x4', $SsoInv)) }
        else { [void]$sb.Append($ch) }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}

# Our own JSON writer: ConvertTo-Json does not exist before PowerShell 3.0. Output is pure
# ASCII (\uXXXX escapes) so the console code page (437 over WinRM) cannot corrupt it.
function ConvertTo-SsoJson($o, [int]$depth) {
    if ($depth -gt 16) { return '"<too deep>"' }
    if ($null -eq $o) { return 'null' }
    if ($o -is [bool]) { if ($o) { return 'true' } else { return 'false' } }
    if ($o -is [int] -or $o -is [long] -or $o -is [int16] -or $o -is [byte] -or $o -is [uint16] -or $o -is [uint32] -or $o -is [uint64] -or $o -is [sbyte]) {
        return $o.ToString($SsoInv)
    }
    if ($o -is [double] -or $o -is [single] -or $o -is [decimal]) {
        # JSON has no NaN or Infinity ('R' writes them as words): one such value would make the answer unparsable.
        $d = [double]$o
        if ([double]::IsNaN($d) -or [double]::IsInfinity($d)) { return 'null' }
        return $d.ToString('R', $SsoInv)
    }
    if ($o -is [datetime]) { return (ConvertTo-SsoJsonString ($o.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', $SsoInv))) }
    if ($o -is [string] -or $o -is [char] -or $o -is [guid] -or $o -is [enum]) { return (ConvertTo-SsoJsonString ([string]$o)) }
    if ($o -is [byte[]]) { return (ConvertTo-SsoJsonString ([Convert]::ToBase64String($o))) }
    if ($o -is [System.Collections.IDictionary]) {
        $parts = New-Object System.Collections.ArrayList
        # PSBase.Keys, not .Keys: on a hashtable an entry named 'keys' (sso_secret_keys has one) hides the Keys
        # property, by design since PowerShell 1.0 (PowerShell/PowerShell#3176, #7758; about_Hash_Tables).
        foreach ($k in $o.PSBase.Keys) {
            [void]$parts.Add((ConvertTo-SsoJsonString ([string]$k)) + ':' + (ConvertTo-SsoJson $o[$k] ($depth + 1)))
        }
        return '{' + [string]::Join(',', $parts.ToArray()) + '}'
    }
    if ($o -is [System.Collections.IEnumerable]) {
        $parts = New-Object System.Collections.ArrayList
        foreach ($i in $o) { [void]$parts.Add((ConvertTo-SsoJson $i ($depth + 1))) }
        return '[' + [string]::Join(',', $parts.ToArray()) + ']'
    }
    return (ConvertTo-SsoJsonString ([string]$o))
}

# Inventory values arrive as data: 'name:kind:base64;...' (see the module docstring of ssocheck/facts/probe.py),
# decoded with .NET 2.0 only. A parameter is read with Get-SsoParam 'name', never by pasting text into code.
function Get-SsoParam([string]$name) {
    foreach ($ssoItem in $SsoParamsText.Trim().Split(';')) {
        $ssoParts = $ssoItem.Split(':')
        if ($ssoParts.Length -ne 3 -or $ssoParts[0] -ne $name) { continue }
        $ssoTexts = New-Object System.Collections.ArrayList
        foreach ($ssoB64 in $ssoParts[2].Split(',')) {
            [void]$ssoTexts.Add([System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ssoB64)))
        }
        switch ($ssoParts[1]) {
            'n' { return $null }
            's' { return [string]$ssoTexts[0] }
            'b' { return ([string]$ssoTexts[0] -eq 'true') }
            'i' { return [long]::Parse([string]$ssoTexts[0], $SsoInv) }
            'l' {
                if ($ssoParts[2] -eq '') { return ,([string[]]@()) }
                return ,([string[]]$ssoTexts.ToArray())
            }
        }
        throw ('cannot decode parameter ' + $name + ': unknown kind ' + $ssoParts[1])
    }
    throw ('parameter missing: ' + $name)
}

function Get-SsoRegValue([string]$path, [string]$name) {
    $item = Get-ItemProperty -LiteralPath $path -ErrorAction SilentlyContinue
    if ($null -eq $item) { return $null }
    $prop = $item.PSObject.Properties[$name]
    if ($null -eq $prop) { return $null }
    # The unary comma hands an array back whole (about_Return, "Return values and the Pipeline"): a plain
    # 'return' of the value would enumerate a REG_BINARY byte[] into single bytes (the caller got object[], which
    # the writer sends as a list of numbers instead of base64, so entsso_failure_policy's FailureActions failed to
    # parse) and a one-line REG_MULTI_SZ into a plain string.
    return ,$prop.Value
}

# Elevation: False when the account is not a local administrator or UAC filtered its token (a local account
# without LocalAccountTokenFilterPolicy); facts that need administrator rights then name that cause.
$SsoElevated = $null
try {
    $SsoElevated = (New-Object System.Security.Principal.WindowsPrincipal([System.Security.Principal.WindowsIdentity]::GetCurrent())).IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)
} catch {
    $SsoElevated = $null
}

$SsoFacts = @{}
$SsoResult = @{
    probe = 'ssocheck/1'
    computer = [string]$env:COMPUTERNAME
    ps_version = $PSVersionTable.PSVersion.ToString()
    clr_version = [string][Environment]::Version
    culture = [string][System.Globalization.CultureInfo]::CurrentCulture.Name
    language_mode = $SsoLanguageMode
    elevated = $SsoElevated
    facts = $SsoFacts
}
"""

FACT_BLOCK = """
{marker}{name}
try {{
    $value = $null
    $null = . {{
{body}
    }}
    $SsoFacts['{name}'] = @{{ ok = $true; value = $value }}
}} catch {{
    $SsoFacts['{name}'] = @{{ ok = $false; error = [string]$_.Exception.Message }}
}}
"""

# The clock is read last, just before the answer leaves: the controller compares it with the time
# the answer arrives, so reading it earlier would add the probe's run time to the offset (SYS001).
EPILOGUE = """
$SsoResult['clock_utc'] = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', $SsoInv)
[Console]::Out.Write('<<SSOCHECK-BEGIN>>' + (ConvertTo-SsoJson $SsoResult 0) + '<<SSOCHECK-END>>')
"""

DOCTOR_SCRIPT = (
    # Constrained Language Mode refuses [Console] and WindowsIdentity (not CoreTypes): the mode is read first, the
    # documented way (about_Language_Modes), the identity only in FullLanguage, and the line goes out with
    # Write-Output, so a CLM node answers and doctor names the cause instead of "unexpected answer".
    "$m = [string]$ExecutionContext.SessionState.LanguageMode; $u = ''; "
    "if ($m -eq 'FullLanguage') { $u = [Security.Principal.WindowsIdentity]::GetCurrent().Name }; "
    "Write-Output ('<<SSOCHECK-BEGIN>>{\"ps_version\":\"' + $PSVersionTable.PSVersion.ToString() + "
    "'\",\"computer\":\"' + $env:COMPUTERNAME + "
    # Who the WinRM logon runs as, as the node sees it (DOMAIN\\user); the backslash JSON-escaped.
    "'\",\"user\":\"' + $u.Replace('\\', '\\\\') + "
    "'\",\"language_mode\":\"' + $m + '\"}<<SSOCHECK-END>>')"
)


_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def params_text(params: Mapping[str, Any]) -> str:
    """Encode parameters for the here-string: ``name:kind:base64;...`` on one line, sorted by name.

    Base64 (``A-Za-z0-9+/=``) and the separators ``:;,`` contain no quote and no line break, so no value can
    end the single-quoted here-string or become code; every value decodes with .NET 2.0 alone.
    """
    items = []
    for name in sorted(params):
        if not _PARAM_NAME.match(name):
            raise ValueError(f"probe parameter names must be identifiers: {name!r}")
        value = params[name]
        if value is None:
            items.append(f"{name}:n:")
        elif isinstance(value, bool):
            items.append(f"{name}:b:{_b64('true' if value else 'false')}")
        elif isinstance(value, int):
            items.append(f"{name}:i:{_b64(str(value))}")
        elif isinstance(value, str):
            items.append(f"{name}:s:{_b64(value)}")
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            items.append(f"{name}:l:{','.join(_b64(v) for v in value)}")
        else:
            raise ValueError(f"probe parameter {name!r}: unsupported value type {type(value).__name__}")
    return ";".join(items)


def decode_params_text(text: str) -> dict[str, Any]:
    """The inverse of :func:`params_text` (what ``Get-SsoParam`` returns), for tests and tools."""
    out: dict[str, Any] = {}
    for item in text.strip().split(";"):
        parts = item.split(":")
        if len(parts) != 3:
            continue
        name, kind, body = parts
        texts = [base64.b64decode(b).decode("utf-8") for b in body.split(",")]
        if kind == "n":
            out[name] = None
        elif kind == "s":
            out[name] = texts[0]
        elif kind == "b":
            out[name] = texts[0] == "true"
        elif kind == "i":
            out[name] = int(texts[0])
        elif kind == "l":
            out[name] = texts if body else []
        else:
            raise ValueError(f"unknown parameter kind {kind!r} of {name!r}")
    return out


def _indent(snippet: str) -> str:
    return "\n".join(("        " + line) if line.strip() else "" for line in snippet.strip("\n").splitlines())


def build_probe(facts: Sequence[type[Fact[Any]]], params: Mapping[str, Any]) -> str:
    """The complete probe for one node: parameters, preamble, one guarded block per fact, epilogue."""
    names = [f.name for f in facts]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate fact names in probe: {names}")
    parts = [f"{PARAMS_START}\n{params_text(params)}\n{PARAMS_END}", PREAMBLE]
    for fact in sorted(facts, key=lambda f: f.name):
        parts.append(FACT_BLOCK.format(marker=FACT_MARKER, name=fact.name, body=_indent(fact.script)))
    parts.append(EPILOGUE)
    script = "\n".join(parts)
    if not script.isascii():
        raise ValueError("probe scripts must be ASCII (stdin is read with the console code page)")
    return script


def encoded_command(script: str) -> str:
    """Base64 of UTF-16LE, the form ``powershell -EncodedCommand`` expects."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


@dataclass(frozen=True)
class ProbeAnswer:
    """What a node answered: per-fact raw values and per-fact errors."""

    computer: str
    ps_version: str
    clock_utc: str | None
    facts: dict[str, Any]
    fact_errors: dict[str, str]
    # What the node says about its PowerShell: clr_version, culture, language_mode, elevated (doctor --self-test).
    environment: dict[str, Any] = field(default_factory=dict)


class ProbeOutputError(ValueError):
    """The node's stdout did not contain a well-formed probe answer."""


# Causes, not symptoms (issue 10 item 8): one line naming what is wrong on the node and the fix.
CAUSE_LANGUAGE_MODE = (
    "PowerShell on this node runs in {mode} mode (AppLocker or WDAC policy), which forbids the .NET calls of the "
    "probe: allow the WinRM account's PowerShell full language (exempt it from the policy) and run again"
)
CAUSE_NOT_ELEVATED = (
    "the WinRM account is not a local administrator of this node, or UAC filtered its token: add it to the local "
    "Administrators group (a local account also needs LocalAccountTokenFilterPolicy = 1)"
)


class ProbeRefused(ProbeOutputError):
    """The probe did not run on the node for a known cause (e.g. Constrained Language Mode)."""


_ANSWER = re.compile(re.escape(BEGIN) + r"(.*?)" + re.escape(END), re.S)


def parse_answer(stdout: str, expected_facts: Sequence[str] = ()) -> ProbeAnswer:
    """Extract and validate the JSON answer; facts that were asked for but are absent become errors.

    A node's answer is untrusted: a fact whose value strict JSON cannot carry (NaN/Infinity, an
    unpaired surrogate, nesting deeper than strictjson.MAX_DEPTH, a value over MAX_VALUE_CHARS)
    becomes that fact's error, so the rest of the node, and every other node, are kept.
    """
    match = _ANSWER.search(stdout)
    if not match:
        snippet = clean_text(stdout.strip()[:200]) or "(empty)"
        raise ProbeOutputError(f"no probe answer in the output: {snippet}")
    try:
        doc = strictjson.loads(match.group(1))
    except json.JSONDecodeError as exc:
        raise ProbeOutputError(f"probe answer is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ProbeOutputError(f"probe answer is nested too deeply to read (over {MAX_DEPTH} levels)") from exc
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ProbeOutputError(f"probe answer holds an unreadable value: {clean_text(str(exc), 200)}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("facts", {}), dict):
        raise ProbeOutputError("probe answer is not a JSON object with a 'facts' object")
    if doc.get("cause") == "language_mode":
        raise ProbeRefused(CAUSE_LANGUAGE_MODE.format(mode=str(doc.get("language_mode") or "a restricted language")))
    facts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for raw_name, entry in doc.get("facts", {}).items():
        name = clean_text(raw_name, 200)
        if not isinstance(entry, dict) or "ok" not in entry:
            errors[name] = "malformed fact entry in the probe answer"
        elif entry["ok"] is True:
            value = entry.get("value")
            bad = strictjson.problem(value, "", MAX_VALUE_CHARS)
            if bad is not None:
                where = f" at {clean_text(bad[0], 120)}" if bad[0] != "(top level)" else ""
                errors[name] = f"malformed value{where}: {bad[1]}"
            else:
                facts[name] = value
        else:
            errors[name] = clean_text(_text(entry.get("error")) or "unknown error")
    for name in expected_facts:
        if name not in facts and name not in errors:
            errors[name] = "the node's answer does not contain this fact"
    if doc.get("elevated") is False:
        # Facts that need administrator rights fail without them; name the cause next to the symptom.
        for name in [n for n in errors if n in ADMIN_FACTS]:
            errors[name] = f"{errors[name]} (cause: {CAUSE_NOT_ELEVATED})"
    return ProbeAnswer(
        computer=clean_text(_text(doc.get("computer")), 300),
        ps_version=clean_text(_text(doc.get("ps_version")), 100),
        clock_utc=clean_text(doc["clock_utc"], 100) if isinstance(doc.get("clock_utc"), str) else None,
        facts=facts,
        fact_errors=errors,
        environment={k: doc.get(k) for k in ("clr_version", "culture", "language_mode", "elevated") if k in doc},
    )


def _text(value: Any) -> str:
    """A metadata field as text: strings as they are, anything else (a list, NaN...) as empty."""
    return value if isinstance(value, str) else ""
