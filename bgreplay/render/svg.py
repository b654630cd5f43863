"""``bgreplay run --svg FILE``: the coloured text report, as rich records it, saved as SVG."""

from __future__ import annotations

import io
from pathlib import Path

from bgreplay.engine.records import ReplayResult
from bgreplay.fsutil import write_atomic
from bgreplay.render.report import render_run
from bgreplay.render.theme import PLAIN_WIDTH, make_console


def report_svg(result: ReplayResult, *, width: int = PLAIN_WIDTH, **options) -> str:
    """The report (``render_run`` options) drawn in colour at ``width`` columns."""
    console = make_console(io.StringIO(), width=width, plain=False, record=True)
    render_run(result, console, **options)
    return console.export_svg(title=f"bgreplay run — {result.scenario.name}")


def write_svg(result: ReplayResult, path: str | Path, **options) -> None:
    write_atomic(path, report_svg(result, **options))
