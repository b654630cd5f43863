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

from bgreplay.engine import queue as q
from bgreplay.engine.records import PREWARM_NOTE
from bgreplay.engine.rng import stream_seed, unit_draw
from bgreplay.trace.model import DAY_MS

PREWARM_KINDS = ("prewarm", "prewarm_plan")


class PrewarmMixin:
    """Expects the attributes ``Replay`` sets up."""

    def _init_prewarm(self) -> None:
        if int(self.params["prewarm_lead"]) <= 0:
            return
        for bundle in self.apps:
            self._plan_prewarm(0, bundle)

    def _plan_prewarm(self, t: int, bundle: str) -> None:
        """Queue the app's next pre-warm, ``prewarm_lead`` before the next predicted-use window
        that opens later than that; with none today or tomorrow, plan again at midnight."""
        lead = int(self.params["prewarm_lead"])
        level = float(self.params["prewarm_likelihood"])
        earliest = self.local_ms(t) + lead
        day = earliest // DAY_MS
        for local_day in (day, day + 1):
            for rise in self.predictor.rises(bundle, local_day, level):
                if rise > earliest:
                    self.queue.push(self.at_local(t, rise - lead), q.START, "prewarm", bundle)
                    return
        self.queue.push(self._next_clock_time(t, 0), q.START, "prewarm_plan", bundle)

    def _on_prewarm(self, t: int, kind: str, bundle: str) -> None:
        if kind == "prewarm":
            self._prewarm(t, bundle)
        self._plan_prewarm(t, bundle)

    def _prewarm(self, t: int, bundle: str) -> None:
        """Launch the app's process in the background if the open is still predicted, the
        process is not in memory already and not barred (device off, force-quit, F47), and the
        system chooses to (`prewarm_chance`)."""
        state = self.apps[bundle]
        if self.device.off or state.force_quit or self.resident(state, t):
            return
        opens_at = t + int(self.params["prewarm_lead"])
        if self.app_likelihood(bundle, opens_at, t) <= self.params["prewarm_likelihood"]:
            return  # the prediction changed since the plan
        if self._prewarm_draw(bundle, "prewarm", t) >= self.params["prewarm_chance"]:
            return
        runs_code = (self._prewarm_draw(bundle, "prewarm-launch-code", t)
                     < self.params["prewarm_launch_code_share"])
        state.prewarmed_at = t
        state.launch_code_ran = runs_code
        state.proc_until = t + int(self.params["process_residency"])
        local = self.local_ms(opens_at)
        hhmm = f"{local % DAY_MS // 3_600_000:02d}:{local % 3_600_000 // 60_000:02d}"
        what = ("runs the app's launch code in the background" if runs_code
                else "stops before the app's launch code, which runs when the user opens it")
        self._emit(t, "prewarmed", app=bundle,
                   reason="launch_code" if runs_code else "no_launch_code",
                   detail=f"DAS Prewarm launch for a predicted open from {hhmm}: the process "
                          f"{what} (F93, FO7)")
        if runs_code and not self.launch_crashes(bundle):
            self._submit_on(t, state, "app_launch", PREWARM_NOTE)

    def _prewarm_draw(self, bundle: str, purpose: str, t: int) -> float:
        key = f"{purpose}/{bundle}"
        base = self.jitter_seeds.get(key)
        if base is None:
            base = self.jitter_seeds[key] = stream_seed(self.seed, key)
        return unit_draw(base, t)
