"""The CI examples in examples/ci/ are valid and every ssocheck command line in them works, unchanged.

Each file is parsed (YAML for GitHub Actions and Azure Pipelines; for the Jenkinsfile a small Groovy tokenizer
checks balanced strings/brackets and the declarative structure pipeline/agent/triggers/stages/post). Then the
``ssocheck`` command lines are extracted and run through ``bash -c`` against a simulated farm (pywinrm over
loopback), in a workspace laid out as the examples expect, with the environment variables the file itself
defines (``SSOCHECK_INVENTORY``, ``SSOCHECK_BASELINE``, ``SSOCHECK_WAIVERS``, ``SSOCHECK_REPORTS``...): green on a
healthy farm, red (exit 1, DRF001 failures in the published JUnit file) after a drift. The files the publish and
archive steps name must exist after the run.

Extraction rule (documented in examples/ci/README.md too): a command is a line whose first word, after leading
whitespace, is ``ssocheck``; a line ending with a backslash (bash) or a backtick (PowerShell) continues on the next
line. Any other mention of an ``ssocheck <subcommand>`` outside comments must be such a command line (so no command
can hide from the test).

The Windows-agent variants (``*-windows.yml``, ``Jenkinsfile.windows``) use Windows PowerShell steps. There is no
PowerShell on the test machine, so their command lines are kept to a subset whose bash form is exact: arguments are
literals or ``$env:NAME`` (read as ``"$NAME"``); anything else PowerShell-specific in a command fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ssocheck.baseline import load_baseline
from ssocheck.lab.farm import LabFarm

CI_DIR = Path(__file__).resolve().parent.parent / "examples" / "ci"
LINUX_FILES = ("github-actions.yml", "azure-pipelines.yml", "Jenkinsfile")
WINDOWS_FILES = ("github-actions-windows.yml", "azure-pipelines-windows.yml", "Jenkinsfile.windows")
FILES = LINUX_FILES + WINDOWS_FILES
_PS_ENV = re.compile(r"\$env:([A-Za-z_][A-Za-z0-9_]*)")
REQUIRED_VARS = ("SSOCHECK_INVENTORY", "SSOCHECK_BASELINE", "SSOCHECK_WAIVERS", "SSOCHECK_REPORTS")
CRON_FIELD = re.compile(r"^(\*|H|\d+(-\d+)?)(/\d+)?(,(\d+(-\d+)?))*$")


def subcommands() -> set[str]:
    from ssocheck.cli import main

    return set(main.commands)


def extract_commands(text: str) -> list[str]:
    """The ssocheck command lines of a CI file (see the module docstring for the rule)."""
    commands: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.split(" ", 1)[0] == "ssocheck":
            parts = [stripped]
            while parts[-1].endswith(("\\", "`")) and i + 1 < len(lines):
                parts[-1] = parts[-1][:-1].rstrip()
                i += 1
                parts.append(lines[i].strip())
            commands.append(powershell_to_bash(" ".join(parts)))
        i += 1
    return commands


def powershell_to_bash(command: str) -> str:
    """The bash form of a command line of the PowerShell subset (module docstring); bash lines are unchanged."""
    translated = _PS_ENV.sub(lambda m: f'"${m.group(1)}"', command)
    if "$env:" in translated or "`" in translated:
        raise ValueError(f"command outside the PowerShell subset the test can run: {command!r}")
    return translated


def mentions(text: str) -> list[str]:
    """``ssocheck <subcommand>`` mentions outside comment lines."""
    names = subcommands()
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("#", "//")):
            continue
        found += [m.group(0) for m in re.finditer(r"(?<![\w./-])ssocheck\s+([a-z-]+)", stripped)
                  if m.group(1) in names]
    return found


def valid_cron(expr: str) -> bool:
    fields = expr.split()
    return len(fields) == 5 and all(CRON_FIELD.match(f) for f in fields)


# -- a small Groovy tokenizer and block-structure reader (no Groovy parser is a dependency of this project) ----


@dataclass
class Token:
    kind: str  # word | string | punct
    text: str
    line: int


def tokenize_groovy(text: str) -> list[Token]:
    """Words, strings (', ", ''', \"\"\"; escapes honoured) and punctuation; comments dropped.

    Raises ValueError on an unterminated string or comment.
    """
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch.isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"line {line}: unterminated block comment")
            line += text.count("\n", i, end)
            i = end + 2
        elif ch in "'\"":
            quote = text[i:i + 3] if text[i:i + 3] in ("'''", '"""') else ch
            j = i + len(quote)
            while True:
                if j >= n:
                    raise ValueError(f"line {line}: unterminated string")
                if text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    break
                if len(quote) == 1 and text[j] == "\n":
                    raise ValueError(f"line {line}: newline in a single-line string")
                j += 1
            tokens.append(Token("string", text[i + len(quote):j], line))
            line += text.count("\n", i, j)
            i = j + len(quote)
        elif ch.isalnum() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_."):
                j += 1
            tokens.append(Token("word", text[i:j], line))
            i = j
        else:
            tokens.append(Token("punct", ch, line))
            i += 1
    return tokens


@dataclass
class Block:
    """``name(args) { ... }``: a closure block of a declarative pipeline."""

    name: str
    args: list[str]
    line: int
    children: list[Block] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # identifiers directly inside (step names...)
    strings: list[str] = field(default_factory=list)  # string literals directly inside

    def child(self, name: str) -> Block:
        found = [c for c in self.children if c.name == name]
        assert len(found) == 1, f"expected one '{name}' block in '{self.name}' (line {self.line}), found {len(found)}"
        return found[0]

    def all_strings(self) -> Iterator[str]:
        yield from self.strings
        for c in self.children:
            yield from c.all_strings()


def read_blocks(tokens: list[Token]) -> Block:
    """The block tree; raises ValueError on unbalanced brackets."""
    root = Block("(file)", [], 0)
    stack: list[tuple[str, Block | None, int]] = []  # bracket, block it opened (for '{'), line
    current = root
    for idx, tok in enumerate(tokens):
        if tok.kind == "punct" and tok.text in "({[":
            block = None
            if tok.text == "{":
                name, args = _block_head(tokens, idx)
                block = Block(name, args, tok.line)
                current.children.append(block)
                current = block
            stack.append((tok.text, block, tok.line))
        elif tok.kind == "punct" and tok.text in ")}]":
            if not stack:
                raise ValueError(f"line {tok.line}: unexpected '{tok.text}'")
            opened, block, line = stack.pop()
            if {"(": ")", "{": "}", "[": "]"}[opened] != tok.text:
                raise ValueError(f"line {tok.line}: '{tok.text}' closes '{opened}' of line {line}")
            if block is not None:
                current = _parent(root, block)
        elif tok.kind == "word":
            current.words.append(tok.text)
        elif tok.kind == "string":
            current.strings.append(tok.text)
    if stack:
        raise ValueError(f"line {stack[-1][2]}: '{stack[-1][0]}' never closed")
    return root


def _block_head(tokens: list[Token], brace: int) -> tuple[str, list[str]]:
    j = brace - 1
    args: list[str] = []
    if j >= 0 and tokens[j].text == ")":
        depth = 0
        while j >= 0:
            if tokens[j].text == ")":
                depth += 1
            elif tokens[j].text == "(":
                depth -= 1
                if depth == 0:
                    break
            elif tokens[j].kind == "string":
                args.insert(0, tokens[j].text)
            j -= 1
        j -= 1
    return (tokens[j].text if j >= 0 and tokens[j].kind == "word" else "(closure)"), args


def _parent(root: Block, block: Block) -> Block:
    todo = [root]
    while todo:
        node = todo.pop()
        if block in node.children:
            return node
        todo.extend(node.children)
    raise AssertionError("block not in tree")


# -- per-file readers: commands' environment and the paths publish/archive steps read ----------------------------


def load_yaml(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((CI_DIR / name).read_text(encoding="utf-8"))
    return doc


def github_env(name: str) -> dict[str, str]:
    doc = load_yaml(name)
    env = dict(doc.get("env") or {})
    for job in doc["jobs"].values():
        env.update(job.get("env") or {})
    return {k: str(v) for k, v in env.items() if "${{" not in str(v)}


def azure_env(name: str) -> dict[str, str]:
    return {k: str(v) for k, v in (load_yaml(name).get("variables") or {}).items()}


def jenkins_env(name: str) -> dict[str, str]:
    text = (CI_DIR / name).read_text(encoding="utf-8")
    block = re.search(r"environment\s*\{(.*?)\n\s*\}", text, re.S)
    assert block is not None
    return dict(re.findall(r"^\s*(\w+)\s*=\s*'([^']*)'", block.group(1), re.M))


def kind(name: str) -> str:
    """github | azure | jenkins: which CI system a file is for (its Linux or Windows variant)."""
    return "github" if name.startswith("github") else "azure" if name.startswith("azure") else "jenkins"


def env_of(name: str) -> dict[str, str]:
    return {"github": github_env, "azure": azure_env, "jenkins": jenkins_env}[kind(name)](name)


def github_published(name: str) -> list[str]:
    paths = []
    for job in load_yaml(name)["jobs"].values():
        for step in job["steps"]:
            uses, inputs = step.get("uses", ""), step.get("with") or {}
            if uses.startswith("mikepenz/action-junit-report"):
                paths.append(inputs["report_paths"])
            elif uses.startswith("actions/upload-artifact") and inputs.get("name") == "ssocheck-reports":
                paths += [p for p in str(inputs["path"]).split() if p]
    return paths


def azure_published(name: str) -> list[str]:
    paths = []
    for step in load_yaml(name)["steps"]:
        task, inputs = step.get("task", ""), step.get("inputs") or {}
        if task == "PublishTestResults@2":
            paths.append(inputs["testResultsFiles"])
        elif task == "PublishPipelineArtifact@1":
            paths.append(inputs["targetPath"] + "/*")
    return paths


def jenkins_published(name: str) -> list[str]:
    always = read_blocks(tokenize_groovy((CI_DIR / name).read_text(encoding="utf-8")))
    always = always.child("pipeline").child("post").child("always")
    paths: list[str] = []
    for text in always.strings:
        paths += [p.strip() for p in text.split(",") if "/" in p]
    return paths


def published(name: str) -> list[str]:
    return {"github": github_published, "azure": azure_published, "jenkins": jenkins_published}[kind(name)](name)


# -- structure ---------------------------------------------------------------------------------------------------


def test_extraction_rule() -> None:
    text = "  # ssocheck run (a comment)\n- run: |\n    ssocheck run -i a \\\n      --phase nightly\n    echo x\n"
    assert extract_commands(text) == ["ssocheck run -i a --phase nightly"]
    assert mentions(text) == ["ssocheck run"]
    assert mentions("  run: ssocheck drift --baseline b\n") == ["ssocheck drift"]


def test_groovy_reader_catches_unbalanced_input() -> None:
    with pytest.raises(ValueError, match="never closed"):
        read_blocks(tokenize_groovy("pipeline { stages { }"))
    with pytest.raises(ValueError, match="unterminated string"):
        tokenize_groovy("sh '''\nssocheck run\n")
    with pytest.raises(ValueError, match="closes"):
        read_blocks(tokenize_groovy("pipeline { agent ( }"))
    tree = read_blocks(tokenize_groovy("pipeline { stage('a') { steps { sh 'x' } } // }\n}"))
    assert tree.child("pipeline").child("stage").args == ["a"]


@pytest.mark.parametrize("name", FILES)
def test_every_ssocheck_mention_is_an_extracted_command(name: str) -> None:
    text = (CI_DIR / name).read_text(encoding="utf-8")
    commands = extract_commands(text)
    assert len(commands) == len(mentions(text)) >= 2
    nightly = [c for c in commands if " run " in f"{c} "]
    assert len(nightly) == 1
    for flag in ("--phase nightly", '--baseline "$SSOCHECK_BASELINE"', '--waivers "$SSOCHECK_WAIVERS"',
                 '-i "$SSOCHECK_INVENTORY"', '--output-dir "$SSOCHECK_REPORTS"'):
        assert flag in nightly[0], flag
    assert any(c.startswith("ssocheck baseline save ") for c in commands)
    env = env_of(name)
    assert set(REQUIRED_VARS) <= set(env), f"{name} defines {sorted(env)}"


@pytest.mark.parametrize("name", ["github-actions.yml", "github-actions-windows.yml"])
def test_github_actions_workflow(name: str) -> None:
    doc = load_yaml(name)
    # YAML 1.1 reads a bare `on` key as true, so the loaded document's keys are not all strings.
    keys: dict[object, Any] = yaml.safe_load((CI_DIR / name).read_text(encoding="utf-8"))
    on: dict[str, Any] = keys["on"] if "on" in keys else keys[True]
    assert [valid_cron(s["cron"]) for s in on["schedule"]] == [True]
    assert "workflow_dispatch" in on
    nightly = doc["jobs"]["nightly"]
    runs = [s for s in nightly["steps"] if "ssocheck run" in str(s.get("run", ""))]
    assert len(runs) == 1
    publish = [s for s in nightly["steps"] if str(s.get("uses", "")).startswith(
        ("mikepenz/action-junit-report", "actions/upload-artifact"))]
    assert len(publish) == 2 and all(s.get("if") == "always()" for s in publish)
    assert "secrets.SSOCHECK_PASSWORD" in nightly["env"]["SSOCHECK_PASSWORD"]
    if name in WINDOWS_FILES:
        assert doc["defaults"]["run"]["shell"] == "powershell"
        assert all("windows" in job["runs-on"] for job in doc["jobs"].values())


@pytest.mark.parametrize("name", ["azure-pipelines.yml", "azure-pipelines-windows.yml"])
def test_azure_pipeline(name: str) -> None:
    doc = load_yaml(name)
    step_kind = "powershell" if name in WINDOWS_FILES else "bash"
    assert doc["trigger"] == "none" and doc["pr"] == "none"
    [schedule] = doc["schedules"]
    assert valid_cron(schedule["cron"]) and schedule["always"] is True
    tasks = {s.get("task"): s for s in doc["steps"] if "task" in s}
    assert tasks["PublishTestResults@2"]["inputs"]["testResultsFormat"] == "JUnit"
    for task in ("PublishTestResults@2", "PublishPipelineArtifact@1"):
        assert "succeededOrFailed()" in tasks[task]["condition"]
    scripts = [s for s in doc["steps"] if "ssocheck " in str(s.get(step_kind, ""))]
    assert scripts and all(s["env"]["SSOCHECK_PASSWORD"] == "$(SSOCHECK_PASSWORD)" for s in scripts)


@pytest.mark.parametrize("name", ["Jenkinsfile", "Jenkinsfile.windows"])
def test_jenkinsfile_declarative_structure(name: str) -> None:
    text = (CI_DIR / name).read_text(encoding="utf-8")
    step = "powershell" if name in WINDOWS_FILES else "sh"
    root = read_blocks(tokenize_groovy(text))
    assert [c.name for c in root.children] == ["pipeline"]
    pipeline = root.child("pipeline")
    for section in ("agent", "triggers", "parameters", "environment", "stages", "post"):
        pipeline.child(section)
    assert "cron" in pipeline.child("triggers").words
    [cron] = pipeline.child("triggers").strings
    assert valid_cron(cron)
    stages = pipeline.child("stages").children
    assert stages and all(s.name == "stage" and s.args for s in stages)
    assert all(s.child("steps").words.count(step) == 1 for s in stages)
    assert {"junit", "archiveArtifacts"} <= set(pipeline.child("post").child("always").words)
    # Every extracted command sits in an `sh` string of a stage's steps.
    shell = [powershell_to_bash(" ".join(t.split()).replace("`", "")) if step == "powershell" else " ".join(t.split())
             for s in stages for t in s.child("steps").strings]
    for command in extract_commands(text):
        assert any(command in t for t in shell), command
    assert "credentials" in pipeline.child("environment").words


# -- running the commands -----------------------------------------------------------------------------------------


def ssocheck_on_path() -> str:
    bindir = Path(sys.executable).parent
    assert shutil.which("ssocheck", path=str(bindir)), "the ssocheck console script is not installed beside python"
    return f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabFarm]:
    with LabFarm("healthy-post", workdir=tmp_path_factory.mktemp("ci-farm")) as lab:
        yield lab


def workspace(root: Path, env: dict[str, str], farm: LabFarm) -> None:
    """The repository the CI job checks out: inventory, committed baseline and waivers where the variables say."""
    from ssocheck.cli import main

    inventory = farm.write_inventory(root / env["SSOCHECK_INVENTORY"])
    baseline = root / env["SSOCHECK_BASELINE"]
    result = CliRunner().invoke(main, ["baseline", "save", "-i", str(inventory), "-o", str(baseline)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    waivers = root / env["SSOCHECK_WAIVERS"]
    shutil.copyfile(CI_DIR / "waivers.yml", waivers)


def shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env, "PATH": ssocheck_on_path()}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=full, capture_output=True, text=True, timeout=120,
                          check=False)


def junit_failures(path: Path) -> set[tuple[str, str]]:
    root = ET.parse(path).getroot()
    return {(suite.get("name") or "", (case.get("name") or "").split(" ")[0])
            for suite in root.iter("testsuite") for case in suite.iter("testcase") if case.find("failure") is not None}


@pytest.mark.e2e
@pytest.mark.parametrize("name", FILES)
def test_every_command_runs_against_the_simulated_farm(name: str, farm: LabFarm, tmp_path: Path) -> None:
    env = env_of(name)
    workspace(tmp_path, env, farm)
    commands = extract_commands((CI_DIR / name).read_text(encoding="utf-8"))
    for command in commands:
        done = shell(command, tmp_path, env)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    reports = tmp_path / env["SSOCHECK_REPORTS"]
    # What the publish/archive steps read exists after the job (paths relative to the workspace).
    for pattern in published(name):
        assert list(tmp_path.glob(pattern)), f"{name}: nothing matches {pattern!r}"
    assert junit_failures(reports / "ssocheck-junit.xml") == set()
    assert load_baseline(reports / "ssocheck-baseline.json").facts().keys() == {"BTSNODE1", "BTSNODE2", "NODE1",
                                                                                "NODE2"}

    # The same nightly command goes red after a drift, with the drift in the published JUnit file.
    [nightly] = [c for c in commands if "--phase nightly" in c]
    resource = "Enterprise Single Sign-On Service"
    farm.apply_overlay({"clusters": {"SSOCLU": {"resources": {resource: {"private": {"UseNetworkName": 0}}}}}})
    try:
        red = shell(nightly, tmp_path, env)
    finally:
        farm.apply_overlay({"clusters": {"SSOCLU": {"resources": {resource: {"private": {"UseNetworkName": 1}}}}}})
    assert red.returncode == 1, red.stdout
    failures = junit_failures(reports / "ssocheck-junit.xml")
    assert {("NODE1", "DRF001"), ("NODE2", "DRF001"), ("NODE1", "CLU003")} <= failures


# -- where the package comes from ---------------------------------------------------------------------------------

# A requirement naming the project ("ssocheck", "ssocheck==0.1.0", "ssocheck[kerberos]>=0.1") without a direct
# reference ("ssocheck @ file:..."): pip would take it from an index, where anyone may register that name.
_BARE_NAME = re.compile(r"""^['"]?ssocheck(\[[^\]]*\])?([<>=!~].*)?['"]?$""", re.I)


def pip_installs(text: str) -> list[list[str]]:
    """The arguments after ``pip install`` on every non-comment line of a file."""
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("#", "//")) or "pip install" not in stripped:
            continue
        found.append(stripped.split("pip install", 1)[1].split())
    return found


def test_no_example_installs_ssocheck_by_bare_name_from_an_index() -> None:
    """Dependency confusion: every pip install in examples/ is pinned by hash from a requirements file (which names
    the locally built wheel), and none names the bare project."""
    checked = 0
    for path in sorted((CI_DIR.parent).rglob("*")):
        if not path.is_file():
            continue
        for args in pip_installs(path.read_text(encoding="utf-8")):
            checked += 1
            assert not [a for a in args if _BARE_NAME.match(a)], f"{path.name}: installs ssocheck from an index"
            if path.parent == CI_DIR:
                assert "--require-hashes" in args and "-r" in args, f"{path.name}: pip install not pinned by hash"
    assert checked >= 6  # install steps of the six CI examples at least


def test_bare_name_rule() -> None:
    for bad in ("ssocheck", "ssocheck==0.1.0", "'ssocheck[kerberos]'", '"ssocheck>=0.1"', "SSOCHECK~=0.1"):
        assert _BARE_NAME.match(bad), bad
    for fine in ("./wheels/ssocheck-0.1.0-py3-none-any.whl", "-r", "ssocheck/requirements.txt", "'.[kerberos]'"):
        assert not _BARE_NAME.match(fine), fine


def test_every_ci_example_has_a_windows_agent_variant_and_the_readmes_say_where_ssocheck_comes_from() -> None:
    for linux, windows in zip(LINUX_FILES, WINDOWS_FILES, strict=True):
        text = (CI_DIR / windows).read_text(encoding="utf-8")
        assert (CI_DIR / linux).is_file() and re.search(r"\b(powershell|pwsh)\b", text, re.I), windows
        assert not re.search(r"^\s*(- )?(bash|sh)\s*[:(]", text, re.M), f"{windows}: a bash/sh step on Windows"
    readme = (CI_DIR.parent.parent / "README.md").read_text(encoding="utf-8")
    ci_readme = (CI_DIR / "README.md").read_text(encoding="utf-8")
    for text in (readme, ci_readme):
        assert "not published on the public package index" in text and "--require-hashes" in text
    assert "**Tested on** Linux" in readme and "Windows jump host" in readme and "Windows agent" in readme
