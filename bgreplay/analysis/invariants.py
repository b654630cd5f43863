"""The SPEC §6 invariants as one reusable check over an event log.

Used by the property tests, by ``run --check-invariants`` and by the long fuzz run. It reads the
event log alone (device events included), so it checks what a user sees, not engine internals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from bgreplay.engine.records import Event
from bgreplay.scenario.model import Task

BOOT_WAIT_MS = 120_000  # the shortest boot wait (network-requiring work, F92)
_TERMINAL = ("completed", "killed")


@dataclass(frozen=True, slots=True)
class Violation:
    seq: int
    t: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"seq {self.seq} at t={self.t / 1000:.3f}s: {self.rule}: {self.message}"


def check_invariants(
    events: Iterable[Event], tasks: Mapping[str, Task] | None = None, *, ipad: bool = False
) -> list[Violation]:
    """Every violation of the lifecycle and policy invariants in ``events``.

    ``tasks`` maps task ids to their model ``Task`` (for requirement checks); without it only
    the lifecycle rules are checked. ``ipad`` lifts the processing-on-battery rule (F34).
    """
    checker = _Checker(tasks or {}, ipad)
    for e in events:
        checker.feed(e)
    return checker.out


Report = Callable[[Event, str, str], None]  # (event, rule, message): one violation


class _Launch(NamedTuple):
    task: str
    t: int


class _Checker:
    """Walks the log once: device events update what the device looks like, task events are
    checked against it and against the request and run lifecycle."""

    def __init__(self, tasks: Mapping[str, Task], ipad: bool):
        self.tasks, self.ipad = tasks, ipad
        self.out: list[Violation] = []
        self.last_key = (-1, -1)
        self.pending: dict[str, int] = {}  # 1 pending, 2 cancelled by a simulated launch, 0 none
        self.running: dict[int, _Launch] = {}  # run -> its launch
        self.running_task: dict[str, int] = {}
        self.ended: set[int] = set()
        self.last_throttle: dict[str, str | None] = {}
        self.unlocked = self.plugged = self.lpm = False
        self.network = "none"
        self.thermal = "nominal"
        self.foreground: str | None = None
        self.boot_at: int | None = None
        self.force_quit: dict[str, int] = {}  # app -> time of its force quit, until reopened
        self.submitted_at: dict[str, int] = {}
        self.bar_off: set[str | None] = set()  # bundle ids, None for the global switch
        self.kinds: dict[str, str | None] = {}
        self.apps: dict[str, str] = {}

    def bad(self, e: Event, rule: str, message: str) -> None:
        self.out.append(Violation(e.seq, e.t, rule, message))

    def feed(self, e: Event) -> None:
        if (e.t, e.seq) < self.last_key or e.seq <= self.last_key[1]:
            self.bad(e, "order", "events are not ordered by time and sequence")
        self.last_key = (e.t, e.seq)
        kind = e.event
        if kind in _TERMINAL or kind == "expired":
            self._run_end(e)
        elif kind in _TASK_HANDLERS:
            if e.task is None or e.app is None:
                self.bad(e, "task-event", f"{kind} without its task or app")
            else:
                _TASK_HANDLERS[kind](self, e, e.task, e.app)
        else:
            self._device(e)

    def _device(self, e: Event) -> None:
        kind = e.event
        if kind in ("unlocked", "locked"):
            self.unlocked = kind == "unlocked"
        elif kind in ("plugged", "unplugged"):
            self.plugged = kind == "plugged"
        elif kind == "network":
            self.network = e.reason or "none"
        elif kind == "app_opened":
            self.foreground = e.app
            if e.app is not None:
                self.force_quit.pop(e.app, None)
        elif kind == "app_closed":
            self.foreground = None if self.foreground == e.app else self.foreground
        elif kind == "boot":
            self.boot_at = e.t
        elif kind == "force_quit" and e.app is not None:
            self.force_quit[e.app] = e.t
        elif kind == "low_power_mode":
            self.lpm = e.reason == "on"
        elif kind == "thermal":
            self.thermal = e.reason or "nominal"
        elif kind == "bar":
            (self.bar_off.add if e.reason == "off" else self.bar_off.discard)(e.app)

    # The task events' handlers: ``task`` and ``app`` are the event's own, present on every one.

    def _submitted(self, e: Event, task: str, app: str) -> None:
        if self.pending.get(task) == 1:
            self.bad(e, "replace", f"{task}: a second request without `replaced` (F14)")
        if e.value is not None and e.value < 0:  # value: s from submit to start_after
            self.bad(e, "start-after", f"{task}: start_after {-e.value:.0f} s before the submit")
        self.pending[task] = 1
        self.submitted_at[task] = e.t
        self.last_throttle[task] = None
        self.kinds[task] = e.task_type
        self.apps[task] = app
        _check_limits(e, self.pending, self.kinds, self.apps, self.bad)

    def _replaced(self, e: Event, task: str, _app: str) -> None:
        if self.pending.get(task) != 1:
            self.bad(e, "replace", f"{task}: replaced with nothing pending")
        self.pending[task] = 0

    def _cancelled(self, e: Event, task: str, _app: str) -> None:
        # F115: a simulated launch cancels the pending request, then runs it
        self.pending[task] = 2 if e.reason == "simulate_launch" else 0

    def _throttled(self, e: Event, task: str, _app: str) -> None:
        if self.pending.get(task) != 1:
            self.bad(e, "throttle", f"{task}: throttled with no pending request")
        if self.last_throttle.get(task) == e.reason:
            self.bad(e, "throttle", f"{task}: repeated throttled reason {e.reason}")
        self.last_throttle[task] = e.reason

    def _launched(self, e: Event, task: str, app: str) -> None:
        simulated = e.reason == "simulated"
        late = e.value or 0.0  # s from start_after to the launch
        if not simulated and late < 0:
            self.bad(e, "start-after", f"{task} launched {-late:.0f} s before start_after")
        if self.pending.get(task) != (2 if simulated else 1):
            self.bad(e, "one-launch", f"{task}: launched without a pending request (F28)")
        self.pending[task] = 0
        if task in self.running_task:
            self.bad(
                e,
                "one-run",
                f"{task}: a second run while run {self.running_task[task]} is in progress",
            )
        if e.run is None:
            self.bad(e, "run-number", f"{task} launched without a run number")
            return
        if e.run in self.running or e.run in self.ended:
            self.bad(e, "run-number", f"run {e.run} launched twice")
        self.running[e.run] = _Launch(task, e.t)
        self.running_task[task] = e.run
        if simulated:
            return
        quit_at = self.force_quit.get(app)
        if (
            e.task_type == "continued_processing"
            and quit_at is not None
            and self.submitted_at.get(task, -1) >= quit_at
        ):
            quit_at = None  # submitted by a user action since: the user is in the app
        _check_launch(
            e,
            self.tasks.get(task),
            self.bad,
            self.unlocked,
            self.plugged,
            self.network,
            self.foreground,
            self.boot_at,
            quit_at is not None,
            self.ipad,
        )
        _check_vetoes(e, (self.lpm, self.plugged, self.thermal, self.bar_off), self.bad)

    def _run_end(self, e: Event) -> None:
        if e.run is None or e.run not in self.running:
            self.bad(e, "run-end", f"{e.event} for run {e.run}, which is not running")
            return
        if e.event in _TERMINAL:
            launched = self.running.pop(e.run)
            self.running_task.pop(launched.task, None)
            self.ended.add(e.run)
            if e.value is not None and abs(e.value * 1000 - (e.t - launched.t)) > 1:
                self.bad(e, "runtime", f"run {e.run}: value {e.value}s is not its runtime")


_TASK_HANDLERS: dict[str, Callable[[_Checker, Event, str, str], None]] = {
    "submitted": _Checker._submitted,
    "replaced": _Checker._replaced,
    "cancelled": _Checker._cancelled,
    "throttled": _Checker._throttled,
    "launched": _Checker._launched,
}


def _check_launch(
    e: Event,
    task: Task | None,
    bad: Report,
    unlocked: bool,
    plugged: bool,
    network: str,
    foreground: str | None,
    boot_at: int | None,
    quit: bool,
    ipad: bool,
) -> None:
    if quit:
        bad(e, "app-switcher", f"{e.task} launched after a force quit (F47)")
    if e.task_type != "continued_processing":
        if foreground == e.app:
            bad(e, "foreground", f"{e.task} launched while its app was in the foreground (F45)")
        if boot_at is not None and e.t - boot_at < BOOT_WAIT_MS:
            bad(e, "boot-time", f"{e.task} launched {e.t - boot_at} ms after boot (F92)")
    if task is None:
        return
    if task.requires_external_power and not plugged:
        bad(e, "external-power", f"{e.task} requires external power, launched on battery")
    if task.requires_network and network == "none":
        bad(e, "network", f"{e.task} requires a network, launched with none")
    if task.type == "processing" and unlocked:
        bad(e, "device-activity", f"{e.task} (processing) launched while in use (F35)")
    if task.type == "processing" and not plugged and not ipad:
        bad(e, "battery", f"{e.task} (processing) launched on battery on iPhone (F34)")


def _check_limits(
    e: Event,
    pending: dict[str, int],
    kinds: dict[str, str | None],
    apps: dict[str, str],
    bad: Report,
) -> None:
    """F13: at most 1 pending refresh and 10 processing requests per app."""
    mine = [t for t, n in pending.items() if n == 1 and apps.get(t) == e.app]
    refresh = sum(1 for t in mine if kinds[t] == "refresh")
    processing = sum(1 for t in mine if kinds[t] in ("processing", "health_research"))
    if refresh > 1 or processing > 10:
        bad(e, "pending-limit", f"{e.app}: {refresh} refresh, {processing} processing pending")


def _check_vetoes(e: Event, state: tuple[bool, bool, str, set[str | None]], bad: Report) -> None:
    lpm, plugged, thermal, bar_off = state
    if e.task_type == "continued_processing":
        return  # admitted at submit, with its own rules (F56, F102)
    if lpm and not plugged:
        bad(e, "low-power-mode", f"{e.task} launched in Low Power Mode on battery (F55)")
    if thermal == "critical" or (thermal == "serious" and e.task_type != "refresh"):
        bad(e, "thermal", f"{e.task} launched at thermal level {thermal} (F63)")
    if e.task_type == "refresh" and (None in bar_off or e.app in bar_off):
        bad(e, "background-app-refresh", f"{e.task} launched with Background App Refresh off")
