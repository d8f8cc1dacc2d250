"""Hard wall-clock deadlines for work a remote server can stall: abandonable threads, sockets shut at the deadline.

pywinrm's ``read_timeout`` is a per-``recv`` timeout: a server that sends one byte a second never
trips it, and a ``ThreadPoolExecutor`` cannot be left while one of its workers is stuck (its
``__exit__`` joins). So each unit of work (one node) runs in its own daemon thread, the caller
waits on a queue with the deadline in hand, and at the deadline (or on an interrupt) it
*abandons* the thread: every socket that thread opened is shut down (``shutdown(SHUT_RDWR)``
wakes a blocked ``recv`` at once) and any new connection it tries fails immediately, so the
thread ends within milliseconds instead of lingering. A daemon thread never delays the exit.

Sockets are found through a tiny urllib3 hook (:func:`install`): the connection classes of
urllib3's pools register each new socket with the :class:`Abort` of the current thread, if any.
Threads without an Abort are untouched.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

_current = threading.local()
_installed = False
_install_lock = threading.Lock()

# How often the waiting thread wakes up to look at deadlines and the stop flag (seconds).
POLL_S = 0.1


class Abort:
    """The kill switch of one abandonable unit of work: its sockets and why it was abandoned."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.reason: str | None = None
        # What the work was doing, for the message of a deadline ("waiting for the answer"...).
        self.stage = "connecting"
        # What to undo on the server if the work is abandoned (the WinRM transport: delete its open shell).
        # Run by whoever abandoned the work, on a new connection: this unit's own sockets are shut by then.
        self.cleanup: Callable[[], str] | None = None

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self.reason is not None

    def register(self, sock: socket.socket) -> None:
        """Track a socket the work opened; refuse it (and shut it) if the work was already abandoned."""
        with self._lock:
            if self.reason is not None:
                _shut(sock)
                raise OSError(f"abandoned: {self.reason}")
            self._sockets.append(sock)

    def cancel(self, reason: str) -> None:
        """Abandon the work: shut every socket it opened; later connections fail at once."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
            socks, self._sockets = self._sockets, []
        for sock in socks:
            _shut(sock)

    def check(self) -> None:
        """Raise :class:`Abandoned` in the worker if it was abandoned (cheap; call between steps)."""
        if self.reason is not None:
            raise Abandoned(self.reason)


class Abandoned(Exception):
    """Raised inside abandoned work; the caller already recorded the outcome."""


def _shut(sock: socket.socket) -> None:
    # shutdown, not close: closing a descriptor another thread is blocked on can hand the number
    # to a new socket; shutdown wakes the reader and the owner's own close releases it.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def current() -> Abort | None:
    """The Abort of the calling thread, if it runs abandonable work."""
    return getattr(_current, "abort", None)


def install() -> None:
    """Make urllib3's connection pools register their sockets with the current thread's Abort (idempotent)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from urllib3 import connection, connectionpool

        class TrackedHTTPConnection(connection.HTTPConnection):
            def _new_conn(self) -> socket.socket:
                abort = current()
                if abort is not None and abort.cancelled:
                    raise OSError(f"abandoned: {abort.reason}")
                sock = super()._new_conn()
                if abort is not None:
                    abort.register(sock)
                return sock

        # The same tracking for HTTPS: TrackedHTTPConnection._new_conn's super() is HTTPSConnection's here (MRO).
        class TrackedHTTPSConnection(TrackedHTTPConnection, connection.HTTPSConnection):
            pass

        connectionpool.HTTPConnectionPool.ConnectionCls = TrackedHTTPConnection
        connectionpool.HTTPSConnectionPool.ConnectionCls = TrackedHTTPSConnection
        _installed = True


@dataclass(frozen=True)
class Finished(Generic[T]):
    """The work ended by itself (its value, or the exception it raised)."""

    value: T | None
    error: BaseException | None = None


@dataclass(frozen=True)
class GivenUp:
    """The work was abandoned (``timeout`` / ``interrupted``) or never started (``not started``)."""

    why: str  # "timeout", "interrupted", "not started" or "held"
    stage: str
    elapsed_s: float
    # The abandoned work's Abort: its ``cleanup`` is read after the run, as the worker may set it an instant
    # after being abandoned (the shell's Create answer was already in hand). None when never started.
    abort: Abort | None = field(default=None, compare=False, repr=False)


def run_all(
    tasks: Sequence[tuple[str, Callable[[], T]]],
    *,
    workers: int,
    timeout: float,
    stop: threading.Event | None = None,
    on_done: Callable[[str, Finished[T] | GivenUp], None] | None = None,
    hold: threading.Event | None = None,
) -> dict[str, Finished[T] | GivenUp]:
    """Run ``tasks`` (key, work) at most ``workers`` at a time, each cut off ``timeout`` s after it started.

    Returns one entry per key: :class:`Finished` or :class:`GivenUp`. When ``stop`` is set, no new
    task starts and running ones are abandoned at once. When ``hold`` is set, no new task starts
    (``held``) but running ones finish. A KeyboardInterrupt in the waiting thread
    abandons every running task before it propagates.
    """
    install()
    pending = deque(tasks)
    running: dict[str, tuple[Abort, float]] = {}
    done: queue.Queue[tuple[str, Finished[T]]] = queue.Queue()
    outcomes: dict[str, Finished[T] | GivenUp] = {}

    def settle(key: str, outcome: Finished[T] | GivenUp) -> None:
        outcomes[key] = outcome
        if on_done is not None:
            on_done(key, outcome)

    def start(key: str, work: Callable[[], T]) -> None:
        abort = Abort()

        def body() -> None:
            _current.abort = abort
            try:
                result: Finished[T] = Finished(work())
            except BaseException as exc:  # handed to the caller, never lost in a thread
                result = Finished(None, exc)
            done.put((key, result))

        running[key] = (abort, time.monotonic())
        threading.Thread(target=body, name=f"ssocheck-{key}", daemon=True).start()

    try:
        while pending or running:
            if stop is not None and stop.is_set():
                now = time.monotonic()
                for key, (abort, began) in list(running.items()):
                    # The stage before the cancel: the woken worker moves on to its clean-up at once.
                    stage = abort.stage
                    abort.cancel("interrupted")
                    settle(key, GivenUp("interrupted", stage, now - began, abort))
                running.clear()
                while pending:
                    settle(pending.popleft()[0], GivenUp("not started", "", 0.0))
                break
            if hold is not None and hold.is_set():
                while pending:
                    settle(pending.popleft()[0], GivenUp("held", "", 0.0))
                if not running:
                    break
            while pending and len(running) < max(1, workers):
                start(*pending.popleft())
            now = time.monotonic()
            first_deadline = min(began + timeout for _, began in running.values())
            try:
                key, result = done.get(timeout=max(0.0, min(first_deadline - now, POLL_S)))
                if key in running:  # else it finished just after being abandoned: keep the verdict
                    del running[key]
                    settle(key, result)
                continue
            except queue.Empty:
                pass
            now = time.monotonic()
            for key, (abort, began) in list(running.items()):
                if now - began >= timeout:
                    stage = abort.stage
                    abort.cancel("timeout")
                    del running[key]
                    settle(key, GivenUp("timeout", stage, now - began, abort))
    except BaseException:
        for abort, _ in running.values():
            abort.cancel("interrupted")
        raise
    return outcomes


def elapsed_text(seconds: float) -> str:
    """``30 s`` / ``1.5 s``: a short duration for messages."""
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def describe_given_up(node: str, given_up: GivenUp, timeout: float) -> str:
    """One line for a node that was abandoned or never contacted."""
    if given_up.why == "held":
        return (f"{node}: not contacted: another node rejected the credentials, so they were not tried again "
                "(a wrong password would lock the account out in Active Directory); fix them and run again, or set "
                "connection.stop_after_auth_failure: false")
    if given_up.why == "not started":
        return f"{node}: not contacted: the run was interrupted before this node's turn"
    if given_up.why == "interrupted":
        return f"{node}: interrupted while {given_up.stage}; no complete answer"
    return (f"{node}: no complete answer within {elapsed_text(timeout)} (node_timeout) while {given_up.stage}; "
            "the node kept the connection open but did not finish answering, so it was abandoned")


def check_current() -> None:
    """Stop the calling abandonable work (raise :class:`Abandoned`) if it was abandoned."""
    abort = current()
    if abort is not None:
        abort.check()


def set_stage(stage: str) -> None:
    """Record what the current abandonable work is doing (for the message if it is abandoned)."""
    abort = current()
    if abort is not None:
        abort.stage = stage


def on_abandon(cleanup: Callable[[], str] | None) -> None:
    """Register (or, with None, clear) what to undo on the server if the current work is abandoned."""
    abort = current()
    if abort is not None:
        abort.cleanup = cleanup


# The clean-up of abandoned work (the Delete of WinRM shells), all units in parallel, is cut off this many seconds
# after it began: pywinrm's own timeouts (2 s read) do not bound a server that trickles, this hard deadline does.
CLEANUP_BOUND_S = 3.0


def clean_up_abandoned(outcomes: Mapping[str, Finished[Any] | GivenUp]) -> dict[str, str]:
    """Run the ``cleanup`` of every abandoned unit that registered one; what happened, per key, as a phrase.

    For the WinRM transport that is the Delete of the node's open shell: left alone it would stay open until
    WinRM's idle timeout, and open shells count against MaxShellsPerUser (30; 5 on Server 2008 R2), so a few
    interrupted runs could lock the operator out. A unit abandoned before its shell was opened (connection
    refused, a Create never answered) registered nothing: no new connection. Never raises; takes at most
    CLEANUP_BOUND_S (plus a poll interval).
    """
    cleanups = [(key, outcome.abort.cleanup) for key, outcome in outcomes.items()
                if isinstance(outcome, GivenUp) and outcome.abort is not None and outcome.abort.cleanup is not None]
    if not cleanups:
        return {}
    results = run_all(cleanups, workers=len(cleanups), timeout=CLEANUP_BOUND_S)
    said: dict[str, str] = {}
    for key, _ in cleanups:
        result = results.get(key)
        if isinstance(result, Finished) and isinstance(result.value, str):
            what = result.value
        elif isinstance(result, GivenUp):
            what = f"its remote shell could not be deleted within {CLEANUP_BOUND_S:.0f} s"
        else:
            what = "its remote shell could not be deleted (unexpected error)"
        if what.startswith("its remote shell was"):
            log.info("%s: %s", key, what)
        else:
            what += "; WinRM closes it after its idle timeout (it counts against MaxShellsPerUser until then)"
            log.warning("%s: %s", key, what)
        said[key] = what
    return said
