"""The shell and command model of a simulated node: what WS-Management's Shell resource does, without HTTP.

:class:`NodeShells` keeps one node's shells and their commands and answers the WS-Man shell operations
(Create, Command, Send, Receive, Signal, Delete) that :mod:`ssocheck.lab.endpoint` hands it after HTTP and
authentication. What a command *does* is decided by a :class:`CommandHandler` supplied by the caller
(``ssocheck/lab/powershell.py`` for the farm); it receives the :class:`~ssocheck.lab.session.SessionIdentity`
the HTTP layer authenticated. Gotchas cited as "gotcha N" are in ``/work/shared/reference/winrm-protocol.md``.
"""

from __future__ import annotations

import codecs
import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from ssocheck.lab import wsman
from ssocheck.lab.session import SessionIdentity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandResult:
    """What a simulated command produced; stdout/stderr are already console-encoded bytes."""

    stdout: bytes
    stderr: bytes
    exit_code: int


class CommandHandler(Protocol):
    """Runs one remote command of one node: ``command`` is the rsp:Command text (``run_ps`` puts the whole
    ``powershell -encodedcommand <b64>`` there), ``arguments`` the rsp:Arguments text, ``stdin`` all stdin bytes,
    ``identity`` who the session authenticated as and whether its logon can reach other servers."""

    def __call__(
        self, node: str, command: str, arguments: str, stdin: bytes, identity: SessionIdentity
    ) -> CommandResult: ...


# The console code page of the command being run (WinRS's WINRS_CODEPAGE option of its shell, 437 by default, which
# pywinrm always sends): set by the worker thread that runs the command, read wherever console text is encoded, so the
# handler's signature stays (node, command, arguments, stdin, identity).
CONSOLE_CODEPAGE: ContextVar[int] = ContextVar("console_codepage", default=437)


def console_codec(codepage: int | None = None) -> str:
    """The Python codec of a Windows console code page (65001 is UTF-8); an unknown one is served as 437."""
    page = CONSOLE_CODEPAGE.get() if codepage is None else codepage
    name = "utf-8" if page == 65001 else f"cp{page}"
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp437"
    return name


def encode_console(text: str) -> bytes:
    """Encode like a console with the command's code page (WINRS_CODEPAGE): unmappable characters become '?'."""
    return text.encode(console_codec(), errors="replace")


def decode_console(data: bytes) -> str:
    """stdin as the console reads it: bytes in the command's code page."""
    return data.decode(console_codec(), errors="replace")


def _clixml_text(text: str) -> str:
    # PowerShell's serializer: XML-escape, control characters as _xHHHH_, and a literal "_x" escaped as _x005F_x.
    out = []
    for i, ch in enumerate(text):
        if ch == "_" and text[i + 1 : i + 2] in ("x", "X"):
            out.append("_x005F_")
        elif ord(ch) < 0x20:
            out.append(f"_x{ord(ch):04X}_")
        else:
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(ch, ch))
    return "".join(out)


def clixml_error(message: str) -> bytes:
    """stderr of a PowerShell ``throw "<message>"`` as WinRM delivers it: an error CLIXML document, console-encoded.

    pywinrm's ``run_ps`` turns it back into text: the message lines, then ``+ CategoryInfo`` and
    ``+ FullyQualifiedErrorId`` lines, as PowerShell prints for a thrown string.
    """
    lines = message.splitlines() or [""]
    lines += [
        f"    + CategoryInfo          : OperationStopped: ({lines[0]}:String) [], RuntimeException",
        f"    + FullyQualifiedErrorId : {lines[0]}",
        " ",
    ]
    records = "".join(f'<S S="Error">{_clixml_text(line)}_x000D__x000A_</S>' for line in lines)
    doc = (
        f'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{records}</Objs>'
    )
    return encode_console(doc)


def clixml_record(lines: list[str]) -> bytes:
    """stderr carrying an error record already formatted the way PowerShell prints it (``lines``), as CLIXML."""
    records = "".join(f'<S S="Error">{_clixml_text(line)}_x000D__x000A_</S>' for line in [*lines, " "])
    doc = (
        f'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{records}</Objs>'
    )
    return encode_console(doc)


class Command:
    """One rsp:Command: its stdin, lazy execution in a worker thread, and the output cursor of Receive."""

    def __init__(self, command_id: str, command: str, arguments: str, identity: SessionIdentity) -> None:
        self.id = command_id
        self.command = command
        self.arguments = arguments
        self.identity = identity
        self.codepage = 437  # the shell's WINRS_CODEPAGE
        self.cond = threading.Condition()  # guards everything below; notified on Send and abort
        self.stdin = bytearray()
        self.sends = 0
        self.stdin_closed = False
        self.reads_stdin = False  # the program blocks on stdin until End="true" (set by the dispatcher)
        self.started = False
        self.aborted = False
        self.finished = threading.Event()
        self.result = CommandResult(b"", b"", -1)
        self.out_pos = self.err_pos = 0

    def feed(self, data: bytes, end: bool) -> None:
        """Append a Send chunk; writing after ``End="true"`` or after the command started is a broken pipe."""
        with self.cond:
            if self.stdin_closed or self.started or self.aborted:
                raise wsman.stdin_closed(self.id)
            self.stdin += data
            self.sends += 1
            self.stdin_closed = end
            self.cond.notify_all()

    def abort(self) -> None:
        """Forget the command (Signal terminate, Delete, node stop); wakes any Receive waiting on it."""
        with self.cond:
            self.aborted = True
            self.cond.notify_all()
        self.finished.set()

    def next_chunk(self, limit: int) -> tuple[bytes, bytes, int | None]:
        """Up to ``limit`` raw bytes of both streams together (stdout first); the exit code only with the last
        chunk (gotcha 4)."""
        with self.cond:
            res = self.result
            out = res.stdout[self.out_pos : self.out_pos + limit]
            err = res.stderr[self.err_pos : self.err_pos + max(0, limit - len(out))]
            self.out_pos += len(out)
            self.err_pos += len(err)
            done = self.out_pos >= len(res.stdout) and self.err_pos >= len(res.stderr)
            return out, err, res.exit_code if done else None


_SHELL_ACTIONS = frozenset(
    {wsman.ACTION_COMMAND, wsman.ACTION_SEND, wsman.ACTION_RECEIVE, wsman.ACTION_SIGNAL, wsman.ACTION_DELETE}
)


class NodeShells:
    """The shells of one simulated node and the WS-Man operations on them.

    ``count(name)`` is called with ``"shells_created"`` and ``"commands"`` so the endpoint can keep its
    per-node counters; ``receive_wait_seconds`` caps a Receive long-poll, ``max_output_chunk`` the raw bytes
    per stream per Receive.
    """

    def __init__(self, node: str, handler: CommandHandler, *, receive_wait_seconds: float, max_output_chunk: int,
                 count: Callable[[str], None], authorize: Callable[[SessionIdentity], bool] | None = None,
                 max_shells: Callable[[], int] | None = None,
                 reads_stdin: Callable[[str, str], bool] | None = None,
                 max_envelope: Callable[[], int] | None = None) -> None:
        """``authorize``: may this account use WinRM here (else Access is denied on Create); ``max_shells``:
        MaxShellsPerUser; ``reads_stdin``: whether a command line's program blocks on stdin until its end;
        ``max_envelope``: MaxEnvelopeSizekb * 1024, the largest reply when the client asks for more or says nothing."""
        self._authorize = authorize
        self._max_shells = max_shells
        self._max_envelope = max_envelope
        self._codepages: dict[str, int] = {}  # shell id -> WINRS_CODEPAGE
        self._reads_stdin = reads_stdin
        self._owners: dict[str, str] = {}  # shell id -> the principal that created it (MaxShellsPerUser)
        self.node = node
        self._handler = handler
        self._wait = receive_wait_seconds
        self._chunk = max_output_chunk
        self._count = count
        self._lock = threading.Lock()  # guards _shells
        self._shells: dict[str, dict[str, Command]] = {}

    def handle(self, data: bytes, identity: SessionIdentity, peer: str, address: str) -> tuple[int, bytes]:
        """One decrypted SOAP request -> ``(HTTP status, SOAP envelope)``; ``address`` is the endpoint's URL.

        Faults go out with HTTP 500: pywinrm only parses a Fault from an HTTP error response (gotcha 2).
        """
        relates_to = ""
        try:
            req = wsman.parse_request(data)
            relates_to = req.message_id
            return 200, self._dispatch(req, identity, peer, address)
        except wsman.WsmanFault as fault:
            if fault.wsman_code != wsman.CODE_OPERATION_TIMEOUT:
                log.info("node %s: fault %s: %s", self.node, fault.wsman_code, fault.reason)
            return 500, wsman.fault_envelope(fault, relates_to, self.node)

    def open_count(self) -> int:
        """Shells created and not deleted (Windows keeps an abandoned one until its idle timeout)."""
        with self._lock:
            return len(self._shells)

    def abort_all(self) -> None:
        """Drop every shell and abort its commands (the node stopped or the endpoint closed)."""
        with self._lock:
            doomed = [cmd for commands in self._shells.values() for cmd in commands.values()]
            self._shells = {}
            self._owners = {}
        for cmd in doomed:
            cmd.abort()

    def _dispatch(self, req: wsman.WsmanRequest, identity: SessionIdentity, peer: str, address: str) -> bytes:
        action, rel, shell_id = req.action, req.message_id, req.shell_id or ""
        if req.max_envelope is not None and req.max_envelope < wsman.MIN_MAX_ENVELOPE:
            raise wsman.envelope_too_small(req.max_envelope)
        if action == wsman.ACTION_CREATE:
            if req.resource_uri != wsman.RESOURCE_CMD:
                raise wsman.resource_not_found(req.resource_uri)
            if self._authorize is not None and not self._authorize(identity):
                raise wsman.access_denied()
            limit = self._max_shells() if self._max_shells is not None else None
            owner = identity.principal.lower()
            shell_id = wsman.new_id()
            with self._lock:
                if limit is not None and sum(1 for who in self._owners.values() if who == owner) >= limit:
                    raise wsman.max_shells(limit)
                self._shells[shell_id] = {}
                self._owners[shell_id] = owner
                page = req.options.get("WINRS_CODEPAGE", "437")
                self._codepages[shell_id] = int(page) if page.isdigit() else 437
            self._count("shells_created")
            return wsman.create_response(rel, shell_id, address, identity.principal, peer)
        if action not in _SHELL_ACTIONS:
            raise wsman.action_not_supported(action)
        with self._lock:
            commands = self._shells.get(shell_id)
        if commands is None:
            raise wsman.shell_not_found(shell_id)
        if action == wsman.ACTION_COMMAND:
            command, arguments = wsman.parse_command_line(req.body)
            cmd = Command(wsman.new_id(), command, arguments, identity)
            with self._lock:
                cmd.codepage = self._codepages.get(shell_id, 437)
            cmd.reads_stdin = self._reads_stdin is not None and self._reads_stdin(command, arguments)
            with self._lock:
                commands[cmd.id] = cmd
            self._count("commands")
            return wsman.command_response(rel, cmd.id)
        if action == wsman.ACTION_SEND:
            for chunk in wsman.parse_send(req.body):
                self._command(commands, chunk.command_id).feed(chunk.data, chunk.end)
            return wsman.send_response(rel)
        if action == wsman.ACTION_RECEIVE:
            cmd = self._command(commands, wsman.parse_receive(req.body))
            wait = min(self._wait, req.operation_timeout or float("inf"))
            stdout, stderr, exit_code = self._receive(cmd, wait, self._reply_budget(req, rel, cmd.id))
            return wsman.receive_response(rel, cmd.id, stdout, stderr, exit_code)
        if action == wsman.ACTION_SIGNAL:
            command_id, code = wsman.parse_signal(req.body)
            cmd = self._command(commands, command_id)
            if code == wsman.SIGNAL_TERMINATE:
                with self._lock:
                    commands.pop(command_id, None)
                cmd.abort()
            return wsman.signal_response(rel)
        # Delete
        with self._lock:
            self._shells.pop(shell_id, None)
            self._owners.pop(shell_id, None)
            self._codepages.pop(shell_id, None)
            doomed = list(commands.values())
        for cmd in doomed:
            cmd.abort()
        return wsman.delete_response(rel)

    def _command(self, commands: dict[str, Command], command_id: str) -> Command:
        with self._lock:
            cmd = commands.get(command_id)
        if cmd is None:
            raise wsman.command_not_found(command_id)
        return cmd

    def _reply_budget(self, req: wsman.WsmanRequest, relates_to: str, command_id: str) -> int:
        """Raw output bytes (both streams) one ReceiveResponse may carry so the envelope fits the client's
        MaxEnvelopeSize, capped by the node's MaxEnvelopeSizekb (MS-WSMV 3.1.4.1.7: the server uses the smaller)
        and by ``max_output_chunk``; the rest waits for the next Receive (CommandState Running), as on Windows."""
        limit = self._max_envelope() if self._max_envelope is not None else None
        if req.max_envelope is not None:
            limit = req.max_envelope if limit is None else min(limit, req.max_envelope)
        if limit is None:
            return self._chunk
        # The reply without output, with both streams' elements present (their data is what we size).
        overhead = len(wsman.receive_response(relates_to, command_id, b"x", b"x", 2**31 - 1))
        return max(3, min(self._chunk, (limit - overhead) // 4 * 3))

    def _receive(self, cmd: Command, wait: float, budget: int | None = None) -> tuple[bytes, bytes, int | None]:
        """Long-poll (gotcha 1): wait up to ``wait`` s for the result, else the timeout fault pywinrm re-polls on.

        The handler starts at the first Receive once stdin is complete (``End="true"``), so it always sees the
        whole stdin. A program that does not read stdin (``run_ps``'s ``-EncodedCommand``) starts at once when no
        Send arrived; one that reads it (the ssocheck bootstrap, ``powershell -``) waits for stdin's end even when
        the client polls Receive first, as on Windows (Go masterzen/winrm RunWithInput, review clients.md D4).
        """
        deadline = time.monotonic() + wait
        with cmd.cond:
            while (not cmd.started and (cmd.sends or cmd.reads_stdin) and not cmd.stdin_closed
                   and not cmd.aborted):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise wsman.timed_out()
                cmd.cond.wait(remaining)
            if not cmd.started and not cmd.aborted:
                cmd.started = True
                worker = threading.Thread(target=self._execute, args=(cmd,), name=f"lab-{self.node}-cmd", daemon=True)
                worker.start()
        if not cmd.finished.wait(max(0.0, deadline - time.monotonic())):
            raise wsman.timed_out()
        if cmd.aborted:
            raise wsman.command_not_found(cmd.id)
        return cmd.next_chunk(budget if budget is not None else self._chunk)

    def _execute(self, cmd: Command) -> None:
        """Worker thread: run the handler; an exception becomes exit code 1 with a CLIXML error on stderr."""
        CONSOLE_CODEPAGE.set(cmd.codepage)  # this worker thread's context: encode_console uses the shell's code page
        try:
            result = self._handler(self.node, cmd.command, cmd.arguments, bytes(cmd.stdin), cmd.identity)
            if not isinstance(result, CommandResult):
                raise TypeError(f"command handler returned {type(result).__name__}, not CommandResult")
        except Exception as exc:
            log.warning("node %s: command handler raised %r", self.node, exc)
            log.debug("handler traceback", exc_info=True)
            result = CommandResult(b"", clixml_error(str(exc) or type(exc).__name__), 1)
        with cmd.cond:
            cmd.result = result
        cmd.finished.set()
