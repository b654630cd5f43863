"""Merging trace sources into one Timeline: overlaps across sources, app inside unlocked,
clipping, state merging, deterministic order, personas and missing files."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bgreplay.errors import InputError, Location
from bgreplay.scenario.model import (
    DailyEntry,
    Device,
    InlineTimeline,
    PersonaRef,
    Scenario,
    SourceMap,
)
from bgreplay.trace import build
from bgreplay.trace.build import load_timeline
from bgreplay.trace.model import Interval, Point, Timeline

H, M, DAY = 3_600_000, 60_000, 86_400_000
HEADER = "start,end,kind,value,subject"


def scenario(
    trace: Path | None = None,
    *daily: DailyEntry,
    days: int = 1,
    zone: str = "UTC",
    **device: object,
) -> Scenario:
    timeline = InlineTimeline(tuple(daily)) if daily else None
    return Scenario(
        name="t",
        start=datetime(2026, 3, 2),
        duration_ms=days * DAY,
        timezone=zone,
        device=Device(trace=trace, timeline=timeline, **device),  # type: ignore[arg-type]
        source=SourceMap("s.yaml", {("device", "trace"): Location("s.yaml", 8, 10)}),
    )


def csv(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "\n" + textwrap.dedent(rows).strip() + "\n", encoding="utf-8")
    return path


def test_file_and_inline_rows_add_up(tmp_path: Path) -> None:
    path = csv(tmp_path, "2026-03-02T09:00,2026-03-02T09:05,unlocked,,")
    entry = DailyEntry("unlocked", 7 * H, 10 * M, location=Location("s.yaml", 12, 9))
    timeline = load_timeline(scenario(path, entry))
    assert [(i.start, i.end) for i in timeline.intervals] == [
        (7 * H, 7 * H + 10 * M),
        (9 * H, 9 * H + 5 * M),
    ]


def test_overlap_across_sources_names_the_file_line_and_the_yaml_entry(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        """
        2026-03-02T06:00,2026-03-02T06:30,unlocked,,
        2026-03-02T07:05,2026-03-02T07:20,unlocked,,
    """,
    )
    entry = DailyEntry("unlocked", 7 * H, 10 * M, location=Location("s.yaml", 12, 9))
    with pytest.raises(InputError) as caught:
        load_timeline(scenario(path, entry))
    text = str(caught.value)
    assert f"{path}:3: error (start): unlocked interval 2026-03-02 07:05 UTC" in text
    assert (
        "overlaps unlocked interval 2026-03-02 07:00 UTC – 2026-03-02 07:10 UTC at "
        "s.yaml:12:9 (daily entry, 2026-03-02)" in text
    )


def test_app_outside_unlocked_creates_unlocked_and_says_so(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        """
        2026-03-02T07:00,2026-03-02T07:10,unlocked,,
        2026-03-02T07:05,2026-03-02T07:20,app,,io.x
        2026-03-02T07:20,2026-03-02T07:30,unlocked,,
        2026-03-02T09:00,2026-03-02T09:05,app,,io.y
        2026-03-02T09:02,2026-03-02T09:08,app,,io.z
        2026-03-02T12:00,2026-03-02T12:30,unlocked,,
        2026-03-02T12:10,2026-03-02T12:20,app,,io.x
    """,
    )
    timeline = load_timeline(scenario(path))
    assert [(i.start, i.end) for i in timeline.of_kind("unlocked")] == [
        (7 * H, 7 * H + 30 * M),  # the gap 07:10-07:20 filled and joined to both sides
        (9 * H, 9 * H + 8 * M),  # two overlapping apps: one new unlocked interval
        (12 * H, 12 * H + 30 * M),  # already inside: untouched
    ]
    assert len(timeline.notes) == 1
    note = timeline.notes[0]
    assert note.startswith("added 2 unlocked intervals where app intervals were not inside")
    assert f"first: io.x at 2026-03-02 07:10 UTC, from {path}:3" in note


def test_app_time_on_both_sides_of_one_unlocked_makes_one_interval(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        """
        2026-03-02T07:00,2026-03-02T07:10,unlocked,,
        2026-03-02T07:10,2026-03-02T07:20,unlocked,,
        2026-03-02T06:50,2026-03-02T07:00,app,,io.a
        2026-03-02T07:20,2026-03-02T07:30,app,,io.b
    """,
    )
    timeline = load_timeline(scenario(path))
    assert [(i.start // M, i.end // M) for i in timeline.of_kind("unlocked")] == [
        (6 * 60 + 50, 7 * 60 + 10),
        (7 * 60 + 10, 7 * 60 + 30),
    ]  # joined, never overlapping
    assert timeline.notes[0].startswith("added 2 unlocked intervals")
    assert "first: io.a at 2026-03-02 06:50 UTC" in timeline.notes[0]


def test_app_covered_by_touching_unlocked_needs_no_note(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        """
        2026-03-02T07:00,2026-03-02T07:10,unlocked,,
        2026-03-02T07:10,2026-03-02T07:20,unlocked,,
        2026-03-02T07:05,2026-03-02T07:15,app,,io.x
    """,
    )
    timeline = load_timeline(scenario(path))
    assert timeline.notes == ()
    assert len(timeline.of_kind("unlocked")) == 2  # sessions are not merged


def test_clipping_at_the_replay_bounds(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        """
        2026-03-01T22:00,2026-03-02T06:00,plugged,wired,
        2026-03-01T23:00,,battery,50,
        2026-03-01T20:00,2026-03-01T21:00,unlocked,,
        2026-03-02T00:00,,boot,,
        2026-03-02T23:00,2026-03-03T07:00,plugged,wired,
        2026-03-03T00:00,,battery,40,
    """,
    )
    timeline = load_timeline(scenario(path))
    assert timeline.intervals == (
        Interval(0, 6 * H, "plugged", "wired"),
        Interval(23 * H, DAY, "plugged", "wired"),
    )
    assert timeline.points == (Point(0, "boot"),)
    assert timeline.duration == DAY


def test_touching_states_merge_but_sessions_and_values_do_not(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        """
        2026-03-02T01:00,2026-03-02T02:00,plugged,wired,
        2026-03-02T02:00,2026-03-02T03:00,plugged,wired,
        2026-03-02T03:00,2026-03-02T04:00,plugged,wireless,
        2026-03-02T01:00,2026-03-02T02:00,network,wifi,
        2026-03-02T02:00,2026-03-02T03:00,network,cellular,
        2026-03-02T05:00,2026-03-02T05:10,unlocked,,
        2026-03-02T05:10,2026-03-02T05:20,unlocked,,
    """,
    )
    timeline = load_timeline(scenario(path))
    assert [(i.kind, i.value, i.start // H, i.end // H) for i in timeline.of_kind("plugged")] == [
        ("plugged", "wired", 1, 3),
        ("plugged", "wireless", 3, 4),
    ]
    assert len(timeline.of_kind("network")) == 2
    assert len(timeline.of_kind("unlocked")) == 2


def test_order_is_by_start_kind_subject(tmp_path: Path) -> None:
    path = csv(
        tmp_path,
        """
        2026-03-02T08:00,2026-03-02T09:00,unlocked,,
        2026-03-02T08:00,2026-03-02T08:30,app,,io.b
        2026-03-02T08:00,2026-03-02T08:20,app,,io.a
        2026-03-02T07:00,2026-03-02T09:00,network,wifi,
        2026-03-02T08:00,,force_quit,,io.b
        2026-03-02T08:00,,battery,50,
        2026-03-02T08:00,,force_quit,,io.a
    """,
    )
    timeline = load_timeline(scenario(path))
    assert [(i.kind, i.subject) for i in timeline.intervals] == [
        ("network", None),
        ("app", "io.a"),
        ("app", "io.b"),
        ("unlocked", None),
    ]
    assert [(p.kind, p.subject) for p in timeline.points] == [
        ("battery", None),
        ("force_quit", "io.a"),
        ("force_quit", "io.b"),
    ]


def test_no_trace_at_all_is_an_empty_timeline() -> None:
    timeline = load_timeline(scenario(zone="Europe/Paris"))
    assert (timeline.intervals, timeline.points, timeline.notes) == ((), (), ())
    assert timeline.clock.offsets == ((0, H),) and timeline.duration == DAY


def test_missing_trace_file_points_at_the_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"s\.yaml:8:10: error: trace file .*nope\.csv does not"):
        load_timeline(scenario(tmp_path / "nope.csv"))


def test_persona_trace_is_generated_and_clipped() -> None:
    persona = PersonaRef("office_worker", 3, Location("s.yaml", 14, 12))
    timeline = load_timeline(scenario(persona=persona, days=2, zone="Europe/Paris"))
    assert timeline.of_kind("unlocked")
    assert all(0 <= i.start < i.end <= 2 * DAY for i in timeline.intervals)
    assert timeline == load_timeline(scenario(persona=persona, days=2, zone="Europe/Paris"))


def _as_parquet(source: Path, target: Path, *, timestamps: bool) -> Path:
    frame = pl.read_csv(source, infer_schema=False)
    if timestamps:
        frame = frame.with_columns(
            pl.col("start", "end").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", time_unit="ms")
        )
    frame.write_parquet(target)
    return target


@pytest.mark.parametrize("timestamps", [False, True])
def test_csv_and_parquet_give_identical_timelines(tmp_path: Path, timestamps: bool) -> None:
    source = Path(__file__).resolve().parents[1] / "traces" / "commuter-week.csv"
    parquet = _as_parquet(source, tmp_path / "week.parquet", timestamps=timestamps)

    def week(path: Path) -> Timeline:
        return load_timeline(
            Scenario(
                name="w",
                start=datetime(2026, 3, 2),
                duration_ms=7 * DAY,
                timezone="Europe/Paris",
                device=Device(trace=path),
            )
        )

    assert week(parquet) == week(source)


def _rows(unlocked: list[tuple[int, int]], apps: list[tuple[int, int, str]]) -> pl.DataFrame:
    """Rows as ``load_timeline`` hands them to ``build_timeline`` (minutes -> ms, one file)."""
    data = [(s, e, "unlocked", None) for s, e in unlocked] + [(s, e, "app", a) for s, e, a in apps]
    n = len(data)
    return pl.DataFrame(
        {
            "start_ms": [r[0] * M for r in data],
            "end_ms": [r[1] * M for r in data],
            "kind": [r[2] for r in data],
            "value": [None] * n,
            "subject": [r[3] for r in data],
            "src": [0] * n,
            "line": list(range(2, n + 2)),
            "entry": [None] * n,
            "day": [None] * n,
        },
        schema_overrides={"src": pl.Int8, "entry": pl.Int64, "day": pl.String, "value": pl.String},
    )


def _covers(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether sorted, disjoint ``spans`` (touching allowed) cover ``[start, end)``."""
    cursor = start
    for s, e in spans:
        if s <= cursor < e:
            cursor = e
    return cursor >= end


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 20), max_size=8),
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(1, 15), st.sampled_from(["io.a", "io.b"])),
        max_size=6,
    ),
)
def test_apps_always_end_up_inside_disjoint_unlocked(cuts: list[int], raw: list) -> None:
    marks = sorted(set(cuts))
    unlocked = list(zip(marks[::2], marks[1::2], strict=False))
    apps, last = [], {}
    for start, length, app in sorted(raw):
        start = max(start, last.get(app, 0))  # one app's intervals never overlap
        apps.append((start, start + length, app))
        last[app] = start + length
    scenario = Scenario(name="p", start=datetime(1970, 1, 1), duration_ms=DAY)
    timeline = build.build_timeline(scenario, _rows(unlocked, apps), build.Sources("p.csv"))
    spans = [(i.start, i.end) for i in timeline.of_kind("unlocked")]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert all(_covers(spans, i.start, i.end) for i in timeline.of_kind("app"))
    assert bool(timeline.notes) == any(not _covers(unlocked, a, b) for a, b, _ in apps)
