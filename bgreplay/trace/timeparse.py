"""Vectorised ISO 8601 parsing of trace timestamps into Unix milliseconds (SPEC §5.2).

A column may mix instants with an offset (``2026-03-02T07:30:00+01:00``, ``...Z``) and naive
scenario-local wall times (``2026-03-02T07:30``). Cells in the canonical form go through polars'
own parser; the others are split by one regex, their wall time built with integer arithmetic, and
polars applies the zone to the naive ones. The rare wall time in a spring-forward gap comes back
null from polars and is resolved in Python by the rule of the inline timeline (moved forward by
the gap); a repeated one (fall back) means its first occurrence.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import polars as pl

from bgreplay.trace.clock import local_to_utc_ms

TIME_REGEX = (
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
TIME_PATTERN = re.compile(TIME_REGEX)
CANONICAL = "%Y-%m-%dT%H:%M:%S%:z"

_S, _M, _H, _D = 1_000, 60_000, 3_600_000, 86_400_000
YEARS = (1900, 2999)  # outside: a typo, and beyond what datetime can show in messages
YEARS_DAYS = (
    (date(YEARS[0], 1, 1) - date(1970, 1, 1)).days,
    (date(YEARS[1], 12, 31) - date(1970, 1, 1)).days,
)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def parse_time_columns(frame: pl.DataFrame, columns: list[str], zone_name: str) -> pl.DataFrame:
    """Add ``<column>_ms`` (Unix ms or null) for each text column.

    The canonical form ``2026-03-02T07:30:00+01:00`` (what bgreplay and most exporters write)
    goes through polars' own parser, all columns in parallel; only the other cells (naive, ``Z``,
    no seconds, fractions, or wrong) take the regex path.
    """
    # lazy: polars then parses each column once (common subexpressions) and in parallel
    out = (
        frame.lazy().with_columns(_canonical(pl.col(c)).alias(f"{c}_ms") for c in columns).collect()
    )
    for c in columns:
        parsed = out[f"{c}_ms"]
        rest = (out[c].is_not_null() & parsed.is_null()).arg_true()
        if rest.len():
            general = _parse_general(out[c].gather(rest), zone_name)
            out = out.with_columns(parsed.scatter(rest, general).alias(f"{c}_ms"))
    return out


def _canonical(text: pl.Expr) -> pl.Expr:
    lo, hi = YEARS_DAYS[0] * _D, (YEARS_DAYS[1] + 1) * _D
    utc = text.str.to_datetime(CANONICAL, strict=False, time_unit="ms").dt.epoch("ms")
    ok = (
        (text.str.len_bytes() == 25)
        & (text.str.slice(20, 2).cast(pl.Int64, strict=False) <= 14)
        & utc.is_between(lo, hi, closed="left")
    )
    return pl.when(ok).then(utc).cast(pl.Int64)


def _parse_general(texts: pl.Series, zone_name: str) -> pl.Series:
    parts = pl.DataFrame({"t": texts}).select(pl.col("t").str.extract_groups(TIME_REGEX))
    parsed = parts.select(_instant(pl.col("t"), zone_name))["t"].struct
    return _fill_gaps(
        pl.DataFrame(
            {"utc": parsed.field("utc"), "gap": parsed.field("gap"), "local": parsed.field("local")}
        ),
        zone_name,
    )


def _instant(groups: pl.Expr, zone_name: str) -> pl.Expr:
    """One struct ``{utc, gap, local}`` per cell from the regex groups ``1``..``6``."""
    field = groups.struct.field
    raw_offset = field("6")
    offset = raw_offset.str.replace(":", "", literal=True)
    off_h = offset.str.slice(1, 2).cast(pl.Int64, strict=False)
    off_m = offset.str.slice(3, 2).cast(pl.Int64, strict=False).fill_null(0)
    sign = pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    h, m = field("2").cast(pl.Int64), field("3").cast(pl.Int64)
    s = field("4").cast(pl.Int64).fill_null(0)
    frac = field("5").str.pad_end(3, "0").str.slice(0, 3).cast(pl.Int64).fill_null(0)
    days = field("1").str.to_date("%Y-%m-%d", strict=False).cast(pl.Int64)
    local = pl.when((h <= 23) & (m <= 59) & (s <= 59) & days.is_between(*YEARS_DAYS)).then(
        days * _D + h * _H + m * _M + s * _S + frac
    )
    offset_ms = (
        pl.when(raw_offset.is_in(["Z", "z"]))
        .then(0)
        .when((off_h <= 14) & (off_m <= 59))
        .then(sign * (off_h * _H + off_m * _M))
    )
    aware = raw_offset.is_not_null()
    naive = (
        local
        if zone_name == "UTC"
        else (
            pl.from_epoch(local, time_unit="ms")
            .dt.replace_time_zone(zone_name, ambiguous="earliest", non_existent="null")
            .dt.epoch("ms")
        )
    )
    return pl.struct(
        utc=pl.when(aware).then(local - offset_ms).otherwise(naive),
        gap=~aware & local.is_not_null(),
        local=local,
    ).alias(groups.meta.output_name())


def datetimes_to_ms(values: pl.Series, zone_name: str) -> pl.Series:
    """A Parquet datetime column: aware values are instants, naive ones wall times."""
    lo, hi = YEARS_DAYS[0] * _D, (YEARS_DAYS[1] + 1) * _D
    if values.dtype.time_zone is not None:  # type: ignore[attr-defined]
        utc = values.dt.epoch("ms").cast(pl.Int64)
        return pl.select(pl.when(utc.is_between(lo, hi, closed="left")).then(utc)).to_series()
    local = values.dt.epoch("ms").cast(pl.Int64)
    local = pl.select(pl.when(local.is_between(lo, hi, closed="left")).then(local)).to_series()
    if zone_name == "UTC":
        return local
    table = pl.DataFrame({"local": local}).select(
        utc=pl.col("local")
        .pipe(pl.from_epoch, time_unit="ms")
        .dt.replace_time_zone(zone_name, ambiguous="earliest", non_existent="null")
        .dt.epoch("ms"),
        gap=pl.col("local").is_not_null(),
        local=pl.col("local"),
    )
    return _fill_gaps(table, zone_name)


def _fill_gaps(table: pl.DataFrame, zone_name: str) -> pl.Series:
    """Resolve wall times polars found non-existent (spring-forward gap) in Python."""
    utc = table["utc"].cast(pl.Int64)
    missing = table.select((pl.col("gap") & pl.col("utc").is_null()).arg_true())["gap"]
    if missing.len():
        locals_ = table["local"].gather(missing).to_list()
        fixed = [
            local_to_utc_ms(_NAIVE_EPOCH + timedelta(milliseconds=v), zone_name) for v in locals_
        ]
        utc = utc.scatter(missing, fixed)
    return utc
