"""The discrete-event replay of one device (SPEC §6): pure, deterministic, driven from outside.

``Replay`` takes frozen model objects and a profile, and turns the trace into an event log. It
jumps from event to event — trace changes, request windows, 15-minute re-scores, run ends — and
never looks at the trace's future: device changes are applied when they happen, and the usage
predictor only learns what has already happened.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable
from functools import partial
from operator import add

from bgreplay.engine import queue as q
from bgreplay.engine.policies import policies_for
from bgreplay.engine.predictor import DEVICE, UsagePredictor
from bgreplay.engine.prewarm import PREWARM_KINDS, PrewarmMixin
from bgreplay.engine.profiles import Profile
from bgreplay.engine.records import Evaluation, Event, ReplayResult
from bgreplay.engine.rng import rng_for
from bgreplay.engine.runs import RUN_END_KINDS, RunsMixin
from bgreplay.engine.scheduler import SchedulerMixin
from bgreplay.engine.state import AppState, DeviceState, Request
from bgreplay.scenario.model import Scenario, Task
from bgreplay.trace.model import DAY_MS, Clock, Interval, Point, Timeline

HOUR_MS = 3_600_000


class Replay(SchedulerMixin, RunsMixin, PrewarmMixin):
    """One replay of one scenario on one device. Call ``advance`` (possibly in steps), then
    ``result``. ``explain_task`` keeps every evaluation of that task, or with ``"*"`` the
    evaluations of every task that launched it or changed its throttling reason."""

    def __init__(
        self,
        scenario: Scenario,
        timeline: Timeline,
        profile: Profile,
        *,
        explain_task: str | None = None,
        record_params: bool = False,
    ):
        self.scenario = scenario
        self.timeline = timeline
        self.profile = profile
        # a plain dict, read on every policy answer; or one that notes which parameters the
        # replay read (a parameter never read cannot change this replay: sensitivity skips it)
        self.params = ParamsRead(profile.params) if record_params else dict(profile.params)
        self.seed = scenario.seed
        self.clock = timeline.clock
        self.local_ms = _local_time(self.clock)
        self.end = scenario.duration_ms
        self.explain_task = explain_task
        self.events: list[Event] = []
        self.evaluations: list[Evaluation] = []
        self.now = 0
        self.queue = q.EventQueue()
        self.device = DeviceState(model=scenario.device.model)
        self.device.battery = float(scenario.device.battery_start)
        self.apps: dict[str, AppState] = {a.bundle: AppState(a) for a in scenario.apps}
        self.tasks: dict[str, Task] = {t.id: t for t in scenario.tasks}
        self.task_policies = {t.id: policies_for(t) for t in scenario.tasks}
        self.last_open_any: dict[str, int] = {}
        # task id -> its request; a request is always inserted with the highest number yet
        self.pending: dict[str, Request] = {}
        self.cp_queue: list[Request] = []
        self.penalties: dict[str, list[int]] = {}
        self.last_launch: dict[str, int] = {}  # task id -> its last organic launch (F68)
        self._request_numbers = 0
        self._context_eval_at: int | None = None
        self._tick_at: int | None = None
        self._charge_fast, self._charge_slow, self._drain_in_use, self._drain_idle = \
            self._battery_rates()
        self._battery_due: int | None = None  # the time of the planned battery step, if any
        self._battery_queued: list[int] = []  # times of the queued `battery_step` entries
        self._open_intervals: dict[tuple[str, str | None], int] = {}
        self._rng_cache: dict[str, object] = {}
        self.jitter_seeds: dict[str, int] = {}
        self._handlers = self._event_handlers()
        self.skip_quiet_ticks = True  # an optimisation only: tests replay without it too
        self.work = 0  # requests scored and prediction steps: the replay's cost so far
        history_days = self._history_days()
        first_day = self.clock.local_day(-history_days * DAY_MS)
        self.predictor = UsagePredictor(self.clock, self.params, first_day)
        self._init_runs()
        self._seed_history(history_days)
        self._init_apps()
        self._load_trace()
        self._init_prewarm()
        self._emit(0, "battery", value=round(self.device.battery, 1))
        self._schedule_battery(0)

    # --- driving ------------------------------------------------------------------------
    def advance(self, until: int | None = None) -> None:
        """Process every queued event before ``until`` (default: the end of the replay)."""
        stop = self.end if until is None else min(until, self.end)
        handlers = self._handlers
        for t, _, _, kind, payload in self.queue.pop_before(stop):
            self.now = t
            handlers[kind](t, kind, payload)
        self.now = max(self.now, stop)

    def result(self) -> ReplayResult:
        return ReplayResult(
            scenario=self.scenario,
            timeline=self.timeline,
            profile_name=self.profile.name,
            profile=dict(self.params),
            events=tuple(self.events),
            evaluations=tuple(self.evaluations),
            params_read=frozenset(getattr(self.params, "read", ())),
        )

    def _event_handlers(self) -> dict:
        """Queue entry kind -> its handler, each called as ``handler(t, kind, payload)``."""
        handlers = {
            "battery_step": self._on_battery_step,
            "interval_start": self._on_interval,
            "interval_end": self._on_interval,
            "point": self._on_point,
            "submit": self._on_submit,
            "request": self._on_request,
            "tick": self._on_evaluate,
            "context": self._on_evaluate,
        }
        for kind in RUN_END_KINDS:
            handlers[kind] = self._on_run_event
        for kind in PREWARM_KINDS:
            handlers[kind] = self._on_prewarm
        return handlers

    def _on_submit(self, t: int, kind: str, payload: tuple[str, ...]) -> None:
        """``payload``: task id, trigger, and optionally how the trigger came about."""
        self.submit(self.tasks[payload[0]], t, *payload[1:])

    def _emit(self, t: int, event: str, **fields) -> None:
        self.events.append(Event(len(self.events), t, event, **fields))

    # --- set-up -------------------------------------------------------------------------
    def _history_days(self) -> int:
        history = self.scenario.device.history
        if history == "none":
            return 0
        if history == "repeat":
            return int(self.params["history_repeat_days"])
        return int(history)

    def _seed_history(self, days: int) -> None:
        """``device.history``: the trace's first days replayed before the start (§6.4)."""
        available = min(days, self.end // DAY_MS)
        if days <= 0 or available <= 0:
            return
        span = available * DAY_MS
        observed = [i for i in self.timeline.intervals
                    if i.kind in ("app", "unlocked") and i.start < span]
        earliest = -days * DAY_MS
        shifted: list[tuple[int, Interval]] = []
        k = 1
        while -k * span >= earliest - span:
            for i in observed:
                start = i.start - k * span
                if start >= earliest:
                    shifted.append((start, i))
            k += 1
        shifted.sort(key=lambda s: (s[0], s[1].kind != "unlocked"))
        for start, i in shifted:
            end = start + (min(i.end, span) - i.start)
            if i.kind == "unlocked":
                local = self.local_ms
                self.predictor.observe_unlocked(local(start), local(end))
            else:
                self.predictor.observe_open(i.subject, self.local_ms(start))
                self.last_open_any[i.subject] = max(self.last_open_any.get(i.subject, start), start)

    def _init_apps(self) -> None:
        for bundle, state in self.apps.items():
            state.energy = self._energy_bank(bundle, 0)
            state.last_open = self.last_open_any.get(bundle)
            sync = state.app.on_open == "sync"
            state.last_fetch = state.last_open if (sync and state.last_open is not None) else 0
            state.next_change = state.last_fetch + self._next_gap(bundle)
        self.work_left = {t.id: t.handler.work_ms for t in self.tasks.values()
                          if t.handler.work_ms is not None}

    def _next_gap(self, bundle: str) -> int:
        rate = self.apps[bundle].app.changes_per_hour
        if rate <= 0:
            return 1 << 62
        rng = self.rng(f"content/{bundle}")
        return max(1, int(rng.expovariate(rate) * HOUR_MS))

    def rng(self, name: str):
        """The named stream ``name`` (SPEC §6.11), created on first use."""
        gen = self._rng_cache.get(name)
        if gen is None:
            gen = self._rng_cache[name] = rng_for(self.seed, name)
        return gen

    def _load_trace(self) -> None:
        for i in self.timeline.intervals:
            if i.kind == "bg_task_observed":
                continue
            self.queue.push(i.start, q.START, "interval_start", i)
            if i.end < self.end:
                self.queue.push(i.end, q.END, "interval_end", i)
        for p in self.timeline.points:
            self.queue.push(p.t, q.START, "point", p)

    # --- device changes -----------------------------------------------------------------
    def _on_interval(self, t: int, kind: str, i: Interval) -> None:
        starting = kind == "interval_start"
        self._sync_battery(t)
        d = self.device
        channel = i.kind
        if channel == "unlocked":
            d.unlocked = starting
            if starting:
                self._open_intervals[("unlocked", None)] = t
                self._emit(t, "unlocked")
            else:
                begun = self._open_intervals.pop(("unlocked", None), i.start)
                self.predictor.observe_unlocked(self.local_ms(begun), self.local_ms(t))
                self._emit(t, "locked")
        elif channel == "app":
            if starting:
                self._app_opened(t, i.subject)
            else:
                self._app_closed(t, i.subject)
        elif channel == "screen":
            d.screen = starting
        elif channel == "plugged":
            d.plugged = starting
            self._emit(t, "plugged" if starting else "unplugged", reason=i.value)
            if starting and d.dead_battery:
                d.dead_battery = False
                self._boot(t, "charger connected after an empty battery")
        elif channel == "network":
            d.network = i.value if starting else "none"
            self._emit(t, "network", reason=d.network)
        elif channel == "low_power_mode":
            d.lpm = starting
            self._emit(t, "low_power_mode", reason="on" if starting else "off")
        elif channel == "thermal":
            d.thermal = i.value if starting else "nominal"
            self._emit(t, "thermal", reason=d.thermal)
        elif channel == "off":
            if starting:
                d.powered_off = True
                self.kill_all(t, "boot", "device powered off")
            else:
                d.powered_off = False
                self._boot(t, "powered on")
        elif channel == "bar":
            if i.subject:
                (d.bar_off_apps.add if starting else d.bar_off_apps.discard)(i.subject)
            else:
                d.bar_global_off = starting
            self._emit(t, "bar", app=i.subject or None, reason="off" if starting else "on")
        self._after_change(t)

    def _on_point(self, t: int, kind: str, p: Point) -> None:
        self._sync_battery(t)
        what = p.kind
        if what == "battery":  # from the first sample on, the trace says the level (§6.8)
            self.device.battery_measured = True
            self._battery_due = None
            self.device.battery = float(p.value)
            self._emit(t, "battery", value=float(p.value))
        elif what == "boot":
            self.kill_all(t, "boot", "device rebooted")
            self._boot(t, "reboot")
        elif what == "force_quit":
            self._force_quit(t, p.subject)
        elif what == "user_action":
            task = self.tasks.get(p.subject)
            if task is not None and "user_action" in task.submit.when:
                self.queue.push(t, q.SUBMIT, "submit", (task.id, "user_action"))
        elif what == "cancel":
            self.user_cancel(t, p.subject)
        elif what == "simulate_launch":
            self.simulate_launch(t, p.subject)
        elif what == "simulate_expiration":
            self.simulate_expiration(t, p.subject)
        else:  # timezone: the clock already follows it
            return
        self._after_change(t)

    def _after_change(self, t: int) -> None:
        if self.active:
            self.check_running(t)
        if self.cp_queue:
            self._admit_queued(t)
        self._schedule_battery(t)
        if self.pending and self._context_eval_at != t:
            self._context_eval_at = t
            self.queue.push(t, q.EVALUATE, "context")

    def _app_opened(self, t: int, bundle: str) -> None:
        self.touch_app(bundle)
        state = self.apps.get(bundle)
        if state is not None:  # before the app is foreground: how did the open find it?
            start, launch_code_ran = self._process_start(state, t)
        d = self.device
        d.foreground = bundle
        self.last_open_any[bundle] = t
        self.predictor.observe_open(bundle, self.local_ms(t))
        if state is None:
            self._emit(t, "app_opened", app=bundle)
            return
        staleness = (t - state.last_fetch) / 1000
        missed = self._missed_changes(state, t)
        backlog = sum(self.work_left.get(task.id, 0) for task in state.app.tasks) / 1000
        self._emit(t, "app_opened", app=bundle, value=staleness, reason=start,
                   detail=f"missed_changes={missed} backlog_s={backlog:g}")
        state.last_open = t
        state.force_quit = False  # F47: cleared by a manual launch
        if self.launch_crashes(bundle):
            self._emit(t, "app_crashed", app=bundle, reason="late_registration",
                       detail="All launch handlers must be registered before application "
                              "finishes launching")
            return
        if state.app.on_open == "sync":
            self.fetch(state, t)
        if not launch_code_ran:  # else the pre-warm ran the launch code and its submits
            self._submit_on(t, state, "app_launch")

    def _app_closed(self, t: int, bundle: str) -> None:
        self.touch_app(bundle)
        if self.device.foreground == bundle:
            self.device.foreground = None
        state = self.apps.get(bundle)
        self._emit(t, "app_closed", app=bundle)
        if state is None:
            return
        self.keep_resident(state, t)
        if not self.launch_crashes(bundle):
            self._submit_on(t, state, "app_background")

    def _submit_on(self, t: int, state: AppState, trigger: str, *via: str) -> None:
        for task in state.app.tasks:
            if trigger in task.submit.when:
                self.queue.push(t, q.SUBMIT, "submit", (task.id, trigger, *via))

    def _force_quit(self, t: int, bundle: str) -> None:
        self.touch_app(bundle)
        self._emit(t, "force_quit", app=bundle)
        state = self.apps.get(bundle)
        if state is None:
            return
        state.force_quit = True  # F47, F48: survives reboots, cleared by a manual launch
        self.end_process(state)
        # the queue first: a killed run frees a slot, which would admit the app's queued request
        for req in [r for r in self.cp_queue if r.task.app == bundle]:
            self.cp_queue.remove(req)
            self.pending.pop(req.task.id, None)
            self._emit(t, "cancelled", app=bundle, task=req.task.id, task_type=req.task.type,
                       reason="force_quit", detail="queued continued processing (F50)")
        self.kill_app(t, bundle, "force_quit")

    def _boot(self, t: int, why: str) -> None:
        self.device.last_boot = t
        for state in self.apps.values():  # every process starts anew
            self.end_process(state)
        self._emit(t, "boot", detail=why)
        if not self.params["persist_on_reboot"]:
            for req in self.pending.values():  # in request-number order, as inserted
                self._emit(t, "cancelled", app=req.task.app, task=req.task.id,
                           task_type=req.task.type, reason="reboot",
                           detail="persist_on_reboot is false (F90)")
            self.pending.clear()
            self.cp_queue.clear()

    # --- content and freshness (§6.9) ---------------------------------------------------
    def _missed_changes(self, state: AppState, t: int) -> int:
        while state.next_change <= t:
            state.changes += 1
            state.next_change += self._next_gap(state.app.bundle)
        return state.changes - state.changes_fetched

    def fetch(self, state: AppState, t: int) -> None:
        self._missed_changes(state, t)
        state.last_fetch = t
        state.changes_fetched = state.changes

    # --- battery (§6.8) -----------------------------------------------------------------
    def _battery_rates(self) -> tuple[float, float, float, float]:
        """% per ms: charging below 80 %, charging above, draining in use, draining idle."""
        p = self.params
        return (p["charge_fast"] / 60_000, p["charge_slow"] / 60_000,
                -p["drain_unlocked"] / HOUR_MS, -p["drain_idle"] / HOUR_MS)

    def _rate_per_ms(self) -> float:
        """Current battery change in % per ms (positive while charging)."""
        d = self.device
        if d.plugged:
            if d.battery >= 100.0:
                return 0.0
            return self._charge_fast if d.battery < 80.0 else self._charge_slow
        if d.off:
            return 0.0
        return self._drain_in_use if d.in_use else self._drain_idle

    def _sync_battery(self, t: int) -> None:
        d = self.device
        if not d.battery_measured and t > d.battery_t:
            d.battery = _clamp_level(d.battery + self._rate_per_ms() * (t - d.battery_t))
        d.battery_t = t

    def battery_level(self, t: int) -> float:
        d = self.device
        if d.battery_measured or t <= d.battery_t:
            return d.battery
        return _clamp_level(d.battery + self._rate_per_ms() * (t - d.battery_t))

    def _schedule_battery(self, t: int) -> None:
        """Plan the next 5-point step (or the 80 % rate change, or empty): an evaluation
        trigger (F40) and a `battery` event."""
        if self.device.battery_measured:
            return
        rate = self._rate_per_ms()
        if rate == 0.0:
            self._battery_due = None
            return
        level = self.device.battery
        if rate > 0:
            target = min((int(level // 5) + 1) * 5, 100)
            if level < 80.0 < target + 1e-9:
                target = 80
        else:
            target = (int(-(-level // 5)) - 1) * 5 if level % 5 == 0 else int(level // 5) * 5
            target = max(target, 0)
        when = t + max(1, int(abs((target - level) / rate)) + 1)
        if when == self._battery_due:
            return  # most changes leave the rate alone: the planned step still holds
        self._battery_due = when
        self._queue_battery_step()

    def _queue_battery_step(self) -> None:
        """Make sure a queue entry reaches the planned step: one at or before it will do, as
        an early entry queues the next one (a change moves the step to and fro by a ms)."""
        due, queued = self._battery_due, self._battery_queued
        if due is None or due >= self.end or (queued and queued[0] <= due):
            return
        insort(queued, due)
        self.queue.push(due, q.START, "battery_step")

    def _on_battery_step(self, t: int, kind: str, payload: None) -> None:
        """The planned step if it is due now; an entry the plan moved past queues the next."""
        self._battery_queued.remove(t)
        if t != self._battery_due:
            self._queue_battery_step()
            return
        self._battery_due = None
        self._sync_battery(t)
        d = self.device
        d.battery = float(round(d.battery))
        self._emit(t, "battery", value=d.battery)
        if d.battery <= 0.0 and not d.plugged and not d.off:
            d.dead_battery = True
            self.kill_all(t, "boot", "the battery is empty")
        self._after_change(t)

    # --- scheduler bookkeeping used by the policies -------------------------------------
    def pending_count(self, bundle: str) -> int:
        return sum(1 for r in self.pending.values() if r.task.app == bundle)

    def is_recent_app(self, bundle: str, now: int) -> bool:
        """Among the `app_recent_size` most recently used apps, opened within `recent_window`."""
        last = self.last_open_any.get(bundle)
        if last is None or now - last > self.params["recent_window"]:
            return False
        size = self.params["app_recent_size"]
        if len(self.last_open_any) <= size:
            return True
        newer = sum(1 for other in self.last_open_any.values() if other > last)
        return newer < size

    def lpm_enforced(self, now: int) -> bool:
        """F55: LPM binds when on and (unplugged or battery under 30 %)."""
        d = self.device
        if not d.lpm:
            return False
        return not d.plugged or self.battery_level(now) < self.params["lpm_battery_threshold"]

    # --- usage: prediction fading and the energy budget (F41, F42, F65; FO2, FO4, FO11) ------
    def app_likelihood(self, bundle: str, look: int, at: int) -> float:
        """The app's launch likelihood at ``look`` as predicted at ``at``: the predictor's
        share of past days with an open near that time, faded by how long the user has not
        opened the app (FO11)."""
        share = self.predictor.app_likelihood(bundle, self.local_ms(look),
                                              self.params["app_default_likelihood"])
        return share * self.dormancy_fade(bundle, at)

    def dormancy_fade(self, bundle: str, at: int) -> float:
        """0.5 per `app_dormancy_half_life` since the app's last open (1 without opens, or
        with a half-life of 0)."""
        half_life = self.params["app_dormancy_half_life"]
        last = self.last_open_any.get(bundle)
        if last is None or at <= last or half_life <= 0:
            return 1.0
        return 0.5 ** ((at - last) / half_life)

    def days_unopened(self, bundle: str, at: int) -> float:
        last = self.last_open_any.get(bundle)
        return 0.0 if last is None else max(at - last, 0) / DAY_MS

    def daily_opens(self, bundle: str, now: int) -> float:
        return self.predictor.daily_opens(bundle, self.local_ms(now) // DAY_MS)

    def energy_allocation(self, bundle: str, now: int) -> float:
        """Units a day the app's budget receives: `energy_per_open` per daily open (F42)."""
        return float(self.params["energy_per_open"]) * self.daily_opens(bundle, now)

    def _energy_bank(self, bundle: str, now: int) -> float:
        return self.energy_allocation(bundle, now) * self.params["energy_bank"] / DAY_MS

    def energy_left(self, bundle: str, now: int) -> float:
        """The budget at ``now``: refilled day by day at that day's allocation, held to
        `energy_bank` of it (F65: budgets are spread through the day)."""
        state = self.apps[bundle]
        level, t = state.energy, state.energy_t
        while t < now:
            local = self.local_ms(t)
            upto = min(now, self.at_local(t, local - local % DAY_MS + DAY_MS))
            per_day = self.energy_allocation(bundle, t)
            bank = per_day * self.params["energy_bank"] / DAY_MS
            level = min(level + per_day * (upto - t) / DAY_MS, bank)
            t = upto
        return level

    def spend_energy(self, bundle: str, now: int, units: float) -> None:
        state = self.apps[bundle]
        state.energy = self.energy_left(bundle, now) - units
        state.energy_t = now

    def spacing_ends(self, task: Task, now: int) -> int | None:
        """When the rate limit (F68) lets this task launch again, if it does not now."""
        last = self.last_launch.get(task.id)
        if last is None:
            return None
        p = self.params
        if task.is_processing_family:
            spacing = p["processing_min_spacing"]
        else:  # "depending on what's appropriate" (F68): the less used, the further apart (F42)
            by_use = p["refresh_spacing_by_use"]
            opens = max(self.daily_opens(task.app, now), by_use / DAY_MS)
            spacing = max(p["refresh_min_spacing"], int(by_use / opens) if by_use > 0 else 0)
        return last + spacing if now - last < spacing else None

    # --- the app's process (F93; FO5-FO7) -----------------------------------------------------
    def resident(self, state: AppState, t: int) -> bool:
        """The app's process is in memory: in the foreground, running a task, or suspended
        for less than `process_residency` since its last use or pre-warm."""
        bundle = state.app.bundle
        if self.device.foreground == bundle or any(
                run.task.app == bundle for run in self.active.values()):
            return True
        return state.proc_until is not None and t < state.proc_until

    def keep_resident(self, state: AppState, t: int) -> None:
        """The process was just used: it stays in memory `process_residency` from now."""
        until = t + int(self.params["process_residency"])
        state.proc_until = until if state.proc_until is None else max(state.proc_until, until)

    def end_process(self, state: AppState) -> None:
        state.proc_until = None
        state.prewarmed_at = None
        state.launch_code_ran = False

    def _process_start(self, state: AppState, t: int) -> tuple[str, bool]:
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

    def penalty_multiplier(self, task_id: str, now: int) -> float:
        starts = self.penalties.get(task_id)
        if not starts:
            return 1.0
        active = sum(1 for s in starts if now - s < self.params["penalty_duration"])
        return float(self.params["penalty_factor"]) ** active


class ParamsRead(dict):
    """The profile's parameters, noting each one read."""

    def __init__(self, params) -> None:
        super().__init__(params)
        self.read: set[str] = set()

    def __getitem__(self, name: str):
        self.read.add(name)
        return super().__getitem__(name)


def _local_time(clock: Clock) -> Callable[[int], int]:
    """``clock.local_ms``, as a plain addition when the UTC offset never changes."""
    if len(clock.offsets) > 1:
        return clock.local_ms
    return partial(add, clock.start_utc_ms + clock.offsets[0][1])


def _clamp_level(level: float) -> float:
    """A battery level kept within 0–100 % (as ``min(max(level, 0.0), 100.0)``)."""
    return 0.0 if level < 0.0 else (100.0 if level > 100.0 else level)


def replay(
    scenario: Scenario, timeline: Timeline, profile: Profile, *, explain_task: str | None = None,
    record_params: bool = False,
) -> ReplayResult:
    """Replay ``scenario`` over ``timeline`` with ``profile`` and return the event log."""
    engine = Replay(scenario, timeline, profile, explain_task=explain_task,
                    record_params=record_params)
    engine.advance()
    return engine.result()


__all__ = ["DEVICE", "Replay", "replay"]
