"""YAML for files a person (or a CI job) hands to ssocheck: inventory, waivers, lab scenarios and overlays.

``yaml.safe_load`` never runs code, but it still accepts a "billion laughs" file: aliases are
shared cheaply while parsing, so a 2 KB file looks harmless until something walks or prints it
(an error message's ``repr`` took 7.5 GB). It also overflows the stack on a deeply nested file
and reports a non-UTF-8 file as an internal error. :func:`load` refuses all of these with one
line naming the file; :func:`short` keeps any value quoted in an error message small.

Limits (README "Reliability"): files up to :data:`MAX_BYTES`, at most :data:`MAX_ALIASES` alias
uses, nesting up to :data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1 * 2**20
MAX_ALIASES = 100
MAX_DEPTH = 64


class YamlLimitError(ValueError):
    """The file breaks one of the limits above (the message says which)."""


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts alias uses and nesting depth while composing the node graph."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlLimitError(f"line {mark.line + 1}: more than {MAX_ALIASES} aliases (*name); "
                                     "refused (a 'billion laughs' file looks like this)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlLimitError(f"line {mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_text(path: Path) -> str:
    """The file as UTF-8 text; raises OSError, or YamlLimitError for a too-large or non-UTF-8 file."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlLimitError(f"file is {size // 1024} KiB; ssocheck reads at most {MAX_BYTES // 1024} KiB")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlLimitError(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc


def loads(text: str) -> Any:
    """Parse YAML text within the limits; raises yaml.YAMLError or YamlLimitError."""
    if len(text) > MAX_BYTES:
        raise YamlLimitError(f"text is over {MAX_BYTES // 1024} KiB")
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError as exc:
        raise YamlLimitError(f"nested deeper than {MAX_DEPTH} levels") from exc
    finally:
        loader.dispose()


def describe(exc: yaml.YAMLError) -> str:
    """``line N: not valid YAML`` for a parser error."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    return f"{where}not valid YAML"


_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80
_repr.maxlist = _repr.maxdict = _repr.maxtuple = _repr.maxset = 4
_repr.maxlevel = 2


def short(value: Any) -> str:
    """``repr(value)`` cut to a few dozen characters: error messages never echo huge (or shared) values."""
    return _repr.repr(value)
