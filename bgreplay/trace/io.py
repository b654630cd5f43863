"""Trace files (SPEC §5.2): CSV or Parquet rows ``start,end,kind,value,subject`` read through
polars, validated as a whole, and returned as one table in absolute UTC milliseconds.

The table (``read_trace_file``'s result) has the columns of ``TRACE_SCHEMA``: ``start_ms`` and
``end_ms`` (Unix ms; ``end_ms`` null for point events), ``kind``, ``value``, ``subject``,
``source``, ``source_ref`` (strings or null) and ``line`` — the CSV line (the header is line 1) or
the 1-based Parquet row, so later checks can still point at the row.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from bgreplay.errors import InputError, Location, Problem
from bgreplay.trace.checks import (
    Findings,
    Row,
    check_overlaps,
    check_rows,
    did_you_mean,
    shown_cell,
)
from bgreplay.trace.clock import is_zone
from bgreplay.trace.rawread import HEADER_FIX, read_raw, unreadable
from bgreplay.trace.timeparse import datetimes_to_ms, parse_time_columns

REQUIRED_COLUMNS = ("start", "end", "kind", "value", "subject")
OPTIONAL_COLUMNS = ("source", "source_ref")
TRACE_SCHEMA: dict[str, pl.DataType] = {
    "start_ms": pl.Int64(),
    "end_ms": pl.Int64(),
    "kind": pl.String(),
    "value": pl.String(),
    "subject": pl.String(),
    "source": pl.String(),
    "source_ref": pl.String(),
    "line": pl.Int64(),
}
# Cells meaning "empty" (pandas and spreadsheets write these); "none" stays: it is a network value.
NULL_TOKENS = ["", "nan", "NaN", "NAN", "NaT", "null", "NULL", "<NA>"]
MAX_UNKNOWN_SHOWN = 5


def read_trace_file(path: str | Path, tz: str = "UTC") -> pl.DataFrame:
    """Read and validate a trace file; naive times are wall times in ``tz``.

    Raises ``InputError`` listing every problem found (the first 20, then a count).
    """
    return read_trace_and_rows(path, tz)[0]


def read_trace_and_rows(path: str | Path, tz: str = "UTC") -> tuple[pl.DataFrame, pl.DataFrame]:
    """``read_trace_file``'s table, and the file's rows as read (tidied column names), for
    what needs the written values: one read of the file for both."""
    p = Path(path)
    name = str(path)
    if not is_zone(tz):
        raise InputError(f"unknown time zone {tz!r}", fix="use an IANA name such as Europe/Paris")
    raw, parquet = read_raw(p, name)
    raw = tidy_columns(raw, name, parquet)
    _check_columns(raw, name, parquet)
    try:
        frame = _normalise(raw, tz, parquet, name)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as exc:  # e.g. lists
        raise InputError(unreadable(p, name, p.suffix.lower(), exc)) from None

    def locate(row: Row) -> tuple[Location, str]:
        if parquet:
            return Location(f"{name} (row {row['line']})"), f"row {row['line']}"
        return Location(name, row["line"]), f"line {row['line']}"

    findings = Findings()
    check_rows(frame, locate, findings)
    check_overlaps(frame, locate, findings, tz)  # among the rows whose kind and times are valid
    findings.raise_if_any(name)
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
        for c, t in TRACE_SCHEMA.items()
    ), raw


def tidy_columns(raw: pl.DataFrame, name: str, parquet: bool) -> pl.DataFrame:
    """Names without spaces or a byte-order mark; no pandas index (not part of the trace).

    Two headers that tidy to one name (``start`` and ``start ``, or a repeated header cell,
    which polars renames ``start_duplicated_0``) are an error, not a crash."""
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    tidy: dict[str, str] = {}
    for column in raw.columns:
        clean = column.strip().lstrip("\ufeff").strip()
        base = clean.split("_duplicated_")[0]
        if base in known and (base != clean or clean in tidy.values()):
            where = Location(name) if parquet else Location(name, 1)
            raise InputError(
                Problem(
                    where,
                    f"the header names column {base!r} more than once",
                    HEADER_FIX + ", each once",
                )
            )
        tidy[column] = clean if base in known else column  # unknown names are reported as is
    raw = raw.rename(tidy)
    return raw.drop(c for c in raw.columns if c.startswith("__index_level_"))


def _check_columns(raw: pl.DataFrame, name: str, parquet: bool) -> None:
    where = Location(name) if parquet else Location(name, 1)
    if not parquet and any("\r" in c for c in raw.columns):
        raise InputError(
            Problem(
                where,
                "the lines end with a lone carriage return (the old Mac "
                "format), so the whole file reads as one line",
                "save the file with LF or CRLF line endings",
            )
        )
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        problems.append(
            Problem(
                where, f"missing column{'s' * (len(missing) > 1)} " + ", ".join(missing), HEADER_FIX
            )
        )
    known = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    unknown = [c for c in raw.columns if c not in known]
    for column in unknown[:MAX_UNKNOWN_SHOWN]:
        problems.append(
            Problem(
                where,
                f"unknown column {shown_cell(column)}{did_you_mean(column, known)}",
                HEADER_FIX,
            )
        )
    if len(unknown) > MAX_UNKNOWN_SHOWN:
        problems.append(
            Problem(
                where,
                f"... and {len(unknown) - MAX_UNKNOWN_SHOWN} more unknown "
                "columns (is the first line a header?)",
                HEADER_FIX,
            )
        )
    for column in (c for c in raw.columns if c in known):
        if raw[column].dtype.is_nested() or raw[column].dtype == pl.Object:
            problems.append(
                Problem(
                    where,
                    f"column {column} holds {raw[column].dtype} values",
                    "store text (or timestamps for start and end)",
                )
            )
    if problems:
        raise InputError(problems)


def _clean(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text.is_in(NULL_TOKENS)).then(None).otherwise(text).alias(column)


def _normalise(raw: pl.DataFrame, tz: str, parquet: bool, name: str) -> pl.DataFrame:
    """Strip cells, drop blank lines, parse both time columns (keeping the text for messages)."""
    raw = raw.with_columns(pl.col(pl.Null).cast(pl.String))  # an all-empty Parquet column
    texts = [c for c in raw.columns if c not in ("start", "end") or raw[c].dtype == pl.String]
    frame = (
        raw.with_row_index("rid")
        .with_columns(
            line=pl.col("rid").cast(pl.Int64) + (1 if parquet else 2),
        )
        .with_columns(_clean(c) for c in texts)
    )
    frame = frame.filter(~pl.all_horizontal(pl.col(c).is_null() for c in REQUIRED_COLUMNS))
    text_times = [c for c in ("start", "end") if frame[c].dtype == pl.String]
    frame = parse_time_columns(frame, text_times, tz)
    columns = {}
    for column in ("start", "end"):
        values = frame[column]
        if values.dtype == pl.String:
            ms = frame[f"{column}_ms"]
        elif isinstance(values.dtype, pl.Datetime):
            ms = datetimes_to_ms(values, tz)
            values = values.cast(pl.String)
        else:
            raise InputError(
                Problem(
                    Location(name),
                    f"column {column} has type {values.dtype}",
                    "store start and end as ISO 8601 strings or as timestamps",
                )
            )
        columns[column] = values
        columns[f"{column}_ms"] = ms
        columns[f"{column}_bad"] = values.is_not_null() & ms.is_null()
    frame = frame.with_columns(**columns).with_columns(
        has_end=pl.col("end").is_not_null(),
        **{c: pl.lit(None, pl.String) for c in OPTIONAL_COLUMNS if c not in frame.columns},
    )
    return frame
