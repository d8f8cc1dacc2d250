"""The fault matrix: one bad node (hostile server, proxy or answer) among healthy lab nodes.

Every case asserts the same promises (README "Reliability"): the run ends within its bound, the bad
node is ``error`` with the specific cause, the other nodes' own results are unchanged, every report
is written and readable, no traceback, and the documented exit code. Nothing is mocked: ssocheck's
real pywinrm client talks to the real lab over loopback; the bad node is a small hostile server
(tests/faults/servers.py) or a proxy in front of a lab node. Timeouts are small so the module takes
seconds: node_timeout 4 s, read_timeout 6 s (longer than node_timeout on purpose: the hard
deadline, not the socket timeout, must end a trickle).
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssocheck.lab.farm import LabFarm
from ssocheck.registry import load_checks
from tests.faults.servers import HostileServer, closed_port
from tests.support.lab import run_cli

NODE_TIMEOUT = 4.0
BAD = "NODE2"
# Bound of a whole run with one bad node: the node deadline plus collection of the healthy nodes,
# evaluation and four report files on a loaded 2-core machine.
RUN_BOUND = NODE_TIMEOUT + 8.0


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabFarm, Path]]:
    """The healthy-pre farm over HTTP (NTLM + message encryption) and its inventory with small timeouts."""
    work = tmp_path_factory.mktemp("faultfarm")
    with LabFarm("healthy-pre", scheme="http", workdir=work / "farm") as lab:
        inv = lab.write_inventory(work / "inventory.yml")
        doc = yaml.safe_load(inv.read_text())
        doc["connection"].update({"operation_timeout": 5, "read_timeout": 6, "node_timeout": NODE_TIMEOUT})
        inv.write_text(yaml.safe_dump(doc))
        yield lab, inv


def _inventory(base: Path, out: Path, **node2: Any) -> Path:
    doc = yaml.safe_load(base.read_text())
    for node in doc["nodes"]:
        if node["name"] == BAD:
            node.update(node2)
    path = out / "inventory.yml"
    password = base.with_name("inventory.password")
    doc["connection"]["password_file"] = str(password)
    path.write_text(yaml.safe_dump(doc))
    return path


def _node_check_ids() -> set[str]:
    return {lc.meta.id for lc in load_checks() if lc.meta.shape == "node"}


def _run(inventory: Path, out: Path, *extra: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    code, stdout, stderr = run_cli(["run", "-i", inventory, "--output-dir", out / "reports", *extra])
    return code, stdout, stderr, time.monotonic() - started


def _results(out: Path) -> dict[tuple[str, str], tuple[str, str]]:
    doc = json.loads((out / "reports" / "ssocheck-report.json").read_text())
    return {(r["check_id"], r["node"]): (r["status"], r["message"]) for r in doc["results"]}


@pytest.fixture(scope="module")
def control(farm: tuple[LabFarm, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    """Results of the same farm with every node healthy."""
    out = tmp_path_factory.mktemp("control")
    code, _, stderr, _ = _run(_inventory(farm[1], out), out)
    assert code == 0, stderr
    return _results(out)


def _assert_contained(out: Path, control: dict[tuple[str, str], Any], code: int, stdout: str, stderr: str,
                      elapsed: float, cause: str) -> None:
    """The promises of every fault case."""
    assert elapsed < RUN_BOUND, f"run took {elapsed:.1f} s"
    assert code == 3, (code, stdout, stderr)
    assert "Traceback" not in stdout + stderr and "internal error" not in stderr
    reports = out / "reports"
    doc = json.loads((reports / "ssocheck-report.json").read_text())
    ET.parse(reports / "ssocheck-junit.xml")
    assert (reports / "ssocheck-report.html").read_text().rstrip().endswith("</html>")
    json.loads((reports / "ssocheck-snapshot.json").read_text())
    assert doc["verdict"] != "PASSED" and doc["exit_code"] == 3
    node = next(n for n in doc["nodes"] if n["name"] == BAD)
    assert node["error"] and cause in node["error"], node["error"]
    assert cause in stdout
    # The other nodes keep their own node-check results exactly.
    results = _results(out)
    node_checks = _node_check_ids()
    for (check, name), verdict in control.items():
        if name != BAD and check in node_checks:
            assert results[(check, name)] == verdict, (check, name)
    assert all(status != "pass" for (check, name), (status, _) in results.items() if name == BAD)


CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    # mode: (server mode, kwargs, specific cause in NODE2's error)
    "trickle": ("trickle", {}, "within 4.0 s (node_timeout)"),
    "stall": ("stall", {}, "within 4.0 s (node_timeout)"),
    "reset": ("reset", {}, "reset the connection"),
    "http500": ("http500", {}, "HTTP 500"),
    "garbage200": ("garbage200", {}, "not WS-Management"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_server_costs_one_node(case: str, farm: tuple[LabFarm, Path], control: dict[Any, Any],
                                         tmp_path: Path) -> None:
    mode, kwargs, cause = CASES[case]
    with HostileServer(mode, **kwargs) as server:
        inv = _inventory(farm[1], tmp_path, port=server.port)
        code, stdout, stderr, elapsed = _run(inv, tmp_path)
    _assert_contained(tmp_path, control, code, stdout, stderr, elapsed, cause)


@pytest.mark.parametrize(("mode", "n", "cause"), [
    # NTLM with message encryption: 3 handshake requests, then Create, Command, Send, Receive.
    ("proxy_reset", 7, "reset the connection"),
    ("proxy_slow", 0, "within 4.0 s (node_timeout)"),
])
def test_a_hostile_proxy_in_front_of_a_real_node_costs_one_node(
    mode: str, n: int, cause: str, farm: tuple[LabFarm, Path], control: dict[Any, Any], tmp_path: Path
) -> None:
    lab, base = farm
    with HostileServer(mode, upstream=lab.port(BAD), n=n, interval=0.05) as proxy:
        inv = _inventory(base, tmp_path, port=proxy.port)
        code, stdout, stderr, elapsed = _run(inv, tmp_path)
    _assert_contained(tmp_path, control, code, stdout, stderr, elapsed, cause)


def test_connection_refused_and_dns_failure_have_their_own_causes(
    farm: tuple[LabFarm, Path], control: dict[Any, Any], tmp_path: Path
) -> None:
    inv = _inventory(farm[1], tmp_path, port=closed_port())
    code, stdout, stderr, elapsed = _run(inv, tmp_path)
    _assert_contained(tmp_path, control, code, stdout, stderr, elapsed, "connection refused")
    (tmp_path / "dns").mkdir()
    inv = _inventory(farm[1], tmp_path / "dns", address="btsnode2.invalid")
    code, stdout, stderr, elapsed = _run(inv, tmp_path / "dns")
    _assert_contained(tmp_path / "dns", control, code, stdout, stderr, elapsed, "cannot resolve")


def test_doctor_obeys_the_node_timeout(farm: tuple[LabFarm, Path], tmp_path: Path) -> None:
    with HostileServer("trickle") as server:
        inv = _inventory(farm[1], tmp_path, port=server.port)
        started = time.monotonic()
        code, stdout, _stderr = run_cli(["doctor", "-i", inv])
        elapsed = time.monotonic() - started
    assert elapsed < RUN_BOUND
    assert code == 3
    assert "within 4.0 s (node_timeout)" in stdout
    assert stdout.count("yes") >= 6  # the three healthy nodes: reachable and authenticated


@pytest.mark.parametrize("value", [".nan", "0", "-1", ".inf"])
def test_a_timeout_that_can_never_fire_is_a_usage_error(value: str, farm: tuple[LabFarm, Path],
                                                        tmp_path: Path) -> None:
    doc = yaml.safe_load(farm[1].read_text())
    doc["connection"]["password_file"] = str(farm[1].with_name("inventory.password"))
    inv = tmp_path / "inv.yml"
    inv.write_text(yaml.safe_dump(doc).replace("node_timeout: 4.0", f"node_timeout: {value}"))
    code, _stdout, stderr = run_cli(["run", "-i", inv, "--output-dir", tmp_path / "r"])
    assert code == 2
    assert "connection.node_timeout: must be a positive number of seconds" in stderr
    assert not (tmp_path / "r").exists()


def test_a_rejected_password_is_not_tried_on_the_other_nodes(farm: tuple[LabFarm, Path], tmp_path: Path) -> None:
    lab, base = farm
    wrong = tmp_path / "wrong.password"
    wrong.write_text("not-the-password\n")
    wrong.chmod(0o600)
    inv = _inventory(base, tmp_path)
    doc = yaml.safe_load(inv.read_text())
    doc["connection"]["password_file"] = str(wrong)
    inv.write_text(yaml.safe_dump(doc))
    lab.reset_counters()
    code, stdout, stderr = run_cli(["run", "-i", inv, "--output-dir", tmp_path / "r", "--workers", "1"])
    assert code == 3 and "Traceback" not in stdout + stderr
    first, *others = [n["name"] for n in doc["nodes"]]
    assert lab.http_requests(first) > 0
    assert [lab.http_requests(n) for n in others] == [0] * len(others)  # never tried: no AD lockout
    report = json.loads((tmp_path / "r" / "ssocheck-report.json").read_text())
    errors = {n["name"]: n["error"] for n in report["nodes"]}
    assert "authentication failed" in errors[first]
    assert all("rejected the credentials" in errors[n] for n in others)
    # Configurable: with stop_after_auth_failure false every node is tried.
    doc["connection"]["stop_after_auth_failure"] = False
    inv.write_text(yaml.safe_dump(doc))
    lab.reset_counters()
    run_cli(["run", "-i", inv, "--output-dir", tmp_path / "r2", "--workers", "1"])
    assert all(lab.http_requests(n) > 0 for n in others)


def test_tls_causes_and_the_verify_tls_false_warning(tmp_path: Path) -> None:
    with LabFarm("healthy-pre", scheme="https", workdir=tmp_path / "farm") as lab:
        inv = lab.write_inventory(tmp_path / "inventory.yml")
        doc = yaml.safe_load(inv.read_text())
        doc["connection"].pop("ca_bundle")  # the lab CA is not trusted: every node fails with the hint
        inv.write_text(yaml.safe_dump(doc))
        code, stdout, stderr = run_cli(["run", "-i", inv, "--output-dir", tmp_path / "r"])
        assert code == 3 and "Traceback" not in stdout + stderr
        assert stdout.count("set connection.ca_bundle") >= 1
        doc["connection"]["verify_tls"] = False
        inv.write_text(yaml.safe_dump(doc))
        code, stdout, stderr = run_cli(["run", "-i", inv, "--output-dir", tmp_path / "r2"])
    assert code == 0, stderr
    assert stderr.count("verify_tls: false: TLS certificates are not checked") == 1  # once per run, not per node


def test_a_node_that_answers_as_another_host_is_an_error_not_a_finding(
    farm: tuple[LabFarm, Path], control: dict[Any, Any], tmp_path: Path
) -> None:
    lab, base = farm
    # NODE2's address points at NODE1 (newcomer D2: this used to read as cloned MSDTC CIDs and a rogue ENTSSO).
    inv = _inventory(base, tmp_path, port=lab.port("NODE1"))
    code, stdout, stderr, elapsed = _run(inv, tmp_path)
    _assert_contained(tmp_path, control, code, stdout, stderr, elapsed, "answered as NODE1, not NODE2")
    results = _results(tmp_path)
    assert not [k for k, (status, _) in results.items() if status == "fail"]  # no misleading findings
    # Swapped addresses: both nodes are errors, nothing is judged on their facts.
    (tmp_path / "swap").mkdir()
    doc = yaml.safe_load(_inventory(base, tmp_path / "swap").read_text())
    ports = {n["name"]: n["port"] for n in doc["nodes"]}
    for n in doc["nodes"]:
        if n["name"] in ("NODE1", "BTSNODE1"):
            n["port"] = ports["BTSNODE1" if n["name"] == "NODE1" else "NODE1"]
    (tmp_path / "swap" / "inventory.yml").write_text(yaml.safe_dump(doc))
    code, stdout, _, _ = _run(tmp_path / "swap" / "inventory.yml", tmp_path / "swap")
    report = json.loads((tmp_path / "swap" / "reports" / "ssocheck-report.json").read_text())
    errors = {n["name"]: n["error"] for n in report["nodes"] if n["error"]}
    assert set(errors) == {"NODE1", "BTSNODE1"} and "answered as BTSNODE1" in errors["NODE1"]
    assert code == 3 and not [r for r in report["results"] if r["status"] == "fail"]


def test_identity_includes_cluster_membership() -> None:
    from ssocheck.collect import identity_problem
    from ssocheck.inventory import Node

    node = Node(name="NODE2", roles=("sso-cluster",), address="10.0.0.2")
    cluster = {"name": "CL1", "nodes": [{"name": "NODE1"}, {"name": "NODE3"}]}
    problem = identity_problem(node, "NODE2", {"cluster": cluster})
    assert problem and "not a node of cluster CL1" in problem
    assert identity_problem(node, "node2", {"cluster": {"nodes": [{"name": "node2.corp.example.com"}]}}) is None
    long_name = Node(name="BTSNODE-LONGNAME01.corp.example.com", roles=("biztalk",), address="10.0.0.3")
    assert identity_problem(long_name, "BTSNODE-LONGNAM", {}) is None  # NetBIOS names stop at 15 characters
    assert "did not report its computer name" in (identity_problem(node, "", {}) or "")
