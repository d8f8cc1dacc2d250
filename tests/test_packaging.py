"""Packaging: setup.cfg lists every package (checks/ installs as ssocheck_checks), and the built wheel and sdist hold
what a user needs (templates, scenarios, schemas, LICENSE) and nothing of the developer tool chain."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

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


# --- The built distributions (issue 15): what a user installs, built offline from a copy of the tree. ---

# Developer tools that must never be a plain (non-extra) dependency of a user install.
DEV_TOOLS = ("pytest", "mypy", "ruff", "types-", "xmlschema", "junitparser", "setuptools", "wheel", "hypothesis",
             "vulture", "jsonschema", "pypsrp", "coverage")
_SKIP_COPY = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".mypy_cache",
                                    ".ruff_cache", ".pytest_cache", "reports")


def _build(kind: str, tmp: Path) -> Path:
    """Build a wheel or sdist with setuptools' PEP 517 backend in a copy of the tree (no network, no isolation)."""
    src = tmp / "src"
    if not src.exists():
        shutil.copytree(ROOT, src, ignore=_SKIP_COPY)
    out = tmp / "dist"
    out.mkdir(exist_ok=True)
    code = f"from setuptools import build_meta as b; print(b.build_{kind}({str(out)!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=src, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"build_{kind} failed: {done.stderr[-2000:]}")
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel a user installs."""
    return _build("wheel", tmp_path_factory.mktemp("wheel"))


def test_wheel_holds_what_a_user_needs_and_no_tests(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith(".dist-info/LICENSE") or "/licenses/LICENSE" in n for n in names), "LICENSE not in wheel"
    assert any(n.startswith("ssocheck/reporters/templates/") and n.endswith(".j2") for n in names)
    assert any(n.startswith("ssocheck/lab/scenarios/") and n.endswith(".yaml") for n in names)
    assert "ssocheck/schemas/snapshot.schema.json" in names and "ssocheck/schemas/report.schema.json" in names
    assert "ssocheck/schemas/inventory.schema.json" in names  # the files `init` writes name it for editors
    assert "ssocheck/py.typed" in names
    assert any(n.startswith("ssocheck_checks/") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "examples/"))]


def test_a_user_install_pulls_no_developer_tool(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    plain = [req for req in meta.get_all("Requires-Dist") or [] if "extra ==" not in req]
    assert plain, "the wheel declares no dependencies at all"
    leaked = [req for req in plain if req.lower().startswith(DEV_TOOLS)]
    assert leaked == []
    assert meta["License"] == "MIT" or "MIT" in (meta.get("License-Expression") or "")
    classifiers = meta.get_all("Classifier") or []
    assert "Operating System :: OS Independent" in classifiers
    assert "Intended Audience :: System Administrators" in classifiers


def test_sdist_carries_license_and_changelog(tmp_path: Path) -> None:
    sdist = _build("sdist", tmp_path)
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    assert any(n.endswith("/LICENSE") for n in names)
    assert any(n.endswith("/CHANGELOG.md") for n in names)


def test_changelog_follows_keep_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text and "## [Unreleased]" in text
    import ssocheck

    assert f"## [{ssocheck.__version__}]" in text


def test_the_built_wheel_runs_the_demo_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    """pip-installs the wheel into a new venv and runs `ssocheck demo` from there. Tests use no network, so the
    dependencies are borrowed from this venv by symlink (everything but ssocheck itself); .ci/run also does a
    real install of the wheel with its dependencies from the package index."""
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    deps = tmp_path / "deps"
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if entry.name.lower().startswith(("ssocheck", "__editable__", "_virtualenv")) or entry.suffix == ".pth":
            continue
        (deps / entry.name).symlink_to(entry)
    py = venv / "bin" / "python"
    env = {**os.environ, "PYTHONPATH": str(deps), "NO_COLOR": "1"}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, timeout=300, env=env)
    where = subprocess.run([str(py), "-c", "import ssocheck, ssocheck_checks; print(ssocheck.__file__)"],
                           capture_output=True, text=True, env=env, timeout=60, check=True, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(venv)), where.stdout
    demo = subprocess.run([str(venv / "bin" / "ssocheck"), "demo", "--output-dir", str(tmp_path / "reports")],
                          capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert (tmp_path / "reports" / "ssocheck-report.html").is_file()
