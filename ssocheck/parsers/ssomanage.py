"""Parser for the console output of ``ssomanage -displaydb`` (and ssomanage/ssoconfig error output).

ssomanage first prints ``Using SSO server : <name>``, then either ``<label> : <value>`` lines or an
``ERROR: 0xC000xxxx : <message>`` block. Only the label table of the documentation is known, not a
real dump (domain.md 7 and Appendix B), so labels are matched loosely: case-insensitive, any run of
spaces, ``SSO`` or ``Single Sign-On``, extra spaces around the colon. Error messages are often hard
wrapped by the console (domain.md 9): everything from the ``ERROR:`` line on is joined into one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Field name -> accepted labels (word order as in the documentation's table).
LABELS: dict[str, tuple[str, ...]] = {
    "using_server": ("Using SSO server", "Using Single Sign-On server"),
    "sql_server": ("SQL Server", "SQL Server name"),
    "database": ("Single Sign-On database", "SSO database", "Single Sign-On database name", "SSO database name"),
    "secret_server": (
        "Single Sign-On Secret Server name",
        "SSO Secret Server name",
        "Single Sign-On Secret Server",
        "Secret Server name",
    ),
    "admin_group": ("Single Sign-On Administrators account", "SSO Administrators account", "SSO Administrator account"),
    "affiliate_group": (
        "Single Sign-On Affiliate Administrators account",
        "SSO Affiliate Administrators account",
        "SSO Affiliate Administrator account",
    ),
}


def _label_pattern(label: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in label.split())
    return re.compile(rf"^\s*{words}\s*:\s*(.*)$", re.I)


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (name, _label_pattern(label)) for name, labels in LABELS.items() for label in labels
]
ERROR_LINE = re.compile(r"^\s*ERROR\s*:", re.I)
HRESULT = re.compile(r"0x[0-9A-F]{8}", re.I)
# A console prompt echoed into a copied transcript: "C:\Program Files\...>ssomanage -displaydb".
PROMPT = re.compile(r"^\s*[A-Z]:\\[^>]*>", re.I)


@dataclass(frozen=True)
class DisplayDb:
    """What ``ssomanage -displaydb`` said. ``error`` is set when it printed no database information."""

    using_server: str | None = None
    sql_server: str | None = None
    database: str | None = None
    secret_server: str | None = None
    admin_group: str | None = None
    affiliate_group: str | None = None
    error: str | None = None
    error_code: str | None = None
    values: dict[str, str] = field(default_factory=dict)


def _squash(text: str) -> str:
    return " ".join(text.split())


def parse_error(text: str) -> tuple[str, str | None] | None:
    """The ``ERROR:`` block of a transcript, unwrapped into one line, and its first HRESULT (upper case).

    None when the text holds no ``ERROR:`` line.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if ERROR_LINE.match(line):
            rest = [ln for ln in lines[i:] if ln.strip() and not PROMPT.match(ln)]
            message = _squash(" ".join(rest))
            code = HRESULT.search(message)
            return message, (code.group(0)[:2] + code.group(0)[2:].upper()) if code else None
    return None


def parse_displaydb(text: str, exit_code: int | None = 0) -> DisplayDb:
    """Read a ``ssomanage -displaydb`` transcript; never raises on unexpected text.

    An ``ERROR:`` block, a non-zero exit code, or output without any known label give a result
    whose ``error`` says why; the label values found before an error are kept.
    """
    found: dict[str, str] = {}
    values: dict[str, str] = {}
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip() or PROMPT.match(line) or ERROR_LINE.match(line):
            continue
        for name, pattern in _PATTERNS:
            match = pattern.match(line)
            if match and name not in found:
                found[name] = match.group(1).strip()
                break
        label, sep, value = line.partition(":")
        if sep and label.strip():
            values.setdefault(_squash(label), value.strip())
    error: str | None = None
    code: str | None = None
    parsed_error = parse_error(text)
    if parsed_error is not None:
        error, code = parsed_error
    elif exit_code not in (0, None):
        last = next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "(no output)")
        error = f"ssomanage exited with code {exit_code}: {last}"
    elif not (found.keys() - {"using_server"}):
        error = "no SSO database information in the ssomanage output"
    return DisplayDb(
        using_server=found.get("using_server") or None,
        sql_server=found.get("sql_server") or None,
        database=found.get("database") or None,
        secret_server=found.get("secret_server") or None,
        admin_group=found.get("admin_group") or None,
        affiliate_group=found.get("affiliate_group") or None,
        error=error,
        error_code=code,
        values=values,
    )
