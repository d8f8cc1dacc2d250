"""The probe's own PowerShell JSON writer, emulated from the code the farm received (not from the project's copy).

The probe writes its answer with ``ConvertTo-SsoJson``/``ConvertTo-SsoJsonString`` (ConvertTo-Json does not exist
on PowerShell 2.0). The farm reads the escape table out of the received ``ConvertTo-SsoJsonString``: each
``if/elseif ($code -eq N) { [void]$sb.Append('X') }`` branch, and the ``$code -lt LO -or $code -gt HI`` branch that
writes ``\\uXXXX``. Every other UTF-16 code unit is written as itself, exactly as the PowerShell loop does. So a
probe whose writer lost the backslash escape answers ``"CORP\\svc_sso"`` unescaped (invalid JSON), as a real node
would (review.md mutant M7a), and a probe without the writer functions fails as PowerShell fails on an unknown
command.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

_STRING_FN = "convertto-ssojsonstring"
_VALUE_FN = "convertto-ssojson"
_EQ_BRANCH = re.compile(r"\$code\s+-eq\s+(\d+)\s*\)\s*\{\s*\[void\]\s*\$sb\.Append\(\s*'((?:[^']|'')*)'\s*\)", re.I)
_U_RANGE = re.compile(r"\$code\s+-lt\s+(\d+)\s+-or\s+\$code\s+-gt\s+(\d+)\s*\)\s*\{[^}]*'\\u'", re.I)


@functools.lru_cache(maxsize=32)
def _ascii_table(writer: JsonWriter) -> dict[int, str]:
    return writer._ascii_table()


class WriterMissing(Exception):
    """The script does not define the writer function it calls (PowerShell: CommandNotFoundException)."""


_FUNCTION = re.compile(r"^function\s+([\w-]+)[^\n]*\n(.*?)^\}[ \t]*\r?$", re.M | re.S | re.I)


def _functions(script: str) -> dict[str, str]:
    """Top-level function name (lower case) -> its definition text.

    Read with a pattern, not the syntax tree (walking a 70 KB probe's tree costs ~70 ms per node): the farm only
    gets here once the script has parsed, and the probe's top-level functions start a line with ``function``
    and end at a line holding only ``}``.
    """
    return {m.group(1).lower(): m.group(0) for m in _FUNCTION.finditer(script)}


@dataclass(frozen=True)
class JsonWriter:
    """ConvertTo-SsoJson as the received script defines it."""

    escapes: dict[int, str] = field(default_factory=dict, hash=False)
    u_below: int = -1  # code units < u_below or > u_above become \\uXXXX
    u_above: int = 1 << 17

    @classmethod
    @functools.lru_cache(maxsize=32)
    def from_script(cls, script: str) -> JsonWriter:
        """The writer ``script`` defines; :class:`WriterMissing` when a writer function is not defined."""
        functions = _functions(script)
        for name in (_VALUE_FN, _STRING_FN):
            if name not in functions:
                raise WriterMissing(name)
        body = functions[_STRING_FN]
        escapes = {int(code): text.replace("''", "'") for code, text in _EQ_BRANCH.findall(body)}
        u_range = _U_RANGE.search(body)
        if u_range is None:
            return cls(escapes)
        return cls(escapes, int(u_range.group(1)), int(u_range.group(2)))

    def _ascii_table(self) -> dict[int, str]:
        table: dict[int, str] = {}
        for code in range(128):
            if code in self.escapes:
                table[code] = self.escapes[code]
            elif code < self.u_below or code > self.u_above:
                table[code] = f"\\u{code:04x}"
        return table

    def string(self, text: str) -> str:
        """ConvertTo-SsoJsonString: one UTF-16 code unit at a time, as ``$s.ToCharArray()`` iterates."""
        if text.isascii():  # the common case, one translate instead of a loop (the farm answers every node)
            return '"' + text.translate(_ascii_table(self)) + '"'
        out = ['"']
        units = text.encode("utf-16-le")
        for i in range(0, len(units), 2):
            code = int.from_bytes(units[i : i + 2], "little")
            if code in self.escapes:
                out.append(self.escapes[code])
            elif code < self.u_below or code > self.u_above:
                out.append(f"\\u{code:04x}")
            else:
                out.append(units[i : i + 2].decode("utf-16-le", "surrogatepass"))
        out.append('"')
        return "".join(out)

    def value(self, obj: Any) -> str:
        """ConvertTo-SsoJson of a value the emulators produce (dict, list, str, bool, int, float, None)."""
        if obj is None:
            return "null"
        if isinstance(obj, bool):
            return "true" if obj else "false"
        if isinstance(obj, (int, float)):
            return json.dumps(obj)
        if isinstance(obj, str):
            return self.string(obj)
        if isinstance(obj, dict):
            return "{" + ",".join(self.string(str(k)) + ":" + self.value(v) for k, v in obj.items()) + "}"
        if isinstance(obj, (list, tuple)):
            return "[" + ",".join(self.value(v) for v in obj) + "]"
        return self.string(str(obj))
