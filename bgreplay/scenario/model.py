"""The scenario as frozen, typed model objects (SPEC §4).

Everything the loader accepts ends up here, normalised: durations and clock times are integer
milliseconds, defaults are filled in, and each object knows where in the YAML it came from so that
``lint`` and error messages can point at it. The engine reads these objects and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Literal, get_args

from bgreplay.errors import Location, Problem

TaskType = Literal["refresh", "processing", "health_research", "continued_processing"]
TASK_TYPES: tuple[TaskType, ...] = get_args(TaskType)
PROCESSING_FAMILY: frozenset[str] = frozenset(
    {"processing", "health_research", "continued_processing"}
)
SUBMIT_TRIGGERS: tuple[str, ...] = (
    "app_launch",
    "app_background",
    "handler_start",
    "handler_end",
    "handler_success",
    "user_action",
)
PROTECTIONS: tuple[str, ...] = (
    "complete",
    "complete_unless_open",
    "complete_until_first_user_authentication",
    "none",
)

# The values of the device channels a trace or an inline timeline may name (SPEC §5.1).
NETWORK_VALUES = ("wifi", "cellular", "none")
THERMAL_VALUES = ("fair", "serious", "critical")
PLUGGED_VALUES = ("wired", "wireless")

# The words a scenario may write for each enumerated key: the model's field types, and (through
# get_args) the lists the loader accepts and the scenario reference shows.
DeviceModel = Literal["iphone", "ipad", "simulator"]
HistoryWord = Literal["repeat", "none"]
Registration = Literal["at_launch", "late"]
OnOpen = Literal["sync", "none"]
Strategy = Literal["queue", "fail"]
Completes = Literal["always", "on_success", "never"]
OnExpiration = Literal["cancel", "ignore"]

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Where each key path of the scenario was written, for messages that point at the YAML."""

    file: str
    locations: Mapping[tuple[str, ...], Location] = field(default_factory=dict)

    def at(self, *path: str) -> Location:
        """The location of ``path`` or of its nearest written ancestor."""
        key = tuple(path)
        while key:
            loc = self.locations.get(key)
            if loc is not None:
                return loc
            key = key[:-1]
        return self.locations.get((), Location(self.file, 1, 1))


@dataclass(frozen=True, slots=True)
class DurationDist:
    """A handler's run length: fixed, lognormal by median and p90, or uniform between bounds."""

    kind: Literal["fixed", "lognormal", "uniform"] = "fixed"
    fixed_ms: int = 5 * SECOND
    median_ms: int = 0
    p90_ms: int = 0
    min_ms: int = 0
    max_ms: int = 0

    @property
    def p90(self) -> int:
        """The 90th percentile, which lint compares with the refresh allowance."""
        if self.kind == "fixed":
            return self.fixed_ms
        if self.kind == "lognormal":
            return self.p90_ms
        return self.min_ms + (self.max_ms - self.min_ms) * 9 // 10


@dataclass(frozen=True, slots=True)
class NetworkUse:
    requests: int = 1
    bytes: int = 0


@dataclass(frozen=True, slots=True)
class Handler:
    """The app's code for a task, described by behaviour (SPEC §4.6)."""

    duration: DurationDist = DurationDist()
    success_rate: float = 1.0
    completes: Completes = "always"
    expiration_handler: bool = True
    on_expiration: OnExpiration = "cancel"
    cancel_latency_ms: int = 1 * SECOND
    memory_mb: float = 20.0
    cpu: float = 0.2
    network: NetworkUse | None = None
    work_ms: int | None = None
    checkpoint: bool = False
    progress_every_ms: int = 5 * SECOND


@dataclass(frozen=True, slots=True)
class EarliestBegin:
    """``earliest_begin``: a delay after submit, the next occurrence of a clock time, or none."""

    delay_ms: int | None = None
    at_ms_of_day: int | None = None  # local clock time, ms after midnight

    @property
    def is_null(self) -> bool:
        return self.delay_ms is None and self.at_ms_of_day is None


@dataclass(frozen=True, slots=True)
class Submit:
    when: tuple[str, ...] = ("app_background",)
    if_not_pending: bool = False


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    app: str
    type: TaskType
    earliest_begin: EarliestBegin = EarliestBegin()
    requires_network: bool = False
    requires_external_power: bool = False
    protection: str = "complete_until_first_user_authentication"
    strategy: Strategy = "queue"
    title: str = ""
    subtitle: str = ""
    resources: tuple[str, ...] = ()
    submit: Submit = Submit()
    handler: Handler = Handler()

    @property
    def is_processing_family(self) -> bool:
        return self.type in PROCESSING_FAMILY


@dataclass(frozen=True, slots=True)
class App:
    bundle: str
    background_modes: tuple[str, ...] = ()
    permitted_identifiers: tuple[str, ...] = ()
    entitlements: tuple[str, ...] = ()
    registers: tuple[str, ...] | Literal["all"] = "all"
    registration: Registration = "at_launch"
    changes_per_hour: float = 1.0
    on_open: OnOpen = "sync"
    tasks: tuple[Task, ...] = ()

    def permits(self, identifier: str) -> bool:
        """Info.plist check, with the trailing-wildcard form of continued processing (F101)."""
        return _matches_any(self.permitted_identifiers, identifier)

    def registers_handler(self, identifier: str) -> bool:
        if self.registers == "all":
            return self.permits(identifier)
        return _matches_any(self.registers, identifier)


def _matches_any(patterns: tuple[str, ...], identifier: str) -> bool:
    """Exact identifiers, or ``prefix.*`` wildcards (continued processing, F101)."""
    for pattern in patterns:
        if pattern == identifier:
            return True
        if pattern.endswith(".*") and identifier.startswith(pattern[:-1]):
            return True
    return False


@dataclass(frozen=True, slots=True)
class DailyEntry:
    """One ``timeline.daily`` line: a channel repeated every (selected) day (SPEC §5.3)."""

    kind: str
    start_ms_of_day: int
    length_ms: int
    value: str | None = None
    subject: str | None = None  # bundle id for a per-app ``bar``
    app: str | None = None  # on ``unlocked``: the app in the foreground for the whole interval
    days: frozenset[int] = frozenset(range(7))  # 0 = Monday
    jitter_ms: int = 0
    location: Location = Location("")
    wall_clock_end: bool = False  # a range "HH:MM-HH:MM": it ends at that wall time (DST days)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One ``timeline.events`` line: a point (``length_ms`` None) or an interval at an instant."""

    at: datetime  # naive = scenario-local wall time; aware = that instant
    kind: str
    length_ms: int | None = None
    value: str | None = None
    subject: str | None = None
    location: Location = Location("")
    app: str | None = None  # on ``unlocked``: the app in the foreground for the whole interval


@dataclass(frozen=True, slots=True)
class InlineTimeline:
    daily: tuple[DailyEntry, ...] = ()
    events: tuple[TimelineEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonaRef:
    name: str
    seed: int = 0
    location: Location = Location("")
    # bundle -> opens a day, for apps whose rate the scenario fixes (`--app BUNDLE:RATE`);
    # the others get the persona's rank law
    opens_per_day: tuple[tuple[str, float], ...] = ()

    def rate_of(self, bundle: str) -> float | None:
        return dict(self.opens_per_day).get(bundle)


@dataclass(frozen=True, slots=True)
class Device:
    model: DeviceModel = "iphone"
    ios: str = "26.1"
    memory_limit_mb: float = 2048.0
    gpu: bool = False
    background_app_refresh: bool = True
    battery_start: float = 80.0
    history: HistoryWord | int = "repeat"  # int: days of history to repeat
    trace: Path | None = None  # resolved against the scenario's folder
    persona: PersonaRef | None = None
    timeline: InlineTimeline | None = None

    @property
    def ios_major(self) -> int:
        return int(self.ios.split(".")[0])


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    profile: str | None = None  # None: chosen from device.ios (SPEC §6.10); or a path to a file
    params: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class ExpectationSpec:
    """One written expectation, parsed and checked by ``bgreplay.analysis.expect``."""

    target: str  # task identifier or bundle id (or "device")
    metric: str
    text: str  # e.g. ">= 3" or "p(90) < 3h"
    location: Location = Location("")
    robust: bool = False  # must hold at both ends of every uncertain model parameter


@dataclass(frozen=True, slots=True)
class Observation:
    """What a real device was seen doing, when the scenario reproduces a field report."""

    id: str  # e.g. FO1
    source: str  # the public report
    observed: str  # the figure, in words


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    start: datetime  # naive, scenario-local wall time of the first instant
    duration_ms: int
    timezone: str = "UTC"
    seed: int = 0
    description: str = ""
    device: Device = Device()
    apps: tuple[App, ...] = ()
    scheduler: SchedulerConfig = SchedulerConfig()
    expect: tuple[ExpectationSpec, ...] = ()
    variant: str = "base"
    variant_names: tuple[str, ...] = ()
    path: Path | None = None
    source: SourceMap = SourceMap("")
    warnings: tuple[Problem, ...] = ()  # e.g. a task key not starting with its bundle id
    overrides: tuple[str, ...] = ()  # the ``--set PATH=VALUE`` strings applied, in order
    variants_with_expect: tuple[str, ...] = ()  # variants that set their own ``expect``
    observation: Observation | None = None

    @property
    def tasks(self) -> tuple[Task, ...]:
        return tuple(task for app in self.apps for task in app.tasks)

    def app(self, bundle: str) -> App | None:
        return next((a for a in self.apps if a.bundle == bundle), None)

    def task(self, identifier: str) -> Task | None:
        return next((t for t in self.tasks if t.id == identifier), None)
