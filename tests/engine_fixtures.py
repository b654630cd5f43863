"""Hand-built scenarios and timelines for engine tests (no YAML, no files)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bgreplay.engine.profiles import build_profile
from bgreplay.engine.replay import Replay
from bgreplay.engine.select import compiled
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
from bgreplay.trace.model import Clock, Interval, Point, Timeline

S, M, H, D = 1_000, 60_000, 3_600_000, 86_400_000
START = datetime(2026, 3, 2)  # a Monday
BUNDLE = "io.x"


def refresh(ident: str = "io.x.refresh", **kw) -> Task:
    kw.setdefault("earliest_begin", EarliestBegin(delay_ms=2 * H))
    kw.setdefault("submit", Submit(("app_background", "handler_start")))
    kw.setdefault("handler", Handler(network=NetworkUse(1, 40_000)))
    return Task(ident, kw.pop("app", BUNDLE), "refresh", **kw)


def processing(ident: str = "io.x.processing", **kw) -> Task:
    kw.setdefault("earliest_begin", EarliestBegin(delay_ms=4 * H))
    kw.setdefault("requires_external_power", True)
    kw.setdefault("requires_network", True)
    kw.setdefault("handler", Handler(duration=DurationDist(fixed_ms=3 * M)))
    return Task(ident, kw.pop("app", BUNDLE), kw.pop("type", "processing"), **kw)


def app(*tasks: Task, bundle: str = BUNDLE, **kw) -> App:
    kw.setdefault("background_modes", ("fetch", "processing"))
    kw.setdefault("permitted_identifiers", tuple(t.id for t in tasks))
    return App(bundle, tasks=tuple(tasks), **kw)


def scenario(*apps: App, days: int = 3, **kw) -> Scenario:
    return Scenario(name="test", start=START, duration_ms=days * D, apps=tuple(apps), **kw)


def daily_life(
    days: int,
    bundle: str = BUNDLE,
    opens=((7, 30, 10), (12, 30, 15), (21, 0, 20)),
    plugged=True,
    extra=(),
) -> list[Interval]:
    """A plain routine: three app sessions a day, charging overnight, Wi-Fi at home."""
    out = []
    for d in range(days):
        b = d * D
        for h, m, length in opens:
            s = b + h * H + m * M
            out.append(Interval(s, s + length * M, "unlocked"))
            out.append(Interval(s + M, s + (length - 1) * M, "app", subject=bundle))
        if plugged:
            out.append(Interval(b, b + 7 * H, "plugged"))
            out.append(Interval(b + 23 * H, b + D, "plugged"))
        out.append(Interval(b, b + 8 * H, "network", "wifi"))
        out.append(Interval(b + 8 * H, b + 18 * H, "network", "cellular"))
        out.append(Interval(b + 18 * H, b + D, "network", "wifi"))
    out.extend(extra)
    return out


def timeline(intervals=(), points=(), days: int = 3) -> Timeline:
    clock = Clock(
        int(START.timestamp() * 1000)
        if START.tzinfo
        else int((START - datetime(1970, 1, 1)).total_seconds() * 1000)
    )
    return Timeline(
        duration=days * D,
        clock=clock,
        intervals=tuple(sorted(intervals, key=lambda i: (i.start, i.kind, i.subject or ""))),
        points=tuple(sorted(points, key=lambda p: (p.t, p.kind, p.subject or ""))),
    )


def run(sc: Scenario, tl: Timeline, profile: str = "ios-26", explain: str | None = None, **params):
    """Replay with the pure-Python engine and, where it is built, the compiled one too: the
    two must write the same event log and evaluations (every engine test checks both)."""
    built = build_profile(profile, params)
    engine = Replay(sc, tl, built, explain_task=explain)
    engine.advance()
    result = engine.result()
    fast = compiled()
    if fast is not None:
        other = fast.replay(sc, tl, built, explain_task=explain)
        assert other.events == result.events, "the compiled engine wrote another event log"
        assert other.evaluations == result.evaluations
    return result


def of(result, event: str, task: str | None = None):
    return [e for e in result.events if e.event == event and (task is None or e.task == task)]


__all__ = ["Device", "Point", "replace", "S", "M", "H", "D"]
