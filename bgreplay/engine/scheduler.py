"""The scheduler (SPEC §4.2–4.5, §6.1–6.2): submits, windows, predicted optimal scores,
thresholds and evaluations.

The policies live in ``policies/`` and their combination in ``policies.combine``; a launch is
handed to ``Runs``, a continued-processing submit to ``Continued``. Longer than most modules:
the optimal-score scan, the threshold and the quiet-tick skipping read each other's numbers, and
apart they would only pass them back and forth.
"""

from __future__ import annotations

from typing import Final

from bgreplay.engine.records import Evaluation, PolicyVerdict
from bgreplay.scenario.model import App, Scenario, Task

from . import queue as q
from .clock import LocalClock
from .continued import Continued
from .log import EventLog
from .params import Params
from .policies import (
    DECISION_NAMES,
    POLICIES,
    Answer,
    Policy,
    combine,
    holding,
    reason_of,
    relax,
)
from .policies.states import STATE_WORDS
from .predictor import UsagePredictor
from .queue import Entry, EventQueue
from .runs import Runs
from .view import PolicyView
from .world import NEVER, Request, World

HOUR_MS: Final = 3_600_000
# Vetoes that time alone can lift (the energy budget refills), unlike a state-only one
TIMED_VETOES = frozenset(p.short for p in POLICIES if not p.state_only)
# explain_task value: keep the evaluations behind every launch and throttle
EVERY_CHANGE: Final = "*"


class Scheduler:
    """Submitting and evaluating requests."""

    def __init__(
        self,
        world: World,
        params: Params,
        scoring: bool,
        view: PolicyView,
        log: EventLog,
        queue: EventQueue,
        clock: LocalClock,
        predictor: UsagePredictor,
        runs: Runs,
        continued: Continued,
        scenario: Scenario,
        task_policies: dict[str, tuple[Policy, ...]],
        task_vetoers: dict[str, tuple[Policy, ...]],
        explain_task: str | None,
    ) -> None:
        self.world = world
        self.p = params
        self.scoring = scoring  # False for the `ideal` profile: no scores, no thresholds
        self.view = view
        self.log = log
        self.queue = queue
        self.clock = clock
        self.predictor = predictor
        self.runs = runs
        self.continued = continued
        self.device_gpu = scenario.device.gpu
        self.bar_enabled = scenario.device.background_app_refresh
        self.task_policies = task_policies
        self.task_vetoers = task_vetoers  # of those, the ones that can veto the task
        self.explain_task = explain_task
        self.evaluations: list[Evaluation] = []
        self.skip_quiet_ticks = True  # an optimisation only: tests replay without it too
        self.context_eval_at: int | None = None  # a device change re-scores everything then
        self.idle_context_at: int | None = None  # ... a re-score not queued then (see below)
        self.tick: Entry | None = None  # the next 15-minute re-score
        self.work = 0  # requests scored and prediction steps: the replay's cost so far
        self._relaxed: list[float] | None = None  # see ``_relaxation``
        # what the app's Info.plist and launch code say of each task, which no replay changes
        self.not_permitted = {
            t.id: _not_permitted(world.apps[t.app].app, t) for t in scenario.tasks
        }
        self.no_handler = {
            t.id for t in scenario.tasks if not world.apps[t.app].app.registers_handler(t.id)
        }

    # --- submission (§4.2–4.5, F13–F23) -------------------------------------------------
    def submit(self, task: Task, t: int, trigger: str, origin: str | None = None) -> None:
        """``origin`` says how the trigger came about when it is not what its name suggests
        (``prewarm``: the launch code a pre-warm ran)."""
        w = self.world
        w.touch_app(task.app)
        d = w.device
        log = self.log
        if task.submit.if_not_pending and task.id in w.pending:
            return
        if task.type != "continued_processing":
            bar_off = d.bar_global_off or task.app in d.bar_off_apps or not self.bar_enabled
            lpm_off = task.type == "refresh" and d.lpm  # F52: LPM turns BAR off
            if d.model == "simulator" or bar_off or lpm_off:
                why = (
                    "the simulator never runs background tasks (F22)"
                    if d.model == "simulator"
                    else "Background App Refresh is off"
                    + (" (Low Power Mode, F52)" if lpm_off and not bar_off else "")
                )
                log.task(t, "submit_failed", task, reason="unavailable", detail=why)
                return
        elif d.model == "simulator" or ("gpu" in task.resources and not self.device_gpu):
            log.task(
                t,
                "submit_failed",
                task,
                reason="unavailable",
                detail="the device does not support the requested resources (F16)",
            )
            return
        why_not = self.not_permitted[task.id]
        if why_not is not None:
            log.task(t, "submit_failed", task, reason="notPermitted", detail=why_not)
            return
        if task.id in self.no_handler:
            log.device(
                t,
                "app_crashed",
                app=task.app,
                task_id=task.id,
                reason="no_handler",
                detail=f"No launch handler registered for task with identifier {task.id}",
            )
            return
        old = w.pending.get(task.id)
        if old is not None:
            w.unpend(old)
            log.task(t, "replaced", task, reason=trigger, request=old.number, origin=origin)
        elif self._over_limit(task):
            log.task(
                t,
                "submit_failed",
                task,
                reason="tooManyPendingTaskRequests",
                detail=f"{self.p.max_pending_refresh} refresh and "
                f"{self.p.max_pending_processing} processing requests per app (F13)",
            )
            return
        if task.handler.work_ms is not None and w.work_left.get(task.id) == 0:
            w.work_left[task.id] = task.handler.work_ms  # the last job is done: a new one
        if task.type == "continued_processing":
            self.continued.submit(task, t, trigger, self.runs.launch)
            return
        start_after = self._start_after(task, t)
        req = Request(w.next_request_number(), task, t, start_after, start_after + self.p.window)
        w.pend(req)
        if self.scoring:
            req.optimal_score, req.optimal_t = self._optimal(req, t)
        log.task(
            t,
            "submitted",
            task,
            reason=trigger,
            value=(start_after - t) / 1000,
            request=req.number,
            origin=origin,
        )
        if start_after <= t and self.idle_context_at == t:  # the re-score has work after all
            self.idle_context_at = None
            self.queue.push(t, q.EVALUATE, q.CONTEXT)
        req.entries.append(self.queue.push(start_after, q.EVALUATE, q.REQUEST, req))
        self._ensure_tick(t)

    def _over_limit(self, task: Task) -> bool:
        if task.type == "continued_processing":
            return False
        refresh = task.type == "refresh"
        same_kind = sum(
            1
            for r in self.world.pending.values()
            if r.app == task.app
            and (r.kind == "refresh") == refresh
            and r.kind != "continued_processing"
        )
        limit = self.p.max_pending_refresh if refresh else self.p.max_pending_processing
        return same_kind >= limit

    def _start_after(self, task: Task, t: int) -> int:
        eb = task.earliest_begin
        if eb.delay_ms is not None:
            base = t + eb.delay_ms
        elif eb.at_ms_of_day is not None:
            base = self.clock.next_clock_time(t, eb.at_ms_of_day)
        else:
            base = t
        delay = (
            self.p.refresh_start_delay if task.type == "refresh" else self.p.processing_start_delay
        )
        return base + delay

    # --- prediction of the optimal score (§6.2, F30) ------------------------------------
    def _optimal(self, req: Request, now: int) -> tuple[float, int]:
        p = self.p
        if req.start_after - now > p.prediction_skip_beyond:
            req.prediction_skipped = True
            return p.skipped_optimal_score, req.start_after
        window = req.start_before - req.start_after
        horizon = min(window, p.prediction_horizon)
        step = p.prediction_step_short if window <= 15 * 60_000 else p.prediction_step
        policies = self.task_policies[req.task_id]
        view = self.view
        # Only predictions move with the moment scanned; the other scores are today's. (A
        # policy that does not score answers nothing but its veto, which is not asked here.)
        fixed: list[Answer] = []
        moving: list[Policy] = []
        for pol in policies:
            if not pol.scores:
                continue
            if pol.predicts:
                moving.append(pol)
                continue
            answer = pol.evaluate(view, req, now, now, False)
            if answer is not None:
                fixed.append(answer)
        steps = range(req.start_after, req.start_after + horizon + 1, step)
        self.work += len(steps)
        scores = _StepScores(view, req, now, fixed, moving)
        if not scores.first:
            first = combine(fixed)  # nothing predicted: every step scores the same
            return max(first, 0.0), req.start_after
        target = p.optimal_target
        needed = self._likely_launch_level(req, now, fixed)
        if needed is not None:  # skip steps whose predicted use cannot reach the target
            app, ahead = req.app, p.app_prediction_offset
            default = p.app_default_likelihood
            predictor, clock = self.predictor, self.clock
            below_from = below_to = 0  # local times known to predict no more than `needed`
            for at in steps:
                local = clock.local_ms(at + ahead)
                if below_from <= local < below_to:
                    continue
                if predictor.app_likelihood(app, local, default) > needed:
                    score = scores.at(at)
                    if score > target:
                        return score, at
                else:
                    above = predictor.next_above(app, local, needed)
                    if above is not None:
                        below_from, below_to = local, above
        best, best_t = -1.0, req.start_after
        for at in steps:
            score = scores.at(at)
            if score > target:
                return score, at
            if score > best:
                best, best_t = score, at
        return max(best, 0.0), best_t

    def _launch_rule_likelihood(self, app: str, now: int) -> float | None:
        """The predicted likelihood above which the Application policy scores 1 (F43: sqrt(p)
        over the launch rule, or over what the cap needs given the recency and request
        terms); None when it scores 1 whatever the likelihood."""
        p = self.p
        recent = p.app_recent_share if self.view.is_recent_app(app, now) else 0.0
        bonus = p.app_request_bonus * (self.world.pending_count(app) - 1)
        root = min(p.app_launch_rule, (p.app_cap - recent) / (1 - p.app_recent_share) - bonus)
        return None if root < 0 else root**2

    def _likely_launch_level(self, req: Request, now: int, fixed: list[Answer]) -> float | None:
        """For the optimal-score scan of a refresh: the predicted likelihood a step needs to
        score above the target — only where the Application score is 1 — or None when that
        bound does not hold (then every step is scored)."""
        p = self.p
        if not self.skip_quiet_ticks or req.kind != "refresh":
            return None
        weights = sum(a[2] for a in fixed if a[2] > 0)
        app_weight = p.app_weight
        total = weights + app_weight + p.device_activity_weight
        bound = (weights + app_weight * p.app_cap + p.device_activity_weight) / total
        needed = self._launch_rule_likelihood(req.app, now)
        if bound >= p.optimal_target or needed is None:
            return None
        return needed

    def run_floor(self, req: Request) -> float:
        """`min_run_score`, the stand-in for dasd's non-public part of the decision; not
        applied when dasd itself skipped prediction and set the threshold to 0.01 (F30): a
        refresh aimed at midnight a day ahead ran at 00:14 (F31)."""
        return 0.0 if req.prediction_skipped else self.p.min_run_score

    def threshold(self, req: Request, now: int) -> float:
        span = req.start_before - req.optimal_t
        slot = (
            0 if now <= req.optimal_t or span <= 0 else min(10, (now - req.optimal_t) * 10 // span)
        )
        return req.optimal_score * self._relaxation()[slot]

    # --- evaluation (§6.2) --------------------------------------------------------------
    def _ensure_tick(self, t: int) -> None:
        if self.tick is not None and self.tick.t >= t:
            return  # a tick is already queued (perhaps at this very instant)
        interval = self.p.rescore_interval
        self.tick = self.queue.push((t // interval + 1) * interval, q.EVALUATE, q.TICK)

    def context_changed(self, t: int) -> None:
        """A device or app change: every pending request may be re-scored now (once per
        instant)."""
        if self.world.pending and self.context_eval_at != t:
            self.context_eval_at = t
            if self._rescore_idle(t):
                self.idle_context_at = t  # queued after all if a request opens this instant
            else:
                self.queue.push(t, q.EVALUATE, q.CONTEXT)

    def _rescore_idle(self, t: int) -> bool:
        """An optimisation only: True when a re-score queued now would, as things stand, do
        nothing when it comes — every pending request opens later (or waits for a
        continued-processing slot), and the next tick is queued already (the re-score would
        queue it otherwise). A request submitted later in the instant that opens at once
        queues it after all (``submit``), before anything it queues: in the same order."""
        if not self.skip_quiet_ticks:
            return False
        tick = self.tick
        if tick is None or tick.t < t:
            return False
        for req in self.world.pending.values():
            if req.start_after <= t and not req.queued:
                return False
        return True

    def on_request(self, t: int, req: Request) -> None:
        """A request's window opens (or its rate limit lifts): it is evaluated."""
        self.evaluate(req, t, "start_after")

    def on_evaluate(self, t: int, on_tick: bool) -> None:
        """A tick or a device change: re-score the pending requests that may have moved."""
        if on_tick:
            self.tick = None
            if self.context_eval_at == t:  # a device change re-scores everything at t anyway
                self._ensure_tick(t)
                return
        pending = self.world.pending
        for req in list(pending.values()):  # in request-number order, as inserted
            if req.start_after > t or req.queued:
                continue
            current = pending.get(req.task_id) is req  # still the task's pending request
            asked = False  # whether `hold` says what holds it now (then re-scoring reuses it)
            hold: Policy | str | None = None
            if req.wake_at > t:
                if on_tick:
                    continue
                if self._may_still_hold(req):
                    self.work += 1  # the vetoes asked
                    asked, hold = True, holding(self.view, self.task_vetoers[req.task_id], req, t)
                    if self._still_held(req, hold):
                        continue
            elif current and self._may_stand(req):
                asked, hold = True, holding(self.view, self.task_vetoers[req.task_id], req, t)
                if reason_of(hold) == req.last_reason:
                    self.work += 1  # counted as the evaluation it stands for
                    continue
            if current:
                self.evaluate(req, t, "tick" if on_tick else "context", asked, hold)
        if pending:
            self._ensure_tick(t)

    def _may_still_hold(self, req: Request) -> bool:
        """At a device change, for a request asleep: whether its last answer may still stand
        — held by a veto (until a change lifts it), or held back by its score until a later
        chance (see ``_next_chance``) with still no veto. Then the vetoes are asked (cheap),
        not the scores; a request ``explain`` follows is always re-scored."""
        return self.explain_task != req.task_id and (
            req.wake_at == NEVER or req.last_reason == "threshold"
        )

    def _still_held(self, req: Request, hold: Policy | str | None) -> bool:
        """Re-scoring the asleep request (``_may_still_hold``) with ``hold`` holding it now
        would only repeat its last answer."""
        if req.wake_at == NEVER:
            return reason_of(hold) == req.last_reason
        return hold is None

    def _may_stand(self, req: Request) -> bool:
        """At a tick or a device change: whether the veto that held the request last time is
        one that time alone can lift (the energy budget refills): if it still holds and still
        decides, re-scoring it would only repeat its last answer (and leave it as it is)."""
        return (
            self.skip_quiet_ticks
            and req.last_reason in TIMED_VETOES
            and self.explain_task != req.task_id
        )

    def _next_chance(self, req: Request, now: int, weights: dict[str, float], need: float) -> int:
        """The first moment a refresh held back by its score could launch, so quiet ticks
        before it are skipped. Only the Application score can jump (to 1, when the predicted
        likelihood crosses its launch rule, F43) or the threshold relax; other changes are
        device changes, which re-score anyway, or other apps' opens, which can only push this
        app down the recent-apps set and so lower its score. Reads only past observations.
        ``need``: the level the score had to reach now (``evaluate`` worked it out)."""
        if req.kind != "refresh" or "application" not in weights:
            return 0
        p = self.p
        total = sum(w for w in weights.values() if w > 0)
        if total <= 0:
            return 0
        app_weight = weights["application"]
        best_without_app = (app_weight * p.app_cap + total - app_weight) / total
        floor = self.run_floor(req)
        if need <= best_without_app:
            return 0
        wake = NEVER
        if floor <= best_without_app:  # the threshold relaxes to a reachable level at a slot
            wake = min(wake, self._threshold_reaches(req, best_without_app))
        app = req.app
        needed = self._launch_rule_likelihood(app, now)
        if needed is None:
            return 0
        ahead = p.app_prediction_offset
        local = self.clock.local_ms(now + ahead)
        earliest = self.predictor.next_above(app, local, needed)
        if earliest is not None:
            margin = p.app_jitter_max + (HOUR_MS if self.clock.changes else 0)
            wake = min(wake, now + max(0, earliest - local) - margin)
        for started in self.world.penalties.get(req.task_id, ()):
            if started + p.penalty_duration > now:
                wake = min(wake, started + p.penalty_duration)
        return wake

    def _relaxation(self) -> list[float]:
        """The threshold's relaxation at each of its 11 slots (F§2.3), as ``relax`` gives it;
        worked out when first needed (a replay that never scores reads no relax parameter)."""
        relaxed = self._relaxed
        if relaxed is None:
            p = self.p
            relaxed = [relax(slot, p.relax_pre, p.relax_d, p.relax_e) for slot in range(11)]
            self._relaxed = relaxed
        return relaxed

    def _threshold_reaches(self, req: Request, level: float) -> int:
        span = req.start_before - req.optimal_t
        if span <= 0:
            return 0
        relaxed = self._relaxation()
        for slot in range(1, 11):
            if req.optimal_score * relaxed[slot] <= level:
                return req.optimal_t + -(-slot * span // 10)
        return NEVER

    def evaluate(
        self,
        req: Request,
        now: int,
        trigger: str,
        asked: bool = False,
        hold: Policy | str | None = None,
    ) -> None:
        """Re-score ``req`` now: the vetoes first (``holding``, as dasd's combination picks
        them; ``asked``: ``hold`` is its answer, just asked); with none, the scores of the
        policies that score, against the threshold."""
        self.work += 1
        task = req.task
        view = self.view
        if not asked:
            hold = holding(view, self.task_vetoers[task.id], req, now)
        blocker: Policy | None = None
        reason: str | None = None
        state_veto = False
        score = 0.0
        threshold = 0.0
        need = 0.0
        weights: dict[str, float] = {}
        if isinstance(hold, str):
            reason, state_veto = hold, True
        elif hold is not None:
            blocker = hold
            reason, state_veto = hold.short, hold.state_only
        else:
            answers: list[Answer] = []
            for pol in self.task_policies[task.id]:
                if pol.scores:
                    answer = pol.evaluate(view, req, now, now, True)
                    if answer is not None:
                        answers.append(answer)
                        weights[pol.short] = answer[2]
            score = combine(answers)
            if self.scoring:
                threshold = self.threshold(req, now)
                need = max(threshold, self.run_floor(req))
                if score < need:
                    reason = "threshold"
        launched = reason is None
        if self.explain_task == task.id or (
            self.explain_task == EVERY_CHANGE and (launched or reason != req.last_reason)
        ):
            self._keep(req, now, trigger, score, threshold, reason)
        if reason is None:
            self.runs.launch(req, now)
            return
        if state_veto:
            req.wake_at = NEVER
            if reason == "rate_limit" and req.last_reason != "rate_limit":
                lifted = view.spacing_ends(req, now)  # a timer, not a device change, lifts it
                assert lifted is not None
                req.entries.append(self.queue.push(lifted, q.EVALUATE, q.REQUEST, req))
        elif reason == "threshold" and self.skip_quiet_ticks:
            req.wake_at = self._next_chance(req, now, weights, need)
        else:
            req.wake_at = 0
        if reason != req.last_reason:
            req.last_reason = reason
            if blocker is not None:
                why = blocker.rationale(view, req, now, now, True)
            elif reason == "threshold":
                why = f"score {score:.2f} below threshold {need:.2f}"
            else:
                why = STATE_WORDS[reason]
            self.log.task(now, "throttled", task, reason=reason, value=round(score, 4), detail=why)

    def _keep(
        self,
        req: Request,
        now: int,
        trigger: str,
        score: float,
        threshold: float,
        reason: str | None,
    ) -> None:
        """One evaluation as ``explain`` shows it: every policy asked, its answer worded (the
        policies only read, so asking them again gives the answers ``evaluate`` combined)."""
        view = self.view
        verdicts: tuple[PolicyVerdict, ...] = ()
        if view.held_by_state(req) is None:
            verdicts = tuple(
                PolicyVerdict(
                    pol.title,
                    DECISION_NAMES[a[0]],
                    a[1],
                    a[2],
                    pol.rationale(view, req, now, now, True),
                )
                for pol in self.task_policies[req.task_id]
                for a in (pol.evaluate(view, req, now, now, True),)
                if a is not None
            )
        launched = reason is None
        self.evaluations.append(
            Evaluation(
                now,
                req.task_id,
                trigger,
                verdicts,
                "run" if launched else "blocked",
                score,
                threshold,
                launched,
                reason or "launched",
                req.number,
                req.submit_t,
            )
        )

    def queue_submits(self, t: int, bundle: str, trigger: str, origin: str | None = None) -> None:
        """The app's tasks that submit on ``trigger`` do so now."""
        for task in self.world.apps[bundle].app.tasks:
            if trigger in task.submit.when:
                self.queue.push(t, q.SUBMIT, q.DO_SUBMIT, (task.id, trigger, origin))


class _StepScores:
    """The optimal-score scan's score at each step, each worked out once: the scores that do
    not move with the moment (``fixed``) and the predictions (``moving``) at the step. The
    first step's predictions are asked at once: when none answers (``first`` is empty), none
    will at any step."""

    def __init__(
        self, view: PolicyView, req: Request, now: int, fixed: list[Answer], moving: list[Policy]
    ) -> None:
        self.view = view
        self.req = req
        self.now = now
        self.fixed = fixed
        self.moving = moving
        self.first = self._predicted(req.start_after)
        self.known: dict[int, float] = {}

    def at(self, step: int) -> float:
        score = self.known.get(step)
        if score is None:
            predicted = self.first if step == self.req.start_after else self._predicted(step)
            score = self.known[step] = combine(self.fixed + predicted)
        return score

    def _predicted(self, step: int) -> list[Answer]:
        answers: list[Answer] = []
        for pol in self.moving:
            answer = pol.evaluate(self.view, self.req, self.now, step, False)
            if answer is not None:
                answers.append(answer)
        return answers


def _not_permitted(app: App, task: Task) -> str | None:
    """Why the app may not submit the task (F17: the Info.plist's background modes and
    permitted identifiers), or None."""
    if not app.permits(task.id):
        return f"{task.id} is not advertised in the application's Info.plist (F17)"
    mode = "fetch" if task.type == "refresh" else "processing"
    if task.type != "continued_processing" and mode not in app.background_modes:
        return f"UIBackgroundModes lacks {mode} (F17)"
    return None
