"""Waivers: strict file validation, fail/warn -> skip with justification and expiry, expired never applies."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssocheck.errors import ConfigError
from ssocheck.model import CheckMeta, Phase, Report, Result, Severity, Status
from ssocheck.waivers import EXPIRED, IN_FORCE, UNUSED, Waiver, apply_waivers, load_waivers, waivers_from_data

TODAY = date(2026, 11, 21)


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "waivers.yml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc), encoding="utf-8")
    return path


def entry(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"check": "SSO006", "node": "NODE*", "justification": "backup kept in the vault",
                            "expires": "2026-12-31", "ticket": "CHG0012345"}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def test_valid_file(tmp_path: Path) -> None:
    text = """
version: 1
waivers:
  - check: sso006
    node: NODE*
    justification: backup kept in the vault
    expires: 2026-12-31
    ticket: CHG0012345
  - {check: CLU003, node: '*', justification: accepted, expires: "2027-01-15"}
"""
    waivers = load_waivers(write(tmp_path, text))
    first, second = waivers.waivers
    assert first == Waiver(1, "SSO006", "NODE*", "backup kept in the vault", date(2026, 12, 31), "CHG0012345")
    assert second.ticket is None and second.expires == date(2027, 1, 15)
    assert first.message() == "waived until 2026-12-31: backup kept in the vault (CHG0012345)"
    assert second.message() == "waived until 2027-01-15: accepted"


@pytest.mark.parametrize(
    ("doc", "field", "words"),
    [
        ({"waivers": [entry(justification=None)]}, "waivers[0].justification", "is required"),
        ({"waivers": [entry(justification="   ")]}, "waivers[0].justification", "non-empty"),
        ({"waivers": [entry(expires=None)]}, "waivers[0].expires", "is required"),
        ({"waivers": [entry(expires="31/12/2026")]}, "waivers[0].expires", "YYYY-MM-DD"),
        ({"waivers": [entry(expires="2026-02-30")]}, "waivers[0].expires", "not a valid date"),
        ({"waivers": [entry(node=None)]}, "waivers[0].node", "is required"),
        ({"waivers": [entry(check=None)]}, "waivers[0].check", "is required"),
        ({"waivers": [entry(check="SSO*")]}, "waivers[0].check", "no wildcards"),
        ({"waivers": [entry(), entry(expiry="2027-01-01")]}, "waivers[1].expiry", "unknown key"),
        ({"waivers": [entry(node=["NODE1"])]}, "waivers[0].node", "non-empty string"),
        ({"waivers": ["SSO006"]}, "waivers[0]", "must be a mapping"),
        ({"waivers": {"SSO006": 1}}, "waivers", "not a list"),
        ({"version": 2, "waivers": []}, "version", "unsupported"),
        ({"waiver": []}, "waiver", "unknown key"),
        ([entry()], "(top level)", "must be a mapping"),
    ],
)
def test_invalid_files_name_file_and_field(tmp_path: Path, doc: Any, field: str, words: str) -> None:
    path = write(tmp_path, doc)
    with pytest.raises(ConfigError) as info:
        load_waivers(path)
    assert str(info.value).startswith(f"{path}: {field}: "), str(info.value)
    assert words in str(info.value)


def test_yaml_datetime_is_not_a_date(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n  - {check: A001, node: x, justification: y, expires: 2026-12-31 10:00:00}\n")
    with pytest.raises(ConfigError, match="without a time of day"):
        load_waivers(path)


@pytest.mark.parametrize(("text", "words"), [("", "empty file"), ("waivers: [\n", "not valid YAML (line")])
def test_unparsable_files(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        load_waivers(write(tmp_path, text))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read waivers file"):
        load_waivers(tmp_path / "missing.yml")


def test_unknown_check_id_is_refused() -> None:
    waivers = waivers_from_data({"waivers": [entry(check="SSO099")]}, "w.yml")
    with pytest.raises(ConfigError, match=r"w.yml: waivers\[0\].check: unknown check ID 'SSO099'"):
        waivers.check_known(["SSO006", "CLU003"])
    waivers_from_data({"waivers": [entry()]}, "w.yml").check_known(["sso006"])


def meta(check_id: str) -> CheckMeta:
    return CheckMeta(check_id, check_id.lower(), "t", "d", Severity.HIGH, "node", (Phase.POST,), ("sso-cluster",),
                     "r", "-", (), ())


def report() -> Report:
    results = (
        Result("SSO006", "NODE1", Status.FAIL, "no backup file", {"expected": "a .bak", "found": "none"}),
        Result("SSO006", "NODE2", Status.WARN, "old backup"),
        Result("SSO006", "NODE3", Status.ERROR, "fact missing"),
        Result("SSO006", "BTSNODE1", Status.FAIL, "no backup file"),
        Result("CLU003", "NODE1", Status.PASS, "ok"),
        Result("CLU003", "NODE2", Status.FAIL, "UseNetworkName = 0"),
    )
    return Report("0", Phase.POST, "G", "live", "s", "f", (), {"SSO006": meta("SSO006"), "CLU003": meta("CLU003")},
                  results, {"audit": []})


def by_key(rep: Report) -> dict[tuple[str, str], Result]:
    return {(r.check_id, r.node): r for r in rep.results}


def test_waiver_in_force_turns_fail_and_warn_into_waived_but_never_error() -> None:
    waivers = waivers_from_data({"waivers": [entry()]}, "w.yml")
    original = report()
    out = by_key(apply_waivers(original, waivers, TODAY))
    for node in ("NODE1", "NODE2"):
        r = out[("SSO006", node)]
        assert r.status is Status.WAIVED
        assert r.message == "waived until 2026-12-31: backup kept in the vault (CHG0012345)"
        assert r.waiver is not None
        assert r.waiver["justification"] == "backup kept in the vault"
        assert r.waiver["expires"] == "2026-12-31" and r.waiver["ticket"] == "CHG0012345"
    assert out[("SSO006", "NODE1")].waiver["finding"] == "fail: no backup file"  # type: ignore[index]
    assert out[("SSO006", "NODE1")].evidence == {"expected": "a .bak", "found": "none"}
    assert out[("SSO006", "NODE3")].status is Status.ERROR  # undecided stays undecided
    assert out[("SSO006", "BTSNODE1")].status is Status.FAIL  # glob does not match
    assert out[("CLU003", "NODE2")].status is Status.FAIL  # other check
    # The input report is untouched (frozen model, a new report is returned).
    assert by_key(original)[("SSO006", "NODE1")].status is Status.FAIL


def test_expiry_day_is_still_in_force_and_the_day_after_is_not() -> None:
    waivers = waivers_from_data({"waivers": [entry()]}, "w.yml")
    on_day = apply_waivers(report(), waivers, date(2026, 12, 31))
    after = apply_waivers(report(), waivers, date(2027, 1, 1))
    assert by_key(on_day)[("SSO006", "NODE1")].status is Status.WAIVED
    expired = by_key(after)[("SSO006", "NODE1")]
    assert expired.status is Status.FAIL and expired.message == "no backup file" and expired.waiver is None
    assert expired.evidence["waiver_expired"] == "#1 SSO006 on NODE* expired on 2026-12-31: backup kept in the vault"
    assert after.sections["waivers"][0]["state"] == EXPIRED
    assert after.sections["waivers"][0]["matches"] == ["NODE1", "NODE2"]
    assert int(after.exit_code()) == 1


def test_section_lists_every_waiver_with_its_state() -> None:
    waivers = waivers_from_data({"waivers": [
        entry(),
        entry(check="CLU003", node="node2", ticket=None, justification="known, fix planned"),
        entry(check="CLU003", node="NODE9"),
        entry(check="CLU003", node="*", expires="2026-01-01"),
    ]}, "w.yml")
    out = apply_waivers(report(), waivers, TODAY)
    rows = out.sections["waivers"]
    assert [(r["waiver"], r["check"], r["node"], r["state"], r["matches"]) for r in rows] == [
        ("#1", "SSO006", "NODE*", IN_FORCE, ["NODE1", "NODE2"]),
        ("#2", "CLU003", "node2", IN_FORCE, ["NODE2"]),
        ("#3", "CLU003", "NODE9", UNUSED, []),
        ("#4", "CLU003", "*", EXPIRED, []),  # a waiver in force took NODE2 first
    ]
    assert rows[1]["ticket"] == "" and rows[0]["expires"] == "2026-12-31"
    assert out.sections["audit"] == []
    # The one remaining failure (BTSNODE1) still makes the run fail.
    assert int(out.exit_code()) == 1


def test_first_waiver_in_force_wins_over_an_expired_one() -> None:
    waivers = waivers_from_data({"waivers": [
        entry(expires="2026-01-01", justification="old"),
        entry(justification="renewed"),
    ]}, "w.yml")
    out = by_key(apply_waivers(report(), waivers, TODAY))
    assert out[("SSO006", "NODE1")].message.endswith("renewed (CHG0012345)")
    assert "waiver_expired" not in out[("SSO006", "NODE1")].evidence


def test_empty_waiver_list_adds_an_empty_section() -> None:
    out = apply_waivers(report(), waivers_from_data({"waivers": []}, "w.yml"), TODAY)
    assert out.sections["waivers"] == []
    assert [r.status for r in out.results] == [r.status for r in report().results]
