"""The runner's own safety nets: a misbehaving check (third-party packs above all) never yields PASS.

Each case is a check that breaks the contract in one way; the runner must turn it into ``error`` (or keep
the worst verdict), never ``pass``, and the run's verdict must not be PASSED. These also kill the mutants
that survived the review (review.md 4.3/4.5: M12 several outcomes keep the first, M14 empty outcome -> PASS,
M15 a group check forgets a node -> PASS; runner lines never executed: scope filter, group crash).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from ssocheck.check import Check, Context, GroupCheck, NodeCheck, NodeFacts, Outcome, failed, passed
from ssocheck.errors import FactError
from ssocheck.model import Phase, Severity, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot
from tests.core.test_runner import EXPECT, Color


def _node(name: str, color: str | None = "red", **kw: Any) -> NodeSnapshot:
    facts = {} if color is None else {"color": color}
    return NodeSnapshot(name=name, roles=("biztalk",), facts=facts, **kw)


def _run(check: type[Check], *nodes: NodeSnapshot) -> tuple[dict[str, Status], str, dict[str, str]]:
    report = evaluate(build([("t", [check])]), Snapshot(EXPECT, list(nodes), "2026-11-30T00:00:00Z"),
                      Context(Phase.PRE, EXPECT))
    mine = [r for r in report.results if r.check_id == check.id]
    assert sorted(r.node for r in mine) == sorted(n.name for n in nodes)  # exactly one verdict per node
    return {r.node: r.status for r in mine}, report.verdict(), {r.node: r.message for r in mine}


def node_check(cid: str, body: Any) -> type[Check]:
    class C(NodeCheck):
        """Misbehaving node check."""

        id = cid
        name = cid.lower()
        severity = Severity.HIGH
        facts = (Color,)

        def evaluate(self, node: NodeFacts, ctx: Context) -> Any:
            return body(node)

    return C


def group_check(cid: str, body: Any) -> type[Check]:
    class G(GroupCheck):
        """Misbehaving group check."""

        id = cid
        name = cid.lower()
        severity = Severity.HIGH
        facts = (Color,)

        def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
            return body(nodes)  # type: ignore[no-any-return]

    return G


def _raise(_: Any) -> Any:
    raise RuntimeError("boom")


def _half_then_raise(nodes: Sequence[NodeFacts]) -> Iterable[Outcome]:
    yield passed("fine", node=nodes[0].name)
    raise RuntimeError("boom half-way")


NODE_CASES = {
    "raises": _raise,
    "returns None": lambda n: None,
    "returns an empty list": lambda n: [],  # M14
    "returns a string": lambda n: "pass",
    "returns a dict": lambda n: {"status": "pass"},
    "pass then fail": lambda n: [passed("ok"), failed("bad")],  # M12: the worst wins, not the first
    "pass then error": lambda n: [passed("ok"), Outcome(Status.ERROR, "undecided")],
}


@pytest.mark.parametrize("case", sorted(NODE_CASES))
def test_a_misbehaving_node_check_never_passes(case: str) -> None:
    statuses, verdict, _ = _run(node_check("BAD001", NODE_CASES[case]), _node("A"), _node("B"))
    assert Status.PASS not in statuses.values() and verdict != "PASSED", statuses
    assert set(statuses.values()) <= {Status.ERROR, Status.FAIL}


def test_several_node_outcomes_collapse_to_the_worst() -> None:
    statuses, _, _ = _run(node_check("BAD002", NODE_CASES["pass then fail"]), _node("A"))
    assert statuses == {"A": Status.FAIL}


def test_a_node_check_is_never_called_without_its_facts() -> None:
    called: list[str] = []

    def body(n: NodeFacts) -> Outcome:
        called.append(n.name)
        return passed("looked at nothing")

    statuses, verdict, messages = _run(node_check("BAD003", body), _node("A"), _node("B", None))
    assert statuses == {"A": Status.PASS, "B": Status.ERROR} and called == ["A"] and verdict != "PASSED"
    assert "color" in messages["B"]


GROUP_CASES = {
    "raises": _raise,  # runner lines 100-101 (never executed before)
    "returns None": lambda ns: None,
    "yields nothing": lambda ns: iter(()),
    "forgets a node": lambda ns: [passed("ok", node=ns[0].name)],  # M15
    "speaks only for a stranger": lambda ns: [passed("ok", node="STRANGER")],  # scope filter
    "yields a string": lambda ns: ["pass"],
    "passes half then crashes": _half_then_raise,
}


@pytest.mark.parametrize("case", sorted(GROUP_CASES))
def test_a_misbehaving_group_check_never_passes(case: str) -> None:
    statuses, verdict, _ = _run(group_check("BAD101", GROUP_CASES[case]), _node("A"), _node("B"), _node("C"))
    # The only pass allowed is one the check really gave (A, in "forgets a node" / "passes half").
    vouched = {"A"} if case == "forgets a node" else set()
    assert verdict != "PASSED" and not [n for n, s in statuses.items() if s is Status.PASS and n not in vouched]


def test_a_group_check_that_forgets_a_node_errors_that_node_only() -> None:
    statuses, _, messages = _run(group_check("BAD102", GROUP_CASES["forgets a node"]), _node("A"), _node("B"))
    assert statuses == {"A": Status.PASS, "B": Status.ERROR}
    assert "no verdict for this node" in messages["B"]


def test_a_group_check_may_not_speak_for_a_node_outside_its_scope() -> None:
    def body(ns: Sequence[NodeFacts]) -> Iterable[Outcome]:
        yield failed("stranger is wrong", node="STRANGER")
        yield from (passed("ok", node=n.name) for n in ns)

    statuses, verdict, _ = _run(group_check("BAD103", body), _node("A"), _node("B"))
    assert statuses == {"A": Status.PASS, "B": Status.PASS} and verdict == "PASSED"


def test_a_group_pass_for_a_node_without_its_facts_is_refused() -> None:
    def body(ns: Sequence[NodeFacts]) -> Iterable[Outcome]:
        yield passed("everyone is fine")  # no node: speaks for all, including the one without facts

    statuses, verdict, _ = _run(group_check("BAD104", body), _node("A"), _node("B"), _node("C", None))
    assert Status.PASS not in statuses.values() and verdict != "PASSED"


def test_a_group_check_crash_is_an_error_on_every_node_with_the_cause() -> None:
    statuses, verdict, messages = _run(group_check("BAD105", _raise), _node("A"), _node("B"))
    assert statuses == {"A": Status.ERROR, "B": Status.ERROR} and verdict == "INCOMPLETE"
    assert all("check crashed: RuntimeError: boom" in m for m in messages.values())


def test_several_group_outcomes_for_one_node_collapse_to_the_worst() -> None:
    # A group check that first vouches for everyone, then finds one node wrong: the later, worse verdict
    # wins for that node (keeping the first would turn a proven failure into a pass).
    def body(ns: Sequence[NodeFacts]) -> Iterable[Outcome]:
        yield passed("all look fine")
        yield failed("B shares a CID with A", node="B")
        yield passed("B is fine after all", node="B")

    statuses, verdict, messages = _run(group_check("BAD106", body), _node("A"), _node("B"))
    assert statuses == {"A": Status.PASS, "B": Status.FAIL} and verdict == "FAILED"
    assert messages["B"] == "B shares a CID with A"


def test_a_group_check_that_cannot_read_a_fact_is_an_error_on_every_node() -> None:
    def body(ns: Sequence[NodeFacts]) -> Iterable[Outcome]:
        yield passed("fine so far", node=ns[0].name)
        raise FactError("color", "malformed value: expected str, got int", node=ns[1].name)

    statuses, verdict, messages = _run(group_check("BAD107", body), _node("A"), _node("B"))
    assert statuses == {"A": Status.ERROR, "B": Status.ERROR} and verdict == "INCOMPLETE"
    assert all(m.startswith("cannot evaluate:") and "malformed value" in m for m in messages.values())


def test_a_group_check_may_not_judge_a_node_it_was_not_given() -> None:
    # C has no facts, so the check is not given C; a verdict about C (even a failure) is not its to give:
    # C stays "cannot evaluate" naming the missing fact, and the others are not proven.
    def body(ns: Sequence[NodeFacts]) -> Iterable[Outcome]:
        yield failed("C is wrong", node="C")
        yield from (passed("ok", node=n.name) for n in ns)

    statuses, verdict, messages = _run(group_check("BAD108", body), _node("A"), _node("B"), _node("C", None))
    assert statuses == {"A": Status.ERROR, "B": Status.ERROR, "C": Status.ERROR} and verdict == "INCOMPLETE"
    assert messages["C"].startswith("cannot evaluate: color")


def test_a_group_check_crash_beside_a_down_node_stays_an_error() -> None:
    statuses, _, messages = _run(group_check("BAD111", _raise), _node("A"), _node("R1", error="R1: refused"))
    assert statuses == {"A": Status.ERROR, "R1": Status.SKIP} and "check crashed" in messages["A"]


def test_a_not_proven_message_names_a_few_missing_nodes_and_counts_the_rest() -> None:
    # An interrupted 500-node run: ~300 nodes not collected. Naming every one with its reason in every
    # "not proven" message made each 38 KB long and the JSON report 121 MB.
    down = [_node(f"R{i:03d}", error=f"R{i:03d}: not contacted: the run was interrupted") for i in range(40)]
    statuses, _, messages = _run(group_check("BAD112", lambda ns: [passed("same")]), _node("A"), *down)
    assert statuses["A"] is Status.SKIP
    assert messages["A"].startswith("not proven: facts missing for R000 (") and "R002 (" in messages["A"]
    assert "R003" not in messages["A"] and "and 37 more nodes" in messages["A"] and len(messages["A"]) < 600
    report = evaluate(build([("t", [group_check("BAD113", lambda ns: [passed("same")])])]),
                      Snapshot(EXPECT, [_node("A"), *down], "2026-11-30T00:00:00Z"), Context(Phase.PRE, EXPECT))
    mine = next(r for r in report.results if r.node == "A" and r.check_id == "BAD113")
    assert mine.evidence["missing_nodes"] == [n.name for n in down]  # every one, for the machines
