"""``apps`` and their ``tasks`` (SPEC §4, §4.1); each task's ``handler`` is read by ``handler``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal, TypeVar

from bgreplay.errors import Location
from bgreplay.scenario import schema as S
from bgreplay.scenario.durations import FormatError, describe, parse_clock
from bgreplay.scenario.handler import read_handler
from bgreplay.scenario.limits import MAX_APPS, MAX_CHANGES_PER_HOUR, MAX_TASKS
from bgreplay.scenario.model import (
    PROCESSING_FAMILY,
    PROTECTIONS,
    SUBMIT_TRIGGERS,
    TASK_TYPES,
    App,
    Device,
    EarliestBegin,
    Submit,
    Task,
)
from bgreplay.scenario.reader import (
    Ctx,
    Path_,
    as_bool,
    as_duration,
    as_enum,
    as_list,
    as_number,
    as_str,
)
from bgreplay.scenario.yamlnodes import Node

T = TypeVar("T")


def read_apps(ctx: Ctx, node: Node | None, device: Device) -> tuple[App, ...]:
    if node is None or node.value is None:
        return ()
    if not node.is_map:
        ctx.error(
            node.loc,
            ("apps",),
            f"expected a mapping of bundle ids, got {describe(node.value)}",
            "write apps:\n      io.example.app: {tasks: ...}",
        )
        return ()
    if not _within_limits(ctx, node):
        return ()
    apps = []
    seen: dict[str, str] = {}
    for bundle, app_node in node.map.items():
        app = _read_app(ctx, bundle, app_node, ctx.key_loc(node, bundle), device)
        for task in app.tasks:
            if task.id in seen:
                ctx.error(
                    ctx.key_loc(app_node.map["tasks"], task.id)
                    if app_node.is_map and "tasks" in app_node.map
                    else app_node.loc,
                    ("apps", bundle, "tasks", task.id),
                    f"task '{task.id}' is also declared under app '{seen[task.id]}'",
                    "a task identifier belongs to one app; rename or remove one",
                )
            seen.setdefault(task.id, bundle)
        apps.append(app)
    return tuple(apps)


def _within_limits(ctx: Ctx, node: Node) -> bool:
    """At most ``MAX_APPS`` apps and ``MAX_TASKS`` tasks, checked before reading any of them."""
    if len(node.map) > MAX_APPS:
        ctx.error(
            node.loc,
            ("apps",),
            f"{len(node.map)} apps; a scenario holds at most {MAX_APPS}",
            "keep the apps whose tasks you study; apps that are only used "
            "(opened) need no entry here, the trace is enough",
        )
        return False
    tasks = sum(
        len(a.map["tasks"].map)
        for a in node.map.values()
        if a.is_map and "tasks" in a.map and a.map["tasks"].is_map
    )
    if tasks > MAX_TASKS:
        ctx.error(
            node.loc,
            ("apps",),
            f"{tasks} tasks; a scenario holds at most {MAX_TASKS}",
            "split the study into several scenarios",
        )
        return False
    return True


def _changes_per_hour(node: Node) -> float:
    rate = as_number(0)(node)
    if rate > MAX_CHANGES_PER_HOUR:
        raise FormatError(
            f"{rate:g} changes an hour is more than bgreplay models (at most "
            f"{MAX_CHANGES_PER_HOUR}, one a minute)",
            f"freshness is measured in minutes: use {MAX_CHANGES_PER_HOUR} or less",
        )
    return rate


def _read_app(ctx: Ctx, bundle: str, node: Node, key_loc: Location, device: Device) -> App:
    path: Path_ = ("apps", bundle)
    if not bundle.strip() or any(c.isspace() for c in bundle):
        ctx.error(key_loc, path, f"'{bundle}' is not a bundle id", "e.g. io.example.app")
    f = ctx.fields(node, path, S.APP_KEYS)
    content = ctx.fields(f.get("content"), (*path, "content"), S.CONTENT_KEYS)
    permitted = _read_items(
        ctx, f.get("permitted_identifiers"), (*path, "permitted_identifiers"), as_str
    )
    app = App(
        bundle=bundle,
        background_modes=_enum_list(
            ctx,
            f.get("background_modes"),
            (*path, "background_modes"),
            S.BACKGROUND_MODES,
            "a UIBackgroundModes value",
        ),
        permitted_identifiers=permitted,
        entitlements=_enum_list(
            ctx,
            f.get("entitlements"),
            (*path, "entitlements"),
            S.ENTITLEMENTS,
            "an entitlement bgreplay models",
        ),
        registers=_read_registers(ctx, f.get("registers"), (*path, "registers")),
        registration=ctx.read(
            f.get("registration"),
            (*path, "registration"),
            "at_launch",
            as_enum(S.REGISTRATIONS, "a registration time"),
        ),
        changes_per_hour=ctx.read(
            content.get("changes_per_hour"),
            (*path, "content", "changes_per_hour"),
            1.0,
            _changes_per_hour,
        ),
        on_open=ctx.read(
            f.get("on_open"), (*path, "on_open"), "sync", as_enum(S.ON_OPEN, "an on_open behaviour")
        ),
    )
    tasks_node = f.get("tasks")
    if tasks_node is None or tasks_node.value is None:
        return app
    if not tasks_node.is_map:
        ctx.error(
            tasks_node.loc,
            (*path, "tasks"),
            "expected a mapping of task identifiers",
            f"write tasks:\n      {bundle}.refresh: {{type: refresh}}",
        )
        return app
    tasks = tuple(
        _read_task(ctx, app, tid, tnode, ctx.key_loc(tasks_node, tid), device)
        for tid, tnode in tasks_node.map.items()
    )
    return replace(app, tasks=tasks)


def _read_items(
    ctx: Ctx, node: Node | None, path: Path_, item: Callable[[Node], T]
) -> tuple[T, ...]:
    """A list read item by item (a single value is a list of one); empty when absent."""
    no_items: list[T] = []
    return tuple(ctx.read(node, path, no_items, as_list(item, ctx, path)))


def _enum_list(
    ctx: Ctx, node: Node | None, path: Path_, choices: Sequence[str], what: str
) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_read_items(ctx, node, path, as_enum(choices, what))))


def _read_registers(ctx: Ctx, node: Node | None, path: Path_) -> tuple[str, ...] | Literal["all"]:
    if node is None or (node.is_scalar and node.value == "all"):
        return "all"
    if node.is_list:
        return _read_items(ctx, node, path, as_str)
    ctx.error(
        node.loc,
        path,
        f"expected 'all' or a list of identifiers, got {describe(node.value)}",
        "write registers: all, or registers: [io.x.refresh]",
    )
    return "all"


def _read_task(ctx: Ctx, app: App, tid: str, node: Node, key_loc: Location, device: Device) -> Task:
    path: Path_ = ("apps", app.bundle, "tasks", tid)
    f = ctx.fields(node, path, S.TASK_KEYS, required=("type",), key_loc=key_loc)
    ttype = ctx.read(f.get("type"), (*path, "type"), None, as_enum(TASK_TYPES, "a task type"))
    if not (tid == app.bundle or tid.startswith(app.bundle + ".")):
        ctx.warn(
            key_loc,
            path,
            f"task identifier '{tid}' does not start with its app's bundle id '{app.bundle}'",
            f"Apple's convention: name it {app.bundle}.<task>",
        )
    if ttype is not None:
        _check_type_keys(ctx, node, f, path, ttype)
        _check_versions(ctx, f, path, ttype, device, key_loc)
    submit = _read_submit(ctx, f.get("submit"), (*path, "submit"))
    if ttype == "continued_processing":
        _check_continued(ctx, app, tid, f, path, submit, key_loc)
    title = "" if ttype != "continued_processing" else tid
    return Task(
        id=tid,
        app=app.bundle,
        type=ttype or "refresh",
        earliest_begin=_read_earliest(ctx, f.get("earliest_begin"), (*path, "earliest_begin")),
        requires_network=ctx.read(
            f.get("requires_network"), (*path, "requires_network"), False, as_bool
        ),
        requires_external_power=ctx.read(
            f.get("requires_external_power"), (*path, "requires_external_power"), False, as_bool
        ),
        protection=ctx.read(
            f.get("protection"),
            (*path, "protection"),
            "complete_until_first_user_authentication",
            as_enum(PROTECTIONS, "a data protection type"),
        ),
        strategy=ctx.read(
            f.get("strategy"),
            (*path, "strategy"),
            "queue",
            as_enum(S.STRATEGIES, "a submission strategy"),
        ),
        title=ctx.read(f.get("title"), (*path, "title"), title, as_str),
        subtitle=ctx.read(f.get("subtitle"), (*path, "subtitle"), title, as_str),
        resources=_enum_list(
            ctx,
            f.get("resources"),
            (*path, "resources"),
            S.RESOURCES,
            "a continued-processing resource",
        ),
        submit=submit,
        handler=read_handler(ctx, f.get("handler"), (*path, "handler"), ttype),
    )


def _check_type_keys(ctx: Ctx, node: Node, f: dict[str, Node], path: Path_, ttype: str) -> None:
    cls = S.REQUEST_CLASS[ttype]
    for key in ("requires_network", "requires_external_power"):
        if key in f and ttype not in PROCESSING_FAMILY:
            ctx.error(
                ctx.key_loc(node, key),
                (*path, key),
                f"'{key}' on a {ttype} task: {cls} has no such property",
                "remove it, or use type: processing",
            )
    for key, (types, owner) in S.TYPE_ONLY_KEYS.items():
        if key in f and ttype not in types:
            ctx.error(
                ctx.key_loc(node, key),
                (*path, key),
                f"'{key}' on a {ttype} task: {cls} has no such property (it belongs to {owner})",
                f"remove '{key}'",
            )
    if (
        ttype == "continued_processing"
        and f.get("earliest_begin") is not None
        and f["earliest_begin"].value is not None
    ):
        ctx.warn(
            ctx.key_loc(node, "earliest_begin"),
            (*path, "earliest_begin"),
            "earliest_begin is ignored for continued processing (F101)",
            "remove it",
        )


def _check_versions(
    ctx: Ctx,
    f: dict[str, Node],
    path: Path_,
    ttype: str,
    device: Device,
    key_loc: Location,  # noqa: ARG001 - unread here; its callers pass it
) -> None:
    need = {"continued_processing": 26, "health_research": 17}.get(ttype)
    if need is None:
        return
    try:
        major = device.ios_major
    except ValueError:
        return  # device.ios itself is reported
    if major < need:
        fact = "F101" if need == 26 else "F96"
        ctx.error(
            f["type"].loc,
            (*path, "type"),
            f"{ttype} needs iOS {need} or later ({fact}); device.ios is {device.ios}",
            f'set device.ios: "{need}.0" or later, or use type: processing',
        )


def _check_continued(
    ctx: Ctx, app: App, tid: str, f: dict[str, Node], path: Path_, submit: Submit, key_loc: Location
) -> None:
    if set(submit.when) != {"user_action"}:
        sub = f.get("submit")
        loc = (
            key_loc
            if sub is None
            else (sub.map["when"].loc if sub.is_map and "when" in sub.map else sub.loc)
        )
        ctx.error(
            loc,
            (*path, "submit", "when"),
            "a continued_processing request is submitted "
            "from a person's action in the foreground (F100)",
            "write submit: {when: [user_action]}",
        )
    if not any(p.endswith(".*") and tid.startswith(p[:-1]) for p in app.permitted_identifiers):
        wildcard = tid.rsplit(".", 1)[0] + ".*" if "." in tid else tid + ".*"
        ctx.error(
            key_loc,
            path,
            f"continued processing needs a wildcard permitted identifier matching '{tid}' (F101)",
            f"add '{wildcard}' to apps/{app.bundle}/permitted_identifiers",
        )


def _read_submit(ctx: Ctx, node: Node | None, path: Path_) -> Submit:
    f = ctx.fields(node, path, S.SUBMIT_KEYS)
    if node is None:
        return Submit()
    when = _enum_list(ctx, f.get("when"), (*path, "when"), SUBMIT_TRIGGERS, "a submit trigger")
    return Submit(
        when=when if "when" in f else Submit().when,
        if_not_pending=ctx.read(f.get("if_not_pending"), (*path, "if_not_pending"), False, as_bool),
    )


def _read_earliest(ctx: Ctx, node: Node | None, path: Path_) -> EarliestBegin:
    if node is None or node.value is None:
        return EarliestBegin()
    if node.is_map:
        f = ctx.fields(node, path, S.EARLIEST_AT_KEYS, required=("at",))
        at = ctx.read(f.get("at"), (*path, "at"), None, lambda n: parse_clock(n.value))
        return EarliestBegin(at_ms_of_day=at)
    delay = ctx.read(node, path, None, as_duration(allow_zero=True))
    return EarliestBegin(delay_ms=delay)
