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

__all__ = [
    "MAX_ANY_DURATION_DAYS", "MAX_APPS", "MAX_BYTES", "MAX_CHANGES_PER_HOUR",
    "MAX_CONTENT_CHANGES", "MAX_DEPTH", "MAX_DURATION_DAYS", "MAX_NODES", "MAX_OPENS_PER_DAY",
    "MAX_TASKS",
    "MAX_TRACE_CSV_BYTES", "MAX_TRACE_ROWS", "MAX_VARIANTS", "MIN_DURATION_HOURS",
]
