"""Inventory parsing: strict, with errors naming the file and the field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssocheck.errors import CredentialError, InventoryError
from ssocheck.inventory import load_inventory, parse_inventory
from ssocheck.model import Phase


def base() -> dict[str, Any]:
    return {
        "group": "BizTalkGroup",
        "cluster_network_name": "BIZTALKCLUSTER",
        "master_secret_server": "BTSNODE1",
        "phase": "post",
        "sso": {"service_account": "CORP\\svc_sso", "database": {"server": "SQL01", "name": "SSODB"}},
        "domain": {"netbios": "CORP", "dns": "corp.example.com"},
        "connection": {"username": "CORP\\checker", "password_env": "SSOCHECK_TEST_PW", "scheme": "https"},
        "nodes": [
            {"name": "BTSNODE1", "roles": ["biztalk"]},
            {"name": "NODE1", "roles": ["sso-cluster"], "address": "node1.corp.example.com", "port": 15986},
        ],
    }


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "inv.yml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_valid_inventory(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, base()))
    assert inv.expect.cluster_network_name == "BIZTALKCLUSTER"
    assert inv.phase is Phase.POST
    assert inv.connection.effective_port == 5986
    assert inv.node("node1").port == 15986
    assert inv.node("BTSNODE1").address == "BTSNODE1"


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d.pop("group"), "group", "required"),
        (lambda d: d["sso"].pop("service_account"), "sso.service_account", "required"),
        (lambda d: d["connection"].update(password="hunter2"), "connection.password", "never"),
        (lambda d: d["connection"].update(transport="telnet"), "connection.transport", "one of"),
        (lambda d: d["connection"].update(port="x"), "connection.port", "must be a int"),
        (lambda d: d["nodes"][1].update(roles=["web"]), "nodes[1].roles", "unknown role"),
        (lambda d: d["nodes"].append({"name": "node1", "roles": ["sql"]}), "nodes[2].name", "duplicate"),
        (lambda d: d.update(colour="blue"), "colour", "unknown key"),
        (lambda d: d.update(phase="during"), "phase", "pre, post or nightly"),
        (lambda d: d["connection"].update(transport="basic", scheme="http"), "connection.transport", "clear text"),
        (lambda d: d.update(nodes=[{"name": "B", "roles": "biztalk"}]), "nodes", "sso-cluster"),
        (lambda d: d["sso"].update(restore_operator="opadmin"), "sso.restore_operator", "not a domain account"),
        (lambda d: d["sso"].update(restore_operator=["CORP\\opadmin"]), "sso.restore_operator", "must be a str"),
    ],
)
def test_bad_inventory_names_file_and_field(tmp_path: Path, mutate: Any, field: str, words: str) -> None:
    doc = base()
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    message = str(info.value)
    assert str(path) in message
    assert field in message
    assert words in message
    assert "hunter2" not in message


def test_restore_operator_is_optional_and_reaches_the_probe(tmp_path: Path) -> None:
    assert load_inventory(write(tmp_path, base())).expect.restore_operator is None
    assert load_inventory(write(tmp_path, base())).expect.probe_params()["restore_operator"] == ""
    for given in ("CORP\\opadmin", " opadmin@corp.example.com "):
        doc = base()
        doc["sso"]["restore_operator"] = given
        expect = load_inventory(write(tmp_path, doc)).expect
        assert expect.restore_operator == given.strip()
        assert expect.probe_params()["restore_operator"] == given.strip()
        assert expect.to_dict()["restore_operator"] == given.strip()


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("group: [unclosed\n", encoding="utf-8")
    with pytest.raises(InventoryError, match="not valid YAML"):
        load_inventory(bad)
    with pytest.raises(InventoryError, match="cannot read"):
        load_inventory(tmp_path / "missing.yml")


def test_password_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inv = load_inventory(write(tmp_path, base()))
    monkeypatch.setenv("SSOCHECK_TEST_PW", "s3cret-Value")
    secret = inv.password()
    assert secret.reveal() == "s3cret-Value"
    assert "s3cret" not in repr(secret) and "s3cret" not in f"{secret}"
    monkeypatch.delenv("SSOCHECK_TEST_PW")
    with pytest.raises(CredentialError, match="SSOCHECK_TEST_PW"):
        inv.password()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_password_file_must_be_private(tmp_path: Path) -> None:
    doc = base()
    doc["connection"] = {"username": "u", "password_file": "pw.txt"}
    inv = load_inventory(write(tmp_path, doc))
    pw = tmp_path / "pw.txt"
    pw.write_text("file-Secret\n", encoding="utf-8")
    pw.chmod(0o644)
    with pytest.raises(CredentialError, match="chmod 600"):
        inv.password()
    pw.chmod(0o600)
    assert inv.password().reveal() == "file-Secret"


def test_no_password_source_and_no_tty(tmp_path: Path) -> None:
    doc = base()
    doc["connection"] = {"username": "u"}
    inv = parse_inventory(doc, tmp_path / "x.yml")
    assert inv.password(prompt=lambda _: "typed-Secret").reveal() == "typed-Secret"
    with pytest.raises(CredentialError, match="no terminal"):
        inv.password()


def test_basic_over_http_only_when_allowed_and_then_warned(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from ssocheck.lab.farm import LabFarm
    from ssocheck.secrets import Secret
    from ssocheck.transport.winrm import run_script

    doc = base()
    doc["connection"] = {"username": "LAB\\ssocheck", "transport": "basic", "scheme": "http"}
    with pytest.raises(InventoryError, match="clear text"):
        parse_inventory(doc, tmp_path / "x.yml")
    doc["connection"]["allow_basic_over_http"] = True
    inv = parse_inventory(doc, tmp_path / "x.yml")
    with LabFarm("healthy-post", workdir=tmp_path / "farm", auth=("ntlm", "basic")) as farm:
        node = inv.nodes[0].__class__("BTSNODE1", ("biztalk",), "127.0.0.1", farm.port("BTSNODE1"))
        with caplog.at_level("WARNING"):
            result = run_script(inv.connection, node, Secret(farm.password), "hostname")
    assert "BTSNODE1" in result.stdout
    assert "clear text" in caplog.text
