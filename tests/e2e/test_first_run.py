"""The README's path from the demo to a real farm, against the simulated farm over real WinRM (nothing mocked):
``ssocheck init --discover NODE`` -> ``ssocheck doctor`` -> ``ssocheck run --phase pre``."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from ssocheck.cli import main
from ssocheck.inventory import load_inventory
from ssocheck.lab.farm import LabFarm


def test_init_discover_doctor_run_pre(tmp_path: Path) -> None:
    with LabFarm("healthy-pre", scheme="http", workdir=tmp_path) as farm:
        lab_doc = yaml.safe_load(farm.write_inventory(tmp_path / "lab.yml").read_text(encoding="utf-8"))
        conn = lab_doc["connection"]
        # What an administrator knows without the cluster: the BizTalk side, the accounts, where nodes answer
        # (the lab's nodes share 127.0.0.1, so each gets its port; on a real farm the names resolve).
        addresses = [a for n in lab_doc["nodes"] for a in ("--address", f"{n['name']}={n['address']}:{n['port']}")]
        out = tmp_path / "inventory.yml"
        farm.reset_counters()
        runner = CliRunner()
        result = runner.invoke(main, [
            "init", str(out), "--discover", "NODE1", *addresses, "--scheme", "http",
            "--username", conn["username"], "--password-file", str(tmp_path / conn["password_file"]),
            "--group", "BizTalkGroup", "--master-secret-server", lab_doc["master_secret_server"],
            "--sso-account", lab_doc["sso"]["service_account"], "--sso-db-server",
            lab_doc["sso"]["database"]["server"], "--biztalk-node", "BTSNODE1", "--biztalk-node", "BTSNODE2",
        ])
        assert result.exit_code == 0, result.output
        # One read-only command on the node asked, none anywhere else.
        assert [farm.commands(n) for n in ("NODE1", "NODE2", "BTSNODE1", "BTSNODE2")] == [1, 0, 0, 0]
        assert "discovered: cluster" in result.stdout
        inv = load_inventory(out)
        assert inv.expect.sso_cluster_nodes == ("NODE1", "NODE2")  # from the cluster, no flag gave them
        assert inv.expect.cluster_network_name == lab_doc["cluster_network_name"]

        doctor = runner.invoke(main, ["doctor", "-i", str(out)])
        assert doctor.exit_code == 0, doctor.output
        assert "doctor: 4 of 4 nodes answered PowerShell" in doctor.stdout
        assert "next: ssocheck run -i INVENTORY --phase pre" in doctor.stdout
        # A snapshot to send to the project: collected and sanitised in one step, the original never written.
        shared = tmp_path / "shared.json"
        collected = runner.invoke(main, ["collect", "-i", str(out), "-o", str(shared), "--sanitize"])
        assert collected.exit_code == 0, collected.output
        text = shared.read_text(encoding="utf-8").lower()
        assert "btsnode1" not in text and "biztalkcluster" not in text and "node1" not in text
        checked = runner.invoke(main, ["check", "--snapshot", str(shared), "--phase", "pre", "--output-dir",
                                       str(tmp_path / "rs"), "--no-color"])
        assert checked.exit_code == 0, checked.output
        # The JSON report on stdout, alone (for jq); the console report goes to stderr.
        piped = runner.invoke(main, ["check", "--snapshot", str(shared), "--phase", "pre", "--format", "json",
                                     "--output", "-", "--output-dir", str(tmp_path / "none")])
        assert piped.exit_code == 0, piped.stderr
        assert json.loads(piped.stdout)["summary"]["pass"] > 0 and "-> PASSED" in piped.stderr
        assert not (tmp_path / "none").exists()
        refused = runner.invoke(main, ["check", "--snapshot", str(shared), "--output", "-"])
        assert refused.exit_code == 2 and "--output: give exactly one --format with it" in refused.stderr
        run = runner.invoke(main, ["run", "-i", str(out), "--phase", "pre", "--output-dir", str(tmp_path / "r"),
                                   "--no-color"])
        assert run.exit_code == 0, run.output
        assert "PASSED" in run.stdout
