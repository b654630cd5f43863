"""Numbers out of a metrics frame: the aggregations of a distribution (``p(90)``, ``max``,
``at(2)`` ...), the keys baselines and comparisons name them by (``launch_delay.p90``), and one
number per target and metric, as ``check``, ``compare`` and ``fleet`` measure them."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import polars as pl

from bgreplay.analysis.formatting import plain_number
from bgreplay.analysis.registry import MetricDef, Unit, metric_def

AGG_RE = re.compile(r"^(min|max|avg|med|count|p\(\s*(\d+(?:\.\d+)?)\s*\)|at\(\s*([1-9]\d*)\s*\))$")
_KEY_AGG_RE = re.compile(
    r"^(?P<name>.+?)\.(?P<agg>min|max|avg|med|count|p\d+(?:\.\d+)?|at[1-9]\d*)$"
)
SUMMARY_AGGS = ("p(50)", "p(90)", "max", "count")  # what baselines and comparisons keep


def normalise_aggregation(agg: str) -> str | None:
    """Canonical form (``p(90)``, ``max`` ...) of an aggregation, or None if it is not one.

    Accepts the key forms ``p90`` and ``at2`` as well as ``p(90)`` and ``at(2)``.
    """
    text = agg.strip()
    if re.fullmatch(r"p\d+(?:\.\d+)?", text):
        text = f"p({text[1:]})"
    elif re.fullmatch(r"at[1-9]\d*", text):
        text = f"at({text[2:]})"
    match = AGG_RE.match(text)
    if not match:
        return None
    if match.group(3) is not None:
        return f"at({int(match.group(3))})"
    if match.group(2) is not None:
        pct = float(match.group(2))
        if not 0 <= pct <= 100:
            return None
        return f"p({plain_number(pct)})"
    return match.group(1)


def agg_key(agg: str) -> str:
    """``p(90)`` → ``p90``, ``at(2)`` → ``at2``: the suffix used in baseline keys and
    ``--metric`` rows."""
    return agg.replace("(", "").replace(")", "") if agg.startswith(("p(", "at(")) else agg


def split_key(key: str) -> tuple[str, str | None]:
    """``launch_delay.p90`` → (``launch_delay``, ``p(90)``); ``kills.jetsam`` → (it, None)."""
    if metric_def(key, strict=False) is not None:
        return key, None
    match = _KEY_AGG_RE.match(key)
    if match and metric_def(match["name"], strict=False) is not None:
        return match["name"], normalise_aggregation(match["agg"])
    return key, None


def aggregate(values: Sequence[float] | None, agg: str) -> float | None:
    """One aggregation of a distribution; None ("no data") when it is empty, except ``count``.

    ``p(N)`` and ``med`` interpolate linearly between closest ranks (numpy's default); ``at(N)``
    is the N-th observation in time order (day N of ``launches_by_day``).
    """
    if agg.startswith("at("):
        n = int(agg[3:-1])
        return values[n - 1] if values is not None and 0 < n <= len(values) else None
    return _of_sorted(_observed(values), agg)


def aggregations(values: Sequence[float] | None, aggs: Sequence[str]) -> list[float | None]:
    """``aggregate(values, agg)`` for each of ``aggs``, the observations sorted once."""
    data: list[float] | None = None
    out: list[float | None] = []
    for agg in aggs:
        if agg.startswith("at("):
            out.append(aggregate(values, agg))
            continue
        if data is None:
            data = _observed(values)
        out.append(_of_sorted(data, agg))
    return out


def _observed(values: Sequence[float] | None) -> list[float]:
    """The observations with data, sorted."""
    return sorted(v for v in (values or ()) if v is not None and not math.isnan(v))


def _of_sorted(data: list[float], agg: str) -> float | None:
    if agg == "count":
        return float(len(data))
    if not data:
        return None
    if agg == "min":
        return data[0]
    if agg == "max":
        return data[-1]
    if agg == "avg":
        return math.fsum(data) / len(data)
    q = 50.0 if agg == "med" else float(agg[2:-1])
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def agg_unit(metric: MetricDef, agg: str | None) -> Unit:
    return "count" if agg == "count" else metric.unit


MetricTable = dict[tuple[str, str], float | list[float] | None]


def lookup(metrics: pl.DataFrame) -> MetricTable:
    """(target, metric) → scalar value or list of observations."""
    out: MetricTable = {}
    for row in metrics.iter_rows(named=True):
        key = (row["target"], row["metric"])
        out[key] = row["values"] if row["kind"] == "distribution" else row["value"]
    return out


def measure(table: MetricTable, target: str, metric: str, agg: str | None) -> float | None:
    """One number from a ``lookup`` table: a scalar, or an aggregation of a distribution.

    A family member that never occurred (``kills.jetsam`` with no jetsam kill) measures 0.
    """
    key = (target, metric)
    if key not in table:
        mdef = metric_def(metric, strict=False)
        if mdef is not None and mdef.family and mdef.kind == "scalar":
            return 0.0
        return None
    value = table[key]
    if agg is None:
        return None if isinstance(value, list) else value
    return aggregate(value if isinstance(value, list) else [], agg)


def summary(
    metrics: pl.DataFrame, aggs: Iterable[str] = SUMMARY_AGGS
) -> dict[str, dict[str, float | None]]:
    """target → {key: number}: scalars by name, distributions as ``name.p50`` ... ``name.count``."""
    out: dict[str, dict[str, float | None]] = {}
    aggs = tuple(aggs)
    for row in metrics.iter_rows(named=True):
        entry = out.setdefault(row["target"], {})
        if row["kind"] == "distribution":
            for agg, number in zip(aggs, aggregations(row["values"], aggs), strict=True):
                entry[f"{row['metric']}.{agg_key(agg)}"] = number
        else:
            entry[row["metric"]] = row["value"]
    return out
