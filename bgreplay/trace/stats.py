"""Per-day statistics of a device trace: the numbers ``bgreplay trace show`` prints and the
persona acceptance tests check against the published ranges of T§3.1–T§3.8 (docs/sources.md).

Days are the device's local calendar days (each row in its own UTC offset); an interval that
crosses midnight counts on both days. Counts (unlocks, glances, app opens, boots) go to the day
an interval starts; durations are split at midnight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import polars as pl

_TIME = r"^(\d{4}-\d\d-\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(Z|z|[+-]\d\d:\d\d)?$"
DAY = 86_400
_EPS = 0.001  # seconds; well above float64 resolution at today's Unix times (~2e-7 s)

COLUMNS = (
    "date",
    "weekday",
    "interactions",
    "unlocks",
    "glances",
    "screen_min",
    "app_opens",
    "apps",
    "plugged_h",
    "longest_plug_h",
    "wifi_share",
    "lpm_h",
    "boots",
    "min_battery",
)


def _seconds(column: str) -> tuple[pl.Expr, pl.Expr]:
    """(local wall time, UTC) in seconds since 1970 from ISO text; UTC is null without offset."""
    g = pl.col(column).str.extract_groups(_TIME)
    day = g.struct.field("1").str.to_date("%Y-%m-%d", strict=False).cast(pl.Int64)
    local = (
        day * DAY
        + g.struct.field("2").cast(pl.Int64) * 3600
        + g.struct.field("3").cast(pl.Int64) * 60
        + g.struct.field("4").cast(pl.Int64).fill_null(0)
    ).cast(pl.Float64) + g.struct.field("5").cast(pl.Float64).fill_null(0.0)
    zone = g.struct.field("6")
    sign = pl.when(zone.str.starts_with("-")).then(-1).otherwise(1)
    offset = (
        pl.when(zone.str.to_uppercase() == "Z")
        .then(0)
        .otherwise(
            sign
            * (
                zone.str.slice(1, 2).cast(pl.Int64, strict=False) * 3600
                + zone.str.slice(4, 2).cast(pl.Int64, strict=False) * 60
            )
        )
    )
    return local, local - offset


@runtime_checkable
class HasFrame(Protocol):
    """A trace that turns itself into the file layout (a PersonaTrace, an import result)."""

    def frame(self) -> pl.DataFrame: ...


TraceRows = Iterable[Mapping[str, object]] | Iterable[Sequence[object]]
"""Rows as dicts keyed by column, or as ``(start, end, kind, value, subject)`` tuples."""


def _normalise(data: pl.DataFrame | HasFrame | TraceRows) -> pl.DataFrame:
    """``ls`` (local start, s), ``dur`` (s, null for points), ``kind``, ``value``, ``subject``."""
    if isinstance(data, HasFrame):
        data = data.frame()
    if not isinstance(data, pl.DataFrame):
        rows = list(data)
        if rows and isinstance(rows[0], Mapping):
            data = pl.DataFrame(rows, infer_schema_length=None)
        else:
            names = dict.fromkeys(("start", "end", "kind", "value", "subject"), pl.String)
            data = pl.DataFrame([tuple(r)[:5] for r in rows], schema=names, orient="row")
    frame = data.select("start", "end", "kind", "value", "subject")
    for name in ("start", "end"):
        dtype = frame.schema[name]
        if not isinstance(dtype, pl.Datetime):  # text, or Null (a Parquet column with no
            frame = frame.with_columns(pl.col(name).cast(pl.String))  # value), Binary ...
            continue
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            frame = frame.with_columns(pl.col(name).dt.replace_time_zone(None))
        frame = frame.with_columns(pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%.f"))
    frame = frame.with_columns(pl.col("kind", "value", "subject").cast(pl.String))
    start_local, start_utc = _seconds("start")
    end_local, end_utc = _seconds("end")
    duration = pl.coalesce(end_utc - start_utc, end_local - start_local)
    return frame.select(
        ls=start_local,
        dur=duration,
        kind=pl.col("kind"),
        value=pl.col("value"),
        subject=pl.col("subject"),
    ).filter(pl.col("ls").is_not_null())


def day_stats(data: pl.DataFrame | HasFrame | TraceRows) -> pl.DataFrame:
    """One row per local day of the trace (rows, a file frame or a generated trace)."""
    rows = _normalise(data)
    schema = {"date": pl.Date, "weekday": pl.String, **dict.fromkeys(COLUMNS[2:], pl.Float64)}
    if rows.is_empty():
        return pl.DataFrame(schema=schema)
    rows = rows.with_columns(
        le=pl.col("ls") + pl.col("dur").fill_null(0), d=(pl.col("ls") // DAY).cast(pl.Int64)
    )
    lo, hi = rows["ls"].min(), rows["le"].max()
    assert isinstance(lo, float) and isinstance(hi, float)  # Float64 columns, never null
    last = max(lo, hi - _EPS)  # an end exactly at midnight does not open the next day
    days = pl.DataFrame({"d": pl.int_range(int(lo // DAY), int(last // DAY) + 1, eager=True)})
    covered = pl.min_horizontal(pl.lit(hi), (pl.col("d") + 1) * DAY) - pl.max_horizontal(
        pl.lit(lo), pl.col("d") * DAY
    )
    out = (
        days.join(_durations(rows), on="d", how="left")
        .join(_counts(rows), on="d", how="left")
        .fill_null(0)
        .join(_battery(rows), on="d", how="left")
        .with_columns(date=pl.col("d").cast(pl.Int32).cast(pl.Date), covered=covered)
    )
    has_network = bool((rows["kind"] == "network").any())
    return out.sort("d").select(
        pl.col("date"),
        weekday=pl.col("date").dt.strftime("%a"),
        interactions=pl.col("unlocks") + pl.col("glances"),
        unlocks=pl.col("unlocks"),
        glances=pl.col("glances"),
        screen_min=(pl.col("screen_s") / 60).round(1),
        app_opens=pl.col("app_opens"),
        apps=pl.col("apps"),
        plugged_h=(pl.col("plugged_s") / 3600).round(2),
        longest_plug_h=pl.col("longest_plug_h").round(2),
        wifi_share=pl.when(pl.col("covered") > 0).then(
            (pl.col("wifi_s") / pl.col("covered")).round(3)
        )
        if has_network
        else pl.lit(None, pl.Float64),
        lpm_h=(pl.col("lpm_s") / 3600).round(2),
        boots=pl.col("boots"),
        min_battery=pl.col("min_battery"),
    )


def _durations(rows: pl.DataFrame) -> pl.DataFrame:
    """Seconds per day of each state, intervals split at local midnight."""
    kind, value = pl.col("kind"), pl.col("value")
    spans = (
        rows.filter(pl.col("dur") > 0)
        .with_columns(
            d=pl.int_ranges(pl.col("d"), ((pl.col("le") - _EPS) // DAY).cast(pl.Int64) + 1)
        )
        .explode("d")
        .with_columns(
            ov=pl.min_horizontal("le", (pl.col("d") + 1) * DAY)
            - pl.max_horizontal("ls", pl.col("d") * DAY)
        )
    )
    return spans.group_by("d").agg(
        screen_s=pl.col("ov").filter(kind.is_in(["unlocked", "screen"])).sum(),
        plugged_s=pl.col("ov").filter(kind == "plugged").sum(),
        wifi_s=pl.col("ov").filter((kind == "network") & (value == "wifi")).sum(),
        lpm_s=pl.col("ov").filter(kind == "low_power_mode").sum(),
    )


def _counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Counts on the day each row starts."""
    kind = pl.col("kind")
    return rows.group_by("d").agg(
        unlocks=(kind == "unlocked").sum(),
        glances=(kind == "screen").sum(),
        app_opens=(kind == "app").sum(),
        apps=pl.col("subject").filter(kind == "app").n_unique(),
        boots=(kind == "boot").sum(),
        longest_plug_h=pl.col("dur").filter(kind == "plugged").max() / 3600,
    )


def _battery(rows: pl.DataFrame) -> pl.DataFrame:
    return (
        rows.filter(pl.col("kind") == "battery")
        .group_by("d")
        .agg(min_battery=pl.col("value").cast(pl.Float64, strict=False).min())
    )
