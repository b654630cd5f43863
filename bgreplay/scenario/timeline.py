"""The inline timeline shorthand (SPEC §5.3) read into ``DailyEntry`` and ``TimelineEvent``.

Only the shape is checked here (one channel per entry, ranges, values); turning entries into
intervals over real days, DST and overlaps is the trace builder's job.
"""

from __future__ import annotations

from bgreplay.scenario import schema as S
from bgreplay.scenario.durations import (
    DAY,
    FormatError,
    describe,
    parse_clock,
    parse_clock_range,
    parse_duration,
    parse_instant,
    parse_timezone,
)
from bgreplay.scenario.model import PLUGGED_VALUES, DailyEntry, InlineTimeline, TimelineEvent
from bgreplay.scenario.reader import (
    Ctx,
    Path_,
    as_duration,
    as_enum,
    as_number,
    as_str,
    did_you_mean,
    one_of,
)
from bgreplay.scenario.yamlnodes import Node

_DAILY_EXAMPLE = '{unlocked: "07:30", for: 10m} or {network: wifi, during: "18:30-08:15"}'
_EVENT_EXAMPLE = '{at: "2026-03-04T13:00", force_quit: io.example.app}'


def read_timeline(ctx: Ctx, node: Node | None, path: Path_) -> InlineTimeline | None:
    if node is None or node.value is None:
        return None
    f = ctx.fields(node, path, S.TIMELINE_KEYS)
    daily = [
        _daily(ctx, n, (*path, "daily", str(i)))
        for i, n in enumerate(_entries(ctx, f.get("daily"), (*path, "daily")))
    ]
    events = [
        _event(ctx, n, (*path, "events", str(i)))
        for i, n in enumerate(_entries(ctx, f.get("events"), (*path, "events")))
    ]
    return InlineTimeline(
        tuple(d for d in daily if d is not None), tuple(e for e in events if e is not None)
    )


def _entries(ctx: Ctx, node: Node | None, path: Path_) -> list[Node]:
    if node is None or node.value is None:
        return []
    if not node.is_list:
        ctx.error(
            node.loc,
            path,
            f"expected a list of entries, got {describe(node.value)}",
            "write one '- {...}' entry a line",
        )
        return []
    return node.items


def _channel(
    ctx: Ctx,
    node: Node,
    path: Path_,
    channels: tuple[str, ...],
    modifiers: tuple[str, ...],
    example: str,
    elsewhere: str,
) -> str | None:
    """The entry's one channel key; every other key must be a modifier."""
    if not node.is_map:
        ctx.error(
            node.loc,
            path,
            f"expected an entry like {example}, got {describe(node.value)}",
            f"write - {example}",
        )
        return None
    found = [k for k in node.map if k in channels]
    for key in node.map:
        if key in found or key in modifiers:
            continue
        if key in S.EVENT_CHANNELS:
            ctx.error(
                ctx.key_loc(node, key), (*path, key), f"'{key}' cannot be used here", elsewhere
            )
        else:
            ctx.error(
                ctx.key_loc(node, key),
                (*path, key),
                f"unknown key '{key}'{did_you_mean(key, channels + modifiers)}",
                f"channels: {one_of(channels)}; other keys: {one_of(modifiers)}",
            )
    if len(found) != 1:
        what = "no channel key" if not found else f"{len(found)} channel keys ({one_of(found)})"
        ctx.error(
            node.loc,
            path,
            f"an entry needs exactly one channel key, found {what}",
            f"e.g. {example}",
        )
        return None
    return found[0]


def _value_form(kind: str, node: Node) -> bool:
    """``network: wifi`` style (a value plus a time) rather than ``unlocked: "07:30"``."""
    if kind in ("network", "thermal"):
        return True
    return kind == "plugged" and node.value in PLUGGED_VALUES


def _daily(ctx: Ctx, node: Node, path: Path_) -> DailyEntry | None:
    kind = _channel(
        ctx,
        node,
        path,
        S.DAILY_CHANNELS,
        S.DAILY_MODIFIERS,
        _DAILY_EXAMPLE,
        "points and subjects go under timeline.events with at:",
    )
    if kind is None:
        return None
    m, v = node.map, node.map[kind]
    problems = len(ctx.problems)
    value = None
    if _value_form(kind, v):
        value = ctx.read(v, (*path, kind), None, as_enum(S.VALUE_CHANNELS[kind], f"a {kind} value"))
        start, length = _daily_span(ctx, m, path, kind, value_form=True)
    else:
        start, length = _daily_span(ctx, m, path, kind, value_form=False)
    app = _app(ctx, m, path, kind)
    days = ctx.read(m.get("days"), (*path, "days"), frozenset(range(7)), _days)
    jitter = ctx.read(m.get("jitter"), (*path, "jitter"), 0, as_duration(allow_zero=True))
    if len(ctx.problems) > problems or start is None or length is None:
        return None
    written = m.get(kind)
    ranged = "during" in m or (
        written is not None and isinstance(written.value, str) and "-" in written.value
    )
    return DailyEntry(
        kind=kind,
        start_ms_of_day=start,
        length_ms=length,
        value=value,
        subject=app if kind == "bar" else None,
        app=app if kind == "unlocked" else None,
        days=days,
        jitter_ms=jitter,
        location=node.loc,
        wall_clock_end=ranged,
    )


Span = tuple[int | None, int | None]
"""A daily entry's (start, length) in ms; None where it could not be read."""
NO_SPAN: Span = (None, None)


def _daily_span(ctx: Ctx, m: dict[str, Node], path: Path_, kind: str, value_form: bool) -> Span:
    if value_form:
        if "during" in m:
            for extra in ("at", "for"):
                if extra in m:
                    ctx.error(
                        m[extra].loc,
                        (*path, extra),
                        "give either during: or at: with for:, not both",
                        f"remove '{extra}'",
                    )
            return ctx.read(
                m["during"], (*path, "during"), NO_SPAN, lambda n: parse_clock_range(n.value)
            )
        if "at" in m and "for" in m:
            return (
                ctx.read(m["at"], (*path, "at"), None, lambda n: parse_clock(n.value)),
                ctx.read(m["for"], (*path, "for"), None, _day_length),
            )
        ctx.error(
            m[kind].loc,
            (*path, kind),
            f"a daily {kind} entry needs a time",
            'add during: "18:30-08:15" (or at: "18:30" with for: 2h)',
        )
        return None, None
    for wrong in ("during", "at"):
        if wrong in m:
            ctx.error(
                m[wrong].loc,
                (*path, wrong),
                f"'{wrong}' is not used with {kind}",
                f'write the time as its value: {kind}: "07:30" with for:, or {kind}: "23:00-07:00"',
            )
    v = m[kind]
    if isinstance(v.value, str) and "-" in v.value:
        if "for" in m:
            ctx.error(
                m["for"].loc, (*path, "for"), "give either a range or for:, not both", "remove for:"
            )
        return ctx.read(v, (*path, kind), NO_SPAN, lambda n: parse_clock_range(n.value))
    start = ctx.read(v, (*path, kind), None, lambda n: parse_clock(n.value))
    if "for" not in m:
        if start is not None:
            ctx.error(
                v.loc,
                (*path, kind),
                f"a daily {kind} entry at a clock time needs for:",
                f'add for: 10m, or write a range: {kind}: "07:30-07:40"',
            )
        return None, None
    return start, ctx.read(m["for"], (*path, "for"), None, _day_length)


def _day_length(node: Node) -> int:
    ms = parse_duration(node.value)
    if ms > DAY:
        raise FormatError(f"'{node.value}' is longer than a day", "a daily entry lasts at most 24h")
    return ms


def _days(node: Node) -> frozenset[int]:
    hint = f"write weekdays, weekends or a list of {', '.join(S.WEEKDAYS)}"
    items = node.items if node.is_list else [node]
    if node.is_scalar and isinstance(node.value, str) and node.value in S.DAY_SETS:
        return S.DAY_SETS[node.value]
    out = set()
    for item in items:
        name = item.value.strip().lower()[:3] if isinstance(item.value, str) else None
        if name not in S.WEEKDAYS:
            raise FormatError(
                f"{describe(item.value)} is not a day{did_you_mean(str(item.value), S.WEEKDAYS)}",
                hint,
            )
        out.add(S.WEEKDAYS.index(name))
    if not out:
        raise FormatError("no days given", hint)
    return frozenset(out)


def _app(ctx: Ctx, m: dict[str, Node], path: Path_, kind: str) -> str | None:
    if "app" not in m:
        return None
    if kind not in ("unlocked", "bar"):
        ctx.error(
            m["app"].loc,
            (*path, "app"),
            f"'app' is not used with {kind}",
            "app: goes on an unlocked entry (foreground app) or a bar entry (per-app)",
        )
        return None
    return ctx.read(m["app"], (*path, "app"), None, as_str)


def _event(ctx: Ctx, node: Node, path: Path_) -> TimelineEvent | None:
    kind = _channel(
        ctx,
        node,
        path,
        S.EVENT_CHANNELS,
        S.EVENT_MODIFIERS,
        _EVENT_EXAMPLE,
        "this channel is not available inline",
    )
    if kind is None:
        return None
    m = node.map
    problems = len(ctx.problems)
    at = None
    if "at" not in m:
        ctx.error(node.loc, path, "an event needs at:", f"e.g. {_EVENT_EXAMPLE}")
    else:
        at = ctx.read(m["at"], (*path, "at"), None, lambda n: parse_instant(n.value))
    length, value, subject = _event_payload(ctx, m, path, kind)
    app = _app(ctx, m, path, kind)
    if kind == "bar":
        subject = app
    if len(ctx.problems) > problems or at is None:
        return None
    return TimelineEvent(
        at=at,
        kind=kind,
        length_ms=length,
        value=value,
        subject=subject,
        location=node.loc,
        app=app if kind == "unlocked" else None,
    )


def _event_payload(
    ctx: Ctx, m: dict[str, Node], path: Path_, kind: str
) -> tuple[int | None, str | None, str | None]:
    """(length, value, subject) of an event entry."""
    v, kpath = m[kind], (*path, kind)
    is_point = kind in S.SUBJECT_POINTS or kind in ("boot", "battery", "timezone")
    if is_point and "for" in m:
        ctx.error(
            m["for"].loc,
            (*path, "for"),
            f"{kind} is a point event; it has no length",
            "remove for:",
        )
    if kind in S.SUBJECT_POINTS:
        return None, None, ctx.read(v, kpath, None, as_str)
    if kind == "boot":
        if v.value is not True:
            ctx.error(v.loc, kpath, "write boot: true", "boot: true marks a device (re)boot")
        return None, None, None
    if kind == "battery":
        level = ctx.read(v, kpath, None, as_number(0, 100))
        return None, None if level is None else f"{level:g}", None
    if kind == "timezone":
        return None, ctx.read(v, kpath, None, lambda n: parse_timezone(n.value)), None
    if _value_form(kind, v):
        value = ctx.read(v, kpath, None, as_enum(S.VALUE_CHANNELS[kind], f"a {kind} value"))
        if "for" not in m:
            ctx.error(
                v.loc,
                kpath,
                f"a {kind} event needs for:",
                f"e.g. {kind}: {value or '...'}, for: 45m",
            )
            return None, value, None
        return ctx.read(m["for"], (*path, "for"), None, as_duration()), value, None
    if v.value is True:
        if "for" not in m:
            ctx.error(
                v.loc,
                kpath,
                f"{kind} is an interval: give its length",
                f"write {kind}: 5m (or {kind}: true with for: 5m)",
            )
            return None, None, None
        return ctx.read(m["for"], (*path, "for"), None, as_duration()), None, None
    if "for" in m:
        ctx.error(m["for"].loc, (*path, "for"), "give the length once", f"write {kind}: 5m")
    return ctx.read(v, kpath, None, as_duration()), None, None
