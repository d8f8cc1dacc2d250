"""Allow ``python -m ssocheck``."""

from __future__ import annotations

from ssocheck.cli import main

main()
