"""The seed's pitfalls, found in the code: each finding at the file:line:column of the call that
causes it. Where a pitfall is the same as a scenario rule's, the id is the same (BGR001–BGR007);
BGR021 and BGR022 are pitfalls only code shows. BGS001–BGS004 say what scan could not read or had to
guess. ``docs/scan.md`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bgreplay.errors import Location
from bgreplay.scan import triggers as tr
from bgreplay.scan.analysis import CodeFacts
from bgreplay.scan.decide import AppModel
from bgreplay.scan.project import Project
from bgreplay.scenario.lint import REQUIRED_MODE, Finding, fmt_ms

MIN_REFRESH_DELAY_S = 15 * 60  # F117: asking for less does not make refreshes more frequent
LAST_CRASHING_MAJOR = 18  # F87: late registration raises through iOS 18


@dataclass(frozen=True, slots=True)
class CodeRule:
    id: str
    severity: str
    summary: str


CODE_RULES = {
    r.id: r
    for r in (
        CodeRule("BGR001", "error", "identifier used in code but not permitted in Info.plist"),
        CodeRule("BGR002", "error", "task type without its background mode"),
        CodeRule("BGR003", "error", "permitted identifier never registered"),
        CodeRule("BGR004", "error", "registration after launch finishes"),
        CodeRule("BGR005", "warning", "submit on every launch without a pending check"),
        CodeRule("BGR006", "warning", "launch handler without an expirationHandler"),
        CodeRule("BGR007", "warning", "launch handler path without setTaskCompleted"),
        CodeRule("BGR021", "warning", "refresh earliestBeginDate under 15 minutes"),
        CodeRule("BGR022", "error", "identifier registered more than once"),
        CodeRule("BGS001", "info", "a file scan could not read"),
        CodeRule("BGS002", "info", "a value that is not a constant"),
        CodeRule("BGS003", "info", "a submit whose trigger was not found"),
        CodeRule("BGS004", "warning", "Info.plist or bundle identifier not found"),
    )
}


def _finding(rule: str, loc: Location, message: str, advice: str, severity: str = "") -> Finding:
    return Finding(rule, severity or CODE_RULES[rule].severity, loc, message, advice)  # type: ignore[arg-type]


def code_findings(
    project: Project, facts: CodeFacts, apps: list[AppModel], module_problems
) -> list[Finding]:
    out: list[Finding] = []
    for skipped in [*project.problems, *module_problems]:
        out.append(
            _finding(
                "BGS001",
                skipped.location,
                f"{skipped.location.file}: {skipped.reason}",
                "scan reads the rest of the folder; check this file by hand",
            )
        )
    for item in facts.unresolved:
        out.append(
            _finding(
                "BGS002",
                item.loc,
                item.what,
                "use a string literal or a "
                "constant (static let) for task identifiers, so tools and readers "
                "can see them; the task is left out of the scenario",
            )
        )
    for app in apps:
        out += _declared(app, project)
        for task in app.tasks:
            out += _task_findings(task, app)
    return sorted(
        out, key=lambda f: (f.location.file, f.location.line, f.location.column, f.rule, f.message)
    )


def _declared(app: AppModel, project: Project) -> list[Finding]:
    out = []
    facts = app.facts
    if project.missing_plist:
        out.append(
            _finding(
                "BGS004",
                Location(""),
                (
                    "no Info.plist with BGTaskSchedulerPermittedIdentifiers or UIBackgroundModes found: "
                    "permitted identifiers and background modes are guessed from the code"
                ),
                "scan the folder that holds the app target's Info.plist (or its .xcodeproj)",
            )
        )
    if facts.bundle_guess:
        out.append(
            _finding(
                "BGS004",
                facts.bundle_loc or Location(""),
                (
                    f"bundle identifier not found ({facts.bundle_how}): the scenario uses "
                    f"{facts.bundle}"
                ),
                "scan the folder with the .xcodeproj so PRODUCT_BUNDLE_IDENTIFIER "
                "can be read, or edit the scenario's app key",
            )
        )
    if project.missing_plist:
        return out
    registered = {t.identifier for t in app.tasks if t.registrations}
    for permitted in facts.permitted:
        ident = permitted.value
        covered = ident in registered or (
            ident.endswith(".*") and any(r.startswith(ident[:-1]) for r in registered)
        )
        if not covered:
            out.append(
                _finding(
                    "BGR003",
                    permitted.loc,
                    (
                        f"{ident} is permitted but no code registers a launch handler for it: a submit "
                        "or background launch for it crashes the app (F23, F88)"
                    ),
                    f"register a handler for {ident} in didFinishLaunching / App.init, or remove "
                    "it from BGTaskSchedulerPermittedIdentifiers",
                )
            )
    return out


def _permits(app: AppModel, ident: str) -> bool:
    return any(
        p.value == ident or (p.value.endswith(".*") and ident.startswith(p.value[:-1]))
        for p in app.facts.permitted
    )


def _task_findings(task, app: AppModel) -> list[Finding]:
    out = []
    facts = app.facts
    plist = facts.plist or "the Info.plist"
    first_use = ([r.loc for r in task.registrations] + [r.loc for r in task.requests])[0]
    if facts.permitted_loc is not None or facts.plist:
        if not _permits(app, task.identifier):
            out.append(
                _finding(
                    "BGR001",
                    first_use,
                    (
                        f"{task.identifier} is not in BGTaskSchedulerPermittedIdentifiers of {plist}: "
                        "every submit fails with notPermitted and the task never runs (F17)"
                    ),
                    f"add {task.identifier} to BGTaskSchedulerPermittedIdentifiers",
                )
            )
        mode = REQUIRED_MODE.get(task.type.value)
        if (
            mode is not None
            and mode not in {m.value for m in facts.modes}
            and not task.type.why.guess
        ):
            loc = task.type.why.loc or first_use
            out.append(
                _finding(
                    "BGR002",
                    loc,
                    (
                        f"{task.identifier} is a {task.type.value} task but {plist} lacks the `{mode}` "
                        "background mode: every submit fails with notPermitted (F17)"
                    ),
                    f"add {mode} to UIBackgroundModes (Signing & Capabilities → Background Modes)",
                )
            )
    for first, again in zip(task.registrations, task.registrations[1:], strict=False):
        out.append(
            _finding(
                "BGR022",
                again.loc,
                (
                    f"{task.identifier} is registered again here (first at {first.loc.file}:"
                    f"{first.loc.line}): the system kills the app on the second registration of an "
                    "identifier (F86)"
                ),
                "register each identifier once: keep either "
                "register(forTaskWithIdentifier:) or SwiftUI's .backgroundTask, not both",
            )
        )
    for reg in task.registrations:
        late = [p for p in reg.paths if p.kind not in (tr.LAUNCH, tr.UNKNOWN)]
        if late:
            ios = _deployment(facts)
            severity = "warning" if ios is not None and ios > LAST_CRASHING_MAJOR else "error"
            out.append(
                _finding(
                    "BGR004",
                    reg.loc,
                    (
                        f"{task.identifier} is registered from {late[0].origin}, after the app "
                        "finished launching: through iOS 18 this raises NSInternalInconsistencyException "
                        "and the app crashes at startup (F86, F87)"
                    ),
                    "register every launch handler in application(_:didFinishLaunchingWithOptions:) "
                    "or App.init",
                    severity,
                )
            )
        report = reg.report
        if report is None:
            continue
        if report.expiration is None and report.expiration_known:
            out.append(
                _finding(
                    "BGR006",
                    reg.loc,
                    (
                        f"the launch handler of {task.identifier} sets no expirationHandler: a run "
                        "that reaches its deadline is marked complete and unsuccessful, its work lost "
                        "(F72)"
                    ),
                    "set task.expirationHandler to cancel the work and call "
                    "setTaskCompleted(success: false)",
                )
            )
        for loc in report.missing:
            out.append(
                _finding(
                    "BGR007",
                    loc,
                    (
                        f"a path of the launch handler of {task.identifier} ends here without calling "
                        "setTaskCompleted: the watchdog kills the app at expiry and later requests are "
                        "throttled (F73, F74)"
                    ),
                    "call setTaskCompleted(success:) on every path, failures included",
                )
            )
    for req in task.requests:
        for path in req.paths:
            if path.kind in (tr.LAUNCH, tr.ACTIVE, "connect") and not path.guarded:
                step = path.steps[0]
                out.append(
                    _finding(
                        "BGR005",
                        step.loc,
                        (
                            f"{task.identifier} is submitted on every app launch ({step.what} in "
                            f"{path.origin}): each submit replaces the pending request and restarts its "
                            "earliest begin date (F14), and iOS pre-warms the app just before predicted "
                            "opens (F93)"
                        ),
                        "check getPendingTaskRequests before submitting, or submit "
                        "when the app enters the background",
                    )
                )
            elif path.kind == tr.UNKNOWN and task.when_guess is not None:
                out.append(
                    _finding(
                        "BGS003",
                        path.steps[0].loc,
                        (
                            f"no caller of {path.origin} found that leads to a launch, background or "
                            f"launch handler: the scenario guesses app_background for {task.identifier}"
                        ),
                        "check submit.when in the scenario",
                    )
                )
        if not req.submit_found:
            out.append(
                _finding(
                    "BGS003",
                    req.loc,
                    (
                        f"this {req.cls} for {task.identifier} is never passed to submit in code scan "
                        "can read: its triggers are those of the function that builds it"
                    ),
                    "check submit.when in the scenario",
                )
            )
    if task.earliest_state == "not_constant":
        out.append(
            _finding(
                "BGS002",
                task.earliest_loc,
                (
                    f"earliestBeginDate of {task.identifier} is not a constant: the scenario uses "
                    f"{fmt_ms(int(task.earliest.value) * 1000)}, a guess"
                ),
                "edit earliest_begin in the scenario to the delay the code asks for",
            )
        )
    if (
        task.type.value == "refresh"
        and task.earliest is not None
        and task.earliest_state == "set"
        and task.earliest.value is not None
        and task.earliest.value < MIN_REFRESH_DELAY_S
    ):
        out.append(
            _finding(
                "BGR021",
                task.earliest_loc,
                (
                    f"{task.identifier} asks for a refresh {fmt_ms(int(task.earliest.value * 1000))} "
                    "after the submit: iOS does not run refreshes that often, whatever the date says — "
                    "the launch comes when dasd's usage prediction allows (F27, F117)"
                ),
                "ask for 15 minutes or more and keep data fresh on open; use push for urgent "
                "updates",
            )
        )
    return out


def _deployment(facts) -> int | None:
    if facts.deployment is None:
        return None
    try:
        return int(facts.deployment.value.split(".")[0])
    except ValueError:
        return None
