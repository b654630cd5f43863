"""The flagship's SVG report draws alike in librsvg (rsvg-convert) and in Chromium: the hour
axis sits over the cells it labels, checked on the pixels each renderer produces."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pngread import read_png

from bgreplay import api
from bgreplay.render.svg import CELL_WIDTH, LINE_HEIGHT, cell_x, line_top, report_lines
from bgreplay.render.svg import svg_document as _svg

RSVG = shutil.which("rsvg-convert")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def flagship(tmp_path_factory):
    """The SVG of the flagship's first two days, and the rows and column to look at."""
    scenario = api.load_scenario("scenarios/pixar-film-tracker.yaml", overrides=["duration=2d"])
    lines = report_lines(api.replay(scenario))
    text = ["".join(segment.text for segment in line) for line in lines]
    axis = next(i for i, t in enumerate(text) if re.match(r"^\s+00\s+01\s+02", t))
    unlocked = axis + 1
    column = text[axis].index("08")
    assert text[unlocked].startswith("unl") and text[unlocked][column] == "█"  # the 08:00 open
    assert not text[unlocked][column - 4 : column].strip()  # nothing in the hour before
    path = tmp_path_factory.mktemp("svg") / "flagship.svg"
    svg = _svg(lines, 100, "flagship")
    path.write_text(svg, encoding="utf-8")
    width, height = (int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', svg).groups())
    return path, width, height, axis, unlocked, column


def _first_ink(png: Path, row: int, from_x: float) -> int:
    """The first x at or right of ``from_x`` where the line ``row`` has something drawn."""
    width, _, rows, bpp = read_png(png)
    background = rows[1][bpp : 2 * bpp][:3]
    top, bottom = int(line_top(row)) + 2, int(line_top(row) + LINE_HEIGHT) - 2
    for x in range(int(from_x), width):
        for y in range(top, bottom):
            pixel = rows[y][x * bpp : x * bpp + 3]
            if sum(abs(a - b) for a, b in zip(pixel, background, strict=True)) > 90:
                return x
    return width


def _check_axis(png: Path, axis: int, unlocked: int, column: int) -> None:
    expected = cell_x(column)
    label = _first_ink(png, axis, cell_x(column - 2))
    block = _first_ink(png, unlocked, cell_x(column - 3))
    assert abs(label - expected) <= CELL_WIDTH / 2, f"'08' drawn at x={label}, not {expected}"
    assert abs(block - expected) <= 2, f"08:00 block at x={block}, not {expected}"


@pytest.mark.skipif(
    RSVG is None,
    reason="rsvg-convert is not installed (apt-get install librsvg2-bin; .ci/run installs it)",
)
def test_the_hour_axis_lines_up_in_librsvg(flagship, tmp_path):
    path, _, _, axis, unlocked, column = flagship
    png = tmp_path / "rsvg.png"
    done = subprocess.run(
        [RSVG, "-o", str(png), str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    _check_axis(png, axis, unlocked, column)


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
def test_the_hour_axis_lines_up_in_chromium(flagship, tmp_path):
    path, width, height, axis, unlocked, column = flagship
    png = tmp_path / "chromium.png"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={png}",
            f"--window-size={width},{height}",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and png.exists(), done.stderr[-2000:]
    _check_axis(png, axis, unlocked, column)
