"""Smoke run of benchmarks/run_benchmark.py (N = 4): the real code path end to end, counters only, no timings.

The farm runs in its own process (benchmarks/farm_server.py), the floor is bare pywinrm in another, and
``ssocheck run`` is a real subprocess; nothing is mocked. Timings are machine-dependent and are not asserted;
what must hold everywhere is the cost model: one remote command per node and at most 9 HTTP requests per node.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from benchmarks import farm_server, run_benchmark

# The node's own contact CIDs (HKLM\SOFTWARE\Classes\CID); a clustered DTC's CIDs (cluster hive) are shared by design.
CID = re.compile(r"\\Classes\\CID\\([0-9a-f-]{36})\\", re.IGNORECASE)


def test_scaled_farm_clones_biztalk_nodes_with_unique_names_and_cids() -> None:
    doc = farm_server.scaled_document(7)
    nodes = doc["nodes"]
    assert list(nodes) == ["BTSNODE0001", "BTSNODE0002", "BTSNODE0003", "BTSNODE0004", "BTSNODE0005",
                           "NODE1", "NODE2"]
    assert [n for n, raw in nodes.items() if "sso-cluster" in raw["roles"]] == ["NODE1", "NODE2"]
    text = json.dumps({k: v for k, v in doc.items() if k != "description"})
    assert not re.search(r"BTSNODE[12](?!\d)", text), "the template and dropped node names must be gone"
    cids = [m.group(1).lower() for raw in nodes.values() for key in raw["registry"] for m in CID.finditer(key)]
    assert len(cids) == 4 * len(nodes) and len(set(cids)) == len(cids)  # 4 MSDTC CIDs per node, none shared
    assert all(uuid.UUID(c) for c in cids)
    # Each clone answers as itself (host name registry value) and resolves to its own address.
    tcpip = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"
    assert nodes["BTSNODE0003"]["registry"][tcpip]["Hostname"] == "BTSNODE0003"
    addresses = [doc["dns"][n] for n in nodes]
    assert len(set(addresses)) == len(addresses)
    assert doc["farm"]["master_secret_server"] == "BTSNODE0001"


def test_scaled_farm_refuses_too_few_nodes() -> None:
    with pytest.raises(ValueError, match="at least"):
        farm_server.scaled_document(3)


def test_benchmark_smoke_run_counts_one_command_per_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    code = run_benchmark.main(["--nodes", "4", "--workers", "4", "--repeat", "1", "--no-warmup", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "| N |" in printed and "run/floor" in printed

    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "ssocheck-benchmark/1"
    assert {"cpu_count", "python", "pywinrm", "ssocheck"} <= set(doc["machine"])
    assert doc["machine"]["cpu_count"] >= 1
    assert {"settings", "targets", "results", "verdicts", "generated_at"} <= set(doc)
    (row,) = doc["results"]
    assert row["nodes"] == 4
    assert {"floor", "run", "evaluation", "run_over_floor"} <= set(row)
    assert {"wall_s", "calls_s", "peak_rss_mb", "cpu_s", "lab_cpu_s"} <= set(row["floor"])
    assert {"wall_s", "exit_code", "peak_rss_mb", "cpu_s", "lab_cpu_s", "commands_per_node",
            "http_requests_per_node"} <= set(row["run"])
    assert {"evaluate_s", "render_s", "render_total_s", "evaluate_render_s", "write_s", "statuses",
            "unhealthy_count"} <= set(row["evaluation"])
    assert set(row["evaluation"]["render_s"]) == {"console", "junit", "html", "json"}

    # The cost model, from the lab's counters: one remote command (one shell) per node, the NTLM handshake
    # plus Create/Command/Send/Receive/Signal/Delete at most.
    assert row["run"]["commands_per_node"] == {"min": 1, "max": 1}
    assert row["run"]["shells_per_node"] == 1
    assert row["run"]["http_requests_per_node"]["max"] <= 9
    assert row["floor"]["commands_per_node"] == 1  # the floor made its calls against the same farm
    assert doc["verdicts"]["commands_per_node"]["met"] is True
    assert doc["verdicts"]["http_requests_per_node"]["met"] is True

    # The generated farm is healthy, so the benchmark measures a normal all-pass run.
    assert row["run"]["exit_code"] == 0, row["evaluation"]["unhealthy"]
    assert row["evaluation"]["unhealthy_count"] == 0
    assert row["evaluation"]["statuses"]["pass"] > 0
    assert row["run"]["peak_rss_mb"] > 0
    assert doc["settings"]["bytecode_cache"] is True


def test_children_get_a_bytecode_cache_even_when_this_process_may_not_write_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An installed ssocheck starts from .pyc files like the floor's pywinrm; PYTHONDONTWRITEBYTECODE=1 in the
    # benchmark's own environment must not make every measured run compile the package again.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = run_benchmark.child_env(tmp_path / "pyc")
    assert env is not None and "PYTHONDONTWRITEBYTECODE" not in env
    probe = "import sys, ssocheck.fastjson; print(sys.dont_write_bytecode, sys.pycache_prefix)"
    for _ in range(2):  # the first run writes the cache, the second reads it
        answer = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert answer.stdout.split() == ["False", str(tmp_path / "pyc")]
    assert list((tmp_path / "pyc").rglob("fastjson*.pyc")), "the child wrote no bytecode cache"
    assert run_benchmark.child_env(None) is None  # --no-bytecode-cache: the children inherit the environment
