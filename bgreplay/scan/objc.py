"""Objective-C front end: tree-sitter-objc's syntax tree lowered to ``ir`` nodes.

A message ``[r sel1:a sel2:b]`` becomes a call named ``sel1`` whose argument labels are the
selector parts (``sel1``, ``sel2``); a method ``- (void)sel1:(T)a sel2:(U)b`` gets the same name
and labels, so calls and definitions match as they do in Swift. Blocks are closures.
"""

from __future__ import annotations

from bgreplay.scan import ir
from bgreplay.scan.syntax import Lowerer, Source

LOOPS = ("for_statement", "while_statement", "do_statement", "for_in_statement")


def index(src: Source) -> ir.FileIndex:
    out = ir.FileIndex()
    _index_level(src, src.tree.root_node, out)
    return out


def _index_level(src: Source, node, out: ir.FileIndex, owner: str | None = None) -> None:
    for child in node.named_children:
        t = child.type
        if t in ("class_implementation", "category_implementation"):
            name = next((c for c in child.named_children if c.type == "identifier"), None)
            _index_level(src, child, out, src.text(name) if name is not None else owner)
        elif t == "implementation_definition":
            _index_level(src, child, out, owner)
        elif t == "method_definition":
            out.funcs.append(_method(src, child, owner))
        elif t == "function_definition":
            func = _function(src, child)
            if func is not None:
                out.funcs.append(func)
        elif t == "declaration":
            _index_constants(src, child, out)
        elif t == "preproc_def":
            _index_define(src, child, out)
        elif t in (
            "preproc_ifdef",
            "preproc_if",
            "preproc_else",
            "linkage_specification",
            "declaration_list",
        ):
            _index_level(src, child, out, owner)


def _index_constants(src: Source, decl, out: ir.FileIndex) -> None:
    """``NSString *const kRefresh = @"io.x.refresh";`` (also ``static``)."""
    for init in decl.named_children:
        if init.type != "init_declarator":
            continue
        name = _declared_name(init.child_by_field_name("declarator"))
        value = init.child_by_field_name("value")
        if name is not None and value is not None:
            out.consts.append(
                ir.Const(None, src.text(name), Lowering(src).expr(value), src.loc(decl))
            )


def _declared_name(node):
    while node is not None and node.type != "identifier":
        node = node.child_by_field_name("declarator")
    return node


def _index_define(src: Source, node, out: ir.FileIndex) -> None:
    """``#define kRefresh @"io.x.refresh"``: the macro body is parsed as an expression."""
    name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
    if name is None or value is None:
        return
    from bgreplay.scan.grammar import parse

    body = value.text or b""
    if len(body) > 4096:
        return
    wrapper = b"id __bgr = " + body.strip() + b";\n"
    inner = _MacroSource(src.rel, wrapper, parse("objc", wrapper), src.loc(value))
    decl = next((c for c in inner.tree.root_node.named_children if c.type == "declaration"), None)
    init = decl.child_by_field_name("declarator") if decl is not None else None
    expr = init.child_by_field_name("value") if init is not None else None
    if expr is None or inner.tree.root_node.has_error:
        return
    out.consts.append(ir.Const(None, src.text(name), Lowering(inner).expr(expr), src.loc(node)))


class _MacroSource(Source):
    """A macro body parsed on its own: everything in it is at the ``#define``'s value."""

    def __init__(self, rel: str, data: bytes, tree, at):
        super().__init__(rel, data, tree)
        self.at = at

    def loc(self, node):  # noqa: ARG002 - unread here; its callers pass it
        return self.at

    def end_loc(self, node):  # noqa: ARG002 - unread here; its callers pass it
        return self.at


def _method(src: Source, node, owner: str | None) -> ir.Func:
    parts: list[str] = []
    params: list[ir.Param] = []
    body = None
    for child in node.named_children:
        if child.type == "identifier":
            parts.append(src.text(child))
        elif child.type == "method_parameter":
            names = [c for c in child.named_children if c.type == "identifier"]
            mtype = next((c for c in child.named_children if c.type == "method_type"), None)
            label = parts[-1] if parts else "_"
            params.append(
                ir.Param(
                    label,
                    src.text(names[-1]) if names else "_",
                    src.text(mtype).strip("()") if mtype is not None else "",
                )
            )
        elif child.type == "compound_statement":
            body = child
    name = parts[0] if parts else "?"
    labels = tuple(p.label for p in params)
    return ir.Func(
        name,
        labels,
        tuple(params),
        owner,
        (),
        "func",
        src.loc(node),
        (node.start_byte, node.end_byte),
        src.rel,
        lower=lambda: Lowering(src).compound(body, node),
    )


def _function(src: Source, node) -> ir.Func | None:
    declarator = node.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    if declarator is None:
        return None
    name = declarator.child_by_field_name("declarator")
    plist = declarator.child_by_field_name("parameters")
    params = []
    for p in plist.named_children if plist is not None else []:
        pname = _declared_name(p.child_by_field_name("declarator"))
        ptype = p.child_by_field_name("type")
        params.append(
            ir.Param(
                "_",
                src.text(pname) if pname is not None else "_",
                src.text(ptype) if ptype is not None else "",
            )
        )
    body = node.child_by_field_name("body")
    return ir.Func(
        src.text(name) if name is not None else "?",
        tuple("_" for _ in params),
        tuple(params),
        None,
        (),
        "func",
        src.loc(node),
        (node.start_byte, node.end_byte),
        src.rel,
        lower=lambda: Lowering(src).compound(body, node),
    )


class Lowering(Lowerer):
    """Turns statements and expressions of one Objective-C file into ``ir`` nodes."""

    def compound(self, node, decl=None) -> ir.Block:
        if node is None:
            return ir.Block((), self.src.end_loc(decl))
        out = []
        for child in node.named_children:
            stmt = self.stmt(child)
            if stmt is not None:
                out.append(stmt)
        return ir.Block(tuple(out), self.src.end_loc(node))

    def as_block(self, node) -> ir.Block:
        """A statement used as a branch: a compound statement or a single statement."""
        if node is None:
            return ir.Block((), ir.Location(self.src.rel))
        if node.type == "compound_statement":
            return self.compound(node)
        stmt = self.stmt(node)
        return ir.Block((stmt,) if stmt is not None else (), self.src.end_loc(node))

    def _stmt(self, n):
        t = n.type
        loc = self.src.loc(n)
        if t == "expression_statement":
            inner = n.named_children[0] if n.named_children else None
            if inner is None:
                return None
            if inner.type == "assignment_expression":
                left, right = inner.child_by_field_name("left"), inner.child_by_field_name("right")
                if left is not None and right is not None:
                    return ir.Assign(self.expr(left), self.expr(right), loc)
            return ir.ExprStmt(self.expr(inner))
        if t == "declaration":
            names, values = [], []
            for init in n.named_children:
                if init.type == "init_declarator":
                    name = _declared_name(init.child_by_field_name("declarator"))
                    value = init.child_by_field_name("value")
                    if name is not None:
                        names.append(self.src.text(name))
                    if value is not None:
                        values.append(self.expr(value))
            if not names:
                return None
            return ir.Let(
                tuple(names),
                values[0]
                if len(values) == 1
                else (ir.Opaque(tuple(values), loc) if values else None),
                loc,
            )
        if t == "compound_statement":
            block = self.compound(n)
            return ir.If((ir.Lit(True, loc),), block, None, loc)  # a bare scope
        if t == "if_statement":
            cond = n.child_by_field_name("condition")
            alt = n.child_by_field_name("alternative")
            orelse = None
            if alt is not None:
                branch = next((c for c in alt.named_children), None)
                orelse = self.as_block(branch)
            return ir.If(
                (self.expr(cond),) if cond is not None else (),
                self.as_block(n.child_by_field_name("consequence")),
                orelse,
                loc,
            )
        if t == "switch_statement":
            body = n.child_by_field_name("body")
            cases = []
            for case in body.named_children if body is not None else []:
                if case.type != "case_statement":
                    continue
                value = case.child_by_field_name("value")
                stmts = [self.stmt(c) for c in case.named_children if c is not value]
                cases.append(
                    ir.Case(
                        (self.expr(value),) if value is not None else (),
                        ir.Block(tuple(s for s in stmts if s is not None), self.src.end_loc(case)),
                    )
                )
            cond = n.child_by_field_name("condition")
            return ir.Switch(
                self.expr(cond) if cond is not None else ir.Opaque((), loc), tuple(cases), loc
            )
        if t in LOOPS:
            body = n.child_by_field_name("body") or next(
                (c for c in n.named_children if c.type == "compound_statement"), None
            )
            header = tuple(
                self.expr(c)
                for c in n.named_children
                if c is not body and c.type.endswith("expression")
            )
            return ir.Loop(header, self.as_block(body), loc)
        if t == "return_statement":
            value = n.named_children[0] if n.named_children else None
            return ir.Jump("return", self.expr(value) if value is not None else None, loc)
        if t in ("break_statement", "continue_statement"):
            return ir.Jump(t.split("_")[0], None, loc)
        if t == "throw_statement":
            return ir.Jump("throw", None, loc)
        if t == "try_statement":
            blocks = [c for c in n.named_children if c.type == "compound_statement"]
            catches = [
                self.compound(
                    next((b for b in c.named_children if b.type == "compound_statement"), None), c
                )
                for c in n.named_children
                if c.type == "catch_clause"
            ]
            body = self.compound(blocks[0]) if blocks else ir.Block((), loc)
            return ir.Do(body, tuple(catches), loc)
        if t in ("comment", "labeled_statement", "preproc_call"):
            return None
        return ir.ExprStmt(self.expr(n))

    def _expr(self, n) -> ir.Expr:
        t = n.type
        loc = self.src.loc(n)
        if t == "identifier":
            text = self.src.text(n)
            if text in ("YES", "true"):
                return ir.Lit(True, loc)
            if text in ("NO", "false"):
                return ir.Lit(False, loc)
            if text in ("nil", "NULL", "Nil"):
                return ir.Lit(None, loc)
            return ir.Name(text, loc)
        if t in ("self", "super"):
            return ir.Name(t, loc)
        if t in ("true", "false"):
            return ir.Lit(t == "true", loc)
        if t in ("nil", "null"):
            return ir.Lit(None, loc)
        if t == "message_expression":
            return self.message(n)
        if t == "call_expression":
            function = n.child_by_field_name("function")
            arguments = n.child_by_field_name("arguments")
            args = tuple(
                ir.Arg(None, self.expr(a))
                for a in (arguments.named_children if arguments is not None else [])
                if a.type != "comment"
            )
            return ir.Call(
                self.expr(function) if function is not None else ir.Opaque((), loc), args, loc
            )
        if t == "field_expression":
            base, field = n.child_by_field_name("argument"), n.child_by_field_name("field")
            if base is None or field is None:
                return self.opaque(n)
            return ir.Member(self.expr(base), self.src.text(field), loc)
        if t == "string_literal":
            text = "".join(
                self.src.text(c)
                for c in n.named_children
                if c.type in ("string_content", "escape_sequence")
            )
            return ir.Lit(text, loc)
        if t == "concatenated_string":
            parts = [self.expr(c) for c in n.named_children]
            if all(isinstance(p, ir.Lit) and isinstance(p.value, str) for p in parts):
                return ir.Lit("".join(p.value for p in parts), loc)  # type: ignore[misc]
            return ir.Interp(tuple(parts), loc)
        if t == "number_literal":
            raw = self.src.text(n).rstrip("uUlLfF")
            try:
                return ir.Lit(int(raw, 0), loc)
            except ValueError:
                try:
                    return ir.Lit(float(raw), loc)
                except ValueError:
                    return ir.Opaque((), loc)
        if t == "binary_expression":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            op = n.child_by_field_name("operator")
            if left is None or right is None:
                return self.opaque(n)
            return ir.BinOp(
                self.src.text(op) if op is not None else "?", self.expr(left), self.expr(right), loc
            )
        if t == "unary_expression":
            op = n.child_by_field_name("operator")
            arg = n.child_by_field_name("argument")
            if arg is None:
                return self.opaque(n)
            return ir.Unary(self.src.text(op) if op is not None else "?", self.expr(arg), loc)
        if t == "parenthesized_expression":
            inner = [c for c in n.named_children if c.type != "comment"]
            return self.expr(inner[0]) if len(inner) == 1 else self.opaque(n)
        if t == "cast_expression":
            type_node, value = n.child_by_field_name("type"), n.child_by_field_name("value")
            if value is None:
                return self.opaque(n)
            type_name = self.src.text(type_node).replace("*", "").strip() if type_node else ""
            return ir.Cast(self.expr(value), type_name, loc)
        if t == "block_literal":
            params = []
            plist = next((c for c in n.named_children if c.type == "parameter_list"), None)
            for p in plist.named_children if plist is not None else []:
                pname = _declared_name(p.child_by_field_name("declarator"))
                if pname is not None:
                    params.append(self.src.text(pname))
            body = next((c for c in n.named_children if c.type == "compound_statement"), None)
            return ir.Closure(tuple(params), self.compound(body, n), loc)
        if t == "selector_expression":
            text = self.src.text(n)
            inside = text[text.find("(") + 1 : text.rfind(")")].strip()
            return ir.Selector(inside.split(":")[0], loc)
        return self.opaque(n)

    def message(self, n) -> ir.Expr:
        loc = self.src.loc(n)
        receiver = n.child_by_field_name("receiver")
        args: list[ir.Arg] = []
        name = None
        label = None
        expecting = False
        for i, child in enumerate(n.children):
            fname = n.field_name_for_child(i)
            if fname == "method":
                label = self.src.text(child)
                name = name or label
                expecting = False
            elif child.type == ":":
                expecting = True
            elif expecting and child.is_named:
                args.append(ir.Arg(label, self.expr(child)))
                expecting = False
        base = self.expr(receiver) if receiver is not None else None
        callee = ir.Member(base, name or "", loc)
        if not args:  # a message without arguments reads a property: ``[NSDate date]``
            return ir.Call(callee, (), loc)
        return ir.Call(callee, tuple(args), loc)
