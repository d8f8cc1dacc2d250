"""Prometheus text exposition of a report, for the node exporter's textfile collector.

Written as ``ssocheck.prom`` (``--format prometheus``); point the node exporter's
``--collector.textfile.directory`` at the output folder (or copy the file there) and alert on it. The
format is Prometheus' text exposition format 0.0.4: ``# HELP``/``# TYPE`` lines, then samples
``name{label="value",...} number``; label values escape backslash, double quote and newline
(https://prometheus.io/docs/instrumenting/exposition_formats/). The textfile collector reads only files
that end in ``.prom`` and were written atomically; the pipeline writes every report with a rename.

Series (all gauges; ``group`` and ``phase`` on every one):

* ``ssocheck_check_status{check,node,severity,status}`` 1: one series per check and node, its outcome as
  the ``status`` label (``pass``, ``fail``, ``warn``, ``skip``, ``error``...). Alert on
  ``ssocheck_check_status{status=~"fail|error"}``.
* ``ssocheck_results{status}``: how many results have each status (every status, zeros included).
* ``ssocheck_node_collected{node}``: 1 when the node's facts were collected, 0 when it was not.
* ``ssocheck_run_verdict{verdict}`` 1, ``ssocheck_run_exit_code``, ``ssocheck_run_timestamp_seconds`` (end of
  the run, Unix time: alert when it is older than a day, the nightly job stopped), ``ssocheck_run_duration_seconds``.
* ``ssocheck_info{version,topology}`` 1: the ssocheck version and the master secret server topology checked.
"""

from __future__ import annotations

from calendar import timegm
from collections.abc import Iterable, Mapping
from time import strptime
from typing import Any

from ssocheck.model import Report
from ssocheck.reporters.common import redacted


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f'{key}="{_escape_label(str(value))}"' for key, value in labels.items()) + "}"


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) and not value.is_integer() else str(int(value))


class _Family:
    """One metric family: its HELP/TYPE header and samples."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name = name
        self.help_text = help_text
        self.samples: list[tuple[dict[str, str], float]] = []

    def add(self, labels: Mapping[str, str], value: float) -> None:
        self.samples.append((dict(labels), value))

    def lines(self) -> Iterable[str]:
        yield f"# HELP {self.name} {_escape_help(self.help_text)}"
        yield f"# TYPE {self.name} gauge"
        for labels, value in self.samples:
            yield f"{self.name}{_labels(labels)} {_number(value)}"


def _unix_time(stamp: str) -> float | None:
    """``2026-11-30T02:30:00Z`` (the report's timestamps) as Unix seconds; None when unparsable."""
    try:
        return float(timegm(strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")))
    except (TypeError, ValueError):
        return None


def render(report: Report, **_: Any) -> str:
    """The report as a Prometheus text exposition document (ends with a newline, as the collector requires).

    Only names, statuses and numbers go out (no messages or evidence); they are redacted like every report."""
    report = redacted(report)
    run = {"group": report.group, "phase": report.phase.value}
    status = _Family("ssocheck_check_status", "Outcome of one ssocheck check on one node (the status label).")
    severity_of = {cid: meta.severity.value for cid, meta in report.checks.items()}
    for result in sorted(report.results, key=lambda r: (r.check_id, r.node)):
        status.add({**run, "check": result.check_id, "node": result.node,
                    "severity": severity_of.get(result.check_id, "unknown"), "status": result.status.value}, 1)
    counts = _Family("ssocheck_results", "Number of results of the last run per status.")
    for state, number in report.counts().items():
        counts.add({**run, "status": state.value}, number)
    nodes = _Family("ssocheck_node_collected", "1 when the node's facts were collected in the last run, else 0.")
    for node in report.nodes:
        nodes.add({**run, "node": node.name}, 0 if node.error else 1)
    verdict = _Family("ssocheck_run_verdict", "Verdict of the last run (the verdict label), as in every report.")
    verdict.add({**run, "verdict": report.verdict()}, 1)
    exit_code = _Family("ssocheck_run_exit_code", "Exit code of the last run (README: Exit codes).")
    exit_code.add(run, int(report.exit_code()))
    families = [status, counts, nodes, verdict, exit_code]
    finished = _unix_time(report.finished_at)
    if finished is not None:
        stamp = _Family("ssocheck_run_timestamp_seconds", "When the last run finished, Unix time.")
        stamp.add(run, finished)
        families.append(stamp)
    duration = _Family("ssocheck_run_duration_seconds", "How long the last run took (collection and evaluation).")
    duration.add(run, round(report.duration_s, 3))
    info = _Family("ssocheck_info", "The ssocheck version that wrote this file and the MSS topology it checked.")
    info.add({"version": report.tool_version, "topology": report.topology}, 1)
    families += [duration, info]
    return "\n".join(line for family in families for line in family.lines()) + "\n"


