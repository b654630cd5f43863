"""Every metric of SPEC §8 computed in one polars pass over the event log. What each metric is
(name, scope, unit, "better" direction) is defined once in ``registry``; ``measure`` turns the
frame into the numbers ``check``, ``compare`` and ``fleet`` compare.

``compute_metrics(frame, scenario, profile)`` returns a tidy frame, one row per (target, metric):

| column | type | meaning |
|---|---|---|
| ``scope`` | str | ``task``, ``app`` or ``device`` |
| ``target`` | str | task identifier, bundle id, or ``device`` |
| ``metric`` | str | registry name; families expand (``kills.jetsam``, ``throttled_time.battery``) |
| ``kind`` | str | ``scalar`` or ``distribution`` |
| ``unit`` | str | ``seconds``, ``hours``, ``count``, ``ratio``, ``percent`` or ``units`` |
| ``value`` | f64/null | the scalar (null when there is no data, e.g. a ratio of zero opens) |
| ``values`` | list[f64]/null | the distribution's observations, in time order |

Distributions are summarised by ``measure.aggregate(values, agg)`` (``min max avg med p(N)
count``); ``measure.summary(frame)`` flattens every metric to named numbers
(``launch_delay.p90``) for baselines and comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import polars as pl

from bgreplay.analysis.registry import known_metric, metric_rank
from bgreplay.engine.records import KILL_REASONS

if TYPE_CHECKING:
    from bgreplay.scenario.model import Scenario

DAY_S = 86_400.0
FRESH_WITHIN_S = 3_600.0  # SPEC §8: fresh_open_ratio counts opens with staleness below 1 h
RUN_ENDS = ("completed", "killed")  # events that close a run and carry its runtime
THROTTLE_ENDS = ("throttled", "launched", "replaced", "cancelled", "submitted")


_KEY = "device"  # every computation is per device: one frame may hold a chunk of a fleet


def _targets(devices: Sequence[int], column: str, names: list[str]) -> pl.DataFrame:
    """Every (device, target) pair, so targets with no events still get their zeros."""
    return pl.DataFrame(
        {_KEY: [d for d in devices for _ in names], column: names * len(devices)},
        schema={_KEY: pl.Int64, column: pl.String},
    )


def _task_frame(
    frame: pl.DataFrame,
    devices: Sequence[int],
    tasks: list[str],
    days: float,
    end_s: float,
    start_delays: dict[str, float],
) -> pl.DataFrame:
    ev, reason = pl.col("event"), pl.col("reason")
    tf = frame.filter(pl.col("task").is_not_null())
    organic = (ev == "launched") & (reason == "organic")
    seen = tf.filter(ev == "killed")["reason"].drop_nulls().unique().sort()
    kill_reasons = list(dict.fromkeys([*KILL_REASONS, *seen]))
    counts = tf.group_by(_KEY, "task").agg(
        submits=(ev == "submitted").sum(),
        submit_errors=(ev == "submit_failed").sum(),
        replaced=(ev == "replaced").sum(),
        launches=(ev == "launched").sum(),
        completions=(ev == "completed").sum(),
        successes=((ev == "completed") & (reason == "success")).sum(),
        failures=((ev == "completed") & (reason == "failure")).sum(),
        expirations=(ev == "expired").sum(),
        kills=(ev == "killed").sum(),
        **{f"kills.{r}": ((ev == "killed") & (reason == r)).sum() for r in kill_reasons},
        launch_delay=pl.col("value").filter(ev == "launched").drop_nulls(),
        begin_delay=(
            pl.col("value")
            + pl.col("task_type").replace_strict(
                start_delays, default=None, return_dtype=pl.Float64
            )
        )
        .filter(organic)
        .drop_nulls(),
        launch_spacing=pl.col("t").filter(organic).diff().drop_nulls(),
        runtime=pl.col("value").filter(ev.is_in(RUN_ENDS)).drop_nulls(),
        time_to_expiration=pl.col("value").filter(ev == "expired").drop_nulls(),
        energy=pl.col("energy").filter(ev.is_in(RUN_ENDS)).sum(),
    )
    spans = (
        tf.filter(ev.is_in(THROTTLE_ENDS))
        .sort([_KEY, "t", "seq"])
        .with_columns(end=pl.col("t").shift(-1).over(_KEY, "task").fill_null(end_s))
        .filter(ev == "throttled")
        .with_columns(
            span=(pl.col("end") - pl.col("t")).clip(lower_bound=0.0),
            policy=reason.fill_null("unknown"),
        )
    )
    total = spans.group_by(_KEY, "task").agg(throttled_time=pl.col("span").sum())
    by_policy = spans.group_by(_KEY, "task", "policy").agg(pl.col("span").sum())
    base = _targets(devices, "task", tasks)
    keys = [_KEY, "task"]
    wide = base.join(counts, on=keys, how="left").join(total, on=keys, how="left")
    count_cols = [
        "submits",
        "submit_errors",
        "replaced",
        "launches",
        "completions",
        "successes",
        "failures",
        "expirations",
        "kills",
        *[f"kills.{r}" for r in kill_reasons],
    ]
    wide = wide.with_columns(
        *[pl.col(c).fill_null(0).cast(pl.Float64) for c in count_cols],
        pl.col("throttled_time").fill_null(0.0),
        pl.col("energy").fill_null(0.0),
    )
    # Divided one by one: polars multiplies a column by 1/days, a last bit off and only
    # above one row, so a replay's rate would depend on what it was computed with.
    per_day = [launches / days for launches in wide["launches"]]
    wide = wide.with_columns(launches_per_day=pl.Series(per_day, dtype=pl.Float64))
    scalars = [
        "submits",
        "submit_errors",
        "replaced",
        "launches",
        "launches_per_day",
        "completions",
        "successes",
        "failures",
        "expirations",
        "kills",
        *[f"kills.{r}" for r in kill_reasons],
        "throttled_time",
        "energy",
    ]
    wide = wide.join(_launches_by(tf, base, end_s), on=keys, how="left")
    rows = _tidy(
        wide,
        "task",
        "task",
        scalars,
        [
            "launch_delay",
            "begin_delay",
            "launch_spacing",
            "launches_by_day",
            "launches_by_week",
            "runtime",
            "time_to_expiration",
        ],
    )
    # A kill reason outside the documented ones is a member only where it happened.
    rare = [f"kills.{r}" for r in kill_reasons if r not in KILL_REASONS]
    if rare:
        rows = rows.filter(~(pl.col("metric").is_in(rare) & (pl.col("value") == 0.0)))
    policy_rows = base.join(by_policy, on=keys, how="inner").select(
        _KEY,
        scope=pl.lit("task"),
        target=pl.col("task"),
        metric=pl.lit("throttled_time.") + pl.col("policy"),
        value=pl.col("span"),
        values=pl.lit(None, dtype=pl.List(pl.Float64)),
    )
    return pl.concat([rows, policy_rows])


def _launches_by(tf: pl.DataFrame, base: pl.DataFrame, end_s: float) -> pl.DataFrame:
    """Per device and task: launches in each day and each week of the replay, zeros included."""
    launched = tf.filter(pl.col("event") == "launched")
    pairs = list(zip(base[_KEY], base["task"], strict=True))
    columns: dict[str, list] = {_KEY: base[_KEY].to_list(), "task": base["task"].to_list()}
    for name, span in (("launches_by_day", DAY_S), ("launches_by_week", 7 * DAY_S)):
        buckets = max(1, math.ceil(end_s / span))
        counts = {pair: [0.0] * buckets for pair in pairs}
        for device, task, t in zip(launched[_KEY], launched["task"], launched["t"], strict=True):
            if (device, task) in counts:
                counts[(device, task)][min(int(t // span), buckets - 1)] += 1.0
        columns[name] = [counts[pair] for pair in pairs]
    return pl.DataFrame(
        columns,
        schema={
            _KEY: pl.Int64,
            "task": pl.String,
            "launches_by_day": pl.List(pl.Float64),
            "launches_by_week": pl.List(pl.Float64),
        },
    )


def _app_frame(
    frame: pl.DataFrame, devices: Sequence[int], apps: list[str], fresh_within_s: float
) -> pl.DataFrame:
    ev = pl.col("event")
    af = frame.filter(pl.col("app").is_not_null())
    opened = ev == "app_opened"
    stale = pl.col("t") - pl.col("fetched")  # seconds since the app last fetched
    counts = af.group_by(_KEY, "app").agg(
        opens=opened.sum(),
        fresh=(opened & stale.is_not_null() & (stale < fresh_within_s)).sum(),
        staleness_at_open=stale.filter(opened).drop_nulls(),
        missed_changes_at_open=pl.col("missed_changes")
        .filter(opened)
        .cast(pl.Float64)
        .drop_nulls(),
        background_runtime=pl.col("value").filter(ev.is_in(RUN_ENDS)).drop_nulls().sum(),
        crashes=(ev == "app_crashed").sum(),
        prewarms=(ev == "prewarmed").sum(),
        with_code=((ev == "prewarmed") & (pl.col("reason") == "launch_code")).sum(),
        prewarmed_starts=(opened & (pl.col("reason") == "prewarmed")).sum(),
        starts=(opened & pl.col("reason").is_in(["cold", "prewarmed"])).sum(),
    )
    keys = [_KEY, "app"]
    counts = counts.join(_prewarm_to_open(af), on=keys, how="left")
    wide = (
        _targets(devices, "app", apps)
        .join(counts, on=keys, how="left")
        .with_columns(
            *[
                pl.col(c).fill_null(0).cast(pl.Float64)
                for c in ("opens", "crashes", "prewarms", "with_code", "prewarmed_starts", "starts")
            ],
            pl.col("background_runtime").fill_null(0.0).cast(pl.Float64),
        )
        .with_columns(
            fresh_open_ratio=_share(pl.col("fresh").fill_null(0), pl.col("opens")),
            prewarms_per_open=_share(pl.col("prewarms"), pl.col("opens")),
            prewarmed_start_share=_share(pl.col("prewarmed_starts"), pl.col("starts")),
            prewarm_launch_code_share=_share(pl.col("with_code"), pl.col("prewarms")),
        )
    )
    return _tidy(
        wide,
        "app",
        "app",
        [
            "opens",
            "fresh_open_ratio",
            "background_runtime",
            "crashes",
            "prewarms",
            "prewarms_per_open",
            "prewarmed_start_share",
            "prewarm_launch_code_share",
        ],
        ["staleness_at_open", "missed_changes_at_open", "prewarm_to_open"],
    )


def _share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """``part / whole``, no data when ``whole`` is 0."""
    return pl.when(whole > 0).then(part / whole).otherwise(None)


def _prewarm_to_open(af: pl.DataFrame) -> pl.DataFrame:
    """Per device and app: for each open a pre-warm started, the time since that pre-warm."""
    ev = pl.col("event")
    marks = af.filter(
        (ev == "prewarmed") | ((ev == "app_opened") & (pl.col("reason") == "prewarmed"))
    )
    return (
        marks.sort([_KEY, "t", "seq"])
        .with_columns(
            since=pl.when(ev == "prewarmed").then(pl.col("t")).forward_fill().over(_KEY, "app")
        )
        .group_by(_KEY, "app")
        .agg(
            prewarm_to_open=(pl.col("t") - pl.col("since")).filter(ev == "app_opened").drop_nulls()
        )
    )


def _device_frame(
    frame: pl.DataFrame, devices: Sequence[int], days: float, end_s: float
) -> pl.DataFrame:
    ev, t = pl.col("event"), pl.col("t")
    power = frame.filter(ev.is_in(["plugged", "unplugged"])).sort([_KEY, "t", "seq"])
    plugged = power.group_by(_KEY).agg(
        # plugged in since before the replay started when the first change is an unplug
        before=pl.when(ev.first() == "unplugged").then(t.first()).otherwise(0.0),
        spans=(t.shift(-1).fill_null(end_s) - t).filter(ev == "plugged").sum(),
    )
    lowest = frame.filter(ev == "battery").group_by(_KEY).agg(min_battery=pl.col("value").min())
    unlocks = frame.filter(ev == "unlocked").group_by(_KEY).agg(unlocks=pl.len())
    facts = (
        pl.DataFrame({_KEY: list(devices)}, schema={_KEY: pl.Int64})
        .join(plugged, on=_KEY, how="left")
        .join(lowest, on=_KEY, how="left")
        .join(unlocks, on=_KEY, how="left")
    )
    rows = []  # divided here, as one replay's numbers always were (bit for bit)
    for device, before, spans, lowest_battery, count in facts.iter_rows():
        plugged_s = (before or 0.0) + (spans or 0.0)
        rows.append(
            (
                device,
                "device",
                (count or 0) / days,
                plugged_s / 3600.0 / days,
                None if lowest_battery is None else float(lowest_battery),
            )
        )
    wide = pl.DataFrame(
        rows,
        schema={
            _KEY: pl.Int64,
            "target": pl.String,
            "unlocks_per_day": pl.Float64,
            "plugged_hours_per_day": pl.Float64,
            "min_battery": pl.Float64,
        },
        orient="row",
    )
    return _tidy(
        wide, "device", "target", ["unlocks_per_day", "plugged_hours_per_day", "min_battery"], []
    )


def _tidy(
    wide: pl.DataFrame, scope: str, key: str, scalars: list[str], dists: list[str]
) -> pl.DataFrame:
    """Wide per-(device, target) columns → long (device, scope, target, metric, value, values)
    rows; ``devices_metrics`` puts them in order."""
    keys = [_KEY, key]
    parts = []
    if scalars:
        parts.append(
            wide.select(*keys, *[pl.col(c).cast(pl.Float64) for c in scalars])
            .unpivot(index=keys, variable_name="metric", value_name="value")
            .with_columns(values=pl.lit(None, dtype=pl.List(pl.Float64)))
        )
    if dists:
        parts.append(
            wide.select(*keys, *[pl.col(c).fill_null([]).cast(pl.List(pl.Float64)) for c in dists])
            .unpivot(index=keys, variable_name="metric", value_name="values")
            .with_columns(value=pl.lit(None, dtype=pl.Float64))
            .select(*keys, "metric", "value", "values")
        )
    return pl.concat(parts).select(
        _KEY,
        scope=pl.lit(scope),
        target=pl.col(key),
        metric=pl.col("metric"),
        value=pl.col("value"),
        values=pl.col("values"),
    )


METRICS_SCHEMA = pl.Schema(
    {
        "scope": pl.String(),
        "target": pl.String(),
        "metric": pl.String(),
        "kind": pl.String(),
        "unit": pl.String(),
        "value": pl.Float64(),
        "values": pl.List(pl.Float64),
    }
)


def compute_metrics(
    frame: pl.DataFrame,
    scenario: Scenario,
    profile: Mapping[str, object] | None = None,
    *,
    fresh_within_s: float = FRESH_WITHIN_S,
) -> pl.DataFrame:
    """Every SPEC §8 metric of one replay, as the tidy frame described in the module docstring.

    ``frame`` is one replay's event log (``events_frame``); ``scenario`` gives the task and app
    lists (targets with no events still get zero counts) and the replay's length; ``profile``
    (the replay's resolved parameters) gives dasd's start delays for ``begin_delay``, which has
    no data without it.
    """
    one = frame.with_columns(pl.lit(0, dtype=pl.Int64).alias(_KEY))
    metrics = devices_metrics(one, [0], scenario, profile, fresh_within_s=fresh_within_s)
    return metrics.drop(_KEY)


def devices_metrics(
    frame: pl.DataFrame,
    devices: Sequence[int],
    scenario: Scenario,
    profile: Mapping[str, object] | None = None,
    *,
    fresh_within_s: float = FRESH_WITHIN_S,
) -> pl.DataFrame:
    """``compute_metrics`` of several replays of ``scenario`` at once (a chunk of a fleet: the
    same tasks, apps and length, one ``device`` each): the same rows as each replay's own
    ``compute_metrics``, after a leading ``device`` column, device by device in ``devices``'
    order. ``frame`` holds their event logs, each in time order; one computation for the chunk
    costs about what one replay's does."""
    end_s = scenario.duration_ms / 1000.0
    days = end_s / DAY_S
    tasks = [t.id for t in scenario.tasks]
    apps = [a.bundle for a in scenario.apps]
    long = pl.concat(
        [
            _task_frame(frame, devices, tasks, days, end_s, _start_delays(profile)),
            _app_frame(frame, devices, apps, fresh_within_s),
            _device_frame(frame, devices, days, end_s),
        ]
    )
    ranks: dict[str, tuple[int, int, str]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    for name in long["metric"].unique():
        mdef = known_metric(name)
        ranks[name] = metric_rank(name)
        kinds[name] = (mdef.kind, mdef.unit)
    position = {device: i for i, device in enumerate(devices)}
    targets = {name: i for i, name in enumerate([*tasks, *apps, "device"])}
    order = [
        (position[d], targets.get(t, len(targets)), *ranks[m])
        for d, t, m in zip(long[_KEY], long["target"], long["metric"], strict=True)
    ]
    perm = sorted(range(len(order)), key=order.__getitem__)
    metric_names = long["metric"]
    return (
        long.with_columns(
            kind=pl.Series([kinds[m][0] for m in metric_names], dtype=pl.String),
            unit=pl.Series([kinds[m][1] for m in metric_names], dtype=pl.String),
        )
        .select(pl.all().gather(perm))
        .select(_KEY, *METRICS_SCHEMA)
        .cast(pl.Schema({_KEY: pl.Int64(), **METRICS_SCHEMA}))
    )


def _start_delays(profile: Mapping[str, object] | None) -> dict[str, float]:
    """Seconds dasd adds to the earliest begin date, per task type (SPEC §6.1)."""
    refresh = (profile or {}).get("refresh_start_delay")
    processing = (profile or {}).get("processing_start_delay")
    if not isinstance(refresh, int | float) or not isinstance(processing, int | float):
        return {}
    return {
        "refresh": refresh / 1000,
        "processing": processing / 1000,
        "health_research": processing / 1000,
    }
