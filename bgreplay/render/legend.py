"""The timeline's legend: every glyph, the throttling letters drawn, and what each lane is."""

from __future__ import annotations

from rich.text import Text

from bgreplay.engine.records import ReplayResult
from bgreplay.render import theme
from bgreplay.render.clockview import MINUTE_MS
from bgreplay.render.theme import Mark
from bgreplay.render.timeline import TimelineView


def _key(mark: Mark, meaning: str | None = None) -> Text:
    text = Text(mark.glyph, style=mark.style)
    text.append(" " + (meaning or mark.meaning))
    return text


def _label(text: str) -> Text:
    return Text(text, style=theme.DIM)


def flow(head: Text, items: list[Text], width: int, indent: int, sep: str = "  ") -> list[Text]:
    """``head`` then ``items`` separated by ``sep``, wrapped between items (never inside one)
    into lines of at most ``width`` cells, continuation lines indented by ``indent``."""
    lines: list[Text] = []
    line, count = head.copy(), 0
    for item in items:
        gap = sep if count else ""
        if line.cell_len + len(gap) + item.cell_len > width and line.cell_len > indent:
            lines.append(line)
            line, gap, count = Text(" " * indent), "", 0
        line.append(gap)
        line.append_text(item)
        count += 1
    lines.append(line)
    for text in lines:
        text.rstrip()
        text.no_wrap = True
        text.overflow = "ellipsis"
    return lines


def cell_text(cell_ms: int) -> str:
    minutes = cell_ms // MINUTE_MS
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def legend(result: ReplayResult, view: TimelineView, width: int) -> list[Text]:
    grid = view.grid
    apps = [a.bundle for a in result.scenario.apps]
    zones = list(dict.fromkeys(z for _, z in getattr(result.timeline.clock, "zones", ())))
    zone = (
        f"{zones[0]} time"
        if len(zones) == 1
        else f"device-local time ({' then '.join(zones)})"
        if zones
        else f"{result.scenario.timezone} time"
    )
    lanes = {lane.key: (lane.short if grid.short_labels else lane.long) for lane in view.lanes}
    w = max(len(v) for v in lanes.values()) if lanes else 3
    pad = "  "

    def head(key: str) -> Text:
        return Text(pad) + _label(lanes[key].ljust(w) + " ")

    indent = len(pad) + w + 1
    out = flow(
        Text("Legend  ", style=theme.TITLE),
        [
            Text(f"one cell = {cell_text(grid.cell_ms)} of {zone};", style=theme.DIM),
            Text("it shows the most telling mark that falls in it", style=theme.DIM),
        ],
        width,
        8,
        sep=" ",
    )
    own = ", ".join(apps) if apps else "a scenario app"
    out += flow(
        head("unlocked"),
        [
            _key(theme.UNLOCKED),
            _key(theme.OTHER_APP),
            _key(theme.OWN_APP, f"{own} in use"),
            _key(theme.BOOT),
            _key(theme.OFF, "device off"),
            _key(theme.FORCE_QUIT),
        ],
        width,
        indent,
    )
    out += flow(head("plugged"), [_key(theme.PLUGGED)], width, indent)
    out += flow(
        head("network"),
        [_key(theme.WIFI), _key(theme.CELLULAR), Text("blank: no network")],
        width,
        indent,
    )
    thermal = Text()
    for i, state in enumerate(("fair", "serious", "critical")):
        mark = theme.THERMAL[state]
        thermal.append(("" if i == 0 else " ") + mark.glyph, style=mark.style)
    thermal.append(" thermal fair, serious, critical")
    out += flow(head("lpm"), [_key(theme.LOW_POWER), thermal], width, indent)
    spark = Text()
    for i, glyph in enumerate(theme.SPARK):
        spark.append(glyph, style=theme.battery_style((i + 0.5) * 100 / len(theme.SPARK)))
    spark.append(" level 0–100 % (red at 20 % or less)")
    out += flow(head("battery"), [spark], width, indent)
    tasks = Text(pad) + _label("tasks".ljust(w) + " ")
    out += flow(tasks, [_key(m) for m in theme.TASK_MARKS], width, indent)
    if view.policies:
        letters = [
            Text(theme.policy_letter(p), style=theme.throttle_style(p))
            + Text(" " + theme.policy_title(p))
            for p in view.policies
        ]
        out += flow(
            Text(pad) + _label("throttled, by the blocking policy: "), letters, width, indent
        )
    by_id = {t.id: t for t in result.scenario.tasks}
    names = [
        _label(lanes[lane.key]) + Text(f" {lane.key} ({by_id[lane.key].type})")
        for lane in view.lanes
        if lane.key in by_id
    ]
    if names:
        out += flow(Text(pad) + _label("lanes: "), names, width, indent)
    return out
