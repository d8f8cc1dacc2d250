"""Terminal conventions: NO_COLOR, FORCE_COLOR, TERM=dumb, --no-color, and the width the console lays out to."""

from __future__ import annotations

import io
import os
import pty
import re
from pathlib import Path

import pytest

from ssocheck import terminal
from ssocheck.lab.farm import LabFarm
from ssocheck.model import Report
from ssocheck.reporters import console
from tests.support.lab import run_cli


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




@pytest.mark.e2e
@pytest.mark.parametrize("width", [80, 100])
def test_a_run_with_a_down_node_fits_the_width(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    # A down node's lines and a two-node column ("BTSNODE1,BTSNODE2") made an 80-column console 83 wide
    # (issue 14 item 6): the node column gives way first, and the outage lines wrap.
    monkeypatch.setenv("COLUMNS", str(width))
    with LabFarm("node-unreachable", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", "--no-color"])
    assert code == 3, out + err
    # A file path longer than a line (the report paths under pytest's tmp folder) is the one thing left whole.
    assert [line for line in out.splitlines() if len(line) > width and not re.search(r"\S{40,}", line)] == []
    assert re.search(r"^BTS001 +critical +BTSNODE1,(BTSNODE2)? ", out, re.M), out  # the list breaks after a comma
    assert "Nodes whose facts could not be collected:" in out and "ERROR BTSNODE2: cannot connect" in out
