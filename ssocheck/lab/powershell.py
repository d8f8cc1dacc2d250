"""The simulated ``powershell.exe`` of every lab node: the :class:`~ssocheck.lab.shells.CommandHandler`.

What it understands, and nothing more:

* the command line ``powershell[.exe] [options] -EncodedCommand <base64 UTF-16LE>`` (pywinrm's ``run_ps`` puts it
  all in the command text; ssocheck's transport puts the options in the arguments), also ``-Command <text>``;
* the ssocheck bootstrap (it runs whatever arrives on stdin), so the effective script is then stdin;
* every script is parsed first (:mod:`ssocheck.psparse`, tree-sitter-powershell): one that does not parse gets
  PowerShell's answer to a parse error (the error record on stderr, exit code 1, nothing on stdout);
* the ssocheck probe: the parameters here-string (``name:kind:base64;...``) and one block per
  ``# ssocheck-fact: <name>`` marker, answered
  from the scenario state by the emulators of :mod:`ssocheck.lab.emulation` exactly in the probe's wire format;
* a few trivial commands admins and benchmarks type: ``hostname``, ``$env:COMPUTERNAME``,
  ``$PSVersionTable.PSVersion[.ToString()]``, ``Write-Output``/``echo`` of literals, and ``ssocheck doctor``'s script.

Everything else fails the way PowerShell fails (an error record as CLIXML on stderr, exit code 1), never with a
fake success: a lab that answered unknown scripts with "OK" would hide a broken probe.

The lab never imports the fact parsers, the checks or the runner (a wrong parser must not be able to hide behind
a lab sharing its code); the few wire-format constants it needs are duplicated below and pinned to the probe's by
``tests/lab/test_powershell.py``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ssocheck.lab.assemblies import failure
from ssocheck.lab.emulation import CALLS, EmulationError, Emulator, load_all
from ssocheck.lab.jsonwriter import JsonWriter, WriterMissing
from ssocheck.lab.language import culture
from ssocheck.lab.psversion import is_ps2, refusal
from ssocheck.lab.session import SessionIdentity
from ssocheck.lab.shells import CommandResult, clixml_error, clixml_record, decode_console, encode_console
from ssocheck.lab.state import FarmState, NodeState
from ssocheck.psparse import Calls, calls, matches, parse_error_record

log = logging.getLogger(__name__)

# --- Wire format of ssocheck/facts/probe.py (duplicated on purpose; a test keeps them equal) -------------------
PROBE_VERSION = "ssocheck/1"
BEGIN = "<<SSOCHECK-BEGIN>>"
END = "<<SSOCHECK-END>>"
FACT_MARKER = "# ssocheck-fact: "
PARAMS_START = "$SsoParamsText = @'"
PARAMS_END = "'@"
BOOTSTRAP = (
    "$ErrorActionPreference = 'Stop'; "
    "$ssoProbe = [string]::Join(\"`n\", @($input)); "
    "Invoke-Expression $ssoProbe"
)
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
# ----------------------------------------------------------------------------------------------------------------

NOT_RECOGNIZED = (
    "The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable program. "
    "Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
)
# Shown under the PowerShell message so a human poking the lab with pywinrm knows why a real cmdlet "is missing".
LAB_HINT = "(ssocheck lab: only the ssocheck probe and a few trivial commands are emulated)"

_POWERSHELL = re.compile(r"^(?:.*[\\/])?powershell(?:\.exe)?$", re.I)
# powershell.exe switches (PowerShell 2.0 - 5.1) besides -EncodedCommand and -Command, with whether they take a value.
_SWITCHES = {
    "executionpolicy": True, "inputformat": True, "outputformat": True, "windowstyle": True, "version": True,
    "psconsolefile": True, "configurationname": True, "file": True,
    "noprofile": False, "noninteractive": False, "nologo": False, "noexit": False, "sta": False, "mta": False,
}
_COMMAND_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _switch(token: str) -> str | None:
    """The powershell.exe switch ``token`` names, else None.

    PowerShell takes ``-`` or ``/`` and any unambiguous prefix; ``-e``/``-ec`` mean -EncodedCommand and ``-c``
    means -Command even though other switches share those letters.
    """
    if len(token) < 2 or token[0] not in "-/":
        return None
    word = token[1:].lower()
    if word in ("e", "ec") or (len(word) >= 2 and "encodedcommand".startswith(word)):
        return "encodedcommand"
    if word == "c" or (len(word) >= 3 and "command".startswith(word)):
        return "command"
    hits = [name for name in _SWITCHES if name.startswith(word)]
    return hits[0] if len(hits) == 1 else None


class Params(dict[str, Any]):
    """The probe parameters as the emulators see them: ``params[name]`` behaves like ``Get-SsoParam name``.

    A missing parameter raises :class:`EmulationError` ("parameter missing: name"), and when the here-string was
    not valid JSON every lookup raises the decoding error, as the real probe's ``Get-SsoParam`` throws.
    ``params.get(name)`` stays a plain dict lookup.
    """

    def __init__(self, values: Mapping[str, Any] | None = None, error: str | None = None) -> None:
        super().__init__(values or {})
        self.error = error
        # Who runs the probe (the session's security context): emulators read it with emulation.identity_of.
        self.identity: SessionIdentity | None = None

    def __getitem__(self, key: str) -> Any:
        if self.error is not None:
            raise EmulationError(self.error)
        if key not in self:
            raise EmulationError(f"parameter missing: {key}")
        return super().__getitem__(key)


def decode_command_line(command: str, arguments: str) -> tuple[str | None, str | None]:
    """The PowerShell script a WinRM command line runs: ``(script, None)``, or ``(None, error)``.

    ``(None, None)`` means the command is not ``powershell.exe`` at all (the cmd shell runs it).
    """
    tokens = f"{command} {arguments}".split()
    if not tokens or not _POWERSHELL.match(tokens[0]):
        return None, None
    rest = tokens[1:]
    i = 0
    while i < len(rest):
        token = rest[i]
        switch = _switch(token)
        if switch == "encodedcommand":
            if i + 1 >= len(rest):
                return None, "Cannot process the command because -EncodedCommand requires an argument."
            try:
                return base64.b64decode(rest[i + 1], validate=True).decode("utf-16-le"), None
            except (binascii.Error, UnicodeDecodeError):
                return None, (
                    "Cannot process the command because the value specified with -EncodedCommand is not properly "
                    "encoded. The value must be Base64 encoded."
                )
        if switch == "command":
            return " ".join(rest[i + 1 :]), None
        if switch == "file":
            return None, "-File is not supported by the ssocheck lab (no file system is simulated)."
        if switch is not None:
            i += 2 if _SWITCHES[switch] else 1
            continue
        if token == "-":
            return "-", None  # the script comes on stdin (powershell.exe -), read once stdin has ended
        if token[0] in "-/":
            return None, f"Unrecognized parameter: {token}"
        # The first bare word starts an implicit -Command.
        return " ".join(rest[i:]), None
    return "", None  # no script at all: an interactive shell that reads nothing and exits


# cmd.exe's maximum command line (Windows XP and later).
CMD_LINE_LIMIT = 8191
_CMD = re.compile(r"^(?:[A-Za-z]:)?(?:[^\s\"]*[\\/])?cmd(?:\.exe)?\s+/[cC]\s*", re.I)


def cmd_line(line: str) -> str:
    """The command cmd.exe runs for WinRS's ``cmd.exe /c <line>``: quotes and nested ``cmd /c`` resolved.

    cmd.exe keeps a leading quote only when the line has exactly two quotes around a program name with a space in
    it; otherwise it removes the first and the last quote (``cmd /?``). So ``"hostname"`` runs hostname, and the
    Ruby WinRM gem's ``"powershell -encodedCommand ..."`` runs PowerShell (review clients.md D5).
    """
    text = line.strip()
    for _ in range(4):  # cmd /c cmd /c ... nests; a few levels are plenty
        if text.startswith('"') and text.count('"') >= 2:
            quoted = text[1 : text.index('"', 1)]
            keep = text.count('"') == 2 and " " in quoted and quoted.lower().endswith(".exe")
            if not keep:
                last = text.rindex('"')
                text = (text[1:last] + text[last + 1 :]).strip()
        match = _CMD.match(text)
        if match is None:
            return text
        text = text[match.end() :].strip()
    return text


def _result(stdout: str = "", stderr: bytes = b"", exit_code: int = 0) -> CommandResult:
    return CommandResult(encode_console(stdout), stderr, exit_code)


def _error(message: str) -> CommandResult:
    return CommandResult(b"", clixml_error(message), 1)


def _literals(text: str) -> list[str] | None:
    """The arguments of ``Write-Output``/``echo`` when they are plain literals, else None (not emulated)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "'":
            # Single-quoted: verbatim, '' is a literal quote.
            buf: list[str] = []
            i += 1
            while True:
                if i >= n:
                    return None
                if text[i] == "'":
                    if i + 1 < n and text[i + 1] == "'":
                        buf.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            out.append("".join(buf))
        elif ch == '"':
            end = text.find('"', i + 1)
            body = text[i + 1 : end] if end > 0 else None
            if body is None or "$" in body or "`" in body:
                return None  # expansion and escapes are not emulated
            out.append(body)
            i = end + 1
        else:
            m = re.match(r"[^\s'\";|&(){}$`,@]+", text[i:])
            if not m:
                return None
            out.append(m.group(0))
            i += m.end()
    return out


def _version_table(version: str) -> str:
    """``$PSVersionTable.PSVersion`` as PowerShell's default table formatter prints it."""
    parts = [*version.split("."), "-1", "-1", "-1", "-1"][:4]
    heads = ["Major", "Minor", "Build", "Revision"]
    widths = [max(len(h), len(p)) for h, p in zip(heads, parts, strict=True)]

    def row(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\r\n".join(["", row(heads), row(["-" * w for w in widths]), row(parts), "", ""]) + "\r\n"


def _squash(text: str) -> str:
    return " ".join(text.split())


class PowerShellHost:
    """Answers every remote command of a :class:`FarmState`'s nodes; plug it into ``LabEndpoints`` as the handler.

    ``state`` may be swapped while serving (drift tests): each command reads it once. Commands are counted per
    node (thread-safe); ``clock`` is injectable so tests can pin ``clock_utc``.
    """

    def __init__(
        self,
        state: FarmState,
        emulators: Mapping[str, Emulator] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Serve ``state``; ``emulators`` defaults to every registered area module."""
        self._lock = threading.Lock()
        self._state = state
        self._emulators = emulators if emulators is not None else load_all()
        # The calls each emulator stands in for; emulators given by a test declare none (answered as before).
        self._calls: Mapping[str, tuple[str, ...]] = CALLS if emulators is None else {}
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._commands: dict[str, int] = {}

    @property
    def state(self) -> FarmState:
        """The farm state commands are answered from."""
        with self._lock:
            return self._state

    @state.setter
    def state(self, value: FarmState) -> None:
        with self._lock:
            self._state = value

    def commands(self, node: str) -> int:
        """How many remote commands ``node`` has run (since the last reset)."""
        with self._lock:
            return self._commands.get(node.upper(), 0)

    def reset_counters(self) -> None:
        """Zero the command counters of every node."""
        with self._lock:
            self._commands.clear()

    # -- CommandHandler ---------------------------------------------------------------------------------------

    def __call__(
        self, node: str, command: str, arguments: str, stdin: bytes, identity: SessionIdentity | None = None
    ) -> CommandResult:
        """Run one remote command of ``node`` (the endpoint's node name) as ``identity`` and return its console
        output; ``identity`` None (direct calls in tests) is the lab's own NTLM administrator."""
        with self._lock:
            self._commands[node.upper()] = self._commands.get(node.upper(), 0) + 1
            farm = self._state
        target = farm.node(node)
        if target is None or not target.up:
            # The farm stops the endpoints of down nodes; reaching this means state and endpoints disagree.
            return _error(f"ssocheck lab: node {node} is not part of the running scenario (or is down)")
        line = f"{command} {arguments}".strip()
        if len(line) > CMD_LINE_LIMIT:
            # WinRS runs the command through cmd.exe, whose command line stops at 8,191 characters ("Command prompt
            # (Cmd.exe) command-line string limitation", Microsoft Learn): pywinrm's run_ps of a long script fails so.
            return CommandResult(b"", encode_console("The command line is too long.\r\n"), 1)
        line = cmd_line(line)
        script, problem = decode_command_line(line, "")
        if problem is not None:
            return _error(problem)
        if script is None:
            return self._cmd(target, line)
        if _squash(script) == _squash(BOOTSTRAP) or script.strip() == "-":
            # The bootstrap (or "-Command -") runs the stdin lines; stdin arrives in the console code page.
            script = "\r\n".join(decode_console(stdin).splitlines())
        return self.run_powershell(farm, target, script, identity)

    def reads_stdin(self, command: str, arguments: str) -> bool:
        """Whether the command line runs a program that reads stdin to its end before it does anything: the
        ssocheck bootstrap (``@($input)``) and ``powershell -``."""
        line = f"{command} {arguments}".strip()
        if len(line) > CMD_LINE_LIMIT:
            return False
        script, problem = decode_command_line(cmd_line(line), "")
        return problem is None and script is not None and (
            _squash(script) == _squash(BOOTSTRAP) or script.strip() == "-")

    # -- PowerShell --------------------------------------------------------------------------------------------

    def run_powershell(
        self, farm: FarmState, node: NodeState, script: str, identity: SessionIdentity | None = None
    ) -> CommandResult:
        """What ``script`` prints on ``node`` run as ``identity``: the probe, a trivial command, or a PowerShell
        error."""
        # PowerShell parses the whole script before it runs a statement: a parse error means no output at all,
        # the parser's error record on stderr and exit code 1 (powershell.exe -Command / -EncodedCommand; through
        # the bootstrap's [scriptblock]::Create the record is the same ParseException, wrapped).
        record = parse_error_record(script)
        if record is not None:
            return CommandResult(b"", clixml_record(record.splitlines()), 1)
        refused: dict[str, str] = {}
        if is_ps2(node.ps_version):
            ps2 = refusal(script)
            if ps2.parse_error is not None:
                return CommandResult(b"", clixml_record(ps2.parse_error.splitlines()), 1)
            if ps2.runtime:
                refused, stopper = self._refused_facts(script, ps2.runtime)
                if stopper is not None:
                    return _error(stopper)
        if self._is_probe(script):
            try:
                return _result(self.answer_probe(farm, node, script, identity, refused))
            except WriterMissing as exc:
                # The epilogue calls the writer; with $ErrorActionPreference = 'Stop' nothing is written.
                return _error(NOT_RECOGNIZED.format(name=_function_name(str(exc))))

        # Whole-line comments are not code (the probe, with its here-strings, was handled above).
        code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
        text = code.strip().rstrip(";").strip()
        if not text:
            return _result()
        if _squash(text) == _squash(DOCTOR_SCRIPT):
            mode = str(node.extra.get("language_mode") or "FullLanguage")
            doc = {"ps_version": node.ps_version, "computer": _computer_name(node), "user": "", "language_mode": mode}
            if identity is not None and mode == "FullLanguage":
                doc["user"] = _windows_account(farm, identity.principal)
            return _result(BEGIN + json.dumps(doc, ensure_ascii=True, separators=(",", ":")) + END)
        lowered = text.lower()
        if lowered in ("$psversiontable.psversion.tostring()", "[string]$psversiontable.psversion"):
            return _result(node.ps_version + "\r\n")
        if lowered == "$psversiontable.psversion":
            return _result(_version_table(node.ps_version))
        if lowered == "$psversiontable.psversion.major":
            return _result(node.ps_version.split(".")[0] + "\r\n")
        if lowered in ("hostname", "hostname.exe"):
            return _result(node.name + "\r\n")
        if lowered in ("$env:computername", "[environment]::machinename"):
            return _result(_computer_name(node) + "\r\n")
        verb, _, rest = text.partition(" ")
        known = verb.lower() in ("write-output", "echo", "write")
        if known:
            words = _literals(rest)
            if words is not None:
                return _result("".join(w + "\r\n" for w in words))
        name = re.split(r"[\s;|(]", text, maxsplit=1)[0]
        if _COMMAND_NAME.match(name) and not known:
            return _error(NOT_RECOGNIZED.format(name=name) + "\n" + LAB_HINT)
        return _error(f"ssocheck lab: this PowerShell is not emulated: {text[:80]}\n{LAB_HINT}")

    def _cmd(self, node: NodeState, line: str) -> CommandResult:
        """A command for cmd.exe (WinRM's default shell): only ``hostname`` and ``echo``; anything else is cmd's
        "not recognized" with exit code 9009 (MSG_DIR_BAD_COMMAND_OR_FILE, as %ERRORLEVEL% shows on Windows)."""
        word, _, rest = line.partition(" ")
        if word.lower() in ("hostname", "hostname.exe") and not rest.strip():
            return _result(node.name + "\r\n")
        if word.lower() == "echo" and rest.strip():
            return _result(rest.strip() + "\r\n")
        message = (
            f"'{word}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
        )
        return CommandResult(b"", encode_console(message), 9009)

    # -- the probe ---------------------------------------------------------------------------------------------

    @staticmethod
    def _is_probe(script: str) -> bool:
        lines = script.lstrip().splitlines()
        return bool(lines) and lines[0].strip() == PARAMS_START and BEGIN in script and END in script

    @staticmethod
    def parse_probe(script: str) -> tuple[Params, list[str]]:
        """The parameters and the fact names (in order) of a probe script."""
        lines = script.lstrip().splitlines()
        body: list[str] = []
        end = None
        for i, line in enumerate(lines[1:], start=1):
            if line.startswith(PARAMS_END):  # a here-string ends only at a line starting with '@
                end = i
                break
            body.append(line)
        params: Params
        if end is None:
            # PowerShell would not even parse the script; the lab reports it as the parameters being unusable.
            params = Params(error="cannot decode parameters: the parameters here-string is not terminated")
            end = len(lines)
        else:
            try:
                params = Params(_decode_params("\n".join(body)))
            except ValueError as exc:
                params = Params(error=f"cannot decode parameters: {exc}")
        facts = [line[len(FACT_MARKER) :].strip() for line in lines[end + 1 :] if line.startswith(FACT_MARKER)]
        return params, facts

    @staticmethod
    def fact_blocks(script: str) -> dict[str, str]:
        """Each fact's block of a probe: from its marker to the next marker (the last one to the script's end)."""
        blocks: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in script.splitlines():
            if line.startswith(FACT_MARKER):
                current = blocks.setdefault(line[len(FACT_MARKER) :].strip(), [])
            elif current is not None:
                current.append(line)
        return {name: "\n".join(body) for name, body in blocks.items()}

    def _refused_facts(self, script: str, runtime: tuple[tuple[int, str], ...]) -> tuple[dict[str, str], str | None]:
        """PowerShell 2.0 run-time errors by fact block; the first one outside any block stops the script."""
        if not self._is_probe(script):
            return {}, runtime[0][1]
        owner: list[str | None] = []
        current: str | None = None
        for line in script.splitlines():
            if line.startswith(FACT_MARKER):
                current = line[len(FACT_MARKER) :].strip()
            owner.append(current)
        refused: dict[str, str] = {}
        for number, text in runtime:
            name = owner[number - 1] if 0 < number <= len(owner) else None
            if name is None:
                return {}, text
            refused.setdefault(name, text)
        return refused, None

    def answer_probe(
        self, farm: FarmState, node: NodeState, script: str, identity: SessionIdentity | None = None,
        refused: Mapping[str, str] | None = None,
    ) -> str:
        """The probe's stdout for ``node``: ``<<SSOCHECK-BEGIN>>{json}<<SSOCHECK-END>>``; ``refused`` are facts
        whose block fails on this node's PowerShell (the error each one answers)."""
        mode = str(node.extra.get("language_mode") or "FullLanguage")
        if mode != "FullLanguage":
            # The probe's first statement after the parameters stops here (AppLocker / WDAC policy on the node).
            return BEGIN + json.dumps({"probe": PROBE_VERSION, "cause": "language_mode", "language_mode": mode},
                                      separators=(",", ":")) + END
        params, names = self.parse_probe(script)
        params.identity = identity
        writer = JsonWriter.from_script(script)
        blocks = self.fact_blocks(script)
        facts: dict[str, dict[str, Any]] = {}
        for name in names:
            if refused and name in refused:
                facts[name] = {"ok": False, "error": refused[name]}
                continue
            assembly = failure(node, _block_calls(blocks.get(name, "")), is_ps2(node.ps_version))
            if assembly is not None:
                # The block's first use of a type from an assembly this node cannot load throws (lab/assemblies.py).
                facts[name] = {"ok": False, "error": assembly}
                continue
            judged = self._judge(name, blocks.get(name, ""))
            facts[name] = judged if judged is not None else self._fact(farm, node, name, params)
        clock = self._clock() + timedelta(seconds=node.clock_offset_s)
        doc = {
            "probe": PROBE_VERSION,
            "computer": _computer_name(node),
            "ps_version": node.ps_version,
            "clr_version": str(node.extra.get("clr_version") or ("2.0.50727.8806" if node.ps_version.startswith("2.")
                                                                  else "4.0.30319.42000")),
            "culture": culture(node),
            "language_mode": mode,
            "elevated": bool(node.extra.get("elevated", True)),
            # Milliseconds, as the probe writes them (SYS001 compares offsets near a limit).
            "clock_utc": clock.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "facts": facts,
        }
        # Written by the writer the probe itself defines (its escape table read from the received code).
        return BEGIN + writer.value(doc) + END

    def _judge(self, name: str, block: str) -> dict[str, Any] | None:
        """The answer of a fact block that does not make the calls its emulator stands in for, else None.

        A block whose snippet assigns nothing gives what the block's ``$value = $null`` leaves: ok, null (a
        deleted body on Windows). A snippet that calls something else cannot be answered from scenario state:
        an error naming the calls it lacks (never a made-up success).
        """
        declared = self._calls.get(name, ())
        if not declared:
            return None
        found = _block_calls(block)
        missing = [d for d in declared if not matches(found, d)]
        if not missing:
            return None
        if not found.assigns_value:
            return {"ok": True, "value": None}
        return {
            "ok": False,
            "error": f"ssocheck lab: the {name} snippet does not make the calls its emulator stands in for "
            f"(missing: {', '.join(missing)}), so the lab cannot say what Windows would answer",
        }

    def _fact(self, farm: FarmState, node: NodeState, name: str, params: Params) -> dict[str, Any]:
        emulator = self._emulators.get(name)
        if emulator is None:
            # The real snippet would call something this lab does not know; report it as PowerShell would.
            # Only the first sentence, so the lab's hint stays visible in one-line report messages.
            first = NOT_RECOGNIZED.format(name=name).split(". ")[0]
            message = f"{first}. (ssocheck lab: no emulator for this fact)"
            return {"ok": False, "error": message}
        try:
            value = emulator(farm, node, params)
            json.dumps(value)  # a value the probe could not have written is a lab bug: surface it on this fact
        except EmulationError as exc:
            return {"ok": False, "error": str(exc)}
        except Exception as exc:
            log.exception("lab emulator for fact %s crashed on node %s", name, node.name)
            return {"ok": False, "error": f"ssocheck lab: emulator for {name} crashed: {type(exc).__name__}: {exc}"}
        return {"ok": True, "value": value}


def _decode_params(text: str) -> dict[str, Any]:
    """``name:kind:base64;...`` as the probe's Get-SsoParam reads it (duplicated from the probe on purpose).

    Anything Get-SsoParam could not decode (bad base64, not UTF-8, an unknown kind) raises ValueError: PowerShell
    would throw on the first lookup.
    """
    out: dict[str, Any] = {}
    for item in text.strip().split(";"):
        parts = item.split(":")
        if len(parts) != 3:
            if item.strip():
                raise ValueError(f"malformed parameter item {item[:40]!r}")
            continue
        name, kind, body = parts
        try:
            texts = [base64.b64decode(b, validate=True).decode("utf-8") for b in body.split(",")]
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"parameter {name}: not base64 of UTF-8 ({exc})") from exc
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
            raise ValueError(f"parameter {name}: unknown kind {kind!r}")
    return out


def _windows_account(farm: FarmState, principal: str) -> str:
    """How Windows names a logon: ``CORP\\user`` for ``user@CORP.EXAMPLE.COM`` of the farm's domain (WindowsIdentity
    .Name is NetBIOS-domain\\user whatever the mechanism), other names unchanged."""
    user, at, realm = principal.rpartition("@")
    domain = farm.farm.get("domain") or {}
    if at and domain.get("netbios") and realm.lower() == str(domain.get("dns") or "").lower():
        return f"{domain['netbios']}\\{user}"
    return principal


@functools.lru_cache(maxsize=512)
def _block_calls(block: str) -> Calls:
    """The calls of a fact block's snippet, without the block's own ``$value = $null`` initialisation.

    Cached: every node receives the same fact blocks (only the parameters differ, and they are not in a block).
    """
    lines = block.split("\n")
    for i, line in enumerate(lines):
        if line.strip().lower() == "$value = $null":
            lines = lines[:i] + lines[i + 1 :]
            break
    return calls("\n".join(lines))


def _function_name(lowered: str) -> str:
    return {"convertto-ssojson": "ConvertTo-SsoJson", "convertto-ssojsonstring": "ConvertTo-SsoJsonString"}.get(
        lowered, lowered)


def _computer_name(node: NodeState) -> str:
    """``$env:COMPUTERNAME``: the NetBIOS name, upper case; ``computer_name`` in the node overrides it
    (a DNS record pointing at the wrong server)."""
    return str(node.extra.get("computer_name") or node.name).upper()
