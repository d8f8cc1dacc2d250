"""Password handling: where a password may come from, and redaction of every known secret from output.

Passwords are never inline in an inventory. They come from an environment variable, a password
file that only its owner can read, or an interactive prompt. Every password obtained is registered
here so that writers (reports, snapshots, logs, console) can scrub it as a last line of defence.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ssocheck.errors import CredentialError

_lock = threading.Lock()
_secrets: set[str] = set()
# Longest first, rebuilt on register: redact() runs for every string of every report (millions of calls on a
# 500-node farm), so it must not sort or lock each time. Swapping a tuple is atomic; readers need no lock.
_by_length: tuple[str, ...] = ()
REDACTED = "********"


def generation() -> object:
    """A token that changes whenever a new secret is registered (lets callers cache redacted output)."""
    return _by_length


class Secret:
    """A string that never shows itself in ``repr``/``str``/f-strings; call ``reveal()`` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register(value)

    def reveal(self) -> str:
        """The real value, for the transport only."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(********)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return REDACTED


def register(value: str) -> None:
    """Remember a secret so :func:`redact` removes it from any text."""
    global _by_length
    if value and len(value) >= 3:  # shorter values would redact innocent text everywhere
        with _lock:
            _secrets.add(value)
            _by_length = tuple(sorted(_secrets, key=len, reverse=True))


def redact(text: str) -> str:
    """Replace every registered secret in ``text`` with asterisks."""
    for value in _by_length:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs secrets from every record (installed by the CLI)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def password_from_env(variable: str, source: str) -> Secret:
    """Read a password from an environment variable."""
    value = os.environ.get(variable)
    if not value:
        raise CredentialError(
            f"environment variable {variable} is not set or empty", source=source, field="password_env"
        )
    return Secret(value)


def password_from_file(path: Path, source: str) -> Secret:
    """Read a password from a file that only its owner may read (like ssh refuses a readable key)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise CredentialError(f"cannot read password file {path}: {exc.strerror}", source=source,
                              field="password_file") from exc
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialError(
            f"password file {path} is accessible by others (mode {stat.S_IMODE(info.st_mode):o}); "
            f"run: chmod 600 {path}",
            source=source,
            field="password_file",
        )
    value = path.read_text(encoding="utf-8").rstrip("\r\n")
    if not value:
        raise CredentialError(f"password file {path} is empty", source=source, field="password_file")
    return Secret(value)


def password_from_prompt(username: str, source: str, prompt: Callable[[str], str] | None = None) -> Secret:
    """Ask interactively; refuse when there is no terminal (CI must use env or file)."""
    if prompt is None:
        if not sys.stdin.isatty():
            raise CredentialError(
                "no password_env or password_file given and no terminal to prompt on",
                source=source,
                field="connection",
            )
        import getpass

        prompt = getpass.getpass
    return Secret(prompt(f"Password for {username}: "))


def redact_value(value: Any) -> Any:
    """``value`` (decoded JSON-like data) with every registered secret redacted from every string and key.

    Redaction must run on decoded values, before serialising: once ``json.dumps`` escaped a password
    (``"`` to ``\\"``, ``ö`` to ``\\u00f6``), a redaction of the text no longer recognises it.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value
