"""Personas (SPEC §5.4): generated traces are valid, deterministic, and their per-day statistics
fall inside the published ranges of research/traces.md §3 that each persona cites."""

from __future__ import annotations

import bisect
import importlib.util
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from bgreplay.errors import InputError
from bgreplay.personas import PERSONAS, app_rates, get_persona, parameters, parse_app
from bgreplay.trace.persona_trace import generate, generate_trace
from bgreplay.trace.stats import day_stats

START = datetime(2026, 3, 2)  # a Monday
APPS = [("io.cocoabytes.filmtracker", None), ("io.example.news", None), ("io.example.chat", None)]

# Published ranges per persona (28-day mean and median must lie inside):
#   interactions/day  T§3.1: 57-80 average (Device Analyzer, dscout, Apple), 10-200 across users
#                     (Falaki); heavy users 132 (dscout top 10 %), up to ~130 unlocks (Apple)
#   screen min/day    T§3.1: 117-145 average; heavy 225 (dscout); T§3.10 per persona
#   Wi-Fi share       T§3.6: 43-56 % US, 50-70 % Europe/Canada, up to ~76-80 % at the lockdown
#                     peak; T§3.10: traveller 0.35
#   charged overnight T§3.5: 64 % charge overnight; T§3.10 night-charge probability per persona
RANGES = {
    "office_worker": {
        "interactions": (50, 90),
        "screen_min": (100, 200),
        "wifi_share": (0.45, 0.70),
        "charged": 0.75,
    },
    "heavy_user": {
        "interactions": (80, 160),
        "screen_min": (180, 330),
        "wifi_share": (0.50, 0.80),
        "charged": 0.60,
    },
    "light_user": {
        "interactions": (10, 50),
        "screen_min": (20, 90),
        "wifi_share": (0.40, 0.70),
        "charged": 0.55,
    },
    "shift_worker": {
        "interactions": (40, 85),
        "screen_min": (90, 200),
        "wifi_share": (0.40, 0.70),
        "charged": 0.65,
    },
    "traveller": {
        "interactions": (55, 110),
        "screen_min": (120, 250),
        "wifi_share": (0.20, 0.50),
        "charged": 0.45,
    },
    "never_opens": {
        "interactions": (40, 90),
        "screen_min": (80, 160),
        "wifi_share": (0.45, 0.70),
        "charged": 0.60,
    },
}


def _stats(name: str, seed: int, days: int = 28) -> pl.DataFrame:
    trace = generate_trace(name, days, START, "Europe/Paris", seed, APPS)
    return day_stats(trace).head(days)


@pytest.mark.parametrize("seed", [7, 2026])
@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_28_days_fall_inside_the_published_ranges(name: str, seed: int) -> None:
    stats = _stats(name, seed)
    assert stats.height == 28
    for column, (lo, hi) in (
        (c, RANGES[name][c]) for c in ("interactions", "screen_min", "wifi_share")
    ):
        mean, median = stats[column].mean(), stats[column].median()
        assert lo <= mean <= hi, f"{name} {column} mean {mean:.2f} outside {lo}-{hi}"
        assert lo <= median <= hi, f"{name} {column} median {median:.2f} outside {lo}-{hi}"
    charged = (stats["plugged_h"] >= 4).mean()
    assert charged >= RANGES[name]["charged"], f"{name}: charged on {charged:.0%} of days"
    assert (stats["interactions"] > 0).all()
    unlocked_share = stats["unlocks"].sum() / stats["interactions"].sum()
    assert 0.35 <= unlocked_share <= 0.55  # T§3.1: 43-46 % of interactions unlock


def test_app_opens_follow_the_rank_law_and_explicit_rates() -> None:
    trace = generate_trace(
        "office_worker",
        28,
        START,
        "UTC",
        1,
        [("io.first", None), ("io.second", None), ("io.fixed", 10.0)],
    )
    opens = (
        pl.DataFrame([r._asdict() for r in trace.records])
        .filter(pl.col("kind") == "app")
        .group_by("subject")
        .len()
    )
    count = dict(opens.iter_rows())
    assert count["io.first"] > count["io.second"] > 0  # rank 3 above rank 4 (T§3.4)
    assert 0.8 * 280 <= count["io.fixed"] <= 1.2 * 280  # 10 opens a day, as asked
    rates = dict(app_rates(get_persona("office_worker"), [("a", None), ("b", None)]))
    assert rates["a"] / rates["b"] == pytest.approx(2.718 ** (1 / 5), rel=1e-3)


def test_never_opens_has_device_use_but_no_app_rows() -> None:
    trace = generate_trace("never_opens", 14, START, "UTC", 3, [("io.x", None), ("io.y", 5.0)])
    kinds = {r.kind for r in trace.records}
    assert "app" not in kinds
    assert {"unlocked", "screen", "plugged", "network"} <= kinds


def _check_invariants(trace) -> None:
    records = trace.records
    by_key: dict[tuple, list] = {}
    for r in records:
        assert trace.start_ms <= r.start < trace.end_ms
        if r.end is not None:
            assert r.start < r.end <= trace.end_ms
            by_key.setdefault((r.kind, r.subject if r.kind == "app" else None), []).append(r)
    assert [r.start for r in records] == sorted(r.start for r in records)
    for key, rows in by_key.items():
        assert all(a.end <= b.start for a, b in zip(rows, rows[1:], strict=False)), key
    use = sorted(by_key.get(("unlocked", None), []) + by_key.get(("screen", None), []))
    assert all(a.end <= b.start for a, b in zip(use, use[1:], strict=False))
    unlocked = by_key.get(("unlocked", None), [])
    starts = [u.start for u in unlocked]
    for (kind, _), rows in by_key.items():
        for a in rows if kind == "app" else []:
            k = bisect.bisect_right(starts, a.start) - 1
            assert k >= 0 and unlocked[k].start <= a.start and a.end <= unlocked[k].end, a
    network = by_key[("network", None)]
    assert network[0].start == trace.start_ms and network[-1].end == trace.end_ms
    assert all(
        a.end == b.start and a.value != b.value for a, b in zip(network, network[1:], strict=False)
    )
    assert {r.value for r in network} <= {"wifi", "cellular", "none"}


@pytest.mark.parametrize("name", sorted(PERSONAS))
@pytest.mark.parametrize(
    "zone,start",
    [
        ("Europe/Paris", datetime(2026, 3, 20, 7, 30)),
        ("America/New_York", datetime(2026, 10, 25)),
        ("Asia/Kolkata", datetime(2026, 1, 1)),
    ],
)
def test_rows_are_sorted_non_overlapping_and_apps_lie_inside_unlocked(name, zone, start) -> None:
    _check_invariants(generate_trace(name, 16, start, zone, 5, APPS))


def test_dst_change_shows_in_the_offsets() -> None:
    rows = generate("office_worker", 2, datetime(2026, 3, 28, 12), "Europe/Paris", 0)
    assert rows[0][0].endswith("+01:00") and rows[-1][0].endswith("+02:00")
    assert rows[0][0] == "2026-03-28T12:00:00+01:00"


def test_traveller_changes_time_zone_and_rows_follow_it() -> None:
    trace = generate_trace("traveller", 28, START, "Europe/Paris", 4, APPS)
    moves = [r for r in trace.records if r.kind == "timezone"]
    assert len(moves) >= 2 and moves[-1].value == "Europe/Paris"
    assert {m.value for m in moves} - {"Europe/Paris"}
    frame = trace.frame()
    for move in moves[:2]:
        row = (
            frame.filter(pl.col("kind") == "timezone")
            .filter(pl.col("value") == move.value)
            .row(0, named=True)
        )
        offset = ZoneInfo(move.value).utcoffset(
            datetime.fromisoformat(row["start"]).replace(tzinfo=None)
        )
        assert datetime.fromisoformat(row["start"]).utcoffset() == offset
    assert any(r.kind == "network" and r.value == "none" for r in trace.records)  # the flight
    _check_invariants(trace)


def test_same_seed_same_trace_other_seed_other_trace() -> None:
    a = generate("heavy_user", 7, START, "Europe/Paris", 11, APPS)
    assert a == generate("heavy_user", 7, START, "Europe/Paris", 11, APPS)
    assert a != generate("heavy_user", 7, START, "Europe/Paris", 12, APPS)
    assert a != generate("light_user", 7, START, "Europe/Paris", 11, APPS)


def test_a_short_trace_is_the_start_of_a_long_one() -> None:
    """Each day draws from its own named streams, so a week is the first week of a month."""
    short = generate_trace("shift_worker", 7, START, "Europe/Paris", 9, APPS)
    long = generate_trace("shift_worker", 28, START, "Europe/Paris", 9, APPS)
    cut = short.start_ms + 5 * 86_400_000
    assert [r for r in short.records if (r.end or r.start) < cut] == [
        r for r in long.records if (r.end or r.start) < cut
    ]


def test_adding_an_app_does_not_move_another_apps_opens() -> None:
    one = generate_trace("office_worker", 14, START, "UTC", 5, [("io.a", None)])
    two = generate_trace("office_worker", 14, START, "UTC", 5, [("io.a", None), ("io.b", 8.0)])
    a_one = [r for r in one.records if r.subject == "io.a"]
    a_two = {r for r in two.records if r.subject == "io.a"}
    same = sum(r in a_two for r in a_one)
    assert same >= 0.85 * len(a_one)  # only opens sharing a session with io.b are nudged


def test_timeline_for_fleets_matches_the_rows() -> None:
    trace = generate_trace("traveller", 14, START, "Europe/Paris", 2, APPS)
    timeline = trace.timeline()
    assert timeline.duration == trace.end_ms - trace.start_ms
    assert len(timeline.intervals) + len(timeline.points) == len(trace.records)
    assert timeline.clock.start_utc_ms == trace.start_ms
    assert any(p.kind == "timezone" for p in timeline.points)


def test_generated_rows_pass_the_trace_reader(tmp_path) -> None:
    if importlib.util.find_spec("bgreplay.trace.io") is None:
        pytest.skip("the trace reader has not landed yet")
    from bgreplay.trace.io import read_trace_file
    from bgreplay.trace.write import write_trace

    for name in sorted(PERSONAS):
        trace = generate_trace(name, 10, START, "Europe/Paris", 8, APPS)
        for suffix in (".csv", ".parquet"):
            path = write_trace(tmp_path / f"{name}{suffix}", trace.frame())
            frame = read_trace_file(path, "Europe/Paris")
            assert frame.height == len(trace.records)
            assert frame["start_ms"].to_list() == [r.start for r in trace.records]


def test_every_parameter_has_a_unit_a_source_and_a_meaning() -> None:
    for persona in PERSONAS.values():
        rows = parameters(persona)
        assert len(rows) >= 45
        for row in rows:
            assert row["unit"] is not None and row["source"] and row["description"], row
        assert any(r["name"] == "session_body_mean_s" and r["value"] > 0 for r in rows)


@pytest.mark.parametrize("name", sorted(PERSONAS))
def test_derived_session_length_gives_the_screen_time_it_cites(name: str) -> None:
    stats = pl.concat([_stats(name, seed, 28) for seed in (1, 2, 3)])
    assert stats["screen_min"].mean() == pytest.approx(PERSONAS[name].screen_min, rel=0.2)


def test_every_parameter_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "personas.md").read_text()
    for row in parameters(PERSONAS["office_worker"]):
        assert f"`{row['name']}`" in doc, row["name"]
    for name in PERSONAS:
        assert f"`{name}`" in doc


def test_bad_inputs_are_input_errors() -> None:
    with pytest.raises(InputError, match="did you mean 'office_worker'"):
        get_persona("ofice_worker")
    with pytest.raises(InputError, match="time zone"):
        generate_trace("office_worker", 1, START, "Mars/Olympus")
    with pytest.raises(InputError, match="offset"):
        generate_trace("office_worker", 1, START.replace(tzinfo=ZoneInfo("UTC")))
    with pytest.raises(InputError, match="at least 1"):
        generate_trace("office_worker", 0, START)
    with pytest.raises(InputError, match="years"):
        generate_trace("office_worker", 30, datetime(9999, 12, 30))
    with pytest.raises(InputError, match="more than once"):
        generate_trace("office_worker", 1, START, apps=[("io.x", None), ("io.x", 2.0)])
    assert parse_app("io.x") == ("io.x", None)
    assert parse_app("io.x:2.5") == ("io.x", 2.5)
    for bad in ("", "io.x:", "io.x:-1", "io.x:abc", "io x:1", "io.x:nan"):
        with pytest.raises(InputError):
            parse_app(bad)


def test_a_year_is_generated_without_trouble() -> None:
    trace = generate_trace("heavy_user", 365, START, "America/New_York", 1, APPS)
    assert trace.end_ms - trace.start_ms == 365 * 86_400_000 + 0  # DST shifts cancel over a year
    assert len(trace.records) > 40_000
    first, last = trace.records[0], trace.records[-1]
    assert datetime.fromtimestamp(last.start / 1000) - datetime.fromtimestamp(
        first.start / 1000
    ) > timedelta(days=364)
