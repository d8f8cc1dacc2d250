"""ssomanage console parser, on the real transcripts of tests/data/ssomanage (see its README)."""

from __future__ import annotations

from pathlib import Path

from ssocheck.parsers.ssomanage import parse_displaydb, parse_error

DATA = Path(__file__).parent.parent / "data" / "ssomanage"


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_displaydb_labels() -> None:
    out = parse_displaydb(read("displaydb-constructed.txt"))
    assert out.error is None
    assert out.using_server == "BTSNODE1"
    assert (out.sql_server, out.database) == ("SQL01", "SSODB")
    assert out.secret_server == "BIZTALKCLUSTER"
    assert out.admin_group == "CORP\\SSO Administrators"
    assert out.affiliate_group == "CORP\\SSO Affiliate Administrators"
    assert out.values["Ticket timeout (in minutes)"] == "2"


def test_labels_tolerate_spacing_case_and_sso_abbreviation() -> None:
    text = ("Using SSO server:NODE1\r\n  sql   server :  SQL01\\INST1 \r\nSSO Database: SSODB\r\n"
            "SSO  Secret Server name   :BIZTALKCLUSTER\r\nSSO Administrators account : CORP\\A;CORP\\B\r\n")
    out = parse_displaydb(text)
    assert out.error is None
    assert (out.using_server, out.sql_server, out.database) == ("NODE1", "SQL01\\INST1", "SSODB")
    assert out.secret_server == "BIZTALKCLUSTER"
    assert out.admin_group == "CORP\\A;CORP\\B"
    # "Affiliate Administrators" must not be read as "Administrators".
    assert out.affiliate_group is None


def test_affiliate_line_does_not_fill_admin_group() -> None:
    out = parse_displaydb("SQL Server : S\nSingle Sign-On Affiliate Administrators account : CORP\\Aff\n")
    assert out.admin_group is None and out.affiliate_group == "CORP\\Aff"


def test_real_updatedb_transcript_no_sso_server() -> None:
    out = parse_displaydb(read("updatedb-no-sso-server.txt"), exit_code=1)
    assert out.using_server == "XXXXXX"
    assert out.error_code == "0xC0002A0F"
    assert out.error is not None
    assert out.error.startswith("ERROR: 0xC0002A0F : Could not contact the SSO server 'XXXXXX'.")
    assert out.error.endswith("(RPC: 0x800706D9: There are no more endpoints available from the endpoint mapper.)")
    assert out.secret_server is None and out.admin_group is None
    assert "ssomanage -updatedb" not in out.error  # the echoed prompt line is not part of the error


def test_real_wrapped_transcript_is_unwrapped() -> None:
    text = read("backupsecret-no-endpoints-wrapped.txt")
    assert "Check that\nSSO is configured" in text  # the fixture keeps the console's hard wraps
    parsed = parse_error(text)
    assert parsed is not None
    message, code = parsed
    assert code == "0xC0002A0F"
    assert message == (
        "ERROR: 0xC0002A0F : Could not contact the SSO server 'sso-cluster'. Check that SSO is configured and "
        "that the SSO service is running on that server. (RPC: 0x800706D9: There are no more endpoints "
        "available from the endpoint mapper.)"
    )
    out = parse_displaydb(text, exit_code=0)
    # "Password : *******" and friends are not database labels.
    assert out.error == message and out.admin_group is None and out.sql_server is None


def test_not_admin_error() -> None:
    out = parse_displaydb(read("not-admin.txt"), exit_code=0)
    assert out.error_code == "0xC0002A13"
    assert out.error == "ERROR: 0xC0002A13 : This function can only be performed by a local administrator."
    assert out.using_server == "XXXXXX"


def test_nonzero_exit_without_error_line_and_empty_output() -> None:
    out = parse_displaydb("Something went wrong\r\n", exit_code=5)
    assert out.error == "ssomanage exited with code 5: Something went wrong"
    empty = parse_displaydb("", exit_code=0)
    assert empty.unrecognised and empty.error == "unrecognised ssomanage output: no SSO database information"
    # Only the "Using SSO server" line is not database information either.
    assert parse_displaydb("Using SSO server : X\r\n").error is not None


# --------------------------------------------------------------------------- robustness (review probe.md D5)


def test_bom_and_every_line_end_style() -> None:
    text = read("displaydb-constructed.txt").replace("\r\n", "\n")
    crlf = text.replace("\n", "\r\n")
    for variant in ("\ufeff" + text, crlf, text.replace("\n", "\r"), "\ufeff" + crlf):
        out = parse_displaydb(variant)
        assert out.error is None and not out.unrecognised
        assert (out.using_server, out.secret_server) == ("BTSNODE1", "BIZTALKCLUSTER")


def test_hresult_is_recognised_wherever_it_stands() -> None:
    # A localised error label ("FEHLER") still gives the ENTSSO code, even after an RPC code on the same line.
    text = ("\ufeffUsing SSO server : NODE1\r\nFEHLER: (RPC: 0x800706D9) 0xC0002A0F : Der SSO-Server 'NODE1'\r\n"
            "ist nicht erreichbar.\r\n")
    out = parse_displaydb(text, exit_code=1)
    assert out.error_code == "0xC0002A0F"
    assert out.error == "FEHLER: (RPC: 0x800706D9) 0xC0002A0F : Der SSO-Server 'NODE1' ist nicht erreichbar."
    assert not out.unrecognised


def test_localised_layout_is_unrecognised_not_empty() -> None:
    text = ("Verwendeter SSO-Server : NODE1\r\nSQL-Server : SQL01\r\nSSO-Datenbank : SSODB\r\n"
            "Name des geheimen SSO-Servers : BIZTALKCLUSTER\r\nSSO-Administratorkonto : CORP\\SSO Admins\r\n")
    out = parse_displaydb(text, exit_code=0)
    assert out.unrecognised and out.error is not None and out.error.startswith("unrecognised ssomanage output")
    assert out.secret_server is None and out.missing == ("secret_server", "admin_group")


def test_documented_local_header() -> None:
    text = "Using SSO server on this computer.\r\n\r\n" + read("displaydb-constructed.txt").split("\n", 1)[1]
    out = parse_displaydb(text)
    assert out.error is None and out.using_server == "(this computer)"
