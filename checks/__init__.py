"""The built-in check pack (installed as ``ssocheck_checks``), registered through the entry point
``ssocheck.checks: builtin = ssocheck_checks:get_checks`` exactly like a third-party pack."""

from __future__ import annotations

from typing import Any


def get_checks() -> list[type[Any]]:
    """Every built-in check class; imports happen here so loading the package has no side effects."""
    from ssocheck_checks.cluster import UseNetworkName
    from ssocheck_checks.msdtc import MsdtcCidUnique
    from ssocheck_checks.sso import EntssoServiceAccount

    return [MsdtcCidUnique, EntssoServiceAccount, UseNetworkName]
