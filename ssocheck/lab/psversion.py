"""What a Windows PowerShell 2.0 node (Server 2008 R2, CLR 2.0) refuses in a script it receives.

PowerShell 2.0 parses a whole script before it runs any of it, so language newer than 2.0 (``[ordered]``,
``-in``, ``.Where()``, ``::new()``, ``$PSItem``...) makes the whole script fail: no output, an error record, exit 1.
A cmdlet PowerShell 2.0 lacks (``ConvertTo-Json``, CIM, the 2012+ modules) and a .NET 4 member CLR 2.0 lacks
(``[string]::IsNullOrWhiteSpace``...) fail only when the statement runs: inside a probe fact block that is that
fact's error (the block's try/catch), elsewhere the whole probe stops (``$ErrorActionPreference = 'Stop'``).

The constructs are the ones :mod:`ssocheck.pslint` knows (rules ``ps3-syntax``, ``ps3-cmdlet``, ``ps2-dotnet``),
with its exemption for a cmdlet the script looks up with ``Get-Command`` first. The texts follow PowerShell 2.0's
("The term ... is not recognized", "Method invocation failed because ..."); which construct is a parse error and
which a run-time error on 2.0 is simplified: every ``ps3-syntax`` construct is treated as a parse error
(docs/architecture.md "Where the farm is stricter or coarser than Windows").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ssocheck import pslint

_NOT_RECOGNIZED = (
    "The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable program. "
    "Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
)


@dataclass(frozen=True)
class Refusal:
    """How a PowerShell 2.0 node treats a script: a parse error, or run-time errors by 1-based line."""

    parse_error: str | None
    runtime: tuple[tuple[int, str], ...]


def is_ps2(ps_version: str) -> bool:
    """Whether a node's ``$PSVersionTable.PSVersion`` is 2.x (or 1.x)."""
    major = ps_version.split(".", 1)[0]
    return major.isdigit() and int(major) < 3


def _runtime_text(finding: pslint.Finding) -> str:
    if finding.rule == "ps3-cmdlet":
        name = finding.message.split(" ", 1)[0]
        return _NOT_RECOGNIZED.format(name=name)
    member = re.match(r"\[?([\w.]+)\]?(?:::|\.)(\w+)", finding.message)
    if member:
        return (
            f"Method invocation failed because [System.{member.group(1).removeprefix('System.')}] doesn't contain a "
            f"method named '{member.group(2)}'."
        )
    return f"Method invocation failed: {finding.message}."


@functools.lru_cache(maxsize=64)
def refusal(script: str) -> Refusal:
    """What a PowerShell 2.0 node refuses in ``script`` (cached: every node of a run gets the same probe)."""
    rules = ("ps3-syntax", "ps3-cmdlet", "ps2-dotnet")
    findings = [f for f in pslint.lint(script, allow_writes=True) if f.rule in rules]
    syntax = [f for f in findings if f.rule == "ps3-syntax"]
    if syntax:
        first = syntax[0]
        record = "\n".join(
            [
                f"At line:{first.line} char:1",
                f"+ {first.text}",
                "+ ~",
                f"Unexpected token in expression or statement (Windows PowerShell 2.0: {first.message}).",
                "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
                "    + FullyQualifiedErrorId : UnexpectedToken",
            ]
        )
        return Refusal(record, ())
    return Refusal(None, tuple((f.line, _runtime_text(f)) for f in findings))
