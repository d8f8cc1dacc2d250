"""The HTML report in a real browser: headless Chromium from Debian loads it, prints it to PDF like an operator
filing a change record, and poppler reads the PDF back (issue 14 acceptance).

* the 4-node report of a real run (CLI, pywinrm, the simulated demo farm): verdict and provenance on page one,
  the runbook in the document, no column of the matrix cut (every node name in the matrix header line), the
  collapsed skipped/passed lists expanded in print;
* the 500-node report: small, few pages, headings folded, the verdict first;
* the screen view: the banner is painted in the verdict's colour, in the light scheme and, with the system
  preference dark, in the dark one.

Chromium and poppler-utils are Debian packages installed by ``.ci/run``; without them these tests skip with
one reason. Kept to a few browser starts (about 2 s each, 500 nodes a few more).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from ssocheck import provenance
from ssocheck.lab.farm import LabFarm
from ssocheck.reporters import REPORTERS
from tests.support.bigfarm import big_report
from tests.support.lab import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and PDFTOTEXT and PDFINFO),
    reason="needs headless Chromium and poppler-utils (apt-get install chromium poppler-utils; .ci/run does)",
)

# Flags for a quiet, offline, throw-away browser (no first-run UI, no network, no profile left behind).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def chromium(tmp_path: Path, *args: str) -> None:
    profile = tmp_path / "profile"
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    subprocess.run(cmd, check=True, timeout=180, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def print_pdf(tmp_path: Path, page: Path) -> Path:
    pdf = tmp_path / (page.stem + ".pdf")
    # No browser header/footer: the report's own first lines are the page's first lines.
    chromium(tmp_path, "--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={pdf}",
             page.resolve().as_uri())
    assert pdf.exists() and pdf.stat().st_size > 1000
    return pdf


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    return subprocess.run([str(PDFTOTEXT), "-layout", *pages, str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run([str(PDFINFO), str(pdf)], check=True, capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match
    return int(match.group(1))


def png_pixel(png: Path, x: int, y: int) -> tuple[int, int, int]:
    """The RGB of one pixel of a PNG Chromium wrote (8-bit RGB/RGBA, non-interlaced), with zlib only."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    channels = 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width = struct.unpack(">I", body[:4])[0]
            channels = {2: 3, 6: 4}[body[9]]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for r in range(y + 1):
        start = r * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        prev = line
    px = rows[y][x * channels:x * channels + 3]
    return px[0], px[1], px[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Reports of a real ``ssocheck run`` against the simulated demo farm."""
    tmp = tmp_path_factory.mktemp("demo-browser")
    with LabFarm("demo", workdir=tmp / "farm") as farm:
        inventory = farm.write_inventory(tmp / "inventory.yml")
        code, _out, _err = run_cli(["run", "-i", inventory, "--output-dir", tmp / "out"])
    assert code == 1
    return tmp / "out"


def test_demo_report_prints_to_pdf_with_nothing_cut(demo_run: Path, tmp_path: Path) -> None:
    pdf = print_pdf(tmp_path, demo_run / "ssocheck-report.html")
    first = pdf_text(pdf, 1, 1)
    # Page one: the verdict and how the report was produced.
    assert "FAILED" in first and "ssocheck report: BizTalkGroup, phase post" in first
    for label in ("Command", "Checks", "Inventory", "Run by"):
        assert re.search(rf"^\s*{label}\s+\S", first, re.M), label
    assert "ssocheck run -i" in first
    text = pdf_text(pdf)
    assert "Runbook: the migration guide's steps" in text and "Use Network Name for computer name" in text
    # No column cut: the matrix header line holds every node of the demo, whole.
    assert re.search(r"Check\s+Title\s+Severity\s+BTSNODE1\s+BTSNODE2\s+NODE1\s+NODE2\s*$", text, re.M), text
    # The collapsed lists are expanded in print: a passing result's own message is in the PDF.
    report = json.loads((demo_run / "ssocheck-report.json").read_text(encoding="utf-8"))
    passed = next(r for r in report["results"] if r["status"] == "pass" and len(r["message"]) > 20)
    assert " ".join(passed["message"].split()[:4]) in " ".join(text.split())
    # The audit trail keeps its last columns: each node's row ends with its outcome.
    audit = text[text.index("Audit trail: remote scripts run"):]
    assert "outcome" in audit
    for node in ("BTSNODE1", "BTSNODE2", "NODE1", "NODE2"):
        assert re.search(rf"^{node}\s+fact probe .*\s(no|yes)\s+\S+Z\s+[\d.]+\s+ok\s*$", audit, re.M), node
    assert pdf_pages(pdf) <= 20


def test_500_node_report_prints_in_few_pages(tmp_path: Path) -> None:
    report = provenance.attach(big_report(500), provenance.gather(
        argv=["ssocheck", "run", "-i", "big.yml"], selected=list(big_report(4).checks),
        installed=list(big_report(4).checks)))
    page = tmp_path / "big500.html"
    page.write_text(REPORTERS["html"].render(report), encoding="utf-8")
    pdf = print_pdf(tmp_path, page)
    pages = pdf_pages(pdf)
    assert pages <= 25, pages
    first = pdf_text(pdf, 1, 1)
    assert "FAILED" in first and "Command" in first and "500 (not collected:" in first
    text = " ".join(pdf_text(pdf).split())
    assert "and 490 more" in text and "BTSNODE0001..BTSNODE0099" in text
    assert "Runbook: the migration guide's steps" in text


@pytest.mark.parametrize(("scheme", "colour"), [("light", (0xFF, 0xEB, 0xE9)), ("dark", (0x3B, 0x12, 0x19))])
def test_screen_banner_is_painted_in_the_verdict_colour(demo_run: Path, tmp_path: Path, scheme: str,
                                                        colour: tuple[int, int, int]) -> None:
    png = tmp_path / f"{scheme}.png"
    extra = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if scheme == "dark" else []
    chromium(tmp_path, *extra, "--window-size=1000,700", f"--screenshot={png}",
             (demo_run / "ssocheck-report.html").resolve().as_uri())
    # Inside the FAILED banner (1.5rem body margin, 2px border), left of the text.
    assert png_pixel(png, 30, 30) == colour
