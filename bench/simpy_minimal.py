"""A bare SimPy replay of the fleet's persona traces: the floor any full model is measured against.

It does only two things: it applies every trace change (each interval's start and end, each
point) and, while a request is pending, polls it every 15 minutes; a poll that finds the task's
conditions met (``earliest_begin`` passed, network when required, power when required, locked
for processing) launches it for the handler's fixed duration and, when the task resubmits from
its handler, submits again. No policies, no predictor, no budgets, no event log beyond a count.

``python -m bench.simpy_minimal`` prints its throughput in device-days per second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import simpy

MINUTE_MS = 60_000
POLL_MS = 15 * MINUTE_MS
DAY_MS = 86_400_000


@dataclass
class _Device:
    unlocked: int = 0
    plugged: bool = False
    network: str = "none"
    launches: int = 0
    pending: dict[str, int] = field(default_factory=dict)  # task id -> start_after (ms)


def replay(scenario, timeline) -> int:
    """Replay ``timeline`` for ``scenario``'s tasks; return the number of launches."""
    env = simpy.Environment()
    dev = _Device()
    tasks_by_app = {app.bundle: app.tasks for app in scenario.apps}

    def submit(task) -> None:
        if task.id in dev.pending:
            return
        delay = task.earliest_begin.delay_ms or 0
        dev.pending[task.id] = int(env.now) + delay
        env.process(poll(task))

    def ready(task) -> bool:
        if env.now < dev.pending[task.id]:
            return False
        if task.requires_network and dev.network == "none":
            return False
        if task.requires_external_power and not dev.plugged:
            return False
        return not (task.is_processing_family and dev.unlocked)

    def poll(task):
        while True:
            yield env.timeout(POLL_MS)
            if ready(task):
                del dev.pending[task.id]
                dev.launches += 1
                yield env.timeout(task.handler.duration.fixed_ms)
                if {"handler_start", "handler_end", "handler_success"} & set(task.submit.when):
                    submit(task)
                return

    def apply(kind: str, value, subject, starting: bool) -> None:
        if kind == "unlocked":
            dev.unlocked += 1 if starting else -1
        elif kind == "plugged":
            dev.plugged = starting
        elif kind == "network":
            dev.network = value if starting else "none"
        elif kind == "app" and not starting:  # the app goes to the background
            for task in tasks_by_app.get(subject, ()):
                if "app_background" in task.submit.when:
                    submit(task)

    changes = [(i.start, 1, i.kind, i.value, i.subject, True) for i in timeline.intervals]
    changes += [(i.end, 0, i.kind, i.value, i.subject, False) for i in timeline.intervals]
    changes += [(p.t, 2, p.kind, p.value, p.subject, True) for p in timeline.points]
    changes.sort(key=lambda c: (c[0], c[1]))

    def trace():
        for t, _, kind, value, subject, starting in changes:
            if t > env.now:
                yield env.timeout(t - env.now)
            apply(kind, value, subject, starting)

    env.process(trace())
    env.run(until=timeline.duration)
    return dev.launches


def throughput(pairs, *, cpu: bool = False) -> tuple[float, float, int]:
    """``(seconds, device-days per second, launches)`` over ``(scenario, timeline)`` pairs, in
    wall time or (``cpu``) this process's CPU time."""
    clock = time.process_time if cpu else time.perf_counter
    begun = clock()
    launches = sum(replay(s, t) for s, t in pairs)
    elapsed = clock() - begun
    days = sum(t.duration for _, t in pairs) / DAY_MS
    return elapsed, days / elapsed, launches


if __name__ == "__main__":
    from bench.bench_fleet import device_pairs, write_scenario

    pairs = device_pairs(write_scenario(), 50)
    seconds, rate, launches = throughput(pairs)
    print(
        f"SimPy minimal: {len(pairs)} device-weeks in {seconds:.2f} s, {rate:.0f} device-days/s"
        f" ({launches} launches)"
    )
