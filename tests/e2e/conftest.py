"""Fixtures for end-to-end tests: a running :class:`LabFarm` per scenario and ways to run ssocheck against it.

Nothing is mocked: ssocheck talks to the farm with the real pywinrm client over loopback (NTLM with message
encryption on http, NTLM with channel binding and CA validation on https).

* ``lab`` (module scope, parametrised indirectly with ``(scenario, scheme)``): the running farm and the
  inventory it wrote. Tests with the same parameter share one farm (pytest finishes one parameter before it
  starts the next). Farms alive at the same time share the lab account and its per-process random password.
* :func:`run_cli`: ``ssocheck ...`` through click's CliRunner, returning ``(exit_code, stdout, stderr)``.
* :func:`evaluate_inventory`: the same pipeline through the Python API (load, collect, evaluate).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from ssocheck.check import Context
from ssocheck.collect import gather
from ssocheck.inventory import load_inventory
from ssocheck.lab.farm import LabFarm
from ssocheck.model import Phase, Report
from ssocheck.registry import load_checks
from ssocheck.runner import evaluate


@dataclass
class LabRun:
    """A running farm of one scenario and the inventory that points at it."""

    scenario: str
    scheme: str
    farm: LabFarm
    inventory: Path
    workdir: Path

    def up_nodes(self) -> list[str]:
        """Names of the nodes that are powered on in the scenario."""
        return [n.name for n in self.farm.state.iter_nodes() if n.up]


def run_cli(args: Sequence[str | Path]) -> tuple[int, str, str]:
    """Run ``ssocheck <args>`` in-process; returns (exit code, stdout, stderr)."""
    from ssocheck.cli import main  # imported late: a broken CLI must not break collection of other tests

    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def evaluate_inventory(inventory: Path) -> Report:
    """Collect every node of ``inventory`` and evaluate every installed check (the ``run`` pipeline, in Python)."""
    inv = load_inventory(inventory)
    checks = load_checks()
    snapshot, _audit = gather(inv, [lc.check for lc in checks], inv.password())
    return evaluate(checks, snapshot, Context(inv.phase or Phase.PRE, inv.expect))


def case_id(case: tuple[str, str]) -> str:
    """``scenario-scheme``, for readable test ids."""
    return f"{case[0]}-{case[1]}"


@pytest.fixture(scope="module")
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabRun]:
    """Start the farm of ``request.param = (scenario, scheme)`` and write its inventory."""
    scenario, scheme = request.param
    workdir = tmp_path_factory.mktemp(f"lab-{scenario}-{scheme}")
    with LabFarm(scenario, scheme=scheme, workdir=workdir / "farm") as farm:
        inventory = farm.write_inventory(workdir / "inventory.yml")
        yield LabRun(scenario, scheme, farm, inventory, workdir)
