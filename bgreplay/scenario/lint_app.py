"""Lint rules BGR001–BGR016: the app's configuration (Info.plist, background modes, handler
registration) and what its handlers do (expiration, completion, duration, memory, CPU, network,
progress, entitlements)."""

from __future__ import annotations

from collections.abc import Iterator

from bgreplay.scenario.lint_base import (
    REQUIRED_MODE,
    Finding,
    Rule,
    fmt_ms,
    model_params,
    registry,
    task_path,
    tasks_of,
    yaml_at,
)
from bgreplay.scenario.model import (
    App,
    Scenario,
    Task,
)

RULES: dict[str, Rule] = {}
rule = registry(RULES)

# Thresholds, each with its source.
MEMORY_ADVICE_MB = 50.0  # F81: "aim for less than 50 MB in the background"; seed: ~50 MB
REFRESH_PAYLOAD_BYTES = 100_000  # F65: "keeping each refresh under 100 KB" (1 KB = 1000 B)
HEALTH_RESEARCH_ENTITLEMENT = "healthresearch"  # F97


@rule("BGR001", "error", "task identifier not in permitted_identifiers")
def identifier_not_permitted(scenario: Scenario) -> Iterator[Finding]:
    # F17: an identifier missing from BGTaskSchedulerPermittedIdentifiers → submit fails with
    # notPermitted ("Unrecognized Identifier"); F86: register returns NO. Wildcards: F101.
    for app, task in tasks_of(scenario):
        if not app.permits(task.id):
            yield Finding(
                "BGR001",
                "error",
                yaml_at(scenario, *task_path(task)),
                f"{task.id} is not in {app.bundle}'s permitted_identifiers: every submit fails "
                "with notPermitted and the task never runs (F17)",
                f"add {task.id} to permitted_identifiers (BGTaskSchedulerPermittedIdentifiers)",
            )


@rule("BGR002", "error", "missing background mode for the task type")
def missing_background_mode(scenario: Scenario) -> Iterator[Finding]:
    # F1, F17: refresh needs UIBackgroundModes `fetch`, processing and health research (a
    # BGProcessingTaskRequest subclass, F96) need `processing`; otherwise submit → notPermitted.
    # Continued processing starts in the foreground and needs no background mode (F1, F100).
    for app, task in tasks_of(scenario):
        mode = REQUIRED_MODE.get(task.type)
        if mode is None or mode in app.background_modes:
            continue
        yield Finding(
            "BGR002",
            "error",
            yaml_at(scenario, "apps", app.bundle, "background_modes"),
            f"{task.id} is a {task.type} task but {app.bundle} lacks the `{mode}` background "
            "mode: every submit fails with notPermitted (F17)",
            f"add {mode} to background_modes (UIBackgroundModes)",
        )


def _registers(app: App, identifier: str) -> bool:
    if app.registers == "all":
        return True
    if identifier in app.registers:
        return True
    # A wildcard identifier (F101) is served by a handler for it or for any identifier it permits.
    return identifier.endswith(".*") and any(r.startswith(identifier[:-1]) for r in app.registers)


@rule("BGR003", "error", "permitted identifier without a registered handler")
def permitted_without_handler(scenario: Scenario) -> Iterator[Finding]:
    # F86: every permitted identifier requires a handler; F23: submitting for it asserts "No
    # launch handler registered"; F88: a background launch for it crashes the app.
    for app in scenario.apps:
        missing = [p for p in app.permitted_identifiers if not _registers(app, p)]
        for identifier in missing:
            yield Finding(
                "BGR003",
                "error",
                yaml_at(scenario, "apps", app.bundle, "registers"),
                f"{identifier} is permitted but {app.bundle} registers no handler for it: a "
                "submit or background launch for it crashes the app (F23, F88)",
                f"register a handler for {identifier} at every launch (add it to registers), "
                "or remove it from permitted_identifiers",
            )


@rule("BGR004", "error", "late registration on iOS <= 18")
def late_registration(scenario: Scenario) -> Iterator[Finding]:
    # F86–F87: registering after didFinishLaunching raises NSInternalInconsistencyException
    # through iOS 18.6 (not seen in the 26.1 decompile: version-dependent).
    if scenario.device.ios_major > 18:
        return
    for app in scenario.apps:
        if app.registration == "late" and app.tasks:
            yield Finding(
                "BGR004",
                "error",
                yaml_at(scenario, "apps", app.bundle, "registration"),
                f"{app.bundle} registers its handlers after launch finishes: on iOS "
                f"{scenario.device.ios} the app crashes at startup (F87)",
                "register every handler in didFinishLaunching / App.init (registration: at_launch)",
            )


@rule("BGR005", "warning", "submits on every launch without checking pending requests")
def submit_on_launch(scenario: Scenario) -> Iterator[Finding]:
    # F14: a submit replaces the pending request with the same identifier, so the earliest
    # begin date restarts on every launch (seed: "Do not call submit() on every app launch"),
    # and at the pre-warms that run the launch code ahead of a predicted open (F93, FO5, FO7).
    for _, task in tasks_of(scenario):
        if "app_launch" in task.submit.when and not task.submit.if_not_pending:
            yield Finding(
                "BGR005",
                "warning",
                yaml_at(scenario, *task_path(task, "submit", "when")),
                f"{task.id} is submitted on every app launch: each submit replaces the pending "
                "request and restarts its earliest_begin timer (F14) — a user who opens the app "
                "more often than earliest_begin starves it; a pre-warm that runs the launch "
                "code does it an hour before a predicted open (F93)",
                "set submit.if_not_pending: true (check getPendingTaskRequests first), or "
                "submit on app_background",
            )


@rule("BGR006", "warning", "no expiration handler")
def no_expiration_handler(scenario: Scenario) -> Iterator[Finding]:
    # F72: without an expiration handler the system marks the task complete and unsuccessful.
    for _, task in tasks_of(scenario):
        if not task.handler.expiration_handler:
            yield Finding(
                "BGR006",
                "warning",
                yaml_at(scenario, *task_path(task, "handler", "expiration_handler")),
                f"{task.id} sets no expiration handler: a run that reaches its deadline is "
                "marked complete and unsuccessful, and its work is lost (F72)",
                "set task.expirationHandler to cancel the work and call setTaskCompleted(false)",
            )


@rule("BGR007", "warning", "setTaskCompleted not called on every path")
def incomplete_completion(scenario: Scenario) -> Iterator[Finding]:
    # F73: not calling setTaskCompleted before expiry may get the app killed; F74: apps that
    # don't signal completion are "throttled for future background task requests".
    for _, task in tasks_of(scenario):
        completes = task.handler.completes
        if completes != "always":
            when = "never calls" if completes == "never" else "calls only on success"
            yield Finding(
                "BGR007",
                "warning",
                yaml_at(scenario, *task_path(task, "handler", "completes")),
                f"{task.id} {when} setTaskCompleted: the watchdog kills the app at expiry and "
                "later requests are throttled (F73, F74)",
                "call setTaskCompleted(success:) on every path, failures included "
                "(completes: always)",
            )


@rule("BGR008", "warning", "reschedules only at the end of the handler")
def reschedule_only_at_end(scenario: Scenario) -> Iterator[Finding]:
    # F28: one request = one launch; a chain that resubmits only when the handler ends breaks
    # the first time a run expires, is killed or crashes (seed: "schedule the next refresh at
    # the beginning of your handler"; complaint "refresh runs once, then never again").
    keep_alive = {"handler_start", "app_launch", "app_background"}
    for _, task in tasks_of(scenario):
        when = set(task.submit.when)
        if when & {"handler_end", "handler_success"} and not when & keep_alive:
            yield Finding(
                "BGR008",
                "warning",
                yaml_at(scenario, *task_path(task, "submit", "when")),
                f"{task.id} resubmits only when its handler ends: after one expired, killed or "
                "failed run nothing submits it again and the chain stops (F28)",
                "submit at handler_start (the seed's advice) and on app_background",
            )


def _duration_path(task: Task) -> tuple[str, ...]:
    key = {"fixed": (), "lognormal": ("p90",), "uniform": ("max",)}[task.handler.duration.kind]
    return task_path(task, "handler", "duration", *key)


@rule("BGR009", "warning", "refresh handler longer than the 30 s allowance")
def refresh_too_long(scenario: Scenario) -> Iterator[Finding]:
    # F2: refresh gets "up to 30 seconds"; F3: often far less (2–5 s seen in production).
    allowance = model_params(scenario).refresh_runtime
    for _, task in tasks_of(scenario):
        p90 = task.handler.duration.p90
        if task.type == "refresh" and p90 > allowance:
            yield Finding(
                "BGR009",
                "warning",
                yaml_at(scenario, *_duration_path(task)),
                f"{task.id} runs {fmt_ms(p90)} at p90, over the 30 s refresh allowance: more "
                "than one run in ten expires before it finishes (F2, F3)",
                "fetch a small delta in a few seconds; move heavy work to a processing task",
            )


@rule("BGR010", "warning", "memory footprint above 50 MB (error above the device limit)")
def memory_footprint(scenario: Scenario) -> Iterator[Finding]:
    # F81: background limit = foreground limit, "aim for less than 50 MB in the background";
    # seed: "expect a ~50MB limit for refresh tasks ... immediate jetsam kill".
    limit = scenario.device.memory_limit_mb
    for _, task in tasks_of(scenario):
        mb = task.handler.memory_mb
        where = yaml_at(scenario, *task_path(task, "handler", "memory_mb"))
        if mb > limit:
            yield Finding(
                "BGR010",
                "error",
                where,
                f"{task.id} peaks at {mb:g} MB, above the device's {limit:g} MB limit: every "
                "run is killed by jetsam with no expiration handler (F81)",
                "reduce the peak footprint (stream, batch, release caches) below the limit",
            )
        elif mb > MEMORY_ADVICE_MB:
            yield Finding(
                "BGR010",
                "warning",
                where,
                f"{task.id} peaks at {mb:g} MB: above 50 MB, background jetsam kills become "
                "likely on real devices (F81)",
                "keep background work under 50 MB: process in batches, avoid large caches",
            )


@rule("BGR011", "warning", "sustained high CPU without requires_external_power")
def cpu_monitor(scenario: Scenario) -> Iterator[Finding]:
    # F9: a processing task without external power above 80 % CPU for 60 s is killed;
    # F8: requiresExternalPower disables the CPU monitor.
    params = model_params(scenario)
    for _, task in tasks_of(scenario):
        h = task.handler
        if not task.is_processing_family or task.requires_external_power:
            continue
        run_ms = h.work_ms if h.work_ms is not None else h.duration.p90
        if h.cpu > params.cpu_limit and run_ms > params.cpu_limit_window:
            yield Finding(
                "BGR011",
                "warning",
                yaml_at(scenario, *task_path(task, "handler", "cpu")),
                f"{task.id} uses {h.cpu:.0%} CPU for {fmt_ms(run_ms)} without external power: "
                "the CPU monitor kills it after 60 s (F9)",
                "set requires_external_power: true (disables the CPU monitor, F8) or stay "
                "at or below 80 % CPU",
            )


@rule("BGR012", "warning", "more identifiers than can be pending at once")
def too_many_identifiers(scenario: Scenario) -> Iterator[Finding]:
    # F13, F18: at most 1 refresh and 10 processing requests pending per app; beyond that,
    # submits fail with tooManyPendingTaskRequests (resubmitting one identifier replaces, F14).
    # Health research is a BGProcessingTaskRequest subclass (F96) and counts as processing;
    # continued processing is admitted by its own rules (F102) and does not.
    params = model_params(scenario)
    for app in scenario.apps:
        refresh = [t for t in app.tasks if t.type == "refresh"]
        processing = [t for t in app.tasks if t.type in ("processing", "health_research")]
        for kind, tasks, limit in (
            ("refresh", refresh, params.max_pending_refresh),
            ("processing", processing, params.max_pending_processing),
        ):
            if len(tasks) <= limit:
                continue
            extra = tasks[limit]
            yield Finding(
                "BGR012",
                "warning",
                yaml_at(scenario, *task_path(extra)),
                f"{app.bundle} has {len(tasks)} {kind} identifiers but only {limit} can be "
                f"pending at once: submits beyond that fail with tooManyPendingTaskRequests "
                "(F13)",
                f"use at most {limit} {kind} identifier{'s' if limit > 1 else ''} per app and "
                "do several jobs in one handler",
            )


@rule("BGR013", "info", "refresh payload over 100 KB")
def refresh_payload(scenario: Scenario) -> Iterator[Finding]:
    # F65: energy and data budgets; WWDC20 advice: keep each refresh under 100 KB.
    for _, task in tasks_of(scenario):
        net = task.handler.network
        if task.type == "refresh" and net is not None and net.bytes > REFRESH_PAYLOAD_BYTES:
            yield Finding(
                "BGR013",
                "info",
                yaml_at(scenario, *task_path(task, "handler", "network", "bytes")),
                f"{task.id} downloads {net.bytes / 1000:g} KB per refresh: large payloads "
                "drain the app's energy and data budget and get it fewer launches (F65)",
                "fetch a small delta (under 100 KB); leave bulk downloads to a background "
                "URLSession",
            )


@rule("BGR014", "info", "several network requests per run")
def many_requests(scenario: Scenario) -> Iterator[Finding]:
    # Seed, "Network efficiency": each connection pays DNS + TLS; batch the calls. §6.7 adds
    # one round trip per request to the run.
    for _, task in tasks_of(scenario):
        net = task.handler.network
        if net is not None and net.requests > 1:
            yield Finding(
                "BGR014",
                "info",
                yaml_at(scenario, *task_path(task, "handler", "network", "requests")),
                f"{task.id} makes {net.requests} network requests per run: each one adds "
                "connection overhead inside a time-limited window (seed)",
                "batch them into a single request (e.g. fetch all changes since a token)",
            )


@rule("BGR015", "error", "continued processing reports progress too rarely")
def stalled_progress(scenario: Scenario) -> Iterator[Finding]:
    # F105: a continued-processing task with no progress for 30 s (45 s before the first
    # report) is stalled and expired; F104: progress reporting is required.
    stall = model_params(scenario).cp_stall
    for _, task in tasks_of(scenario):
        every = task.handler.progress_every_ms
        if task.type == "continued_processing" and every >= stall:
            yield Finding(
                "BGR015",
                "error",
                yaml_at(scenario, *task_path(task, "handler", "progress_every")),
                f"{task.id} reports progress every {fmt_ms(every)}: with 30 s or more between "
                "updates the system sees it as stalled and expires it (F105)",
                "report progress (a strictly increasing completedUnitCount) at least every 10 s",
            )


@rule("BGR016", "error", "health research without its entitlement or before iOS 17")
def health_research(scenario: Scenario) -> Iterator[Finding]:
    # F96: BGHealthResearchTask needs iOS 17; F97: the healthresearch entitlement.
    for app in scenario.apps:
        ids = ", ".join(t.id for t in app.tasks if t.type == "health_research")
        if not ids:
            continue
        if HEALTH_RESEARCH_ENTITLEMENT not in app.entitlements:
            yield Finding(
                "BGR016",
                "error",
                yaml_at(scenario, "apps", app.bundle, "entitlements"),
                f"{app.bundle} schedules health research ({ids}) without the "
                "healthresearch entitlement: its requests are refused (F97)",
                "add healthresearch to entitlements "
                "(com.apple.developer.backgroundtasks.healthresearch)",
            )
        if scenario.device.ios_major < 17:
            yield Finding(
                "BGR016",
                "error",
                yaml_at(scenario, "device", "ios"),
                f"{ids}: BGHealthResearchTask needs iOS 17, the device runs "
                f"{scenario.device.ios} (F96)",
                'set device.ios to "17" or later, or use a processing task on older systems',
            )
