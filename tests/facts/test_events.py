"""ENTSSO events: the catalogue, field extraction (strings and wrapped real samples), HRESULTs, the facts, the lab."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ssocheck import sso_events
from ssocheck.facts.base import FactParseError
from ssocheck.facts.events import (
    SECRET_FAILURE_HRESULTS,
    SsoEvent,
    SsoEvents,
    event_id_of,
    find_hresult,
    hresult_meaning,
    latest,
    newer_than,
    to_hresult,
)
from ssocheck.facts.secret import SecretKeys
from ssocheck.lab.emulation import EmulationError
from ssocheck.lab.emulation.secret import sso_events as emulate_events
from ssocheck.lab.emulation.secret import sso_secret_keys as emulate_keys
from ssocheck.lab.state import Event, NodeState, Registry, build_farm

DATA = Path(__file__).resolve().parent.parent / "data" / "events"
MSID = "3f1e8a52-6c2d-4b9e-9a71-0d5c2e8b4f13"
PREVIOUS = "a7c04d19-28e3-4f6b-b5d2-7e9f1a3c6b80"


def description(sample: str) -> list[tuple[int, str]]:
    """(event ID, description text) of each event in an Event Viewer copy as the blogs quote them."""
    out = []
    for chunk in re.split(r"\n\u2014{3,}\n", sample):
        ident = re.search(r"Event\s*ID:\s*(\d+)", chunk)
        desc = re.search(r"Description:\s*(.*)", chunk, re.S)
        assert ident and desc, chunk
        out.append((int(ident.group(1)), desc.group(1)))
    return out


# --------------------------------------------------------------------------- catalogue


def test_catalogue_is_the_documented_table() -> None:
    tsv = (DATA / "sso-events.tsv").read_text(encoding="utf-8").replace("\u2018", "'").replace("\u2019", "'")
    rows = [line.split("\t") for line in tsv.strip("\n").splitlines()[1:]]
    assert len(rows) == len(sso_events.CATALOGUE) == 370
    for ident, symbol, template in rows:
        entry = sso_events.CATALOGUE[int(ident)]
        assert entry.symbol == symbol
        assert entry.template == template.replace("\\\\", "\\")
    assert sso_events.symbol(10534) == "SSO_INFO_SECRET_SERVER_STARTING"
    assert sso_events.symbol(1) == "event 1"
    assert sso_events.labels(10523) == ("File Name", "Current MSID", "Previous MSID", "Client User", "Client Computer")
    assert sso_events.labels(10534) == ()


def test_fields_from_strings() -> None:
    got = SsoEvent.from_strings(10533, "2026-11-20T22:30:05Z", ["BIZTALKCLUSTER", MSID])
    assert got.fields == {"Secret Server Name": "BIZTALKCLUSTER", "MSID": MSID}
    assert got.symbol == "SSO_INFO_GOT_CURRENT_SECRET"
    # Two strings in one labelled line are joined as the message shows them.
    admin = sso_events.fields_from_strings(11009, ["t-1", "CORP", "bob", "CORP\\SSO Administrators"])
    assert admin["Client User"] == "CORP\\bob"
    # A string the template does not get is left out, never guessed.
    assert sso_events.fields_from_strings(10532, ["BIZTALKCLUSTER"]) == {"Secret Server Name": "BIZTALKCLUSTER"}
    # Unlabelled placeholders are keyed %n.
    assert sso_events.fields_from_strings(10767, ["sso-cluster"]) == {"%1": "sso-cluster"}
    # The catalogue spells "Error code" in lower case for some events; lookups ignore case.
    lower = SsoEvent.from_strings(10503, "2026-01-01T00:00:00Z", ["0xC0002A0F"])
    assert lower.field("error CODE") == "0xC0002A0F" and lower.hresult == 0xC0002A0F


# --------------------------------------------------------------------------- real samples


def test_sample_10532_with_no_secrets_code() -> None:
    [(ident, text)] = description((DATA / "10532-no-secrets.txt").read_text(encoding="utf-8"))
    event = SsoEvent.from_message(ident, "2012-10-10T15:24:58Z", text)
    assert event.symbol == "SSO_WARN_LOST_SECRET_SERVER"
    assert event.field("Secret Server Name") == "XXXXXX"
    assert (event.field("Error Code") or "").startswith("0x80002918, No secrets were found in the registry")
    assert event.hresult == 0x80002918
    assert event_id_of(event.hresult) == 10520
    assert sso_events.symbol(event_id_of(event.hresult)) == "SSO_WARN_NO_SECRETS"
    assert "no secrets" in hresult_meaning(event.hresult).lower()
    assert event.hresult in SECRET_FAILURE_HRESULTS


def test_sample_10565_and_10521_after_failover() -> None:
    events = description((DATA / "10565-10521-after-failover.txt").read_text(encoding="utf-8"))
    assert [i for i, _ in events] == [10565, 10521]
    parsed = [SsoEvent.from_message(i, "2020-01-01T00:00:00Z", t) for i, t in events]
    assert [e.symbol for e in parsed] == ["SSO_ERROR_SECRET_VALIDATE_FAILED", "SSO_ERROR_SECRETS_NOT_LOADED"]
    # The blog's copy has no "MSID:" line: the field is absent, not invented from the headline.
    assert parsed[0].fields == {} and parsed[0].field("MSID") is None
    assert parsed[1].fields == {}


def test_sample_10536_wrapped_mid_label() -> None:
    [(ident, text)] = description((DATA / "10536-no-endpoints.txt").read_text(encoding="utf-8"))
    assert "Error\nCode:" in text  # the hard wrap the parser must survive
    event = SsoEvent.from_message(ident, "2013-01-23T00:00:00Z", text)
    assert event.field("Function") == "GetConfigInfo"
    assert event.field("Tracking ID") == "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    assert event.field("Client Computer") == "xxx.xxx.xxx (BTSNTSvc.exe:1234)"
    assert event.field("Client User") == "Domain\\BizAdmin"
    assert event.field("Application Name") == "{ xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx }"
    assert event.field("Error Code") == (
        "0x800706D9, There are no more endpoints available from the endpoint mapper."
    )
    assert event.hresult == 0x800706D9
    assert "RPC_S_NO_ENDPOINTS" in hresult_meaning(0x800706D9)


def test_sample_ssoconfig_output_codes() -> None:
    text = (DATA / "ssoconfig-backupsecret-no-sso-server.txt").read_text(encoding="utf-8")
    code = find_hresult(text)
    assert code == 0xC0002A0F
    assert event_id_of(code) == 10767
    assert sso_events.symbol(event_id_of(code)) == "ENTSSO_E_NO_SSO_SERVER"
    assert find_hresult(text.split("(RPC:")[1]) == 0x800706D9
    assert find_hresult("no code here") is None


# --------------------------------------------------------------------------- HRESULT helpers


@pytest.mark.parametrize(
    "value,code",
    [("0xC0002A0F", 0xC0002A0F), ("c0002a0f", 0xC0002A0F), (0xC0002A0F, 0xC0002A0F), (-1073731057, 0xC0002A0F),
     ("-1073731057", 0xC0002A0F), ("0x80002918", 0x80002918)],
)
def test_to_hresult_forms(value: str | int, code: int) -> None:
    assert to_hresult(value) == code


def test_event_id_and_meanings() -> None:
    assert event_id_of("0xC0002A1F") == 10783
    assert event_id_of(0xC0002A13) == 10771
    assert event_id_of("0x80002918") == 10520
    assert "ENTSSO_E_NO_SSO_SERVER" in hresult_meaning("0xC0002A0F")
    assert "ENTSSO_E_NO_SECRET" in hresult_meaning("0xC0002A1F")
    # Not in the table: an ENTSSO code comes from the catalogue, a Win32 one by number.
    assert hresult_meaning(0xC0002A30).startswith("ENTSSO_E_WRONG_STATE")
    assert hresult_meaning(0x80070005) == "Win32 error 5"
    assert hresult_meaning(0x12345678) == "HRESULT 0x12345678"
    with pytest.raises(ValueError, match="not an HRESULT"):
        to_hresult("zz")


# --------------------------------------------------------------------------- the sso_events fact


def test_parse_orders_newest_first_and_keeps_log_order_within_a_second() -> None:
    raw = [
        {"id": 10534, "time": "2026-11-20T22:05:01Z", "strings": []},
        {"id": 10523, "time": "2026-11-20T22:10:00Z", "strings": ["f.bak", MSID, PREVIOUS, "CORP\\a", "NODE1"]},
        {"id": 10520, "time": "2026-11-20T22:10:00Z", "strings": []},
        {"id": 10611, "time": "2026-11-20T22:05:00Z", "strings": ["NODE1", "SQL01", "SSODB"]},
    ]
    events = SsoEvents.parse(raw)
    assert [e.id for e in events] == [10523, 10520, 10534, 10611]
    assert events[0].fields["Current MSID"] == MSID
    assert events[3].fields == {"Computer Name": "NODE1", "SQL Server Name": "SQL01", "SSO Database Name": "SSODB"}
    assert events[0].when == datetime(2026, 11, 20, 22, 10, tzinfo=timezone.utc)
    # 10523 is listed before 10520 at the same second: the restore is the newer record.
    assert newer_than(events, 10520, latest(events, 10523)) == []
    assert newer_than(events, 10523, latest(events, 10520)) == [events[0]]
    assert newer_than(events, 10534, None) == [events[2]]
    assert latest(events, (10501, 10611)) is events[3]
    assert latest(events, 10532) is None


def test_parse_accepts_powershell_shapes_and_messages() -> None:
    assert SsoEvents.parse(None) == []
    one = SsoEvents.parse({"id": 10532, "time": "2026-01-01T00:00:00Z", "strings": "BIZTALKCLUSTER"})
    assert one[0].fields == {"Secret Server Name": "BIZTALKCLUSTER"}
    msg = SsoEvents.parse([{"id": 10532, "time": "2026-01-01T00:00:00Z", "strings": [],
                            "message": "Failed ... Secret Server Name: SSO1\r\nError Code: 0xC0002A0F, x"}])
    assert msg[0].fields == {"Secret Server Name": "SSO1", "Error Code": "0xC0002A0F, x"}
    assert msg[0].summary()["symbol"] == "SSO_WARN_LOST_SECRET_SERVER"


@pytest.mark.parametrize(
    "raw,problem",
    [
        ([{"id": "10534", "time": "2026-01-01T00:00:00Z"}], "integer event ID"),
        ([{"id": True, "time": "2026-01-01T00:00:00Z"}], "integer event ID"),
        ([{"id": 10534, "time": "11/20/2026 10:00:00 PM"}], "yyyy-MM-ddTHH:mm:ssZ"),
        ([{"id": 10534}], "yyyy-MM-ddTHH:mm:ssZ"),
        (["10534"], "expected dict"),
        ([{"id": 10534, "time": "2026-01-01T00:00:00Z", "strings": [{"a": 1}]}], "expected str"),
    ],
)
def test_parse_rejects_malformed(raw: object, problem: str) -> None:
    with pytest.raises(FactParseError, match=problem):
        SsoEvents.parse(raw)


def test_snippet_is_read_only_ps2_and_filters_the_documented_ids() -> None:
    script = SsoEvents.script
    # Server-side filtered and capped per ID (review probe.md D3): never a client-side walk of the whole log.
    assert "Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'ENTSSO'; Id = $id;" in script
    assert "-MaxEvents $cap" in script and "$cap = 20" in script
    assert "'*NoMatching*'" in script  # "no matches" is an empty list, not an error
    ids = {int(i) for i in re.findall(r"\b1\d{4}\b", script.split("\n", 2)[1])}
    assert ids == {10501, 10520, 10521, 10523, 10524, 10529, 10532, 10533, 10534, 10536, 10550, 10565, 10575,
                   10589, 10599, 10611, 10728, 10767,
                   # issue 18: SSO013 (backup, generate) and EVT001 (failures)
                   10513, 10514, 10525, 10559, 10602, 10603, 10605, 11016, 11049}
    for forbidden in ("ConvertTo-Json", "Get-EventLog", "Clear-EventLog", "Remove-", "Set-", "Write-EventLog"):
        assert forbidden not in script
    assert script.isascii() and SecretKeys.script.isascii()
    assert "Get-ItemProperty" not in SecretKeys.script  # key names only: the values are the secret


# --------------------------------------------------------------------------- the sso_secret_keys fact


def test_secret_keys_parse() -> None:
    info = SecretKeys.parse({"present": True, "keys": ["{" + MSID.upper() + "}", PREVIOUS, "Junk"]})
    assert info.keys == tuple(sorted([MSID, PREVIOUS])) and info.has_secret
    assert info.other_keys == ("Junk",)
    assert info.guids == frozenset({MSID, PREVIOUS})
    empty = SecretKeys.parse({"present": True, "keys": []})
    assert empty.present and not empty.has_secret
    absent = SecretKeys.parse({"present": False, "keys": None})
    assert not absent.present and absent.keys == ()
    assert SecretKeys.parse({"present": True, "keys": MSID}).keys == (MSID,)  # PowerShell collapses one item


@pytest.mark.parametrize(
    "raw,problem",
    [({"keys": []}, "present"), ({"present": "yes", "keys": []}, "present"), ([], "expected dict"),
     ({"present": False, "keys": [MSID]}, "reported absent")],
)
def test_secret_keys_reject_malformed(raw: object, problem: str) -> None:
    with pytest.raises(FactParseError, match=problem):
        SecretKeys.parse(raw)


# --------------------------------------------------------------------------- lab emulation


def _farm() -> object:
    return build_farm(
        {"farm": {"group": "G", "cluster_network_name": "C", "master_secret_server": "B", "sso_service_account": "a",
                  "sso_db": {}},
         "nodes": {"N": {"roles": ["biztalk"]}}},
        "t",
    )


def test_emulated_events_filter_cap_order_and_round_trip() -> None:
    events = [Event(10533, f"2026-11-{day:02d}T10:00:00Z", ["BIZTALKCLUSTER", MSID]) for day in range(1, 26)]
    events += [
        Event(10534, "2026-11-20T22:00:00Z"),
        Event(10520, "2026-11-20T22:00:00Z"),  # same second, listed later in the scenario = newer record
        Event(10502, "2026-11-21T00:00:00Z"),  # not a watched ID
        Event(10534, "2026-11-22T00:00:00Z", source="OtherSource"),
        Event(10611, datetime(2026, 11, 23, 1, 2, 3, tzinfo=timezone.utc), ["N", "SQL01", "SSODB"]),  # type: ignore[arg-type]
    ]
    node = NodeState("N", ["biztalk"], events=events)
    raw = emulate_events(_farm(), node, {})  # type: ignore[arg-type]
    ids = [e["id"] for e in raw]
    assert ids.count(10533) == 20 and 10502 not in ids and ids.count(10534) == 1
    assert raw[0] == {"id": 10533, "time": "2026-11-25T10:00:00Z", "strings": ["BIZTALKCLUSTER", MSID]}
    parsed = SsoEvents.parse(raw)
    assert parsed[0].fields["Secret Server Name"] == "BIZTALKCLUSTER"
    assert any(e.id == 10611 and e.time == "2026-11-23T01:02:03Z" for e in parsed)
    assert [e.id for e in parsed if e.time == "2026-11-20T22:00:00Z"] == [10520, 10534]
    assert min(e.time for e in parsed if e.id == 10533) == "2026-11-06T10:00:00Z"  # the 20 newest kept


def test_emulated_secret_keys() -> None:
    base = r"HKLM\SOFTWARE\Microsoft\ENTSSO"
    node = NodeState("N", ["sso-cluster"], registry=Registry({f"{base}\\SSOSS\\{MSID}": {}, f"{base}\\SQL": {}}))
    raw = emulate_keys(_farm(), node, {})  # type: ignore[arg-type]
    assert raw == {"present": True, "keys": [MSID], "view": "native"}
    assert SecretKeys.parse(raw).guids == {MSID}
    bare = NodeState("N", ["biztalk"], registry=Registry({f"{base}\\SQL": {"Server": "SQL01"}}))
    assert emulate_keys(_farm(), bare, {}) == {"present": False, "keys": [], "view": None}  # type: ignore[arg-type]
    # Review probe.md D8: a 32-bit SSO keeps SSOSS in the Wow6432Node view.
    wow = NodeState("N", ["sso-cluster"], registry=Registry(
        {f"HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\ENTSSO\\SSOSS\\{MSID}": {}}))
    assert emulate_keys(_farm(), wow, {}) == {"present": True, "keys": [MSID], "view": "wow6432"}  # type: ignore[arg-type]
    assert "Wow6432Node\\Microsoft\\ENTSSO\\SSOSS" in SecretKeys.script
    denied = NodeState("N", ["sso-cluster"], extra={"ssoss_access_denied": True})
    with pytest.raises(EmulationError, match="not allowed"):
        emulate_keys(_farm(), denied, {})  # type: ignore[arg-type]
