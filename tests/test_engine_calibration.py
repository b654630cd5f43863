"""SPEC §6.6's calibration target, as the field calibration (docs/calibration.md) leaves it: an app
opened three times a day that reschedules a 5 s refresh every 15 minutes gets a few refreshes a
day, right before its opens — never anything like 96 (F117) — and an app the user stops opening
soon gets none (F41, FO11)."""

from __future__ import annotations

from engine_fixtures import D, M, S, app, daily_life, of, refresh, run, scenario, timeline

from bgreplay.scenario.model import DurationDist, EarliestBegin, Handler, Submit

DAYS = 14
EAGER = refresh(  # reschedules a 5 s refresh every 15 min
    earliest_begin=EarliestBegin(delay_ms=15 * M),
    handler=Handler(duration=DurationDist(fixed_ms=5 * S)),
    submit=Submit(("app_background", "handler_start")),
)


def _per_day(result) -> list[int]:
    counts = [0] * DAYS
    for e in of(result, "launched"):
        counts[e.t // D] += 1
    return counts


def test_app_opened_three_times_a_day_gets_a_few_refreshes_before_its_opens():
    result = run(scenario(app(EAGER), days=DAYS), timeline(daily_life(DAYS), days=DAYS))
    counts = _per_day(result)
    assert all(1 <= c <= 8 for c in counts), counts  # F117-F118: a handful, not 96
    opens = [e.t for e in of(result, "app_opened")]
    launches = of(result, "launched")
    before_open = [e for e in launches if any(0 <= o - e.t <= 61 * M for o in opens)]
    assert len(before_open) >= 0.9 * len(launches)  # F41: clustered before usual opens


def test_app_not_opened_after_the_first_day_soon_gets_none():
    used_once = daily_life(1) + [i for i in daily_life(DAYS, opens=()) if i.start >= D]
    result = run(scenario(app(EAGER), days=DAYS), timeline(used_once, days=DAYS))
    counts = _per_day(result)
    assert sum(counts[7:]) == 0, counts  # F41: "we may choose to not launch your task at all"
    assert sum(counts[:7]) <= 7  # FO11: the less it is opened, the less it runs
