"""Formatting shared by the reporters: evidence as text, size caps, XML-safe text, result ordering.

Every reporter shows the same evidence in the same order (``expected`` and ``found`` first), so a
finding reads the same in the console, the JUnit body and the HTML page.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ssocheck import guide, remediation, secrets
from ssocheck.model import COLLECTION_CHECK, CheckMeta, NodeInfo, Report, Result, Severity, Status
from ssocheck.secrets import redact

# Evidence can be large (a whole event list, a registry dump); reports stay readable and CI
# artifacts small (GitLab caps a JUnit file at 30 MB), so each rendered evidence block is capped.
EVIDENCE_CAP = 4096

# Keys shown first, in this order, whatever order the check put them in.
LEADING_EVIDENCE_KEYS = ("expected", "found")

# Worst first: the order of detail sections and of the summary line.
STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.WARN, Status.WAIVED, Status.SKIP, Status.PASS)
STATUS_RANK = {status: i for i, status in enumerate(STATUS_ORDER)}

# Characters XML 1.0 forbids (and the C1 controls, which break some CI parsers although legal).
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def cap(text: str, limit: int = EVIDENCE_CAP) -> str:
    """``text`` cut to at most ``limit`` characters, saying how much was dropped."""
    if len(text) <= limit:
        return text
    # The marker counts against the limit so the result never exceeds it.
    marker = f"\n... [truncated, {len(text)} characters in total]"
    return text[: max(0, limit - len(marker))] + marker


# json.dumps with these options builds a new encoder on every call; every result's evidence goes through here.
_COMPACT_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def format_value(value: Any) -> str:
    """A value as one readable string: strings as is, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    try:
        return _COMPACT_JSON.encode(value)
    except (TypeError, ValueError):  # circular structures and the like: still show something
        return repr(value)


def evidence_items(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, value text) pairs, ``expected`` and ``found`` first, each value capped."""
    keys = [k for k in LEADING_EVIDENCE_KEYS if k in evidence]
    keys += [k for k in evidence if k not in LEADING_EVIDENCE_KEYS]
    return [(str(k), cap(format_value(evidence[k]))) for k in keys]


def evidence_text(evidence: Mapping[str, Any], limit: int = EVIDENCE_CAP) -> str:
    """Evidence as ``key: value`` lines, capped as a whole at ``limit`` characters."""
    return cap("\n".join(f"{k}: {v}" for k, v in evidence_items(evidence)), limit)


def waiver_text(waiver: Mapping[str, Any]) -> str:
    """One line describing a waiver: expiry, justification, change record, then any other field.

    The waiver shape belongs to the waiver feature; known field names are shown first and the rest
    generically, so a new field never disappears from reports.
    """
    parts: list[str] = []
    expiry = _first(waiver, ("expires", "expiry", "expiration_date", "expires_on", "until"))
    if expiry is not None:
        parts.append(f"waived until {format_value(expiry)}")
    else:
        parts.append("waived")
    justification = _first(waiver, ("justification", "reason"))
    if justification is not None:
        parts[0] += f": {format_value(justification)}"
    known = {"expires", "expiry", "expiration_date", "expires_on", "until", "justification", "reason"}
    extra = [f"{k}: {format_value(v)}" for k, v in waiver.items() if k not in known and v not in (None, "")]
    if extra:
        parts.append("(" + "; ".join(extra) + ")")
    return " ".join(parts)


def waived_message(result: Result) -> str:
    """The message of ``result`` with its waiver spelled out exactly once.

    ``apply_waivers`` already puts expiry and justification in the skip message, so the waiver text is
    added only when the message lacks the justification; the finding that was waived is appended so
    the reader still sees what was accepted.
    """
    if result.waiver is None:
        return result.message
    message = result.message
    justification = _first(result.waiver, ("justification", "reason"))
    if justification is None or str(justification) not in message:
        message = f"{message}; {waiver_text(result.waiver)}"
    finding = result.waiver.get("finding")
    if finding and str(finding) not in message:
        message = f"{message} [waived finding: {finding}]"
    return message


def _first(mapping: Mapping[str, Any], keys: Iterable[str]) -> Any:
    for key in keys:
        if mapping.get(key) not in (None, ""):
            return mapping[key]
    return None


def xml_safe(text: str) -> str:
    """``text`` with characters XML 1.0 cannot carry replaced by a visible ``\\xNN`` escape.

    Escaping rather than deleting keeps the evidence honest: an ESC or NUL in a service path is
    worth seeing.
    """
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
                        f"\\u{ord(m.group()):04x}", text)


# Terminal-control characters (C0 except tab and newline, DEL, C1): text from a server must not be able
# to move the cursor, clear the screen or retitle the terminal when a report is printed.
# Bidi overrides/isolates (U+202A-202E, U+2066-2069) reorder what follows them on screen ("Trojan
# Source"); lone surrogates cannot be encoded at all. Both are shown as \\uXXXX like the controls.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escape_controls(text: str) -> str:
    """``text`` with terminal-control, bidi-override and surrogate characters shown as ``\\xNN``/``\\uNNNN``."""
    return _CONTROLS.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text
    )


def _derived(report: Report) -> dict[str, Any]:
    """Values derived from ``report`` and reused by every reporter of a run, computed once per report.

    A Report is never mutated, and the four reporters of a run render the same (redacted) Report: on a 500-node farm
    the node order, the sorted results and the outages were computed a dozen times. Only the last report is kept.
    """
    global _last_derived
    cached = _last_derived
    if cached is None or cached[0] is not report:
        cached = (report, {})  # the report is kept alive with its values, so its id cannot be reused meanwhile
        _last_derived = cached
    return cached[1]


_last_derived: tuple[Report, dict[str, Any]] | None = None


def node_order(report: Report) -> list[NodeInfo]:
    """The report's nodes in inventory order, plus any node that only appears in results."""
    derived = _derived(report)
    if "node_order" not in derived:
        derived["node_order"] = _node_order(report)
    return list(derived["node_order"])


def _node_order(report: Report) -> list[NodeInfo]:
    nodes = list(report.nodes)
    known = {n.name for n in nodes}
    for result in report.results:
        if result.node not in known:
            known.add(result.node)
            nodes.append(NodeInfo(name=result.node, roles=()))
    return nodes


def sorted_results(report: Report) -> list[Result]:
    """Results grouped by node (inventory order), then by check ID."""
    derived = _derived(report)
    if "sorted_results" not in derived:
        position = {n.name: i for i, n in enumerate(node_order(report))}
        derived["sorted_results"] = sorted(report.results, key=lambda r: (position[r.node], r.check_id))
    return list(derived["sorted_results"])


@dataclass(frozen=True)
class Outage:
    """A node whose facts could not be collected, with every error that is only its consequence.

    ``own`` are the node's own errors; ``dependents`` are group-check errors on other nodes that lacked
    nothing but the facts of uncollected nodes (``missing_nodes`` evidence). All of them say "this node
    was not reached", so reports explain the outage once instead of once per check and node.
    """

    node: NodeInfo
    own: tuple[Result, ...]
    dependents: tuple[Result, ...]

    @property
    def results(self) -> tuple[Result, ...]:
        """Every result explained by this outage."""
        return self.own + self.dependents


def outages(report: Report) -> list[Outage]:
    """One :class:`Outage` per node with a collection error, in inventory order.

    A node that was not collected has one error (its COLLECTION result); its own checks and the group
    verdicts it leaves unproven on other nodes are skips that say so. Both are folded into its outage.
    """
    derived = _derived(report)
    if "outages" not in derived:
        derived["outages"] = _outages(report)
    return list(derived["outages"])


def _outages(report: Report) -> list[Outage]:
    down = [n for n in node_order(report) if n.error]
    names = {n.name for n in down}
    own: dict[str, list[Result]] = {n.name: [] for n in down}
    dependents: dict[str, list[Result]] = {n.name: [] for n in down}
    for result in sorted_results(report):
        if result.status is Status.SKIP and not (result.evidence.get("not_collected") or _missing_nodes(result)):
            continue  # a phase or permission skip has a cause of its own
        if result.status not in (Status.ERROR, Status.SKIP):
            continue
        if result.node in names:
            if result.check_id != COLLECTION_CHECK:  # the collection result is the outage itself
                own[result.node].append(result)
            continue
        missing = _missing_nodes(result)
        # Only when every missing node is down: an error that also needs a failed fact of a reachable node
        # has a cause of its own and is reported as such.
        if missing and set(missing) <= names:
            first = next(n.name for n in down if n.name in missing)
            dependents[first].append(result)
    return [Outage(n, tuple(own[n.name]), tuple(dependents[n.name])) for n in down]


# From this many nodes with the same cause up, reports name the cause once for all of them: an interrupted
# 500-node run leaves hundreds of nodes "not contacted", a wrong password hundreds "not tried", and one
# block per node would bury the rest of the report (a 666-line console, a 470 KB page).
OUTAGE_GROUP_MIN = 4


def outage_cause(node: NodeInfo) -> str:
    """The node's collection error with its own name and address taken out, so that nodes with the same
    cause compare equal: ``BTSNODE0209: not contacted: ...`` -> ``not contacted: ...``."""
    text = node.error or ""
    if text.startswith(f"{node.name}: "):
        text = text[len(node.name) + 2:]
    return name_neutral(name_neutral(text, node.name, "<node>"), node.address, "<address>")


def name_neutral(text: str, own: str, placeholder: str = "<node>") -> str:
    """``text`` with every whole-word ``own`` (a node's name or address) replaced by ``placeholder``, so that
    the same words about many nodes compare equal."""
    if not own:
        return text
    return re.sub(rf"(?<![\w.-]){re.escape(own)}(?![\w-])", placeholder, text, flags=re.IGNORECASE)


def outage_groups(report: Report) -> list[list[Outage]]:
    """The outages in inventory order, those of :data:`OUTAGE_GROUP_MIN` or more nodes with the same
    :func:`outage_cause` as one list (where the first of them is), every other outage alone."""
    down = outages(report)
    by_cause: dict[str, list[Outage]] = {}
    for outage in down:
        by_cause.setdefault(outage_cause(outage.node), []).append(outage)
    groups: list[list[Outage]] = []
    for outage in down:
        same = by_cause[outage_cause(outage.node)]
        if len(same) < OUTAGE_GROUP_MIN:
            groups.append([outage])
        elif same[0] is outage:
            groups.append(same)
    return groups


def _missing_nodes(result: Result) -> list[str]:
    missing = result.evidence.get("missing_nodes")
    if isinstance(missing, (list, tuple)) and all(isinstance(m, str) for m in missing):
        return list(missing)
    return []


def explained_by_outages(report: Report) -> set[tuple[str, str]]:
    """(check ID, node) of every result an :class:`Outage` explains."""
    # The node's own COLLECTION error is the outage itself: shown once, as the outage.
    return {(r.check_id, r.node) for outage in outages(report) for r in outage.results} | {
        (COLLECTION_CHECK, outage.node.name) for outage in outages(report)}


def group_by_cause(results: Sequence[Result]) -> list[list[Result]]:
    """Errors grouped by (node, message): one failed fact usually stops several checks with the same words."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        groups.setdefault((result.node, result.message), []).append(result)
    return list(groups.values())


def group_same_finding(report: Report, results: Sequence[Result]) -> list[list[Result]]:
    """Results grouped when check, status, message and evidence are identical and only the node differs.

    A cluster-wide mistake (UseNetworkName off) is seen from every cluster node with the same words: one
    finding naming the nodes reads faster than the same block repeated per node. Order of first appearance.
    """
    groups: dict[tuple[str, Status, str, str], list[Result]] = {}
    for result in results:
        key = (result.check_id, result.status, waived_message(result), evidence_text(result.evidence))
        groups.setdefault(key, []).append(result)
    return _merge_peer_groups(report, list(groups.values()))


def _merge_peer_groups(report: Report, groups: list[list[Result]]) -> list[list[Result]]:
    """Merge groups that differ only by naming each other: a clone pair is one finding, not two.

    DTC001 on NODE1 says "CID ... is also on NODE2" and on NODE2 "... also on NODE1": with every node name
    replaced by a placeholder the two read the same, and each names only the other. Such groups merge; groups
    naming nodes outside themselves (NODE1 ~ NODE3, NODE2 ~ NODE4: two different pairs) never do.
    """
    names = [n.name for n in node_order(report)]
    if len(groups) < 2 or not names:
        return groups
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
    merged: dict[tuple[str, Status, str, str], list[list[Result]]] = {}
    for group in groups:
        first = group[0]
        text = (waived_message(first), evidence_text(first.evidence))
        key = (first.check_id, first.status, pattern.sub("<node>", text[0]), pattern.sub("<node>", text[1]))
        merged.setdefault(key, []).append(group)
    out: list[list[Result]] = []
    for parts in merged.values():
        members = {r.node for part in parts for r in part}
        named = {m for part in parts for r in part
                 for m in pattern.findall(waived_message(r) + "\n" + evidence_text(r.evidence))}
        if len(parts) > 1 and named <= members:
            out.append([r for part in parts for r in part])
        else:
            out.extend(parts)
    return out


def node_list(results: Iterable[Result], limit: int | None = None) -> str:
    """The nodes of ``results`` as ``"NODE1, NODE2"`` (each once, in the given order).

    With ``limit``, a long list is folded: ``"BTSNODE0001, BTSNODE0002, BTSNODE0003 and 495 more"``, so a
    heading or a table row stays short on a 500-node farm (the full list is in the JSON and in the
    HTML's expandable node list).
    """
    return fold_names(list(dict.fromkeys(r.node for r in results)), limit)


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def compact_names(names: Sequence[str]) -> str:
    """``names`` with runs of consecutive numbered names shortened: ``"BTSNODE0001..BTSNODE0099, NODE1"``.

    Exact (every name is still there, as a range) and short for the cloned farms that make a node list
    long: 493 of 500 BizTalk nodes are a handful of ranges. Only names with the same prefix, the same
    number of digits and consecutive numbers form a range, in the given order; runs of two stay as two.
    """
    # The HTML report asks for the same lists again and again (every check that passed on all 500 nodes).
    return _compact_names(tuple(names))


@functools.lru_cache(maxsize=256)
def _compact_names(names: tuple[str, ...]) -> str:
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) > 2:
            out.append(f"{run[0]}..{run[-1]}")
        else:
            out.extend(run)
        run.clear()

    previous: tuple[str, int, int] | None = None
    for name in names:
        match = _NUMBERED.match(name)
        key = (match.group(1), len(match.group(2)), int(match.group(2))) if match else None
        if run and not (key and previous and key[:2] == previous[:2] and key[2] == previous[2] + 1):
            flush()
        run.append(name)
        previous = key
    flush()
    return ", ".join(out)


# How many names a folded list shows before "and N more".
FOLD_NAMES = 3


def fold_names(names: Sequence[str], limit: int | None = FOLD_NAMES) -> str:
    """``names`` joined with ", ", folded after ``limit`` names (None: never folded)."""
    if limit is None or len(names) <= limit + 1:  # "and 1 more" would be no shorter than the name
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def severity_rank(report: Report, check_id: str) -> int:
    """0 for a critical check, growing as severity decreases; an unknown check sorts last."""
    meta = report.checks.get(check_id)
    return meta.severity.rank if meta else len(Severity)


def finding_key(report: Report, result: Result) -> tuple[int, int, str]:
    """Operator's order of findings: severity first (critical before high), then status, then check ID."""
    return severity_rank(report, result.check_id), STATUS_RANK[result.status], result.check_id


def failing_checks(report: Report) -> list[tuple[str, list[str]]]:
    """(severity, check IDs) of the distinct checks with at least one ``fail``, most severe first.

    A finding is a check that fails, however many nodes it fails on: "2 critical, 2 high" says what there
    is to fix; the number of failing results (one per node) is given beside it, never instead of it.
    """
    by_severity: dict[str, set[str]] = {}
    for result in report.results:
        if result.status is Status.FAIL:
            meta = report.checks.get(result.check_id)
            by_severity.setdefault(meta.severity.value if meta else "unknown", set()).add(result.check_id)
    order = [s.value for s in Severity] + ["unknown"]
    return [(sev, sorted(by_severity[sev])) for sev in order if sev in by_severity]


def findings_phrase(report: Report) -> str:
    """``"4 failing checks (2 critical, 2 high) in 994 results"``, or an empty string when nothing fails."""
    groups = failing_checks(report)
    if not groups:
        return ""
    distinct = sum(len(ids) for _, ids in groups)
    results = report.counts()[Status.FAIL]
    by_sev = ", ".join(f"{len(ids)} {sev}" for sev, ids in groups)
    return f"{_plural(distinct, 'failing check')} ({by_sev}) in {_plural(results, 'result')}"


def remediation_text(meta: CheckMeta | None, result: Result) -> str:
    """The check's remediation with the finding's real values (resource, node, account) filled in."""
    if meta is None or not meta.remediation:
        return ""
    return remediation.fill(meta.remediation, result)


def guide_text(meta: CheckMeta | None) -> str:
    """The guide steps of a check, named and titled (``"Migration guide step 15: ..."``); empty if none."""
    if meta is None or not meta.guide_step or meta.guide_step.strip() == "-":
        return ""
    return guide.describe(meta.guide_step, meta.id)


def next_step(report: Report) -> str:
    """What the reader should do now, in one sentence, from the counts and the verdict."""
    counts = report.counts()
    counted, below = report.counted_failures()
    down = [n.name for n in report.nodes if n.error]
    parts: list[str] = []
    if counted:
        distinct = len({r.check_id for r in report.results if r.status is Status.FAIL
                        and (report.fail_on is None or (m := report.checks.get(r.check_id)) is None
                             or m.severity.at_least(report.fail_on))})
        parts.append(f"fix {_plural(distinct, 'failing check')} ({_plural(counted, 'failure')}; see the details), "
                     "then run again")
    if down:
        # Folded: an interrupted 500-node run has hundreds (every report lists them all elsewhere).
        parts.append(f"{_plural(len(down), 'node')} not reached ({fold_names(down, 10)}): fix the connection and run "
                     "again, until then its state is unknown")
    elif counts[Status.ERROR]:
        parts.append(f"{_plural(counts[Status.ERROR], 'check')} could not decide (state unknown, not healthy): "
                     "fix the cause shown and run again")
    if counts[Status.WARN]:
        parts.append(f"review {_plural(counts[Status.WARN], 'warning')}")
    if counts[Status.WAIVED]:
        waived = [r for r in report.results if r.status is Status.WAIVED]
        critical = sum(1 for r in waived if severity_for(report, r.check_id) == "critical")
        worst = f", {critical} critical" if critical else ""
        parts.append(f"{_plural(len(waived), 'finding')} waived{worst} (accepted until the waiver expires)")
    if below:
        threshold = report.fail_on.value if report.fail_on else ""
        parts.append(f"{_plural(below, 'failure')} below --fail-on {threshold} listed but not failing the run")
    if report.interrupted:
        parts.insert(0, "the run was interrupted (Ctrl-C/SIGTERM) before every node was collected: run it again "
                        "to completion; nothing it did not finish is known")
    unproven = {r.check_id for r in report.results if r.status is Status.SKIP and "not_selected" in r.evidence}
    if unproven:  # --node left nodes out: the group checks were not judged, so "nothing to fix" would overclaim
        parts.append(f"{_plural(len(unproven), 'group check')} not proven on part of the farm (--node): run "
                     "without --node to judge the whole group")
    if not parts:
        return "nothing to fix"
    return "; ".join(parts)


def _plural(n: int, one: str) -> str:
    return f"{n} {one if n == 1 else one + 's'}"


def meta_for(report: Report, check_id: str) -> CheckMeta | None:
    """The metadata of a check, or None when the report does not carry it."""
    return report.checks.get(check_id)


def severity_for(report: Report, check_id: str) -> str:
    """The check's severity as text, or ``unknown``."""
    meta = meta_for(report, check_id)
    return meta.severity.value if meta else "unknown"


def summary_counts(report: Report) -> list[tuple[Status, int]]:
    """(status, count) for every status, worst first; zero counts included."""
    counts = report.counts()
    return [(status, counts[status]) for status in STATUS_ORDER]


def summary_phrase(report: Report) -> str:
    """``"2 fail, 1 error, 0 warn, 3 skip, 10 pass"``: every count, worst first."""
    return ", ".join(f"{n} {status.value}" for status, n in summary_counts(report))


def scrub(value: Any, _memo: dict[int, Any] | None = None) -> Any:
    """``value`` with every registered secret redacted from every string in it (keys included).

    A container met twice (group checks share one overview dict among all their results) is scrubbed once.
    """
    # Exact types first, and strings and numbers of a container handled in place: on a 500-node farm this walks
    # 160,000 values, and isinstance() against the Mapping ABC was most of its cost.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is str or isinstance(value, str):
        return redact(value)
    if kind is dict or kind is list or kind is tuple or isinstance(value, (Mapping, list, tuple)):
        memo = {} if _memo is None else _memo
        done = memo.get(id(value))
        if done is not None and done[0] is value:
            return done[1]
        if kind is dict or (kind is not list and kind is not tuple and isinstance(value, Mapping)):
            clean: Any = {
                (redact(k) if type(k) is str else scrub(k, memo)):
                    (redact(v) if type(v) is str else v if type(v) in _PLAIN else scrub(v, memo))
                for k, v in value.items()
            }
        else:
            clean = type(value)(
                redact(v) if type(v) is str else v if type(v) in _PLAIN else scrub(v, memo) for v in value
            )
        memo[id(value)] = (value, clean)  # the original is kept alive, so its id cannot be reused meanwhile
        return clean
    return value


# Values scrub() returns as they are (no text in them).
_PLAIN = frozenset({int, float, bool, type(None)})


def redacted(report: Report) -> Report:
    """A copy of ``report`` with secrets removed from everything a server or a user could have put in it.

    ``output.write_atomic`` redacts again on write, but only the text it is given: once a reporter has
    escaped a secret (``&amp;`` in XML/HTML, ``\\u00e4`` in JSON) that last line of defence no longer
    recognises it, so redaction must happen on the model, before any escaping.
    """
    # One run renders the same Report with four reporters: scrub it once, not four times (on a 500-node farm
    # the scrub is most of the rendering time). Keyed on identity and on the secrets known at the time.
    cached = _last_redacted
    if cached is not None and cached[0] is report and cached[1] is secrets.generation():
        return cached[2]
    clean = _redacted(report)
    _remember(report, clean)
    return clean


_last_redacted: tuple[Report, object, Report] | None = None


def _remember(report: Report, clean: Report) -> None:
    global _last_redacted
    _last_redacted = (report, secrets.generation(), clean)


def _redacted(report: Report) -> Report:
    memo: dict[int, Any] = {}
    return replace(
        report,
        group=redact(report.group),
        source=redact(report.source),
        nodes=tuple(replace(n, address=redact(n.address), error=scrub(n.error, memo)) for n in report.nodes),
        results=tuple(
            replace(r, message=redact(r.message), evidence=scrub(dict(r.evidence), memo),
                    waiver=scrub(dict(r.waiver), memo) if r.waiver is not None else None)
            for r in report.results
        ),
        sections=scrub(dict(report.sections), memo),
    )
