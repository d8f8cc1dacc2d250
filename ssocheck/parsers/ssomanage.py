"""Parser for the console output of ``ssomanage -displaydb`` (and ssomanage/ssoconfig error output).

ssomanage first prints ``Using SSO server : <name>``, then either ``<label> : <value>`` lines or an
``ERROR: 0xC000xxxx : <message>`` block. Only the label table of the documentation is known, not a
real dump (domain.md 7 and Appendix B), so labels are matched loosely: case-insensitive, any run of
spaces, ``SSO`` or ``Single Sign-On``, extra spaces around the colon. Error messages are often hard
wrapped by the console (domain.md 9): everything from the ``ERROR:`` line on is joined into one line.

Robustness (review probe.md D5): a byte-order mark and CRLF, LF or CR line ends are accepted; an HRESULT
(``0x8.......``/``0xC.......``) is recognised wherever it stands, so a localised error line
("FEHLER: 0xC0002A0F : ...") still gives its code; the documented local header "Using SSO server on this
computer." is understood. Output that holds neither an error nor the documented labels (a localised
BizTalk, another layout) is marked ``unrecognised``: the fact then fails with the raw text as evidence
instead of returning empty values.
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
# A failure HRESULT (severity bit set: 0x8..., 0xC...), the only kind an error message carries.
FAILURE_HRESULT = re.compile(r"\b0x[89A-F][0-9A-F]{7}\b", re.I)
LOCAL_HEADER = re.compile(r"^\s*Using\s+(?:SSO|Single\s+Sign-On)\s+server\s+on\s+this\s+computer\.?\s*$", re.I)
# What a successful -displaydb must show for its values to be trusted.
REQUIRED = ("secret_server", "admin_group")
THIS_COMPUTER = "(this computer)"
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
    # True when the text is neither an error nor the documented -displaydb layout (localised, unknown labels).
    unrecognised: bool = False
    missing: tuple[str, ...] = ()


def _squash(text: str) -> str:
    return " ".join(text.split())


def _lines(text: str) -> list[str]:
    """Lines of console text: BOMs dropped, CRLF / LF / CR all accepted."""
    return text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _code(message: str) -> str | None:
    """The HRESULT an error message is about: the first ENTSSO one (0xC0002...), else the first failure code."""
    codes = [c.group(0) for c in FAILURE_HRESULT.finditer(message)]
    entsso = [c for c in codes if c.upper().startswith("0XC0002")]
    chosen = entsso or codes
    return "0x" + chosen[0][2:].upper() if chosen else None


def parse_error(text: str) -> tuple[str, str | None] | None:
    """The error block of a transcript, unwrapped into one line, and its HRESULT (upper case).

    The block starts at the ``ERROR:`` line, or (a localised label) at the first line holding a failure
    HRESULT. None when the text holds neither.
    """
    lines = _lines(text)
    start = next((i for i, line in enumerate(lines) if ERROR_LINE.match(line)), None)
    if start is None:
        start = next((i for i, line in enumerate(lines) if FAILURE_HRESULT.search(line) and not PROMPT.match(line)),
                     None)
    if start is None:
        return None
    rest = [ln for ln in lines[start:] if ln.strip() and not PROMPT.match(ln)]
    message = _squash(" ".join(rest))
    return message, _code(message)


def parse_displaydb(text: str, exit_code: int | None = 0) -> DisplayDb:
    """Read a ``ssomanage -displaydb`` transcript; never raises on unexpected text.

    An error block (``ERROR:`` or any failure HRESULT) or a non-zero exit code give a result whose ``error``
    says why; the label values found before an error are kept. Output without an error that lacks the
    documented labels is ``unrecognised`` (``missing`` names the fields not found).
    """
    found: dict[str, str] = {}
    values: dict[str, str] = {}
    for line in _lines(text):
        if not line.strip() or PROMPT.match(line) or ERROR_LINE.match(line):
            continue
        if LOCAL_HEADER.match(line):
            found.setdefault("using_server", THIS_COMPUTER)
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
    labels = found.keys() - {"using_server"}
    # With database labels present an HRESULT may be a value; only an ERROR: line is an error then.
    has_error_line = any(ERROR_LINE.match(ln) for ln in _lines(text))
    parsed_error = parse_error(text) if has_error_line or not labels else None
    missing = tuple(name for name in REQUIRED if name not in found)
    unrecognised = False
    if parsed_error is not None:
        error, code = parsed_error
    elif exit_code not in (0, None):
        last = next((ln.strip() for ln in reversed(_lines(text)) if ln.strip()), "(no output)")
        error = f"ssomanage exited with code {exit_code}: {last}"
    elif missing:
        unrecognised = True
        error = "unrecognised ssomanage output: " + (
            "no SSO database information" if not labels else f"no {', '.join(missing)} line")
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
        unrecognised=unrecognised,
        missing=missing,
    )
