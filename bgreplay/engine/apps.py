"""Each app's process (F93; FO5-FO7) and freshness (§6.9): whether its process is in memory,
how a foreground open finds it, and the server changes it has not fetched yet."""

from __future__ import annotations

import math
import random
from typing import Final

from bgreplay.rng import Streams
from bgreplay.scenario.model import App

from .params import Params
from .world import NEVER, AppState, World

HOUR_MS: Final = 3_600_000


class Apps:
    def __init__(self, world: World, params: Params, streams: Streams) -> None:
        self.world = world
        self.p = params
        self.streams = streams
        self._content: dict[str, random.Random] = {}  # bundle -> its content stream

    # --- the process (F93, FO6) ---------------------------------------------------------------
    def resident(self, state: AppState, t: int) -> bool:
        """The app's process is in memory: in the foreground, running a task, or suspended
        for less than `process_residency` since its last use or pre-warm."""
        bundle = state.app.bundle
        if self.world.device.foreground == bundle or any(
            run.task.app == bundle for run in self.world.active.values()
        ):
            return True
        return state.proc_until is not None and t < state.proc_until

    def keep_resident(self, state: AppState, t: int) -> None:
        """The process was just used: it stays in memory `process_residency` from now."""
        until = t + self.p.process_residency
        state.proc_until = until if state.proc_until is None else max(state.proc_until, until)

    def end_process(self, state: AppState) -> None:
        state.proc_until = None
        state.prewarmed_at = None
        state.launch_code_ran = False

    def process_start(self, state: AppState, t: int) -> tuple[str, bool]:
        """How a foreground open finds the process: ``cold`` (not in memory), ``prewarmed``
        (started by a pre-warm, first use) or ``resumed``; and whether that pre-warm already
        ran the launch code."""
        if not self.resident(state, t):
            self.end_process(state)
            return "cold", False
        if state.prewarmed_at is None:
            return "resumed", False
        ran = state.launch_code_ran
        state.prewarmed_at = None
        state.launch_code_ran = False
        return "prewarmed", ran

    def launch_crashes(self, bundle: str) -> bool:
        """F87: registering handlers late crashes every launch on iOS <= 18 profiles."""
        app = self.world.apps[bundle].app
        return app.registration == "late" and self.p.late_registration_crash

    # --- content and freshness (§6.9) ---------------------------------------------------------
    def next_gap(self, app: App) -> int:
        """Time to the app's next server change (a Poisson process)."""
        rate = app.changes_per_hour
        if rate <= 0:
            return NEVER
        return _gap(self._stream(app), rate)

    def _stream(self, app: App) -> random.Random:
        rng = self._content.get(app.bundle)
        if rng is None:
            rng = self._content[app.bundle] = self.streams.generator(f"content/{app.bundle}")
        return rng

    def missed_changes(self, state: AppState, t: int) -> int:
        if state.next_change <= t:  # (then the rate is above 0: see ``next_gap``)
            rng, rate = self._stream(state.app), state.app.changes_per_hour
            while state.next_change <= t:
                state.changes += 1
                state.next_change += _gap(rng, rate)
        return state.changes - state.changes_fetched

    def fetch(self, state: AppState, t: int) -> None:
        self.missed_changes(state, t)
        state.last_fetch = t
        state.changes_fetched = state.changes


def _gap(rng: random.Random, rate: float) -> int:
    """An exponential draw (as ``random.expovariate(rate)`` makes it), in ms, at least 1."""
    return max(1, int(-math.log(1.0 - rng.random()) / rate * HOUR_MS))
