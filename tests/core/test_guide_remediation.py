"""The migration guide's steps (named, titled, in order) and remediation filled in from evidence."""

from __future__ import annotations

import pytest

from ssocheck import guide, remediation
from ssocheck.model import Result, Status
from ssocheck.registry import load_checks


def test_steps_in_the_guides_reading_order_with_22_split() -> None:
    numbers = [s.number for s in guide.STEPS]
    assert numbers == [str(n) for n in range(1, 22)] + ["22a", "22b", "23", "24"]
    assert {s.window for s in guide.STEPS[:17]} == {guide.BEFORE}
    assert {s.window for s in guide.STEPS[17:]} == {guide.DURING}
    # A step no check verifies says what the operator confirms by hand.
    assert all(s.manual for s in guide.STEPS if not s.verified_by)


@pytest.mark.parametrize(("value", "numbers"), [
    ("15", ["15"]), ("4, 6", ["4", "6"]), ("18-19", ["18", "19"]), ("22", ["22a", "22b"]),
    ("20, 22", ["20", "22a", "22b"]), ("-", []), ("", []), ("99", []), ("14-17", ["14", "15", "16", "17"]),
])
def test_catalog_values_name_steps(value: str, numbers: list[str]) -> None:
    assert [s.number for s in guide.steps_for(value)] == numbers


def test_describe_names_the_guide_and_the_step() -> None:
    text = guide.describe("15")
    assert text.startswith("Migration guide step 15: 'Use Network Name for computer name' is ticked")
    assert guide.describe("-") == ""
    # "22" is two steps in the guide; a check that verifies one half is shown that half only.
    assert guide.describe("22", "DTC003") == (
        "Migration guide step 22b: MSDTC (local and clustered) restarted on every node concerned")
    assert "22a" in guide.describe("22") and "22b" in guide.describe("22")


def test_every_catalog_guide_step_names_a_known_step() -> None:
    for lc in load_checks():
        if lc.meta.guide_step.strip() != "-":
            assert guide.steps_for(lc.meta.guide_step), lc.meta.id


def fill(template: str, node: str = "NODE1", **evidence: object) -> str:
    return remediation.fill(template, Result("CLU003", node, Status.FAIL, "m", evidence))


def test_placeholders_take_the_evidence_values_quoted_for_powershell() -> None:
    template = "Get-ClusterResource <ENTSSO resource> | Set-ClusterParameter UseNetworkName 1"
    assert fill(template, resource="Enterprise Single Sign-On Service") == (
        "Get-ClusterResource 'Enterprise Single Sign-On Service' | Set-ClusterParameter UseNetworkName 1")
    assert fill(template, resource="ENTSSO") == "Get-ClusterResource ENTSSO | Set-ClusterParameter UseNetworkName 1"
    assert fill("Start-ClusterResource '<DTC resource name>'", dtc_resource="MSDTC-SSO") == (
        "Start-ClusterResource 'MSDTC-SSO'")  # already quoted by the template
    assert fill("x <ENTSSO resource>", resource="it's") == "x 'it''s'"


def test_node_falls_back_to_the_results_node_and_unknowns_stay() -> None:
    assert fill("Start-ClusterNode -Name <node>", node="NODE2") == "Start-ClusterNode -Name NODE2"
    # Nothing is guessed: no evidence value, the placeholder stays; XML tags in a template are not placeholders.
    assert fill("restore <backup file>; <sso><globalInfo>") == "restore <backup file>; <sso><globalInfo>"
    assert fill("Move-ClusterGroup <SSO role> -Node <node>", role="SSO") == "Move-ClusterGroup SSO -Node NODE1"
    # Values that are not one short line are not pasted into a command.
    assert fill("x <ENTSSO resource>", resource="a\nb") == "x <ENTSSO resource>"
