"""PowerLog / BGSQL import (SPEC §5.5, T§1.3) on small databases with the documented schemas:
a clock 32 days behind that is later corrected, overlapping copies, a hole in the log, travel,
missing tables, a gzip archive, corrupt files."""

from __future__ import annotations

import importlib.util
import sqlite3

import pytest
from fixtures_sqlite import TOKYO, PowerLog, at, bgsql, gz

from bgreplay.errors import InputError
from bgreplay.trace.importers.powerlog import import_powerlog

SKEW = 32 * 86_400.0  # raw PowerLog clock 32 days behind (seen on iOS 18.7, T§1.3)
LOCK = "PLSpringBoardAgent_EventForward_SBLock"
SCREEN = "PLSpringBoardAgent_EventForward_SBScreen"
APP = "PLScreenStateAgent_EventForward_ScreenState"
UI = "PLBatteryAgent_EventBackward_BatteryUI"
BATTERY = "PLBatteryAgent_EventBackward_Battery"
WIFI = "PLWifiAgent_EventBackward_CumulativeProperties"
CELL = "PLBBAgent_EventForward_TelephonyRegistration"
ZONE = "PLLocaleAgent_EventForward_TimeZone"


def build(tmp_path):
    # a second offset row from 14:00: the raw clock jumped 69 s ahead (T§1.3 saw both kinds)
    pl = PowerLog(tmp_path / "CurrentPowerlog.PLSQL", SKEW, fix_at=at(2, 14), later_fix=-69)
    pl.write_offsets(at(2, 6))
    pl.add(ZONE, at(2, 7), TimeZoneName="Europe/Paris", SecondsFromGMT=3600)
    pl.add(ZONE, at(3, 15, tz=TOKYO), TimeZoneName="Asia/Tokyo", SecondsFromGMT=32400)
    for moment, locked in (
        (at(2, 8), 0),
        (at(2, 8, 0, 3), 0),
        (at(2, 8, 10), 1),
        (at(2, 12), 0),
        (at(2, 12, 20), 1),
        (at(2, 15), 1),
    ):
        pl.add(LOCK, moment, Locked=locked)  # 08:00:03 is a copy of 08:00
    for moment, screen in (
        (at(2, 7, 59), 9),
        (at(2, 8), 2),
        (at(2, 8, 10), 0),
        (at(2, 15), 9),
        (at(2, 15, 0, 20), 0),
    ):
        pl.add(SCREEN, moment, Screen=screen)
    for moment, bundle in (
        (at(2, 8, 1), "io.example.app"),
        (at(2, 8, 5), "com.apple.springboard"),
        (at(2, 12, 5), "io.example.app"),
        (at(2, 12, 30), ""),
    ):
        pl.add(APP, moment, BundleID=bundle, Display=0)
    for moment, level in ((at(2, 8), 57.0), (at(2, 12), 48.0), (at(2, 18), 30.5)):
        pl.add(UI, moment, Level=level, IsCharging=0)
    overnight = [(at(2, 22), 1)] + [(at(3, h), 1) for h in range(0, 6, 2)] + [(at(3, 6, 30), 0)]
    for moment, ext in [(at(2, 7), 1), (at(2, 7, 30), 0), *overnight]:
        pl.add(BATTERY, moment, Level=60.0, ExternalConnected=ext, IsCharging=ext)
    for moment, ssid in (
        (at(2, 7), "HomeNet"),
        (at(2, 8, 30), ""),
        (at(2, 18), "HomeNet"),
        (at(3, 16, tz=TOKYO), "HotelNet"),
        (at(3, 20, tz=TOKYO), "HotelNet"),
        (at(4, 12, tz=TOKYO), "HotelNet"),
        (at(4, 13, tz=TOKYO), ""),
    ):
        pl.add(WIFI, moment, CurrentSSID=ssid)  # nothing between 3rd 20:00 and 4th 12:00
    pl.add(CELL, at(2, 7), DataAttached=1, DataActive=1)
    return pl.close()


def table(result) -> list[tuple]:
    return [(r[2], r[0], r[1], r[3], r[4]) for r in result.frame().iter_rows()]


def test_clock_offsets_are_applied_per_row(tmp_path) -> None:
    got = table(import_powerlog(build(tmp_path)))
    assert (
        "unlocked",
        "2026-03-02T08:00:00+01:00",
        "2026-03-02T08:10:00+01:00",
        None,
        None,
    ) in got  # 32 days behind, and the 08:00:03 copy does not split it
    assert ("unlocked", "2026-03-02T12:00:00+01:00", "2026-03-02T12:20:00+01:00", None, None) in got
    assert ("battery", "2026-03-02T18:00:00+01:00", None, "30.5", None) in got  # after the fix


def test_channels(tmp_path) -> None:
    got = table(import_powerlog(build(tmp_path)))
    apps = [g for g in got if g[0] == "app"]
    assert apps == [  # the home screen is no app; an app left in front when locked is clipped
        ("app", "2026-03-02T08:01:00+01:00", "2026-03-02T08:05:00+01:00", None, "io.example.app"),
        ("app", "2026-03-02T12:05:00+01:00", "2026-03-02T12:20:00+01:00", None, "io.example.app"),
    ]
    screens = [g[1:3] for g in got if g[0] == "screen"]
    assert screens == [
        ("2026-03-02T07:59:00+01:00", "2026-03-02T08:00:00+01:00"),
        ("2026-03-02T15:00:00+01:00", "2026-03-02T15:00:20+01:00"),
    ]
    plugged = [g[1:3] for g in got if g[0] == "plugged"]
    assert plugged == [
        ("2026-03-02T07:00:00+01:00", "2026-03-02T07:30:00+01:00"),
        ("2026-03-02T22:00:00+01:00", "2026-03-03T06:30:00+01:00"),
    ]
    network = [(g[1], g[2], g[3]) for g in got if g[0] == "network"]
    assert network[:3] == [
        ("2026-03-02T07:00:00+01:00", "2026-03-02T08:30:00+01:00", "wifi"),
        ("2026-03-02T08:30:00+01:00", "2026-03-02T18:00:00+01:00", "cellular"),
        ("2026-03-02T18:00:00+01:00", "2026-03-03T20:00:00+09:00", "wifi"),  # SSID changes
    ]


def test_coverage_gaps_stay_gaps(tmp_path) -> None:
    result = import_powerlog(build(tmp_path))
    network = [(g[1], g[2], g[3]) for g in table(result) if g[0] == "network"]
    assert ("2026-03-02T18:00:00+01:00", "2026-03-03T20:00:00+09:00", "wifi") in network
    assert ("2026-03-04T12:00:00+09:00", "2026-03-04T13:00:00+09:00", "wifi") in network
    assert not any(s < "2026-03-04T12" and e > "2026-03-03T20:00:00+09:00" for s, e, _ in network)
    assert any("gaps longer than 6 h" in n for n in result.notes)


def test_time_zone_rows_and_offsets(tmp_path) -> None:
    result = import_powerlog(build(tmp_path))
    got = table(result)
    assert [g for g in got if g[0] == "timezone"] == [
        ("timezone", "2026-03-03T15:00:00+09:00", None, "Asia/Tokyo", None)
    ]
    assert any("Europe/Paris" in n for n in result.notes)


def test_bgsql_task_runs_are_ground_truth(tmp_path) -> None:
    path = bgsql(
        tmp_path / "BackgroundProcessing.BGSQL",
        [
            (1, at(2, 3), at(2, 3, 0, 30), 1),
            (1, at(2, 3, 0, 2), at(2, 3, 0, 31), 1),
            (2, at(2, 4), at(2, 4, 5), 0),
            (1, at(2, 5), None, 1),
        ],
        {
            1: ("io.example.app", "io.example.app.refresh"),
            2: ("io.example.app", "io.example.app.processing"),
        },
    )
    result = import_powerlog(build(tmp_path), bgsql=path)
    runs = [(g[1], g[2], g[3], g[4]) for g in table(result) if g[0] == "bg_task_observed"]
    assert runs == [
        (
            "2026-03-02T03:00:00+01:00",
            "2026-03-02T03:00:31+01:00",
            "on_battery",
            "io.example.app.refresh",
        ),
        (
            "2026-03-02T04:00:00+01:00",
            "2026-03-02T04:05:00+01:00",
            "on_power",
            "io.example.app.processing",
        ),
    ]
    assert any("skipped 1 task runs" in n for n in result.notes)
    refs = {r.source_ref for r in result.records if r.kind == "bg_task_observed"}
    assert all(ref.startswith("BackgroundProcessing_TaskInstanceData_24_5:") for ref in refs)


def test_gzip_archive_reads_the_same(tmp_path) -> None:
    path = build(tmp_path)
    assert table(import_powerlog(gz(path))) == table(import_powerlog(path))


def test_missing_tables_are_reported(tmp_path) -> None:
    pl = PowerLog(
        tmp_path / "small.PLSQL",
        0.0,
        schema="CREATE TABLE PLSpringBoardAgent_EventForward_SBLock "
        "(ID INTEGER PRIMARY KEY, timestamp REAL, Locked INTEGER);",
    )
    pl.add(LOCK, at(2, 8), Locked=0)
    pl.add(LOCK, at(2, 8, 5), Locked=1)
    result = import_powerlog(pl.close(), timezone="Europe/Paris")
    notes = " | ".join(result.notes)
    for name in (UI, WIFI, ZONE, "PLStorageOperator_EventForward_TimeOffset"):
        assert name in notes
    assert "times are written in Europe/Paris" in notes
    assert table(result) == [
        ("unlocked", "2026-03-02T08:00:00+01:00", "2026-03-02T08:05:00+01:00", None, None)
    ]


def test_bad_files_are_input_errors(tmp_path) -> None:
    junk = tmp_path / "junk.PLSQL"
    junk.write_bytes(b"\x00\x01garbage" * 500)
    with pytest.raises(InputError, match="not a SQLite database"):
        import_powerlog(junk)
    fake_gz = tmp_path / "fake.PLSQL.gz"
    fake_gz.write_bytes(b"not gzip")
    with pytest.raises(InputError, match="not a readable gzip archive"):
        import_powerlog(fake_gz)
    cut_gz = tmp_path / "cut.PLSQL.gz"
    cut_gz.write_bytes(gz(build(tmp_path)).read_bytes()[:200])
    (tmp_path / "again").mkdir()
    with pytest.raises(InputError, match="gzip"):
        import_powerlog(cut_gz)
    other = tmp_path / "other.PLSQL"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.commit()
    with pytest.raises(InputError, match="not a PowerLog file"):
        import_powerlog(other)
    with pytest.raises(InputError, match="not a SQLite database"):
        import_powerlog(build(tmp_path / "again"), bgsql=junk)


def test_imported_rows_pass_the_trace_reader(tmp_path) -> None:
    if importlib.util.find_spec("bgreplay.trace.io") is None:
        pytest.skip("the trace reader has not landed yet")
    from bgreplay.trace.io import read_trace_file
    from bgreplay.trace.write import write_trace

    path = bgsql(tmp_path / "x.BGSQL", [(1, at(2, 3), at(2, 3, 1), 0)], {1: ("io.a", "io.a.r")})
    result = import_powerlog(build(tmp_path), bgsql=path)
    frame = read_trace_file(write_trace(tmp_path / "pl.parquet", result.frame()))
    assert frame.height == len(result.records)
