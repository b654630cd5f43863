"""knowledgeC.db (CoreDuet's Core Data store) into trace rows (SPEC §5.5, T§1.1).

The query is APOLLO's pattern (``ZOBJECT`` left-joined to ``ZSTRUCTUREDMETADATA`` and
``ZSOURCE``, https://github.com/mac4n6/APOLLO ``modules/knowledge_*.txt``) over the streams a
device trace needs. Times are Mac absolute time (seconds since 2001-01-01 UTC, Unix − 978307200)
and each row carries its own UTC offset in ``ZSECONDSFROMGMT``; the output keeps that offset.
On a Mac that syncs an iPhone's Screen Time the rows of several devices are mixed: ``device``
picks one by ``ZSOURCE.ZDEVICEID`` (T§1.1, W-ASTER).
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

from bgreplay.errors import InputError
from bgreplay.trace.clock import offset_ms
from bgreplay.trace.importers import (
    ImportResult,
    Span,
    SqlValue,
    check_zone,
    columns,
    etc_zone,
    merge,
    offset_s,
    open_sqlite,
    require_rows,
    subtract,
    tables,
    unix_ms,
)
from bgreplay.trace.write import Offsets, TraceRow

SOURCE = "knowledgec"
MAC_EPOCH = 978_307_200  # 2001-01-01T00:00:00Z as Unix seconds (T§1.1)
LOCAL_DEVICE = "local"  # rows whose source has no ZDEVICEID: the database's own device
WIRELESS = "Z_DKDEVICEISPLUGGEDINMETADATAKEY__ADAPTERISWIRELESS"
# Stream names compared in lower case: APOLLO spells the battery one /device/BatteryPercentage.
STREAMS = (
    "/app/infocus",
    "/app/usage",
    "/device/islocked",
    "/display/isbacklit",
    "/device/ispluggedin",
    "/device/batterypercentage",
    "/device/lowpowermode",
)
EMPTY_HINT = {  # why a stream is often empty (T§1.1 OS ranges)
    "/device/ispluggedin": "empty on iOS 16 and later, where Biome holds it",
    "/device/batterypercentage": "empty on iOS 16 and later, where Biome holds it",
    "/app/infocus": "missing on iOS 16 and later; /app/usage is used instead when present",
    "/device/lowpowermode": "iOS 11-14 only",
}


class _Object(NamedTuple):
    """One ZOBJECT row of a wanted stream, cleaned (``_clean``): times as Unix ms, the offset in
    seconds, texts as ``str``; None where the stored value is missing or unusable."""

    pk: str | None  # Z_PK, an integer in every Core Data store, as the text of source_ref
    stream: str | None
    start: int | None
    end: int | None
    offset: int | None
    string: str | None
    integer: SqlValue
    double: SqlValue
    device: str | None
    wireless: SqlValue


def import_knowledgec(
    path: str | Path, device: str | None = None, timezone: str | None = None
) -> ImportResult:
    """Read ``path`` (knowledgeC.db); ``device`` picks one ``ZDEVICEID`` (``local`` = rows
    without one); ``timezone`` (the device's home zone) turns offsets it does not explain into
    ``timezone`` rows (travel)."""
    check_zone(timezone)
    with open_sqlite(path, "knowledgeC.db") as conn:
        rows = [_clean(r) for r in _query(conn, path)]
    rows, notes = _pick_device(rows, device, path)
    by_stream: dict[str | None, list[_Object]] = defaultdict(list)
    for row in rows:
        by_stream[row.stream].append(row)
    records: list[TraceRow] = []
    app_stream = "/app/infocus" if by_stream["/app/infocus"] else "/app/usage"
    if by_stream["/app/infocus"] and by_stream["/app/usage"]:
        notes.append("both /app/inFocus and /app/usage have rows: app rows come from /app/inFocus")
    for stream in STREAMS[2:]:
        if not by_stream[stream]:
            _missing(notes, stream)
    if not by_stream[app_stream]:
        _missing(notes, "/app/infocus", "/app/inFocus or /app/usage")
    apps: dict[str, list[Span[_Object]]] = defaultdict(list)
    for span in _intervals(by_stream[app_stream], notes):
        bundle = span[2].string
        if bundle:
            apps[bundle].append(span)
    for bundle in sorted(apps):
        records += [_row(s, e, "app", p, subject=bundle) for s, e, p in merge(apps[bundle])]
    unlocked = merge(r for r in _intervals(by_stream["/device/islocked"], notes) if _on(r) == 0)
    records += [_row(s, e, "unlocked", p) for s, e, p in unlocked]
    backlit = merge(r for r in _intervals(by_stream["/display/isbacklit"], notes) if _on(r) == 1)
    if backlit and not by_stream["/device/islocked"]:
        notes.append(
            "/display/isBacklit has rows but /device/isLocked has none: screen-on time "
            "cannot be split into glances and use, so no screen rows were imported"
        )
    elif backlit:
        records += [_row(s, e, "screen", p) for s, e, p in subtract(backlit, unlocked)]
    for s, e, p in merge(
        r for r in _intervals(by_stream["/device/ispluggedin"], notes) if _on(r) == 1
    ):
        wireless = p.wireless
        value = None if wireless is None else ("wireless" if wireless else "wired")
        records.append(_row(s, e, "plugged", p, value=value))
    lpm = merge(r for r in _intervals(by_stream["/device/lowpowermode"], notes) if _on(r) == 1)
    records += [_row(s, e, "low_power_mode", p) for s, e, p in lpm]
    records += _battery(by_stream["/device/batterypercentage"])
    records += _travel(rows, timezone, notes)
    _note_offsets(rows, timezone, notes)
    changes = sorted({(r.start, r.offset) for r in records if r.offset is not None})
    result = ImportResult(SOURCE, records, Offsets(changes[:1] or [(0, 0)]), notes)
    return require_rows(result, path)


def _missing(notes: list[str], stream: str, shown: str | None = None) -> None:
    hint = EMPTY_HINT.get(stream)
    notes.append(
        f"stream {shown or stream} has no rows"
        + (f" ({hint})" if hint else "")
        + f": no {_CHANNEL[stream]} rows imported"
    )


_CHANNEL = {
    "/app/infocus": "app",
    "/app/usage": "app",
    "/device/islocked": "unlocked",
    "/display/isbacklit": "screen",
    "/device/ispluggedin": "plugged",
    "/device/batterypercentage": "battery",
    "/device/lowpowermode": "low_power_mode",
}


def _query(conn: sqlite3.Connection, path: str | Path) -> list[tuple[SqlValue, ...]]:
    """(pk, stream, start_s, end_s, offset_s, string, integer, double, device, wireless)."""
    names = tables(conn)
    if "ZOBJECT" not in names:
        raise InputError(
            f"{path}: not a knowledgeC database (it has no ZOBJECT table)",
            fix="give knowledgeC.db (see docs/importers.md for where it is)",
        )
    have = columns(conn, "ZOBJECT")
    missing = {"ZSTREAMNAME", "ZSTARTDATE", "ZENDDATE"} - have
    if missing:
        raise InputError(
            f"{path}: ZOBJECT lacks {', '.join(sorted(missing))}",
            fix="this does not look like a knowledgeC database",
        )

    def col(name: str, ok: bool = True) -> str:
        return f"o.{name}" if ok and name in have else "NULL"

    joins, device, wireless = "", "NULL", "NULL"
    if "ZSOURCE" in names and "ZSOURCE" in have and "ZDEVICEID" in columns(conn, "ZSOURCE"):
        joins += " LEFT JOIN ZSOURCE s ON o.ZSOURCE = s.Z_PK"
        device = "s.ZDEVICEID"
    if (
        "ZSTRUCTUREDMETADATA" in names
        and "ZSTRUCTUREDMETADATA" in have
        and WIRELESS in columns(conn, "ZSTRUCTUREDMETADATA")
    ):
        joins += " LEFT JOIN ZSTRUCTUREDMETADATA m ON o.ZSTRUCTUREDMETADATA = m.Z_PK"
        wireless = f"m.{WIRELESS}"
    marks = ",".join("?" * len(STREAMS))
    sql = (
        f"SELECT {col('Z_PK')}, lower(o.ZSTREAMNAME), o.ZSTARTDATE, o.ZENDDATE, "
        f"{col('ZSECONDSFROMGMT')}, {col('ZVALUESTRING')}, {col('ZVALUEINTEGER')}, "
        f"{col('ZVALUEDOUBLE')}, {device}, {wireless} FROM ZOBJECT o{joins} "
        f"WHERE lower(o.ZSTREAMNAME) IN ({marks}) ORDER BY o.ZSTARTDATE, o.Z_PK"
    )
    return conn.execute(sql, STREAMS).fetchall()


def _clean(row: tuple[SqlValue, ...]) -> _Object:
    """SQLite is dynamically typed: a text column can hold a number or a blob."""
    pk, stream, start, end, offset, string, integer, double, device, wireless = row
    return _Object(
        _text(pk),
        _text(stream),
        _ms(start),
        _ms(end),
        offset_s(offset),
        _text(string),
        integer,
        double,
        _text(device),
        wireless,
    )


def _text(value: SqlValue) -> str | None:
    """A stored text as ``str``: a number as written, a blob if it is UTF-8, else None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return str(value)


def _pick_device(
    rows: list[_Object], device: str | None, path: str | Path
) -> tuple[list[_Object], list[str]]:
    counts = Counter(LOCAL_DEVICE if r.device is None else r.device for r in rows)
    listing = ", ".join(f"{d} ({n} rows)" for d, n in sorted(counts.items()))
    if device is not None:
        kept = [r for r in rows if (LOCAL_DEVICE if r.device is None else r.device) == device]
        if not kept:
            raise InputError(
                f"{path}: no rows from device {device!r}",
                fix=f"choose one of: {listing or 'none (the database is empty)'}",
            )
        return kept, [f"kept device {device}: {len(kept)} of {len(rows)} rows"]
    if len(counts) > 1:
        raise InputError(
            f"{path}: rows from {len(counts)} devices are mixed: {listing}",
            fix="pick one with --device ID (local = this database's own device)",
        )
    return rows, []


def _intervals(rows: list[_Object], notes: list[str]) -> list[Span[_Object]]:
    """(start_ms, end_ms, row) for rows with a usable interval; bad ones counted in notes."""
    out: list[Span[_Object]] = []
    bad = 0
    for row in rows:
        start, end = row.start, row.end
        if start is None or end is None or end <= start:
            bad += 1
            continue
        out.append((start, end, row))
    if bad:
        notes.append(f"{rows[0].stream}: skipped {bad} rows without an end after their start")
    return out


def _on(span: Span[_Object]) -> int | None:
    """A state stream's value (``ZVALUEINTEGER``: 1 on, 0 off)."""
    return _int(span[2].integer)


def _ms(mac_seconds: SqlValue) -> int | None:
    """Mac absolute time (T§1.1) as Unix ms, or None."""
    if mac_seconds is None:
        return None
    try:
        return unix_ms(float(mac_seconds) + MAC_EPOCH)
    except (TypeError, ValueError, OverflowError):
        return None


def _int(value: SqlValue) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _row(
    s: int,
    e: int | None,
    kind: str,
    source: _Object,
    value: str | None = None,
    subject: str | None = None,
) -> TraceRow:
    pk, offset = source.pk, source.offset
    return TraceRow(
        s, e, kind, value, subject, f"ZOBJECT:{pk}", None if offset is None else int(offset) * 1000
    )


def _battery(rows: list[_Object]) -> list[TraceRow]:
    """Points; APOLLO reads ZVALUEDOUBLE and iLEAPP ZVALUEINTEGER, so take whichever is set."""
    out: dict[int, TraceRow] = {}
    for row in rows:
        level = _level(row.double if row.double is not None else row.integer)
        t = row.start
        if t is None or level is None or t in out:  # copies of the same sample: keep the first
            continue
        text = f"{level:.2f}".rstrip("0").rstrip(".")
        out[t] = _row(t, None, "battery", row, value=text)
    return list(out.values())


def _level(value: SqlValue) -> float | None:
    if value is None:
        return None
    try:
        level = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return level if 0 <= level <= 100 else None


def _travel(rows: list[_Object], home: str | None, notes: list[str]) -> list[TraceRow]:
    """``timezone`` rows where the device's offset leaves (or returns to) the home zone's."""
    if home is None:
        return []
    out: list[TraceRow] = []
    current = home
    for row in rows:
        if row.start is None or row.offset is None:
            continue
        t, offset = row.start, row.offset
        if offset * 1000 == offset_ms(t, home):
            target = home
        elif current != home and offset * 1000 == offset_ms(t, current):
            continue
        else:
            fixed = etc_zone(offset)
            if fixed is None:
                notes.append(
                    f"offset {offset} s at ZOBJECT:{row.pk} has no fixed IANA zone; "
                    "no timezone row for it"
                )
                continue
            target = fixed
        if target != current:
            out.append(
                TraceRow(t, None, "timezone", target, None, f"ZOBJECT:{row.pk}", offset * 1000)
            )
            current = target
    return out


def _note_offsets(rows: list[_Object], home: str | None, notes: list[str]) -> None:
    seen = sorted({r.offset for r in rows if r.offset is not None})
    if any(r.offset is None for r in rows):
        notes.append("some rows have no usable ZSECONDSFROMGMT: their times are written in UTC")
    if len(seen) > 1 and home is None:
        hours = ", ".join(f"{s / 3600:+g} h" for s in seen)
        notes.append(
            f"UTC offsets seen: {hours}; each row keeps its own. Pass --timezone "
            "HOME_ZONE to turn travel away from it into timezone rows"
        )
