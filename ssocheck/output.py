"""Writing files safely: atomically (temp file + rename) and with every known secret redacted."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ssocheck.secrets import redact


def write_atomic(path: Path, text: str, mode: int = 0o644) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder, then rename over it.

    Readers (a CI job publishing the JUnit file, a browser reloading the HTML) never see a partial
    file, and an interrupted run leaves the previous report intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(redact(text))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
