"""Every Kerberos/CredSSP failure an operator meets ends in one line naming its cause, against the real KDC.

Client-side causes come from the MIT library talking to the test KDC (no ticket, expired ticket, unknown SPN,
wrong realm, KDC unreachable, clock skew with a KDC whose clock runs an hour ahead, wrong password); server-side
ones from the farm answering as Windows does (a ticket for another node's SPN, a node clock off by more than
five minutes). CredSSP never falls back to NTLM when Kerberos inside it fails.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ssocheck.lab.kdc import UNREACHABLE_REALM, LabKdc, faketime_library
from ssocheck.transport.kerberos import forget_tickets
from tests.kerberos.test_transports_e2e import farm_for, inventory, set_node
from tests.support.kerberos import REALM, USER, Realm
from tests.support.lab import run_cli

pytestmark = pytest.mark.e2e


def doctor(inv: Path) -> tuple[int, str]:
    forget_tickets()  # each case authenticates afresh, as a new ssocheck process would
    code, out, err = run_cli(["doctor", "-i", inv])
    return code, out + err


@pytest.fixture
def http_farm(realm: Realm, tmp_path: Path):  # type: ignore[no-untyped-def]
    with farm_for(realm, "http", tmp_path) as farm:
        yield farm


def test_no_ticket_in_the_given_cache(http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(http_farm, tmp_path, "kerberos", credential_cache=str(tmp_path / "no-such-cache"),
                    password_file=None)
    code, out = doctor(inv)
    assert code == 3
    assert f"no ticket: no Kerberos ticket for {USER}@{REALM}" in out


def test_expired_ticket(realm: Realm, http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "short-ccache"
    realm.kdc.kinit(USER, realm.password, cache, lifetime="1s")
    time.sleep(1.2)
    inv = inventory(http_farm, tmp_path, "kerberos", credential_cache=str(cache), password_file=None)
    code, out = doctor(inv)
    assert code == 3
    assert f"ticket expired: the Kerberos ticket of {USER}@{REALM}" in out


def test_unknown_spn(http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(http_farm, tmp_path, "kerberos")
    set_node(inv, "NODE1", spn_host="nosuchnode.corp.example.com")
    code, out = doctor(inv)
    assert code == 3
    assert "unknown SPN: the KDC has no service principal HTTP/nosuchnode.corp.example.com" in out
    assert out.count("unknown SPN") == 1  # only NODE1; the others answered


def test_wrong_realm(http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(http_farm, tmp_path, "kerberos", principal=f"{USER}@WRONG.EXAMPLE.COM")
    code, out = doctor(inv)
    assert code == 3
    assert "wrong realm: no KDC is known for realm WRONG.EXAMPLE.COM" in out


def test_unknown_user(http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(http_farm, tmp_path, "kerberos", principal=f"nobody@{REALM}")
    code, out = doctor(inv)
    assert code == 3
    assert f"wrong realm or user: the KDC of {REALM} does not know nobody@{REALM}" in out


def test_kdc_unreachable(http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(http_farm, tmp_path, "kerberos", principal=f"{USER}@{UNREACHABLE_REALM}")
    code, out = doctor(inv)
    assert code == 3
    assert f"KDC unreachable: no KDC of realm {UNREACHABLE_REALM} answered" in out


def test_wrong_password(http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(http_farm, tmp_path, "kerberos")
    pw = inv.with_name("inventory.password")
    pw.write_text("not-the-password\n", encoding="utf-8")
    code, out = doctor(inv)
    assert code == 3
    assert f"the KDC refused the password of {USER}@{REALM} (wrong password)" in out


def test_clock_skew_with_the_kdc(realm: Realm, http_farm, tmp_path: Path,  # type: ignore[no-untyped-def]
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if faketime_library() is None:
        pytest.skip("libfaketime not installed (apt-get install libfaketime): no KDC with a shifted clock")
    with LabKdc(tmp_path / "skewed-kdc", REALM, {USER: realm.password}, clock_offset="+1h") as skewed:
        monkeypatch.setenv("KRB5_CONFIG", str(skewed.krb5_conf))  # this process now asks the skewed KDC
        code, out = doctor(inventory(http_farm, tmp_path, "kerberos"))
    assert code == 3
    assert "clock skew: this machine's clock and the KDC's differ by more than Kerberos allows" in out


def test_ticket_for_another_nodes_spn_is_refused_by_the_node(http_farm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inv = inventory(http_farm, tmp_path, "kerberos")
    set_node(inv, "NODE1", spn_host=http_farm.spn_host("NODE2"))  # a real SPN, of the wrong computer
    code, out = doctor(inv)
    assert code == 3
    assert f"the node refused the Kerberos ticket for HTTP/{http_farm.spn_host('NODE2')}" in out
    assert "wrong principal" in out
    assert not http_farm.identities("NODE1")  # NODE1 ran nothing
    assert http_farm.identities("NODE2")


def test_node_clock_off_by_more_than_five_minutes_refuses_kerberos(realm: Realm, tmp_path: Path) -> None:
    skewed = {"nodes": {"NODE2": {"clock_offset_s": 900}}}
    with farm_for(realm, "https", tmp_path, skewed) as farm:
        code, out = doctor(inventory(farm, tmp_path, "kerberos"))
        assert code == 3
        assert "the node refused the Kerberos ticket" in out and "clock" in out
        assert not farm.identities("NODE2")
        assert farm.identities("NODE1")


def test_credssp_never_falls_back_to_ntlm(realm: Realm, tmp_path: Path) -> None:
    # The KDC has no HTTP/localhost: Kerberos inside CredSSP fails. With pywinrm's default ("auto") CredSSP would
    # quietly authenticate with NTLM instead (the farm knows CORP\\ssocheck); ssocheck must not.
    with farm_for(realm, "https", tmp_path) as farm:
        inv = inventory(farm, tmp_path, "credssp")
        for node in farm.state.nodes:
            set_node(inv, node, address="localhost")
        code, out = doctor(inv)
        assert code == 3
        assert "unknown SPN: the KDC has no service principal HTTP/localhost" in out
        assert not any(farm.identities(n) for n in farm.state.nodes)
        # NTLM inside CredSSP is an explicit choice, and then it works.
        explicit = inventory(farm, tmp_path, "credssp", name="ntlm-inside.yml", credssp_auth="ntlm",
                             username=f"CORP\\{USER}")
        for node in farm.state.nodes:
            set_node(explicit, node, address="localhost")
        code, out = doctor(explicit)
        assert code == 0, out
        assert all(i.mechanism == "credssp" and i.can_delegate for i in farm.identities("NODE1"))


def test_missing_kerberos_support_says_what_to_install(http_farm, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import winrm.transport

    monkeypatch.setattr(winrm.transport, "HAVE_KERBEROS", False)
    code, out = doctor(inventory(http_farm, tmp_path, "kerberos"))
    assert code == 3
    assert "transport kerberos needs pywinrm's Kerberos support: pip install 'ssocheck[kerberos]'" in out
