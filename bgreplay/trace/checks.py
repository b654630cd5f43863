"""Row checks shared by trace files and the inline timeline (SPEC §5.1–5.2).

Each check is one vectorised polars mask over the whole table; only the failing rows (at most
``MAX_PROBLEMS`` of each) become Python ``Problem`` objects, so a clean 200,000-row trace costs a
handful of column scans. A ``Locate`` callback turns a failing row into its location (a CSV line,
a Parquet row, a YAML entry), so the same checks serve every source.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from bgreplay.errors import InputError, Location, Problem
from bgreplay.scenario.model import NETWORK_VALUES, PLUGGED_VALUES, THERMAL_VALUES
from bgreplay.trace.clock import format_local, is_zone
from bgreplay.trace.model import (
    INTERVAL_KINDS,
    KINDS,
    POINT_KINDS,
    SUBJECT_KEYED,
    SUBJECT_REQUIRED,
)

MAX_PROBLEMS = 20
COLUMN_ORDER = {"start": 0, "end": 1, "kind": 2, "value": 3, "subject": 4, "": 5}
TASK_SUBJECTS = frozenset(SUBJECT_REQUIRED - {"app", "force_quit"})

Row = dict[str, Any]
# A failing row -> (where it is, how to name it in another row's message, e.g. "line 12").
Locate = Callable[[Row], tuple[Location, str]]


def shown_cell(text: object, width: int = 40) -> str:
    """A cell as an error shows it: escaped (no control characters or terminal escapes) and
    cut to ``width`` characters, so that a message never carries a file's contents."""
    shown = repr(str(text))[1:-1]
    return f"'{shown[:width]}…'" if len(shown) > width else f"'{shown}'"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


@dataclass
class Findings:
    """Problems found so far, kept in file order; raising lists the first ``MAX_PROBLEMS``."""

    items: list[tuple[tuple[int, int], Problem]] = field(default_factory=list)
    total: int = 0

    def add_rows(
        self,
        bad: pl.DataFrame,
        column: str,
        make: Callable[[Row], tuple[str, str]],
        locate: Locate,
    ) -> None:
        self.total += bad.height
        for row in bad.head(MAX_PROBLEMS).iter_rows(named=True):
            message, fix = make(row)
            where, _ = locate(row)
            self.items.append(
                ((row["rid"], COLUMN_ORDER[column]), Problem(where, message, fix, path=column))
            )

    def raise_if_any(self, file: str = "") -> None:
        if not self.items:
            return
        shown = [p for _, p in sorted(self.items, key=lambda item: item[0])[:MAX_PROBLEMS]]
        if self.total > len(shown):
            shown.append(
                Problem(
                    Location(file),
                    f"... and {self.total - len(shown)} more problems not shown",
                    "fix the problems above first; the rest are often the same mistake",
                )
            )
        raise InputError(shown)


def _kinds_hint() -> str:
    return "one of " + ", ".join(sorted(KINDS))


def _value_check(kind: str, choices: tuple[str, ...], optional: bool = False) -> pl.Expr:
    value = pl.col("value")
    bad = ~value.is_in(list(choices))
    if not optional:
        bad = bad | value.is_null()
    return (pl.col("kind") == kind) & bad.fill_null(False)


def check_rows(frame: pl.DataFrame, locate: Locate, findings: Findings) -> None:
    """Kinds, shapes (point or interval), order of start and end, values and subjects.

    ``frame`` needs ``rid, kind, value, subject, start_ms, end_ms, start_bad, end_bad,
    has_end`` (``*_bad``: the text was there but is not a time; ``has_end``: an end was given).
    """
    kind = pl.col("kind")
    known = kind.is_in(list(KINDS)).fill_null(False)
    interval = kind.is_in(list(INTERVAL_KINDS)).fill_null(False)
    point = kind.is_in(list(POINT_KINDS)).fill_null(False)

    def add(column: str, mask: pl.Expr, make: Callable[[Row], tuple[str, str]]) -> None:
        findings.add_rows(frame.filter(mask), column, make, locate)

    add("kind", kind.is_null(), lambda _: ("kind is empty", f"write {_kinds_hint()}"))
    add(
        "kind",
        kind.is_not_null() & ~known,
        lambda r: (
            f"unknown kind {shown_cell(r['kind'])}{did_you_mean(r['kind'], KINDS)}",
            f"write {_kinds_hint()}",
        ),
    )
    add(
        "start",
        pl.col("start_ms").is_null() & ~pl.col("start_bad"),
        lambda _: ("start is empty", "every row needs a start time"),
    )
    add(
        "start",
        pl.col("start_bad"),
        lambda r: (
            f"start {shown_cell(r.get('start'))} is not a valid time: {explain_time(r.get('start'))}",
            TIME_FIX,
        ),
    )
    add(
        "end",
        pl.col("end_bad"),
        lambda r: (
            f"end {shown_cell(r.get('end'))} is not a valid time: {explain_time(r.get('end'))}",
            TIME_FIX,
        ),
    )
    add(
        "end",
        interval & ~pl.col("has_end"),
        lambda r: (
            f"{r['kind']} is an interval and needs an end",
            "fill in end, a time after start",
        ),
    )
    add(
        "end",
        point & pl.col("has_end"),
        lambda r: (f"{r['kind']} is a point event and takes no end", "leave end empty"),
    )
    add(
        "end",
        interval & (pl.col("end_ms") <= pl.col("start_ms")).fill_null(False),
        lambda r: (
            f"end {_shown(r, 'end')} is not after start {_shown(r, 'start')}",
            "swap start and end, or remove the row if the interval is empty",
        ),
    )
    _check_values(frame, add)
    add(
        "subject",
        kind.is_in(list(SUBJECT_REQUIRED)).fill_null(False) & pl.col("subject").is_null(),
        lambda r: (
            f"{r['kind']} needs a subject",
            "write the task identifier in subject"
            if r["kind"] in TASK_SUBJECTS
            else "write the app's bundle id in subject",
        ),
    )


def _check_values(frame: pl.DataFrame, add: Callable[..., None]) -> None:
    def choice(kind: str, choices: tuple[str, ...], optional: bool = False) -> None:
        allowed = (
            ", ".join(choices[:-1])
            + (", " if optional else " or ")
            + choices[-1]
            + (" or empty" if optional else "")
        )
        add(
            "value",
            _value_check(kind, choices, optional),
            lambda r: (
                f"{kind} needs a value"
                if r["value"] is None
                else f"{kind} value {shown_cell(r['value'])} is not one of {allowed}"
                + did_you_mean(r["value"], choices),
                f"write {allowed}",
            ),
        )

    choice("network", NETWORK_VALUES)
    choice("thermal", THERMAL_VALUES)
    choice("plugged", PLUGGED_VALUES, optional=True)
    level = pl.col("value").cast(pl.Float64, strict=False)
    add(
        "value",
        (pl.col("kind") == "battery")
        & (level.is_null() | level.is_nan() | (level < 0) | (level > 100)).fill_null(True),
        lambda r: (
            "battery needs a value"
            if r["value"] is None
            else f"battery value {shown_cell(r['value'])} is not a percentage from 0 to 100",
            "write the level as a number, e.g. 80 or 42.5 (no % sign)",
        ),
    )
    zones = frame.filter(pl.col("kind") == "timezone")["value"].unique().to_list()
    bad_zones = [z for z in zones if not is_zone(z)]
    add(
        "value",
        (pl.col("kind") == "timezone")
        & (pl.col("value").is_null() | pl.col("value").is_in(bad_zones)),
        lambda r: (
            "timezone needs a value"
            if r["value"] is None
            else f"timezone value {shown_cell(r['value'])} is not an IANA time zone"
            + _zone_hint(r["value"]),
            "write a name such as Europe/Paris or Asia/Tokyo",
        ),
    )


def _zone_hint(name: str | None) -> str:
    if not name:
        return ""
    from zoneinfo import available_timezones

    return did_you_mean(name, available_timezones())


def overlaps(frame: pl.DataFrame) -> pl.DataFrame:
    """Intervals overlapping an earlier one of the same kind (and subject for ``app``, ``bar``
    and ``bg_task_observed``): each with ``other``, the rid of the earlier interval."""
    intervals = (
        frame.filter(
            pl.col("kind").is_in(list(INTERVAL_KINDS))
            & pl.col("end_ms").is_not_null()
            & pl.col("start_ms").is_not_null()
            & (pl.col("end_ms") > pl.col("start_ms"))
        )
        .with_columns(
            key_subject=pl.when(pl.col("kind").is_in(list(SUBJECT_KEYED))).then(pl.col("subject"))
        )
        .sort(["kind", "key_subject", "start_ms", "end_ms", "rid"], nulls_last=True)
    )
    group = ["kind", "key_subject"]
    running = pl.col("end_ms").cum_max()
    marked = intervals.with_columns(
        reach=running.shift(1).over(group),
        other=pl.when(pl.col("end_ms") == running)
        .then(pl.col("rid"))
        .otherwise(None)
        .forward_fill()
        .shift(1)
        .over(group),
    )
    return marked.filter(pl.col("start_ms") < pl.col("reach"))


def check_overlaps(frame: pl.DataFrame, locate: Locate, findings: Findings, zone_name: str) -> None:
    """Report each overlap at the later interval, naming the earlier one too."""
    bad = overlaps(frame)
    if bad.is_empty():
        return
    others = {
        r["rid"]: r
        for r in frame.filter(
            pl.col("rid").is_in(bad.head(MAX_PROBLEMS)["other"].to_list())
        ).iter_rows(named=True)
    }

    def make(row: Row) -> tuple[str, str]:
        other = others[row["other"]]
        what = row["kind"] + (
            f" {row['subject']}" if row["kind"] in SUBJECT_KEYED and row["subject"] else ""
        )
        return (
            f"{what} interval {_span(row, zone_name)} overlaps {what} interval "
            f"{_span(other, zone_name)} at {locate(other)[1]}",
            f"intervals of one kind{' and subject' if row['kind'] in SUBJECT_KEYED else ''} "
            "must not overlap: shorten, merge or remove one of them",
        )

    findings.add_rows(bad, "start", make, locate)


def _span(row: Row, zone_name: str) -> str:
    return f"{format_local(row['start_ms'], zone_name)} – {format_local(row['end_ms'], zone_name)}"


def _shown(row: Row, column: str) -> str:
    raw = row.get(column)
    return repr(raw) if raw is not None else str(row.get(f"{column}_ms"))


TIME_FIX = (
    "write ISO 8601 with an offset (2026-03-02T07:30:00+01:00 or ...Z), "
    "or without one for scenario-local time (2026-03-02T07:30)"
)


def explain_time(text: str | None) -> str:
    """Why ``text`` is not a time, for the few rows that fail (the parse itself is vectorised)."""
    from bgreplay.trace.timeparse import TIME_PATTERN, YEARS

    if text is None:
        return "it is empty"
    match = TIME_PATTERN.match(text)
    if match is None:
        return "expected YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM"
    day, hour, minute, second, _, offset = match.groups()
    from datetime import date

    try:
        date.fromisoformat(day)
    except ValueError:
        return f"there is no date {day}"
    if not YEARS[0] <= int(day[:4]) <= YEARS[1]:
        return f"the year {day[:4]} is out of range ({YEARS[0]}-{YEARS[1]})"
    if int(hour) > 23 or int(minute) > 59 or (second is not None and int(second) > 59):
        return f"there is no time of day {hour}:{minute}" + (f":{second}" if second else "")
    if offset and offset not in ("Z", "z"):
        return f"the UTC offset {offset} is out of range (-14:00 to +14:00)"
    return "it could not be read"
