"""The inline timeline (SPEC §5.3): ``daily`` entries expanded over the replay, and ``events``.

Daily wall times are in the scenario's zone. Expansion starts the day before ``start`` (so a
``23:00-07:00`` range already covers the first morning) and ends the day after the last instant
(so a negative jitter can pull the next day in). A time in the spring-forward gap moves forward by
the gap; a time that happens twice at fall-back happens once, at its first occurrence; ``for:``
lengths are real elapsed time, except a whole-day entry (24h), which runs to the same wall time
the next day so that ``"00:00-24:00"`` stays seamless on 23- and 25-hour days. Occurrences of one
entry never overlap each other: one ends where the next begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import polars as pl

from bgreplay.errors import InputError, Location, Problem
from bgreplay.rng import rng_for
from bgreplay.scenario.limits import MAX_TRACE_ROWS
from bgreplay.scenario.model import DailyEntry, Scenario, TimelineEvent
from bgreplay.trace.clock import instant_ms, local_date, local_to_utc_ms
from bgreplay.trace.model import DAY_MS, INTERVAL_KINDS, POINT_KINDS

INLINE_SCHEMA: dict[str, pl.DataType] = {
    "start_ms": pl.Int64(),
    "end_ms": pl.Int64(),
    "kind": pl.String(),
    "value": pl.String(),
    "subject": pl.String(),
    "entry": pl.Int64(),
    "day": pl.String(),
}


@dataclass(frozen=True, slots=True)
class InlineEntry:
    """Where an inline row came from, for messages naming both sides of an overlap."""

    location: Location
    section: str  # "daily" or "events"


def expand_inline(scenario: Scenario) -> tuple[pl.DataFrame, list[InlineEntry]]:
    """Rows of the scenario's inline timeline in absolute UTC ms (``INLINE_SCHEMA``), and the
    entries they came from (the ``entry`` column indexes that list)."""
    timeline = scenario.device.timeline
    rows: dict[str, list[object]] = {name: [] for name in INLINE_SCHEMA}
    entries: list[InlineEntry] = []
    if timeline is None:
        return pl.DataFrame(rows, schema=INLINE_SCHEMA), entries
    _check_size(scenario)
    for index, daily in enumerate(timeline.daily):
        entries.append(InlineEntry(daily.location, "daily"))
        for start, end, day in daily_occurrences(scenario, daily, index):
            _append_daily(rows, daily, start, end, day, len(entries) - 1)
    for event in timeline.events:
        entries.append(InlineEntry(event.location, "events"))
        start, end = event_span(scenario, event)
        _append(rows, start, end, event.kind, event.value, event.subject, len(entries) - 1, None)
        if event.kind == "unlocked" and event.app:
            _append(rows, start, end, "app", None, event.app, len(entries) - 1, None)
    return pl.DataFrame(rows, schema=INLINE_SCHEMA), entries


def _check_size(scenario: Scenario) -> None:
    """Refuse, before expanding, a timeline whose rows would exceed ``MAX_TRACE_ROWS``."""
    timeline = scenario.device.timeline
    assert timeline is not None
    days = len(replay_days(scenario))
    rows = sum((2 if d.app else 1) * days for d in timeline.daily) + 2 * len(timeline.events)
    if rows > MAX_TRACE_ROWS:
        where = scenario.source.at("device", "timeline")
        raise InputError(
            Problem(
                where,
                f"the inline timeline expands to about {rows:,} rows ({len(timeline.daily)} "
                f"daily entries over {days} days); at most {MAX_TRACE_ROWS:,}",
                "use fewer daily entries, or move a long device history into a trace file",
            )
        )


def _append(rows: dict[str, list[object]], *values: object) -> None:
    for column, value in zip(INLINE_SCHEMA, values, strict=True):
        rows[column].append(value)


def _append_daily(
    rows: dict[str, list[object]],
    daily: DailyEntry,
    start: int,
    end: int | None,
    day: date,
    entry: int,
) -> None:
    subject = daily.subject
    if daily.kind == "bar" and subject is None:
        subject = daily.app  # `app:` on `bar` makes it per-app
    _append(rows, start, end, daily.kind, daily.value, subject, entry, day.isoformat())
    if daily.kind == "unlocked" and daily.app:
        _append(rows, start, end, "app", None, daily.app, entry, day.isoformat())


def replay_days(scenario: Scenario) -> list[date]:
    """Local calendar days to expand: the day before ``start`` to the day after the end."""
    end_utc = instant_ms(scenario.start, scenario.timezone) + scenario.duration_ms
    first = scenario.start.date() - timedelta(days=1)
    last = local_date(end_utc, scenario.timezone) + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def daily_occurrences(
    scenario: Scenario, daily: DailyEntry, index: int
) -> list[tuple[int, int | None, date]]:
    """``(start, end, day)`` in UTC ms for each selected day; ``end`` None for a point kind."""
    zone = scenario.timezone
    rng = rng_for(scenario.seed, f"timeline/daily/{index}")
    point = daily.kind in POINT_KINDS
    found: list[tuple[int, int | None, date]] = []
    for day in replay_days(scenario):
        # One draw for every day, selected or not, so `days:` never shifts other days' jitter.
        shift = rng.randint(-daily.jitter_ms, daily.jitter_ms) if daily.jitter_ms > 0 else 0
        if day.weekday() not in daily.days:
            continue
        wall = datetime.combine(day, time()) + timedelta(milliseconds=daily.start_ms_of_day)
        start = local_to_utc_ms(wall, zone) + shift
        if point:
            found.append((start, None, day))
        elif daily.length_ms == DAY_MS or (daily.wall_clock_end and daily.length_ms > 0):
            # a range ends at its wall time, so "00:00-14:00" is 13 h on a spring-forward day
            end_wall = wall + timedelta(milliseconds=daily.length_ms)
            found.append((start, local_to_utc_ms(end_wall, zone) + shift, day))
        elif daily.length_ms > 0:
            found.append((start, start + daily.length_ms, day))
    if point:
        return found
    kept: list[tuple[int, int | None, date]] = []
    for i, (start, end, day) in enumerate(found):
        if i + 1 < len(found):
            end = min(end or start, found[i + 1][0])
        if end is not None and end > start:
            kept.append((start, end, day))
    return kept


def event_span(scenario: Scenario, event: TimelineEvent) -> tuple[int, int | None]:
    """An event's ``(start, end)`` in UTC ms; naive ``at`` is scenario-local wall time."""
    start = instant_ms(event.at, scenario.timezone)
    if event.kind in INTERVAL_KINDS and not event.length_ms:
        raise InputError(
            Problem(
                event.location,
                f"{event.kind} is an interval and needs a length",
                f"write e.g. {{at: ..., {event.kind}: 30m}} or add for: 30m",
            )
        )
    if event.kind in POINT_KINDS and event.length_ms is not None:
        raise InputError(
            Problem(
                event.location,
                f"{event.kind} is a point event and takes no length",
                "remove for: (points are instants)",
            )
        )
    return start, (start + event.length_ms if event.length_ms is not None else None)
