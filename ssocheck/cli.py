"""The ssocheck command line: click commands that parse options, call :mod:`ssocheck.pipeline` and print.

The work itself (load, collect, evaluate, drift, waivers, render, write) is in the pipeline; this
module only turns options into its arguments and its outcomes into text and an exit code.

Every :class:`SsocheckError` becomes one line on stderr and its exit code; a traceback is shown
only with ``--debug``. Exit codes: 0 nothing failed or errored, 1 at least one fail (with
``--fail-on SEVERITY``: at least one fail of that severity or worse; ``drift``: at least one change),
2 usage or configuration error (nothing checked), 3 no fail but at least one error, 130 interrupted
(Ctrl-C/SIGTERM; the reports written say INTERRUPTED).
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ssocheck import __version__, pipeline, provenance
from ssocheck.completion import check_ids, scenarios
from ssocheck.completion import register as register_completion
from ssocheck.errors import ConfigError, SsocheckError
from ssocheck.model import ExitCode, Phase, Report, Severity, topologies_text
from ssocheck.secrets import RedactingFilter, redact

register_completion()  # _SSOCHECK_COMPLETE=powershell_source|powershell_complete beside click's bash/zsh/fish

if TYPE_CHECKING:
    from ssocheck.waivers import Waiver

log = logging.getLogger("ssocheck")
_F = TypeVar("_F", bound=Callable[..., object])  # a click command function, before and after an option


@dataclass
class Options:
    """Global options shared by every command."""

    debug: bool = False


def _fail(message: str, code: int = ExitCode.USAGE) -> NoReturn:
    click.echo(f"ssocheck: error: {redact(message)}", err=True)
    sys.exit(code)


def _setup_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    # Libraries below us can log request details; keep them quiet unless debugging.
    for noisy in ("urllib3", "winrm"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.ERROR)
    # The NTLM layers log authentication tokens at DEBUG: an NTLMv2 response can be cracked offline,
    # so they never go below WARNING, not even with --debug.
    # pywinrm's vendored requests_kerberos logs whole Authorization headers (the AP-REQ) at DEBUG too.
    for auth in ("requests_ntlm", "spnego", "winrm.vendor.requests_kerberos", "requests_credssp"):
        logging.getLogger(auth).setLevel(logging.WARNING)


class SsocheckGroup(click.Group):
    """Maps SsocheckError (and unexpected crashes) to one line and an exit code."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        # The reports' provenance names the command line as given (click may be handed args, not sys.argv).
        provenance.set_command(["ssocheck", *(sys.argv[1:] if args is None else args)])
        return super().main(args, *rest, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SsocheckError as exc:
            if _debug_requested():
                raise
            _fail(str(exc), exc.exit_code)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except KeyboardInterrupt:
            # Ctrl-C outside a collection (loading, evaluating, writing): 130, never click's "Aborted!" exit 1,
            # which CI would read as "a check failed".
            click.echo("\nssocheck: interrupted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if _debug_requested():
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                  ExitCode.USAGE)


def _quiet_broken_pipe() -> NoReturn:
    """The reader of stdout went away (``ssocheck ... | head``): end quietly, like other Unix tools.

    stdout is pointed at /dev/null first so the interpreter's final flush does not complain again.
    Exit 141 is what a shell reports for a process killed by SIGPIPE.
    """
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)


def _debug_requested() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    opts = root.obj if root is not None else None
    return bool(isinstance(opts, Options) and opts.debug)


@click.group(cls=SsocheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ssocheck")
@click.option("--debug", is_flag=True, help="Verbose logging and full tracebacks.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Read-only health checks for moving the BizTalk ENTSSO master secret server to a failover cluster."""
    ctx.obj = Options(debug=debug)
    _setup_logging(debug)


# ----------------------------------------------------------------------------------------------
# shared option groups


def _selection_options(func: _F) -> _F:
    func = click.option("--skip", "skip", multiple=True, metavar="ID", help="Skip a check (ID or prefix).",
                        shell_complete=check_ids)(func)
    func = click.option(
        "--select", "only", multiple=True, metavar="ID", help="Run only these checks (ID or prefix, e.g. SSO).",
        shell_complete=check_ids,
    )(func)
    func = click.option(
        "--phase",
        type=click.Choice([p.value for p in Phase]),
        default=None,
        help="Migration phase (default: the inventory's 'phase', else pre).",
    )(func)
    return func


def _remember_output(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.meta["ssocheck.output"] = value


def _output_options(func: _F) -> _F:
    func = click.option(
        "--output", metavar="FILE|-", default=None, expose_value=False, callback=_remember_output,
        help="With one --format: write that report to FILE, or to stdout with '-' (the console report then goes "
             "to stderr), e.g. --format json --output - | jq .",
    )(func)
    func = click.option("-v", "--verbose", is_flag=True, help="Show passing results in the console table.")(func)
    func = click.option("--no-color", is_flag=True, help="Never colour the console output.")(func)
    func = click.option(
        "--junit-warn-as",
        type=click.Choice(["pass", "skip", "failure"]),
        default="pass",
        show_default=True,
        help="How warnings appear in JUnit XML.",
    )(func)
    func = click.option(
        "--format",
        "formats",
        multiple=True,
        type=click.Choice(sorted(pipeline.REPORT_FILES | pipeline.OPTIONAL_REPORT_FILES)),
        help="Report files to write (default: all of junit, html, json; prometheus only when named).",
    )(func)
    func = click.option(
        "--output-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("reports"),
        show_default=True,
        help="Where report files are written.",
    )(func)
    return func


def _ci_options(func: _F) -> _F:
    func = click.option(
        "--force-baseline",
        is_flag=True,
        help="Use --baseline even if it is of another BizTalk group or shares no node with this farm.",
    )(func)
    func = click.option(
        "--include-failover",
        is_flag=True,
        help="With --baseline: a plain failover (owner node, which node runs ENTSSO) counts as drift too.",
    )(func)
    func = click.option(
        "--fail-on",
        type=click.Choice([s.value for s in Severity]),
        default=None,
        help="Exit 1 only for failures of this severity or worse (default: any failure). "
             "Lower failures still show as fail in every report.",
    )(func)
    func = click.option(
        "--waivers",
        "waivers_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="YAML file of accepted findings (check, node glob, justification, expires, ticket).",
    )(func)
    func = click.option(
        "--baseline",
        "baseline_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Known-good facts ('ssocheck baseline save'); in phase nightly any change fails DRF001.",
    )(func)
    return func


def _ci_inputs(baseline_file: Path | None, waivers_file: Path | None, fail_on: str | None,
               include_failover: bool, force_baseline: bool = False) -> pipeline.CiInputs:
    return pipeline.load_ci_inputs(baseline_file=baseline_file, waivers_file=waivers_file,
                                   fail_on=Severity(fail_on) if fail_on else None,
                                   include_failover=include_failover, force_baseline=force_baseline)


_safe = pipeline.terminal_text
_writable = pipeline.check_output_dir


def _warn_forced(problem: str | None) -> None:
    if problem:
        click.echo(f"ssocheck: warning: {problem} (forced)", err=True)


def _warn_expired(inputs: pipeline.CiInputs, expired: Sequence[Waiver]) -> None:
    for w in expired:
        source = inputs.waivers.source if inputs.waivers is not None else ""
        click.echo(f"ssocheck: warning: waiver {w.label} expired on {w.expires.isoformat()} and no longer "
                   f"applies ({source})", err=True)


def _phase(cli_phase: str | None) -> Phase | None:
    return Phase(cli_phase) if cli_phase else None


def _emit(report: Report, output_dir: Path, formats: Sequence[str], warn_as: str, no_color: bool,
          verbose: bool, extra_files: dict[str, Path] | None = None) -> None:
    from ssocheck import terminal

    ctx = click.get_current_context(silent=True)
    output = ctx.meta.get("ssocheck.output") if ctx is not None else None
    written: dict[str, Path] = {}
    if output is not None:
        if len(formats) != 1:
            raise ConfigError("give exactly one --format with it", field="--output")
        fmt = formats[0]
        report_text = pipeline.render_report(report, fmt, junit_warn_as=warn_as)
        if output == "-":
            # stdout carries only the report (for jq, a pipe); what a person reads goes to stderr.
            click.echo(pipeline.console_text(report, color=False, verbose=verbose), err=True)
            click.echo(report_text, nl=not report_text.endswith("\n"))
            return
        written[fmt] = pipeline.write_report_file(Path(output), report_text)
    color = terminal.use_color(sys.stdout, no_color)
    text = pipeline.console_text(report, color=color, verbose=verbose, width=terminal.width(sys.stdout))
    try:
        click.echo(text, color=color)  # color=: click would strip the codes FORCE_COLOR asked for
    except BrokenPipeError:
        # `| head` closed stdout: the report files are still owed to the operator.
        if output is None:
            pipeline.write_reports(report, output_dir, formats, junit_warn_as=warn_as)
        raise
    if output is None:
        written = pipeline.write_reports(report, output_dir, formats, junit_warn_as=warn_as)
    for kind, path in {**written, **(extra_files or {})}.items():
        click.echo(f"{kind:>8}: {path}")
    for fmt, name in pipeline.REPORT_FILES.items():
        if fmt not in written and (output_dir / name).exists():
            # Someone opening the folder must not take an earlier run's verdict for this one.
            click.echo(f"ssocheck: warning: {output_dir / name} is from an earlier run (this run wrote only "
                       f"{', '.join(sorted(written))})", err=True)


def _one_source(inventory: Path | None, snapshot_file: Path | None) -> None:
    if (inventory is None) == (snapshot_file is None):
        raise click.UsageError("give exactly one of -i/--inventory and --snapshot")


# --node NAME (repeatable): only those nodes of the inventory; a partial run (ssocheck/nodefilter.py).
_node_option = click.option(
    "--node", "nodes", multiple=True, metavar="NAME",
    help="Only this node of the inventory (repeatable). The run is PARTIAL: group checks that need the other "
         "nodes are skipped, and a baseline of it is refused without --allow-incomplete.")


# ----------------------------------------------------------------------------------------------
# commands


@main.command()
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Inventory YAML file.")
@_selection_options
@_output_options
@_ci_options
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Nodes collected in parallel.")
@click.option("--allow-changes", is_flag=True,
              help="Let BTS001 create and remove temporary ports on each BizTalk node (the one check that writes).")
@click.option("--watch", "watch_seconds", type=click.FloatRange(min=1.0), default=None, metavar="SECONDS",
              help="Run again every SECONDS (during the downtime window) and show what changed; Ctrl-C stops.")
@click.option("--rounds", type=click.IntRange(min=1), default=None,
              help="With --watch: stop after this many rounds (default: until Ctrl-C).")
@_node_option
def run(inventory: Path, phase: str | None, only: tuple[str, ...], skip: tuple[str, ...], output_dir: Path,
        formats: tuple[str, ...], junit_warn_as: str, no_color: bool, verbose: bool, baseline_file: Path | None,
        waivers_file: Path | None, fail_on: str | None, include_failover: bool, workers: int,
        allow_changes: bool, watch_seconds: float | None, rounds: int | None, force_baseline: bool = False,
        nodes: tuple[str, ...] = ()) -> None:
    """Collect facts from every node (one remote command each) and evaluate the checks."""
    inputs = _ci_inputs(baseline_file, waivers_file, fail_on, include_failover, force_baseline)
    _warn_forced(pipeline.refuse_other_farm(inputs, inventory=inventory))
    _writable(output_dir)

    def one_round() -> Report:
        out = pipeline.run(inventory, phase=_phase(phase), only=only, skip=skip, ci=inputs, workers=workers,
                           allow_changes=allow_changes, progress=sys.stderr, nodes=nodes)
        snapshot_path = output_dir / pipeline.SNAPSHOT_FILE
        try:
            out.snapshot.save(snapshot_path)
        except SsocheckError:
            # The folder filled up (or vanished) during the collection: the console verdict is still owed.
            if watch_seconds is None:
                click.echo(pipeline.console_text(out.report, verbose=verbose))
            raise
        if watch_seconds is None:
            _emit(out.report, output_dir, formats, junit_warn_as, no_color, verbose, {"snapshot": snapshot_path})
        else:
            pipeline.write_reports(out.report, output_dir, formats, junit_warn_as=junit_warn_as)
        return out.report

    if watch_seconds is not None:
        from ssocheck import terminal
        from ssocheck.watch import watch

        color = terminal.use_color(sys.stdout, no_color)
        code = watch(one_round, interval=watch_seconds, rounds=rounds, width=terminal.width(sys.stdout),
                     color=color, out=lambda text: click.echo(redact(text), nl=False, color=color))
    else:
        code = int(one_round().exit_code())
    _warn_expired(inputs, pipeline.expired_waivers(inputs))
    sys.exit(code)


@main.command()
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Inventory YAML file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Snapshot file to write.")
@click.option("--select", "only", multiple=True, metavar="ID", help="Collect only the facts of these checks.")
@click.option("--skip", "skip", multiple=True, metavar="ID", help="Do not collect the facts of these checks.")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--sanitize", "sanitized", is_flag=True,
              help="Write the snapshot with pseudonyms for names, SIDs, GUIDs, IPs (see 'ssocheck sanitize').")
@_node_option
def collect(inventory: Path, output: Path, only: tuple[str, ...], skip: tuple[str, ...], workers: int,
            sanitized: bool, nodes: tuple[str, ...] = ()) -> None:
    """Collect facts into a snapshot file, without evaluating checks."""
    _writable(output.parent)
    out = pipeline.collect(inventory, only=only, skip=skip, workers=workers, progress=sys.stderr, nodes=nodes)
    if sanitized:
        from ssocheck.sanitize import write_sanitized

        write_sanitized(out.snapshot.to_dict(), output)  # the original is never written
    else:
        out.snapshot.save(output)
    failed = out.failed_nodes
    count = len(out.snapshot.nodes)
    left_out = out.snapshot.node_filter.excluded_names if out.snapshot.node_filter else []
    partial = f"; PARTIAL, left out by --node: {', '.join(left_out)}" if left_out else ""
    click.echo(f"snapshot: {output} ({count} node{'' if count == 1 else 's'}, {len(failed)} not collected{partial})")
    for name, error in failed:
        click.echo(f"  {name}: {_safe(error)}", err=True)
    sys.exit(int(out.exit_code))


@main.command()
@click.option("--snapshot", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Snapshot written by 'ssocheck collect' or 'ssocheck run'.")
@_selection_options
@_output_options
@_ci_options
def check(snapshot_file: Path, phase: str | None, only: tuple[str, ...], skip: tuple[str, ...],
          output_dir: Path, formats: tuple[str, ...], junit_warn_as: str, no_color: bool, verbose: bool,
          baseline_file: Path | None, waivers_file: Path | None, fail_on: str | None,
          include_failover: bool, force_baseline: bool = False) -> None:
    """Evaluate the checks offline on a saved snapshot (same reports as a live run)."""
    inputs = _ci_inputs(baseline_file, waivers_file, fail_on, include_failover, force_baseline)
    _warn_forced(pipeline.refuse_other_farm(inputs, snapshot_file=snapshot_file))
    _writable(output_dir)
    out = pipeline.check(snapshot_file, phase=_phase(phase), only=only, skip=skip, ci=inputs)
    _emit(out.report, output_dir, formats, junit_warn_as, no_color, verbose)
    _warn_expired(inputs, out.expired_waivers)
    sys.exit(int(out.exit_code))


@main.group(name="baseline")
def baseline_group() -> None:
    """Known-good facts of a validated farm, for nightly drift detection."""


@baseline_group.command(name="save")
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path),
              help="Collect the facts from the farm of this inventory.")
@click.option("--snapshot", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Or take them from a snapshot written by 'ssocheck run' or 'ssocheck collect'.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Baseline file to write (atomically).")
@click.option("--allow-incomplete", is_flag=True,
              help="Save even if a node or a fact could not be collected (those parts stay unwatched).")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 256))
def baseline_save(inventory: Path | None, snapshot_file: Path | None, output: Path, allow_incomplete: bool,
                  workers: int) -> None:
    """Save the facts of a known-good run as the baseline that 'run --phase nightly --baseline' compares with."""
    _one_source(inventory, snapshot_file)
    _writable(output.parent)
    out = pipeline.save_baseline(output, inventory=inventory, snapshot_file=snapshot_file,
                                 allow_incomplete=allow_incomplete, workers=workers, progress=sys.stderr)
    if out.baseline is None:
        _fail(out.refused or "baseline refused", out.exit_code)
    base = out.baseline
    facts = sum(len(n.facts) for n in out.snapshot.nodes)
    click.echo(f"baseline: {output} ({len(out.snapshot.nodes)} nodes, {facts} facts, saved {base.saved_at})")
    for node, unwatched in sorted(base.unwatched().items()):
        click.echo(f"  not watched on {node}: {', '.join(unwatched)}", err=True)


@main.command()
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Baseline written by 'ssocheck baseline save'.")
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path),
              help="Collect the current facts from the farm of this inventory.")
@click.option("--snapshot", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Or compare a saved snapshot (or the facts of another baseline file).")
@click.option("--include-failover", is_flag=True,
              help="Also report what a plain failover changes (owner node, which cluster node runs ENTSSO).")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where report files are written.")
@click.option("--format", "formats", multiple=True, type=click.Choice(sorted(pipeline.DRIFT_REPORT_FILES)),
              help="Report files to write (default: all of junit, html, json).")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--force-baseline", is_flag=True,
              help="Compare even if the baseline is of another BizTalk group or shares no node with this farm.")
def drift(baseline_file: Path, inventory: Path | None, snapshot_file: Path | None, include_failover: bool,
          output_dir: Path, formats: tuple[str, ...], workers: int, force_baseline: bool = False) -> None:
    """Compare the current facts with a baseline and list every change (exit 1 on any change, 0 on none)."""
    from tabulate import tabulate

    _one_source(inventory, snapshot_file)
    _writable(output_dir)
    out = pipeline.drift(baseline_file, inventory=inventory, snapshot_file=snapshot_file,
                         include_failover=include_failover, workers=workers, progress=sys.stderr,
                         force_baseline=force_baseline, warn=_warn_forced)
    report, changes = out.report, out.changes
    click.echo(_safe(out.baseline.describe()))
    if changes:
        rows = [[c.node, c.fact, c.path or "-", c.kind, _cell(c.before), _cell(c.after)] for c in changes]
        click.echo(_safe(tabulate(rows, headers=["Node", "Fact", "Path", "Change", "Before", "After"])))
    for result in report.results:
        if result.status.value == "error":
            click.echo(_safe(f"{result.node}: {result.message}"))
    nodes = len({c.node for c in changes})
    click.echo(f"{len(changes)} change{'s' if len(changes) != 1 else ''} on {nodes} node{'s' if nodes != 1 else ''}"
               if changes else "No drift since the baseline.")
    for fmt, path in pipeline.write_reports(report, output_dir, formats, files=pipeline.DRIFT_REPORT_FILES).items():
        click.echo(f"{fmt:>8}: {path}")
    sys.exit(int(out.exit_code))


def _cell(value: object, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@main.command(name="diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff_reports(old: Path, new: Path, fmt: str) -> None:
    """Compare two JSON reports: new, changed, still failing, waived, gone and fixed findings.

    Exit 1 when NEW has a new failure, 3 when it has a new error (state unknown), else 0.
    """
    from ssocheck import compare
    from ssocheck.report_file import load_report

    comparison = compare.compare(load_report(old), load_report(new), str(old), str(new))
    if fmt == "json":
        click.echo(json.dumps(comparison.to_dict(), indent=2, sort_keys=True, default=str))
    else:
        click.echo(redact(compare.render_text(comparison)), nl=False)
    sys.exit(int(comparison.exit_code()))


@main.command(name="runbook")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON report of a run (ssocheck-report.json).")
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path),
              help="Or run every check against the farm of this inventory now (one remote command per node).")
@click.option("--snapshot", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Or evaluate every check on a saved snapshot.")
@click.option("--phase", type=click.Choice([p.value for p in Phase]), default=None,
              help="With -i or --snapshot: the phase (default: the inventory's or the snapshot's).")
@click.option("--no-color", is_flag=True, help="Never colour the output.")
def runbook_command(report_file: Path | None, inventory: Path | None, snapshot_file: Path | None,
                    phase: str | None, no_color: bool) -> None:
    """The migration guide's steps in order, with what the checks prove about each (done, not done, ...).

    Exit 0: it shows the state; the run's own verdict is in its reports.
    """
    from ssocheck import terminal
    from ssocheck.runbook_text import render

    if sum(x is not None for x in (report_file, inventory, snapshot_file)) != 1:
        raise click.UsageError("give exactly one of --report, -i/--inventory and --snapshot")
    if report_file is not None:
        from ssocheck.report_file import load_report

        report = load_report(report_file)
    elif inventory is not None:
        report = pipeline.run(inventory, phase=_phase(phase), progress=sys.stderr).report
    else:
        assert snapshot_file is not None
        report = pipeline.check(snapshot_file, phase=_phase(phase)).report
    color = terminal.use_color(sys.stdout, no_color)
    text = render(report, width=terminal.width(sys.stdout), color=color)
    click.echo(redact(text), nl=False, color=color)


@main.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True)
def list_checks(fmt: str) -> None:
    """List every check with its ID, severity, phases, scope and the MSS topologies it applies to."""
    metas = pipeline.catalog()
    if fmt == "json":
        click.echo(json.dumps([m.to_dict() for m in metas], indent=2))
        return
    rows = [
        [m.id, m.name, m.severity.value, " ".join(p.value for p in m.phases), f"{', '.join(m.roles)} ({m.shape})",
         topologies_text(m.topologies), m.title]
        for m in metas
    ]
    from tabulate import tabulate

    headers = ["ID", "Name", "Severity", "Phases", "Scope", "Topologies", "What it proves"]
    click.echo(_safe(tabulate(rows, headers=headers, tablefmt="github" if fmt == "markdown" else "simple")))


@main.command()
@click.argument("check_id", shell_complete=check_ids)
def explain(check_id: str) -> None:
    """Show everything about one check: what it proves, why, how to fix it."""
    from ssocheck.guide import describe as guide_describe

    wanted = check_id.upper()
    for m in pipeline.catalog():
        if m.id == wanted or m.name == check_id:
            lines = [
                f"{m.id} {m.name}: {m.title}",
                "",
                m.description or "(no further description)",
                "",
                f"Severity:   {m.severity.value}",
                f"Phases:     {', '.join(p.value for p in m.phases)}",
                f"Scope:      {', '.join(m.roles)} ({m.shape} check)",
                f"Guide step: {m.guide_step}" + (f" ({guide_line})" if (guide_line := guide_describe(m.guide_step))
                                                 else ""),
                f"Facts:      {', '.join(m.facts) or '-'}",
                f"Changes state: {'yes (opt-in only)' if m.writes else 'no (read-only)'}",
                "",
                "Remediation:",
                f"  {m.remediation or '-'}",
            ]
            if m.references:
                lines += ["", "References:", *(f"  {ref}" for ref in m.references)]
            click.echo(_safe("\n".join(lines)))
            return
    raise ConfigError(f"no check with ID or name {check_id!r} (see 'ssocheck list')", field="CHECK_ID")


@main.command(name="lint-scripts")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--packs", is_flag=True, help="Also lint every fact snippet of every installed check pack.")
@click.option("--allow-writes", is_flag=True, help="Do not report state-changing commands in the files.")
def lint_scripts_command(paths: tuple[Path, ...], packs: bool, allow_writes: bool) -> None:
    """Parse and lint PowerShell as ssocheck sends it (PS 2.0, read-only, ASCII, culture-invariant).

    PATHS are .ps1/.psm1 files or folders (searched recursively). Exit 0 when clean, 1 with findings.
    """
    from ssocheck import lint_scripts

    def safe(text: str) -> str:  # a script's own text must not drive the terminal (escape sequences)
        return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)

    if not paths and not packs:
        _fail("give one or more .ps1 files or folders, or --packs")
    results = lint_scripts.lint_files(paths, allow_writes=allow_writes)
    if packs:
        results += lint_scripts.lint_packs()
    bad = [r for r in results if not r.clean]
    for result in bad:
        for line in result.lines():
            click.echo(safe(line))
    click.echo(f"{len(results)} script(s) checked, {len(bad)} with findings", err=True)
    sys.exit(ExitCode.FAIL if bad else ExitCode.OK)


@main.command()
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Inventory YAML file.")
@click.option("--phase", type=click.Choice([p.value for p in Phase]), default=Phase.NIGHTLY.value, show_default=True,
              help="Phase the subset is judged in (the secret checks run after the move only).")
@click.option("--check", "extra", multiple=True, metavar="ID", help="Add a check to the monitor subset (repeatable).")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 256))
def monitor(inventory: Path, phase: str, extra: tuple[str, ...], workers: int) -> None:
    """Nagios/Icinga plugin: can BizTalk get the master secret right now? Exit 0 OK, 1 WARNING, 2 CRITICAL,
    3 UNKNOWN (the plugin API's codes, not run's)."""
    from ssocheck import monitor as plugin

    try:
        out = pipeline.run(inventory, phase=Phase(phase), only=plugin.selected_checks(extra), workers=workers)
        result = plugin.evaluate_report(out.report)
    except SsocheckError as exc:
        result = plugin.unknown(str(exc))
    except Exception as exc:  # a plugin answers in its own codes, whatever happens
        if _debug_requested():
            raise
        result = plugin.unknown(f"internal error: {type(exc).__name__}: {exc}")
    click.echo(redact(result.text))
    sys.exit(int(result.state))


@main.command()
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Inventory YAML file.")
@click.option("--workers", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--self-test", "self_test", is_flag=True,
              help="Also send a probe self-test: JSON round trip, PowerShell/CLR/culture/language mode/elevation and "
                   "each fact's prerequisites; one line per node says whether a real run will work.")
@click.option("--node", "nodes", multiple=True, metavar="NAME", help="Only this node of the inventory (repeatable).")
def doctor(inventory: Path, workers: int, self_test: bool, nodes: tuple[str, ...] = ()) -> None:
    """Per node: reachable, authenticated, PowerShell version (one tiny command per node)."""
    from tabulate import tabulate

    out = pipeline.doctor(inventory, workers=workers, announce=click.echo, self_test=self_test, nodes=nodes)
    # "Authenticated" is unknown ("-") where the node was not reached: no logon was tried.
    table = [[r.node, r.address, "yes" if r.reachable else "no",
              ("yes" if r.authenticated else "no") if r.reachable else "-",
              r.identity or "-", r.ps_version or "-", r.detail] for r in out.rows]
    click.echo(_safe(tabulate(table, headers=["Node", "Endpoint", "Reachable", "Authenticated", "Logged on as",
                                              "PowerShell", "Detail"])))
    for line in pipeline.doctor_summary(out):
        click.echo(_safe(line))
    if out.self_tests:
        click.echo("\nProbe self-test (will a real run work?):")
        for line in pipeline.self_test_lines(out.self_tests):
            click.echo(_safe(line))
    sys.exit(int(out.exit_code))


@main.command(name="sanitize")
@click.argument("snapshot", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the sanitised snapshot (mode 0600).")
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write original -> pseudonym here (0600). Keep it: it undoes the sanitising. Never by default.")
def sanitize_command(snapshot: Path, output: Path, mapping_file: Path | None) -> None:
    """Replace host, domain and account names, SIDs, GUIDs, IPs, user paths and hashes by consistent pseudonyms."""
    from ssocheck.sanitize import sanitize_file

    mapping = sanitize_file(snapshot, output, mapping_file)
    click.echo(f"sanitised: {output} ({len(mapping)} identifiers replaced"
               + (f"; mapping: {mapping_file})" if mapping_file else "; no mapping written)"))


def _names(values: tuple[str, ...]) -> list[str]:
    return [n.strip() for v in values for n in v.replace(",", " ").split() if n.strip()]


@main.command(name="init")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), default=Path("inventory.yml"))
@click.option("--discover", "discover_node", metavar="NODE",
              help="Ask this cluster node (one read-only command) for the cluster nodes and network names.")
@click.option("--address", "addresses", multiple=True, metavar="NAME=HOST[:PORT]",
              help="Where to reach a node when its name is not enough (repeatable).")
@click.option("--group", help="The BizTalk group's name.")
@click.option("--cluster-network-name", help="Network name of the cluster role for ENTSSO.")
@click.option("--master-secret-server", help="The CURRENT master secret server.")
@click.option("--sso-account", help="DOMAIN\\account that ENTSSO runs as.")
@click.option("--sso-db-server", help="SQL Server (instance) of the SSO database.")
@click.option("--biztalk-node", "biztalk_nodes", multiple=True, metavar="NAME", help="A BizTalk node (repeatable).")
@click.option("--cluster-node", "cluster_nodes", multiple=True, metavar="NAME", help="A cluster node (repeatable).")
@click.option("--username", help="DOMAIN\\user ssocheck logs on as.")
@click.option("--transport", type=click.Choice(["ntlm", "kerberos", "credssp", "basic"]), default="ntlm",
              show_default=True)
@click.option("--scheme", type=click.Choice(["https", "http"]), default="https", show_default=True)
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable.")
@click.option("--password-file", metavar="FILE", help="Read the password from this file (mode 0600).")
def init_command(output: Path, discover_node: str | None, addresses: tuple[str, ...], group: str | None,
                 cluster_network_name: str | None, master_secret_server: str | None, sso_account: str | None,
                 sso_db_server: str | None, biztalk_nodes: tuple[str, ...], cluster_nodes: tuple[str, ...],
                 username: str | None, transport: str, scheme: str, password_env: str | None,
                 password_file: str | None) -> None:
    """Write a commented inventory (OUTPUT, default inventory.yml) from flags or prompts; never overwrites."""
    from ssocheck import init as init_mod

    if output.exists():
        raise ConfigError("already exists; ssocheck init never overwrites a file (choose another name or "
                          "remove it)", source=str(output))
    where = dict(init_mod.parse_address(a) for a in addresses)
    username = username or click.prompt("Account ssocheck logs on as (DOMAIN\\user)")
    cluster = _names(cluster_nodes)
    if discover_node:
        found = init_mod.discover_at(discover_node, where, transport, scheme, username,
                                     init_mod.discovery_password(password_env, password_file, username))
        for line in init_mod.describe(found):
            click.echo(f"discovered: {line}")
        cluster = cluster or list(found.nodes)
        if not cluster_network_name and found.network_name:
            cluster_network_name = found.network_name
        elif not cluster_network_name and len(found.candidates) == 1:
            cluster_network_name = found.candidates[0][1]
    answers = init_mod.InitAnswers(
        group=group or click.prompt("BizTalk group name"),
        cluster_network_name=cluster_network_name or click.prompt("Cluster network name for ENTSSO"),
        master_secret_server=master_secret_server or click.prompt("Current master secret server"),
        sso_service_account=sso_account or click.prompt("ENTSSO service account (DOMAIN\\account)"),
        sso_db_server=sso_db_server or click.prompt("SQL Server of the SSO database"),
        biztalk_nodes=_names(biztalk_nodes) or _names((click.prompt("BizTalk nodes (comma separated)"),)),
        cluster_nodes=cluster or _names((click.prompt("Cluster nodes (comma separated)"),)),
        username=username, transport=transport, scheme=scheme, password_env=password_env,
        password_file=password_file, addresses=where,
    )
    init_mod.write(output, answers)
    click.echo(f"wrote {output} (mode 0600); next: ssocheck doctor -i {output}")


@main.command()
@click.option("-i", "--inventory", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Inventory YAML file (its values are part of the script, as data).")
@click.option("--print", "do_print", is_flag=True, required=True,
              help="Print the script(s) a run would send, with the sha256 the audit trail records.")
@click.option("--role", default=None, help="Only the scripts for nodes with this role (biztalk, sso-cluster, sql).")
@click.option("--allow-changes", is_flag=True, help="Also print the state-changing BTS001 script.")
def probe(inventory: Path, do_print: bool, role: str | None, allow_changes: bool) -> None:
    """Print exactly the PowerShell a run sends to each kind of node (for change-approval boards); sends nothing."""
    if not do_print:  # click requires the flag: it names the command's only mode (it never sends anything)
        raise click.UsageError("probe needs --print")
    for i, item in enumerate(pipeline.probe_scripts(inventory, role=role, allow_changes=allow_changes)):
        click.echo(("\n" if i else "") + item.header() + item.script)


@main.command()
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where report files are written.")
@click.option("--https", is_flag=True, help="Use HTTPS (NTLM with channel binding) instead of NTLM-sealed HTTP.")
@click.option("--no-color", is_flag=True, help="Never colour the console output.")
def demo(output_dir: Path, https: bool, no_color: bool) -> None:
    """Run every check against the built-in simulated 4-node farm (real WinRM on loopback)."""
    from ssocheck.lab.farm import LabFarm

    with tempfile.TemporaryDirectory(prefix="ssocheck-demo-") as tmp, \
            LabFarm("demo", scheme="https" if https else "http", workdir=Path(tmp)) as farm:
        inventory = farm.write_inventory(Path(tmp) / "inventory.yml")
        click.echo(f"Simulated farm 'demo' on 127.0.0.1 ({'HTTPS' if https else 'HTTP + NTLM encryption'}): "
                   f"{', '.join(farm.state.nodes)}")
        out = pipeline.run(inventory, workers=8, progress=sys.stderr)
        out.snapshot.save(output_dir / pipeline.SNAPSHOT_FILE)
        _emit(out.report, output_dir, (), "pass", no_color, verbose=False,
              extra_files={"snapshot": output_dir / pipeline.SNAPSHOT_FILE})
        counts = sorted({farm.commands(name) for name in farm.state.nodes})
        per_node = " or ".join(str(c) for c in counts)
        click.echo(f"Remote commands: {per_node} per node ({', '.join(farm.state.nodes)}), counted by the lab.")
    click.echo("Demo finished: the findings above are the demo farm's deliberate mistakes.")


@main.group()
def lab() -> None:
    """The simulated farm: a WinRM endpoint on loopback backed by scenario state."""


@lab.command(name="scenarios")
def lab_scenarios() -> None:
    """List the built-in scenarios."""
    from tabulate import tabulate

    from ssocheck.lab.state import list_scenarios

    click.echo(tabulate(list_scenarios(), headers=["Scenario", "Description"]))


@contextmanager
def _stop_on_ctrl_c_or_sigterm() -> Iterator[list[str]]:
    """Within the block, SIGINT and SIGTERM raise KeyboardInterrupt, which LabFarm.wait ends on; the list yielded
    receives the name of the stop ("Ctrl-C" or "SIGTERM"), so the lab can say how it stopped.

    Set explicitly because a process started in the background by a non-interactive shell (or by a CI runner
    that was) inherits SIGINT as *ignored*, and Python then installs no KeyboardInterrupt handler: the lab
    would never stop on Ctrl-C, and a service manager's SIGTERM would skip the clean-up of the password file.
    """
    import signal

    stopped_by: list[str] = []

    def stop(signum: int, _frame: object) -> None:
        stopped_by.append("Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name)
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopped_by
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@lab.command(name="serve")
@click.argument("scenario", shell_complete=scenarios)
@click.option("--inventory-out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path(".ssocheck-lab/inventory.yml"), show_default=True,
              help="Write an inventory for this farm here (password file beside it, mode 0600); removed on stop.")
@click.option("--https", is_flag=True, help="Serve HTTPS (certificate and CA written beside the inventory).")
@click.option("--overlay", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="YAML overlay deep-merged onto the scenario.")
def lab_serve(scenario: str, inventory_out: Path, https: bool, overlay: Path | None) -> None:
    """Serve SCENARIO in the foreground until Ctrl-C."""
    from ssocheck.lab.farm import LabFarm
    from ssocheck.lab.state import ScenarioError

    try:
        farm = LabFarm(scenario, scheme="https" if https else "http", workdir=inventory_out.parent,
                       overlay=overlay)
    except ScenarioError as exc:
        raise ConfigError(str(exc), field="SCENARIO") from exc
    folder = inventory_out.parent
    if not folder.exists():
        # A folder the lab makes ignores itself in git: its password file never shows in `git status`.
        folder.mkdir(parents=True)
        (folder / ".gitignore").write_text("# written by 'ssocheck lab serve'\n*\n", encoding="utf-8")
    with farm, _stop_on_ctrl_c_or_sigterm() as stopped_by:
        farm.write_inventory(inventory_out)
        click.echo(f"Serving scenario '{scenario}' on 127.0.0.1; inventory: {inventory_out}")
        click.echo(f"Try: ssocheck run -i {inventory_out}    (Ctrl-C to stop)")
        farm.wait()
    # The inventory names ports that are closed now, and the password file is a secret: neither is left behind.
    removed = [p for p in LabFarm.inventory_files(inventory_out) if p.exists()]
    for path in removed:
        path.unlink()
    how = stopped_by[0] if stopped_by else "Ctrl-C"
    click.echo(f"\nlab stopped ({how}); removed {', '.join(p.name for p in removed) or 'nothing'}")
