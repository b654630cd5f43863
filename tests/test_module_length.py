"""STYLE: no module over ~400 lines without a reason. A module past 450 lines says why in its
docstring ("Longer than most modules: ..."); one that cannot is split along its seams."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "bgreplay"
LIMIT = 450  # "~400": a little past it is no reason to split
REASON = "Longer than most modules"


def test_every_long_module_says_why_it_is_long() -> None:
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_cengine" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if lines > LIMIT and REASON not in " ".join(docstring.split()):
            unexplained.append(f"{path.relative_to(PACKAGE.parent)}: {lines} lines")
    assert not unexplained, "long modules without a reason in their docstring:\n" + "\n".join(
        unexplained
    )
