"""Wall-clock edges through the loader and the engine (SPEC §5.3, §6.4): DST gaps and overlaps in
Europe/Paris and America/New_York, time-zone travel, a leap day, starts at midnight and not.
Each test reads the event log's ``time`` column: local time with the UTC offset in force."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bgreplay import api
from bgreplay.analysis.frame import events_frame
from bgreplay.analysis.invariants import check_invariants
from bgreplay.errors import InputError

APP = """
apps:
  io.x:
    background_modes: [fetch]
    permitted_identifiers: [io.x.refresh]
    tasks:
      io.x.refresh:
        type: refresh
        earliest_begin: EARLIEST
        submit: {when: [app_background]}
scheduler: {profile: ideal}
"""


def replay(tmp_path: Path, head: str, earliest: str = "null", files: dict | None = None):
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(
        "bgreplay: 1\n" + textwrap.dedent(head) + APP.replace("EARLIEST", earliest),
        encoding="utf-8",
    )
    scenario = api.load_scenario(path)
    result = api.replay(scenario)
    assert not check_invariants(result.events, {t.id: t for t in scenario.tasks})
    return events_frame(result)


def times(frame, event: str, app: str | None = None) -> list[str]:
    rows = frame.filter(frame["event"] == event)
    if app is not None:
        rows = rows.filter(rows["app"] == app)
    return rows["time"].to_list()


def daily(zone: str, start: str, at: str, days: int = 3) -> str:
    return f"""\
        start: {start}
        duration: {days}d
        timezone: {zone}
        device:
          timeline:
            daily:
              - {{unlocked: "{at}", for: 10m, app: io.x}}
        """


# --- DST: a daily 02:30 on the spring-forward and fall-back days ------------------------------


def test_paris_spring_forward_moves_a_daily_0230_forward_by_the_gap(tmp_path):
    frame = replay(tmp_path, daily("Europe/Paris", "2026-03-28T00:00", "02:30"))
    assert times(frame, "unlocked") == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-29T03:30:00+02:00",
        "2026-03-30T02:30:00+02:00",
    ]
    # `for: 10m` is elapsed time: ten real minutes, also across the change
    assert times(frame, "locked") == [
        "2026-03-28T02:40:00+01:00",
        "2026-03-29T03:40:00+02:00",
        "2026-03-30T02:40:00+02:00",
    ]


def test_paris_fall_back_plays_a_daily_0230_once_at_its_first_occurrence(tmp_path):
    frame = replay(tmp_path, daily("Europe/Paris", "2026-10-24T00:00", "02:30"))
    assert times(frame, "unlocked") == [
        "2026-10-24T02:30:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-26T02:30:00+01:00",
    ]


def test_new_york_spring_forward_and_fall_back(tmp_path):
    spring = replay(tmp_path, daily("America/New_York", "2026-03-07T00:00", "02:30"))
    assert times(spring, "unlocked") == [
        "2026-03-07T02:30:00-05:00",
        "2026-03-08T03:30:00-04:00",
        "2026-03-09T02:30:00-04:00",
    ]
    # New York falls back from 02:00 EDT to 01:00 EST: 01:30 happens twice (the first one is
    # played), 02:30 only once
    fall = replay(tmp_path, daily("America/New_York", "2026-10-31T00:00", "01:30"))
    assert times(fall, "unlocked") == [
        "2026-10-31T01:30:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
    ]
    fall = replay(tmp_path, daily("America/New_York", "2026-10-31T00:00", "02:30"))
    assert times(fall, "unlocked") == [
        "2026-10-31T02:30:00-04:00",
        "2026-11-01T02:30:00-05:00",
        "2026-11-02T02:30:00-05:00",
    ]


def test_trace_file_wall_times_follow_the_same_rule(tmp_path):
    trace = """\
        start,end,kind,value,subject
        2026-03-29T02:30,2026-03-29T02:40,unlocked,,
        2026-10-25T02:30,2026-10-25T02:40,screen,,
        2026-10-25T02:30:00+01:00,,boot,,
        """
    head = """\
        start: 2026-03-28T00:00
        duration: 400d
        timezone: Europe/Paris
        device: {trace: t.csv}
        """
    frame = replay(tmp_path, head, files={"t.csv": trace})
    assert times(frame, "unlocked") == ["2026-03-29T03:30:00+02:00"]
    assert times(frame, "locked") == ["2026-03-29T03:40:00+02:00"]  # 02:40 is in the gap too
    assert times(frame, "boot") == ["2026-10-25T02:30:00+01:00"]  # the offset picks the second


def test_earliest_begin_at_a_clock_time_on_the_fall_back_night(tmp_path):
    head = daily("Europe/Paris", "2026-10-24T00:00", "21:00", days=2)
    frame = replay(tmp_path, head, earliest='{at: "02:30"}')
    assert times(frame, "launched", "io.x")[0] == "2026-10-25T02:30:00+02:00"


def test_earliest_begin_at_a_clock_time_in_the_spring_forward_gap(tmp_path):
    head = daily("Europe/Paris", "2026-03-28T00:00", "01:45", days=2)
    path = tmp_path / "s.yaml"
    path.write_text(
        "bgreplay: 1\n" + textwrap.dedent(head) + APP.replace("EARLIEST", '{at: "02:30"}'),
        encoding="utf-8",
    )
    scenario = api.load_scenario(path)
    result = api.replay(scenario)
    assert not check_invariants(result.events, {t.id: t for t in scenario.tasks})
    launches = times(events_frame(result), "launched", "io.x")
    assert launches == ["2026-03-28T02:30:00+01:00", "2026-03-29T03:30:00+02:00"]


# --- travel ------------------------------------------------------------------------------------


def test_travel_changes_the_offset_and_the_device_clock(tmp_path):
    head = """\
        start: 2026-03-02T00:00
        duration: 3d
        timezone: Europe/Paris
        device:
          timeline:
            daily:
              - {unlocked: "20:00", for: 10m, app: io.x}
            events:
              - {at: "2026-03-03T12:00", timezone: America/New_York}
        """
    frame = replay(tmp_path, head, earliest='{at: "03:00"}')
    # daily entries are wall times of the scenario's zone: 20:00 Paris is 14:00 in New York
    assert times(frame, "unlocked") == [
        "2026-03-02T20:00:00+01:00",
        "2026-03-03T14:00:00-05:00",
        "2026-03-04T14:00:00-05:00",
    ]
    # `earliest_begin: {at: 03:00}` is the device's clock: Paris before the trip, New York after
    assert times(frame, "launched", "io.x") == [
        "2026-03-03T03:00:00+01:00",
        "2026-03-04T03:00:00-05:00",
    ]


# --- leap day ----------------------------------------------------------------------------------


def test_a_scenario_across_the_2028_leap_day(tmp_path):
    head = """\
        start: 2028-02-28T00:00
        duration: 3d
        timezone: Europe/Paris
        device:
          timeline:
            daily:
              - {unlocked: "08:00", for: 10m, app: io.x}
            events:
              - {at: "2028-02-29T12:00", boot: true}
        """
    frame = replay(tmp_path, head, earliest="2h")
    assert times(frame, "unlocked") == [
        "2028-02-28T08:00:00+01:00",
        "2028-02-29T08:00:00+01:00",
        "2028-03-01T08:00:00+01:00",
    ]
    assert times(frame, "boot") == ["2028-02-29T12:00:00+01:00"]
    assert times(frame, "launched", "io.x")[:2] == [
        "2028-02-28T10:10:00+01:00",
        "2028-02-29T10:10:00+01:00",
    ]


def test_there_is_no_leap_day_in_2027(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("bgreplay: 1\nstart: 2027-02-29T00:00\nduration: 1d\n", encoding="utf-8")
    with pytest.raises(InputError, match="'2027-02-29T00:00' is not a valid date and time") as info:
        api.load_scenario(path)
    assert info.value.problems[0].location.line == 2


# --- the first instant -------------------------------------------------------------------------


def test_a_start_that_is_not_midnight(tmp_path):
    head = """\
        start: 2026-03-02T13:45
        duration: 1d
        timezone: Europe/Paris
        device:
          timeline:
            daily:
              - {unlocked: "08:00", for: 10m, app: io.x}
              - {plugged: "23:00-07:00"}
        """
    frame = replay(tmp_path, head)
    assert times(frame, "unlocked") == ["2026-03-03T08:00:00+01:00"]
    first = frame.filter(frame["event"] == "unlocked")
    assert first["t"].to_list() == [(18 * 60 + 15) * 60.0]  # seconds since the start
    assert times(frame, "plugged") == ["2026-03-02T23:00:00+01:00"]
    assert times(frame, "unplugged") == ["2026-03-03T07:00:00+01:00"]


def test_a_start_inside_a_daily_range_begins_in_that_state(tmp_path):
    head = """\
        start: 2026-03-02T03:00
        duration: 6h
        timezone: Europe/Paris
        device:
          timeline:
            daily:
              - {plugged: "23:00-07:00"}
        """
    frame = replay(tmp_path, head)
    assert times(frame, "plugged") == ["2026-03-02T03:00:00+01:00"]
    assert times(frame, "unplugged") == ["2026-03-02T07:00:00+01:00"]


def test_a_midnight_start_on_the_23_hour_day(tmp_path):
    """A 1d replay is 24 elapsed hours: on the spring-forward day it ends at 01:00 the next day,
    and the whole-day network range stays seamless."""
    head = """\
        start: 2026-03-29T00:00
        duration: 1d
        timezone: Europe/Paris
        device:
          timeline:
            daily:
              - {network: wifi, during: "00:00-24:00"}
              - {unlocked: "00:30", for: 10m, app: io.x}
        """
    frame = replay(tmp_path, head)
    assert times(frame, "network") == ["2026-03-29T00:00:00+01:00"]  # on at the start, never off
    assert times(frame, "unlocked") == ["2026-03-29T00:30:00+01:00", "2026-03-30T00:30:00+02:00"]
    assert frame["t"].max() < 24 * 3600
