"""``day_stats`` and ``write_trace``: per-day numbers of a hand-made trace, byte-identical files,
atomic replacement."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

import polars as pl
import pytest

from bgreplay.errors import InputError
from bgreplay.trace.persona_trace import generate_trace
from bgreplay.trace.stats import day_stats
from bgreplay.trace.write import Offsets, TraceRow, iso, to_frame, write_trace

ROWS = [
    ("2026-03-02T07:00:00+01:00", "2026-03-02T07:10:00+01:00", "unlocked", None, None),
    ("2026-03-02T07:01:00+01:00", "2026-03-02T07:04:00+01:00", "app", None, "io.a"),
    ("2026-03-02T07:05:00+01:00", "2026-03-02T07:06:00+01:00", "app", None, "io.b"),
    ("2026-03-02T09:00:00+01:00", "2026-03-02T09:00:30+01:00", "screen", None, None),
    ("2026-03-02T22:00:00+01:00", "2026-03-03T06:00:00+01:00", "plugged", "wired", None),
    ("2026-03-02T00:00:00+01:00", "2026-03-02T12:00:00+01:00", "network", "wifi", None),
    ("2026-03-02T12:00:00+01:00", "2026-03-03T12:00:00+01:00", "network", "cellular", None),
    ("2026-03-02T08:00:00+01:00", None, "battery", "64", None),
    ("2026-03-02T20:00:00+01:00", None, "battery", "31.5", None),
    ("2026-03-03T03:00:00+01:00", None, "boot", None, None),
    ("2026-03-03T10:00:00+01:00", "2026-03-03T11:30:00+01:00", "low_power_mode", None, None),
]


def test_day_stats_of_a_small_trace() -> None:
    stats = day_stats(ROWS)
    assert stats["date"].cast(pl.String).to_list() == ["2026-03-02", "2026-03-03"]
    mon, tue = stats.row(0, named=True), stats.row(1, named=True)
    assert (mon["unlocks"], mon["glances"], mon["interactions"]) == (1, 1, 2)
    assert mon["screen_min"] == 10.5
    assert (mon["app_opens"], mon["apps"]) == (2, 2)
    assert mon["plugged_h"] == 2.0 and tue["plugged_h"] == 6.0  # split at midnight
    assert mon["longest_plug_h"] == 8.0 and tue["longest_plug_h"] == 0
    assert mon["wifi_share"] == 0.5 and tue["wifi_share"] == 0.0
    assert mon["min_battery"] == 31.5 and tue["min_battery"] is None
    assert (tue["boots"], tue["lpm_h"]) == (1, 1.5)


def test_day_stats_accepts_frames_traces_and_naive_times() -> None:
    frame = pl.DataFrame(ROWS, schema=["start", "end", "kind", "value", "subject"], orient="row")
    assert day_stats(frame).equals(day_stats(ROWS))
    naive = [(s[:19], e and e[:19], k, v, sub) for s, e, k, v, sub in ROWS]
    assert day_stats(naive).equals(day_stats(ROWS))
    trace = generate_trace("office_worker", 3, datetime(2026, 3, 2), "Europe/Paris", 1)
    assert day_stats(trace).height == 3
    assert day_stats([]).is_empty()


def test_day_stats_reads_rows_given_as_any_mapping() -> None:
    # Rows keyed by column, as dicts or as other mappings (a read-only view), give the same
    # numbers as tuples: a mapping is never taken for a tuple of its keys.
    names = ("start", "end", "kind", "value", "subject")
    dicts = [dict(zip(names, row, strict=True)) for row in ROWS]
    assert day_stats(dicts).equals(day_stats(ROWS))
    assert day_stats([MappingProxyType(d) for d in dicts]).equals(day_stats(ROWS))


def test_iso_keeps_the_wall_clock_and_offset() -> None:
    assert iso(1772434800000, 3_600_000) == "2026-03-02T08:00:00+01:00"
    assert iso(1772434800250, -19_800_000) == "2026-03-02T01:30:00.250-05:30"
    rows = [
        TraceRow(1772434800000, 1772434860000, "unlocked"),
        TraceRow(1772434800000, None, "boot", offset=32_400_000),
    ]
    frame = to_frame(rows, Offsets([(0, 3_600_000)]), source="test")
    assert frame.row(0) == (
        "2026-03-02T08:00:00+01:00",
        "2026-03-02T08:01:00+01:00",
        "unlocked",
        None,
        None,
        "test",
        None,
    )
    assert frame.row(1)[:2] == ("2026-03-02T16:00:00+09:00", None)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_same_inputs_same_bytes(tmp_path, suffix: str) -> None:
    def write(name: str, seed: int) -> bytes:
        trace = generate_trace(
            "traveller", 14, datetime(2026, 3, 2), "Europe/Paris", seed, [("io.a", None)]
        )
        return write_trace(tmp_path / f"{name}{suffix}", trace.frame()).read_bytes()

    assert write("a", 1) == write("b", 1)
    assert write("c", 1) != write("d", 2)


def test_a_failed_write_leaves_the_old_file(tmp_path) -> None:
    path = tmp_path / "trace.csv"
    path.write_text("old contents\n")

    class Boom(pl.DataFrame):
        def write_csv(self, *_args, **_kwargs):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_trace(path, Boom({"start": ["x"]}))
    assert path.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["trace.csv"]  # no temporary left behind


def test_output_paths_are_checked(tmp_path) -> None:
    frame = pl.DataFrame({"start": ["x"]})
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        write_trace(tmp_path / "trace.txt", frame)
    with pytest.raises(InputError, match="does not exist"):
        write_trace(tmp_path / "missing" / "trace.csv", frame)
    with pytest.raises(InputError, match="is a folder"):
        (tmp_path / "dir.csv").mkdir()
        write_trace(tmp_path / "dir.csv", frame)
