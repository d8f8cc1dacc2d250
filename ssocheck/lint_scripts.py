"""``ssocheck lint-scripts``: the PowerShell gate the project applies to itself, for check-pack authors.

A third-party check pack ships fact snippets that run on production servers inside ssocheck's one probe, so they
must follow the same rules as the built-in ones: parse as Windows PowerShell (tree-sitter-powershell), run on
PowerShell 2.0, stay read-only, ASCII, culture-invariant and read inventory values only through ``Get-SsoParam``
(:mod:`ssocheck.pslint`). This module lints ``.ps1`` files and folders, and with ``packs`` every fact snippet of
every installed check pack (the ``ssocheck.checks`` entry point), also embedded in one probe with all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssocheck import pslint
from ssocheck.errors import ConfigError


@dataclass(frozen=True)
class ScriptFindings:
    """The parse errors and lint findings of one script (``where``: a file or ``fact NAME (module)``)."""

    where: str
    parse_errors: tuple[str, ...]
    findings: tuple[pslint.Finding, ...]

    @property
    def clean(self) -> bool:
        """No parse error and no finding."""
        return not self.parse_errors and not self.findings

    def lines(self) -> list[str]:
        """One line per problem, prefixed with ``where``."""
        out = [f"{self.where}: [parse] {e}" for e in self.parse_errors]
        out += [f"{self.where}: {f}" for f in self.findings]
        return out


def lint_text(where: str, script: str, *, allow_writes: bool = False) -> ScriptFindings:
    """Parse and lint one script; lint rules are applied only to a script that parses."""
    errors = tuple(pslint.parse_errors(script))
    findings = () if errors else tuple(pslint.lint(script, allow_writes=allow_writes))
    return ScriptFindings(where, errors, findings)


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".ps1", ".psm1")))
        elif path.is_file():
            out.append(path)
        else:
            raise ConfigError(f"no such file or folder: {path}")
    return out


def lint_files(paths: Sequence[Path], *, allow_writes: bool = False) -> list[ScriptFindings]:
    """Lint every ``.ps1``/``.psm1`` file of ``paths`` (files as given, folders recursively)."""
    results = []
    for file in _files(paths):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read {file}: {exc}") from exc
        results.append(lint_text(str(file), text, allow_writes=allow_writes))
    return results


def lint_packs() -> list[ScriptFindings]:
    """Every fact snippet of every installed check pack, alone and all in one probe.

    A fact needed only by checks declared ``writes = True`` may write (it is never in the normal probe).
    """
    from ssocheck.facts.probe import build_probe
    from ssocheck.registry import load_checks

    facts: dict[str, Any] = {}
    readers: set[str] = set()
    for loaded in load_checks():
        for fact in loaded.check.facts:
            facts.setdefault(fact.name, fact)
            if not loaded.meta.writes:
                readers.add(fact.name)
    results = [
        lint_text(f"fact {name} ({facts[name].__module__})", facts[name].script, allow_writes=name not in readers)
        for name in sorted(facts)
    ]
    # Snippets that parse alone can still break the probe they are pasted into (an unclosed here-string).
    params = {p: "x" for fact in facts.values() for p in getattr(fact, "params", ())}
    probe = build_probe([facts[n] for n in sorted(readers)], params)
    results.append(lint_text("the probe with every read-only fact", probe))
    return results
