"""The committed traces: valid, loadable as a scenario's trace, and (Parquet) reproducible."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import polars as pl

from bgreplay.api import validate_file
from bgreplay.scenario.model import Device, Scenario
from bgreplay.trace.build import load_timeline
from bgreplay.trace.io import read_trace_file
from bgreplay.trace.model import Timeline

TRACES = Path(__file__).resolve().parents[1] / "traces"
H, DAY = 3_600_000, 86_400_000
FILM = "io.cocoabytes.filmtracker"


def week(name: str, zone: str) -> Timeline:
    return load_timeline(
        Scenario(
            name=name,
            start=datetime(2026, 3, 2),
            duration_ms=7 * DAY,
            timezone=zone,
            device=Device(trace=TRACES / name),
        )
    )


def test_both_traces_validate_standalone() -> None:
    validate_file(TRACES / "commuter-week.csv")
    validate_file(TRACES / "night-shift-week.parquet")
    assert 150 < read_trace_file(TRACES / "commuter-week.csv").height < 400


def test_commuter_week_loads_as_a_scenario_trace() -> None:
    timeline = week("commuter-week.csv", "Europe/Paris")
    assert timeline.notes == ()
    assert timeline.clock.offsets == ((0, H),)  # no DST change that week
    first = timeline.intervals[0]
    assert first.start == 0 and first.kind == "network"  # Sunday night rows are clipped
    film = [i for i in timeline.of_kind("app") if i.subject == FILM]
    weekday_mornings = [
        i
        for i in film
        if timeline.clock.weekday(i.start) < 5
        and 7 * H <= timeline.clock.ms_of_day(i.start) < 8 * H
    ]
    assert len(weekday_mornings) == 5
    assert {timeline.clock.weekday(i.start) for i in timeline.of_kind("low_power_mode")} == {2}
    charging = timeline.of_kind("plugged")
    assert sum(i.end - i.start for i in charging) > 7 * 6 * H  # overnight, every night


def test_night_shift_week_loads_across_the_us_spring_forward() -> None:
    timeline = week("night-shift-week.parquet", "America/New_York")
    assert timeline.notes == ()
    clock = timeline.clock
    assert [o // H for _, o in clock.offsets] == [-5, -4]
    assert clock.weekday(clock.offsets[1][0]) == 6  # Sunday 2026-03-08, 03:00 EDT
    daytime_charge = [
        i for i in timeline.of_kind("plugged") if 7 * H <= clock.ms_of_day(i.start) < 8 * H
    ]
    assert len(daytime_charge) >= 4  # sleeps (and charges) by day on work days
    night_use = [i for i in timeline.of_kind("unlocked") if clock.ms_of_day(i.start) < 6 * H]
    assert len(night_use) >= 10


def test_night_shift_parquet_matches_its_generator() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_night_shift", TRACES / "make_night_shift.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    generated = module.frame(module.build())
    assert generated.equals(pl.read_parquet(TRACES / "night-shift-week.parquet"))
