"""The HTML report: self-contained, and it really draws in a browser (headless Chromium)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib

import pytest

from bgreplay import api
from bgreplay.render.html import render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    scenario = api.load_scenario("scenarios/pixar-film-tracker.yaml", overrides=["duration=28d"])
    result = api.replay(scenario, explain_task="*")
    html = render_html(result)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path, html


def test_report_is_self_contained(report):
    _, html = report
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no network fetch
    assert "<script>" in html and "Tasks" in html and "io.cocoabytes.filmtracker" in html
    assert '<select id="day">' in html  # the day picker; its days come from the data
    assert "Battery level" in html and "threshold" in html  # policy answers behind throttles


def _browser(*args: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


def _png_has_colour(path) -> bool:
    """Decode the PNG's first rows just enough to see more than one colour."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, ctype = struct.unpack(">IIBB", data[16:26])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    channels = {2: 3, 6: 4}.get(ctype, 1)
    stride = width * channels + 1
    colours = {
        raw[i : i + 3]
        for row in range(min(height, 400))
        for i in range(row * stride + 1, row * stride + stride - 3, channels * 7)
    }
    return depth == 8 and len(colours) > 5


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_report_renders_lanes_in_headless_chromium(report, tmp_path):
    path, _ = report
    dom = _browser("--dump-dom", "--virtual-time-budget=5000", path.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-rendered="yes"' in dom.stdout
    lanes = int(re.search(r'data-lanes="(\d+)"', dom.stdout).group(1))
    marks = int(re.search(r'data-marks="(\d+)"', dom.stdout).group(1))
    assert lanes == 7 and marks > 20  # 5 device lanes + 2 task lanes, with their marks
    assert int(re.search(r'data-runs="(\d+)"', dom.stdout).group(1)) >= 2  # runs as bars
    assert "Staleness at each open" in dom.stdout  # the day's summary beside its strip
    assert dom.stdout.count("<h3>") == 1  # a 28-day run opens on one day of the picker
    errors = [
        line
        for line in dom.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    assert not errors, errors
    shot = tmp_path / "report.png"
    done = _browser(
        f"--screenshot={shot}",
        "--window-size=1300,900",
        "--virtual-time-budget=5000",
        path.as_uri(),
        tmp_path=tmp_path,
    )
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    assert _png_has_colour(shot)
