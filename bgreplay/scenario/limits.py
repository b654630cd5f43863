"""Every input limit in one place: past these, a scenario or trace is refused with a clear error
(exit 2) instead of running for minutes or exhausting memory. ``docs/limits.md`` lists each one
with the exact message a user sees; a test keeps the two in step."""

from __future__ import annotations

from bgreplay.scenario.yamlnodes import MAX_BYTES, MAX_DEPTH, MAX_NODES

MIN_DURATION_HOURS = 1
MAX_DURATION_DAYS = 400  # SPEC §4: duration 1h..400d
MAX_ANY_DURATION_DAYS = 3650  # any other duration: beyond every replay, inside int64 ms
MAX_APPS = 100  # apps under `apps:` (apps that only appear in the trace do not count)
MAX_TASKS = 200  # task identifiers across all apps
MAX_VARIANTS = 100  # each variant is validated at load and replayed by compare/check
MAX_CHANGES_PER_HOUR = 60  # content.changes_per_hour: one change a minute on average
MAX_OPENS_PER_DAY = 500  # persona.opens_per_day: an open every ~3 minutes around the clock
MAX_CONTENT_CHANGES = 1_000_000  # Σ changes_per_hour × duration over the apps (engine memory)
MAX_TRACE_ROWS = 1_000_000  # rows of a trace file, and of all trace sources together
MAX_TRACE_CSV_BYTES = 256 * 10**6  # a CSV is read whole: its size bounds the memory it takes
MAX_TRACE_COLUMNS = 32  # a trace has 7 columns; a header of thousands is not a trace
MAX_TRACE_CELL_CHARS = 256  # the longest cell of a trace (a bundle id, a time, a zone name)
MAX_TRACE_TEXT_BYTES = 256 * 10**6  # the text a Parquet trace decodes to (as much as a CSV's)
MAX_DATABASE_BYTES = 2 * 10**9  # a .db.gz is unpacked to disk: at most this much
MAX_REPLAY_WORK = 1_500_000  # requests scored and prediction steps in one replay (~1 min)

__all__ = [
    "MAX_ANY_DURATION_DAYS",
    "MAX_APPS",
    "MAX_BYTES",
    "MAX_CHANGES_PER_HOUR",
    "MAX_DATABASE_BYTES",
    "MAX_CONTENT_CHANGES",
    "MAX_DEPTH",
    "MAX_DURATION_DAYS",
    "MAX_NODES",
    "MAX_OPENS_PER_DAY",
    "MAX_REPLAY_WORK",
    "MAX_TASKS",
    "MAX_TRACE_CELL_CHARS",
    "MAX_TRACE_COLUMNS",
    "MAX_TRACE_CSV_BYTES",
    "MAX_TRACE_ROWS",
    "MAX_TRACE_TEXT_BYTES",
    "MAX_VARIANTS",
    "MIN_DURATION_HOURS",
]
