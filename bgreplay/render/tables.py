"""Summary tables (per task, per app, device) and the chronological ``--events`` table.

Numbers come from ``summary.numbers`` (that is, from ``bgreplay.analysis.metrics``); this module
only formats them and colours the bad ones: any kill or submit error, no launch at all, stale
data at open, a low share of fresh opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import JustifyMethod
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from bgreplay.analysis.formatting import format_duration, format_value
from bgreplay.analysis.frame import spec_detail, spec_value
from bgreplay.analysis.metrics import FRESH_WITHIN_S
from bgreplay.engine.records import Event, ReplayResult
from bgreplay.render import theme
from bgreplay.render.clockview import local_datetime
from bgreplay.render.lanes import task_labels
from bgreplay.render.summary import Numbers

STALE_S = 6 * 3600.0  # staleness beyond this is drawn as bad (fresh: under FRESH_WITHIN_S)


_FOLD_CONSOLE = theme.measuring_console(1000)


def _table(title: str) -> Table:
    return Table(
        title=Text(title, style=theme.TITLE) if title else None,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    priority: int  # the least important columns are left out first on a narrow console
    justify: JustifyMethod = "right"


def fitted_table(title: str, columns: list[Column], rows: list[list[Text]], width: int) -> Table:
    """A table of the most important columns that fit ``width`` without squeezing any; the
    caption names the columns left out."""
    keep = list(range(len(columns)))

    def build(indexes: list[int]) -> Table:
        table = _table(title)
        for i in indexes:
            table.add_column(columns[i].name, justify=columns[i].justify, no_wrap=True)
        for row in rows:
            table.add_row(*[row[i] for i in indexes])
        return table

    console = theme.measuring_console(10_000)
    table = build(keep)
    while len(keep) > 1 and Measurement.get(console, console.options, table).maximum > width:
        keep.remove(min(keep, key=lambda i: columns[i].priority))
        table = build(keep)
    left_out = [c.name for i, c in enumerate(columns) if i not in keep]
    if left_out:
        table.caption = Text(f"(not shown at this width: {', '.join(left_out)})", style=theme.DIM)
        table.caption_justify = "left"
    return table


def _count(n: int, bad: str | None = None) -> Text:
    return Text(str(n), style=bad if n and bad else "")


def _seconds(value: float | None, *, warn: float | None = None, bad: float | None = None) -> Text:
    if value is None:
        return Text("n/a", style=theme.DIM)
    style = ""
    if bad is not None and value > bad:
        style = theme.BAD
    elif warn is not None and value > warn:
        style = theme.WARN
    return Text(format_duration(value), style=style)


TASK_COLUMNS = [
    Column("task", 100, "left"),
    Column("submits", 75),
    Column("errors", 85),
    Column("launches", 95),
    Column("/day", 50),
    Column("✓ ok", 90),
    Column("✗ fail", 70),
    Column("! exp", 65),
    Column("† kill", 88),
    Column("delay p50", 80),
    Column("throttled", 60),
]


def task_table(result: ReplayResult, numbers: Numbers, width: int) -> Table:
    labels = task_labels(result)
    rows = []
    for t in numbers["tasks"]:
        per_day = t["launches_per_day"]
        rows.append(
            [
                Text(labels[t["task"]][0], style=theme.TITLE),
                Text(str(t["submits"])),
                _count(t["submit_errors"], theme.BAD),
                Text(str(t["launches"]), style=theme.BAD if not t["launches"] else ""),
                Text(
                    format_value(per_day, "count") if per_day is not None else "n/a",
                    style=theme.BAD if not per_day else "",
                ),
                _count(t["successes"], theme.GOOD),
                _count(t["failures"], theme.WARN),
                _count(t["expirations"], theme.WARN),
                _count(t["kills"], theme.BAD),
                _seconds(t["launch_delay_p50"], warn=3600.0, bad=STALE_S),
                _seconds(t["throttled_time"]),
            ]
        )
    return fitted_table("Tasks", TASK_COLUMNS, rows, width)


def task_notes(result: ReplayResult, numbers: Numbers, width: int) -> list[Text]:
    """Under the table, per task: submit errors by code, kills by reason, throttled time by
    policy (with the timeline's letters), wrapped between items."""
    from bgreplay.render.legend import flow

    labels = task_labels(result)
    w = max((len(labels[t["task"]][0]) for t in numbers["tasks"]), default=0)
    out: list[Text] = []
    for t in numbers["tasks"]:
        items: list[Text] = []
        for code, n in t["submit_errors_by_code"].items():
            items.append(Text(f"{n} submit failed: ") + Text(code, style=theme.BAD))
        for reason, n in t["kills_by_reason"].items():
            items.append(Text(f"{n} killed: ") + Text(reason, style=theme.BAD))
        if t["throttled_by_policy"]:
            items.append(Text("throttled:", style=theme.DIM))
        for policy, seconds in t["throttled_by_policy"].items():
            items.append(
                Text(theme.policy_letter(policy), style=theme.throttle_style(policy))
                + Text(f" {theme.policy_title(policy)} {format_duration(seconds)}")
            )
        if items:
            head = Text("  ") + Text(labels[t["task"]][0].ljust(w) + "  ", style=theme.TITLE)
            out += flow(head, items, width, w + 4)
    return out


def _staleness(value: float | None) -> Text:
    text = _seconds(value, warn=FRESH_WITHIN_S, bad=STALE_S)
    if value is not None and value <= FRESH_WITHIN_S:
        text.stylize(theme.GOOD)
    return text


APP_COLUMNS = [
    Column("app", 100, "left"),
    Column("opens", 95),
    Column("stale p50", 90),
    Column("p90", 85),
    Column("max", 80),
    Column("fresh", 88),
    Column("missed p50", 50),
    Column("bg runtime", 60),
    Column("crashes", 70),
]


def app_table(result: ReplayResult, numbers: Numbers, width: int) -> Table:  # noqa: ARG001 - unread here; its callers pass it
    rows = []
    for a in numbers["apps"]:
        ratio = a["fresh_open_ratio"]
        if ratio is None:
            fresh = Text("n/a", style=theme.DIM)
        else:
            style = theme.GOOD if ratio >= 0.8 else theme.WARN if ratio >= 0.5 else theme.BAD
            fresh = Text(f"{ratio:.0%}", style=style)
        missed = a["missed_changes_p50"]
        rows.append(
            [
                Text(a["app"], style=theme.TITLE),
                Text(str(a["opens"])),
                _staleness(a["staleness_p50"]),
                _staleness(a["staleness_p90"]),
                _staleness(a["staleness_max"]),
                fresh,
                Text("n/a", style=theme.DIM)
                if missed is None
                else Text(format_value(missed, "count")),
                _seconds(a["background_runtime"]),
                _count(a["crashes"], theme.BAD),
            ]
        )
    table = fitted_table("Freshness at open", APP_COLUMNS, rows, width)
    note = Text(
        f"fresh = staleness under {format_duration(FRESH_WITHIN_S)}, measured before the "
        "open's own sync",
        style=theme.DIM,
    )
    if table.caption is not None:
        note = Text.assemble(note, "\n", table.caption)
    table.caption = note
    table.caption_justify = "left"
    return table


def device_line(numbers: Numbers) -> Text:
    d = numbers["device"]
    text = Text("Device  ", style=theme.TITLE)
    battery = d["min_battery"]
    parts = [
        Text(f"{format_value(d['unlocks_per_day'], 'count')} unlocks/day"),
        Text(f"{format_value(d['plugged_hours_per_day'], 'hours')} plugged/day"),
        Text(
            f"battery min {format_value(battery, 'percent')}",
            style=theme.BAD if battery is not None and battery <= 20 else "",
        ),
    ]
    for i, part in enumerate(parts):
        if i:
            text.append(" · ", style=theme.DIM)
        text.append_text(part)
    return text


# -- the chronological event table --------------------------------------------------------------

_EVENT_MARKS = {
    "submitted": theme.SUBMITTED,
    "replaced": theme.REPLACED,
    "submit_failed": theme.SUBMIT_FAILED,
    "launched": theme.LAUNCHED,
    "cancelled": theme.CANCELLED,
    "expired": theme.EXPIRED,
    "killed": theme.KILLED,
    "app_crashed": theme.CRASHED,
}


def _event_cell(event: Event) -> Text:
    mark: theme.Mark | None
    if event.event == "completed":
        mark = theme.SUCCESS if event.reason == "success" else theme.FAILURE
    elif event.event == "throttled":
        return Text(
            theme.policy_letter(event.reason), style=theme.throttle_style(event.reason)
        ) + Text(" throttled")
    else:
        mark = _EVENT_MARKS.get(event.event)
    if mark is None:
        return Text("  " + event.event)
    return Text(mark.glyph, style=mark.style) + Text(" " + event.event)


def _value_text(event: Event) -> str:
    v = spec_value(event)
    if v is None:
        return ""
    if event.event == "submitted":
        return f"eligible in {format_duration(v)}"
    if event.event == "launched":
        return f"delay {format_duration(v)}"
    if event.event in ("completed", "killed", "expired"):
        return f"ran {format_duration(v)}"
    if event.event == "throttled":
        return f"score {v:.2f}"
    return f"{v:g}"


def detail_cell(event: Event) -> Text:
    """The event's value (delay, runtime, score...) and its detail, for tables and tooltips."""
    value, detail = _value_text(event), spec_detail(event) or ""
    if event.event == "throttled" and (event.reason != "threshold" or "score" in detail):
        value = ""  # a veto scores 0; a low score's detail already says "score 0.54 below ..."
    text = Text(value)
    if detail:
        text.append((" · " if value else "") + detail, style=theme.DIM)
    return text


def reason_cell(event: Event) -> Text:
    """The reason, with throttling policies by their display name."""
    if event.event == "throttled" and event.reason:
        return Text(theme.policy_title(event.reason))
    style = theme.BAD if event.event in ("killed", "submit_failed", "app_crashed") else ""
    return Text(event.reason or "", style=style)


def event_lines(
    result: ReplayResult, width: int, spans: Sequence[tuple[int, int]] | None = None
) -> list[Text]:
    """Every task event (in the ``[start, end)`` spans when given), in order, with its reason,
    run and value, one line each (details folded under their column); a line with the date
    starts each local day. Columns are laid out here, not by a rich ``Table``: a month of a
    frequent task is ~50,000 events, which a table measures and renders ten times slower."""
    labels = task_labels(result)
    clock = result.timeline.clock
    rows: list[tuple[str, str, Text, Text, Text, Text]] = []
    for e in sorted(result.events, key=lambda e: (e.t, e.seq)):
        if e.task is None and e.event != "app_crashed":
            continue
        if spans is not None and not any(a <= e.t < b for a, b in spans):
            continue
        local = local_datetime(clock, e.t)
        event = _event_cell(e)
        if e.run is not None:
            event.append(f" #{e.run}", style=theme.DIM)
        label = labels.get(e.task) if e.task is not None else None
        task = label[0] if label is not None else e.task or e.app or ""
        rows.append(
            (
                f"{local:%a %m-%d}",
                f"{local:%H:%M:%S}",
                Text(task),
                event,
                reason_cell(e),
                detail_cell(e),
            )
        )
    lines = [Text("Task events", style=theme.TITLE)]
    if not rows:
        return [*lines, Text("no task events", style=theme.DIM)]
    header = ("time", "task", "event", "reason")
    columns = [row[2:5] for row in rows]  # task, event, reason
    widths = [max(len(header[0]), 8)] + [
        max(len(header[i + 1]), *(c[i].cell_len for c in columns)) for i in range(3)
    ]
    indent = sum(widths) + 2 * len(widths)
    fold = max(width - indent, 20)
    lines.append(
        Text(
            "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  details",
            style="bold",
        )
    )
    lines.append(Text("─" * width, style=theme.DIM))
    day = None
    for date, time, *cells, detail in rows:
        if date != day:
            day = date
            lines.append(Text(date, style=theme.TITLE))
        line = Text(time.ljust(widths[0]))
        for cell, cell_width in zip(cells, widths[1:], strict=True):
            line.append("  ")
            line.append_text(cell)
            line.append(" " * (cell_width - cell.cell_len))
        line.append("  ")
        if detail.cell_len <= fold:
            lines.append(line.append_text(detail))
            continue
        first, *rest = detail.wrap(_FOLD_CONSOLE, fold, overflow="fold")
        lines.append(line.append_text(first))
        lines.extend(Text(" " * indent).append_text(more) for more in rest)
    return lines
