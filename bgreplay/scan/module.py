"""All Swift and Objective-C sources of the scanned folder, parsed only when a question needs them.

A file is parsed when its bytes contain a name the analysis looks up (a function's callers, a
constant's definition) or a background-task API name. A plain substring test cannot miss a file
that defines or calls the name, so the laziness changes the cost, never the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bgreplay.errors import Location
from bgreplay.scan import ir, objc, swift
from bgreplay.scan.files import Folder, Skipped
from bgreplay.scan.grammar import ParseTimeout, parse
from bgreplay.scan.syntax import Source, TooDeep

if TYPE_CHECKING:
    from tree_sitter import Node  # the grammars are optional: imported when a file is parsed

# Text every background-task call site contains (registration, request, SwiftUI modifier,
# cancel): a file or function without any of them has no site to find.
SITE_TOKENS = (
    b"orTaskWithIdentifier",
    b"BGAppRefreshTaskRequest",
    b"BGProcessingTaskRequest",
    b"BGHealthResearchTaskRequest",
    b"BGContinuedProcessingTaskRequest",
    b"backgroundTask",
    b"askRequestWithIdentifier",
    b"cancelAllTaskRequests",
)


@dataclass(frozen=True, slots=True)
class Frame:
    """One construct around a node: a closure and the call (or assignment) it is given to, a
    branch of an ``if``, a ``case``, the body or a ``catch`` of a ``do``, a loop."""

    kind: str  # closure | then | else | guard | case | do | catch | loop | defer
    node: ir.Closure | ir.If | ir.Guard | ir.Case | ir.Do | ir.Loop | ir.Defer
    owner: ir.Call | ir.Assign | None = None  # closure: the Call or Assign that receives it


Frames = tuple[Frame, ...]  # outermost first
# a call of a function (or a ``#selector`` naming it), the function it is in, the frames around it
CallSite = tuple[ir.Func, ir.Call | ir.Selector, Frames]


def walk_frames(block: ir.Node, frames: Frames = ()) -> Iterator[tuple[ir.Node, Frames]]:
    """Every node under ``block`` with the frames around it, in source order."""
    stack = [(block, frames)]
    while stack:
        node, fr = stack.pop()
        yield node, fr
        nxt: list[tuple[ir.Node, Frames]] = []
        if isinstance(node, ir.Call):
            nxt.append((node.callee, fr))
            for arg in node.args:
                if isinstance(arg.value, ir.Closure):
                    nxt.append((arg.value.body, (*fr, Frame("closure", arg.value, node))))
                else:
                    nxt.append((arg.value, fr))
        elif isinstance(node, ir.Assign) and isinstance(node.value, ir.Closure):
            nxt += [(node.target, fr), (node.value.body, (*fr, Frame("closure", node.value, node)))]
        elif isinstance(node, ir.Closure):
            nxt.append((node.body, (*fr, Frame("closure", node, None))))
        elif isinstance(node, ir.If):
            nxt += [(c, fr) for c in node.conds]
            nxt.append((node.then, (*fr, Frame("then", node))))
            if node.orelse is not None:
                nxt.append((node.orelse, (*fr, Frame("else", node))))
        elif isinstance(node, ir.Guard):
            nxt += [(c, fr) for c in node.conds]
            nxt.append((node.orelse, (*fr, Frame("guard", node))))
        elif isinstance(node, ir.Switch):
            nxt.append((node.subject, fr))
            nxt += [(c.body, (*fr, Frame("case", c))) for c in node.cases]
        elif isinstance(node, ir.Do):
            nxt.append((node.body, (*fr, Frame("do", node))))
            nxt += [(c, (*fr, Frame("catch", node))) for c in node.catches]
        elif isinstance(node, ir.Loop):
            nxt += [(h, fr) for h in node.header]
            nxt.append((node.body, (*fr, Frame("loop", node))))
        elif isinstance(node, ir.Defer):
            nxt.append((node.body, (*fr, Frame("defer", node))))
        else:
            nxt += [(c, fr) for c in ir.children(node)]
        stack.extend(reversed(nxt))


class Module:
    def __init__(self, folder: Folder):
        self.folder = folder
        self.files = [(rel, "swift") for rel in folder.swift] + [
            (rel, "objc") for rel in folder.objc
        ]
        self.data: dict[str, bytes] = {}
        for rel, _ in self.files:
            data = folder.read(rel)
            if data is not None:
                self.data[rel] = data
        self.lang = dict(self.files)
        self._index: dict[str, ir.FileIndex | None] = {}
        self._candidates: dict[bytes, list[str]] = {}
        self._named_funcs: dict[str, list[ir.Func]] = {}
        self._named_consts: dict[str, list[ir.Const]] = {}
        self._named_calls: dict[tuple[str, str], list[CallSite]] = {}
        self.unparsed: list[Skipped] = []  # parse errors and skipped functions

    # -- files ----------------------------------------------------------------------------

    def candidates(self, token: str | bytes) -> list[str]:
        key = token.encode() if isinstance(token, str) else token
        if key not in self._candidates:
            self._candidates[key] = [rel for rel in self.data if key in self.data[rel]]
        return self._candidates[key]

    def site_files(self) -> list[str]:
        """The files that may hold a background-task call site."""
        return [rel for rel in self.data if any(t in self.data[rel] for t in SITE_TOKENS)]

    def site_funcs(self, rel: str) -> list[ir.Func]:
        """The functions of ``rel`` whose text holds a call site token."""
        data = self.data[rel]
        return [
            f
            for f in self.funcs_in(rel)
            if any(t in data[f.span[0] : f.span[1]] for t in SITE_TOKENS)
        ]

    def index(self, rel: str) -> ir.FileIndex | None:
        if rel in self._index:
            return self._index[rel]
        data = self.data.get(rel)
        result = None
        if data is not None:
            lang = self.lang[rel]
            try:
                tree = parse(lang, data)
            except ParseTimeout:
                self.unparsed.append(Skipped(Location(rel), "took too long to parse: not read"))
            else:
                src = Source(rel, data, tree)
                try:
                    result = (swift if lang == "swift" else objc).index(src)
                except (TooDeep, RecursionError):
                    self.unparsed.append(
                        Skipped(Location(rel), ("nested too deeply to analyse: not read"))
                    )
                else:
                    self._note_errors(src)
                    for func in result.funcs:
                        func.lower = _guarded(func, func.lower, self)
        self._index[rel] = result
        return result

    def _note_errors(self, src: Source) -> None:
        root = src.tree.root_node
        if not root.has_error:
            return
        node = _first_error(root)
        loc = src.loc(node) if node is not None else Location(src.rel)
        lang = "Swift" if self.lang[src.rel] == "swift" else "Objective-C"
        self.unparsed.append(
            Skipped(
                loc,
                (f"the {lang} grammar could not read the code here; facts inside it may be missed"),
            )
        )

    def indexes(self, rels: Iterable[str]) -> list[ir.FileIndex]:
        return [i for i in (self.index(rel) for rel in rels) if i is not None]

    # -- questions ------------------------------------------------------------------------

    def funcs_named(self, name: str) -> list[ir.Func]:
        if name not in self._named_funcs:
            self._named_funcs[name] = [
                f
                for idx in self.indexes(self.candidates(name))
                for f in idx.funcs
                if f.name == name
            ]
        return self._named_funcs[name]

    def consts_named(self, name: str) -> list[ir.Const]:
        if name not in self._named_consts:
            self._named_consts[name] = [
                c
                for idx in self.indexes(self.candidates(name))
                for c in idx.consts
                if c.name == name
            ]
        return self._named_consts[name]

    def funcs_in(self, rel: str) -> list[ir.Func]:
        idx = self.index(rel)
        return idx.funcs if idx is not None else []

    def targets(self, call: ir.Call, caller: ir.Func) -> list[ir.Func]:
        """The module's functions a call may run: same name and language, compatible labels,
        and the receiver's type when the code names it (``IndexPlanner.schedule()``) or the
        caller's own type for ``self.f()`` / ``f()`` when that type has such a function."""
        objc = _is_objc(call.loc.file)
        found = [
            f
            for f in self.funcs_named(call.name)
            if _is_objc(f.file) == objc and labels_match(call.labels, f.labels)
        ]
        base = call.callee.base if isinstance(call.callee, ir.Member) else None
        root = ir.root_name(base) if base is not None else ""
        if root[:1].isupper() and root != "Self" and any(f.owner == root for f in found):
            return [f for f in found if f.owner == root]
        if base is None or root in ("self", "Self"):
            own = [f for f in found if f.owner is not None and f.owner == caller.owner]
            if own:
                return own
        return found

    def call_sites(self, func: ir.Func) -> list[CallSite]:
        """Calls of ``func`` anywhere in the module (see ``targets``), and the ``#selector`` /
        ``@selector`` references to it (as a ``Selector`` in place of a call)."""
        out: list[CallSite] = []
        for caller, node, frames in self._calls_named(func.name, self.lang.get(func.file, "")):
            if caller is func:
                continue
            if isinstance(node, ir.Selector) or (
                labels_match(node.labels, func.labels)
                and any(f is func for f in self.targets(node, caller))
            ):
                out.append((caller, node, frames))
        return out

    def _calls_named(self, name: str, lang: str) -> list[CallSite]:
        """Every call of (or selector naming) ``name`` in files of ``lang``, read once."""
        key = (name, lang)
        if key not in self._named_calls:
            found: list[CallSite] = []
            token = name.encode()
            for rel in self.candidates(name):
                if self.lang[rel] != lang:
                    continue
                data = self.data[rel]
                for caller in self.funcs_in(rel):
                    if token not in data[caller.span[0] : caller.span[1]]:
                        continue
                    for node, frames in walk_frames(caller.body):
                        if isinstance(node, ir.Call | ir.Selector) and node.name == name:
                            found.append((caller, node, frames))
            self._named_calls[key] = found
        return self._named_calls[key]


def _is_objc(rel: str) -> bool:
    return rel.endswith((".m", ".mm", ".h"))


def labels_match(call: tuple[str, ...], decl: tuple[str, ...]) -> bool:
    """A call's labels fit a declaration when they appear in it in order (default arguments
    may be left out; a trailing closure has no label at the call)."""
    it = iter(decl)
    return all(any(label == d for d in it) for label in call) and len(call) <= len(decl)


def _guarded(
    func: ir.Func, lower: Callable[[], ir.Block], module: Module
) -> Callable[[], ir.Block]:
    def run() -> ir.Block:
        try:
            return lower()
        except (TooDeep, RecursionError):
            module.unparsed.append(
                Skipped(
                    func.loc,
                    (f"{func.title} is nested too deeply to analyse: its body is not read"),
                )
            )
            return ir.Block((), func.loc)

    return run


def _first_error(node: Node) -> Node | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            return current
        if current.has_error:
            stack.extend(reversed(current.children))
    return None
