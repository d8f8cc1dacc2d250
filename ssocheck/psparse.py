"""PowerShell parsed the way PowerShell parses it: tree-sitter-powershell, and what a script calls.

One parser for every PowerShell text the project handles: the lint (:mod:`ssocheck.pslint`, ``ssocheck
lint-scripts``) and the simulated farm (:mod:`ssocheck.lab.powershell`), which refuses a script that does not parse
and answers a fact only when its snippet makes the calls the fact's emulator stands in for.

* :func:`parse_errors` -- where the script does not parse (ERROR / MISSING nodes), in PowerShell's own
  ``At line:L char:C`` terms (:func:`parse_error_record`);
* :func:`calls` -- the commands (aliases expanded, arguments), ``[Type]::Member`` references, ``New-Object``
  types, instance method names and string literals of a script, for matching :func:`declared call
  <matches>` strings such as ``Get-WmiObject Win32_Service`` or ``[System.Net.Dns]::GetHostAddresses``.

tree-sitter and tree-sitter-powershell are runtime dependencies (``install_requires``): a farm that cannot parse
what it receives would answer a broken probe like a good one (review clients.md D1).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

__all__ = [
    "Calls", "calls", "matches", "missing_calls", "parse", "parse_error_record", "parse_errors",
    "tree_sitter_available", "walk",
]  # fmt: skip

_INSTALL_HINT = (
    "ssocheck needs the packages tree-sitter and tree-sitter-powershell to parse PowerShell "
    "(they are install requirements: pip install ssocheck)"
)


@functools.lru_cache(maxsize=1)
def _parser() -> Parser:
    try:
        import tree_sitter
        import tree_sitter_powershell
    except ImportError as exc:
        raise ImportError(f"{_INSTALL_HINT}: {exc}") from exc
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def tree_sitter_available() -> bool:
    """True when tree-sitter and the PowerShell grammar can be imported."""
    try:
        _parser()
    except ImportError:
        return False
    return True


def parse(script: str) -> Tree:
    """The tree-sitter syntax tree of ``script``; ImportError (with an install hint) without tree-sitter."""
    return _parser().parse(script.encode("utf-8"))


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node``, pre-order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


@dataclass(frozen=True)
class ParseError:
    """One broken region: 1-based line and column, what is wrong, the source line."""

    line: int
    column: int
    problem: str
    source: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.problem}: {self.source[:160]}"


def _errors(script: str) -> list[ParseError]:
    if not script.strip():
        return []  # PowerShell runs an empty script (the grammar has no empty program)
    out = _tree_errors(script)
    # The grammar also has no program of comments only; a statement after them tells that case from a real error.
    return out if not out or _tree_errors(script + "\n$null") else []


def _tree_errors(script: str) -> list[ParseError]:
    lines = script.split("\n")
    out: list[ParseError] = []
    stack = [parse(script).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            row, col = node.start_point
            source = lines[row].rstrip("\r") if row < len(lines) else ""
            if node.is_missing:
                problem = f"missing '{node.type}'"
            else:
                near = (node.text or b"").decode("utf-8", "replace").strip().splitlines()
                problem = f"syntax error near '{near[0][:60] if near else ''}'"
            out.append(ParseError(row + 1, col + 1, problem, source))
            continue  # one report per broken region, not one per nested node
        if node.has_error:
            stack.extend(reversed(node.children))
    return sorted(out, key=lambda e: (e.line, e.column))


def parse_errors(script: str) -> list[str]:
    """Syntax errors tree-sitter-powershell finds: ``line L, column C: <problem>: <source line>``.

    An empty list means the text parses cleanly (no ERROR and no MISSING node).
    """
    return [f"line {e.line}, column {e.column}: {e.problem}: {e.source.strip()[:160]}" for e in _errors(script)]


@functools.lru_cache(maxsize=32)  # every node of a run receives the same few scripts
def parse_error_record(script: str) -> str | None:
    """What PowerShell prints when ``script`` does not parse, else None.

    PowerShell parses the whole script before running any of it, so a parse error means no statement runs and
    nothing reaches stdout. The record is PowerShell's shape (``At line:L char:C``, the line, a ``~`` marker,
    the message, ``CategoryInfo : ParserError``, ``ParentContainsErrorRecordException``); the message names the
    broken region in the parser's terms, not PowerShell's exact error id (the farm is not PowerShell's parser;
    docs/architecture.md "Where the farm is stricter or coarser than Windows").
    """
    errors = _errors(script)
    if not errors:
        return None
    first = errors[0]
    return "\n".join(
        [
            f"At line:{first.line} char:{first.column}",
            f"+ {first.source.strip()[:120]}",
            f"+ {' ' * max(0, first.column - 1 - (len(first.source) - len(first.source.lstrip())))}~",
            f"The script does not parse: {first.problem}.",
            "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
            "    + FullyQualifiedErrorId : ParseException",
        ]
    )


# --------------------------------------------------------------------------------------------------
# What a script calls

# The default aliases of the commands the farm's emulators stand in for (Windows PowerShell 2.0 - 5.1).
_ALIASES = {
    "gwmi": "get-wmiobject", "gp": "get-itemproperty", "gci": "get-childitem", "dir": "get-childitem",
    "ls": "get-childitem", "gsv": "get-service", "gc": "get-content", "type": "get-content", "cat": "get-content",
    "gcm": "get-command", "gi": "get-item", "?": "where-object", "where": "where-object", "%": "foreach-object",
    "foreach": "foreach-object", "select": "select-object", "sort": "sort-object", "gps": "get-process",
    "ps": "get-process", "icm": "invoke-command",
}  # fmt: skip
_EXE = re.compile(r"\.(?:exe|com|bat|cmd)$", re.I)
_STATIC = re.compile(r"\[\s*([A-Za-z_][\w.`]*)\s*\]\s*::\s*([A-Za-z_]\w*)")
_METHOD = re.compile(r"\.\s*([A-Za-z_]\w*)\s*\(")


def _type(name: str) -> str:
    """A .NET type name as PowerShell resolves it: case-insensitive, ``System.`` optional."""
    low = name.strip().lower()
    return low[7:] if low.startswith("system.") else low


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _unquote(text: str) -> str:
    t = text.strip()
    if t[:2] in ("@'", '@"') and t[-2:] in ("'@", '"@'):
        return t[2:-2].strip("\r\n")
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1].replace("''", "'") if t[0] == "'" else t[1:-1]
    return t


@dataclass
class Calls:
    """What a script calls, normalised (lower case, aliases expanded, ``System.`` dropped from type names)."""

    commands: dict[str, set[str]] = field(default_factory=dict)  # name -> argument words and strings
    statics: set[tuple[str, str]] = field(default_factory=set)  # ([type], member)
    methods: set[str] = field(default_factory=set)  # .Member( calls on instances (and statics)
    strings: list[str] = field(default_factory=list)  # every string literal's value, lower case
    assigns_value: bool = False  # the script assigns $value (a fact snippet's only output)


def calls(script: str) -> Calls:
    """The calls ``script`` makes, read from its syntax tree (comments and string contents are not code)."""
    out = Calls()
    tree = parse(script)
    code = bytearray(script.encode("utf-8"))
    for node in walk(tree.root_node):
        kind = node.type
        if kind in ("comment", "string_literal"):
            if kind == "string_literal":
                out.strings.append(_unquote(_text(node)).lower())
            for i in range(node.start_byte, node.end_byte):
                if code[i] not in (10, 13):
                    code[i] = 32
        elif kind == "command":
            name_node = node.child_by_field_name("command_name")
            if name_node is None:
                continue
            base = re.split(r"[\\/]", _unquote(_text(name_node)).strip())[-1].lower()
            explicit = bool(_EXE.search(base))
            key = _EXE.sub("", base)
            if not explicit:
                key = _ALIASES.get(key, key)
            args = out.commands.setdefault(key, set())
            elements = node.child_by_field_name("command_elements")
            if elements is not None:
                for element in elements.named_children:
                    word = _unquote(_text(element)).lower()
                    args.update(w for w in (word.split() if element.type == "stop_parsing" else [word]) if w)
        elif kind == "assignment_expression" and node.children:
            left = node.children[0]  # left_assignment_expression (the "value" field is the right-hand side)
            if _text(left).strip().lower() in ("$value", "${value}", "[string]$value"):
                out.assigns_value = True
    masked = code.decode("utf-8", "replace")
    for m in _STATIC.finditer(masked):
        out.statics.add((_type(m.group(1).replace("`", "")), m.group(2).lower()))
    out.methods.update(m.group(1).lower() for m in _METHOD.finditer(masked))
    return out


def matches(found: Calls, declared: str) -> bool:
    """Whether ``found`` makes the ``declared`` call.

    Declared forms: ``Command arg...`` (the command with each argument among its words; ``*`` for any command;
    ``New-Object T`` compares type names), ``[Type]::Member``, ``.Method`` (an instance or static call) and
    ``'text'`` (a string literal containing text, e.g. a registry path).
    """
    text = declared.strip()
    if text.startswith("'") and text.endswith("'"):
        needle = text[1:-1].lower()
        return any(needle in s for s in found.strings)
    if text.startswith("."):
        return text[1:].lower() in found.methods
    static = _STATIC.fullmatch(text)
    if static:
        return (_type(static.group(1)), static.group(2).lower()) in found.statics
    name, *args = text.split()
    key = name.lower()
    if key == "*":  # any command, e.g. a program run through a variable (`& $secedit /export ...`)
        return any(all(a.lower() in words for a in args) for words in found.commands.values())
    key = _ALIASES.get(key, key)
    if key not in found.commands:
        return False
    words = found.commands[key]
    if key == "new-object":
        return all(_type(a) in {_type(w) for w in words} for a in args)
    return all(a.lower() in words for a in args)


def missing_calls(script: str, declared: Iterable[str]) -> list[str]:
    """The ``declared`` calls ``script`` does not make (empty: it makes all of them)."""
    found = calls(script)
    return [d for d in declared if not matches(found, d)]
