"""Hostile probe answers over valid WinRM: one node's answer never crashes the run, leaks a secret or passes.

The lab farm serves real WinRM; a thin wrapper around its PowerShell host rewrites the probe answer
of NODE2 (the JSON between the markers) in one hostile way per case: lone UTF-16 surrogates, nesting
985 and 5000 levels deep, NaN/Infinity, a 10,000-digit integer, a value over the size cap, wrong
types, and the connection password (with ``"``, ``\\`` and non-ASCII) echoed back. Every case asserts:
no traceback, exit code 3, the bad part is an ``error`` naming the cause, the other nodes' own
results are unchanged, and every file written is strict JSON that ``check`` reads back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssocheck.lab.farm import LabFarm
from ssocheck.lab.session import SessionIdentity
from ssocheck.lab.shells import CommandResult
from ssocheck.registry import load_checks
from tests.support.lab import run_cli

BAD = "NODE2"
BEGIN, END = b"<<SSOCHECK-BEGIN>>", b"<<SSOCHECK-END>>"
# A password with every character that JSON, HTML or XML escape, and non-ASCII.
PASSWORD = 'Pa"ss\\w\u00f6<rd&1\u65e5'


class HostileHost:
    """Wraps the lab's PowerShell host; rewrites the probe answer of chosen nodes with ``rewrite(doc) -> text``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.rewrite: dict[str, Callable[[dict[str, Any]], str]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __call__(self, node: str, command: str, arguments: str, stdin: bytes,
                 identity: SessionIdentity | None = None) -> CommandResult:
        result: CommandResult = self.inner(node, command, arguments, stdin, identity)
        rewrite = self.rewrite.get(node.upper())
        if rewrite is None or BEGIN not in result.stdout:
            return result
        head, rest = result.stdout.split(BEGIN, 1)
        body, tail = rest.split(END, 1)
        doc = json.loads(body.decode("cp437"))
        text = rewrite(doc).encode("ascii")  # \\u escapes keep it ASCII, like the probe's own writer
        return CommandResult(head + BEGIN + text + END + tail, result.stderr, result.exit_code)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HostileHost, Path]]:
    """healthy-pre over HTTP, with a password that JSON, HTML and XML must escape."""
    work = tmp_path_factory.mktemp("hostile")
    farm = LabFarm("healthy-pre", scheme="http", workdir=work / "farm", password=PASSWORD)
    host = HostileHost(farm.host)
    farm.host = host  # type: ignore[assignment]  # the endpoints call it like the real host
    with farm:
        inv = farm.write_inventory(work / "inventory.yml")
        doc = yaml.safe_load(inv.read_text())
        doc["connection"].update({"node_timeout": 20})
        inv.write_text(yaml.safe_dump(doc))
        yield host, inv


def _first_fact(doc: dict[str, Any]) -> str:
    return str(sorted(name for name, entry in doc["facts"].items() if entry.get("ok"))[0])


def _set_value(value_text: str) -> Callable[[dict[str, Any]], str]:
    """Replace the first fact's value by ``value_text`` (raw JSON text, so non-standard tokens survive)."""
    def rewrite(doc: dict[str, Any]) -> str:
        name = _first_fact(doc)
        doc["facts"][name] = {"ok": True, "value": "@@VALUE@@"}
        return json.dumps(doc).replace('"@@VALUE@@"', value_text)
    return rewrite


def _raw(text: str) -> Callable[[dict[str, Any]], str]:
    return lambda doc: text


def _echo_password(doc: dict[str, Any]) -> str:
    doc["computer"] = f"host {PASSWORD}"
    name = _first_fact(doc)
    doc["facts"][name] = {"ok": True, "value": {"CommandLine": f"svc.exe /p:{PASSWORD}"}}
    return json.dumps(doc)


FACT_CASES = {
    # case: (rewrite, cause expected in NODE2's messages)
    "lone-surrogate": (_set_value('{"Path": "C:\\\\SSO\\\\bak\\ud800.bak"}'), "unpaired UTF-16 surrogate"),
    "surrogate-key": (_set_value('{"\\udc00": 1}'), "unpaired UTF-16 surrogate"),
    "depth-985": (_set_value("[" * 985 + "]" * 985), "nested deeper than 64 levels"),
    "nan": (_set_value('{"StartMode": NaN}'), "contains NaN, which is not a JSON number"),
    "infinity": (_set_value("[-Infinity]"), "contains -Infinity, which is not a JSON number"),
    "oversized": (_set_value(json.dumps("x" * (4 * 2**20 + 10))), "larger than 4 MiB"),
    "wrong-type": (_set_value("12345"), "malformed value"),
}
NODE_CASES = {
    "depth-5000": (_raw("[" * 5000 + "]" * 5000), "nested too deeply"),
    "huge-integer": (_raw('{"facts": {"x": {"ok": true, "value": ' + "9" * 10000 + "}}}"), "unreadable value"),
    "facts-a-list": (_raw('{"facts": [1, 2]}'), "not a JSON object with a 'facts' object"),
    "not-json": (_raw('{"facts": {'), "not valid JSON"),
}


def _strict(path: Path) -> Any:
    def refuse(token: str) -> None:
        raise AssertionError(f"{path.name} holds {token}: not strict JSON")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def _run(inv: Path, out: Path) -> tuple[int, str, str]:
    return run_cli(["run", "-i", inv, "--output-dir", out])


@pytest.fixture(scope="module")
def control(hostile: tuple[HostileHost, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[Any, Any]:
    out = tmp_path_factory.mktemp("control")
    hostile[0].rewrite.clear()
    code, _, stderr = _run(hostile[1], out)
    assert code == 0, stderr
    return {(r["check_id"], r["node"]): r["status"] for r in _strict(out / "ssocheck-report.json")["results"]}


def _assert_one_node_problem(out: Path, control: dict[Any, Any], code: int, stdout: str, stderr: str,
                             cause: str) -> dict[str, Any]:
    assert "Traceback" not in stdout + stderr and "internal error" not in stderr, stderr
    assert code == 3, (code, stderr)
    report = _strict(out / "ssocheck-report.json")
    snapshot: dict[str, Any] = _strict(out / "ssocheck-snapshot.json")
    node = next(n for n in snapshot["nodes"] if n["name"] == BAD)
    messages = [r["message"] for r in report["results"] if r["node"] == BAD]
    said = json.dumps([node["error"], node["fact_errors"], messages], ensure_ascii=False)
    assert cause in said, said
    node_checks = {lc.meta.id for lc in load_checks() if lc.meta.shape == "node"}
    results = {(r["check_id"], r["node"]): r["status"] for r in report["results"]}
    for (check, name), status in control.items():
        if name != BAD and check in node_checks:
            assert results[(check, name)] == status, (check, name)
    assert "error" in {status for (check, name), status in results.items() if name == BAD}
    # What was written reads back: `check` on the snapshot gives the same verdict without a crash.
    code2, out2, err2 = run_cli(["check", "--snapshot", out / "ssocheck-snapshot.json",
                                 "--output-dir", out / "again"])
    assert code2 == 3 and "Traceback" not in out2 + err2 and "internal error" not in err2, err2
    return snapshot


@pytest.mark.parametrize("case", sorted(FACT_CASES))
def test_a_hostile_fact_value_is_that_facts_error(case: str, hostile: tuple[HostileHost, Path],
                                                  control: dict[Any, Any], tmp_path: Path) -> None:
    rewrite, cause = FACT_CASES[case]
    hostile[0].rewrite = {BAD: rewrite}
    try:
        code, stdout, stderr = _run(hostile[1], tmp_path)
    finally:
        hostile[0].rewrite = {}
    snapshot = _assert_one_node_problem(tmp_path, control, code, stdout, stderr, cause)
    node = next(n for n in snapshot["nodes"] if n["name"] == BAD)
    assert node["error"] is None  # the rest of the node's answer is kept


@pytest.mark.parametrize("case", sorted(NODE_CASES))
def test_an_unreadable_answer_is_that_nodes_error(case: str, hostile: tuple[HostileHost, Path],
                                                  control: dict[Any, Any], tmp_path: Path) -> None:
    rewrite, cause = NODE_CASES[case]
    hostile[0].rewrite = {BAD: rewrite}
    try:
        code, stdout, stderr = _run(hostile[1], tmp_path)
    finally:
        hostile[0].rewrite = {}
    _assert_one_node_problem(tmp_path, control, code, stdout, stderr, cause)


def _forms(secret: str) -> dict[str, str]:
    """Every way a writer could spell ``secret``."""
    import html

    return {
        "raw": secret,
        "json-ascii": json.dumps(secret)[1:-1],
        "json-utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "html": html.escape(secret),
        "xml": secret.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;"),
    }


def test_an_echoed_password_is_redacted_in_every_file(hostile: tuple[HostileHost, Path], tmp_path: Path) -> None:
    hostile[0].rewrite = {BAD: _echo_password}
    try:
        _code, stdout, stderr = _run(hostile[1], tmp_path / "reports")
        _bcode, bout, berr = run_cli(["baseline", "save", "--snapshot", tmp_path / "reports" / "ssocheck-snapshot.json",
                                     "-o", tmp_path / "base.json", "--allow-incomplete"])
        _ccode, cout, cerr = run_cli(["collect", "-i", hostile[1], "-o", tmp_path / "collect.json"])
    finally:
        hostile[0].rewrite = {}
    assert "Traceback" not in stdout + stderr + bout + berr + cout + cerr
    files = [*sorted((tmp_path / "reports").iterdir()), tmp_path / "base.json", tmp_path / "collect.json"]
    assert len(files) == 6
    texts = {f.name: f.read_text(encoding="utf-8") for f in files}
    texts["console"] = stdout + stderr + bout + berr + cout + cerr
    leaks = [(name, form) for name, text in texts.items() for form, spelled in _forms(PASSWORD).items()
             if spelled in text]
    assert not leaks
    assert "********" in texts["ssocheck-snapshot.json"]  # redacted, not dropped
    for f in files:
        assert f.stat().st_mode & 0o077 == 0, f"{f.name} is readable by others"


def test_strict_json_refuses_what_python_accepts() -> None:
    from ssocheck import strictjson

    assert strictjson.problem(strictjson.loads('{"a": [1, {"b": NaN}]}')) == (
        "a[1].b", "contains NaN, which is not a JSON number")
    assert strictjson.problem({"a": "x\ud800"}) is not None
    assert strictjson.problem(json.loads("[" * 70 + "]" * 70)) is not None
    assert strictjson.problem(json.loads("[" * 60 + "]" * 60)) is None
    with pytest.raises(ValueError):
        strictjson.dumps(float("nan"))
    assert re.fullmatch(r"x\ufffd", strictjson.clean_text("x\udfff"))


HOSTILE_TEXT = "RED\x1b[31m\x1b]0;PWNED\x07\x1b[2J\x08\x00\x9b\u202eevil\u2066"


def _inject_everywhere(doc: dict[str, Any]) -> str:
    doc["ps_version"] = HOSTILE_TEXT
    if "facts" in doc:
        doc["computer"] = HOSTILE_TEXT
        names = sorted(name for name, entry in doc["facts"].items() if entry.get("ok"))
        doc["facts"][names[0]] = {"ok": False, "error": HOSTILE_TEXT}
        doc["facts"][names[1]] = {"ok": True, "value": {"injected": HOSTILE_TEXT}}
    return json.dumps(doc)


def test_no_command_lets_node_text_drive_the_terminal(hostile: tuple[HostileHost, Path], tmp_path: Path) -> None:
    host, inv = hostile
    code, out, err = run_cli(["baseline", "save", "-i", inv, "-o", tmp_path / "base.json"])
    assert code == 0, err
    host.rewrite = {BAD: _inject_everywhere}
    try:
        outputs = [
            run_cli(["doctor", "-i", inv]),
            run_cli(["collect", "-i", inv, "-o", tmp_path / "c.json"]),
            run_cli(["drift", "--baseline", tmp_path / "base.json", "-i", inv, "--output-dir", tmp_path / "d"]),
            run_cli(["run", "-i", inv, "--output-dir", tmp_path / "r", "-v"]),
            run_cli(["check", "--snapshot", tmp_path / "c.json", "--output-dir", tmp_path / "k"]),
        ]
    finally:
        host.rewrite = {}
    for _code, out, err in outputs:
        text = out + err
        assert "Traceback" not in text
        bad = sorted({repr(ch) for ch in text if ch in "\x1b\x07\x08\x00\x9b\u202e\u2066"})
        assert not bad, (bad, text[-500:])
    assert any("\\x1b]0;PWNED" in out + err for _, out, err in outputs)  # shown, escaped, not dropped


def _echo_password_in_every_fact(doc: dict[str, Any]) -> str:
    for entry in doc["facts"].values():
        if entry.get("ok") and isinstance(entry.get("value"), dict):
            entry["value"]["Echo"] = f"svc.exe /p:{PASSWORD}"
    return json.dumps(doc)


def test_an_echoed_password_is_not_nightly_drift(hostile: tuple[HostileHost, Path], tmp_path: Path) -> None:
    # The baseline is saved redacted; the live facts hold the password: compared as they are, every fact
    # that echoes it would drift every night ('********' -> the password).
    host, inv = hostile
    host.rewrite = {BAD: _echo_password_in_every_fact}
    try:
        code, _, err = run_cli(["baseline", "save", "-i", inv, "-o", tmp_path / "base.json"])
        assert code == 0, err
        assert _strict(tmp_path / "base.json") and "svc.exe /p:********" in (tmp_path / "base.json").read_text()
        code, out, err = run_cli(["drift", "--baseline", tmp_path / "base.json", "-i", inv,
                                  "--output-dir", tmp_path / "d"])
    finally:
        host.rewrite = {}
    assert code == 0, out + err
    assert not [form for form, spelled in _forms(PASSWORD).items() if spelled in out + err]


def test_an_answer_over_the_size_cap_is_that_nodes_error(hostile: tuple[HostileHost, Path], control: dict[Any, Any],
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The cap is 32 MiB (README, Reliability); sending that over WinRM in a test is slow, so the cap is
    # lowered to 256 KiB (a healthy node's answer here is under 40 KiB) and NODE2 answers 600 KiB.
    from ssocheck.transport import winrm

    monkeypatch.setattr(winrm, "MAX_ANSWER_BYTES", 256 * 1024)

    def oversized(doc: dict[str, Any]) -> str:
        doc["padding"] = "x" * (600 * 1024)
        return json.dumps(doc)

    hostile[0].rewrite = {BAD: oversized}
    try:
        code, stdout, stderr = _run(hostile[1], tmp_path)
    finally:
        hostile[0].rewrite = {}
    _assert_one_node_problem(tmp_path, control, code, stdout, stderr, "the answer exceeds")
