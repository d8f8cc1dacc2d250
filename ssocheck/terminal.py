"""Terminal conventions for the console report: when to colour, and how wide to lay tables out.

Colour, in order of precedence:

1. ``--no-color``: never;
2. ``NO_COLOR`` set to a non-empty value: never (https://no-color.org);
3. ``FORCE_COLOR`` set to a non-empty value: always, even into a pipe or a CI log that renders ANSI
   (GitLab, GitHub Actions, Jenkins with AnsiColor) (https://force-color.org);
4. ``TERM=dumb``: never;
5. otherwise colour only when stdout is a terminal.

Width: the terminal's width when stdout is one; else ``COLUMNS`` when set (CI systems and ``script`` set
it); else :data:`DEFAULT_WIDTH`, wide enough for a CI log viewer without wrapping every row.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import IO

DEFAULT_WIDTH = 120
# Narrower than this the table cannot show a message column worth reading; it wraps instead.
MIN_WIDTH = 60


def use_color(stream: IO[str], no_color_flag: bool = False, env: Mapping[str, str] | None = None) -> bool:
    """Whether the console report written to ``stream`` gets ANSI colours (see the module docstring)."""
    env = os.environ if env is None else env
    if no_color_flag or env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    if env.get("TERM", "") == "dumb":
        return False
    return _isatty(stream)


def width(stream: IO[str], env: Mapping[str, str] | None = None) -> int:
    """Columns available for the console report on ``stream`` (at least :data:`MIN_WIDTH`)."""
    env = os.environ if env is None else env
    columns = 0
    if _isatty(stream):
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            columns = shutil.get_terminal_size((0, 0)).columns
    if not columns:
        try:
            columns = int(env.get("COLUMNS", "") or 0)
        except ValueError:
            columns = 0
    return max(MIN_WIDTH, columns or DEFAULT_WIDTH)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or a fake stream
        return False
