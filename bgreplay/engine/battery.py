"""The battery (SPEC §6.8): simulated from the rates of the profile until the trace's first
sample, then the trace's samples. A 5-point step is an evaluation trigger (F40) and a `battery`
event; the replay plans the next one whenever the rate may have changed.

A plan that moves the step later leaves the queued step where it is: when it comes up early it
queues itself again for the planned time, in the place in the queue the plan gave it (its
insertion number is taken when planned), so the replay runs as if each plan had queued anew."""

from __future__ import annotations

from typing import Final

from . import queue as q
from .params import Params
from .queue import Entry, EventQueue
from .world import DeviceState

HOUR_MS: Final = 3_600_000


class Battery:
    def __init__(self, device: DeviceState, params: Params, queue: EventQueue, end: int) -> None:
        self.device = device
        self.queue = queue
        self.end = end
        # % per ms: charging below 80 %, charging above, draining in use, draining idle
        self.charge_fast = params.charge_fast / 60_000
        self.charge_slow = params.charge_slow / 60_000
        self.drain_in_use = -params.drain_unlocked / HOUR_MS
        self.drain_idle = -params.drain_idle / HOUR_MS
        self.due: int | None = None  # the time of the planned step, if any
        self.due_seq = 0  # its place in the queue among entries of that time
        self.step: Entry | None = None  # the queued entry that reaches it (or comes up before)

    def rate_per_ms(self) -> float:
        """Current battery change in % per ms (positive while charging)."""
        d = self.device
        if d.plugged:
            if d.battery >= 100.0:
                return 0.0
            return self.charge_fast if d.battery < 80.0 else self.charge_slow
        if d.off:
            return 0.0
        return self.drain_in_use if d.in_use else self.drain_idle

    def sync(self, t: int) -> None:
        d = self.device
        d.battery = self.level(t)
        d.battery_t = t

    def level(self, t: int) -> float:
        """The level at ``t`` (not before the last sync), held within 0–100 %."""
        d = self.device
        if d.battery_measured or t <= d.battery_t:
            return d.battery
        level = d.battery + self.rate_per_ms() * (t - d.battery_t)
        return 0.0 if level < 0.0 else (100.0 if level > 100.0 else level)

    def measured(self, level: float) -> None:
        """A sample from the trace: from now on the trace says the level (§6.8)."""
        self.device.battery_measured = True
        self.device.battery = level
        self._plan(None)

    def schedule(self, t: int) -> None:
        """Plan the next 5-point step (or the 80 % rate change, or empty)."""
        if self.device.battery_measured:
            return
        rate = self.rate_per_ms()
        if rate == 0.0:
            self._plan(None)
            return
        level = self.device.battery  # within 0-100: its whole part floors it
        below = int(level) // 5 * 5  # the 5-point mark at or below the level
        if rate > 0:
            target = below + 5 if below < 100 else 100
            if level < 80.0 < target + 1e-9:
                target = 80
        else:
            target = below - 5 if below == level else below  # strictly below the level
            if target < 0:
                target = 0
        steps = int((target - level) / rate)  # whole ms to the mark; then the step is past it
        when = t + (steps if steps >= 0 else -steps) + 1
        if when != self.due:  # most changes leave the rate alone: the planned step still holds
            self._plan(when)

    def _plan(self, when: int | None) -> None:
        if when is None or when >= self.end:
            self.due = None  # a queued step, if any, comes up to nothing
            return
        self.due = when
        self.due_seq = self.queue.reserve()
        step = self.step
        if step is not None and step.t <= when:
            return  # it comes up first and queues itself again (``is_due``)
        if step is not None:
            step.cancel()
        self.step = self.queue.push_as(self.due_seq, when, q.START, q.BATTERY_STEP)

    def is_due(self, entry: Entry) -> bool:
        """Whether the queued step that came up is the planned one; if it came up early, it is
        queued again for the planned time, in the planned place."""
        if entry is not self.step:
            return False
        due = self.due
        if due is None:
            self.step = None
            return False
        if entry.t == due and entry.seq == self.due_seq:
            return True
        self.step = self.queue.push_as(self.due_seq, due, q.START, q.BATTERY_STEP)
        return False

    def take_step(self, t: int) -> float:
        """The planned step is due: round the level to it and return it."""
        self.due = None
        self.step = None
        self.sync(t)
        d = self.device
        d.battery = float(round(d.battery))
        return d.battery
