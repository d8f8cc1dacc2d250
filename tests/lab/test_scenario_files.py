"""Scenario and overlay files are strict (a typo fails loudly, naming file and key); an external scenario file can
extend the built-in ones; expect_not_passing statuses are checked (``fail|warn`` alternatives, ``*``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssocheck.lab.farm import LabFarm
from ssocheck.lab.state import ScenarioError, load_scenario


def test_an_external_scenario_extends_a_built_in_one(tmp_path: Path) -> None:
    path = tmp_path / "my-case.yaml"
    path.write_text(
        "name: my-case\ndescription: mine\nextends: healthy-post\n"
        "expect_not_passing:\n  - [SSO004, \"*\", fail|warn]\n"
        "nodes:\n  NODE1:\n    services: {ENTSSO: {account: LocalSystem}}\n",
        encoding="utf-8",
    )
    farm = load_scenario(str(path))
    assert farm.name == "my-case" and farm.nodes["NODE1"].services["ENTSSO"].account == "LocalSystem"
    assert farm.nodes["NODE2"].services["ENTSSO"].account == "CORP\\svc_sso"  # from the built-in chain
    assert farm.expect_not_passing == [["SSO004", "*", "fail|warn"]]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("nodez: {}\n", "unknown key 'nodez'"),
        ("nodes:\n  NODE1:\n    servcies: {}\n", "nodes.NODE1: unknown key 'servcies'"),
        ("expect_not_passing:\n  - [SSO004, NODE1, failed]\n", "expect_not_passing"),
        ("expect_not_passing:\n  - [SSO004, NODE1]\n", "expect_not_passing"),
    ],
)
def test_a_typo_names_the_file_and_the_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("name: typo\nextends: healthy-post\n" + text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    assert str(path) in str(caught.value) and where in str(caught.value)


def test_overlays_are_strict_too(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yml"
    overlay.write_text("nodes:\n  NODE2:\n    ps_verison: '2.0'\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"overlay\.yml: nodes\.NODE2: unknown key 'ps_verison'"):
        load_scenario("healthy-post", overlay)
    with LabFarm("healthy-post", username="LAB\\ovl") as farm, pytest.raises(ScenarioError, match="'nodez'"):
        farm.apply_overlay({"nodez": {}})
