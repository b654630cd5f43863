"""What every lint rule is made of (``lint`` runs them): a finding, a registered rule, the
thresholds the rules share with their sources, and the helpers that point a finding at its
place in the YAML."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from bgreplay.errors import Location
from bgreplay.scenario.model import (
    HOUR,
    MINUTE,
    SECOND,
    App,
    DailyEntry,
    Scenario,
    Task,
    TimelineEvent,
)

if TYPE_CHECKING:
    from bgreplay.engine.params import Params

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding: which rule, how bad, where in the YAML, what is wrong, what to do."""

    rule: str
    severity: Severity
    location: Location
    message: str
    advice: str


Check = Callable[[Scenario], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered check; ``severity`` is its usual one (BGR010 may also report an error)."""

    id: str
    severity: Severity
    summary: str
    check: Check


# The background mode each task type needs in the Info.plist (F1, F17).
REQUIRED_MODE = {"refresh": "fetch", "processing": "processing", "health_research": "processing"}


def model_params(scenario: Scenario) -> Params:
    """The model numbers as this scenario's replay uses them: its built-in profile (or the
    default one) with ``scheduler.params`` applied, so lint agrees with ``--set`` and ``ideal``."""
    from bgreplay.engine.params import Params
    from bgreplay.engine.profiles import PROFILE_NAMES, build_profile, default_profile_name

    name_ = scenario.scheduler.profile or default_profile_name(scenario.device.ios)
    base = name_ if name_ in PROFILE_NAMES else None
    return Params(build_profile(base or "ios-26", dict(scenario.scheduler.params)).params)


def registry(rules: dict[str, Rule]) -> Callable[[str, Severity, str], Callable[[Check], Check]]:
    """A decorator that registers a check in ``rules`` under its id: each module of rules keeps
    its own, and ``lint.RULES`` joins them."""

    def rule(rule_id: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
        def register(check: Check) -> Check:
            rules[rule_id] = Rule(rule_id, severity, summary, check)
            return check

        return register

    return rule


def yaml_at(scenario: Scenario, *path: str) -> Location:
    return scenario.source.at(*path)


def task_path(task: Task, *rest: str) -> tuple[str, ...]:
    return ("apps", task.app, "tasks", task.id, *rest)


def tasks_of(scenario: Scenario) -> Iterator[tuple[App, Task]]:
    for app in scenario.apps:
        for task in app.tasks:
            yield app, task


def entry_location(scenario: Scenario, entry: DailyEntry | TimelineEvent, key: str) -> Location:
    if entry.location.file:
        return entry.location
    return yaml_at(scenario, "device", "timeline", key)


def fmt_ms(ms: int) -> str:
    """``5400000`` → ``1h30m``: the duration syntax of the scenario format."""
    if ms <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 24 * HOUR), ("h", HOUR), ("m", MINUTE), ("s", SECOND)):
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    if ms:
        parts.append(f"{ms}ms")
    return "".join(parts)


def clock_text(ms_of_day: int) -> str:
    return f"{ms_of_day // HOUR:02d}:{ms_of_day % HOUR // MINUTE:02d}"
