"""Lint rules BGR017–BGR020 and BGR023: the device a scenario replays and its inline timeline
(a simulator, a request beyond dasd's prediction horizon, a force-quit user, a Low Power Mode
afternoon, a device that never has a network)."""

from __future__ import annotations

from collections.abc import Iterator

from bgreplay.scenario.lint_base import (
    Finding,
    Rule,
    clock_text,
    entry_location,
    fmt_ms,
    model_params,
    registry,
    task_path,
    tasks_of,
    yaml_at,
)
from bgreplay.scenario.model import (
    HOUR,
    DailyEntry,
    Scenario,
    TimelineEvent,
)

RULES: dict[str, Rule] = {}
rule = registry(RULES)


@rule("BGR017", "warning", "simulator device")
def simulator(scenario: Scenario) -> Iterator[Finding]:
    # F16, F22: the Simulator never runs BG tasks (submit → unavailable); F113: only the
    # debugger's simulated launches work.
    if scenario.device.model == "simulator" and scenario.tasks:
        yield Finding(
            "BGR017",
            "warning",
            yaml_at(scenario, "device", "model"),
            "device.model is simulator: every submit fails with unavailable and no task runs "
            "organically; only simulate_launch events do (F22, F113)",
            "replay on an iphone or ipad to see what the scheduler would do",
        )


@rule("BGR018", "info", "earliest_begin beyond dasd's 21 h prediction horizon")
def beyond_prediction(scenario: Scenario) -> Iterator[Finding]:
    # F30: when start_after is more than 21 h ahead, dasd skips usage prediction (optimal score
    # 0.01); start_after = earliest_begin + start_delay (450 s for processing, F29/F31).
    params = model_params(scenario)
    for _, task in tasks_of(scenario):
        delay = task.earliest_begin.delay_ms
        if delay is None or task.type == "continued_processing":  # F101: ignored there
            continue
        dasd_delay = params.processing_start_delay
        start_after = delay + (dasd_delay if task.is_processing_family else 0)
        if start_after > params.prediction_skip_beyond:
            yield Finding(
                "BGR018",
                "info",
                yaml_at(scenario, *task_path(task, "earliest_begin")),
                f"{task.id} asks for earliest_begin {fmt_ms(delay)} (start_after "
                f"{fmt_ms(start_after)}): beyond 21 h dasd skips usage prediction, so the run "
                "is not timed before the user's next open (F30)",
                "keep earliest_begin under 21 h (under 20h52m for processing) if the run "
                "should track the user's habits",
            )


@rule("BGR019", "info", "force quit in the timeline (extends §4.9)")
def force_quit(scenario: Scenario) -> Iterator[Finding]:
    # F47: a force quit blocks every background launch until the user opens the app again;
    # F48: the flag survives reboots; F50: it also cancels continued-processing requests.
    timeline = scenario.device.timeline
    if timeline is None:
        return
    for event in timeline.events:
        app = scenario.app(event.subject or "") if event.kind == "force_quit" else None
        if app is None or not app.tasks:
            continue
        yield Finding(
            "BGR019",
            "info",
            entry_location(scenario, event, "events"),
            f"{app.bundle} is force-quit at {event.at:%Y-%m-%d %H:%M}: none of its tasks is "
            "launched in the background until the user opens it again, even across a reboot "
            "(F47, F48)",
            "expect a gap in the replay until the next open; nothing in the app can clear it",
        )


def _lpm_entries(scenario: Scenario) -> Iterator[tuple[DailyEntry | TimelineEvent, str, str]]:
    timeline = scenario.device.timeline
    if timeline is None:
        return
    for entry in timeline.daily:
        if entry.kind == "low_power_mode":
            end = (entry.start_ms_of_day + entry.length_ms) % (24 * HOUR)
            when = f"daily {clock_text(entry.start_ms_of_day)}-{clock_text(end)}"
            yield entry, "daily", when
    for event in timeline.events:
        if event.kind == "low_power_mode":
            span = f" for {fmt_ms(event.length_ms)}" if event.length_ms else ""
            yield event, "events", f"from {event.at:%Y-%m-%d %H:%M}{span}"


@rule("BGR020", "info", "Low Power Mode in the timeline (extends §4.9)")
def low_power_mode(scenario: Scenario) -> Iterator[Finding]:
    # F55: the LPM policy vetoes while LPM is on and the device is unplugged or under 30 %;
    # F52: LPM turns Background App Refresh off, so refresh submits fail; F54.
    refresh = [t.id for t in scenario.tasks if t.type == "refresh"]
    affected = refresh or [t.id for t in scenario.tasks]
    if not affected:
        return
    names = ", ".join(affected)
    threshold = model_params(scenario).lpm_battery_threshold
    for entry, key, when in _lpm_entries(scenario):
        yield Finding(
            "BGR020",
            "info",
            entry_location(scenario, entry, key),
            f"Low Power Mode {when}: while it is on and the device is unplugged or under "
            f"{threshold:g} % no background launch happens for "
            f"{names}, and refresh "
            "submits fail because Background App Refresh is off (F52, F55)",
            "expect staleness to grow until LPM ends or the phone charges; compare with a "
            "variant without it",
        )


def _has_network(scenario: Scenario) -> bool:
    """Whether any trace source can give the device a network: a trace file or a persona may;
    an inline timeline does only through a wifi or cellular ``network`` entry."""
    device = scenario.device
    if device.trace is not None or device.persona is not None:
        return True
    timeline = device.timeline
    entries: tuple[DailyEntry | TimelineEvent, ...] = (
        (*timeline.daily, *timeline.events) if timeline is not None else ()
    )
    return any(e.kind == "network" and e.value in ("wifi", "cellular") for e in entries)


@rule("BGR023", "warning", "a task needs a network the device never has (extends §4.9)")
def never_a_network(scenario: Scenario) -> Iterator[Finding]:
    # SPEC §5.1: time that no network row covers has no network. F32: requiresNetworkConnectivity
    # holds a processing task until there is one; a handler that fetches fails without one.
    if _has_network(scenario):
        return
    source = (
        "inline timeline has no wifi or cellular network entry"
        if scenario.device.timeline is not None
        else "device has no trace at all"
    )
    for _, task in tasks_of(scenario):
        key: tuple[str, ...]
        if task.handler.network is not None:
            key, what = ("handler", "network"), "its handler fetches, and every run fails"
        elif task.requires_network:
            key, what = ("requires_network",), "it requires a network, and it never launches"
        else:
            continue
        yield Finding(
            "BGR023",
            "warning",
            yaml_at(scenario, *task_path(task, *key)),
            f"{task.id} needs a network but the device never has one: the {source}, and "
            f"time no network row covers has no network; {what} (F32)",
            "add a network entry under device.timeline.daily, e.g. {network: wifi, during: "
            '"00:00-24:00"}',
        )
