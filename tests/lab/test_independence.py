"""The lab answers from scenario state only: it must not share code with what it is testing."""

from __future__ import annotations

import ast
from pathlib import Path

LAB = Path(__file__).resolve().parent.parent.parent / "ssocheck" / "lab"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_lab_never_imports_facts_checks_runner_or_reporters() -> None:
    offending = {}
    for path in LAB.rglob("*.py"):
        bad = {
            m for m in imported_modules(path)
            if m.startswith(("ssocheck_checks", "ssocheck.facts", "ssocheck.runner", "ssocheck.reporters",
                             "ssocheck.parsers", "ssocheck.check", "ssocheck.collect"))
        }
        if bad:
            offending[str(path.relative_to(LAB))] = sorted(bad)
    assert not offending, offending
    assert len(list(LAB.rglob("*.py"))) >= 10  # the scan really saw the lab
