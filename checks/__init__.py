"""The built-in check pack (installed as ``ssocheck_checks``), registered through the entry point
``ssocheck.checks: builtin = ssocheck_checks:get_checks`` exactly like a third-party pack."""

from __future__ import annotations

import importlib
from typing import Any

# One module per area; each defines CHECKS, the list of its check classes.
MODULES = (
    "msdtc", "system", "sso", "secret", "cluster", "biztalk", "porttest", "drift", "rpc", "clusterrole", "events",
    "standalone", "sqlcluster",
)


def get_checks() -> list[type[Any]]:
    """Every built-in check class; imports happen here so loading the package has no side effects."""
    found: list[type[Any]] = []
    for module in MODULES:
        found.extend(importlib.import_module(f"ssocheck_checks.{module}").CHECKS)
    return found
