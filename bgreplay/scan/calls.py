"""The BackgroundTasks API as it appears in code: which calls register, build requests, submit,
cancel, read pending requests or complete a task — in Swift and in Objective-C."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bgreplay.scan import ir

if TYPE_CHECKING:
    from bgreplay.scan.module import Frames

REQUEST_CLASSES = {  # request class → the scenario's task type
    "BGAppRefreshTaskRequest": "refresh",
    "BGProcessingTaskRequest": "processing",
    "BGHealthResearchTaskRequest": "health_research",
    "BGContinuedProcessingTaskRequest": "continued_processing",
}
TASK_CLASSES = {  # the task a launch handler receives → type
    "BGAppRefreshTask": "refresh",
    "BGProcessingTask": "processing",
    "BGHealthResearchTask": "health_research",
    "BGContinuedProcessingTask": "continued_processing",
}
SWIFTUI_KINDS = {"appRefresh": "refresh"}  # SwiftUI's BackgroundTask kinds that are BG tasks
PENDING = {
    "getPendingTaskRequests",
    "pendingTaskRequests",
    "getPendingTaskRequestsWithCompletionHandler",
}
REQUEST_PROPERTIES = {
    "earliestBeginDate",
    "requiresNetworkConnectivity",
    "requiresExternalPower",
    "protectionTypeOfRequiredData",
    "strategy",
    "requiredResources",
}


def is_register(call: ir.Call) -> bool:
    return (
        call.name == "register" and "forTaskWithIdentifier" in call.labels
    ) or call.name == "registerForTaskWithIdentifier"


def register_parts(call: ir.Call) -> tuple[ir.Expr | None, ir.Expr | None]:
    """(identifier, launch handler) of a registration."""
    ident = call.arg("forTaskWithIdentifier") or call.arg("registerForTaskWithIdentifier")
    handler = call.arg("launchHandler")
    if handler is None:
        trailing = [a.value for a in call.args if a.trailing]
        handler = trailing[0] if trailing else None
    return ident, handler


def request_class(call: ir.Call) -> str | None:
    """The request class a call constructs: ``BGAppRefreshTaskRequest(identifier:)``,
    ``BGProcessingTaskRequest.init(identifier:)``, ``[[BGProcessingTaskRequest alloc]
    initWithIdentifier:]``."""
    callee = call.callee
    if isinstance(callee, ir.Name) and callee.name in REQUEST_CLASSES:
        return callee.name
    if isinstance(callee, ir.Member) and (
        callee.name == "init" or callee.name.startswith("initWithIdentifier")
    ):
        root = ir.root_name(callee)
        if root in REQUEST_CLASSES:
            return root
    return None


def request_identifier(call: ir.Call) -> ir.Expr | None:
    return (
        call.arg("identifier")
        or call.arg("initWithIdentifier")
        or (call.args[0].value if call.args and not call.args[0].trailing else None)
    )


def is_submit(call: ir.Call) -> bool:
    if call.name == "submitTaskRequest":
        return True
    return (
        call.name == "submit"
        and len(call.args) == 1
        and call.args[0].label is None
        and not call.args[0].trailing
    )


def is_pending(call: ir.Call) -> bool:
    return call.name in PENDING


def is_cancel(call: ir.Call) -> bool:
    return (
        call.name == "cancel" and call.labels == ("taskRequestWithIdentifier",)
    ) or call.name in ("cancelAllTaskRequests", "cancelTaskRequestWithIdentifier")


def is_completion(call: ir.Call) -> bool:
    return call.name in ("setTaskCompleted", "setTaskCompletedWithSuccess")


def swiftui_task(call: ir.Call) -> tuple[str, ir.Expr, ir.Closure | None] | None:
    """``.backgroundTask(.appRefresh("id")) { … }`` → (type, identifier, closure)."""
    if call.name != "backgroundTask" or not call.args:
        return None
    kind = call.args[0].value
    if not isinstance(kind, ir.Call) or not isinstance(kind.callee, ir.Member):
        return None
    task_type = SWIFTUI_KINDS.get(kind.callee.name)
    if task_type is None or not kind.args:
        return None
    closures = [a.value for a in call.args if isinstance(a.value, ir.Closure)]
    return task_type, kind.args[0].value, closures[0] if closures else None


def property_assignment(node: ir.Assign | ir.Call, var: str) -> tuple[str, ir.Expr] | None:
    """``var.prop = value`` or ``[var setProp:value]`` for a request property."""
    if (
        isinstance(node, ir.Assign)
        and isinstance(node.target, ir.Member)
        and isinstance(node.target.base, ir.Name)
        and node.target.base.name == var
        and node.target.name in REQUEST_PROPERTIES
    ):
        return node.target.name, node.value
    if (
        isinstance(node, ir.Call)
        and node.name.startswith("set")
        and len(node.args) == 1
        and isinstance(node.callee, ir.Member)
        and isinstance(node.callee.base, ir.Name)
        and node.callee.base.name == var
    ):
        prop = node.name[3:4].lower() + node.name[4:]
        if prop in REQUEST_PROPERTIES:
            return prop, node.args[0].value
    return None


def sets_expiration(node: ir.Node) -> bool:
    """``task.expirationHandler = …`` / ``[task setExpirationHandler:…]``."""
    if isinstance(node, ir.Assign):
        return isinstance(node.target, ir.Member) and node.target.name == "expirationHandler"
    return isinstance(node, ir.Call) and node.name == "setExpirationHandler"


def in_expiration_handler(frames: Frames) -> bool:
    """Inside the closure given to ``expirationHandler`` (runs only when time is up)."""
    return any(
        f.kind == "closure" and f.owner is not None and sets_expiration(f.owner) for f in frames
    )
