"""Facts: named pieces of remote state, each a read-only PowerShell snippet plus a pure parser."""

from __future__ import annotations

from ssocheck.facts.base import Fact, FactParseError

__all__ = ["Fact", "FactParseError"]
