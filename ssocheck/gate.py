"""The CI gate: the process exit code of a run, with an optional severity threshold (``--fail-on``).

Exit codes stay as documented (0 ok, 1 at least one failure that counts, 2 usage, 3 error without
a counting failure). Without a threshold every ``fail`` counts, as :meth:`Report.exit_code` says.
With ``--fail-on high``, a failure of a ``medium`` or ``low`` check still shows as ``fail`` in
every report but does not make the exit code 1. ``error`` results always count (exit 3): an
undecided check is never waved through by a threshold.
"""

from __future__ import annotations

from typing import Any

from ssocheck.model import ExitCode, Report, Severity, Status

SECTION = "gate"


def counted_failures(report: Report, fail_on: Severity | None) -> tuple[int, int]:
    """(failures that count for the exit code, failures below the threshold)."""
    counted = below = 0
    for result in report.results:
        if result.status is not Status.FAIL:
            continue
        meta = report.checks.get(result.check_id)
        # A result of an unknown check (should not happen) counts: never lose a failure.
        if fail_on is None or meta is None or meta.severity.at_least(fail_on):
            counted += 1
        else:
            below += 1
    return counted, below


def exit_code(report: Report, fail_on: Severity | None = None) -> ExitCode:
    """0 / 1 / 3 for ``report``; with ``fail_on``, only failures of at least that severity give 1."""
    counted, _below = counted_failures(report, fail_on)
    if counted:
        return ExitCode.FAIL
    if report.counts()[Status.ERROR]:
        return ExitCode.ERROR
    return ExitCode.OK


def gate_section(report: Report, fail_on: Severity) -> dict[str, Any]:
    """The ``gate`` report section written when ``--fail-on`` is given, so reports show why the exit code differs.

    (The report's own ``exit_code``/``verdict`` count every failure; this section records the threshold and
    the exit code the process actually returned.)
    """
    counted, below = counted_failures(report, fail_on)
    return {
        "fail_on": fail_on.value,
        "exit_code": int(exit_code(report, fail_on)),
        "failures_counted": counted,
        "failures_below_threshold": below,
    }
