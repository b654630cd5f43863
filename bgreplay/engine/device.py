"""The device as the trace says it changes (SPEC §5.1): lock and unlock, app opens, charging,
network, Low Power Mode, heat, power, Background App Refresh, the user's actions.

Each change is applied when it happens and then, in one place (``after_change``), lets the
rest of the model react: runs a new veto stops, queued continued processing that may start,
the next battery step, and a re-score of the pending requests.
"""

from __future__ import annotations

from bgreplay.trace.model import Interval, Point

from . import queue as q
from .apps import Apps
from .battery import Battery
from .clock import LocalClock
from .continued import Continued
from .log import EventLog
from .params import Params
from .predictor import UsagePredictor
from .queue import EventQueue
from .runs import Runs
from .scheduler import Scheduler
from .world import World


class Device:
    def __init__(
        self,
        world: World,
        params: Params,
        log: EventLog,
        queue: EventQueue,
        clock: LocalClock,
        predictor: UsagePredictor,
        battery: Battery,
        apps: Apps,
        runs: Runs,
        continued: Continued,
        scheduler: Scheduler,
    ) -> None:
        self.world = world
        self.p = params
        self.log = log
        self.queue = queue
        self.clock = clock
        self.predictor = predictor
        self.battery = battery
        self.apps = apps
        self.runs = runs
        self.continued = continued
        self.scheduler = scheduler
        self.unlocked_since: int | None = None

    def after_change(self, t: int) -> None:
        w = self.world
        if w.active:
            self.runs.check_running(t)
        if w.cp_queue:
            self.continued.admit_queued(t, self.runs.launch)
        self.battery.schedule(t)
        self.scheduler.context_changed(t)

    # --- trace intervals and points --------------------------------------------------------
    def on_interval(self, t: int, i: Interval, starting: bool) -> None:
        self.battery.sync(t)
        d = self.world.device
        log = self.log
        channel = i.kind
        if channel == "unlocked":
            d.set_unlocked(starting)
            if starting:
                self.unlocked_since = t
                log.device(t, "unlocked")
            else:
                begun = i.start if self.unlocked_since is None else self.unlocked_since
                self.unlocked_since = None
                self.predictor.observe_unlocked(self.clock.local_ms(begun), self.clock.local_ms(t))
                log.device(t, "locked")
        elif channel == "app":
            if i.subject is not None:
                if starting:
                    self.app_opened(t, i.subject)
                else:
                    self.app_closed(t, i.subject)
        elif channel == "screen":
            d.set_screen(starting)
        elif channel == "plugged":
            d.plugged = starting
            log.device(t, "plugged" if starting else "unplugged", reason=i.value)
            if starting and d.dead_battery:
                d.set_dead_battery(False)
                self.boot(t, "charger connected after an empty battery")
        elif channel == "network":
            d.network = (i.value or "none") if starting else "none"
            log.device(t, "network", reason=d.network)
        elif channel == "low_power_mode":
            d.lpm = starting
            log.device(t, "low_power_mode", reason="on" if starting else "off")
        elif channel == "thermal":
            d.thermal = (i.value or "nominal") if starting else "nominal"
            log.device(t, "thermal", reason=d.thermal)
        elif channel == "off":
            if starting:
                d.set_powered_off(True)
                self.runs.kill_all(t, "boot", "device powered off")
            else:
                d.set_powered_off(False)
                self.boot(t, "powered on")
        elif channel == "bar":
            if i.subject:
                if starting:
                    d.bar_off_apps.add(i.subject)
                else:
                    d.bar_off_apps.discard(i.subject)
            else:
                d.bar_global_off = starting
            log.device(t, "bar", app=i.subject or None, reason="off" if starting else "on")
        self.after_change(t)

    def on_point(self, t: int, p: Point) -> None:
        self.battery.sync(t)
        what = p.kind
        subject = p.subject or ""
        if what == "battery":  # from the first sample on, the trace says the level (§6.8)
            level = float(p.value or 0.0)
            self.battery.measured(level)
            self.log.device(t, "battery", value=level)
        elif what == "boot":
            self.runs.kill_all(t, "boot", "device rebooted")
            self.boot(t, "reboot")
        elif what == "force_quit":
            self.force_quit(t, subject)
        elif what == "user_action":
            task = self.world.tasks.get(subject)
            if task is not None and "user_action" in task.submit.when:
                self.queue.push(t, q.SUBMIT, q.DO_SUBMIT, (task.id, "user_action", None))
        elif what == "cancel":
            self.runs.user_cancel(t, subject)
        elif what == "simulate_launch":
            self.runs.simulate_launch(t, subject)
        elif what == "simulate_expiration":
            self.runs.simulate_expiration(t, subject)
        else:  # timezone: the clock already follows it
            return
        self.after_change(t)

    # --- the user and the apps ---------------------------------------------------------------
    def app_opened(self, t: int, bundle: str) -> None:
        w = self.world
        w.touch_app(bundle)
        state = w.apps.get(bundle)
        start, launch_code_ran = "cold", False
        if state is not None:  # before the app is foreground: how did the open find it?
            start, launch_code_ran = self.apps.process_start(state, t)
        w.device.foreground = bundle
        w.opened(bundle, t)
        self.predictor.observe_open(bundle, self.clock.local_ms(t))
        if state is None:
            self.log.device(t, "app_opened", app=bundle)
            return
        missed = self.apps.missed_changes(state, t)
        backlog = sum(w.work_left.get(task.id, 0) for task in state.app.tasks)
        self.log.app_opened(t, bundle, start, state.last_fetch, missed, backlog)
        state.last_open = t
        state.force_quit = False  # F47: cleared by a manual launch
        if self.apps.launch_crashes(bundle):
            self.log.device(
                t,
                "app_crashed",
                app=bundle,
                reason="late_registration",
                detail="All launch handlers must be registered before application "
                "finishes launching",
            )
            return
        if state.app.on_open == "sync":
            self.apps.fetch(state, t)
        if not launch_code_ran:  # else the pre-warm ran the launch code and its submits
            self.scheduler.queue_submits(t, bundle, "app_launch")

    def app_closed(self, t: int, bundle: str) -> None:
        w = self.world
        w.touch_app(bundle)
        if w.device.foreground == bundle:
            w.device.foreground = None
        state = w.apps.get(bundle)
        self.log.device(t, "app_closed", app=bundle)
        if state is None:
            return
        self.apps.keep_resident(state, t)
        if not self.apps.launch_crashes(bundle):
            self.scheduler.queue_submits(t, bundle, "app_background")

    def force_quit(self, t: int, bundle: str) -> None:
        w = self.world
        w.touch_app(bundle)
        self.log.device(t, "force_quit", app=bundle)
        state = w.apps.get(bundle)
        if state is None:
            return
        state.force_quit = True  # F47, F48: survives reboots, cleared by a manual launch
        self.apps.end_process(state)
        # the queue first: a killed run frees a slot, which would admit the app's queued request
        for req in [r for r in w.cp_queue if r.app == bundle]:
            w.unpend(req)
            self.log.task(
                t,
                "cancelled",
                req.task,
                reason="force_quit",
                detail="queued continued processing (F50)",
            )
        self.runs.kill_app(t, bundle, "force_quit")

    def boot(self, t: int, why: str) -> None:
        w = self.world
        w.device.last_boot = t
        for state in w.apps.values():  # every process starts anew
            self.apps.end_process(state)
        self.log.device(t, "boot", detail=why)
        if not self.p.persist_on_reboot:
            for req in list(w.pending.values()):  # in request-number order, as inserted
                self.log.task(
                    t,
                    "cancelled",
                    req.task,
                    reason="reboot",
                    detail="persist_on_reboot is false (F90)",
                )
                w.unpend(req)
