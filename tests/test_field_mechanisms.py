"""The mechanisms that bring the replay to what real devices do (scenarios/field/), each with and
without its parameter: dasd's rate limit (F68), prediction that fades for an unused app (FO11),
an energy budget that follows use (F42), early refresh expirations (F3, FO8), no floor when dasd
skips prediction (F30, F31), and a device that comes back after an empty battery."""

from __future__ import annotations

from engine_fixtures import (
    D,
    Device,
    H,
    M,
    S,
    app,
    daily_life,
    of,
    processing,
    refresh,
    run,
    scenario,
    timeline,
)

from bgreplay.scenario.model import DurationDist, EarliestBegin, Handler, Submit
from bgreplay.trace.model import Interval, Point

EAGER = Submit(("app_background", "handler_start"))


def _eager_refresh(every_ms: int, **kw):
    kw.setdefault("handler", Handler(duration=DurationDist(fixed_ms=3 * S)))
    return refresh(earliest_begin=EarliestBegin(delay_ms=every_ms), submit=EAGER, **kw)


def _spacings(result) -> list[int]:
    launches = [e.t for e in of(result, "launched") if e.reason == "organic"]
    return [b - a for a, b in zip(launches, launches[1:], strict=False)]


def _busy_day(days: int, every_min: int = 60) -> list[Interval]:
    """The app opened every hour from 07:00 to 22:00, the phone always on the charger (no
    energy budget), Wi-Fi all day."""
    out = []
    for d in range(days):
        for h in range(7, 23, every_min // 60 or 1):
            s = d * D + h * H
            out += [
                Interval(s, s + 5 * M, "unlocked"),
                Interval(s + M, s + 4 * M, "app", subject="io.x"),
            ]
    out += [Interval(0, days * D, "plugged"), Interval(0, days * D, "network", "wifi")]
    return out


# --- rate limit (F68; FO1, FO3) --------------------------------------------------------------
def test_one_task_is_launched_no_more_often_than_the_rate_limit_allows():
    sc = scenario(app(_eager_refresh(M)), days=3)
    tl = timeline(_busy_day(3), days=3)
    limited = run(sc, tl)
    assert min(_spacings(limited)) >= 10 * M
    # ~15 opens a day: dasd spaces this app's launches 200 min / 15.x opens, about 13 min
    assert 12 * M <= sorted(_spacings(limited))[len(_spacings(limited)) // 2] <= 20 * M
    free = run(sc, tl, refresh_min_spacing=0, refresh_spacing_by_use=0)
    assert min(_spacings(free)) < 2 * M
    assert len(of(free, "launched")) > 3 * len(of(limited, "launched"))


def test_the_less_an_app_is_used_the_further_apart_its_refreshes():
    def median_spacing(every_min):
        sc = scenario(app(_eager_refresh(M)), days=4)
        spacings = _spacings(run(sc, timeline(_busy_day(4, every_min), days=4)))
        return sorted(spacings)[len(spacings) // 2]

    assert median_spacing(180) > 2 * median_spacing(60)


def test_a_processing_chain_waits_for_the_rate_limit_not_for_its_earliest_begin():
    """FO1: earliest begin 5 min, re-submitted at handler start → a launch every 30 min."""
    task = processing(
        earliest_begin=EarliestBegin(delay_ms=5 * M),
        submit=EAGER,
        requires_external_power=False,
        requires_network=False,
        handler=Handler(duration=DurationDist(fixed_ms=20 * S)),
    )
    nights = [i for i in daily_life(3)]
    limited = run(scenario(app(task), days=3), timeline(nights, days=3))
    assert set(_spacings(limited)) >= {30 * M}
    assert min(_spacings(limited)) >= 30 * M
    free = run(scenario(app(task), days=3), timeline(nights, days=3), processing_min_spacing=0)
    assert 12 * M + 30 * S in _spacings(free)  # 5 min + 7.5 min start delay (F29) + the run


def test_the_rate_limit_says_why_and_lifts_on_time():
    sc = scenario(app(_eager_refresh(M)), days=1)
    result = run(sc, timeline(_busy_day(1), days=1), explain="io.x.refresh")
    held = [e for e in of(result, "throttled") if e.reason == "rate_limit"]
    assert held and all("F68" in e.detail for e in held)
    replaced = [e.t for e in of(result, "replaced")]
    checked = 0
    for h in held:  # the request is scored again when the spacing ends, not at a re-score
        last = max(e.t for e in of(result, "launched") if e.t < h.t)
        lifted = last + int(h.detail.split("spaced ")[1].split(" min")[0]) * M
        if any(h.t < r <= lifted for r in replaced) or lifted >= D:
            continue  # a new request took its place
        checked += 1
        assert any(abs(e.t - lifted) < M for e in result.evaluations), h
    assert checked >= len(held) // 2


# --- prediction that fades (F41, FO11) -------------------------------------------------------
def _dormant(days: int, explain: str | None = None, **params):
    """Opened at 08:00 and 20:00 on the first two days of a fresh install, then never."""
    intervals = [i for i in daily_life(days, opens=()) if i.kind != "app"]
    for d in (0, 1):
        for h in (8, 20):
            s = d * D + h * H
            intervals += [
                Interval(s, s + 10 * M, "unlocked"),
                Interval(s + M, s + 9 * M, "app", subject="io.x"),
            ]
    sc = scenario(app(_eager_refresh(15 * M)), days=days, device=Device(history="none"))
    return run(sc, timeline(intervals, days=days), explain=explain, **params)


def _per_week(result, weeks: int) -> list[int]:
    counts = [0] * weeks
    for e in of(result, "launched"):
        counts[e.t // (7 * D)] += 1
    return counts


def test_an_app_the_user_stops_opening_gets_fewer_refreshes_each_week():
    weeks = _per_week(_dormant(21), 3)
    assert weeks[0] >= 1 and weeks[1] <= 2 and weeks[2] <= weeks[1]


def test_without_fading_two_old_opens_keep_the_app_predicted_for_two_weeks():
    """FO11: the Application policy's score at the old habit's time, ten days later."""

    def scores(**params):
        result = _dormant(14, explain="io.x.refresh", **params)
        return [
            v.score
            for e in result.evaluations
            if 11 * D < e.t < 12 * D
            for v in e.verdicts
            if v.policy == "Application"
        ]

    assert max(scores(), default=0.0) < 0.5
    assert max(scores(app_dormancy_half_life=0)) == 1.0


def test_the_application_policy_says_the_likelihood_faded():
    result = _dormant(5)
    rationale = [
        v.rationale for e in result.evaluations for v in e.verdicts if v.policy == "Application"
    ]
    assert rationale == []  # nothing kept without explain
    sc = scenario(app(_eager_refresh(15 * M)), days=5, device=Device(history="none"))
    intervals = [i for i in daily_life(5, opens=((8, 0, 10),)) if i.start < D or i.kind != "app"]
    explained = run(sc, timeline(intervals, days=5), explain="io.x.refresh")
    texts = [
        v.rationale
        for e in explained.evaluations
        for v in e.verdicts
        if v.policy == "Application" and e.t > 3 * D
    ]
    assert any("faded" in t and "FO11" in t for t in texts)


# --- energy budget that follows use (F42; FO2, FO4) -------------------------------------------
def _on_battery(opens_a_day: int, days: int = 6, **params):
    """Opened `opens_a_day` times a day (from 08:00, hourly), never charging (a full battery is
    given by samples), a refresh every minute."""
    out = []
    for d in range(days):
        for k in range(opens_a_day):
            s = d * D + (8 + k) * H
            out += [
                Interval(s, s + 5 * M, "unlocked"),
                Interval(s + M, s + 4 * M, "app", subject="io.x"),
            ]
    out.append(Interval(0, days * D, "network", "wifi"))
    points = [Point(d * D + h * H, "battery", "90") for d in range(days) for h in range(24)]
    sc = scenario(app(_eager_refresh(M)), days=days)
    return run(sc, timeline(out, points, days=days), **params)


SPACED_BY_TIME_ONLY = {"refresh_spacing_by_use": 0}  # isolate the budget from the rate limit


def test_frequent_use_buys_more_background_time_on_battery():
    rare, often = _on_battery(2, **SPACED_BY_TIME_ONLY), _on_battery(12, **SPACED_BY_TIME_ONLY)
    assert len(of(often, "launched")) > 3 * len(of(rare, "launched"))
    assert any(e.reason == "energy_budget" for e in of(rare, "throttled"))
    # with a budget that does not bind, the rarely used app runs far more
    loose = _on_battery(2, energy_per_open=1000.0, **SPACED_BY_TIME_ONLY)
    assert len(of(loose, "launched")) > 2 * len(of(rare, "launched"))


def test_the_energy_budget_says_where_its_allocation_comes_from():
    result = _on_battery(2, **SPACED_BY_TIME_ONLY)
    held = next(e for e in of(result, "throttled") if e.reason == "energy_budget")
    assert "opens/day" in held.detail and "F42" in held.detail


# --- early expirations (F3; FO8) --------------------------------------------------------------
def test_some_refreshes_are_expired_two_to_five_seconds_in():
    slow = refresh(handler=Handler(duration=DurationDist(fixed_ms=20 * S)))
    sc = scenario(app(slow), days=14)
    result = run(sc, timeline(daily_life(14), days=14), refresh_early_expiry_share=0.5)
    expired = [e.value for e in of(result, "expired")]
    early = [v for v in expired if v < 10]
    assert early and all(2.0 <= v <= 5.0 for v in early)
    assert len(early) < len(of(result, "launched"))
    launched = {e.run: e.cause for e in of(result, "launched")}
    assert all(launched[e.run] == "early_expiry" for e in of(result, "expired"))
    # share 0: a run that finishes within the documented 30 s always finishes (F2)
    none = run(sc, timeline(daily_life(14), days=14), refresh_early_expiry_share=0.0)
    assert not of(none, "expired")


# --- dasd skips prediction: no floor (F30, F31) -----------------------------------------------
def test_a_request_submitted_a_day_ahead_runs_at_its_start_without_predicted_use():
    midnight = refresh(
        earliest_begin=EarliestBegin(at_ms_of_day=0),
        submit=Submit(("user_action", "handler_start")),
    )
    sc = scenario(app(midnight), days=4)
    points = [Point(H, "user_action", subject="io.x.refresh")]  # 01:00: the next midnight is 23 h
    result = run(sc, timeline(daily_life(4), points, days=4))
    launches = [e for e in of(result, "launched")]
    assert [e.t for e in launches] == [D, 2 * D, 3 * D]
    # the same request submitted less than 21 h ahead waits for predicted use (the floor)
    late = [Point(6 * H, "user_action", subject="io.x.refresh")]
    held = run(sc, timeline(daily_life(4), late, days=4))
    assert not [e for e in of(held, "launched") if e.t % D < H]


# --- the device comes back after an empty battery ---------------------------------------------
def test_a_device_whose_battery_ran_empty_boots_when_plugged_and_runs_tasks_again():
    days = 4
    use = [Interval(d * D + 8 * H, d * D + 20 * H, "unlocked") for d in range(2)]
    use += [
        Interval(d * D + 9 * H, d * D + 9 * H + 5 * M, "app", subject="io.x") for d in range(days)
    ]
    use += [Interval(2 * D + 22 * H, days * D, "plugged"), Interval(0, days * D, "network", "wifi")]
    sc = scenario(app(refresh()), days=days, device=Device(battery_start=60))
    result = run(sc, timeline(use, days=days))
    empty = next(e.t for e in of(result, "battery") if e.value == 0.0)
    boot = next(e for e in of(result, "boot") if e.t > empty)
    assert boot.t == 2 * D + 22 * H and "empty battery" in boot.detail
    assert [e for e in of(result, "launched") if e.t > boot.t]
    assert not [e for e in of(result, "throttled") if e.reason == "device_off" and e.t > boot.t]
