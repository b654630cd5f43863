"""knowledgeC.db import (SPEC §5.5, T§1.1) on a small database built with the documented schema:
Mac absolute time, per-row offsets, overlapping copies, missing streams, mixed devices."""

from __future__ import annotations

import contextlib
import importlib.util
import sqlite3

import pytest
from fixtures_sqlite import TOKYO, KnowledgeC, at

from bgreplay.errors import InputError
from bgreplay.trace.importers.knowledgec import import_knowledgec


def build(tmp_path, mixed: bool = False):
    kc = KnowledgeC(tmp_path / "knowledgeC.db")
    kc.add("/device/isLocked", at(2, 8), at(2, 8, 10), integer=0)
    kc.add("/device/isLocked", at(2, 8, 0, 2), at(2, 8, 10, 1), integer=0)  # overlapping copy
    kc.add("/device/isLocked", at(2, 8, 10), at(2, 12), integer=1)
    kc.add("/device/isLocked", at(2, 12), at(2, 12, 20), integer=0)
    kc.add("/app/usage", at(2, 8, 1), at(2, 8, 5), string="io.example.app")
    kc.add("/app/usage", at(2, 8, 1, 30), at(2, 8, 5, 30), string="io.example.app")  # copy
    kc.add("/app/usage", at(2, 12, 2), at(2, 12, 9), string="com.other.app")
    kc.add("/display/isBacklit", at(2, 7, 59), at(2, 8, 11), integer=1)
    kc.add("/display/isBacklit", at(2, 9, 30), at(2, 9, 30, 20), integer=1)  # a glance
    kc.add("/device/isPluggedIn", at(1, 22), at(2, 6, 30), integer=1, wireless=1)
    kc.add("/device/isPluggedIn", at(2, 6, 30), at(2, 22), integer=0)
    kc.add("/device/BatteryPercentage", at(2, 8), double=57.0)  # APOLLO's spelling, a double
    kc.add("/device/batteryPercentage", at(2, 12), integer=48)  # iLEAPP reads the integer
    kc.add("/device/isLocked", at(5, 9, tz=TOKYO), at(5, 9, 15, tz=TOKYO), integer=0)
    kc.add("/device/isLocked", at(6, 9), at(6, 9, 5), integer=0)  # home again
    kc.add("/safari/history", at(2, 9), at(2, 9, 1), string="ignored")
    if mixed:
        kc.add("/app/usage", at(2, 10), at(2, 10, 5), string="com.mac.app", device="MAC-1")
    return kc.close()


def rows(result) -> list[tuple]:
    return [tuple(r) for r in result.frame().iter_rows()]


def test_streams_become_trace_rows(tmp_path) -> None:
    result = import_knowledgec(build(tmp_path))
    got = {(r[2], r[0], r[1], r[3], r[4]) for r in rows(result)}
    assert (
        "unlocked",
        "2026-03-02T08:00:00+01:00",
        "2026-03-02T08:10:01+01:00",
        None,
        None,
    ) in got  # the copy merged
    assert (
        "app",
        "2026-03-02T08:01:00+01:00",
        "2026-03-02T08:05:30+01:00",
        None,
        "io.example.app",
    ) in got
    assert ("screen", "2026-03-02T07:59:00+01:00", "2026-03-02T08:00:00+01:00", None, None) in got
    assert ("screen", "2026-03-02T08:10:01+01:00", "2026-03-02T08:11:00+01:00", None, None) in got
    assert ("screen", "2026-03-02T09:30:00+01:00", "2026-03-02T09:30:20+01:00", None, None) in got
    assert (
        "plugged",
        "2026-03-01T22:00:00+01:00",
        "2026-03-02T06:30:00+01:00",
        "wireless",
        None,
    ) in got
    assert ("battery", "2026-03-02T08:00:00+01:00", None, "57", None) in got
    assert ("battery", "2026-03-02T12:00:00+01:00", None, "48", None) in got
    assert (
        "unlocked",
        "2026-03-05T09:00:00+09:00",
        "2026-03-05T09:15:00+09:00",
        None,
        None,
    ) in got  # each row keeps its own ZSECONDSFROMGMT
    assert sum(1 for g in got if g[0] == "unlocked") == 4
    assert not any(g[0] == "timezone" for g in got)  # no home zone given: offsets only
    assert all(r[5] == "knowledgec" and r[6].startswith("ZOBJECT:") for r in rows(result))


def test_missing_streams_are_reported_not_guessed(tmp_path) -> None:
    result = import_knowledgec(build(tmp_path))
    notes = " | ".join(result.notes)
    assert "/device/lowpowermode has no rows" in notes
    assert "low_power_mode" not in {r.kind for r in result.records}
    assert "UTC offsets seen: +1 h, +9 h" in notes


def test_home_zone_turns_travel_into_timezone_rows(tmp_path) -> None:
    result = import_knowledgec(build(tmp_path), timezone="Europe/Paris")
    moves = [(r[0], r[3]) for r in rows(result) if r[2] == "timezone"]
    assert moves == [
        ("2026-03-05T09:00:00+09:00", "Etc/GMT-9"),
        ("2026-03-06T09:00:00+01:00", "Europe/Paris"),
    ]


def test_mixed_devices_need_a_choice(tmp_path) -> None:
    path = build(tmp_path, mixed=True)
    with pytest.raises(InputError, match=r"2 devices.*MAC-1 \(1 rows\).*local") as err:
        import_knowledgec(path)
    assert "--device" in err.value.render()
    mac = import_knowledgec(path, device="MAC-1")
    assert [(r.kind, r.subject) for r in mac.records] == [("app", "com.mac.app")]
    local = import_knowledgec(path, device="local")
    assert "com.mac.app" not in {r.subject for r in local.records}
    with pytest.raises(InputError, match="no rows from device 'phone'"):
        import_knowledgec(path, device="phone")


def test_not_a_knowledgec_database(tmp_path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(InputError, match="no ZOBJECT table"):
        import_knowledgec(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(InputError, match="not a SQLite database"):
        import_knowledgec(junk)
    with pytest.raises(InputError, match="no such file"):
        import_knowledgec(tmp_path / "absent.db")
    empty = KnowledgeC(tmp_path / "empty.db").close()
    with pytest.raises(InputError, match="nothing to import"):
        import_knowledgec(empty)


def test_truncated_database_is_an_input_error(tmp_path) -> None:
    path = build(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[: len(data) // 2] + b"\0" * 100)
    with contextlib.suppress(InputError):  # readable enough, or a clear error; no traceback
        import_knowledgec(cut)


def test_the_file_is_opened_read_only(tmp_path) -> None:
    path = build(tmp_path)
    before = path.read_bytes()
    path.chmod(0o444)
    import_knowledgec(path)
    assert path.read_bytes() == before


def test_imported_rows_pass_the_trace_reader(tmp_path) -> None:
    if importlib.util.find_spec("bgreplay.trace.io") is None:
        pytest.skip("the trace reader has not landed yet")
    from bgreplay.trace.io import read_trace_file
    from bgreplay.trace.write import write_trace

    result = import_knowledgec(build(tmp_path), timezone="Europe/Paris")
    for suffix in (".csv", ".parquet"):
        frame = read_trace_file(write_trace(tmp_path / f"kc{suffix}", result.frame()))
        assert frame.height == len(result.records)
