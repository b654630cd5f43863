"""``bgreplay run``'s text report: header, per-day timeline (or the event table), summaries."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from bgreplay.engine.records import ReplayResult
from bgreplay.render.header import header_lines
from bgreplay.render.legend import legend
from bgreplay.render.summary import Numbers
from bgreplay.render.summary import numbers as summary_numbers
from bgreplay.render.tables import (
    app_table,
    device_line,
    event_lines,
    task_notes,
    task_table,
)
from bgreplay.render.timeline import Window, blocks_for, build_timeline


def _print_lines(console: Console, lines: Sequence[Text]) -> None:
    """Each line, cropped to the console. Without colours (a pipe, a file) a line is written as
    its plain text: the same characters, without rich's rendering — a month of task events is
    ~50,000 lines, which rich takes seconds to print one by one."""
    as_is = console.color_system is None and not console.record
    width = console.width
    for line in lines:
        if as_is and cell_len(line.plain) <= width:
            console.file.write(line.plain + "\n")
        else:
            console.print(line, no_wrap=True, overflow="crop", crop=True)


def render_run(
    result: ReplayResult,
    console: Console,
    *,
    window: Window | None = None,
    events: bool = False,
    quiet: bool = False,
    lint: Sequence = (),
    numbers: Numbers | None = None,
) -> None:
    """Print the whole report on ``console``; its width decides the timeline's cells.

    ``events`` replaces the timeline by the chronological task-event table; ``quiet`` prints the
    summaries only; ``numbers`` (``summary.numbers``) may be passed when already computed.
    """
    width = console.width
    if not quiet:
        _print_lines(console, header_lines(result, width, lint))
        console.print()
        if events:
            _print_event_tables(result, console, window)
        else:
            view = build_timeline(result, width, window)
            _print_lines(console, view.lines)
            _print_lines(console, legend(result, view, width))
        console.print()
    render_summary(result, console, numbers)


def render_summary(result: ReplayResult, console: Console, numbers: Numbers | None = None) -> None:
    """The per-task and per-app tables and the device line."""
    if numbers is None:
        numbers = summary_numbers(result)
    if numbers["tasks"]:
        console.print(task_table(result, numbers, console.width))
        notes = task_notes(result, numbers, console.width)
        if notes:
            _print_lines(console, notes)
        console.print()
    if numbers["apps"]:
        console.print(app_table(result, numbers, console.width))
        console.print()
    console.print(device_line(numbers), no_wrap=True, overflow="ellipsis")


def _print_event_tables(result: ReplayResult, console: Console, window: Window | None) -> None:
    spans = None if window is None else [(b.start, b.end) for b in blocks_for(result, window)]
    _print_lines(console, event_lines(result, console.width, spans))
