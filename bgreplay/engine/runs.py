"""Runs and how they end (SPEC §6.5): allowances, completion habits, expiration, kills.

Mixed into ``Replay``; kept apart so the scheduler's decisions and the life of a launched task
read separately.
"""

from __future__ import annotations

import math

from bgreplay.engine import queue as q
from bgreplay.engine.records import EARLY_EXPIRY, NO_NETWORK
from bgreplay.engine.state import Request, Run
from bgreplay.scenario.model import DurationDist, Task

# The queue entries that may end a run (``_on_run_event``).
RUN_END_KINDS = ("finish", "allowance", "stalled", "jetsam", "cpu_limit", "answered", "unanswered")
# Kills that end the app's process, not just the task.
PROCESS_ENDS = ("watchdog", "jetsam", "cpu_limit", "crash", "boot", "force_quit")


class RunsMixin:
    """Launching requests and ending runs. Expects the attributes ``Replay`` sets up."""

    def _init_runs(self) -> None:
        self.active: dict[str, Run] = {}  # task id -> run in progress, by run number
        self._run_numbers = 0

    # --- launch -------------------------------------------------------------------------
    def launch(self, req: Request, t: int, simulated: bool = False) -> None:
        task = req.task
        self.pending.pop(task.id, None)
        self.touch_app(task.app)
        if req in self.cp_queue:
            self.cp_queue.remove(req)
        self._run_numbers += 1
        number = self._run_numbers
        if not simulated:
            self.last_launch[task.id] = t  # F68: the rate limit counts dasd's own launches
        allowance, early = (None, False) if simulated else self._allowance(task)
        fields = {"app": task.app, "task": task.id, "task_type": task.type, "run": number}
        detail = "no allowance" if allowance is None else f"allowance {allowance / 1000:g}s"
        if early:
            detail += f" ({EARLY_EXPIRY}, F3, FO8)"
        self._emit(t, "launched", reason="simulated" if simulated else "organic",
                   value=(t - req.start_after) / 1000, detail=detail, **fields)
        if not self.apps[task.app].app.registers_handler(task.id) or self.launch_crashes(task.app):
            why = ("no_handler" if not self.apps[task.app].app.registers_handler(task.id)
                   else "late_registration")
            self._emit(t, "killed", reason="crash", value=0.0,
                       detail="No launch handler registered (F88)" if why == "no_handler"
                       else "handlers registered after launch finished (F87)", **fields)
            self._emit(t, "app_crashed", app=task.app, task=task.id, reason=why)
            return
        d = self.device
        run = Run(number, task, t, None if allowance is None else t + allowance, simulated,
                  success=True, plugged_at_launch=d.plugged, network_at_launch=d.network,
                  work_at_start=self.work_left.get(task.id))
        self.active[task.id] = run
        if task.type == "continued_processing":
            d.cp_running += 1
        if "handler_start" in task.submit.when:
            self.queue.push(t, q.SUBMIT, "submit", (task.id, "handler_start"))
        self._plan(run, t)

    def launch_crashes(self, bundle: str) -> bool:
        """F87: registering handlers late crashes every launch on iOS <= 18 profiles."""
        app = self.apps[bundle].app
        return app.registration == "late" and bool(self.params["late_registration_crash"])

    def _allowance(self, task: Task) -> tuple[int | None, bool]:
        """The run's allowance, and whether the system cuts it short: a refresh gets the
        documented 30 s (F2) unless, for `refresh_early_expiry_share` of launches, the system
        expires it a few seconds in (F3; FO8 saw most expirations 2-5 s after launch)."""
        p = self.params
        if task.type == "refresh":
            rng = self.rng(f"allowance/{task.id}")
            if rng.random() < p["refresh_early_expiry_share"]:
                low, high = int(p["refresh_early_expiry_min"]), int(p["refresh_early_expiry_max"])
                cut = int(rng.uniform(min(low, high), max(low, high)))
                return min(cut, int(p["refresh_runtime"])), True
            return int(p["refresh_runtime"]), False
        if task.type == "continued_processing":
            return None, False
        if task.type == "health_research" or task.requires_external_power:
            return int(p["processing_runtime_powered"]), False
        return int(p["processing_runtime_battery"]), False

    def _plan(self, run: Run, t: int) -> None:
        """Decide, at launch, when and how this run will end if nothing interrupts it."""
        task = run.task
        h = task.handler
        rng = self.rng(f"handler/{task.id}")
        length = self._draw(h.duration, rng)
        if run.work_at_start is not None:
            length = max(1, run.work_at_start)
        success = rng.random() < h.success_rate
        if not success:
            run.failure = "the handler failed (success_rate)"
        if h.network is not None:
            if self.device.network == "none":
                length = int(self.params["network_timeout"])  # §6.7: the first request times out
                success = False
                run.failure = NO_NETWORK
            else:
                length += self._network_ms(h.network.requests, h.network.bytes)
        run.success = success
        ends: list[tuple[int, str]] = [(t + length, "finish")]
        if run.allowance_end is not None:
            ends.append((run.allowance_end, "allowance"))
        effective = min(length, (run.allowance_end or t + length) - t)
        if h.memory_mb > self.scenario.device.memory_limit_mb:
            ends.append((t + effective // 2, "jetsam"))
        cpu_window = int(self.params["cpu_limit_window"])
        if (task.type == "processing" and not task.requires_external_power and not run.simulated
                and h.cpu > self.params["cpu_limit"] and effective > cpu_window):
            ends.append((t + cpu_window, "cpu_limit"))  # F9 (not for debugger launches)
        if task.type == "continued_processing":
            stall = self._stall_time(h.progress_every_ms)
            if stall is not None:
                ends.append((t + stall, "stalled"))
        when, kind = min(ends, key=lambda e: (e[0], e[1] != "finish"))
        self.queue.push(when, q.RUN_END, kind, (run.number, run.token))

    def _stall_time(self, every: int) -> int | None:
        """F105: stalled 45 s after launch with no report, or 30 s after the last one."""
        first, later = int(self.params["cp_stall_first"]), int(self.params["cp_stall"])
        if every > first:
            return first
        if every > later:
            return every + later
        return None

    def _draw(self, dist: DurationDist, rng) -> int:
        if dist.kind == "fixed":
            return dist.fixed_ms
        if dist.kind == "uniform":
            return int(rng.uniform(dist.min_ms, dist.max_ms))
        sigma = math.log(max(dist.p90_ms, dist.median_ms + 1) / dist.median_ms) / 1.2815515655446004
        return max(1, int(rng.lognormvariate(math.log(dist.median_ms), sigma)))

    def _network_ms(self, requests: int, size: int) -> int:
        p = self.params
        wifi = self.device.network == "wifi"
        rtt = p["wifi_rtt"] if wifi else p["cellular_rtt"]
        bandwidth = (p["wifi_bandwidth"] if wifi else p["cellular_bandwidth"]) * 1_000_000
        return int(requests * rtt + size / bandwidth * 1000)

    # --- run ends -----------------------------------------------------------------------
    def _on_run_event(self, t: int, kind: str, payload) -> None:
        number, token = payload
        run = next((r for r in self.active.values() if r.number == number), None)
        if run is None or run.token != token:
            return
        if kind == "finish":
            self._finish(run, t)
        elif kind in ("allowance", "stalled"):
            self.expire(run, t, kind)
        elif kind in ("jetsam", "cpu_limit"):
            self._end(run, t, "killed", kind)
        elif kind == "answered":
            self._end(run, t, "completed", "failure")
            self._handler_end_submits(run, t, success=False)
        elif kind == "unanswered":
            reason = run_kill_reason(run)
            run.penalty = reason == "watchdog"
            self._end(run, t, "killed", reason)

    def _finish(self, run: Run, t: int) -> None:
        """The handler reached its end: reschedules, then calls setTaskCompleted per habit."""
        task = run.task
        run.finished = True
        self._handler_end_submits(run, t, run.success)
        completes = task.handler.completes
        if completes == "always" or (completes == "on_success" and run.success):
            self._end(run, t, "completed", "success" if run.success else "failure",
                      detail=None if run.success else run.failure)
            return
        # setTaskCompleted never called: the run lingers until it is expired (F73)
        run.token += 1
        if run.allowance_end is not None:
            self.queue.push(run.allowance_end, q.RUN_END, "allowance", (run.number, run.token))
        elif task.type == "continued_processing":
            self.queue.push(t + int(self.params["cp_stall"]), q.RUN_END, "stalled",
                            (run.number, run.token))

    def _handler_end_submits(self, run: Run, t: int, success: bool) -> None:
        when = run.task.submit.when
        if "handler_end" in when:
            self.queue.push(t, q.SUBMIT, "submit", (run.task.id, "handler_end"))
        if success and "handler_success" in when:
            self.queue.push(t, q.SUBMIT, "submit", (run.task.id, "handler_success"))

    def expire(self, run: Run, t: int, why: str) -> None:
        """The system calls the expiration handler (F71, F72)."""
        if run.expired_at is not None:
            return
        task = run.task
        h = task.handler
        run.expired_at = t
        run.expire_reason = why
        run.token += 1
        self._emit(t, "expired", app=task.app, task=task.id, task_type=task.type, run=run.number,
                   reason=why, value=(t - run.launch_t) / 1000)
        self._save_progress(run, t)
        if not h.expiration_handler:
            run.penalty = True  # ended without setTaskCompleted (F72, F74)
            self._end(run, t, "completed", "failure",
                      detail="no expiration handler: marked complete, unsuccessful (F72)")
        elif h.on_expiration == "cancel" and h.cancel_latency_ms <= self.params["expiration_grace"]:
            self.queue.push(t + h.cancel_latency_ms, q.RUN_END, "answered",
                            (run.number, run.token))
        else:
            self.queue.push(t + int(self.params["expiration_grace"]), q.RUN_END, "unanswered",
                            (run.number, run.token))

    def _save_progress(self, run: Run, t: int) -> None:
        if run.work_at_start is None:
            return
        if run.task.handler.checkpoint:
            self.work_left[run.task.id] = max(0, run.work_at_start - (t - run.launch_t))
        else:
            self.work_left[run.task.id] = run.task.handler.work_ms

    def _end(self, run: Run, t: int, event: str, reason: str, detail: str | None = None) -> None:
        task = run.task
        self.active.pop(task.id, None)
        state = self.apps[task.app]
        if event == "killed" and reason in PROCESS_ENDS:
            self.end_process(state)
        else:
            self.keep_resident(state, t)
        run.token += 1
        runtime = t - run.launch_t
        energy = self._energy(run, runtime)
        note = f"energy={energy:.2f}"
        self._emit(t, event, app=task.app, task=task.id, task_type=task.type, run=run.number,
                   reason=reason, value=runtime / 1000,
                   detail=f"{detail}; {note}" if detail else note)
        if event == "completed" and reason == "success":
            if task.type == "refresh":
                self.fetch(self.apps[task.app], t)
            if run.work_at_start is not None:
                self.work_left[task.id] = 0
        if run.penalty or (event == "killed" and reason == "watchdog"):
            self.penalties.setdefault(task.id, []).append(t)
        if energy:
            self.spend_energy(task.app, t, energy)
        if task.type == "continued_processing":
            self.device.cp_running -= 1
            self._admit_queued(t)
        if task.id in self.pending:  # a request submitted during the run may now launch
            self._after_change_soon(t)

    def _after_change_soon(self, t: int) -> None:
        self.queue.push(t, q.EVALUATE, "context")

    def _energy(self, run: Run, runtime: int) -> float:
        """§6.6: the launch, CPU-seconds and transferred data, only for runs that started on
        battery."""
        if run.plugged_at_launch:
            return 0.0
        h = run.task.handler
        p = self.params
        units = p["energy_per_launch"] + runtime / 1000 * h.cpu * p["energy_per_cpu_second"]
        if h.network is not None and run.network_at_launch != "none":
            per = (p["energy_per_100kb_wifi"] if run.network_at_launch == "wifi"
                   else p["energy_per_100kb_cellular"])
            units += h.network.bytes / 100_000 * per
        return units

    # --- interruptions ------------------------------------------------------------------
    def check_running(self, t: int) -> None:
        """A veto that appears while a task runs expires it (§6.5, F6, F80)."""
        d = self.device
        for run in list(self.active.values()):  # in run-number order, as inserted
            if run.expired_at is not None or run.simulated:
                continue
            task = run.task
            why = None
            cp = task.type == "continued_processing"
            if not cp and d.foreground == task.app:
                why = "app_foreground"
            elif task.type in ("processing", "health_research") and d.in_use and (
                task.type == "processing"
                or task.protection not in ("complete", "complete_unless_open")
            ):
                why = "device_in_use"
            elif not cp and self.lpm_enforced(t):
                why = "low_power_mode"
            elif d.thermal == "critical" or (d.thermal == "serious" and task.is_processing_family):
                why = "thermal"
            elif task.requires_external_power and not d.plugged:
                why = "unplugged"
            if why is not None:
                self.expire(run, t, why)

    def kill_all(self, t: int, reason: str, detail: str) -> None:
        for run in list(self.active.values()):  # in run-number order, as inserted
            self._save_progress(run, t)
            self._end(run, t, "killed", reason, detail=detail)

    def kill_app(self, t: int, bundle: str, reason: str) -> None:
        for run in list(self.active.values()):  # in run-number order, as inserted
            if run.task.app == bundle:
                self._save_progress(run, t)
                self._end(run, t, "killed", reason)

    def user_cancel(self, t: int, task_id: str) -> None:
        """F103: the user cancels a continued-processing task from its Live Activity."""
        run = self.active.get(task_id)
        if run is not None:
            self.expire(run, t, "user_cancel")
            return
        req = self.pending.get(task_id)
        if req is not None and req.queued:
            self.touch_app(req.task.app)
            self.pending.pop(task_id)
            self.cp_queue.remove(req)
            self._emit(t, "cancelled", app=req.task.app, task=task_id, task_type=req.task.type,
                       reason="user_cancel")

    def simulate_launch(self, t: int, task_id: str) -> None:
        """F115: needs a pending request, cancels it and runs the handler, bypassing dasd."""
        req = self.pending.get(task_id)
        if req is None or task_id in self.active:
            return
        task = req.task
        self._emit(t, "cancelled", app=task.app, task=task_id, task_type=task.type,
                   reason="simulate_launch", detail="_simulateLaunchForTaskWithIdentifier (F115)")
        self.launch(req, t, simulated=True)

    def simulate_expiration(self, t: int, task_id: str) -> None:
        run = self.active.get(task_id)
        if run is not None and run.simulated:
            self.expire(run, t, "simulated")

    # --- continued processing (F100–F105) -----------------------------------------------
    def submit_continued(self, task: Task, t: int, trigger: str) -> None:
        self._request_numbers += 1
        req = Request(self._request_numbers, task, t, t, t)
        req.lpm_submitted_before = not self.device.lpm  # F56: exempt if LPM was already on
        fields = {"app": task.app, "task": task.id, "task_type": task.type}
        if self._cp_can_start(t, req):
            self.pending[task.id] = req
            self._emit(t, "submitted", reason=trigger, value=0.0,
                       detail=f"request {req.number}", **fields)
            self.launch(req, t)
            return
        if task.strategy == "fail":
            self._emit(t, "submit_failed", reason="immediateRunIneligible",
                       detail="no room to run it right away (F19, F102)", **fields)
            return
        req.queued = True
        self.pending[task.id] = req
        self.cp_queue.append(req)
        self._emit(t, "submitted", reason=trigger, value=0.0,
                   detail=f"request {req.number}, queued", **fields)

    def _cp_can_start(self, t: int, req: Request) -> bool:
        d = self.device
        if d.off or d.thermal == "critical" or req.task.id in self.active:
            return False
        if req.lpm_submitted_before and self.lpm_enforced(t):
            return False
        task = req.task
        if (task.requires_external_power and not d.plugged) or (
            task.requires_network and d.network == "none"
        ):
            return False
        return d.cp_running < self.params["cp_max_concurrent"]

    def _admit_queued(self, t: int) -> None:
        for req in list(self.cp_queue):
            if not self._cp_can_start(t, req):
                continue
            req.queued = False
            self.cp_queue.remove(req)
            self.launch(req, t)


def run_kill_reason(run: Run) -> str:
    """An unanswered expiration is a watchdog kill, except the user's or the stall rule's."""
    why = run.expire_reason
    return why if why in ("user_cancel", "stalled") else "watchdog"

