"""Malformed trace files (SPEC §5.2): missing or extra columns, wrong types, unsorted and
overlapping rows, NaN, far-future dates, ragged CSV lines, damaged Parquet, and SQLite databases
for the importers with damaged pages or the wrong schema."""

from __future__ import annotations

import csv
import functools
import io
import sqlite3
import sys
from pathlib import Path

import polars as pl

from fuzz.draw import Draw, chance
from fuzz.scenarios import INSTANTS, UNICODE, ZONES

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["start", "end", "kind", "value", "subject"]
CELLS = [
    "",
    "NaN",
    "nan",
    "null",
    "NaT",
    "inf",
    "-1",
    "1e400",
    "0",
    "100",
    "101",
    "42.5",
    "2999-12-31T23:59:59+14:00",
    "3000-01-01T00:00",
    "1899-12-31T23:59",
    "2026-02-30T00:00",
    "2026-03-02T25:00",
    "2026-03-02T07:30:00.123456789+01:00",
    "2026-03-02 07:30",
    "2026-03-02T07:30Z",
    "2026-03-02T07:30-12:00",
    "2026-03-02T07:30+14:01",
    "1772434800",
    "2026-03-29T02:30",
    "2026-10-25T02:30",
    "2028-02-29T12:00",
    "unlocked",
    "app",
    "battery",
    "network",
    "wifi",
    "cellular",
    "none",
    "serious",
    "timezone",
    "boot",
    "Europe/Paris",
    "Not/AZone",
    "io.cocoabytes.filmtracker",
    "x" * 5000,
    '"',
    "a,b",
    "a\nb",
    "=cmd|' /C calc'!A0",
    "\x00",
    *UNICODE[:4],
]


@functools.cache
def base_rows() -> tuple[tuple[str, ...], ...]:
    with open(ROOT / "traces" / "commuter-week.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return tuple(tuple(r) for r in rows[1:])


def rows_op(draw: Draw, header: list[str], rows: list[list[str]]) -> None:
    """One change to the table, in place."""
    op = draw.integer(0, 13)
    n = len(rows)
    i = draw.integer(0, n - 1) if n else 0
    if op == 0 and n:
        rows.reverse()
    elif op == 1 and n:  # a copy shifted by a little: an overlap
        rows.insert(i, list(rows[i]))
    elif op == 2 and header:
        j = draw.integer(0, len(header) - 1)
        del header[j]
        for r in rows:
            if j < len(r):
                del r[j]
    elif op == 3 and header:
        header[draw.integer(0, len(header) - 1)] = draw.choice(
            ["Start", "start ", "begin", "kind", "", "\ufeffstart", "source", "__index_level_0__"]
        )
    elif op == 4:
        header.append(draw.choice(["extra", "source", "source_ref", "value"]))
        for r in rows:
            r.append(draw.choice(CELLS))
    elif op == 5 and n:  # start and end swapped
        rows[i][0], rows[i][1] = rows[i][1], rows[i][0]
    elif op in (6, 7, 8) and n:
        for _ in range(draw.choice([1, 3, 20])):
            r = rows[draw.integer(0, n - 1)]
            if r:
                r[draw.integer(0, len(r) - 1)] = draw.choice(CELLS)
    elif op == 9 and n:  # ragged
        rows[i] = rows[i] + ["extra"] if chance(draw, 50) else rows[i][:-2]
    elif op == 10 and n:  # many rows: the same week again and again, shifted by whole weeks
        copies = draw.choice([10, 100, 400])
        extra = []
        for k in range(1, copies):
            for r in rows[:200]:
                extra.append([_shift(c, k) if j < 2 else c for j, c in enumerate(r)])
        rows.extend(extra)
    elif op == 11:
        rows.clear()
    elif op == 12 and n:
        kind = draw.choice(["timezone", "battery", "app", "off", "bg_task_observed", "bar"])
        rows.insert(
            i,
            [
                draw.choice(INSTANTS[:8]),
                draw.choice(["", INSTANTS[1]]),
                kind,
                draw.choice(ZONES[:4] + ["50", "", "wifi"]),
                draw.choice(["", "io.x", "io.x.refresh"]),
            ],
        )
    elif n:
        rows[i] = [c.replace("+01:00", draw.choice(["", "Z", "+13:45", "-09:30"])) for c in rows[i]]


def _shift(cell: str, weeks: int) -> str:
    if len(cell) < 10 or not cell[:4].isdigit():
        return cell
    year = int(cell[:4]) + weeks // 52
    return f"{year:04d}{cell[4:]}"


def to_csv(draw: Draw, header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    delimiter = "," if chance(draw, 85) else draw.choice([";", "\t", "|"])
    quoting = csv.QUOTE_MINIMAL if chance(draw, 80) else csv.QUOTE_ALL
    writer = csv.writer(
        buf,
        delimiter=delimiter,
        quoting=quoting,
        lineterminator=draw.choice(["\n", "\r\n", "\n", "\r"]),
    )
    writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8", "surrogatepass")
    damage = draw.integer(0, 9)
    if damage == 0:
        data = b"\xef\xbb\xbf" + data
    elif damage == 1:
        data = data[: draw.integer(0, len(data))]
    elif damage == 2:
        data = data.decode("utf-8", "replace").encode("utf-16")
    elif damage == 3 and data:
        k = draw.integer(0, len(data) - 1)
        data = data[:k] + bytes([draw.integer(0, 255)]) + data[k + 1 :]
    elif damage == 4:
        data = data.decode("utf-8", "replace").encode("latin-1", "replace") + b"caf\xe9\n"
    return data


def to_parquet(draw: Draw, header: list[str], rows: list[list[str]]) -> bytes:
    names = list(dict.fromkeys(h or f"c{j}" for j, h in enumerate(header)))
    data = {h: [r[j] if j < len(r) else None for r in rows] for j, h in enumerate(names)}
    frame = pl.DataFrame(data, schema=dict.fromkeys(names, pl.String))
    for name in names:
        if not chance(draw, 25):
            continue
        col = pl.col(name)
        frame = frame.with_columns(
            draw.choice(
                [
                    col.str.to_datetime(strict=False, time_zone="UTC"),
                    col.str.to_datetime(strict=False).dt.replace_time_zone(None),
                    col.str.len_bytes().cast(pl.Int64) * 10**12,
                    col.str.len_bytes().cast(pl.Float64) / 0,
                    col.is_null(),
                    col.cast(pl.Categorical),
                    pl.concat_list(col, col),
                    pl.struct(col),
                    pl.lit(None),
                    col.cast(pl.Binary),
                    pl.lit(2**62, pl.Int64),
                ]
            ).alias(name)
        )
    buf = io.BytesIO()
    try:
        frame.write_parquet(buf)
    except Exception:  # a column polars cannot write: the plain strings then
        buf = io.BytesIO()
        pl.DataFrame(data, schema=dict.fromkeys(names, pl.String)).write_parquet(buf)
    out = buf.getvalue()
    if chance(draw, 15):
        k = draw.integer(0, len(out) - 1)
        out = out[:k] + bytes([draw.integer(0, 255)]) + out[k + 1 :]
    elif chance(draw, 8):
        out = out[: draw.integer(0, len(out))]
    return out


def mutate_trace(draw: Draw) -> tuple[str, bytes]:
    """``(suffix, bytes)`` of a damaged trace file."""
    header = list(COLUMNS)
    rows = [list(r) for r in base_rows()]
    if chance(draw, 30):
        rows = rows[: draw.integer(0, len(rows))]
    for _ in range(draw.integer(1, 4)):
        rows_op(draw, header, rows)
    if chance(draw, 70):
        return ".csv", to_csv(draw, header, rows)
    return ".parquet", to_parquet(draw, header, rows)


# --- SQLite for the importers ---------------------------------------------------------------
def _fixtures():
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import fixtures_sqlite

    return fixtures_sqlite


def mutate_sqlite(draw: Draw, folder: Path) -> tuple[str, Path, Path | None]:
    """``(importer, database, BGSQL or None)``: a small valid database, then damaged."""
    fx = _fixtures()
    kind = draw.choice(["knowledgec", "powerlog"])
    path = folder / ("knowledgeC.db" if kind == "knowledgec" else "CurrentPowerlog.PLSQL")
    bgsql = None
    if kind == "knowledgec":
        kc = fx.KnowledgeC(path)
        for m in range(0, draw.choice([5, 60, 600]), 5):
            day, minute = 2 + m // 1440, m % 1440
            kc.add(
                draw.choice(
                    [
                        "/device/isLocked",
                        "/app/usage",
                        "/device/isPluggedIn",
                        "/device/batteryPercentage",
                        "/display/isBacklit",
                    ]
                ),
                fx.at(day, minute // 60, minute % 60),
                fx.at(day, minute // 60, minute % 60, 30),
                integer=m % 2,
                string="io.x",
            )
        kc.close()
    else:
        conn = sqlite3.connect(path)
        conn.executescript(fx.POWERLOG_SCHEMA)
        for k in range(draw.choice([3, 30])):
            conn.execute(
                "INSERT INTO PLSpringBoardAgent_EventForward_SBLock (timestamp, Locked)"
                " VALUES (?, ?)",
                (1772434800.0 + 600 * k, k % 2),
            )
        conn.commit()
        conn.close()
        if chance(draw, 40):
            bgsql = folder / "BackgroundProcessing.BGSQL"
            bg = sqlite3.connect(bgsql)
            bg.executescript(fx.BGSQL_SCHEMA)
            bg.commit()
            bg.close()
    _damage_db(draw, path)
    if bgsql is not None and chance(draw, 50):
        _damage_db(draw, bgsql)
    if chance(draw, 15):
        path = fx.gz(path)
        if chance(draw, 50):
            raw = path.read_bytes()
            path.write_bytes(raw[: draw.integer(0, len(raw))])
    return kind, path, bgsql


def _damage_db(draw: Draw, path: Path) -> None:
    op = draw.integer(0, 6)
    data = bytearray(path.read_bytes())
    if op == 0:  # a truncated copy
        data = data[: draw.integer(0, len(data))]
    elif op == 1:  # bytes changed anywhere, the header included
        for _ in range(draw.choice([1, 5, 50])):
            data[draw.integer(0, len(data) - 1)] = draw.integer(0, 255)
    elif op == 2:
        for _ in range(draw.choice([1, 20])):
            data[draw.integer(100, len(data) - 1)] = draw.integer(0, 255)
    elif op == 3:
        data = bytearray(b"not a database\n" * 10)
    elif op == 4:  # a table the importer reads, with the wrong columns
        conn = sqlite3.connect(path)
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        if names:
            victim = draw.choice(names)
            conn.execute(f'DROP TABLE "{victim}"')
            conn.execute(f'CREATE TABLE "{victim}" (x TEXT)')
            conn.execute(f'INSERT INTO "{victim}" VALUES (?)', (draw.choice(CELLS),))
        conn.commit()
        conn.close()
        return
    elif op == 5:
        data = bytearray()
    path.write_bytes(bytes(data))
