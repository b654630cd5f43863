"""``bgreplay run --html FILE``: one self-contained page with an interactive timeline.

The page holds its data as JSON and draws it with a few lines of inline JavaScript (no network,
no libraries): one SVG strip per local day, the same lanes and marks as the terminal timeline,
hover details for every event (with each policy's answer behind launches and throttles), a day
picker, a zoom slider, lane toggles, and the summary tables. Day strips
are as long as the day really is (23 h or 25 h on DST days); ticks are in device-local time.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from bgreplay.analysis.frame import spec_value
from bgreplay.engine.records import ReplayResult
from bgreplay.fsutil import write_atomic
from bgreplay.render import theme
from bgreplay.render.clockview import HOUR_MS, local_datetime, offset_text
from bgreplay.render.header import header_lines
from bgreplay.render.html_page import PAGE
from bgreplay.render.lanes import device_lanes, task_lanes
from bgreplay.render.summary import numbers as summary_numbers
from bgreplay.render.tables import detail_cell, reason_cell
from bgreplay.render.timeline import blocks_for

COLOURS = {  # rich style → CSS colour (the colour part of a style)
    "red": "#d62728",
    "yellow": "#c99700",
    "green": "#2ca02c",
    "cyan": "#17a2b8",
    "blue": "#1f77b4",
    "bright_blue": "#3b8bd9",
    "magenta": "#a03ca0",
    "dark_orange": "#e8710a",
    "bright_black": "#9a9a9a",
}


def css_colour(style: str) -> str:
    for word in reversed(style.split()):
        if word in COLOURS:
            return COLOURS[word]
    return "#444"


def _marks(lanes, apps: str) -> tuple[list[dict], dict]:
    """The distinct marks of the lanes' spans (``[start, end, mark index]`` in the page)."""
    table: list[dict] = []
    index: dict = {}
    for lane in lanes:
        for item in lane.items:
            key = (item.mark.glyph, item.mark.style, item.mark.meaning)
            if key not in index:
                index[key] = len(table)
                meaning = item.mark.meaning
                throttle = item.mark.priority == theme.THROTTLE_PRIORITY
                if throttle:
                    meaning = f"throttled: {theme.policy_title(meaning)}"
                elif item.mark is theme.OWN_APP:
                    meaning = f"{apps} in use"
                table.append(
                    {
                        "glyph": item.mark.glyph,
                        "colour": css_colour(item.mark.style),
                        "meaning": meaning,
                        "letter": throttle,
                    }
                )
    return table, index


_POINT_EVENTS = (
    "submitted",
    "replaced",
    "submit_failed",
    "launched",
    "cancelled",
    "expired",
    "killed",
    "completed",
    "app_crashed",
    "throttled",
)
_POINT_MARKS = {
    "submitted": theme.SUBMITTED,
    "replaced": theme.REPLACED,
    "submit_failed": theme.SUBMIT_FAILED,
    "launched": theme.LAUNCHED,
    "cancelled": theme.CANCELLED,
    "expired": theme.EXPIRED,
    "killed": theme.KILLED,
    "completed_success": theme.SUCCESS,
    "completed_failure": theme.FAILURE,
    "app_crashed": theme.CRASHED,
    "throttled": theme.Mark("▾", "yellow", 20, "throttled"),
}


def _breakdowns(result: ReplayResult) -> dict[tuple[str, int], str]:
    """Each policy's answer at the evaluations behind launches and throttles (replay with
    ``explain_task="*"`` to have them), as hover text."""
    out = {}
    for ev in result.evaluations:
        lines = [
            f"  {v.policy:<24} {v.decision:<4} {v.score:5.2f}  w{v.weight:g}  {v.rationale}"
            for v in ev.verdicts
        ]
        lines.append(f"  score {ev.score:.2f}, threshold {ev.threshold:.2f}")
        out[(ev.task, ev.t)] = "\n".join(lines)
    return out


_RUN_ENDS = ("completed", "expired", "killed", "cancelled")


def _runs(result: ReplayResult, lane_of: dict[str, int]) -> list[list]:
    """Each run as ``[start, end, lane, outcome, hover text]``: launch to its last end event
    (a run still going at the end of the replay ends there, ``running``)."""
    from bgreplay.analysis.formatting import format_duration

    clock = result.timeline.clock
    starts: dict[tuple[str, int], int] = {}
    ends: dict[tuple[str, int], list] = {}
    for e in result.events:
        if e.task not in lane_of or e.run is None:
            continue
        if e.event == "launched":
            starts[(e.task, e.run)] = e.t
        elif e.event in _RUN_ENDS:
            ends.setdefault((e.task, e.run), []).append(e)
    out = []
    for (task, run), start in starts.items():
        finished = ends.get((task, run), [])
        end = max((e.t for e in finished), default=result.scenario.duration_ms)
        kinds = {e.event: e for e in finished}
        if "killed" in kinds:
            outcome, why = "killed", kinds["killed"].reason or ""
        elif "completed" in kinds:
            outcome = kinds["completed"].reason or "failure"
            why = kinds["completed"].detail or ""
        elif "cancelled" in kinds:
            outcome, why = "cancelled", kinds["cancelled"].reason or ""
        elif "expired" in kinds:
            outcome, why = "expired", ""
        else:
            outcome, why = "running", "still running when the replay ends"
        took = format_duration((end - start) / 1000)
        text = (
            f"run #{run} · {local_datetime(clock, start):%a %H:%M:%S} → "
            f"{local_datetime(clock, end):%H:%M:%S} · {took} · {outcome}"
            + (" after expiring" if "expired" in kinds and outcome != "expired" else "")
            + (f" ({why})" if why else "")
        )
        out.append([start, end, lane_of[task], outcome, took, text])
    return sorted(out)


def _day_summary(result: ReplayResult, lanes, start: int, end: int) -> dict:
    """One day beside its strip: launches per task, throttled time by policy, and the
    staleness the user saw at each open."""
    from bgreplay.analysis.formatting import format_duration

    clock = result.timeline.clock
    tasks = []
    for lane in lanes:
        if lane.key not in {t.id for t in result.scenario.tasks}:
            continue
        launches = sum(
            1
            for e in result.events
            if e.task == lane.key and e.event == "launched" and start <= e.t < end
        )
        throttled: dict[str, int] = {}
        for it in lane.items:
            if it.mark.priority == theme.THROTTLE_PRIORITY:
                overlap = min(it.end, end) - max(it.start, start)
                if overlap > 0:
                    title = theme.policy_title(it.mark.meaning)
                    throttled[title] = throttled.get(title, 0) + overlap
        tasks.append(
            {
                "task": lane.long,
                "launches": launches,
                "throttled": [
                    [title, format_duration(ms / 1000)]
                    for title, ms in sorted(throttled.items(), key=lambda kv: -kv[1])
                ],
            }
        )
    opens = [
        [
            e.app,
            f"{local_datetime(clock, e.t):%H:%M}",
            "never refreshed" if spec_value(e) is None else format_duration(spec_value(e) or 0.0),
        ]
        for e in result.events
        if e.event == "app_opened"
        and start <= e.t < end
        and result.scenario.app(e.app or "") is not None
    ]
    return {"tasks": tasks, "opens": opens}


def page_data(result: ReplayResult) -> dict:
    """Everything the page draws, in replay ms (the page never converts time zones)."""
    clock = result.timeline.clock
    lanes = device_lanes(result) + task_lanes(result)
    marks, index = _marks(lanes, ", ".join(a.bundle for a in result.scenario.apps))
    task_ids = {t.id for t in result.scenario.tasks}
    out_lanes = []
    for lane in lanes:
        spans = [
            [it.start, it.end, index[(it.mark.glyph, it.mark.style, it.mark.meaning)]]
            for it in lane.items
            if it.end > it.start
        ]
        out_lanes.append(
            {
                "key": lane.key,
                "label": lane.long,
                "title": lane.title,
                "task": lane.key in task_ids,
                "spans": spans,
                "battery": [[t, level] for t, level in lane.samples],
            }
        )
    lane_of = {lane.key: i for i, lane in enumerate(lanes)}
    points = {
        k: {"glyph": m.glyph, "colour": css_colour(m.style), "meaning": m.meaning}
        for k, m in _POINT_MARKS.items()
    }
    events = []
    for i, lane in enumerate(lanes):  # device points: boot, force quit
        for it in lane.items:
            if it.end == it.start and lane.key not in task_ids:
                kind = f"device_{it.mark.meaning}"
                points[kind] = {
                    "glyph": it.mark.glyph,
                    "colour": css_colour(it.mark.style),
                    "meaning": it.mark.meaning,
                }
                when = local_datetime(clock, it.start)
                events.append(
                    [it.start, i, kind, f"{when:%a %Y-%m-%d %H:%M:%S} · {it.mark.meaning}"]
                )
    breakdowns = _breakdowns(result)
    for e in result.events:
        if e.task in lane_of and e.event in _POINT_EVENTS:
            kind = e.event if e.event != "completed" else f"completed_{e.reason or 'failure'}"
            detail = detail_cell(e).plain
            policies = (
                breakdowns.get((e.task, e.t)) if e.event in ("throttled", "launched") else None
            )
            events.append(
                [
                    e.t,
                    lane_of[e.task],
                    kind,
                    f"{local_datetime(clock, e.t):%a %Y-%m-%d %H:%M:%S} · {e.event}"
                    + (f" #{e.run}" if e.run is not None else "")
                    + f" · {reason_cell(e).plain}"
                    + (f" · {detail}" if detail else "")
                    + (f"\n{policies}" if policies else ""),
                ]
            )
    days = []
    for block in blocks_for(result, None):
        ticks = []
        t = block.start
        while t < block.end:
            ticks.append([t - block.start, f"{local_datetime(clock, t):%H}"])
            t += HOUR_MS
        days.append(
            {
                "start": block.start,
                "end": block.end,
                "ticks": ticks,
                "label": f"{local_datetime(clock, max(block.start, 0)):%a %Y-%m-%d}",
                "offset": offset_text(clock.offset_at(max(block.start, 0))),
                "summary": _day_summary(result, lanes, block.start, block.end),
            }
        )
    return {
        "duration": result.scenario.duration_ms,
        "lanes": out_lanes,
        "marks": marks,
        "events": events,
        "days": days,
        "points": points,
        "runs": _runs(result, lane_of),
        "apps": len(result.scenario.apps),
    }


def _table(headers: list[str], rows: list[list[str]], bad: set[tuple[int, int]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = ""
    for r, row in enumerate(rows):
        cells = "".join(
            f'<td class="{"bad" if (r, c) in bad else ""}">{html.escape(str(v))}</td>'
            for c, v in enumerate(row)
        )
        body += f"<tr>{cells}</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_html(result: ReplayResult) -> str:
    from bgreplay.analysis.formatting import format_duration, format_value

    nums = summary_numbers(result)

    def dur(v):
        return "n/a" if v is None else format_duration(v)

    rows, bad = [], set()
    for r, t in enumerate(nums["tasks"]):
        rows.append(
            [
                t["task"],
                t["submits"],
                t["submit_errors"],
                t["launches"],
                format_value(t["launches_per_day"], "count"),
                t["successes"],
                t["failures"],
                t["expirations"],
                t["kills"],
                dur(t["launch_delay_p50"]),
                dur(t["throttled_time"]),
            ]
        )
        bad |= {
            (r, c)
            for c, flag in ((2, t["submit_errors"]), (3, not t["launches"]), (8, t["kills"]))
            if flag
        }
    tasks = _table(
        [
            "task",
            "submits",
            "errors",
            "launches",
            "/day",
            "✓ ok",
            "✗ failed",
            "! expired",
            "† killed",
            "delay p50",
            "throttled",
        ],
        rows,
        bad,
    )
    rows, bad = [], set()
    for r, a in enumerate(nums["apps"]):
        ratio = a["fresh_open_ratio"]
        rows.append(
            [
                a["app"],
                a["opens"],
                dur(a["staleness_p50"]),
                dur(a["staleness_p90"]),
                dur(a["staleness_max"]),
                "n/a" if ratio is None else f"{ratio:.0%}",
                dur(a["background_runtime"]),
                a["crashes"],
            ]
        )
        if ratio is not None and ratio < 0.5:
            bad.add((r, 5))
    apps = _table(
        ["app", "opens", "stale p50", "p90", "max", "fresh opens", "bg runtime", "crashes"],
        rows,
        bad,
    )
    return f"<h2>Tasks</h2>{tasks}<h2>Freshness at open</h2>{apps}"


def render_html(result: ReplayResult, *, lint=()) -> str:
    """The whole page as one string."""
    header = "\n".join(html.escape(line.plain) for line in header_lines(result, 160, lint))
    data = json.dumps(page_data(result), ensure_ascii=False, separators=(",", ":"))
    data = data.replace("</", "<\\/")
    title = html.escape(f"bgreplay — {result.scenario.name}")
    return (
        PAGE.replace("%TITLE%", title)
        .replace("%HEADER%", header)
        .replace("%SUMMARY%", _summary_html(result))
        .replace("%DATA%", data)
    )


def write_html(result: ReplayResult, path: str | Path, *, lint=()) -> None:
    write_atomic(path, render_html(result, lint=lint))
