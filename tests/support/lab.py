"""Running ssocheck against a simulated farm: the ``lab`` fixture's value and two ways to run the pipeline.

Nothing is mocked: ssocheck talks to the farm with the real pywinrm client over loopback (NTLM with message
encryption on http, NTLM with channel binding and CA validation on https).

* :class:`LabRun`: a running farm of one scenario and the inventory it wrote (the ``lab`` fixture of
  ``tests/e2e/conftest.py``);
* :func:`run_cli`: ``ssocheck ...`` through click's CliRunner, returning ``(exit_code, stdout, stderr)``;
* :func:`evaluate_inventory`: collection and evaluation only, through the library (no waivers, baseline,
  provenance or ``allow_changes``: what every scenario's ``expect_not_passing`` describes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


