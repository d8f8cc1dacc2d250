"""Fixtures for end-to-end tests: a running :class:`LabFarm` per scenario and ways to run ssocheck against it.

Nothing is mocked: ssocheck talks to the farm with the real pywinrm client over loopback (NTLM with message
encryption on http, NTLM with channel binding and CA validation on https).

* ``lab`` (module scope, parametrised indirectly with ``(scenario, scheme)``): the running farm and the
  inventory it wrote. Tests with the same parameter share one farm (pytest finishes one parameter before it
  starts the next). Farms alive at the same time share the lab account and its per-process random password.
Helpers (``run_cli``, ``evaluate_inventory``, ``LabRun``, ``case_id``) live in :mod:`tests.support.lab`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ssocheck.lab.farm import LabFarm
from tests.support.lab import LabRun


@pytest.fixture(scope="module")
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabRun]:
    """Start the farm of ``request.param = (scenario, scheme)`` and write its inventory."""
    scenario, scheme = request.param
    workdir = tmp_path_factory.mktemp(f"lab-{scenario}-{scheme}")
    with LabFarm(scenario, scheme=scheme, workdir=workdir / "farm") as farm:
        inventory = farm.write_inventory(workdir / "inventory.yml")
        yield LabRun(scenario, scheme, farm, inventory, workdir)
