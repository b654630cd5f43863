"""Swift front end: tree-sitter-swift's syntax tree lowered to ``ir`` nodes.

``index`` reads declarations only (types, functions, constants, enum cases); a function's body
is lowered (``swift_lowering``) when the analysis first asks for it, so a large folder costs
little more than the files that matter.
"""

from __future__ import annotations

from bgreplay.scan import ir
from bgreplay.scan.swift_lowering import Lowering
from bgreplay.scan.syntax import Source, field_children

TYPE_DECLS = ("class_declaration", "protocol_declaration")
FUNC_DECLS = ("function_declaration", "init_declaration")


def index(src: Source) -> ir.FileIndex:
    out = ir.FileIndex()
    top: list = []
    for child in src.tree.root_node.named_children:
        if child.type in TYPE_DECLS:
            _index_type(src, child, out)
        elif child.type == "function_declaration":
            out.funcs.append(_func(src, child, None, ()))
        elif child.type == "property_declaration":
            _index_property(src, child, None, (), out)
        elif child.type not in ("import_declaration", "comment", "multiline_comment"):
            top.append(child)
    if top:  # top-level code: main.swift, Package.swift
        first, last = top[0], top[-1]
        out.funcs.append(
            ir.Func(
                "<top-level>",
                (),
                (),
                None,
                (),
                "toplevel",
                src.loc(first),
                (first.start_byte, last.end_byte),
                src.rel,
                lower=lambda: Lowering(src).block_of(top, src.end_loc(last)),
            )
        )
    return out


def _type_name(src: Source, node) -> str:
    name = node.child_by_field_name("name")
    return src.text(name).split("<")[0].split(".")[-1].strip() if name is not None else ""


def _index_type(src: Source, node, out: ir.FileIndex, outer: str | None = None) -> None:
    owner = _type_name(src, node) or outer
    bases = tuple(
        src.text(spec).split("<")[0].strip()
        for spec in node.named_children
        if spec.type == "inheritance_specifier"
    )
    body = node.child_by_field_name("body")
    if body is None:
        return
    kind = node.child_by_field_name("declaration_kind")
    is_enum = kind is not None and kind.type == "enum"
    string_enum = is_enum and "String" in bases
    for member in body.named_children:
        if member.type in TYPE_DECLS:
            _index_type(src, member, out, owner)
        elif member.type in FUNC_DECLS:
            out.funcs.append(_func(src, member, owner, bases))
        elif member.type == "property_declaration":
            _index_property(src, member, owner, bases, out)
        elif member.type == "enum_entry" and string_enum:
            _index_cases(src, member, owner, out)


def _index_cases(src: Source, entry, owner: str | None, out: ir.FileIndex) -> None:
    """``case refresh = "io.x.refresh", plain``: a case without a raw value is its own name."""
    pending = None
    for i, child in enumerate(entry.children):
        fname = entry.field_name_for_child(i)
        if fname == "name":
            if pending is not None:
                out.consts.append(
                    ir.Const(
                        owner,
                        src.text(pending),
                        ir.Lit(src.text(pending), src.loc(pending)),
                        src.loc(pending),
                        enum_case=True,
                    )
                )
            pending = child
        elif fname == "raw_value" and pending is not None:
            lowered = Lowering(src).expr(child)
            out.consts.append(
                ir.Const(owner, src.text(pending), lowered, src.loc(pending), enum_case=True)
            )
            pending = None
    if pending is not None:
        out.consts.append(
            ir.Const(
                owner,
                src.text(pending),
                ir.Lit(src.text(pending), src.loc(pending)),
                src.loc(pending),
                enum_case=True,
            )
        )


def _index_property(src: Source, node, owner, bases, out: ir.FileIndex) -> None:
    names = [c for c in field_children(node, "name") if c.type == "pattern"]
    if not names:
        return
    name = src.text(names[0]).strip()
    computed = node.child_by_field_name("computed_value")
    value = node.child_by_field_name("value")
    mutability = node.named_children[0] if node.named_children else None
    if computed is not None:
        func = ir.Func(
            name,
            (),
            (),
            owner,
            bases,
            "property",
            src.loc(node),
            (node.start_byte, node.end_byte),
            src.rel,
            lower=lambda: Lowering(src).computed(computed),
        )
        out.funcs.append(func)
        returned = _single_value(src, computed)
        if returned is not None:  # ``static var id: String { "io.x.refresh" }``
            out.consts.append(ir.Const(owner, name, returned, src.loc(node)))
    elif value is not None:
        is_let = (
            any(
                src.text(c).startswith("let")
                for c in node.named_children
                if c.type == "value_binding_pattern"
            )
            or mutability is None
        )
        if is_let or value.type in ("line_string_literal", "integer_literal", "real_literal"):
            out.consts.append(ir.Const(owner, name, Lowering(src).expr(value), src.loc(node)))


def _single_value(src: Source, computed):
    stmts = [c for c in computed.named_children if c.type == "statements"]
    if len(stmts) != 1 or len(stmts[0].named_children) != 1:
        return None
    only = stmts[0].named_children[0]
    if only.type == "control_transfer_statement":
        values = [c for c in only.named_children if c.type != "throw_keyword"]
        only = values[0] if values else None
    if only is None or only.type not in (
        "line_string_literal",
        "additive_expression",
        "navigation_expression",
        "simple_identifier",
    ):
        return None
    return Lowering(src).expr(only)


def _func(src: Source, node, owner: str | None, bases: tuple[str, ...]) -> ir.Func:
    params = []
    for p in node.named_children:
        if p.type != "parameter":
            continue
        external = p.child_by_field_name("external_name")
        names = [c for c in field_children(p, "name")]
        internal = src.text(names[0]) if names else "_"
        type_name = src.text(names[1]) if len(names) > 1 else ""
        label = src.text(external) if external is not None else internal
        default = _default_value(src, node, p)
        params.append(ir.Param(label, internal, type_name, default))
    if node.type == "init_declaration":
        name, kind = "init", "init"
    else:
        name_node = node.child_by_field_name("name")
        name, kind = (src.text(name_node) if name_node is not None else "?"), "func"
    body = node.child_by_field_name("body")
    return ir.Func(
        name,
        tuple(p.label for p in params),
        tuple(params),
        owner,
        bases,
        kind,
        src.loc(node),
        (node.start_byte, node.end_byte),
        src.rel,
        lower=lambda: Lowering(src).function_body(body, node),
    )


def _default_value(src: Source, decl, param):
    """``x: Int = 2``: tree-sitter-swift puts the default after the parameter, as a sibling."""
    siblings = decl.children
    at = next(i for i, c in enumerate(siblings) if c.id == param.id)
    for i in range(at + 1, len(siblings)):
        if siblings[i].type == "=":
            continue
        if decl.field_name_for_child(i) == "default_value":
            return Lowering(src).expr(siblings[i])
        break
    return None
