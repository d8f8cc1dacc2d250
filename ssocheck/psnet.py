"""Lint rules for .NET semantics that PowerShell 2.0-5.1 scripts get wrong without a parse error.

The simulated farm answers facts from its own state and never runs a snippet, so these mistakes pass every
end-to-end test and only fail on a real node (review probe.md: "the lab ignores snippet content"). Each rule
is one real defect class found in the probe:

``regex``
    A regex literal (``-match``/``-replace``/``-split`` operand, a ``[regex]::Match/Matches/IsMatch/Replace/
    Split`` pattern, or a variable holding one) that .NET cannot compile. A lost backslash in the cluster
    fact's WMI-path pattern (``[^"\\]`` meant ``[^"\\\\]``) threw "Unterminated [] set" on every node
    without the FailoverClusters module. The literal is compiled with Python's ``re`` after translating the
    .NET-only anchors (``\\z``, ``\\Z``) and group syntax; both engines agree on the rest of what the probe uses.
``regex-anchor``
    A whole-string pattern ``^...$``: in .NET ``$`` also matches before a final ``\\n`` ("Anchors in regular
    expressions", learn.microsoft.com), so ``'^[ -~]*$'`` accepts ``"text<LF>"``. The JSON writer's fast path
    did exactly that and would have written a raw line feed (invalid JSON for the whole answer). Use ``\\z``.
``dictionary-member``
    ``.Keys``/``.Values`` read with property syntax anywhere, and ``.Count`` in a script that builds a hashtable
    literal with a ``count`` entry: on a hashtable
    an entry named ``keys`` hides the ``Keys`` property, by design since PowerShell 1.0
    (PowerShell/PowerShell#3176, #7758, about_Hash_Tables). ``sso_secret_keys`` has a ``keys`` entry, so the
    JSON writer's ``foreach ($k in $o.Keys)`` wrote garbage for it. Use ``.PSBase.Keys``.
``array-wrap``
    ``@(Get-SsoParam 'list')``: a list parameter is returned as ONE array object (unary comma), and ``@()``
    wraps a command's single array output in a second array (PowerShell/PowerShell#4257), so the loop ran once
    over ``'NODE1 NODE2'``: rpc_callback never found its own name on a two-node cluster. Assign to a variable,
    then enumerate ``@($var)``.
``assembly-load``
    A type from an assembly PowerShell does not load by itself (System.Web.Extensions' JavaScriptSerializer,
    BizTalk's ExplorerOM) used where no ``LoadWithPartialName``/``Add-Type -AssemblyName`` of that assembly
    precedes it in an enclosing block. The port test's parent process deserialised the 32-bit child's answer
    with a JavaScriptSerializer whose assembly only the child had loaded ("Cannot find type").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

RULES: dict[str, str] = {
    "regex": "regex literal that .NET cannot compile",
    "regex-anchor": "whole-string pattern ending in $, which also matches before a final newline; use \\z",
    "dictionary-member": "dictionary property read with property syntax where an entry can hide it; use .PSBase",
    "assembly-load": "type from an assembly that is not loaded in this block (LoadWithPartialName / Add-Type)",
    "array-wrap": "@(Get-SsoParam ...) wraps a list parameter in a second array; assign it, then use @($var)",
}

# Namespace prefix -> the assembly that holds it; none of them is loaded by powershell.exe at start-up.
ASSEMBLIES: dict[str, str] = {
    "System.Web.Script.Serialization.": "System.Web.Extensions",
    "Microsoft.BizTalk.ExplorerOM.": "Microsoft.BizTalk.ExplorerOM",
    "System.DirectoryServices.AccountManagement.": "System.DirectoryServices.AccountManagement",
}

_OPERATOR = re.compile(r"-[ci]?(?:match|notmatch|replace|split)\b", re.I)
_REGEX_CALL = re.compile(r"\[(?:System\.Text\.RegularExpressions\.)?regex\]::(?:Match|Matches|IsMatch|Replace|Split)"
                         r"\s*\(", re.I)
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_LOAD = re.compile(r"LoadWithPartialName\s*\(\s*'([^']+)'|Add-Type\s+-AssemblyName\s+'?([\w.]+)", re.I)
_MEMBER = re.compile(r"(\$\w+|\))\.(Keys|Values|Count)\b(?!\s*\()", re.I)
_HASH_KEY = re.compile(r"(?:@\{|;|\n)[ \t]*(Keys|Values|Count)[ \t]*=(?!=)", re.I)

Found = tuple[str, int, str]  # rule, offset in the script, message


def pattern_to_python(pattern: str) -> tuple[str, int]:
    """A .NET pattern as Python ``re`` text and flags (for compiling and matching in tests and the lint).

    ``\\z`` -> ``\\Z`` (end of string only), ``\\Z`` -> end or before a final newline, ``(?<name>`` ->
    ``(?P<name>``, inline ``(?imsx)`` anywhere -> flags (Python 3.11 wants them first).
    """
    out: list[str] = []
    flags = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append({"z": r"\Z", "Z": r"(?=\n?\Z)"}.get(nxt, pattern[i : i + 2]))
            i += 2
            continue
        inline = re.match(r"\(\?([imsx]+)\)", pattern[i:])
        if inline:
            for letter in inline.group(1):
                flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[letter]
            i += inline.end()
            continue
        if pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            out.append("(?P<")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out), flags


def compile_error(pattern: str) -> str | None:
    """Why .NET would refuse ``pattern`` (as far as Python's engine shares its syntax), or None."""
    text, flags = pattern_to_python(pattern)
    try:
        re.compile(text, flags)
    except re.error as exc:
        return str(exc)
    return None


def regex_literals(script: str, code: str) -> Iterator[tuple[int, str]]:
    """(offset, pattern) of every single-quoted regex literal in ``script``; ``code`` is the script with comments
    and strings blanked (same offsets), so operators inside strings or comments are not taken for code."""
    for m in _OPERATOR.finditer(code):
        rest = script[m.end():].lstrip(" \t")
        literal = _SINGLE_QUOTED.match(rest)
        if literal:
            yield m.end(), literal.group(1).replace("''", "'")
            continue
        var = re.match(r"\$(\w+)\b", rest)
        if var:
            assign = re.compile(r"\$" + re.escape(var.group(1)) + r"\s*=\s*'((?:[^']|'')*)'", re.I)
            for a in assign.finditer(script):
                if code[a.start()] == "$":
                    yield a.start(), a.group(1).replace("''", "'")
    for m in _REGEX_CALL.finditer(code):
        depth, j = 0, m.end()
        while j < len(code) and not (depth == 0 and code[j] in ",)"):
            depth += code[j] in "([{"
            depth -= code[j] in ")]}"
            j += 1
        if j < len(code) and code[j] == ",":
            literal = _SINGLE_QUOTED.match(script[j + 1:].lstrip())
            if literal:
                yield j + 1, literal.group(1).replace("''", "'")


def _block(code: str, offset: int) -> tuple[int, int]:
    """The innermost ``{ ... }`` around ``offset`` in masked code (the whole script at top level)."""
    depth, start = 0, -1
    for j in range(offset - 1, -1, -1):
        if code[j] == "}":
            depth += 1
        elif code[j] == "{":
            if depth == 0:
                start = j
                break
            depth -= 1
    if start < 0:
        return 0, len(code)
    depth = 0
    for j in range(start, len(code)):
        depth += code[j] == "{"
        depth -= code[j] == "}"
        if depth == 0:
            return start, j
    return start, len(code)


def check(script: str, code: str) -> list[Found]:
    """Findings of the rules above for one script (``code``: the same text with comments and strings blanked)."""
    found: list[Found] = []
    for offset, pattern in regex_literals(script, code):
        problem = compile_error(pattern)
        if problem:
            found.append(("regex", offset, f"regex {pattern!r} does not compile: {problem}"))
        elif re.fullmatch(r"\^.*[^\\]\$", pattern, re.S) and "(?m" not in pattern:
            found.append(("regex-anchor", offset, f"regex {pattern!r}: '$' also matches before a final newline; "
                          "end a whole-string pattern with \\z"))
    hashed = {m.group(1).lower() for m in _HASH_KEY.finditer(code)}
    for m in _MEMBER.finditer(code):
        name = m.group(2).lower()
        if name in hashed or name in ("keys", "values"):
            found.append(("dictionary-member", m.start(2) - 1, f".{m.group(2)}: a hashtable entry named "
                          f"'{name}' hides the property; use .PSBase.{m.group(2)}"))
    for m in re.finditer(r"@\(\s*Get-SsoParam\b", code, re.I):
        found.append(("array-wrap", m.start(), "@(Get-SsoParam ...): a list comes back as one array object and "
                      "@() wraps it again (PowerShell/PowerShell#4257); assign it to a variable, then use @($var)"))
    loads: list[tuple[int, str]] = []
    for m in _LOAD.finditer(script):
        if code[m.start()] != " ":
            loads.append((m.start(), (m.group(1) or m.group(2)).lower()))
    uses = re.compile(r"(?:New-Object\s+(?:-TypeName\s+)?|\[)(" + "|".join(re.escape(p) for p in ASSEMBLIES) + r")",
                      re.I)
    for m in uses.finditer(code):
        assembly = next(a for p, a in ASSEMBLIES.items() if p.lower() == m.group(1).lower())
        covered = False
        for at, name in loads:
            start, end = _block(code, at)
            if name == assembly.lower() and at < m.start() and start <= m.start() <= end:
                covered = True
        if not covered:
            found.append(("assembly-load", m.start(1), f"{m.group(1)}* needs {assembly} loaded in this block "
                          f"([System.Reflection.Assembly]::LoadWithPartialName('{assembly}'))"))
    return found


def lint_with(add_at: Callable[[str, int, str], None], script: str, code: str) -> None:
    """Report every finding of :func:`check` through ``add_at(rule, offset, message)`` (pslint's linter)."""
    for rule, offset, message in check(script, code):
        add_at(rule, offset, message)
