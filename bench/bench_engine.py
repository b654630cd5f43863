"""Engine throughput (SPEC §10): simulated device-days per second and peak memory.

Workloads are built in code (no YAML, no files) so they measure the engine alone: a 7-day 3-app
scenario and a 365-day 10-app scenario, each app with a refresh and an overnight processing task,
on a routine of opens, commutes and overnight charging.
"""

from __future__ import annotations

import resource
import time
from datetime import datetime

from bgreplay.engine.profiles import build_profile
from bgreplay.engine.select import engine_module, engine_name
from bgreplay.scenario.model import (
    App,
    DurationDist,
    EarliestBegin,
    Handler,
    NetworkUse,
    Scenario,
    Submit,
    Task,
)
from bgreplay.trace.model import Clock, Interval, Timeline

M, H, D = 60_000, 3_600_000, 86_400_000
START = datetime(2026, 3, 2)


def workload(days: int, n_apps: int) -> tuple[Scenario, Timeline]:
    apps = []
    for k in range(n_apps):
        bundle = f"io.bench.app{k}"
        refresh = Task(
            f"{bundle}.refresh",
            bundle,
            "refresh",
            earliest_begin=EarliestBegin(delay_ms=(1 + k % 3) * H),
            submit=Submit(("app_background", "handler_start")),
            handler=Handler(network=NetworkUse(1, 40_000)),
        )
        processing = Task(
            f"{bundle}.processing",
            bundle,
            "processing",
            earliest_begin=EarliestBegin(delay_ms=4 * H),
            requires_network=True,
            requires_external_power=True,
            handler=Handler(duration=DurationDist(fixed_ms=3 * M)),
        )
        apps.append(
            App(
                bundle,
                background_modes=("fetch", "processing"),
                permitted_identifiers=(refresh.id, processing.id),
                tasks=(refresh, processing),
            )
        )
    intervals = []
    sessions = [(7, 30, 10), (8, 40, 20), (12, 30, 15), (15, 10, 5), (18, 45, 20), (21, 0, 30)]
    for d in range(days):
        base = d * D
        for i, (h, m, length) in enumerate(sessions):
            start = base + h * H + m * M
            intervals.append(Interval(start, start + length * M, "unlocked"))
            bundle = f"io.bench.app{(d + i) % n_apps}"
            intervals.append(Interval(start + M, start + (length - 1) * M, "app", subject=bundle))
        intervals.append(Interval(base, base + 7 * H, "plugged"))
        intervals.append(Interval(base + 23 * H, base + D, "plugged"))
        intervals.append(Interval(base, base + 8 * H, "network", "wifi"))
        intervals.append(Interval(base + 8 * H, base + 18 * H, "network", "cellular"))
        intervals.append(Interval(base + 18 * H, base + D, "network", "wifi"))
    intervals.sort(key=lambda i: (i.start, i.kind, i.subject or ""))
    scenario = Scenario(name="bench", start=START, duration_ms=days * D, apps=tuple(apps))
    clock = Clock(int((START - datetime(1970, 1, 1)).total_seconds() * 1000))
    return scenario, Timeline(days * D, clock, tuple(intervals))


def measure(days: int, n_apps: int) -> str:
    scenario, timeline = workload(days, n_apps)
    profile = build_profile("ios-26")
    begun = time.perf_counter()
    events = len(engine_module().replay(scenario, timeline, profile).events)
    elapsed = time.perf_counter() - begun
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return (
        f"{days:>3} days x {n_apps:>2} apps: {elapsed:6.3f} s engine time, "
        f"{days / elapsed:8.1f} device-days/s, {events} events, "
        f"peak resident memory so far {peak:.0f} MB"
    )


def per_app_day(days: int, n_apps: int) -> float:
    """CPU ms per app-day of a replay (median of 3)."""
    scenario, timeline = workload(days, n_apps)
    profile = build_profile("ios-26")
    runs = []
    for _ in range(3):
        begun = time.process_time()
        engine_module().replay(scenario, timeline, profile)
        runs.append(time.process_time() - begun)
    return sorted(runs)[1] * 1000 / (days * n_apps)


def run() -> list[str]:
    ten, thirty = per_app_day(28, 10), per_app_day(28, 30)
    return [
        f"engine: {engine_name()}",
        measure(7, 3),
        measure(365, 10),
        f"28 days x 30 apps: {thirty:.2f} ms CPU per app-day, 10 apps: {ten:.2f} "
        f"(ratio {thirty / ten:.2f}; target <= 1)",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
