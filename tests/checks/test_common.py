"""Helpers shared by several check modules."""

from __future__ import annotations

from collections import Counter

from ssocheck_checks.common import host, same_host, strict_majority


def test_strict_majority_needs_more_than_any_other_value() -> None:
    assert strict_majority(Counter({"3.12": 3, "3.11": 1})) == "3.12"
    assert strict_majority(Counter({"a": 2, "b": 2})) is None  # a tie has no reference
    assert strict_majority(Counter({"only": 1})) == "only"
    assert strict_majority(Counter()) is None


def test_host_compares_netbios_part_case_insensitively() -> None:
    assert host("Node1.corp.example.com") == host("NODE1")
    assert same_host("biztalkcluster", "BIZTALKCLUSTER.corp.example.com")
    assert not same_host("NODE1", "NODE2")
    assert not same_host(None, "NODE1")
