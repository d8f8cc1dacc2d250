"""Loads check packs from the ``ssocheck.checks`` entry-point group and validates them.

The built-in pack (``checks/``, installed as ``ssocheck_checks``) is loaded the same way as any
third-party pack, so the core never imports a check by name. A duplicate check ID across packs is
a packaging bug and fails loudly at load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from ssocheck.check import Check, GroupCheck, NodeCheck
from ssocheck.errors import PluginLoadError
from ssocheck.facts.base import Fact
from ssocheck.model import ROLES, TOPOLOGIES, CheckMeta, Phase, Severity

ENTRY_POINT_GROUP = "ssocheck.checks"
ID_PATTERN = re.compile(r"^[A-Z]{3}\d{3}$")


@dataclass(frozen=True)
class LoadedCheck:
    """A validated check instance with its metadata."""

    check: Check
    meta: CheckMeta


def _meta(cls: type[Check], pack: str) -> CheckMeta:
    doc = (cls.__doc__ or "").strip()
    title, _, rest = doc.partition("\n")
    return CheckMeta(
        id=cls.id,
        name=cls.name,
        title=title.strip(),
        description=" ".join(line.strip() for line in rest.strip().splitlines() if line.strip()),
        severity=cls.severity,
        shape=cls.shape,
        phases=tuple(cls.phases),
        roles=tuple(cls.roles),
        remediation=cls.remediation,
        guide_step=cls.guide_step,
        references=tuple(cls.references),
        facts=tuple(f.name for f in cls.facts),
        pack=pack,
        writes=cls.writes,
        topologies=tuple(cls.topologies),
    )


def validate(cls: Any, pack: str) -> CheckMeta:
    """Check one class declared by a pack; raise PluginLoadError naming the pack and the problem."""

    def bad(problem: str) -> PluginLoadError:
        return PluginLoadError(f"check pack '{pack}': {getattr(cls, '__name__', cls)!s}: {problem}")

    if not (isinstance(cls, type) and issubclass(cls, (NodeCheck, GroupCheck))):
        raise bad("not a NodeCheck or GroupCheck subclass")
    for attr in ("id", "name", "severity"):
        if not hasattr(cls, attr):
            raise bad(f"missing class attribute '{attr}'")
    if not ID_PATTERN.match(cls.id):
        raise bad(f"check ID '{cls.id}' does not look like ABC123")
    if not isinstance(cls.severity, Severity):
        raise bad("severity must be a Severity")
    if not cls.phases or not all(isinstance(p, Phase) for p in cls.phases):
        raise bad("phases must be a non-empty tuple of Phase")
    if not cls.roles or not all(r in ROLES for r in cls.roles):
        raise bad(f"roles must be a non-empty subset of {ROLES}")
    if not cls.topologies or not all(t in TOPOLOGIES for t in cls.topologies):
        raise bad(f"topologies must be a non-empty subset of {TOPOLOGIES}")
    if not all(isinstance(f, type) and issubclass(f, Fact) for f in cls.facts):
        raise bad("facts must be Fact subclasses")
    if not (cls.__doc__ or "").strip():
        raise bad("a docstring (the user-facing description) is required")
    return _meta(cls, pack)


def build(packs: Iterable[tuple[str, Sequence[type[Check]]]]) -> list[LoadedCheck]:
    """Validate the classes of every pack and refuse duplicate IDs across or within packs."""
    seen: dict[str, str] = {}
    loaded: list[LoadedCheck] = []
    for pack, classes in packs:
        for cls in classes:
            meta = validate(cls, pack)
            if meta.id in seen:
                raise PluginLoadError(
                    f"duplicate check ID {meta.id}: declared by pack '{seen[meta.id]}' and pack '{pack}'"
                )
            seen[meta.id] = pack
            loaded.append(LoadedCheck(cls(), meta))
    return sorted(loaded, key=lambda lc: lc.meta.id)


def _load_entry_point(ep: EntryPoint) -> Sequence[type[Check]]:
    try:
        factory: Callable[[], Sequence[type[Check]]] = ep.load()
        return list(factory())
    except Exception as exc:  # a broken third-party pack must name itself, not crash with a traceback
        dist = getattr(ep, "dist", None)
        version = f" {dist.version}" if dist is not None else ""
        raise PluginLoadError(f"cannot load check pack '{ep.name}'{version} ({ep.value}): {exc}") from exc


def load_checks() -> list[LoadedCheck]:
    """Every check of every installed pack, validated, sorted by ID."""
    eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    if not eps:
        raise PluginLoadError(
            f"no check pack found in entry-point group '{ENTRY_POINT_GROUP}': is ssocheck installed "
            "(pip install -e .)?"
        )
    # The same distribution can be visible twice (e.g. an editable install plus a build dir).
    unique = {(ep.name, ep.value): ep for ep in eps}
    return build((ep.name, _load_entry_point(ep)) for ep in unique.values())


def select(
    checks: Sequence[LoadedCheck], only: Sequence[str] = (), exclude: Sequence[str] = ()
) -> list[LoadedCheck]:
    """Filter by check ID or ID prefix (``SSO`` selects every SSO check); unknown names are an error."""

    def matches(lc: LoadedCheck, pattern: str) -> bool:
        p = pattern.strip().upper()
        return lc.meta.id == p or (p.isalpha() and lc.meta.id.startswith(p)) or lc.meta.name == pattern

    from ssocheck.errors import ConfigError

    for pattern in [*only, *exclude]:
        if not any(matches(lc, pattern) for lc in checks):
            raise ConfigError(f"no check matches '{pattern}'", field="--select/--skip")
    chosen = [lc for lc in checks if not only or any(matches(lc, p) for p in only)]
    return [lc for lc in chosen if not any(matches(lc, p) for p in exclude)]
