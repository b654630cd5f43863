"""The run header: what was replayed, on which device, under which model, and lint findings."""

from __future__ import annotations

from rich.text import Text

from bgreplay.analysis.formatting import format_duration
from bgreplay.engine.records import ReplayResult
from bgreplay.render import theme
from bgreplay.render.clockview import DAY_MS, local_datetime
from bgreplay.render.summary import MODEL_NAMES

SEVERITY_STYLE = {"error": theme.BAD, "warning": theme.WARN, "info": theme.DIM}


def _days(duration_ms: int) -> str:
    if duration_ms % DAY_MS == 0:
        n = duration_ms // DAY_MS
        return f"{n} day{'s' if n != 1 else ''}"
    return format_duration(duration_ms / 1000)


def _row(key: str, value: str | Text, width: int) -> Text:
    line = Text(f"  {key:<9}", style=theme.DIM)
    line.append_text(value if isinstance(value, Text) else Text(value))
    line.truncate(width, overflow="ellipsis")
    return line


def header_lines(result: ReplayResult, width: int, lint=()) -> list[Text]:
    """One line per fact, and one line per lint finding (``BGR005 warning file:12:5 ...``)."""
    sc, clock = result.scenario, result.timeline.clock
    title = Text(sc.name, style=theme.TITLE)
    title.truncate(width, overflow="ellipsis")
    lines = [title]
    if sc.path is not None:
        lines.append(_row("file", str(sc.path), width))
    lines.append(_row("profile", result.profile_name, width))
    device = sc.device
    facts = [MODEL_NAMES.get(device.model, device.model), f"iOS {device.ios}"]
    if not device.background_app_refresh:
        facts.append("Background App Refresh off")
    lines.append(_row("device", " · ".join(facts), width))
    start, end = local_datetime(clock, 0), local_datetime(clock, sc.duration_ms)
    first = clock.zone_at(0) if hasattr(clock, "zone_at") else sc.timezone
    last = clock.zone_at(sc.duration_ms) if hasattr(clock, "zone_at") else sc.timezone
    zone = first if first == last else ""
    lines.append(
        _row(
            "period",
            f"{start:%a %Y-%m-%d %H:%M} {'' if zone else first + ' '}→ "
            f"{end:%a %Y-%m-%d %H:%M} {zone or last} "
            f"({_days(sc.duration_ms)})",
            width,
        )
    )
    lines.append(_row("seed", str(sc.seed), width))
    variant = Text(sc.variant)
    if sc.overrides:
        variant.append("  --set " + " --set ".join(sc.overrides), style=theme.DIM)
    lines.append(_row("variant", variant, width))
    problems = list(lint)
    warnings = list(getattr(sc, "warnings", ()))
    if not problems and not warnings:
        lines.append(_row("lint", Text("no findings", style=theme.GOOD), width))
        return lines
    count = len(problems) + len(warnings)
    lines.append(_row("lint", f"{count} finding{'s' if count != 1 else ''}", width))
    for f in problems:
        lines.append(_finding(f.rule, f.severity, str(f.location), f.message, width))
    for w in warnings:
        lines.append(_finding("", "warning", str(w.location), w.message, width))
    return lines


def _finding(rule: str, severity: str, where: str, message: str, width: int) -> Text:
    line = Text("    ")
    if rule:
        line.append(rule + " ", style=theme.TITLE)
    line.append(f"{severity:<7} ", style=SEVERITY_STYLE.get(severity, ""))
    line.append(where + "  ", style=theme.DIM)
    line.append(message)
    line.truncate(width, overflow="ellipsis")
    return line
