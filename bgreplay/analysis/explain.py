"""``bgreplay explain``: why a task did or did not run at a moment, in plain language.

Reads a ``ReplayResult`` replayed with ``explain_task`` (so it holds every evaluation of that task)
and the event log. The explanation may look at the trace after ``at`` — it is a report about the
replay, not part of the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bgreplay.engine.policies import POLICIES, REASONS
from bgreplay.engine.records import CAUSES, PREWARM, PREWARM_NOTE, Evaluation, Event, ReplayResult
from bgreplay.trace.model import Interval


def title(reason: str) -> str:
    """What the timeline and ``explain`` call a blocking reason (``Battery level``)."""
    known = REASONS.get(reason)
    return known.title if known is not None else reason.replace("_", " ")


def why(result: ReplayResult, reason: str) -> str:
    """One sentence with the facts behind a blocking reason, from the replay's parameters."""
    known = REASONS.get(reason)
    return known.explain(result.profile) if known is not None else reason


_END_EVENTS = ("completed", "killed")
WHOLE_REPLAY_SHOWN = 40  # verdict changes listed without --at: the first and the last half
DEFAULT_RESCORE_MS = 15 * 60_000  # when the profile does not say (dasd's 15-minute re-score)

# One thing to print (see ``Explanation.items``): its kind and its text, or the evaluation.
Item = tuple[str, str | Evaluation]


@dataclass(frozen=True, slots=True)
class Explanation:
    task: str
    at: int | None
    evaluations: tuple[Evaluation, ...]
    answer: str
    omitted: int = 0  # verdict changes left out in the middle (a busy task over a long replay)
    # What to print, in order: ("request", text) before the first evaluation of each request,
    # ("evaluation", Evaluation), ("gap", text) where re-scores were skipped, ("fate", text)
    # after a request's last evaluation shown, ("omitted", text) for the middle left out.
    items: tuple[Item, ...] = ()


def local_label(result: ReplayResult, t: int) -> str:
    """``Mon 03-02 07:10`` in the device's local time."""
    local = result.timeline.clock.local_ms(t)
    return datetime.fromtimestamp(local / 1000, UTC).strftime("%a %m-%d %H:%M")


def explain(result: ReplayResult, task_id: str, at: int | None = None) -> Explanation:
    events = [e for e in result.events if e.task == task_id]
    if at is None:
        shown = _changes(result.evaluations)
        omitted = max(len(shown) - WHOLE_REPLAY_SHOWN, 0)
        if omitted:
            half = WHOLE_REPLAY_SHOWN // 2
            shown = shown[:half] + shown[-half:]
        return Explanation(
            task_id,
            None,
            shown,
            _overall(result, task_id, events),
            omitted,
            _items(result, events, shown, omitted, gaps=False),
        )
    near = [e for e in result.evaluations if abs(e.t - at) <= 2 * 3_600_000]
    later = next((e for e in result.evaluations if e.t > at and e.launched), None)
    if later is not None and later not in near:
        near.append(later)
    near.sort(key=lambda e: (abs(e.t - at), e.t))
    shown = tuple(sorted(near[:24], key=lambda e: e.t))
    return Explanation(
        task_id,
        at,
        shown,
        _at(result, task_id, events, at),
        items=_items(result, events, shown, 0, gaps=True),
    )


def _items(
    result: ReplayResult,
    events: list[Event],
    shown: tuple[Evaluation, ...],
    omitted: int,
    *,
    gaps: bool,
) -> tuple[Item, ...]:
    """The evaluations grouped by request: a header when a new request is scored, what became
    of a request after its last evaluation shown, and — around one moment — why re-scores were
    skipped between two evaluations of one request."""
    submits = [e for e in events if e.event == "submitted"]
    ends = [e for e in events if e.event in ("launched", "replaced", "cancelled")]

    def submit_of(ev: Evaluation) -> Event | None:
        return next((s for s in submits if s.t == ev.submitted_at), None)

    out: list[Item] = []
    half = len(shown) // 2
    for k, ev in enumerate(shown):
        prev = shown[k - 1] if k else None
        if omitted and k == half and prev is not None:  # half >= 1: there is a previous
            out.append(
                (
                    "omitted",
                    f"… {omitted:,} more verdict changes between "
                    f"{local_label(result, prev.t)} and {local_label(result, ev.t)}; "
                    f"--at TIME shows the evaluations around one moment",
                )
            )
        if prev is None or prev.request != ev.request:
            sub = submit_of(ev)
            how = (
                f"submitted {local_label(result, sub.t)} ({sub.reason}"
                + (f", {PREWARM_NOTE}" if sub.origin == PREWARM else "")
                + ")"
                if sub is not None
                else "submitted before the window shown"
            )
            out.append(("request", f"request {ev.request}: {how}"))
        elif gaps and ev.t - prev.t > _rescore(result) + 1000:
            out.append(("gap", _gap(result, prev, ev)))
        out.append(("evaluation", ev))
        nxt = shown[k + 1] if k + 1 < len(shown) else None
        if nxt is None or nxt.request != ev.request:
            out.append(("fate", _fate(result, ev, ends)))
    return tuple(out)


def _rescore(result: ReplayResult) -> int:
    interval = result.profile.get("rescore_interval", DEFAULT_RESCORE_MS)
    return int(interval) if isinstance(interval, int | float) else DEFAULT_RESCORE_MS


def _gap(result: ReplayResult, prev: Evaluation, ev: Evaluation) -> str:
    """Why a request was not re-scored between two of its evaluations."""
    span = f"not re-scored from {local_label(result, prev.t)} to {local_label(result, ev.t)}: "
    state_only = {p.short for p in POLICIES if p.state_only} | {"device_off", "already_running"}
    if prev.reason == "rate_limit":
        return span + "the rate limit lifts at a set time, and the request was scored then"
    if prev.reason in state_only:
        return (
            span + f"{title(prev.reason)} held it, which only a "
            "change of the device or the app lifts; none came before"
        )
    if prev.reason == "threshold":
        return (
            span + "its score could not reach the threshold sooner — no predicted use of "
            "the app, and no relaxing of the threshold, before then — so the 15-minute "
            "re-scores in between were skipped (they would have said the same)"
        )
    return span + "nothing that could change its verdict happened in between"


def _fate(result: ReplayResult, last: Evaluation, ends: list[Event]) -> str:
    """What became of the request after its last evaluation shown."""
    if last.launched:
        return f"request {last.request} launched at {local_label(result, last.t)}"
    end = next((e for e in ends if e.t >= last.t), None)
    if end is None:
        return f"request {last.request} was still pending at the end of the replay"
    when = local_label(result, end.t)
    if end.event == "launched":
        return f"request {last.request} launched at {when}"
    if end.event == "replaced":
        note = f", {PREWARM_NOTE}" if end.origin == PREWARM else ""
        return (
            f"request {last.request} was replaced at {when} by a new submit "
            f"({end.reason}{note}), which restarted its earliest_begin (F14)"
        )
    return f"request {last.request} was cancelled at {when} ({end.reason})"


def _changes(evaluations: tuple[Evaluation, ...]) -> tuple[Evaluation, ...]:
    """Evaluations where the verdict changed, and every launch."""
    shown: list[Evaluation] = []
    last: str | None = None
    for e in evaluations:
        if e.launched or e.reason != last:
            shown.append(e)
        last = None if e.launched else e.reason
    return tuple(shown)


def _at(result: ReplayResult, task_id: str, events: list[Event], at: int) -> str:
    label = local_label(result, at)
    before = [e for e in events if e.t <= at]
    after = [e for e in events if e.t > at]
    running = _running_at(before)
    if running is not None:
        end = next((e for e in after if e.run == running.run and e.event in _END_EVENTS), None)
        text = (
            f"At {label} the task was running: run {running.run} launched at "
            f"{local_label(result, running.t)}"
        )
        if end is not None:
            text += f" and {end.event} ({end.reason}) at {local_label(result, end.t)}"
            if _cause(end):
                text += f": {_cause(end)}"
        if running.cause == "early_expiry":
            text += (
                ". The system gave this run a few seconds, not the 30 s maximum: the "
                "expiration handler may be called early (F3), and field logs show most "
                "expirations 2-5 s in (FO8)"
            )
        return text + "."
    submitted = _pending_since(before)
    if submitted is None:
        return _nothing_pending(result, label, before, after)
    start_after = submitted.t + int((submitted.value or 0) * 1000)
    launch = next((e for e in after if e.event == "launched"), None)
    tail = (
        f" The task launched at {local_label(result, launch.t)}."
        if launch
        else " It did not launch before the end of the replay."
    )
    if start_after > at:
        prewarm = (
            f", {PREWARM_NOTE}: the app's launch code ran ahead of a predicted open"
            if submitted.origin == PREWARM
            else ""
        )
        return (
            f"At {label} the request submitted at {local_label(result, submitted.t)} "
            f"({submitted.reason}{prewarm}) was not yet eligible: iOS starts it no earlier than "
            f"{local_label(result, start_after)} (earliest_begin plus dasd's start delay, "
            f"F26, F29).{tail}"
        )
    throttle = next((e for e in reversed(before) if e.event == "throttled"), None)
    if throttle is None or throttle.t < submitted.t:
        return f"At {label} the request was pending and had not been evaluated yet.{tail}"
    reason = throttle.reason or "threshold"
    known = REASONS.get(reason)
    text = f"Blocked by {title(reason)}: " + (
        known.explain(result.profile) if known is not None else throttle.detail or reason
    )
    change = _next_change(result, reason, at, task_id)
    if change:
        text += f"; {change}"
    if launch is not None:
        return f"{text}, and the task launched at {local_label(result, launch.t)}."
    return f"{text}. It did not launch before the end of the replay."


def _cause(end: Event) -> str:
    """A failed run's cause, when the model knows it (``no network: ...``)."""
    if end.reason != "failure" or end.cause is None:
        return ""
    return CAUSES[end.cause]


def _running_at(before: list[Event]) -> Event | None:
    running = None
    for e in before:
        if e.event == "launched":
            running = e
        elif e.event in _END_EVENTS and running is not None and e.run == running.run:
            running = None
    return running


def _pending_since(before: list[Event]) -> Event | None:
    pending = None
    for e in before:
        if e.event == "submitted":
            pending = e
        elif e.event in ("launched", "cancelled"):
            pending = None
    return pending


def _nothing_pending(
    result: ReplayResult, label: str, before: list[Event], after: list[Event]
) -> str:
    text = f"No request was pending at {label}."
    last = before[-1] if before else None
    if last is None:
        text += " The app had not submitted this task yet."
    elif last.event == "submit_failed":
        text += (
            f" The last submit, at {local_label(result, last.t)}, failed with "
            f"{last.reason}: {last.detail}."
        )
    elif last.event == "app_crashed":
        text += f" The app crashed at {local_label(result, last.t)}: {last.detail}."
    elif last.event in _END_EVENTS or last.event == "expired":
        cause = f": {_cause(last)}" if _cause(last) else ""
        text += (
            f" The last run ended at {local_label(result, last.t)} ({last.event}, "
            f"{last.reason}{cause}) and nothing submitted a new request — one request "
            "gives at most one launch (F28); schedule the next one at the start of the "
            "handler."
        )
    nxt = next((e for e in after if e.event == "submitted"), None)
    if nxt is not None:
        text += f" The next request was submitted at {local_label(result, nxt.t)} ({nxt.reason})."
    return text


def _next_change(result: ReplayResult, reason: str, at: int, task_id: str) -> str:
    """What lifted the veto next, from the trace."""
    intervals = result.timeline.intervals
    task = next((t for t in result.scenario.tasks if t.id == task_id), None)

    def first(
        kind: str,
        cond: Callable[[Interval], bool] = lambda _: True,
        field: Literal["start", "end"] = "start",
    ) -> int | None:
        for i in intervals:
            moment = i.start if field == "start" else i.end
            if i.kind == kind and moment > at and cond(i):
                return moment
        return None

    found: int | None = None
    what = ""
    if reason in ("battery", "external_power", "critical_battery"):
        found, what = first("plugged"), "the device was next plugged in at"
    elif reason == "network":
        found = first("network", lambda i: i.value in ("wifi", "cellular"))
        what = "the device next had a network at"
    elif reason == "device_activity":
        found, what = first("unlocked", field="end"), "the user next locked the device at"
    elif reason == "low_power_mode":
        found, what = first("low_power_mode", field="end"), "Low Power Mode ended at"
    elif reason == "thermal":
        found, what = first("thermal", field="end"), "the device cooled down at"
    elif reason == "app_switcher" and task is not None:
        found = first("app", lambda i: i.subject == task.app)
        what = "the user next opened the app at"
    elif reason == "application":
        found, what = first("app", field="end"), "the app left the foreground at"
    elif reason == "rate_limit":
        lifted = next(
            (
                e
                for e in result.events
                if e.task == task_id
                and e.t >= at
                and e.event in ("launched", "throttled", "replaced")
            ),
            None,
        )
        found = lifted.t if lifted is not None else None
        what = "the spacing since its last launch ended, and the request was scored again, at"
    return f"{what} {local_label(result, found)}" if found is not None else ""


def _overall(result: ReplayResult, task_id: str, events: list[Event]) -> str:  # noqa: ARG001 - unread here; its callers pass it
    days = result.scenario.duration_ms / 86_400_000
    submits = sum(e.event == "submitted" for e in events)
    launches = [e for e in events if e.event == "launched"]
    ok = sum(e.event == "completed" and e.reason == "success" for e in events)
    text = (
        f"Over {days:g} days the task was submitted {submits} times and launched "
        f"{len(launches)} times ({ok} successful)."
    )
    blocked = _blocked_time(result, events)
    if blocked:
        reason, ms = max(blocked.items(), key=lambda kv: kv[1])
        text += (
            f" While pending it was held back longest by {title(reason)}"
            f" ({ms / 3_600_000:.1f} h): {why(result, reason)}."
        )
    replaced = [e for e in events if e.event == "replaced"]
    if len(replaced) > len(launches):  # the requests were replaced more often than they ran
        prewarms = sum(e.origin == PREWARM for e in replaced)
        text += (
            f" {len(replaced)} submits replaced the pending request and restarted its "
            "earliest_begin (F14)"
            + (
                f", {prewarms} of them at pre-warm launches just before predicted opens (F93)"
                if prewarms
                else ""
            )
            + "."
        )
    causes = [_cause(e) for e in events if e.event == "completed" and _cause(e)]
    for cause in dict.fromkeys(causes):
        n = causes.count(cause)
        text += f" {n} run{'s' if n != 1 else ''} failed: {cause}."
    failures = [e for e in events if e.event == "submit_failed"]
    if failures:
        text += f" {len(failures)} submits failed ({failures[0].reason}: {failures[0].detail})."
    if not launches and submits == 0 and not failures:
        text += " Nothing ever submitted it: check submit.when."
    return text


def _blocked_time(result: ReplayResult, events: list[Event]) -> dict[str, int]:
    spans: dict[str, int] = {}
    current, since = None, 0
    for e in events:
        if current is not None and e.event in ("throttled", "launched", "replaced", "cancelled"):
            spans[current] = spans.get(current, 0) + e.t - since
            current = None
        if e.event == "throttled":
            current, since = e.reason, e.t
    if current is not None:
        spans[current] = spans.get(current, 0) + result.scenario.duration_ms - since
    return spans
