"""The run pipeline as a library: one function per use case, each returning a typed outcome.

This is the one place that strings the core together (docs/architecture.md, "Data flow")::

    load_ci_inputs()  baseline, waivers, --fail-on: validated before anything is collected
    run()             inventory -> collect (1 probe/node) -> evaluate -> drift section -> waivers -> exit code
    check()           snapshot file ->                       evaluate -> drift section -> waivers -> exit code
    collect()         inventory -> collect                                                -> exit code
    save_baseline()   inventory or snapshot file -> Baseline                              -> exit code
    drift()           baseline + (inventory or snapshot file) -> DRF001 report + changes  -> exit code
    doctor()          inventory -> one tiny command per node                              -> exit code
    catalog()         the installed checks' metadata
    console_text() / write_reports()   a report as console text / as report files (redacted on write)

Every function takes plain values (paths, phases, check IDs) and returns a frozen outcome holding the
report, the snapshot, the audit trail and the exit code; none prints, parses options or exits. The
command line (``ssocheck/cli.py``) parses options, calls one of these and prints the outcome; any
other front end (a scheduler, a monitor, a test) calls the same functions. Errors are the
:mod:`ssocheck.errors` hierarchy, raised, never printed.

The collector, transport and reporters are imported inside the functions that use them, so that
``ssocheck --version`` and ``ssocheck list`` stay fast (the benchmark measures the CLI's start-up).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ssocheck import provenance
from ssocheck.check import Context
from ssocheck.errors import ConfigError, SnapshotError
from ssocheck.model import CheckMeta, ExitCode, Phase, Report, Severity
from ssocheck.registry import LoadedCheck, load_checks, select

if TYPE_CHECKING:
    from ssocheck.baseline import Baseline
    from ssocheck.collect import AuditEntry
    from ssocheck.doctor import DoctorRow
    from ssocheck.drift import Change
    from ssocheck.inventory import Inventory
    from ssocheck.nodefilter import NodeFilter
    from ssocheck.snapshot import Snapshot
    from ssocheck.waivers import Waiver, WaiverSet

# Report file names of `run` and `check`.
REPORT_FILES = {"junit": "ssocheck-junit.xml", "html": "ssocheck-report.html", "json": "ssocheck-report.json"}
# Written only when asked for with --format (the node exporter's textfile collector reads *.prom files).
OPTIONAL_REPORT_FILES = {"prometheus": "ssocheck.prom"}
# `ssocheck drift` writes its own files, so a CI job can run it beside `run` into the same folder.
DRIFT_REPORT_FILES = {"junit": "ssocheck-drift-junit.xml", "html": "ssocheck-drift-report.html",
                      "json": "ssocheck-drift-report.json"}
SNAPSHOT_FILE = "ssocheck-snapshot.json"
DRIFT_CHECK_ID = "DRF001"


@dataclass(frozen=True)
class CiInputs:
    """The optional CI inputs of a run: ``--baseline``, ``--waivers``, ``--fail-on``, ``--include-failover``."""

    baseline: Baseline | None = None
    waivers: WaiverSet | None = None
    fail_on: Severity | None = None
    include_failover: bool = False
    # The files the baseline and waivers came from (None when given as values): for the provenance record.
    baseline_file: Path | None = None
    waivers_file: Path | None = None
    # Use the baseline even if it is of another BizTalk group or shares no node with the farm (--force-baseline).
    force_baseline: bool = False


@dataclass(frozen=True)
class RunOutcome:
    """What ``run`` and ``check`` produce: the final report, the facts it judged, the audit trail, the exit code.

    ``expired_waivers`` are the waivers of ``CiInputs.waivers`` that no longer apply (a front end warns).
    """

    report: Report
    snapshot: Snapshot
    audit: tuple[AuditEntry, ...]
    exit_code: ExitCode
    expired_waivers: tuple[Waiver, ...] = ()


@dataclass(frozen=True)
class CollectOutcome:
    """What ``collect`` produces: the snapshot (phase set from the inventory), the audit trail, the exit code."""

    snapshot: Snapshot
    audit: tuple[AuditEntry, ...]
    exit_code: ExitCode

    @property
    def failed_nodes(self) -> list[tuple[str, str]]:
        """(node, error) of every node that could not be collected, in inventory order."""
        return [(n.name, n.error) for n in self.snapshot.nodes if n.error]


@dataclass(frozen=True)
class BaselineOutcome:
    """What ``save_baseline`` produces.

    ``baseline`` and ``path`` are None when the baseline was refused (a node or fact not collected,
    without ``allow_incomplete``); ``refused`` then says why and ``exit_code`` is 3 for a live
    collection (the farm is at fault) or 2 for a snapshot file (the input is at fault).
    """

    snapshot: Snapshot
    audit: tuple[AuditEntry, ...]
    baseline: Baseline | None
    path: Path | None
    exit_code: ExitCode
    refused: str | None = None


@dataclass(frozen=True)
class DriftOutcome:
    """What ``drift`` produces: the DRF001 report (with its drift section), every change, the exit code."""

    report: Report
    snapshot: Snapshot
    audit: tuple[AuditEntry, ...]
    baseline: Baseline
    changes: tuple[Change, ...]
    exit_code: ExitCode


@dataclass(frozen=True)
class DoctorOutcome:
    """What ``doctor`` produces: one row per node, exit code 0 when every node answered, else 3."""

    rows: tuple[DoctorRow, ...]
    exit_code: ExitCode = field(default=ExitCode.OK)
    # With self_test: one probe self-test per node (ssocheck/selftest.py); empty otherwise.
    self_tests: tuple[Any, ...] = ()


# ----------------------------------------------------------------------------------------------
# use cases


def load_ci_inputs(
    *, baseline_file: Path | None = None, waivers_file: Path | None = None, fail_on: Severity | None = None,
    include_failover: bool = False, force_baseline: bool = False,
) -> CiInputs:
    """Load and validate the baseline and the waivers: a bad file raises before anything is collected.

    Waivers naming a check that is not installed are refused (:class:`ConfigError`).
    """
    baseline = waivers = None
    if baseline_file is not None:
        from ssocheck.baseline import load_baseline

        baseline = load_baseline(baseline_file)
    if waivers_file is not None:
        from ssocheck.waivers import load_waivers

        waivers = load_waivers(waivers_file)
        waivers.check_known(lc.meta.id for lc in load_checks())
    return CiInputs(baseline=baseline, waivers=waivers, fail_on=fail_on, include_failover=include_failover,
                    baseline_file=baseline_file, waivers_file=waivers_file, force_baseline=force_baseline)


def refuse_other_farm(ci: CiInputs, *, inventory: Path | None = None, snapshot_file: Path | None = None) -> str | None:
    """Refuse (ConfigError, exit 2) a baseline of another BizTalk group before anything is collected or compared.

    The farm is the inventory's (or the snapshot's). With ``ci.force_baseline`` the problem is returned
    instead (a front end warns); None when the baseline fits or there is none.
    """
    if ci.baseline is None:
        return None
    if inventory is not None:
        from ssocheck.inventory import load_inventory

        inv = load_inventory(inventory)
        group, nodes = inv.expect.group, [n.name for n in inv.nodes]
    elif snapshot_file is not None:
        from ssocheck.baseline import load_snapshot_or_baseline

        snap = load_snapshot_or_baseline(snapshot_file)  # drift --snapshot may be given a baseline file
        group, nodes = snap.expect.group, [n.name for n in snap.nodes]
    else:
        return None
    return _same_farm(ci.baseline, group, nodes, ci.force_baseline)


def _same_farm(baseline: Baseline, group: str, nodes: Sequence[str], force: bool) -> str | None:
    from ssocheck.baseline import same_farm_problem

    problem = same_farm_problem(baseline, group, nodes)
    if problem and not force:
        raise ConfigError(problem, source=baseline.source or None, field="--baseline")
    return problem


def run(
    inventory: Path, *, phase: Phase | None = None, only: Sequence[str] = (), skip: Sequence[str] = (),
    ci: CiInputs = CiInputs(), workers: int = 8, allow_changes: bool = False, progress: TextIO | None = None,
    nodes: Sequence[str] = (),
) -> RunOutcome:
    """Collect every node of ``inventory`` (one remote command each) and evaluate the selected checks.

    ``phase`` defaults to the inventory's, else ``pre``. ``allow_changes`` (or the inventory's
    ``allow_changes``) lets BTS001 run its writing script. ``progress`` receives the collection
    progress line (only for runs over a second); None keeps collection silent. ``nodes`` (``--node``)
    limits the run to those nodes: a partial run (ssocheck/nodefilter.py).
    """
    from ssocheck.delegation import refuse_without_delegation
    from ssocheck.inventory import load_inventory
    from ssocheck.runner import evaluate

    inv, node_filter = _filter_nodes(load_inventory(inventory), nodes)
    checks = select(load_checks(), only, skip)
    run_phase = phase or inv.phase or Phase.PRE
    started = _utc_now()
    t0 = time.monotonic()
    # With a baseline, drift is judged on every fact the baseline holds: collect what all checks need,
    # not only the selected ones (else `--select DRF001` would compare nothing).
    allowed = allow_changes or inv.allow_changes
    # BTS001 needs a delegating transport: refused (exit 2) before any command is sent.
    refuse_without_delegation(inv.connection.transport, [lc.check for lc in checks], allowed)
    snapshot, audit = _collect(inv, load_checks() if ci.baseline is not None else checks, workers, progress,
                               allow_changes=allowed)
    snapshot.phase = run_phase.value
    snapshot.node_filter = node_filter
    ctx = Context(run_phase, inv.expect, allow_changes=allowed, baseline=_baseline_facts(ci, node_filter),
                  include_failover=ci.include_failover)
    report = evaluate(checks, snapshot, ctx, source="live", started_at=started,
                      sections={"audit": [a.to_dict() for a in audit]})
    # A live run's duration is collection plus evaluation, not evaluation alone; an interrupted collection
    # makes the whole report INTERRUPTED (exit 130) whatever its results say.
    report = replace(report, duration_s=time.monotonic() - t0, interrupted=snapshot.interrupted)
    return _finish(report, snapshot, audit, ci, only=only, skip=skip, inventory=inventory, allow_changes=allowed)


def check(
    snapshot_file: Path, *, phase: Phase | None = None, only: Sequence[str] = (), skip: Sequence[str] = (),
    ci: CiInputs = CiInputs(),
) -> RunOutcome:
    """Evaluate the selected checks offline on a saved snapshot (same report as a live run, no audit trail).

    ``phase`` defaults to the phase the snapshot was collected for, else ``pre``.
    """
    from ssocheck.runner import evaluate
    from ssocheck.snapshot import load_snapshot

    snapshot = load_snapshot(snapshot_file)
    checks = select(load_checks(), only, skip)
    fallback = Phase(snapshot.phase) if snapshot.phase else None
    ctx = Context(phase or fallback or Phase.PRE, snapshot.expect, baseline=_baseline_facts(ci, snapshot.node_filter),
                  include_failover=ci.include_failover)
    report = evaluate(checks, snapshot, ctx, source=f"snapshot:{snapshot_file}")
    return _finish(report, snapshot, [], ci, only=only, skip=skip, snapshot_file=snapshot_file)


def collect(
    inventory: Path, *, only: Sequence[str] = (), skip: Sequence[str] = (), workers: int = 8,
    progress: TextIO | None = None, nodes: Sequence[str] = (),
) -> CollectOutcome:
    """Collect the facts the selected checks need, without evaluating: exit code 3 if a node was not collected.

    ``nodes`` (``--node``) limits the collection to those nodes; the snapshot records the filter.
    """
    from ssocheck.inventory import load_inventory

    inv, node_filter = _filter_nodes(load_inventory(inventory), nodes)
    snapshot, audit = _collect(inv, select(load_checks(), only, skip), workers, progress)
    snapshot.phase = inv.phase.value if inv.phase else None
    snapshot.node_filter = node_filter
    failed = any(n.error for n in snapshot.nodes)
    return CollectOutcome(snapshot, tuple(audit), ExitCode.ERROR if failed else ExitCode.OK)


def save_baseline(
    output: Path, *, inventory: Path | None = None, snapshot_file: Path | None = None,
    allow_incomplete: bool = False, workers: int = 8, progress: TextIO | None = None,
) -> BaselineOutcome:
    """Save the facts of a known-good farm (collected from ``inventory`` or read from ``snapshot_file``).

    Give exactly one source. An incomplete collection is refused (see :class:`BaselineOutcome`)
    unless ``allow_incomplete``; the file is written atomically.
    """
    from ssocheck.baseline import baseline_from_snapshot
    from ssocheck.baseline import save_baseline as write_baseline

    snapshot, audit = _source_snapshot(inventory, snapshot_file, workers, progress)
    source = str(snapshot_file) if snapshot_file is not None else f"collection from {inventory}"
    try:
        base = baseline_from_snapshot(snapshot, allow_incomplete=allow_incomplete, source=source,
                                      required=_facts_needed(snapshot))
    except SnapshotError as exc:
        # Unreachable nodes in a live collection are an error of the run (3), a bad snapshot a usage error (2).
        code = ExitCode.ERROR if inventory is not None else ExitCode.USAGE
        return BaselineOutcome(snapshot, tuple(audit), None, None, code, refused=str(exc))
    path = write_baseline(base, output)
    return BaselineOutcome(snapshot, tuple(audit), base, path, ExitCode.OK)


def drift(
    baseline_file: Path, *, inventory: Path | None = None, snapshot_file: Path | None = None,
    include_failover: bool = False, workers: int = 8, progress: TextIO | None = None,
    force_baseline: bool = False, warn: Callable[[str | None], None] | None = None,
) -> DriftOutcome:
    """Compare the current facts (from ``inventory`` or ``snapshot_file``) with a baseline: exit 1 on any change.

    The report holds only DRF001 (phase nightly) and the drift section; ``changes`` lists every change.
    A baseline of another BizTalk group is refused before any collection unless ``force_baseline``
    (then ``warn`` receives the problem).
    """
    from ssocheck.baseline import load_baseline
    from ssocheck.drift import attach_drift, diff_facts
    from ssocheck.runner import evaluate

    base = load_baseline(baseline_file)
    loaded = [lc for lc in load_checks() if lc.meta.id == DRIFT_CHECK_ID]
    if not loaded:
        raise ConfigError(f"the drift check {DRIFT_CHECK_ID} is not installed (built-in pack missing?)")
    started = _utc_now()
    if (inventory is None) == (snapshot_file is None):
        raise ConfigError("give exactly one of -i/--inventory and --snapshot")
    forced = refuse_other_farm(CiInputs(baseline=base, force_baseline=force_baseline), inventory=inventory,
                               snapshot_file=None if inventory is not None else snapshot_file)
    if warn is not None:
        warn(forced)
    snapshot, audit = _source_snapshot(inventory, snapshot_file, workers, progress)
    ctx = Context(Phase.NIGHTLY, snapshot.expect, baseline=base.facts(), include_failover=include_failover)
    source = "live" if inventory is not None else f"snapshot:{snapshot_file}"
    sections = {"audit": [a.to_dict() for a in audit]} if audit else None
    report = evaluate(loaded, snapshot, ctx, source=source, started_at=started, sections=sections)
    current = {n.name: n.facts for n in snapshot.nodes}
    report = attach_drift(report, base.facts(), current, include_failover=include_failover,
                          check_id=DRIFT_CHECK_ID)
    report = replace(report, interrupted=snapshot.interrupted)
    changes = diff_facts(base.facts(), current, include_failover=include_failover)
    # The drift report's scope is DRF001 by design (not a partial run); it records which baseline it compared.
    report = provenance.attach(report, provenance.gather(
        selected=[DRIFT_CHECK_ID], installed=[DRIFT_CHECK_ID], inventory=inventory, snapshot=snapshot_file,
        baseline_file=baseline_file, baseline=base))
    return DriftOutcome(report, snapshot, tuple(audit), base, tuple(changes), report.exit_code())


def doctor(inventory: Path, *, workers: int = 8, announce: Callable[[str], None] | None = None,
           self_test: bool = False, nodes: Sequence[str] = ()) -> DoctorOutcome:
    """Per node: reachable, authenticated, PowerShell version (one tiny command per node, in parallel).

    ``announce`` receives the connection summary (transport, identity, delegation) before any node is contacted.
    ``nodes`` (``--node``) limits it to those nodes.
    """
    from ssocheck.doctor import connection_summary, probe_all
    from ssocheck.inventory import load_inventory

    inv, _ = _filter_nodes(load_inventory(inventory), nodes)
    if announce is not None:
        announce(connection_summary(inv))
    password = inv.password()
    rows = tuple(probe_all(inv, password, workers))
    tests: tuple[Any, ...] = ()
    if self_test:
        from ssocheck.selftest import self_test_all

        tests = tuple(self_test_all(inv, password, workers))
    ok = all(r.ok for r in rows) and all(t.ok for t in tests)
    return DoctorOutcome(rows, ExitCode.OK if ok else ExitCode.ERROR, tests)


def doctor_summary(out: DoctorOutcome) -> list[str]:
    """The lines under doctor's table: how many nodes answered, what to check next."""
    from ssocheck.doctor import summary

    return summary(out.rows)


def render_report(report: Report, fmt: str, *, junit_warn_as: str | None = None) -> str:
    """One report format as text, secrets redacted (for ``--output FILE|-``)."""
    from ssocheck.reporters import REPORTERS
    from ssocheck.secrets import redact

    if fmt == "junit" and junit_warn_as is not None:
        return redact(REPORTERS[fmt].render(report, warn_as=junit_warn_as))
    return redact(REPORTERS[fmt].render(report))


def write_report_file(path: Path, text: str) -> Path:
    """Write one report file atomically."""
    from ssocheck.output import write_atomic

    return write_atomic(path, text)


def probe_scripts(inventory: Path, *, role: str | None = None, allow_changes: bool = False) -> list[Any]:
    """The script(s) a run of every check would send (``ssocheck probe --print``), each with its audit sha256."""
    from ssocheck.inventory import load_inventory
    from ssocheck.probe_print import scripts

    inv = load_inventory(inventory)
    found = scripts(inv, [lc.check for lc in load_checks()], role=role, allow_changes=allow_changes)
    if not found:
        raise ConfigError(f"no node of the inventory has the role {role!r}", field="--role")
    return found


def self_test_lines(tests: Sequence[Any]) -> list[str]:
    """The self-test section of ``doctor``: one summary line per node, then what is missing, indented."""
    from ssocheck.selftest import report_lines

    return report_lines(tests)


def catalog() -> list[CheckMeta]:
    """Metadata of every installed check, in catalog order."""
    return [lc.meta for lc in load_checks()]


# ----------------------------------------------------------------------------------------------
# output


def console_text(report: Report, *, color: bool = False, verbose: bool = False, width: int | None = None) -> str:
    """The console report (worst first; every result with ``verbose``) laid out for ``width`` columns (None:
    the console reporter's default), secrets redacted."""
    from ssocheck.reporters import REPORTERS
    from ssocheck.secrets import redact

    if width is None:
        return redact(REPORTERS["console"].render(report, color=color, verbose=verbose))
    return redact(REPORTERS["console"].render(report, color=color, verbose=verbose, width=width))


def write_reports(
    report: Report, output_dir: Path, formats: Sequence[str] = (), *,
    files: dict[str, str] | None = None, junit_warn_as: str | None = None,
) -> dict[str, Path]:
    """Render ``formats`` (default: every one of ``files``) into ``output_dir`` atomically; format -> path.

    ``files`` maps a format to its file name (default :data:`REPORT_FILES`); ``junit_warn_as`` is
    the JUnit reporter's ``warn_as`` (None: its default). Secrets are redacted on write.
    """
    from ssocheck.output import write_atomic
    from ssocheck.reporters import REPORTERS

    names = REPORT_FILES if files is None else files
    written: dict[str, Path] = {}
    for fmt in formats or sorted(names):
        if fmt not in names and files is None and fmt in OPTIONAL_REPORT_FILES:
            names = {**names, fmt: OPTIONAL_REPORT_FILES[fmt]}
        if fmt == "junit" and junit_warn_as is not None:
            text = REPORTERS[fmt].render(report, warn_as=junit_warn_as)
        else:
            text = REPORTERS[fmt].render(report)
        written[fmt] = write_atomic(output_dir / names[fmt], text)
    return written


def terminal_text(text: str) -> str:
    """Node-supplied text for a terminal: secrets redacted, control and bidi characters shown, never obeyed."""
    from ssocheck.reporters.common import escape_controls
    from ssocheck.secrets import redact

    return escape_controls(redact(text))


def check_output_dir(directory: Path) -> None:
    """Refuse an unwritable output folder before any node is contacted (results would be lost after).

    Also removes temporary files a killed run left there (see ssocheck/output.py).
    """
    from ssocheck.output import check_writable

    check_writable(directory)


def expired_waivers(ci: CiInputs) -> tuple[Waiver, ...]:
    """The waivers of ``ci`` that expired before today (they no longer apply; a front end warns)."""
    if ci.waivers is None:
        return ()
    from ssocheck.waivers import expired_waivers as expired

    return tuple(expired(ci.waivers, date.today()))


# ----------------------------------------------------------------------------------------------
# steps


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _baseline_facts(ci: CiInputs, node_filter: NodeFilter | None = None) -> dict[str, dict[str, object]] | None:
    """``Context.baseline``: node -> fact -> raw value, or None without a baseline.

    Without the nodes ``--node`` left out: they were not collected on purpose, not removed from the farm.
    """
    if ci.baseline is None:
        return None
    facts = ci.baseline.facts()
    if node_filter is None:
        return facts
    left_out = {n.casefold() for n in node_filter.excluded_names}
    return {node: values for node, values in facts.items() if node.casefold() not in left_out}


def _collect(
    inv: Inventory, checks: Sequence[LoadedCheck], workers: int, progress: TextIO | None,
    allow_changes: bool = False,
) -> tuple[Snapshot, list[AuditEntry]]:
    from ssocheck.collect import gather
    from ssocheck.interrupts import interruptible
    from ssocheck.progress import Progress

    password = inv.password()
    line = Progress(progress) if progress is not None else None
    if line is not None:
        line.start(len(inv.nodes))
    try:
        # First Ctrl-C/SIGTERM: no further node is contacted, nodes in flight are abandoned, and the run goes
        # on to its reports, marked INTERRUPTED (ssocheck/interrupts.py); a second one exits 130 at once.
        with interruptible() as stop:
            snapshot, audit = gather(
                inv,
                [lc.check for lc in checks],
                password,
                workers=workers,
                on_node_done=None if line is None else (lambda snap: line.node_done(snap.name, snap.error is None)),
                allow_changes=allow_changes,
                stop=stop,
            )
            snapshot.interrupted = stop.is_set()
            return snapshot, audit
    finally:
        if line is not None:
            line.finish()


def _filter_nodes(inv: Inventory, nodes: Sequence[str]) -> tuple[Inventory, NodeFilter | None]:
    """``--node``: the inventory limited to ``nodes`` and the filter to record (ConfigError naming an unknown one)."""
    from ssocheck.nodefilter import apply

    return apply(inv, nodes)


def _facts_needed(snapshot: Snapshot) -> dict[str, list[str]]:
    """Per node of ``snapshot``: the read-only facts every installed check needs (what a baseline must hold)."""
    from ssocheck.collect import facts_for
    from ssocheck.inventory import Node

    checks = [lc.check for lc in load_checks()]
    return {n.name: [f.name for f in facts_for(Node(n.name, n.roles, n.address or n.name), checks)]
            for n in snapshot.nodes}


def _source_snapshot(
    inventory: Path | None, snapshot_file: Path | None, workers: int, progress: TextIO | None,
) -> tuple[Snapshot, list[AuditEntry]]:
    """(snapshot, audit entries) from a live collection of every check's facts, or from a snapshot file."""
    if (inventory is None) == (snapshot_file is None):
        raise ConfigError("give exactly one of -i/--inventory and --snapshot")
    if snapshot_file is not None:
        from ssocheck.baseline import load_snapshot_or_baseline

        return load_snapshot_or_baseline(snapshot_file), []
    from ssocheck.inventory import load_inventory

    assert inventory is not None
    inv = load_inventory(inventory)
    # Every check's facts, whatever the phase: a baseline and a drift run must collect the same set.
    snapshot, audit = _collect(inv, load_checks(), workers, progress)
    snapshot.phase = inv.phase.value if inv.phase else None
    return snapshot, audit


def _finish(
    report: Report, snapshot: Snapshot, audit: Sequence[AuditEntry], ci: CiInputs, *, only: Sequence[str],
    skip: Sequence[str], inventory: Path | None = None, snapshot_file: Path | None = None,
    allow_changes: bool = False,
) -> RunOutcome:
    """Drift section, waivers, the ``--fail-on`` threshold and the provenance record added to an evaluated report."""
    if ci.baseline is not None:
        from ssocheck.drift import attach_drift

        current = {n.name: n.facts for n in snapshot.nodes}
        report = attach_drift(report, _baseline_facts(ci, snapshot.node_filter) or {}, current,
                              include_failover=ci.include_failover,
                              check_id=DRIFT_CHECK_ID)
    if ci.waivers is not None:
        from ssocheck.waivers import apply_waivers

        report = apply_waivers(report, ci.waivers, date.today())
    report = replace(report, fail_on=ci.fail_on)
    code = report.exit_code()
    # How the report was produced (command line, inputs and their hashes, scope): see ssocheck/provenance.py.
    report = provenance.for_run(report, only=only, skip=skip, inventory=inventory, snapshot=snapshot_file,
                                baseline_file=ci.baseline_file, baseline=ci.baseline, waivers_file=ci.waivers_file,
                                allow_changes=allow_changes, fail_on=ci.fail_on.value if ci.fail_on else None,
                                node_filter=snapshot.node_filter)
    return RunOutcome(report, snapshot, tuple(audit), code, expired_waivers(ci))
