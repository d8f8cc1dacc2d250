"""Benchmark: what one ``ssocheck run`` costs per node, from 4 to 500 nodes, against the bare pywinrm floor.

One command (from the repository root, in the project's virtual environment)::

    python benchmarks/run_benchmark.py [--nodes 4,50,200,500] [--workers 8] [--out benchmarks/results/latest.json]

For each N it starts the simulated farm in a separate process (``farm_server.py``: ``healthy-post``
scaled to N nodes, HTTP + NTLM with message encryption) and measures, against that same farm:

* **floor**: a separate Python process that makes N trivial ``winrm.Session(...).run_ps(...)``
  calls with pywinrm alone, in a thread pool of ``--workers`` threads, same transport. Its wall
  time (process start to exit, like the run's) is the floor: what N WinRM round trips cost here.
* **run**: ``python -m ssocheck run -i INV --output-dir D --format junit --format html --format json``
  as a real subprocess: wall time, exit code, peak RSS (``ru_maxrss`` of that very child, via
  ``os.wait4``) and, from the lab's counters, remote commands and HTTP requests per node.
* **evaluate + render**: in a fresh process, the snapshot the run wrote is loaded and timed with
  ``time.perf_counter`` around ``runner.evaluate`` and each of the four reporters (console, junit,
  html, json), then around writing the three report files (``output.write_atomic``).

After one unmeasured floor + run pair (the lab's first requests pay for lazy imports; ``--no-warmup``
skips it), floor and run alternate ``--repeat`` times (default 3) and the medians are reported. The
client's and the lab's CPU seconds are recorded too: on a small machine both share the cores. It
prints a table and writes JSON (documented in ``benchmarks/README.md``) with the machine's core count
and the Python, pywinrm and ssocheck versions.

Internal modes (used by the benchmark itself): ``--floor SPEC.json`` and ``--evaluate SNAPSHOT``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FARM_SERVER = HERE / "farm_server.py"
DEFAULT_NODES = (4, 50, 200, 500)
DEFAULT_OUT = HERE / "results" / "latest.json"
FLOOR_COMMAND = "$PSVersionTable.PSVersion.ToString()"
REPORT_FORMATS = ("junit", "html", "json")
SCHEMA = "ssocheck-benchmark/1"

# The targets (issue 6). "evaluate_render_s" is runner.evaluate + rendering the four reports.
TARGETS: dict[str, Any] = {
    "commands_per_node": 1,
    "http_requests_per_node_max": 9,
    "run_over_floor_max": 1.5,
    "run_over_floor_at_nodes": 200,
    "peak_rss_mb_max": 150,
    "peak_rss_at_nodes": 500,
    "evaluate_render_s_max": 1.0,
    "evaluate_render_at_nodes": 500,
}
PROCESS_TIMEOUT_S = 300.0


def _log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# ------------------------------------------------------------------------------------------------------------
# child processes


@dataclass(frozen=True)
class ProcessRun:
    """One finished child process: exit code, wall time from spawn to reaped, and its own peak RSS."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    cpu_s: float  # user + system CPU of the child


# The environment of every child (farm, floor, run, evaluation): None inherits this process's. run_benchmark sets it
# to give the children a bytecode cache (child_env), as an installed ssocheck has one.
_CHILD_ENV: dict[str, str] | None = None


def child_env(pycache: Path | None) -> dict[str, str] | None:
    """The children's environment: with ``pycache``, Python writes and reads its bytecode cache there.

    ``pip install`` byte-compiles a package, so an installed ssocheck starts from ``.pyc`` files, as pywinrm does
    in the floor. A source checkout run with PYTHONDONTWRITEBYTECODE=1 (set on some CI and sandbox machines)
    would compile its ~70 modules again in every ``ssocheck run`` (about 0.2 s on 2 cores) while the floor's
    pywinrm, installed, does not: that measures the checkout, not the tool. The cache is filled by the
    unmeasured warm-up pair; ``--no-bytecode-cache`` measures with the inherited environment instead.
    """
    if pycache is None:
        return None
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_process(args: Sequence[str], stdout: IO[bytes] | int, stderr: IO[bytes] | int,
                cwd: Path | None = None, timeout_s: float = PROCESS_TIMEOUT_S) -> ProcessRun:
    """Run ``args`` and reap it with ``os.wait4``: its rusage is that child's alone (RUSAGE_CHILDREN would
    also count the farm server, which is another child of this process)."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(args), stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, cwd=cwd,
                            env=_CHILD_ENV)
    # A watchdog instead of Popen.wait(timeout): Popen.wait would reap the child and lose its rusage.
    watchdog = threading.Timer(timeout_s, proc.kill)
    watchdog.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        watchdog.cancel()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # tells Popen the child is already reaped
    # Linux reports ru_maxrss in KiB (macOS in bytes; the farm needs Linux-style loopback anyway).
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    cpu = usage.ru_utime + usage.ru_stime
    return ProcessRun(proc.returncode, wall, round(rss_mb, 1), round(cpu, 3))


class FarmProcess:
    """``farm_server.py`` in its own process: started, then driven with ``stats`` / ``reset`` / ``quit``."""

    def __init__(self, nodes: int, workdir: Path, startup_timeout_s: float = 180.0) -> None:
        """Start the farm and wait for its ``ready`` line."""
        self.inventory = workdir / "inventory.yml"
        self._stderr = open(workdir / "farm-server.stderr", "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, str(FARM_SERVER), "--nodes", str(nodes), "--inventory", str(self.inventory)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, cwd=workdir,
            env=_CHILD_ENV,
        )
        timer = threading.Timer(startup_timeout_s, self.proc.kill)
        timer.start()
        try:
            ready = self._read()
        finally:
            timer.cancel()
        if not ready.get("ready"):
            self.close()
            raise RuntimeError(f"farm server did not start: {ready.get('error') or ready}")
        self.nodes: list[str] = list(ready["ports"])
        self.username: str = ready["username"]

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"farm server exited (code {self.proc.poll()}); see its stderr in "
                               f"{self._stderr.name}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        """Send one line command and return its JSON answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def stats(self) -> tuple[dict[str, dict[str, int]], float]:
        """The lab's counters per node since the last reset, and the lab's CPU seconds so far."""
        answer = self.ask("stats")
        return answer["nodes"], float(answer["cpu_s"])

    def reset(self) -> float:
        """Zero the lab's counters; returns the lab's CPU seconds so far."""
        return float(self.ask("reset")["cpu_s"])

    def close(self) -> None:
        """Ask the farm to quit; kill it if it does not within 20 s."""
        try:
            if self.proc.poll() is None and self.proc.stdin is not None:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            self.proc.wait(20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self._stderr.close()


def per_node(stats: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Summary of the lab's counters: min/max/mean per node of remote commands and HTTP requests."""
    out: dict[str, Any] = {}
    for key in ("commands", "http_requests", "shells_created", "connections"):
        values = [s[key] for s in stats.values()]
        out[key] = {"min": min(values), "max": max(values), "mean": round(statistics.fmean(values), 3),
                    "total": sum(values)}
    return out


# ------------------------------------------------------------------------------------------------------------
# internal mode: the floor (bare pywinrm, nothing of ssocheck imported)


def floor_main(spec_file: Path) -> int:
    """N trivial ``run_ps`` calls with pywinrm alone, ``workers`` at a time; prints a JSON line."""
    import winrm

    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    password = Path(spec["password_file"]).read_text(encoding="utf-8").strip()

    def one(url: str) -> str | None:
        session = winrm.Session(url, auth=(spec["username"], password), transport="ntlm",
                                message_encryption="always")
        result = session.run_ps(FLOOR_COMMAND)
        if result.status_code != 0 or not result.std_out.strip():
            return f"{url}: exit {result.status_code}: {result.std_err[:200]!r}"
        return None

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=spec["workers"]) as pool:
        problems = [p for p in pool.map(one, spec["urls"]) if p]
    calls_s = time.perf_counter() - started
    sys.stdout.write(json.dumps({"calls_s": round(calls_s, 4), "errors": problems[:5],
                                 "error_count": len(problems)}) + "\n")
    return 1 if problems else 0


# ------------------------------------------------------------------------------------------------------------
# internal mode: evaluate + render the snapshot a run wrote


def evaluate_main(snapshot_file: Path, report_json: Path | None, out_dir: Path) -> int:
    """Time ``runner.evaluate`` and the four reporters on a snapshot (imports done before the clock starts)."""
    from ssocheck.check import Context
    from ssocheck.model import Phase, Status
    from ssocheck.output import write_atomic
    from ssocheck.pipeline import REPORT_FILES
    from ssocheck.registry import load_checks
    from ssocheck.reporters import REPORTERS
    from ssocheck.runner import evaluate
    from ssocheck.snapshot import load_snapshot

    t0 = time.perf_counter()
    snapshot = load_snapshot(snapshot_file)
    load_s = time.perf_counter() - t0
    checks = load_checks()
    ctx = Context(Phase(snapshot.phase) if snapshot.phase else Phase.PRE, snapshot.expect)
    # The live run's report carries the audit trail (one entry per node); render the same document.
    sections: dict[str, Any] = {}
    if report_json is not None and report_json.is_file():
        sections = dict(json.loads(report_json.read_text(encoding="utf-8")).get("sections") or {})

    t0 = time.perf_counter()
    report = evaluate(checks, snapshot, ctx, source=f"snapshot:{snapshot_file}", sections=sections)
    evaluate_s = time.perf_counter() - t0
    render_s: dict[str, float] = {}
    texts: dict[str, str] = {}
    for fmt in ("console", "junit", "html", "json"):
        options: dict[str, Any] = {"warn_as": "pass"} if fmt == "junit" else {}
        t0 = time.perf_counter()
        texts[fmt] = REPORTERS[fmt].render(report, **options)
        render_s[fmt] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for fmt in REPORT_FORMATS:
        write_atomic(out_dir / REPORT_FILES[fmt], texts[fmt])
    write_s = time.perf_counter() - t0

    # skip is normal on a healthy farm (checks of another phase); fail, error and warn are not.
    unhealthy = [[r.check_id, r.node, r.status.value] for r in report.results
                 if r.status in (Status.FAIL, Status.ERROR, Status.WARN)]
    statuses = {status.value: sum(1 for r in report.results if r.status is status) for status in Status}
    sys.stdout.write(json.dumps({
        "snapshot_load_s": round(load_s, 4),
        "evaluate_s": round(evaluate_s, 4),
        "render_s": {k: round(v, 4) for k, v in render_s.items()},
        "render_total_s": round(sum(render_s.values()), 4),
        "evaluate_render_s": round(evaluate_s + sum(render_s.values()), 4),
        "write_s": round(write_s, 4),
        "results": len(report.results),
        "checks": len(checks),
        "report_bytes": {k: len(v.encode("utf-8")) for k, v in texts.items()},
        "statuses": statuses,
        "unhealthy": unhealthy[:20],
        "unhealthy_count": len(unhealthy),
    }) + "\n")
    return 0


# ------------------------------------------------------------------------------------------------------------
# one N


def _median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 4)


def measure_floor(farm: FarmProcess, workdir: Path, workers: int) -> dict[str, Any]:
    """One floor measurement (subprocess) plus the lab's counters for it."""
    import yaml

    inv = yaml.safe_load(farm.inventory.read_text(encoding="utf-8"))
    spec = {
        "urls": [f"http://{n['address']}:{n['port']}/wsman" for n in inv["nodes"]],
        "username": inv["connection"]["username"],
        "password_file": str(farm.inventory.parent / inv["connection"]["password_file"]),
        "workers": workers,
    }
    spec_file = workdir / "floor.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    out_file = workdir / "floor.stdout"
    lab_cpu = farm.reset()
    with open(out_file, "wb") as out, open(workdir / "floor.stderr", "wb") as err:
        proc = run_process([sys.executable, str(Path(__file__).resolve()), "--floor", str(spec_file)], out, err)
    stats, lab_cpu_after = farm.stats()
    answer = json.loads(out_file.read_text(encoding="utf-8") or "{}")
    if proc.returncode != 0:
        raise RuntimeError(f"floor failed (exit {proc.returncode}): {answer or (workdir / 'floor.stderr')}")
    return {"wall_s": proc.wall_s, "calls_s": answer["calls_s"], "peak_rss_mb": proc.peak_rss_mb,
            "cpu_s": proc.cpu_s, "lab_cpu_s": lab_cpu_after - lab_cpu, "per_node": per_node(stats)}


def measure_run(farm: FarmProcess, workdir: Path, workers: int, index: int | str) -> dict[str, Any]:
    """One ``ssocheck run`` (subprocess) plus the lab's counters for it."""
    out_dir = workdir / f"reports-{index}"
    lab_cpu = farm.reset()
    args = [sys.executable, "-m", "ssocheck", "run", "-i", str(farm.inventory), "--output-dir", str(out_dir),
            "--workers", str(workers)]
    for fmt in REPORT_FORMATS:
        args += ["--format", fmt]
    with open(workdir / f"run-{index}.stdout", "wb") as out, open(workdir / f"run-{index}.stderr", "wb") as err:
        proc = run_process(args, out, err, cwd=workdir)
    stats, lab_cpu_after = farm.stats()
    if proc.returncode not in (0, 1, 3):
        detail = (workdir / f"run-{index}.stderr").read_text(encoding="utf-8", errors="replace")[-500:]
        raise RuntimeError(f"ssocheck run failed (exit {proc.returncode}): {detail}")
    return {"wall_s": proc.wall_s, "exit_code": proc.returncode, "peak_rss_mb": proc.peak_rss_mb,
            "cpu_s": proc.cpu_s, "lab_cpu_s": lab_cpu_after - lab_cpu, "per_node": per_node(stats),
            "output_dir": out_dir}


def measure_evaluation(out_dir: Path, workdir: Path) -> dict[str, Any]:
    """Evaluate + render timing on the snapshot of a run, in a fresh process."""
    eval_dir = workdir / "evaluate-out"
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--evaluate", str(out_dir / "ssocheck-snapshot.json"),
         "--report-json", str(out_dir / "ssocheck-report.json"), "--eval-out", str(eval_dir)],
        capture_output=True, text=True, timeout=PROCESS_TIMEOUT_S, check=False, env=_CHILD_ENV,
    )
    if result.returncode != 0:
        raise RuntimeError(f"evaluation failed: {result.stderr[-1000:]}")
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def cli_startup(workdir: Path) -> float:
    """Wall time of ``python -m ssocheck --version``: the interpreter + CLI start-up every run pays."""
    run = run_process([sys.executable, "-m", "ssocheck", "--version"], subprocess.DEVNULL, subprocess.DEVNULL,
                      cwd=workdir)
    return round(run.wall_s, 4)


def bench_one(nodes: int, workers: int, repeat: int, keep: Path | None = None, warmup: bool = True) -> dict[str, Any]:
    """Every measurement for one farm size N (after one unmeasured floor + run pair, unless ``warmup`` is off)."""
    with tempfile.TemporaryDirectory(prefix=f"ssocheck-bench-{nodes}-") as tmp:
        workdir = keep / f"n{nodes}" if keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        farm = FarmProcess(nodes, workdir)
        farm_start_s = time.perf_counter() - t0
        try:
            floors: list[dict[str, Any]] = []
            runs: list[dict[str, Any]] = []
            if warmup:
                # The lab imports and caches lazily on its first requests; whichever of floor and run came
                # first would pay for it, so neither does.
                measure_floor(farm, workdir, workers)
                measure_run(farm, workdir, workers, "warmup")
            for i in range(repeat):
                # Alternating keeps slow drifts of the machine (other load, CPU boost) out of the ratio.
                floors.append(measure_floor(farm, workdir, workers))
                runs.append(measure_run(farm, workdir, workers, i))
                _log(f"  N={nodes} #{i + 1}: floor {floors[-1]['wall_s']:.2f} s, run {runs[-1]['wall_s']:.2f} s")
            evaluation = measure_evaluation(runs[-1]["output_dir"], workdir)
            startup = cli_startup(workdir)
        finally:
            farm.close()
    floor_wall = _median([f["wall_s"] for f in floors])
    run_wall = _median([r["wall_s"] for r in runs])
    # Counters over every measured run: a per-node figure that varied between repeats shows as min < max.
    commands = {"min": min(r["per_node"]["commands"]["min"] for r in runs),
                "max": max(r["per_node"]["commands"]["max"] for r in runs)}
    http = {"max": max(r["per_node"]["http_requests"]["max"] for r in runs),
            "mean": round(statistics.fmean(r["per_node"]["http_requests"]["mean"] for r in runs), 3)}
    return {
        "nodes": nodes,
        "workers": workers,
        "repeat": repeat,
        "farm_start_s": round(farm_start_s, 3),
        "floor": {
            "wall_s": floor_wall,
            "calls_s": _median([f["calls_s"] for f in floors]),
            "wall_s_all": [round(f["wall_s"], 4) for f in floors],
            "peak_rss_mb": max(f["peak_rss_mb"] for f in floors),
            "cpu_s": _median([f["cpu_s"] for f in floors]),
            "lab_cpu_s": _median([f["lab_cpu_s"] for f in floors]),
            "http_requests_per_node": max(f["per_node"]["http_requests"]["max"] for f in floors),
            "commands_per_node": max(f["per_node"]["commands"]["max"] for f in floors),
        },
        "run": {
            "wall_s": run_wall,
            "wall_s_all": [round(r["wall_s"], 4) for r in runs],
            "exit_code": runs[-1]["exit_code"],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "cpu_s": _median([r["cpu_s"] for r in runs]),
            "lab_cpu_s": _median([r["lab_cpu_s"] for r in runs]),
            "commands_per_node": commands,
            "http_requests_per_node": http,
            "shells_per_node": max(r["per_node"]["shells_created"]["max"] for r in runs),
            "connections_per_node": max(r["per_node"]["connections"]["max"] for r in runs),
            "cli_startup_s": startup,
        },
        "evaluation": evaluation,
        "run_over_floor": round(run_wall / floor_wall, 3),
    }


# ------------------------------------------------------------------------------------------------------------
# report


def verdicts(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each target of the issue: met or not, with the measured value it was judged on (None: N not measured)."""
    def at(n: int) -> dict[str, Any] | None:
        return next((r for r in rows if r["nodes"] == n), None)

    out: dict[str, Any] = {
        "commands_per_node": {
            "value": max(r["run"]["commands_per_node"]["max"] for r in rows),
            "met": all(r["run"]["commands_per_node"]["min"] == r["run"]["commands_per_node"]["max"] == 1
                       for r in rows),
        },
        "http_requests_per_node": {
            "value": max(r["run"]["http_requests_per_node"]["max"] for r in rows),
            "met": all(r["run"]["http_requests_per_node"]["max"] <= TARGETS["http_requests_per_node_max"]
                       for r in rows),
        },
    }
    row = at(TARGETS["run_over_floor_at_nodes"])
    out["run_over_floor"] = {"value": row["run_over_floor"] if row else None,
                             "met": row["run_over_floor"] <= TARGETS["run_over_floor_max"] if row else None}
    row = at(TARGETS["peak_rss_at_nodes"])
    out["peak_rss_mb"] = {"value": row["run"]["peak_rss_mb"] if row else None,
                          "met": row["run"]["peak_rss_mb"] <= TARGETS["peak_rss_mb_max"] if row else None}
    row = at(TARGETS["evaluate_render_at_nodes"])
    value = row["evaluation"]["evaluate_render_s"] if row else None
    out["evaluate_render_s"] = {"value": value,
                                "met": value < TARGETS["evaluate_render_s_max"] if value is not None else None}
    return out


def table(rows: Sequence[dict[str, Any]]) -> str:
    """The results as a GitHub-style Markdown table (also readable in a terminal)."""
    headers = ["N", "floor s", "run s", "run/floor", "cmds/node", "HTTP/node", "peak RSS MB",
               "evaluate s", "render s", "eval+render s"]
    lines = [headers]
    for r in rows:
        cmds = r["run"]["commands_per_node"]
        lines.append([
            str(r["nodes"]),
            f"{r['floor']['wall_s']:.2f}",
            f"{r['run']['wall_s']:.2f}",
            f"{r['run_over_floor']:.2f}",
            str(cmds["max"]) if cmds["min"] == cmds["max"] else f"{cmds['min']}-{cmds['max']}",
            str(r["run"]["http_requests_per_node"]["max"]),
            f"{r['run']['peak_rss_mb']:.0f}",
            f"{r['evaluation']['evaluate_s']:.3f}",
            f"{r['evaluation']['render_total_s']:.3f}",
            f"{r['evaluation']['evaluate_render_s']:.3f}",
        ])
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    out = ["| " + " | ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) + " |" for line in lines]
    out.insert(1, "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return "\n".join(out)


def machine() -> dict[str, Any]:
    """Where the figures come from: cores, Python, pywinrm, ssocheck, OS, git commit."""
    from importlib.metadata import version

    from ssocheck import __version__

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:  # no git: a copy of the sources
            return ""

    commit = git("rev-parse", "--short", "HEAD")
    # Uncommitted changes to tracked files mean the figures are not exactly those of the commit.
    dirty = bool(git("status", "--porcelain", "--untracked-files=no")) if commit else None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "python": platform.python_version(),
        "pywinrm": version("pywinrm"),
        "pyspnego": version("pyspnego"),
        "ssocheck": __version__,
        "git_commit": commit or None,
        "git_dirty": dirty,
        "platform": platform.platform(),
    }


def run_benchmark(nodes: Sequence[int], workers: int, repeat: int, out: Path | None,
                  keep: Path | None = None, warmup: bool = True, label: str = "",
                  bytecode_cache: bool = True) -> dict[str, Any]:
    """Measure every N, print nothing; return (and write to ``out``) the JSON document."""
    global _CHILD_ENV
    started = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ssocheck-bench-pycache-") as pycache:
        _CHILD_ENV = child_env(Path(pycache) if bytecode_cache else None)
        try:
            for n in nodes:
                _log(f"N={n}: starting the farm ...")
                rows.append(bench_one(n, workers, repeat, keep, warmup))
        finally:
            _CHILD_ENV = None
    doc = {
        "schema": SCHEMA,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "label": label,
        "machine": machine(),
        "settings": {"nodes": list(nodes), "workers": workers, "repeat": repeat, "warmup": warmup,
                     "bytecode_cache": bytecode_cache, "transport": "ntlm",
                     "scheme": "http", "message_encryption": "always", "floor_command": FLOOR_COMMAND,
                     "formats": list(REPORT_FORMATS)},
        "targets": TARGETS,
        "results": rows,
        "verdicts": verdicts(rows),
        "benchmark_wall_s": round(time.perf_counter() - started, 1),
    }
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    return doc


def _nodes(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from exc
    if not values or min(values) < 4:
        raise argparse.ArgumentTypeError("every N must be at least 4 (two BizTalk clones + two cluster nodes)")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--nodes", type=_nodes, default=list(DEFAULT_NODES),
                        help="comma-separated farm sizes (default: 4,50,200,500)")
    parser.add_argument("--workers", type=int, default=8, help="nodes in parallel, run and floor (default: 8)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating floor/run pairs per N (median)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file (default: %(default)s)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the work files (reports, logs) here")
    parser.add_argument("--no-warmup", action="store_true", help="skip the unmeasured floor + run pair per N")
    parser.add_argument("--label", default="", help="free text stored in the JSON (what was measured)")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="children inherit this environment (PYTHONDONTWRITEBYTECODE=1: compile on every run)")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--evaluate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--report-json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--eval-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        return floor_main(args.floor)
    if args.evaluate:
        return evaluate_main(args.evaluate, args.report_json, args.eval_out or Path(tempfile.mkdtemp()))
    if args.repeat < 1 or args.workers < 1:
        parser.error("--repeat and --workers must be at least 1")

    doc = run_benchmark(args.nodes, args.workers, args.repeat, args.out, args.keep, not args.no_warmup, args.label,
                        bytecode_cache=not args.no_bytecode_cache)
    m = doc["machine"]
    print(f"ssocheck {m['ssocheck']} ({m['git_commit']}), Python {m['python']}, pywinrm {m['pywinrm']}, "
          f"{m['cpu_count']} cores; workers {args.workers}, median of {args.repeat}; NTLM + message encryption")
    print(table(doc["results"]))
    for name, verdict in doc["verdicts"].items():
        state = "n/a" if verdict["met"] is None else ("met" if verdict["met"] else "MISSED")
        print(f"  target {name}: {verdict['value']} -> {state}")
    for r in doc["results"]:
        if r["evaluation"]["unhealthy_count"]:
            print(f"  warning: N={r['nodes']}: {r['evaluation']['unhealthy_count']} fail/error/warn results on the "
                  f"generated healthy farm, e.g. {r['evaluation']['unhealthy'][:3]}")
    print(f"benchmark took {doc['benchmark_wall_s']:.0f} s; JSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
