"""Pre-warm launches (F93): iOS 15 and later start an app's process in the background shortly
before the usage predictor expects the user to open it ("DAS Prewarm launch").

What the field shows (docs/model.md, "Pre-warm launches", has the sources): a pre-warm comes
for only some predicted opens — about 5 % of app starts are pre-warmed (FO5); a pre-warmed
process stays in memory until the user opens the app, up to hours later (FO6), and so does a
process the user just left, so no pre-warm comes while the app is still in memory; and a
pre-warm sometimes runs the app's launch code (``didFinishLaunching``, a SwiftUI ``App.init``)
and sometimes stops before it (FO7). When it runs it, a ``submit()`` placed there — the seed's
"submit on every launch" — runs too and replaces the pending request ahead of the predicted
open (F14, F41); the open that follows does not run the launch code again.

The plan never looks at the future of the trace: each pre-warm is placed from the prediction known
when it is planned and checked again, against the prediction of that moment, when it is due.
Whether it happens and whether it runs the launch code are hashed draws of the app's named
streams and the moment, so they do not depend on what else the replay asks.
"""

from __future__ import annotations

from bgreplay.engine.records import PREWARM
from bgreplay.rng import unit_draw
from bgreplay.trace.model import DAY_MS

from . import queue as q
from .apps import Apps
from .clock import LocalClock
from .log import EventLog
from .params import Params
from .predictor import UsagePredictor
from .queue import EventQueue
from .scheduler import Scheduler
from .view import PolicyView
from .world import World


class Prewarm:
    def __init__(
        self,
        world: World,
        params: Params,
        view: PolicyView,
        apps: Apps,
        predictor: UsagePredictor,
        clock: LocalClock,
        log: EventLog,
        queue: EventQueue,
        scheduler: Scheduler,
    ) -> None:
        self.world = world
        self.p = params
        self.view = view
        self.apps = apps
        self.predictor = predictor
        self.clock = clock
        self.log = log
        self.queue = queue
        self.scheduler = scheduler

    def start(self) -> None:
        if self.p.prewarm_lead <= 0:
            return
        for bundle in self.world.apps:
            self.plan(0, bundle)

    def plan(self, t: int, bundle: str) -> None:
        """Queue the app's next pre-warm, ``prewarm_lead`` before the next predicted-use window
        that opens later than that; with none today or tomorrow, plan again at midnight."""
        lead = self.p.prewarm_lead
        level = self.p.prewarm_likelihood
        earliest = self.clock.local_ms(t) + lead
        day = earliest // DAY_MS
        for local_day in (day, day + 1):
            rise = self.predictor.next_rise(bundle, local_day, level, earliest)
            if rise is not None:
                self.queue.push(self.clock.at_local(t, rise - lead), q.START, q.PREWARM, bundle)
                return
        self.queue.push(self.clock.next_clock_time(t, 0), q.START, q.PREWARM_PLAN, bundle)

    def prewarm(self, t: int, bundle: str) -> None:
        """Launch the app's process in the background if the open is still predicted, the
        process is not in memory already and not barred (device off, force-quit, F47), and the
        system chooses to (`prewarm_chance`)."""
        state = self.world.apps[bundle]
        p = self.p
        if self.world.device.off or state.force_quit or self.apps.resident(state, t):
            return
        opens_at = t + p.prewarm_lead
        if self.view.app_likelihood(bundle, opens_at, t) <= p.prewarm_likelihood:
            return  # the prediction changed since the plan
        if self._draw(bundle, "prewarm", t) >= p.prewarm_chance:
            return
        runs_code = self._draw(bundle, "prewarm-launch-code", t) < p.prewarm_launch_code_share
        state.prewarmed_at = t
        state.launch_code_ran = runs_code
        state.proc_until = t + p.process_residency
        local = self.clock.local_ms(opens_at)
        hhmm = f"{local % DAY_MS // 3_600_000:02d}:{local % 3_600_000 // 60_000:02d}"
        what = (
            "runs the app's launch code in the background"
            if runs_code
            else "stops before the app's launch code, which runs when the user opens it"
        )
        self.log.device(
            t,
            "prewarmed",
            app=bundle,
            reason="launch_code" if runs_code else "no_launch_code",
            detail=f"DAS Prewarm launch for a predicted open from {hhmm}: the "
            f"process {what} (F93, FO7)",
        )
        if runs_code and not self.apps.launch_crashes(bundle):
            self.scheduler.queue_submits(t, bundle, "app_launch", PREWARM)

    def _draw(self, bundle: str, purpose: str, t: int) -> float:
        return unit_draw(self.view.streams.seed_of(f"{purpose}/{bundle}"), t)
