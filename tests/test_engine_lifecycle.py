"""The request lifecycle and the policies, each shown by a small replay (SPEC §6)."""

from __future__ import annotations

import subprocess
import sys
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

from bgreplay.analysis.invariants import check_invariants
from bgreplay.scenario.model import (
    DurationDist,
    EarliestBegin,
    Handler,
    Submit,
    Task,
)
from bgreplay.trace.model import Interval


def _clean(result):
    tasks = {t.id: t for t in result.scenario.tasks}
    return check_invariants(result.events, tasks)


def test_engine_imports_no_io_or_presentation_library():
    code = (
        "import sys, bgreplay.engine.replay, bgreplay.engine.profiles; "
        "bad = [m for m in ('rich', 'typer', 'yaml', 'polars') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_refresh_runs_shortly_before_predicted_opens():
    days = 5
    result = run(scenario(app(refresh()), days=days), timeline(daily_life(days), days=days))
    launches = of(result, "launched", "io.x.refresh")
    assert 2 * days <= len(launches) <= 4 * days
    opens = [e.t for e in of(result, "app_opened")]
    for launch in launches:
        nxt = min((o for o in opens if o > launch.t), default=None)
        # F43: likelihood read 450 s + up to 1350 s ahead, over an open within ±30 min
        assert nxt is not None and nxt - launch.t <= 61 * M
    assert not _clean(result)


def test_processing_waits_for_power_idle_and_network():
    days = 4
    result = run(scenario(app(processing()), days=days), timeline(daily_life(days), days=days))
    launches = of(result, "launched", "io.x.processing")
    assert len(launches) >= days - 1
    for e in launches:
        hour = (e.t % D) / H
        assert hour < 7 or hour >= 23, "runs only on the overnight charger"
    reasons = {e.reason for e in of(result, "throttled", "io.x.processing")}
    assert {"battery", "device_activity"} & reasons
    assert not _clean(result)


def test_identifier_missing_from_info_plist_is_not_permitted():
    a = app(refresh(), permitted_identifiers=())
    result = run(scenario(a, days=1), timeline(daily_life(1), days=1))
    failures = of(result, "submit_failed")
    assert failures and {e.reason for e in failures} == {"notPermitted"}
    assert not of(result, "launched")


def test_missing_background_mode_is_not_permitted():
    a = app(refresh(), background_modes=("processing",))
    result = run(scenario(a, days=1), timeline(daily_life(1), days=1))
    assert {e.reason for e in of(result, "submit_failed")} == {"notPermitted"}


def test_simulator_and_background_app_refresh_off_are_unavailable():
    sim = scenario(app(refresh()), days=1, device=Device(model="simulator"))
    result = run(sim, timeline(daily_life(1), days=1))
    assert {e.reason for e in of(result, "submit_failed")} == {"unavailable"}
    off = scenario(app(refresh()), days=1, device=Device(background_app_refresh=False))
    result = run(off, timeline(daily_life(1), days=1))
    assert {e.reason for e in of(result, "submit_failed")} == {"unavailable"}


def test_permitted_identifier_without_handler_crashes_the_app_on_submit():
    a = app(refresh(), registers=())
    result = run(scenario(a, days=1), timeline(daily_life(1), days=1))
    crashes = of(result, "app_crashed")
    assert crashes and crashes[0].reason == "no_handler"
    assert not of(result, "submitted")


def test_second_refresh_identifier_hits_the_pending_limit():
    a = app(refresh("io.x.refresh"), refresh("io.x.refresh2"))
    result = run(scenario(a, days=1), timeline(daily_life(1), days=1))
    assert "tooManyPendingTaskRequests" in {e.reason for e in of(result, "submit_failed")}


def test_resubmitting_replaces_and_never_hits_the_limit():
    result = run(scenario(app(refresh()), days=2), timeline(daily_life(2), days=2))
    assert of(result, "replaced")
    assert not of(result, "submit_failed")


def test_submit_on_every_launch_resets_the_timer():
    """The seed's warning (F14): each open replaces the request and restarts earliest_begin."""
    opens = tuple((h, 0, 5) for h in range(8, 22))  # an open every hour
    every = refresh(submit=Submit(("app_launch",)), earliest_begin=EarliestBegin(delay_ms=2 * H))
    days = 3
    tl = timeline(daily_life(days, opens=opens), days=days)
    result = run(scenario(app(every), days=days), tl)
    daytime = [e for e in of(result, "launched") if 8 <= (e.t % D) / H < 22]
    assert not daytime, "an hourly open keeps pushing the 2 h earliest_begin away"


def test_if_not_pending_skips_the_submit():
    task = refresh(submit=Submit(("app_launch",), if_not_pending=True))
    result = run(scenario(app(task), days=2), timeline(daily_life(2), days=2))
    assert not of(result, "replaced")
    assert of(result, "launched")


def test_force_quit_blocks_launches_until_the_app_is_opened():
    days = 3
    quit_at = 13 * H  # day 0, after lunch; the next open is at 21:00
    tl = timeline(daily_life(days), [Point(quit_at, "force_quit", subject=BUNDLE)], days=days)
    result = run(scenario(app(refresh()), days=days), tl)
    next_open = 21 * H
    assert not [e for e in of(result, "launched") if quit_at < e.t < next_open]
    assert "app_switcher" in {e.reason for e in of(result, "throttled")}


def test_low_power_mode_fails_refresh_submits_and_vetoes_pending_ones():
    days = 2
    lpm = Interval(D + 12 * H, D + 18 * H, "low_power_mode")
    result = run(
        scenario(app(refresh()), days=days), timeline(daily_life(days, extra=[lpm]), days=days)
    )
    in_lpm = [e for e in result.events if lpm.start <= e.t < lpm.end]
    assert not [e for e in in_lpm if e.event == "launched"]
    assert "unavailable" in {e.reason for e in in_lpm if e.event == "submit_failed"}


def test_no_expiration_handler_fails_the_run_at_expiration():
    slow = Handler(duration=DurationDist(fixed_ms=60 * S), expiration_handler=False)
    result = run(scenario(app(refresh(handler=slow)), days=2), timeline(daily_life(2), days=2))
    expired = of(result, "expired")
    assert expired and all(e.reason == "allowance" and e.value == 30 for e in expired)
    completed = of(result, "completed")
    assert completed and all(e.reason == "failure" for e in completed)
    assert not of(result, "killed")


def test_ignored_expiration_or_slow_cancel_is_a_watchdog_kill_and_a_penalty():
    for handler in (
        Handler(duration=DurationDist(fixed_ms=60 * S), on_expiration="ignore"),
        Handler(duration=DurationDist(fixed_ms=60 * S), cancel_latency_ms=9 * S),
    ):
        result = run(
            scenario(app(refresh(handler=handler)), days=2),
            timeline(daily_life(2), days=2),
            explain="io.x.refresh",
        )
        kills = of(result, "killed")
        assert kills and {e.reason for e in kills} == {"watchdog"}
        assert all(e.value == 35 for e in kills)  # 30 s allowance + 5 s grace (F71)
        penalties = [v for ev in result.evaluations for v in ev.verdicts if v.policy == "Penalty"]
        assert penalties and penalties[0].score == 0.5


def test_cancel_within_grace_completes_unsuccessfully():
    handler = Handler(duration=DurationDist(fixed_ms=60 * S), cancel_latency_ms=2 * S)
    result = run(scenario(app(refresh(handler=handler)), days=2), timeline(daily_life(2), days=2))
    completed = of(result, "completed")
    assert completed and all(e.reason == "failure" and e.value == 32 for e in completed)


def test_memory_over_the_limit_is_jetsammed_half_way():
    heavy = Handler(duration=DurationDist(fixed_ms=10 * S), memory_mb=3000)
    result = run(scenario(app(refresh(handler=heavy)), days=1), timeline(daily_life(1), days=1))
    kills = of(result, "killed")
    assert kills and {e.reason for e in kills} == {"jetsam"}
    assert not of(result, "expired")


def test_cpu_heavy_processing_on_battery_power_is_killed_after_a_minute():
    hot = Handler(duration=DurationDist(fixed_ms=5 * M), cpu=0.95)
    task = processing(requires_external_power=False, handler=hot)
    device = Device(model="ipad")  # iPads run processing on battery >= 75 % (F34)
    result = run(scenario(app(task), days=2, device=device), timeline(daily_life(2), days=2))
    kills = of(result, "killed")
    assert kills and all(e.reason == "cpu_limit" and e.value == 60 for e in kills)


def test_reschedule_only_at_handler_end_breaks_on_a_kill():
    heavy = Handler(duration=DurationDist(fixed_ms=10 * S), memory_mb=3000)
    at_end = refresh(handler=heavy, submit=Submit(("handler_end",)))
    at_start = refresh(handler=heavy, submit=Submit(("handler_start",)))
    days = 3
    seed = [Point(8 * H, "user_action", subject="io.x.refresh")]  # nothing submits otherwise
    for task, expect_chain in ((at_end, False), (at_start, True)):
        task = replace(task, submit=Submit(task.submit.when + ("user_action",)))
        result = run(scenario(app(task), days=days), timeline(daily_life(days), seed, days=days))
        assert (len(of(result, "launched")) > 1) is expect_chain


def test_boot_kills_running_tasks_and_delays_launches():
    days = 2
    boot_at = 2 * H
    result = run(
        scenario(app(processing()), days=days),
        timeline(daily_life(days), [Point(D + boot_at, "boot")], days=days),
    )
    for e in of(result, "launched"):
        assert not (D + boot_at <= e.t < D + boot_at + 120 * S)
    assert of(result, "boot")


def test_simulate_launch_bypasses_policies_and_simulate_expiration_expires():
    long = Handler(duration=DurationDist(fixed_ms=20 * M))
    task = processing(handler=long)
    at = 9 * H  # after the 07:30 open submitted it; unplugged, on cellular
    points = [
        Point(at, "simulate_launch", subject=task.id),
        Point(at + 60 * S, "simulate_expiration", subject=task.id),
    ]
    result = run(scenario(app(task), days=1), timeline(daily_life(1), points, days=1))
    launched = [e for e in of(result, "launched") if e.t == at]
    assert launched and launched[0].reason == "simulated"
    assert [e for e in of(result, "cancelled") if e.reason == "simulate_launch"]
    assert [e for e in of(result, "expired") if e.reason == "simulated" and e.t == at + 60 * S]


def _continued(ident="io.x.export.job", **kw) -> Task:
    kw.setdefault("submit", Submit(("user_action",)))
    kw.setdefault(
        "handler", Handler(duration=DurationDist(fixed_ms=10 * M), progress_every_ms=5 * S)
    )
    return Task(ident, BUNDLE, "continued_processing", **kw)


def test_continued_processing_admission_queue_and_fail():
    jobs = [_continued(f"io.x.export.j{i}") for i in range(3)]
    failing = _continued("io.x.export.f", strategy="fail")
    a = app(*jobs, failing, permitted_identifiers=("io.x.export.*",))
    points = [Point(10 * H, "user_action", subject=t.id) for t in jobs]
    points.append(Point(10 * H + S, "user_action", subject=failing.id))
    result = run(scenario(a, days=1), timeline(daily_life(1), points, days=1))
    starts = [e.t for e in of(result, "launched")]
    assert starts[:2] == [10 * H, 10 * H] and starts[2] == 10 * H + 10 * M  # queued (F102)
    assert [e.reason for e in of(result, "submit_failed")] == ["immediateRunIneligible"]


def test_force_quit_cancels_queued_continued_processing_before_freeing_a_slot():
    """F50: a force quit kills the app's running job and cancels its queued one; the slot the
    kill frees must not admit the queued job first."""
    jobs = [_continued(f"io.x.export.j{i}") for i in range(3)]
    a = app(*jobs, permitted_identifiers=("io.x.export.*",))
    quit_at = 10 * H + M
    points = [Point(10 * H, "user_action", subject=t.id) for t in jobs]
    points.append(Point(quit_at, "force_quit", subject=BUNDLE))
    result = run(scenario(a, days=1), timeline(daily_life(1), points, days=1))
    assert [e.t for e in of(result, "launched")] == [10 * H, 10 * H]
    assert [(e.event, e.task) for e in result.events if e.t == quit_at and e.task] == [
        ("cancelled", "io.x.export.j2"),
        ("killed", "io.x.export.j0"),
        ("killed", "io.x.export.j1"),
    ]
    assert not check_invariants(result.events, {t.id: t for t in jobs})


def test_continued_processing_stalls_without_progress_and_user_cancel_expires():
    slow = _continued(
        handler=Handler(duration=DurationDist(fixed_ms=10 * M), progress_every_ms=40 * S)
    )
    a = app(slow, permitted_identifiers=("io.x.export.*",))
    points = [Point(10 * H, "user_action", subject=slow.id)]
    result = run(scenario(a, days=1), timeline(daily_life(1), points, days=1))
    assert [(e.reason, e.value) for e in of(result, "expired")] == [("stalled", 70.0)]

    ok = _continued()
    a = app(ok, permitted_identifiers=("io.x.export.*",))
    points = [
        Point(10 * H, "user_action", subject=ok.id),
        Point(10 * H + M, "cancel", subject=ok.id),
    ]
    result = run(scenario(a, days=1), timeline(daily_life(1), points, days=1))
    assert [e.reason for e in of(result, "expired")] == ["user_cancel"]


def test_ideal_profile_runs_at_the_first_moment_constraints_hold():
    result = run(scenario(app(refresh()), days=2), timeline(daily_life(2), days=2), profile="ideal")
    submits = {e.request: e for e in of(result, "submitted")}
    for launch in of(result, "launched"):
        assert launch.value == 0.0  # launched exactly at start_after
    assert submits


def test_history_none_is_a_cold_start_with_no_refresh():
    """F41: with no usage history, the app's predicted use is tiny and refreshes do not run."""
    cold = scenario(app(refresh()), days=1, device=Device(history="none"))
    result = run(cold, timeline(daily_life(1), days=1))
    assert not of(result, "launched")


def test_replays_are_deterministic_and_other_apps_do_not_disturb():
    days = 3
    base = scenario(app(refresh(), processing()), days=days, seed=11)
    tl = timeline(daily_life(days), days=days)
    first, second = run(base, tl), run(base, tl)
    assert first.events == second.events
    other = app(refresh("io.y.refresh", app="io.y"), bundle="io.y")
    busier = replace(base, apps=base.apps + (other,))

    def mine(result):  # sequence numbers shift; everything else must not
        return [e._replace(seq=0) for e in result.events if e.app == BUNDLE]

    assert mine(run(busier, tl)) == mine(first)


def test_staleness_is_measured_before_the_opens_own_sync():
    result = run(scenario(app(refresh()), days=2), timeline(daily_life(2), days=2))
    opened = of(result, "app_opened")
    assert opened and all(e.fetched_at is not None and e.fetched_at <= e.t for e in opened)
    assert all(e.missed_changes is not None for e in opened)
