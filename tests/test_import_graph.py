"""The package's import graph runs one way (STYLE: files → model → engine → records → frames →
output): the engine imports only model modules, the loader of scenarios and the trace readers
do not import each other both ways, and nothing below the API (the fleet, the analyses) imports
it or the command line."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "bgreplay"
# what the engine may import from outside itself: the model it replays, the named streams and
# the collector's pause
ENGINE_MAY_IMPORT = {
    "bgreplay.scenario.model",
    "bgreplay.trace.model",
    "bgreplay.rng",
    "bgreplay.gcpause",
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module → the bgreplay modules it imports (at the top, in functions, for type checks)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        if "_cengine" in path.parts:
            continue
        module = _module(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [f"{base}.{a.name}" for a in node.names] + [base]
            else:
                continue
            graph[module] |= {n for n in names if n.startswith("bgreplay")}
    return graph


def test_the_engine_imports_only_model_modules() -> None:
    outside = {
        (m, i)
        for m, imported in _imports().items()
        if m.startswith("bgreplay.engine")
        for i in imported
        if not i.startswith("bgreplay.engine")
        and i not in ENGINE_MAY_IMPORT
        and i.rpartition(".")[0] not in ENGINE_MAY_IMPORT
    }
    assert not outside


def test_scenario_and_trace_do_not_import_each_other_both_ways() -> None:
    graph = _imports()
    up = any(
        i.startswith("bgreplay.trace")
        for m, imported in graph.items()
        if m.startswith("bgreplay.scenario")
        for i in imported
    )
    down = any(
        i.startswith("bgreplay.scenario")
        for m, imported in graph.items()
        if m.startswith("bgreplay.trace")
        for i in imported
    )
    assert not (up and down)


def test_the_fleet_does_not_import_the_api() -> None:
    graph = _imports()
    assert not {
        m
        for m, imported in graph.items()
        if m.startswith("bgreplay.fleet")
        and any(i == "bgreplay.api" or i.startswith("bgreplay.api.") for i in imported)
    }


def test_nothing_below_the_api_imports_the_api_or_the_command_line() -> None:
    top = ("bgreplay.api", "bgreplay.cli")
    below = {
        m
        for m, imported in _imports().items()
        if m not in ("bgreplay", "bgreplay.__main__")
        and not m.startswith(top)
        and any(i.startswith(top) for i in imported)
    }
    assert not below
