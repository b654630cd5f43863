"""From facts to scenario values: each value with the sentence that says where it comes from,
or that it is a guess and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bgreplay.errors import Location
from bgreplay.scan import ir
from bgreplay.scan import triggers as tr
from bgreplay.scan.analysis import CodeFacts, Registration, Request, earliest
from bgreplay.scan.calls import REQUEST_CLASSES, TASK_CLASSES
from bgreplay.scan.project import AppFacts, Project
from bgreplay.scan.values import Values

GUESS_DELAY_S = 15 * 60  # a non-constant earliestBeginDate: the smallest delay apps commonly ask
TRIGGER_ORDER = (
    "app_launch",
    "app_background",
    "handler_start",
    "handler_end",
    "handler_success",
    "user_action",
)
MOMENT_TRIGGER = {
    tr.LAUNCH: "app_launch",
    tr.ACTIVE: "app_launch",
    "connect": "app_launch",
    tr.BACKGROUND: "app_background",
}
PROCESSING_FAMILY = ("processing", "health_research", "continued_processing")
PROTECTION = {
    "complete": "complete",
    "completeUnlessOpen": "complete_unless_open",
    "completeUntilFirstUserAuthentication": "complete_until_first_user_authentication",
    "none": "none",
    "NSFileProtectionComplete": "complete",
    "NSFileProtectionCompleteUnlessOpen": "complete_unless_open",
    "NSFileProtectionCompleteUntilFirstUserAuthentication": "complete_until_first_user_authentication",
    "NSFileProtectionNone": "none",
}


@dataclass(frozen=True, slots=True)
class Why:
    """Where a value comes from (``loc``) in words, or why it is a guess."""

    text: str
    loc: Location | None = None
    guess: bool = False


T = TypeVar("T")


@dataclass(slots=True)
class Value(Generic[T]):
    value: T
    why: Why


@dataclass(slots=True)
class TaskModel:
    identifier: str
    app: str
    type: Value
    earliest: Value[float | None] | None = None  # seconds after the submit
    earliest_state: str = "unset"  # set | unset | not_constant | none
    earliest_loc: Location | None = None
    options: dict[str, Value] = field(default_factory=dict)  # requires_*, protection, …
    when: list[tuple[str, Why]] = field(default_factory=list)
    when_guess: Why | None = None
    if_not_pending: Value | None = None
    expiration: Value | None = None
    completes: Value | None = None
    requests: list[Request] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    defined_at: Location | None = None  # where a named identifier's constant is
    cancels: list[Location] = field(default_factory=list)


@dataclass(slots=True)
class AppModel:
    facts: AppFacts
    permitted: list[Value] = field(default_factory=list)
    permitted_guess: Why | None = None
    modes: list[Value] = field(default_factory=list)
    modes_guess: Why | None = None
    registers: list[Value] = field(default_factory=list)
    registration: Value | None = None
    tasks: list[TaskModel] = field(default_factory=list)


def decide(project: Project, facts: CodeFacts) -> list[AppModel]:
    apps = [AppModel(a) for a in project.apps]
    ids: dict[str, TaskModel] = {}
    for reg in facts.registrations:
        if reg.identifier is not None:
            _task(ids, reg.identifier, apps).registrations.append(reg)
    for req in facts.requests:
        if req.identifier is not None:
            _task(ids, req.identifier, apps).requests.append(req)
    values = facts.values
    for task in ids.values():
        defined = [r.id_def for r in task.registrations] + [r.id_def for r in task.requests]
        task.defined_at = next((d for d in defined if d is not None), None)
        task.cancels = [
            loc for ident, loc in facts.cancels if ident is None or ident == task.identifier
        ]
        _decide_type(task, project)
        if task.type.value != "continued_processing":
            _decide_earliest(task, values)
        _decide_options(task, values)
        _decide_triggers(task)
        _decide_handler(task)
    for app in apps:
        app.tasks = sorted(
            (t for t in ids.values() if t.app == app.facts.bundle), key=lambda t: t.identifier
        )
        _decide_app(app, project.missing_plist)
    return [a for a in apps if a.tasks or a.facts.permitted]


def _task(ids: dict[str, TaskModel], identifier: str, apps: list[AppModel]) -> TaskModel:
    if identifier not in ids:
        owner = next(
            (
                a
                for a in apps
                if any(
                    p.value == identifier
                    or (p.value.endswith(".*") and identifier.startswith(p.value[:-1]))
                    for p in a.facts.permitted
                )
            ),
            None,
        ) or next((a for a in apps if identifier.startswith(a.facts.bundle + ".")), apps[0])
        ids[identifier] = TaskModel(identifier, owner.facts.bundle, Value(None, Why("")))
    return ids[identifier]


def _decide_type(task: TaskModel, project: Project) -> None:
    for req in task.requests:
        task.type = Value(REQUEST_CLASSES[req.cls], Why(f"{req.cls}", req.loc))
        return
    for reg in task.registrations:
        if reg.swiftui_type is not None:
            task.type = Value(reg.swiftui_type, Why(".backgroundTask(.appRefresh)", reg.loc))
            return
        if reg.report is not None and reg.report.types:
            cls, loc = sorted(reg.report.types.items(), key=lambda kv: kv[1].line)[0]
            task.type = Value(TASK_CLASSES[cls], Why(f"the launch handler uses a {cls}", loc))
            return
    modes = {m.value for a in project.apps for m in a.modes}
    guess = "processing" if "processing" in modes and "fetch" not in modes else "refresh"
    task.type = Value(
        guess,
        Why(
            f"guess: no request or task class found for it; "
            f"{'only the processing mode is' if guess == 'processing' else 'refresh is the usual type'}",  # noqa: E501
            guess=True,
        ),
    )


def _decide_earliest(task: TaskModel, values: Values) -> None:
    if not task.requests:
        task.earliest = Value(None, Why("guess: no request built for it in the code", guess=True))
        task.earliest_state = "none"
        return
    req = task.requests[0]
    state, delay, loc = earliest(req, values)
    task.earliest_state, task.earliest_loc = state, loc
    if state == "unset":
        task.earliest = Value(None, Why("earliestBeginDate is not set on the request", req.loc))
    elif state == "not_constant":
        task.earliest = Value(
            GUESS_DELAY_S, Why("guess: earliestBeginDate is not a constant", loc, guess=True)
        )
    else:
        seconds = delay.seconds if delay is not None else None
        if seconds is None or seconds <= 0:
            task.earliest = Value(None, Why("earliestBeginDate is now or nil", loc))
        else:
            task.earliest = Value(seconds, Why("earliestBeginDate", loc))


def _bool(expr: ir.Expr) -> bool | None:
    return expr.value if isinstance(expr, ir.Lit) and isinstance(expr.value, bool) else None


def _decide_options(task: TaskModel, values: Values) -> None:
    if task.type.value not in PROCESSING_FAMILY or not task.requests:
        return
    req = task.requests[0]
    for prop, key in (
        ("requiresNetworkConnectivity", "requires_network"),
        ("requiresExternalPower", "requires_external_power"),
    ):
        found = req.props.get(prop)
        if found is None:
            task.options[key] = Value(False, Why(f"{prop} is not set on the request", req.loc))
        elif _bool(found[0]) is None:
            task.options[key] = Value(
                False, Why(f"guess: {prop} is not a constant", found[1], guess=True)
            )
        else:
            task.options[key] = Value(_bool(found[0]), Why(prop, found[1]))
    if task.type.value == "health_research":
        found = req.props.get("protectionTypeOfRequiredData")
        name = _last_name(found[0]) if found else None
        if found is not None and name in PROTECTION:
            task.options["protection"] = Value(
                PROTECTION[name], Why("protectionTypeOfRequiredData", found[1])
            )
    if task.type.value == "continued_processing":
        for label in ("title", "subtitle"):
            expr = req.args.get(label)
            text = values.string(expr, req.func) if expr is not None else None
            if expr is not None and text is not None:
                task.options[label] = Value(text, Why(f"{label}:", expr.loc))
        found = req.props.get("strategy")
        name = _last_name(found[0]) if found else None
        if found is not None and name is not None and name.lower().endswith(("fail", "queue")):
            task.options["strategy"] = Value(
                "fail" if name.lower().endswith("fail") else "queue", Why("strategy", found[1])
            )


def _last_name(expr: ir.Expr) -> str | None:
    if isinstance(expr, ir.Member | ir.Name):
        return expr.name
    return None


def _where(loc: Location | None) -> str:
    return f"{loc.file}:{loc.line}" if loc is not None else ""


def _decide_triggers(task: TaskModel) -> None:
    if task.type.value == "continued_processing":
        loc = task.requests[0].loc if task.requests else None
        task.when = [("user_action", Why("continued processing starts from a user action", loc))]
        return
    found: dict[str, Why] = {}
    guarded, paths = [], 0
    for req in task.requests:
        for path in req.paths:
            trigger = _trigger(path, task)
            if trigger is None:
                continue
            if path.kind != tr.HANDLER:  # a handler's submit never finds its own request
                paths += 1  # pending: the check only matters elsewhere
                guarded.append(path.guarded)
            name, why = trigger
            found.setdefault(name, why)
    task.when = [(name, found[name]) for name in TRIGGER_ORDER if name in found]
    if not task.when and task.requests:
        req = task.requests[0]
        task.when = [
            (
                "app_background",
                Why(
                    f"guess: nothing found that calls the submit of {req.cls} (from {req.func.title})",
                    req.points[0].loc if req.points else req.loc,
                    guess=True,
                ),
            )
        ]
        task.when_guess = task.when[0][1]
    if paths and all(guarded):
        task.if_not_pending = Value(
            True,
            Why(
                "every submit outside the handler follows a getPendingTaskRequests check",
                task.requests[0].loc,
            ),
        )
    elif paths:
        task.if_not_pending = Value(
            False,
            Why(
                "no getPendingTaskRequests check before the submit"
                if not any(guarded)
                else "some submits are not checked with getPendingTaskRequests",
                task.requests[0].loc,
            ),
        )


def _trigger(path: tr.Path, task: TaskModel) -> tuple[str, Why] | None:
    first = path.steps[0]
    if path.kind in MOMENT_TRIGGER:
        name = MOMENT_TRIGGER[path.kind]
        return name, Why(f"{first.what} in {path.origin}", first.loc)
    if path.kind == tr.HANDLER and getattr(path.handler, "identifier", None) == task.identifier:
        position, step = tr.handler_position(path)
        where = {
            "handler_start": "before the handler completes the task",
            "handler_end": "after the handler's work",
            "handler_success": "only when the handler's work succeeded",
        }[position]
        return position, Why(f"{step.what} in the launch handler, {where}", step.loc)
    return None


def _decide_handler(task: TaskModel) -> None:
    for reg in task.registrations:
        if reg.kind == "swiftui":
            why = Why(
                "SwiftUI's .backgroundTask: returning from the closure completes the "
                "task, expiry cancels it",
                reg.loc,
            )
            task.expiration = Value(True, why)
            task.completes = Value("always", why)
            return
        report = reg.report
        if report is None:
            continue
        if report.expiration is not None:
            task.expiration = Value(True, Why("expirationHandler", report.expiration))
        elif report.expiration_known:
            task.expiration = Value(
                False, Why("the launch handler sets no expirationHandler", reg.loc)
            )
        else:
            task.expiration = Value(
                True, Why(f"guess: {report.unknown_reason}", report.unknown_loc, guess=True)
            )
        if report.completes == "unknown":
            task.completes = Value(
                "always", Why(f"guess: {report.unknown_reason}", report.unknown_loc, guess=True)
            )
        elif report.completes == "always":
            loc = report.completion_calls[0] if report.completion_calls else reg.loc
            task.completes = Value("always", Why("setTaskCompleted on every path", loc))
        elif report.completes == "on_success":
            task.completes = Value(
                "on_success",
                Why(
                    "a path of the launch handler ends without setTaskCompleted", report.missing[0]
                ),
            )
        else:
            task.completes = Value(
                "never", Why("the launch handler never calls setTaskCompleted", reg.loc)
            )
        return


def _decide_app(app: AppModel, missing_plist: bool) -> None:
    facts = app.facts
    used = [t.identifier for t in app.tasks]
    if facts.permitted or not missing_plist:
        app.permitted = [
            Value(
                p.value,
                Why(
                    facts.plist
                    and "BGTaskSchedulerPermittedIdentifiers"
                    or "INFOPLIST_KEY_BGTaskSchedulerPermittedIdentifiers",
                    p.loc,
                ),
            )
            for p in facts.permitted
        ]
    else:
        app.permitted = [Value(i, Why("", None, guess=True)) for i in used]
        app.permitted_guess = Why(
            "guess: no Info.plist found; assumed to permit every identifier the code uses",
            None,
            guess=True,
        )
    if facts.modes or not missing_plist:
        app.modes = [Value(m.value, Why("UIBackgroundModes", m.loc)) for m in facts.modes]
    else:
        needed = sorted(
            {
                "fetch" if t.type.value == "refresh" else "processing"
                for t in app.tasks
                if t.type.value != "continued_processing"
            }
        )
        app.modes = [Value(m, Why("", None, guess=True)) for m in needed]
        app.modes_guess = Why(
            "guess: no Info.plist found; assumed to have the modes its tasks need", None, guess=True
        )
    seen = set()
    late: list[tuple[str, Location]] = []
    unknown = []
    for task in app.tasks:
        for reg in task.registrations:
            if task.identifier not in seen:
                seen.add(task.identifier)
                api = (
                    ".backgroundTask"
                    if reg.kind == "swiftui"
                    else (
                        "registerForTaskWithIdentifier:"
                        if reg.loc.file.endswith((".m", ".mm"))
                        else "register(forTaskWithIdentifier:)"
                    )
                )
                app.registers.append(Value(task.identifier, Why(api, reg.loc)))
            for path in reg.paths:
                if path.kind == tr.LAUNCH:
                    continue
                if path.kind == tr.UNKNOWN:
                    unknown.append(reg.loc)
                else:
                    late.append((path.origin, path.steps[0].loc))
    first = next(
        (p for t in app.tasks for r in t.registrations for p in r.paths if p.kind == tr.LAUNCH),
        None,
    )
    swiftui = next((r for t in app.tasks for r in t.registrations if r.kind == "swiftui"), None)
    if late:
        origin, loc = late[0]
        app.registration = Value("late", Why(f"registered from {origin}, after launch", loc))
    elif unknown:
        app.registration = Value(
            "at_launch",
            Why("guess: nothing found that calls the registration", unknown[0], guess=True),
        )
    elif first is not None:
        app.registration = Value(
            "at_launch", Why(f"registered from {first.origin}", first.steps[0].loc)
        )
    elif swiftui is not None:
        app.registration = Value(
            "at_launch", Why("SwiftUI registers .backgroundTask handlers at launch", swiftui.loc)
        )
