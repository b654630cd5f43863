"""The event-log frame and every metric, on a hand-built replay with known answers."""

from __future__ import annotations

import math
import time
from pathlib import Path

import polars as pl
import pytest
from analysis_fixtures import (
    EXPECTED,
    FILM,
    FILM_REFRESH,
    NEWS,
    NEWS_REFRESH,
    H,
    events,
    result,
    scenario,
)
from hypothesis import given
from hypothesis import strategies as st

from bgreplay.analysis.formatting import format_duration, format_value
from bgreplay.analysis.frame import EVENT_SCHEMA, empty_events_frame, events_frame
from bgreplay.analysis.measure import aggregate, aggregations, lookup, measure, split_key, summary
from bgreplay.analysis.metrics import compute_metrics, devices_metrics
from bgreplay.analysis.metrics_doc import render_metrics_markdown
from bgreplay.analysis.registry import METRICS, metric_def, metric_names
from bgreplay.engine.records import KILL_REASONS, Event

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", name="table")
def _table():
    return lookup(compute_metrics(events_frame(result()), scenario()))


# -- the frame ---------------------------------------------------------------------------------


def test_frame_has_exactly_the_spec_columns_and_types():
    frame = events_frame(result(), variant="every-launch", device=3)
    assert frame.columns == [
        "seq",
        "time",
        "t",
        "variant",
        "device",
        "app",
        "task",
        "task_type",
        "event",
        "reason",
        "run",
        "value",
        "detail",
        "request",
        "origin",
        "cause",
        "energy",
        "missed_changes",
        "backlog_s",
        "fetched",
    ]
    assert dict(frame.schema) == EVENT_SCHEMA
    assert frame.height == len(events())
    assert set(frame["variant"]) == {"every-launch"}
    assert set(frame["device"]) == {3}
    assert frame["t"].is_sorted()


def test_time_is_iso_with_the_offset_in_force_at_each_instant():
    # Offset +01:00, then +02:00 from 30 h on (as after a spring-forward).
    frame = events_frame(result(offsets=((0, H), (30 * H, 2 * H))))
    by_t = dict(zip(frame["t"], frame["time"], strict=False))
    assert by_t[0.0] == "2026-03-02T00:00:00+01:00"
    assert by_t[7.5 * 3600] == "2026-03-02T07:30:00+01:00"
    assert by_t[31 * 3600] == "2026-03-03T08:00:00+02:00"  # 06:00 UTC


def test_time_shows_milliseconds_and_negative_offsets():
    evts = (Event(0, 1_500, "unlocked"), Event(1, 3 * H, "locked"))
    frame = events_frame(result(offsets=((0, -5 * H - 30 * 60_000),), evts=evts))
    assert frame["time"].to_list() == ["2026-03-01T17:30:01.500-05:30", "2026-03-01T20:30:00-05:30"]
    assert frame["t"].to_list() == [1.5, 3 * 3600.0]


def test_empty_replay_gives_an_empty_frame_with_the_schema():
    frame = events_frame(result(evts=()))
    assert frame.height == 0 and dict(frame.schema) == EVENT_SCHEMA
    metrics = compute_metrics(empty_events_frame(), scenario())
    table = lookup(metrics)
    assert table[(FILM_REFRESH, "launches")] == 0
    assert table[(FILM, "fresh_open_ratio")] is None
    assert table[("device", "min_battery")] is None


def test_frame_is_vectorised_enough_for_a_year():
    n = 200_000
    evts = tuple(Event(i, i * 60_000, "battery", value=50.0) for i in range(n))
    started = time.perf_counter()
    frame = events_frame(result(evts=evts))
    compute_metrics(frame, scenario())
    assert frame.height == n
    assert time.perf_counter() - started < 5.0  # typically ~0.3 s


# -- the metrics -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(EXPECTED), ids=lambda k: f"{k[0]}:{k[1]}")
def test_metric_has_the_hand_computed_value(table, key):
    expected, got = EXPECTED[key], table[key]
    if isinstance(expected, list):
        assert got == expected
    elif expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_throttled_spans_end_at_the_requests_next_event(table):
    # 1 h application (to the next throttled), 1 h threshold (to launched), 2 h energy_budget
    # (to replaced), 8 h application (to the end of the replay).
    by_policy = {
        k[1]: v
        for k, v in table.items()
        if k[0] == FILM_REFRESH and k[1].startswith("throttled_time.")
    }
    assert by_policy == {
        "throttled_time.application": 32400.0,
        "throttled_time.threshold": 3600.0,
        "throttled_time.energy_budget": 7200.0,
    }
    assert sum(by_policy.values()) == table[(FILM_REFRESH, "throttled_time")]


def test_every_kill_reason_has_a_row_and_unseen_ones_are_zero(table):
    for reason in KILL_REASONS:
        assert (FILM_REFRESH, f"kills.{reason}") in table
    assert measure(table, FILM_REFRESH, "throttled_time.thermal", None) == 0.0


def test_metric_frame_is_tidy_and_ordered():
    metrics = compute_metrics(events_frame(result()), scenario())
    assert metrics.columns == ["scope", "target", "metric", "kind", "unit", "value", "values"]
    targets = list(dict.fromkeys(metrics["target"]))
    assert targets == [FILM_REFRESH, "io.x.film.processing", NEWS_REFRESH, FILM, NEWS, "device"]
    dists = metrics.filter(pl.col("kind") == "distribution")
    assert dists["value"].null_count() == dists.height
    assert (
        metrics.filter(pl.col("kind") == "scalar")["values"].null_count()
        == metrics.filter(pl.col("kind") == "scalar").height
    )
    again = compute_metrics(events_frame(result()), scenario())
    assert again.equals(metrics)  # deterministic order


def test_every_registered_metric_is_computed(table):
    computed = {m for _, m in table}
    for mdef in METRICS.values():
        if mdef.family:
            assert any(m.startswith(mdef.stem + ".") for m in computed), mdef.name
        else:
            assert mdef.name in computed, mdef.name


def test_fresh_within_is_a_parameter():
    metrics = compute_metrics(events_frame(result()), scenario(), fresh_within_s=2 * 3600 + 1)
    assert lookup(metrics)[(FILM, "fresh_open_ratio")] == 1.0


def test_plugged_before_the_start_counts_from_zero():
    evts = (Event(0, 2 * H, "unplugged"), Event(1, 40 * H, "plugged"))
    metrics = lookup(compute_metrics(events_frame(result(evts=evts)), scenario()))
    assert metrics[("device", "plugged_hours_per_day")] == pytest.approx((2 + 8) / 2)


# -- registry helpers --------------------------------------------------------------------------


def test_registry_entries_are_complete():
    for m in METRICS.values():
        assert m.scope in ("task", "app", "device")
        assert m.kind in ("scalar", "distribution")
        assert m.better in ("higher", "lower", "none")
        assert m.doc.strip()


def test_family_names_resolve_and_unknown_members_do_not():
    assert metric_def("kills.jetsam").name == "kills.<reason>"
    assert metric_def("throttled_time.application").stem == "throttled_time"
    assert metric_def("kills.sleepy") is None
    assert metric_def("kills.sleepy", strict=False) is not None
    assert metric_def("kills.") is None
    assert "kills.watchdog" in metric_names("task")
    assert "opens" not in metric_names("task")


def test_split_key():
    assert split_key("launch_delay.p90") == ("launch_delay", "p(90)")
    assert split_key("launch_delay.p99.9") == ("launch_delay", "p(99.9)")
    assert split_key("staleness_at_open.count") == ("staleness_at_open", "count")
    assert split_key("kills.boot") == ("kills.boot", None)
    assert split_key("kills") == ("kills", None)


@pytest.mark.parametrize(
    ("agg", "expected"),
    [
        ("min", 1.0),
        ("max", 10.0),
        ("avg", 4.0),
        ("med", 3.0),
        ("p(50)", 3.0),
        ("p(0)", 1.0),
        ("p(100)", 10.0),
        ("p(90)", 7.6),
        ("count", 5.0),
    ],
)
def test_aggregations(agg, expected):
    assert aggregate([3.0, 1.0, 10.0, 2.0, 4.0], agg) == pytest.approx(expected)


def test_empty_distribution_has_no_data_except_count():
    for agg in ("min", "max", "avg", "med", "p(90)"):
        assert aggregate([], agg) is None
    assert aggregate([], "count") == 0.0


def test_summary_flattens_distributions():
    flat = summary(compute_metrics(events_frame(result()), scenario()))
    assert flat[FILM]["staleness_at_open.p50"] == 1800.0
    assert flat[FILM]["staleness_at_open.count"] == 3.0
    assert flat[NEWS]["staleness_at_open.max"] is None
    assert "launch_delay" not in flat[FILM_REFRESH]


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (45.0, "seconds", "45s"),
        (12.345, "seconds", "12.35s"),
        (8000.0, "seconds", "2h13m"),
        (93600.0, "seconds", "1d2h"),
        (3600.0, "seconds", "1h"),
        (0.0, "seconds", "0s"),
        (2.0, "count", "2"),
        (2 / 3, "ratio", "0.67"),
        (42.0, "percent", "42%"),
        (8.0, "hours", "8h"),
        (None, "seconds", "n/a"),
        (math.nan, "count", "n/a"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_format_duration_negative():
    assert format_duration(-90) == "-1m30s"


# -- docs --------------------------------------------------------------------------------------


def test_docs_metrics_md_is_generated_from_the_registry():
    committed = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert committed == render_metrics_markdown(), (
        "docs/metrics.md is stale: run  .venv/bin/python -m bgreplay.analysis.metrics_doc "
        "> docs/metrics.md"
    )
    for mdef in METRICS.values():
        assert f"`{mdef.name}`" in committed


def test_a_chunk_of_replays_measures_each_replay_as_it_would_alone():
    """The fleet measures a chunk of devices in one computation: every device's rows must be
    exactly its own replay's, whatever else is in the chunk (a kill reason only one device saw,
    a device with no events, a device plugged in before the start)."""
    rare_kill = Event(
        90, 30 * H, "killed", app=FILM, task=FILM_REFRESH, task_type="refresh", reason="odd"
    )
    logs = {
        7: result(),
        3: result(evts=(*events(), rare_kill)),
        12: result(evts=()),
        9: result(evts=(Event(0, 2 * H, "unplugged"), Event(1, 40 * H, "plugged"))),
    }
    frames = [events_frame(r, device=d, printed=False) for d, r in logs.items()]
    chunk = devices_metrics(pl.concat(frames), list(logs), scenario())
    assert chunk["device"].unique(maintain_order=True).to_list() == list(logs)
    for device, replayed in logs.items():
        alone = compute_metrics(events_frame(replayed), scenario())
        own = chunk.filter(pl.col("device") == device).drop("device")
        assert own.equals(alone), device
    odd = chunk.filter(pl.col("metric") == "kills.odd")
    assert odd.select("device", "value").rows() == [(3, 1.0)]


@given(
    st.lists(st.one_of(st.none(), st.floats(allow_infinity=False)), max_size=30),
    st.lists(st.sampled_from(["min", "max", "avg", "med", "p(10)", "p(90)", "count", "at(2)"])),
)
def test_aggregations_sort_once_and_agree_with_aggregate(values, aggs):
    """``aggregations`` (the fleet's and the summaries' way) answers as ``aggregate`` would."""
    expected = [aggregate(values, agg) for agg in aggs]
    got = aggregations(values, aggs)
    assert [repr(x) for x in got] == [repr(x) for x in expected]
