"""Swift statements and expressions lowered to ``ir`` nodes (``swift.index`` asks for a body
when the analysis first needs it)."""

from __future__ import annotations

from bgreplay.scan import ir
from bgreplay.scan.syntax import Lowerer, field_children

BINARY = {
    "additive_expression",
    "multiplicative_expression",
    "comparison_expression",
    "equality_expression",
    "conjunction_expression",
    "disjunction_expression",
    "nil_coalescing_expression",
    "infix_expression",
    "range_expression",
}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "'": "'", "\\": "\\"}


class Lowering(Lowerer):
    """Turns statements and expressions of one file into ``ir`` nodes."""

    # -- blocks ---------------------------------------------------------------------------

    def function_body(self, body, decl) -> ir.Block:
        if body is None:
            return ir.Block((), self.src.end_loc(decl))
        return self.braced(body)

    def computed(self, node) -> ir.Block:
        stmts = [c for c in node.named_children if c.type == "statements"]
        if stmts:
            return self.block_of(stmts[0].named_children, self.src.end_loc(node))
        # get { } / set { } accessors: the getter is the body
        for accessor in node.named_children:
            if accessor.type == "computed_getter":
                return self.braced(accessor)
        return ir.Block((), self.src.end_loc(node))

    def braced(self, node) -> ir.Block:
        """A node holding ``{ statements }``: its statements, ending at its closing brace."""
        stmts = next((c for c in node.named_children if c.type == "statements"), None)
        return self.block_of(
            stmts.named_children if stmts is not None else [], self.src.end_loc(node)
        )

    def block_of(self, nodes, end) -> ir.Block:
        out = []
        for n in nodes:
            stmt = self.stmt(n)
            if stmt is not None:
                out.append(stmt)
        return ir.Block(tuple(out), end)

    def _blocks_after_braces(self, node) -> list[tuple[object, ir.Block]]:
        """Split ``{ … }`` groups among a statement's children: [(opening '{', block)]."""
        groups: list = []
        opening, stmts = None, None
        for child in node.children:
            if child.type == "{":
                opening, stmts = child, None
            elif child.type == "statements" and opening is not None:
                stmts = child
            elif child.type == "}" and opening is not None:
                nodes = stmts.named_children if stmts is not None else []
                groups.append((opening, self.block_of(nodes, self.src.loc(child))))
                opening = None
        return groups

    # -- statements -----------------------------------------------------------------------

    def _stmt(self, n):
        t = n.type
        loc = self.src.loc(n)
        if t == "property_declaration":
            names = tuple(
                self.src.text(c).strip() for c in field_children(n, "name") if c.type == "pattern"
            )
            value = n.child_by_field_name("value")
            return ir.Let(names, self.expr(value) if value is not None else None, loc)
        if t == "assignment":
            target = n.child_by_field_name("target")
            result = n.child_by_field_name("result")
            if target is None or result is None:
                return ir.ExprStmt(self.opaque(n))
            inner = target.named_children[0] if target.named_children else target
            return ir.Assign(self.expr(inner), self.expr(result), loc)
        if t == "if_statement":
            return self.if_stmt(n)
        if t == "guard_statement":
            blocks = self._blocks_after_braces(n)
            orelse = blocks[-1][1] if blocks else ir.Block((), self.src.end_loc(n))
            return ir.Guard(self.conditions(n), orelse, loc)
        if t == "switch_statement":
            subject = n.child_by_field_name("expr")
            cases = []
            for entry in n.named_children:
                if entry.type != "switch_entry":
                    continue
                patterns = tuple(
                    self.pattern(p) for p in entry.named_children if p.type == "switch_pattern"
                )
                stmts = next((c for c in entry.named_children if c.type == "statements"), None)
                body = self.block_of(stmts.named_children if stmts else [], self.src.end_loc(entry))
                cases.append(ir.Case(patterns, body))
            return ir.Switch(
                self.expr(subject) if subject is not None else ir.Opaque((), loc), tuple(cases), loc
            )
        if t == "do_statement":
            groups = self._blocks_after_braces(n)
            body = groups[0][1] if groups else ir.Block((), self.src.end_loc(n))
            catches = tuple(self.braced(c) for c in n.named_children if c.type == "catch_block")
            return ir.Do(body, catches, loc)
        if t in ("for_statement", "while_statement", "repeat_while_statement"):
            header = tuple(
                self.expr(c)
                for i, c in enumerate(n.children)
                if n.field_name_for_child(i) in ("collection", "condition")
            )
            groups = self._blocks_after_braces(n)
            body = groups[0][1] if groups else ir.Block((), self.src.end_loc(n))
            return ir.Loop(header, body, loc)
        if t == "control_transfer_statement":
            first = n.children[0] if n.children else None
            kind = (
                "throw"
                if first is not None and first.type == "throw_keyword"
                else (self.src.text(first) if first is not None else "return")
            )
            values = [c for c in n.named_children if c.type != "throw_keyword"]
            return ir.Jump(kind, self.expr(values[0]) if values else None, loc)
        if t == "call_expression" and self._is_defer(n):
            closure = self._trailing_closures(n)[0]
            return ir.Defer(self.braced(closure), loc)
        if t in ("comment", "multiline_comment", "function_declaration", "class_declaration"):
            return None
        return ir.ExprStmt(self.expr(n))

    def if_stmt(self, n) -> ir.If:
        groups = self._blocks_after_braces(n)
        then = groups[0][1] if groups else ir.Block((), self.src.end_loc(n))
        orelse = None
        nested = next((c for c in n.named_children if c.type == "if_statement"), None)
        if nested is not None:
            inner = self.if_stmt(nested)
            orelse = ir.Block((inner,), self.src.end_loc(nested))
        elif len(groups) > 1:
            orelse = groups[1][1]
        return ir.If(self.conditions(n), then, orelse, self.src.loc(n))

    def conditions(self, n) -> tuple:
        """``if let x = v, y > 1`` → ``(Let(x, v), y > 1)``."""
        conds: list = []
        binding: list = []
        for i, child in enumerate(n.children):
            if n.field_name_for_child(i) != "condition" and not (
                binding and n.field_name_for_child(i) == "bound_identifier"
            ):
                continue
            if child.type == "value_binding_pattern":
                binding = [child]
            elif binding and n.field_name_for_child(i) == "bound_identifier":
                binding.append(child)
            elif child.type == "=" and binding:
                continue
            elif binding and len(binding) > 1:
                conds.append(
                    ir.Let((self.src.text(binding[1]),), self.expr(child), self.src.loc(binding[0]))
                )
                binding = []
            elif child.is_named:
                conds.append(self.expr(child))
        return tuple(conds)

    def pattern(self, node) -> ir.Expr:
        inner = node.named_children[0] if node.named_children else node
        if inner.type == "pattern":
            names = [c for c in inner.named_children if c.type == "simple_identifier"]
            if inner.children and inner.children[0].type == "." and names:
                return ir.Member(None, self.src.text(names[0]), self.src.loc(inner))
            return self.opaque(inner)
        return self.expr(inner)

    # -- expressions ----------------------------------------------------------------------

    def _expr(self, n) -> ir.Expr:
        t = n.type
        loc = self.src.loc(n)
        if t == "simple_identifier":
            return ir.Name(self.src.text(n), loc)
        if t == "self_expression":
            return ir.Name("self", loc)
        if t == "super_expression":
            return ir.Name("super", loc)
        if t == "navigation_expression":
            targets = [c for c in field_children(n, "target") if c.is_named]
            suffix = n.child_by_field_name("suffix")
            name_node = suffix.child_by_field_name("suffix") if suffix is not None else None
            base = self.expr(targets[0]) if targets else None
            if name_node is None:
                return ir.Opaque(tuple(x for x in (base,) if x is not None), loc)
            return ir.Member(base, self.src.text(name_node), loc)
        if t == "call_expression":
            if self._is_defer(n):
                return self.opaque(n)
            return self.call(n)
        if t == "prefix_expression":
            return self.prefix(n)
        if t in BINARY:
            lhs, rhs = n.child_by_field_name("lhs"), n.child_by_field_name("rhs")
            op = n.child_by_field_name("op")
            if lhs is None or rhs is None:
                return self.opaque(n)
            return ir.BinOp(
                self.src.text(op) if op is not None else "?", self.expr(lhs), self.expr(rhs), loc
            )
        if t == "tuple_expression":
            values = [c for c in n.named_children]
            return self.expr(values[0]) if len(values) == 1 else self.opaque(n)
        if t in ("line_string_literal", "multi_line_string_literal", "raw_string_literal"):
            return self.string(n)
        if t == "integer_literal" or t in ("hex_literal", "oct_literal", "bin_literal"):
            try:
                return ir.Lit(int(self.src.text(n).replace("_", ""), 0), loc)
            except ValueError:
                return ir.Opaque((), loc)
        if t == "real_literal":
            try:
                return ir.Lit(float(self.src.text(n).replace("_", "")), loc)
            except ValueError:
                return ir.Opaque((), loc)
        if t == "boolean_literal":
            return ir.Lit(self.src.text(n) == "true", loc)
        if t == "nil_literal":
            return ir.Lit(None, loc)
        if t == "as_expression":
            expr, type_node = n.child_by_field_name("expr"), n.child_by_field_name("name")
            if expr is None:
                return self.opaque(n)
            return ir.Cast(self.expr(expr), self.src.text(type_node) if type_node else "", loc)
        if t in ("try_expression", "await_expression"):
            inner = n.child_by_field_name("expr")
            if inner is None:
                named = [c for c in n.named_children if c.type not in ("try_operator",)]
                inner = named[-1] if named else None
            return self.expr(inner) if inner is not None else ir.Opaque((), loc)
        if t == "postfix_expression":  # x!, x?
            target = n.child_by_field_name("target")
            return self.expr(target) if target is not None else self.opaque(n)
        if t == "lambda_literal":
            return self.closure(n)
        if t == "selector_expression":
            names = [c for c in n.named_children if c.type != "selector"]
            name = self.src.text(names[0]).split("(")[0] if names else ""
            if "." in name:
                name = name.rsplit(".", 1)[1]
            return ir.Selector(name, loc)
        return self.opaque(n)

    def prefix(self, n) -> ir.Expr:
        loc = self.src.loc(n)
        op = n.children[0] if n.children else None
        operand = n.named_children[-1] if n.named_children else None
        if operand is not None and op is not None and op.type == "bang":
            return ir.Unary("!", self.expr(operand), loc)
        if op is None or operand is None or op.type != ".":
            if op is not None and self.src.text(op) == "-" and operand is not None:
                return ir.Unary("-", self.expr(operand), loc)
            return self.opaque(n) if operand is None else self.expr(operand)
        # ``.name``: tree-sitter-swift reads ``.now + 3600`` as ``.(now + 3600)``; the dot
        # belongs to the leftmost operand.
        if operand.type == "simple_identifier":
            return ir.Member(None, self.src.text(operand), loc)
        lowered = self.expr(operand)
        return _implicit_leftmost(lowered)

    def string(self, n) -> ir.Expr:
        loc = self.src.loc(n)
        parts: list[ir.Expr] = []
        text: list[str] = []
        for child in n.named_children:
            if child.type in ("line_str_text", "multi_line_str_text", "raw_str_part"):
                text.append(self.src.text(child))
            elif child.type == "str_escaped_char":
                raw = self.src.text(child)
                text.append(ESCAPES.get(raw[1:], raw) if len(raw) == 2 else raw)
            elif child.type == "interpolated_expression":
                if text:
                    parts.append(ir.Lit("".join(text), loc))
                    text = []
                value = child.child_by_field_name("value") or (
                    child.named_children[0] if child.named_children else None
                )
                parts.append(self.expr(value) if value is not None else ir.Opaque((), loc))
        if text:
            parts.append(ir.Lit("".join(text), loc))
        if not parts:
            return ir.Lit("", loc)
        if len(parts) == 1 and isinstance(parts[0], ir.Lit):
            return ir.Lit(parts[0].value, loc)
        return ir.Interp(tuple(parts), loc)

    def call(self, n) -> ir.Expr:
        loc = self.src.loc(n)
        callee_node = n.named_children[0] if n.named_children else None
        suffix = next((c for c in n.named_children if c.type == "call_suffix"), None)
        if callee_node is None or suffix is None:
            return self.opaque(n)
        args: list[ir.Arg] = []
        for part in suffix.named_children:
            if part.type == "value_arguments":
                for arg in part.named_children:
                    if arg.type != "value_argument":
                        continue
                    label_node = arg.child_by_field_name("name")
                    value = arg.child_by_field_name("value")
                    if value is None:
                        continue
                    label = self.src.text(label_node).strip() if label_node is not None else None
                    args.append(ir.Arg(label, self.expr(value)))
            elif part.type in ("lambda_literal", "annotated_lambda"):
                lam = (
                    part
                    if part.type == "lambda_literal"
                    else next((c for c in part.named_children if c.type == "lambda_literal"), None)
                )
                if lam is not None:
                    args.append(ir.Arg(None, self.closure(lam), trailing=True))
        if callee_node.type == "navigation_expression":  # a.b.c(…): where c is written
            suffix_node = callee_node.child_by_field_name("suffix")
            name_node = suffix_node.child_by_field_name("suffix") if suffix_node else None
            if name_node is not None:
                loc = self.src.loc(name_node)
        return ir.Call(self.expr(callee_node), tuple(args), loc)

    def closure(self, n) -> ir.Closure:
        params: list[str] = []
        ftype = next((c for c in n.named_children if c.type == "lambda_function_type"), None)
        if ftype is not None:
            for holder in ftype.named_children:
                if holder.type == "lambda_function_type_parameters":
                    for p in holder.named_children:
                        names = [c for c in p.named_children if c.type == "simple_identifier"]
                        params.append(self.src.text(names[0]) if names else self.src.text(p))
                elif holder.type == "simple_identifier":
                    params.append(self.src.text(holder))
        return ir.Closure(tuple(params), self.braced(n), self.src.loc(n))

    def _is_defer(self, n) -> bool:
        callee = n.named_children[0] if n.named_children else None
        return (
            callee is not None
            and callee.type == "simple_identifier"
            and self.src.text(callee) == "defer"
            and bool(self._trailing_closures(n))
        )

    @staticmethod
    def _trailing_closures(n) -> list:
        suffix = next((c for c in n.named_children if c.type == "call_suffix"), None)
        return [c for c in suffix.named_children if c.type == "lambda_literal"] if suffix else []


def _implicit_leftmost(expr: ir.Expr) -> ir.Expr:
    if isinstance(expr, ir.Name):
        return ir.Member(None, expr.name, expr.loc)
    if isinstance(expr, ir.BinOp):
        return ir.BinOp(expr.op, _implicit_leftmost(expr.left), expr.right, expr.loc)
    if isinstance(expr, ir.Member) and expr.base is not None:
        return ir.Member(_implicit_leftmost(expr.base), expr.name, expr.loc)
    if isinstance(expr, ir.Call):
        return ir.Call(_implicit_leftmost(expr.callee), expr.args, expr.loc)
    return expr
