"""Headless chromium for the report tests: load a page with a probe script, return what the probe measured."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"]

# Installed first in <head>: records uncaught errors and console.error calls before the page's own scripts run.
CATCH = """<script>window.__errors=[];window.addEventListener('error',function(e){__errors.push(String(e.message))});
var __ce=console.error;console.error=function(){__errors.push(Array.prototype.join.call(arguments,' '));__ce.apply(console,arguments)};</script>"""

# Appended at the end of <body>: measures the page (after an optional scripted action) into <pre id="probe">.
PROBE = """<script>window.addEventListener('load',function(){setTimeout(function(){
var act=%s;if(act)act();
var out={errors:window.__errors,vh:window.innerHeight,plots:[],rows:[],sorted:null};
document.querySelectorAll('svg.plot, svg.spark').forEach(function(s){var r=s.getBoundingClientRect();
  out.plots.push([s.getAttribute('class'),r.width,r.height,s.querySelectorAll('polyline,circle,rect,text').length])});
out.open=Array.prototype.map.call(document.querySelectorAll('details[open]'),function(d){return d.id});
var v=document.getElementById('verdict');if(v){var r=v.getBoundingClientRect();out.verdict=[r.top,r.bottom,r.height]}
var t=document.getElementById('cohort');if(t){out.sorted=t.dataset.sorted||null;
  Array.prototype.forEach.call(t.tBodies[0].rows,function(row){out.rows.push(row.cells[0].dataset.v)})}
var p=document.createElement('pre');p.id='probe';p.textContent=JSON.stringify(out);document.body.appendChild(p);
},0)});</script>"""


def instrument(html: str, action: str = "null") -> str:
    html = html.replace("<head>", "<head>" + CATCH, 1)
    return html.replace("</body>", PROBE % action + "</body>", 1)


def _run(args: list[str], profile: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=90, stdin=subprocess.DEVNULL)


def probe(page: Path, fragment: str = "", action: str = "null", size: tuple[int, int] = (1280, 900)) -> dict:
    """Open `page` (a copy carrying the probe) and return the probe's JSON plus console errors from the log."""
    work = Path(tempfile.mkdtemp(prefix="report-browser-"))
    try:
        copy = work / page.name
        copy.write_text(instrument(page.read_text(encoding="utf-8"), action), encoding="utf-8")
        proc = _run([f"--window-size={size[0]},{size[1]}", "--dump-dom", copy.as_uri() + fragment],
                    str(work / "profile"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    found = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    if not found:
        raise AssertionError(f"the probe did not run (chromium exit {proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads(found.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    data["console"] = [line for line in proc.stderr.splitlines() if "CONSOLE" in line and
                       re.search(r"Uncaught|Error|error", line)]
    return data


def screenshot(page: Path, out: Path, size: tuple[int, int] = (1200, 900)) -> Path:
    """A PNG of the first screen of `page`."""
    with tempfile.TemporaryDirectory(prefix="report-shot-") as work:
        proc = _run([f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", page.as_uri()],
                    str(Path(work) / "profile"))
    if not out.exists():
        raise AssertionError(f"no screenshot (chromium exit {proc.returncode}): {proc.stderr[-2000:]}")
    return out


def reference_screenshot(page: Path, out: Path, size: tuple[int, int] = (1200, 900)) -> Path:
    """docs/screenshots/*.png: the first screen, reduced to a 128-colour palette to stay small in git."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="report-ref-") as work:
        raw = screenshot(page, Path(work) / "raw.png", size)
        Image.open(raw).convert("RGB").quantize(colors=128).save(out, optimize=True)
    return out


if __name__ == "__main__":  # python tests/report/report_browser.py PAGE.html OUT.png
    import sys

    print(reference_screenshot(Path(sys.argv[1]).resolve(), Path(sys.argv[2])))
