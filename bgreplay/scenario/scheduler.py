"""``scheduler`` (profile and parameter overrides, SPEC §6) and ``expect`` (SPEC §8)."""

from __future__ import annotations

import math
from pathlib import Path
from types import MappingProxyType

from bgreplay.engine.profiles import PARAMETERS, PROFILE_NAMES, Param
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
)
from bgreplay.scenario.yamlnodes import Node


def read_scheduler(ctx: Ctx, node: Node | None) -> SchedulerConfig:
    p: Path_ = ("scheduler",)
    f = ctx.fields(node, p, S.SCHEDULER_KEYS)
    profile = ctx.read(f.get("profile"), (*p, "profile"), None, lambda n: _profile(ctx, n))
    return SchedulerConfig(
        profile=profile, params=MappingProxyType(_params(ctx, f.get("params"), p))
    )


def _params(ctx: Ctx, pnode: Node | None, p: Path_) -> dict[str, object]:
    """``params: {name: value}`` of a scenario's ``scheduler`` or of a profile file."""
    params: dict[str, object] = {}
    if pnode is None or pnode.value is None:
        return params
    if not pnode.is_map:
        ctx.error(
            pnode.loc,
            (*p, "params"),
            "params is a mapping of parameter: value",
            "e.g. params: {expiration_grace: 5s}; see `bgreplay profiles`",
        )
        return params
    for name, value in pnode.map.items():
        parsed = _param(ctx, name, value, ctx.key_loc(pnode, name), (*p, "params", name))
        if parsed is not None:
            params[name] = parsed
    return params


def read_profile_file(path: Path) -> tuple[str, dict[str, object]]:
    """A profile file, ``{base: ios-26, params: {name: value}}``: read like a scenario (size,
    depth and alias limits, every problem with its line and column), its values parsed by the
    same readers as ``scheduler.params`` and ``--set``."""
    from bgreplay.errors import InputError
    from bgreplay.scenario.yamlnodes import read_yaml

    root = read_yaml(path)
    ctx = Ctx(str(path), path.parent)
    if root is None or not root.is_map:
        ctx.error(
            Location(str(path), 1, 1),
            (),
            "a profile file is a mapping with base: and params:",
            "e.g. base: ios-26 and params: {min_run_score: 0.5}",
        )
        raise InputError(ctx.problems)
    f = ctx.fields(root, (), ("base", "params"))
    builtins = PROFILE_NAMES

    def base_of(node: Node) -> str:
        text = as_str(node)
        if text not in builtins:
            raise FormatError(
                f"unknown base profile '{text}'{did_you_mean(text, builtins)}",
                f"use one of {one_of(builtins)}",
            )
        return text

    base = ctx.read(f.get("base"), ("base",), "ios-26", base_of)
    params = _params(ctx, f.get("params"), ())
    if ctx.problems:
        raise InputError(ctx.problems)
    return base, params


def _profile(ctx: Ctx, node: Node) -> str:
    text = as_str(node)
    builtins = PROFILE_NAMES
    if text in builtins:
        return text
    candidate = Path(text).expanduser()
    full = candidate if candidate.is_absolute() else ctx.base_dir / candidate
    if full.is_file():
        return str(full.resolve())
    if "/" in text or text.endswith((".yaml", ".yml")):
        raise FormatError(
            f"profile file '{text}' not found", "paths are relative to the scenario file's folder"
        )
    raise FormatError(
        f"unknown profile '{text}'{did_you_mean(text, builtins)}",
        f"use one of {one_of(builtins)}, or the path of a profile .yaml file",
    )


def _param(ctx: Ctx, name: str, node: Node, key_loc: Location, path: Path_) -> object | None:
    param = PARAMETERS.get(name)
    if param is None:
        ctx.error(
            key_loc,
            path,
            f"unknown scheduler parameter '{name}'{did_you_mean(name, PARAMETERS)}",
            "`bgreplay profiles` lists every parameter",
        )
        return None
    return ctx.read(node, path, None, lambda n: parse_param(param, n.value))


PARAM_FIX = "`bgreplay profiles` shows each parameter's unit"


def parse_param(param: Param, raw: object) -> object:
    """A written parameter value as the engine's value (``param`` is an engine ``Param``):
    durations through the one duration parser (with its ten-year limit), numbers finite and
    not negative, booleans as booleans."""
    if param.unit == "bool":
        if isinstance(raw, bool):
            return raw
        raise FormatError(f"{param.name} takes true or false, not {describe(raw)}", PARAM_FIX)
    if param.unit == "ms":
        return _at_least(param, parse_duration(raw, allow_zero=True))
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise FormatError(
            f"{param.name} takes a number ({param.unit}), not {describe(raw)}", PARAM_FIX
        )
    if not math.isfinite(raw):
        raise FormatError(f"{param.name} must be a finite number, not {raw}", PARAM_FIX)
    if raw < 0:
        raise FormatError(f"{param.name} must not be negative", PARAM_FIX)
    value = type(param.default)(raw) if isinstance(param.default, int | float) else raw
    return _at_least(param, value)


def _at_least(param: Param, value: int | float) -> int | float:
    """``value``, if the model is defined for it: a parameter that divides or steps (a re-score
    interval, a bandwidth, a half-life) has a least value above zero."""
    least = param.minimum
    if isinstance(least, int | float) and value < least:
        raise FormatError(
            f"{param.name} must be at least {param.format(least)}, not {param.format(value)}",
            f"{param.description}; the profile's value is {param.format(param.default)}",
        )
    return value


def read_expect(ctx: Ctx, node: Node | None) -> tuple[ExpectationSpec, ...]:
    if node is None or node.value is None:
        return ()
    if not node.is_map:
        ctx.error(
            node.loc,
            ("expect",),
            "expect is a mapping of task or app → metric checks",
            'e.g. expect: {io.x.refresh: {launches_per_day: ">= 3"}}',
        )
        return ()
    out = []
    for target, metrics in node.map.items():
        if metrics.value is None:
            continue
        if not metrics.is_map:
            ctx.error(
                metrics.loc,
                ("expect", target),
                "expected a mapping of metric → check",
                'e.g. launches_per_day: ">= 3"',
            )
            continue
        for metric, checks in metrics.map.items():
            path = ("expect", target, metric)
            robust = False
            if checks.is_map:  # {check: "...", robust: true}
                f = ctx.fields(checks, path, S.EXPECT_CHECK_KEYS, required=("check",))
                robust = ctx.read(f.get("robust"), (*path, "robust"), False, as_bool)
                check = f.get("check")
                if check is None:
                    continue
                checks = check
            for item in checks.items if checks.is_list else [checks]:
                if isinstance(item.value, str) and item.value.strip():
                    out.append(
                        ExpectationSpec(target, metric, item.value.strip(), item.loc, robust)
                    )
                else:
                    shown = "== 0" if item.value is None else f"== {item.text()}"
                    ctx.error(
                        item.loc,
                        path,
                        f'expected a check such as ">= 3", got {describe(item.value)}',
                        f'write it in quotes: "{shown}"',
                    )
    return tuple(out)


def read_observation(ctx: Ctx, node: Node | None) -> Observation | None:
    """``observation: {id, source, observed}``: the field report a scenario reproduces."""
    if node is None or node.value is None:
        return None
    p: Path_ = ("observation",)
    f = ctx.fields(node, p, S.OBSERVATION_KEYS, required=S.OBSERVATION_KEYS)
    values = [ctx.read(f.get(k), (*p, k), None, as_str) for k in S.OBSERVATION_KEYS]
    texts = [v for v in values if v is not None]
    return Observation(*texts) if len(texts) == len(values) else None
