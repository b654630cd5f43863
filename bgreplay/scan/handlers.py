"""What a launch handler does with its task: does every path call ``setTaskCompleted``, is an
``expirationHandler`` set, which task class does it expect.

The analysis follows the handler's control flow (if, guard, switch, do/catch, loops, return,
defer), the closures it hands the task to (completion callbacks, ``Task { }``), and the module's
own functions it passes the task to. A state is the set of possibilities "completed or not yet"
on the paths reaching a point. When the task escapes where the code cannot be read (stored in a
property, passed to a library) the answer is *unknown* and nothing is reported: a finding must
be certain.

``guard let t = task as? BGAppRefreshTask else { return }`` is not a path that misses
``setTaskCompleted``: iOS hands the handler the task class its request had, so the ``else``
cannot run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bgreplay.errors import Location
from bgreplay.scan import calls, ir
from bgreplay.scan.module import Module

MAX_INLINE = 6
HARMLESS = {
    "print",
    "NSLog",
    "debugPrint",
    "os_log",
    "dump",
    "assert",
    "precondition",
    "log",
    "debug",
    "info",
    "notice",
    "error",
    "warning",
    "fault",
    "trace",
    "String",
    "describing",
    "ObjectIdentifier",
}

State = frozenset  # of (completed: bool, where the path ended without completing or None)
START: State = frozenset({(False, None)})
DONE: State = frozenset({(True, None)})


class Escape(Exception):
    """The task leaves the code scan can read: the result is unknown."""

    def __init__(self, reason: str, loc: Location):
        super().__init__(reason)
        self.reason = reason
        self.loc = loc


@dataclass(slots=True)
class HandlerReport:
    completes: str = "unknown"  # always | on_success | never | unknown
    missing: list[Location] = field(default_factory=list)  # ends of paths without completion
    completion_calls: list[Location] = field(default_factory=list)
    expiration: Location | None = None
    expiration_known: bool = True  # False when the task escapes: an expiration may be set there
    types: dict[str, Location] = field(default_factory=dict)  # task classes the code casts to
    unknown_reason: str = ""
    unknown_loc: Location | None = None


@dataclass(slots=True)
class _Ctx:
    aliases: set[str]
    returns: list = field(default_factory=list)
    breaks: list = field(default_factory=list)
    in_try: int = 0


class HandlerFlow:
    def __init__(self, module: Module):
        self.module = module
        self.report = HandlerReport()
        self.stack: list[int] = []
        self.funcs: list[ir.Func] = []  # the functions being read, innermost last

    @property
    def current(self) -> ir.Func | None:
        return self.funcs[-1] if self.funcs else None

    # -- entry points -----------------------------------------------------------------------

    def closure(self, closure: ir.Closure, owner: ir.Func) -> HandlerReport:
        self.funcs.append(owner)
        return self._top(closure.body, set(closure.params[:1]))

    def function(self, func: ir.Func) -> HandlerReport:
        for param in func.params:
            self._note_type(param.type_name, func.loc)
        self.stack.append(id(func))
        self.funcs.append(func)
        return self._top(func.body, {func.params[0].name} if func.params else set())

    def _top(self, body: ir.Block, aliases: set[str]) -> HandlerReport:
        report = self.report
        ctx = _Ctx(set(aliases))
        try:
            end = self.block(body, START, ctx)
        except Escape as esc:
            report.completes = "unknown"
            report.unknown_reason, report.unknown_loc = esc.reason, esc.loc
            report.expiration_known = report.expiration is not None
            return report
        missing: dict[tuple, Location] = {}
        for completed, where in end:
            if not completed:
                loc = where or body.end
                missing[(loc.file, loc.line, loc.column)] = loc
        for state, ret in ctx.returns:
            for completed, where in state:
                if not completed:
                    loc = where or ret
                    missing[(loc.file, loc.line, loc.column)] = loc
        report.missing = [missing[k] for k in sorted(missing)]
        if not report.missing:
            report.completes = "always"
        elif report.completion_calls:
            report.completes = "on_success"
        else:
            report.completes = "never"
        return report

    # -- statements -------------------------------------------------------------------------

    def block(self, block: ir.Block, state: State, ctx: _Ctx) -> State:
        for stmt in block.stmts:
            if not state:
                break
            state = self.stmt(stmt, state, ctx)
        return state

    def stmt(self, s, state: State, ctx: _Ctx) -> State:
        if isinstance(s, ir.ExprStmt):
            return self.expr(s.expr, state, ctx)
        if isinstance(s, ir.Let):
            if s.value is None:
                return state
            if self._is_alias(s.value, ctx):
                ctx.aliases.update(s.names)
                self._note_cast(s.value)
                return state
            return self.expr(s.value, state, ctx)
        if isinstance(s, ir.Assign):
            if calls.sets_expiration(s):
                self.report.expiration = self.report.expiration or s.loc
                return state
            if self._is_alias(s.value, ctx):
                raise Escape("the task is stored in a property", s.loc)
            return self.expr(s.value, state, ctx)
        if isinstance(s, ir.If):
            for cond in s.conds:
                state = (
                    self.stmt(cond, state, ctx)
                    if isinstance(cond, ir.Let)
                    else self.expr(cond, state, ctx)
                )
            then = self.block(s.then, state, ctx)
            orelse = self.block(s.orelse, state, ctx) if s.orelse is not None else state
            return then | orelse
        if isinstance(s, ir.Guard):
            casts_task = False
            for cond in s.conds:
                if (
                    isinstance(cond, ir.Let)
                    and cond.value is not None
                    and self._is_alias(cond.value, ctx)
                ):
                    casts_task = True
                state = (
                    self.stmt(cond, state, ctx)
                    if isinstance(cond, ir.Let)
                    else self.expr(cond, state, ctx)
                )
            if casts_task:  # iOS passes the request's class: the else cannot run
                return state
            return state | self.block(s.orelse, state, ctx)
        if isinstance(s, ir.Switch):
            state = self.expr(s.subject, state, ctx)
            out: set = set()
            ctx.breaks.append([])
            for case in s.cases:
                out |= self.block(case.body, state, ctx)
            for broken in ctx.breaks.pop():
                out |= broken
            if not any(not c.patterns for c in s.cases) and s.loc.file.endswith(
                (".m", ".mm", ".h")
            ):
                out |= state  # C: no case matched
            return frozenset(out)
        if isinstance(s, ir.Do):
            ctx.in_try += bool(s.catches)
            body = self.block(s.body, state, ctx)
            ctx.in_try -= bool(s.catches)
            out = set(body)
            for catch in s.catches:
                out |= self.block(catch, state, ctx)
            return frozenset(out)
        if isinstance(s, ir.Loop):
            for h in s.header:
                state = self.expr(h, state, ctx)
            ctx.breaks.append([])
            body = self.block(s.body, state, ctx)
            out = set(state) | set(body)
            for broken in ctx.breaks.pop():
                out |= broken
            return frozenset(out)
        if isinstance(s, ir.Jump):
            if s.value is not None:
                state = self.expr(s.value, state, ctx)
            if s.kind in ("break", "continue", "fallthrough"):
                if ctx.breaks:
                    ctx.breaks[-1].append(state)
                return frozenset()
            if s.kind == "throw" and ctx.in_try:
                return frozenset()  # the catch blocks run from the entry state
            ctx.returns.append((state, s.loc))
            return frozenset()
        if isinstance(s, ir.Defer):
            if any(isinstance(n, ir.Call) and calls.is_completion(n) for n in ir.walk(s.body)):
                self._completion_at(s.loc)
                return DONE
            return state
        return state

    # -- expressions ------------------------------------------------------------------------

    def expr(self, e, state: State, ctx: _Ctx) -> State:
        if isinstance(e, ir.Call):
            return self.call(e, state, ctx)
        if isinstance(e, ir.Closure):
            return self.callback(e, state, ctx)
        if isinstance(e, ir.Cast):
            self._note_cast(e, ctx)
        for child in ir.children(e):
            state = self.expr(child, state, ctx)
        return state

    def call(self, c: ir.Call, state: State, ctx: _Ctx) -> State:
        state = self.expr(c.callee, state, ctx)
        for arg in c.args:
            if not isinstance(arg.value, ir.Closure):
                state = self.expr(arg.value, state, ctx)
        if calls.is_completion(c):
            self._completion_at(c.loc)
            return DONE
        if calls.sets_expiration(c):
            self.report.expiration = self.report.expiration or c.loc
            return state
        passes = [
            a
            for a in c.args
            if not isinstance(a.value, ir.Closure) and self._is_alias(a.value, ctx)
        ]
        on_task = (
            isinstance(c.callee, ir.Member)
            and c.callee.base is not None
            and self._is_alias(c.callee.base, ctx)
        )
        if passes or on_task:
            funcs = self._resolve(c)
            if funcs:
                state = self.inline(funcs[0], c, state, ctx, on_task)
            elif not on_task and c.name not in HARMLESS:
                shown = f"{c.name}:" if c.loc.file.endswith((".m", ".mm")) else f"{c.name}()"
                raise Escape(
                    f"the task is passed to {shown}, which is not in the scanned code", c.loc
                )
        for arg in c.args:
            if isinstance(arg.value, ir.Closure):
                state = self.callback(arg.value, state, ctx)
        return state

    def callback(self, closure: ir.Closure, state: State, ctx: _Ctx) -> State:
        """A closure that mentions the task or completes it is assumed to run (a completion
        callback, ``Task { }``, ``DispatchQueue.async``); its ends continue the flow."""
        mentions = False
        for node in ir.walk(closure.body):
            if (
                isinstance(node, ir.Name)
                and node.name in ctx.aliases
                or isinstance(node, ir.Call)
                and calls.is_completion(node)
            ):
                mentions = True
                break
        if not mentions:
            return state
        inner = _Ctx(set(ctx.aliases) - set(closure.params))
        end = self.block(closure.body, state, inner)
        return _ended(end, closure.body.end) | frozenset(
            s for st, loc in inner.returns for s in _ended(st, loc)
        )

    def inline(self, func: ir.Func, c: ir.Call, state: State, ctx: _Ctx, on_task: bool) -> State:
        if id(func) in self.stack or len(self.stack) >= MAX_INLINE:
            raise Escape(f"{func.title} calls itself or nests too deep to follow", c.loc)
        aliases = set()
        for i, arg in enumerate(a for a in c.args if not a.trailing):
            param = _param_for(func, arg, i)
            if param is not None and self._is_alias(arg.value, ctx):
                aliases.add(param.name)
                self._note_type(param.type_name, func.loc)
        if on_task:
            aliases.add("self")
        self.stack.append(id(func))
        self.funcs.append(func)
        try:
            inner = _Ctx(aliases)
            end = self.block(func.body, state, inner)
        finally:
            self.stack.pop()
            self.funcs.pop()
        return _ended(end, func.body.end, keep=True) | frozenset(
            s for st, loc in inner.returns for s in _ended(st, loc)
        )

    # -- helpers ----------------------------------------------------------------------------

    def _resolve(self, c: ir.Call) -> list[ir.Func]:
        return self.module.targets(c, self.current) if self.current is not None else []

    def _is_alias(self, e, ctx: _Ctx) -> bool:
        if isinstance(e, ir.Name):
            return e.name in ctx.aliases
        if isinstance(e, ir.Cast):
            return self._is_alias(e.expr, ctx)
        return False

    def _note_cast(self, e, ctx: _Ctx | None = None) -> None:  # noqa: ARG002 - unread here; its callers pass it
        if isinstance(e, ir.Cast):
            self._note_type(e.type_name, e.loc)

    def _note_type(self, type_name: str, loc: Location) -> None:
        name = type_name.replace("*", "").replace("?", "").replace("!", "").strip()
        if name in calls.TASK_CLASSES:
            self.report.types.setdefault(name, loc)

    def _completion_at(self, loc: Location) -> None:
        if loc not in self.report.completion_calls:
            self.report.completion_calls.append(loc)


def _ended(state: State, loc: Location, keep: bool = False) -> State:
    """Mark the not-completed paths of ``state`` as ending at ``loc`` (unless they already
    end somewhere, or ``keep``: a function that returns to its caller ends no path)."""
    if keep:
        return state
    return frozenset((c, w if c or w is not None else loc) for c, w in state)


def _param_for(func: ir.Func, arg: ir.Arg, index: int) -> ir.Param | None:
    if arg.label is not None:
        found = next((p for p in func.params if p.label == arg.label), None)
        if found is not None:
            return found
    return func.params[index] if index < len(func.params) else None
