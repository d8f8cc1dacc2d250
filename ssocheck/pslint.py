"""Static quality gate for every PowerShell text ssocheck sends to a server.

Fact snippets, the probe preamble, the bootstrap and the doctor script run on production servers as
far back as Windows Server 2008 R2 (Windows PowerShell 2.0 on CLR 2.0). A construct PowerShell 2.0
cannot parse breaks the *whole* probe on that node, a write breaks the tool's read-only promise, so
both are caught here, before anything ships:

* :func:`parse_errors` -- tree-sitter-powershell finds no ERROR / MISSING node (runtime dependencies
  ``tree-sitter`` and ``tree-sitter-powershell``; see :mod:`ssocheck.psparse`);
* :func:`lint` -- the rules below, as :class:`Finding` objects.

Rules (``RULES`` holds the one-line summaries):

``ps3-cmdlet``
    Cmdlets that do not exist on Windows PowerShell 2.0 / Server 2008 R2 (``ConvertTo-Json``,
    CIM, ``Invoke-WebRequest``, the 2012+ MsDtc/NetSecurity/NetTCPIP/DnsClient/ScheduledTasks
    modules...). A call is accepted when the same script asks ``Get-Command <that name>`` first:
    command names resolve at run time, so a guarded call with a fallback is safe on 2.0.
``ps3-syntax``
    Language and parameters newer than 2.0: ``[ordered]``, ``[pscustomobject]``, ``-in``/``-notin``,
    ``-shl``/``-shr``, ``.Where()``/``.ForEach()``, ``::new()``, ``class``/``enum``/``workflow``/
    ``configuration``, ``using``, ``$PSItem``, ``$using:``, ``&&``/``||``, ``#requires -Version 3+``,
    ``Where-Object Name -eq x`` / ``ForEach-Object Name`` simplified syntax, ``-ErrorAction Ignore``,
    ``-PipelineVariable``/``-InformationAction``, ``Get-ChildItem -File/-Directory/-Depth/...``,
    ``Get-Content -Raw/-Tail``, ``-NoNewline``. These cannot be guarded: some are parse errors on 2.0.
``ps2-dotnet``
    .NET 4+ members PowerShell 2.0 (CLR 2.0) does not have: ``[string]::IsNullOrWhiteSpace``,
    ``.HasFlag()``, ``Enumerate*``, ``[IO.File]::ReadLines``, ``Is64BitOperatingSystem``, ``OpenBaseKey``,
    ``[Guid]::TryParse``, ``[IO.Path]::Combine`` with more than two parts, ``Tuple``...
``write-verb``
    Anything that changes state (skipped with ``allow_writes=True``): state-changing cmdlet verbs
    (Set, New, Remove, Clear, Add, Start, Stop, ..., Export, Invoke; ``New-Object`` and
    ``New-TimeSpan`` are fine), their aliases (``sc`` is Set-Content inside PowerShell!),
    ``Out-File``/``Tee-Object`` to a file, file redirection (``>`` to anything but ``$null``),
    ``Write-EventLog``, writing methods (``.Put()``, ``.Delete()``, ``.InvokeMethod()``,
    ``.Create()``, ``.SaveChanges()``, ``.SetInfo()``, ``.Change()``, registry ``SetValue``...),
    ``[IO.File]::Delete/Write*/Move/...``, streams opened for writing (``FileMode::Create``,
    ``FileAccess::Write``, ``StreamWriter``) and external programs that change state.
``culture-format``
    Formatting or parsing that follows the node's regional settings: ``.ToString(format)`` with a
    format but no ``IFormatProvider``, ``.ToString()`` of a date/time, ``[string]::Format`` without a
    provider first, the ``-f`` operator, ``Get-Date -Format/-UFormat`` and one-argument
    ``[datetime]/[double]/[decimal]::Parse``. In a custom format ``:`` is the culture's time separator
    and ``yyyy`` counts in the culture's calendar (".NET custom date and time format strings";
    ``DateTimeFormatInfo.TimeSeparator``: "The default for InvariantInfo is ':'"), so a Thai or an
    it-IT server writes a clock SYS001 cannot read (review probe.md D2). PowerShell's own casts and
    string expansion already use the invariant culture (PowerShell/PowerShell#6989), ``-f`` does not.
    Pass ``[System.Globalization.CultureInfo]::InvariantCulture`` (the probe's ``$SsoInv``).
``non-ascii``
    Any character outside ASCII: the probe travels on stdin in the console code page (437).
``param-interpolation``
    Probe parameters are read only through ``Get-SsoParam``: ``$SsoParamsText`` (or any
    ``$SsoParams*`` holder) outside the probe's first line and ``Get-SsoParam`` itself, and any
    code-from-text (``Invoke-Expression`` and ``[scriptblock]::Create`` except the
    bootstrap's stdin runner, ``$ExecutionContext.InvokeCommand.InvokeScript``).
``regex``, ``regex-anchor``, ``dictionary-member``, ``assembly-load``
    .NET semantics that break at run time without a parse error (an uncompilable regex literal, ``^...$``
    accepting a trailing newline, ``.Keys`` hidden by a hashtable entry, a type whose assembly is not
    loaded in that block): :mod:`ssocheck.psnet`.

Read-only exceptions (deliberate, documented):

* ``secedit /export ... /cfg <file>`` when the same script deletes exactly that file with
  ``[System.IO.File]::Delete(<file>)`` -- the export only exists to be read back. An export whose
  file is not deleted, and ``[System.IO.File]::Delete`` of anything else, are findings.
* ``ssomanage -displaydb | -showdb | -showserver | -listapps | -displayapp``.
* ``w32tm /query | /tz | /monitor | /stripchart``; ``sc.exe query|queryex|qc|q*|sdshow|getdisplayname|
  getkeyname|enumdepend|showsid``; ``reg query|compare``; ``wevtutil el|gl|gp|ep|qe|gli``;
  ``schtasks /query``; ``auditpol /get|/list``; ``netsh ... show ...`` without a changing word;
  ``net localgroup|group|user|accounts|config|...`` with at most one name and no option but
  ``/domain``; ``setspn``/``ipconfig``/``icacls``/``wmic``/``klist`` without their changing switches.
* ``msdtc``, ``ssoconfig``, ``cluster``, ``cmd``, ``powershell`` and a few others are always
  findings (``cmd``/``powershell`` because they hide what they run).

The rules are heuristics over code, not a PowerShell interpreter: comments and string contents are
blanked before any pattern is applied (variables and ``$(...)`` inside double-quoted strings stay
code), and commands come from the tree-sitter syntax tree (:mod:`ssocheck.psparse`, the same parser
the simulated farm uses). Names built at run time (``& $name`` where ``$name`` is computed) are resolved only
through simple assignments in the same script.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ssocheck import psnet
from ssocheck.psparse import parse, parse_errors, tree_sitter_available, walk

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

__all__ = ["RULES", "Finding", "lint", "parse", "parse_errors", "tree_sitter_available"]

RULES: dict[str, str] = {
    "ps3-cmdlet": "cmdlet that Windows PowerShell 2.0 / Server 2008 R2 does not have",
    "ps3-syntax": "language feature or parameter newer than Windows PowerShell 2.0",
    "ps2-dotnet": ".NET 4+ API; PowerShell 2.0 runs on CLR 2.0 (.NET 3.5)",
    "write-verb": "command or method that changes state on the server",
    "culture-format": "format or parse without an IFormatProvider: the node's culture changes the text",
    "non-ascii": "non-ASCII character (the probe is read in the console code page)",
    "param-interpolation": "probe parameters must be read only through Get-SsoParam; no code from text",
    **psnet.RULES,  # .NET semantics: regex, regex-anchor, dictionary-member, assembly-load (see ssocheck.psnet)
}


@dataclass(frozen=True)
class Finding:
    """One rule violation: the rule id, the 1-based line, that line's text and what is wrong."""

    rule: str
    line: int
    text: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: [{self.rule}] {self.message}  >>  {self.text}"


# --------------------------------------------------------------------------------------------------
# The analysed source: masked code and commands, built from the syntax tree


@dataclass(frozen=True)
class _Arg:
    """One command argument as written: kind is param, word, string, block or expr."""

    kind: str
    text: str
    value: str  # param: lower-case name without '-'/':'; word/string: unquoted value; else the text


@dataclass(frozen=True)
class _Command:
    """One command invocation with its normalised name."""

    written: str  # the name as written (or the resolved program name)
    key: str  # lower-case, no path, no .exe, aliases expanded ('' when unknown)
    explicit: bool  # written with a path or an extension: an external program, never an alias
    args: tuple[_Arg, ...]
    line: int


@dataclass
class _Source:
    script: str
    lines: list[str]
    code: str  # the script with comments and string contents blanked; same length and line breaks
    comments: list[tuple[int, str]]
    commands: list[_Command]
    newlines: list[int]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1

    def text_of(self, line: int) -> str:
        return self.lines[line - 1].strip()[:160] if 0 < line <= len(self.lines) else ""


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(max(start, 0), min(end, len(chars))):
        if chars[i] not in "\r\n":
            chars[i] = " "


def _unquote(text: str) -> str:
    t = text.strip()
    if t[:2] in ("@'", '@"') and t[-2:] in ("'@", '"@'):
        body = t[2:-2]
        return body.split("\n", 1)[1].rsplit("\n", 1)[0] if "\n" in body else body
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1].replace("''", "'") if t[0] == "'" else t[1:-1]
    return t


def _words(text: str) -> list[str]:
    """Split a space-separated word list (keeps long keyword tables readable)."""
    return text.split()


def _param(text: str) -> _Arg:
    name = text.lstrip("-").rstrip(":").lower()
    return _Arg("param", text, name)


# Aliases that Windows PowerShell 5.1 defines by default for the commands the rules care about.
ALIASES: dict[str, str] = {
    "?": "where-object", "where": "where-object", "%": "foreach-object", "foreach": "foreach-object",
    "gci": "get-childitem", "dir": "get-childitem", "ls": "get-childitem",
    "gc": "get-content", "cat": "get-content", "type": "get-content", "gcm": "get-command",
    "ac": "add-content", "clc": "clear-content", "cli": "clear-item", "clp": "clear-itemproperty",
    "clv": "clear-variable", "copy": "copy-item", "cp": "copy-item", "cpi": "copy-item",
    "cpp": "copy-itemproperty", "del": "remove-item", "erase": "remove-item", "rd": "remove-item",
    "ri": "remove-item", "rm": "remove-item", "rmdir": "remove-item", "epal": "export-alias",
    "epcsv": "export-csv", "epsn": "export-pssession", "etsn": "enter-pssession", "icm": "invoke-command",
    "iex": "invoke-expression", "ihy": "invoke-history", "r": "invoke-history", "ii": "invoke-item",
    "iwmi": "invoke-wmimethod", "kill": "stop-process", "md": "new-item", "mkdir": "new-item",
    "mi": "move-item", "move": "move-item", "mv": "move-item", "mp": "move-itemproperty",
    "nal": "new-alias", "ndr": "new-psdrive", "ni": "new-item", "nmo": "new-module",
    "nsn": "new-pssession", "nv": "new-variable", "rdr": "remove-psdrive", "ren": "rename-item",
    "rni": "rename-item", "rnp": "rename-itemproperty", "rp": "remove-itemproperty", "rmo": "remove-module",
    "rsn": "remove-pssession", "rv": "remove-variable", "rwmi": "remove-wmiobject", "sajb": "start-job",
    "sal": "set-alias", "saps": "start-process", "start": "start-process", "sasv": "start-service",
    "sc": "set-content", "set": "set-variable", "sv": "set-variable", "si": "set-item",
    "sl": "set-location", "cd": "set-location", "chdir": "set-location", "sleep": "start-sleep",
    "sp": "set-itemproperty", "spjb": "stop-job", "spps": "stop-process", "spsv": "stop-service",
    "swmi": "set-wmiinstance", "tee": "tee-object", "iwr": "invoke-webrequest", "curl": "invoke-webrequest",
    "wget": "invoke-webrequest", "irm": "invoke-restmethod", "gcim": "get-ciminstance",
    "scim": "set-ciminstance", "ncim": "new-ciminstance", "rcim": "remove-ciminstance",
    "icim": "invoke-cimmethod", "gcai": "get-cimassociatedinstance", "gcls": "get-cimclass",
    "gcms": "get-cimsession", "ncms": "new-cimsession", "rcms": "remove-cimsession",
    "ncso": "new-cimsessionoption", "gv": "get-variable",
}  # fmt: skip

_REDIRECTION = re.compile(r"(?:[1-6*])?>>?")
_EXE_SUFFIX = re.compile(r"\.(?:exe|com|bat|cmd)$", re.I)
_EXE_IN_TEXT = re.compile(r"([A-Za-z0-9_.-]+)\.(?:exe|com)\b", re.I)


def _assignments(src: _Source, var: str) -> list[str]:
    """Right-hand sides of ``$var = ...`` (found in code, read from the raw text up to the statement end)."""
    pattern = re.compile(r"(?im)(?:^|[;{(])[ \t]*\$\{?" + re.escape(var) + r"\}?[ \t]*=(?!=)")
    out = []
    for m in pattern.finditer(src.code):
        rhs = re.match(r"[^;\r\n}]*", src.script[m.end() :])
        out.append(rhs.group(0).strip() if rhs else "")
    return out


def _resolve_program(text: str, kind: str, src: _Source, depth: int = 0) -> list[tuple[str, bool]]:
    """Command names a computed name can stand for (``& $exe``, ``& (Join-Path $d 'x.exe')``).

    Returns (name, explicit) pairs: explicit when the name came with an extension (a program).
    """
    if kind == "var":
        m = re.fullmatch(r"\$\{?(?:script:|global:|local:)?(\w+)\}?", text.strip(), re.I)
        if not m or depth > 3:
            return []
        found: list[tuple[str, bool]] = []
        for rhs in _assignments(src, m.group(1)):
            names = _EXE_IN_TEXT.findall(rhs)
            quoted = re.fullmatch(r"(['\"])([\w.\\:/-]+)\1", rhs)
            other = re.fullmatch(r"(?:\[[\w.]+\])?\s*(\$\{?[\w:]+\}?)", rhs)
            if names:
                found.append((names[-1] + ".exe", True))
            elif quoted:
                found.append((quoted.group(2), bool(_EXE_SUFFIX.search(quoted.group(2)))))
            elif other:
                found.extend(_resolve_program(other.group(1), "var", src, depth + 1))
        return found
    names = _EXE_IN_TEXT.findall(text)
    return [(names[-1] + ".exe", True)] if names else []


def _make_commands(name: str, kind: str, args: list[_Arg], line: int, src: _Source) -> list[_Command]:
    """Normalise a command name (``kind``: word, string, var, expr, block) into one _Command per candidate."""
    if kind == "block":
        return [_Command("{...}", "", False, tuple(args), line)]
    if kind in ("var", "expr"):
        candidates = _resolve_program(name, kind, src)
        if not candidates:
            return [_Command(name.strip(), "", False, tuple(args), line)]
    else:
        written = _unquote(name) if kind == "string" else name.strip()
        candidates = [(written, False)]
    out = []
    for written, explicit in candidates:
        base = re.split(r"[\\/]", written)[-1]
        explicit = explicit or base != written or bool(_EXE_SUFFIX.search(base))
        key = _EXE_SUFFIX.sub("", base.lower())
        if not explicit:
            key = ALIASES.get(key, key)
        out.append(_Command(written, key, explicit, tuple(args), line))
    return out


# ---- tree-sitter analyser


class _ByteMap:
    """Byte offset (tree-sitter) to character offset (Python str) for scripts that are not ASCII."""

    def __init__(self, script: str) -> None:
        self.ascii = script.isascii()
        self.starts: list[int] = []
        if not self.ascii:
            pos = 0
            for ch in script:
                self.starts.append(pos)
                pos += len(ch.encode("utf-8"))

    def __call__(self, byte: int) -> int:
        return byte if self.ascii else bisect.bisect_left(self.starts, byte)


def _node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _tree_arg(node: Node) -> _Arg | None:
    text = _node_text(node)
    kind = node.type
    if kind == "command_parameter":
        return _param(text)
    if kind == "generic_token":
        # The grammar reads `2>$null` as a bare word; it is a redirection, not an argument.
        return None if _REDIRECTION.match(text) else _Arg("word", text, text)
    if kind in ("redirection", "command_argument_sep"):
        return None
    stripped = text.strip()
    if stripped.startswith("{"):
        return _Arg("block", text, text)
    inner = node
    while inner.named_child_count == 1 and inner.type != "string_literal":
        inner = inner.named_children[0]
    if inner.type == "string_literal" and _node_text(inner).strip() == stripped:
        return _Arg("string", text, _unquote(text))
    return _Arg("expr", text, text)


def _from_tree(script: str, tree: Tree) -> tuple[str, list[tuple[int, str]], list[Node]]:
    """Masked code, comments and command nodes from the syntax tree."""
    to_char = _ByteMap(script)
    chars = list(script)
    comments: list[tuple[int, str]] = []
    commands: list[Node] = []
    for node in walk(tree.root_node):
        kind = node.type
        if kind == "comment":
            comments.append((node.start_point[0] + 1, _node_text(node)))
            _blank(chars, to_char(node.start_byte), to_char(node.end_byte))
        elif kind == "string_literal":
            # Pre-order walk: the outer string is blanked before nested code is visited, and the
            # interpolated parts ($x, $(...)) of an expandable string are code again.
            _blank(chars, to_char(node.start_byte), to_char(node.end_byte))
            for part in node.named_children:
                if part.type in ("expandable_string_literal", "expandable_here_string_literal"):
                    for piece in part.named_children:
                        if piece.type in ("variable", "sub_expression"):
                            s, e = to_char(piece.start_byte), to_char(piece.end_byte)
                            chars[s:e] = list(script[s:e])
        elif kind == "command":
            commands.append(node)
    return "".join(chars), comments, commands


def _tree_command(node: Node, src: _Source) -> list[_Command]:
    name_node = node.child_by_field_name("command_name")
    if name_node is None:
        return []
    name, kind = _node_text(name_node), "word"
    if name_node.type == "command_name_expr":
        inner = name_node.named_children[0] if name_node.named_child_count else name_node
        kind = {
            "string_literal": "string",
            "script_block_expression": "block",
            "path_command_name": "var" if name.lstrip().startswith("$") else "word",
        }.get(inner.type, "expr")
    args: list[_Arg] = []
    elements = node.child_by_field_name("command_elements")
    if elements is not None:
        for element in elements.named_children:
            if element.type == "stop_parsing":
                args.extend(_Arg("word", w, w) for w in _node_text(element).split()[1:])
                continue
            arg = _tree_arg(element)
            if arg is not None:
                args.append(arg)
    return _make_commands(name, kind, args, node.start_point[0] + 1, src)


def _analyse(script: str) -> _Source:
    newlines = [m.start() for m in re.finditer("\n", script)]
    src = _Source(script, [line.rstrip("\r") for line in script.split("\n")], "", [], [], newlines)
    src.code, src.comments, nodes = _from_tree(script, parse(script))
    src.commands = [cmd for node in nodes for cmd in _tree_command(node, src)]
    return src


# --------------------------------------------------------------------------------------------------
# Rule data

PS3_CMDLETS: dict[str, str] = {
    "convertto-json": "PowerShell 3.0; the probe has ConvertTo-SsoJson",
    "convertfrom-json": "PowerShell 3.0; parse in Python or use JavaScriptSerializer",
    "invoke-restmethod": "PowerShell 3.0",
    "invoke-webrequest": "PowerShell 3.0",
    "get-filehash": "PowerShell 4.0; use System.Security.Cryptography.SHA256",
    "get-itempropertyvalue": "PowerShell 5.0; use Get-ItemProperty or Get-SsoRegValue",
    "new-temporaryfile": "PowerShell 5.0; use [System.IO.Path]::GetTempFileName()",
    "convertfrom-string": "PowerShell 5.0",
    "get-computerinfo": "PowerShell 5.1; use Get-WmiObject",
    "get-timezone": "PowerShell 5.1; use Get-WmiObject Win32_TimeZone",
    "get-clipboard": "PowerShell 5.0",
    "get-uptime": "PowerShell 6",
    "resolve-dnsname": "DnsClient module, Windows Server 2012+; use [System.Net.Dns]",
    "test-netconnection": "NetTCPIP module, Windows Server 2012 R2+; use System.Net.Sockets.TcpClient",
    "get-disk": "Storage module, Windows Server 2012+",
    "get-volume": "Storage module, Windows Server 2012+",
}
# Module families that first shipped with Windows Server 2012 (PowerShell 3.0) or later.
_PS3_NOUNS = re.compile(
    r"^[a-z]+-(?:cim\w*|dtc\w*|netfirewall\w*|nettcp\w*|netudp\w*|netip\w*|netadapter\w*|netroute\w*"
    r"|netconnectionprofile|netneighbor|dnsclient\w*|scheduledtask\w*|smb\w*|localuser|localgroup\w*)$"
)
_PS3_NOUN_HINTS = {
    "cim": "CIM cmdlets are PowerShell 3.0; use Get-WmiObject",
    "dtc": "MsDtc module is Windows Server 2012+; read HKLM\\SOFTWARE\\Microsoft\\MSDTC",
    "netfirewall": "NetSecurity module is Windows Server 2012+; use the HNetCfg.FwPolicy2 COM object",
    "localuser": "LocalAccounts module is PowerShell 5.1; use [ADSI]'WinNT://...'",
    "localgroup": "LocalAccounts module is PowerShell 5.1; use [ADSI]'WinNT://...'",
}

WRITE_VERBS = frozenset(
    _words(
        "set new remove clear add start stop restart suspend resume install uninstall register unregister enable "
        "disable rename move copy export invoke update reset grant revoke block unblock initialize mount dismount "
        "publish unpublish submit lock unlock repair restore backup checkpoint save send connect disconnect edit "
        "deny approve limit sync optimize deploy build complete debug undo redo protect enter"
    )
)
WRITE_ALLOWED = frozenset({"new-object", "new-timespan"})
WRITE_COMMANDS = {
    "write-eventlog": "writes to an event log",
    "out-file": "writes a file",
    "out-printer": "prints",
}

# Methods that change state whatever object they are called on (WMI, ADSI, registry, services,
# processes, files, SQL, BizTalk ExplorerOM). In-memory collection methods (.Add/.Remove/.Clear)
# are deliberately absent.
_WRITE_METHODS = (
    "Put|PutEx|Delete|DeleteTree|InvokeMethod|Create|SaveChanges|SetInfo|CommitChanges|SetPassword|ChangePassword"
    "|MoveTo|MoveHere|Rename|Kill|StartService|StopService|PauseService|ResumeService|Change|ChangeStartMode"
    "|SetValue|CreateSubKey|DeleteValue|DeleteSubKey|DeleteSubKeyTree|ExecuteNonQuery|Start|Stop|Terminate"
    "|Reboot|Shutdown|Win32Shutdown|SetSecurityDescriptor|SetAccessControl|Encrypt|Decrypt|Install|Uninstall"
    "|CreateText|AppendText|OpenWrite|CreateSubdirectory"
)
_INSTANCE_WRITE = re.compile(r"\.(" + _WRITE_METHODS + r")\s*\(", re.I)
_FILE_TYPES = r"\[(?:System\.)?IO\.(?:File|Directory|FileInfo|DirectoryInfo)\]"
_STATIC_FILE_WRITE = re.compile(
    _FILE_TYPES + r"::(Delete|WriteAll\w*|AppendAll\w*|AppendText|Move|Copy|Replace|Create|CreateText|CreateDirectory"
    r"|SetAttributes|SetLast\w+|SetCreation\w+|SetAccessControl|Encrypt|Decrypt|OpenWrite)\s*\(",
    re.I,
)
_FILE_DELETE = re.compile(r"\[(?:System\.)?IO\.File\]::Delete\s*\(", re.I)
_STATIC_WRITE = re.compile(
    r"\[(?:Microsoft\.Win32\.)?Registry\]::SetValue\s*\(|\[(?:System\.)?Diagnostics\.Process\]::Start\s*\("
    r"|\[(?:System\.)?Environment\]::SetEnvironmentVariable\s*\("
    # Streams opened for writing, whatever the constructor or method that receives the mode.
    r"|FileMode\]::(?:Create|CreateNew|Append|Truncate|OpenOrCreate)\b|FileAccess\]::(?:Write|ReadWrite)\b"
    r"|\bIO\.(?:StreamWriter|BinaryWriter)\b",
    re.I,
)
_ADSI_INVOKE = re.compile(
    r"\.Invoke\s*\(\s*['\"](Add|Remove|SetPassword|ChangePassword|Put|PutEx|SetInfo|Delete)['\"]", re.I
)
_WRITABLE_SUBKEY = re.compile(r"\.OpenSubKey\s*\([^()]*,\s*\$true\s*\)", re.I)
_REDIRECT = re.compile(r"(?<![-\w<])(?:[1-6*])?>>?(?!&[1-6])")

_SYNTAX_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\[ordered\]", re.I),
        "[ordered] is PowerShell 3.0; use a hashtable (key order is irrelevant in JSON)",
    ),
    (
        re.compile(r"\[(?:System\.Management\.Automation\.)?pscustomobject\]", re.I),
        "[pscustomobject] is PowerShell 3.0; use a hashtable",
    ),
    (
        re.compile(r"(?<![\w-])-[ci]?(?:not)?in(?![\w-])", re.I),
        "-in/-notin are PowerShell 3.0; use -contains/-notcontains",
    ),
    (re.compile(r"(?<![\w-])-(?:shl|shr)(?![\w-])", re.I), "-shl/-shr are PowerShell 3.0"),
    (
        re.compile(r"\.(?:Where|ForEach)\s*[({]", re.I),
        ".Where()/.ForEach() are PowerShell 4.0; use the pipeline or foreach",
    ),
    (re.compile(r"::new\s*\(", re.I), "::new() is PowerShell 5.0; use New-Object"),
    (
        re.compile(r"(?im)(?:^|[;{])\s*(?:class|enum)\s+[A-Za-z_][\w.]*\s*(?::\s*[\w.,\s]+)?\{"),
        "class/enum definitions are PowerShell 5.0",
    ),
    (
        re.compile(r"(?im)(?:^|[;{])\s*(?:workflow|configuration)\s+[\w-]+\s*\{"),
        "workflow/configuration are PowerShell 3.0/4.0",
    ),
    (re.compile(r"(?im)(?:^|;)\s*using\s+(?:namespace|module|assembly)\b"), "'using' statements are PowerShell 5.0"),
    (re.compile(r"\$\{?PSItem\b", re.I), "$PSItem is PowerShell 3.0; use $_"),
    (re.compile(r"\$\{?using:", re.I), "$using: is PowerShell 3.0 (and remote fan-out is the controller's job)"),
    (
        re.compile(
            r"\$\{?(?:PSScriptRoot|PSCommandPath|PSDefaultParameterValues|PSEdition|IsWindows|IsLinux|IsMacOS)\b", re.I
        ),
        "automatic variable newer than PowerShell 2.0",
    ),
    (re.compile(r"&&|\|\|"), "pipeline chain operators && / || are PowerShell 7"),
    (
        re.compile(r"ActionPreference\]::(?:Ignore|Suspend)\b", re.I),
        "ActionPreference Ignore/Suspend is PowerShell 3.0; use SilentlyContinue",
    ),
]

_DOTNET_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"::IsNullOrWhiteSpace\s*\(", re.I), "String.IsNullOrWhiteSpace is .NET 4; use IsNullOrEmpty + Trim()"),
    (re.compile(r"\.HasFlag\s*\(", re.I), "Enum.HasFlag is .NET 4; use -band"),
    (
        re.compile(r"[.:]Enumerate(?:Files|Directories|FileSystemEntries|FileSystemInfos)\s*\(", re.I),
        "Enumerate* is .NET 4; use Get* / Get-ChildItem",
    ),
    (re.compile(r"\[(?:System\.)?IO\.File\]::ReadLines\s*\(", re.I), "File.ReadLines is .NET 4; use ReadAllLines"),
    (
        re.compile(r"::Is64Bit(?:OperatingSystem|Process)\b", re.I),
        "Environment.Is64Bit* is .NET 4; use [IntPtr]::Size or $env:PROCESSOR_ARCHITECTURE",
    ),
    (
        re.compile(r"::OpenBaseKey\s*\(|\bRegistryView\]", re.I),
        "RegistryKey.OpenBaseKey/RegistryView are .NET 4; read Wow6432Node paths instead",
    ),
    (
        re.compile(r"\[(?:System\.)?(?:Enum|Guid|TimeSpan|Version)\]::TryParse\s*\(", re.I),
        "TryParse on Enum/Guid/TimeSpan/Version is .NET 4",
    ),
    (
        re.compile(
            r"\[(?:System\.)?(?:Tuple|Lazy)\b|System\.Numerics\b|System\.Threading\.Tasks\b|System\.Net\.Http\b"
            r"|System\.IO\.Compression\.ZipFile\b",
            re.I,
        ),
        "type introduced in .NET 4 or later",
    ),
]

# culture-format patterns (applied to code with strings and comments blanked).
_TOSTRING = re.compile(r"\.ToString\s*\(", re.I)
_DATE_TOSTRING = re.compile(
    r"(?:\]::(?:Now|UtcNow|Today)|\.(?:\w*Time\w*|\w*Date|Now|UtcNow|Today))\.ToString\s*\(", re.I
)
# An argument that is (or names) a format provider: the invariant culture, a CultureInfo, the probe's $SsoInv.
_PROVIDER = re.compile(r"culture|provider|\$SsoInv\b|\$inv\b", re.I)
_STRING_FORMAT = re.compile(r"\[(?:System\.)?String\]::Format\s*\(", re.I)
_FORMAT_OPERATOR = re.compile(r"(?<![\w-])-f(?![\w-])", re.I)
_GET_DATE_FORMAT = re.compile(r"\bGet-Date\b[^\n;|]*\s-U?Format\b", re.I)
_PARSE = re.compile(r"\[(?:System\.)?(?:DateTime|Double|Decimal|Single|Float)\]::Parse\s*\(", re.I)

_COMMON = {
    "verbose": "vb", "debug": "db", "erroraction": "ea", "warningaction": "wa", "errorvariable": "ev",
    "warningvariable": "wv", "outvariable": "ov", "outbuffer": "ob", "whatif": "wi", "confirm": "cf",
    "usetransaction": "usetx",
}  # fmt: skip
_COMMON_TAKES_VALUE = {"erroraction", "warningaction", "errorvariable", "warningvariable", "outvariable", "outbuffer"}
_PS3_COMMON = {"pipelinevariable": "pv", "informationaction": "infa", "informationvariable": "iv"}
# Get-ChildItem parameters added in PowerShell 3.0+ (name, alias); -File is matched exactly because
# its prefixes are ambiguous with -Filter.
_GCI_PS3 = (
    ("directory", "ad"), ("depth", ""), ("attributes", ""), ("hidden", "ah"), ("readonly", "ar"),
    ("system", "as"), ("followsymlink", ""),
)  # fmt: skip


def _matches(name: str, full: str, alias: str = "", min_len: int = 1) -> bool:
    """PowerShell parameter binding: the full name, its alias, or a prefix of at least ``min_len``."""
    return name in (alias, full) or (len(name) >= min_len and full.startswith(name))


def _common(name: str) -> str | None:
    """The PowerShell 2.0 common parameter ``name`` binds to (alias or unambiguous prefix), if any."""
    for full, alias in _COMMON.items():
        if name in (full, alias):
            return full
    candidates = [full for full in _COMMON if full.startswith(name)]
    return candidates[0] if len(candidates) == 1 else None


# --------------------------------------------------------------------------------------------------
# Rules


class _Linter:
    def __init__(self, src: _Source, allow_writes: bool) -> None:
        self.src = src
        self.allow_writes = allow_writes
        self.found: dict[tuple[str, int, str], Finding] = {}

    def add(self, rule: str, line: int, message: str) -> None:
        if rule == "write-verb" and self.allow_writes:
            return
        self.found.setdefault((rule, line, message), Finding(rule, line, self.src.text_of(line), message))

    def add_at(self, rule: str, offset: int, message: str) -> None:
        self.add(rule, self.src.line_of(offset), message)

    def code_matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        return pattern.finditer(self.src.code)

    def call_args(self, open_paren: int) -> str:
        """Raw text between ``(`` at ``open_paren`` and its closing parenthesis (matched on code)."""
        depth, code = 0, self.src.code
        for j in range(open_paren, len(code)):
            if code[j] == "(":
                depth += 1
            elif code[j] == ")":
                depth -= 1
                if depth == 0:
                    return self.src.script[open_paren + 1 : j]
        return self.src.script[open_paren + 1 :]

    def run(self) -> list[Finding]:
        self.non_ascii()
        self.syntax()
        self.dotnet()
        self.culture()
        self.requires()
        guarded = self.guarded_names()
        for cmd in self.src.commands:
            self.command(cmd, guarded)
        self.methods()
        self.params()
        psnet.lint_with(self.add_at, self.src.script, self.src.code)
        return sorted(self.found.values(), key=lambda f: (f.line, f.rule, f.message))

    # ---- non-ascii
    def non_ascii(self) -> None:
        for number, line in enumerate(self.src.lines, 1):
            for col, ch in enumerate(line, 1):
                if ord(ch) > 127:
                    self.add("non-ascii", number, f"non-ASCII character U+{ord(ch):04X} at column {col}")
                    break

    # ---- ps3-syntax on code text
    def syntax(self) -> None:
        for pattern, message in _SYNTAX_PATTERNS:
            for m in self.code_matches(pattern):
                self.add_at("ps3-syntax", m.start(), message)
        for m in self.code_matches(re.compile(r"\$ErrorActionPreference\s*=", re.I)):
            value = re.match(r"\s*['\"]?(\w+)", self.src.script[m.end() :])
            if value and value.group(1).lower() in ("ignore", "suspend"):
                self.add_at("ps3-syntax", m.start(), "$ErrorActionPreference = Ignore/Suspend is PowerShell 3.0")

    def dotnet(self) -> None:
        for pattern, message in _DOTNET_PATTERNS:
            for m in self.code_matches(pattern):
                self.add_at("ps2-dotnet", m.start(), message)
        for m in self.code_matches(re.compile(r"\[(?:System\.)?IO\.Path\]::Combine\s*\(", re.I)):
            args = self.call_args(m.end() - 1)
            masked = self.src.code[m.end() : m.end() + len(args)]
            if _top_level_commas(masked) >= 2:
                self.add_at("ps2-dotnet", m.start(), "Path.Combine with more than two parts is .NET 4; nest the calls")

    # ---- culture-format
    def culture(self) -> None:
        code = self.src.code
        for m in self.code_matches(_TOSTRING):
            args = self.call_args(m.end() - 1)
            masked = code[m.end() : m.end() + len(args)]
            if args.strip() and _top_level_commas(masked) == 0 and not _PROVIDER.search(args):
                self.add_at("culture-format", m.start(), "ToString(format) without an IFormatProvider uses the "
                            "node's culture; add [System.Globalization.CultureInfo]::InvariantCulture")
        for m in self.code_matches(_DATE_TOSTRING):
            if self.call_args(m.end() - 1).strip():
                continue  # ToString(format...): judged above
            self.add_at("culture-format", m.start(), "a date's ToString() follows the node's culture and calendar; "
                        "use ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)")
        for m in self.code_matches(_STRING_FORMAT):
            args = self.call_args(m.end() - 1)
            first = args.split(",", 1)[0].strip()
            if first[:1] in ("'", '"', "@") or not _PROVIDER.search(first):
                self.add_at("culture-format", m.start(), "[string]::Format without a format provider first uses "
                            "the node's culture")
        for m in self.code_matches(_FORMAT_OPERATOR):
            self.add_at("culture-format", m.start(), "the -f operator formats with the node's culture; use "
                        "[string]::Format([System.Globalization.CultureInfo]::InvariantCulture, ...)")
        for m in self.code_matches(_GET_DATE_FORMAT):
            self.add_at("culture-format", m.start(), "Get-Date -Format/-UFormat follows the node's culture")
        for m in self.code_matches(_PARSE):
            args = self.call_args(m.end() - 1)
            masked = code[m.end() : m.end() + len(args)]
            if _top_level_commas(masked) == 0:
                self.add_at("culture-format", m.start(), "Parse without an IFormatProvider reads with the node's "
                            "culture; pass [System.Globalization.CultureInfo]::InvariantCulture")

    def requires(self) -> None:
        for line, text in self.src.comments:
            m = re.match(r"#requires\s+(.*)", text.strip(), re.I)
            if not m:
                continue
            spec = m.group(1).lower()
            version = re.search(r"-version\s+(\d+)", spec)
            if version and int(version.group(1)) >= 3:
                self.add("ps3-syntax", line, f"#requires -Version {version.group(1)}: the probe must run on 2.0")
            if re.search(r"-(?:modules|runasadministrator|psedition|assembly)\b", spec):
                self.add("ps3-syntax", line, "#requires option newer than PowerShell 2.0")

    # ---- commands
    def guarded_names(self) -> set[str]:
        """Names the script checks with Get-Command before calling (safe on 2.0 with a fallback)."""
        names: set[str] = set()
        for cmd in self.src.commands:
            if cmd.key == "get-command":
                names.update(a.value.lower() for a in cmd.args if a.kind in ("word", "string"))
        return names

    def command(self, cmd: _Command, guarded: set[str]) -> None:
        key = cmd.key
        if not key:
            return
        is_cmdlet = bool(re.fullmatch(r"[a-z]+-[a-z][\w]*", key)) and not cmd.explicit
        qualified = re.split(r"[\\/]", cmd.written)[-1].lower()
        if is_cmdlet or ("\\" in cmd.written and re.fullmatch(r"[a-z]+-[a-z]\w*", qualified)):
            self.cmdlet(cmd, key if is_cmdlet else qualified, guarded)
        else:
            self.program(cmd)

    def cmdlet(self, cmd: _Command, key: str, guarded: set[str]) -> None:
        line, args = cmd.line, cmd.args
        shown = cmd.written if cmd.written.lower() == key else f"{cmd.written} ({key})"
        # ps3-cmdlet
        hint = PS3_CMDLETS.get(key)
        noun = _PS3_NOUNS.match(key)
        if (hint or noun) and key not in guarded and cmd.written.lower() not in guarded:
            if hint is None:
                stem = key.split("-", 1)[1]
                hint = next(
                    (h for p, h in _PS3_NOUN_HINTS.items() if stem.startswith(p)), "Windows Server 2012+ module"
                )
            self.add("ps3-cmdlet", line, f"{shown} is not available on PowerShell 2.0 / Server 2008 R2 ({hint})")
        # ps3-syntax: parameters
        params = [a.value for a in args if a.kind == "param"]
        for i, a in enumerate(args):
            if a.kind != "param":
                continue
            nxt = args[i + 1] if i + 1 < len(args) else None
            value = nxt.value.lower() if nxt is not None and nxt.kind in ("word", "string") else ""
            if _common(a.value) in ("erroraction", "warningaction") and value in ("ignore", "suspend"):
                self.add(
                    "ps3-syntax", line, f"-{a.value} {nxt.value if nxt else ''} is PowerShell 3.0; use SilentlyContinue"
                )
            for full, alias in _PS3_COMMON.items():
                if _matches(a.value, full, alias, min_len=5):
                    self.add("ps3-syntax", line, f"common parameter -{full} is PowerShell 4.0+")
        if key in ("where-object", "foreach-object"):
            self.simplified(cmd, key, shown)
        if key == "get-childitem":
            for p in params:
                if p in ("file", "af") or any(_matches(p, full, alias, 3) for full, alias in _GCI_PS3):
                    self.add("ps3-syntax", line, f"Get-ChildItem -{p} is PowerShell 3.0+; filter on PSIsContainer")
        if key == "get-content":
            for p in params:
                if any(_matches(p, full, "", 3) for full in ("raw", "tail", "last", "stream")):
                    self.add(
                        "ps3-syntax", line, f"Get-Content -{p} is PowerShell 3.0; use [System.IO.File]::ReadAllText"
                    )
        if key in ("out-file", "set-content", "add-content") and any(_matches(p, "nonewline", "", 3) for p in params):
            self.add("ps3-syntax", line, "-NoNewline is PowerShell 5.0")
        # write-verb
        verb = key.split("-", 1)[0]
        if key in WRITE_COMMANDS:
            self.add("write-verb", line, f"{shown} {WRITE_COMMANDS[key]}")
        elif key == "tee-object":
            positional = [a for a in args if a.kind != "param"]
            if not any(_matches(p, "variable", "", 1) for p in params) and (positional or params):
                self.add("write-verb", line, f"{shown} writes a file (use -Variable)")
        elif verb in WRITE_VERBS and key not in WRITE_ALLOWED and not (
            key == "invoke-expression" and self._runs_stdin(args)
        ):
            why = " (in PowerShell 'sc' is Set-Content: call sc.exe)" if cmd.written.lower() == "sc" else ""
            self.add("write-verb", line, f"{shown}: the '{verb.capitalize()}' verb changes state{why}")
        if key == "invoke-expression" and not self._runs_stdin(args):
            self.add("param-interpolation", line, f"{shown} runs text as code; read parameters with Get-SsoParam")
        if key == "get-variable" and any(
            a.value.lower().lstrip("$") in ("ssoparamsjson", "ssoparams") for a in args if a.kind in ("word", "string")
        ):
            self.add("param-interpolation", line, "parameters must be read with Get-SsoParam, not Get-Variable")

    def _runs_stdin(self, args: Sequence[_Arg]) -> bool:
        """``Invoke-Expression $text`` where ``$text`` only holds what was read from stdin (``$input``): the
        bootstrap, which must use Invoke-Expression because Constrained Language Mode forbids
        ``[scriptblock]::Create`` (ScriptBlock is not one of its core types)."""
        values = [a for a in args if a.kind != "param"]
        var = re.fullmatch(r"\$(\w+)", values[0].text.strip()) if len(values) == 1 else None
        rhs = _assignments(self.src, var.group(1)) if var else []
        return bool(rhs) and all(re.search(r"\$input\b", r, re.I) for r in rhs)

    def simplified(self, cmd: _Command, key: str, shown: str) -> None:
        allowed = (
            ("filterscript", "inputobject") if key == "where-object" else ("process", "begin", "end", "inputobject")
        )
        args, i, positional = cmd.args, 0, 0
        while i < len(args):
            a = args[i]
            if a.kind == "param":
                common = _common(a.value)
                own = next((full for full in allowed if _matches(a.value, full)), None)
                if own is None and common is None:
                    self.add(
                        "ps3-syntax",
                        cmd.line,
                        f"{shown} -{a.value}: simplified syntax is PowerShell 3.0; use a script block",
                    )
                    return
                i += 2 if (own is not None or common in _COMMON_TAKES_VALUE) else 1
                continue
            if positional == 0 and a.kind in ("word", "string"):
                what = "property comparison" if key == "where-object" else "member name"
                self.add(
                    "ps3-syntax", cmd.line, f"{shown} {a.value}: {what} syntax is PowerShell 3.0; use a script block"
                )
                return
            positional += 1
            i += 1

    def program(self, cmd: _Command) -> None:
        # Parameters keep their dash here: for programs '-displaydb' and 'displaydb' differ.
        reason = _program_write(cmd.key, [a.text if a.kind == "param" else a.value for a in cmd.args])
        if reason:
            self.add("write-verb", cmd.line, f"{cmd.written}: {reason}")

    # ---- methods, files, redirection
    def methods(self) -> None:
        for m in self.code_matches(_INSTANCE_WRITE):
            self.add_at("write-verb", m.start(), f".{m.group(1)}() changes state")
        exported = self.secedit_exports()
        deleted: set[str] = set()
        for m in self.code_matches(_STATIC_FILE_WRITE):
            if _FILE_DELETE.match(self.src.code, m.start()):
                target = _norm(self.call_args(m.end() - 1))
                if target in exported:
                    deleted.add(target)
                    continue
                self.add_at(
                    "write-verb", m.start(), "[System.IO.File]::Delete of anything but the secedit export it made"
                )
                continue
            self.add_at("write-verb", m.start(), f"{m.group(0).rstrip('( ')} changes the file system")
        for target, line in exported.items():
            if target not in deleted:
                self.add("write-verb", line, "secedit /export leaves its /cfg file behind: [System.IO.File]::Delete it")
        for m in self.code_matches(_STATIC_WRITE):
            self.add_at("write-verb", m.start(), f"{m.group(0).rstrip('( ')} changes state")
        for m in self.code_matches(_WRITABLE_SUBKEY):
            self.add_at("write-verb", m.start(), "OpenSubKey(name, $true) opens a registry key for writing")
        for m in self.code_matches(re.compile(r"\.Invoke\s*\(", re.I)):
            adsi = _ADSI_INVOKE.match(self.src.script, m.start())
            if adsi:
                self.add_at("write-verb", m.start(), f"ADSI .Invoke('{adsi.group(1)}') changes the directory")
        for m in self.code_matches(_REDIRECT):
            found = re.match(r"\s*(\S*)", self.src.script[m.end() :])
            target = found.group(1) if found else ""
            if not target.lower().startswith("$null"):
                self.add_at("write-verb", m.start(), f"redirection to '{target or '?'}' writes a file; use Out-Null")

    def secedit_exports(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for cmd in self.src.commands:
            if cmd.key != "secedit":
                continue
            values = [a.value.lower() for a in cmd.args]
            if "/export" not in values or "/cfg" not in values:
                continue
            i = values.index("/cfg")
            if i + 1 < len(cmd.args):
                out[_norm(cmd.args[i + 1].text)] = cmd.line
        return out

    # ---- param-interpolation
    def params(self) -> None:
        code = self.src.code
        inside = _function_range(code, "Get-SsoParam")
        for m in re.finditer(r"\$\{?(?:script:|global:|local:)?SsoParams(Json|Text)?(?![\w])", code, re.I):
            line = self.src.line_of(m.start())
            text = self.src.lines[line - 1].strip() if line <= len(self.src.lines) else ""
            if inside and inside[0] <= m.start() < inside[1]:
                continue  # Get-SsoParam itself decodes the parameters
            if line == 1 and re.fullmatch(r"\$SsoParamsText = @'", text):
                continue  # the probe's first line opens the parameters here-string
            self.add("param-interpolation", line, f"{m.group(0)} is read outside Get-SsoParam; use Get-SsoParam 'name'")
        for m in self.code_matches(
            re.compile(r"\[(?:System\.Management\.Automation\.)?ScriptBlock\]::Create\s*\(", re.I)
        ):
            arg = self.call_args(m.end() - 1).strip()
            var = re.fullmatch(r"\$(\w+)", arg)
            if var and any(re.search(r"\$input\b", rhs, re.I) for rhs in _assignments(self.src, var.group(1))):
                continue  # the bootstrap: runs the probe read from stdin, never inventory text
            self.add_at("param-interpolation", m.start(), "[scriptblock]::Create runs text as code")
        for m in self.code_matches(re.compile(r"\.(?:InvokeScript|NewScriptBlock)\s*\(", re.I)):
            self.add_at("param-interpolation", m.start(), "InvokeCommand.InvokeScript/NewScriptBlock runs text as code")


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _top_level_commas(code: str) -> int:
    depth = count = 0
    for ch in code:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            count += 1
    return count


def _function_range(code: str, name: str) -> tuple[int, int] | None:
    m = re.search(r"(?im)^\s*function\s+" + re.escape(name) + r"\b", code)
    if not m:
        return None
    brace = code.find("{", m.end())
    if brace < 0:
        return None
    depth = 0
    for j in range(brace, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return m.start(), j + 1
    return m.start(), len(code)


# ---- external programs


def _program_write(key: str, values: list[str]) -> str | None:
    """Why running program ``key`` with these arguments changes state, or None when it only reads."""
    low = [v.lower() for v in values]
    first = next((v for v in low if not v.startswith("\\\\")), "")
    shown = " ".join(values) or "(no arguments)"
    if key in _ALWAYS_WRITES:
        return _ALWAYS_WRITES[key]
    if key == "sc":
        if first not in _SC_READS:
            return f"'{first}' changes services (read-only: {', '.join(sorted(_SC_READS))})"
    elif key in ("net", "net1"):
        sub, rest = (low[0], low[1:]) if low else ("", [])
        positional = [v for v in rest if not v.startswith("/")]
        bad_option = [v for v in rest if v.startswith("/") and not v.startswith("/domain")]
        if sub not in _NET_READS or bad_option or len(positional) > 1 or any("=" in v for v in rest):
            return f"'{shown}' is not read-only (read-only: net <{'|'.join(sorted(_NET_READS))}> [name] [/domain])"
    elif key == "ssomanage":
        if first.replace("/", "-", 1) not in _SSOMANAGE_READS:
            return f"'{first}' changes SSO (read-only: {', '.join(sorted(_SSOMANAGE_READS))})"
    elif key == "reg":
        if first not in ("query", "compare"):
            return f"'{first}' changes or writes (only 'reg query' and 'reg compare' are read-only)"
    elif key == "wevtutil":
        if first not in _WEVTUTIL_READS:
            return f"'{first}' changes event logs (read-only: qe, gl, el, gp, ep, gli)"
    elif key == "secedit":
        if first != "/export" or any(o in ("/configure", "/import", "/analyze", "/generaterollback") for o in low):
            return f"'{shown}': only 'secedit /export ... /cfg <temp file>' is read-only"
    elif key == "w32tm":
        if first not in ("/query", "/tz", "/monitor", "/stripchart"):
            return f"'{first}' changes the time service (read-only: /query, /tz, /monitor, /stripchart)"
    elif key == "schtasks":
        if first != "/query":
            return f"'{first}' changes scheduled tasks (only /query is read-only)"
    elif key == "auditpol":
        if not first.startswith(("/get", "/list")):
            return f"'{first}' changes audit policy (only /get and /list are read-only)"
    elif key == "netsh":
        if "show" not in low or any(v in _NETSH_WRITES for v in low):
            return f"'{shown}' changes network configuration (only 'netsh ... show ...' is read-only)"
    else:
        bad = _SWITCH_WRITES.get(key)
        hits = sorted({v for v in low if v.split(":")[0] in bad}) if bad else []
        if hits:
            return f"{', '.join(hits)} changes state"
    return None


_ALWAYS_WRITES = {
    "msdtc": "changes MSDTC (install/uninstall/resetlog); read the registry instead",
    "ssoconfig": "manages the SSO master secret (backup/restore/generate); never from a probe",
    "cluster": "can change the cluster; use the FailoverClusters Get-* cmdlets",
    "cmd": "hides the commands it runs from this check",
    "powershell": "a nested PowerShell hides the commands it runs from this check",
    "pwsh": "a nested PowerShell hides the commands it runs from this check",
    "takeown": "takes ownership of files",
    "shutdown": "shuts the server down",
    "diskpart": "changes disks",
    "format": "formats a disk",
    "runas": "runs a command as another user",
    "psexec": "runs commands remotely",
    "msiexec": "installs software",
    "regsvr32": "registers COM servers",
    "rundll32": "runs DLL entry points",
    "regedit": "imports registry files",
    "regini": "changes the registry",
    "wscript": "runs scripts this check cannot see",
    "cscript": "runs scripts this check cannot see",
    "mshta": "runs scripts this check cannot see",
}
_SC_READS = frozenset(
    _words(
        "query queryex qc qdescription qfailure qfailureflag qsidtype qprivs qtriggerinfo qpreferrednode "
        "qmanagedaccount qprotection quserservice sdshow getdisplayname getkeyname enumdepend showsid"
    )
)
_NET_READS = frozenset(
    _words("localgroup group user accounts config statistics view share session use time file helpmsg help")
)
_SSOMANAGE_READS = frozenset({"-displaydb", "-showdb", "-showserver", "-listapps", "-displayapp"})
_WEVTUTIL_READS = frozenset(
    _words("el enum-logs gl get-log gp get-publisher ep enum-publishers qe query-events gli get-log-info")
)
_NETSH_WRITES = frozenset(
    _words("set add delete del reset install uninstall import export flush exec load commit offline online -f -r")
)
_SWITCH_WRITES: dict[str, frozenset[str]] = {
    "setspn": frozenset({"-a", "-s", "-d", "-r", "/a", "/s", "/d", "/r"}),
    "ipconfig": frozenset(_words("/release /release6 /renew /renew6 /flushdns /registerdns /setclassid /setclassid6")),
    "icacls": frozenset(
        _words("/grant /deny /remove /setowner /reset /restore /save /inheritance /setintegritylevel /substitute")
    ),
    "cacls": frozenset({"/e", "/g", "/r", "/p", "/d"}),
    "wmic": frozenset({"call", "set", "delete", "create"}),
    "klist": frozenset({"purge", "purge_bind", "add_bind"}),
    "bcdedit": frozenset(
        _words(
            "/set /deletevalue /create /delete /copy /import /default /timeout /bootsequence /displayorder"
            " /toolsdisplayorder /store /mirror /sysstore /bootdebug /debug /dbgsettings /ems /emssettings /bootems"
            " /hypervisorsettings"
        )
    ),
}


# --------------------------------------------------------------------------------------------------


def lint(script: str, *, allow_writes: bool = False) -> list[Finding]:
    """Check ``script`` against the rules in the module docstring; an empty list means it is clean.

    ``allow_writes`` drops ``write-verb`` findings (for the rare check declared ``writes = True``);
    every other rule still applies.
    """
    return _Linter(_analyse(script), allow_writes).run()
