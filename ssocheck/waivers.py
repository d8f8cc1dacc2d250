"""Waivers: accepted findings, each with a justification and an expiry date.

A waivers file is YAML::

    version: 1                      # optional; the only format so far
    waivers:
      - check: SSO006               # one check ID (no wildcards: a waiver is a precise decision)
        node: NODE*                 # node name glob, case-insensitive ("*" = every node)
        justification: Backup file is kept in the vault, not on the nodes (approved by J. Doe)
        expires: 2026-12-31         # YYYY-MM-DD; the waiver is in force until the end of that day
        ticket: CHG0012345          # optional change ticket / risk acceptance reference

Validation is strict (unknown keys, a missing justification or expiry, a malformed date or check ID
are :class:`ConfigError` naming the file and the field), because a typo in a waiver must never
silently waive nothing, or everything.

:func:`apply_waivers` returns a new report where every ``fail`` or ``warn`` matched by a waiver in
force is a ``skip`` whose message gives the expiry and the justification, with ``Result.waiver``
set so every reporter can show it. ``error`` results are never waived: they mean the check could
not decide, and waiving an unknown would be a false green. An expired waiver never applies; it is
listed with state ``expired`` in the ``waivers`` report section, and a finding it would have
covered carries a ``waiver_expired`` note in its evidence.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ssocheck import safeyaml
from ssocheck.errors import ConfigError
from ssocheck.model import Report, Result, Status
from ssocheck.safeyaml import short

VERSION = 1
_CHECK_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REQUIRED = ("check", "node", "justification", "expires")
_OPTIONAL = ("ticket",)

# Waiver states in the report section.
IN_FORCE = "in-force"
EXPIRED = "expired"
UNUSED = "unused"

WAIVABLE = (Status.FAIL, Status.WARN)


@dataclass(frozen=True)
class Waiver:
    """One accepted finding: a check on the nodes matching a glob, until a date, for a reason."""

    number: int  # 1-based position in the file: how reports refer to it
    check: str
    node: str
    justification: str
    expires: date
    ticket: str | None = None

    @property
    def label(self) -> str:
        """``#2 SSO006 on NODE*``."""
        return f"#{self.number} {self.check} on {self.node}"

    def expired(self, today: date) -> bool:
        """True after the expiry date (the waiver is in force through the whole expiry day)."""
        return today > self.expires

    def matches(self, check_id: str, node: str) -> bool:
        """True when this waiver names ``check_id`` and ``node`` matches the node glob (case-insensitive)."""
        return check_id.upper() == self.check and fnmatch.fnmatchcase(node.lower(), self.node.lower())

    def message(self) -> str:
        """The skip message of a waived result: ``waived until <date>: <justification> (<ticket>)``."""
        text = f"waived until {self.expires.isoformat()}: {self.justification}"
        return f"{text} ({self.ticket})" if self.ticket else text


@dataclass(frozen=True)
class WaiverSet:
    """The waivers of one file."""

    source: str
    waivers: tuple[Waiver, ...]

    def check_known(self, known_ids: Iterable[str]) -> None:
        """Refuse a waiver for a check ID that no loaded pack registers (a typo would waive nothing)."""
        known = {k.upper() for k in known_ids}
        for w in self.waivers:
            if w.check not in known:
                raise ConfigError(f"unknown check ID {w.check!r} (see 'ssocheck list')", source=self.source,
                                  field=f"waivers[{w.number - 1}].check")


def _bad(source: str, field: str, problem: str) -> ConfigError:
    return ConfigError(problem, source=source, field=field)


def _text(item: dict[str, Any], key: str, where: str, source: str) -> str:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _bad(source, f"{where}.{key}", "must be a non-empty string")
    text = str(value).strip()
    if not text:
        raise _bad(source, f"{where}.{key}", "must be a non-empty string")
    return text


def _date(value: Any, field: str, source: str) -> date:
    if isinstance(value, datetime):
        raise _bad(source, field, "must be a date (YYYY-MM-DD) without a time of day")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE_RE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise _bad(source, field, f"not a valid date: {short(value)} ({exc})") from exc
    raise _bad(source, field, f"must be a date YYYY-MM-DD, not {short(value)}")


def waivers_from_data(doc: Any, source: str) -> WaiverSet:
    """Validate a parsed waivers document."""
    if doc is None:
        raise _bad(source, "(top level)", "empty file: expected a mapping with a 'waivers' list")
    if not isinstance(doc, dict):
        raise _bad(source, "(top level)", "must be a mapping with a 'waivers' list")
    unknown = sorted(str(k) for k in doc if k not in ("version", "waivers"))
    if unknown:
        raise _bad(source, unknown[0], "unknown key (allowed: version, waivers)")
    version = doc.get("version", VERSION)
    if version != VERSION or isinstance(version, bool):
        raise _bad(source, "version",
                   f"unsupported waivers format version {short(version)} (this ssocheck reads {VERSION})")
    items = doc.get("waivers")
    if not isinstance(items, list):
        raise _bad(source, "waivers", "missing or not a list")
    waivers: list[Waiver] = []
    for i, item in enumerate(items):
        where = f"waivers[{i}]"
        if not isinstance(item, dict):
            raise _bad(source, where, "must be a mapping with check, node, justification, expires")
        for key in item:
            if key not in _REQUIRED + _OPTIONAL:
                raise _bad(source, f"{where}.{key}",
                           f"unknown key (allowed: {', '.join(_REQUIRED + _OPTIONAL)})")
        for key in _REQUIRED:
            if item.get(key) in (None, ""):
                raise _bad(source, f"{where}.{key}", "is required")
        check = _text(item, "check", where, source).upper()
        if not _CHECK_ID_RE.match(check):
            raise _bad(source, f"{where}.check", f"not a check ID: {short(check)} (one ID, no wildcards)")
        ticket = _text(item, "ticket", where, source) if item.get("ticket") not in (None, "") else None
        waivers.append(
            Waiver(
                number=i + 1,
                check=check,
                node=_text(item, "node", where, source),
                justification=_text(item, "justification", where, source),
                expires=_date(item.get("expires"), f"{where}.expires", source),
                ticket=ticket,
            )
        )
    return WaiverSet(source=source, waivers=tuple(waivers))


def load_waivers(path: str | Path) -> WaiverSet:
    """Read and validate a waivers file; every problem is a ConfigError naming the file and the field."""
    p = Path(path)
    try:
        text = safeyaml.read_text(p)
    except OSError as exc:
        raise ConfigError(f"cannot read waivers file: {exc.strerror}", source=str(p)) from exc
    except safeyaml.YamlLimitError as exc:
        raise ConfigError(str(exc), source=str(p)) from exc
    try:
        doc = safeyaml.loads(text)
    except safeyaml.YamlLimitError as exc:
        raise ConfigError(str(exc), source=str(p)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"not valid YAML{line}: {getattr(exc, 'problem', None) or exc}", source=str(p)) from exc
    return waivers_from_data(doc, str(p))


def _waiver_record(w: Waiver, result: Result) -> dict[str, Any]:
    record: dict[str, Any] = {
        "expires": w.expires.isoformat(),
        "justification": w.justification,
    }
    if w.ticket:
        record["ticket"] = w.ticket
    record["waiver"] = w.label
    # What was waived stays visible: the skip message replaced the finding's own message.
    record["finding"] = f"{result.status.value}: {result.message}"
    return record


def apply_waivers(report: Report, waivers: WaiverSet | Sequence[Waiver], today: date) -> Report:
    """A new report with waived findings turned into ``waived`` and the ``waivers`` section listing every waiver.

    The first waiver in force (file order) that matches a ``fail``/``warn`` result waives it. Section
    rows: ``waiver``, ``check``, ``node`` (the glob), ``state`` (in-force: waived something;
    unused: in force, matched nothing; expired), ``expires``, ``justification``, ``ticket``,
    ``matches`` (the nodes whose findings it waived, or would have waived if it had not expired).
    """
    items = tuple(waivers.waivers if isinstance(waivers, WaiverSet) else waivers)
    matched: dict[int, list[str]] = {w.number: [] for w in items}
    results: list[Result] = []
    for result in report.results:
        if result.status not in WAIVABLE:
            results.append(result)
            continue
        candidates = [w for w in items if w.matches(result.check_id, result.node)]
        in_force = next((w for w in candidates if not w.expired(today)), None)
        if in_force is not None:
            matched[in_force.number].append(result.node)
            results.append(replace(result, status=Status.WAIVED, message=in_force.message(),
                                   waiver=_waiver_record(in_force, result)))
            continue
        expired = [w for w in candidates if w.expired(today)]
        if expired:
            for w in expired:
                matched[w.number].append(result.node)
            evidence = dict(result.evidence)
            evidence["waiver_expired"] = "; ".join(
                f"{w.label} expired on {w.expires.isoformat()}: {w.justification}" for w in expired
            )
            results.append(replace(result, evidence=evidence))
            continue
        results.append(result)
    rows = []
    for w in items:
        if w.expired(today):
            state = EXPIRED
        elif matched[w.number]:
            state = IN_FORCE
        else:
            state = UNUSED
        rows.append({
            "waiver": f"#{w.number}",
            "check": w.check,
            "node": w.node,
            "state": state,
            "expires": w.expires.isoformat(),
            "justification": w.justification,
            "ticket": w.ticket or "",
            "matches": sorted(set(matched[w.number])),
        })
    return replace(report, results=tuple(results), sections={**report.sections, "waivers": rows})


def expired_waivers(waivers: WaiverSet, today: date) -> list[Waiver]:
    """The waivers of the file that are past their expiry date."""
    return [w for w in waivers.waivers if w.expired(today)]
