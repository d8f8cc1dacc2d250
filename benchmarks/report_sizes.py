"""Measure the reports of real runs at scale: file sizes (and gzip), console lines, HTML and PDF in Chromium.

For each ``SCENARIO:N`` it starts the simulated farm scaled to N nodes in its own process
(``farm_server.py``), runs ``ssocheck run`` against it through pywinrm like a user, and prints one row:
HTML / JUnit / JSON size in KB (gzip in brackets), the console's line count, and, when Chromium and
poppler-utils are installed, the PDF's page count. The README's "Reports at scale" table comes from it::

    python benchmarks/report_sizes.py healthy-post:200 demo:500 healthy-post:500
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def measure(scenario: str, nodes: int, work: Path) -> dict[str, object]:
    """One scaled run: sizes of its reports, console lines, PDF pages."""
    inventory = work / "inventory.yml"
    farm = subprocess.Popen([sys.executable, str(HERE / "farm_server.py"), "--nodes", str(nodes), "--inventory",
                             str(inventory), "--scenario", scenario], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert farm.stdout is not None and farm.stdin is not None
        ready = json.loads(farm.stdout.readline())
        if not ready.get("ready"):
            raise SystemExit(f"farm not ready: {ready}")
        out = work / "reports"
        env = dict(os.environ, COLUMNS="120")
        run = subprocess.run([sys.executable, "-m", "ssocheck", "run", "-i", str(inventory), "--output-dir", str(out),
                              "--no-color"], capture_output=True, text=True, env=env, timeout=600)
        farm.stdin.write("quit\n")
        farm.stdin.flush()
    finally:
        try:
            farm.wait(timeout=30)
        except subprocess.TimeoutExpired:
            farm.kill()
    row: dict[str, object] = {"scenario": scenario, "nodes": nodes, "exit": run.returncode,
                              "console_lines": len(run.stdout.splitlines())}
    for kind, name in (("html", "ssocheck-report.html"), ("junit", "ssocheck-junit.xml"),
                       ("json", "ssocheck-report.json")):
        data = (out / name).read_bytes()
        row[kind] = f"{len(data) / 1024:,.0f} ({len(gzip.compress(data)) / 1024:,.0f})"
    chromium, pdfinfo = shutil.which("chromium"), shutil.which("pdfinfo")
    if chromium and pdfinfo:
        pdf = work / "report.pdf"
        subprocess.run([chromium, *FLAGS, f"--user-data-dir={work / 'profile'}", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", (out / "ssocheck-report.html").as_uri()],
                       capture_output=True, timeout=300, check=True)
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
        row["pdf_pages"] = next(int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:"))
    return row


def main(argv: list[str]) -> int:
    """Measure every ``SCENARIO:N`` given (default: the README's three)."""
    cases = argv or ["healthy-post:200", "demo:500", "healthy-post:500"]
    for case in cases:
        scenario, _, n = case.partition(":")
        with tempfile.TemporaryDirectory(prefix="ssocheck-sizes-") as tmp:
            print(json.dumps(measure(scenario, int(n), Path(tmp))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
