"""Overrides (SPEC §4.8): ``--set PATH=VALUE`` and variants, applied to the YAML before validation.

A path is ``/``-separated keys; a segment may be an ``fnmatch`` pattern. A pattern that matches
nothing is an error (a typo must not silently compare identical runs), and a literal key may be
added only inside fixed-schema maps, never as a new app, task or variant.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from bgreplay.errors import InputError, Location
from bgreplay.scenario.durations import describe
from bgreplay.scenario.reader import Ctx, did_you_mean
from bgreplay.scenario.schema import is_free_map
from bgreplay.scenario.yamlnodes import Node, parse_text, relocated

_GLOB = frozenset("*?[")
_FREE_WHAT = {"apps": "app", "variants": "variant", "tasks": "task"}


@dataclass(frozen=True, slots=True)
class Override:
    """One ``PATH=VALUE``: where it was written (``loc``) and the value to put there."""

    text: str  # the path as written
    segments: tuple[str, ...]
    value: Node
    loc: Location

    @property
    def touches_expect(self) -> bool:
        return self.segments[:1] == ("expect",)


def parse_set(text: str, ctx: Ctx) -> Override | None:
    """A ``--set PATH=VALUE`` string; VALUE is YAML (``[app_launch]``, ``15m``, ``true``)."""
    loc = Location(f"--set {text}")
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        ctx.error(
            loc,
            (),
            "an override is PATH=VALUE",
            "e.g. --set apps/*/tasks/*refresh/earliest_begin=15m",
        )
        return None
    try:
        value = parse_text(raw, loc.file)
    except InputError as exc:
        first = exc.problems[0]
        ctx.error(
            loc,
            (),
            f"the value is not valid YAML: {first.message}",
            "quote it: --set 'PATH=\"text\"'",
        )
        return None
    node = relocated(value, loc) if value is not None else Node(None, loc, "")
    return _make(path.strip(), node, loc, ctx)


def variant_overrides(node: Node, name: str, ctx: Ctx) -> list[Override]:
    """The overrides of one variant (a mapping of PATH: VALUE)."""
    if node.value is None:
        return []
    if not node.is_map:
        ctx.error(
            node.loc,
            ("variants", name),
            f"a variant is a mapping of PATH: VALUE, got {describe(node.value)}",
            "e.g. apps/*/tasks/*refresh/earliest_begin: 15m",
        )
        return []
    out = []
    for path, value in node.map.items():
        ov = _make(path, value, ctx.key_loc(node, path), ctx)
        if ov is not None:
            out.append(ov)
    return out


def _make(path: str, value: Node, loc: Location, ctx: Ctx) -> Override | None:
    segments = tuple(s.strip() for s in path.strip().strip("/").split("/"))
    if any(not s for s in segments):
        ctx.error(
            loc,
            (),
            f"override path '{path}' has an empty segment",
            "separate keys with a single '/'",
        )
        return None
    if segments[0] in ("variants", "bgreplay"):
        ctx.error(
            loc, (), f"an override cannot change '{segments[0]}'", "edit the scenario file instead"
        )
        return None
    return Override(path, segments, value, loc)


def apply(root: Node, ov: Override, ctx: Ctx) -> Node:
    """``root`` with ``ov`` applied at every path it matches; problems go to ``ctx``."""
    frontier: list[tuple[tuple[str, ...], Node | None]] = [((), root)]
    for seg in ov.segments:
        found: list[tuple[tuple[str, ...], Node | None]] = []
        failure = ""
        for path, node in frontier:
            children, why = _step(path, node, seg)
            found += children
            failure = failure or why
        if not found:
            ctx.error(
                ov.loc,
                ov.segments,
                f"override '{ov.text}': {failure}",
                "check the spelling; a path that matches nothing would silently compare "
                "identical runs",
            )
            return root
        frontier = found
    for path, _ in frontier:
        root = _set(root, path, ov.value, ov.loc)
    return root


def _step(
    path: tuple[str, ...], node: Node | None, seg: str
) -> tuple[list[tuple[tuple[str, ...], Node | None]], str]:
    """The children of ``node`` that ``seg`` selects, or why there are none."""
    where = "/".join(path) or "the top level"
    glob = bool(_GLOB & set(seg))
    if node is not None and node.is_list:
        names = [str(i) for i in range(len(node.items))]
        hits = [n for n in names if fnmatchcase(n, seg)]
        if hits:
            return [((*path, n), node.items[int(n)]) for n in hits], ""
        return [], f"'{seg}' is not an index of the list at {where} (0..{len(names) - 1})"
    if node is not None and not node.is_map and node.value is not None:
        return [], (
            f"{where} is {describe(node.value)}, not a mapping: set the whole value "
            f"(--set {where}={{...}})"
        )
    keys = list(node.map) if node is not None and node.is_map else []
    if glob:
        hits = [k for k in keys if fnmatchcase(k, seg)]
        if hits:
            return [((*path, k), node.map[k]) for k in hits], ""  # type: ignore[union-attr]
        return [], f"'{seg}' matches nothing at {where}; keys there: {_listing(keys)}"
    if seg in keys:
        return [((*path, seg), node.map[seg])], ""  # type: ignore[union-attr]
    if is_free_map(path):
        what = _FREE_WHAT[path[-1]]
        return [], (
            f"there is no {what} '{seg}' at {where}{did_you_mean(seg, keys)} "
            f"(an override cannot add a new {what}); {what}s there: {_listing(keys)}"
        )
    return [((*path, seg), None)], ""


def _listing(keys: list[str]) -> str:
    if not keys:
        return "(none)"
    shown = ", ".join(keys[:8])
    return shown + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")


def _set(node: Node | None, path: tuple[str, ...], value: Node, loc: Location) -> Node:
    """A copy of ``node`` with ``value`` at ``path``; only the nodes along the path are new."""
    if not path:
        return value
    seg, rest = path[0], path[1:]
    if node is not None and node.is_list:
        items = list(node.items)
        items[int(seg)] = _set(items[int(seg)], rest, value, loc)
        return Node(items, node.loc)
    base = node.map if node is not None and node.is_map else {}
    keys = dict((node.keys or {}) if node is not None and node.is_map else {})
    out = dict(base)
    out[seg] = _set(base.get(seg), rest, value, loc)
    if seg not in base or not rest:
        keys[seg] = loc
    return Node(out, node.loc if node is not None else loc, None, keys)
