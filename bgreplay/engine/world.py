"""The replay's mutable state, with one owner: the device, each app, pending requests and runs.

Every component reads and changes the ``World`` it is given; nothing else holds state that
outlives a call (the queue holds what is planned, the log what happened).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Final

from bgreplay.scenario.model import App, Task

from .queue import Entry

NEVER: Final = 1 << 62  # a time that never comes
bisect_left: Final = bisect.bisect_left  # final names: no globals look-up at every call
bisect_right: Final = bisect.bisect_right
insort: Final = bisect.insort


@dataclass(slots=True)
class DeviceState:
    model: str
    unlocked: bool = False
    screen: bool = False
    foreground: str | None = None
    plugged: bool = False
    network: str = "none"
    lpm: bool = False
    thermal: str = "nominal"
    powered_off: bool = False  # the trace's `off` interval
    dead_battery: bool = False  # the battery ran empty; a charger brings the device back
    bar_global_off: bool = False
    bar_off_apps: set[str] = field(default_factory=set)
    battery: float = 80.0
    battery_t: int = 0  # when `battery` was last brought up to date
    battery_measured: bool = False  # a sample has been seen: no simulation from then on
    last_boot: int | None = None
    cp_running: int = 0
    # Read at nearly every evaluation, written at a few trace changes: kept, not derived on
    # each read; only the setters below write them, with what they derive from. `off`: powered
    # off (trace `off`) or out of battery; `in_use`: the user is at the device, unlocked or
    # screen on (F35's in-use status).
    off: bool = field(default=False, init=False)
    in_use: bool = field(default=False, init=False)

    def set_unlocked(self, unlocked: bool) -> None:
        self.unlocked = unlocked
        self.in_use = unlocked or self.screen

    def set_screen(self, screen: bool) -> None:
        self.screen = screen
        self.in_use = self.unlocked or screen

    def set_powered_off(self, powered_off: bool) -> None:
        self.powered_off = powered_off
        self.off = powered_off or self.dead_battery

    def set_dead_battery(self, dead_battery: bool) -> None:
        self.dead_battery = dead_battery
        self.off = self.powered_off or dead_battery


@dataclass(slots=True)
class AppState:
    app: App
    last_open: int | None = None  # replay ms (negative: from history)
    force_quit: bool = False  # F47: no background launches until the user opens it
    last_fetch: int = 0
    energy: float = 0.0
    energy_t: int = 0
    changes: int = 0  # server changes so far (their times are drawn lazily, §6.9)
    changes_fetched: int = 0  # changes up to last_fetch
    next_change: int = 0
    # The app's process (F93, FO6): in memory until `proc_until` after its last use, unless in
    # the foreground or running a task; `prewarmed_at` is the pre-warm that started it, until
    # the user's first open uses it, and `launch_code_ran` says whether that pre-warm ran the
    # app's launch code (FO7).
    proc_until: int | None = None
    prewarmed_at: int | None = None
    launch_code_ran: bool = False


class Request:
    """One submitted request; ``app``, ``kind`` and ``task_id`` repeat its task's, which the
    policies read on every evaluation."""

    def __init__(
        self, number: int, task: Task, submit_t: int, start_after: int, start_before: int
    ) -> None:
        self.number = number
        self.task = task
        self.app = task.app
        self.kind: str = task.type
        self.task_id = task.id
        self.processing_family = task.is_processing_family
        self.submit_t = submit_t
        self.start_after = start_after
        self.start_before = start_before
        self.optimal_score = 1.0
        self.optimal_t = 0
        self.last_reason: str | None = None  # the blocking reason last logged as `throttled`
        self.wake_at = 0  # re-score on ticks from then on; device changes re-score any time
        self.lpm_submitted_before = False
        self.queued = False  # continued processing waiting for a slot
        self.prediction_skipped = False  # start_after too far away: threshold 0.01 (F30)
        self.entries: list[Entry] = []  # its queued evaluations


@dataclass(slots=True, eq=False)
class Run:
    number: int
    request: Request
    launch_t: int
    allowance_end: int | None
    simulated: bool
    success: bool
    plugged_at_launch: bool
    network_at_launch: str
    work_at_start: int | None
    end: Entry | None = None  # the queued entry that ends it as planned now
    expired_at: int | None = None
    expire_reason: str | None = None
    penalty: bool = False
    failure: str | None = None  # why the handler fails, when the model knows (a cause code)

    @property
    def task(self) -> Task:
        return self.request.task


class World:
    """The device and app state of one replay."""

    def __init__(self, device: DeviceState, apps: list[App], tasks: tuple[Task, ...]) -> None:
        self.device = device
        self.apps: dict[str, AppState] = {a.bundle: AppState(a) for a in apps}
        self.tasks: dict[str, Task] = {t.id: t for t in tasks}
        # task id -> its request; a request is always inserted with the highest number yet
        self.pending: dict[str, Request] = {}
        self.pending_of: dict[str, int] = {}  # bundle -> how many of its requests are pending
        self.active: dict[str, Run] = {}  # task id -> run in progress, by run number
        self.cp_queue: list[Request] = []  # continued processing waiting for a slot
        self.penalties: dict[str, list[int]] = {}  # task id -> starts of its penalties (F74)
        self.last_launch: dict[str, int] = {}  # task id -> its last organic launch (F68)
        self.last_open_any: dict[str, int] = {}  # bundle -> its last open (any app)
        self.open_times: list[int] = []  # the values of last_open_any, in order
        self.work_left: dict[str, int] = {}  # task id -> work still to do (`work` handlers)
        self.request_numbers = 0
        self.run_numbers = 0

    def next_request_number(self) -> int:
        self.request_numbers += 1
        return self.request_numbers

    def next_run_number(self) -> int:
        self.run_numbers += 1
        return self.run_numbers

    def pending_count(self, bundle: str) -> int:
        return self.pending_of.get(bundle, 0)

    def pend(self, req: Request) -> None:
        """``req`` is pending (its task's earlier request, if any, was unpended first)."""
        assert req.task_id not in self.pending
        self.pending[req.task_id] = req
        self.pending_of[req.app] = self.pending_of.get(req.app, 0) + 1

    def unpend(self, req: Request) -> None:
        """``req`` is no longer pending (launched, replaced, cancelled): its queued evaluations
        are withdrawn."""
        if self.pending.get(req.task_id) is req:
            del self.pending[req.task_id]
            self.pending_of[req.app] -= 1
        if req.queued or req in self.cp_queue:
            self.cp_queue.remove(req)
        for entry in req.entries:
            entry.cancel()
        req.entries.clear()

    def opened(self, bundle: str, t: int) -> None:
        """The app was opened at ``t`` (its last open, unless an earlier record is later)."""
        last = self.last_open_any.get(bundle)
        if last is not None:
            if last >= t:
                return
            del self.open_times[bisect_left(self.open_times, last)]
        self.last_open_any[bundle] = t
        insort(self.open_times, t)

    def newer_opens(self, t: int) -> int:
        """How many apps were last opened after ``t``."""
        return len(self.open_times) - bisect_right(self.open_times, t)

    def touch_app(self, bundle: str) -> None:
        """Something about the app changed (opened, closed, a request added or gone): its
        requests' sleeping chances may come sooner, so they are re-scored at the next chance."""
        for req in self.pending.values():
            if req.app == bundle:
                req.wake_at = 0
