"""Fixtures for the nightly/phase/waiver end-to-end tests: a running lab farm that tests can change and restore.

Everything goes through the real CLI (click's CliRunner on ``ssocheck.cli:main``), the real pywinrm client and
the lab's WinRM endpoint on loopback. A test changes the farm with a scenario overlay (``farm.apply_overlay``,
deep-merged like ``extends``) inside :meth:`LiveFarm.changed`, which restores the original scenario afterwards
by applying the inverse overlay, so the tests of a module share one farm without leaking changes.
Each test starts from the original scenario: the ``live_farm`` fixture checks that no earlier test left a change.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.nightly import LiveFarm


@pytest.fixture(scope="module")
def live_farm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFarm]:
    """The farm of the module's ``SCENARIO`` (default healthy-post), served over NTLM-encrypted HTTP."""
    scenario = getattr(request.module, "SCENARIO", "healthy-post")
    workdir = tmp_path_factory.mktemp(f"nightly-{scenario}")
    with LabFarm(scenario, workdir=workdir / "farm") as farm:
        inventory = farm.write_inventory(workdir / "inventory.yml")
        yield LiveFarm(farm, inventory, workdir, copy.deepcopy(farm.state.document))


@pytest.fixture(autouse=True)
def _farm_starts_unchanged(request: pytest.FixtureRequest) -> None:
    """A test that uses ``live_farm`` starts from the original scenario, whatever earlier tests did."""
    if "live_farm" in request.fixturenames:
        live: LiveFarm = request.getfixturevalue("live_farm")
        assert live.farm.state.document == live.original, "an earlier test left the farm changed"
