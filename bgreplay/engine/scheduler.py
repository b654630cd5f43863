"""The scheduler's side of the replay: submits, windows, predicted optimal scores, thresholds
and evaluations (SPEC §4.2–4.5, §6.1–6.2).

Mixed into ``Replay``; the policies themselves live in ``policies.py`` and their combination in
``policies.combine``.
"""

from __future__ import annotations

from bgreplay.engine import queue as q
from bgreplay.engine.policies import combine, relax, verdict
from bgreplay.engine.records import Evaluation
from bgreplay.engine.state import Request
from bgreplay.scenario.model import Task
from bgreplay.trace.model import DAY_MS

HOUR_MS = 3_600_000
NEVER = 1 << 62
EVERY_CHANGE = "*"  # explain_task value: keep the evaluations behind every launch and throttle


class SchedulerMixin:
    """Submitting and evaluating requests. Expects the attributes ``Replay`` sets up."""

    # --- submission (§4.2–4.5, F13–F23) -------------------------------------------------
    def submit(self, task: Task, t: int, trigger: str, via: str | None = None) -> None:
        """``via`` says how the trigger came about when it is not what its name suggests."""
        self.touch_app(task.app)
        app = self.apps[task.app].app
        d = self.device
        fields = {"app": task.app, "task": task.id, "task_type": task.type}
        how = f", {via}" if via else ""
        if task.submit.if_not_pending and task.id in self.pending:
            return
        if task.type != "continued_processing":
            bar_off = d.bar_global_off or task.app in d.bar_off_apps or \
                not self.scenario.device.background_app_refresh
            lpm_off = task.type == "refresh" and d.lpm  # F52: LPM turns BAR off
            if d.model == "simulator" or bar_off or lpm_off:
                why = ("the simulator never runs background tasks (F22)" if d.model == "simulator"
                       else "Background App Refresh is off" + (" (Low Power Mode, F52)"
                                                              if lpm_off and not bar_off else ""))
                self._emit(t, "submit_failed", reason="unavailable", detail=why, **fields)
                return
        elif d.model == "simulator" or (
            "gpu" in task.resources and not self.scenario.device.gpu
        ):
            self._emit(t, "submit_failed", reason="unavailable",
                       detail="the device does not support the requested resources (F16)",
                       **fields)
            return
        mode = "fetch" if task.type == "refresh" else "processing"
        needs_mode = task.type != "continued_processing"
        if (needs_mode and mode not in app.background_modes) or not app.permits(task.id):
            why = (f"{task.id} is not advertised in the application's Info.plist (F17)"
                   if not app.permits(task.id) else f"UIBackgroundModes lacks {mode} (F17)")
            self._emit(t, "submit_failed", reason="notPermitted", detail=why, **fields)
            return
        if not app.registers_handler(task.id):
            self._emit(t, "app_crashed", app=task.app, task=task.id, reason="no_handler",
                       detail=f"No launch handler registered for task with identifier {task.id}")
            return
        old = self.pending.pop(task.id, None)
        if old is not None:
            if old in self.cp_queue:
                self.cp_queue.remove(old)
            self._emit(t, "replaced", reason=trigger, run=None,
                       detail=f"request {old.number} replaced (F14){how}", **fields)
        elif self._over_limit(task):
            self._emit(t, "submit_failed", reason="tooManyPendingTaskRequests",
                       detail="1 refresh and 10 processing requests per app (F13)", **fields)
            return
        if task.handler.work_ms is not None and self.work_left.get(task.id) == 0:
            self.work_left[task.id] = task.handler.work_ms  # the last job is done: a new one
        if task.type == "continued_processing":
            self.submit_continued(task, t, trigger)
            return
        self._request_numbers += 1
        start_after = self._start_after(task, t)
        req = Request(self._request_numbers, task, t, start_after,
                      start_after + self.params["window"])
        self.pending[task.id] = req
        if self.profile.scoring:
            req.optimal_score, req.optimal_t = self._optimal(req, t)
        self._emit(t, "submitted", reason=trigger, value=(start_after - t) / 1000,
                   detail=f"request {req.number}{how}", **fields)
        self.queue.push(start_after, q.EVALUATE, "request", req.number)
        self._ensure_tick(t)

    def _over_limit(self, task: Task) -> bool:
        same_kind = [r for r in self.pending.values() if r.task.app == task.app
                     and (r.task.type == "refresh") == (task.type == "refresh")
                     and r.task.type != "continued_processing"]
        if task.type == "continued_processing":
            return False
        limit = (self.params["max_pending_refresh"] if task.type == "refresh"
                 else self.params["max_pending_processing"])
        return len(same_kind) >= limit

    def _start_after(self, task: Task, t: int) -> int:
        eb = task.earliest_begin
        if eb.delay_ms is not None:
            base = t + eb.delay_ms
        elif eb.at_ms_of_day is not None:
            base = self._next_clock_time(t, eb.at_ms_of_day)
        else:
            base = t
        delay = (self.params["refresh_start_delay"] if task.type == "refresh"
                 else self.params["processing_start_delay"])
        return base + delay

    def _next_clock_time(self, t: int, ms_of_day: int) -> int:
        local = self.local_ms(t)
        target = local - local % DAY_MS + ms_of_day
        if target <= local:
            target += DAY_MS
        return self.at_local(t, target)

    def at_local(self, t: int, target: int) -> int:
        """The replay time of local wall time ``target`` (after ``t``'s local time)."""
        candidate = t + (target - self.local_ms(t))
        # correct once if a UTC-offset change lies in between (DST)
        corrected = candidate - (self.clock.offset_at(candidate) - self.clock.offset_at(t))
        if corrected > t and self.local_ms(corrected) == target:
            return corrected
        return candidate  # the time falls in a spring-forward gap: later by the gap (§5.3)

    # --- prediction of the optimal score (§6.2, F30) ------------------------------------
    def _optimal(self, req: Request, now: int) -> tuple[float, int]:
        p = self.params
        if req.start_after - now > p["prediction_skip_beyond"]:
            req.prediction_skipped = True
            return float(p["skipped_optimal_score"]), req.start_after
        window = req.start_before - req.start_after
        horizon = min(window, p["prediction_horizon"])
        step = p["prediction_step_short"] if window <= 15 * 60_000 else p["prediction_step"]
        policies = self.task_policies[req.task.id]
        # Only predictions move with the moment scanned; the other scores are today's.
        fixed = [a for pol in policies if not pol.predicts
                 and (a := pol.evaluate(self, req, now, now, False)) is not None]
        moving = [pol for pol in policies if pol.predicts]
        steps = range(req.start_after, req.start_after + horizon + 1, step)
        self.work += len(steps)

        def score_at(at: int) -> float:
            answers = fixed + [a for pol in moving
                               if (a := pol.evaluate(self, req, now, at, False)) is not None]
            return combine(answers)[1]

        if not any(pol.evaluate(self, req, now, req.start_after, False) for pol in moving):
            first = combine(fixed)[1]  # nothing predicted: every step scores the same
            return max(first, 0.0), req.start_after
        likely = self._likely_launch(req, now, fixed, moving)
        if likely is not None:  # skip steps whose predicted use cannot reach the target
            for at in steps:
                if likely(at):
                    score = score_at(at)
                    if score > p["optimal_target"]:
                        return score, at
        best, best_t = -1.0, req.start_after
        for at in steps:
            score = score_at(at)
            if score > p["optimal_target"]:
                return score, at
            if score > best:
                best, best_t = score, at
        return max(best, 0.0), best_t

    def _launch_rule_likelihood(self, app: str, now: int) -> float | None:
        """The predicted likelihood above which the Application policy scores 1 (F43: sqrt(p)
        over the launch rule, or over what the cap needs given the recency and request
        terms); None when it scores 1 whatever the likelihood."""
        p = self.params
        recent = p["app_recent_share"] if self.is_recent_app(app, now) else 0.0
        bonus = p["app_request_bonus"] * (self.pending_count(app) - 1)
        root = min(p["app_launch_rule"],
                   (p["app_cap"] - recent) / (1 - p["app_recent_share"]) - bonus)
        return None if root < 0 else root ** 2

    def _likely_launch(self, req: Request, now: int, fixed: list, moving: list):
        """For the optimal-score scan of a refresh: a cheap test of whether a step could score
        above the target — only where the Application score is 1 — or None when that bound
        does not hold (then every step is scored)."""
        p = self.params
        if not self.skip_quiet_ticks or req.task.type != "refresh":
            return None
        weights = [a[2] for a in fixed if a[2] > 0]
        app_weight = p["app_weight"]
        total = sum(weights) + app_weight + p["device_activity_weight"]
        bound = (sum(weights) + app_weight * p["app_cap"] + p["device_activity_weight"]) / total
        needed = self._launch_rule_likelihood(req.task.app, now)
        if bound >= p["optimal_target"] or needed is None:
            return None
        app, ahead, default = req.task.app, p["app_prediction_offset"], p["app_default_likelihood"]
        local, predictor = self.local_ms, self.predictor
        return lambda at: predictor.app_likelihood(app, local(at + ahead), default) > needed

    def run_floor(self, req: Request) -> float:
        """`min_run_score`, the stand-in for dasd's non-public part of the decision; not
        applied when dasd itself skipped prediction and set the threshold to 0.01 (F30): a
        refresh aimed at midnight a day ahead ran at 00:14 (F31)."""
        return 0.0 if req.prediction_skipped else self.params["min_run_score"]

    def threshold(self, req: Request, now: int) -> float:
        span = req.start_before - req.optimal_t
        slot = 0 if now <= req.optimal_t or span <= 0 else min(
            10, (now - req.optimal_t) * 10 // span)
        p = self.params
        return req.optimal_score * relax(slot, p["relax_pre"], p["relax_d"], p["relax_e"])

    # --- evaluation (§6.2) --------------------------------------------------------------
    def _ensure_tick(self, t: int) -> None:
        if self._tick_at is not None and self._tick_at >= t:
            return  # a tick is already queued (perhaps at this very instant)
        interval = self.params["rescore_interval"]
        self._tick_at = (t // interval + 1) * interval
        self.queue.push(self._tick_at, q.EVALUATE, "tick")

    def _on_request(self, t: int, kind: str, number: int) -> None:
        """A request's window opens: it is evaluated if it is still pending."""
        req = next((r for r in self.pending.values() if r.number == number), None)
        if req is not None:
            self.evaluate(req, t, "start_after")

    def _on_evaluate(self, t: int, kind: str, payload) -> None:
        """A tick or a device change: re-score the pending requests that may have moved."""
        if kind == "tick":
            if t != self._tick_at:
                return
            self._tick_at = None
            if self._context_eval_at == t:  # a device change re-scores everything at t anyway
                self._ensure_tick(t)
                return
        pending = self.pending
        on_tick = kind == "tick"
        for req in list(pending.values()):  # in request-number order, as inserted
            if req.start_after > t or req.queued:
                continue
            if req.wake_at > t and (on_tick or self._still_held(req, t)):
                continue
            if pending.get(req.task.id) is req:
                self.evaluate(req, t, kind)
        if pending:
            self._ensure_tick(t)

    def _still_held(self, req: Request, now: int) -> bool:
        """At a device change: True when re-scoring a request would only repeat its last answer
        — held by a veto that is still the deciding one, or held back by its score, asleep
        until a later chance (see ``_next_chance``), with still no veto. The vetoes are cheap
        to ask; the scores are not."""
        if self.explain_task == req.task.id:
            return False
        if req.wake_at == NEVER:
            return self._veto_reason(req, now) == req.last_reason
        return req.last_reason == "threshold" and self._veto_reason(req, now) is None

    def _veto_reason(self, req: Request, now: int) -> str | None:
        """The reason ``evaluate`` would give for a veto now, or None: the same order and
        combination, without the scores."""
        self.work += 1
        held = self._held_by_state(req)
        if held is not None:
            return held[0]
        asked = [(pol, answer) for pol in self.task_policies[req.task.id]
                 if (answer := pol.evaluate(self, req, now, None, True)) is not None]
        blocker = combine([answer for _, answer in asked])[2]
        return asked[blocker][0].short if blocker >= 0 else None

    def _held_by_state(self, req: Request) -> tuple[str, str] | None:
        """``(reason, why)`` when no policy is asked at all: the device is off, or a run of
        this identifier is in progress."""
        if self.device.off:
            return "device_off", "the device is off"
        if req.task.id in self.active:
            return "already_running", "a run of this identifier is in progress"
        return None

    def touch_app(self, bundle: str) -> None:
        """Something about the app changed (opened, closed, a request added or gone): its
        requests' sleeping chances may come sooner, so they are re-scored at the next chance."""
        for req in self.pending.values():
            if req.task.app == bundle:
                req.wake_at = 0

    def _next_chance(self, req: Request, now: int, answers: list, applied: list) -> int:
        """The first moment a refresh held back by its score could launch, so quiet ticks
        before it are skipped. Only the Application score can jump (to 1, when the predicted
        likelihood crosses its launch rule, F43) or the threshold relax; other changes are
        device changes, which re-score anyway. Reads only past observations."""
        if req.task.type != "refresh":
            return 0
        p = self.params
        weights = {pol.name: a[2] for pol, a in zip(applied, answers, strict=True)}
        if "Application" not in weights:
            return 0
        if len(self.last_open_any) > self.params["app_recent_size"]:
            return 0  # other apps' opens can change this one's recent-apps rank
        total = sum(w for w in weights.values() if w > 0)
        if total <= 0:
            return 0
        best_without_app = (weights["Application"] * p["app_cap"] + total
                            - weights["Application"]) / total
        floor = self.run_floor(req)
        if max(self.threshold(req, now), floor) <= best_without_app:
            return 0
        wake = NEVER
        if floor <= best_without_app:  # the threshold relaxes to a reachable level at a slot
            wake = min(wake, self._threshold_reaches(req, best_without_app))
        app = req.task.app
        needed = self._launch_rule_likelihood(app, now)
        if needed is None:
            return 0
        ahead = p["app_prediction_offset"]
        earliest = self.predictor.next_above(app, self.local_ms(now + ahead), needed)
        if earliest is not None:
            margin = p["app_jitter_max"] + (HOUR_MS if len(self.clock.offsets) > 1 else 0)
            wake = min(wake, now + max(0, earliest - self.local_ms(now + ahead)) - margin)
        for started in self.penalties.get(req.task.id, ()):
            if started + p["penalty_duration"] > now:
                wake = min(wake, started + p["penalty_duration"])
        return wake

    def _threshold_reaches(self, req: Request, level: float) -> int:
        span = req.start_before - req.optimal_t
        if span <= 0:
            return 0
        p = self.params
        for slot in range(1, 11):
            if req.optimal_score * relax(slot, p["relax_pre"], p["relax_d"], p["relax_e"]) <= level:
                return req.optimal_t + -(-slot * span // 10)
        return NEVER

    def evaluate(self, req: Request, now: int, trigger: str) -> None:
        self.work += 1
        task = req.task
        applied: list = []
        answers: list = []
        blocker_reason, blocker_why = self._held_by_state(req) or (None, None)
        state_veto = blocker_reason is not None
        score = 0.0
        threshold = 0.0
        if blocker_reason is None:
            for pol in self.task_policies[task.id]:
                answer = pol.evaluate(self, req, now, now, True)
                if answer is not None:
                    applied.append(pol)
                    answers.append(answer)
            _, score, blocker = combine(answers)
            if blocker >= 0:
                pol = applied[blocker]
                blocker_reason, blocker_why, state_veto = pol.short, answers[blocker][3], \
                    pol.state_only
            elif self.profile.scoring:
                threshold = self.threshold(req, now)
                need = max(threshold, self.run_floor(req))
                if score < need:
                    blocker_reason = "threshold"
                    blocker_why = f"score {score:.2f} below threshold {need:.2f}"
        launched = blocker_reason is None
        if self.explain_task == task.id or (self.explain_task == EVERY_CHANGE and (
                launched or blocker_reason != req.last_reason)):
            verdicts = tuple(verdict(p, a) for p, a in zip(applied, answers, strict=True))
            self.evaluations.append(Evaluation(
                now, task.id, trigger, verdicts, "run" if launched else "blocked", score,
                threshold, launched, blocker_reason or "launched", req.number, req.submit_t))
        if launched:
            self.launch(req, now)
            return
        if state_veto:
            req.wake_at = NEVER
            if blocker_reason == "rate_limit" and req.last_reason != "rate_limit":
                lifted = self.spacing_ends(task, now)  # a timer, not a device change, lifts it
                self.queue.push(lifted, q.EVALUATE, "request", req.number)
        elif blocker_reason == "threshold" and self.skip_quiet_ticks:
            req.wake_at = self._next_chance(req, now, answers, applied)
        else:
            req.wake_at = 0
        if blocker_reason != req.last_reason:
            req.last_reason = blocker_reason
            why = blocker_why() if callable(blocker_why) else blocker_why
            self._emit(now, "throttled", app=task.app, task=task.id, task_type=task.type,
                       reason=blocker_reason, value=round(score, 4), detail=why)
