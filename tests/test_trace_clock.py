"""The device clock: real DST of the scenario's zone, and travel (``timezone`` events)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bgreplay.errors import Location
from bgreplay.scenario.model import Device, InlineTimeline, Scenario, TimelineEvent
from bgreplay.trace.build import load_timeline
from bgreplay.trace.clock import build_clock, local_to_utc_ms, offset_changes

H, M, DAY = 3_600_000, 60_000, 86_400_000


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("wall", "zone", "utc"),
    [
        (datetime(2026, 3, 29, 2, 30), "Europe/Paris", ms(2026, 3, 29, 1, 30)),  # gap: -> 03:30
        (datetime(2026, 10, 25, 2, 30), "Europe/Paris", ms(2026, 10, 25, 0, 30)),  # first 02:30
        (datetime(2026, 3, 8, 2, 30), "America/New_York", ms(2026, 3, 8, 7, 30)),  # gap: -> 03:30
        (datetime(2026, 11, 1, 1, 30), "America/New_York", ms(2026, 11, 1, 5, 30)),  # first, EDT
        (datetime(2026, 3, 2, 7, 30), "UTC", ms(2026, 3, 2, 7, 30)),
    ],
)
def test_wall_times_gap_forward_repeat_first(wall: datetime, zone: str, utc: int) -> None:
    assert local_to_utc_ms(wall, zone) == utc


def test_offset_changes_found_to_the_millisecond() -> None:
    changes = offset_changes("Europe/Paris", ms(2026, 1, 1), ms(2027, 1, 1))
    assert changes == [(ms(2026, 3, 29, 1), 2 * H), (ms(2026, 10, 25, 1), H)]
    assert offset_changes("Asia/Tokyo", ms(2026, 1, 1), ms(2027, 1, 1)) == []


def test_paris_spring_forward_and_fall_back() -> None:
    spring = build_clock(datetime(2026, 3, 28), "Europe/Paris", 2 * DAY)
    assert spring.start_utc_ms == ms(2026, 3, 27, 23)
    jump = ms(2026, 3, 29, 1) - spring.start_utc_ms
    assert spring.offsets == ((0, H), (jump, 2 * H))
    assert spring.ms_of_day(jump - 1) == 2 * H - 1  # 01:59:59.999 CET
    assert spring.ms_of_day(jump) == 3 * H  # then 03:00 CEST
    assert spring.weekday(jump) == 6  # a Sunday
    autumn = build_clock(datetime(2026, 10, 24), "Europe/Paris", 2 * DAY)
    back = ms(2026, 10, 25, 1) - autumn.start_utc_ms
    assert autumn.offsets == ((0, 2 * H), (back, H))
    assert autumn.ms_of_day(back - 1) == 3 * H - 1 and autumn.ms_of_day(back) == 2 * H
    assert autumn.local_day(back) == autumn.local_day(back - 1)  # still Sunday the 25th


def test_new_york_both_transitions_in_one_year() -> None:
    clock = build_clock(datetime(2026, 1, 1), "America/New_York", 365 * DAY)
    assert [o for _, o in clock.offsets] == [-5 * H, -4 * H, -5 * H]
    assert clock.offsets[1][0] == ms(2026, 3, 8, 7) - clock.start_utc_ms
    assert clock.offsets[2][0] == ms(2026, 11, 1, 6) - clock.start_utc_ms
    t = ms(2026, 7, 4, 16) - clock.start_utc_ms  # noon EDT, a Saturday
    assert clock.ms_of_day(t) == 12 * H and clock.weekday(t) == 5


def test_travel_to_tokyo_then_home_across_paris_dst() -> None:
    start = datetime(2026, 3, 26)  # Thursday, CET
    clock = build_clock(
        start, "Europe/Paris", 10 * DAY, [(2 * DAY, "Asia/Tokyo"), (6 * DAY, "Europe/Paris")]
    )
    assert clock.offsets == ((0, H), (2 * DAY, 9 * H), (6 * DAY, 2 * H))  # no CEST in Tokyo
    assert clock.zones == ((0, "Europe/Paris"), (2 * DAY, "Asia/Tokyo"), (6 * DAY, "Europe/Paris"))
    assert clock.zone_at(3 * DAY) == "Asia/Tokyo" and clock.zone_at(0) == "Europe/Paris"
    # Saturday 00:00 CET = 08:00 in Tokyo; the local day moves on with the zone
    assert clock.ms_of_day(2 * DAY - 1) == DAY - 1 and clock.weekday(2 * DAY - 1) == 4
    assert clock.ms_of_day(2 * DAY) == 8 * H and clock.weekday(2 * DAY) == 5
    assert clock.ms_of_day(6 * DAY) == 1 * H  # Wed 00:00 CET instant, back home: 01:00 CEST
    assert clock.local_ms(6 * DAY) == clock.start_utc_ms + 6 * DAY + 2 * H


def test_a_move_before_the_replay_sets_the_starting_zone() -> None:
    clock = build_clock(datetime(2026, 3, 2), "Europe/Paris", DAY, [(-H, "Asia/Tokyo")])
    assert clock.offsets == ((0, 9 * H),) and clock.zones == ((0, "Asia/Tokyo"),)
    assert clock.start_utc_ms == ms(2026, 3, 1, 23)  # `start` is still Paris wall time


def test_timeline_clock_follows_an_inline_timezone_event() -> None:
    event = TimelineEvent(
        datetime(2026, 3, 28, 12), "timezone", value="Asia/Tokyo", location=Location("s.yaml", 9, 7)
    )
    scenario = Scenario(
        name="trip",
        start=datetime(2026, 3, 26),
        duration_ms=7 * DAY,
        timezone="Europe/Paris",
        device=Device(timeline=InlineTimeline(events=(event,))),
    )
    timeline = load_timeline(scenario)
    moved = ms(2026, 3, 28, 11) - timeline.clock.start_utc_ms
    assert timeline.clock.offsets == ((0, H), (moved, 9 * H))
    assert timeline.points[0].t == moved and timeline.points[0].value == "Asia/Tokyo"
