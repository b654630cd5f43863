"""Trace rows in memory and on disk: one row type, one ISO formatter, one atomic writer.

Generators and importers produce ``TraceRow``s in Unix milliseconds; ``to_frame`` renders them in
the file format of SPEC §5.2 (``start,end,kind,value,subject[,source,source_ref]``, ISO 8601 with
the device's UTC offset) and ``write_trace`` puts the frame on disk atomically through
``bgreplay.fsutil`` (SPEC §3: a failed or interrupted run never leaves a half-written file).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import polars as pl

from bgreplay.errors import InputError
from bgreplay.fsutil import atomic_writer

COLUMNS = ("start", "end", "kind", "value", "subject")
SOURCE_COLUMNS = ("source", "source_ref")
SUFFIXES = (".csv", ".parquet")
_EPOCH_DATE = date(1970, 1, 1)


class TraceRow(NamedTuple):
    """One interval (``end`` set) or point (``end`` None) of a device trace, in Unix ms."""

    start: int
    end: int | None
    kind: str
    value: str | None = None
    subject: str | None = None
    source_ref: str | None = None
    offset: int | None = None  # the row's own UTC offset in ms (importers); None: the timeline's


class Offsets:
    """The device's UTC offset over time: sorted ``(unix_ms, offset_ms)`` changes, each valid
    until the next; before the first change the first offset applies."""

    __slots__ = ("_times", "_values")

    def __init__(self, changes: Iterable[tuple[int, int]]):
        pairs = sorted(changes) or [(0, 0)]
        self._times = [t for t, _ in pairs]
        self._values = [v for _, v in pairs]

    @property
    def changes(self) -> tuple[tuple[int, int], ...]:
        return tuple(zip(self._times, self._values, strict=True))

    def at(self, unix_ms: int) -> int:
        return self._values[max(bisect_right(self._times, unix_ms) - 1, 0)]


_DATES: dict[int, str] = {}
_OFFSETS: dict[int, str] = {}


def _date_text(day: int) -> str:
    text = _DATES.get(day)
    if text is None:
        text = _DATES[day] = (_EPOCH_DATE + timedelta(days=day)).isoformat()
    return text


def _offset_text(offset_ms: int) -> str:
    text = _OFFSETS.get(offset_ms)
    if text is None:
        sign = "-" if offset_ms < 0 else "+"
        minutes, seconds = divmod(abs(offset_ms) // 1000, 60)
        text = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}" + (
            f":{seconds:02d}" if seconds else ""
        )
        _OFFSETS[offset_ms] = text
    return text


def iso(unix_ms: int, offset_ms: int) -> str:
    """``2026-03-02T07:31:12+01:00`` (milliseconds only when present): the instant as the
    device's wall clock showed it."""
    local_s, ms = divmod(unix_ms + offset_ms, 1000)
    day, second = divmod(local_s, 86_400)
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    frac = f".{ms:03d}" if ms else ""
    return f"{_date_text(day)}T{hour:02d}:{minute:02d}:{second:02d}{frac}{_offset_text(offset_ms)}"


def sort_key(row: TraceRow) -> tuple:
    """File order: by start, then kind, subject, end, value (stable and platform-independent)."""
    return (
        row.start,
        row.kind,
        row.subject or "",
        -1 if row.end is None else row.end,
        row.value or "",
    )


def _iso_column(unix_ms: pl.Series, row_offsets: pl.Series, offsets: Offsets) -> pl.Series:
    """Vectorised ``iso``: each instant with its own offset, or the timeline's where null."""
    changes = offsets.changes
    times = pl.Series([t for t, _ in changes], dtype=pl.Int64)
    values = pl.Series([v for _, v in changes], dtype=pl.Int64)
    index = (times.search_sorted(unix_ms, side="right").cast(pl.Int64) - 1).clip(lower_bound=0)
    frame = pl.DataFrame({"t": unix_ms, "row": row_offsets, "line": values.gather(index)})
    labels = {v: _offset_text(v) for v in {*values.to_list(), *row_offsets.drop_nulls().to_list()}}
    offset = pl.coalesce("row", "line")
    local = (pl.col("t") + offset).cast(pl.Datetime("ms"))
    text = pl.concat_str(
        local.dt.strftime("%Y-%m-%dT%H:%M:%S"),
        pl.when(pl.col("t") % 1000 != 0).then(local.dt.strftime("%.3f")).otherwise(pl.lit("")),
        offset.replace_strict(labels, return_dtype=pl.String),
    )
    return frame.select(pl.when(pl.col("t").is_not_null()).then(text)).to_series()


def to_frame(rows: Sequence[TraceRow], offsets: Offsets, source: str | None = None) -> pl.DataFrame:
    """The rows in the SPEC §5.2 file layout, all columns text; ``source`` adds provenance."""
    row_offsets = pl.Series([r.offset for r in rows], dtype=pl.Int64)
    data: dict[str, object] = {
        "start": _iso_column(
            pl.Series([r.start for r in rows], dtype=pl.Int64), row_offsets, offsets
        ),
        "end": _iso_column(pl.Series([r.end for r in rows], dtype=pl.Int64), row_offsets, offsets),
        "kind": [r.kind for r in rows],
        "value": [r.value for r in rows],
        "subject": [r.subject for r in rows],
    }
    if source is not None:
        data["source"] = [source] * len(rows)
        data["source_ref"] = [r.source_ref for r in rows]
    return pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))


def check_output_path(path: str | Path) -> Path:
    """The output path, or an ``InputError`` saying why it cannot be written."""
    p = Path(path)
    if p.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"{p}: output must end in .csv or .parquet, not {p.suffix or 'nothing'}",
            fix="choose a file name such as trace.csv or trace.parquet",
        )
    if p.is_dir():
        raise InputError(f"{p}: is a folder", fix="give a file name inside it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(
            f"{p}: the folder {parent} does not exist", fix=f"create it first (mkdir -p {parent})"
        )
    return p


def write_trace(path: str | Path, frame: pl.DataFrame) -> Path:
    """Write ``frame`` as CSV or Parquet (by suffix), atomically; the same frame always gives
    the same bytes."""
    target = check_output_path(path)
    try:
        with atomic_writer(target, "wb") as handle:
            if target.suffix.lower() == ".csv":
                frame.write_csv(handle)
            else:
                frame.write_parquet(handle, compression="zstd", statistics=False)
    except (OSError, pl.exceptions.ComputeError) as exc:  # polars wraps the OS error
        detail = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
        raise InputError(
            f"{target}: cannot write the trace ({detail}); any previous file is unchanged",
            fix="free some disk space, or check the folder is writable",
        ) from None
    return target
