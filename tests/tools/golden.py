"""Golden results of every lab scenario, to prove that a refactor changes no behaviour.

Each built-in scenario (``ssocheck lab scenarios``) is started as a real farm on loopback and driven
through the real command line (click, pywinrm, NTLM with message encryption), exactly as a user would:

* ``run``            the default live run of the scenario's phase (every report format, the snapshot);
* ``check``          the offline evaluation of the snapshot that run saved;
* ``baseline save``  a baseline from that snapshot (``--allow-incomplete``);
* ``run nightly``    a second live run with ``--phase nightly --baseline --waivers --fail-on high
                     --allow-changes`` (drift, waivers, the threshold and the one writing check);
* ``drift``          ``ssocheck drift`` of the first snapshot against that baseline;
* ``collect``        a facts-only collection.

For each command the exit code, stdout, stderr and every file written are stored, with what differs
from run to run by nature taken out: timestamps, durations, loopback ports, temporary paths, the
collection progress line. Usage::

    .venv/bin/python -m tests.tools.golden capture DIR      # on the commit before the change
    .venv/bin/python -m tests.tools.golden compare DIR      # after it: exit 1 and a diff on any difference
    .venv/bin/python -m tests.tools.golden capture-at main DIR   # capture another commit's behaviour
                                                                 # (e.g. main after a rebase), then compare

``compare`` reports byte-for-byte equality of the normalised text, scenario by scenario.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner

from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import list_scenarios

# In force and expired waivers on checks that fail in several scenarios, so the waiver path is exercised.
WAIVERS = """\
version: 1
waivers:
  - check: SSO006
    node: NODE*
    justification: Backup kept in the vault
    expires: 2999-12-31
    ticket: CHG0000001
  - check: DTC001
    node: "*"
    justification: Long expired acceptance
    expires: 2000-01-01
"""

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
_DURATION_KEYS = re.compile(r'"(duration_s|started_at|finished_at|saved_at|collected_at|time)": [0-9.]+')
_XML_TIME = re.compile(r'\b(time|timestamp)="[^"]*"')
_SECONDS = re.compile(r"[+-]?\b\d+(?:\.\d+)? ?(?:s|ms|seconds)\b")
# The clock check measures each node against this machine's clock: real time, a few ms apart per run.
_OFFSET = re.compile(r'(offset\w*"?:) -?[0-9.]+')
_HTML_OFFSET = re.compile(r"(offset\w*</dt><dd><pre>)-?[0-9.]+")
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_RUN_ID = re.compile(r"\d{8}T\d{6}_[0-9a-f]{6}")  # BTS001's temporary port names: time + random
# The farm's SSO audit events of BTS001 carry random tracking GUIDs and process ids, like Windows'.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PID = re.compile(r"(powershell\.exe:)\d+")
# The HTML audit table: the start time cell, then the duration cell.
_HTML_DURATION = re.compile(r"(<TIME></td><td class=\"v tok\">)[0-9.]+")


def normalise(text: str, tmp: Path, hashes: dict[str, str] | None = None) -> str:
    """``text`` without what changes from one run to the next (times, ports, the temporary folder).

    ``hashes`` maps the SHA-256 of an input file that holds ports or times (inventory, snapshot, baseline)
    to a stable name, for the provenance record that names each input with its hash.
    """
    for digest, label in (hashes or {}).items():
        text = text.replace(digest, label)
    text = text.replace(str(tmp.resolve()), "<TMP>").replace(str(tmp), "<TMP>")
    text = _TIMESTAMP.sub("<TIME>", text)
    text = _DURATION_KEYS.sub(r'"\1": <N>', text)
    text = _XML_TIME.sub(r'\1="<T>"', text)
    text = _SECONDS.sub("<SECONDS>", text)
    text = _OFFSET.sub(r"\1 <N>", text)
    text = _HTML_OFFSET.sub(r"\1<N>", text)
    text = _RUN_ID.sub("<RUN-ID>", text)
    text = _GUID.sub("<GUID>", text)
    text = _PID.sub(r"\1<PID>", text)
    text = _HTML_DURATION.sub(r"\1<N>", text)
    return _PORT.sub("127.0.0.1:<PORT>", text)


def _invoke(args: Sequence[str | Path]) -> tuple[int, str, str]:
    from ssocheck.cli import main  # late: the tool imports whatever cli.py is at this commit

    # The provenance record quotes the process's command line: make it the one a user would type.
    saved, sys.argv = sys.argv, ["ssocheck", *(str(a) for a in args)]
    try:
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    finally:
        sys.argv = saved
    stderr = "".join(line for line in result.stderr.splitlines(keepends=True)
                     if not line.startswith("collecting facts"))
    return result.exit_code, result.stdout, stderr


def _files(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()}


def _hashes(tmp: Path) -> dict[str, str]:
    """SHA-256 (full, then its 16-digit prefix) of every file under ``tmp`` -> ``<SHA256 relative/path>``."""
    full = {hashlib.sha256(p.read_bytes()).hexdigest(): f"<SHA256 {p.relative_to(tmp)}>"
            for p in sorted(tmp.rglob("*")) if p.is_file()}
    # Console and HTML show the first 16 hex digits; replaced after the full digests.
    return {**full, **{digest[:16]: label for digest, label in full.items()}}


def scenario_golden(scenario: str) -> dict[str, object]:
    """Every command of the module docstring on a fresh farm of ``scenario``: the normalised outcome."""
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix=f"golden-{scenario}-") as name:
        tmp = Path(name)
        with LabFarm(scenario, scheme="http", workdir=tmp / "farm") as farm:
            inventory = farm.write_inventory(tmp / "inventory.yml")
            (tmp / "waivers.yml").write_text(WAIVERS, encoding="utf-8")
            snapshot = tmp / "run" / "ssocheck-snapshot.json"
            commands: list[tuple[str, list[str | Path], Path | None]] = [
                ("run", ["run", "-i", inventory, "--output-dir", tmp / "run"], tmp / "run"),
                ("check", ["check", "--snapshot", snapshot, "--output-dir", tmp / "check"], tmp / "check"),
                ("baseline save", ["baseline", "save", "--snapshot", snapshot, "-o", tmp / "base" / "baseline.json",
                                   "--allow-incomplete"], tmp / "base"),
                ("run nightly", ["run", "-i", inventory, "--output-dir", tmp / "nightly", "--phase", "nightly",
                                 "--baseline", tmp / "base" / "baseline.json", "--waivers", tmp / "waivers.yml",
                                 "--fail-on", "high", "--allow-changes", "-v"], tmp / "nightly"),
                ("drift", ["drift", "--baseline", tmp / "base" / "baseline.json", "--snapshot", snapshot,
                           "--output-dir", tmp / "drift"], tmp / "drift"),
                ("collect", ["collect", "-i", inventory, "-o", tmp / "collect" / "facts.json"], tmp / "collect"),
            ]
            raw: dict[str, tuple[list[str | Path], int, str, str, dict[str, str]]] = {}
            for label, args, folder in commands:
                code, stdout, stderr = _invoke(args)
                raw[label] = (args, code, stdout, stderr, _files(folder) if folder else {})
            hashes = _hashes(tmp)
            for label, (args, code, stdout, stderr, files) in raw.items():
                out[label] = {
                    "args": [normalise(str(a), tmp) for a in args],
                    "exit_code": code,
                    "stdout": normalise(stdout, tmp, hashes),
                    "stderr": normalise(stderr, tmp, hashes),
                    "files": {n: normalise(text, tmp, hashes) for n, text in files.items()},
                }
    return out


def scenarios() -> list[str]:
    """Every built-in scenario (fragments excluded)."""
    return [name for name, _ in list_scenarios()]


def capture(folder: Path, names: Sequence[str]) -> None:
    """Write one ``<scenario>.json`` per scenario into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.json").write_text(_dump(scenario_golden(name)), encoding="utf-8")
        print(f"captured {name}")


def compare(folder: Path, names: Sequence[str]) -> int:
    """Number of scenarios whose outcome differs from the one captured in ``folder`` (diffs printed)."""
    bad = 0
    stored = {p.stem for p in folder.glob("*.json")}
    for missing in sorted(stored - set(names)):
        print(f"MISSING scenario {missing} (captured, no longer built in)")
        bad += 1
    for name in names:
        path = folder / f"{name}.json"
        if not path.exists():
            print(f"NEW     {name} (not captured)")
            bad += 1
            continue
        before, after = path.read_text(encoding="utf-8"), _dump(scenario_golden(name))
        if before == after:
            print(f"same    {name}")
            continue
        bad += 1
        print(f"DIFFERS {name}")
        sys.stdout.writelines(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                                   "before", "after", n=2))
    return bad


def _dump(data: object) -> str:
    # One line per text line, so a diff shows which line of which report changed.
    return json.dumps(_split(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _split(data: object) -> object:
    if isinstance(data, dict):
        return {k: _split(v) for k, v in data.items()}
    if isinstance(data, str) and "\n" in data:
        return data.splitlines()
    return data


def capture_at(rev: str, folder: Path, names: Sequence[str] | None) -> int:
    """Capture the goldens of git revision ``rev`` (its ``ssocheck`` and ``checks``) with this interpreter.

    The two packages of ``rev`` are exported to a temporary folder that comes first on ``PYTHONPATH``
    (``checks`` under its installed name ``ssocheck_checks``); the child checks that it really imports them.
    """
    repo = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory(prefix="golden-rev-") as name:
        tree = Path(name)
        archive = subprocess.run(["git", "-C", str(repo), "archive", rev, "ssocheck", "checks"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        (tree / "ssocheck_checks").symlink_to(tree / "checks")
        (tree / "golden_tool.py").write_text(Path(__file__).read_text(encoding="utf-8"), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tree), "GOLDEN_EXPECT_ROOT": str(tree)}
        args = [sys.executable, str(tree / "golden_tool.py"), "capture", str(folder.resolve())]
        for scenario in names or ():
            args += ["--scenario", scenario]
        return subprocess.run(args, cwd=tree, env=env, check=False).returncode


def _check_root() -> None:
    """Under ``capture-at``: refuse to capture if the exported packages are not the ones imported."""
    root = os.environ.get("GOLDEN_EXPECT_ROOT")
    if not root:
        return
    import importlib

    for module in (importlib.import_module("ssocheck"), importlib.import_module("ssocheck_checks")):
        where = Path(module.__file__ or "").resolve()
        if not where.is_relative_to(Path(root).resolve()):
            raise SystemExit(f"golden: {module.__name__} imported from {where}, not from the exported {root}")


def main(argv: Sequence[str] | None = None) -> int:
    """``capture DIR``, ``compare DIR`` or ``capture-at REV DIR`` [``--scenario NAME`` ...]."""
    parser = argparse.ArgumentParser(prog="python -m tests.tools.golden", description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["capture", "compare", "capture-at"])
    parser.add_argument("folder", type=Path, nargs="+", help="DIR, or REV DIR for capture-at")
    parser.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    ns = parser.parse_args(argv)
    if ns.mode == "capture-at":
        if len(ns.folder) != 2:
            parser.error("capture-at takes REV DIR")
        return capture_at(str(ns.folder[0]), ns.folder[1], ns.scenario)
    if len(ns.folder) != 1:
        parser.error(f"{ns.mode} takes DIR")
    ns.folder = ns.folder[0]
    _check_root()
    names = ns.scenario or scenarios()
    if ns.mode == "capture":
        capture(ns.folder, names)
        return 0
    bad = compare(ns.folder, names)
    print(f"{len(names) - bad} of {len(names)} scenarios identical" if not bad else f"{bad} scenario(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
