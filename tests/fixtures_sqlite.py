"""Small knowledgeC / PowerLog / BGSQL databases built in code with the schemas documented in
research/traces.md §1.1 and §1.3 (column names as APOLLO and iLEAPP query them). The data is
invented: no real device data is committed.

All builders take real instants as aware datetimes and store them the way the device does:
knowledgeC in Mac absolute time with a per-row ``ZSECONDSFROMGMT``, PowerLog on its own skewed
clock (raw = real − ``system`` of the offset row in force).
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

MAC_EPOCH = 978_307_200
PARIS = timezone(timedelta(hours=1))
TOKYO = timezone(timedelta(hours=9))

KNOWLEDGEC_SCHEMA = """
CREATE TABLE ZOBJECT (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZSTREAMNAME VARCHAR, ZSTARTDATE TIMESTAMP, ZENDDATE TIMESTAMP, ZCREATIONDATE TIMESTAMP,
  ZVALUESTRING VARCHAR, ZVALUEINTEGER INTEGER, ZVALUEDOUBLE FLOAT, ZSECONDSFROMGMT INTEGER,
  ZSTARTDAYOFWEEK INTEGER, ZUUID VARCHAR, ZSTRUCTUREDMETADATA INTEGER, ZSOURCE INTEGER,
  ZHASSTRUCTUREDMETADATA INTEGER);
CREATE TABLE ZSOURCE (Z_PK INTEGER PRIMARY KEY, ZDEVICEID VARCHAR, ZBUNDLEID VARCHAR,
  ZGROUPID VARCHAR, ZSOURCEID VARCHAR, ZITEMID VARCHAR);
CREATE TABLE ZSTRUCTUREDMETADATA (Z_PK INTEGER PRIMARY KEY, ZMETADATAHASH INTEGER,
  Z_DKAPPLICATIONMETADATAKEY__LAUNCHREASON VARCHAR,
  Z_DKDEVICEISPLUGGEDINMETADATAKEY__ADAPTERTYPE INTEGER,
  Z_DKDEVICEISPLUGGEDINMETADATAKEY__ADAPTERISWIRELESS INTEGER,
  Z_DKDEVICEBATTERYPERCENTAGEMETADATAKEY__FULLYCHARGED INTEGER);
CREATE TABLE ZSYNCPEER (Z_PK INTEGER PRIMARY KEY, ZDEVICEID VARCHAR, ZMODEL VARCHAR,
  ZNAME VARCHAR);
"""

POWERLOG_SCHEMA = """
CREATE TABLE PLStorageOperator_EventForward_TimeOffset (ID INTEGER PRIMARY KEY,
  timestamp REAL, system REAL);
CREATE TABLE PLSpringBoardAgent_EventForward_SBLock (ID INTEGER PRIMARY KEY, timestamp REAL,
  Locked INTEGER);
CREATE TABLE PLSpringBoardAgent_EventForward_SBScreen (ID INTEGER PRIMARY KEY, timestamp REAL,
  Screen INTEGER);
CREATE TABLE PLScreenStateAgent_EventForward_ScreenState (ID INTEGER PRIMARY KEY,
  timestamp REAL, BundleID TEXT, AppRole INTEGER, Display INTEGER, Level INTEGER,
  Orientation INTEGER, ScreenWeight REAL);
CREATE TABLE PLBatteryAgent_EventBackward_BatteryUI (ID INTEGER PRIMARY KEY, timestamp REAL,
  Level REAL, IsCharging INTEGER);
CREATE TABLE PLBatteryAgent_EventBackward_Battery (ID INTEGER PRIMARY KEY, timestamp REAL,
  Level REAL, RawLevel REAL, IsCharging INTEGER, FullyCharged INTEGER,
  ExternalConnected INTEGER, Temperature REAL, MaxCapacity INTEGER, CycleCount INTEGER,
  InstantAmperage INTEGER, Flags INTEGER);
CREATE TABLE PLWifiAgent_EventBackward_CumulativeProperties (ID INTEGER PRIMARY KEY,
  timestamp REAL, CurrentSSID TEXT, CurrentChannel INTEGER);
CREATE TABLE PLBBAgent_EventForward_TelephonyRegistration (ID INTEGER PRIMARY KEY,
  timestamp REAL, DataInd TEXT, Operator TEXT, Status TEXT, CellId INTEGER,
  DataActive INTEGER, DataAttached INTEGER, Home INTEGER, LAC INTEGER);
CREATE TABLE PLLocaleAgent_EventForward_TimeZone (ID INTEGER PRIMARY KEY, timestamp REAL,
  TimeZoneName TEXT, CountryCode TEXT, LocaleID TEXT, SecondsFromGMT INTEGER,
  TimeZoneIsInDST INTEGER, Trigger TEXT);
"""

BGSQL_SCHEMA = """
CREATE TABLE BackgroundProcessing_TimeOffset (ID INTEGER PRIMARY KEY, timestamp REAL,
  system REAL);
CREATE TABLE BackgroundProcessing_TaskInstanceData_24_5 (ID INTEGER PRIMARY KEY,
  timestamp REAL, ProcessName TEXT, PID INTEGER, StartDate REAL, EndDate REAL,
  StartedOnBattery INTEGER, TaskID INTEGER, CPUTimeConsumed REAL, DiskIOConsumed INTEGER,
  DiskIOWrites INTEGER);
CREATE TABLE BackgroundProcessing_TaskMetadata_24_5 (ID INTEGER PRIMARY KEY, timestamp REAL,
  BundleID TEXT, Name TEXT, ServiceName TEXT, GroupName TEXT, LaunchReason INTEGER,
  TaskID INTEGER);
"""


def at(day: int, hh: int, mm: int = 0, ss: int = 0, tz: timezone = PARIS) -> datetime:
    """An instant in March 2026 (``day`` of the month), in ``tz``."""
    return datetime(2026, 3, day, hh, mm, ss, tzinfo=tz)


class KnowledgeC:
    """A knowledgeC.db under construction."""

    def __init__(self, path: Path):
        self.path = path
        self.conn = sqlite3.connect(path)
        self.conn.executescript(KNOWLEDGEC_SCHEMA)
        self.sources: dict[str | None, int] = {}

    def add(
        self,
        stream: str,
        start: datetime,
        end: datetime | None = None,
        *,
        string: str | None = None,
        integer: int | None = None,
        double: float | None = None,
        device: str | None = None,
        wireless: int | None = None,
    ) -> int:
        if device not in self.sources:
            cur = self.conn.execute(
                "INSERT INTO ZSOURCE (ZDEVICEID, ZBUNDLEID) VALUES (?, ?)",
                (device, "com.apple.knowledge"),
            )
            self.sources[device] = cur.lastrowid
        meta = None
        if wireless is not None:
            meta = self.conn.execute(
                "INSERT INTO ZSTRUCTUREDMETADATA "
                "(Z_DKDEVICEISPLUGGEDINMETADATAKEY__ADAPTERISWIRELESS) VALUES (?)",
                (wireless,),
            ).lastrowid
        offset = int(start.utcoffset().total_seconds())
        cur = self.conn.execute(
            "INSERT INTO ZOBJECT (ZSTREAMNAME, ZSTARTDATE, ZENDDATE, ZCREATIONDATE, ZVALUESTRING,"
            " ZVALUEINTEGER, ZVALUEDOUBLE, ZSECONDSFROMGMT, ZSTRUCTUREDMETADATA, ZSOURCE,"
            " ZHASSTRUCTUREDMETADATA) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                stream,
                start.timestamp() - MAC_EPOCH,
                None if end is None else end.timestamp() - MAC_EPOCH,
                (end or start).timestamp() - MAC_EPOCH,
                string,
                integer,
                double,
                offset,
                meta,
                self.sources[device],
                int(meta is not None),
            ),
        )
        return cur.lastrowid

    def close(self) -> Path:
        self.conn.commit()
        self.conn.close()
        return self.path


class PowerLog:
    """A CurrentPowerlog.PLSQL whose clock runs ``skew`` behind real time, then is corrected by
    a further ``later_fix`` seconds from ``fix_at`` on (two TimeOffset rows)."""

    def __init__(
        self,
        path: Path,
        skew: float,
        fix_at: datetime | None = None,
        later_fix: float = 0.0,
        schema: str = POWERLOG_SCHEMA,
    ):
        self.path, self.skew = path, skew
        self.conn = sqlite3.connect(path)
        self.conn.executescript(schema)
        self.offsets = [(float("-inf"), skew)]
        if fix_at is not None:
            self.offsets.append((fix_at.timestamp() - skew - later_fix, skew + later_fix))

    def raw(self, moment: datetime) -> float:
        real = moment.timestamp()
        system = self.skew
        for raw_from, s in self.offsets:
            if real - s >= raw_from:
                system = s
        return real - system

    def write_offsets(self, first: datetime) -> None:
        rows = [(self.raw(first), self.skew)] + [(t, s) for t, s in self.offsets[1:]]
        self.conn.executemany(
            "INSERT INTO PLStorageOperator_EventForward_TimeOffset "
            "(timestamp, system) VALUES (?, ?)",
            rows,
        )

    def add(self, table: str, moment: datetime, **values: object) -> None:
        names = ", ".join(["timestamp", *values])
        marks = ", ".join("?" * (len(values) + 1))
        self.conn.execute(
            f"INSERT INTO {table} ({names}) VALUES ({marks})", (self.raw(moment), *values.values())
        )

    def close(self) -> Path:
        self.conn.commit()
        self.conn.close()
        return self.path


def bgsql(
    path: Path,
    runs: list[tuple[int, datetime, datetime | None, int]],
    tasks: dict[int, tuple[str, str]],
) -> Path:
    """A .BGSQL with task instances ``(TaskID, start, end, StartedOnBattery)`` and metadata
    ``TaskID -> (BundleID, Name)``; times are plain Unix (T§1.3)."""
    conn = sqlite3.connect(path)
    conn.executescript(BGSQL_SCHEMA)
    for task_id, (bundle, name) in tasks.items():
        for copy in range(2):  # metadata rows repeat in real files
            conn.execute(
                "INSERT INTO BackgroundProcessing_TaskMetadata_24_5 (timestamp, "
                "BundleID, Name, ServiceName, GroupName, LaunchReason, TaskID) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (1.0 + copy, bundle, name, "com.apple.dasd", None, 1, task_id),
            )
    for task_id, start, end, battery in runs:
        conn.execute(
            "INSERT INTO BackgroundProcessing_TaskInstanceData_24_5 (timestamp, "
            "ProcessName, PID, StartDate, EndDate, StartedOnBattery, TaskID) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                start.timestamp(),
                "FilmTracker",
                321,
                start.timestamp(),
                None if end is None else end.timestamp(),
                battery,
                task_id,
            ),
        )
    conn.commit()
    conn.close()
    return path


def gz(path: Path) -> Path:
    target = path.with_name(path.name + ".gz")
    with open(path, "rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return target
