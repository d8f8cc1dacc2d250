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


def imported_names(path: Path) -> set[str]:
    """Modules imported, with ``from package import module`` counted as ``package.module`` too."""
    names = imported_modules(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
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


def test_http_and_auth_are_apart_from_the_shell_model() -> None:
    # endpoint.py: sockets, TLS, HTTP, authentication; shells.py: WS-Man shells and commands, no transport at all.
    endpoint = imported_names(LAB / "endpoint.py")
    shells = imported_names(LAB / "shells.py")
    assert "ssocheck.lab.shells" in endpoint and "ssocheck.lab.httpauth" in endpoint
    assert not {"socket", "ssl", "selectors", "http", "http.client", "ssocheck.lab.httpauth",
                "ssocheck.lab.gssauth", "ssocheck.lab.endpoint"} & shells, shells
    assert "ssocheck.lab.wsman" not in endpoint  # the endpoint never reads SOAP itself
    assert "ssocheck.lab.session" in shells  # the handler still learns who authenticated
