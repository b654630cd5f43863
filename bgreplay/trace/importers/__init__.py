"""Real device traces (SPEC §5.5): knowledgeC.db and a sysdiagnose's PowerLog into trace rows.

Shared ground rules for every importer (T§1.7, docs/sources.md):
- databases are opened read-only (``file:...?mode=ro``); anything that is not a readable SQLite
  file, or a corrupt one, is an ``InputError`` naming the file, never a traceback;
- a missing table or stream is reported in ``notes`` and leaves its channel empty: nothing is
  guessed, and time the source did not cover stays uncovered;
- overlapping copies of the same interval are merged (T§1.3: the same event can appear in
  several copies a few seconds apart).
"""

from __future__ import annotations

import contextlib
import gzip
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl

from bgreplay.errors import InputError
from bgreplay.trace.write import Offsets, TraceRow, sort_key, to_frame

SqlValue = int | float | str | bytes | None  # what sqlite3 returns: any column, any of these
P = TypeVar("P")
Span = tuple[int, int, P]  # (start_ms, end_ms, payload): what the span came from
LATEST_MS = 4_102_444_800_000  # 2100-01-01: later (or pre-1970) times are damage, not data
MAX_OFFSET_S = 14 * 3600  # UTC offsets lie within ±14 h


def unix_ms(seconds: SqlValue) -> int | None:
    """Unix seconds (a number, or numeric text) as ms; None when missing, not a number or not a
    plausible time (before 1970 or after 2100)."""
    if seconds is None:
        return None
    try:
        value = float(seconds)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 <= value * 1000 <= LATEST_MS:  # also false for NaN
        return None
    return round(value * 1000)


def offset_s(value: SqlValue) -> int | None:
    """A UTC offset in seconds, or None when missing or out of range."""
    if value is None:
        return None
    try:
        seconds = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if abs(seconds) <= MAX_OFFSET_S else None


def check_zone(name: str | None, option: str = "--timezone") -> None:
    from bgreplay.trace.clock import is_zone

    if name is not None and not is_zone(name):
        raise InputError(
            f"{option} {name!r} is not an IANA time zone",
            fix="use a name such as Europe/Paris or America/New_York",
        )


@dataclass
class ImportResult:
    """What an importer found: rows in Unix ms, the device's offsets, and what it could not."""

    source: str
    records: list[TraceRow]
    offsets: Offsets
    notes: list[str] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        """The SPEC §5.2 file layout with provenance (``source``, ``source_ref``)."""
        return to_frame(sorted(self.records, key=sort_key), self.offsets, self.source)


SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_BYTES = 100


@contextlib.contextmanager
def open_sqlite(path: str | Path, what: str) -> Iterator[sqlite3.Connection]:
    """A read-only connection to ``path`` that leaves nothing beside the user's file.

    A ``.gz`` copy is unpacked to a temporary folder, checked while it streams (the SQLite
    header first, then no more than the size that header declares, at most
    ``MAX_DATABASE_BYTES``). A database with a write-ahead log (``-wal``) is copied with it
    to a temporary folder, where SQLite may add its ``-shm`` file; one without is opened
    ``immutable``, so SQLite creates nothing beside it."""
    from bgreplay.fsutil import not_a_file, note_input

    p = Path(path)
    why = not_a_file(p)
    if why is not None:
        why = "no such file" if why == "file not found" else why
        raise InputError(f"{p}: {why}", fix=f"give the path to the {what}")
    note_input(p)
    with contextlib.ExitStack() as stack:
        wal = Path(f"{p}-wal")
        immutable = True
        if p.suffix.lower() == ".gz" or wal.is_file():
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bgreplay-")))
            if p.suffix.lower() == ".gz":
                plain = folder / p.stem
                _gunzip_sqlite(p, plain, what)
            else:
                plain = folder / p.name
                shutil.copyfile(p, plain)
                shutil.copyfile(wal, Path(f"{plain}-wal"))
                immutable = False  # SQLite must read the log, in the private copy
            p = plain
        mode = "mode=ro&immutable=1" if immutable else "mode=ro"
        try:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?{mode}", uri=True)
        except sqlite3.Error as exc:
            raise InputError(f"{path}: cannot open ({exc})", fix=f"give a {what}") from None
        stack.callback(conn.close)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # a damaged schema's text
            raise InputError(
                f"{path}: not a SQLite database ({_why(exc)})", fix=f"give a {what} (a SQLite file)"
            ) from None
        try:
            yield conn
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # corruption found part-way through
            raise InputError(
                f"{path}: the database could not be read ({_why(exc)})",
                fix="the file may be damaged or truncated; copy it again",
            ) from None


def _gunzip_sqlite(source: Path, target: Path, what: str) -> None:
    """Unpack ``source`` into ``target`` while checking it: a SQLite header first, then at most
    the size the header declares (SQLite reads no further) and never more than
    ``MAX_DATABASE_BYTES`` — a few megabytes of gzip can unpack to gigabytes."""
    from bgreplay.scenario.limits import MAX_DATABASE_BYTES

    limit = MAX_DATABASE_BYTES
    fix = f"give the {what} itself or an intact .gz of it"

    def too_big(size: str) -> InputError:
        return InputError(
            f"{source}: the archive unpacks to {size}; a database may be at most "
            f"{MAX_DATABASE_BYTES // 10**9} GB",
            fix=fix,
        )

    try:
        with gzip.open(source, "rb") as src, open(target, "wb") as dst:
            head = src.read(HEADER_BYTES)
            if not head.startswith(SQLITE_MAGIC):
                raise InputError(
                    f"{source}: the archive does not hold a SQLite database",
                    fix=f"give a {what} (a SQLite file), or a .gz of one",
                )
            page = int.from_bytes(head[16:18], "big")
            page = 65_536 if page == 1 else page
            pages = int.from_bytes(head[28:32], "big")
            if pages and head[92:96] == head[24:28]:  # the header's own size is valid
                if page * pages > limit:
                    raise too_big(f"{page * pages / 1e9:.1f} GB (its header says)")
                limit = page * pages
            dst.write(head)
            written = len(head)
            while written < limit and (chunk := src.read(min(1 << 20, limit - written + 1))):
                if written + len(chunk) > MAX_DATABASE_BYTES:
                    raise too_big(f"more than {MAX_DATABASE_BYTES / 1e9:.0f} GB")
                dst.write(chunk[: limit - written])
                written += len(chunk)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{source}: not a readable gzip archive ({exc})", fix=fix) from None


def _why(exc: Exception) -> str:
    """SQLite's message; a damaged file can make even that undecodable."""
    if isinstance(exc, UnicodeDecodeError):
        return "damaged: it holds text that is not UTF-8 where SQLite expects its schema"
    return str(exc)


def tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}


def find_table(names: Iterable[str], prefix: str) -> str | None:
    """The table named ``prefix`` or ``prefix_<suffix>`` (suffixes such as ``_24_5`` vary by
    OS version, T§1.3); the last one in name order when there are several."""
    found = sorted(n for n in names if n == prefix or n.startswith(prefix + "_"))
    return found[-1] if found else None


def merge(spans: Iterable[Span[P]]) -> list[Span[P]]:
    """Overlapping or touching spans joined; each keeps the first span's payload."""
    out: list[Span[P]] = []
    for s, e, payload in sorted(spans, key=lambda x: (x[0], x[1])):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e, out[-1][2])
        else:
            out.append((s, e, payload))
    return out


def subtract(spans: Sequence[Span[P]], cuts: Sequence[Span[object]]) -> list[Span[P]]:
    """``spans`` minus the time covered by ``cuts`` (both sorted, each non-overlapping)."""
    out: list[Span[P]] = []
    k = 0
    for s, e, payload in spans:
        while k < len(cuts) and cuts[k][1] <= s:
            k += 1
        j, cursor = k, s
        while j < len(cuts) and cuts[j][0] < e:
            if cuts[j][0] > cursor:
                out.append((cursor, cuts[j][0], payload))
            cursor = max(cursor, cuts[j][1])
            j += 1
        if cursor < e:
            out.append((cursor, e, payload))
    return out


def intersect(spans: Sequence[Span[P]], keep: Sequence[Span[object]]) -> list[Span[P]]:
    """The parts of ``spans`` inside ``keep`` (both sorted, each non-overlapping)."""
    out: list[Span[P]] = []
    k = 0
    for s, e, payload in spans:
        while k < len(keep) and keep[k][1] <= s:
            k += 1
        j = k
        while j < len(keep) and keep[j][0] < e:
            lo, hi = max(s, keep[j][0]), min(e, keep[j][1])
            if hi > lo:
                out.append((lo, hi, payload))
            j += 1
    return out


def etc_zone(offset_s: int) -> str | None:
    """The fixed-offset IANA zone for a whole-hour UTC offset (``Etc/GMT-9`` is UTC+9)."""
    hours, rest = divmod(offset_s, 3600)
    if rest or not -12 <= hours <= 14:
        return None
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def require_rows(result: ImportResult, path: str | Path) -> ImportResult:
    """An import that found nothing usable is an error that says what was missing."""
    if not result.records:
        raise InputError(
            f"{path}: nothing to import: " + "; ".join(result.notes or ["no rows"]),
            fix="check that this is the right file (see docs/importers.md)",
        )
    return result
