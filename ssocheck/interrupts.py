"""Ctrl-C and SIGTERM during a run: stop cleanly on the first, exit at once on the second.

The first SIGINT/SIGTERM does not raise: it sets an event the collector watches (ssocheck/deadline.py),
so no new node is contacted, nodes in flight are abandoned within a poll interval (their sockets shut,
their shells then deleted on a new connection within a few seconds: ssocheck/collect.py), and the run
goes on to write its reports with the verdict INTERRUPTED and the audit trail (the state-changing
commands above all), then exits 130. A second signal means "now": the process exits 130
at once, without reports. Python raises KeyboardInterrupt only in the main thread; a handler is only
installed there (elsewhere the event simply never fires).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

EXIT_INTERRUPTED = 130


@contextmanager
def interruptible(announce: bool = True) -> Iterator[threading.Event]:
    """Within the block, the first SIGINT/SIGTERM sets the yielded event; a second one exits 130 at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            # The operator insists: no reports, no cleanup beyond what the OS does. Reset colours first.
            _write("\nssocheck: interrupted again: exiting now (no reports written)\n")
            os._exit(EXIT_INTERRUPTED)
        stop.set()
        if announce:
            name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            _write(f"\nssocheck: {name}: stopping: no further node is contacted, nodes in flight are abandoned; "
                   "reports are written as INTERRUPTED (press Ctrl-C again to exit at once)\n")

    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            # Once interrupted, any further signal (while the reports are written) means "exit now".
            signal.signal(sig, handler if stop.is_set() else old)


def _write(text: str) -> None:
    """Best effort to stderr, never raising from a signal handler (stderr may be a closed pipe)."""
    try:
        sys.stderr.write("\x1b[0m" + text if sys.stderr.isatty() else text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
