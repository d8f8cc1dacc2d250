"""CLI commands not covered by the scenario tests: list, explain, doctor, demo, lab scenarios, lab serve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.lab import run_cli


def test_list_json_has_every_check_with_metadata() -> None:
    code, out, _ = run_cli(["list", "--format", "json"])
    assert code == 0
    checks = {c["id"]: c for c in json.loads(out)}
    assert {"DTC001", "SSO004", "CLU003", "SSO007"} <= set(checks)
    assert checks["CLU003"]["severity"] == "critical" and checks["CLU003"]["phases"] == ["pre", "post", "nightly"]
    assert all(c["remediation"] and c["title"] for c in checks.values())


def test_explain_shows_remediation_and_unknown_id_exits_2() -> None:
    code, out, _ = run_cli(["explain", "clu003"])
    assert code == 0
    assert "CLU003 use-network-name" in out and "Set-ClusterParameter UseNetworkName 1" in out
    assert "Guide step: 15" in out
    code, _, err = run_cli(["explain", "XYZ999"])
    assert code == 2 and "XYZ999" in err and len(err.strip().splitlines()) == 1


def test_unknown_select_is_a_usage_error_before_any_connection(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yml"
    inventory.write_text(
        "group: G\ncluster_network_name: C\nmaster_secret_server: B\n"
        "sso: {service_account: CORP\\svc, database: {server: S}}\n"
        "connection: {username: u, password_env: NOT_SET_ANYWHERE, port: 1}\n"
        "nodes: [{name: N1, roles: [sso-cluster], address: 127.0.0.1}]\n",
        encoding="utf-8",
    )
    code, _, err = run_cli(["run", "-i", inventory, "--select", "NOPE01"])
    assert code == 2
    assert "NOPE01" in err and len(err.strip().splitlines()) == 1


def test_lab_scenarios_lists_builtin_farms_but_not_fragments() -> None:
    code, out, _ = run_cli(["lab", "scenarios"])
    assert code == 0
    assert "healthy-post" in out and "demo" in out and "cloned-msdtc-cid" in out
    assert "_farm" not in out


def test_doctor_reports_each_node(tmp_path: Path) -> None:
    with LabFarm("node-unreachable", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, _ = run_cli(["doctor", "-i", inventory])
    assert code == 3  # one node is down
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith(("BTS", "NODE"))}
    assert "5.1.14393.0" in lines["BTSNODE1"] and "yes" in lines["BTSNODE1"]
    assert "no" in lines["BTSNODE2"] and "cannot connect" in lines["BTSNODE2"]
    # D13: not reached means the logon was never tried ("-"), the node is named once, a summary says what to do.
    assert lines["BTSNODE2"].split()[2:4] == ["no", "-"] and lines["BTSNODE2"].count("BTSNODE2") == 1
    assert "doctor: 3 of 4 nodes answered PowerShell" in out
    assert "not reached: BTSNODE2" in out


def test_demo_runs_and_writes_reports(tmp_path: Path) -> None:
    code, out, _ = run_cli(["demo", "--output-dir", tmp_path])
    assert code == 0
    assert "FAILED" in out  # the demo farm has deliberate mistakes
    assert {p.name for p in tmp_path.iterdir()} >= {
        "ssocheck-junit.xml", "ssocheck-report.html", "ssocheck-report.json", "ssocheck-snapshot.json"
    }
    assert "Remote commands: 1 per node" in out  # counted by the lab


def _start_with_sigint_ignored() -> None:
    # What a non-interactive shell does to a command it starts with '&' (and what a CI runner started that way
    # passes on): SIGINT ignored. Python then installs no KeyboardInterrupt handler of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_lab_serve_in_the_foreground_serves_a_real_run(tmp_path: Path, stop_signal: signal.Signals) -> None:
    inventory = tmp_path / "lab" / "inventory.yml"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "ssocheck", "lab", "serve", "healthy-post", "--inventory-out", str(inventory)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, preexec_fn=_start_with_sigint_ignored,
    )
    try:
        deadline = time.monotonic() + 30
        while not inventory.exists() and time.monotonic() < deadline:
            assert server.poll() is None, server.communicate()
            time.sleep(0.1)
        assert inventory.exists()
        pw = next(inventory.parent.glob("*.pw*"), None) or next(
            p for p in inventory.parent.iterdir() if "pass" in p.name
        )
        assert oct(pw.stat().st_mode & 0o777) == "0o600"
        run = subprocess.run(
            [sys.executable, "-m", "ssocheck", "run", "-i", str(inventory), "--output-dir", str(tmp_path / "out"),
             "--format", "json"],
            capture_output=True, text=True, timeout=120, env=env,
        )
        assert run.returncode == 0, run.stdout + run.stderr
    finally:
        server.send_signal(stop_signal)
        try:
            out, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            out = ""
    assert server.returncode == 0
    # D15: it says how it stopped and leaves no inventory with dead ports and no password file behind.
    how = "Ctrl-C" if stop_signal == signal.SIGINT else "SIGTERM"
    assert f"lab stopped ({how}); removed inventory.yml, inventory.password" in out
    assert not inventory.exists() and not inventory.with_name("inventory.password").exists()
    assert (inventory.parent / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"  # a new folder


def test_allow_changes_runs_bts001_through_the_cli_and_audits_it(tmp_path: Path) -> None:
    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        ports_before = json.dumps(farm.state.biztalk.get("ports"), sort_keys=True)
        code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "skip", "--select", "BTS001"])
        assert code == 0, out + err
        skipped = json.loads((tmp_path / "skip" / "ssocheck-report.json").read_text(encoding="utf-8"))
        assert {r["status"] for r in skipped["results"]} == {"skip"}
        assert not any(a["changes_state"] for a in skipped["sections"]["audit"])
        assert farm.commands("BTSNODE1") == 1

        # The lab inventory uses NTLM: BTS001's SQL connection from the node would be a second hop the session
        # cannot make, so --allow-changes is refused before any command (review probe.md D1). The port test itself
        # runs end to end in tests/porttest/test_porttest_e2e.py; through the CLI once the lab speaks CredSSP.
        farm.reset_counters()
        code, out, err = run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "ok", "--select", "BTS001",
                                  "--allow-changes"])
        assert code == 2, out + err
        assert len(err.strip().splitlines()) == 1
        assert "transport: credssp" in err and "Enable-WSManCredSSP -Role Server" in err and "BTS001" in err
        assert {n: farm.commands(n) for n in farm.state.nodes} == dict.fromkeys(farm.state.nodes, 0)
        assert json.dumps(farm.state.biztalk.get("ports"), sort_keys=True) == ports_before
        assert not (tmp_path / "ok").exists()


def test_include_failover_makes_a_failover_count_as_drift(tmp_path: Path) -> None:
    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        baseline = tmp_path / "baseline.json"
        assert run_cli(["baseline", "save", "-i", inventory, "-o", baseline])[0] == 0
        farm.apply_overlay({"clusters": {"SSOCLU": {"groups": {"SSO": {"owner": "NODE2"}}}}})
        args: list[str | Path] = ["run", "-i", inventory, "--phase", "nightly", "--baseline", baseline,
                                  "--select", "DRF001"]
        plain = run_cli([*args, "--output-dir", tmp_path / "plain"])
        strict = run_cli([*args, "--output-dir", tmp_path / "strict", "--include-failover"])
    assert plain[0] == 0, plain[1] + plain[2]
    assert strict[0] == 1, strict[1] + strict[2]


def test_debug_logging_never_includes_ntlm_tokens(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["--debug", "run", "-i", inventory, "--output-dir", tmp_path / "out",
                                  "--select", "SSO004"])
    assert code == 0
    assert logging.getLogger("spnego").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("requests_ntlm").getEffectiveLevel() >= logging.WARNING
    assert "TlRMTVNTUA" not in out + err  # base64 of "NTLMSSP": no token in the debug output
    process = capfd.readouterr()  # nor in anything written to the real stdout/stderr meanwhile
    assert "TlRMTVNTUA" not in process.out + process.err


def test_live_run_duration_includes_collection(tmp_path: Path) -> None:
    with LabFarm("healthy-post", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        run_cli(["run", "-i", inventory, "--output-dir", tmp_path / "out", "--format", "json"])
    doc = json.loads((tmp_path / "out" / "ssocheck-report.json").read_text(encoding="utf-8"))
    collection = max(n["duration_s"] for n in doc["nodes"])
    assert doc["duration_s"] >= collection > 0
