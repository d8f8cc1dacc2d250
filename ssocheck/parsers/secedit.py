"""Parser for the INF file written by ``secedit /export /areas USER_RIGHTS /cfg <file>``.

The file follows the MS-GPSB 2.2.6 grammar: a ``[Privilege Rights]`` section whose lines read
``RightName = Entry[,Entry...]``. An entry is a SID with a ``*`` prefix (``*S-1-5-32-544``), a bare
account name (``Guest``) or ``DOMAIN\\name``, mixed freely on one line and in the machine's language
(``受限服务\\所有受限服务`` on a Chinese-locale server). secedit writes UTF-16LE with a BOM and CRLF line
ends; copies seen in the field are tab-indented or re-encoded, so all of that is accepted.
"""

from __future__ import annotations

import re

SECTION = re.compile(r"^\s*\[(?P<name>[^\]]*)\]\s*$")
PRIVILEGE_SECTION = "privilege rights"


class SeceditFormatError(ValueError):
    """The text is not a secedit user-rights export (no ``[Privilege Rights]`` section, bad line)."""


def decode_inf(data: bytes) -> str:
    """Decode an INF file as secedit writes it: UTF-16 with BOM, else UTF-8 (with or without BOM).

    A UTF-16 file without BOM is recognised by its NUL bytes (every ASCII character has one).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if len(data) >= 2 and data.count(b"\x00") >= len(data) // 4:
        return data.decode("utf-16-le")
    return data.decode("utf-8")


def _entries(value: str) -> list[str]:
    out = []
    for part in value.split(","):
        entry = part.strip()
        if len(entry) >= 2 and entry[0] == entry[-1] == '"':
            entry = entry[1:-1].strip()
        if entry:
            out.append(entry)
    return out


def parse_user_rights(text: str) -> dict[str, list[str]]:
    """``{right name: [entry, ...]}`` from the ``[Privilege Rights]`` section of a secedit export.

    Right names keep their spelling (``SeServiceLogonRight``); the ``user_rights`` fact's
    :class:`~ssocheck.facts.rights.UserRightsAssignment` looks them up case-insensitively. A right
    listed with no value maps to an empty list. Raises :class:`SeceditFormatError` when the section
    is missing: every Windows machine has rights assigned, so an export without them means the
    export failed, not that nobody holds a right.
    """
    rights: dict[str, list[str]] = {}
    section: str | None = None
    seen_section = False
    for number, raw_line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw_line.replace("\x00", "").strip().lstrip("\ufeff")
        if not line or line.startswith(";"):
            continue
        match = SECTION.match(line)
        if match:
            section = match.group("name").strip().lower()
            seen_section = seen_section or section == PRIVILEGE_SECTION
            continue
        if section != PRIVILEGE_SECTION:
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SeceditFormatError(f"line {number}: expected 'RightName = entries', got {line[:80]!r}")
        rights.setdefault(name, []).extend(_entries(value))
    if not seen_section:
        raise SeceditFormatError("no [Privilege Rights] section: not a secedit USER_RIGHTS export")
    return rights

