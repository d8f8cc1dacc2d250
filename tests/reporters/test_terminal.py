"""Terminal conventions: NO_COLOR, FORCE_COLOR, TERM=dumb, --no-color, and the width the console lays out to."""

from __future__ import annotations

import io
import os
import pty
import re

import pytest

from ssocheck import terminal
from ssocheck.model import Report
from ssocheck.reporters import console


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("tty", "flag", "env", "expected"), [
    (True, False, {}, True),
    (False, False, {}, False),
    (True, True, {}, False),
    (True, False, {"NO_COLOR": "1"}, False),
    (True, False, {"NO_COLOR": ""}, True),  # no-color.org: present *and non-empty*
    (False, False, {"FORCE_COLOR": "1"}, True),  # a CI log that renders ANSI
    (False, False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    (False, True, {"FORCE_COLOR": "1"}, False),
    (True, False, {"TERM": "dumb"}, False),
    (False, False, {"TERM": "dumb", "FORCE_COLOR": "1"}, True),
])
def test_use_color(tty: bool, flag: bool, env: dict[str, str], expected: bool) -> None:
    stream = Tty() if tty else io.StringIO()
    assert terminal.use_color(stream, flag, env) is expected


def test_width_from_a_real_terminal_columns_or_default() -> None:
    primary, secondary = pty.openpty()
    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 93, 0, 0))
        with os.fdopen(os.dup(secondary), "w") as tty:
            assert terminal.width(tty, {}) == 93
    finally:
        os.close(primary)
        os.close(secondary)
    assert terminal.width(io.StringIO(), {"COLUMNS": "150"}) == 150
    assert terminal.width(io.StringIO(), {}) == terminal.DEFAULT_WIDTH
    assert terminal.width(io.StringIO(), {"COLUMNS": "20"}) == terminal.MIN_WIDTH


@pytest.mark.parametrize("width", [80, 100, 160])
def test_console_fits_the_width(report: Report, width: int) -> None:
    text = console.render(report, width=width, verbose=True)
    long = [line for line in text.splitlines() if len(line) > width and not re.search(r"\S{40,}", line)]
    assert long == []
    # The table uses the room there is: at 160 columns the waived message fits on one line.
    if width == 160:
        assert re.search(r"^SYS001 .*waived until 2030-01-31: NTP change CHG4711 pending", text, re.M)


