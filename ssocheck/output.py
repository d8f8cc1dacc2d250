"""Writing files safely: atomically (temp file + rename) and with every known secret redacted."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from ssocheck.errors import OutputError
from ssocheck.secrets import redact


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder, then rename over it.

    Readers (a CI job publishing the JUnit file, a browser reloading the HTML) never see a partial
    file, and an interrupted run leaves the previous report intact. The file is created 0600
    (``mkstemp``), or stricter if the umask says so: every file ssocheck writes holds node data
    (accounts, SIDs, the secedit export). A failure names the file (:class:`OutputError`).
    """
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(redact(text))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    return path


def check_writable(directory: Path) -> None:
    """Fail early (before any node is contacted) if reports cannot be written into ``directory``.

    Also removes temporary files that an earlier run killed mid-write left behind (``.NAME.*.tmp``).
    """
    directory = Path(directory)
    # Folders created only for this test are removed again: a run refused later (bad inventory) leaves nothing.
    created = [p for p in (directory, *directory.parents) if not p.exists()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".ssocheck-write-test.", suffix=".tmp", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write reports to {directory}: {exc.strerror or exc}") from exc
    finally:
        for folder in created:
            try:
                folder.rmdir()
            except OSError:
                break
    if directory.exists():
        clean_stale_temp_files(directory)


def clean_stale_temp_files(directory: Path, older_than_s: float = 60.0) -> list[Path]:
    """Delete ``.ssocheck*.tmp`` files older than ``older_than_s`` (left by a killed run); returns them."""
    removed = []
    now = time.time()
    for tmp in Path(directory).glob(".ssocheck*.tmp"):
        try:
            if now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue  # another run's file that just went away, or not ours to delete
    return removed
