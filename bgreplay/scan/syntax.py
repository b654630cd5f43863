"""What both front ends share: positions in a file and a guard against runaway nesting."""

from __future__ import annotations

from bgreplay.errors import Location

MAX_DEPTH = 150  # deeper expressions are kept as opaque: no analysis needs them


class TooDeep(Exception):
    """An expression nested deeper than ``MAX_DEPTH``."""


class Source:
    """One parsed file: its bytes, its name as shown to the user, and positions in it."""

    def __init__(self, rel: str, data: bytes, tree):
        self.rel = rel
        self.data = data
        self.tree = tree
        self.depth = 0

    def loc(self, node) -> Location:
        row, col = node.start_point
        return Location(self.rel, row + 1, self._column(node.start_byte, col))

    def end_loc(self, node) -> Location:
        """Where the node's last character is (a closing brace, for a block)."""
        row, col = node.end_point
        return Location(self.rel, row + 1, max(1, self._column(node.end_byte, col) - 1))

    def _column(self, byte: int, col: int) -> int:
        """1-based column in characters (tree-sitter counts bytes)."""
        line = self.data[byte - col : byte]
        return (col if line.isascii() else len(line.decode("utf-8", "replace"))) + 1

    def text(self, node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def field_children(node, name: str) -> list:
    return [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == name]


class Lowerer:
    """What both front ends' lowering shares: depth-guarded ``stmt`` / ``expr`` around their
    ``_stmt`` / ``_expr``, and ``opaque`` for constructs the analysis does not model."""

    def __init__(self, src: Source):
        self.src = src
        self.depth = 0

    def stmt(self, n):
        return self._guarded(self._stmt, n)

    def expr(self, n):
        return self._guarded(self._expr, n)

    def _guarded(self, lower, n):
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise TooDeep
            return lower(n)
        finally:
            self.depth -= 1

    def _stmt(self, n):
        raise NotImplementedError

    def _expr(self, n):
        raise NotImplementedError

    def opaque(self, n):
        from bgreplay.scan import ir

        return ir.Opaque(
            tuple(self.expr(c) for c in n.named_children if not c.type.endswith("comment")),
            self.src.loc(n),
        )
