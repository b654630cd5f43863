"""A task's ``handler`` (SPEC §4.6): what the app's code does when the task launches — how long
it runs, whether it completes, what it asks of the network, memory and CPU."""

from __future__ import annotations

from bgreplay.scenario import schema as S
from bgreplay.scenario.durations import parse_size
from bgreplay.scenario.model import (
    PROCESSING_FAMILY,
    DurationDist,
    Handler,
    NetworkUse,
)
from bgreplay.scenario.reader import (
    Ctx,
    Path_,
    as_bool,
    as_duration,
    as_enum,
    as_int,
    as_number,
)
from bgreplay.scenario.yamlnodes import Node


def read_handler(ctx: Ctx, node: Node | None, path: Path_, ttype: str | None) -> Handler:
    f = ctx.fields(node, path, S.HANDLER_KEYS)
    if node is None or not f:
        return Handler()
    only = {
        "work": PROCESSING_FAMILY,
        "checkpoint": PROCESSING_FAMILY,
        "progress_every": frozenset({"continued_processing"}),
    }
    for key, types in only.items():
        if key in f and ttype is not None and ttype not in types:
            kinds = "processing-family tasks" if len(types) > 1 else "continued_processing tasks"
            ctx.error(
                ctx.key_loc(node, key),
                (*path, key),
                f"'{key}' applies only to {kinds}; this task is {ttype}",
                f"remove '{key}'",
            )
    d = Handler()
    return Handler(
        duration=_read_duration_dist(ctx, f.get("duration"), (*path, "duration")),
        success_rate=ctx.read(
            f.get("success_rate"), (*path, "success_rate"), d.success_rate, as_number(0, 1)
        ),
        completes=ctx.read(
            f.get("completes"),
            (*path, "completes"),
            d.completes,
            as_enum(S.COMPLETES, "a completion habit"),
        ),
        expiration_handler=ctx.read(
            f.get("expiration_handler"), (*path, "expiration_handler"), True, as_bool
        ),
        on_expiration=ctx.read(
            f.get("on_expiration"),
            (*path, "on_expiration"),
            "cancel",
            as_enum(S.ON_EXPIRATION, "an expiration behaviour"),
        ),
        cancel_latency_ms=ctx.read(
            f.get("cancel_latency"),
            (*path, "cancel_latency"),
            d.cancel_latency_ms,
            as_duration(allow_zero=True),
        ),
        memory_mb=ctx.read(
            f.get("memory_mb"), (*path, "memory_mb"), d.memory_mb, as_number(above=0)
        ),
        cpu=ctx.read(f.get("cpu"), (*path, "cpu"), d.cpu, as_number(0, 1)),
        network=_read_network(ctx, f.get("network"), (*path, "network")),
        work_ms=ctx.read(f.get("work"), (*path, "work"), None, as_duration()),
        checkpoint=ctx.read(f.get("checkpoint"), (*path, "checkpoint"), False, as_bool),
        progress_every_ms=ctx.read(
            f.get("progress_every"), (*path, "progress_every"), d.progress_every_ms, as_duration()
        ),
    )


def _read_duration_dist(ctx: Ctx, node: Node | None, path: Path_) -> DurationDist:
    if node is None:
        return DurationDist()
    if not node.is_map:
        return DurationDist("fixed", fixed_ms=ctx.read(node, path, 5_000, as_duration()))
    keys = set(node.map)
    if keys == {"median", "p90"}:
        median = ctx.read(node.map["median"], (*path, "median"), 0, as_duration())
        p90 = ctx.read(node.map["p90"], (*path, "p90"), 0, as_duration())
        if median and p90 and p90 < median:
            ctx.error(
                node.map["p90"].loc,
                (*path, "p90"),
                "p90 is below the median",
                "p90 must be at least the median",
            )
        return DurationDist("lognormal", median_ms=median, p90_ms=p90)
    if keys == {"min", "max"}:
        lo = ctx.read(node.map["min"], (*path, "min"), 0, as_duration(allow_zero=True))
        hi = ctx.read(node.map["max"], (*path, "max"), 0, as_duration())
        if hi and hi < lo:
            ctx.error(
                node.map["max"].loc, (*path, "max"), "max is below min", "max must be at least min"
            )
        return DurationDist("uniform", min_ms=lo, max_ms=hi)
    ctx.fields(node, path, S.DURATION_KEYS)
    ctx.error(
        node.loc,
        path,
        "a duration mapping needs exactly {median, p90} or {min, max}",
        "write duration: 5s, {median: 5s, p90: 20s} or {min: 2s, max: 9s}",
    )
    return DurationDist()


def _read_network(ctx: Ctx, node: Node | None, path: Path_) -> NetworkUse | None:
    if node is None or node.value is None:
        return None
    f = ctx.fields(node, path, S.NETWORK_USE_KEYS)
    if not node.is_map:
        return None
    return NetworkUse(
        requests=ctx.read(f.get("requests"), (*path, "requests"), 1, as_int(1)),
        bytes=ctx.read(f.get("bytes"), (*path, "bytes"), 0, lambda n: parse_size(n.value)),
    )
