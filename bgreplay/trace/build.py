"""One validated ``Timeline`` from a scenario's trace sources (SPEC §5): a file, a persona and an
inline timeline add up; the result is clipped to the replay and put in replay milliseconds.

Stages: gather rows (absolute UTC ms, each remembering where it came from) → validate across
sources (kinds, values, overlaps naming both sides) → clock (zone, DST, travel) → clip to
``[0, duration)`` → merge touching state intervals → make ``app`` lie inside ``unlocked`` →
sort deterministically → frozen model objects.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl

from bgreplay.errors import InputError, Location, Problem
from bgreplay.gcpause import paused_gc
from bgreplay.scenario.limits import MAX_TRACE_ROWS
from bgreplay.scenario.model import Scenario
from bgreplay.trace.checks import Findings, Row, check_overlaps, check_rows
from bgreplay.trace.clock import build_clock, format_local, instant_ms
from bgreplay.trace.inline import InlineEntry, expand_inline
from bgreplay.trace.io import TRACE_SCHEMA, read_trace_file
from bgreplay.trace.model import DAY_MS, STATE_KINDS, Interval, Point, Timeline
from bgreplay.trace.persona_trace import generate_trace

ROW_COLUMNS = ["start_ms", "end_ms", "kind", "value", "subject"]
ORIGIN_COLUMNS = ["src", "line", "entry", "day"]
T = TypeVar("T")


@dataclass
class Sources:
    """Where rows came from: ``src`` 0 = trace file, 1 = persona, 2 = inline timeline."""

    file: str = ""
    parquet: bool = False
    entries: list[InlineEntry] = field(default_factory=list)

    def locate(self, row: Row) -> tuple[Location, str]:
        if row["src"] == 0:
            if self.parquet:
                row_name = f"{self.file} (row {row['line']})"
                return Location(row_name), row_name
            where = Location(self.file, row["line"])
            return where, str(where)
        if row["src"] == 1:
            return Location("persona"), "the generated persona trace"
        entry = self.entries[row["entry"]]
        day = f", {row['day']}" if row["day"] else ""
        return entry.location, f"{entry.location} ({entry.section} entry{day})"


def load_timeline(scenario: Scenario) -> Timeline:
    """The scenario's device trace (file, persona and/or inline timeline), merged and validated."""
    sources = Sources()
    parts: list[pl.DataFrame] = []
    if scenario.device.persona is not None:
        parts.append(_tag(_persona_rows(scenario), 1))
    if scenario.device.trace is not None:
        path = Path(scenario.device.trace)
        if not path.is_file():
            raise InputError(
                Problem(
                    scenario.source.at("device", "trace"),
                    f"trace file {path} does not exist",
                    "check device.trace (relative paths resolve against the scenario's folder)",
                )
            )
        sources.file, sources.parquet = str(path), path.suffix.lower() == ".parquet"
        parts.append(_tag(read_trace_file(path, scenario.timezone), 0))
    inline, sources.entries = expand_inline(scenario)
    parts.append(_tag(inline, 2))
    total = sum(part.height for part in parts)
    if total > MAX_TRACE_ROWS:
        raise InputError(
            Problem(
                scenario.source.at("device"),
                f"the trace sources add up to {total:,} rows; at most {MAX_TRACE_ROWS:,}",
                "use a shorter trace file or fewer inline entries",
            )
        )
    return build_timeline(scenario, pl.concat(parts, how="diagonal_relaxed"), sources)


def _tag(frame: pl.DataFrame, src: int) -> pl.DataFrame:
    origin = (("line", pl.Int64()), ("entry", pl.Int64()), ("day", pl.String()))
    missing = {c: pl.lit(None, t) for c, t in origin if c not in frame.columns}
    return frame.with_columns(src=pl.lit(src, pl.Int8), **missing).select(
        ROW_COLUMNS + ORIGIN_COLUMNS
    )


def _persona_rows(scenario: Scenario) -> pl.DataFrame:
    """The persona's generated trace over the replay (SPEC §5.4), in absolute UTC ms."""
    persona = scenario.device.persona
    assert persona is not None
    where = persona.location if persona.location.file else scenario.source.at("device", "persona")
    days = max(1, -(-scenario.duration_ms // DAY_MS))
    apps = [(app.bundle, persona.rate_of(app.bundle)) for app in scenario.apps]
    try:
        trace = generate_trace(
            persona.name, days, scenario.start, scenario.timezone, seed=persona.seed, apps=apps
        )
    except InputError as exc:  # name the YAML line when the generator could not
        raise InputError(
            [
                p if p.location.file else Problem(where, p.message, p.fix, p.path)
                for p in exc.problems
            ]
        ) from None
    records = trace.records
    return pl.DataFrame(
        {
            "start_ms": [r.start for r in records],
            "end_ms": [r.end for r in records],
            "kind": [r.kind for r in records],
            "value": [r.value for r in records],
            "subject": [r.subject for r in records],
        },
        schema={c: TRACE_SCHEMA[c] for c in ROW_COLUMNS},
    )


def build_timeline(scenario: Scenario, rows: pl.DataFrame, sources: Sources) -> Timeline:
    """Validate ``rows`` (absolute UTC ms plus origin columns) together and build the Timeline."""
    zone = scenario.timezone
    start_utc = instant_ms(scenario.start, zone)
    duration = scenario.duration_ms
    rows = rows.with_row_index("rid").with_columns(
        start_bad=pl.lit(False), end_bad=pl.lit(False), has_end=pl.col("end_ms").is_not_null()
    )
    findings = Findings()
    check_rows(rows.filter(pl.col("src") != 0), sources.locate, findings)  # files: checked
    findings.raise_if_any(scenario.source.file)
    # A file alone was checked whole: here only kinds that several sources share can clash,
    # and only what the replay sees matters.
    shared = (
        rows.group_by("kind")
        .agg(pl.col("src").n_unique().alias("n"))
        .filter(pl.col("n") > 1)["kind"]
    )
    if len(shared) or (rows["src"] != 0).any():
        check_overlaps(
            rows.filter(
                ((pl.col("src") != 0) | pl.col("kind").is_in(shared.implode()))
                & (pl.col("end_ms") > start_utc)
                & (pl.col("start_ms") < start_utc + duration)
            ),
            sources.locate,
            findings,
            zone,
        )
    findings.raise_if_any(scenario.source.file)

    rows = rows.with_columns(start=pl.col("start_ms") - start_utc, end=pl.col("end_ms") - start_utc)
    moves = rows.filter(pl.col("kind") == "timezone").sort("start", "rid")
    clock = build_clock(
        scenario.start,
        zone,
        duration,
        zip(moves["start"].to_list(), moves["value"].to_list(), strict=True),
    )
    points = rows.filter(
        pl.col("end").is_null() & (pl.col("start") >= 0) & (pl.col("start") < duration)
    )
    intervals = rows.filter(
        pl.col("end").is_not_null() & (pl.col("end") > 0) & (pl.col("start") < duration)
    ).with_columns(start=pl.max_horizontal("start", 0), end=pl.min_horizontal("end", duration))
    intervals = _merge_touching(intervals)
    intervals, notes = _cover_apps(intervals, sources, clock.start_utc_ms, zone)

    intervals = intervals.sort(["start", "kind", "subject", "end", "value"], nulls_last=False)
    points = points.sort(["start", "kind", "subject", "value", "rid"], nulls_last=False)
    return Timeline(
        duration=duration,
        clock=clock,
        intervals=_objects(Interval, intervals, ("start", "end", "kind", "value", "subject")),
        points=_objects(Point, points, ("start", "kind", "value", "subject")),
        notes=tuple(notes),
    )


def _objects(cls: type[T], frame: pl.DataFrame, columns: tuple[str, ...]) -> tuple[T, ...]:
    """Rows as frozen model objects. The cyclic GC is paused meanwhile: a year of rows is
    hundreds of thousands of new objects, none of them in a cycle, and the collector would
    otherwise rescan the growing heap many times (half the build time)."""
    values = [frame[c].to_list() for c in columns]
    with paused_gc():
        return tuple(map(cls, *values))


def _merge_touching(intervals: pl.DataFrame) -> pl.DataFrame:
    """Touching intervals of one device state (same kind, value, subject) become one, so the
    engine never sees an unplug and a plug at the same instant. Sessions stay separate."""
    key = ["kind", "value", "subject"]
    state = intervals.filter(pl.col("kind").is_in(list(STATE_KINDS)))
    if state.is_empty():
        return intervals
    state = state.sort(key + ["start"], nulls_last=False).with_columns(
        run=(pl.col("start") > pl.col("end").cum_max().shift(1)).fill_null(True).cum_sum().over(key)
    )
    merged = (
        state.group_by(key + ["run"], maintain_order=True)
        .agg(
            pl.col("start").min(),
            pl.col("end").max(),
            pl.exclude(key + ["run", "start", "end"]).first(),
        )
        .drop("run")
    )
    rest = intervals.filter(~pl.col("kind").is_in(list(STATE_KINDS)))
    return pl.concat([rest, merged.select(rest.columns)])


def _cover_apps(
    intervals: pl.DataFrame, sources: Sources, start_utc: int, zone: str
) -> tuple[pl.DataFrame, list[str]]:
    """Make every ``app`` interval lie inside ``unlocked`` (an app in the foreground means the
    device is in use, SPEC §5.2): create the missing unlocked time, joined to the unlocked
    intervals it touches, and say so in a note."""
    unlocked = intervals.filter(pl.col("kind") == "unlocked").sort("start")
    apps = intervals.filter(pl.col("kind") == "app").sort("start")
    if apps.is_empty():
        return intervals, []
    joined = apps.join_asof(
        unlocked.select(u_start=pl.col("start"), u_end=pl.col("end")),
        left_on="start",
        right_on="u_start",
        strategy="backward",
    )
    outside = joined.filter(pl.col("u_end").is_null() | (pl.col("u_end") < pl.col("end")))
    if outside.is_empty():
        return intervals, []
    spans = list(zip(unlocked["start"].to_list(), unlocked["end"].to_list(), strict=True))
    gaps: list[tuple[int, int, Row]] = []
    for row in outside.iter_rows(named=True):
        gaps += [(s, e, row) for s, e in _uncovered(row["start"], row["end"], spans)]
    if not gaps:
        return intervals, []  # covered by touching unlocked intervals
    runs = _join(spans, unlocked["rid"].to_list(), _union(sorted(gaps, key=lambda g: g[:2])))
    removed = [rid for run in runs for rid in run[3]]
    created = [
        {
            **{c: run[2][c] for c in intervals.columns},
            "kind": "unlocked",
            "value": None,
            "subject": None,
            "start": run[0],
            "end": run[1],
        }
        for run in runs
    ]
    kept = intervals.filter(~pl.col("rid").is_in(removed))
    added = pl.DataFrame(created, schema=intervals.schema)
    first_start, _, first_row = min(gaps, key=lambda g: (g[0], g[2]["rid"]))
    note = (
        f"added {len(created)} unlocked interval{'s' * (len(created) != 1)} where app "
        "intervals were not inside unlocked (an app in the foreground means the device is "
        f"unlocked); first: {first_row['subject']} at "
        f"{format_local(start_utc + first_start, zone)}, from {sources.locate(first_row)[1]}"
    )
    return pl.concat([kept, added]), [note]


def _join(
    spans: list[tuple[int, int]], rids: list[int], pieces: list[tuple[int, int, Row]]
) -> list[tuple[int, int, Row, list[int]]]:
    """New unlocked time joined with the unlocked intervals it touches: ``(start, end, app row,
    rids of the intervals it replaces)``. Two existing intervals that merely touch each other
    stay apart (they are two sessions)."""
    items = sorted(
        [(s, e, None, rid) for (s, e), rid in zip(spans, rids, strict=True)]
        + [(s, e, row, -1) for s, e, row in pieces],
        key=lambda i: i[:2],
    )
    runs: list[list] = []  # [start, end, row or None, replaced rids, end comes from new time]
    for s, e, row, rid in items:
        new = row is not None
        if runs and s == runs[-1][1] and (new or runs[-1][4]):
            run = runs[-1]
            run[1], run[4] = e, new
            run[2] = run[2] or row
            run[3] += [] if new else [rid]
        else:
            runs.append([s, e, row, [] if new else [rid], new])
    return [(s, e, row, replaced) for s, e, row, replaced, _ in runs if row is not None]


def _uncovered(start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Parts of ``[start, end)`` outside the sorted, disjoint ``spans``."""
    gaps, cursor = [], start
    i = max(bisect_right(spans, (start, 1 << 62)) - 1, 0)
    while i < len(spans) and spans[i][0] < end:
        s, e = spans[i]
        if e > cursor:
            if s > cursor:
                gaps.append((cursor, s))
            cursor = max(cursor, e)
        i += 1
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def _union(gaps: list[tuple[int, int, Row]]) -> list[tuple[int, int, Row]]:
    """Sorted gaps merged where they overlap or touch; each keeps its first app row."""
    merged: list[tuple[int, int, Row]] = []
    for s, e, row in gaps:
        if merged and s <= merged[-1][1]:
            ms, me, mrow = merged[-1]
            merged[-1] = (ms, max(me, e), mrow)
        else:
            merged.append((s, e, row))
    return merged
