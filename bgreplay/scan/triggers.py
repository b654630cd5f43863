"""When code runs: the app lifecycle moments that lead to a call, found by walking callers.

From a point in a function (a submit, a registration) the search goes outward: through the
closures around it (a launch handler, ``getPendingTaskRequests``' completion handler, an
``onChange(of: scenePhase)`` whose branch tests ``.background``, a notification observer), then
to the function itself (``application(_:didFinishLaunchingWithOptions:)``, ``App.init``,
``sceneDidEnterBackground(_:)``…), then to every caller of the function, up to ``MAX_HOPS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bgreplay.errors import Location
from bgreplay.scan import calls, ir
from bgreplay.scan.module import Frame, Frames, Module, walk_frames

if TYPE_CHECKING:
    from bgreplay.scan.analysis import Registration

MAX_HOPS = 8

# lifecycle moments by method name (Swift name or first Objective-C selector part) and label
LAUNCH = "launch"
ACTIVE = "active"
BACKGROUND = "background"
HANDLER = "handler"
UNKNOWN = "unknown"
NOTIFICATIONS = {
    "didFinishLaunchingNotification": LAUNCH,
    "UIApplicationDidFinishLaunchingNotification": LAUNCH,
    "didBecomeActiveNotification": ACTIVE,
    "UIApplicationDidBecomeActiveNotification": ACTIVE,
    "willEnterForegroundNotification": ACTIVE,
    "UIApplicationWillEnterForegroundNotification": ACTIVE,
    "didEnterBackgroundNotification": BACKGROUND,
    "UIApplicationDidEnterBackgroundNotification": BACKGROUND,
    "willResignActiveNotification": BACKGROUND,
    "UIApplicationWillResignActiveNotification": BACKGROUND,
}
NAMED = {
    "applicationDidBecomeActive": ACTIVE,
    "sceneDidBecomeActive": ACTIVE,
    "applicationWillEnterForeground": ACTIVE,
    "sceneWillEnterForeground": ACTIVE,
    "applicationDidEnterBackground": BACKGROUND,
    "sceneDidEnterBackground": BACKGROUND,
    "applicationWillResignActive": BACKGROUND,
    "sceneWillResignActive": BACKGROUND,
}
PHASES = {"background": BACKGROUND, "active": ACTIVE}


def lifecycle_of(func: ir.Func) -> str | None:
    """The moment a function runs at, by its name: launch, active or background."""
    if func.name == "application" and any(
        label in ("didFinishLaunchingWithOptions", "willFinishLaunchingWithOptions")
        for label in func.labels
    ):
        return LAUNCH
    if func.name == "scene" and any(
        label in ("willConnectTo", "willConnectToSession") for label in func.labels
    ):
        return "connect"
    if func.kind == "init" and "App" in func.owner_bases:
        return LAUNCH
    return NAMED.get(func.name)


@dataclass(frozen=True, slots=True)
class Step:
    """One hop of a path: ``what`` happens at ``loc`` inside ``body`` (a function or closure
    body), with the frames between the body and the node."""

    what: str
    loc: Location
    body: ir.Block
    frames: Frames


@dataclass(slots=True)
class Path:
    """How control reaches a point: the moment (``kind``), the hops from it inward, whether a
    ``getPendingTaskRequests`` check guards it, and the handler's identifier for ``handler``."""

    kind: str
    steps: list[Step] = field(default_factory=list)
    guarded: bool = False
    handler: Registration | None = None  # the registration or SwiftUI task of the handler
    origin: str = ""  # the function or closure the moment was recognised in


class Triggers:
    """Finds the paths to a point; ``handler_of(call)`` names the handler whose closure a
    registration or ``.backgroundTask`` call receives, ``handler_funcs`` the functions given
    as launch handlers by reference."""

    def __init__(
        self,
        module: Module,
        handler_of: Callable[[ir.Call], Registration | None],
        handler_funcs: Mapping[int, Registration],  # by id() of the function
    ):
        self.module = module
        self.handler_of = handler_of
        self.handler_funcs = handler_funcs

    def paths(
        self,
        func: ir.Func,
        frames: Frames,
        loc: Location,
        what: str,
        hops: int = 0,
        seen: frozenset[int] = frozenset(),  # id() of the functions on the way
    ) -> list[Path]:
        step = Step(what, loc, func.body, frames)
        guarded = _pending_before(func, loc)
        # 1. the closures around the point, innermost first
        for i in range(len(frames) - 1, -1, -1):
            frame = frames[i]
            inner = frames[i + 1 :]
            if isinstance(frame.node, ir.Closure) and isinstance(frame.owner, ir.Call):
                owner = frame.owner
                if calls.is_pending(owner):
                    guarded = True
                    continue
                handler = self.handler_of(owner)
                if handler is not None:
                    return [
                        Path(
                            HANDLER,
                            [Step(what, loc, frame.node.body, inner)],
                            guarded,
                            handler,
                            "launch handler",
                        )
                    ]
                found = _notification(owner)
                if found is not None:
                    return [Path(found[0], [step], guarded, origin=f"the {found[1]} observer")]
            phase = _phase_test(frame)
            if phase is not None:
                return [Path(phase, [step], guarded, origin=f"scenePhase == .{_phase_name(phase)}")]
        # 2. the function itself
        kind = lifecycle_of(func)
        if kind is not None:
            return [Path(kind, [step], guarded, origin=func.title)]
        handler = self.handler_funcs.get(id(func))
        if handler is not None:
            return [Path(HANDLER, [step], guarded, handler, func.title)]
        # 3. its callers
        if hops >= MAX_HOPS or id(func) in seen:
            return [Path(UNKNOWN, [step], guarded, origin=func.title)]
        out: list[Path] = []
        for caller, node, caller_frames in self.module.call_sites(func):
            if isinstance(node, ir.Selector):
                found = _selector_moment(caller, node)
                if found is not None:
                    out.append(Path(found[0], [step], guarded, origin=f"the {found[1]} observer"))
                continue
            for path in self.paths(
                caller, caller_frames, node.loc, func.title, hops + 1, seen | {id(func)}
            ):
                path.steps.append(step)
                path.guarded = path.guarded or guarded
                out.append(path)
        return out or [Path(UNKNOWN, [step], guarded, origin=func.title)]


def _pending_before(func: ir.Func, loc: Location) -> bool:
    """``await BGTaskScheduler.shared.pendingTaskRequests()`` earlier in the same function."""
    for node, _ in walk_frames(func.body):
        if (
            isinstance(node, ir.Call)
            and calls.is_pending(node)
            and not node.closures()
            and (node.loc.line, node.loc.column) < (loc.line, loc.column)
        ):
            return True
    return False


def _notification(call: ir.Call) -> tuple[str, str] | None:
    """(moment, notification name) of an observer registration."""
    for arg in call.args:
        for node in ir.walk(arg.value):
            name = node.name if isinstance(node, ir.Name | ir.Member) else None
            if name in NOTIFICATIONS:
                return NOTIFICATIONS[name], name
    return None


def _selector_moment(caller: ir.Func, selector: ir.Selector) -> tuple[str, str] | None:
    """``addObserver(self, selector: #selector(f), name: …DidEnterBackground…)``."""
    for node, _ in walk_frames(caller.body):
        if isinstance(node, ir.Call) and any(a.value is selector for a in node.args):
            return _notification(node)
    return None


def _phase_test(frame: Frame) -> str | None:
    """A branch taken when the scene phase is ``.background`` / ``.active``."""
    if frame.kind == "then" and isinstance(frame.node, ir.If):
        tests = frame.node.conds
    elif frame.kind == "case" and isinstance(frame.node, ir.Case):
        tests = frame.node.patterns
    else:
        return None
    for test in tests:
        for node in ir.walk(test):
            if (
                isinstance(node, ir.Member)
                and node.name in PHASES
                and (node.base is None or ir.root_name(node) == "ScenePhase")
            ):
                if isinstance(test, ir.BinOp) and test.op == "!=":
                    return None
                return PHASES[node.name]
    return None


def _phase_name(kind: str) -> str:
    return next(k for k, v in PHASES.items() if v == kind)


def handler_position(path: Path) -> tuple[str, Step]:
    """Where inside its handler a path's call is: ``handler_start`` (before the first
    ``setTaskCompleted`` of the innermost body that has one, or first in a handler without
    any), ``handler_success`` (inside a ``do`` body: only when the work did not throw), or
    ``handler_end``."""
    for step in path.steps:
        completions = [
            n.loc
            for n, fr in walk_frames(step.body)
            if isinstance(n, ir.Call)
            and calls.is_completion(n)
            and not calls.in_expiration_handler(fr)
            and not _cast_guard(fr)
        ]
        in_do = any(f.kind == "do" for f in step.frames)
        if completions:
            first = min((c.line, c.column) for c in completions)
            if (step.loc.line, step.loc.column) < first and not in_do:
                return "handler_start", step
            return ("handler_success" if in_do else "handler_end"), step
    step = path.steps[0]
    first_stmt = step.body.stmts[0] if step.body.stmts else None
    if first_stmt is not None and _contains_loc(first_stmt, step.loc):
        return "handler_start", step
    return "handler_end", step


def _cast_guard(frames: Frames) -> bool:
    """Inside the ``else`` of ``guard let t = task as? BGAppRefreshTask``: never runs."""
    for frame in frames:
        if isinstance(frame.node, ir.Guard) and any(
            isinstance(c, ir.Let)
            and isinstance(c.value, ir.Cast)
            and c.value.type_name in calls.TASK_CLASSES
            for c in frame.node.conds
        ):
            return True
    return False


def _contains_loc(node: ir.Node, loc: Location) -> bool:
    return any(getattr(n, "loc", None) == loc for n in ir.walk(node))
