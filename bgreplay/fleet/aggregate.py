"""Fleet results as frames: one row per device, variant and metric; distributions across devices.

The per-device rows come from ``compute_metrics`` (every metric is defined once, in
``bgreplay.analysis.metrics``); a distribution metric becomes one scalar row per aggregation,
named like a ``compare`` row or a baseline key (``launch_delay.p50``, ``launch_delay.count``).

Columns of the fleet's Parquet (see docs/fleet.md):

| column | type | meaning |
|---|---|---|
| ``variant`` | str | the column name (``base``, a variant, a ``--vary`` combination) |
| ``device`` | i64 | device index, 0 .. N-1 |
| ``persona`` | str | the device's persona |
| ``seed`` | u64 | the device's seed (persona trace and replay) |
| ``scope`` | str | ``task``, ``app`` or ``device`` |
| ``target`` | str | task identifier, bundle id or ``device`` |
| ``metric`` | str | ``launches_per_day``, ``kills.jetsam``, ``launch_delay.p90`` ... |
| ``unit`` | str | the metric's unit (``count`` for ``.count``) |
| ``value`` | f64/null | null when the device gave no data (no opens, no launches) |
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from bgreplay.analysis.measure import SUMMARY_AGGS, agg_key, agg_unit, aggregations
from bgreplay.analysis.registry import metric_def

ROW_SCHEMA: dict[str, pl.DataType] = {
    "variant": pl.String(),
    "device": pl.Int64(),
    "persona": pl.String(),
    "seed": pl.UInt64(),
    "scope": pl.String(),
    "target": pl.String(),
    "metric": pl.String(),
    "unit": pl.String(),
    "value": pl.Float64(),
}
QUANTILES = (0.1, 0.5, 0.9)
QUANTILE_SCHEMA: dict[str, pl.DataType] = {
    "variant": pl.String(),
    "scope": pl.String(),
    "target": pl.String(),
    "metric": pl.String(),
    "unit": pl.String(),
    "devices": pl.UInt32(),
    "p10": pl.Float64(),
    "p50": pl.Float64(),
    "p90": pl.Float64(),
}


def row_aggs(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The aggregations kept for distributions: ``p(50) p(90) max count`` plus any a chosen
    row needs (``launch_delay.p75``), in that order."""
    out = list(SUMMARY_AGGS)
    out += [a for a in extra if a not in out]
    return tuple(out)


Rows = tuple[list[str], list[str], list[str], list[str], list[float | None]]
"""A device's metric rows, column-wise: ``(scopes, targets, metric keys, units, values)``."""


def device_rows(metrics: pl.DataFrame, aggs: Sequence[str]) -> Rows:
    """One replay's ``compute_metrics`` frame flattened to scalar rows, in its order:
    ``(scopes, targets, metric keys, units, values)``."""
    scopes, targets, keys, units, values = [], [], [], [], []
    columns = [
        metrics[c].to_list()
        for c in ("scope", "target", "metric", "kind", "unit", "value", "values")
    ]
    for scope, target, metric, kind, unit, value, observed in zip(*columns, strict=True):
        if kind == "distribution":
            mdef = metric_def(metric, strict=False)
            for agg, number in zip(aggs, aggregations(observed, aggs), strict=True):
                scopes.append(scope)
                targets.append(target)
                keys.append(f"{metric}.{agg_key(agg)}")
                units.append(agg_unit(mdef, agg) if mdef is not None else unit)
                values.append(number)
        else:
            scopes.append(scope)
            targets.append(target)
            keys.append(metric)
            units.append(unit)
            values.append(value)
    return scopes, targets, keys, units, values


class RowBuffer:
    """Rows of one variant for a run of devices, built column-wise, then one frame."""

    def __init__(self, variant: str):
        self.variant = variant
        self.columns: dict[str, list] = {name: [] for name in ROW_SCHEMA if name != "variant"}

    def add(self, device: int, persona: str, seed: int, rows: Rows) -> None:
        scopes, targets, keys, units, values = rows
        n = len(keys)
        c = self.columns
        c["device"] += [device] * n
        c["persona"] += [persona] * n
        c["seed"] += [seed] * n
        c["scope"] += scopes
        c["target"] += targets
        c["metric"] += keys
        c["unit"] += units
        c["value"] += values

    def frame(self) -> pl.DataFrame:
        n = len(self.columns["device"])
        data = {"variant": [self.variant] * n, **self.columns}
        return pl.DataFrame(data, schema=ROW_SCHEMA)


def quantiles(
    rows: pl.LazyFrame,
    devices: int,
    keys: Sequence[str] | None = None,
    variants: Sequence[str] = (),
) -> pl.DataFrame:
    """p10 / p50 / p90 across devices of each (variant, target, metric), by ``aggregate``
    (linear interpolation). Devices without data are left out and ``devices`` counts the
    others; a family member a device never had (``throttled_time.battery``) counts as 0, as in
    ``measure``. ``keys`` restricts the metrics (memory stays small with many devices); rows
    come in ``variants`` order, then in the order metrics appear for the first device."""
    if keys is not None:
        rows = rows.filter(pl.col("metric").is_in(list(keys)))
    groups = (
        rows.with_row_index("_row")
        .group_by("variant", "scope", "target", "metric", "unit")
        .agg(pl.col("_row").min(), pl.col("value"))
        .collect()
    )
    order = {v: i for i, v in enumerate(variants)}
    out: list[tuple] = []
    for row in groups.iter_rows(named=True):
        values = [v for v in row["value"] if v is not None]
        mdef = metric_def(row["metric"], strict=False)
        if mdef is not None and mdef.family and mdef.kind == "scalar" and "." in row["metric"]:
            values += [0.0] * (devices - len(row["value"]))
        stats = aggregations(values, [f"p({round(q * 100)})" for q in QUANTILES])
        out.append(
            (
                order.get(row["variant"], len(order)),
                row["_row"],
                row["variant"],
                row["scope"],
                row["target"],
                row["metric"],
                row["unit"],
                len(values),
                *stats,
            )
        )
    out.sort(key=lambda r: r[:2])
    return pl.DataFrame([r[2:] for r in out], schema=QUANTILE_SCHEMA, orient="row")


@dataclass(frozen=True, slots=True)
class ExpectationShare:
    """How many devices of one variant meet one of the scenario's expectations."""

    variant: str
    target: str
    metric: str
    text: str
    passed: int
    devices: int

    @property
    def share(self) -> float | None:
        return self.passed / self.devices if self.devices else None

    def to_dict(self) -> dict:
        return {
            "variant": self.variant,
            "target": self.target,
            "metric": self.metric,
            "expect": self.text,
            "passed": self.passed,
            "devices": self.devices,
            "share": self.share,
        }
