"""Accessibility of the HTML report judged by axe-core (the engine behind Lighthouse and axe DevTools), run
inside headless Chromium on the report of a real run and on a 500-node report, in the light and dark schemes
and at a phone's width (390 px, where the matrix must scroll and a keyboard must reach it).

axe-core comes from npm (``.ci/run`` installs it into ``.venv/axe``; ``SSOCHECK_AXE`` may name another
``axe.min.js``). The report is copied with two script tags appended (the report itself has none), Chromium
runs it with ``--dump-dom`` and the violations are read back from the page. Without Chromium or axe-core the
tests skip with one reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ssocheck.reporters import REPORTERS
from tests.support.bigfarm import big_report

from .test_chromium import FLAGS, demo_run  # noqa: F401  (the fixture: a real run's reports)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(os.environ.get("SSOCHECK_AXE") or Path(sys.prefix) / "axe" / "node_modules" / "axe-core" / "axe.min.js")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and AXE.is_file()),
    reason="needs headless Chromium and axe-core (apt-get install chromium; npm install --prefix .venv/axe "
           "axe-core; .ci/run does both)",
)

RUNNER = """<script src="{axe}"></script>
<script>
axe.run(document, {{resultTypes: ['violations']}}).then(function (r) {{
  var pre = document.createElement('pre'); pre.id = 'axe-result';
  pre.textContent = JSON.stringify(r.violations.map(function (v) {{
    var targets = v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(' '); }});
    return {{id: v.id, impact: v.impact, targets: targets}};
  }}));
  document.body.appendChild(pre);
}}, function (e) {{
  var pre = document.createElement('pre'); pre.id = 'axe-result'; pre.textContent = JSON.stringify('error: ' + e);
  document.body.appendChild(pre);
}});
</script>
</body>"""


def violations(tmp_path: Path, page: str, *options: str) -> list[dict[str, object]]:
    target = tmp_path / "axe-page.html"
    target.write_text(page.replace("</body>", RUNNER.format(axe=AXE.resolve().as_uri()), 1), encoding="utf-8")
    dom = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
         "--virtual-time-budget=30000", *options, "--dump-dom", target.resolve().as_uri()],
        check=True, capture_output=True, text=True, timeout=180).stdout
    match = re.search(r'<pre id="axe-result">(.*?)</pre>', dom, re.S)
    assert match, "axe-core did not report (script blocked or too slow)"
    from html import unescape

    result = json.loads(unescape(match.group(1)))
    assert isinstance(result, list), result
    return result


@pytest.mark.parametrize("view", [
    ("--window-size=1400,900",),
    ("--window-size=390,800",),
    ("--force-dark-mode", "--blink-settings=preferredColorScheme=0", "--window-size=1400,900"),
], ids=["desktop", "phone", "dark"])
def test_real_run_report_has_no_axe_violation(demo_run: Path, tmp_path: Path, view: tuple[str, ...]) -> None:  # noqa: F811
    page = (demo_run / "ssocheck-report.html").read_text(encoding="utf-8")
    assert violations(tmp_path, page, *view) == []


def test_500_node_report_has_no_axe_violation(tmp_path: Path) -> None:
    page = REPORTERS["html"].render(big_report(500))
    assert violations(tmp_path, page, "--window-size=1400,900") == []
