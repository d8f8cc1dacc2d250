"""``ssocheck sanitize`` on every built-in scenario's snapshot: nothing identifying survives, results are the same.

Snapshots are collected from each scenario's farm with the PowerShell host called directly (as in
tests/lab/test_fact_mutations.py): the transport is not what is under test here, the probe and the farm are real.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ssocheck.check import Context
from ssocheck.cli import main
from ssocheck.collect import gather
from ssocheck.facts import probe
from ssocheck.inventory import Connection, Node, load_inventory
from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import list_scenarios
from ssocheck.model import Phase
from ssocheck.registry import load_checks
from ssocheck.runner import evaluate
from ssocheck.sanitize import WELL_KNOWN_ACCOUNTS, WELL_KNOWN_DOMAINS, sanitize
from ssocheck.secrets import Secret
from ssocheck.snapshot import snapshot_from_dict
from ssocheck.transport.winrm import ScriptResult

SCENARIOS = [row[0] for row in list_scenarios()]
CHECKS = load_checks()


def _snapshot(scenario: str, tmp: Path) -> dict[str, Any]:
    with LabFarm(scenario, workdir=tmp / "farm") as lab:
        inv = load_inventory(lab.write_inventory(tmp / "inventory.yml"))

        def direct(conn: Connection, node: Node, password: Secret, script: str) -> ScriptResult:
            arguments = " ".join([*probe.POWERSHELL_ARGS, probe.encoded_command(probe.BOOTSTRAP)])
            result = lab.host(node.name, probe.POWERSHELL, arguments, script.encode("ascii"))
            return ScriptResult(result.stdout.decode("cp437"), result.stderr.decode("cp437"), result.exit_code, 0.0)

        snap, _ = gather(inv, [lc.check for lc in CHECKS], inv.password(), runner=direct)
    doc = snap.to_dict()
    doc["inventory"] = "inventory.yml"  # the temporary path is not the farm's
    return doc


def _identifiers(doc: dict[str, Any]) -> set[str]:
    """What identifies the farm, listed from the original independently of the sanitiser's own scan."""
    found: set[str] = set()
    exp = doc["expectations"]
    for key in ("group", "cluster_network_name", "master_secret_server", "domain_netbios", "domain_dns"):
        if exp.get(key):
            found.add(str(exp[key]))
    for key in ("sso_service_account", "biztalk_sso_service_account"):
        if exp.get(key):
            found.update(p for p in re.split(r"[\\@]", str(exp[key])) if p)
    for node in doc["nodes"]:
        found.add(node["name"])
        if node.get("computer"):
            found.add(node["computer"])
    text = json.dumps(doc)
    found.update(re.findall(r"S-1-5-21-\d+-\d+-\d+", text))
    found.update(g.lower() for g in re.findall(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", text))
    found.update(ip for ip in re.findall(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])", text)
                 if not ip.startswith(("127.", "0.", "255.")) and all(int(o) < 256 for o in ip.split(".")))
    return {f for f in found if f.lower() not in WELL_KNOWN_ACCOUNTS | WELL_KNOWN_DOMAINS and len(f) > 2}


def _results(doc: dict[str, Any], phase: Phase) -> list[tuple[str, str, str, str]]:
    snap = snapshot_from_dict(doc, "mem")
    report = evaluate(CHECKS, snap, Context(phase, snap.expect))
    return sorted((r.check_id, r.node, r.status.value, r.message) for r in report.results)


# A comma-separated list of names (checks sort the names they list): its order follows the names, so it is
# compared as a set after mapping.
_NAME_LIST = re.compile(r"[\w.\\-]+(?:, [\w.\\-]+)+")


def _unmapper(mapping: dict[str, str]) -> Any:
    """Text of the sanitised run with every pseudonym put back (pseudonyms never occur in a check's own prose)."""
    back = {pseudo.lower(): original for original, pseudo in mapping.items()}
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(re.escape(p) for p in sorted(back, key=len, reverse=True))
                         + r")(?![A-Za-z0-9_])", re.I)

    def unmap(text: str) -> str:
        if back:
            text = pattern.sub(lambda m: back[m.group(0).lower()], text)
        text = text.lower()
        return _NAME_LIST.sub(lambda m: ", ".join(sorted(m.group(0).split(", "))), text)

    return unmap


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_sanitised_snapshot_hides_identifiers_and_keeps_results(scenario: str, tmp_path: Path) -> None:
    original = _snapshot(scenario, tmp_path)
    clean, mapping = sanitize(original)
    out = json.dumps(clean).lower()
    survivors = sorted(i for i in _identifiers(original) if re.search(r"(?<![a-z0-9_])" + re.escape(i.lower())
                                                                       + r"(?![a-z0-9_])", out))
    assert survivors == [], survivors
    unmap = _unmapper(mapping)
    same = _unmapper({})  # the original's text, compared the same way (case, order of listed names)
    for phase in (Phase.PRE, Phase.POST):
        # The same result, with the same message once the pseudonyms are mapped back, for the same check on the
        # same node: statuses, expected/found values, counts and lengths ("5 characters") all survive sanitising.
        before = sorted((c, n.lower(), s, same(m)) for c, n, s, m in _results(original, phase))
        after = sorted((c, unmap(n), s, unmap(m)) for c, n, s, m in _results(clean, phase))
        assert after == before


def test_sanitize_command_writes_no_mapping_unless_asked(tmp_path: Path) -> None:
    doc = _snapshot("demo", tmp_path)
    src = tmp_path / "snap.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out" / "clean.json"
    result = CliRunner().invoke(main, ["sanitize", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["clean.json"]
    assert os.stat(out).st_mode & 0o777 == 0o600
    assert "BTSNODE1" not in out.read_text(encoding="utf-8")
    mapping = tmp_path / "map.json"
    args = ["sanitize", str(src), "-o", str(tmp_path / "c2.json"), "--mapping", str(mapping)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert os.stat(mapping).st_mode & 0o777 == 0o600
    assert "btsnode1" in json.loads(mapping.read_text(encoding="utf-8"))


def test_node_filter_names_are_pseudonymised_too() -> None:
    doc = {"schema": "ssocheck-snapshot/1", "expectations": {"group": "G", "cluster_network_name": "CL"},
           "nodes": [{"name": "BTSNODE1", "roles": ["biztalk"], "facts": {}}],
           "node_filter": {"selected": ["BTSNODE1"], "excluded": [{"name": "SQLPROD7", "roles": ["sql"]}]}}
    clean, mapping = sanitize(doc)
    assert "sqlprod7" in mapping and "SQLPROD7" not in json.dumps(clean)
    assert clean["node_filter"]["selected"] == [clean["nodes"][0]["name"]]
