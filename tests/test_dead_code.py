"""No dead code: vulture (settings in pyproject.toml, exceptions in vulture_whitelist.py) finds nothing unused.

Code used only by tests or benchmarks counts as used. What vulture cannot see (entry points, click callbacks,
protocol methods, template attributes) is listed in the whitelist with its reason; anything else it reports
should be deleted, not whitelisted.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_vulture_finds_no_unused_code() -> None:
    if shutil.which("vulture", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("vulture is not installed (pip install -e '.[dev]')")
    vulture = Path(sys.executable).parent / "vulture"
    done = subprocess.run([str(vulture)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and not done.stdout.strip(), (
        "unused code (delete it, or whitelist an entry point/callback/protocol name in vulture_whitelist.py):\n"
        + done.stdout + done.stderr)
