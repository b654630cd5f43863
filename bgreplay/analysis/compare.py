"""``bgreplay compare``: one scenario under several strategies, side by side (SPEC §3).

Columns, in order:

1. the base scenario — or, with ``--vary``, every combination of the varied values (cartesian
   product, first option varying slowest); the first combination is then the reference column;
2. each of the scenario's own ``variants``;
3. each ``--variant NAME=PATH=VALUE[;PATH=VALUE]``.

Every column is the base scenario plus overrides (``PATH=VALUE`` strings for the loader). Rows
are metrics (``launches_per_day``, ``launch_delay.p50`` ...) for every target of the metric's
scope; deltas are against the first column, and the better value of each row is marked using the
registry's ``better`` direction.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from bgreplay.analysis.calls import LoadScenario, Replay
from bgreplay.analysis.formatting import format_value
from bgreplay.analysis.measure import MetricTable, agg_key, lookup, measure, split_key
from bgreplay.analysis.registry import known_metric, metric_def, metric_names
from bgreplay.errors import InputError, Location, Problem

DEFAULT_ROWS: tuple[str, ...] = (
    "launches_per_day",
    "successes",
    "kills",
    "launch_delay.p50",
    "staleness_at_open.p50",
    "staleness_at_open.p90",
    "fresh_open_ratio",
)
_OPEN = {"[": "]", "{": "}", "(": ")"}


@dataclass(frozen=True, slots=True)
class Column:
    """One replay of the comparison: a name, the loader's variant, and extra overrides."""

    name: str
    variant: str | None = None
    overrides: tuple[str, ...] = ()


def split_top_level(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside brackets and quotes: ``[a,b],[c]`` → ``[a,b]``, ``[c]``."""
    parts: list[str] = []
    buf: list[str] = []
    stack: list[str] = []
    quote = ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in _OPEN:
            stack.append(_OPEN[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch == sep and not stack:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return [p.strip() for p in parts]


def _bad(option: str, text: str, message: str, fix: str) -> InputError:
    return InputError(Problem(Location(option), f"{message} in '{text}'", fix))


def parse_vary(text: str) -> tuple[str, list[str]]:
    """``PATH=V1,V2`` → (PATH, [V1, V2]); commas inside brackets or quotes do not split."""
    fix = "write --vary PATH=V1,V2, e.g. --vary 'apps/*/tasks/*refresh/earliest_begin=15m,1h'"
    path, eq, values = text.partition("=")
    if not eq or not path.strip():
        raise _bad("--vary", text, "expected PATH=V1,V2,...", fix)
    parts = split_top_level(values, ",")
    if any(not p for p in parts):
        raise _bad("--vary", text, "empty value", fix)
    return path.strip(), parts


def parse_variant(text: str) -> Column:
    """``NAME=PATH=VALUE[;PATH=VALUE]`` → a column with those overrides."""
    fix = (
        "write --variant NAME=PATH=VALUE[;PATH=VALUE], e.g. --variant 'late=apps/*/tasks/*/"
        "earliest_begin=4h'"
    )
    name, eq, rest = text.partition("=")
    if not eq or not name.strip() or "/" in name:
        raise _bad("--variant", text, "expected NAME=PATH=VALUE", fix)
    overrides = split_top_level(rest, ";")
    for ov in overrides:
        path, eq2, _ = ov.partition("=")
        if not eq2 or not path.strip():
            raise _bad("--variant", text, f"'{ov}' is not PATH=VALUE", fix)
    return Column(name.strip(), None, tuple(overrides))


def vary_columns(varies: Sequence[str]) -> list[Column]:
    """The cartesian product of every ``--vary`` option, named ``key=value`` per option."""
    parsed = [parse_vary(v) for v in varies]
    lasts = [p.rstrip("/").rsplit("/", 1)[-1] for p, _ in parsed]
    labels = [
        last if lasts.count(last) == 1 else path
        for last, (path, _) in zip(lasts, parsed, strict=True)
    ]
    columns = []
    for combo in itertools.product(*(vals for _, vals in parsed)):
        name = " ".join(f"{label}={v}" for label, v in zip(labels, combo, strict=True))
        overrides = tuple(f"{path}={v}" for (path, _), v in zip(parsed, combo, strict=True))
        columns.append(Column(name, None, overrides))
    return columns


def plan_columns(
    variant_names: Sequence[str], variants: Sequence[str] = (), varies: Sequence[str] = ()
) -> list[Column]:
    """Every column of the comparison, in order; duplicate names are bad input."""
    columns = vary_columns(varies) if varies else [Column("base")]
    columns += [Column(n, n) for n in variant_names]
    columns += [parse_variant(v) for v in variants]
    seen: set[str] = set()
    for col in columns:
        if col.name in seen:
            raise InputError(
                Problem(
                    Location("--variant"),
                    f"two columns named '{col.name}'",
                    "give each --variant a name of its own",
                )
            )
        seen.add(col.name)
    return columns


# -- rows --------------------------------------------------------------------------------------


def parse_row(spec: str) -> tuple[str, str | None]:
    """``launch_delay.p90`` → (``launch_delay``, ``p(90)``); a distribution without a suffix
    means its median; unknown names are bad input."""
    name, agg = split_key(spec)
    mdef = metric_def(name)
    if mdef is None:
        import difflib

        keys = metric_names() + [
            f"{m}.{a}"
            for m in metric_names()
            if known_metric(m).kind == "distribution"
            for a in ("p50", "p90", "max", "count")
        ]
        close = difflib.get_close_matches(spec, keys, n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        raise InputError(
            Problem(
                Location("--metric"),
                f"unknown metric '{spec}'{hint}",
                "see docs/metrics.md; aggregate a distribution with a suffix: "
                "launch_delay.p90, staleness_at_open.max",
            )
        )
    if mdef.kind == "scalar" and agg is not None:
        raise InputError(
            Problem(Location("--metric"), f"'{name}' is a single number", f"write --metric {name}")
        )
    if mdef.kind == "distribution" and agg is None:
        agg = "p(50)"
    return name, agg


@dataclass(frozen=True, slots=True)
class Row:
    target: str
    metric: str  # key form: ``launch_delay.p50``
    unit: str
    better: str
    values: tuple[float | None, ...]
    # ``compare --fleet``: per column, (p10, p90) across devices; ``values`` are the medians
    spread: tuple[tuple[float | None, float | None], ...] | None = None

    @property
    def deltas(self) -> tuple[float | None, ...]:
        ref = self.values[0]
        return tuple(None if ref is None or v is None else v - ref for v in self.values)

    @property
    def best(self) -> frozenset[int]:
        """Indices of the columns holding the better value (empty when all equal or no
        direction)."""
        present = [(i, v) for i, v in enumerate(self.values) if v is not None]
        if self.better == "none" or len(present) < 2:
            return frozenset()
        pick = max if self.better == "higher" else min
        top = pick(v for _, v in present)
        if all(math.isclose(v, top, abs_tol=1e-12) for _, v in present):
            return frozenset()
        return frozenset(i for i, v in present if math.isclose(v, top, abs_tol=1e-12))

    def formatted(self, i: int) -> str:
        return format_value(self.values[i], self.unit)

    def formatted_delta(self, i: int) -> str:
        d = self.deltas[i]
        if d is None:
            return "n/a"
        if abs(d) < 1e-12:
            return "±0"
        return ("+" if d > 0 else "-") + format_value(abs(d), self.unit)


@dataclass
class Comparison:
    path: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    fleet: dict[str, object] | None = None  # ``--fleet N``: devices, mix, seed (its metadata)

    def to_dict(self) -> dict[str, object]:
        names = [c.name for c in self.columns]
        out: dict[str, object] = {
            "scenario": self.path,
            "columns": [
                {"name": c.name, "variant": c.variant, "overrides": list(c.overrides)}
                for c in self.columns
            ],
            "rows": [
                {
                    "target": r.target,
                    "metric": r.metric,
                    "unit": r.unit,
                    "better": r.better,
                    "values": dict(zip(names, r.values, strict=True)),
                    "deltas": dict(zip(names, r.deltas, strict=True)),
                    "best": [names[i] for i in sorted(r.best)],
                    **_spread_dict(r, names),
                }
                for r in self.rows
            ],
        }
        if self.fleet is not None:
            out["fleet"] = self.fleet
        return out

    def to_frame(self) -> pl.DataFrame:
        """Tidy: one line per (row, column), for CSV."""
        records = [
            {
                "target": r.target,
                "metric": r.metric,
                "unit": r.unit,
                "column": c.name,
                "value": r.values[i],
                "delta": r.deltas[i],
                "best": i in r.best,
            }
            for r in self.rows
            for i, c in enumerate(self.columns)
        ]
        return pl.DataFrame(
            records,
            schema={
                "target": pl.String,
                "metric": pl.String,
                "unit": pl.String,
                "column": pl.String,
                "value": pl.Float64,
                "delta": pl.Float64,
                "best": pl.Boolean,
            },
        )


def _spread_dict(row: Row, names: list[str]) -> dict[str, dict[str, float | None]]:
    if row.spread is None:
        return {}
    return {
        "p10": dict(zip(names, (lo for lo, _ in row.spread), strict=True)),
        "p90": dict(zip(names, (hi for _, hi in row.spread), strict=True)),
    }


def build_rows(
    tables: Sequence[MetricTable],
    targets: dict[str, list[str]],
    rows: Sequence[tuple[str, str | None]],
) -> list[Row]:
    """One row per (metric spec, target of its scope), measured in each column's table."""
    out = []
    for name, agg in rows:
        mdef = known_metric(name)
        key = name if agg is None else f"{name}.{agg_key(agg)}"
        unit = "count" if agg == "count" else mdef.unit
        better = "none" if agg == "count" else mdef.better
        for target in targets[mdef.scope]:
            values = tuple(measure(t, target, name, agg) for t in tables)
            out.append(Row(target, key, unit, better, values))
    scope_order = {t: i for i, t in enumerate(targets["task"] + targets["app"] + ["device"])}
    return sorted(out, key=lambda r: scope_order.get(r.target, len(scope_order)))


def run_compare(
    path: str,
    *,
    load: LoadScenario,
    replay: Replay,
    variants: Sequence[str] = (),
    vary: Sequence[str] = (),
    metrics: Sequence[str] = (),
    overrides: Sequence[str] = (),
    scenario_variants: bool = True,
) -> Comparison:
    """Replay every column and measure the chosen rows (``DEFAULT_ROWS`` when none);
    ``overrides`` apply to every column, before the column's own; without
    ``scenario_variants`` the scenario's own variants are left out."""
    from bgreplay.analysis.frame import events_frame
    from bgreplay.analysis.metrics import compute_metrics

    rows = [parse_row(m) for m in (metrics or DEFAULT_ROWS)]
    common = list(overrides)
    base = load(path, overrides=common)
    columns = plan_columns(base.variant_names if scenario_variants else (), variants, vary)
    scenarios = [
        base
        if c.variant is None and not c.overrides
        else load(path, variant=c.variant, overrides=common + list(c.overrides))
        for c in columns
    ]
    tables: list[MetricTable] = []
    for col, scenario in zip(columns, scenarios, strict=True):
        result = replay(scenario)
        frame = events_frame(result, variant=col.name, printed=False)
        tables.append(lookup(compute_metrics(frame, scenario, result.profile)))
    targets = {
        "task": [t.id for t in base.tasks],
        "app": [a.bundle for a in base.apps],
        "device": ["device"],
    }
    return Comparison(str(path), columns, build_rows(tables, targets, rows))


# -- compare --fleet ---------------------------------------------------------------------------


def fleet_rows(
    quantiles: pl.DataFrame,
    columns: Sequence[Column],
    targets: dict[str, list[str]],
    rows: Sequence[tuple[str, str | None]],
) -> list[Row]:
    """Rows whose cells are the median across the fleet's devices, with p10-p90 as spread
    (``quantiles`` as made by ``bgreplay.fleet.aggregate.quantiles``)."""
    found = {
        (r["variant"], r["target"], r["metric"]): (r["p10"], r["p50"], r["p90"])
        for r in quantiles.iter_rows(named=True)
    }
    out = []
    for name, agg in rows:
        mdef = known_metric(name)
        key = name if agg is None else f"{name}.{agg_key(agg)}"
        absent = (0.0, 0.0, 0.0) if mdef.family and agg is None else (None, None, None)
        for target in targets[mdef.scope]:
            stats = [found.get((c.name, target, key), absent) for c in columns]
            out.append(
                Row(
                    target,
                    key,
                    "count" if agg == "count" else mdef.unit,
                    "none" if agg == "count" else mdef.better,
                    tuple(s[1] for s in stats),
                    tuple((s[0], s[2]) for s in stats),
                )
            )
    scope_order = {t: i for i, t in enumerate(targets["task"] + targets["app"] + ["device"])}
    return sorted(out, key=lambda r: scope_order.get(r.target, len(scope_order)))


def run_fleet_compare(
    path: str,
    *,
    load: LoadScenario,
    fleet: Callable,
    variants: Sequence[str] = (),
    vary: Sequence[str] = (),
    metrics: Sequence[str] = (),
    overrides: Sequence[str] = (),
    scenario_variants: bool = True,
) -> Comparison:
    """``compare --fleet N``: the same columns, each replayed over the fleet's devices by
    ``fleet(columns=..., metrics=...)`` (a ``FleetResult``); cells are medians across devices."""
    specs = list(metrics or DEFAULT_ROWS)
    rows = [parse_row(m) for m in specs]
    base = load(path, overrides=list(overrides))
    columns = plan_columns(base.variant_names if scenario_variants else (), variants, vary)
    result = fleet(columns=columns, metrics=specs)
    targets = {
        "task": [t.id for t in base.tasks],
        "app": [a.bundle for a in base.apps],
        "device": ["device"],
    }
    meta = result.meta
    summary = {k: meta[k] for k in ("devices", "seed", "persona_mix", "allocation", "device_seed")}
    return Comparison(
        str(path), columns, fleet_rows(result.quantiles, columns, targets, rows), fleet=summary
    )
