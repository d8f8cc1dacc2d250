"""Suite-wide fixtures.

``ssocheck run`` keeps its "exit at once" SIGINT/SIGTERM handler installed after an interrupted run (a second
Ctrl-C while reports are written must end the process). Tests run the CLI in-process, so each test gets the
signal handlers it started with back: an interrupted run in one test must not change what Ctrl-C does in the next.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_signal_handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
