"""A trace file's bytes into a table of strings, safely, before ``io`` validates its rows: a
CSV's size, header and line count checked from its bytes before polars reads it, a Parquet file
decoded in a child process with its memory capped, polars' native messages held back, and an
unreadable file explained (which line, which format)."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from bgreplay.errors import InputError, Location, Problem
from bgreplay.scenario.limits import (
    MAX_TRACE_CELL_CHARS,
    MAX_TRACE_COLUMNS,
    MAX_TRACE_CSV_BYTES,
    MAX_TRACE_ROWS,
    MAX_TRACE_TEXT_BYTES,
)
from bgreplay.trace.checks import (
    shown_cell,
)

SUFFIXES = (".csv", ".parquet")
DAMAGED = "the file is damaged: the reader failed on it"
MAX_UNKNOWN_SHOWN = 5
ROWS_FIX = (
    "keep the days you replay (a year of a heavy user is about 60,000 rows), or thin out "
    "frequent battery samples"
)
CELLS_FIX = "keep cells short: a trace's cells are times, kinds, short values and bundle ids"
HEADER_FIX = "the header must be start,end,kind,value,subject (optional: source,source_ref)"


def read_raw(p: Path, name: str) -> tuple[pl.DataFrame, bool]:
    from bgreplay.fsutil import not_a_file, note_input

    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{name}: unknown trace format {p.suffix!r}", fix="use a .csv or .parquet file"
        )
    why = not_a_file(p)
    if why is not None:
        why = "no such file" if why == "file not found" else why
        raise InputError(
            f"{name}: {why}",
            fix="check the path (relative paths in a "
            "scenario resolve against the scenario's folder)",
        )
    note_input(p)
    parquet = suffix == ".parquet"
    if parquet:  # one row past the limit is enough to know it is exceeded. (Not for CSV:
        # polars then silently drops a last line it cannot parse, such as an unclosed quote.)
        raw = _read_parquet_apart(p, name, MAX_TRACE_ROWS + 1)
    else:
        _check_csv_shape(p, name)
        try:
            with _native_stderr_held():
                raw = pl.read_csv(p, infer_schema=False)
        except pl.exceptions.NoDataError:
            raise InputError(Problem(Location(name), "the file is empty", HEADER_FIX)) from None
        except (Exception, pl.exceptions.PanicException) as exc:  # polars raises several
            # types for corrupt input, and its reader can panic
            raise InputError(unreadable(p, name, suffix, exc)) from None
    if raw.height > MAX_TRACE_ROWS:
        raise InputError(
            Problem(Location(name), f"the trace has more than {MAX_TRACE_ROWS:,} rows", ROWS_FIX)
        )
    _check_cells(raw, name, parquet)
    return raw, parquet


HEADER_LINE_BYTES = 64 * 1024
CHUNK = 1 << 20


def _check_csv_shape(p: Path, name: str) -> None:
    """Size, header width and line count of a CSV, from its bytes, before polars reads it
    whole: a huge header or millions of empty lines take gigabytes to parse."""
    size = p.stat().st_size
    if size > MAX_TRACE_CSV_BYTES:
        raise InputError(
            Problem(
                Location(name),
                f"the file is {size / 1e6:,.0f} MB; CSV traces are "
                f"limited to {MAX_TRACE_CSV_BYTES // 10**6} MB",
                ROWS_FIX + ", or store it as Parquet",
            )
        )
    with p.open("rb") as fh:
        head = fh.read(HEADER_LINE_BYTES)
        first = head.replace(b"\r", b"\n").split(b"\n", 1)[0]  # also old Mac line ends
        if len(first) >= HEADER_LINE_BYTES:
            raise InputError(
                Problem(
                    Location(name, 1),
                    "the first line is longer than "
                    f"{HEADER_LINE_BYTES // 1024} KB: it is not a header",
                    HEADER_FIX,
                )
            )
        text = first.decode("utf-8", "replace")
        try:
            width = len(next(csv.reader([text]), []))
        except csv.Error:  # a stray quote or NUL: the count is only a bound here
            width = text.count(",") + 1
        if width > MAX_TRACE_COLUMNS:
            raise InputError(
                Problem(
                    Location(name, 1),
                    f"the header has {width:,} columns; a trace has at most {MAX_TRACE_COLUMNS}",
                    HEADER_FIX,
                )
            )
        lines = head.count(b"\n")
        while chunk := fh.read(CHUNK):
            lines += chunk.count(b"\n")
            if lines > MAX_TRACE_ROWS + 1:
                raise InputError(
                    Problem(
                        Location(name), f"the trace has more than {MAX_TRACE_ROWS:,} rows", ROWS_FIX
                    )
                )


def _check_cells(raw: pl.DataFrame, name: str, parquet: bool) -> None:
    """No cell longer than ``MAX_TRACE_CELL_CHARS`` (the row named, the cell shown short)."""
    strings = [c for c, t in raw.schema.items() if t == pl.String]
    if not strings or raw.height == 0:
        return
    longest = raw.select(pl.col(strings).str.len_chars().max())
    for column in strings:
        if (longest[column][0] or 0) <= MAX_TRACE_CELL_CHARS:
            continue
        index = raw[column].str.len_chars().arg_max()
        assert index is not None  # the column holds a cell over the limit
        where = Location(f"{name} (row {index + 1})") if parquet else Location(name, index + 2)
        raise InputError(
            Problem(
                where,
                f"column {column} holds a cell of {longest[column][0]:,} characters "
                f"({shown_cell(raw[column][index])}); cells are limited to {MAX_TRACE_CELL_CHARS}",
                CELLS_FIX,
            )
        )


# Run by a child Python: decodes the Parquet file and hands it back as Arrow IPC on stdout,
# after checking, without copying it, that its text is within the limits.
_PARQUET_CHILD = r"""
import sys
import polars as pl
path, rows, columns, cell, text = sys.argv[1], *map(int, sys.argv[2:])
class Refused(Exception):
    pass
def refuse(message):
    raise Refused(message)
try:
    schema = pl.read_parquet_schema(path)
    if len(schema) > columns:
        refuse(f"the file has {len(schema):,} columns; a trace has at most {columns}")
    frame = pl.read_parquet(path, n_rows=rows)
    strings = [c for c, t in frame.schema.items() if t in (pl.String, pl.Binary)]
    if strings:
        sizes = frame.select((pl.col(c).str.len_bytes() if frame.schema[c] == pl.String
                              else pl.col(c).bin.size()).cast(pl.Int64) for c in strings)
        total = int(sizes.sum().sum_horizontal()[0] or 0)
        if total > text:
            refuse(f"the file's cells decode to {total / 1e6:,.0f} MB of text; a trace may hold at "
                   f"most {text // 10**6} MB")
        for c in strings:
            longest = sizes[c].max() or 0
            if longest > 4 * cell:  # bytes: up to 4 per character; characters checked later
                row = sizes[c].arg_max() + 1
                refuse(f"row {row}: column {c} holds a cell of {longest:,} bytes; cells are "
                       f"limited to {cell} characters")
except Refused as exc:
    sys.stderr.write("\n" + str(exc))
    sys.exit(4)
except BaseException as exc:  # the last line says what went wrong, after any native output
    said = str(exc).strip().splitlines()
    sys.stderr.write("\n" + type(exc).__name__ + ": " + (said[0] if said else ""))
    sys.exit(3)
frame.write_ipc(sys.stdout.buffer)
"""
PARQUET_CHILD_MEMORY = 2 << 30  # address space of the decoding child (Linux): a backstop that
# keeps its resident memory near 1 GB (polars reserves about 1 GB it never touches)


def _limit_child_memory() -> None:
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (PARQUET_CHILD_MEMORY, PARQUET_CHILD_MEMORY))


def _read_parquet_apart(p: Path, name: str, rows: int) -> pl.DataFrame:
    """Decode a Parquet trace in a child process. On some damaged files polars' Rust reader
    does not raise but aborts the whole process (a validity run claiming exabytes fails to
    allocate, found by fuzzing), and a few kilobytes can decode to gigabytes (one long cell
    repeated a million times): apart, with its memory capped, each is an input error instead
    of a crash, for the ~0.2 s a child's start-up costs."""
    limits = (rows, MAX_TRACE_COLUMNS, MAX_TRACE_CELL_CHARS, MAX_TRACE_TEXT_BYTES)
    child = subprocess.run(
        [sys.executable, "-c", _PARQUET_CHILD, str(p), *map(str, limits)],
        capture_output=True,
        check=False,
        preexec_fn=_limit_child_memory if os.name == "posix" else None,
    )
    if child.returncode == 0:
        return pl.read_ipc(io.BytesIO(child.stdout))
    lines = child.stderr.decode("utf-8", "replace").strip().splitlines()
    said = lines[-1] if lines and child.returncode in (3, 4) else ""
    if child.returncode == 4:
        raise InputError(
            Problem(Location(name), said, HEADER_FIX if "columns" in said else CELLS_FIX)
        )
    if said.startswith("NoDataError"):
        raise InputError(Problem(Location(name), "the file is empty", HEADER_FIX))
    if said.startswith("MemoryError"):
        detail = "decoding it needs more memory than a trace may take"
    elif not said or said.startswith("PanicException"):  # a native abort or a Rust panic
        detail = DAMAGED
    else:
        detail = said.split(": ", 1)[-1] or said
    raise InputError(_not_parquet(name, detail))


def _not_parquet(name: str, detail: str) -> Problem:
    return Problem(
        Location(name),
        f"not a readable Parquet file ({detail})",
        "write the trace again, or export it as CSV",
    )


@contextlib.contextmanager
def _native_stderr_held() -> Iterator[None]:
    """Hold back what native code writes to file descriptor 2 meanwhile: a panic in polars'
    Rust reader prints its own message (and a backtrace under ``RUST_BACKTRACE``) before Python
    sees the exception. Passed on unchanged when the read succeeds."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable descriptor 2 (embedded use): read as is
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        ok = False
        try:
            yield
            ok = True
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if ok:
                held.seek(0)
                text = held.read()
                if text:
                    os.write(2, text)


def unreadable(p: Path, name: str, suffix: str, exc: BaseException) -> Problem:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, pl.exceptions.PanicException):
        detail = DAMAGED
    if suffix == ".parquet":
        return _not_parquet(name, detail)
    line, width = _ragged_line(p)
    if line:
        return Problem(
            Location(name, line),
            f"this line has more than the {width} fields of the header",
            "quote values containing commas, or fix the header",
        )
    return Problem(
        Location(name),
        f"not a readable CSV file ({detail})",
        "save it as UTF-8 CSV with a header line",
    )


def _ragged_line(p: Path) -> tuple[int, int]:
    """The first CSV line with more fields than the header (polars does not say which)."""
    try:
        with p.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            width = len(next(reader, []))
            for row in reader:
                if len(row) > width:
                    return reader.line_num, width
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    return 0, 0
