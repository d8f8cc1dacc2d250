"""Pure text parsers for the console output of Windows tools (secedit, ssomanage).

They take the text a fact collected and return plain data; no I/O, no PowerShell. Facts wrap their
format errors into :class:`ssocheck.facts.base.FactParseError`.
"""

from __future__ import annotations
