"""Group evidence stays small however big the farm is."""

from __future__ import annotations

from ssocheck.evidence import group_summary


def test_group_summary_counts_and_caps_node_lists() -> None:
    values = {f"BTS{i:03}": "SQL01/SSODB" for i in range(500)} | {"NODE1": "SQL01/OTHER"}
    summary = group_summary(values)
    assert summary["SQL01/OTHER"] == {"count": 1, "nodes": ["NODE1"]}
    assert summary["SQL01/SSODB"]["count"] == 500
    assert summary["SQL01/SSODB"]["nodes"] == ["BTS000", "BTS001", "BTS002", "BTS003", "BTS004", "..."]
    assert group_summary({"A": None}) == {"None": {"count": 1, "nodes": ["A"]}}
