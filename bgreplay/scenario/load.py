"""Load a scenario in stages (SPEC §4): read YAML nodes → apply overrides → validate → build.

Every problem is collected with its file, line, column and key path, and all of them are raised
together as one ``InputError`` (exit 2). ``bgreplay: 1`` is checked first: a file in another
format version is not worth reading further.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

from bgreplay.errors import InputError, Location, Problem
from bgreplay.scenario import schema as S
from bgreplay.scenario.device import read_device
from bgreplay.scenario.durations import (
    DAY,
    HOUR,
    FormatError,
    describe,
    format_duration,
    parse_duration,
    parse_instant,
    parse_timezone,
)
from bgreplay.scenario.limits import (
    MAX_CONTENT_CHANGES,
    MAX_DURATION_DAYS,
    MAX_VARIANTS,
    MIN_DURATION_HOURS,
)
from bgreplay.scenario.model import (
    Scenario,
    SourceMap,
)
from bgreplay.scenario.overrides import Override, apply, parse_set, variant_overrides
from bgreplay.scenario.reader import (
    Ctx,
    as_int,
    as_str,
    did_you_mean,
    one_of,
)
from bgreplay.scenario.scheduler import read_expect, read_observation, read_scheduler
from bgreplay.scenario.sections import read_apps
from bgreplay.scenario.yamlnodes import Node, read_yaml

MAX_SHOWN = 20
MIN_DURATION, MAX_DURATION = MIN_DURATION_HOURS * HOUR, MAX_DURATION_DAYS * DAY


def load_scenario(
    path: Path, overrides: Sequence[str] = (), variant: str | None = None
) -> Scenario:
    """Read, override, validate and build one scenario; raise ``InputError`` listing problems.

    ``overrides`` are ``PATH=VALUE`` strings applied after the variant's own overrides. Loading
    the base scenario also checks that every variant applies and validates.
    """
    path = Path(path)
    file = str(path)
    root = read_yaml(path)
    if root is None or not root.is_map:
        what = "empty" if root is None else f"{describe(root.value)}, not a mapping"
        raise InputError(
            Problem(
                Location(file, 1, 1),
                f"the scenario is {what}",
                "start the file with bgreplay: 1, then name: ..., start: ...",
            )
        )
    _check_version(root, file)
    ctx = Ctx(file, path.parent)
    variants = _read_variants(ctx, root)
    sets = [ov for ov in (parse_set(text, ctx) for text in overrides) if ov is not None]
    if variant == "base" and "base" not in variants:
        variant = None
    if variant is not None and variant not in variants:
        listed = one_of(list(variants)) or "(this scenario has none)"
        ctx.error(
            Location(file),
            ("variants",),
            f"unknown variant '{variant}'{did_you_mean(variant, variants)}",
            f"variants: {listed}",
        )
    _raise_if(ctx, file)
    scenario = _load_one(ctx, root, path, variants.get(variant, []) if variant else [], sets)
    _raise_if(ctx, file)
    if variant is None:
        for name, ovs in variants.items():
            vctx = Ctx(file, path.parent, prefix=f"variant '{name}': ")
            _load_one(vctx, root, path, ovs, sets)
            ctx.problems += vctx.problems
        _raise_if(ctx, file)
    assert scenario is not None
    return replace(
        scenario,
        warnings=tuple(_ordered(ctx.warnings, file)),
        variant=variant or "base",
        variant_names=tuple(variants),
        overrides=tuple(overrides),
        variants_with_expect=tuple(
            n for n, ovs in variants.items() if any(o.touches_expect for o in ovs)
        ),
    )


def _load_one(
    ctx: Ctx, root: Node, path: Path, ovs: list[Override], sets: list[Override]
) -> Scenario | None:
    doc = root
    for ov in (*ovs, *sets):
        doc = apply(doc, ov, ctx)
    if ctx.problems:
        return None
    scenario = _build(ctx, doc, path)
    return None if ctx.problems else scenario


def _raise_if(ctx: Ctx, file: str) -> None:
    if ctx.problems:
        raise InputError(_ordered(ctx.problems, file, limit=MAX_SHOWN))


def _ordered(problems: list[Problem], file: str, limit: int | None = None) -> list[Problem]:
    """Unique problems in file order (overrides after the file), at most ``limit`` of them."""
    seen: set[tuple[Location, str]] = set()
    unique = []
    for p in problems:
        if (p.location, p.message) not in seen:
            seen.add((p.location, p.message))
            unique.append(p)
    unique.sort(key=lambda p: (p.location.file != file, p.location.line, p.location.column))
    if limit is None or len(unique) <= limit:
        return unique
    more = len(unique) - limit
    return [
        *unique[:limit],
        Problem(
            Location(file), f"... and {more} more problems", "fix the ones above and run again"
        ),
    ]


def _check_version(root: Node, file: str) -> None:
    node = root.map.get("bgreplay")
    if node is None:
        near = [k for k in root.map if did_you_mean(k, ["bgreplay"])]
        hint = f" ('{near[0]}' looks like a misspelling)" if near else ""
        loc = (root.keys or {}).get(near[0], Location(file, 1, 1)) if near else Location(file, 1, 1)
        raise InputError(
            Problem(
                loc,
                f"missing the format version 'bgreplay: 1'{hint}",
                "add the line  bgreplay: 1  at the top of the file",
                "bgreplay",
            )
        )
    if isinstance(node.value, bool) or node.value not in (1, "1"):
        raise InputError(
            Problem(
                node.loc,
                f"unsupported format version {node.text()!r}; this bgreplay reads version 1",
                "write bgreplay: 1",
                "bgreplay",
            )
        )


def _read_variants(ctx: Ctx, root: Node) -> dict[str, list[Override]]:
    node = root.map.get("variants")
    if node is None or node.value is None:
        return {}
    if not node.is_map:
        ctx.error(
            node.loc,
            ("variants",),
            "variants is a mapping of name → overrides",
            "e.g. variants:\n      short-delay: {apps/*/tasks/*/earliest_begin: 15m}",
        )
        return {}
    if len(node.map) > MAX_VARIANTS:
        ctx.error(
            node.loc,
            ("variants",),
            f"{len(node.map)} variants; a scenario holds at most {MAX_VARIANTS}",
            "keep the variants you compare; sweep a value from the "
            "command line with compare --vary PATH=V1,V2,...",
        )
        return {}
    return {name: variant_overrides(v, name, ctx) for name, v in node.map.items()}


def _build(ctx: Ctx, doc: Node, path: Path) -> Scenario:
    f = ctx.fields(doc, (), S.TOP_KEYS, required=("start", "duration"))
    timezone = ctx.read(f.get("timezone"), ("timezone",), "UTC", lambda n: parse_timezone(n.value))
    start = ctx.read(f.get("start"), ("start",), None, lambda n: _start(n, timezone))
    duration = ctx.read(f.get("duration"), ("duration",), DAY, _scenario_duration)
    device = read_device(ctx, f.get("device"))
    apps = read_apps(ctx, f.get("apps"), device)
    scenario = Scenario(
        name=ctx.read(f.get("name"), ("name",), path.stem, as_str),
        description=ctx.read(f.get("description"), ("description",), "", as_str),
        seed=ctx.read(f.get("seed"), ("seed",), 0, as_int(0)),
        start=start or parse_instant("2000-01-01T00:00"),
        duration_ms=duration,
        timezone=timezone,
        device=device,
        apps=apps,
        scheduler=read_scheduler(ctx, f.get("scheduler")),
        expect=read_expect(ctx, f.get("expect")),
        observation=read_observation(ctx, f.get("observation")),
        path=path,
        source=SourceMap(ctx.file, MappingProxyType(_source_locations(doc, ctx.file))),
    )
    if device.persona is not None and "seed" not in (_map(f.get("device"), "persona") or {}):
        device = replace(device, persona=replace(device.persona, seed=scenario.seed))
        scenario = replace(scenario, device=device)
    _check_timeline_refs(ctx, scenario)
    _check_persona_apps(ctx, scenario)
    _check_content_changes(ctx, scenario)
    return scenario


def _check_persona_apps(ctx: Ctx, scenario: Scenario) -> None:
    """``persona.opens_per_day`` names apps of the scenario: a rate for anything else would be
    silently unused."""
    persona = scenario.device.persona
    bundles = [a.bundle for a in scenario.apps]
    for bundle, _ in persona.opens_per_day if persona is not None else ():
        if bundle not in bundles:
            path = ("device", "persona", "opens_per_day", bundle)
            ctx.error(
                scenario.source.at(*path),
                path,
                f"'{bundle}' is not an app of the scenario",
                f"use one of {one_of(bundles) or '(none: add it under apps:)'}",
            )


def _check_content_changes(ctx: Ctx, scenario: Scenario) -> None:
    """Every server change is a random draw of the replay (§6.9): bound their expected number."""
    expected = sum(a.changes_per_hour for a in scenario.apps) * scenario.duration_ms / HOUR
    if expected > MAX_CONTENT_CHANGES:
        ctx.error(
            scenario.source.at("apps"),
            ("apps",),
            f"the apps' content changes add up to "
            f"about {expected:,.0f} over the replay; at most {MAX_CONTENT_CHANGES:,}",
            "lower content.changes_per_hour, or replay fewer days",
        )


def _map(node: Node | None, key: str) -> dict[str, Node] | None:
    if node is None or not node.is_map or key not in node.map or not node.map[key].is_map:
        return None
    return node.map[key].map


def _start(node: Node, timezone: str):
    at = parse_instant(node.value)
    if at.tzinfo is not None:  # an instant with an offset: the scenario-local wall time of it
        at = at.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return at


def _scenario_duration(node: Node) -> int:
    ms = parse_duration(node.value)
    if not MIN_DURATION <= ms <= MAX_DURATION:
        raise FormatError(
            f"duration {format_duration(ms)} is outside 1h..400d",
            "use a replay length from 1h to 400d, e.g. 7d",
        )
    return ms


def _check_timeline_refs(ctx: Ctx, scenario: Scenario) -> None:
    """Warnings for inline events that cannot matter: unknown tasks, outside the replay."""
    timeline = scenario.device.timeline
    if timeline is None:
        return
    tasks = {t.id for t in scenario.tasks}
    end = scenario.start + timedelta(milliseconds=scenario.duration_ms)
    for ev in timeline.events:
        if ev.kind in S.TASK_SUBJECT_POINTS and ev.subject not in tasks:
            ctx.warn(
                ev.location,
                ("device", "timeline", "events"),
                f"{ev.kind} names '{ev.subject}', which is not a task of this scenario",
                f"known tasks: {one_of(sorted(tasks)) or '(none)'}",
            )
        naive = (
            ev.at.astimezone(ZoneInfo(scenario.timezone)).replace(tzinfo=None)
            if ev.at.tzinfo
            else ev.at
        )
        if not scenario.start <= naive < end:
            ctx.warn(
                ev.location,
                ("device", "timeline", "events"),
                f"event at {ev.at} is outside the replay",
                "move it between start and start + duration",
            )


def _source_locations(doc: Node, file: str) -> dict[tuple[str, ...], Location]:
    """Where every key path was written (mapping keys; list items by index)."""
    out: dict[tuple[str, ...], Location] = {(): Location(file, 1, 1)}
    stack: list[tuple[tuple[str, ...], Node]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        if node.is_map:
            for key, child in node.map.items():
                out[(*path, key)] = (node.keys or {}).get(key, child.loc)
                stack.append(((*path, key), child))
        elif node.is_list:
            for i, child in enumerate(node.items):
                out[(*path, str(i))] = child.loc
                stack.append(((*path, str(i)), child))
    return out
