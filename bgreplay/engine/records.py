"""The engine's output: flat event records (SPEC §7) and the evaluations ``explain`` reads.

The engine knows replay time only (integer ms since the scenario start); ``time``, ``variant`` and
``device`` columns are added by ``bgreplay.analysis.frame`` at the edge, which also words the
facts below into the SPEC §7 ``detail`` and ``value`` where the specification asks for them.

What ``reason``, ``value`` and ``detail`` carry, per event (values in seconds unless noted):

| event | reason | value | run | detail |
|---|---|---|---|---|
| submitted | submit trigger (``app_background`` ...) | s to ``start_after`` | | ``queued`` |
| submit_failed | error code (``notPermitted`` ...) | | | why |
| replaced | trigger of the replacing submit | | | |
| cancelled | ``force_quit``, ``simulate_launch``, ``reboot`` ... | | | |
| throttled | short policy name, or ``threshold`` (score too low) | score | | rationale |
| launched | ``organic`` or ``simulated`` | launch − ``start_after`` | n | allowance |
| completed | ``success`` / ``failure`` | runtime | n | |
| expired | what expired it (``allowance``, ``device_in_use`` ...) | runtime so far | n | |
| killed | ``watchdog`` / ``jetsam`` / ``crash`` / ``boot`` ... | runtime | n | context |
| app_crashed | ``no_handler`` / ``late_registration`` | | | message |
| app_opened | ``cold`` / ``prewarmed`` / ``resumed`` | | | |
| prewarmed | ``launch_code`` / ``no_launch_code`` | | | the predicted open (F93) |
| battery | | level % | | |
| network / thermal | the new value (``wifi``, ``serious``, ``nominal`` ...) | | | |
| low_power_mode / bar | ``on`` / ``off`` | | | |

The typed facts: ``request`` (submitted, replaced — the request replaced —, launched),
``origin`` (submitted, replaced: ``prewarm``), ``cause`` (completed failure, launched cut short:
a key of ``CAUSES``), ``energy`` (completed, killed), ``missed_changes``, ``backlog_ms`` and
``fetched_at`` (app_opened).

A ``throttled`` run of time lasts until the request's next event (another ``throttled``,
``launched``, ``replaced``, ``cancelled``) or the end of the replay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from bgreplay.scenario.model import Scenario
    from bgreplay.trace.model import Timeline

TASK_EVENTS = (
    "submitted",
    "submit_failed",
    "replaced",
    "cancelled",
    "throttled",
    "launched",
    "completed",
    "expired",
    "killed",
    "app_crashed",
)
DEVICE_EVENTS = (
    "unlocked",
    "locked",
    "app_opened",
    "app_closed",
    "plugged",
    "unplugged",
    "network",
    "battery",
    "low_power_mode",
    "thermal",
    "boot",
    "force_quit",
    "bar",
    "prewarmed",
)
KILL_REASONS = (
    "watchdog",
    "jetsam",
    "cpu_limit",
    "crash",
    "boot",
    "force_quit",
    "user_cancel",
    "stalled",
)
SUBMIT_ERRORS = (
    "unavailable",
    "notPermitted",
    "tooManyPendingTaskRequests",
    "immediateRunIneligible",
)
PREWARM = "prewarm"  # origin: a submit made by the launch code a pre-warm ran (F93)
# cause: why a run fails or is cut short, when the model knows, and its words in the event log
CAUSES: dict[str, str] = {
    "no_network": "no network: the handler's first request timed out (§6.7)",
    "handler_failed": "the handler failed (success_rate)",
    "no_expiration_handler": "no expiration handler: marked complete, unsuccessful (F72)",
    "early_expiry": "the system expires this run early",
}
PREWARM_NOTE = "pre-warm launch (F93)"  # the words for origin ``prewarm``


class Event(NamedTuple):
    """One row of the event log: the SPEC §7 columns, then typed facts (None where they do not
    apply)."""

    seq: int
    t: int  # ms since the scenario start
    event: str
    app: str | None = None
    task: str | None = None
    task_type: str | None = None
    reason: str | None = None
    run: int | None = None
    value: float | None = None
    detail: str | None = None
    request: int | None = None  # the request submitted, replaced or launched
    origin: str | None = None  # how a submit's trigger came about (``prewarm``)
    cause: str | None = None  # a key of ``CAUSES``
    energy: float | None = None  # units a run spent (run ends)
    missed_changes: int | None = None  # server changes the app had not fetched (at an open)
    backlog_ms: int | None = None  # `work` still to do at an open
    fetched_at: int | None = None  # ms of the app's last fetch (at an open)


EVENT_FIELDS = Event._fields


@dataclass(frozen=True, slots=True)
class PolicyVerdict:
    """One policy's answer at one evaluation, in the spirit of dasd's scoring log (F§2.4)."""

    policy: str
    decision: str  # CP | MNP | MP | AMNP | AMP
    score: float
    weight: float
    rationale: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One evaluation of one pending request, kept for ``bgreplay explain``."""

    t: int
    task: str
    trigger: str
    verdicts: tuple[PolicyVerdict, ...]
    decision: str
    score: float
    threshold: float
    launched: bool
    reason: str  # blocking policy, "score below threshold", or "launched"
    request: int = 0  # the request scored (one task has one pending request at a time)
    submitted_at: int = 0  # when that request was submitted


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """Everything one replay produced; renderers and metrics read this, never engine internals.

    ``profile`` maps parameter names to values.
    """

    scenario: Scenario
    timeline: Timeline
    profile_name: str
    profile: Mapping[str, object]
    events: tuple[Event, ...]
    evaluations: tuple[Evaluation, ...] = ()
    params_read: frozenset[str] = frozenset()  # with ``record_params``: what the replay read
