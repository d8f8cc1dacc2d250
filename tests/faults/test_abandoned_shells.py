"""The remote shell of an abandoned node is deleted: after node_timeout, after Ctrl-C/SIGTERM, within a bound.

An open shell counts against WinRM's MaxShellsPerUser (30; 5 on Server 2008 R2) until its idle timeout, so a
few interrupted runs could lock the operator out. The bad node is a proxy in front of a real lab node that
holds the Receive (request 7 of the connection with NTLM and message encryption: 2 handshake requests, the
empty encryption set-up, Create, Command, Send, Receive): the shell really exists on the farm, and the
farm counts it. Nothing is mocked: ssocheck's real pywinrm client, the real lab, real signals.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssocheck.deadline import CLEANUP_BOUND_S
from ssocheck.lab.farm import LabFarm
from tests.faults.servers import HostileServer
from tests.support.lab import run_cli

NODE_TIMEOUT = 4.0
BAD = "NODE2"
RECEIVE = 7  # the Receive's number on its connection (see the module docstring)
# A run with one abandoned node: its deadline, the Delete's own bound, the healthy nodes and four reports
# on a loaded 2-core machine (the fault matrix allows node_timeout + 8 s without any Delete).
RUN_BOUND = NODE_TIMEOUT + CLEANUP_BOUND_S + 8.0
SIGNAL_BOUND = 8.0 + CLEANUP_BOUND_S  # from the signal to the exit (tests/faults/test_interrupts.py: 8 s)


@contextmanager
def _lab(work: Path) -> Iterator[tuple[LabFarm, Path]]:
    """healthy-pre over HTTP (NTLM + message encryption) and its inventory with small timeouts."""
    with LabFarm("healthy-pre", scheme="http", workdir=work / "farm") as lab:
        inv = lab.write_inventory(work / "inventory.yml")
        doc = yaml.safe_load(inv.read_text())
        doc["connection"].update({"operation_timeout": 5, "read_timeout": 6, "node_timeout": NODE_TIMEOUT})
        inv.write_text(yaml.safe_dump(doc))
        yield lab, inv


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Path]]:
    """One farm for the tests after which no shell may stay open."""
    with _lab(tmp_path_factory.mktemp("shellfarm")) as lab:
        yield lab


def _inventory(base: Path, out: Path, port: int, **connection: Any) -> Path:
    doc = yaml.safe_load(base.read_text())
    doc["connection"].update(connection)
    doc["connection"]["password_file"] = str(base.with_name("inventory.password"))
    for node in doc["nodes"]:
        if node["name"] == BAD:
            node["port"] = port
    doc["nodes"].sort(key=lambda n: n["name"] != BAD)  # the bad node first (one worker: the others queued)
    path = out / "inventory.yml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _open_shells(lab: LabFarm, inventory: Path) -> dict[str, int]:
    """Open shells on every node of the farm."""
    return {n["name"]: lab.open_shells(n["name"]) for n in yaml.safe_load(inventory.read_text())["nodes"]}


def _none_open(lab: LabFarm, inventory: Path) -> None:
    shells = _open_shells(lab, inventory)
    assert shells == dict.fromkeys(shells, 0), shells


def _audit(out: Path) -> dict[str, str]:
    doc = json.loads((out / "ssocheck-report.json").read_text())
    return {a["node"]: a["outcome"] for a in doc["sections"]["audit"]}


def test_a_node_abandoned_at_its_deadline_has_its_shell_deleted(farm: tuple[LabFarm, Path], tmp_path: Path) -> None:
    lab, base = farm
    created = lab._running().counters(BAD).shells_created
    _none_open(lab, base)
    with HostileServer("proxy_hold", upstream=lab.port(BAD), n=RECEIVE) as proxy:
        started = time.monotonic()
        code, _, stderr = run_cli(["run", "-i", _inventory(base, tmp_path, proxy.port), "--output-dir", tmp_path])
        elapsed = time.monotonic() - started
        assert proxy.held == 1  # the node really was stuck in its Receive, its shell open
    assert lab._running().counters(BAD).shells_created == created + 1
    assert code == 3 and "Traceback" not in stderr, stderr
    assert NODE_TIMEOUT <= elapsed < RUN_BOUND, elapsed
    _none_open(lab, base)
    audit = _audit(tmp_path)
    assert "within 4.0 s (node_timeout) while waiting for the answer" in audit[BAD]
    assert audit[BAD].endswith("its remote shell was deleted"), audit[BAD]
    assert all(outcome == "ok" for node, outcome in audit.items() if node != BAD), audit


def test_a_delete_that_cannot_get_through_is_bounded_and_reported(tmp_path: Path) -> None:
    # The shell is open, then the node stops answering anything: the Delete's new connection trickles.
    # Its own farm: the shell it leaves open must not count in the other tests.
    with _lab(tmp_path / "lab") as (lab, base), HostileServer("proxy_hold", upstream=lab.port(BAD), n=RECEIVE) as proxy:
        def trickle_once_held() -> None:
            end = time.monotonic() + 60
            while proxy.held == 0 and time.monotonic() < end:
                time.sleep(0.02)
            proxy.mode = "trickle"  # read per connection: only new connections (the Delete's) trickle

        threading.Thread(target=trickle_once_held, daemon=True).start()
        before = proxy.connections
        started = time.monotonic()
        code, _, stderr = run_cli(["run", "-i", _inventory(base, tmp_path, proxy.port), "--output-dir", tmp_path])
        elapsed = time.monotonic() - started
        assert proxy.connections > before + 1  # the Delete did try a new connection
        assert lab.open_shells(BAD) == 1  # honest: it is still open (on Windows until its idle timeout)
    assert code == 3 and "Traceback" not in stderr, stderr
    assert elapsed < RUN_BOUND, elapsed
    outcome = _audit(tmp_path)[BAD]
    assert f"its remote shell could not be deleted within {CLEANUP_BOUND_S:.0f} s" in outcome, outcome
    assert "idle timeout" in outcome


def test_a_node_whose_shell_was_never_opened_gets_no_new_connection(farm: tuple[LabFarm, Path],
                                                                   tmp_path: Path) -> None:
    # The transport itself is the fault (the Create is never answered): no shell id, nothing to delete.
    _, base = farm
    with HostileServer("trickle") as server:
        code, _, stderr = run_cli(["run", "-i", _inventory(base, tmp_path, server.port), "--output-dir", tmp_path])
        assert server.connections == 1
    assert code == 3 and "Traceback" not in stderr, stderr
    assert "remote shell" not in _audit(tmp_path)[BAD]


def test_an_interrupted_run_leaves_no_shell_open(farm: tuple[LabFarm, Path], tmp_path: Path) -> None:
    lab, base = farm
    _none_open(lab, base)
    exe = Path(sys.executable).with_name("ssocheck")
    with HostileServer("proxy_hold", upstream=lab.port(BAD), n=RECEIVE) as proxy:
        inv = _inventory(base, tmp_path, proxy.port, node_timeout=600)
        proc = subprocess.Popen([str(exe), "run", "-i", str(inv), "--output-dir", str(tmp_path), "--workers", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        end = time.monotonic() + 60
        while proxy.held == 0 and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        assert proxy.held == 1 and proc.poll() is None, proc.communicate()
        assert lab.open_shells(BAD) == 1  # the shell is open while the node is in flight
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    assert proc.returncode == 130 and "Traceback" not in out + err, (out, err)
    assert elapsed < SIGNAL_BOUND, elapsed
    _none_open(lab, base)
    audit = _audit(tmp_path)
    assert "interrupted while waiting for the answer" in audit[BAD]
    assert audit[BAD].endswith("its remote shell was deleted"), audit[BAD]
    assert list(audit) == [BAD]  # nobody else was contacted


def test_doctor_deletes_the_shell_of_a_node_it_abandons(farm: tuple[LabFarm, Path], tmp_path: Path) -> None:
    lab, base = farm
    _none_open(lab, base)
    with HostileServer("proxy_hold", upstream=lab.port(BAD), n=RECEIVE) as proxy:
        started = time.monotonic()
        code, out, err = run_cli(["doctor", "-i", _inventory(base, tmp_path, proxy.port)])
        elapsed = time.monotonic() - started
        assert proxy.held == 1
    assert code != 0 and "Traceback" not in out + err, (out, err)
    assert elapsed < RUN_BOUND, elapsed
    assert "its remote shell was deleted" in out + err, (out, err)
    _none_open(lab, base)
