"""The run report: golden files (plain, width 100), widths, colour, DST days, windows, summaries."""

from __future__ import annotations

import io
import json
import re

import pytest
import render_fixtures as rf
from goldens import check_golden

from bgreplay.analysis.frame import events_frame
from bgreplay.analysis.measure import lookup
from bgreplay.analysis.metrics import compute_metrics
from bgreplay.render import theme
from bgreplay.render.report import render_run
from bgreplay.render.summary import numbers, summary_document
from bgreplay.render.theme import make_console
from bgreplay.render.timeline import Window, build_timeline

ESC = re.compile(r"\x1b\[")
M = rf.M
H = rf.H


def render(result, width: int = 100, **options) -> str:
    out = io.StringIO()
    render_run(result, make_console(out, width=width, plain=True), **options)
    return out.getvalue()


def block_lines(text: str, heading: str) -> list[str]:
    """The lines of the day block whose heading starts with ``heading``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


# -- golden files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "options"),
    [
        ("run.txt", {}),
        ("events.txt", {"events": True}),
        ("quiet.txt", {"quiet": True}),
        ("mornings.txt", {"window": Window(daily=(6 * H + 30 * M, 9 * H + 30 * M))}),
    ],
)
def test_news_goldens(request, case, options):
    text = render(rf.news_result(), lint=rf.findings(), **options)
    check_golden(request, f"render-news/{case}", text)


def test_news_summary_json_golden(request):
    doc = summary_document(rf.news_result(), lint=rf.findings())
    check_golden(
        request, "render-news/summary.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    )


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("render-dst/spring-forward.txt", rf.dst_result),
        ("render-dst/fall-back.txt", rf.fall_back_result),
    ],
)
def test_dst_goldens(request, case, make):
    check_golden(request, case, render(make()))


# -- layout -------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 160])
@pytest.mark.parametrize(
    "options", [{}, {"events": True}, {"quiet": True}, {"window": Window(start=10 * H, end=34 * H)}]
)
def test_no_line_is_wider_than_the_console(width, options):
    for result in (rf.news_result(), rf.fall_back_result()):
        text = render(result, width, lint=rf.findings(), **options)
        too_wide = [line for line in text.splitlines() if len(line) > width]
        assert not too_wide, too_wide


def test_fifteen_minute_cells_at_100_columns_coarser_when_narrow():
    result = rf.news_result()
    cells = {w: build_timeline(result, w).grid.cell_ms // M for w in (100, 120, 80, 60, 40)}
    assert cells == {100: 15, 120: 15, 80: 20, 60: 30, 40: 60}
    assert build_timeline(result, 100).grid.short_labels  # 3 + 1 + 96 = 100 columns
    assert not build_timeline(result, 130).grid.short_labels


def test_day_lanes_are_96_cells_at_15_minutes():
    lines = block_lines(render(rf.news_result()), "Mon 2026-03-02")
    lane = next(line for line in lines if line.startswith("pwr "))
    assert len(lane) == 100  # plugged until midnight: the lane reaches the last cell
    assert lane[4:32] == "█" * 28  # 00:00-07:00
    assert lane[4 + 92 :] == "█" * 4  # 23:00-24:00


def test_plain_output_has_no_escape_codes_and_colour_output_has_them(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    tty = Tty()
    console = make_console(tty, width=100)
    render_run(rf.news_result(), console, lint=rf.findings())
    assert not ESC.search(tty.getvalue())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("TERM", raising=False)
    tty = Tty()
    render_run(rf.news_result(), make_console(tty, width=100), lint=rf.findings())
    coloured = tty.getvalue()
    assert ESC.search(coloured)
    bare = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert [line.rstrip() for line in bare.splitlines()] == render(
        rf.news_result(), lint=rf.findings()
    ).splitlines()  # same layout, colour only added


def test_non_terminal_output_is_plain_without_trailing_spaces():
    assert theme.wants_plain(io.StringIO())
    assert not [
        line for line in render(rf.news_result(), events=True).splitlines() if line != line.rstrip()
    ]


# -- DST ------------------------------------------------------------------------------------------


def test_spring_forward_day_has_23_hours():
    text = render(rf.dst_result())
    block = block_lines(text, "Sun 2026-03-29")
    assert "23 h" in block[0] and "clocks forward at 02:00" in block[0]
    ticks = block[1].split()
    assert ticks == [f"{h:02d}" for h in range(24) if h != 2]
    lane = next(line for line in block if line.startswith("net "))
    assert len(lane) == 4 + 92  # Wi-Fi to the end of the day: 23 h of 15-minute cells


def test_fall_back_day_has_25_hours():
    result = rf.fall_back_result()
    view = build_timeline(result, 120)
    assert view.grid.cell_ms == 15 * M
    text = "\n".join(line.plain for line in view.lines)
    block = block_lines(text, "Sun 2026-10-25")
    assert "25 h" in block[0] and "clocks back at 03:00" in block[0]
    assert block[1].split() == ["00", "01", "02", "02", *[f"{h:02d}" for h in range(3, 24)]]
    sunday = next(b for b in view.grid.blocks if b.day == 20751)
    assert view.grid.cells(sunday) == 100  # 25 h of 15-minute cells


def test_a_25_hour_day_at_100_columns_uses_20_minute_cells():
    assert build_timeline(rf.fall_back_result(), 100).grid.cell_ms == 20 * M


# -- windows --------------------------------------------------------------------------------------


def test_daily_window_zooms_with_finer_cells_on_every_day():
    view = build_timeline(rf.news_result(), 100, Window(daily=(7 * H, 8 * H)))
    assert view.grid.cell_ms == M  # one hour in 1-minute cells
    assert [b.day for b in view.grid.blocks] == [20514, 20515]
    text = "\n".join(line.plain for line in view.lines)
    assert "07:00–08:00" in text
    lane = next(line for line in block_lines(text, "Mon 2026-03-02") if line.startswith("unl"))
    pad = view.grid.label_width + 1
    assert lane[pad + 29 : pad + 41].rstrip() == " " + "█" * 10  # the 07:30 open, ten minutes


def test_absolute_window_is_split_at_local_midnight():
    view = build_timeline(rf.news_result(), 100, Window(start=20 * H, end=28 * H))
    blocks = view.grid.blocks
    assert [(b.start, b.end) for b in blocks] == [(20 * H, 24 * H), (24 * H, 28 * H)]
    assert view.grid.cell_ms == 5 * M


# -- lanes and legend -----------------------------------------------------------------------------


def test_task_lanes_show_every_kind_of_mark():
    text = render(rf.news_result())
    day1 = block_lines(text, "Mon 2026-03-02")
    ref = next(line for line in day1 if line.startswith("ref "))[4:]
    assert ref[30] == "+"  # 07:40 submit
    assert ref[44] == "✓"  # 11:05 success (its launch and resubmit are in the same cell)
    assert ref[76] == "✗"  # 19:10 expired, then completed with failure
    assert ref[93] == "†"  # 23:20 killed by the watchdog
    assert "SSSS" in ref and "LLLL" in ref and "A" in ref and "↻" in ref and "·" in ref
    day2 = block_lines(text, "Tue 2026-03-03")
    ref2 = next(line for line in day2 if line.startswith("ref "))[4:]
    assert ref2[31] == "⊘" and "QQQQ" in ref2 and "CC" in ref2
    pro2 = next(line for line in day2 if line.startswith("pro "))[4:]
    assert pro2[5:7] == "▸✓"


def test_legend_maps_every_throttle_letter_drawn():
    text = render(rf.news_result())
    legend = text[text.index("Legend") : text.index("Tasks")]
    for letter, title in (
        ("S", "Score below threshold"),
        ("B", "Battery level"),
        ("A", "Application"),
        ("L", "Low Power Mode"),
        ("Q", "App switcher"),
        ("C", "Critically low battery"),
    ):
        assert f"{letter} {title}" in legend
    assert "ref io.example.news.refresh (refresh)" in legend


def test_header_names_everything_and_lint_findings_one_line_each():
    lines = render(rf.news_result(), lint=rf.findings()).splitlines()
    head = "\n".join(lines[:12])
    for fact in (
        "News digest — two days",
        "scenarios/news-digest.yaml",
        "ios-26",
        "iPhone · iOS 26.1",
        "Mon 2026-03-02 00:00 → Wed 2026-03-04 00:00 Europe/Paris (2 days)",
        "seed     11",
        "variant  base",
        "2 findings",
    ):
        assert fact in head
    assert sum(1 for line in lines if line.lstrip().startswith(("BGR008", "BGR013"))) == 2


# -- summaries ------------------------------------------------------------------------------------


def test_summary_numbers_come_from_the_metrics():
    result = rf.news_result()
    frame = events_frame(result)
    table = lookup(compute_metrics(frame, result.scenario))
    got = numbers(result)
    refresh = got["tasks"][0]
    assert refresh["launches"] == table[(rf.REFRESH, "launches")] == 4
    assert refresh["submit_errors_by_code"] == {"unavailable": 1}
    assert refresh["kills_by_reason"] == {"watchdog": 1}
    assert refresh["expirations"] == 2 and refresh["failures"] == 1
    assert (
        refresh["throttled_by_policy"]["app_switcher"]
        == table[(rf.REFRESH, "throttled_time.app_switcher")]
    )
    app = got["apps"][0]
    assert app["opens"] == 6
    assert app["staleness_max"] == 36600.0
    assert app["fresh_open_ratio"] == 0.0
    assert got["device"]["min_battery"] == 15.0


def test_event_table_lists_every_task_event_in_order():
    text = render(rf.news_result(), events=True)
    result = rf.news_result()
    task_events = [e for e in result.events if e.task is not None]
    rows = [line for line in text.splitlines() if re.match(r"^\d\d:\d\d:\d\d ", line)]
    assert len(rows) == len(task_events)
    assert "† killed #3" in text and "watchdog" in text and "⊘ submit_failed" in text
