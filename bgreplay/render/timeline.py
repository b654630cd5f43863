"""The per-day timeline: one block per local day, one lane per device channel and per task.

Columns are cells of equal *real* duration starting at local midnight, so a 23-hour or 25-hour
DST day has that many hours, and hour ticks follow the device's local clock (``00 01 03 04`` on a
spring-forward day). The cell size adapts to the console: 15-minute cells (96 per day) from 100
columns, 20 or 30 minutes or an hour when narrower; a ``Window`` zooms down to 1-minute cells.
Each cell shows the most telling mark that falls in it (see ``theme``), so the layout is the same
with and without colour, and no line is wider than the console.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from rich.text import Text

from bgreplay.engine.records import ReplayResult
from bgreplay.render import theme
from bgreplay.render.clockview import (
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    day_date,
    local_datetime,
    midnight,
    offset_changes,
    offset_text,
    replay_ms,
)
from bgreplay.render.lanes import Counts, Item, Lane, device_lanes, task_lanes
from bgreplay.render.theme import Mark
from bgreplay.trace.model import Clock

DAY_CELLS_MIN = (15, 20, 30, 60, 120)  # whole days: never finer than 15 minutes
ZOOM_CELLS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120)
TICK_STEPS_MIN = (5, 10, 15, 30, 60, 120, 180, 360, 720)
SHORT_LABEL = 3
MAX_LONG_LABEL = 16


@dataclass(frozen=True, slots=True)
class Window:
    """What ``--from/--to`` selects: an absolute span of replay time, or a local time-of-day
    span shown on every day (``daily``: ms after local midnight, ``to`` may be past midnight)."""

    start: int | None = None
    end: int | None = None
    daily: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Block:
    """One drawn stretch of one local day: ``[start, end)`` in replay ms (may reach outside the
    replay, whose cells stay blank)."""

    day: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Grid:
    cell_ms: int
    label_width: int
    short_labels: bool
    blocks: tuple[Block, ...]
    zoomed: bool

    def cells(self, block: Block) -> int:
        return max(1, math.ceil((block.end - block.start) / self.cell_ms))


def blocks_for(result: ReplayResult, window: Window | None = None) -> tuple[Block, ...]:
    clock, duration = result.timeline.clock, result.scenario.duration_ms
    first, last = clock.local_day(0), clock.local_day(max(0, duration - 1))
    if window is None:
        return tuple(
            Block(d, midnight(clock, d), midnight(clock, d + 1)) for d in range(first, last + 1)
        )
    if window.daily is not None:
        lo, hi = window.daily
        if hi <= lo:
            hi += DAY_MS
        out = []
        for d in range(first - 1, last + 1):
            start = replay_ms(clock, d * DAY_MS + lo)
            end = replay_ms(clock, d * DAY_MS + hi)
            if end > 0 and start < duration and end > start:
                out.append(Block(d, start, end))
        return tuple(out)
    a = max(0, window.start if window.start is not None else 0)
    b = min(duration, window.end if window.end is not None else duration)
    out = []
    for d in range(clock.local_day(a), clock.local_day(max(a, b - 1)) + 1):
        start, end = max(a, midnight(clock, d)), min(b, midnight(clock, d + 1))
        if end > start:
            out.append(Block(d, start, end))
    return tuple(out)


def plan(result: ReplayResult, lanes: list[Lane], width: int, window: Window | None = None) -> Grid:
    """The finest cell size whose longest block fits ``width`` beside three-letter labels;
    full labels when they fit too."""
    blocks = blocks_for(result, window)
    longest = max((b.end - b.start for b in blocks), default=DAY_MS)
    choices = DAY_CELLS_MIN if window is None else ZOOM_CELLS_MIN
    cell = choices[-1] * MINUTE_MS
    for minutes in choices:
        if SHORT_LABEL + 1 + math.ceil(longest / (minutes * MINUTE_MS)) <= width:
            cell = minutes * MINUTE_MS
            break
    cells = math.ceil(longest / cell)
    long_width = max((len(lane.long) for lane in lanes), default=0)
    if long_width <= MAX_LONG_LABEL and long_width + 1 + cells <= width:
        return Grid(cell, long_width, False, blocks, window is not None)
    return Grid(cell, SHORT_LABEL, True, blocks, window is not None)


# -- painting -----------------------------------------------------------------------------------


def _cell_range(start: int, end: int, block: Block, cell: int, n: int) -> range:
    if end == start:  # a point
        i = (start - block.start) // cell
        return range(i, i + 1) if 0 <= i < n and block.start <= start < block.end else range(0)
    lo = max(0, (max(start, block.start) - block.start) // cell)
    hi = min(n, -(-(min(end, block.end) - block.start) // cell))
    return range(lo, hi)


def paint(lane: Lane, block: Block, grid: Grid, duration: int) -> list[Mark | None]:
    """The lane's cells in one block: the highest-priority mark, or the best-covering one."""
    n, cell = grid.cells(block), grid.cell_ms
    if lane.samples:
        return _paint_battery(lane.samples, block, cell, n, duration)
    cells: list[Mark | None] = [None] * n
    cover: list[dict[Mark, int]] | None = (
        [{} for _ in range(n)] if lane.mode == "coverage" else None
    )
    for item in _overlapping(lane, block):
        for i in _cell_range(item.start, item.end, block, cell, n):
            if cover is not None:
                c0 = block.start + i * cell
                got = min(item.end, c0 + cell) - max(item.start, c0)
                cover[i][item.mark] = cover[i].get(item.mark, 0) + max(got, 0)
            else:
                here = cells[i]
                if here is None or item.mark.priority > here.priority:
                    cells[i] = item.mark
    if cover is not None:  # the uncovered rest of the cell competes too (blank: no network)
        for i, c in enumerate(cover):
            c0 = block.start + i * cell
            length = min(c0 + cell, block.end, duration) - max(c0, 0)
            best = max(c, key=lambda m: (c[m], m.priority)) if c else None
            uncovered = length - sum(c.values())
            cells[i] = best if best is not None and c[best] >= uncovered else None
    return cells


def _overlapping(lane: Lane, block: Block) -> Iterator[Item]:
    """Items touching ``block``; ``lane.prepare()`` sorted them by start and kept the running
    maximum of their ends, so items that ended before the block are skipped by bisection."""
    lo = bisect_right(lane.reach, block.start)
    hi = bisect_left(lane.starts, block.end)
    for item in lane.items[lo:hi]:
        if item.end > block.start or (item.end == item.start and item.start >= block.start):
            yield item


def _paint_battery(
    samples: list[tuple[int, float]], block: Block, cell: int, n: int, duration: int
) -> list[Mark | None]:
    times = [s[0] for s in samples]
    cells: list[Mark | None] = [None] * n
    for i in range(n):
        mid = block.start + i * cell + cell // 2
        if block.start + i * cell >= min(duration, block.end) or block.start + (i + 1) * cell <= 0:
            continue
        k = bisect_right(times, min(max(mid, 0), duration - 1)) - 1
        level = samples[max(k, 0)][1]
        cells[i] = Mark(theme.battery_glyph(level), theme.battery_style(level), 1, "battery")
    return cells


def lane_text(cells: list[Mark | None]) -> Text:
    text = Text(no_wrap=True, overflow="crop")
    run_style: str | None = None
    run: list[str] = []
    for mark in cells:
        glyph, style = (mark.glyph, mark.style) if mark is not None else (" ", "")
        if style != run_style and run:
            text.append("".join(run), style=run_style or None)
            run = []
        run_style = style
        run.append(glyph)
    if run:
        text.append("".join(run), style=run_style or None)
    return text


# -- axis and headings --------------------------------------------------------------------------


def axis(block: Block, grid: Grid, clock: Clock) -> str:
    """Tick labels at local hour (or minute) marks, never overlapping."""
    n, cell = grid.cells(block), grid.cell_ms
    hourly = cell >= 15 * MINUTE_MS
    label_w = 2 if hourly else 5
    if hourly:
        every = next((h for h in (1, 2, 3, 4, 6, 12) if h * HOUR_MS / cell >= label_w + 1), 24)
        step = HOUR_MS
    else:
        step = next(
            (
                s * MINUTE_MS
                for s in TICK_STEPS_MIN
                if s * MINUTE_MS / cell >= label_w + 1 and s * MINUTE_MS % cell == 0
            ),
            720 * MINUTE_MS,
        )
        every = 1
    row = [" "] * n
    free = 0
    local0 = clock.local_ms(block.start)
    t = block.start + (-local0) % step
    while t < block.end:
        local = clock.local_ms(t)
        col = (t - block.start) // cell
        hour, minute = (local % DAY_MS) // HOUR_MS, (local % HOUR_MS) // MINUTE_MS
        label = f"{hour:02d}" if hourly else f"{hour:02d}:{minute:02d}"
        if (
            (not hourly or hour % every == 0)
            and col >= free
            and col + len(label) <= n
            and local % step == 0
        ):
            row[col : col + len(label)] = list(label)
            free = col + len(label) + 1
        t += step
    return "".join(row).rstrip()


def heading(block: Block, grid: Grid, clock: Clock, counts: dict[str, int], width: int) -> Text:
    """``Tue 2026-03-03  23 h · UTC+01:00 → UTC+02:00, clocks forward at 02:00 · 3 launches
    (✓2 ✗1) · 2 opens``; details that would not fit ``width`` are left out."""
    text = Text(day_date(block.day).strftime("%a %Y-%m-%d"), style=theme.TITLE)
    details = []
    if grid.zoomed:
        a, b = local_datetime(clock, block.start), local_datetime(clock, block.end)
        until = "24:00" if b.date() > a.date() and (b.hour, b.minute) == (0, 0) else f"{b:%H:%M}"
        details.append(f"{a:%H:%M}–{until}")
    elif block.end - block.start != DAY_MS:
        details.append(f"{(block.end - block.start) / HOUR_MS:g} h")
    changes = offset_changes(clock, block.start, block.end)
    if changes:
        t, old, new = changes[0]
        at = local_datetime(clock, t) - timedelta(milliseconds=new - old)  # on the old clock
        way = "forward" if new > old else "back"
        details.append(f"{offset_text(old)} → {offset_text(new)}, clocks {way} at {at:%H:%M}")
    else:
        details.append(offset_text(clock.offset_at(max(block.start, 0))))
    launches = counts.get("launched", 0)
    ends = " ".join(
        f"{g}{counts[k]}"
        for k, g in (
            ("success", theme.SUCCESS.glyph),
            ("failure", theme.FAILURE.glyph),
            ("expired", theme.EXPIRED.glyph),
            ("killed", theme.KILLED.glyph),
        )
        if counts.get(k)
    )
    details.append(
        f"{launches} launch{'es' if launches != 1 else ''}" + (f" ({ends})" if ends else "")
    )
    opens = counts.get("opens", 0)
    details.append(f"{opens} open{'s' if opens != 1 else ''}")
    shown: list[str] = []
    for part in details:
        if text.cell_len + 2 + len(" · ".join([*shown, part])) <= width:
            shown.append(part)
    if shown:
        text.append("  " + " · ".join(shown), style=theme.DIM)
    text.truncate(width)
    return text


# -- the whole timeline -------------------------------------------------------------------------


@dataclass(slots=True)
class TimelineView:
    lines: list[Text]
    grid: Grid
    lanes: list[Lane]
    policies: list[str]  # throttling policies drawn, in order of first appearance


def build_timeline(result: ReplayResult, width: int, window: Window | None = None) -> TimelineView:
    """Every block's heading, axis and lanes as ``Text`` lines no wider than ``width``."""
    lanes = device_lanes(result) + task_lanes(result)
    for lane in lanes:
        lane.prepare()
    grid = plan(result, lanes, width, window)
    clock, duration = result.timeline.clock, result.scenario.duration_ms
    counts = Counts(result)
    lines: list[Text] = []
    policies: dict[str, None] = {}
    pad = grid.label_width + 1
    for block in grid.blocks:
        lo, hi = max(block.start, 0), min(block.end, duration)
        lines.append(heading(block, grid, clock, counts.between(lo, hi), width))
        lines.append(Text(" " * pad + axis(block, grid, clock), style=theme.DIM, no_wrap=True))
        for lane in lanes:
            cells = paint(lane, block, grid, duration)
            for mark in cells:
                if mark is not None and mark.priority == theme.THROTTLE_PRIORITY:
                    policies.setdefault(mark.meaning)
            label = lane.short if grid.short_labels else lane.long
            row = Text(
                label.ljust(grid.label_width)[: grid.label_width] + " ",
                style=theme.DIM,
                no_wrap=True,
                overflow="crop",
            )
            row.append_text(lane_text(cells))
            row.rstrip()
            lines.append(row)
        lines.append(Text(""))
    return TimelineView(lines, grid, lanes, list(policies))
