"""The expectation language (SPEC §8), in the spirit of k6 thresholds: parsed before the run.

Grammar, one string per check::

    scalar:        OP VALUE            ">= 3"      "== 0"       "> 80%"
    distribution:  AGG OP VALUE        "p(90) < 3h"  "max < 12h"  "count >= 5"

``AGG`` is ``min``, ``max``, ``avg``, ``med``, ``p(N)``, ``at(N)`` (the N-th observation in time
order: day N of ``launches_by_day``) or ``count``; ``OP`` one of
``< <= > >= == !=``. ``VALUE`` is a number; for time metrics also a duration (``90s``, ``1h30m``,
``2d``; a bare number means seconds, or hours for an ``hours`` metric); for ratio metrics also a
percentage (``80%`` = 0.8); a ``percent`` metric accepts a trailing ``%`` (``20%`` = 20).
``count`` compares a number of observations, so its VALUE is a plain number.

A check with no data to measure (a ratio over zero opens, an aggregation of an empty
distribution) fails with the measured value ``n/a``: "nothing happened" must not pass silently.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import polars as pl

from bgreplay.analysis.formatting import format_value
from bgreplay.analysis.measure import agg_unit, lookup, measure, normalise_aggregation
from bgreplay.analysis.registry import MetricDef, metric_def, metric_names
from bgreplay.errors import InputError, Location, Problem
from bgreplay.scenario.durations import FormatError, parse_duration
from bgreplay.scenario.model import Scenario

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9),
    "!=": lambda a, b: not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9),
}
_SYNTAX = re.compile(
    r"^\s*(?:(?P<agg>[a-z][a-z0-9.]*(?:\(\s*[^)]*\))?)\s*)?(?P<op><=|>=|==|!=|<|>)\s*(?P<value>\S+)\s*$"
)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?(?:e-?\d+)?$", re.IGNORECASE)
GRAMMAR_FIX = (
    'write "OP VALUE" for a number (">= 3") or "AGG OP VALUE" for a distribution '
    '("p(90) < 3h"); AGG is min, max, avg, med, p(N), at(N) or count; '
    "OP is <, <=, >, >=, == or !="
)


@dataclass(frozen=True, slots=True)
class Expectation:
    """One parsed check: ``target``'s ``metric`` (aggregated by ``agg``) ``op`` ``threshold``."""

    target: str
    scope: str
    metric: str
    agg: str | None
    op: str
    threshold: float
    text: str
    location: Location = Location("")
    robust: bool = False  # must also hold at both ends of every uncertain model parameter

    @property
    def definition(self) -> MetricDef:
        mdef = metric_def(self.metric, strict=False)
        assert mdef is not None
        return mdef

    @property
    def unit(self) -> str:
        return agg_unit(self.definition, self.agg)


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    expectation: Expectation
    measured: float | None
    passed: bool
    # robust expectations: (parameter, its value there, measured) where it does not hold
    not_robust: tuple[tuple[str, str, float | None], ...] = ()

    @property
    def target(self) -> str:
        return self.expectation.target

    @property
    def metric(self) -> str:
        return self.expectation.metric

    @property
    def text(self) -> str:
        return self.expectation.text

    @property
    def measured_text(self) -> str:
        return format_value(self.measured, self.expectation.unit)

    @property
    def robust_text(self) -> str:
        """Where a robust expectation fails: ``app_cap=0.45: 4.1, ...`` (empty when it holds)."""
        if not self.not_robust:
            return ""
        shown = ", ".join(
            f"{name}={value}: {format_value(measured, self.expectation.unit)}"
            for name, value, measured in self.not_robust[:3]
        )
        more = len(self.not_robust) - 3
        return f"not robust: {shown}" + (f" and {more} more" if more > 0 else "")

    @property
    def shown_text(self) -> str:
        return self.text + (" (robust)" if self.expectation.robust else "")

    @property
    def message(self) -> str:
        text = f"measured {self.measured_text}, expected {self.shown_text}"
        return text + (f"; {self.robust_text}" if self.not_robust else "")


# -- parsing -----------------------------------------------------------------------------------


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def parse_value(text: str, mdef: MetricDef, agg: str | None) -> float:
    """The threshold of a check, in the metric's unit; ``ValueError(message, fix)`` if wrong."""
    unit = agg_unit(mdef, agg)
    raw = text.strip()
    if _NUMBER.match(raw):
        return float(raw)
    if raw.endswith("%") and _NUMBER.match(raw[:-1]):
        if unit == "ratio":
            return float(raw[:-1]) / 100.0
        if unit == "percent":
            return float(raw[:-1])
        raise ValueError(
            f"'{raw}' is a percentage, but {_what(mdef, agg)} is a {unit}", "write a plain number"
        )
    if unit in ("seconds", "hours"):
        try:
            ms = parse_duration(raw, allow_zero=True)
        except FormatError as exc:
            raise ValueError(
                f"'{raw}' is not a number or a duration: {exc.message}", exc.fix
            ) from None
        return ms / 1000.0 / (3600.0 if unit == "hours" else 1.0)
    raise ValueError(
        f"'{raw}' is not a number ({_what(mdef, agg)} is a {unit})",
        "write a plain number, e.g. 3 or 0.5",
    )


def _what(mdef: MetricDef, agg: str | None) -> str:
    return f"count of {mdef.name}" if agg == "count" else mdef.name


def _target_scope(target: str, scenario: Scenario) -> str | None:
    if target == "device":
        return "device"
    if scenario.task(target) is not None:
        return "task"
    if scenario.app(target) is not None:
        return "app"
    return None


def _scope_mismatch(
    target: str, scope: str, mdef: MetricDef, scenario: Scenario
) -> tuple[str, str]:
    kinds = {"task": "a task", "app": "an app", "device": "the device"}
    message = f"'{mdef.name}' is {kinds[mdef.scope]} metric, but '{target}' is {kinds[scope]}"
    if mdef.scope == "device":
        return message, "put it under `device:` in expect"
    if mdef.scope == "app":
        task = scenario.task(target)
        where = task.app if task is not None else "the app's bundle id"
        return message, f"put it under the app: {where}"
    tasks = [t.id for t in scenario.tasks if scope != "app" or t.app == target]
    return message, "put it under one of the tasks: " + (", ".join(tasks) or "(none)")


def parse_expectation(
    target: str, metric: str, text: str, scenario: Scenario, location: Location = Location("")
) -> Expectation:
    """Check one written expectation against the scenario and the metric registry."""
    path = f"expect/{target}/{metric}"

    def fail(message: str, fix: str) -> InputError:
        return InputError(Problem(location, message, fix, path))

    scope = _target_scope(target, scenario)
    if scope is None:
        names = [*(t.id for t in scenario.tasks), *(a.bundle for a in scenario.apps), "device"]
        raise fail(
            f"unknown task or app '{target}'{_did_you_mean(target, names)}",
            "expect names a task identifier, a bundle id or `device`: " + ", ".join(names),
        )
    mdef = metric_def(metric)
    if mdef is None:
        others = metric_names()
        mine = metric_names(scope)
        raise fail(
            f"unknown {scope} metric '{metric}'"
            f"{_did_you_mean(metric, mine) or _did_you_mean(metric, others)}",
            f"{scope} metrics: " + ", ".join(mine) + " (see docs/metrics.md)",
        )
    if mdef.scope != scope:
        raise fail(*_scope_mismatch(target, scope, mdef, scenario))
    match = _SYNTAX.match(text)
    if match is None:
        raise fail(f"cannot read the check '{text}'", GRAMMAR_FIX)
    raw_agg, op, raw_value = match["agg"], match["op"], match["value"]
    # The written form is strict (k6's ``p(90)``); ``p90`` is only the key form of baselines.
    written = bool(raw_agg) and ("(" in raw_agg or raw_agg in ("min", "max", "avg", "med", "count"))
    agg = normalise_aggregation(raw_agg) if written else None
    if raw_agg and agg is None:
        hint = (
            f"write p({raw_agg[1:]})"
            if re.fullmatch(r"p\d+(\.\d+)?", raw_agg)
            else "use min, max, avg, med, p(N) with 0 <= N <= 100, or count"
        )
        raise fail(f"unknown aggregation '{raw_agg}' in '{text}'", hint)
    if mdef.kind == "distribution" and agg is None:
        raise fail(
            f"'{metric}' is a distribution: say which aggregation to check",
            f'e.g. "p(90) {op} {raw_value}", "max {op} {raw_value}" or "count {op} {raw_value}"',
        )
    if mdef.kind == "scalar" and agg is not None:
        raise fail(
            f"'{metric}' is a single number; the aggregation '{raw_agg}' does not apply",
            f'write "{op} {raw_value}"',
        )
    try:
        threshold = parse_value(raw_value, mdef, agg)
    except ValueError as exc:
        message, fix = exc.args if len(exc.args) == 2 else (str(exc), GRAMMAR_FIX)
        raise fail(f"in '{text}': {message}", fix) from None
    return Expectation(target, scope, metric, agg, op, threshold, text.strip(), location)


def parse_expectations(scenario: Scenario) -> tuple[Expectation, ...]:
    """Every expectation of the scenario, or one InputError listing every bad one."""
    parsed: list[Expectation] = []
    problems: list[Problem] = []
    for spec in scenario.expect:
        try:
            parsed.append(
                replace(
                    parse_expectation(spec.target, spec.metric, spec.text, scenario, spec.location),
                    robust=spec.robust,
                )
            )
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return tuple(parsed)


# -- evaluation --------------------------------------------------------------------------------


def evaluate(expectations: Sequence[Expectation], metrics: pl.DataFrame) -> list[ExpectationResult]:
    """Measure each expectation in a ``compute_metrics`` frame; no data fails."""
    table = lookup(metrics)
    results = []
    for exp in expectations:
        measured = measure(table, exp.target, exp.metric, exp.agg)
        passed = measured is not None and OPS[exp.op](measured, exp.threshold)
        results.append(ExpectationResult(exp, measured, passed))
    return results
