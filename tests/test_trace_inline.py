"""The inline timeline (SPEC §5.3): daily expansion, days, jitter, DST rules, events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bgreplay.errors import InputError, Location
from bgreplay.scenario.model import DailyEntry, Device, InlineTimeline, Scenario, TimelineEvent
from bgreplay.trace.build import load_timeline
from bgreplay.trace.model import Interval, Timeline

H, M, DAY = 3_600_000, 60_000, 86_400_000
WEEKDAYS = frozenset(range(5))


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def daily(kind: str, start_h: float, length_ms: int, line: int = 5, **kw: object) -> DailyEntry:
    return DailyEntry(kind, int(start_h * H), length_ms, location=Location("s.yaml", line, 9), **kw)  # type: ignore[arg-type]


def replay(
    *entries: DailyEntry,
    events: tuple[TimelineEvent, ...] = (),
    start: datetime = datetime(2026, 3, 2),
    days: int = 7,
    zone: str = "Europe/Paris",
    seed: int = 0,
) -> Timeline:
    scenario = Scenario(
        name="t",
        start=start,
        duration_ms=days * DAY,
        timezone=zone,
        seed=seed,
        device=Device(timeline=InlineTimeline(tuple(entries), events)),
    )
    return load_timeline(scenario)


def spans(timeline: Timeline, kind: str) -> list[tuple[int, int]]:
    return [(i.start, i.end) for i in timeline.intervals if i.kind == kind]


def test_days_select_weekdays_only() -> None:
    timeline = replay(daily("unlocked", 12.5, 15 * M, days=WEEKDAYS))
    starts = [s for s, _ in spans(timeline, "unlocked")]
    assert starts == [d * DAY + 12 * H + 30 * M for d in range(5)]
    assert all(timeline.clock.weekday(t) < 5 for t in starts)


def test_range_across_midnight_covers_the_first_morning() -> None:
    timeline = replay(daily("plugged", 23, 8 * H), days=3)
    assert spans(timeline, "plugged") == [
        (0, 7 * H),
        (23 * H, DAY + 7 * H),
        (DAY + 23 * H, 2 * DAY + 7 * H),
        (2 * DAY + 23 * H, 3 * DAY),
    ]  # clipped at both ends of the replay


def test_unlocked_with_app_adds_the_app_interval_and_bar_per_app() -> None:
    timeline = replay(
        daily("unlocked", 7.5, 10 * M, app="io.x"),
        daily("bar", 0, 2 * H, line=6, subject="io.y"),
        days=1,
    )
    assert [(i.kind, i.subject, i.start, i.end) for i in timeline.intervals] == [
        ("bar", "io.y", 0, 2 * H),
        ("app", "io.x", 7 * H + 30 * M, 7 * H + 40 * M),
        ("unlocked", None, 7 * H + 30 * M, 7 * H + 40 * M),
    ]
    assert timeline.notes == ()


def test_whole_day_entries_are_seamless_across_dst() -> None:
    timeline = replay(daily("network", 0, DAY, value="wifi"), start=datetime(2026, 3, 27), days=3)
    assert spans(timeline, "network") == [(0, 3 * DAY)]  # one interval, though Sunday has 23 h
    assert timeline.clock.ms_of_day(3 * DAY) == H  # the replay ends at Monday 01:00 CEST


def jitter_starts(seed: int, *extra: DailyEntry) -> list[int]:
    timeline = replay(
        daily("unlocked", 12.5, 15 * M, jitter_ms=20 * M),
        *extra,
        days=28,
        seed=seed,
        start=datetime(2026, 1, 5),
    )  # four weeks without DST
    return [
        s for s, _ in spans(timeline, "unlocked") if timeline.clock.ms_of_day(s) >= 12 * H - 30 * M
    ]


def test_jitter_is_seeded_bounded_and_independent_per_entry() -> None:
    first = jitter_starts(7)
    assert first == jitter_starts(7)
    assert first != jitter_starts(8)
    assert len(first) == 28
    shifts = [s - (d * DAY + 12 * H + 30 * M) for d, s in enumerate(first)]
    assert all(-20 * M <= x <= 20 * M for x in shifts)
    assert len(set(shifts)) > 20 and min(shifts) < -5 * M and max(shifts) > 5 * M
    other = daily("unlocked", 3, 5 * M, line=6, jitter_ms=30 * M)
    assert jitter_starts(7, other) == first  # adding an entry leaves this one's draws alone


def test_days_filter_does_not_shift_other_days_jitter() -> None:
    every = replay(daily("screen", 9, M, jitter_ms=10 * M), seed=3)
    weekdays = replay(daily("screen", 9, M, jitter_ms=10 * M, days=WEEKDAYS), seed=3)
    assert spans(weekdays, "screen") == spans(every, "screen")[:5]


def test_daily_0230_on_paris_spring_forward_day_moves_forward() -> None:
    timeline = replay(daily("unlocked", 2.5, 10 * M), start=datetime(2026, 3, 28), days=3)
    starts = [timeline.clock.start_utc_ms + s for s, _ in spans(timeline, "unlocked")]
    assert starts == [ms(2026, 3, 28, 1, 30), ms(2026, 3, 29, 1, 30), ms(2026, 3, 30, 0, 30)]
    sunday = spans(timeline, "unlocked")[1]
    assert timeline.clock.ms_of_day(sunday[0]) == 3 * H + 30 * M  # 03:30 CEST
    assert sunday[1] - sunday[0] == 10 * M


def test_daily_0230_on_paris_fall_back_day_happens_once_at_first() -> None:
    timeline = replay(daily("unlocked", 2.5, 10 * M), start=datetime(2026, 10, 24), days=3)
    starts = [timeline.clock.start_utc_ms + s for s, _ in spans(timeline, "unlocked")]
    assert starts == [ms(2026, 10, 24, 0, 30), ms(2026, 10, 25, 0, 30), ms(2026, 10, 26, 1, 30)]


def test_lengths_are_real_elapsed_time_across_dst() -> None:
    timeline = replay(daily("plugged", 23, 8 * H), start=datetime(2026, 3, 28), days=2)
    night = spans(timeline, "plugged")[1]
    assert night[1] - night[0] == 8 * H
    assert timeline.clock.ms_of_day(night[1]) == 8 * H  # 23:00 CET + 8 h = 08:00 CEST


def test_events_points_intervals_naive_and_aware() -> None:
    loc = Location("s.yaml", 20, 7)
    events = (
        TimelineEvent(datetime(2026, 3, 4, 13), "force_quit", subject="io.x", location=loc),
        TimelineEvent(datetime(2026, 3, 5, 10), "low_power_mode", 8 * H, location=loc),
        TimelineEvent(
            datetime(2026, 3, 6, 14, tzinfo=timezone(timedelta(hours=5))),
            "thermal",
            45 * M,
            value="serious",
            location=loc,
        ),
        TimelineEvent(datetime(2026, 3, 7, 3, 10), "boot", location=loc),
        TimelineEvent(datetime(2026, 3, 3, 9), "unlocked", 5 * M, app="io.x", location=loc),
    )
    timeline = replay(events=events)
    start = timeline.clock.start_utc_ms
    assert [(p.kind, p.t + start) for p in timeline.points] == [
        ("force_quit", ms(2026, 3, 4, 12)),
        ("boot", ms(2026, 3, 7, 2, 10)),
    ]
    assert [(i.kind, i.start + start, i.end - i.start) for i in timeline.intervals] == [
        ("app", ms(2026, 3, 3, 8), 5 * M),
        ("unlocked", ms(2026, 3, 3, 8), 5 * M),
        ("low_power_mode", ms(2026, 3, 5, 9), 8 * H),
        ("thermal", ms(2026, 3, 6, 9), 45 * M),
    ]


def test_event_shape_errors_point_at_the_entry() -> None:
    loc = Location("s.yaml", 21, 7)
    with pytest.raises(InputError, match=r"s\.yaml:21:7: error: thermal is an interval"):
        replay(events=(TimelineEvent(datetime(2026, 3, 3), "thermal", value="fair", location=loc),))
    with pytest.raises(InputError, match=r"s\.yaml:21:7: error: boot is a point event"):
        replay(events=(TimelineEvent(datetime(2026, 3, 3), "boot", 5 * M, location=loc),))


def test_inline_values_are_checked_like_file_rows() -> None:
    with pytest.raises(InputError) as caught:
        replay(daily("network", 8, H, value="wlan"), days=1)
    assert "s.yaml:5:9: error (value): network value 'wlan'" in str(caught.value)


def test_overlapping_daily_entries_name_both_yaml_lines() -> None:
    with pytest.raises(InputError) as caught:
        replay(
            daily("network", 8, 2 * H, value="wifi", line=5),
            daily("network", 9, 2 * H, value="cellular", line=6),
            days=2,
        )
    text = str(caught.value)
    assert "s.yaml:6:9: error (start): network interval 2026-03-02 09:00 CET" in text
    assert "at s.yaml:5:9 (daily entry, 2026-03-02)" in text
    assert text.count("error (start)") == 2  # the days of the replay, not those around it


def test_occurrences_of_one_entry_never_overlap_each_other() -> None:
    timeline = replay(daily("unlocked", 20, 2 * H, jitter_ms=3 * H), days=10, seed=1)
    got = spans(timeline, "unlocked")
    assert all(a[1] <= b[0] for a, b in zip(got, got[1:], strict=False))
    assert Interval(0, 1, "unlocked") not in timeline.intervals
