"""``ssocheck lint-scripts``: the project's PowerShell gate for third-party check packs, through the real CLI."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ssocheck.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["lint-scripts", *args])
    return result.exit_code, result.stdout, result.stderr


def test_clean_files_and_folders_exit_0(tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "a.ps1").write_text("$value = @(Get-WmiObject Win32_Service)\n")
    (tmp_path / "pack" / "notes.txt").write_text("Stop-Service x\n")  # not a script: not read
    code, out, err = run(str(tmp_path / "pack"))
    assert (code, out) == (0, "")
    assert "1 script(s) checked, 0 with findings" in err


def test_findings_and_parse_errors_exit_1_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ps1"
    bad.write_text("$a = 1\nif ($a {\n")
    writes = tmp_path / "writes.psm1"
    writes.write_text("$h = [ordered]@{}\nStop-Service ENTSSO\n")
    code, out, err = run(str(bad), str(writes))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{bad}: [parse] line 2, column 1: ")
    assert f"{writes}: line 1: [ps3-syntax]" in lines[1]
    assert f"{writes}: line 2: [write-verb]" in lines[2]
    assert "2 script(s) checked, 2 with findings" in err
    # --allow-writes drops only the write finding.
    code, out, _ = run("--allow-writes", str(writes))
    assert code == 1 and "[write-verb]" not in out and "[ps3-syntax]" in out


def test_control_characters_in_a_script_do_not_reach_the_terminal(tmp_path: Path) -> None:
    script = tmp_path / "esc.ps1"
    script.write_text("Stop-Service '\x1b[31mred'\n")
    code, out, _ = run(str(script))
    assert code == 1 and "\x1b" not in out and "\\x1b" in out


def test_installed_packs_are_clean() -> None:
    code, out, err = run("--packs")
    assert (code, out) == (0, ""), out
    assert "with findings" in err


def test_usage_errors() -> None:
    assert run()[0] == 2
    assert run("/nonexistent/x.ps1")[0] == 2
