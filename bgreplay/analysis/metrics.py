"""Every metric of SPEC §8, defined once: a registry and one polars computation over the event log.

``check``, ``compare``, ``fleet`` and ``docs/metrics.md`` all read ``METRICS``, so a metric's
name, scope, unit and "better" direction cannot drift between commands.

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

Distributions are summarised by ``aggregate(values, agg)`` with ``min max avg med p(N) count``;
``summary(frame)`` flattens every metric to named numbers (``launch_delay.p90``) for baselines
and comparisons.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import polars as pl

from bgreplay.analysis.formatting import plain_number
from bgreplay.engine.records import KILL_REASONS

if TYPE_CHECKING:
    from bgreplay.scenario.model import Scenario

Scope = Literal["task", "app", "device"]
Kind = Literal["scalar", "distribution"]
Unit = Literal["seconds", "hours", "count", "ratio", "percent", "units"]
Better = Literal["higher", "lower", "none"]

DAY_S = 86_400.0
FRESH_WITHIN_S = 3_600.0  # SPEC §8: fresh_open_ratio counts opens with staleness below 1 h


def _throttle_reasons() -> tuple[str, ...]:
    """What a ``throttled`` event's reason may be: a policy's short name or an engine state."""
    from bgreplay.engine.policies import REASONS

    return tuple(REASONS)


RUN_ENDS = ("completed", "killed")  # events that close a run and carry its runtime
THROTTLE_ENDS = ("throttled", "launched", "replaced", "cancelled", "submitted")


@dataclass(frozen=True, slots=True)
class MetricDef:
    """One metric: what it measures, where, in which unit, and which way is better.

    A *family* (``kills.<reason>``) stands for one scalar per suffix; ``members`` lists the known
    suffixes, or is empty when any suffix is allowed (policy names come from the profile).
    """

    name: str
    scope: Scope
    kind: Kind
    unit: Unit
    better: Better
    doc: str
    family: bool = False
    members: tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return self.name.split(".", 1)[0]


def _m(
    name: str,
    scope: Scope,
    kind: Kind,
    unit: Unit,
    better: Better,
    doc: str,
    members: tuple[str, ...] | None = None,
) -> MetricDef:
    return MetricDef(
        name, scope, kind, unit, better, doc, family=members is not None, members=members or ()
    )


METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in (
        _m(
            "submits",
            "task",
            "scalar",
            "count",
            "none",
            "Requests accepted by `submit` (`submitted` events); failed submits are not counted.",
        ),
        _m(
            "submit_errors",
            "task",
            "scalar",
            "count",
            "lower",
            "Submits that failed (`submit_failed`: unavailable, notPermitted, "
            "tooManyPendingTaskRequests, immediateRunIneligible).",
        ),
        _m(
            "replaced",
            "task",
            "scalar",
            "count",
            "lower",
            "Pending requests replaced by a new submit of the same identifier (resets the timer, "
            "F14).",
        ),
        _m(
            "launches",
            "task",
            "scalar",
            "count",
            "higher",
            "Runs launched (organic and simulated).",
        ),
        _m(
            "launches_per_day",
            "task",
            "scalar",
            "count",
            "higher",
            "`launches` divided by the replay's length in days.",
        ),
        _m(
            "completions",
            "task",
            "scalar",
            "count",
            "higher",
            "Runs that called `setTaskCompleted` (`completed`, success or failure).",
        ),
        _m("successes", "task", "scalar", "count", "higher", "Runs completed with success."),
        _m(
            "failures",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs completed with failure (including completion after expiration).",
        ),
        _m(
            "expirations",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs whose expiration handler was called (`expired`).",
        ),
        _m(
            "kills",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs killed by the system (`killed`, any reason).",
        ),
        _m(
            "kills.<reason>",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs killed for one reason: " + ", ".join(KILL_REASONS) + ".",
            KILL_REASONS,
        ),
        _m(
            "throttled_time",
            "task",
            "scalar",
            "seconds",
            "lower",
            "Time pending past `start_after` while blocked: from each `throttled` event to the "
            "request's next event (`throttled`, `launched`, `replaced`, `cancelled`, "
            "`submitted`) or the end of the replay.",
        ),
        _m(
            "throttled_time.<policy>",
            "task",
            "scalar",
            "seconds",
            "lower",
            "`throttled_time` while the given policy blocked the request (`threshold` = score "
            "below threshold; `device_off`, `already_running` = engine states). Zero when it "
            "never blocked the request. Policies: " + ", ".join(_throttle_reasons()) + ".",
            _throttle_reasons(),
        ),
        _m(
            "launch_delay",
            "task",
            "distribution",
            "seconds",
            "lower",
            "Per launch: launch time − `start_after`.",
        ),
        _m(
            "begin_delay",
            "task",
            "distribution",
            "seconds",
            "lower",
            "Per organic launch: launch time − the request's earliest begin date (`launch_delay` "
            "plus dasd's start delay for the task type, F29, F31).",
        ),
        _m(
            "launch_spacing",
            "task",
            "distribution",
            "seconds",
            "none",
            "Time between consecutive organic launches of the task (dasd's rate limit, F68).",
        ),
        _m(
            "launches_by_day",
            "task",
            "distribution",
            "count",
            "none",
            "Launches in each 24-hour day of the replay, in order; `at(N)` is day N.",
        ),
        _m(
            "launches_by_week",
            "task",
            "distribution",
            "count",
            "none",
            "Launches in each 7-day week of the replay, in order (a last partial week counts); "
            "`at(N)` is week N.",
        ),
        _m(
            "runtime",
            "task",
            "distribution",
            "seconds",
            "none",
            "Per run: launch to its end (`completed` or `killed`).",
        ),
        _m(
            "time_to_expiration",
            "task",
            "distribution",
            "seconds",
            "none",
            "Per expired run: launch to the expiration (`expired`), whatever expired it.",
        ),
        _m(
            "energy",
            "task",
            "scalar",
            "units",
            "lower",
            "Energy-budget units spent by the task's runs on battery (§6.6; the `energy` of "
            "`completed` / `killed` in the event log). Runs while plugged in cost nothing.",
        ),
        _m("opens", "app", "scalar", "count", "none", "Foreground opens (`app_opened`)."),
        _m(
            "staleness_at_open",
            "app",
            "distribution",
            "seconds",
            "lower",
            "Per open: open time − last fetch completion, measured before the open's own sync. "
            "Opens before any fetch (no staleness) are left out.",
        ),
        _m(
            "fresh_open_ratio",
            "app",
            "scalar",
            "ratio",
            "higher",
            "Share of opens with staleness below `fresh_within` (1 h); an open with no fetch yet "
            "is not fresh. No data when the app was never opened.",
        ),
        _m(
            "missed_changes_at_open",
            "app",
            "distribution",
            "count",
            "lower",
            "Per open: server changes not fetched yet (the `missed_changes` of `app_opened`).",
        ),
        _m(
            "background_runtime",
            "app",
            "scalar",
            "seconds",
            "none",
            "Total runtime of all the app's background runs.",
        ),
        _m(
            "prewarms",
            "app",
            "scalar",
            "count",
            "none",
            "Pre-warm launches of the app's process (`prewarmed`, F93).",
        ),
        _m(
            "prewarms_per_open",
            "app",
            "scalar",
            "ratio",
            "none",
            "`prewarms` divided by `opens`. No data when the app was never opened.",
        ),
        _m(
            "prewarmed_start_share",
            "app",
            "scalar",
            "ratio",
            "none",
            "Share of app starts (opens that found no process in memory, or one a pre-warm "
            "started) that a pre-warm started (`app_opened` reason `prewarmed` against "
            "`cold`); resumes of a process in memory are not starts (FO5).",
        ),
        _m(
            "prewarm_launch_code_share",
            "app",
            "scalar",
            "ratio",
            "none",
            "Share of pre-warms that ran the app's launch code (`prewarmed` reason "
            "`launch_code`, FO7). No data without pre-warms.",
        ),
        _m(
            "prewarm_to_open",
            "app",
            "distribution",
            "seconds",
            "none",
            "Per pre-warmed start: time from the pre-warm to the open that used it (FO6).",
        ),
        _m(
            "crashes",
            "app",
            "scalar",
            "count",
            "lower",
            "App crashes (`app_crashed`: no launch handler registered, late registration).",
        ),
        _m(
            "unlocks_per_day",
            "device",
            "scalar",
            "count",
            "none",
            "`unlocked` events divided by the replay's length in days.",
        ),
        _m(
            "plugged_hours_per_day",
            "device",
            "scalar",
            "hours",
            "none",
            "Hours on external power (from `plugged` / `unplugged` events) per day.",
        ),
        _m(
            "min_battery",
            "device",
            "scalar",
            "percent",
            "higher",
            "Lowest battery level seen (`battery` events). No data without battery events.",
        ),
    )
}
"""The registry, in display order."""

FAMILIES: dict[str, MetricDef] = {m.stem: m for m in METRICS.values() if m.family}
AGG_RE = re.compile(r"^(min|max|avg|med|count|p\(\s*(\d+(?:\.\d+)?)\s*\)|at\(\s*([1-9]\d*)\s*\))$")
_KEY_AGG_RE = re.compile(
    r"^(?P<name>.+?)\.(?P<agg>min|max|avg|med|count|p\d+(?:\.\d+)?|at[1-9]\d*)$"
)
SUMMARY_AGGS = ("p(50)", "p(90)", "max", "count")  # what baselines and comparisons keep


def metric_def(name: str, *, strict: bool = True) -> MetricDef | None:
    """The definition of ``name`` (``kills`` or ``kills.jetsam`` alike), or None if unknown.

    ``strict=False`` accepts any family suffix (a kill reason the registry does not list yet).
    """
    if name in METRICS and not METRICS[name].family:
        return METRICS[name]
    stem, dot, suffix = name.partition(".")
    fam = FAMILIES.get(stem)
    if fam is None or not dot or not suffix:
        return None
    if strict and fam.members and suffix not in fam.members:
        return None
    return fam


def known_metric(name: str) -> MetricDef:
    """The definition of a name already known to be a metric (a row ``parse_row`` accepted, or
    one ``compute_metrics`` produced); any family suffix is accepted."""
    mdef = metric_def(name, strict=False)
    if mdef is None:
        raise KeyError(f"not a metric: {name!r}")
    return mdef


def metric_names(scope: str | None = None) -> list[str]:
    """Every metric name a user may write (families expanded where their members are known)."""
    out: list[str] = []
    for m in METRICS.values():
        if scope is not None and m.scope != scope:
            continue
        if m.family:
            out.extend(f"{m.stem}.{s}" for s in m.members)
        else:
            out.append(m.name)
    return out


# -- aggregations ------------------------------------------------------------------------------


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


# -- computation -------------------------------------------------------------------------------


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
        ranks[name] = _metric_rank(name)
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


_POSITION = {name: i for i, name in enumerate(METRICS)}


def _metric_rank(name: str) -> tuple[int, int, str]:
    """Registry order; family members in their documented order, then alphabetically."""
    mdef = metric_def(name, strict=False)
    if mdef is None:
        return (len(_POSITION), 0, name)
    if not mdef.family:
        return (_POSITION[mdef.name], 0, "")
    suffix = name.partition(".")[2]
    member = mdef.members.index(suffix) if suffix in mdef.members else len(mdef.members)
    return (_POSITION[mdef.name], member, suffix)


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
