"""Pre-warm launches (F93): iOS 15 and later start an app's process in the background shortly
before the usage predictor expects the user to open it ("DAS Prewarm launch").

The pre-warmed process runs the app's launch code up to the point where the UI would start: a
SwiftUI ``App.init`` always, ``didFinishLaunching`` sometimes (docs/model.md, "Pre-warm
launches", has the sources). A ``submit()`` placed there — the seed's "submit on every launch" —
therefore runs too, and replaces the pending request just before the predicted open, when dasd
had planned to run it (F14, F41). That is the only effect of a pre-warm on background tasks, so
pre-warms are replayed only for apps with a task that submits on ``app_launch``.

The plan never looks at the future of the trace: each pre-warm is placed from the prediction known
when it is planned and checked again, against the prediction of that moment, when it is due.
"""

from __future__ import annotations

from bgreplay.engine import queue as q
from bgreplay.engine.records import PREWARM_NOTE
from bgreplay.trace.model import DAY_MS

PREWARM_KINDS = ("prewarm", "prewarm_plan")


class PrewarmMixin:
    """Expects the attributes ``Replay`` sets up."""

    def _init_prewarm(self) -> None:
        if int(self.params["prewarm_lead"]) <= 0:
            return
        for bundle, state in self.apps.items():
            if any("app_launch" in task.submit.when for task in state.app.tasks):
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
        """Launch the app's process in the background if the open is still predicted and the
        process is not already there (in use, running a task) or barred (off, force-quit, F47)."""
        state = self.apps[bundle]
        if (self.device.off or self.device.foreground == bundle or state.force_quit
                or any(run.task.app == bundle for run in self.active.values())):
            return
        opens_at = self.local_ms(t) + int(self.params["prewarm_lead"])
        level = self.params["prewarm_likelihood"]
        if self.predictor.app_likelihood(bundle, opens_at, 0.0) <= level:
            return  # the prediction changed since the plan
        hhmm = f"{opens_at % DAY_MS // 3_600_000:02d}:{opens_at % 3_600_000 // 60_000:02d}"
        self._emit(t, "prewarmed", app=bundle,
                   detail=f"DAS Prewarm launch for a predicted open from {hhmm}: the app's "
                          "launch code runs in the background (F93)")
        if not self.launch_crashes(bundle):
            self._submit_on(t, state, "app_launch", PREWARM_NOTE)
