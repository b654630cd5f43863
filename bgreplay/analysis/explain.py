"""``bgreplay explain``: why a task did or did not run at a moment, in plain language.

Reads a ``ReplayResult`` replayed with ``explain_task`` (so it holds every evaluation of that task)
and the event log. The explanation may look at the trace after ``at`` — it is a report about the
replay, not part of the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bgreplay.engine.records import EARLY_EXPIRY, PREWARM_NOTE, Evaluation, Event, ReplayResult

# One sentence per blocking reason, with the facts behind it.
WHY = {
    "application": "the app was in the foreground, and iOS does not launch a foreground app's "
                   "background tasks (F45)",
    "device_activity": "processing runs only while the device is idle, and the user was using it "
                       "(F6, F35)",
    "battery": "processing needs external power on iPhone (F34)",
    "critical_battery": "the battery was at or below 20 % and unplugged: only essential work runs "
                        "(F58)",
    "low_power_mode": "Low Power Mode pauses background work unless the device charges at 30 % or "
                      "more (F55)",
    "thermal": "the device was too hot (F62, F63)",
    "energy_budget": "the app had spent its background energy budget, which refills through the "
                     "day in proportion to how often the user opens the app, and does not apply "
                     "while charging (F42, F65, F66)",
    "rate_limit": "the task had launched a short while before, and iOS spaces out one task's "
                  "launches — the less the app is used, the further apart (F68)",
    "network": "the request requires a network connection and there was none (F32)",
    "external_power": "the request requires external power and the device was on battery (F33)",
    "boot_time": "the device had booted moments before; iOS waits 5 minutes after boot (F92)",
    "app_switcher": "the user had force-quit the app, and iOS launches it in the background only "
                    "after the user opens it again (F47)",
    "background_app_refresh": "Background App Refresh was off (F51)",
    "recent_use": "the app had not been used in the foreground for 7 days (F29)",
    "threshold": "its score was below the threshold: iOS holds refreshes for a moment when it "
                 "predicts the user will open the app, and gives apps it predicts no use for "
                 "little or no time (F41, F43)",
    "device_off": "the device was off",
    "already_running": "a run with the same identifier was still in progress",
}
POLICY_TITLES = {
    "application": "Application", "device_activity": "Device activity",
    "battery": "Battery level", "critical_battery": "Critically low battery",
    "low_power_mode": "Low Power Mode", "thermal": "Thermal", "energy_budget": "Energy budget",
    "network": "Network", "external_power": "External power", "rate_limit": "Rate limit",
    "boot_time": "Boot time",
    "app_switcher": "App switcher", "background_app_refresh": "Background App Refresh",
    "recent_use": "Recent use", "threshold": "Score below threshold",
    "device_off": "Device off", "already_running": "Already running",
}
_END_EVENTS = ("completed", "killed")
WHOLE_REPLAY_SHOWN = 40  # verdict changes listed without --at: the first and the last half


@dataclass(frozen=True, slots=True)
class Explanation:
    task: str
    at: int | None
    evaluations: tuple[Evaluation, ...]
    answer: str
    omitted: int = 0  # verdict changes left out in the middle (a busy task over a long replay)


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
        return Explanation(task_id, None, shown, _overall(result, task_id, events), omitted)
    near = [e for e in result.evaluations if abs(e.t - at) <= 2 * 3_600_000]
    later = next((e for e in result.evaluations if e.t > at and e.launched), None)
    if later is not None and later not in near:
        near.append(later)
    near.sort(key=lambda e: (abs(e.t - at), e.t))
    shown = tuple(sorted(near[:24], key=lambda e: e.t))
    return Explanation(task_id, at, shown, _at(result, task_id, events, at))


def _changes(evaluations: tuple[Evaluation, ...]) -> tuple[Evaluation, ...]:
    """Evaluations where the verdict changed, and every launch."""
    shown, last = [], None
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
        text = (f"At {label} the task was running: run {running.run} launched at "
                f"{local_label(result, running.t)}")
        if end is not None:
            text += f" and {end.event} ({end.reason}) at {local_label(result, end.t)}"
        if EARLY_EXPIRY in (running.detail or ""):
            text += (". The system gave this run a few seconds, not the 30 s maximum: the "
                     "expiration handler may be called early (F3), and field logs show most "
                     "expirations 2-5 s in (FO8)")
        return text + "."
    submitted = _pending_since(before)
    if submitted is None:
        return _nothing_pending(result, label, before, after)
    start_after = submitted.t + int((submitted.value or 0) * 1000)
    launch = next((e for e in after if e.event == "launched"), None)
    tail = (f" The task launched at {local_label(result, launch.t)}." if launch
            else " It did not launch before the end of the replay.")
    if start_after > at:
        trigger = submitted.reason
        if PREWARM_NOTE in (submitted.detail or ""):
            trigger += f", {PREWARM_NOTE}: the app's launch code ran ahead of a predicted open"
        return (f"At {label} the request submitted at {local_label(result, submitted.t)} "
                f"({trigger}) was not yet eligible: iOS starts it no earlier than "
                f"{local_label(result, start_after)} (earliest_begin plus dasd's start delay, "
                f"F26, F29).{tail}")
    throttle = next((e for e in reversed(before) if e.event == "throttled"), None)
    if throttle is None or throttle.t < submitted.t:
        return f"At {label} the request was pending and had not been evaluated yet.{tail}"
    reason = throttle.reason or "threshold"
    title = POLICY_TITLES.get(reason, reason)
    text = f"Blocked by {title}: {WHY.get(reason, throttle.detail or reason)}"
    change = _next_change(result, reason, at, task_id)
    if change:
        text += f"; {change}"
    if launch is not None:
        return f"{text}, and the task launched at {local_label(result, launch.t)}."
    return f"{text}. It did not launch before the end of the replay."


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


def _nothing_pending(result: ReplayResult, label: str, before: list[Event],
                     after: list[Event]) -> str:
    text = f"No request was pending at {label}."
    last = before[-1] if before else None
    if last is None:
        text += " The app had not submitted this task yet."
    elif last.event == "submit_failed":
        text += (f" The last submit, at {local_label(result, last.t)}, failed with "
                 f"{last.reason}: {last.detail}.")
    elif last.event == "app_crashed":
        text += f" The app crashed at {local_label(result, last.t)}: {last.detail}."
    elif last.event in _END_EVENTS or last.event == "expired":
        text += (f" The last run ended at {local_label(result, last.t)} ({last.event}, "
                 f"{last.reason}) and nothing submitted a new request — one request gives at "
                 "most one launch (F28); schedule the next one at the start of the handler.")
    nxt = next((e for e in after if e.event == "submitted"), None)
    if nxt is not None:
        text += f" The next request was submitted at {local_label(result, nxt.t)} ({nxt.reason})."
    return text


def _next_change(result: ReplayResult, reason: str, at: int, task_id: str) -> str:
    """What lifted the veto next, from the trace."""
    intervals = result.timeline.intervals
    task = next((t for t in result.scenario.tasks if t.id == task_id), None)

    def first(kind, cond=lambda i: True, field="start"):
        for i in intervals:
            moment = getattr(i, field)
            if i.kind == kind and moment > at and cond(i):
                return moment
        return None

    found, what = None, ""
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
        lifted = next((e for e in result.events if e.task == task_id and e.t >= at
                       and e.event in ("launched", "throttled", "replaced")), None)
        found = lifted.t if lifted is not None else None
        what = "the spacing since its last launch ended, and the request was scored again, at"
    return f"{what} {local_label(result, found)}" if found is not None else ""


def _overall(result: ReplayResult, task_id: str, events: list[Event]) -> str:
    days = result.scenario.duration_ms / 86_400_000
    submits = sum(e.event == "submitted" for e in events)
    launches = [e for e in events if e.event == "launched"]
    ok = sum(e.event == "completed" and e.reason == "success" for e in events)
    text = (f"Over {days:g} days the task was submitted {submits} times and launched "
            f"{len(launches)} times ({ok} successful).")
    blocked = _blocked_time(result, events)
    if blocked:
        reason, ms = max(blocked.items(), key=lambda kv: kv[1])
        text += (f" While pending it was held back longest by {POLICY_TITLES.get(reason, reason)}"
                 f" ({ms / 3_600_000:.1f} h): {WHY.get(reason, reason)}.")
    replaced = [e for e in events if e.event == "replaced"]
    if len(replaced) > len(launches):  # the requests were replaced more often than they ran
        prewarms = sum(PREWARM_NOTE in (e.detail or "") for e in replaced)
        text += (f" {len(replaced)} submits replaced the pending request and restarted its "
                 "earliest_begin (F14)" + (f", {prewarms} of them at pre-warm launches just "
                                          "before predicted opens (F93)" if prewarms else "")
                 + ".")
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
