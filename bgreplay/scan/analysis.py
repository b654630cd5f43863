"""From code to facts: every registration, request and submit in the app, with where it is.

``analyse`` finds the background-task calls in the files that mention the API, resolves their
identifiers, follows each request to its submit and each submit to the lifecycle moments that
reach it, and reads each launch handler's completion and expiration habits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bgreplay.errors import Location
from bgreplay.scan import calls, ir
from bgreplay.scan.handlers import HandlerFlow, HandlerReport
from bgreplay.scan.module import Frames, Module, walk_frames
from bgreplay.scan.triggers import Path, Triggers
from bgreplay.scan.values import Bound, Delay, Values

MAX_SPECIALISE = 16  # call sites followed for an identifier passed as a parameter


@dataclass(slots=True)
class Registration:
    """A launch handler: ``register(forTaskWithIdentifier:…)`` or a SwiftUI ``.backgroundTask``."""

    kind: str  # register | swiftui
    identifier: str | None
    id_expr: ir.Expr | None
    loc: Location
    func: ir.Func
    frames: Frames
    handler_closure: ir.Closure | None = None
    handler_func: ir.Func | None = None
    swiftui_type: str | None = None
    report: HandlerReport | None = None
    paths: list[Path] = field(default_factory=list)
    id_def: Location | None = None


@dataclass(slots=True)
class Point:
    """Where a submit happens (or the call that leads to it), to search its triggers from."""

    func: ir.Func
    frames: Frames
    loc: Location
    what: str


@dataclass(slots=True)
class Request:
    """One request construction for one identifier, its properties and where it is submitted."""

    cls: str
    identifier: str | None
    id_expr: ir.Expr
    loc: Location
    func: ir.Func
    props: dict[str, tuple[ir.Expr, Location]] = field(default_factory=dict)
    points: list[Point] = field(default_factory=list)
    submit_found: bool = True
    paths: list[Path] = field(default_factory=list)
    id_def: Location | None = None
    args: dict[str, ir.Expr] = field(default_factory=dict)
    bound: dict[str, Bound] = field(default_factory=dict)  # one call's arguments


@dataclass(slots=True)
class Unresolved:
    what: str
    loc: Location


@dataclass(slots=True)
class CodeFacts:
    values: Values  # what reads the constants these facts were found with
    registrations: list[Registration] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    cancels: list[tuple[str | None, Location]] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)


def analyse(module: Module, bundle_id: str | None) -> CodeFacts:
    values = Values(module, bundle_id)
    facts = CodeFacts(values)
    handler_of: dict[int, Registration] = {}
    handler_funcs: dict[int, Registration] = {}
    ctor_sites: list[tuple[ir.Call, ir.Func, Frames]] = []
    for rel in module.site_files():
        for func in module.site_funcs(rel):
            for node, frames in walk_frames(func.body):
                if not isinstance(node, ir.Call):
                    continue
                if calls.is_register(node):
                    reg = _registration(node, func, frames, values, module)
                    facts.registrations.append(reg)
                    handler_of[id(node)] = reg
                    if reg.handler_func is not None:
                        handler_funcs[id(reg.handler_func)] = reg
                elif (swiftui := calls.swiftui_task(node)) is not None:
                    task_type, id_expr, closure = swiftui
                    reg = Registration(
                        "swiftui",
                        values.string(id_expr, func),
                        id_expr,
                        node.loc,
                        func,
                        frames,
                        handler_closure=closure,
                        swiftui_type=task_type,
                        id_def=values.definition(id_expr, func),
                    )
                    facts.registrations.append(reg)
                    handler_of[id(node)] = reg
                elif calls.request_class(node) is not None:
                    ctor_sites.append((node, func, frames))
                elif calls.is_cancel(node):
                    if not node.args:  # cancelAllTaskRequests: every task
                        facts.cancels.append((None, node.loc))
                    elif (ident := values.string(node.args[0].value, func)) is not None:
                        facts.cancels.append((ident, node.loc))
    triggers = Triggers(module, lambda call: handler_of.get(id(call)), handler_funcs)
    for node, func, frames in ctor_sites:
        facts.requests += _requests(node, func, frames, module, values, facts)
    for request in facts.requests:
        for point in request.points:
            request.paths += triggers.paths(point.func, point.frames, point.loc, point.what)
    for reg in facts.registrations:
        if reg.identifier is None:
            facts.unresolved.append(
                Unresolved(
                    "the identifier registered here is not a constant scan can read", reg.loc
                )
            )
        if reg.kind == "register":
            reg.paths = triggers.paths(reg.func, reg.frames, reg.loc, "register")
            flow = HandlerFlow(module)
            if reg.handler_closure is not None:
                reg.report = flow.closure(reg.handler_closure, reg.func)
            elif reg.handler_func is not None:
                reg.report = flow.function(reg.handler_func)
    return facts


def _registration(
    call: ir.Call, func: ir.Func, frames: Frames, values: Values, module: Module
) -> Registration:
    id_expr, handler = calls.register_parts(call)
    identifier = values.string(id_expr, func) if id_expr is not None else None
    reg = Registration(
        "register",
        identifier,
        id_expr,
        call.loc,
        func,
        frames,
        id_def=values.definition(id_expr, func) if id_expr is not None else None,
    )
    if isinstance(handler, ir.Closure):
        reg.handler_closure = handler
    elif handler is not None:  # a function given by name: handleRefresh, self.handle(task:)
        path = ir.path_of(handler)
        name = path[-1] if path else None
        if name:
            found = [f for f in module.funcs_named(name.split("(")[0]) if f.params]
            reg.handler_func = found[0] if found else None
    return reg


def _binding(call: ir.Call, func: ir.Func) -> str | None:
    """The variable a request is stored in: ``let request = BG…Request(…)``."""
    for node, _ in walk_frames(func.body):
        if isinstance(node, ir.Let) and node.value is call and len(node.names) == 1:
            return node.names[0]
        if isinstance(node, ir.Assign) and node.value is call and isinstance(node.target, ir.Name):
            return node.target.name
    return None


def _requests(
    call: ir.Call, func: ir.Func, frames: Frames, module: Module, values: Values, facts: CodeFacts
) -> list[Request]:
    cls = calls.request_class(call)
    assert cls is not None
    id_expr = calls.request_identifier(call) or ir.Lit(None, call.loc)
    var = _binding(call, func)
    props: dict[str, tuple[ir.Expr, Location]] = {}
    points: list[Point] = []
    returned = False
    passed: list[Point] = []
    for node, node_frames in walk_frames(func.body):
        if var is not None and isinstance(node, ir.Assign | ir.Call):
            prop = calls.property_assignment(node, var)
            if prop is not None:
                props.setdefault(prop[0], (prop[1], node.loc))
        if isinstance(node, ir.Call) and node is not call:
            args = [a.value for a in node.args]
            hits = any(a is call or (isinstance(a, ir.Name) and a.name == var) for a in args)
            if hits and calls.is_submit(node):
                points.append(Point(func, node_frames, node.loc, "submit"))
            elif (
                hits
                and not calls.is_submit(node)
                and var is not None
                and module.funcs_named(node.name)
            ):
                passed.append(Point(func, node_frames, node.loc, f"{node.name}()"))
        if (
            isinstance(node, ir.Jump)
            and node.kind == "return"
            and node.value is not None
            and (node.value is call or isinstance(node.value, ir.Name) and node.value.name == var)
        ):
            returned = True
    submit_found = True
    if not points and returned:  # built by a factory function: submitted where it is called
        points = [
            Point(caller, fr, site.loc, func.title)
            for caller, site, fr in module.call_sites(func)
            if isinstance(site, ir.Call)
        ]
    if not points:
        points = passed
    if not points:
        points = [Point(func, frames, call.loc, cls)]
        submit_found = False
    labelled = {a.label: a.value for a in call.args if a.label}

    def request(
        identifier: str, at: list[Point], id_def: Location | None, bound: dict[str, Bound]
    ) -> Request:
        return Request(
            cls,
            identifier,
            id_expr,
            call.loc,
            func,
            props=props,
            points=at,
            submit_found=submit_found,
            id_def=id_def,
            args=labelled,
            bound=bound,
        )

    identifier = values.string(id_expr, func)
    if identifier is not None:
        return [request(identifier, points, values.definition(id_expr, func), {})]
    # an identifier passed in as a parameter: one request per call site that passes a constant
    param = _param_named(func, id_expr)
    out = []
    if param is not None:
        for caller, site, fr in module.call_sites(func)[:MAX_SPECIALISE]:
            if not isinstance(site, ir.Call):
                continue
            arg = _arg_for(site, func, param)
            value = values.string(arg, caller) if arg is not None else None
            if arg is None or value is None:
                continue
            here = (
                [Point(caller, fr, site.loc, func.title)]
                if all(p.func is func for p in points)
                else points
            )
            bound: dict[str, Bound] = {
                p.name: (a, caller)
                for p in func.params
                if (a := _arg_for(site, func, p)) is not None
            }
            out.append(request(value, here, values.definition(arg, caller) or arg.loc, bound))
    if not out:
        facts.unresolved.append(
            Unresolved(f"the identifier of this {cls} is not a constant scan can read", call.loc)
        )
    return out


def _param_named(func: ir.Func, expr: ir.Expr) -> ir.Param | None:
    if isinstance(expr, ir.Name):
        return next((p for p in func.params if p.name == expr.name), None)
    return None


def _arg_for(site: ir.Call, func: ir.Func, param: ir.Param) -> ir.Expr | None:
    positional = [a for a in site.args if not a.trailing]
    if param.label != "_":
        found = next((a.value for a in positional if a.label == param.label), None)
        if found is not None:
            return found
    index = func.params.index(param)
    return positional[index].value if index < len(positional) else None


def earliest(request: Request, values: Values) -> tuple[str, Delay | None, Location | None]:
    """("set", delay, loc) / ("unset", None, None) / ("not_constant", None, loc)."""
    found = request.props.get("earliestBeginDate")
    if found is None:
        return "unset", None, None
    with values.bound(request.func, request.bound):
        delay = values.delay(found[0], request.func)
    if delay is None:
        return "not_constant", None, found[1]
    return "set", delay, found[1]
