"""Property tests: on random scenarios and traces the SPEC §6 invariants always hold."""

from __future__ import annotations

from engine_fixtures import D, H, M, S, run, timeline
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bgreplay.analysis.invariants import check_invariants
from bgreplay.scenario.model import (
    App,
    Device,
    DurationDist,
    EarliestBegin,
    Handler,
    NetworkUse,
    Scenario,
    Submit,
    Task,
)
from bgreplay.trace.model import Interval, Point

BUNDLES = ("io.a", "io.b")
TRIGGERS = ("app_launch", "app_background", "handler_start", "handler_end", "handler_success",
            "user_action")


@st.composite
def handlers(draw, kind: str) -> Handler:
    work = None
    if kind in ("processing", "health_research") and draw(st.booleans()):
        work = draw(st.integers(1, 90)) * M
    return Handler(
        duration=DurationDist(fixed_ms=draw(st.integers(1, 120)) * S),
        success_rate=draw(st.sampled_from([0.0, 0.5, 1.0])),
        completes=draw(st.sampled_from(["always", "on_success", "never"])),
        expiration_handler=draw(st.booleans()),
        on_expiration=draw(st.sampled_from(["cancel", "ignore"])),
        cancel_latency_ms=draw(st.integers(0, 10)) * S,
        memory_mb=draw(st.sampled_from([20, 80, 3000])),
        cpu=draw(st.sampled_from([0.1, 0.9])),
        network=draw(st.sampled_from([None, NetworkUse(1, 40_000), NetworkUse(3, 500_000)])),
        work_ms=work,
        checkpoint=draw(st.booleans()),
        progress_every_ms=draw(st.sampled_from([5, 35, 50])) * S,
    )


@st.composite
def tasks(draw, bundle: str, index: int) -> Task:
    kind = draw(st.sampled_from(["refresh", "processing", "health_research",
                                 "continued_processing"]))
    ident = f"{bundle}.export.t{index}" if kind == "continued_processing" else f"{bundle}.t{index}"
    family = kind != "refresh"
    when = tuple(draw(st.lists(st.sampled_from(TRIGGERS), min_size=1, max_size=3, unique=True)))
    delay = draw(st.sampled_from([None, 0, 15 * M, 2 * H, 22 * H]))
    return Task(
        ident, bundle, kind,
        earliest_begin=EarliestBegin(delay_ms=delay),
        requires_network=family and draw(st.booleans()),
        requires_external_power=family and draw(st.booleans()),
        protection=draw(st.sampled_from(["complete", "none"])),
        strategy=draw(st.sampled_from(["queue", "fail"])),
        submit=Submit(when, draw(st.booleans())),
        handler=draw(handlers(kind)),
    )


def _spans(draw, days: int, max_n: int, min_len: int, max_len: int) -> list[tuple[int, int]]:
    starts = sorted(set(draw(st.lists(st.integers(0, days * 96 - 1), max_size=max_n))))
    out, last_end = [], -1
    for s in starts:
        start = s * 15 * M
        if start <= last_end:
            continue
        end = min(start + draw(st.integers(min_len, max_len)) * M, days * D)
        if end > start:
            out.append((start, end))
            last_end = end
    return out


@st.composite
def worlds(draw):
    days = draw(st.integers(1, 3))
    apps = []
    for bundle in BUNDLES[: draw(st.integers(1, 2))]:
        ts = [draw(tasks(bundle, i)) for i in range(draw(st.integers(1, 3)))]
        permitted = [t.id for t in ts if draw(st.integers(0, 9)) > 0]
        permitted.append(f"{bundle}.export.*")
        apps.append(App(bundle, background_modes=("fetch", "processing"),
                        permitted_identifiers=tuple(permitted),
                        registers=draw(st.sampled_from(["all", ()])),
                        tasks=tuple(ts)))
    intervals: list[Interval] = []
    for start, end in _spans(draw, days, 12, 2, 90):
        intervals.append(Interval(start, end, "unlocked"))
        if end - start > 2 * M:
            intervals.append(Interval(start + M, end - M, "app",
                                      subject=draw(st.sampled_from(BUNDLES))))
    for kind, value in (("plugged", None), ("low_power_mode", None), ("thermal", "serious"),
                        ("network", "wifi"), ("off", None)):
        for start, end in _spans(draw, days, 4, 10, 600):
            intervals.append(Interval(start, end, kind, value))
    all_ids = [t.id for a in apps for t in a.tasks]
    points = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["boot", "force_quit", "user_action", "cancel",
                                     "simulate_launch", "simulate_expiration", "battery"]))
        t = draw(st.integers(0, days * D - 1))
        subject = value = None
        if kind == "force_quit":
            subject = draw(st.sampled_from(BUNDLES))
        elif kind == "battery":
            value = str(draw(st.integers(0, 100)))
        elif kind != "boot":
            subject = draw(st.sampled_from(all_ids))
        points.append(Point(t, kind, value, subject))
    device = Device(model=draw(st.sampled_from(["iphone", "ipad"])),
                    history=draw(st.sampled_from(["repeat", "none"])),
                    battery_start=draw(st.sampled_from([5.0, 50.0, 100.0])))
    sc = Scenario(name="random", start=__import__("engine_fixtures").START,
                  duration_ms=days * D, apps=tuple(apps), device=device,
                  seed=draw(st.integers(0, 1000)))
    return sc, timeline(intervals, points, days=days)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from(["ios-26", "ios-17", "ideal"]))
def test_invariants_hold_on_random_worlds(world, profile):
    sc, tl = world
    result = run(sc, tl, profile=profile)
    tasks_by_id = {t.id: t for t in sc.tasks}
    violations = check_invariants(result.events, tasks_by_id, ipad=sc.device.model == "ipad")
    assert not violations, "\n".join(map(str, violations[:5])) + "\n" + "\n".join(
        map(str, result.events[:40]))
    assert result.events == run(sc, tl, profile=profile).events  # deterministic


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_skipping_quiet_ticks_changes_nothing(world):
    """The tick-skipping optimisation must give the same event log as re-scoring every tick."""
    from bgreplay.engine.engine import Replay
    from bgreplay.engine.profiles import build_profile

    sc, tl = world
    logs = []
    for skip in (True, False):
        engine = Replay(sc, tl, build_profile("ios-26"))
        engine.skip_quiet_ticks = skip
        engine.advance()
        logs.append(engine.events)
    assert logs[0] == logs[1]


def test_skipping_quiet_ticks_changes_nothing_on_a_routine():
    from engine_fixtures import app, daily_life, processing, refresh, scenario

    from bgreplay.engine.engine import Replay
    from bgreplay.engine.profiles import build_profile

    days = 10
    sc = scenario(app(refresh(earliest_begin=EarliestBegin(delay_ms=15 * M)), processing()),
                  days=days)
    tl = timeline(daily_life(days), days=days)
    logs = []
    for skip in (True, False):
        engine = Replay(sc, tl, build_profile("ios-26"))
        engine.skip_quiet_ticks = skip
        engine.advance()
        logs.append(engine.events)
    assert logs[0] == logs[1]
    assert any(e.event == "launched" for e in logs[0])
