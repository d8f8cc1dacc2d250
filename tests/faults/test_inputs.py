"""Hostile input files: inventory, waivers, lab scenarios. Each is refused in well under a second with one
line naming the file (and the field), never an internal error, and never by echoing a huge value."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ssocheck.errors import ConfigError, InventoryError
from ssocheck.inventory import load_inventory
from ssocheck.waivers import load_waivers

GOOD = """\
group: BizTalkGroup
cluster_network_name: BIZCLUSTER
master_secret_server: BIZCLUSTER
sso:
  service_account: CORP\\\\svc_sso
  database: {server: SQL01}
connection: {username: CORP\\\\ops, password_env: SSOCHECK_PASSWORD}
nodes:
  - {name: NODE1, roles: [sso-cluster], address: 10.0.0.1}
  - {name: BTSNODE1, roles: [biztalk], address: btsnode1.corp.example.com}
"""

def _level(i: int) -> str:
    items = ", ".join([f"*l{i - 1}"] * 9) if i else '"lol"'
    return f"l{i}: &l{i} [{items}]\n"


BOMB = "".join(_level(i) for i in range(17))


def _inventory(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _refused(tmp_path: Path, text: str | bytes, needle: str) -> str:
    path = tmp_path / "inventory.yml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert str(path) in message and needle in message, message
    assert len(message) < 400 and "\n" not in message
    return message


def test_the_good_inventory_loads(tmp_path: Path) -> None:
    inv = load_inventory(_inventory(tmp_path, GOOD))
    assert [n.address for n in inv.nodes] == ["10.0.0.1", "btsnode1.corp.example.com"]


def test_a_billion_laughs_inventory_is_refused_quickly(tmp_path: Path) -> None:
    text = BOMB + GOOD.replace("roles: [sso-cluster]", "roles: [sso-cluster, *l16]")
    _refused(tmp_path, text, "more than 100 aliases")


def test_deep_oversized_and_non_utf8_files_are_one_line(tmp_path: Path) -> None:
    _refused(tmp_path, GOOD + "lab: " + "[" * 50000 + "]" * 50000 + "\n", "nested deeper than 64 levels")
    _refused(tmp_path, GOOD + "lab: {x: '" + "y" * (2 * 2**20) + "'}\n", "ssocheck reads at most")
    _refused(tmp_path, GOOD.replace("BizTalkGroup", "Gr\u00fcppe").encode("latin-1"), "not UTF-8 text")


@pytest.mark.parametrize("name", ["NODE2\n", "NODE2 ", "a" * 64, ".".join(["abc"] * 70), "NODE1;calc", "-rf",
                                  "../x", "N\u00d6DE"])
def test_bad_node_names_are_refused(name: str, tmp_path: Path) -> None:
    import yaml

    doc = yaml.safe_load(GOOD)
    doc["nodes"][1]["name"] = name
    _refused(tmp_path, yaml.safe_dump(doc), "nodes[1].name")


@pytest.mark.parametrize("address", ["127.0.0.1/../x", "127.0.0.1?x", "127.0.0.1\r\nX-Injected: 1",
                                     "user:pw@127.0.0.1", "http://127.0.0.1", "127.0.0.1 ", "host:5985", ""])
def test_bad_addresses_are_refused(address: str, tmp_path: Path) -> None:
    import yaml

    doc = yaml.safe_load(GOOD)
    doc["nodes"][1]["address"] = address
    _refused(tmp_path, yaml.safe_dump(doc), "nodes[1].address")


@pytest.mark.parametrize("address", ["10.0.0.1", "::1", "[fe80::1]", "node-1.corp.example.com", "NODE1"])
def test_good_addresses_are_accepted(address: str, tmp_path: Path) -> None:
    import yaml

    doc = yaml.safe_load(GOOD)
    doc["nodes"][1]["address"] = address
    assert load_inventory(_inventory(tmp_path, yaml.safe_dump(doc))).nodes[1].address == address


def test_error_messages_never_echo_a_huge_value(tmp_path: Path) -> None:
    message = _refused(tmp_path, GOOD.replace("roles: [biztalk]", "roles: [biztalk, '" + "x" * 100000 + "']"),
                       "unknown role")
    assert "x" * 100 not in message


@pytest.mark.parametrize("where", ["version", "expires"])
def test_a_billion_laughs_waiver_file_is_refused_quickly(where: str, tmp_path: Path) -> None:
    waiver = {"version": "1", "expires": "2027-01-01"}
    waiver[where] = "*l16"
    text = (BOMB + f"version: {waiver['version']}\nwaivers:\n  - check: SSO004\n    node: '*'\n"
            f"    justification: accepted\n    expires: {waiver['expires']}\n")
    path = tmp_path / "waivers.yml"
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        load_waivers(path)
    assert time.monotonic() - started < 2 and str(path) in str(info.value) and len(str(info.value)) < 400


def test_a_billion_laughs_scenario_or_overlay_is_refused_quickly(tmp_path: Path) -> None:
    from ssocheck.lab.state import ScenarioError, load_scenario

    scenario = tmp_path / "bomb.yaml"
    scenario.write_text(BOMB + "name: bomb\n")
    started = time.monotonic()
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(scenario))
    assert "more than 100 aliases" in str(info.value)
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(BOMB)
    with pytest.raises(ScenarioError) as info:
        load_scenario("healthy-pre", overlay=overlay)
    assert "more than 100 aliases" in str(info.value) and time.monotonic() - started < 2
