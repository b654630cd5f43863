"""Each invariant rule fires on a hand-made event log that breaks it, and only that rule."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bgreplay.analysis.invariants import check_invariants
from bgreplay.engine.records import Event

APP, REFRESH, PROC = "io.x", "io.x.refresh", "io.x.proc"
TASKS = {
    REFRESH: SimpleNamespace(type="refresh", requires_external_power=False, requires_network=True),
    PROC: SimpleNamespace(type="processing", requires_external_power=True, requires_network=False),
}
MIN = 60_000


def _log(*rows: tuple) -> list[Event]:
    """``(t_minutes, event, fields)`` rows as an ordered event log."""
    return [Event(i, int(t * MIN), event, **fields) for i, (t, event, fields) in enumerate(rows)]


def sub(task=REFRESH, kind="refresh", **more):
    return {"app": APP, "task": task, "task_type": kind, "value": 60.0, **more}


def run(number, task=REFRESH, kind="refresh", **more):
    return {"app": APP, "task": task, "task_type": kind, "run": number, **more}


NET = (0, "network", {"reason": "wifi"})
POWER = (0, "plugged", {})
REFRESH_OK = [
    NET,
    (1, "submitted", sub()),
    (3, "launched", run(1, value=60.0)),
    (4, "completed", run(1, value=60.0)),
]
BROKEN = {
    "replace": [(1, "submitted", sub()), (2, "submitted", sub())],
    "start-after": [(1, "submitted", sub(value=-5.0))],
    "throttle": [(1, "throttled", {**sub(), "reason": "threshold"})],
    "one-launch": [NET, (1, "launched", run(1))],
    "one-run": [
        NET,
        (1, "submitted", sub()),
        (2, "launched", run(1)),
        (3, "submitted", sub()),
        (4, "launched", run(2)),
    ],
    "run-number": [*REFRESH_OK, (5, "submitted", sub()), (6, "launched", run(1))],
    "run-end": [(1, "completed", run(7))],
    "runtime": [
        NET,
        (1, "submitted", sub()),
        (2, "launched", run(1)),
        (3, "completed", run(1, value=1.0)),
    ],
    "pending-limit": [(1, "submitted", sub()), (1, "submitted", sub(task="io.x.refresh2"))],
    "foreground": [
        NET,
        (0, "app_opened", {"app": APP}),
        (1, "submitted", sub()),
        (2, "launched", run(1)),
    ],
    "boot-time": [NET, (0, "boot", {}), (0.5, "submitted", sub()), (1, "launched", run(1))],
    "app-switcher": [
        NET,
        (0, "force_quit", {"app": APP}),
        (1, "submitted", sub()),
        (2, "launched", run(1)),
    ],
    "network": [(1, "submitted", sub()), (2, "launched", run(1))],
    "external-power": [
        (1, "submitted", sub(PROC, "processing")),
        (2, "launched", run(1, PROC, "processing")),
    ],
    "device-activity": [
        POWER,
        (0, "unlocked", {}),
        (1, "submitted", sub(PROC, "processing")),
        (2, "launched", run(1, PROC, "processing")),
    ],
    "low-power-mode": [
        NET,
        (0, "low_power_mode", {"reason": "on"}),
        (1, "submitted", sub()),
        (2, "launched", run(1)),
    ],
    "thermal": [
        NET,
        (0, "thermal", {"reason": "critical"}),
        (1, "submitted", sub()),
        (2, "launched", run(1)),
    ],
    "background-app-refresh": [
        NET,
        (0, "bar", {"reason": "off"}),
        (1, "submitted", sub()),
        (2, "launched", run(1)),
    ],
}


def test_a_clean_refresh_cycle_breaks_no_rule():
    assert check_invariants(_log(*REFRESH_OK), TASKS) == []


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_each_rule_fires_on_the_log_that_breaks_it(rule):
    found = {v.rule for v in check_invariants(_log(*BROKEN[rule]), TASKS)}
    if rule == "external-power":
        found.discard("battery")  # processing on battery breaks both (F33, F34)
    assert found == {rule}


def test_events_out_of_order_are_reported():
    events = _log(*REFRESH_OK)
    events[1], events[2] = events[2], events[1]
    assert "order" in {v.rule for v in check_invariants(events, TASKS)}


def test_an_ipad_may_process_on_battery_but_not_without_required_power():
    log = _log(
        (1, "submitted", sub(PROC, "processing")), (2, "launched", run(1, PROC, "processing"))
    )
    assert {v.rule for v in check_invariants(log, TASKS, ipad=True)} == {"external-power"}
