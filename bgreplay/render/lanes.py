"""What the timeline draws, lane by lane, in replay time: spans and points with their marks.

Device lanes come from the trace (``Timeline``: what the device did); task lanes and the battery
level come from the event log (what the replay made of it). Everything here is independent of
the grid: ``timeline.py`` slices these items into cells.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

from bgreplay.engine.records import Event, ReplayResult
from bgreplay.render import theme
from bgreplay.render.theme import Mark


@dataclass(frozen=True, slots=True)
class Item:
    """A mark over ``[start, end)``; a point when ``start == end``."""

    start: int
    end: int
    mark: Mark


@dataclass(slots=True)
class Lane:
    key: str
    long: str  # label on wide consoles
    short: str  # three-letter label at 100 columns
    items: list[Item] = field(default_factory=list)
    mode: str = "priority"  # or "coverage": the mark covering most of the cell wins
    samples: list[tuple[int, float]] = field(default_factory=list)  # battery: (t, level)
    title: str = ""  # what the legend says the label stands for
    starts: list[int] = field(default_factory=list)  # item starts, once sorted by prepare()
    reach: list[int] = field(default_factory=list)  # running maximum of item ends (points: +1)

    def prepare(self) -> None:
        """Sort the items, for finding those that overlap a block by bisection."""
        self.items.sort(key=lambda it: (it.start, it.end))
        self.starts = [it.start for it in self.items]
        self.reach, furthest = [], -(1 << 62)
        for it in self.items:
            furthest = max(furthest, it.end if it.end > it.start else it.end + 1)
            self.reach.append(furthest)

    def span(self, start: int, end: int, mark: Mark) -> None:
        if end > start:
            self.items.append(Item(start, end, mark))

    def point(self, t: int, mark: Mark) -> None:
        self.items.append(Item(t, t, mark))


def _throttle_mark(policy: str | None, cache: dict[str | None, Mark]) -> Mark:
    mark = cache.get(policy)
    if mark is None:
        mark = Mark(
            theme.policy_letter(policy),
            theme.throttle_style(policy),
            theme.THROTTLE_PRIORITY,
            policy or "unknown",
        )
        cache[policy] = mark
    return mark


def device_lanes(result: ReplayResult) -> list[Lane]:
    """unlocked (with app use), plugged, network, LPM/thermal, battery — from the trace."""
    timeline = result.timeline
    own = {a.bundle for a in result.scenario.apps}
    use = Lane("unlocked", "unlocked", "unl", title="device in use")
    power = Lane("plugged", "plugged", "pwr", title="external power")
    net = Lane("network", "network", "net", mode="coverage", title="network")
    modes = Lane("lpm", "lpm/heat", "lpm", title="Low Power Mode and thermal state")
    for iv in getattr(timeline, "intervals", ()):
        if iv.kind == "unlocked":
            use.span(iv.start, iv.end, theme.UNLOCKED)
        elif iv.kind == "app":
            use.span(iv.start, iv.end, theme.OWN_APP if iv.subject in own else theme.OTHER_APP)
        elif iv.kind == "off":
            use.span(iv.start, iv.end, theme.OFF)
        elif iv.kind == "plugged":
            power.span(iv.start, iv.end, theme.PLUGGED)
        elif iv.kind == "network" and iv.value in ("wifi", "cellular"):
            net.span(iv.start, iv.end, theme.WIFI if iv.value == "wifi" else theme.CELLULAR)
        elif iv.kind == "low_power_mode":
            modes.span(iv.start, iv.end, theme.LOW_POWER)
        elif iv.kind == "thermal" and iv.value in theme.THERMAL:
            modes.span(iv.start, iv.end, theme.THERMAL[iv.value])
    for p in getattr(timeline, "points", ()):
        if p.kind == "boot":
            use.point(p.t, theme.BOOT)
        elif p.kind == "force_quit":
            use.point(p.t, theme.FORCE_QUIT)
    battery = Lane("battery", "battery", "bat", title="battery level")
    battery.samples = battery_samples(result)
    return [use, power, net, modes, battery]


def battery_samples(result: ReplayResult) -> list[tuple[int, float]]:
    """Battery levels from the replay's ``battery`` events, else the trace's samples."""
    samples = [
        (e.t, float(e.value)) for e in result.events if e.event == "battery" and e.value is not None
    ]
    if not samples:
        for p in getattr(result.timeline, "points", ()):
            if p.kind == "battery" and p.value is not None:
                try:
                    samples.append((p.t, float(p.value)))
                except ValueError:
                    continue
    return sorted(samples, key=lambda s: s[0])


def task_labels(result: ReplayResult) -> dict[str, tuple[str, str]]:
    """task id → (long label, unique three-letter label); ``refresh`` for ``io.x.refresh``."""
    longs: dict[str, str] = {}
    for task in result.scenario.tasks:
        prefix = task.app + "."
        longs[task.id] = task.id[len(prefix) :] if task.id.startswith(prefix) else task.id
    counts: defaultdict[str, int] = defaultdict(int)
    for label in longs.values():
        counts[label] += 1
    for task in result.scenario.tasks:  # the same suffix in two apps: qualify with the app
        if counts[longs[task.id]] > 1:
            longs[task.id] = f"{task.app.rsplit('.', 1)[-1]}.{longs[task.id]}"
    out: dict[str, tuple[str, str]] = {}
    taken = {"unl", "pwr", "net", "lpm", "bat"}
    for task_id, label in longs.items():
        letters = "".join(c for c in label.rsplit(".", 1)[-1].lower() if c.isalnum()) or "tsk"
        short = (letters + "___")[:3]
        n = 2
        while short in taken:
            short = f"{letters[:2]}{n}" if n < 10 else f"{letters[:1]}{n}"
            n += 1
        taken.add(short)
        out[task_id] = (label, short)
    return out


def task_lanes(result: ReplayResult) -> list[Lane]:
    """One lane per task: pending, throttled (policy letter), runs and their ends."""
    labels = task_labels(result)
    lanes = {tid: Lane(tid, long, short, title=tid) for tid, (long, short) in labels.items()}
    by_task: dict[str, list[Event]] = defaultdict(list)
    for e in result.events:
        if e.task is not None and e.task in lanes:
            by_task[e.task].append(e)
    end = result.scenario.duration_ms
    cache: dict[str | None, Mark] = {}
    for task_id, events in by_task.items():
        _paint_task(lanes[task_id], sorted(events, key=lambda e: (e.t, e.seq)), end, cache)
    return list(lanes.values())


_POINTS = {
    "submitted": theme.SUBMITTED,
    "replaced": theme.REPLACED,
    "submit_failed": theme.SUBMIT_FAILED,
    "launched": theme.LAUNCHED,
    "cancelled": theme.CANCELLED,
    "expired": theme.EXPIRED,
    "killed": theme.KILLED,
    "app_crashed": theme.CRASHED,
}


def _paint_task(lane: Lane, events: list[Event], end: int, cache: dict) -> None:
    pending: int | None = None
    throttle: tuple[int, str | None] | None = None
    running: int | None = None

    def stop_throttle(t: int) -> None:
        nonlocal throttle
        if throttle is not None:
            lane.span(throttle[0], t, _throttle_mark(throttle[1], cache))
            throttle = None

    def stop_pending(t: int) -> None:
        nonlocal pending
        if pending is not None:
            lane.span(pending, t, theme.PENDING)
            pending = None

    for e in events:
        kind, t = e.event, e.t
        if kind == "submitted":
            stop_throttle(t)  # a new request: its own throttling starts afresh
            if pending is None:
                pending = t
        elif kind == "replaced":
            stop_throttle(t)
        elif kind == "throttled":
            stop_throttle(t)
            throttle = (t, e.reason)
        elif kind in ("launched", "cancelled"):
            stop_throttle(t)
            stop_pending(t)
            if kind == "launched":
                running = t
        elif kind in ("completed", "killed") and running is not None:
            lane.span(running, t, theme.RUNNING)
            running = None
        if kind == "completed":
            lane.point(t, theme.SUCCESS if e.reason == "success" else theme.FAILURE)
        elif kind in _POINTS:
            lane.point(t, _POINTS[kind])
    stop_throttle(end)
    stop_pending(end)
    if running is not None:
        lane.span(running, end, theme.RUNNING)


class Counts:
    """Launches, run ends and opens in any ``[start, end)``: the numbers in a day's heading."""

    def __init__(self, result: ReplayResult):
        own = {a.bundle for a in result.scenario.apps}
        times: dict[str, list[int]] = defaultdict(list)
        for e in result.events:
            if e.event == "app_opened" and e.app in own:
                times["opens"].append(e.t)
            elif e.event in ("launched", "expired", "killed"):
                times[e.event].append(e.t)
            elif e.event == "completed":
                times["success" if e.reason == "success" else "failure"].append(e.t)
        self._times = {key: sorted(ts) for key, ts in times.items()}

    def between(self, start: int, end: int) -> dict[str, int]:
        return {
            key: bisect_left(ts, end) - bisect_left(ts, start) for key, ts in self._times.items()
        }
