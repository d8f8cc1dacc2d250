"""The fact contract: a named piece of remote state, a read-only PowerShell snippet, and a pure parser.

A fact's *raw* value is whatever its snippet assigns to ``$value`` (hashtables, arrays, strings,
numbers, booleans), serialised to JSON by the probe. The raw value is what snapshots store and what
the simulated farm produces; ``parse`` turns it into typed data for checks, and raises
:class:`FactParseError` when the server answered something malformed.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")


class FactParseError(ValueError):
    """The raw value of a fact does not have the documented shape."""


class Fact(Generic[T]):
    """Base class of every fact. Subclasses set the class attributes and implement ``parse``.

    Snippet rules (enforced by tests/test_powershell_scripts.py):

    * read-only: no Set-/New-Item/Remove-/Start-/Stop-/Restart- verbs, no Invoke-Expression;
    * Windows PowerShell 2.0 syntax and cmdlets only (no ConvertTo-Json, [ordered],
      [pscustomobject], Get-CimInstance, ``-in``, ``.Where()``...);
    * the snippet assigns its result to ``$value``; anything it writes to the pipeline is discarded;
    * inventory values come from ``Get-SsoParam 'name'`` (decoded JSON), never from string formatting;
    * a snippet that throws makes this one fact unavailable on that node, nothing else.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    script: ClassVar[str]
    # Names of probe parameters the snippet reads with Get-SsoParam (see Expectations.probe_params).
    params: ClassVar[tuple[str, ...]] = ()
    # True for the one kind of "fact" that changes server state to prove something (BTS001's port
    # create test). Such facts are never part of the read-only probe: the collector sends each one
    # as its own command, one node at a time, and only when changes are explicitly allowed.
    writes: ClassVar[bool] = False
    # What the snippet reaches beyond the node with the session's own credentials (a "second hop"), e.g.
    # "SQL Server (BizTalkMgmtDb, Windows authentication)"; None when it stays on the node. Only a transport
    # that delegates credentials (CredSSP) can make that hop: see ssocheck/delegation.py.
    second_hop: ClassVar[str | None] = None

    @classmethod
    def parse(cls, raw: Any) -> T:
        """Turn the raw JSON value into typed data; raise FactParseError on a malformed value."""
        raise NotImplementedError

    @classmethod
    def leftovers(cls, raw: Any) -> str | None:
        """For a fact that ``writes``: what its command left changed on the node (for the audit trail), else None.

        The audit trail must record a state-changing command's real outcome: "ran" is not "ok" when its
        cleanup failed. Read-only facts never leave anything.
        """
        return None


def expect_type(raw: Any, kind: type | tuple[type, ...], what: str) -> Any:
    """Return ``raw`` if it is of ``kind``; otherwise raise FactParseError naming ``what``."""
    if not isinstance(raw, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise FactParseError(f"{what}: expected {names}, got {type(raw).__name__}")
    return raw


def as_list(raw: Any, what: str) -> list[Any]:
    """PowerShell collapses one-element arrays into the element; accept both and return a list."""
    if raw is None:
        return []
    if isinstance(raw, list):
        return raw
    return [raw]


def opt_str(raw: Any, what: str) -> str | None:
    """A string or null (PowerShell ``$null``)."""
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    return str(expect_type(raw, str, what))
