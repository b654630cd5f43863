"""Typed reads of located YAML nodes that collect problems instead of stopping at the first.

Each reader returns a usable default after recording a problem, so one pass over the document
lists every mistake; the loader builds the model only when no problem was recorded.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bgreplay.errors import Location, Problem
from bgreplay.scenario.durations import FormatError, describe, parse_duration
from bgreplay.scenario.yamlnodes import Node

T = TypeVar("T")
Word = TypeVar("Word", bound=str)
Path_ = tuple[str, ...]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` — did you mean 'x'?`` or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def one_of(choices: Sequence[str]) -> str:
    return ", ".join(choices)


@dataclass
class Ctx:
    """Where we are reading (file, folder) and what went wrong so far."""

    file: str
    base_dir: Path
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    prefix: str = ""  # "variant 'x': " while checking a variant

    def error(self, loc: Location, path: Path_, message: str, fix: str = "") -> None:
        self.problems.append(Problem(loc, self.prefix + message, fix, "/".join(path)))

    def warn(self, loc: Location, path: Path_, message: str, fix: str = "") -> None:
        self.warnings.append(
            Problem(loc, self.prefix + message, fix, "/".join(path), severity="warning")
        )

    def fields(
        self,
        node: Node | None,
        path: Path_,
        allowed: Sequence[str],
        *,
        required: Sequence[str] = (),
        key_loc: Location | None = None,
    ) -> dict[str, Node]:
        """A mapping's entries after checking for unknown and missing keys (null reads as {})."""
        if node is None or node.value is None:
            if required:
                self.error(
                    key_loc or Location(self.file, 1, 1),
                    path,
                    f"missing required key '{required[0]}'",
                    f"add {required[0]}: ...",
                )
            return {}
        if not node.is_map:
            self.error(
                node.loc,
                path,
                f"expected a mapping (key: value lines), got {describe(node.value)}",
                f"keys allowed here: {one_of(allowed)}",
            )
            return {}
        keys = node.keys or {}
        for name in node.map:
            if name not in allowed:
                self.error(
                    keys.get(name, node.loc),
                    (*path, name),
                    f"unknown key '{name}'{did_you_mean(name, allowed)}",
                    f"keys allowed here: {one_of(allowed)}",
                )
        for name in required:
            if name not in node.map:
                typo = [k for k in node.map if k not in allowed and did_you_mean(k, [name])]
                if typo:  # already reported as "unknown key ... did you mean": one problem
                    continue
                self.error(
                    key_loc or node.loc, path, f"missing required key '{name}'", f"add {name}: ..."
                )
        return {k: v for k, v in node.map.items() if k in allowed}

    def read(self, node: Node | None, path: Path_, default: T, parse: Callable[[Node], T]) -> T:
        """``parse(node)``, or ``default`` when absent or invalid (the problem is recorded)."""
        if node is None:
            return default
        try:
            return parse(node)
        except FormatError as exc:
            self.error(node.loc, path, exc.message, exc.fix)
        except (ValueError, TypeError, ArithmeticError) as exc:  # never a traceback for input
            self.error(
                node.loc,
                path,
                f"cannot read this value ({exc})",
                "check the value's format against the scenario reference",
            )
        return default

    def key_loc(self, node: Node, name: str) -> Location:
        return (node.keys or {}).get(name, node.loc) if node.is_map else node.loc


def as_bool(node: Node) -> bool:
    if isinstance(node.value, bool):
        return node.value
    raise FormatError(f"expected true or false, got {describe(node.value)}", "write true or false")


def as_str(node: Node) -> str:
    if node.is_scalar and node.value is not None and not isinstance(node.value, bool):
        return node.text().strip() if isinstance(node.value, str) else node.text()
    raise FormatError(f"expected text, got {describe(node.value)}", "write a name or quote it")


def as_int(lo: int | None = None, hi: int | None = None) -> Callable[[Node], int]:
    def parse(node: Node) -> int:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int):
            raise FormatError(f"expected a whole number, got {describe(v)}", "e.g. 7")
        _check_range(v, lo, hi)
        return v

    return parse


def as_number(
    lo: float | None = None, hi: float | None = None, *, above: float | None = None
) -> Callable[[Node], float]:
    """A finite number within [lo, hi] (or strictly above ``above``)."""

    def parse(node: Node) -> float:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise FormatError(f"expected a number, got {describe(v)}", "e.g. 0.5")
        if above is not None and v <= above:
            raise FormatError(
                f"expected a number above {above:g}, got {v}", f"use a number above {above:g}"
            )
        _check_range(v, lo, hi)
        return float(v)

    return parse


def _check_range(v: float, lo: float | None, hi: float | None) -> None:
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        low = "" if lo is None else f"{lo:g}"
        high = "" if hi is None else f"{hi:g}"
        raise FormatError(
            f"{v} is outside {low}..{high}",
            f"use a value from {low} to {high}"
            if lo is not None and hi is not None
            else f"use a value ≥ {low}"
            if lo is not None
            else f"use a value ≤ {high}",
        )


def member(value: object, choices: Sequence[Word]) -> Word | None:
    """The choice equal to ``value`` (typed as the choices are: a ``Literal``), or None."""
    return next((choice for choice in choices if choice == value), None)


def as_enum(choices: Sequence[Word], what: str) -> Callable[[Node], Word]:
    def parse(node: Node) -> Word:
        text = node.text().strip() if node.is_scalar else None
        if isinstance(node.value, bool):  # YAML 1.1 reads no/off/yes/on as booleans
            text = None
        choice = member(text, choices) if text is not None else None
        if choice is None:
            shown = describe(node.value) if text is None else f"'{text}'"
            hint = did_you_mean(text, choices) if text else ""
            raise FormatError(f"{shown} is not {what}{hint}", f"use one of: {one_of(choices)}")
        return choice

    return parse


def as_duration(*, allow_zero: bool = False) -> Callable[[Node], int]:
    return lambda node: parse_duration(node.value, allow_zero=allow_zero)


def as_list(item: Callable[[Node], T], ctx: Ctx, path: Path_) -> Callable[[Node], list[T]]:
    """A list whose items are each read with ``item``; a single value counts as a list of one."""

    def parse(node: Node) -> list[T]:
        if node.is_map:
            raise FormatError("expected a list, got a mapping", "write [a, b] or one '- a' a line")
        items = node.items if node.is_list else [] if node.value is None else [node]
        out: list[T] = []
        for i, child in enumerate(items):
            sentinel = object()
            value = ctx.read(child, (*path, str(i)), sentinel, item)
            if value is not sentinel:
                out.append(value)  # type: ignore[arg-type]
        return out

    return parse


def present(node: Node | None) -> Node | None:
    """``None`` for an absent key or one written as null (both mean: the default)."""
    return None if node is None or node.value is None else node
