"""setup.cfg lists packages explicitly (checks/ installs as ssocheck_checks): keep the list complete."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_directory_is_listed_in_setup_cfg() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = {line.strip() for line in cfg["options"]["packages"].splitlines() if line.strip()}
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "ssocheck").rglob("__init__.py")
    }
    found.add("ssocheck_checks")
    assert found == listed


def test_builtin_pack_declared_as_entry_point() -> None:
    text = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    assert "ssocheck.checks =" in text and "builtin = ssocheck_checks:get_checks" in text
