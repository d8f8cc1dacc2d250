"""Property tests (Hypothesis): random hostile node answers and inventory values never crash ssocheck, never
make a broken node PASS, and everything written is strict JSON that reads back.

The node answers start from the lab emulator's real answer for NODE2 of healthy-pre (the PowerShell host,
called in-process: no transport involved, so no mock of it either) and replace fact values, metadata or the
whole answer with generated hostile JSON. Example counts are modest and the runs derandomized, so the
module is deterministic and takes a few seconds.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssocheck import strictjson
from ssocheck.check import Context
from ssocheck.collect import collect_node, facts_for
from ssocheck.errors import ConfigError
from ssocheck.inventory import Connection, Node, load_inventory, parse_inventory
from ssocheck.lab.powershell import PowerShellHost
from ssocheck.lab.state import load_scenario
from ssocheck.model import Phase, Status
from ssocheck.registry import load_checks
from ssocheck.reporters import REPORTERS
from ssocheck.runner import evaluate
from ssocheck.secrets import Secret
from ssocheck.snapshot import Snapshot, load_snapshot
from ssocheck.transport.winrm import ScriptResult

SETTINGS = settings(max_examples=40, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Hostile JSON pieces: text with surrogates, controls, bidi and markup; NaN/Infinity; huge and odd numbers.
hostile_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF,
                                              categories=None), max_size=40) | st.sampled_from(
    ["\ud800", "a\udfffb", "\x1b]0;T\x07", "\u202eevil", "<script>", "]]>", "Pa\"ss\\w\u00f6rd", ""])
hostile_scalar = (hostile_text | st.integers(min_value=-(10**30), max_value=10**30) | st.booleans() | st.none()
                  | st.floats(allow_nan=True, allow_infinity=True))
hostile_json = st.recursive(hostile_scalar, lambda inner: st.lists(inner, max_size=4)
                            | st.dictionaries(hostile_text, inner, max_size=4), max_leaves=12)


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The healthy-pre farm state, its inventory (as data), the checks, and NODE2's real probe answer."""
    state = load_scenario("healthy-pre")
    host = PowerShellHost(state)
    work = tmp_path_factory.mktemp("props")
    doc = {
        "group": state.farm["group"], "cluster_network_name": state.farm["cluster_network_name"],
        "master_secret_server": state.farm["master_secret_server"],
        "sso": {"service_account": state.farm["sso_service_account"],
                "database": {"server": state.farm["sso_db"]["server"]}},
        "connection": {"username": "LAB\\ssocheck", "password_env": "SSOCHECK_PROPS_PW", "scheme": "http"},
        "nodes": [{"name": n.name, "roles": list(n.roles), "address": "127.0.0.1"} for n in state.iter_nodes()],
    }
    inv = parse_inventory(doc, work / "inventory.yml")
    checks = load_checks()
    node = inv.node("NODE2")
    facts = facts_for(node, [lc.check for lc in checks])
    from ssocheck.facts.probe import build_probe

    script = build_probe(facts, inv.expect.probe_params())
    node2 = state.node("NODE2")
    assert node2 is not None
    answer = host.answer_probe(state, node2, script)
    return {"inv": inv, "checks": checks, "node": node, "facts": facts, "answer": answer, "work": work}


def _evaluate_with(world: dict[str, Any], stdout: str, tmp: Path) -> tuple[Any, Any]:
    inv, node = world["inv"], world["node"]

    def runner(conn: Connection, node: Node, password: Secret, script: str) -> ScriptResult:
        return ScriptResult(stdout=stdout, stderr="", exit_code=0, duration_s=0.01)

    snap, _audit = collect_node(inv, node, world["facts"], Secret("props-password"), inv.expect.probe_params(),
                                runner)
    snapshot = Snapshot(expect=inv.expect, nodes=[snap], collected_at="2026-11-30T00:00:00Z")
    report = evaluate(world["checks"], snapshot, Context(Phase.PRE, inv.expect))
    # Every writer works and every JSON written is strict and reads back.
    for fmt, reporter in REPORTERS.items():
        text = reporter.render(report)
        if fmt == "json":
            json.loads(text, parse_constant=_refuse)
    path = tmp / "snap.json"
    snapshot.save(path)
    json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse)
    load_snapshot(path)
    return snap, report


def _refuse(token: str) -> None:
    raise AssertionError(f"non-standard JSON token {token}")


def _split(answer: str) -> tuple[str, dict[str, Any], str]:
    head, rest = answer.split("<<SSOCHECK-BEGIN>>", 1)
    body, tail = rest.split("<<SSOCHECK-END>>", 1)
    return head, json.loads(body), tail


@SETTINGS
@given(value=hostile_json | st.sampled_from([_deep(70), _deep(990)]), which=st.integers(0, 100))
def test_a_hostile_fact_value_never_crashes_and_never_passes_unchecked(
    world: dict[str, Any], tmp_path: Path, value: Any, which: int
) -> None:
    head, doc, tail = _split(world["answer"])
    names = sorted(doc["facts"])
    name = names[which % len(names)]
    doc["facts"][name] = {"ok": True, "value": value}
    stdout = head + "<<SSOCHECK-BEGIN>>" + json.dumps(doc) + "<<SSOCHECK-END>>" + tail
    snap, report = _evaluate_with(world, stdout, tmp_path)
    bad = strictjson.problem(value, "", strictjson.MAX_VALUE_CHARS) is not None or (
        isinstance(value, float) and not math.isfinite(value))
    if bad:
        assert name in snap.fact_errors and name not in snap.facts
        needing = [lc.meta.id for lc in world["checks"] if name in lc.meta.facts]
        assert not [r for r in report.results if r.node == "NODE2" and r.check_id in needing
                    and r.status is Status.PASS]


@SETTINGS
@given(garbage=hostile_json, meta=st.sampled_from(["computer", "ps_version", "clock_utc", "facts", "probe"]))
def test_hostile_metadata_or_a_garbage_answer_is_a_node_error_never_a_pass(
    world: dict[str, Any], tmp_path: Path, garbage: Any, meta: str
) -> None:
    head, doc, tail = _split(world["answer"])
    doc[meta] = garbage
    for stdout in (head + "<<SSOCHECK-BEGIN>>" + json.dumps(doc) + "<<SSOCHECK-END>>" + tail,
                   "<<SSOCHECK-BEGIN>>" + json.dumps(garbage) + "<<SSOCHECK-END>>"):
        snap, report = _evaluate_with(world, stdout, tmp_path)
        if snap.error:
            assert not [r for r in report.results if r.node == "NODE2" and r.status is Status.PASS]
            assert report.verdict() != "PASSED"


names = st.text(max_size=70) | st.sampled_from(["NODE1\n", "a" * 300, "x.y", "..", "-a", "a_b", "10.0.0.1"])


@SETTINGS
@given(name=names, address=names, group=st.text(max_size=50), timeout=st.floats(allow_nan=True) | st.integers())
def test_hostile_inventory_values_are_accepted_or_refused_in_one_line(
    tmp_path: Path, name: str, address: str, group: str, timeout: float
) -> None:
    doc = {
        "group": group, "cluster_network_name": "C", "master_secret_server": "C",
        "sso": {"service_account": "CORP\\svc", "database": {"server": "SQL01"}},
        "connection": {"username": "u", "password_env": "X", "node_timeout": timeout},
        "nodes": [{"name": "NODE1", "roles": ["sso-cluster"]}, {"name": name, "roles": ["biztalk"],
                                                                "address": address}],
    }
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        inv = load_inventory(path)
    except ConfigError as exc:
        text = str(exc)
        assert "\n" not in text
        assert len(text) < 600
        return
    node = inv.nodes[1]
    assert "\n" not in node.name and len(node.name) <= 253 and "/" not in node.address
    assert inv.connection.node_timeout > 0 and math.isfinite(inv.connection.node_timeout)
