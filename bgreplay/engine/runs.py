"""Runs and how they end (SPEC §6.5): allowances, completion habits, expiration, kills.

A run's planned end is one queue entry (``Run.end``); when the plan changes, that entry is
cancelled and the new one queued. Longer than most modules: every way a run can end (finish,
allowance, expiration and its answer, kills, the user, the debugger) shares that bookkeeping.
"""

from __future__ import annotations

import math
from random import Random

from bgreplay.rng import Streams
from bgreplay.scenario.model import DurationDist, Task

from . import queue as q
from .apps import Apps
from .continued import Continued
from .log import EventLog
from .params import Params
from .policies import Policy
from .queue import EventQueue
from .view import PolicyView
from .world import Request, Run, World

# How a queued run end ends it (the payload of its ``RUN_EVENT`` entry, with the run).
FINISH, ALLOWANCE, STALLED, JETSAM, CPU_LIMIT, ANSWERED, UNANSWERED = range(7)
END_NAMES = ("finish", "allowance", "stalled", "jetsam", "cpu_limit", "answered", "unanswered")
# Kills that end the app's process, not just the task.
PROCESS_ENDS = ("watchdog", "jetsam", "cpu_limit", "crash", "boot", "force_quit")


class Runs:
    """Launching requests and ending runs."""

    def __init__(
        self,
        world: World,
        params: Params,
        view: PolicyView,
        apps: Apps,
        continued: Continued,
        log: EventLog,
        queue: EventQueue,
        streams: Streams,
        task_vetoers: dict[str, tuple[Policy, ...]],
        memory_limit_mb: float,
    ) -> None:
        self.world = world
        self.p = params
        self.view = view
        self.apps = apps
        self.continued = continued
        self.log = log
        self.queue = queue
        self.streams = streams
        self.task_vetoers = task_vetoers  # per task, the policies that can veto it
        self.memory_limit_mb = memory_limit_mb

    # --- launch -------------------------------------------------------------------------
    def launch(self, req: Request, t: int, simulated: bool = False) -> None:
        w = self.world
        task = req.task
        w.unpend(req)
        w.touch_app(task.app)
        number = w.next_run_number()
        if not simulated:
            w.last_launch[task.id] = t  # F68: the rate limit counts dasd's own launches
        allowance, early = (None, False) if simulated else self._allowance(task)
        detail = "no allowance" if allowance is None else f"allowance {allowance / 1000:g}s"
        self.log.task(
            t,
            "launched",
            task,
            reason="simulated" if simulated else "organic",
            run=number,
            value=(t - req.start_after) / 1000,
            detail=detail,
            request=req.number,
            cause="early_expiry" if early else None,
        )
        app = w.apps[task.app].app
        if not app.registers_handler(task.id) or self.apps.launch_crashes(task.app):
            why = "no_handler" if not app.registers_handler(task.id) else "late_registration"
            self.log.task(
                t,
                "killed",
                task,
                reason="crash",
                run=number,
                value=0.0,
                detail="No launch handler registered (F88)"
                if why == "no_handler"
                else "handlers registered after launch finished (F87)",
            )
            self.log.device(t, "app_crashed", app=task.app, task_id=task.id, reason=why)
            return
        d = w.device
        run = Run(
            number,
            req,
            t,
            None if allowance is None else t + allowance,
            simulated,
            success=True,
            plugged_at_launch=d.plugged,
            network_at_launch=d.network,
            work_at_start=w.work_left.get(task.id),
        )
        w.active[task.id] = run
        if task.type == "continued_processing":
            d.cp_running += 1
        if "handler_start" in task.submit.when:
            self.queue.push(t, q.SUBMIT, q.DO_SUBMIT, (task.id, "handler_start", None))
        self._plan(run, t)

    def _allowance(self, task: Task) -> tuple[int | None, bool]:
        """The run's allowance, and whether the system cuts it short: a refresh gets the
        documented 30 s (F2) unless, for `refresh_early_expiry_share` of launches, the system
        expires it a few seconds in (F3; FO8 saw most expirations 2-5 s after launch)."""
        p = self.p
        if task.type == "refresh":
            rng = self.streams.generator(f"allowance/{task.id}")
            if rng.random() < p.refresh_early_expiry_share:
                low, high = p.refresh_early_expiry_min, p.refresh_early_expiry_max
                cut = int(rng.uniform(min(low, high), max(low, high)))
                return min(cut, p.refresh_runtime), True
            return p.refresh_runtime, False
        if task.type == "continued_processing":
            return None, False
        if task.type == "health_research" or task.requires_external_power:
            return p.processing_runtime_powered, False
        return p.processing_runtime_battery, False

    def _end_at(self, run: Run, when: int, how: int) -> None:
        """The run ends at ``when`` as ``how`` says, unless the plan changes again."""
        if run.end is not None:
            run.end.cancel()
        run.end = self.queue.push(when, q.RUN_END, q.RUN_EVENT, (run, how))

    def _plan(self, run: Run, t: int) -> None:
        """Decide, at launch, when and how this run will end if nothing interrupts it."""
        task = run.task
        h = task.handler
        rng = self.streams.generator(f"handler/{task.id}")
        length = _draw(h.duration, rng)
        if run.work_at_start is not None:
            length = max(1, run.work_at_start)
        success = rng.random() < h.success_rate
        if not success:
            run.failure = "handler_failed"
        if h.network is not None:
            if self.world.device.network == "none":
                length = self.p.network_timeout  # §6.7: the first request times out
                success = False
                run.failure = "no_network"
            else:
                length += self._network_ms(h.network.requests, h.network.bytes)
        run.success = success
        ends: list[tuple[int, int]] = [(t + length, FINISH)]
        if run.allowance_end is not None:
            ends.append((run.allowance_end, ALLOWANCE))
        effective = min(length, (run.allowance_end or t + length) - t)
        if h.memory_mb > self.memory_limit_mb:
            ends.append((t + effective // 2, JETSAM))
        cpu_window = self.p.cpu_limit_window
        if (
            task.type == "processing"
            and not task.requires_external_power
            and not run.simulated
            and h.cpu > self.p.cpu_limit
            and effective > cpu_window
        ):
            ends.append((t + cpu_window, CPU_LIMIT))  # F9 (not for debugger launches)
        if task.type == "continued_processing":
            stall = self._stall_time(h.progress_every_ms)
            if stall is not None:
                ends.append((t + stall, STALLED))
        when, how = min(ends, key=_end_order)
        self._end_at(run, when, how)

    def _stall_time(self, every: int) -> int | None:
        """F105: stalled 45 s after launch with no report, or 30 s after the last one."""
        first, later = self.p.cp_stall_first, self.p.cp_stall
        if every > first:
            return first
        if every > later:
            return every + later
        return None

    def _network_ms(self, requests: int, size: int) -> int:
        p = self.p
        wifi = self.world.device.network == "wifi"
        rtt = p.wifi_rtt if wifi else p.cellular_rtt
        bandwidth = (p.wifi_bandwidth if wifi else p.cellular_bandwidth) * 1_000_000
        return int(requests * rtt + size / bandwidth * 1000)

    # --- run ends -----------------------------------------------------------------------
    def on_end(self, t: int, run: Run, how: int) -> None:
        run.end = None
        if how == FINISH:
            self._finish(run, t)
        elif how in (ALLOWANCE, STALLED):
            self.expire(run, t, END_NAMES[how])
        elif how in (JETSAM, CPU_LIMIT):
            self._end(run, t, "killed", END_NAMES[how])
        elif how == ANSWERED:
            self._end(run, t, "completed", "failure")
            self._handler_end_submits(run, t, success=False)
        else:
            reason = run_kill_reason(run)
            run.penalty = reason == "watchdog"
            self._end(run, t, "killed", reason)

    def _finish(self, run: Run, t: int) -> None:
        """The handler reached its end: reschedules, then calls setTaskCompleted per habit."""
        task = run.task
        self._handler_end_submits(run, t, run.success)
        completes = task.handler.completes
        if completes == "always" or (completes == "on_success" and run.success):
            self._end(
                run,
                t,
                "completed",
                "success" if run.success else "failure",
                cause=None if run.success else run.failure,
            )
            return
        # setTaskCompleted never called: the run lingers until it is expired (F73)
        if run.allowance_end is not None:
            self._end_at(run, run.allowance_end, ALLOWANCE)
        elif task.type == "continued_processing":
            self._end_at(run, t + self.p.cp_stall, STALLED)

    def _handler_end_submits(self, run: Run, t: int, success: bool) -> None:
        when = run.task.submit.when
        if "handler_end" in when:
            self.queue.push(t, q.SUBMIT, q.DO_SUBMIT, (run.task.id, "handler_end", None))
        if success and "handler_success" in when:
            self.queue.push(t, q.SUBMIT, q.DO_SUBMIT, (run.task.id, "handler_success", None))

    def expire(self, run: Run, t: int, why: str) -> None:
        """The system calls the expiration handler (F71, F72)."""
        if run.expired_at is not None:
            return
        task = run.task
        h = task.handler
        run.expired_at = t
        run.expire_reason = why
        if run.end is not None:
            run.end.cancel()
            run.end = None
        self.log.task(
            t, "expired", task, run=run.number, reason=why, value=(t - run.launch_t) / 1000
        )
        self._save_progress(run, t)
        if not h.expiration_handler:
            run.penalty = True  # ended without setTaskCompleted (F72, F74)
            self._end(run, t, "completed", "failure", cause="no_expiration_handler")
        elif h.on_expiration == "cancel" and h.cancel_latency_ms <= self.p.expiration_grace:
            self._end_at(run, t + h.cancel_latency_ms, ANSWERED)
        else:
            self._end_at(run, t + self.p.expiration_grace, UNANSWERED)

    def _save_progress(self, run: Run, t: int) -> None:
        if run.work_at_start is None:
            return
        handler = run.task.handler
        if handler.checkpoint:
            self.world.work_left[run.task.id] = max(0, run.work_at_start - (t - run.launch_t))
        elif handler.work_ms is not None:
            self.world.work_left[run.task.id] = handler.work_ms

    def _end(
        self,
        run: Run,
        t: int,
        event: str,
        reason: str,
        *,
        detail: str | None = None,
        cause: str | None = None,
    ) -> None:
        task = run.task
        w = self.world
        w.active.pop(task.id, None)
        state = w.apps[task.app]
        if event == "killed" and reason in PROCESS_ENDS:
            self.apps.end_process(state)
        else:
            self.apps.keep_resident(state, t)
        if run.end is not None:
            run.end.cancel()
            run.end = None
        runtime = t - run.launch_t
        energy = self._energy(run, runtime)
        self.log.task(
            t,
            event,
            task,
            reason=reason,
            run=run.number,
            value=runtime / 1000,
            detail=detail,
            cause=cause,
            energy=energy,
        )
        if event == "completed" and reason == "success":
            if task.type == "refresh":
                self.apps.fetch(state, t)
            if run.work_at_start is not None:
                w.work_left[task.id] = 0
        if run.penalty or (event == "killed" and reason == "watchdog"):
            w.penalties.setdefault(task.id, []).append(t)
        if energy:
            self.view.spend_energy(task.app, t, energy)
        if task.type == "continued_processing":
            w.device.cp_running -= 1
            self.continued.admit_queued(t, self.launch)
        if task.id in w.pending:  # a request submitted during the run may now launch
            self.queue.push(t, q.EVALUATE, q.CONTEXT)

    def _energy(self, run: Run, runtime: int) -> float:
        """§6.6: the launch, CPU-seconds and transferred data, only for runs that started on
        battery."""
        if run.plugged_at_launch:
            return 0.0
        h = run.task.handler
        p = self.p
        units = p.energy_per_launch + runtime / 1000 * h.cpu * p.energy_per_cpu_second
        if h.network is not None and run.network_at_launch != "none":
            per = (
                p.energy_per_100kb_wifi
                if run.network_at_launch == "wifi"
                else p.energy_per_100kb_cellular
            )
            units += h.network.bytes / 100_000 * per
        return units

    # --- interruptions ------------------------------------------------------------------
    def check_running(self, t: int) -> None:
        """A veto that appears while a task runs expires it (§6.5, F6, F80): the first of the
        task's policies that stop runs (``Policy.expires_as``) to veto it now."""
        view = self.view
        for run in list(self.world.active.values()):  # in run-number order, as inserted
            if run.expired_at is not None or run.simulated:
                continue
            task = run.task
            for pol in self.task_vetoers[task.id]:
                if pol.expires_as is None or not pol.expires(task):
                    continue
                if pol.vetoes(view, run.request, t):
                    self.expire(run, t, pol.expires_as)
                    break

    def kill_all(self, t: int, reason: str, detail: str) -> None:
        for run in list(self.world.active.values()):  # in run-number order, as inserted
            self._save_progress(run, t)
            self._end(run, t, "killed", reason, detail=detail)

    def kill_app(self, t: int, bundle: str, reason: str) -> None:
        for run in list(self.world.active.values()):  # in run-number order, as inserted
            if run.task.app == bundle:
                self._save_progress(run, t)
                self._end(run, t, "killed", reason)

    def user_cancel(self, t: int, task_id: str) -> None:
        """F103: the user cancels a continued-processing task from its Live Activity."""
        w = self.world
        run = w.active.get(task_id)
        if run is not None:
            self.expire(run, t, "user_cancel")
            return
        req = w.pending.get(task_id)
        if req is not None and req.queued:
            w.touch_app(req.app)
            w.unpend(req)
            self.log.task(t, "cancelled", req.task, reason="user_cancel")

    def simulate_launch(self, t: int, task_id: str) -> None:
        """F115: needs a pending request, cancels it and runs the handler, bypassing dasd."""
        w = self.world
        req = w.pending.get(task_id)
        if req is None or task_id in w.active:
            return
        self.log.task(
            t,
            "cancelled",
            req.task,
            reason="simulate_launch",
            detail="_simulateLaunchForTaskWithIdentifier (F115)",
        )
        self.launch(req, t, simulated=True)

    def simulate_expiration(self, t: int, task_id: str) -> None:
        run = self.world.active.get(task_id)
        if run is not None and run.simulated:
            self.expire(run, t, "simulated")


def _end_order(end: tuple[int, int]) -> tuple[int, bool]:
    """Ends at one instant: the handler's own finish first."""
    return end[0], end[1] != FINISH


def _draw(dist: DurationDist, rng: Random) -> int:
    if dist.kind == "fixed":
        return dist.fixed_ms
    if dist.kind == "uniform":
        return int(rng.uniform(dist.min_ms, dist.max_ms))
    sigma = math.log(max(dist.p90_ms, dist.median_ms + 1) / dist.median_ms) / 1.2815515655446004
    return max(1, int(rng.lognormvariate(math.log(dist.median_ms), sigma)))


def run_kill_reason(run: Run) -> str:
    """An unanswered expiration is a watchdog kill, except the user's or the stall rule's."""
    why = run.expire_reason
    return why if why in ("user_cancel", "stalled") else "watchdog"
