"""Constant values in code: identifiers (strings) and ``earliestBeginDate`` delays.

A value is constant when it is a literal, arithmetic or concatenation of literals, or a name that
resolves — in the same function, the same type or the module — to one. ``Bundle.main
.bundleIdentifier`` resolves to the app's bundle identifier when the project says what it is.
Anything else is not a constant, and the caller says so with the place it was found.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from bgreplay.errors import Location
from bgreplay.scan import ir
from bgreplay.scan.module import Module, walk_frames

MAX_DEPTH = 12
CALENDAR_UNITS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "weekOfYear": 604800,
    "weekday": 86400,
}
NUMBER_WRAPPERS = {
    "TimeInterval",
    "Double",
    "Int",
    "Float",
    "CGFloat",
    "Int64",
    "UInt",
    "NSTimeInterval",
}
BUNDLE_ID_PATHS = {
    ("Bundle", "main", "bundleIdentifier"),
    ("NSBundle", "mainBundle", "bundleIdentifier"),
}


@dataclass(frozen=True, slots=True)
class TypeScope:
    """Where a constant's own value is read: names in it resolve in its type first."""

    owner: str | None


# Where an expression is read: in a function (its locals and parameters, then its type's
# constants), a type (a constant's value), or the module (None).
Scope = ir.Func | TypeScope | None
Bound = tuple[ir.Expr, Scope]  # an expression and where it is read


@dataclass(frozen=True, slots=True)
class Delay:
    """``earliestBeginDate`` as seconds after the submit (None: ``nil``, no delay)."""

    seconds: float | None


class Values:
    def __init__(self, module: Module, bundle_id: str | None):
        self.module = module
        self.bundle_id = bundle_id
        self.bindings: dict[tuple[int, str], Bound] = {}

    @contextlib.contextmanager
    def bound(self, func: ir.Func, args: dict[str, Bound]) -> Iterator[None]:
        """Read ``func``'s parameters as the arguments of one call (``args``: name →
        (expression, the caller it is read in))."""
        saved = dict(self.bindings)
        self.bindings.update({(id(func), name): value for name, value in args.items()})
        try:
            yield
        finally:
            self.bindings = saved

    # -- strings --------------------------------------------------------------------------

    def string(self, expr: ir.Expr, scope: Scope, depth: int = 0) -> str | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ir.Lit):
            return expr.value if isinstance(expr.value, str) else None
        if isinstance(expr, ir.Interp):
            parts = [self._part(p, scope, depth) for p in expr.parts]
            known = [p for p in parts if p is not None]
            return "".join(known) if len(known) == len(parts) else None
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            left = self.string(expr.left, scope, depth + 1)
            right = self.string(expr.right, scope, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, ir.Call):
            return self._string_call(expr, scope, depth)
        path = ir.path_of(expr)
        if path is None:
            return None
        if path in BUNDLE_ID_PATHS:
            return self.bundle_id
        value = self.resolve(path, scope, depth)
        return self.string(value[0], value[1], depth + 1) if value is not None else None

    def _part(self, expr: ir.Expr, scope: Scope, depth: int) -> str | None:
        text = self.string(expr, scope, depth + 1)
        if text is not None:
            return text
        number = self.number(expr, scope, depth + 1)
        if number is None:
            return None
        return str(int(number)) if float(number).is_integer() else str(number)

    def _string_call(self, call: ir.Call, scope: Scope, depth: int) -> str | None:
        # String(x), "…".appending(x), [NSString stringWithFormat:@"%@.x", y],
        # [a stringByAppendingString:b]
        if call.name == "String" and len(call.args) == 1:
            return self.string(call.args[0].value, scope, depth + 1)
        if (
            call.name in ("appending", "stringByAppendingString")
            and len(call.args) == 1
            and isinstance(call.callee, ir.Member)
            and call.callee.base is not None
        ):
            left = self.string(call.callee.base, scope, depth + 1)
            right = self.string(call.args[0].value, scope, depth + 1)
            return left + right if left is not None and right is not None else None
        if call.name == "stringWithFormat" and call.args:
            fmt = self.string(call.args[0].value, scope, depth + 1)
            rest = [self.string(a.value, scope, depth + 1) for a in call.args[1:]]
            known = [r for r in rest if r is not None]
            if fmt is None or len(known) != len(rest) or fmt.count("%@") != len(rest):
                return None
            for r in known:
                fmt = fmt.replace("%@", r, 1)
            return fmt
        return None

    # -- numbers and dates ----------------------------------------------------------------

    def number(self, expr: ir.Expr, scope: Scope, depth: int = 0) -> float | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ir.Lit):
            v = expr.value
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        if isinstance(expr, ir.Unary) and expr.op == "-":
            inner = self.number(expr.operand, scope, depth + 1)
            return -inner if inner is not None else None
        if isinstance(expr, ir.BinOp) and expr.op in ("+", "-", "*", "/"):
            a = self.number(expr.left, scope, depth + 1)
            b = self.number(expr.right, scope, depth + 1)
            if a is None or b is None:
                return None
            if expr.op == "/":
                return a / b if b else None
            return {"+": a + b, "-": a - b, "*": a * b}[expr.op]
        if isinstance(expr, ir.Call) and expr.name in NUMBER_WRAPPERS and len(expr.args) == 1:
            return self.number(expr.args[0].value, scope, depth + 1)
        if isinstance(expr, ir.Cast):
            return self.number(expr.expr, scope, depth + 1)
        path = ir.path_of(expr)
        if path is None:
            return None
        value = self.resolve(path, scope, depth)
        return self.number(value[0], value[1], depth + 1) if value is not None else None

    def delay(self, expr: ir.Expr, scope: Scope, depth: int = 0) -> Delay | None:
        """The delay an ``earliestBeginDate`` expression asks for, or None if not constant."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ir.Lit) and expr.value is None:
            return Delay(None)
        if isinstance(expr, ir.Cast):
            return self.delay(expr.expr, scope, depth + 1)
        if isinstance(expr, ir.BinOp) and expr.op in ("+", "-") and _is_now(expr.left):
            seconds = self.number(expr.right, scope, depth + 1)
            if seconds is None:
                return None
            return Delay(seconds if expr.op == "+" else -seconds)
        if isinstance(expr, ir.Call):
            return self._delay_call(expr, scope, depth)
        path = ir.path_of(expr)
        if path is None or _is_now(expr):
            return Delay(0.0) if _is_now(expr) else None
        value = self.resolve(path, scope, depth)
        return self.delay(value[0], value[1], depth + 1) if value is not None else None

    def _delay_call(self, call: ir.Call, scope: Scope, depth: int) -> Delay | None:
        name = call.name
        base = call.callee.base if isinstance(call.callee, ir.Member) else None

        def seconds(label: str | None = None) -> Delay | None:
            arg = call.arg(label) if label else (call.args[0].value if call.args else None)
            value = self.number(arg, scope, depth + 1) if arg is not None else None
            return Delay(value) if value is not None else None

        if name in ("Date", "NSDate") and call.labels == ("timeIntervalSinceNow",):
            return seconds("timeIntervalSinceNow")
        if name in ("dateWithTimeIntervalSinceNow", "initWithTimeIntervalSinceNow"):
            return seconds()
        if (
            name in ("addingTimeInterval", "dateByAddingTimeInterval", "advanced")
            and base is not None
            and _is_now(base)
        ):
            return seconds()
        if name == "Date" and call.labels[:1] == ("timeInterval",) and _is_now(call.arg("since")):
            return seconds("timeInterval")
        if name == "dateWithTimeInterval" and _is_now(call.arg("sinceDate")):
            return seconds("dateWithTimeInterval")
        if (
            name == "date"
            and call.labels[:3] == ("byAdding", "value", "to")
            and _is_now(call.arg("to"))
        ):
            unit = call.arg("byAdding")
            unit_name = unit.name if isinstance(unit, ir.Member) else None
            value = call.arg("value")
            amount = self.number(value, scope, depth + 1) if value is not None else None
            if unit_name in CALENDAR_UNITS and amount is not None:
                return Delay(amount * CALENDAR_UNITS[unit_name])
        if _is_now(call):
            return Delay(0.0)
        return None

    # -- names ----------------------------------------------------------------------------

    def resolve(self, path: tuple[str, ...], scope: Scope, depth: int = 0) -> Bound | None:
        """The expression a name stands for, and the function it is read in (for locals):
        a local ``let`` in ``scope``, a constant of the same type, of the named type, or of
        the module; None when unknown or ambiguous."""
        if path and path[0] in ("self", "Self", ""):
            path = path[1:]
        if len(path) > 1 and path[-1] == "rawValue":
            path = path[:-1]
        if not path:
            return None
        name = path[-1]
        if len(path) == 1 and isinstance(scope, ir.Func):
            local = _local_value(scope, name)
            if local is not None:
                return local, scope
            param = next((p for p in scope.params if p.name == name), None)
            if param is not None:
                bound = self.bindings.get((id(scope), name))
                return bound if bound is not None else self._argument(scope, param, depth)
        candidates = self.module.consts_named(name)
        if len(path) > 1:
            owner = path[-2]
            candidates = [c for c in candidates if c.owner == owner]
        elif scope is not None and any(c.owner == scope.owner for c in candidates):
            candidates = [c for c in candidates if c.owner == scope.owner]
        elif any(c.owner is None for c in candidates):
            candidates = [c for c in candidates if c.owner is None]
        if not candidates:
            return None
        if len(candidates) > 1:
            rendered = {self._fingerprint(c, depth) for c in candidates}
            if len(rendered) != 1:
                return None
        return candidates[0].value, TypeScope(candidates[0].owner)

    def _argument(self, func: ir.Func, param: ir.Param, depth: int) -> Bound | None:
        """A parameter's value when every call passes the same constant (or the default)."""
        from bgreplay.scan.analysis import _arg_for

        found: list[Bound] = []
        for caller, site, _ in self.module.call_sites(func)[:16]:
            if not isinstance(site, ir.Call):
                return None
            arg = _arg_for(site, func, param)
            if arg is not None:
                found.append((arg, caller))
            elif param.default is not None:
                found.append((param.default, TypeScope(func.owner)))
            else:
                return None
        if not found:
            return (param.default, TypeScope(func.owner)) if param.default is not None else None
        prints = {(self.string(e, s, depth + 1), self.number(e, s, depth + 1)) for e, s in found}
        if len(prints) != 1 or prints == {(None, None)}:
            return None
        return found[0]

    def _fingerprint(self, const: ir.Const, depth: int) -> tuple[str | None, float | None]:
        return (
            self.string(const.value, None, depth + 1),
            self.number(const.value, None, depth + 1),
        )

    def definition(self, expr: ir.Expr, scope: Scope) -> Location | None:
        """Where a named identifier is defined, for the scenario's comment."""
        path = ir.path_of(expr)
        if path is None:
            return None
        if path[0] in ("self", "Self", ""):
            path = path[1:]
        if len(path) > 1 and path[-1] == "rawValue":
            path = path[:-1]
        if not path:
            return None
        found = self.resolve(path, scope)
        if found is None or isinstance(found[1], ir.Func):
            return None
        for const in self.module.consts_named(path[-1]):
            if const.value is found[0]:
                return const.loc
        return None


def _local_value(scope: ir.Func, name: str) -> ir.Expr | None:
    values: list[ir.Expr] = []
    for node, _ in walk_frames(scope.body):
        if (
            isinstance(node, ir.Let)
            and name in node.names
            and node.value is not None
            and len(node.names) == 1
        ):
            values.append(node.value)
    return values[0] if len(values) == 1 else None


def _is_now(expr: ir.Expr | None) -> bool:
    """``Date()``, ``Date.now``, ``.now``, ``[NSDate date]``, ``[NSDate new]``."""
    if isinstance(expr, ir.Call) and not expr.args:
        if expr.name in ("Date", "NSDate"):
            return True
        if expr.name in ("date", "new", "now") and ir.root_name(expr) in ("NSDate", "Date"):
            return True
    return (
        isinstance(expr, ir.Member)
        and expr.name == "now"
        and (expr.base is None or ir.root_name(expr) == "Date")
    )
