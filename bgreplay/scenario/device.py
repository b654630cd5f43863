"""``device`` (SPEC §4): model, iOS version, battery, history and where its trace comes from."""

from __future__ import annotations

from pathlib import Path

from bgreplay.scenario import schema as S
from bgreplay.scenario.durations import FormatError, describe, parse_days
from bgreplay.scenario.limits import MAX_OPENS_PER_DAY
from bgreplay.scenario.model import Device, HistoryWord, PersonaRef
from bgreplay.scenario.reader import (
    Ctx,
    Path_,
    as_bool,
    as_enum,
    as_int,
    as_number,
    as_str,
    member,
    present,
)
from bgreplay.scenario.timeline import read_timeline
from bgreplay.scenario.yamlnodes import Node


def _ios(node: Node) -> str:
    text = node.text().strip()
    parts = text.split(".")
    if node.is_scalar and 1 <= len(parts) <= 3 and all(p.isdigit() for p in parts):
        if int(parts[0]) < 13:
            raise FormatError(
                f"iOS {text} has no BGTaskScheduler (iOS 13 and later)", 'use ios: "17.0" or later'
            )
        return text
    raise FormatError(f"expected an iOS version, got {describe(node.value)}", 'write ios: "26.1"')


def _history(node: Node) -> HistoryWord | int:
    word = member(node.value, S.HISTORY_WORDS)
    if word is not None:
        return word
    try:
        return parse_days(node.value)
    except FormatError as exc:
        raise FormatError(
            exc.message, "write repeat, none or a number of days such as 14d"
        ) from None


def read_device(ctx: Ctx, node: Node | None) -> Device:
    p: Path_ = ("device",)
    f = ctx.fields(node, p, S.DEVICE_KEYS)
    d = Device()
    model = ctx.read(
        f.get("model"), (*p, "model"), d.model, as_enum(S.DEVICE_MODELS, "a device model")
    )
    battery = ctx.fields(f.get("battery"), (*p, "battery"), S.BATTERY_KEYS)
    if node is not None and "trace" in f and "persona" in f:
        ctx.error(
            ctx.key_loc(node, "persona"),
            (*p, "persona"),
            "give either device.trace or device.persona, not both",
            "keep one of them; timeline: may be added to either",
        )
    return Device(
        model=model,
        ios=ctx.read(f.get("ios"), (*p, "ios"), d.ios, _ios),
        memory_limit_mb=ctx.read(
            f.get("memory_limit_mb"), (*p, "memory_limit_mb"), d.memory_limit_mb, as_number(above=0)
        ),
        gpu=ctx.read(f.get("gpu"), (*p, "gpu"), model == "ipad", as_bool),
        background_app_refresh=ctx.read(
            f.get("background_app_refresh"), (*p, "background_app_refresh"), True, as_bool
        ),
        battery_start=ctx.read(
            battery.get("start"), (*p, "battery", "start"), d.battery_start, as_number(0, 100)
        ),
        history=ctx.read(present(f.get("history")), (*p, "history"), "repeat", _history),
        trace=ctx.read(f.get("trace"), (*p, "trace"), None, lambda n: _trace_path(ctx, n)),
        persona=_read_persona(ctx, f.get("persona"), (*p, "persona")),
        timeline=read_timeline(ctx, f.get("timeline"), (*p, "timeline")),
    )


def _trace_path(ctx: Ctx, node: Node) -> Path:
    text = as_str(node)
    path = Path(text).expanduser()
    full = path if path.is_absolute() else ctx.base_dir / path
    if not full.is_file():
        where = "" if path.is_absolute() else f" (looked in {ctx.base_dir or '.'}/)"
        raise FormatError(
            f"trace file '{text}' not found{where}",
            "paths are relative to the scenario file's folder",
        )
    if full.suffix.lower() not in (".csv", ".parquet"):
        raise FormatError(f"'{text}' is not a trace file", "use a .csv or .parquet trace (§5.2)")
    return full.resolve()


def _personas() -> tuple[str, ...]:
    return S.PERSONAS


def _read_persona(ctx: Ctx, node: Node | None, p: Path_) -> PersonaRef | None:
    if node is None or node.value is None:
        return None
    names = _personas()
    if node.is_scalar:
        name = ctx.read(node, p, None, as_enum(names, "a persona"))
        return None if name is None else PersonaRef(name, 0, node.loc)
    f = ctx.fields(node, p, S.PERSONA_KEYS, required=("name",))
    name = ctx.read(f.get("name"), (*p, "name"), None, as_enum(names, "a persona"))
    seed = ctx.read(f.get("seed"), (*p, "seed"), 0, as_int(0))
    rates = _opens_per_day(ctx, f.get("opens_per_day"), (*p, "opens_per_day"))
    return None if name is None else PersonaRef(name, seed, node.loc, rates)


def _opens_per_day(ctx: Ctx, node: Node | None, p: Path_) -> tuple[tuple[str, float], ...]:
    """``{bundle: opens a day}``: the rate the persona gives an app instead of its rank law."""
    if node is None or node.value is None:
        return ()
    if not node.is_map:
        ctx.error(
            node.loc,
            p,
            "opens_per_day is a mapping of bundle id to opens a day",
            "e.g. opens_per_day: {io.example.app: 20}",
        )
        return ()
    rates = []
    for bundle, value in node.map.items():
        rate = ctx.read(value, (*p, bundle), None, as_number(0, MAX_OPENS_PER_DAY))
        if rate is not None:
            rates.append((bundle, float(rate)))
    return tuple(rates)
