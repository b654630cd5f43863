"""One test per policy of SPEC §6.3 and per ending of §6.5: the same world with and without the
condition, and the outcome switching."""

from __future__ import annotations

from dataclasses import replace

from engine_fixtures import (
    BUNDLE,
    D,
    Device,
    H,
    M,
    Point,
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
from hypothesis import given, settings
from hypothesis import strategies as st

from bgreplay.engine.policies import POLICIES
from bgreplay.engine.profiles import build_profile
from bgreplay.engine.replay import Replay
from bgreplay.engine.world import Request
from bgreplay.scenario.model import (
    PROTECTIONS,
    DurationDist,
    EarliestBegin,
    Handler,
    Submit,
    Task,
)
from bgreplay.trace.model import Interval

DAYS = 3


def launches(result, task=None):
    return of(result, "launched", task)


def throttles(result, reason):
    return [e for e in of(result, "throttled") if e.reason == reason]


def refresh_world(extra=(), points=(), days=DAYS, task=None, **scenario_kw):
    sc = scenario(app(task or refresh()), days=days, **scenario_kw)
    return sc, timeline(daily_life(days, extra=list(extra)), points, days=days)


def processing_world(extra=(), points=(), task=None, plugged=True, days=DAYS, **scenario_kw):
    sc = scenario(app(task or processing()), days=days, **scenario_kw)
    return sc, timeline(daily_life(days, plugged=plugged, extra=list(extra)), points, days=days)


# --- §6.3 policies -------------------------------------------------------------------------
def test_application_vetoes_while_the_app_is_in_the_foreground():
    base = run(*refresh_world())
    midday = [e for e in launches(base) if D <= e.t < 2 * D and 9 * H <= e.t % D < 20 * H]
    assert midday
    # day 1: the user keeps the app open from 09:00 to 20:00 (inside one long unlock)
    long_use = [
        Interval(D + 9 * H, D + 20 * H, "unlocked"),
        Interval(D + 9 * H + M, D + 20 * H - M, "app", subject=BUNDLE),
    ]
    intervals = [
        i
        for i in daily_life(DAYS)
        if not (D + 9 * H <= i.start < D + 20 * H and i.kind in ("unlocked", "app"))
    ]
    result = run(scenario(app(refresh()), days=DAYS), timeline(intervals + long_use, days=DAYS))
    assert not [e for e in launches(result) if D + 9 * H + M <= e.t < D + 20 * H - M]
    assert throttles(result, "application")


def test_device_activity_vetoes_processing_while_in_use():
    base = run(*processing_world())
    assert launches(base)
    night_owl = [
        Interval(d * D + 23 * H + 30 * M, d * D + D + 6 * H, "unlocked") for d in range(DAYS - 1)
    ]
    result = run(*processing_world(extra=night_owl))
    assert any((e.t % D) < 6 * H for e in launches(base))
    # the user is up until 06:00: the work waits until they put the phone down
    assert launches(result) and all(6 * H <= (e.t % D) < 7 * H for e in launches(result))
    assert throttles(result, "device_activity")


def test_battery_level_vetoes_processing_on_an_iphone_battery_not_an_ipad():
    task = processing(requires_external_power=False, requires_network=False)
    iphone = run(*processing_world(task=task, plugged=False))
    assert not launches(iphone) and throttles(iphone, "battery")
    ipad = run(
        *processing_world(
            task=task, plugged=False, device=Device(model="ipad", battery_start=100.0)
        )
    )
    assert launches(ipad)  # F34: an iPad at >= 75 % may run it on battery


def test_critically_low_battery_vetoes_refresh_unplugged():
    ok = run(*refresh_world(device=Device(battery_start=90.0)))
    assert launches(ok)
    sc, tl = refresh_world(device=Device(battery_start=90.0))
    low = [Point(0, "battery", "15")] + [Point(d * D + 6 * H, "battery", "15") for d in range(DAYS)]
    unplugged = timeline([i for i in tl.intervals if i.kind != "plugged"], low, days=DAYS)
    result = run(sc, unplugged)
    assert not launches(result) and throttles(result, "critical_battery")


def test_low_power_mode_vetoes_unless_charging_with_enough_battery():
    lpm = [Interval(D, 2 * D, "low_power_mode")]
    base = run(*refresh_world())
    result = run(*refresh_world(extra=lpm))
    day1 = [e for e in launches(result) if D <= e.t < 2 * D]
    assert [e for e in launches(base) if D <= e.t < 2 * D] and not day1
    assert throttles(result, "low_power_mode")
    # processing on the charger at a full battery: LPM is not enforced (F55)
    night = run(*processing_world(extra=lpm, device=Device(battery_start=100.0)))
    assert [e for e in launches(night) if D <= e.t < 2 * D]


def test_thermal_critical_vetoes_everything_serious_vetoes_processing():
    hot = [Interval(D, 2 * D, "thermal", "critical")]
    result = run(*refresh_world(extra=hot))
    assert not [e for e in launches(result) if D <= e.t < 2 * D]
    assert throttles(result, "thermal")
    warm = [Interval(D, 2 * D, "thermal", "serious")]
    assert not [e for e in launches(run(*processing_world(extra=warm))) if D <= e.t < 2 * D]
    assert [e for e in launches(run(*processing_world())) if D <= e.t < 2 * D]


def test_energy_budget_stops_a_heavy_refresh_on_battery():
    heavy = refresh(
        earliest_begin=EarliestBegin(delay_ms=15 * M),
        handler=Handler(duration=DurationDist(fixed_ms=25 * S), cpu=1.0),
    )
    light = replace(heavy, handler=Handler(duration=DurationDist(fixed_ms=2 * S), cpu=0.1))
    assert not throttles(run(*refresh_world(task=light)), "energy_budget")
    assert throttles(run(*refresh_world(task=heavy)), "energy_budget")


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(0, 2 * D),
    steps=st.lists(
        st.tuples(st.sampled_from([1, 2, S, M, 15 * M, H, 5 * H]), st.floats(0, 40)), max_size=40
    ),
)
def test_a_spent_energy_budget_is_remembered_exactly(start, steps):
    """``energy_spent`` remembers how long a spent budget stays spent; asked at any moment, after
    any spend, it answers as the walk of ``energy_left`` does."""
    sc, tl = refresh_world()
    engine = Replay(sc, tl, build_profile("ios-26"))
    engine.advance(start)
    view, t = engine.view, start
    for step, spend in steps:
        t += step
        assert view.energy_spent(BUNDLE, t) == (view.energy_left(BUNDLE, t) <= 0)
        if spend:
            view.spend_energy(BUNDLE, t, spend)


@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 2 * D), spend=st.floats(0.5, 40), probe=st.integers(1, 6 * H))
def test_a_spent_energy_budget_refills_at_the_moment_the_walk_says(start, spend, probe):
    sc, tl = refresh_world()
    engine = Replay(sc, tl, build_profile("ios-26"))
    engine.advance(start)
    view = engine.view
    view.spend_energy(BUNDLE, start, view.energy_left(BUNDLE, start) + spend)
    low, high = start, start + 3 * D  # the walk's first moment above 0 (if any), by bisection
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if view.energy_left(BUNDLE, middle) > 0 else (middle, high)
    for moment in (start, min(start + probe, high - 1), high - 1, high, high + 1):
        assert view.energy_spent(BUNDLE, moment) == (view.energy_left(BUNDLE, moment) <= 0)


def test_network_requirement():
    offline_nights = [i for i in daily_life(DAYS) if i.kind != "network"]
    sc = scenario(app(processing()), days=DAYS)
    assert launches(run(sc, timeline(daily_life(DAYS), days=DAYS)))
    result = run(sc, timeline(offline_nights, days=DAYS))
    assert not launches(result) and throttles(result, "network")


def test_external_power_requirement():
    result = run(*processing_world(plugged=False))
    assert not launches(result)
    assert throttles(result, "external_power") or throttles(result, "battery")
    assert launches(run(*processing_world()))


def test_boot_time_waits_five_minutes():
    task = processing(requires_network=False, earliest_begin=EarliestBegin(delay_ms=2 * H))
    base = run(*processing_world(task=task))
    first = launches(base)[0]
    result = run(*processing_world(task=task, points=[Point(first.t - 60 * S, "boot")]))
    moved = [e for e in launches(result) if e.t >= first.t - 60 * S][0]
    assert moved.t >= first.t - 60 * S + 300 * S  # F92
    assert throttles(result, "boot_time")


def test_app_switcher_after_force_quit():
    base = run(*refresh_world())
    quit_at = 13 * H
    result = run(*refresh_world(points=[Point(quit_at, "force_quit", subject=BUNDLE)]))
    window = (quit_at, 21 * H)
    assert [e for e in launches(base) if window[0] < e.t < window[1]]
    assert not [e for e in launches(result) if window[0] < e.t < window[1]]


def test_background_app_refresh_off_for_the_app():
    off = [Interval(D, 2 * D, "bar", subject=BUNDLE)]
    result = run(*refresh_world(extra=off))
    assert not [e for e in launches(result) if D <= e.t < 2 * D]
    assert throttles(result, "background_app_refresh")
    assert [e for e in launches(run(*refresh_world())) if D <= e.t < 2 * D]


def test_recent_use_is_required_for_processing():
    task = processing(submit=Submit(("user_action",)), requires_network=False)
    never_opened = [i for i in daily_life(DAYS) if i.kind not in ("app", "unlocked")]
    points = [Point(12 * H, "user_action", subject=task.id)]
    sc = scenario(app(task), days=DAYS, device=Device(history="none"))
    result = run(sc, timeline(never_opened, points, days=DAYS))
    assert not launches(result) and throttles(result, "recent_use")
    used = run(sc, timeline(daily_life(DAYS), points, days=DAYS))
    assert launches(used)


def test_penalty_after_a_watchdog_kill():
    slow = refresh(handler=Handler(duration=DurationDist(fixed_ms=60 * S), on_expiration="ignore"))
    result = run(*refresh_world(task=slow), explain=slow.id)
    kills = [e.t for e in of(result, "killed")]
    after = [ev for ev in result.evaluations if kills and kills[0] < ev.t < kills[0] + 24 * H]
    assert after and all(any(v.policy == "Penalty" for v in ev.verdicts) for ev in after)
    clean = run(*refresh_world(), explain="io.x.refresh")
    assert not any(v.policy == "Penalty" for ev in clean.evaluations for v in ev.verdicts)


# --- §6.5 endings --------------------------------------------------------------------------
def _ending(task: Task, points=(), **kw):
    return run(*refresh_world(task=task, points=points, **kw))


def test_completed_success_and_failure():
    assert {e.reason for e in of(_ending(refresh()), "completed")} == {"success"}
    failing = refresh(handler=Handler(success_rate=0.0))
    assert {e.reason for e in of(_ending(failing), "completed")} == {"failure"}


def test_run_killed_by_boot_and_force_quit():
    long = processing(
        handler=Handler(duration=DurationDist(fixed_ms=20 * M)), requires_network=False
    )
    first = launches(run(*processing_world(task=long)))[0]
    rebooted = run(*processing_world(task=long, points=[Point(first.t + 5 * M, "boot")]))
    assert [e.reason for e in of(rebooted, "killed")][:1] == ["boot"]
    quit = run(
        *processing_world(task=long, points=[Point(first.t + 5 * M, "force_quit", subject=BUNDLE)])
    )
    assert [e.reason for e in of(quit, "killed")][:1] == ["force_quit"]


def test_crash_at_launch_after_late_registration_on_ios_18():
    late = app(refresh(), registration="late")
    sc = scenario(late, days=DAYS, device=Device(ios="18.6"))
    result = run(sc, timeline(daily_life(DAYS), days=DAYS), profile="ios-18")
    assert of(result, "app_crashed") and not launches(result)
    assert launches(run(sc, timeline(daily_life(DAYS), days=DAYS), profile="ios-26"))


def test_processing_expired_when_use_begins():
    long = processing(
        handler=Handler(duration=DurationDist(fixed_ms=20 * M)), requires_network=False
    )
    first = launches(run(*processing_world(task=long)))[0]
    wake = [Interval(first.t + 5 * M, first.t + 10 * M, "unlocked")]
    result = run(*processing_world(task=long, extra=wake))
    assert [e.reason for e in of(result, "expired")][:1] == ["device_in_use"]


def test_work_with_checkpoint_resumes_and_without_starts_over():
    for checkpoint, expect_done in ((True, True), (False, False)):
        job = processing(
            handler=Handler(work_ms=45 * M, checkpoint=checkpoint),
            requires_network=False,
            requires_external_power=False,
            submit=Submit(("app_background", "handler_end")),
        )
        device = Device(model="ipad", battery_start=100.0)
        result = run(*processing_world(task=job, device=device, plugged=True))
        done = any(e.reason == "success" for e in of(result, "completed"))
        assert done is expect_done  # 45 min of work, 10 min allowances on battery (F5)


def test_flagship_refresh_runs_in_the_half_hour_before_the_8am_open():
    """The seed's headline (F41): an app opened daily at 08:00 is refreshed just before."""
    from bgreplay import api

    sc = api.load_scenario("scenarios/pixar-film-tracker.yaml")
    result = api.replay(sc)
    clock = result.timeline.clock
    refreshes = [e.t for e in launches(result, "io.cocoabytes.filmtracker.refresh")]
    mornings = [
        e.t
        for e in of(result, "app_opened")
        if e.app == "io.cocoabytes.filmtracker" and clock.ms_of_day(e.t) == 8 * H
    ]
    assert len(mornings) == 5
    for opened in mornings[1:]:  # Monday's first open comes before any request exists
        assert any(opened - 30 * M <= t < opened for t in refreshes), clock.local_day(opened)
    assert not [t for t in refreshes if 1 * H <= clock.ms_of_day(t) < 6 * H]


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(["refresh", "processing", "health_research", "continued_processing"]),
    protection=st.sampled_from(PROTECTIONS),
    model=st.sampled_from(["iphone", "ipad"]),
    unlocked=st.booleans(),
    screen=st.booleans(),
    plugged=st.booleans(),
    battery=st.floats(0, 100),
    lpm=st.booleans(),
    thermal=st.sampled_from(["nominal", "fair", "serious", "critical"]),
    network=st.sampled_from(["none", "wifi", "cellular"]),
    foreground=st.booleans(),
    now=st.integers(0, 2 * D),
)
def test_a_policy_that_says_it_cannot_veto_a_task_never_does(
    kind,
    protection,
    model,
    unlocked,
    screen,
    plugged,
    battery,
    lpm,
    thermal,
    network,
    foreground,
    now,
):
    """``Policy.can_veto`` leaves a policy out of the vetoes asked: it must be False only where
    ``vetoes`` is False whatever the device does."""
    task = processing(type=kind, protection=protection) if kind != "refresh" else refresh()
    sc, tl = refresh_world(task=task)
    engine = Replay(
        replace(sc, device=replace(sc.device, model=model)), tl, build_profile("ios-26")
    )
    engine.advance(now)
    d = engine.world.device
    d.set_unlocked(unlocked)
    d.set_screen(screen)
    d.plugged, d.battery, d.battery_measured, d.lpm = plugged, battery, True, lpm
    d.thermal, d.network = thermal, network
    d.foreground = BUNDLE if foreground else None
    req = Request(1, task, now, now, now + H)
    for pol in POLICIES:
        if pol.applies(task) and not pol.can_veto(task):
            assert not pol.vetoes(engine.view, req, now), pol.short
