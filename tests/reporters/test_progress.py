"""Progress line: silent for short runs, one rewritten line on a TTY, sparse lines in logs (fake clock)."""

from __future__ import annotations

import io
import threading
import time

from ssocheck.progress import Progress


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make(tty: bool, enabled: bool = True) -> tuple[Progress, io.StringIO, FakeClock]:
    stream, clock = io.StringIO(), FakeClock()
    return Progress(stream, enabled=enabled, is_tty=tty, clock=clock, auto_refresh=False), stream, clock


def test_disabled_writes_nothing_at_all() -> None:
    for tty in (True, False):
        progress, stream, clock = make(tty, enabled=False)
        progress.start(4)
        clock.advance(60)
        progress.node_done("A", ok=False)
        progress.tick()
        progress.finish()
        assert stream.getvalue() == ""


def test_short_runs_write_nothing() -> None:
    for tty in (True, False):
        progress, stream, clock = make(tty)
        progress.start(3)
        for name in ("A", "B", "C"):
            clock.advance(0.3)
            progress.node_done(name, ok=name != "B")
            progress.tick()
        progress.finish()
        assert stream.getvalue() == ""


def test_tty_rewrites_one_line_and_clears_it() -> None:
    progress, stream, clock = make(tty=True)
    progress.start(4)
    clock.advance(0.5)
    progress.node_done("A", ok=True)
    assert stream.getvalue() == ""  # under 1 s: nothing yet
    clock.advance(0.7)
    progress.tick()
    assert stream.getvalue() == "\rcollecting facts: 1/4 nodes"
    progress.node_done("B", ok=False)
    progress.node_done("C", ok=True)
    assert stream.getvalue().endswith("\rcollecting facts: 3/4 nodes (1 error)")
    progress.node_done("D", ok=False)
    assert stream.getvalue().endswith("\rcollecting facts: 4/4 nodes (2 errors)")
    before = stream.getvalue()
    progress.tick()  # nothing changed: nothing written
    assert stream.getvalue() == before
    progress.finish()
    out = stream.getvalue()
    width = len("collecting facts: 4/4 nodes (2 errors)")
    assert out.endswith("\r" + " " * width + "\r")
    assert "\n" not in out


def test_tty_shorter_line_covers_the_longer_one() -> None:
    progress, stream, clock = make(tty=True)
    progress.start(10)
    clock.advance(2)
    progress.node_done("A", ok=False)
    progress.start(10)  # a new phase with fresh counts: "1 error" disappears
    clock.advance(2)
    progress.node_done("A", ok=True)
    last = stream.getvalue().split("\r")[-1]
    assert last.rstrip() == "collecting facts: 1/10 nodes"
    assert len(last) == len("collecting facts: 1/10 nodes (1 error)")


def test_non_tty_writes_plain_lines_at_most_every_five_seconds() -> None:
    progress, stream, clock = make(tty=False)
    progress.start(4)
    clock.advance(1.2)
    progress.node_done("A", ok=True)
    assert stream.getvalue() == "collecting facts: 1/4 nodes\n"
    clock.advance(1)
    progress.node_done("B", ok=False)
    clock.advance(1)
    progress.tick()
    assert stream.getvalue().count("\n") == 1  # only 2.0 s since the last line
    clock.advance(3.1)
    progress.tick()
    assert stream.getvalue().splitlines()[-1] == "collecting facts: 2/4 nodes (1 error)"
    clock.advance(10)
    progress.tick()  # due but unchanged: no duplicate line
    assert stream.getvalue().count("\n") == 2
    progress.node_done("C", ok=True)
    progress.node_done("D", ok=True)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[-1] == "collecting facts: 4/4 nodes (1 error) done"
    assert lines == [
        "collecting facts: 1/4 nodes",
        "collecting facts: 2/4 nodes (1 error)",
        "collecting facts: 3/4 nodes (1 error)",
        "collecting facts: 4/4 nodes (1 error) done",
    ]


def test_non_tty_finish_after_a_short_run_writes_nothing() -> None:
    progress, stream, clock = make(tty=False)
    progress.start(2)
    clock.advance(0.9)
    progress.node_done("A", ok=True)
    progress.node_done("B", ok=True)
    progress.finish()
    assert stream.getvalue() == ""


def test_thread_safe_counting() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = Progress(stream, is_tty=False, clock=clock, delay_s=0, interval_s=0, auto_refresh=False)
    progress.start(800)
    def worker() -> None:
        for i in range(100):
            progress.node_done("n", ok=i % 2 == 0)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[-1] == "collecting facts: 800/800 nodes (400 errors) done"
    assert all(line.startswith("collecting facts: ") for line in lines)  # no interleaved partial writes


def test_auto_refresh_shows_the_line_before_any_node_finishes() -> None:
    stream = io.StringIO()
    progress = Progress(stream, is_tty=True, delay_s=0.05, refresh_s=0.01, auto_refresh=True)
    progress.start(2)
    deadline = time.monotonic() + 5
    while "0/2" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    progress.finish()
    assert "\rcollecting facts: 0/2 nodes" in stream.getvalue()
    assert stream.getvalue().endswith("\r")
    assert not [t for t in threading.enumerate() if t.name == "progress"]


def test_tty_detection_from_the_stream() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream, clock = Tty(), FakeClock()
    progress = Progress(stream, clock=clock, delay_s=0, auto_refresh=False)
    progress.start(1)
    progress.node_done("A", ok=True)
    assert stream.getvalue().startswith("\r")
