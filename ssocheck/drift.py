"""Drift between two sets of raw facts: on which node, in which fact, where, from what to what.

Pure: no I/O. The input is what snapshots hold, ``node name -> fact name -> raw value`` (the JSON the
node answered), for a known-good *baseline* and for the *current* run. The output is a list of
:class:`Change`, each naming the node, the fact, a JSON-pointer-like path inside the fact
(``/resources/Enterprise Single Sign-On Service/private/UseNetworkName``), the value before and after.

How values are compared:

* mappings key by key (keys matched case-insensitively, as PowerShell hashtables are);
* lists of mappings as *sets* keyed by a stable identity (``services`` by name, ``msdtc_cids`` by
  description then cid, cluster nodes/groups/resources by name, ...; see :data:`IDENTITIES`), so a
  different enumeration order on the node is never drift and a change inside one element is named by
  that element's identity;
* lists of plain values as multisets (order ignored), reported as one change of the whole list;
* multi-line text (secedit INF, ssomanage output) line by line, order and blank lines ignored; the
  change lists only the lines that differ (``before``: lines gone, ``after``: lines new);
* anything else by value.

What is *volatile by nature* is ignored (:data:`VOLATILE`): timestamps and clocks, the ENTSSO event
log (history, not configuration: the checks judge recent events themselves), process ids. What
moves with a plain cluster failover is ignored too unless asked (:data:`FAILOVER`): the owner node of
cluster groups and resources and, on cluster nodes, which node runs ENTSSO and can answer
``ssomanage -displaydb``.

Facts present on only one side are not compared here (a fact that failed, was not collected, or is
new in this ssocheck version says nothing about change); :func:`uncompared` lists them so callers
never report "no drift" on facts that were not looked at.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ssocheck.model import Report, Result, Status
from ssocheck.secrets import redact_value

# Kinds of change.
CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
NODE_NEW = "node-new"
NODE_MISSING = "node-missing"

# The pseudo fact name of node-level changes (a node that appeared or disappeared).
NODE_FACT = "(node)"

# The fact whose presence marks a node as a member of a failover cluster (for the failover rules).
CLUSTER_FACT = "cluster"


@dataclass(frozen=True)
class Change:
    """One difference between the baseline and the current facts.

    ``path`` is JSON-pointer-like: ``/`` separated, ``~`` and ``/`` inside a segment escaped as ``~0``
    and ``~1`` (RFC 6901); a list element matched by identity is addressed by its identity value
    (``/groups/SSO/owner_node``), not by its position. ``before`` / ``after`` are None for an
    ``added`` / ``removed`` element (``kind`` says which).
    """

    node: str
    fact: str
    path: str
    before: Any
    after: Any
    kind: str = CHANGED

    @property
    def where(self) -> str:
        """``fact/path`` in one string, e.g. ``services/ENTSSO/account``."""
        return f"{self.fact}{self.path}" if self.fact != NODE_FACT else NODE_FACT

    def describe(self) -> str:
        """One line for people: ``NODE1 services/ENTSSO/account: 'CORP\\\\a' -> 'CORP\\\\b'``."""
        if self.kind == NODE_NEW:
            return f"{self.node}: new node, not in the baseline"
        if self.kind == NODE_MISSING:
            return f"{self.node}: in the baseline, missing from this run"
        if self.kind == ADDED:
            return f"{self.node} {self.where}: added {_show(self.after)}"
        if self.kind == REMOVED:
            return f"{self.node} {self.where}: removed (was {_show(self.before)})"
        return f"{self.node} {self.where}: {_show(self.before)} -> {_show(self.after)}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (one row of the ``drift`` report section)."""
        return {
            "node": self.node,
            "fact": self.fact,
            "path": self.path,
            "change": self.kind,
            "before": self.before,
            "after": self.after,
        }


def _show(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Rule:
    """A part of the facts that is not compared.

    ``fact`` is a glob on the fact name; ``path`` a ``/``-separated glob on the path inside the fact,
    segment by segment (``*`` one segment, ``**`` any number, including none; case-insensitive).
    ``cluster_only`` limits the rule to nodes that are failover cluster members.
    """

    fact: str
    path: str
    reason: str
    cluster_only: bool = False

    def matches(self, fact: str, path: Sequence[str], cluster_member: bool) -> bool:
        """True when the rule covers ``path`` of ``fact`` on a node (cluster member or not)."""
        if self.cluster_only and not cluster_member:
            return False
        if not fnmatch.fnmatchcase(fact.lower(), self.fact.lower()):
            return False
        pattern = [p for p in self.path.split("/") if p]
        return _match_segments(pattern, [s.lower() for s in path])


def _match_segments(pattern: Sequence[str], path: Sequence[str]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0].lower(), pattern[1:]
    if head == "**":
        return any(_match_segments(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _match_segments(rest, path[1:])


_TIME = "timestamps and clocks change by themselves"
VOLATILE: tuple[Rule, ...] = (
    Rule("*_events", "**", "the event log is history, not configuration; the checks judge recent events"),
    Rule("*", "**/process_id", "a service gets a new process id at every start"),
    Rule("*", "**/*event_count*", "event counters grow by themselves"),
    *(Rule("*", f"**/{key}", _TIME) for key in (
        "time", "*_time", "timestamp", "*_timestamp", "*_utc", "clock", "clock_*", "modified", "*_modified",
        "*_at", "uptime*", "last_boot*",
    )),
)
"""Ignored always: what changes on a healthy farm without anyone changing anything."""

_FAILOVER = "moves with a cluster failover (--include-failover compares it)"
FAILOVER: tuple[Rule, ...] = (
    Rule(CLUSTER_FACT, "groups/*/owner_node", _FAILOVER),
    Rule(CLUSTER_FACT, "resources/*/owner_node", _FAILOVER),
    # The active node runs ENTSSO, the passive one has it stopped; a failover swaps them.
    Rule("services", "ENTSSO/state", _FAILOVER, cluster_only=True),
    # ssomanage -displaydb asks the local ENTSSO, which only answers on the active node.
    Rule("sso_db_info", "**", _FAILOVER, cluster_only=True),
)
"""Ignored unless ``include_failover``: what a plain failover of the SSO role changes."""

# (fact glob, list path glob) -> identity candidates, tried in order: the first key tuple whose values
# are present and unique on both sides identifies the elements.
IDENTITIES: tuple[tuple[str, str, tuple[tuple[str, ...], ...]], ...] = (
    # One CID per description on a healthy node: a changed CID reads as "/MSDTC/cid: old -> new".
    # A clustered DTC's CIDs carry "instance" (cluster:<resource id>); local ones have none, so they keep their key.
    ("msdtc_cids", "", (("description", "instance"), ("description",), ("cid",), ("cid", "description"))),
    ("services", "", (("name",),)),
    (CLUSTER_FACT, "nodes", (("name",),)),
    (CLUSTER_FACT, "groups", (("name",),)),
    (CLUSTER_FACT, "resources", (("name",),)),
    ("msdtc_security", "", (("kind", "resource_id"), ("kind", "resource_name"))),
    ("sso_endpoint", "addresses", (("address",),)),
    ("service_account_groups", "groups", (("sid",), ("name",))),
    ("sso_backup_files", "", (("path",), ("name",))),
)
# For lists of mappings no entry above covers.
GENERIC_IDENTITIES: tuple[tuple[str, ...], ...] = (("name",), ("id",), ("cid",), ("sid",), ("path",), ("key",))


def ignore_rules(include_failover: bool = False) -> tuple[Rule, ...]:
    """The rules in force: the volatile ones, plus the failover ones unless ``include_failover``."""
    return VOLATILE if include_failover else (*VOLATILE, *FAILOVER)


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _render(path: Sequence[str]) -> str:
    return "".join("/" + _escape(s) for s in path)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _identity_candidates(fact: str, path: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    # Identity entries address a list by its path with keyed segments replaced by "*" patterns.
    for fact_glob, list_path, keys in IDENTITIES:
        pattern = [p for p in list_path.split("/") if p]
        if fnmatch.fnmatchcase(fact.lower(), fact_glob.lower()) and _match_segments(pattern, [s.lower() for s in path]):
            return keys
    return GENERIC_IDENTITIES


def _field(item: Mapping[str, Any], key: str) -> Any:
    for k, v in item.items():
        if str(k).lower() == key:
            return v
    return None


def _key_of(item: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    values = [_field(item, k) for k in keys]
    if values[0] is None or isinstance(values[0], (dict, list)):
        return None
    return ",".join(str(v) for v in values if v not in (None, ""))


def _keyed(items: Sequence[Any], keys: tuple[str, ...]) -> dict[str, Mapping[str, Any]] | None:
    """``identity -> element`` when every element has a unique identity under ``keys``, else None."""
    out: dict[str, Mapping[str, Any]] = {}
    seen: set[str] = set()
    for item in items:
        key = _key_of(item, keys)
        if key is None or key.lower() in seen:
            return None
        seen.add(key.lower())
        out[key] = item
    return out


class _Differ:
    """Walks two raw values of one fact on one node and collects the changes outside the ignore rules."""

    def __init__(self, node: str, fact: str, rules: Sequence[Rule], cluster_member: bool) -> None:
        self.node = node
        self.fact = fact
        self.rules = rules
        self.cluster_member = cluster_member
        self.changes: list[Change] = []

    def ignored(self, path: Sequence[str]) -> bool:
        return any(rule.matches(self.fact, path, self.cluster_member) for rule in self.rules)

    def add(self, path: Sequence[str], before: Any, after: Any, kind: str = CHANGED) -> None:
        self.changes.append(Change(self.node, self.fact, _render(path), before, after, kind))

    def walk(self, before: Any, after: Any, path: tuple[str, ...] = ()) -> None:
        if self.ignored(path):
            return
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            self.mappings(before, after, path)
        elif isinstance(before, list) and isinstance(after, list):
            self.lists(before, after, path)
        elif isinstance(before, str) and isinstance(after, str) and ("\n" in before or "\n" in after):
            self.text(before, after, path)
        elif type(before) is not type(after) and not _both_numbers(before, after):
            self.add(path, before, after)  # "1" vs 1, null vs a mapping: a change of kind, always shown
        elif before != after:
            self.add(path, before, after)

    def mappings(self, before: Mapping[str, Any], after: Mapping[str, Any], path: tuple[str, ...]) -> None:
        after_keys = {str(k).lower(): k for k in after}
        before_keys = {str(k).lower(): k for k in before}
        for low, key in before_keys.items():
            sub = (*path, str(key))
            if low in after_keys:
                self.walk(before[key], after[after_keys[low]], sub)
            elif not self.ignored(sub):
                self.add(sub, before[key], None, REMOVED)
        for low, key in after_keys.items():
            sub = (*path, str(key))
            if low not in before_keys and not self.ignored(sub):
                self.add(sub, None, after[key], ADDED)

    def lists(self, before: list[Any], after: list[Any], path: tuple[str, ...]) -> None:
        if (before or after) and all(isinstance(x, Mapping) for x in (*before, *after)):
            for keys in _identity_candidates(self.fact, path):
                old, new = _keyed(before, keys), _keyed(after, keys)
                if old is not None and new is not None:
                    self.keyed(old, new, path)
                    return
        # Plain values, or mappings without an identity: compare as multisets, report the whole list.
        if Counter(_canon(x) for x in before) != Counter(_canon(x) for x in after):
            self.add(path, before, after)

    def text(self, before: str, after: str, path: tuple[str, ...]) -> None:
        # Multi-line tool output (the secedit INF, ssomanage -displaydb) is compared line by line, ignoring
        # order, blank lines and trailing blanks; before/after show only the lines that differ, which is
        # what someone reading the report needs (the whole text would hide the change).
        old_lines, new_lines = _lines(before), _lines(after)
        if Counter(old_lines) == Counter(new_lines):
            return
        removed = list((Counter(old_lines) - Counter(new_lines)).elements())
        added = list((Counter(new_lines) - Counter(old_lines)).elements())
        self.add(path, [ln for ln in old_lines if ln in removed], [ln for ln in new_lines if ln in added])

    def keyed(self, before: dict[str, Mapping[str, Any]], after: dict[str, Mapping[str, Any]],
              path: tuple[str, ...]) -> None:
        after_by = {k.lower(): k for k in after}
        before_by = {k.lower(): k for k in before}
        for low, key in before_by.items():
            sub = (*path, key)
            if low in after_by:
                self.walk(before[key], after[after_by[low]], sub)
            elif not self.ignored(sub):
                self.add(sub, dict(before[key]), None, REMOVED)
        for low, key in after_by.items():
            sub = (*path, key)
            if low not in before_by and not self.ignored(sub):
                self.add(sub, None, dict(after[key]), ADDED)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def is_cluster_member(*fact_sets: Mapping[str, Any]) -> bool:
    """True when the node reported a failover cluster fact (in the baseline or now)."""
    return any(fact_set.get(CLUSTER_FACT) is not None for fact_set in fact_sets)


def diff_node(
    node: str,
    baseline: Mapping[str, Any],
    current: Mapping[str, Any],
    *,
    include_failover: bool = False,
) -> list[Change]:
    """Changes of one node: every fact present on both sides, compared under the ignore rules."""
    rules = ignore_rules(include_failover)
    member = is_cluster_member(baseline, current)
    changes: list[Change] = []
    for fact in sorted(baseline, key=str.lower):
        if fact not in current:
            continue
        differ = _Differ(node, fact, rules, member)
        # Both sides redacted: a baseline is saved redacted, so a node that echoes the password in a fact
        # (a service command line) would otherwise drift every night, '********' -> the password.
        differ.walk(redact_value(baseline[fact]), redact_value(current[fact]))
        changes.extend(differ.changes)
    return changes


def _by_upper(nodes: Mapping[str, Any]) -> dict[str, str]:
    return {name.upper(): name for name in nodes}


def diff_facts(
    baseline_nodes: Mapping[str, Mapping[str, Any]],
    current_nodes: Mapping[str, Mapping[str, Any]],
    *,
    include_failover: bool = False,
) -> list[Change]:
    """Every change between two ``node -> fact -> raw`` mappings, node names matched case-insensitively.

    A node only in the current facts is a ``node-new`` change, one only in the baseline a
    ``node-missing`` change; for nodes on both sides, :func:`diff_node`.
    """
    base_names = _by_upper(baseline_nodes)
    cur_names = _by_upper(current_nodes)
    changes: list[Change] = []
    for upper, name in base_names.items():
        if upper not in cur_names:
            changes.append(Change(name, NODE_FACT, "", "in the baseline", "missing from this run", NODE_MISSING))
            continue
        cur = cur_names[upper]
        changes.extend(diff_node(cur, baseline_nodes[name], current_nodes[cur], include_failover=include_failover))
    for upper, name in cur_names.items():
        if upper not in base_names:
            changes.append(Change(name, NODE_FACT, "", "not in the baseline", "present", NODE_NEW))
    return changes


def uncompared(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Facts of the baseline that the current facts of the same node do not have (so were not compared)."""
    return sorted((f for f in baseline if f not in current), key=str.lower)


def summarize(changes: Iterable[Change], limit: int = 3) -> str:
    """``a; b; c and 2 more`` from the changes' descriptions without the node name."""
    items = [c.describe().removeprefix(f"{c.node} ") for c in changes]
    shown = "; ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def section_rows(changes: Iterable[Change]) -> list[dict[str, Any]]:
    """The ``drift`` report section: one row per change."""
    return [c.to_dict() for c in changes]


def attach_drift(
    report: Report,
    baseline_nodes: Mapping[str, Mapping[str, Any]],
    current_nodes: Mapping[str, Mapping[str, Any]],
    *,
    include_failover: bool = False,
    check_id: str = "DRF001",
) -> Report:
    """A new report with the ``drift`` section (every change) and the drift check's verdict on vanished nodes.

    The drift check (``check_id``) speaks for the nodes of the run only; a node of the baseline that is
    not in the run at all (removed from the inventory) gets its ``fail`` here, when that check ran in
    the report's phase, so the nightly job still goes red.
    """
    changes = diff_facts(baseline_nodes, current_nodes, include_failover=include_failover)
    results = list(report.results)
    meta = report.checks.get(check_id)
    if meta is not None and report.phase in meta.phases:
        present = {r.node.upper() for r in results}
        for change in changes:
            if change.kind == NODE_MISSING and change.node.upper() not in present:
                results.append(Result(
                    check_id, change.node, Status.FAIL,
                    "in the baseline but missing from this run (removed from the inventory?)",
                    {"expected": "every node of the baseline", "found": f"{change.node} not in this run"},
                ))
    return replace(report, results=tuple(results),
                   sections={**report.sections, "drift": section_rows(changes)})
