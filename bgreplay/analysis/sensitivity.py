"""``bgreplay compare --sensitivity``: which conclusions survive what the model does not know.

Every profile parameter below "documented" confidence carries a range with its source
(``bgreplay profiles``). The scenario is replayed once as it is, noting which parameters the
replay read; then once at the low and once at the high end of each of those, one parameter at a
time, with the others at their values. A parameter the base replay never read cannot change it
(the replay is deterministic and took no branch that consults it), so it is left out — exactly,
not as an approximation. Parameters the scenario itself sets (``scheduler.params``, ``--set``)
are the user's statement, not an unknown, and are left out too.

Per metric row: the base value, the lowest and highest value over all those replays, and the
parameters that move it most. ``check`` uses the same replays for expectations marked
``robust: true``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from bgreplay.analysis.calls import LoadScenario, LoadTimeline, Replay
from bgreplay.analysis.compare import DEFAULT_ROWS, parse_row
from bgreplay.analysis.formatting import format_value
from bgreplay.analysis.measure import agg_key, lookup, measure
from bgreplay.analysis.registry import known_metric
from bgreplay.engine.records import ReplayResult
from bgreplay.scenario.model import Scenario
from bgreplay.trace.model import Timeline

if TYPE_CHECKING:
    from bgreplay.analysis.expect import Expectation

MetricRow = tuple[str, str | None, str]  # metric, aggregation (None: as it is), scope
Measured = dict[tuple[str, str], float | None]  # (target, key) → value


@dataclass(frozen=True, slots=True)
class Swing:
    """One uncertain parameter at one end of its range."""

    param: str
    end: str  # "low" or "high"
    value: object  # the engine's value (ms for durations)
    text: str  # as a user writes it (``5m``, ``0.04``)


@dataclass(frozen=True, slots=True)
class Mover:
    param: str
    at_low: float | None
    at_high: float | None
    effect: float  # the largest distance from the base value, in the metric's unit


@dataclass(frozen=True, slots=True)
class MetricRange:
    target: str
    key: str  # ``launches_per_day`` or ``staleness_at_open.p90``
    unit: str
    base: float | None
    low: float | None
    high: float | None
    movers: tuple[Mover, ...]

    def formatted(self, value: float | None) -> str:
        return format_value(value, self.unit)


@dataclass(frozen=True, slots=True)
class Sensitivity:
    path: str
    swings: tuple[Swing, ...]
    rows: tuple[MetricRange, ...]
    fixed_by_scenario: tuple[str, ...]  # uncertain but set by the scenario or --set
    not_read: tuple[str, ...]  # uncertain but never read by this replay

    def to_dict(self) -> dict[str, object]:
        return {
            "scenario": self.path,
            "parameters": [{"name": s.param, "end": s.end, "value": s.text} for s in self.swings],
            "fixed_by_scenario": list(self.fixed_by_scenario),
            "not_read": list(self.not_read),
            "rows": [
                {
                    "target": r.target,
                    "metric": r.key,
                    "unit": r.unit,
                    "base": r.base,
                    "low": r.low,
                    "high": r.high,
                    "movers": [
                        {"param": m.param, "at_low": m.at_low, "at_high": m.at_high}
                        for m in r.movers
                    ],
                }
                for r in self.rows
            ],
        }


def swings(
    params_read: frozenset[str], fixed: Sequence[str]
) -> tuple[list[Swing], list[str], list[str]]:
    """The replays to run: both ends of every uncertain parameter the base replay read and the
    scenario does not set (an end equal to the default is the base replay itself)."""
    from bgreplay.engine.profiles import PARAMETERS

    out: list[Swing] = []
    fixed_out: list[str] = []
    unread: list[str] = []
    for name, p in PARAMETERS.items():
        if not p.has_range:
            continue
        if name in fixed:
            fixed_out.append(name)
            continue
        if name not in params_read:
            unread.append(name)
            continue
        for end, value in (("low", p.low), ("high", p.high)):
            if value != p.default:
                out.append(Swing(name, end, value, p.format(value)))
    return out, fixed_out, unread


def with_param(scenario: Scenario, name: str, value: object) -> Scenario:
    """The scenario with one profile parameter set (already in the engine's unit)."""
    params = {**scenario.scheduler.params, name: value}
    return replace(scenario, scheduler=replace(scenario.scheduler, params=MappingProxyType(params)))


def measure_rows(result: ReplayResult, scenario: Scenario, rows: Sequence[MetricRow]) -> Measured:
    """(target, key) → value for the chosen rows of one replay."""
    from bgreplay.analysis.frame import events_frame
    from bgreplay.analysis.metrics import compute_metrics

    table = lookup(compute_metrics(events_frame(result, printed=False), scenario, result.profile))
    out: Measured = {}
    for metric, agg, scope in rows:
        for target in _targets(scenario, scope):
            out[(target, metric if agg is None else f"{metric}.{agg_key(agg)}")] = measure(
                table, target, metric, agg
            )
    return out


def _row(spec: str) -> MetricRow:
    """``launch_delay.p90`` → (metric, aggregation, scope), as ``compare`` reads its rows."""
    name, agg = parse_row(spec)
    return name, agg, known_metric(name).scope


def _targets(scenario: Scenario, scope: str) -> list[str]:
    if scope == "task":
        return [t.id for t in scenario.tasks]
    if scope == "app":
        return [a.bundle for a in scenario.apps]
    return ["device"]


def _replay_and_measure(
    scenario: Scenario,
    timeline: Timeline,
    swing: Swing | None,
    rows: Sequence[MetricRow],
    replay: Replay,
) -> Measured:
    sc = scenario if swing is None else with_param(scenario, swing.param, swing.value)
    return measure_rows(replay(sc, timeline), sc, rows)


def _run_chunk(
    path: str,
    overrides: tuple[str, ...],
    chunk: list[Swing],
    rows: Sequence[MetricRow],
    load: LoadScenario,
    load_timeline: LoadTimeline,
    replay: Replay,
) -> list[Measured]:
    """In a worker process: load the scenario once, replay its share of the swings."""
    scenario = load(path, overrides=list(overrides))
    timeline = load_timeline(scenario)
    return [_replay_and_measure(scenario, timeline, s, rows, replay) for s in chunk]


def replay_swings(
    scenario: Scenario,
    timeline: Timeline,
    found: Sequence[Swing],
    rows: Sequence[MetricRow],
    *,
    replay: Replay,
    load: LoadScenario | None = None,
    load_timeline: LoadTimeline | None = None,
    jobs: int = 1,
) -> list[Measured]:
    """The chosen rows measured at every swing, in the order of ``found``; with ``jobs`` > 1
    (and a scenario read from a file) the replays run in that many local processes, each
    loading the scenario itself (same numbers)."""
    path = scenario.path
    if jobs <= 1 or len(found) < 4 or path is None or load is None or load_timeline is None:
        return [_replay_and_measure(scenario, timeline, s, rows, replay) for s in found]
    from bgreplay.fleet.executors import LocalExecutor

    executor = LocalExecutor(jobs)
    chunks = [list(found[i::jobs]) for i in range(jobs)]
    try:
        handles = [
            executor.submit(
                _run_chunk, str(path), scenario.overrides, c, rows, load, load_timeline, replay
            )
            for c in chunks
        ]
        parts = [executor.result(h) for h in handles]
    finally:
        executor.close()
    out: list[Measured] = [{}] * len(found)
    for i, part in enumerate(parts):
        for k, measured in enumerate(part):
            out[i + k * jobs] = measured
    return out


def run_sensitivity(
    path: str,
    *,
    load: LoadScenario,
    replay: Replay,
    load_timeline: LoadTimeline,
    metrics: Sequence[str] = (),
    overrides: Sequence[str] = (),
    jobs: int = 1,
) -> Sensitivity:
    """Replay ``path`` at both ends of every uncertain parameter it reads (module docstring)."""
    rows = [_row(m) for m in (metrics or DEFAULT_ROWS)]
    scenario = load(path, overrides=list(overrides))
    timeline = load_timeline(scenario)
    base_result = replay(scenario, timeline, record_params=True)
    base = measure_rows(base_result, scenario, rows)
    found, fixed, unread = swings(base_result.params_read, tuple(scenario.scheduler.params))
    measured = replay_swings(
        scenario,
        timeline,
        found,
        rows,
        replay=replay,
        load=load,
        load_timeline=load_timeline,
        jobs=jobs,
    )
    return Sensitivity(
        str(path),
        tuple(found),
        _ranges(base, found, measured, rows, scenario),
        tuple(fixed),
        tuple(unread),
    )


def _ranges(
    base: Measured,
    found: Sequence[Swing],
    measured: Sequence[Measured],
    rows: Sequence[MetricRow],
    scenario: Scenario,
) -> tuple[MetricRange, ...]:
    from bgreplay.analysis.measure import agg_unit

    units: dict[tuple[str, str], str] = {}
    for metric, agg, scope in rows:
        unit = agg_unit(known_metric(metric), agg)
        for target in _targets(scenario, scope):
            units[(target, metric if agg is None else f"{metric}.{agg_key(agg)}")] = unit
    out: list[MetricRange] = []
    for key, value in base.items():
        values = [v for v in [value, *(m.get(key) for m in measured)] if v is not None]
        by_param: dict[str, dict[str, float | None]] = {}
        for swing, m in zip(found, measured, strict=True):
            by_param.setdefault(swing.param, {})[swing.end] = m.get(key)
        movers: list[Mover] = []
        for param, ends in by_param.items():
            effect = max(
                (abs(v - value) for v in ends.values() if v is not None and value is not None),
                default=0.0,
            )
            if any(v is None for v in ends.values()) != (value is None):
                effect = float("inf")  # the metric appears or vanishes
            if effect > 0:
                movers.append(Mover(param, ends.get("low", value), ends.get("high", value), effect))
        movers.sort(key=lambda m: (-m.effect, m.param))
        out.append(
            MetricRange(
                key[0],
                key[1],
                units[key],
                value,
                min(values) if values else None,
                max(values) if values else None,
                tuple(movers),
            )
        )
    return tuple(out)


def robust_failures(
    expectations: Sequence[Expectation],
    scenario: Scenario,
    timeline: Timeline,
    *,
    replay: Replay,
    jobs: int = 1,
) -> list[tuple[Expectation, Swing, float | None]]:
    """For ``robust: true`` expectations: ``(expectation, swing, measured)`` at every end of an
    uncertain parameter where one does not hold."""
    from bgreplay.analysis.expect import OPS

    robust = [e for e in expectations if e.robust]
    if not robust:
        return []
    rows = sorted({(e.metric, e.agg, e.scope) for e in robust}, key=str)
    base_result = replay(scenario, timeline, record_params=True)
    found, _, _ = swings(base_result.params_read, tuple(scenario.scheduler.params))
    measured = replay_swings(scenario, timeline, found, rows, replay=replay, jobs=jobs)
    failures: list[tuple[Expectation, Swing, float | None]] = []
    for swing, values in zip(found, measured, strict=True):
        for e in robust:
            key = (e.target, e.metric if e.agg is None else f"{e.metric}.{agg_key(e.agg)}")
            value = values.get(key)
            if value is None or not OPS[e.op](value, e.threshold):
                failures.append((e, swing, value))
    return failures


__all__ = ["MetricRange", "Sensitivity", "robust_failures", "run_sensitivity"]
