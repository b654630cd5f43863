"""The discrete-event replay of one device (SPEC §6): pure, deterministic, driven from outside.

``Replay`` builds the components — the device (``device.py``) and its battery, the scheduler,
runs, continued processing and pre-warms — around one ``World`` and one queue, and dispatches
each queued happening to the component it is for. It jumps from event to event — trace changes,
request windows, 15-minute re-scores, run ends — and never looks at the trace's future: device
changes are applied when they happen, and the usage predictor only learns what has already
happened.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

from bgreplay.engine.profiles import Profile
from bgreplay.engine.records import Event, ReplayResult
from bgreplay.gcpause import paused_gc
from bgreplay.rng import Streams
from bgreplay.scenario.model import Scenario
from bgreplay.trace.model import DAY_MS, Timeline

from . import queue as q
from .apps import Apps
from .battery import Battery
from .clock import LocalClock
from .continued import Continued
from .device import Device
from .log import EventLog
from .params import Params
from .policies import policies_for, vetoers_for
from .predictor import UsagePredictor
from .prewarm import Prewarm
from .runs import Runs
from .scheduler import Scheduler
from .view import PolicyView
from .world import DeviceState, Run, World


class Replay:
    """One replay of one scenario on one device. Call ``advance`` (possibly in steps), then
    ``result``. ``explain_task`` keeps every evaluation of that task, or with ``"*"`` the
    evaluations of every task that launched it or changed its throttling reason; with
    ``record_params`` the result lists the parameters the replay read."""

    def __init__(
        self,
        scenario: Scenario,
        timeline: Timeline,
        profile: Profile,
        *,
        explain_task: str | None = None,
        record_params: bool = False,
    ) -> None:
        self.scenario = scenario
        self.timeline = timeline
        self.profile = profile
        self.params = _recording(profile) if record_params else Params(profile.params)
        p = self.params
        self.end = scenario.duration_ms
        device = DeviceState(model=scenario.device.model)
        device.battery = float(scenario.device.battery_start)
        self.world = w = World(device, list(scenario.apps), scenario.tasks)
        self.queue = queue = q.EventQueue()
        self.log = log = EventLog()
        self.clock = clock = LocalClock(timeline.clock)
        streams = Streams(scenario.seed)
        task_policies = {t.id: policies_for(t) for t in scenario.tasks}
        task_vetoers = {t.id: vetoers_for(t) for t in scenario.tasks}
        history_days = self._history_days()
        first_day = timeline.clock.local_day(-history_days * DAY_MS)
        self.predictor = UsagePredictor(p, first_day)
        self.battery = Battery(device, p, queue, self.end)
        self.view = view = PolicyView(w, p, self.predictor, clock, self.battery, streams)
        self.apps = Apps(w, p, streams)
        self.continued = Continued(w, p, view, log, task_vetoers)
        self.runs = Runs(
            w,
            p,
            view,
            self.apps,
            self.continued,
            log,
            queue,
            streams,
            task_vetoers,
            scenario.device.memory_limit_mb,
        )
        self.scheduler = Scheduler(
            w,
            p,
            profile.scoring,
            view,
            log,
            queue,
            clock,
            self.predictor,
            self.runs,
            self.continued,
            scenario,
            task_policies,
            task_vetoers,
            explain_task,
        )
        self.device = Device(
            w,
            p,
            log,
            queue,
            clock,
            self.predictor,
            self.battery,
            self.apps,
            self.runs,
            self.continued,
            self.scheduler,
        )
        self.prewarm = Prewarm(
            w, p, view, self.apps, self.predictor, clock, log, queue, self.scheduler
        )
        self._seed_history(history_days)
        self._init_apps()
        self._load_trace()
        self.prewarm.start()
        log.device(0, "battery", value=round(device.battery, 1))
        self.battery.schedule(0)

    @property
    def work(self) -> int:
        """Requests scored and prediction steps so far: the replay's cost, which the API's
        replay budget counts (``MAX_REPLAY_WORK``)."""
        return self.scheduler.work

    @property
    def skip_quiet_ticks(self) -> bool:
        """An optimisation only (tests replay without it too): no re-score of a request held
        back by its score before its next chance."""
        return self.scheduler.skip_quiet_ticks

    @skip_quiet_ticks.setter
    def skip_quiet_ticks(self, value: bool) -> None:
        self.scheduler.skip_quiet_ticks = value

    # --- driving ------------------------------------------------------------------------
    def advance(self, until: int | None = None) -> None:
        """Process every queued event before ``until`` (default: the end of the replay)."""
        stop = self.end if until is None else min(until, self.end)
        with paused_gc():  # the replay's short-lived objects need no cycle search
            self._run_until(stop)

    def _run_until(self, stop: int) -> None:
        # methods are called on their objects, not held bound: the compiled engine calls a
        # method directly, and a bound one as any Python callable
        queue, device, scheduler, runs = self.queue, self.device, self.scheduler, self.runs
        prewarm = self.prewarm
        entry = queue.pop_before(stop)
        while entry is not None:
            t = entry.t
            kind = entry.kind
            if kind == q.TICK or kind == q.CONTEXT:
                scheduler.on_evaluate(t, kind == q.TICK)
            elif kind == q.INTERVAL_START or kind == q.INTERVAL_END:
                device.on_interval(t, entry.payload, kind == q.INTERVAL_START)
            elif kind == q.RUN_EVENT:
                run, how = cast(tuple[Run, int], entry.payload)  # unpacked typed, compiled
                runs.on_end(t, run, how)
            elif kind == q.DO_SUBMIT:
                task_id, trigger, origin = cast(tuple[str, str, str | None], entry.payload)
                scheduler.submit(self.world.tasks[task_id], t, trigger, origin)
            elif kind == q.REQUEST:
                scheduler.on_request(t, entry.payload)
            elif kind == q.BATTERY_STEP:
                if self.battery.is_due(entry):
                    self._battery_step(t)
            elif kind == q.POINT:
                device.on_point(t, entry.payload)
            else:  # PREWARM, PREWARM_PLAN
                bundle: str = entry.payload
                if kind == q.PREWARM:
                    prewarm.prewarm(t, bundle)
                prewarm.plan(t, bundle)
            entry = queue.pop_before(stop)

    def _battery_step(self, t: int) -> None:
        level = self.battery.take_step(t)
        self.log.device(t, "battery", value=level)
        d = self.world.device
        if level <= 0.0 and not d.plugged and not d.off:
            d.set_dead_battery(True)
            self.runs.kill_all(t, "boot", "the battery is empty")
        self.device.after_change(t)

    def result(self) -> ReplayResult:
        read = getattr(self.params, "read", None)
        return ReplayResult(
            scenario=self.scenario,
            timeline=self.timeline,
            profile_name=self.profile.name,
            profile=dict(self.profile.params),
            events=tuple(map(_as_event, self.log.rows)),
            evaluations=tuple(self.scheduler.evaluations),
            params_read=frozenset(read) if read is not None else frozenset(),
        )

    # --- set-up -------------------------------------------------------------------------
    def _history_days(self) -> int:
        history = self.scenario.device.history
        if history == "none":
            return 0
        if history == "repeat":
            return self.params.history_repeat_days
        return int(history)

    def _seed_history(self, days: int) -> None:
        """``device.history``: the trace's first days replayed before the start (§6.4)."""
        available = min(days, self.end // DAY_MS)
        if days <= 0 or available <= 0:
            return
        span = available * DAY_MS
        # each observed interval once: its start, its length (within the span), whose open
        starts: list[int] = []
        lengths: list[int] = []
        opened: list[str | None] = []  # the app, or None for an unlocked interval
        for i in self.timeline.intervals:
            if i.start < span and (i.kind == "unlocked" or i.kind == "app"):
                starts.append(i.start)
                lengths.append(min(i.end, span) - i.start)
                opened.append(None if i.kind == "unlocked" else i.subject or "")
        earliest = -days * DAY_MS
        moments: list[int] = []
        which: list[int] = []
        order_keys: list[int] = []  # start order, an unlocked interval before an app open
        k = 1
        while -k * span >= earliest - span:
            for j in range(len(starts)):
                start = starts[j] - k * span
                if start >= earliest:
                    moments.append(start)
                    which.append(j)
                    order_keys.append(start * 2 + (opened[j] is not None))
            k += 1
        clock = self.clock
        world = self.world
        for n in sorted(range(len(moments)), key=order_keys.__getitem__):
            start, j = moments[n], which[n]
            app = opened[j]
            if app is None:
                self.predictor.observe_unlocked(
                    clock.local_ms(start), clock.local_ms(start + lengths[j])
                )
            elif app:
                self.predictor.observe_open(app, clock.local_ms(start))
                world.opened(app, start)

    def _init_apps(self) -> None:
        w = self.world
        for bundle, state in w.apps.items():
            state.energy = self.view.energy_bank(bundle, 0)
            state.last_open = w.last_open_any.get(bundle)
            sync = state.app.on_open == "sync"
            state.last_fetch = state.last_open if (sync and state.last_open is not None) else 0
            state.next_change = state.last_fetch + self.apps.next_gap(state.app)
        w.work_left = {
            t.id: t.handler.work_ms for t in w.tasks.values() if t.handler.work_ms is not None
        }

    def _load_trace(self) -> None:
        queue, end = self.queue, self.end
        for i in self.timeline.intervals:
            if i.kind == "bg_task_observed":
                continue
            queue.load(i.start, q.START, q.INTERVAL_START, i)
            ends = i.end
            if ends < end:
                queue.load(ends, q.END, q.INTERVAL_END, i)
        for p in self.timeline.points:
            queue.load(p.t, q.START, q.POINT, p)
        queue.loaded()


def _recording(profile: Profile) -> Params:
    """Parameters that note which of them are read (the pure-Python engine only: the
    compiled ``Params`` cannot be subclassed by the recorder)."""
    from bgreplay.engine.recording import RecordingParams

    made: object = RecordingParams(profile.params)
    assert isinstance(made, Params), "a recording replay runs the pure-Python engine"
    return made


# A row of the log as an Event, made in C: a namedtuple's own ``_make`` is Python code.
_as_event = cast(Callable[[tuple[object, ...]], Event], partial(tuple.__new__, Event))


def replay(
    scenario: Scenario,
    timeline: Timeline,
    profile: Profile,
    *,
    explain_task: str | None = None,
    record_params: bool = False,
) -> ReplayResult:
    """Replay ``scenario`` over ``timeline`` with ``profile`` and return the event log."""
    with paused_gc():  # building the queue and the records, too (an eighth of the time)
        engine = Replay(
            scenario, timeline, profile, explain_task=explain_task, record_params=record_params
        )
        engine.advance()
        result = engine.result()
        # Freed (by reference counting) before the collector resumes: it would otherwise scan
        # the replay's whole object graph at its first pass, a twentieth of a week's replay.
        del engine
    return result
