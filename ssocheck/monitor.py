"""``ssocheck monitor``: a Nagios/Icinga plugin answering "can BizTalk get the master secret right now".

The BizTalk documentation on master secret server availability asks for an alert when the master secret
server becomes unavailable: the SSO services refresh the secret every 60 seconds and keep working on the
cached one, but nothing new can be encrypted until it is back. Nightly CI notices a day late; a monitoring
system polls this plugin every few minutes.

It runs a quick subset of the catalog (``MONITOR_CHECKS``) in phase nightly, through the same pipeline as
``run`` (one read-only remote command per node, only the facts these checks need), and prints one status line
with performance data, as the Monitoring Plugins Development Guidelines ask:

    SSOCHECK CRITICAL - SSO009 fail on BTSNODE1: ... | checks=5;;;0 pass=4;;;0 ...

then one line per finding (the "long output"). Exit codes are the plugin API's, NOT ``run``'s:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. A failure of a critical or high check is CRITICAL, of a lower one
WARNING, a warning WARNING; a node or fact that could not be read (nothing proven) is UNKNOWN unless a failure
already proves CRITICAL; a configuration error or a crash is UNKNOWN with its one line. Never OK unless every
selected check passed or was skipped (by phase or topology, counted apart in the status line), and at least one
passed.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from ssocheck.model import Report, Severity, Status
from ssocheck.reporters.common import escape_controls

# ENTSSO resource online in the role of the network name; that network name online and registered; from each
# BizTalk node the network name resolves and RPC answers; each BizTalk node's ENTSSO last got the secret from the
# network name with no failure since; only the owner node acts as master secret server.
MONITOR_CHECKS: tuple[str, ...] = ("CLU002", "CLU007", "NET001", "SSO009", "SSO010")
_MAX_FIRST_LINE = 400  # the guidelines allow 4 KB in all; the first line is what pagers and dashboards show


class PluginState(enum.IntEnum):
    """Plugin return codes (Monitoring Plugins Development Guidelines, "Plugin Return Codes")."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass(frozen=True)
class PluginOutput:
    """What the plugin prints (``text``: status line, then long output) and its exit code."""

    state: PluginState
    text: str


def _clean(text: str) -> str:
    """One line of plugin text: no control characters, and no ``|`` (it starts the performance data)."""
    return " ".join(escape_controls(text).replace("|", "/").split())


def _perfdata(report: Report, duration_s: float) -> str:
    counts = report.counts()
    down = sum(1 for n in report.nodes if n.error)
    metrics = [("checks", len(report.results))]
    metrics += [(status.value, counts.get(status, 0)) for status in (Status.PASS, Status.FAIL, Status.WARN,
                                                                    Status.ERROR)]
    metrics.append(("nodes_not_collected", down))
    parts = [f"{label}={value};;;0" for label, value in metrics]
    parts.append(f"duration={duration_s:.3f}s;;;0")
    return " ".join(parts)


def evaluate_report(report: Report) -> PluginOutput:
    """The plugin's verdict on a report of the monitor subset."""
    findings = sorted(
        (r for r in report.results if r.status in (Status.FAIL, Status.WARN, Status.ERROR)),
        key=lambda r: ({Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2}[r.status], r.check_id, r.node),
    )
    state = PluginState.OK
    for result in findings:
        meta = report.checks.get(result.check_id)
        severe = meta is None or meta.severity.at_least(Severity.HIGH)
        if result.status is Status.FAIL:
            candidate = PluginState.CRITICAL if severe else PluginState.WARNING
        elif result.status is Status.ERROR:
            candidate = PluginState.UNKNOWN
        else:
            candidate = PluginState.WARNING
        state = max(state, candidate, key=_urgency)
    passed = sum(1 for r in report.results if r.status is Status.PASS)
    if not passed and state is PluginState.OK:
        # Nothing was judged, or every result was skipped (e.g. all checks outside the inventory's topology, or
        # outside the phase): nothing is proven, so never OK.
        state = PluginState.UNKNOWN
    if findings:
        first = findings[0]
        summary = f"{first.check_id} {first.status.value} on {first.node}: {first.message}"
        if len(findings) > 1:
            summary += f" (+{len(findings) - 1} more)"
    elif passed:
        summary = f"the master secret is available: {_counted(passed, 'result')} passed" + _not_judged(report)
    elif report.results:
        summary = f"nothing proven: all {_counted(len(report.results), 'result')} skipped or waived"
    else:
        summary = "no check ran"
    status_line = _clean(f"SSOCHECK {state.name} - {summary}")[:_MAX_FIRST_LINE]
    lines = [f"{status_line} | {_perfdata(report, report.duration_s)}"]
    lines += [_clean(f"{r.check_id} {r.status.value} on {r.node}: {r.message}") for r in findings]
    return PluginOutput(state, "\n".join(lines))


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _not_judged(report: Report) -> str:
    """', 2 skipped (not applicable to topology standalone...)': the OK line never calls a skip a pass."""
    skipped = [r for r in report.results if r.status in (Status.SKIP, Status.WAIVED)]
    if not skipped:
        return ""
    reasons = sorted({r.check_id for r in skipped})
    return f", {len(skipped)} skipped or waived ({', '.join(reasons)})"


def _urgency(state: PluginState) -> int:
    """CRITICAL outranks UNKNOWN (a proven failure says more than an unreadable node), UNKNOWN outranks WARNING."""
    return {PluginState.OK: 0, PluginState.WARNING: 1, PluginState.UNKNOWN: 2, PluginState.CRITICAL: 3}[state]


def unknown(message: str) -> PluginOutput:
    """UNKNOWN with one line: the plugin could not do its job (bad inventory, crash)."""
    return PluginOutput(PluginState.UNKNOWN, _clean(f"SSOCHECK UNKNOWN - {message}")[:_MAX_FIRST_LINE])


def selected_checks(extra: Sequence[str] = ()) -> tuple[str, ...]:
    """The monitor subset plus any check IDs the user adds."""
    return tuple(dict.fromkeys((*MONITOR_CHECKS, *extra)))
