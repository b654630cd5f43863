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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from bgreplay.errors import InputError
from bgreplay.trace.write import Offsets, TraceRow, sort_key, to_frame

Span = tuple[int, int, object]  # (start_ms, end_ms, payload)
LATEST_MS = 4_102_444_800_000  # 2100-01-01: later (or pre-1970) times are damage, not data
MAX_OFFSET_S = 14 * 3600  # UTC offsets lie within ±14 h


def unix_ms(seconds: object) -> int | None:
    """Unix seconds (a number, or numeric text) as ms; None when missing, not a number or not a
    plausible time (before 1970 or after 2100)."""
    try:
        value = float(seconds)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 <= value * 1000 <= LATEST_MS:  # also false for NaN
        return None
    return round(value * 1000)


def offset_s(value: object) -> int | None:
    """A UTC offset in seconds, or None when missing or out of range."""
    try:
        seconds = int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if abs(seconds) <= MAX_OFFSET_S else None


def check_zone(name: str | None, option: str = "--timezone") -> None:
    from bgreplay.trace.clock import is_zone

    if name is not None and not is_zone(name):
        raise InputError(f"{option} {name!r} is not an IANA time zone",
                         fix="use a name such as Europe/Paris or America/New_York")


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


@contextlib.contextmanager
def open_sqlite(path: str | Path, what: str) -> Iterator[sqlite3.Connection]:
    """A read-only connection to ``path`` (a ``.gz`` copy is unpacked to a temporary folder)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file", fix=f"give the path to the {what}")
    with contextlib.ExitStack() as stack:
        if p.suffix.lower() == ".gz":
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bgreplay-")))
            plain = folder / p.stem
            try:
                with gzip.open(p, "rb") as src, open(plain, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (OSError, EOFError) as exc:
                raise InputError(f"{p}: not a readable gzip archive ({exc})",
                                 fix=f"give the {what} itself or an intact .gz of it") from None
            p = plain
        try:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise InputError(f"{path}: cannot open ({exc})", fix=f"give a {what}") from None
        stack.callback(conn.close)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # a damaged schema's text
            raise InputError(f"{path}: not a SQLite database ({_why(exc)})",
                             fix=f"give a {what} (a SQLite file)") from None
        try:
            yield conn
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # corruption found part-way through
            raise InputError(f"{path}: the database could not be read ({_why(exc)})",
                             fix="the file may be damaged or truncated; copy it again") from None


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


def merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping or touching spans joined; each keeps the first span's payload."""
    out: list[Span] = []
    for s, e, payload in sorted(spans, key=lambda x: (x[0], x[1])):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e, out[-1][2])
        else:
            out.append((s, e, payload))
    return out


def subtract(spans: list[Span], cuts: list[Span]) -> list[Span]:
    """``spans`` minus the time covered by ``cuts`` (both sorted, each non-overlapping)."""
    out: list[Span] = []
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


def intersect(spans: list[Span], keep: list[Span]) -> list[Span]:
    """The parts of ``spans`` inside ``keep`` (both sorted, each non-overlapping)."""
    out: list[Span] = []
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
        raise InputError(f"{path}: nothing to import: " + "; ".join(result.notes or ["no rows"]),
                         fix="check that this is the right file (see docs/importers.md)")
    return result
