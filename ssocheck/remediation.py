"""Remediation text with the real values filled in from a result's evidence.

A check's remediation is written once, for every farm, with placeholders such as ``<ENTSSO resource>``
or ``<node>``. When the evidence of a finding holds the real value (``resource: Enterprise Single
Sign-On Service``), the operator should read the command ready to run, not a template: the reports
show the filled text. A placeholder whose value the evidence does not hold stays as it is, so nothing
is ever guessed.

Values come from servers: they are inserted as text (reporters escape them as usual), quoted the
PowerShell way (single quotes, ``'`` doubled) when they contain a space or a quote and the template
does not already quote the placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ssocheck.model import Result

# Placeholder (lower case, without the angle brackets) -> evidence keys that may hold its value, in order.
# "node" falls back to the result's own node: the remediation is read for that node.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "entsso resource": ("resource",),
    "resource": ("resource",),
    "role": ("role",),
    "sso role": ("role",),
    "network name resource": ("network_name_resource", "network_name"),
    "dtc resource name": ("dtc_resource",),
    "group": ("admin_group", "group"),
    "account": ("account",),
    "cluster network name": ("cluster_network_name", "tested_name"),
    "backup file": ("backup_file",),
    "node": ("node",),
}

_PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z .-]{0,40})>")
_SAFE_BARE = re.compile(r"[A-Za-z0-9_.\\$@-]+")


def fill(template: str, result: Result) -> str:
    """``template`` with each known placeholder replaced by the value the evidence of ``result`` holds."""
    if "<" not in template:
        return template

    def value_for(name: str) -> str | None:
        keys = PLACEHOLDERS.get(name.lower())
        if keys is None:
            return None
        for key in keys:
            value = _scalar(result.evidence, key)
            if value:
                return value
        if name.lower() == "node" and result.node:
            return result.node
        return None

    def replace(match: re.Match[str]) -> str:
        value = value_for(match.group(1))
        if value is None:
            return match.group(0)
        text = match.string
        quoted = match.start() > 0 and text[match.start() - 1] in "'\"" and text[match.end():match.end() + 1] in "'\""
        if quoted or _SAFE_BARE.fullmatch(value):
            return value
        return "'" + value.replace("'", "''") + "'"

    return _PLACEHOLDER.sub(replace, template)


def _scalar(evidence: Mapping[str, Any], key: str) -> str | None:
    value = evidence.get(key)
    if isinstance(value, str) and value.strip() and "\n" not in value and len(value) <= 256:
        return value
    return None
