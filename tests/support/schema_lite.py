"""A small JSON Schema (draft 2020-12) validator for the keywords ssocheck's schemas use.

It refuses any keyword it does not implement (rather than silently ignoring it), so a schema can never
appear to validate something it does not check. :func:`validate` also runs the reference validator,
``jsonschema`` (in the dev extras), and requires both to agree; without it (a bare install) only this
one runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "examples", "default", "format", "$defs"}
ASSERTIONS = {
    "type", "enum", "const", "required", "properties", "additionalProperties", "items", "minItems",
    "minimum", "minLength", "pattern", "propertyNames", "$ref", "maximum", "anyOf", "allOf", "if", "then", "else",
    "not",
}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(Exception):
    """The schema uses something this validator does not implement."""


def errors(instance: Any, schema: dict[str, Any], root: dict[str, Any] | None = None,
           path: str = "$") -> Iterator[str]:
    """Every violation of ``schema`` by ``instance``, as "path: problem" strings."""
    root = root if root is not None else schema
    unknown = set(schema) - ANNOTATIONS - ASSERTIONS
    if unknown:
        raise SchemaError(f"{path}: unsupported keywords {sorted(unknown)}")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise SchemaError(f"{path}: only local $defs references are supported, not {ref}")
        yield from errors(instance, root["$defs"][ref[len("#/$defs/"):]], root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](instance) for t in types):
            yield f"{path}: {instance!r} is not of type {types}"
            return
    if "enum" in schema and not any(_same(instance, v) for v in schema["enum"]):
        yield f"{path}: {instance!r} not in {schema['enum']}"
    if "const" in schema and not _same(instance, schema["const"]):
        yield f"{path}: {instance!r} != {schema['const']!r}"
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            yield f"{path}: shorter than {schema['minLength']}"
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            yield f"{path}: {instance!r} does not match {schema['pattern']}"
    if _TYPES["number"](instance) and "minimum" in schema and instance < schema["minimum"]:
        yield f"{path}: {instance} < {schema['minimum']}"
    if _TYPES["number"](instance) and "maximum" in schema and instance > schema["maximum"]:
        yield f"{path}: {instance} > {schema['maximum']}"
    if "anyOf" in schema:
        branches = [list(errors(instance, branch, root, path)) for branch in schema["anyOf"]]
        if all(branches):
            yield f"{path}: matches none of anyOf ({'; '.join(b[0] for b in branches)})"
    for i, branch in enumerate(schema.get("allOf", [])):
        yield from errors(instance, branch, root, f"{path}<allOf[{i}]>")
    if "if" in schema:
        # if/then/else (the inventory's topology rules): "if" only selects the branch, its failures are not errors.
        chosen = "then" if not list(errors(instance, schema["if"], root, path)) else "else"
        if chosen in schema:
            yield from errors(instance, schema[chosen], root, f"{path}<{chosen}>")
    if "not" in schema and not list(errors(instance, schema["not"], root, path)):
        yield f"{path}: matches the schema under 'not' {schema['not']!r}"
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            yield f"{path}: fewer than {schema['minItems']} items"
        if "items" in schema:
            for i, item in enumerate(instance):
                yield from errors(item, schema["items"], root, f"{path}[{i}]")
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                yield f"{path}: missing required {key!r}"
        props = schema.get("properties", {})
        for key, value in instance.items():
            if "propertyNames" in schema:
                yield from errors(key, schema["propertyNames"], root, f"{path}.<name {key!r}>")
            if key in props:
                yield from errors(value, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                yield f"{path}: unexpected property {key!r}"
            elif isinstance(schema.get("additionalProperties"), dict):
                yield from errors(value, schema["additionalProperties"], root, f"{path}.{key}")


def _same(a: Any, b: Any) -> bool:
    # JSON Schema: 1 and true are different values, though Python says 1 == True.
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


def validate(instance: Any, schema: dict[str, Any]) -> list[str]:
    """All violations (empty when valid); also checked with ``jsonschema`` when it is installed."""
    found = list(errors(instance, schema))
    try:
        import jsonschema  # type: ignore[import-untyped]
    except ImportError:
        return found
    real = sorted(e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(instance))
    assert bool(real) == bool(found), (real, found)
    return found
