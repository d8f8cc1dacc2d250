"""ssocheck.fastjson.dumps writes exactly what json.dumps writes (indent, sorted keys), or raises what it raises."""

from __future__ import annotations

import collections
import json
import math
import random
from datetime import datetime, timezone
from typing import Any

import pytest

from ssocheck import fastjson, strictjson

OPTIONS: list[dict[str, Any]] = [
    {"indent": 2, "sort_keys": True, "default": str},  # the JSON report
    {"indent": 1, "sort_keys": True, "allow_nan": False},  # the snapshot and the baseline
    {"indent": 4, "sort_keys": False},
    {"indent": 0, "sort_keys": True},  # indent 0: newlines, no spaces
]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "int", "float", "bool", "none", "unicode"]
    if depth < 5:
        kinds += ["dict", "list", "tuple", "empty"]
    kind = rng.choice(kinds)
    if kind == "str":
        return rng.choice(["", "a", 'quote " and \\ backslash', "tab\tnew\nline\r", "\x00\x1f\x7f", "</script>"])
    if kind == "unicode":
        return rng.choice(["Müller", "名前", "emoji \U0001f600", "\u2028\u2029", "\ud800 lone surrogate"])
    if kind == "int":
        return rng.choice([0, -1, 7, 2**63, -(10**30)])
    if kind == "float":
        return rng.choice([0.0, -0.0, 1.5, 1e100, 1e-7, 3.141592653589793, 0.1 + 0.2])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "none":
        return None
    if kind == "empty":
        return rng.choice([{}, [], ()])
    size = rng.randint(1, 4)
    if kind == "dict":
        return {rng.choice(["b", "a", "Z", "key 1", "é", ""]) + str(i): _random_value(rng, depth + 1)
                for i in range(size)}
    items = [_random_value(rng, depth + 1) for _ in range(size)]
    return items if kind == "list" else tuple(items)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"indent{o['indent']}")
def test_same_text_as_json_dumps_on_generated_documents(options: dict[str, Any]) -> None:
    rng = random.Random(20261130)
    for _ in range(400):
        value = _random_value(rng)
        assert fastjson.dumps(value, **options) == json.dumps(value, **options)


def test_plain_documents_never_fall_back_to_the_slow_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    values = [_random_value(rng) for _ in range(200)]
    expected = [json.dumps(v, indent=2, sort_keys=True) for v in values]

    def slow(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("fell back to json.dumps")

    monkeypatch.setattr(json, "dumps", slow)  # the module fastjson falls back to
    assert [fastjson.dumps(v, indent=2, sort_keys=True) for v in values] == expected


@pytest.mark.parametrize(
    "value",
    [
        {1: "int key", "a": 1},  # json.dumps turns number keys into strings
        {True: 1, None: 2},
        {"when": datetime(2026, 11, 30, tzinfo=timezone.utc)},  # default=str
        {"set": {1}},
        collections.OrderedDict([("b", 1), ("a", 2)]),  # a dict subclass
        {"counter": collections.Counter("aab")},
        {"int subclass": __import__("enum").IntEnum("E", "A").A},
        {"nan": math.nan},
        {"inf": [math.inf, -math.inf]},
    ],
)
def test_values_it_does_not_handle_are_handed_to_json_dumps(value: Any) -> None:
    for options in OPTIONS:
        try:
            expected: Any = json.dumps(value, **options)
        except (TypeError, ValueError) as exc:
            expected = type(exc)
        try:
            got: Any = fastjson.dumps(value, **options)
        except (TypeError, ValueError) as exc:
            got = type(exc)
        assert got == expected


def test_a_cycle_raises_what_json_dumps_raises() -> None:
    cyclic: dict[str, Any] = {"a": []}
    cyclic["a"].append(cyclic)
    with pytest.raises(ValueError, match="Circular reference detected"):
        fastjson.dumps(cyclic, indent=2, sort_keys=True)


def test_strict_json_still_refuses_nan_in_a_snapshot() -> None:
    with pytest.raises(ValueError, match="Out of range float values"):
        strictjson.dumps({"facts": {"x": math.nan}}, indent=1, sort_keys=True)
    assert strictjson.dumps({"b": [1, {}], "a": "x"}, indent=1, sort_keys=True) == json.dumps(
        {"b": [1, {}], "a": "x"}, indent=1, sort_keys=True, allow_nan=False)
