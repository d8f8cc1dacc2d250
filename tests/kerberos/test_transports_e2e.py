"""ssocheck over every WinRM transport, end to end: pywinrm -> loopback farm -> a real MIT KDC; nothing mocked.

Per transport the healthy-post scenario runs to exit 0 (NTLM+encryption over HTTP, NTLM over HTTPS, Kerberos+
encryption over HTTP, Kerberos over HTTPS, CredSSP over HTTPS, Basic over HTTPS), and the farm records which
mechanism every command really authenticated with, so a silent fallback to NTLM cannot pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssocheck.check import Context
from ssocheck.collect import gather
from ssocheck.inventory import load_inventory
from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import SCENARIO_DIR, build_farm, deep_merge, resolve_document
from ssocheck.model import Phase, Status
from ssocheck.registry import select
from ssocheck.transport.kerberos import forget_tickets
from tests.support.kerberos import REALM, USER, Realm
from tests.support.lab import run_cli

pytestmark = pytest.mark.e2e

PRINCIPAL = f"{USER}@{REALM}"
AUTH = ("ntlm", "kerberos", "credssp", "basic")


@contextmanager
def farm_for(
    realm: Realm | None, scheme: str, tmp_path: Path, overlay: Mapping[str, Any] | None = None,
    scenario: str = "healthy-post",
) -> Iterator[LabFarm]:
    """A farm speaking every mechanism; with ``realm`` its account is CORP\\ssocheck with the KDC password."""
    doc = resolve_document(scenario)
    if overlay:
        doc = deep_merge(doc, dict(overlay))
    kwargs: dict[str, Any] = {}
    auth: tuple[str, ...] = ("ntlm", "basic")
    if realm is not None:
        kwargs = {"username": f"CORP\\{USER}", "password": realm.password}
        auth = AUTH
    with LabFarm(build_farm(doc, scenario), scheme=scheme, auth=auth, workdir=tmp_path / "farm", **kwargs) as farm:  # type: ignore[arg-type]
        yield farm


def inventory(farm: LabFarm, tmp_path: Path, transport: str, name: str = "inventory.yml",
              **connection: Any) -> Path:
    """The farm's inventory for ``transport`` with ``connection`` keys changed (None removes a key)."""
    path = farm.write_inventory(tmp_path / name, transport=transport)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in connection.items():
        if value is None:
            doc["connection"].pop(key, None)
        else:
            doc["connection"][key] = value
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def set_node(path: Path, node: str, **keys: Any) -> None:
    """Change one node entry of an inventory file."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(n for n in doc["nodes"] if n["name"] == node)
    entry.update(keys)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def run_post(inv: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    code, out, err = run_cli(["run", "-i", inv, "--phase", "post", "--output-dir", tmp_path / "reports", *extra])
    return code, out + err


# -- the six transports, healthy-post to exit 0 ---------------------------------------------------------------


@pytest.mark.parametrize(("scheme", "transport"), [("http", "ntlm"), ("https", "ntlm"), ("https", "basic")])
def test_ntlm_and_basic_run_healthy_post(scheme: str, transport: str, tmp_path: Path) -> None:
    with farm_for(None, scheme, tmp_path) as farm:
        code, out = run_post(inventory(farm, tmp_path, transport), tmp_path)
        assert code == 0, out
        assert "PASSED" in out
        for node in farm.state.nodes:
            ids = farm.identities(node)
            assert ids and all(i.mechanism == transport and not i.can_delegate for i in ids), ids


@pytest.mark.parametrize(("scheme", "transport"), [
    ("http", "kerberos"), ("https", "kerberos"), ("https", "credssp"),
    ("http", "credssp"),  # CredSSP's own sealing; the 28 KB probe goes as multipart/x-multi-encrypted
])
def test_kerberos_and_credssp_run_healthy_post(realm: Realm, scheme: str, transport: str, tmp_path: Path) -> None:
    forget_tickets()
    with farm_for(realm, scheme, tmp_path) as farm:
        inv = inventory(farm, tmp_path, transport)
        text = inv.read_text(encoding="utf-8")
        assert "CORP\\ssocheck" in text and "principal" not in text  # mapped from DOMAIN\user + domain.dns
        code, out = run_post(inv, tmp_path)
        assert code == 0, out
        assert "PASSED" in out
        for node in farm.state.nodes:
            ids = farm.identities(node)
            assert ids, f"{node} ran no command"
            for ident in ids:
                assert ident.mechanism == transport
                assert ident.principal.lower() in (PRINCIPAL.lower(), f"corp\\{USER}", PRINCIPAL.lower())
                # CredSSP hands the node the password; Kerberos without a forwarded ticket cannot delegate.
                assert ident.can_delegate is (transport == "credssp")


def test_collect_and_doctor_over_kerberos(realm: Realm, tmp_path: Path) -> None:
    forget_tickets()
    with farm_for(realm, "http", tmp_path) as farm:
        inv = inventory(farm, tmp_path, "kerberos")
        code, out, err = run_cli(["collect", "-i", inv, "-o", tmp_path / "facts.json"])
        assert code == 0, out + err
        code, out, err = run_cli(["doctor", "-i", inv])
        assert code == 0, out + err
        assert f"Transport: kerberos over HTTP as {PRINCIPAL} (ticket from the password, in a private cache)" in out
        assert "credentials delegated: no" in out
        # --debug never shows a Kerberos token (an AP-REQ starts "YII" in base64) nor the password.
        code, dbg_out, dbg_err = run_cli(["--debug", "doctor", "-i", inv])
        assert code == 0 and "Negotiate YII" not in dbg_out + dbg_err and realm.password not in dbg_out + dbg_err
        # The node reports the logon as Windows names it: CORP\ssocheck, on every node.
        rows = [line for line in out.splitlines() if line.startswith(("BTSNODE", "NODE"))]
        assert len(rows) == 4 and all("CORP\\ssocheck" in line for line in rows), out


def test_collect_and_doctor_over_credssp(realm: Realm, tmp_path: Path) -> None:
    with farm_for(realm, "https", tmp_path) as farm:
        inv = inventory(farm, tmp_path, "credssp")
        code, out, err = run_cli(["collect", "-i", inv, "-o", tmp_path / "facts.json"])
        assert code == 0, out + err
        code, out, err = run_cli(["doctor", "-i", inv])
        assert code == 0, out + err
        assert f"Transport: credssp over HTTPS as {PRINCIPAL} (kerberos inside CredSSP)" in out
        assert "credentials delegated: yes" in out


# -- credential sources: password (no kinit, user's cache untouched), existing cache, keytab -------------------


def test_password_ticket_leaves_the_users_cache_alone(
    realm: Realm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forget_tickets()
    user_cache = tmp_path / "user-ccache"
    realm.kdc.kinit(USER, realm.password, user_cache)
    before = user_cache.read_bytes()
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{user_cache}")
    with farm_for(realm, "https", tmp_path) as farm:
        code, out = run_post(inventory(farm, tmp_path, "kerberos"), tmp_path)
    assert code == 0, out
    assert user_cache.read_bytes() == before  # no service ticket was added to the user's own cache


def test_existing_credential_cache_is_used_and_only_read(realm: Realm, tmp_path: Path) -> None:
    forget_tickets()
    cache = tmp_path / "kinit-ccache"
    realm.kdc.kinit(USER, realm.password, cache)
    before = cache.read_bytes()
    with farm_for(realm, "http", tmp_path) as farm:
        inv = inventory(farm, tmp_path, "kerberos", credential_cache=str(cache), password_file=None)
        code, out = run_post(inv, tmp_path)
        assert code == 0, out
        code, out, _ = run_cli(["doctor", "-i", inv])
        assert f"ticket copied from FILE:{cache}" in out
    assert cache.read_bytes() == before


def test_client_keytab(realm: Realm, tmp_path: Path) -> None:
    forget_tickets()
    keytab = realm.kdc.export_keytab(tmp_path / "ssocheck.keytab", [USER])
    with farm_for(realm, "https", tmp_path) as farm:
        inv = inventory(farm, tmp_path, "kerberos", keytab=str(keytab), password_file=None)
        code, out = run_post(inv, tmp_path)
    assert code == 0, out


# -- delegation ----------------------------------------------------------------------------------------------


def test_forwarded_ticket_delegates_only_on_a_node_trusted_for_delegation(realm: Realm, tmp_path: Path) -> None:
    forget_tickets()
    trusted = {"nodes": {"BTSNODE1": {"trusted_for_delegation": True}}}
    with farm_for(realm, "http", tmp_path, trusted) as farm:
        code, out = run_post(inventory(farm, tmp_path, "kerberos", delegation=True), tmp_path)
        assert code == 0, out
        assert all(i.can_delegate for i in farm.identities("BTSNODE1"))
        assert not any(i.can_delegate for n in ("BTSNODE2", "NODE1", "NODE2") for i in farm.identities(n))
        # Without delegation: true no ticket is forwarded, so even the trusted node gets no second hop.
        forget_tickets()
        code, out = run_post(inventory(farm, tmp_path, "kerberos", name="nodeleg.yml"), tmp_path)
        assert code == 0, out
        assert not farm.identities("BTSNODE1")[-1].can_delegate


def test_bts001_passes_over_credssp(realm: Realm, tmp_path: Path) -> None:
    biztalk = yaml.safe_load((SCENARIO_DIR / "_biztalk.yaml").read_text(encoding="utf-8"))
    doc = deep_merge(biztalk, resolve_document("healthy-post"))
    with LabFarm(build_farm(doc, "healthy-post"), scheme="https", auth=AUTH, workdir=tmp_path / "farm",
                 username=f"CORP\\{USER}", password=realm.password) as farm:
        inv = load_inventory(inventory(farm, tmp_path, "credssp"))
        from tests.porttest.test_porttest_e2e import all_checks

        checks = select(all_checks(), ["BTS001"])
        snapshot, _ = gather(inv, [lc.check for lc in checks], inv.password(), allow_changes=True)
        from ssocheck.runner import evaluate

        report = evaluate(checks, snapshot, Context(Phase.POST, inv.expect, allow_changes=True))
        bts = {r.node: r for r in report.results if r.check_id == "BTS001"}
        assert set(bts) >= {"BTSNODE1", "BTSNODE2"}
        assert all(r.status == Status.PASS for r in bts.values()), [(r.node, r.status, r.message) for r in bts.values()]
        assert all(i.mechanism == "credssp" and i.can_delegate for i in farm.identities("BTSNODE1"))
