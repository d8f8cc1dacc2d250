"""Localised nodes: a node's display language (``locale``) changes the names Windows gives well-known accounts and
its culture, never a SID; ssomanage's language is the BizTalk build's (``biztalk_language``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ssocheck.facts import probe
from ssocheck.facts.base import Fact
from ssocheck.facts.clusterpolicy import ClusterAccess
from ssocheck.facts.sso import ServiceAccountGroups, SsoDatabase
from ssocheck.lab.farm import LabFarm
from ssocheck.lab.powershell import PowerShellHost
from ssocheck.lab.session import identity_for
from ssocheck.lab.state import build_farm, deep_merge, load_scenario
from ssocheck.model import ExitCode
from ssocheck.snapshot import load_snapshot
from tests.support.lab import evaluate_inventory, run_cli

PARAMS = {"sso_service_account": "CORP\\svc_sso"}
FACTS: list[type[Fact[Any]]] = [ServiceAccountGroups, ClusterAccess, SsoDatabase]


def answer(locale: str | None, node: str = "NODE1", **extra: Any) -> probe.ProbeAnswer:
    base = load_scenario("healthy-post")
    overlay: dict[str, Any] = {"nodes": {node: {**({"locale": locale} if locale else {}), **extra}}}
    farm = build_farm(deep_merge(base.document, overlay), base.name)
    script = probe.build_probe(FACTS, PARAMS)
    stdout = PowerShellHost(farm).answer_probe(farm, farm.nodes[node], script, identity_for("CORP\\x", "ntlm"))
    return probe.parse_answer(stdout, [f.name for f in FACTS])


@pytest.mark.parametrize(("locale", "admins", "users", "everyone", "culture"), [
    (None, "BUILTIN\\Administrators", "BUILTIN\\Users", "Everyone", "en-US"),
    ("de-DE", "VORDEFINIERT\\Administratoren", "VORDEFINIERT\\Benutzer", "Jeder", "de-DE"),
    ("fr-FR", "BUILTIN\\Administrateurs", "BUILTIN\\Utilisateurs", "Tout le monde", "fr-FR"),
])
def test_well_known_names_and_culture_follow_the_display_language(locale: str | None, admins: str, users: str,
                                                                   everyone: str, culture: str) -> None:
    got = answer(locale)
    groups = {g["sid"]: g["name"] for g in got.facts["service_account_groups"]["groups"]}
    assert groups["S-1-5-32-545"] == users and groups["S-1-1-0"] == everyone
    assert groups["S-1-5-21-1004336348-1177238915-682003330-1110"] == "CORP\\SSO Administrators"  # AD: not localised
    access = {e["sid"]: e["identity"] for e in got.facts["cluster_access"]}
    assert access["S-1-5-32-544"] == admins
    assert access["S-1-5-21-1004336348-1177238915-682003330-1105"] == "CORP\\svc_sso"
    assert got.environment["culture"] == culture


def test_ssomanage_speaks_the_biztalk_builds_language_not_windows() -> None:
    # German Windows with an English BizTalk: ssomanage is readable.
    info = SsoDatabase.parse(answer("de-DE").facts["sso_db_info"])
    assert info.error is None and info.secret_server == "BIZTALKCLUSTER"
    # A German BizTalk build: labels the parser does not know, so the fact fails with the raw text (never a guess).
    raw = answer("de-DE", biztalk_language="de-DE").facts["sso_db_info"]
    assert "Name des Geheimnisservers" in raw["output"]
    with pytest.raises(ValueError, match="unrecognised ssomanage output"):
        SsoDatabase.parse(raw)


def test_an_unknown_display_language_is_served_in_english() -> None:
    groups = {g["sid"]: g["name"] for g in answer("xx-XX").facts["service_account_groups"]["groups"]}
    assert groups["S-1-1-0"] == "Everyone"


@pytest.mark.e2e
def test_a_mixed_language_farm_shows_localised_names_and_still_passes(tmp_path: Path) -> None:
    # Over the wire: the snapshot holds each node's own names for the same SIDs, and every check passes on SIDs.
    with LabFarm("localised-nodes-fr-fr", workdir=tmp_path / "farm") as farm:
        inventory = farm.write_inventory(tmp_path / "inventory.yml")
        code, out, err = run_cli(["collect", "-i", inventory, "-o", tmp_path / "snap.json"])
        assert code == 0, out + err
        report = evaluate_inventory(inventory)
    text = {n.name: json.dumps(n.facts, ensure_ascii=False) for n in load_snapshot(tmp_path / "snap.json").nodes}
    assert "BUILTIN\\\\Administrateurs" in text["NODE1"] and "Tout le monde" in text["NODE1"]
    assert "VORDEFINIERT\\\\Benutzer" in text["BTSNODE1"] and "Jeder" in text["BTSNODE1"]
    assert "BUILTIN\\\\Administrators" not in text["NODE1"]
    assert report.exit_code() == ExitCode.OK, [(r.check_id, r.node, r.message) for r in report.results
                                               if r.status.value != "pass"]


def test_event_messages_are_rendered_in_the_display_language() -> None:
    from ssocheck.lab.emulation.secret import sso_events

    for locale, start in ((None, "Got the current secret"), ("de-DE", "Das aktuelle Geheimnis"),
                          ("fr-FR", "Got the current secret")):  # no French text given: the English one
        base = load_scenario("localised-events")
        overlay = {"nodes": {"BTSNODE2": {"locale": locale}}}
        farm = build_farm(deep_merge(base.document, overlay), base.name)
        events = sso_events(farm, farm.nodes["BTSNODE2"], {})
        message = next(e["message"] for e in events if e["id"] == 10533 and "message" in e)
        assert message.startswith(start), (locale, message)
