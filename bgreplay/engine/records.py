"""The engine's output: flat, frozen event records (SPEC §7).

The engine knows replay time only (integer ms since the scenario start); ``time``, ``variant`` and
``device`` columns are added by ``bgreplay.analysis.frame`` at the edge.

What ``reason``, ``value`` and ``detail`` carry, per event (values in seconds unless noted):

| event | reason | value | run | detail |
|---|---|---|---|---|
| submitted | submit trigger (``app_background`` ...) | s from submit to ``start_after`` | | |
| submit_failed | error code (``notPermitted`` ...) | | | why |
| replaced | trigger of the replacing submit | | | |
| cancelled | ``force_quit``, ``simulate_launch``, ``reboot`` ... | | | |
| throttled | short policy name, or ``threshold`` when the score is too low | score | | rationale |
| launched | ``organic`` or ``simulated`` | launch delay: launch − ``start_after`` | n | allowance |
| completed | ``success`` / ``failure`` | runtime | n | a failure's cause (``no network: …``) |
| expired | what expired it (``allowance``, ``device_in_use`` ...) | runtime so far | n | |
| killed | ``watchdog`` / ``jetsam`` / ``cpu_limit`` / ``crash`` / ``boot`` ... | runtime | n | |
| app_crashed | ``no_handler`` / ``late_registration`` | | | message |
| app_opened | | staleness (s) | | ``missed_changes=N backlog_s=X`` |
| prewarmed | | | | the predicted open it precedes (F93) |
| battery | | level % | | |
| network / thermal | the new value (``wifi``, ``serious``, ``nominal`` ...) | | | |
| low_power_mode / bar | ``on`` / ``off`` | | | |

A ``throttled`` run of time lasts until the request's next event (another ``throttled``,
``launched``, ``replaced``, ``cancelled``) or the end of the replay.
"""

from __future__ import annotations

from dataclasses import dataclass

TASK_EVENTS = (
    "submitted", "submit_failed", "replaced", "cancelled", "throttled", "launched", "completed",
    "expired", "killed", "app_crashed",
)
DEVICE_EVENTS = (
    "unlocked", "locked", "app_opened", "app_closed", "plugged", "unplugged", "network", "battery",
    "low_power_mode", "thermal", "boot", "force_quit", "bar", "prewarmed",
)
KILL_REASONS = (
    "watchdog", "jetsam", "cpu_limit", "crash", "boot", "force_quit", "user_cancel", "stalled",
)
PREWARM_NOTE = "pre-warm launch (F93)"  # in the detail of a submit made by a pre-warm
EARLY_EXPIRY = "the system expires this run early"  # in the detail of such a `launched`
# in the detail of a failed `completed`: the handler needed the network and the device had none
NO_NETWORK = "no network: the handler's first request timed out (§6.7)"
SUBMIT_ERRORS = (
    "unavailable", "notPermitted", "tooManyPendingTaskRequests", "immediateRunIneligible",
)


@dataclass(frozen=True, slots=True)
class Event:
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

    ``scenario`` is a ``bgreplay.scenario.model.Scenario`` and ``timeline`` a
    ``bgreplay.trace.model.Timeline``; ``profile`` maps parameter names to values.
    """

    scenario: object
    timeline: object
    profile_name: str
    profile: dict
    events: tuple[Event, ...]
    evaluations: tuple[Evaluation, ...] = ()
    params_read: frozenset[str] = frozenset()  # with ``record_params``: what the replay read
