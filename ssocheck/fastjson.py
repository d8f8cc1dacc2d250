"""``json.dumps`` with an indent, byte for byte, at a fraction of the cost for large documents.

The standard library's C encoder ignores ``indent`` (CPython 3.11: ``c_make_encoder`` is used only when
``indent is None``), so every indented ``json.dumps`` runs the pure-Python encoder, which passes each token up
through one generator per nesting level. The JSON report (7 MB, 11,500 results at 500 nodes) and the snapshot
are indented for diffs; at 500 nodes that encoder was a quarter of rendering every report (benchmarks/README.md).

:func:`dumps` writes the same text by recursion into one list. It takes the fast path only for documents made of
exactly ``dict`` (``str`` keys), ``list``, ``tuple``, ``str``, ``int``, ``bool``, finite ``float`` and ``None``,
which is what ``to_dict()`` and the checks' evidence produce. Anything else (a subclass, a non-string key, a
value for ``default``, NaN or infinity, a cycle) makes it hand the whole document to ``json.dumps`` with the
same options, so the result, or the exception, is always exactly ``json.dumps``'s.
``tests/test_fastjson.py`` compares the two on generated documents and on real reports.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

__all__ = ["dumps"]


class _Fallback(Exception):
    """A value the fast path does not handle: ``json.dumps`` encodes the whole document instead."""


def dumps(
    value: Any,
    *,
    indent: int,
    sort_keys: bool = False,
    allow_nan: bool = True,
    default: Callable[[Any], Any] | None = None,
) -> str:
    """``json.dumps(value, indent=indent, sort_keys=sort_keys, allow_nan=allow_nan, default=default)``."""
    parts: list[str] = []
    try:
        _Encoder(" " * indent, sort_keys, parts).encode(value, 0)
    except (_Fallback, RecursionError):
        # RecursionError: a cycle (json.dumps says "Circular reference detected") or absurd nesting.
        return json.dumps(value, indent=indent, sort_keys=sort_keys, allow_nan=allow_nan, default=default)
    return "".join(parts)


class _Encoder:
    """One document's encoding state: the indent unit, key order and the output list."""

    __slots__ = ("indent", "newlines", "parts", "sort_keys")

    def __init__(self, indent: str, sort_keys: bool, parts: list[str]) -> None:
        self.indent = indent
        self.sort_keys = sort_keys
        self.parts = parts
        # "\n" + indent * level, by level: built once, not per container.
        self.newlines: list[str] = ["\n"]

    def _newline(self, level: int) -> str:
        newlines = self.newlines
        while len(newlines) <= level:
            newlines.append("\n" + self.indent * len(newlines))
        return newlines[level]

    def encode(self, value: Any, level: int) -> None:
        """Append the encoding of ``value`` at nesting ``level`` (the indent of the line it starts on)."""
        kind = type(value)
        parts = self.parts
        if kind is str:
            parts.append(encode_basestring_ascii(value))
        elif kind is dict:
            self._dict(value, level)
        elif kind is list or kind is tuple:
            self._list(value, level)
        else:
            parts.append(_scalar(value))

    # _dict and _list repeat the member dispatch of encode() inline, on purpose: a call per value instead (730,000
    # values in a 500-node report) made the encoder about 1.5 times slower, measured.
    def _dict(self, value: dict[Any, Any], level: int) -> None:
        append = self.parts.append
        if not value:
            append("{}")
            return
        inner = self._newline(level + 1)
        separator = "," + inner
        append("{" + inner)
        items = sorted(value.items()) if self.sort_keys else value.items()
        first = True
        for key, item in items:
            if type(key) is not str:
                raise _Fallback  # json.dumps converts numbers, bools and None to key strings; rare, not redone here
            if first:
                first = False
                append(encode_basestring_ascii(key) + ": ")
            else:
                append(separator + encode_basestring_ascii(key) + ": ")
            kind = type(item)
            if kind is str:
                append(encode_basestring_ascii(item))
            elif kind is dict:
                self._dict(item, level + 1)
            elif kind is list or kind is tuple:
                self._list(item, level + 1)
            else:
                append(_scalar(item))
        append(self._newline(level) + "}")

    def _list(self, value: list[Any] | tuple[Any, ...], level: int) -> None:
        append = self.parts.append
        if not value:
            append("[]")
            return
        inner = self._newline(level + 1)
        separator = "," + inner
        append("[" + inner)
        first = True
        for item in value:
            if first:
                first = False
            else:
                append(separator)
            kind = type(item)
            if kind is str:
                append(encode_basestring_ascii(item))
            elif kind is dict:
                self._dict(item, level + 1)
            elif kind is list or kind is tuple:
                self._list(item, level + 1)
            else:
                append(_scalar(item))
        append(self._newline(level) + "]")


def _scalar(value: Any) -> str:
    """``json.dumps`` of a number, a bool or None; anything else is not handled here (:class:`_Fallback`)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    raise _Fallback
