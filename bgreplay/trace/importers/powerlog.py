"""A sysdiagnose's PowerLog (``CurrentPowerlog.PLSQL[.gz]``) and, when given, its ``.BGSQL``
into trace rows (SPEC §5.5, T§1.3).

PowerLog ``timestamp``s are Unix seconds on PowerLog's own clock: each row is corrected by the
``system`` column of the nearest ``PLStorageOperator_EventForward_TimeOffset`` row at or before
it, or the oldest one for rows before the first (iLEAPP ``scripts/artifacts/powerlog.py``,
https://github.com/abrignoni/iLEAPP; raw clocks were seen off by 69 s, 32 days and 54 years).
Forward events hold their state until the next row of the same table; a state never runs across
a hole of more than ``HOLE_MS`` in the whole log (a sysdiagnose has no ``-wal``, archives leave
gaps), so coverage gaps stay gaps. ``.BGSQL`` task instances are already plain Unix time.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from bgreplay.trace.clock import is_zone, offset_changes, offset_ms
from bgreplay.trace.importers import (
    ImportResult,
    Span,
    SqlValue,
    check_zone,
    columns,
    etc_zone,
    find_table,
    intersect,
    merge,
    offset_s,
    open_sqlite,
    require_rows,
    subtract,
    tables,
    unix_ms,
)
from bgreplay.trace.write import Offsets, TraceRow

SOURCE = "powerlog"
HOLE_MS = 6 * 3_600_000  # assumption: a log silent this long lost rows (or the phone was off)
TIME_OFFSET = "PLStorageOperator_EventForward_TimeOffset"
SB_LOCK = "PLSpringBoardAgent_EventForward_SBLock"
SB_SCREEN = "PLSpringBoardAgent_EventForward_SBScreen"
SCREEN_STATE = "PLScreenStateAgent_EventForward_ScreenState"
BATTERY = "PLBatteryAgent_EventBackward_Battery"
BATTERY_UI = "PLBatteryAgent_EventBackward_BatteryUI"
WIFI = "PLWifiAgent_EventBackward_CumulativeProperties"
CELL = "PLBBAgent_EventForward_TelephonyRegistration"
TIME_ZONE = "PLLocaleAgent_EventForward_TimeZone"
TASK_INSTANCES = "BackgroundProcessing_TaskInstanceData"
TASK_METADATA = "BackgroundProcessing_TaskMetadata"
NOT_APPS = frozenset({"", "com.apple.springboard"})  # the home screen is not an app


def import_powerlog(
    path: str | Path, bgsql: str | Path | None = None, timezone: str = "UTC"
) -> ImportResult:
    """Read a PowerLog file (and a ``.BGSQL``); ``timezone`` is used only when the log has no
    time-zone rows."""
    check_zone(timezone)
    notes: list[str] = []
    with open_sqlite(path, "PowerLog file (CurrentPowerlog.PLSQL)") as conn:
        log = _Log(conn, path, notes)
        lock = log.read(SB_LOCK, ["Locked"])
        screen = log.read(SB_SCREEN, ["Screen"])
        apps = log.read(SCREEN_STATE, ["BundleID"])
        ui = log.read(BATTERY_UI, ["Level", "IsCharging"])
        battery = log.read(BATTERY, ["Level", "IsCharging", "ExternalConnected"])
        wifi = log.read(WIFI, ["CurrentSSID"])
        cell = log.read(CELL, ["DataAttached", "DataActive"])
        zones = log.read(TIME_ZONE, ["TimeZoneName", "SecondsFromGMT"])
    cover = _Coverage(log.stamps, notes)
    records: list[TraceRow] = []
    unlocked = _states(lock, cover, lambda r: _flag(r.values[0]) is False)
    records += [TraceRow(s, e, "unlocked", None, None, ref) for s, e, ref in unlocked]
    if screen is not None and lock is not None:
        on = _states(screen, cover, lambda r: _int(r.values[0]) not in (0, None))
        records += [
            TraceRow(s, e, "screen", None, None, ref) for s, e, ref in subtract(on, unlocked)
        ]
    elif screen is not None:
        notes.append(
            f"{SB_SCREEN} without {SB_LOCK}: glances cannot be told from use; "
            "no screen rows imported"
        )
    records += _apps(apps, cover, unlocked if lock is not None else None)
    records += _battery(ui, battery, notes)
    records += _plugged(battery, ui, cover, notes)
    records += _network(wifi, cell, cover, notes)
    times = [r.start for r in records] + [r.end for r in records if r.end is not None]
    offsets, moves = _zones(zones, timezone, min(times, default=0), max(times, default=0), notes)
    records += moves
    if bgsql is not None:
        records += import_bgsql(bgsql, notes)
    return require_rows(ImportResult(SOURCE, records, offsets, notes), path)


class _Row(NamedTuple):
    """One PowerLog row as ``_Log.read`` returns it."""

    t: int  # real Unix ms (the corrected timestamp)
    ref: str  # "table:ID", the row's source_ref
    values: tuple[SqlValue, ...]  # the wanted columns in the order asked (None where missing)


class _Log:
    """Reads PowerLog tables with every timestamp corrected to real Unix time (in ms)."""

    def __init__(self, conn: sqlite3.Connection, path: str | Path, notes: list[str]) -> None:
        self.conn, self.notes, self.names = conn, notes, tables(conn)
        if not any(n.startswith("PL") for n in self.names):
            from bgreplay.errors import InputError

            raise InputError(
                f"{path}: not a PowerLog file (no PL* tables)",
                fix="give CurrentPowerlog.PLSQL from a sysdiagnose's "
                "logs/powerlogs folder (see docs/importers.md)",
            )
        self.stamps: list[int] = []
        self.base: list[float] = []
        self.system: list[float] = []
        if TIME_OFFSET in self.names and {"timestamp", "system"} <= columns(conn, TIME_OFFSET):
            rows = conn.execute(f'SELECT timestamp, system FROM "{TIME_OFFSET}"')
            numbers = ((_num(ts), _num(system)) for ts, system in rows)
            pairs = sorted(
                (ts, system) for ts, system in numbers if ts is not None and system is not None
            )
            self.base = [ts for ts, _ in pairs]
            self.system = [system for _, system in pairs]
        if not self.base:
            notes.append(
                f"no {TIME_OFFSET} rows: PowerLog's clock is taken as real time "
                "(it can be off by days or years)"
            )

    def correct(self, raw: float) -> int | None:
        """Real Unix ms of a raw timestamp (None when it is not a plausible time)."""
        k = bisect_right(self.base, raw) - 1
        system = self.system[max(k, 0)] if self.system else 0.0
        return unix_ms(raw + system)

    def read(self, table: str, wanted: list[str]) -> list[_Row] | None:
        """The rows sorted by corrected time; None if the table is missing (noted)."""
        if table not in self.names:
            self.notes.append(f"table {table} is missing: no rows from it")
            return None
        have = columns(self.conn, table)
        if "timestamp" not in have or not set(wanted) & have:
            self.notes.append(f"table {table} lacks the expected columns: no rows from it")
            return None
        key = "ID" if "ID" in have else "rowid"
        picked = ", ".join(f'"{c}"' if c in have else "NULL" for c in wanted)
        sql = (
            f'SELECT {key}, timestamp, {picked} FROM "{table}" '
            f"WHERE timestamp IS NOT NULL ORDER BY {key}"
        )
        rows: list[_Row] = []
        bad = 0
        for r in self.conn.execute(sql):
            raw = _num(r[1])
            t = None if raw is None else self.correct(raw)
            if t is None:
                bad += 1
            else:
                rows.append(_Row(t, f"{table}:{r[0]}", tuple(r[2:])))
        if bad:
            self.notes.append(f"{table}: skipped {bad} rows whose timestamp is not a time")
        rows.sort(key=lambda r: r.t)
        self.stamps += [r.t for r in rows]
        return rows


class _Coverage:
    """Stretches of the log without a silence longer than ``HOLE_MS``."""

    def __init__(self, stamps: list[int], notes: list[str]) -> None:
        stamps = sorted(stamps)
        self.starts: list[int] = []
        self.ends: list[int] = []
        for t in stamps:
            if self.ends and t - self.ends[-1] <= HOLE_MS:
                self.ends[-1] = t
            else:
                self.starts.append(t)
                self.ends.append(t)
        if len(self.starts) > 1:
            notes.append(
                f"the log has {len(self.starts) - 1} gaps longer than "
                f"{HOLE_MS // 3_600_000} h; they stay gaps (no state is carried across)"
            )

    def end_of(self, t: int) -> int:
        k = bisect_right(self.starts, t) - 1
        return self.ends[k] if k >= 0 else t


def _states(
    rows: list[_Row] | None, cover: _Coverage, keep: Callable[[_Row], bool]
) -> list[Span[str]]:
    """Forward events: each row's state lasts until the next row or the end of its coverage
    stretch; the spans (payload: the row's ref) where ``keep(row)`` holds, touching ones joined."""
    if not rows:
        return []
    out: list[Span[str]] = []
    for i, row in enumerate(rows):
        end = cover.end_of(row.t)
        if i + 1 < len(rows):
            end = min(end, rows[i + 1].t)
        if end > row.t and keep(row):
            out.append((row.t, end, row.ref))
    return merge(out)


def _apps(
    rows: list[_Row] | None, cover: _Coverage, unlocked: list[Span[str]] | None
) -> list[TraceRow]:
    if not rows:
        return []
    by_app: dict[str, list[Span[str]]] = defaultdict(list)
    for i, row in enumerate(rows):
        written = row.values[0]
        bundle = (written or "").strip() if isinstance(written, str) else ""
        end = cover.end_of(row.t)
        if i + 1 < len(rows):
            end = min(end, rows[i + 1].t)
        if bundle not in NOT_APPS and end > row.t:
            by_app[bundle].append((row.t, end, row.ref))
    out: list[TraceRow] = []
    for bundle in sorted(by_app):
        spans = merge(by_app[bundle])
        if unlocked is not None:  # an app left in front while locked is not in use
            spans = intersect(spans, unlocked)
        out += [TraceRow(s, e, "app", None, bundle, ref) for s, e, ref in spans]
    return out


def _battery(ui: list[_Row] | None, battery: list[_Row] | None, notes: list[str]) -> list[TraceRow]:
    """Level points from BatteryUI (1-100, T§1.3); from Battery only when BatteryUI is absent."""
    rows, scale = ui, 1.0
    if not rows and battery:
        rows = battery
        levels = [level for r in battery if (level := _num(r.values[0])) is not None]
        if levels and max(levels) <= 1.0:
            scale = 100.0
            notes.append(f"{BATTERY}.Level is 0-1 here: multiplied by 100")
        notes.append(f"battery levels from {BATTERY} (no {BATTERY_UI} rows)")
    out: dict[int, TraceRow] = {}
    for row in rows or []:
        level = _num(row.values[0])
        if level is None or row.t in out:
            continue
        level = min(max(level * scale, 0.0), 100.0)
        out[row.t] = TraceRow(
            row.t, None, "battery", f"{level:.2f}".rstrip("0").rstrip("."), None, row.ref
        )
    return list(out.values())


def _plugged(
    battery: list[_Row] | None, ui: list[_Row] | None, cover: _Coverage, notes: list[str]
) -> list[TraceRow]:
    """External power from Battery.ExternalConnected; IsCharging only as a noted stand-in."""
    if not battery and not ui:
        notes.append("no battery tables: no plugged rows imported")
        return []
    charging, external = 1, 2  # the columns of both reads: Level, IsCharging[, ExternalConnected]
    column, rows = external, battery
    if not battery or all(r.values[external] is None for r in battery):
        column = charging
        rows = battery if battery and any(r.values[charging] is not None for r in battery) else ui
        if rows:
            notes.append(
                "no ExternalConnected column: plugged-in time is taken from IsCharging "
                "(a full battery on the charger shows as unplugged)"
            )
    spans = _states(
        [r for r in rows or [] if r.values[column] is not None],
        cover,
        lambda r: bool(_flag(r.values[column])),
    )
    return [TraceRow(s, e, "plugged", None, None, ref) for s, e, ref in spans]


def _network(
    wifi: list[_Row] | None, cell: list[_Row] | None, cover: _Coverage, notes: list[str]
) -> list[TraceRow]:
    """Wi-Fi when associated (an SSID), else cellular when data is attached, else none; where
    either is unknown the time stays uncovered. SSIDs are never written."""
    if not wifi:
        notes.append("no Wi-Fi rows: no network rows imported (time not covered reads as none)")
        return []
    known_wifi = _states(wifi, cover, lambda _: True)
    on_wifi = _states(wifi, cover, lambda r: _ssid(r) != "")
    out = [TraceRow(s, e, "network", "wifi", None, ref) for s, e, ref in on_wifi]
    off_wifi = subtract(known_wifi, on_wifi)
    if not cell:
        notes.append("no cellular rows: time off Wi-Fi stays uncovered")
        return out
    column = 0 if any(r.values[0] is not None for r in cell) else 1  # DataAttached, DataActive
    known_cell = _states(cell, cover, lambda r: r.values[column] is not None)
    attached = _states(cell, cover, lambda r: bool(_flag(r.values[column])))
    out += [
        TraceRow(s, e, "network", "cellular", None, ref)
        for s, e, ref in intersect(off_wifi, attached)
    ]
    out += [
        TraceRow(s, e, "network", "none", None, ref)
        for s, e, ref in intersect(off_wifi, subtract(known_cell, attached))
    ]
    return out


def _zones(
    rows: list[_Row] | None, fallback: str, lo: int, hi: int, notes: list[str]
) -> tuple[Offsets, list[TraceRow]]:
    """The device's offsets over ``[lo, hi]`` and a ``timezone`` row at each change of zone."""
    spans: list[tuple[int, str | None, int | None, str]] = []
    last: object = None
    for row in rows or []:
        written_name, written_offset = row.values
        name = written_name if is_zone(written_name) else None  # else: falls back to its offset
        seconds = offset_s(written_offset)
        key = name or seconds
        if key is not None and key != last:
            spans.append((row.t, name, seconds, row.ref))
            last = key
    if not spans:
        notes.append(f"no time-zone rows: times are written in {fallback}")
        spans = [(lo, fallback, None, "")]
    else:
        notes.append(f"device time zone at the start of the log: {spans[0][1] or spans[0][2]}")
    changes: list[tuple[int, int]] = []
    moves: list[TraceRow] = []
    for i, (t, name, seconds, ref) in enumerate(spans):
        begin = lo if i == 0 else t
        end = spans[i + 1][0] if i + 1 < len(spans) else max(hi, begin) + 1
        if name is not None:
            changes.append((begin, offset_ms(begin, name)))
            changes += offset_changes(name, begin, end)
            target: str | None = name
        else:
            assert seconds is not None  # a span is kept only with a zone name or an offset
            changes.append((begin, seconds * 1000))
            target = etc_zone(seconds)
        if i > 0:
            if target is None:
                notes.append(f"{ref}: offset {seconds} s has no IANA zone; no timezone row")
            else:
                moves.append(TraceRow(t, None, "timezone", target, None, ref))
    return Offsets(changes), moves


def import_bgsql(path: str | Path, notes: list[str]) -> list[TraceRow]:
    """``BackgroundProcessing_TaskInstanceData`` ⋈ ``TaskMetadata`` on ``TaskID`` (iOS 26,
    T§1.3, T§1.6) as ``bg_task_observed`` intervals, subject = the task's ``Name``."""
    with open_sqlite(path, ".BGSQL file") as conn:
        names = tables(conn)
        inst, meta = find_table(names, TASK_INSTANCES), find_table(names, TASK_METADATA)
        if inst is None or meta is None:
            notes.append(
                f"{path}: no {TASK_INSTANCES}/{TASK_METADATA} tables (iOS 26 and "
                "later only): no observed task runs imported"
            )
            return []
        have_i, have_m = columns(conn, inst), columns(conn, meta)
        if not {"TaskID", "StartDate", "EndDate"} <= have_i or "TaskID" not in have_m:
            notes.append(f"{path}: {inst} or {meta} lacks TaskID/StartDate/EndDate: skipped")
            return []

        def inst_col(name: str) -> str:
            return f'i."{name}"' if name in have_i else "NULL"

        def meta_col(name: str) -> str:  # one metadata row per task (copies may repeat it)
            return f'MAX("{name}")' if name in have_m else "NULL"

        key = "i.ID" if "ID" in have_i else "i.rowid"
        sql = (
            f"SELECT {key}, i.StartDate, i.EndDate, {inst_col('StartedOnBattery')}, "
            f"i.TaskID, m.Name, m.BundleID, {inst_col('ProcessName')} "
            f'FROM "{inst}" i LEFT JOIN (SELECT TaskID, {meta_col("Name")} AS Name, '
            f'{meta_col("BundleID")} AS BundleID FROM "{meta}" GROUP BY TaskID) m '
            f"ON i.TaskID = m.TaskID ORDER BY i.StartDate, {key}"
        )
        rows = conn.execute(sql).fetchall()
    by_task: dict[str, list[Span[tuple[str | None, str]]]] = defaultdict(list)
    skipped = 0
    for rid, start, end, battery, task_id, name, bundle, process in rows:
        begin, stop = unix_ms(start), unix_ms(end)
        if begin is None or stop is None or stop <= begin:
            skipped += 1
            continue
        subject = name or bundle or process or f"task-{task_id}"
        value = None if battery is None else ("on_battery" if _flag(battery) else "on_power")
        by_task[str(subject)].append((begin, stop, (value, f"{inst}:{rid}")))
    if skipped:
        notes.append(f"{inst}: skipped {skipped} task runs without an end after their start")
    out: list[TraceRow] = []
    for subject in sorted(by_task):
        out += [
            TraceRow(s, e, "bg_task_observed", p[0], subject, p[1])
            for s, e, p in merge(by_task[subject])
        ]
    notes.append(f"{len(out)} observed task runs of {len(by_task)} tasks from {inst}")
    return out


def _ssid(row: _Row) -> str:
    """The Wi-Fi network's name, stripped ("" when not associated); used only as a flag."""
    ssid = row.values[0]
    return ssid.strip() if isinstance(ssid, str) else ""


def _num(value: SqlValue) -> float | None:
    try:
        number = None if value is None or value == "" else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if number is None or number != number or abs(number) == float("inf") else number


def _int(value: SqlValue) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _flag(value: SqlValue) -> bool | None:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes"):
            return True
        if text in ("false", "no", ""):
            return False
    number = _num(value)
    return None if number is None else number != 0
