"""A small language-neutral tree of the code that matters to background tasks.

The Swift and Objective-C front ends lower tree-sitter's concrete syntax into these nodes, so that
one analysis (``analysis.py``) serves both languages: names and calls with their argument labels,
closures (Swift closures and Objective-C blocks), control flow (if, guard, switch, do/catch,
loops, return, throw, defer) and literals. Everything else becomes ``Opaque``, which keeps its
sub-expressions so that a call or a closure inside an unmodelled construct is still seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bgreplay.errors import Location

# ---------------------------------------------------------------------------------------------
# expressions


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    loc: Location


@dataclass(frozen=True, slots=True)
class Member:
    """``base.name``; ``base`` is None for Swift's implicit member (``.background``)."""

    base: Expr | None
    name: str
    loc: Location


@dataclass(frozen=True, slots=True)
class Arg:
    label: str | None  # None: unlabelled (``_``) or a Swift trailing closure
    value: Expr
    trailing: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    """A call or an Objective-C message; a message's selector parts are the argument labels
    (``[s registerForTaskWithIdentifier:i usingQueue:q launchHandler:h]`` has the name
    ``registerForTaskWithIdentifier`` and the labels ``registerForTaskWithIdentifier``,
    ``usingQueue``, ``launchHandler``)."""

    callee: Expr
    args: tuple[Arg, ...]
    loc: Location

    @property
    def name(self) -> str:
        return callee_name(self.callee)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(a.label or "_" for a in self.args if not a.trailing)

    def arg(self, label: str) -> Expr | None:
        return next((a.value for a in self.args if a.label == label), None)

    def closures(self) -> list[Closure]:
        return [a.value for a in self.args if isinstance(a.value, Closure)]


@dataclass(frozen=True, slots=True)
class Lit:
    """A string, number, boolean or nil literal (``value`` None is nil)."""

    value: str | int | float | bool | None
    loc: Location


@dataclass(frozen=True, slots=True)
class Interp:
    """A string with interpolations: its parts are concatenated."""

    parts: tuple[Expr, ...]
    loc: Location


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: Expr
    right: Expr
    loc: Location


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: Expr
    loc: Location


@dataclass(frozen=True, slots=True)
class Cast:
    """``x as? T``, ``x as! T``, ``(T *)x``."""

    expr: Expr
    type_name: str
    loc: Location


@dataclass(frozen=True, slots=True)
class Selector:
    """``#selector(name)`` / ``@selector(name:)``: a reference to a method by name."""

    name: str
    loc: Location


@dataclass(frozen=True, slots=True)
class Closure:
    params: tuple[str, ...]
    body: Block
    loc: Location


@dataclass(frozen=True, slots=True)
class Opaque:
    parts: tuple[Expr, ...]
    loc: Location


Expr = Name | Member | Call | Lit | Interp | BinOp | Unary | Cast | Selector | Closure | Opaque

# ---------------------------------------------------------------------------------------------
# statements


@dataclass(frozen=True, slots=True)
class Block:
    stmts: tuple[Stmt, ...]
    end: Location  # the closing brace: where a path that falls off the end ends


@dataclass(frozen=True, slots=True)
class ExprStmt:
    expr: Expr


@dataclass(frozen=True, slots=True)
class Let:
    """A local binding (``let x = v``, ``if let x = v``, ``NSString *x = v``)."""

    names: tuple[str, ...]
    value: Expr | None
    loc: Location


@dataclass(frozen=True, slots=True)
class Assign:
    target: Expr
    value: Expr
    loc: Location


@dataclass(frozen=True, slots=True)
class If:
    conds: tuple[Expr | Let, ...]
    then: Block
    orelse: Block | None
    loc: Location


@dataclass(frozen=True, slots=True)
class Guard:
    conds: tuple[Expr | Let, ...]
    orelse: Block
    loc: Location


@dataclass(frozen=True, slots=True)
class Case:
    patterns: tuple[Expr, ...]  # empty for ``default``
    body: Block


@dataclass(frozen=True, slots=True)
class Switch:
    subject: Expr
    cases: tuple[Case, ...]
    loc: Location


@dataclass(frozen=True, slots=True)
class Do:
    body: Block
    catches: tuple[Block, ...]
    loc: Location


@dataclass(frozen=True, slots=True)
class Loop:
    header: tuple[Expr, ...]
    body: Block
    loc: Location


@dataclass(frozen=True, slots=True)
class Jump:
    """``return``, ``throw``, ``break``, ``continue`` (``value``: what is returned or thrown)."""

    kind: str
    value: Expr | None
    loc: Location


@dataclass(frozen=True, slots=True)
class Defer:
    body: Block
    loc: Location


Stmt = ExprStmt | Let | Assign | If | Guard | Switch | Do | Loop | Jump | Defer
Node = Expr | Stmt | Block  # what ``children`` and ``walk`` visit

# ---------------------------------------------------------------------------------------------
# declarations


@dataclass(frozen=True, slots=True)
class Param:
    label: str  # ``_`` when the caller writes no label
    name: str
    type_name: str
    default: Expr | None = None  # Swift's default argument value


@dataclass(slots=True, eq=False)
class Func:
    """A function, method, initialiser or computed property, with its body lowered on demand."""

    name: str
    labels: tuple[str, ...]
    params: tuple[Param, ...]
    owner: str | None
    owner_bases: tuple[str, ...]
    kind: str  # func | init | property | toplevel
    loc: Location
    span: tuple[int, int]  # byte range in its file, to find the function around a byte
    file: str
    lower: Callable[[], Block] = field(repr=False)  # the body, lowered when first asked for
    _body: Block | None = field(default=None, repr=False)

    @property
    def body(self) -> Block:
        if self._body is None:
            self._body = self.lower()
        return self._body

    @property
    def title(self) -> str:
        """How a reader names it: ``scheduleAppRefresh()``, ``application(_:didFinish…:)``."""
        if self.kind == "init":
            return f"{self.owner or ''}.init()"
        if self.kind in ("property", "toplevel"):
            return self.name
        if self.file.endswith((".m", ".mm", ".h")):  # an Objective-C selector
            return "".join(f"{label}:" for label in self.labels) or self.name
        return f"{self.name}({''.join(label + ':' for label in self.labels)})"


@dataclass(frozen=True, slots=True)
class Const:
    """A named value: ``static let``, a global ``let``, an enum case's raw value, an
    Objective-C constant or ``#define``."""

    owner: str | None
    name: str
    value: Expr
    loc: Location
    enum_case: bool = False


@dataclass(slots=True)
class FileIndex:
    funcs: list[Func] = field(default_factory=list)
    consts: list[Const] = field(default_factory=list)


def callee_name(callee: Expr) -> str:
    if isinstance(callee, Name):
        return callee.name
    if isinstance(callee, Member):
        return callee.name
    return ""


def path_of(expr: Expr) -> tuple[str, ...] | None:
    """``Self.ids.refresh`` → ``("Self", "ids", "refresh")``; ``.background`` → ``("", ...)``;
    None when the expression is not a plain chain of names."""
    parts: list[str] = []
    while isinstance(expr, Member):
        parts.append(expr.name)
        if expr.base is None:
            parts.append("")
            return tuple(reversed(parts))
        expr = expr.base
    if isinstance(expr, Name):
        parts.append(expr.name)
        return tuple(reversed(parts))
    return None


def root_name(expr: Expr) -> str:
    """The name a chain of members and calls starts from: ``BGTaskScheduler`` in
    ``BGTaskScheduler.shared.submit``."""
    while True:
        if isinstance(expr, Member) and expr.base is not None:
            expr = expr.base
        elif isinstance(expr, Call):
            expr = expr.callee
        elif isinstance(expr, Cast):
            expr = expr.expr
        else:
            break
    return expr.name if isinstance(expr, Name) else ""


def children(node: Node) -> list[Node]:
    """The direct sub-nodes (expressions, statements, blocks) of any IR node."""
    if isinstance(node, Member):
        return [node.base] if node.base is not None else []
    if isinstance(node, Call):
        return [node.callee, *(a.value for a in node.args)]
    if isinstance(node, Interp | Opaque):
        return list(node.parts)
    if isinstance(node, BinOp):
        return [node.left, node.right]
    if isinstance(node, Unary):
        return [node.operand]
    if isinstance(node, Cast):
        return [node.expr]
    if isinstance(node, Closure):
        return [node.body]
    if isinstance(node, Block):
        return list(node.stmts)
    if isinstance(node, ExprStmt):
        return [node.expr]
    if isinstance(node, Let):
        return [node.value] if node.value is not None else []
    if isinstance(node, Assign):
        return [node.target, node.value]
    if isinstance(node, If):
        return [*node.conds, node.then, *([node.orelse] if node.orelse else [])]
    if isinstance(node, Guard):
        return [*node.conds, node.orelse]
    if isinstance(node, Switch):
        return [
            node.subject,
            *(c.body for c in node.cases),
            *(p for c in node.cases for p in c.patterns),
        ]
    if isinstance(node, Do):
        return [node.body, *node.catches]
    if isinstance(node, Loop):
        return [*node.header, node.body]
    if isinstance(node, Jump):
        return [node.value] if node.value is not None else []
    if isinstance(node, Defer):
        return [node.body]
    return []


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node`` (itself included), depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
