"""The README's check catalog is generated from the check metadata, never hand-kept."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from ssocheck.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- BEGIN CATALOG[^\n]*-->\n)(.*?)(<!-- END CATALOG -->)", re.S)


def generated_catalog() -> str:
    result = CliRunner().invoke(main, ["list", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    return result.output


def test_readme_catalog_matches_metadata() -> None:
    match = BLOCK.search(README.read_text(encoding="utf-8"))
    assert match, "README lacks the catalog markers"
    assert match.group(2) == generated_catalog(), (
        "README catalog is stale: run `python tests/test_readme.py` to regenerate it"
    )


def test_readme_states_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "pip install -e '.[dev]' && .venv/bin/ssocheck demo" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python -m pytest" in text and ".venv/bin/python -m pytest" in ci


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    README.write_text(BLOCK.sub(lambda m: m.group(1) + generated_catalog() + m.group(3), text), encoding="utf-8")
