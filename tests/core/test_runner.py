"""Runner semantics: phases, missing facts, crashes, and group checks never passing on partial data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from ssocheck.check import Context, Expectations, GroupCheck, NodeCheck, NodeFacts, Outcome, failed, passed
from ssocheck.errors import PluginLoadError
from ssocheck.facts.base import Fact, FactParseError
from ssocheck.model import ExitCode, Phase, Severity, Status
from ssocheck.registry import build
from ssocheck.runner import evaluate
from ssocheck.snapshot import NodeSnapshot, Snapshot

EXPECT = Expectations("G", "CLUSTERNET", "BTS1", "CORP\\svc", "SQL01", "SSODB")


class Color(Fact[str]):
    """Test fact."""

    name = "color"
    description = "a colour"
    script = "$value = 'red'"

    @classmethod
    def parse(cls, raw: Any) -> str:
        if not isinstance(raw, str):
            raise FactParseError("not a string")
        return raw


class IsRed(NodeCheck):
    """The node is red."""

    id = "TST001"
    name = "is-red"
    severity = Severity.HIGH
    facts = (Color,)
    references = ("x",)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        color = node.get(Color)
        return passed("red") if color == "red" else failed(f"{color} is not red", expected="red", found=color)


class AllSame(GroupCheck):
    """All nodes have the same colour."""

    id = "TST002"
    name = "all-same"
    severity = Severity.MEDIUM
    facts = (Color,)

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        colors = {n.name: n.get(Color) for n in nodes}
        common = max(set(colors.values()), key=list(colors.values()).count)
        for name, color in colors.items():
            yield passed("same", node=name) if color == common else failed("differs", node=name)


class PostOnly(NodeCheck):
    """Runs after the move only."""

    id = "TST003"
    name = "post-only"
    severity = Severity.LOW
    phases = (Phase.POST,)

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        return passed("ok")


class Crashes(NodeCheck):
    """Always crashes."""

    id = "TST004"
    name = "crashes"
    severity = Severity.LOW

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        raise ZeroDivisionError("boom")


class Writes(NodeCheck):
    """Changes state."""

    id = "TST005"
    name = "writes"
    severity = Severity.LOW
    writes = True

    def evaluate(self, node: NodeFacts, ctx: Context) -> Outcome:
        return passed("wrote")


def snap(*nodes: NodeSnapshot) -> Snapshot:
    return Snapshot(EXPECT, list(nodes), "2026-01-01T00:00:00Z")


def node(name: str, color: Any = "red", **kw: Any) -> NodeSnapshot:
    facts = {} if color is None else {"color": color}
    return NodeSnapshot(name=name, roles=("biztalk",), facts=facts, **kw)


def run(
    snapshot: Snapshot, *classes: type, phase: Phase = Phase.PRE, allow: bool = False
) -> dict[tuple[str, str], Any]:
    report = evaluate(build([("test", list(classes))]), snapshot, Context(phase, EXPECT, allow))
    return {(r.check_id, r.node): r for r in report.results}


def test_pass_fail_and_evidence() -> None:
    res = run(snap(node("A"), node("B", "blue")), IsRed)
    assert res["TST001", "A"].status is Status.PASS
    assert res["TST001", "B"].status is Status.FAIL
    assert res["TST001", "B"].evidence == {"expected": "red", "found": "blue"}


def test_missing_malformed_and_unreachable_are_errors() -> None:
    res = run(
        snap(node("A", None), node("B", 42), node("C", None, error="connection refused"),
             node("D", None, fact_errors={"color": "Access denied"})),
        IsRed,
    )
    assert {k[1]: v.status for k, v in res.items() if k[0] == "TST001"} == {
        "A": Status.ERROR, "B": Status.ERROR, "C": Status.SKIP, "D": Status.ERROR}
    # C was not reached: one error for its collection, its checks skipped with the cause.
    assert res["COLLECTION", "C"].status is Status.ERROR and "connection refused" in res["COLLECTION", "C"].message
    assert "not collected" in res["TST001", "A"].message
    assert "malformed" in res["TST001", "B"].message
    assert "connection refused" in res["TST001", "C"].message
    assert "Access denied" in res["TST001", "D"].message


def test_group_check_never_passes_on_partial_set() -> None:
    res = run(snap(node("A"), node("B"), node("C", None, error="timeout"), node("D", "blue")), AllSame)
    assert res["TST002", "A"].status is Status.SKIP  # not proven without C; C's collection error is the error
    assert "not proven" in res["TST002", "A"].message and "C" in res["TST002", "A"].message
    assert res["TST002", "C"].status is Status.SKIP and res["COLLECTION", "C"].status is Status.ERROR
    # A fact that failed on a reachable node leaves the others "not proven" as errors.
    partial = run(snap(node("A"), node("B"), node("C", None, fact_errors={"color": "denied"})), AllSame)
    assert partial["TST002", "A"].status is Status.ERROR and "not proven" in partial["TST002", "A"].message
    assert res["TST002", "D"].status is Status.FAIL  # a real failure on the others still stands


def test_group_check_complete_set_passes() -> None:
    res = run(snap(node("A"), node("B")), AllSame)
    assert {v.status for v in res.values()} == {Status.PASS}


def test_phase_skip_crash_and_write_gate() -> None:
    res = run(snap(node("A")), PostOnly, Crashes, Writes, phase=Phase.PRE)
    assert res["TST003", "A"].status is Status.SKIP and "phase pre" in res["TST003", "A"].message
    assert res["TST004", "A"].status is Status.ERROR and "ZeroDivisionError: boom" in res["TST004", "A"].message
    assert res["TST005", "A"].status is Status.SKIP and "--allow-changes" in res["TST005", "A"].message
    assert run(snap(node("A")), Writes, allow=True)["TST005", "A"].status is Status.PASS


def test_exit_codes() -> None:
    ok = evaluate(build([("t", [IsRed])]), snap(node("A")), Context(Phase.PRE, EXPECT))
    assert ok.exit_code() is ExitCode.OK
    bad = evaluate(build([("t", [IsRed])]), snap(node("A", "blue"), node("B", None)), Context(Phase.PRE, EXPECT))
    assert bad.exit_code() is ExitCode.FAIL
    err = evaluate(build([("t", [IsRed])]), snap(node("A", None)), Context(Phase.PRE, EXPECT))
    assert err.exit_code() is ExitCode.ERROR and err.verdict() == "INCOMPLETE"


def test_registry_rejects_duplicates_and_bad_classes() -> None:
    with pytest.raises(PluginLoadError, match=r"duplicate check ID TST001.*'a'.*'b'"):
        build([("a", [IsRed]), ("b", [IsRed])])

    class NoDoc(NodeCheck):
        id = "TST009"
        name = "x"
        severity = Severity.LOW

    with pytest.raises(PluginLoadError, match="docstring"):
        build([("p", [NoDoc])])

    class BadId(IsRed):
        """Bad."""

        id = "X1"

    with pytest.raises(PluginLoadError, match="does not look like"):
        build([("p", [BadId])])
    with pytest.raises(PluginLoadError, match="not a NodeCheck"):
        build([("p", [int])])  # type: ignore[list-item]  # a pack that declares a non-check on purpose


class SeenByOthers(GroupCheck):
    """A node is fine when every collected view says so (partial data is judged by the check)."""

    id = "TST006"
    name = "seen-by-others"
    severity = Severity.HIGH
    facts = (Color,)
    partial_ok = True

    def evaluate(self, nodes: Sequence[NodeFacts], ctx: Context) -> Iterable[Outcome]:
        views = {n.name: n.get(Color) for n in nodes if n.missing_reason(Color) is None}
        for n in nodes:
            # "blue" in any view means: the node named "B" is down.
            if n.name == "B" and "blue" in views.values():
                yield failed("seen down by others", node=n.name)
            else:
                yield passed("fine", node=n.name)


def test_partial_ok_group_check_may_prove_failures_but_never_passes_for_incomplete_nodes() -> None:
    res = run(snap(node("A", "blue"), node("B", None, error="refused"), node("C", None, error="refused")),
              SeenByOthers)
    assert res["TST006", "A"].status is Status.PASS  # the check takes responsibility for partial data
    assert res["TST006", "B"].status is Status.FAIL  # proven from A's view
    assert res["TST006", "C"].status is Status.SKIP  # a pass without own facts is refused
    assert res["COLLECTION", "C"].status is Status.ERROR
    assert "refused" in res["TST006", "C"].message


def test_group_check_never_passes_when_node_filter_left_out_a_node_in_its_scope() -> None:
    from ssocheck.nodefilter import NodeFilter

    filtered = snap(node("A"), node("B"), node("D", "blue"))
    filtered.node_filter = NodeFilter(("A", "B", "D"), (("C", ("biztalk",)),))
    res = run(filtered, AllSame, IsRed)
    # C (a biztalk node, in the group check's scope) was left out: "all the same" is not proven on A and B.
    assert res["TST002", "A"].status is Status.SKIP
    assert res["TST002", "A"].message == "not proven: nodes left out by --node: C"
    assert res["TST002", "A"].evidence["not_selected"] == ["C"]
    assert res["TST002", "D"].status is Status.FAIL  # a failure found on the kept nodes stands
    assert res["TST001", "A"].status is Status.PASS  # a node check speaks of its own node only
    assert ("TST002", "C") not in res and ("COLLECTION", "C") not in res  # left out, not unreachable
    # A node left out that is outside the check's scope (another role) does not stop it from passing.
    class BizTalkSame(AllSame):
        """All BizTalk nodes have the same colour."""

        id = "TST009"
        roles = ("biztalk",)

    other_role = snap(node("A"), node("B"))
    other_role.node_filter = NodeFilter(("A", "B"), (("SQL", ("sql",)),))
    assert {r.status for r in run(other_role, BizTalkSame).values()} == {Status.PASS}
