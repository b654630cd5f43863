"""The SPEC §6 invariants as one reusable check over an event log.

Used by the property tests, by ``run --check-invariants`` and by the long fuzz run. It reads the
event log alone (device events included), so it checks what a user sees, not engine internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bgreplay.engine.records import Event

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
    events: Iterable[Event], tasks: dict | None = None, *, ipad: bool = False
) -> list[Violation]:
    """Every violation of the lifecycle and policy invariants in ``events``.

    ``tasks`` maps task ids to their model ``Task`` (for requirement checks); without it only
    the lifecycle rules are checked. ``ipad`` lifts the processing-on-battery rule (F34).
    """
    out: list[Violation] = []
    tasks = tasks or {}
    last_key = (-1, -1)
    pending: dict[str, int] = {}  # task -> 1 pending, 2 cancelled by a simulated launch, 0 none
    running: dict[int, Event] = {}  # run -> launched event
    running_task: dict[str, int] = {}
    ended: set[int] = set()
    last_throttle: dict[str, str | None] = {}
    unlocked = plugged = False
    network = "none"
    foreground: str | None = None
    boot_at: int | None = None
    force_quit: dict[str, int] = {}  # app -> time of its force quit, until it is opened again
    submitted_at: dict[str, int] = {}
    lpm = False
    thermal = "nominal"
    bar_off: set[str | None] = set()  # bundle ids, None for the global switch
    kinds: dict[str, str] = {}
    apps: dict[str, str] = {}

    def bad(e: Event, rule: str, message: str) -> None:
        out.append(Violation(e.seq, e.t, rule, message))

    for e in events:
        if (e.t, e.seq) < last_key or e.seq <= last_key[1]:
            bad(e, "order", "events are not ordered by time and sequence")
        last_key = (e.t, e.seq)
        kind = e.event
        if kind == "unlocked":
            unlocked = True
        elif kind == "locked":
            unlocked = False
        elif kind == "plugged":
            plugged = True
        elif kind == "unplugged":
            plugged = False
        elif kind == "network":
            network = e.reason or "none"
        elif kind == "app_opened":
            foreground = e.app
            force_quit.pop(e.app, None)
        elif kind == "app_closed":
            foreground = None if foreground == e.app else foreground
        elif kind == "boot":
            boot_at = e.t
        elif kind == "force_quit":
            force_quit[e.app] = e.t
        elif kind == "low_power_mode":
            lpm = e.reason == "on"
        elif kind == "thermal":
            thermal = e.reason or "nominal"
        elif kind == "bar":
            (bar_off.add if e.reason == "off" else bar_off.discard)(e.app)
        elif kind == "submitted":
            if pending.get(e.task) == 1:
                bad(e, "replace", f"{e.task}: a second request without `replaced` (F14)")
            if e.value is not None and e.value < 0:  # value: s from submit to start_after
                bad(e, "start-after", f"{e.task}: start_after {-e.value:.0f} s before the submit")
            pending[e.task] = 1
            submitted_at[e.task] = e.t
            last_throttle[e.task] = None
            kinds[e.task] = e.task_type
            apps[e.task] = e.app
            _check_limits(e, pending, kinds, apps, bad)
        elif kind == "replaced":
            if pending.get(e.task) != 1:
                bad(e, "replace", f"{e.task}: replaced with nothing pending")
            pending[e.task] = 0
        elif kind == "cancelled":
            # F115: a simulated launch cancels the pending request, then runs it
            pending[e.task] = 2 if e.reason == "simulate_launch" else 0
        elif kind == "throttled":
            if pending.get(e.task) != 1:
                bad(e, "throttle", f"{e.task}: throttled with no pending request")
            if last_throttle.get(e.task) == e.reason:
                bad(e, "throttle", f"{e.task}: repeated throttled reason {e.reason}")
            last_throttle[e.task] = e.reason
        elif kind == "launched":
            simulated = e.reason == "simulated"
            if not simulated and (e.value or 0.0) < 0:
                bad(e, "start-after", f"{e.task} launched {-e.value:.0f} s before start_after")
            if pending.get(e.task) != (2 if simulated else 1):
                bad(e, "one-launch", f"{e.task}: launched without a pending request (F28)")
            pending[e.task] = 0
            if e.task in running_task:
                bad(e, "one-run", f"{e.task}: a second run while run {running_task[e.task]} "
                                  "is in progress")
            if e.run in running or e.run in ended:
                bad(e, "run-number", f"run {e.run} launched twice")
            running[e.run] = e
            running_task[e.task] = e.run
            if not simulated:
                quit_at = force_quit.get(e.app)
                if e.task_type == "continued_processing" and quit_at is not None and \
                        submitted_at.get(e.task, -1) >= quit_at:
                    quit_at = None  # submitted by a user action since: the user is in the app
                _check_launch(e, tasks.get(e.task), bad, unlocked, plugged, network, foreground,
                              boot_at, quit_at is not None, ipad)
                state = (lpm, plugged, thermal, bar_off)
                _check_vetoes(e, state, bad)
        elif kind in _TERMINAL or kind == "expired":
            if e.run not in running:
                bad(e, "run-end", f"{kind} for run {e.run}, which is not running")
                continue
            if kind in _TERMINAL:
                launched = running.pop(e.run)
                running_task.pop(launched.task, None)
                ended.add(e.run)
                if e.value is not None and abs(e.value * 1000 - (e.t - launched.t)) > 1:
                    bad(e, "runtime", f"run {e.run}: value {e.value}s is not its runtime")
    return out


def _check_launch(e, task, bad, unlocked, plugged, network, foreground, boot_at, quit,
                  ipad):
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


def _check_limits(e, pending, kinds, apps, bad) -> None:
    """F13: at most 1 pending refresh and 10 processing requests per app."""
    mine = [t for t, n in pending.items() if n == 1 and apps.get(t) == e.app]
    refresh = sum(1 for t in mine if kinds[t] == "refresh")
    processing = sum(1 for t in mine if kinds[t] in ("processing", "health_research"))
    if refresh > 1 or processing > 10:
        bad(e, "pending-limit", f"{e.app}: {refresh} refresh, {processing} processing pending")


def _check_vetoes(e, state, bad) -> None:
    lpm, plugged, thermal, bar_off = state
    if e.task_type == "continued_processing":
        return  # admitted at submit, with its own rules (F56, F102)
    if lpm and not plugged:
        bad(e, "low-power-mode", f"{e.task} launched in Low Power Mode on battery (F55)")
    if thermal == "critical" or (thermal == "serious" and e.task_type != "refresh"):
        bad(e, "thermal", f"{e.task} launched at thermal level {thermal} (F63)")
    if e.task_type == "refresh" and (None in bar_off or e.app in bar_off):
        bad(e, "background-app-refresh", f"{e.task} launched with Background App Refresh off")
