"""``scheduler`` (profile and parameter overrides, SPEC §6) and ``expect`` (SPEC §8)."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from bgreplay.errors import Location
from bgreplay.scenario import schema as S
from bgreplay.scenario.durations import FormatError, describe, parse_duration
from bgreplay.scenario.model import ExpectationSpec, Observation, SchedulerConfig
from bgreplay.scenario.reader import (
    Ctx,
    Path_,
    as_bool,
    as_str,
    did_you_mean,
    one_of,
    registry,
)
from bgreplay.scenario.yamlnodes import Node


def read_scheduler(ctx: Ctx, node: Node | None) -> SchedulerConfig:
    p: Path_ = ("scheduler",)
    f = ctx.fields(node, p, S.SCHEDULER_KEYS)
    profile = ctx.read(f.get("profile"), (*p, "profile"), None, lambda n: _profile(ctx, n))
    params = {}
    pnode = f.get("params")
    if pnode is not None and pnode.value is not None:
        if not pnode.is_map:
            ctx.error(pnode.loc, (*p, "params"), "params is a mapping of parameter: value",
                      "e.g. params: {expiration_grace: 5s}; see `bgreplay profiles`")
        else:
            for name, value in pnode.map.items():
                parsed = _param(ctx, name, value, ctx.key_loc(pnode, name))
                if parsed is not None:
                    params[name] = parsed
    return SchedulerConfig(profile=profile, params=MappingProxyType(params))


def _profile(ctx: Ctx, node: Node) -> str:
    text = as_str(node)
    builtins = tuple(registry("bgreplay.engine.profiles", "PROFILE_NAMES") or S.BUILTIN_PROFILES)
    if text in builtins:
        return text
    candidate = Path(text).expanduser()
    full = candidate if candidate.is_absolute() else ctx.base_dir / candidate
    if full.is_file():
        return str(full.resolve())
    if "/" in text or text.endswith((".yaml", ".yml")):
        raise FormatError(f"profile file '{text}' not found",
                          "paths are relative to the scenario file's folder")
    raise FormatError(f"unknown profile '{text}'{did_you_mean(text, builtins)}",
                      f"use one of {one_of(builtins)}, or the path of a profile .yaml file")


def _param(ctx: Ctx, name: str, node: Node, key_loc: Location) -> object | None:
    path = ("scheduler", "params", name)
    params = registry("bgreplay.engine.profiles", "PARAMETERS")
    if params is None:  # the engine's registry is not there: keep the written value
        if isinstance(node.value, str):
            return ctx.read(node, path, None, lambda n: parse_duration(n.value, allow_zero=True))
        return node.value
    param = params.get(name)
    if param is None:
        ctx.error(key_loc, path, f"unknown scheduler parameter '{name}'"
                  f"{did_you_mean(name, params)}", "`bgreplay profiles` lists every parameter")
        return None
    raw = node.value
    if getattr(param, "unit", None) == "ms" and not isinstance(raw, bool) and \
            isinstance(raw, int | float):
        ctx.error(node.loc, path, f"{raw} has no unit", f"write {raw}s (or {raw}m, {raw}ms)")
        return None
    try:
        return param.parse(raw)
    except ValueError as exc:
        ctx.error(node.loc, path, str(exc), "`bgreplay profiles` shows each parameter's unit")
        return None


def read_expect(ctx: Ctx, node: Node | None) -> tuple[ExpectationSpec, ...]:
    if node is None or node.value is None:
        return ()
    if not node.is_map:
        ctx.error(node.loc, ("expect",), "expect is a mapping of task or app → metric checks",
                  'e.g. expect: {io.x.refresh: {launches_per_day: ">= 3"}}')
        return ()
    out = []
    for target, metrics in node.map.items():
        if metrics.value is None:
            continue
        if not metrics.is_map:
            ctx.error(metrics.loc, ("expect", target), "expected a mapping of metric → check",
                      'e.g. launches_per_day: ">= 3"')
            continue
        for metric, checks in metrics.map.items():
            path = ("expect", target, metric)
            robust = False
            if checks.is_map:  # {check: "...", robust: true}
                f = ctx.fields(checks, path, S.EXPECT_CHECK_KEYS, required=("check",))
                robust = ctx.read(f.get("robust"), (*path, "robust"), False, as_bool)
                checks = f.get("check")
                if checks is None:
                    continue
            for item in checks.items if checks.is_list else [checks]:
                if isinstance(item.value, str) and item.value.strip():
                    out.append(ExpectationSpec(target, metric, item.value.strip(), item.loc,
                                               robust))
                else:
                    shown = "== 0" if item.value is None else f"== {item.text()}"
                    ctx.error(item.loc, path, f"expected a check such as \">= 3\", got "
                              f"{describe(item.value)}", f'write it in quotes: "{shown}"')
    return tuple(out)


def read_observation(ctx: Ctx, node: Node | None) -> Observation | None:
    """``observation: {id, source, observed}``: the field report a scenario reproduces."""
    if node is None or node.value is None:
        return None
    p: Path_ = ("observation",)
    f = ctx.fields(node, p, S.OBSERVATION_KEYS, required=S.OBSERVATION_KEYS)
    values = [ctx.read(f.get(k), (*p, k), None, as_str) for k in S.OBSERVATION_KEYS]
    return None if None in values else Observation(*values)
