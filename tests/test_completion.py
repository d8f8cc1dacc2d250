"""PowerShell tab completion (ssocheck/completion.py), as far as Linux can test it.

No PowerShell is available from PyPI, Debian or npm without downloading a binary at install time, so the script
block is not run here. What is tested: the script ssocheck prints parses as PowerShell (tree-sitter-powershell,
the parser the project uses for every script), calls nothing but Register-ArgumentCompleter, ssocheck and
CompletionResult, sets exactly the variables the completion side reads; and the real ``ssocheck`` entry point,
given those variables as the script sets them (words one per line, quotes already removed by PowerShell),
answers commands, options and choices, and nothing for a path. The bash and zsh lines of the README are
click's own and run here too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ssocheck import psparse

SSOCHECK = Path(sys.executable).with_name("ssocheck")
README = Path(__file__).resolve().parents[1] / "README.md"


def _ssocheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if not SSOCHECK.exists():
        pytest.skip(f"no ssocheck entry point beside {sys.executable} (install the package: pip install -e .)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("COMP_", "_SSOCHECK"))}
    return subprocess.run([str(SSOCHECK)], env={**clean, **env}, capture_output=True, text=True, timeout=60)


def _complete(*words: str) -> list[str]:
    """What Tab offers after ``ssocheck WORDS`` (the last word is the one being completed), as the script asks."""
    typed = ["ssocheck", *words]
    out = _ssocheck({"_SSOCHECK_COMPLETE": "powershell_complete", "COMP_WORDS": "\n".join(typed),
                     "COMP_CWORD": str(len(typed) - 1)})
    assert out.returncode == 0, out.stderr
    return [line.split("\t")[0] for line in out.stdout.splitlines() if line]


def test_powershell_script_parses_and_uses_only_the_completion_api() -> None:
    out = _ssocheck({"_SSOCHECK_COMPLETE": "powershell_source"})
    assert out.returncode == 0, out.stderr
    script = out.stdout
    if not psparse.tree_sitter_available():
        pytest.skip("tree-sitter-powershell is not installed")
    assert psparse.parse_errors(script) == []
    calls = psparse.calls(script)
    assert set(calls.commands) == {"register-argumentcompleter", "ssocheck"}
    assert {"-native", "-commandname", "-scriptblock"} <= calls.commands["register-argumentcompleter"]
    assert calls.statics == {("management.automation.completionresult", "new")}
    # The variables the script sets are the ones the completion side reads, and it removes them again.
    assigned = set(re.findall(r"\$env:(\w+) = (?!\$null)", script))
    assert assigned == {"COMP_WORDS", "COMP_CWORD", "_SSOCHECK_COMPLETE"}
    assert set(re.findall(r"\$env:(\w+) = \$null", script)) == assigned
    assert "'powershell_complete'" in script and '-join "`n"' in script
    assert "%" not in script  # no unfilled template field, and no '%' alias


def test_powershell_completion_answers_commands_options_and_choices() -> None:
    assert _complete("ex") == ["explain"]
    assert set(_complete("")) >= {"run", "collect", "check", "doctor", "init", "sanitize", "lab"}
    assert "--node" in _complete("run", "--no") and "--format" in _complete("run", "--fo")
    assert _complete("run", "--format", "") == ["html", "json", "junit", "prometheus"]
    assert _complete("run", "--phase", "p") == ["pre", "post"]
    # A word with a backslash (a Windows account or path) is one word: PowerShell passes it unquoted.
    after_path = _complete("doctor", "-i", "C:\\farm inventory\\inventory.yml", "--")
    assert "--workers" in after_path and "--inventory" not in after_path  # -i took the whole path
    # A path argument: no candidate, so PowerShell falls back to its own path completion.
    assert _complete("run", "-i", "") == []


def test_check_ids_and_scenarios_complete_in_powershell_and_bash() -> None:
    clu = _complete("explain", "clu00")
    assert clu and all(re.fullmatch(r"CLU00\d", c) for c in clu) and "CLU003" in clu
    selected = _complete("run", "--select", "S")
    assert selected[:3] == ["SQL", "SSO", "SYS"] and "SSO001" in selected and "CLU001" not in selected
    assert "DTC001" in _complete("check", "--skip", "DTC")
    assert set(_complete("lab", "serve", "healthy")) >= {"healthy-pre", "healthy-post"}
    # bash gets the same candidates through click's own protocol (type,value lines).
    out = _ssocheck({"_SSOCHECK_COMPLETE": "bash_complete", "COMP_WORDS": "ssocheck explain SSO00",
                     "COMP_CWORD": "2"})
    assert "plain,SSO001" in out.stdout.splitlines()


def test_powershell_completion_help_is_one_line_per_candidate() -> None:
    out = _ssocheck({"_SSOCHECK_COMPLETE": "powershell_complete", "COMP_WORDS": "ssocheck\nrun\n--",
                     "COMP_CWORD": "2"})
    lines = out.stdout.splitlines()
    assert len(lines) > 10 and all(line.count("\t") <= 1 for line in lines)
    assert any(line.startswith("--node\t") and "PARTIAL" in line for line in lines)


@pytest.mark.parametrize(("shell", "line"), [("bash", 'eval "$(_SSOCHECK_COMPLETE=bash_source ssocheck)"'),
                                             ("zsh", 'eval "$(_SSOCHECK_COMPLETE=zsh_source ssocheck)"')])
def test_readme_completion_lines_for_bash_and_zsh(shell: str, line: str) -> None:
    assert line in README.read_text(encoding="utf-8")
    out = _ssocheck({"_SSOCHECK_COMPLETE": f"{shell}_source"})
    assert out.returncode == 0 and "_ssocheck_completion" in out.stdout
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    # The script the README evaluates is valid for that shell (syntax check only: -n).
    checked = subprocess.run([shell, "-n"], input=out.stdout, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_readme_documents_powershell_completion() -> None:
    text = README.read_text(encoding="utf-8")
    assert "$env:_SSOCHECK_COMPLETE = 'powershell_source'" in text and "$PROFILE" in text
