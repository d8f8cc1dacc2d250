"""Kerberos/CredSSP inventory options, principal mapping, cause lines and the lab's identity rule (no KDC needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ssocheck.errors import InventoryError
from ssocheck.inventory import Inventory, parse_inventory
from ssocheck.kerberos_config import map_principal
from ssocheck.lab.gssauth import ticket_service
from ssocheck.lab.session import identity_for
from ssocheck.transport import kerberos as k
from ssocheck.transport.winrm import service_principal


def inv(connection: dict[str, Any], node: dict[str, Any] | None = None, domain: bool = True) -> Inventory:
    doc: dict[str, Any] = {
        "group": "G", "cluster_network_name": "BIZTALKCLUSTER", "master_secret_server": "BTSNODE1",
        "sso": {"service_account": "CORP\\svc_sso", "database": {"server": "SQL01"}},
        "connection": {"password_env": "PW", **connection},
        "nodes": [{"name": "NODE1", "roles": ["sso-cluster"], **(node or {})}],
    }
    if domain:
        doc["domain"] = {"netbios": "CORP", "dns": "corp.example.com"}
    return parse_inventory(doc, Path("/tmp/inventory.yml"))


def refused(connection: dict[str, Any], field: str, text: str, **kw: Any) -> None:
    with pytest.raises(InventoryError) as err:
        inv(connection, **kw)
    assert f"connection.{field}" in str(err.value) or f"nodes[0].{field}" in str(err.value)
    assert text in str(err.value)


@pytest.mark.parametrize(("username", "realm", "netbios", "principal"), [
    ("CORP\\ssocheck", "CORP.EXAMPLE.COM", "CORP", "ssocheck@CORP.EXAMPLE.COM"),
    ("corp\\ssocheck", "CORP.EXAMPLE.COM", "CORP", "ssocheck@CORP.EXAMPLE.COM"),
    ("ssocheck@corp.example.com", None, None, "ssocheck@CORP.EXAMPLE.COM"),
    ("ssocheck", "CORP.EXAMPLE.COM", None, "ssocheck@CORP.EXAMPLE.COM"),
])
def test_map_principal(username: str, realm: str | None, netbios: str | None, principal: str) -> None:
    assert map_principal(username, realm, netbios) == (principal, None)


@pytest.mark.parametrize(("username", "realm", "netbios", "problem"), [
    ("OTHER\\ssocheck", "CORP.EXAMPLE.COM", "CORP", "is not the inventory's domain.netbios"),
    (".\\ssocheck", "CORP.EXAMPLE.COM", "CORP", "Kerberos needs a domain account"),
    ("CORP\\ssocheck", None, None, "Kerberos needs user@REALM"),
    ("ssocheck", None, None, "set domain.dns or connection.realm"),
])
def test_map_principal_problems(username: str, realm: str | None, netbios: str | None, problem: str) -> None:
    principal, text = map_principal(username, realm, netbios)
    assert principal is None and text is not None and problem in text


def test_kerberos_inventory_options() -> None:
    i = inv({"transport": "kerberos", "username": "CORP\\ssocheck", "delegation": True},
            {"address": "10.0.0.21", "spn_host": "node1.corp.example.com"})
    conn, node = i.connection, i.nodes[0]
    assert (conn.principal, conn.delegation) == ("ssocheck@CORP.EXAMPLE.COM", True)
    assert node.spn_host == "node1.corp.example.com"
    assert service_principal(conn, node) == "HTTP/node1.corp.example.com"
    # realm: overrides domain.dns; principal: given outright (then username may be left out)
    c = inv({"transport": "kerberos", "username": "CORP\\x", "realm": "ad.corp.test"}).connection
    assert c.principal == "x@AD.CORP.TEST"
    c = inv({"transport": "kerberos", "principal": "svc@corp.example.com"}, domain=False).connection
    assert (c.principal, c.username) == ("svc@CORP.EXAMPLE.COM", "svc@corp.example.com")
    # keytab / credential cache: no password needed, relative paths resolved beside the inventory
    c = inv({"transport": "kerberos", "username": "CORP\\x", "keytab": "x.keytab", "password_env": None}).connection
    assert c.keytab == Path("/tmp/x.keytab") and not c.needs_password
    c = inv({"transport": "kerberos", "username": "CORP\\x", "credential_cache": "cc", "password_env": None}).connection
    assert c.credential_cache == "FILE:/tmp/cc"
    # credssp: Kerberos inside by default, principal mapped the same way; NTLM inside only when asked
    c = inv({"transport": "credssp", "username": "CORP\\x"}).connection
    assert (c.credssp_auth, c.principal) == ("kerberos", "x@CORP.EXAMPLE.COM")
    assert inv({"transport": "credssp", "username": "CORP\\x", "credssp_auth": "ntlm"}).connection.principal is None


@pytest.mark.parametrize(("connection", "node", "field", "text"), [
    ({"transport": "ntlm", "username": "CORP\\x", "keytab": "k"}, None, "keytab", "only applies to transport kerberos"),
    ({"transport": "credssp", "username": "CORP\\x", "delegation": True}, None, "delegation",
     "CredSSP always delegates"),
    ({"transport": "kerberos", "username": "CORP\\x", "credssp_auth": "ntlm"}, None, "credssp_auth",
     "only applies to transport credssp"),
    ({"transport": "credssp", "username": "CORP\\x", "credssp_auth": "auto"}, None, "credssp_auth",
     "must be one of kerberos, ntlm"),
    ({"transport": "ntlm", "username": "CORP\\x", "principal": "x@Y"}, None, "principal",
     "only applies to transports kerberos and credssp"),
    ({"transport": "kerberos", "principal": "no-realm"}, None, "principal", "is not user@REALM"),
    ({"transport": "kerberos", "username": "CORP\\x", "realm": "bad realm"}, None, "realm", "is not a realm name"),
    ({"transport": "kerberos", "username": "OTHER\\x"}, None, "username", "is not the inventory's domain.netbios"),
    ({"transport": "kerberos", "username": "CORP\\x", "keytab": "k", "credential_cache": "c", "password_env": None},
     None, "keytab", "either credential_cache or keytab"),
    ({"transport": "kerberos", "username": "CORP\\x", "keytab": "k"}, None, "keytab", "give one credential source"),
    ({"transport": "credssp", "username": "CORP\\x"}, {"spn_host": "n1.corp.example.com"}, "spn_host",
     "put the host name in address"),
    ({"transport": "ntlm", "username": "CORP\\x"}, {"spn_host": "n1"}, "spn_host",
     "only applies to transport kerberos"),
    ({"transport": "kerberos", "username": "CORP\\x"}, {"spn_host": "http://n1"}, "spn_host", "is not a host name"),
])
def test_kerberos_inventory_errors(connection: dict[str, Any], node: dict[str, Any] | None, field: str,
                                   text: str) -> None:
    refused(connection, field, text, node=node)


def test_password_is_not_asked_for_a_keytab() -> None:
    i = inv({"transport": "kerberos", "username": "CORP\\x", "keytab": "x.keytab", "password_env": None})
    assert i.password(prompt=lambda _: pytest.fail("prompted")).reveal() == ""


@pytest.mark.parametrize(("text", "cause"), [
    ("Server HTTP/n@R not found in Kerberos database (-1765328377)", "unknown SPN"),
    ("Client not found in Kerberos database (-1765328378)", "wrong realm or user"),
    ("Cannot find KDC for realm \"X\" (-1765328230)", "wrong realm"),
    ("Cannot contact any KDC for realm 'R' (-1765328228)", "KDC unreachable"),
    ("Clock skew too great (-1765328347)", "clock skew"),
    ("Ticket expired (-1765328352)", "ticket expired"),
    ("Can't find client principal x@R in cache collection (-1765328243)", "no ticket"),
    ("Preauthentication failed (-1765328360)", "wrong password"),
    ("Decrypt integrity check failed -1765328353", "wrong password"),
])
def test_kerberos_cause(text: str, cause: str) -> None:
    line = k.kerberos_cause(text, "x@R", "HTTP/n")
    assert line is not None and cause in line
    assert "\n" not in line


def test_unrelated_errors_have_no_kerberos_cause() -> None:
    assert k.kerberos_cause("connection refused", "x@R") is None


def test_identity_rule() -> None:
    assert identity_for("CORP\\x", "ntlm", can_delegate=True).can_delegate is False
    assert identity_for("x", "basic").can_delegate is False
    assert identity_for("x@R", "kerberos").can_delegate is False
    assert identity_for("x@R", "kerberos", can_delegate=True).can_delegate is True
    assert identity_for("x@R", "credssp").can_delegate is True


def test_ticket_service_ignores_non_kerberos_tokens() -> None:
    assert ticket_service(b"NTLMSSP\x00\x01\x00\x00\x00") is None
    assert ticket_service(b"") is None
    # a krb5 marker followed by garbage is not a ticket (and does not raise)
    assert ticket_service(bytes.fromhex("06092a864886f712010202") + b"\x01\x00\x6e\x05\x30\x03") is None


@pytest.mark.parametrize("name", ["kerberos.yml", "credssp.yml"])
def test_example_inventories_are_valid(name: str) -> None:
    from ssocheck.inventory import load_inventory

    path = Path(__file__).resolve().parents[2] / "examples" / "inventory" / name
    i = load_inventory(path)
    assert i.connection.transport == name.split(".")[0]
    assert i.connection.principal == "ssocheck@CORP.EXAMPLE.COM"


def test_missing_kdc_names_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from ssocheck.lab import kdc

    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    reason = kdc.missing_kdc()
    assert reason is not None and "krb5kdc" in reason and "apt-get install krb5-kdc krb5-admin-server" in reason
