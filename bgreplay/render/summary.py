"""The run's facts and numbers as plain data: what the header, the summary tables and
``--format json`` show. Every number comes from ``bgreplay.analysis.metrics`` (defined once);
only the per-code and per-reason breakdowns are read off the event log here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

import polars as pl

from bgreplay.analysis.frame import events_frame
from bgreplay.analysis.measure import aggregate, lookup
from bgreplay.analysis.metrics import compute_metrics
from bgreplay.engine.records import ReplayResult
from bgreplay.render.clockview import DAY_MS, local_datetime

if TYPE_CHECKING:
    from bgreplay.scenario.lint import Finding

MODEL_NAMES = {"iphone": "iPhone", "ipad": "iPad", "simulator": "Simulator"}


class Period(TypedDict):
    start: str
    end: str
    timezone: str
    days: float


class TaskNumbers(TypedDict):
    """One task's row of the summary (seconds for times; None where there is no data)."""

    task: str
    app: str
    type: str
    submits: int
    submit_errors: int
    submit_errors_by_code: dict[str, int]
    replaced: int
    launches: int
    launches_per_day: float | None
    successes: int
    failures: int
    expirations: int
    kills: int
    kills_by_reason: dict[str, int]
    launch_delay_p50: float | None
    runtime_p50: float | None
    throttled_time: float | None
    throttled_by_policy: dict[str, float]
    energy: float | None


class AppNumbers(TypedDict):
    app: str
    opens: int
    staleness_p50: float | None
    staleness_p90: float | None
    staleness_max: float | None
    fresh_open_ratio: float | None
    missed_changes_p50: float | None
    background_runtime: float | None
    crashes: int


class DeviceNumbers(TypedDict):
    unlocks_per_day: float | None
    plugged_hours_per_day: float | None
    min_battery: float | None


class Numbers(TypedDict):
    tasks: list[TaskNumbers]
    apps: list[AppNumbers]
    device: DeviceNumbers


def period(result: ReplayResult) -> Period:
    """Local start and end (ISO 8601 with the UTC offset), zone and length in days."""
    clock, duration = result.timeline.clock, result.scenario.duration_ms

    def iso(t: int) -> str:
        offset = clock.offset_at(t)
        moment = local_datetime(clock, t)
        sign = "-" if offset < 0 else "+"
        minutes = abs(offset) // 60_000
        return f"{moment:%Y-%m-%dT%H:%M:%S}{sign}{minutes // 60:02d}:{minutes % 60:02d}"

    return {
        "start": iso(0),
        "end": iso(duration),
        "timezone": result.scenario.timezone,
        "days": duration / DAY_MS,
    }


def scenario_facts(result: ReplayResult, lint: Sequence[Finding] = ()) -> dict[str, object]:
    """Name, file, profile, device, period, seed, variant, overrides and lint findings."""
    sc = result.scenario
    device = sc.device
    return {
        "name": sc.name,
        "file": str(sc.path) if sc.path is not None else None,
        "profile": result.profile_name,
        "device": {"model": device.model, "ios": device.ios},
        "period": period(result),
        "seed": sc.seed,
        "variant": sc.variant,
        "overrides": list(sc.overrides),
        "lint": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "location": str(f.location),
                "message": f.message,
                "advice": f.advice,
            }
            for f in lint
        ],
        "warnings": [{"location": str(w.location), "message": w.message} for w in sc.warnings],
    }


def _breakdown(frame: pl.DataFrame, event: str) -> dict[str, dict[str, int]]:
    """task → {reason: count} for one event kind, reasons by count then name."""
    rows = (
        frame.filter(pl.col("event") == event)
        .group_by("task", "reason")
        .len()
        .sort(["task", "len", "reason"], descending=[False, True, False])
    )
    out: dict[str, dict[str, int]] = {}
    for task, reason, n in rows.iter_rows():
        out.setdefault(task, {})[reason or "unknown"] = int(n)
    return out


def numbers(
    result: ReplayResult, frame: pl.DataFrame | None = None, metrics: pl.DataFrame | None = None
) -> Numbers:
    """Per task, per app and device numbers for the summary tables and JSON."""
    if frame is None:
        frame = events_frame(result, variant=result.scenario.variant)
    if metrics is None:
        metrics = compute_metrics(frame, result.scenario, result.profile)
    table = lookup(metrics)
    errors = _breakdown(frame, "submit_failed")

    def get(target: str, metric: str) -> float | None:
        value = table.get((target, metric))
        return None if isinstance(value, list) else value

    def dist(target: str, metric: str, agg: str) -> float | None:
        value = table.get((target, metric))
        return aggregate(value if isinstance(value, list) else [], agg)

    tasks: list[TaskNumbers] = []
    for task in result.scenario.tasks:
        tid = task.id
        kills = {  # the families are scalars: one number per member
            m.split(".", 1)[1]: int(v)
            for (t, m), v in table.items()
            if t == tid and m.startswith("kills.") and isinstance(v, int | float) and v
        }
        throttled = {
            m.split(".", 1)[1]: v
            for (t, m), v in table.items()
            if t == tid and m.startswith("throttled_time.") and isinstance(v, int | float) and v
        }
        tasks.append(
            {
                "task": tid,
                "app": task.app,
                "type": task.type,
                "submits": _int(get(tid, "submits")),
                "submit_errors": _int(get(tid, "submit_errors")),
                "submit_errors_by_code": errors.get(tid, {}),
                "replaced": _int(get(tid, "replaced")),
                "launches": _int(get(tid, "launches")),
                "launches_per_day": get(tid, "launches_per_day"),
                "successes": _int(get(tid, "successes")),
                "failures": _int(get(tid, "failures")),
                "expirations": _int(get(tid, "expirations")),
                "kills": _int(get(tid, "kills")),
                "kills_by_reason": dict(sorted(kills.items(), key=lambda kv: (-kv[1], kv[0]))),
                "launch_delay_p50": dist(tid, "launch_delay", "med"),
                "runtime_p50": dist(tid, "runtime", "med"),
                "throttled_time": get(tid, "throttled_time"),
                "throttled_by_policy": dict(
                    sorted(throttled.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
                "energy": get(tid, "energy"),
            }
        )
    apps: list[AppNumbers] = []
    for app in result.scenario.apps:
        b = app.bundle
        apps.append(
            {
                "app": b,
                "opens": _int(get(b, "opens")),
                "staleness_p50": dist(b, "staleness_at_open", "p(50)"),
                "staleness_p90": dist(b, "staleness_at_open", "p(90)"),
                "staleness_max": dist(b, "staleness_at_open", "max"),
                "fresh_open_ratio": get(b, "fresh_open_ratio"),
                "missed_changes_p50": dist(b, "missed_changes_at_open", "p(50)"),
                "background_runtime": get(b, "background_runtime"),
                "crashes": _int(get(b, "crashes")),
            }
        )
    device: DeviceNumbers = {
        "unlocks_per_day": get("device", "unlocks_per_day"),
        "plugged_hours_per_day": get("device", "plugged_hours_per_day"),
        "min_battery": get("device", "min_battery"),
    }
    return {"tasks": tasks, "apps": apps, "device": device}


def summary_document(
    result: ReplayResult,
    *,
    lint: Sequence[Finding] = (),
    frame: pl.DataFrame | None = None,
    metrics: pl.DataFrame | None = None,
) -> dict[str, object]:
    """``bgreplay run --format json``: the header facts and every summary number."""
    return {"scenario": scenario_facts(result, lint), **numbers(result, frame, metrics)}


def _int(value: float | None) -> int:
    return int(value) if value is not None else 0
