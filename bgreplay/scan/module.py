"""All Swift and Objective-C sources of the scanned folder, parsed only when a question needs them.

A file is parsed when its bytes contain a name the analysis looks up (a function's callers, a
constant's definition) or a background-task API name. A plain substring test cannot miss a file
that defines or calls the name, so the laziness changes the cost, never the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bgreplay.errors import Location
from bgreplay.scan import ir, objc, swift
from bgreplay.scan.files import Folder, Skipped
from bgreplay.scan.grammar import ParseTimeout, parse
from bgreplay.scan.syntax import Source, TooDeep

BG_TOKENS = (b"BGTaskScheduler", b"BGAppRefreshTask", b"BGProcessingTask", b"BGHealthResearch",
             b"BGContinuedProcessing", b".backgroundTask", b"setTaskCompleted",
             b"expirationHandler")


@dataclass(frozen=True, slots=True)
class Frame:
    """One construct around a node: a closure and the call (or assignment) it is given to, a
    branch of an ``if``, a ``case``, the body or a ``catch`` of a ``do``, a loop."""

    kind: str  # closure | then | else | guard | case | do | catch | loop | defer
    node: object
    owner: object = None  # closure: the Call or Assign that receives it


def walk_frames(block, frames: tuple = ()):
    """Every node under ``block`` with the frames around it, in source order."""
    stack = [(block, frames)]
    while stack:
        node, fr = stack.pop()
        yield node, fr
        nxt: list = []
        if isinstance(node, ir.Call):
            nxt.append((node.callee, fr))
            for arg in node.args:
                if isinstance(arg.value, ir.Closure):
                    nxt.append((arg.value.body, (*fr, Frame("closure", arg.value, node))))
                else:
                    nxt.append((arg.value, fr))
        elif isinstance(node, ir.Assign) and isinstance(node.value, ir.Closure):
            nxt += [(node.target, fr),
                    (node.value.body, (*fr, Frame("closure", node.value, node)))]
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
        self.files = [(rel, "swift") for rel in folder.swift] + [(rel, "objc")
                                                                for rel in folder.objc]
        self.data: dict[str, bytes] = {}
        for rel, _ in self.files:
            data = folder.read(rel)
            if data is not None:
                self.data[rel] = data
        self.lang = dict(self.files)
        self._index: dict[str, ir.FileIndex | None] = {}
        self._candidates: dict[bytes, list[str]] = {}
        self.unparsed: list[Skipped] = []  # parse errors and skipped functions

    # -- files ----------------------------------------------------------------------------

    def candidates(self, token: str | bytes) -> list[str]:
        key = token.encode() if isinstance(token, str) else token
        if key not in self._candidates:
            self._candidates[key] = [rel for rel in self.data if key in self.data[rel]]
        return self._candidates[key]

    def bg_files(self) -> list[str]:
        return [rel for rel in self.data if any(t in self.data[rel] for t in BG_TOKENS)]

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
                    self.unparsed.append(Skipped(Location(rel), (
                        "nested too deeply to analyse: not read")))
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
        self.unparsed.append(Skipped(loc, (
            f"the {lang} grammar could not read the code here; facts inside it may be missed")))

    def indexes(self, rels) -> list[ir.FileIndex]:
        return [i for i in (self.index(rel) for rel in rels) if i is not None]

    # -- questions ------------------------------------------------------------------------

    def funcs_named(self, name: str) -> list[ir.Func]:
        return [f for idx in self.indexes(self.candidates(name)) for f in idx.funcs
                if f.name == name]

    def consts_named(self, name: str) -> list[ir.Const]:
        return [c for idx in self.indexes(self.candidates(name)) for c in idx.consts
                if c.name == name]

    def funcs_in(self, rel: str) -> list[ir.Func]:
        idx = self.index(rel)
        return idx.funcs if idx is not None else []

    def targets(self, call: ir.Call, caller: ir.Func) -> list[ir.Func]:
        """The module's functions a call may run: same name and language, compatible labels,
        and the receiver's type when the code names it (``IndexPlanner.schedule()``) or the
        caller's own type for ``self.f()`` / ``f()`` when that type has such a function."""
        objc = _is_objc(call.loc.file)
        found = [f for f in self.funcs_named(call.name)
                 if _is_objc(f.file) == objc and labels_match(call.labels, f.labels)]
        base = call.callee.base if isinstance(call.callee, ir.Member) else None
        root = ir.root_name(base) if base is not None else ""
        if root[:1].isupper() and root != "Self" and any(f.owner == root for f in found):
            return [f for f in found if f.owner == root]
        if base is None or root in ("self", "Self"):
            own = [f for f in found if f.owner is not None and f.owner == caller.owner]
            if own:
                return own
        return found

    def call_sites(self, func: ir.Func) -> list[tuple[ir.Func, ir.Call, tuple]]:
        """Calls of ``func`` anywhere in the module (see ``targets``), and the ``#selector`` /
        ``@selector`` references to it (as a ``Selector`` in place of a call)."""
        out = []
        for rel in self.candidates(func.name):
            if self.lang[rel] != self.lang.get(func.file):
                continue
            for caller in self.funcs_in(rel):
                if caller is func:
                    continue
                for node, frames in walk_frames(caller.body):
                    named = isinstance(node, ir.Call | ir.Selector) and node.name == func.name
                    if named and (isinstance(node, ir.Selector) or (
                            labels_match(node.labels, func.labels)
                            and any(f is func for f in self.targets(node, caller)))):
                        out.append((caller, node, frames))
        return out


def _is_objc(rel: str) -> bool:
    return rel.endswith((".m", ".mm", ".h"))


def labels_match(call: tuple[str, ...], decl: tuple[str, ...]) -> bool:
    """A call's labels fit a declaration when they appear in it in order (default arguments
    may be left out; a trailing closure has no label at the call)."""
    it = iter(decl)
    return all(any(label == d for d in it) for label in call) and len(call) <= len(decl)


def _guarded(func: ir.Func, lower, module: Module):
    def run() -> ir.Block:
        try:
            return lower()
        except (TooDeep, RecursionError):
            module.unparsed.append(Skipped(func.loc, (
                f"{func.title} is nested too deeply to analyse: its body is not read")))
            return ir.Block((), func.loc)
    return run


def _first_error(node):
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            return current
        if current.has_error:
            stack.extend(reversed(current.children))
    return None
