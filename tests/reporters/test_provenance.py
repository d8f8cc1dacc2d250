"""Provenance: every report says how it was produced, and a filtered run says PARTIAL."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from ssocheck import provenance
from ssocheck.model import Report
from ssocheck.reporters import REPORTERS
from ssocheck.secrets import register as register_secret


def record(tmp_path: Path, selected: int = 6, installed: int = 27) -> dict[str, object]:
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("group: BizTalkGroup\n", encoding="utf-8")
    waivers = tmp_path / "waivers.yml"
    waivers.write_text("version: 1\nwaivers: []\n", encoding="utf-8")
    return provenance.gather(
        argv=["/usr/bin/ssocheck", "run", "-i", str(inventory), "--select", "CLU", "--password=hunter2"],
        selected=[f"CLU00{i}" for i in range(1, selected + 1)], installed=[f"X{i}" for i in range(installed)],
        only=["CLU"], inventory=inventory, waivers_file=waivers, baseline_file=None)


def test_record_hashes_inputs_and_redacts_the_command_line(tmp_path: Path) -> None:
    register_secret("s3cr3t-value")
    rec = provenance.gather(argv=["ssocheck", "run", "--password", "x1", "-i", "s3cr3t-value.yml"])
    assert "x1" not in str(rec["command"]) and "s3cr3t-value" not in str(rec["command"])
    rec = record(tmp_path)
    assert rec["command"] == f"ssocheck run -i {tmp_path}/inventory.yml --select CLU --password=***"
    inventory = rec["inventory"]
    assert isinstance(inventory, dict) and len(inventory["sha256"]) == 64
    assert rec["partial"] is True and rec["checks"] == {
        "selected": 6, "installed": 27, "ids": [f"CLU00{i}" for i in range(1, 7)], "select": ["CLU"], "skip": []}
    assert rec["run_by"] and rec["run_from"]


def test_every_format_carries_it_and_a_partial_run_says_so(tmp_path: Path, make_report: object) -> None:
    from dataclasses import replace

    from ssocheck.model import Result, Status

    rep: Report = make_report(results=(Result("SSO004", "NODE1", Status.PASS, "ok"),), nodes=())  # type: ignore[operator]
    rep = provenance.attach(rep, record(tmp_path))
    console = REPORTERS["console"].render(rep, width=200)
    assert "-> PASSED (PARTIAL: 6 of 27 checks)" in console
    assert "  Checks: PARTIAL: 6 of 27 checks (--select CLU)" in console
    assert f"  Inventory: {tmp_path}/inventory.yml (sha256 " in console
    assert "  Waivers: " in console and "  Run by: " in console
    page = REPORTERS["html"].render(rep)
    assert "<h1>PASSED (PARTIAL: 6 of 27 checks)<small>" in page and "inventory.yml (sha256 " in page
    assert '<section class="banner PASSED partial"' in page
    doc = json.loads(REPORTERS["json"].render(rep))
    assert doc["provenance"]["partial"] is True and doc["provenance"]["checks"]["selected"] == 6
    root = ET.fromstring(REPORTERS["junit"].render(replace(rep, nodes=make_report().nodes)))  # type: ignore[operator]
    props = {p.get("name"): p.get("value") for p in root.find("testsuite").iter("property")}  # type: ignore[union-attr]
    assert props["checks"] == "6 of 27" and props["partial"] == "true"
    assert str(props["inventory"]).endswith("inventory.yml") and len(str(props["inventory_sha256"])) == 64
    assert "started_at" in props and "finished_at" in props


def test_a_full_run_is_not_partial(tmp_path: Path, make_report: object) -> None:
    rep: Report = provenance.attach(make_report(), record(tmp_path, 27, 27))  # type: ignore[operator]
    assert provenance.verdict_label(rep) == "FAILED" and not provenance.is_partial(rep)
    assert "PARTIAL" not in REPORTERS["console"].render(rep)
