"""Strict JSON for data a node (or a file) supplied: what ssocheck accepts, and what it always writes.

Python's ``json`` module accepts things other readers refuse or that break ssocheck later:
``NaN``/``Infinity`` (not JSON; Node.js and jq reject the snapshot), lone UTF-16 surrogates such as
``"\\ud800"`` (valid JSON escapes, but no UTF-8 encoder can write them: the console and HTML
crashed), and nesting deep enough that the recursive encoder or a recursive walk overflows the
stack (~1000 levels). This module finds such values so they become one node's or one file's clear
error instead of a crash of the whole run, and every file ssocheck writes reads back anywhere.

Limits (documented in README "Reliability"): nesting deeper than :data:`MAX_DEPTH` levels, and a
single fact value larger than :data:`MAX_VALUE_CHARS` characters, are refused.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from ssocheck import fastjson

# The probe caps its own JSON writer at 16 levels; 64 leaves room for snapshot and baseline wrappers.
MAX_DEPTH = 64
# One fact value (all its strings and keys together); a healthy node's largest (a secedit export) is ~100 KB.
MAX_VALUE_CHARS = 4 * 2**20

_SURROGATE = re.compile("[\ud800-\udfff]")


class NonStandardNumber:
    """Stands in for ``NaN``/``Infinity`` while parsing, so the caller can say where it was."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def loads(text: str) -> Any:
    """``json.loads`` that keeps ``NaN``/``Infinity`` as :class:`NonStandardNumber` markers.

    Raises ``json.JSONDecodeError`` for invalid JSON, ``RecursionError`` for absurd nesting and
    ``ValueError`` for an integer of more than 4300 digits (Python's own limit).
    """
    return json.loads(text, parse_constant=NonStandardNumber)


def problem(value: Any, path: str = "", max_chars: int | None = None) -> tuple[str, str] | None:
    """The first thing in ``value`` that strict JSON (or ssocheck) cannot carry: ``(path, problem)``, else None.

    Iterative, so a value nested thousands of levels deep is reported rather than crashing the walk.
    """
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    size = 0
    while stack:
        cur, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            return where or "(top level)", f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(cur, str):
            size += len(cur)
            if _SURROGATE.search(cur):
                return where or "(top level)", "contains an unpaired UTF-16 surrogate (not valid Unicode text)"
        elif isinstance(cur, NonStandardNumber):
            return where or "(top level)", f"contains {cur.text}, which is not a JSON number"
        elif isinstance(cur, float) and not math.isfinite(cur):
            return where or "(top level)", f"contains {cur}, which is not a JSON number"
        elif isinstance(cur, dict):
            for key, item in cur.items():
                size += len(str(key))
                if isinstance(key, str) and _SURROGATE.search(key):
                    return where or "(top level)", "has a key with an unpaired UTF-16 surrogate"
                stack.append((item, f"{where}.{key}" if where else str(key), depth + 1))
        elif isinstance(cur, list):
            for i, item in enumerate(cur):
                stack.append((item, f"{where}[{i}]", depth + 1))
        if max_chars is not None and size > max_chars:
            return where or "(top level)", f"larger than {max_chars // 2**20} MiB of text"
    return None


def clean_text(text: str, limit: int = 2000) -> str:
    """A node-supplied string made writable: surrogates replaced, cut to ``limit`` characters."""
    text = _SURROGATE.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that refuses NaN/Infinity: what ssocheck writes is always strict JSON."""
    if isinstance(kwargs.get("indent"), int) and set(kwargs) <= {"indent", "sort_keys"}:
        # The snapshot and the baseline: indented, which json.dumps encodes in pure Python (fastjson: same text).
        return fastjson.dumps(value, indent=kwargs["indent"], sort_keys=bool(kwargs.get("sort_keys")), allow_nan=False)
    return json.dumps(value, allow_nan=False, **kwargs)


def load_document(text: str, source: str, what: str) -> Any:
    """Parse a file ssocheck wrote (snapshot, baseline): strict, or a SnapshotError naming file and field."""
    from ssocheck.errors import SnapshotError

    try:
        doc = loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"not valid JSON (line {exc.lineno}: {exc.msg}): corrupt {what}", source=source) from exc
    except RecursionError as exc:
        raise SnapshotError(f"nested too deeply: corrupt {what}", source=source) from exc
    except ValueError as exc:
        raise SnapshotError(f"unreadable value ({clean_text(str(exc), 120)}): corrupt {what}", source=source) from exc
    bad = problem(doc)
    if bad is not None:
        raise SnapshotError(bad[1], source=source, field=clean_text(bad[0], 200))
    return doc
