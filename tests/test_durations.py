"""Durations, clock times, instants, sizes and time zones as people write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bgreplay.scenario.durations import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    FormatError,
    format_duration,
    parse_clock,
    parse_clock_range,
    parse_days,
    parse_duration,
    parse_instant,
    parse_size,
    parse_timezone,
)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("90s", 90 * SECOND),
        ("15m", 15 * MINUTE),
        ("2h", 2 * HOUR),
        ("1d", DAY),
        ("1h30m", 90 * MINUTE),
        ("500ms", 500),
        ("2d3h", 2 * DAY + 3 * HOUR),
        ("1.5h", 90 * MINUTE),
        ("1m30s", 90 * SECOND),
        (" 1h 30m ", 90 * MINUTE),
        ("1s500ms", 1500),
    ],
)
def test_durations(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize("value", [30, 30.0, "30"])
def test_plain_numbers_are_refused_with_a_fix(value: object) -> None:
    with pytest.raises(FormatError) as err:
        parse_duration(value)
    assert "no unit" in err.value.message
    assert err.value.fix.startswith("write 30")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0s", "zero"),
        ("-5s", "negative"),
        ("1:30", "clock time"),
        ("5 sec", "not a duration"),
        ("30m1h", "largest first"),
        ("1h1h", "largest first"),
        ("0.5ms", "whole number"),
        (None, "null"),
        (True, "boolean"),
        ("", "not a duration"),
    ],
)
def test_bad_durations(value: object, words: str) -> None:
    with pytest.raises(FormatError) as err:
        parse_duration(value)
    assert words in err.value.message
    assert err.value.fix


def test_zero_is_allowed_where_asked() -> None:
    assert parse_duration("0s", allow_zero=True) == 0


@given(st.integers(min_value=1, max_value=400 * DAY))
def test_format_duration_round_trips(ms: int) -> None:
    assert parse_duration(format_duration(ms)) == ms


def test_whole_days() -> None:
    assert parse_days("14d") == 14
    with pytest.raises(FormatError, match="whole number of days"):
        parse_days("36h")


def test_clock_times() -> None:
    assert parse_clock("07:30") == 7 * HOUR + 30 * MINUTE
    assert parse_clock("7:30") == 7 * HOUR + 30 * MINUTE
    assert parse_clock("23:59:30") == DAY - 30 * SECOND
    assert parse_clock("24:00", allow_24=True) == DAY
    for bad in ("24:00", "25:00", "07:60", "0730", 730, "7h30"):
        with pytest.raises(FormatError):
            parse_clock(bad)


def test_ranges_cross_midnight_and_cover_whole_days() -> None:
    assert parse_clock_range("23:00-07:00") == (23 * HOUR, 8 * HOUR)
    assert parse_clock_range("08:15-18:30") == (8 * HOUR + 15 * MINUTE, 10 * HOUR + 15 * MINUTE)
    assert parse_clock_range("00:00-24:00") == (0, DAY)
    assert parse_clock_range("22:00-24:00") == (22 * HOUR, 2 * HOUR)
    for bad in ("07:00-07:00", "24:00-02:00", "07:00", "7-8", "07:00-25:00"):
        with pytest.raises(FormatError):
            parse_clock_range(bad)


def test_instants_naive_and_with_offset() -> None:
    assert parse_instant("2026-03-02T07:30") == datetime(2026, 3, 2, 7, 30)
    assert parse_instant("2026-03-02 07:30") == datetime(2026, 3, 2, 7, 30)
    assert parse_instant("2026-03-02") == datetime(2026, 3, 2)
    aware = parse_instant("2026-03-02T07:30+01:00")
    assert aware.utcoffset() == timedelta(hours=1)
    assert parse_instant("2026-03-02T07:30Z").tzinfo == UTC
    for bad in ("2026-02-30T00:00", "tomorrow", "07:30", 2026, "2026-03-02T25:00"):
        with pytest.raises(FormatError):
            parse_instant(bad)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("200KB", 200_000),
        ("1.5MB", 1_500_000),
        (512, 512),
        ("512", 512),
        ("2GB", 2 * 10**9),
        ("1KiB", 1024),
        ("10 kb", 10_000),
        ("0", 0),
    ],
)
def test_sizes(value: object, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["-1KB", "12 parsecs", "1.5", True, None, "KB"])
def test_bad_sizes(value: object) -> None:
    with pytest.raises(FormatError):
        parse_size(value)


def test_time_zones() -> None:
    assert parse_timezone("Europe/Paris") == "Europe/Paris"
    assert parse_timezone("UTC") == "UTC"
    with pytest.raises(FormatError, match="did you mean 'Europe/Paris'"):
        parse_timezone("Europe/Pariss")
    with pytest.raises(FormatError, match="did you mean 'Asia/Tokyo'"):
        parse_timezone("asia/tokyo")
    for bad in ("Mars/Olympus", "../../etc/passwd", "", 5):
        with pytest.raises(FormatError):
            parse_timezone(bad)
