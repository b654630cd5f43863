"""Mutable replay state: the device, each app, pending requests and running tasks."""

from __future__ import annotations

from dataclasses import dataclass, field

from bgreplay.scenario.model import App, Task


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

    @property
    def off(self) -> bool:
        """Powered off (trace `off`), or out of battery."""
        return self.powered_off or self.dead_battery

    @property
    def in_use(self) -> bool:
        """The user is at the device: unlocked, or the screen is on (F35's in-use status)."""
        return self.unlocked or self.screen


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


@dataclass(slots=True)
class Request:
    number: int
    task: Task
    submit_t: int
    start_after: int
    start_before: int
    optimal_score: float = 1.0
    optimal_t: int = 0
    last_reason: str | None = None  # the blocking reason last logged as `throttled`
    wake_at: int = 0  # re-score on ticks from then on; device changes re-score at any time
    lpm_submitted_before: bool = False
    queued: bool = False  # continued processing waiting for a slot
    prediction_skipped: bool = False  # start_after too far away: threshold 0.01 (F30)


@dataclass(slots=True)
class Run:
    number: int
    task: Task
    launch_t: int
    allowance_end: int | None
    simulated: bool
    success: bool
    plugged_at_launch: bool
    network_at_launch: str
    work_at_start: int | None
    token: int = 0  # bumps when the planned end changes; stale queue entries are dropped
    expired_at: int | None = None
    expire_reason: str | None = None
    finished: bool = False
    penalty: bool = False
    failure: str | None = None  # why the handler fails, when the model knows (``no network``)
