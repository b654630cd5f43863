"""``bgreplay calibrate``: how far the replay is from what a real device did.

A trace imported from a sysdiagnose can hold ``bg_task_observed`` intervals — the launches the
device really made (never an input to the model). Replaying the same trace and putting both side
by side, per task and day, shows how far the model is from that device, and which profile
parameters would move it closer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bgreplay.engine.records import ReplayResult
from bgreplay.scenario.model import Task
from bgreplay.trace.model import Interval

DAY_MS = 86_400_000
BINS = 6  # time-of-day histogram: six 4-hour bins


@dataclass(frozen=True, slots=True)
class TaskCalibration:
    task: str
    observed_per_day: tuple[int, ...]
    replayed_per_day: tuple[int, ...]
    observed_hours: tuple[int, ...]  # launches per 4-hour bin of local time
    replayed_hours: tuple[int, ...]
    observed_on_battery: float | None  # share of launches while unplugged
    replayed_on_battery: float | None
    advice: tuple[str, ...] = field(default=())

    @property
    def observed_total(self) -> int:
        return sum(self.observed_per_day)

    @property
    def replayed_total(self) -> int:
        return sum(self.replayed_per_day)


def calibrate(result: ReplayResult) -> list[TaskCalibration]:
    """Observed vs replayed launches for every task that has observations."""
    timeline = result.timeline
    observed: dict[str, list[int]] = {}
    for iv in timeline.intervals:
        if iv.kind == "bg_task_observed" and iv.subject:
            observed.setdefault(iv.subject, []).append(iv.start)
    replayed: dict[str, list[int]] = {}
    throttled: dict[str, dict[str, int]] = {}
    for e in result.events:
        if e.task is None or e.reason is None:
            continue  # device events; every launch and throttle names its task and reason
        if e.event == "launched" and e.reason == "organic":
            replayed.setdefault(e.task, []).append(e.t)
        elif e.event == "throttled":
            counts = throttled.setdefault(e.task, {})
            counts[e.reason] = counts.get(e.reason, 0) + 1
    plugged = [iv for iv in timeline.intervals if iv.kind == "plugged"]
    days = max(1, -(-result.scenario.duration_ms // DAY_MS))
    out: list[TaskCalibration] = []
    known = {t.id: t for t in result.scenario.tasks}
    for task_id in sorted(observed):
        seen, ours = sorted(observed[task_id]), sorted(replayed.get(task_id, []))
        calibration = TaskCalibration(
            task=task_id,
            observed_per_day=_per_day(seen, days),
            replayed_per_day=_per_day(ours, days),
            observed_hours=_hours(result, seen),
            replayed_hours=_hours(result, ours),
            observed_on_battery=_on_battery(seen, plugged),
            replayed_on_battery=_on_battery(ours, plugged),
        )
        advice = _advice(calibration, known.get(task_id), throttled.get(task_id, {}))
        out.append(replace(calibration, advice=tuple(advice)))
    return out


def _per_day(times: list[int], days: int) -> tuple[int, ...]:
    counts = [0] * days
    for t in times:
        if 0 <= t // DAY_MS < days:
            counts[t // DAY_MS] += 1
    return tuple(counts)


def _hours(result: ReplayResult, times: list[int]) -> tuple[int, ...]:
    counts = [0] * BINS
    for t in times:
        counts[result.timeline.clock.ms_of_day(t) * BINS // DAY_MS] += 1
    return tuple(counts)


def _on_battery(times: list[int], plugged: list[Interval]) -> float | None:
    if not times:
        return None
    unplugged = sum(1 for t in times if not any(iv.start <= t < iv.end for iv in plugged))
    return unplugged / len(times)


def _peak(hours: tuple[int, ...]) -> int | None:
    return max(range(BINS), key=lambda i: hours[i]) if any(hours) else None


def _advice(c: TaskCalibration, task: Task | None, throttled: dict[str, int]) -> list[str]:
    """Which parameters would move the replay toward the device (see `bgreplay profiles`)."""
    advice: list[str] = []
    seen, ours = c.observed_total, c.replayed_total
    if seen and ours < 0.8 * seen:
        top = max(throttled, key=throttled.__getitem__) if throttled else None
        if top == "energy_budget":
            advice.append(
                "the replay spends the energy budget sooner than the device: raise "
                "energy_capacity or energy_refill"
            )
        elif top == "threshold":
            advice.append(
                "the replay holds requests back on score: lower min_run_score, or "
                "widen predictor_window / app_jitter_max so predicted use is found"
            )
        elif top:
            advice.append(
                f"most replayed requests were blocked by {top}; check that the trace "
                "has that channel right (plugged, network, Low Power Mode)"
            )
        else:
            advice.append("the replay launches less than the device: lower min_run_score")
    elif ours > 1.25 * max(seen, 1):
        advice.append(
            "the replay launches more than the device: raise min_run_score, or lower energy_refill"
        )
    if c.observed_on_battery and (c.replayed_on_battery or 0) < c.observed_on_battery - 0.2:
        if task is not None and task.type == "processing":
            advice.append(
                "the device ran processing on battery, which an iPhone never does "
                "(F34): is it an iPad? set device.model: ipad"
            )
        else:
            advice.append(
                "the device ran more on battery: lower battery_weight or critical_battery"
            )
    peak_seen, peak_ours = _peak(c.observed_hours), _peak(c.replayed_hours)
    if peak_seen is not None and peak_ours is not None and peak_seen != peak_ours:
        advice.append(
            f"the device launches most around {peak_seen * 4:02d}-"
            f"{peak_seen * 4 + 4:02d} h, the replay around {peak_ours * 4:02d}-"
            f"{peak_ours * 4 + 4:02d} h: adjust app_prediction_offset or "
            "predictor_window"
        )
    if not advice:
        advice.append("the replay is within 20 % of the device: no change suggested")
    return advice
