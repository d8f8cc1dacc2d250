"""Answers probe facts from the state of a simulated node: the Windows side of the wire contract.

Each area module registers one function per fact name with :func:`emulates`. A function gets the
farm, the node and the decoded probe parameters and returns the raw value the real PowerShell
snippet would assign to ``$value`` (see each Fact's docstring in ``ssocheck/facts``). It computes
that from scenario state only: the lab never imports ``ssocheck.facts``, the checks or the runner,
so a wrong parser or check cannot be hidden by a lab that shares its code. Raising
:class:`EmulationError` makes the fact fail on that node as a PowerShell exception would.

Each emulator also declares the calls it stands in for (``calls=``: commands with arguments, ``[Type]::Member``,
``.Method``, ``'registry path'``; forms in :func:`ssocheck.psparse.matches`). The farm answers a fact from the
emulator only when the received snippet really makes those calls; a snippet that no longer does (deleted,
rewritten to call something else) is not answered from scenario state (:mod:`ssocheck.lab.powershell`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from ssocheck.lab.session import SessionIdentity
from ssocheck.lab.state import FarmState, NodeState

Emulator = Callable[[FarmState, NodeState, Mapping[str, Any]], Any]

EMULATORS: dict[str, Emulator] = {}
# The calls each emulator stands in for, by fact name (see the module docstring).
CALLS: dict[str, tuple[str, ...]] = {}

# Area modules of this package; each registers its emulators when imported.
AREAS = ("msdtc", "services", "cluster", "system", "sso", "secret", "biztalk", "network", "clusterrole", "doctor")


class EmulationError(Exception):
    """The simulated PowerShell raised: the message is what the fact's error will say."""


def utc_text(value: Any) -> str:
    """A scenario time as the probe writes times (``yyyy-MM-ddTHH:mm:ssZ``).

    An unquoted YAML timestamp arrives as a datetime, a quoted one as text; both are accepted.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


# Who a probe runs as when the caller did not say (direct calls in tests): the lab's NTLM administrator.
DEFAULT_IDENTITY = SessionIdentity(principal="CORP\\ssocheck", mechanism="ntlm", can_delegate=False)


def identity_of(params: Mapping[str, Any]) -> SessionIdentity:
    """The security context of the session that sent the probe (the endpoint's authentication outcome)."""
    identity = getattr(params, "identity", None)
    return identity if isinstance(identity, SessionIdentity) else DEFAULT_IDENTITY


def emulates(fact_name: str, calls: tuple[str, ...] = ()) -> Callable[[Emulator], Emulator]:
    """Register ``func`` as the emulation of ``fact_name``, standing in for ``calls``; duplicates are a
    programming error."""

    def register(func: Emulator) -> Emulator:
        if fact_name in EMULATORS and EMULATORS[fact_name] is not func:
            raise RuntimeError(f"fact {fact_name!r} is emulated twice")
        EMULATORS[fact_name] = func
        CALLS[fact_name] = tuple(calls)
        return func

    return register


def load_all() -> dict[str, Emulator]:
    """Import every area module (idempotent) and return the registry."""
    for area in AREAS:
        try:
            importlib.import_module(f"{__name__}.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{area}":
                raise
    return EMULATORS
