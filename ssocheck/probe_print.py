"""``ssocheck probe --print``: exactly the script(s) a run would send, with the sha256 its audit trail records.

For change-approval boards: the read-only probe of each distinct set of roles in the inventory (the probe depends
on the facts the node's roles need and on the inventory values sent as data), and with ``allow_changes`` the
separate state-changing script (BTS001) too. Built by the same functions as a run (:func:`ssocheck.collect.facts_for`,
:func:`ssocheck.facts.probe.build_probe`), hashed the same way (SHA-256 of the ASCII text).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ssocheck.collect import facts_for
from ssocheck.facts.probe import build_probe


@dataclass(frozen=True)
class PrintedScript:
    """One script a run would send: to which nodes, what for, its facts, text and hash."""

    nodes: tuple[str, ...]
    roles: tuple[str, ...]
    changes_state: bool
    facts: tuple[str, ...]
    script: str

    @property
    def sha256(self) -> str:
        """The hash the audit trail records for this script."""
        return hashlib.sha256(self.script.encode("ascii")).hexdigest()

    def header(self) -> str:
        """Comment lines naming the script (PowerShell comments, so the printed file still parses)."""
        kind = "STATE-CHANGING test (BTS001, only with --allow-changes)" if self.changes_state else "read-only probe"
        return (f"# ssocheck {kind} for role(s) {', '.join(self.roles)}: {', '.join(self.nodes)}\n"
                f"# sha256 {self.sha256}  size {len(self.script)} bytes  facts: {', '.join(self.facts)}\n")


def scripts(
    inv: Any, checks: Sequence[Any], role: str | None = None, allow_changes: bool = False
) -> list[PrintedScript]:
    """The scripts of a run of ``checks`` over ``inv`` (nodes with ``role`` only), deduplicated by content."""
    params = inv.expect.probe_params()
    found: dict[tuple[str, bool], PrintedScript] = {}
    for node in inv.nodes:
        if role is not None and role not in node.roles:
            continue
        for writes in (False, True) if allow_changes else (False,):
            facts = facts_for(node, checks, writes=writes)
            if not facts:
                continue
            text = build_probe(facts, params)
            key = (text, writes)
            if key in found:
                prev = found[key]
                found[key] = PrintedScript((*prev.nodes, node.name), prev.roles, writes, prev.facts, text)
            else:
                found[key] = PrintedScript((node.name,), tuple(node.roles), writes, tuple(f.name for f in facts), text)
    return list(found.values())
