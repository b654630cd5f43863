"""The tree-sitter grammars for Swift and Objective-C, loaded once, with a clear message when the
optional dependencies are missing.

The grammars come as wheels (``tree-sitter``, ``tree-sitter-swift``, ``tree-sitter-objc``: no
compiler needed); they are the ``scan`` extra, which ``.[dev]`` includes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from bgreplay.errors import InputError

if TYPE_CHECKING:
    from tree_sitter import Parser, Point, Tree

INSTALL_FIX = (
    "install the source parsers: pip install 'bgreplay[scan]' (make demo and make test do)"
)
PARSE_SECONDS = 10.0  # one file's parse budget: a pathological file is skipped, not waited for
CHUNK = 64 * 1024


@cache
def _parser(language: str) -> Parser:
    try:
        import tree_sitter

        grammar: Callable[[], object]  # the language's pointer, for tree_sitter.Language
        if language == "swift":
            import tree_sitter_swift

            grammar = tree_sitter_swift.language
        else:
            import tree_sitter_objc

            grammar = tree_sitter_objc.language
    except ImportError as exc:
        raise InputError(
            f"bgreplay scan needs the tree-sitter grammars, which are not installed ({exc.name})",
            fix=INSTALL_FIX,
        ) from None
    return tree_sitter.Parser(tree_sitter.Language(grammar()))


def require_grammars() -> None:
    """Fail early, with the install command, when the parsers are missing."""
    _parser("swift")
    _parser("objc")


class ParseTimeout(Exception):
    """The file took longer than ``PARSE_SECONDS`` to parse."""


def parse(language: str, data: bytes) -> Tree:
    """The tree-sitter tree of ``data``; raises ``ParseTimeout`` past the time budget."""
    parser = _parser(language)
    deadline = time.monotonic() + PARSE_SECONDS

    def read(offset: int, _point: Point) -> bytes:
        return data[offset : offset + CHUNK]

    def progress(*_state: object) -> bool:
        return time.monotonic() > deadline

    try:
        tree = parser.parse(read, progress_callback=progress)
    except ValueError:  # the progress callback stopped it
        tree = None
    if tree is None:
        raise ParseTimeout
    return tree
