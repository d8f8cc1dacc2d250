"""Progress of fact collection on stderr: quiet for quick runs, one live line on a terminal, sparse lines in CI.

* Nothing at all when disabled, and nothing for a run shorter than ``delay_s`` (1 s): a fast run
  should print its report and nothing else.
* On a TTY, one line rewritten in place with ``\\r``: ``collecting facts: 3/4 nodes (1 error)``.
* Elsewhere (CI logs), a plain line at most every ``interval_s`` (5 s), only when something
  changed, so a log is not flooded.

Collection runs nodes on worker threads, so every method takes a lock. The clock is injectable for
tests; ``auto_refresh`` starts a small daemon thread so the line appears (and the TTY line stays
current) even while no node has finished yet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    """Thread-safe progress line for "N of M nodes collected".

    Call :meth:`start` with the number of nodes, :meth:`node_done` as each node finishes (from any
    thread) and :meth:`finish` at the end (it clears the TTY line or ends the log with a last line).
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool = True,
        is_tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        delay_s: float = 1.0,
        interval_s: float = 5.0,
        label: str = "collecting facts",
        auto_refresh: bool = True,
        refresh_s: float = 0.25,
    ) -> None:
        self._stream = stream
        self._enabled = enabled
        self._tty = _isatty(stream) if is_tty is None else is_tty
        self._clock = clock
        self._delay_s = delay_s
        self._interval_s = interval_s
        self._label = label
        self._auto_refresh = auto_refresh
        self._refresh_s = refresh_s
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._errors = 0
        self._started: float | None = None
        self._last_write: float | None = None
        self._last_text = ""
        self._drawn_width = 0  # width of the TTY line on screen, to blank it out
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self, total: int) -> None:
        """Begin counting ``total`` nodes; nothing is shown until ``delay_s`` has passed."""
        with self._lock:
            self._total = total
            self._done = self._errors = 0
            self._started = self._clock()
            self._last_write = None
            self._last_text = ""
        if self._enabled and self._auto_refresh and self._ticker is None:
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick_loop, name="progress", daemon=True)
            self._ticker.start()

    def node_done(self, name: str, ok: bool) -> None:
        """Count one node as finished (``ok=False`` when its facts could not be collected)."""
        with self._lock:
            self._done += 1
            if not ok:
                self._errors += 1
            self._maybe_draw()

    def tick(self) -> None:
        """Redraw if due; the auto-refresh thread calls this, tests call it with a fake clock."""
        with self._lock:
            self._maybe_draw()

    def finish(self) -> None:
        """Stop: clear the TTY line, or write a last line in a log that already shows progress."""
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        with self._lock:
            if not self._enabled or self._started is None:
                return
            if self._tty:
                if self._drawn_width:
                    self._write("\r" + " " * self._drawn_width + "\r")
                    self._drawn_width = 0
            elif self._last_write is not None:
                text = self._text() + " done"
                self._write(text + "\n")
            self._started = None

    # -- internals (called with the lock held) --

    def _text(self) -> str:
        errors = f" ({self._errors} error{'s' if self._errors != 1 else ''})" if self._errors else ""
        return f"{self._label}: {self._done}/{self._total} nodes{errors}"

    def _maybe_draw(self) -> None:
        if not self._enabled or self._started is None:
            return
        now = self._clock()
        if now - self._started < self._delay_s:
            return
        text = self._text()
        if self._tty:
            if text != self._last_text:
                # Pad with spaces so a shorter line fully covers the previous one.
                self._write("\r" + text.ljust(self._drawn_width))
                self._drawn_width = max(self._drawn_width, len(text))
                self._last_text = text
                self._last_write = now
            return
        due = self._last_write is None or now - self._last_write >= self._interval_s
        if due and text != self._last_text:
            self._write(text + "\n")
            self._last_text = text
            self._last_write = now

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not break collection
            self._enabled = False

    def _tick_loop(self) -> None:
        while not self._stop.wait(self._refresh_s):
            self.tick()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
