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
TRIGGERS = (
    "app_launch",
    "app_background",
    "handler_start",
    "handler_end",
    "handler_success",
    "user_action",
)


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
    kind = draw(
        st.sampled_from(["refresh", "processing", "health_research", "continued_processing"])
    )
    ident = f"{bundle}.export.t{index}" if kind == "continued_processing" else f"{bundle}.t{index}"
    family = kind != "refresh"
    # as the loader requires (F100): a continued-processing request only from a person's action,
    # never from its own handler (a run that resubmits itself would loop every few seconds)
    when = (
        ("user_action",)
        if kind == "continued_processing"
        else tuple(draw(st.lists(st.sampled_from(TRIGGERS), min_size=1, max_size=3, unique=True)))
    )
    delay = draw(st.sampled_from([None, 0, 15 * M, 2 * H, 22 * H]))
    return Task(
        ident,
        bundle,
        kind,
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
        apps.append(
            App(
                bundle,
                background_modes=("fetch", "processing"),
                permitted_identifiers=tuple(permitted),
                registers=draw(st.sampled_from(["all", ()])),
                tasks=tuple(ts),
            )
        )
    intervals: list[Interval] = []
    for start, end in _spans(draw, days, 12, 2, 90):
        intervals.append(Interval(start, end, "unlocked"))
        if end - start > 2 * M:
            intervals.append(
                Interval(start + M, end - M, "app", subject=draw(st.sampled_from(BUNDLES)))
            )
    for kind, value in (
        ("plugged", None),
        ("low_power_mode", None),
        ("thermal", "serious"),
        ("network", "wifi"),
        ("off", None),
    ):
        for start, end in _spans(draw, days, 4, 10, 600):
            intervals.append(Interval(start, end, kind, value))
    all_ids = [t.id for a in apps for t in a.tasks]
    points = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(
            st.sampled_from(
                [
                    "boot",
                    "force_quit",
                    "user_action",
                    "cancel",
                    "simulate_launch",
                    "simulate_expiration",
                    "battery",
                ]
            )
        )
        t = draw(st.integers(0, days * D - 1))
        subject = value = None
        if kind == "force_quit":
            subject = draw(st.sampled_from(BUNDLES))
        elif kind == "battery":
            value = str(draw(st.integers(0, 100)))
        elif kind != "boot":
            subject = draw(st.sampled_from(all_ids))
        points.append(Point(t, kind, value, subject))
    device = Device(
        model=draw(st.sampled_from(["iphone", "ipad"])),
        history=draw(st.sampled_from(["repeat", "none"])),
        battery_start=draw(st.sampled_from([5.0, 50.0, 100.0])),
    )
    sc = Scenario(
        name="random",
        start=__import__("engine_fixtures").START,
        duration_ms=days * D,
        apps=tuple(apps),
        device=device,
        seed=draw(st.integers(0, 1000)),
    )
    return sc, timeline(intervals, points, days=days)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.sampled_from(["ios-26", "ios-17", "ideal"]))
def test_invariants_hold_on_random_worlds(world, profile):
    sc, tl = world
    result = run(sc, tl, profile=profile)
    tasks_by_id = {t.id: t for t in sc.tasks}
    violations = check_invariants(result.events, tasks_by_id, ipad=sc.device.model == "ipad")
    assert not violations, (
        "\n".join(map(str, violations[:5])) + "\n" + "\n".join(map(str, result.events[:40]))
    )
    assert result.events == run(sc, tl, profile=profile).events  # deterministic


def with_and_without_skipping(sc, tl, explain_task=None):
    """The replay with the skipping optimisations (quiet ticks, idle re-scores), then without."""
    from bgreplay.engine.profiles import build_profile
    from bgreplay.engine.replay import Replay

    results = []
    for skip in (True, False):
        engine = Replay(sc, tl, build_profile("ios-26"), explain_task=explain_task)
        engine.skip_quiet_ticks = skip
        engine.advance()
        results.append(engine.result())
    return results


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_skipping_quiet_ticks_changes_nothing(world):
    """The tick-skipping optimisation must give the same event log as re-scoring every tick."""
    skipping, not_skipping = with_and_without_skipping(*world)
    assert skipping.events == not_skipping.events


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_skipping_quiet_ticks_keeps_the_evaluations_explain_shows(world):
    """With every change of reason kept (``explain``'s ``*``), skipping quiet ticks and idle
    re-scores keeps the same evaluations, triggers included: what it skips would only have
    repeated an answer."""
    skipping, not_skipping = with_and_without_skipping(*world, explain_task="*")
    assert skipping.evaluations == not_skipping.evaluations


def test_a_request_open_at_once_is_rescored_by_the_change_of_its_instant():
    """A device change with only requests that open later queues no re-score; a request
    submitted in the same instant that opens at once (no earliest-begin delay) must still be
    re-scored by that change first, as without the optimisation."""
    from engine_fixtures import app, daily_life, processing, refresh, scenario

    later = processing("io.x.later", submit=Submit(("app_launch",)))  # opens hours later
    at_once = refresh(
        "io.x.now", earliest_begin=EarliestBegin(delay_ms=0), submit=Submit(("app_background",))
    )
    sc = scenario(app(later, at_once), days=2)
    skipping, not_skipping = with_and_without_skipping(
        sc, timeline(daily_life(2), days=2), explain_task="*"
    )
    kept = not_skipping.evaluations
    assert any(e.task == "io.x.now" and e.trigger == "context" for e in kept)
    assert skipping.evaluations == kept


def test_skipping_quiet_ticks_changes_nothing_on_a_routine():
    from engine_fixtures import app, daily_life, processing, refresh, scenario

    days = 10
    sc = scenario(
        app(refresh(earliest_begin=EarliestBegin(delay_ms=15 * M)), processing()), days=days
    )
    skipping, not_skipping = with_and_without_skipping(sc, timeline(daily_life(days), days=days))
    assert skipping.events == not_skipping.events
    assert any(e.event == "launched" for e in skipping.events)


@st.composite
def routines(draw):
    """A habit the usage predictor can learn (so pre-warms happen), and random submit triggers."""
    days = draw(st.integers(3, 5))
    habits = draw(st.lists(st.integers(6 * 60, 23 * 60), min_size=1, max_size=4, unique=True))
    intervals: list[Interval] = []
    for day in range(days):
        for minute in habits:
            if draw(st.integers(0, 5)) == 0:
                continue  # a skipped day
            start = day * D + (minute + draw(st.integers(-20, 20))) * M
            length = draw(st.integers(2, 40)) * M
            intervals.append(Interval(start, start + length, "unlocked"))
            intervals.append(
                Interval(start + M // 2, start + length - M // 2, "app", subject="io.a")
            )
        intervals.append(Interval(day * D, day * D + 7 * H, "plugged"))
        intervals.append(Interval(day * D, (day + 1) * D, "network", "wifi"))
    ts = [draw(tasks("io.a", i)) for i in range(draw(st.integers(1, 2)))]
    when = tuple(draw(st.lists(st.sampled_from(TRIGGERS[:3]), min_size=1, max_size=3, unique=True)))
    ts[0] = Task(
        ts[0].id.replace(".export", ""),
        "io.a",
        "refresh",
        earliest_begin=EarliestBegin(delay_ms=draw(st.sampled_from([15 * M, 2 * H]))),
        submit=Submit(("app_launch", *when), draw(st.booleans())),
        handler=Handler(duration=DurationDist(fixed_ms=5 * S)),
    )
    apps = (
        App(
            "io.a",
            background_modes=("fetch", "processing"),
            permitted_identifiers=(*(t.id for t in ts), "io.a.export.*"),
            tasks=tuple(ts),
        ),
    )
    sc = Scenario(
        name="routine",
        start=__import__("engine_fixtures").START,
        duration_ms=days * D,
        apps=apps,
        device=Device(history="none"),
        seed=draw(st.integers(0, 1000)),
    )
    return sc, timeline(intervals, days=days)


def _cut(tl, cut: int):
    """The trace as known at ``cut``: what started before it, open-ended when it ends later."""
    from dataclasses import replace

    intervals = [
        i if i.end <= cut else replace(i, end=tl.duration) for i in tl.intervals if i.start < cut
    ]
    return replace(tl, intervals=tuple(intervals), points=tuple(p for p in tl.points if p.t < cut))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(worlds(), routines()), st.floats(0.05, 0.95))
def test_the_replay_never_reads_the_trace_ahead(world, fraction):
    """Everything before a moment is decided by the trace up to it: cutting the trace there (an
    interval still open stays open) changes no earlier event. `history: repeat` reads the
    trace's first days by definition, so it is off here."""
    from dataclasses import replace

    sc, tl = world
    sc = replace(sc, device=replace(sc.device, history="none"))
    cut = int(tl.duration * fraction)
    full = [e for e in run(sc, tl).events if e.t < cut]
    assert [e for e in run(sc, _cut(tl, cut)).events if e.t < cut] == full


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routines())
def test_invariants_hold_on_routines_with_prewarms(world):
    sc, tl = world
    result = run(sc, tl)
    violations = check_invariants(result.events, {t.id: t for t in sc.tasks})
    assert not violations, "\n".join(map(str, violations[:5]))
