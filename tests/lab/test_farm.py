"""LabFarm over loopback with the real pywinrm client: inventory, counters, powered-off nodes, drift overlays."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import winrm
import yaml

from ssocheck.facts import probe
from ssocheck.facts.services import Services
from ssocheck.inventory import load_inventory
from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import load_scenario


def session(farm: LabFarm, node: str) -> winrm.Session:
    options = {"ca_trust_path": farm.ca_cert} if farm.ca_cert else {"ca_trust_path": None}
    return winrm.Session(farm.url(node), auth=(farm.username, farm.password), transport="ntlm", **options)


@pytest.fixture(scope="module")
def farm() -> Iterator[LabFarm]:
    with LabFarm("node-unreachable") as lab:
        yield lab


def test_inventory_loads_and_keeps_the_password_out(farm: LabFarm, tmp_path: Path) -> None:
    path = farm.write_inventory(tmp_path / "lab" / "inventory.yml")
    text = path.read_text(encoding="utf-8")
    assert farm.password not in text
    inv = load_inventory(path)
    assert inv.connection.password_file == tmp_path / "lab" / "inventory.password"
    assert stat.S_IMODE(inv.connection.password_file.stat().st_mode) == 0o600
    assert inv.password().reveal() == farm.password
    conn = inv.connection
    assert (conn.transport, conn.scheme, conn.username) == ("ntlm", "http", "LAB\\ssocheck")
    assert inv.connection.read_timeout > inv.connection.operation_timeout
    assert inv.phase is not None and inv.phase.value == "post"
    assert (inv.expect.group, inv.expect.cluster_network_name, inv.expect.master_secret_server) == (
        "BizTalkGroup", "BIZTALKCLUSTER", "BTSNODE1")
    assert (inv.expect.sso_service_account, inv.expect.sso_db_server, inv.expect.sso_db_name) == (
        "CORP\\svc_sso", "SQL01", "SSODB")
    assert (inv.expect.domain_netbios, inv.expect.domain_dns) == ("CORP", "corp.example.com")
    assert [(n.name, n.roles, n.address, n.port) for n in inv.nodes] == [
        (name, tuple(farm.state.nodes[name].roles), "127.0.0.1", farm.port(name)) for name in farm.state.nodes]
    assert inv.extra["scenario"] == "node-unreachable"
    assert len({n.port for n in inv.nodes}) == 4


def test_nodes_answer_as_themselves_and_are_counted(farm: LabFarm) -> None:
    farm.reset_counters()
    result = session(farm, "NODE1").run_ps("$env:COMPUTERNAME")
    assert (result.std_out, result.status_code) == (b"NODE1\r\n", 0)
    assert (farm.commands("NODE1"), farm.commands("node2"), farm.host.commands("NODE1")) == (1, 0, 1)
    assert farm.http_requests("NODE1") == 8  # NTLM handshake 3 + Create, Command, Receive, Signal, Delete
    bad = session(farm, "NODE2").run_ps("Get-ChildItem C:\\")
    assert bad.status_code == 1
    assert bad.std_err.decode().startswith("The term 'Get-ChildItem' is not recognized")
    farm.reset_counters()
    assert (farm.commands("NODE1"), farm.http_requests("NODE1"), farm.host.commands("NODE1")) == (0, 0, 0)


def test_down_node_refuses_connections(farm: LabFarm) -> None:
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError):
        session(farm, "BTSNODE2").run_ps("hostname")
    assert time.monotonic() - started < 3
    assert farm.commands("BTSNODE2") == 0


def test_stop_node_and_overlays_change_the_running_farm(tmp_path: Path) -> None:
    # Its own account: the module's farm is alive too and NTLM_USER_FILE is shared by the process.
    with LabFarm("healthy-post", username="LAB\\drift") as farm:
        ports = {name: farm.port(name) for name in farm.state.nodes}
        script = probe.build_probe([Services], {})

        def entsso_account(node: str) -> str:
            # As ssocheck's transport does: the bootstrap on the command line, the probe on stdin (a probe as
            # -EncodedCommand is longer than cmd.exe's 8,191 characters).
            proto = session(farm, node).protocol
            shell = proto.open_shell()
            command = proto.run_command(shell, probe.POWERSHELL,
                                        [*probe.POWERSHELL_ARGS, probe.encoded_command(probe.BOOTSTRAP)])
            proto.send_command_input(shell, command, script.encode("ascii"), end=True)
            out, _err, _code = proto.get_command_output(shell, command)
            proto.cleanup_command(shell, command)
            proto.close_shell(shell)
            answer = probe.parse_answer(out.decode("ascii"))
            return Services.parse(answer.facts["services"])["ENTSSO"].account

        assert entsso_account("NODE2") == "CORP\\svc_sso"
        overlay = tmp_path / "drift.yml"
        overlay.write_text("nodes:\n  NODE2:\n    services: {ENTSSO: {account: LocalSystem}}\n", encoding="utf-8")
        farm.apply_overlay(overlay)
        assert entsso_account("NODE2") == "LocalSystem"
        farm.apply_overlay({"nodes": {"BTSNODE1": {"up": False}}})  # overlays accumulate
        assert entsso_account("NODE2") == "LocalSystem"
        with pytest.raises(requests.exceptions.ConnectionError):
            session(farm, "BTSNODE1").run_ps("hostname")
        farm.apply_overlay({"nodes": {"BTSNODE1": {"up": True}}})
        assert session(farm, "BTSNODE1").run_ps("hostname").std_out == b"BTSNODE1\r\n"

        farm.stop_node("NODE1")
        with pytest.raises(requests.exceptions.ConnectionError):
            session(farm, "NODE1").run_ps("hostname")
        assert session(farm, "NODE2").run_ps("hostname").status_code == 0
        assert {name: farm.port(name) for name in farm.state.nodes} == ports, "endpoints keep their ports"


def test_farm_from_state_with_overlay_https_and_close(tmp_path: Path) -> None:
    overlay = tmp_path / "o.yml"
    overlay.write_text("farm: {phase: nightly}\n", encoding="utf-8")
    work = tmp_path / "work"
    farm = LabFarm(load_scenario("healthy-pre"), scheme="https", workdir=work, overlay=overlay,
                   username="LAB\\https")
    with farm:
        path = farm.write_inventory(tmp_path / "inv.yml")
        inv = load_inventory(path)
        assert inv.connection.scheme == "https"
        assert inv.connection.ca_bundle == tmp_path / "inv-ca.pem"
        assert inv.connection.ca_bundle.read_bytes() == Path(str(farm.ca_cert)).read_bytes()
        assert inv.phase is not None and inv.phase.value == "nightly"
        result = winrm.Session(
            farm.url("NODE1"), auth=(farm.username, farm.password), transport="ntlm",
            server_cert_validation="validate", ca_trust_path=str(inv.connection.ca_bundle),
        ).run_ps("hostname")
        assert result.std_out == b"NODE1\r\n"
        url = farm.url("NODE1")
    assert work.is_dir(), "a workdir the caller gave is not deleted"
    with pytest.raises(requests.exceptions.ConnectionError):
        winrm.Session(url, auth=(farm.username, farm.password), transport="ntlm",
                      ca_trust_path=str(inv.connection.ca_bundle)).run_ps("hostname")


def test_farms_alive_together_share_the_default_account(farm: LabFarm) -> None:
    # NTLM_USER_FILE is process-wide: a per-test farm next to the module's farm must not clash with it.
    with LabFarm("healthy-post") as other:
        assert (other.username, other.password) == (farm.username, farm.password)
        assert session(other, "NODE1").run_ps("hostname").std_out == b"NODE1\r\n"
    # The same account with another password is refused, and the failed start leaves nothing behind.
    clash = LabFarm("healthy-post", password="something-else")
    with pytest.raises(ValueError, match="already registered"), clash:
        pass
    with pytest.raises(RuntimeError, match="not started"):
        clash.workdir  # noqa: B018 - the temporary workdir was removed again
    assert session(farm, "NODE1").run_ps("hostname").status_code == 0, "the first farm is unaffected"


def test_own_workdir_is_removed_and_yaml_is_plain(tmp_path: Path) -> None:
    with LabFarm("demo", username="LAB\\tmp") as farm:
        workdir = farm.workdir
        assert workdir.is_dir()
        doc = yaml.safe_load(farm.write_inventory(tmp_path / "i.yml").read_text(encoding="utf-8"))
        assert doc["lab"]["scenario"] == "demo"
        assert doc["connection"]["password_file"] == "i.password"
    assert not workdir.exists()


def test_wait_returns_on_close_and_on_ctrl_c() -> None:
    """In a fresh interpreter: the process-wide signal and connection state other in-process runs leave behind
    (ssocheck's own SIGINT handler, patched connection pools) must not decide what Ctrl-C does here."""
    script = textwrap.dedent("""
        import _thread, threading, time
        from ssocheck.lab.farm import LabFarm
        farm = LabFarm("healthy-post", username="LAB\\\\wait")
        farm.start()
        threading.Timer(0.2, farm.close).start()
        started = time.monotonic()
        farm.wait(poll_seconds=0.05)
        assert time.monotonic() - started < 3
        farm = LabFarm("healthy-post", username="LAB\\\\wait2")
        farm.start()
        try:
            threading.Timer(0.2, _thread.interrupt_main).start()  # what Ctrl-C does to the main thread
            farm.wait(poll_seconds=0.05)  # swallows the KeyboardInterrupt and returns
        finally:
            farm.close()
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=90, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-2000:]
