"""Durations, clock times, instants and byte sizes as people write them (SPEC §3).

Everything becomes integers at the edge: durations and clock times in milliseconds, sizes in
bytes. Each parser raises ``FormatError`` with a message and a fix that shows the accepted form.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bgreplay.scenario.limits import MAX_ANY_DURATION_DAYS

SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR

UNITS_MS: dict[str, int] = {"d": DAY, "h": HOUR, "m": MINUTE, "s": SECOND, "ms": 1}
SIZE_UNITS: dict[str, int] = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}

_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z]*)$", re.IGNORECASE)
_DATE_START = re.compile(r"^\d{4}-\d{2}-\d{2}")

DURATION_HINT = "write a number with a unit: 90s, 15m, 2h, 1d, 1h30m or 500ms"
MAX_DURATION_MS = MAX_ANY_DURATION_DAYS * DAY


class FormatError(ValueError):
    """A value that does not parse; ``fix`` shows the accepted form."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix


def _number_like(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value) is not None


def parse_duration(value: object, *, allow_zero: bool = False) -> int:
    """``90s``, ``15m``, ``1h30m``, ``500ms``, ``2d3h`` → milliseconds; plain numbers refused."""
    if isinstance(value, float) and not math.isfinite(value):
        raise FormatError(f"{value} is not a duration", DURATION_HINT)
    if _number_like(value):
        number = str(value).strip()
        raise FormatError(f"{number} has no unit", f"write {number}s (or {number}m, {number}h)")
    if not isinstance(value, str):
        raise FormatError(f"expected a duration, got {describe(value)}", DURATION_HINT)
    text = value.strip()
    if text.startswith("-"):
        raise FormatError(f"'{text}' is negative; durations are positive", DURATION_HINT)
    if ":" in text:
        raise FormatError(
            f"'{text}' looks like a clock time, not a duration",
            "write durations as 1h30m, 90s, ...",
        )
    total, pos, last_rank = Decimal(0), 0, -1
    order = list(UNITS_MS)
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        number, unit = match.groups()
        rank = order.index(unit)
        if rank <= last_rank:
            raise FormatError(f"'{text}': write each unit once, largest first", "e.g. 1h30m")
        last_rank = rank
        total += Decimal(number) * UNITS_MS[unit]
        pos = match.end()
    if pos == 0 or text[pos:].strip():
        raise FormatError(f"'{text}' is not a duration", DURATION_HINT)
    if total != total.to_integral_value():
        raise FormatError(f"'{text}' is not a whole number of milliseconds", "e.g. 1500ms")
    if total > MAX_DURATION_MS:
        raise FormatError(
            f"'{text}' is longer than ten years ({MAX_ANY_DURATION_DAYS}d)",
            "a replay lasts at most 400d; use a duration within that",
        )
    ms = int(total)
    if ms == 0 and not allow_zero:
        raise FormatError(f"'{text}' is zero; this duration must be positive", DURATION_HINT)
    return ms


def parse_days(value: object) -> int:
    """A duration in whole days (``14d``) → number of days."""
    ms = parse_duration(value)
    if ms % DAY:
        raise FormatError(f"'{value}' is not a whole number of days", "e.g. 14d")
    return ms // DAY


def parse_clock(value: object, *, allow_24: bool = False) -> int:
    """``07:30`` (or ``07:30:15``) → milliseconds after local midnight."""
    text = value.strip() if isinstance(value, str) else None
    match = _CLOCK.match(text) if text is not None else None
    if match is None:
        raise FormatError(
            f"expected a clock time HH:MM, got {describe(value)}",
            'write a 24-hour time in quotes, e.g. "07:30"',
        )
    h, m, s = int(match[1]), int(match[2]), int(match[3] or 0)
    if allow_24 and (h, m, s) == (24, 0, 0):
        return DAY
    if h > 23 or m > 59 or s > 59:
        limit = "00:00 to 24:00" if allow_24 else "00:00 to 23:59"
        raise FormatError(f"'{text}' is not a clock time", f"use {limit}")
    return h * HOUR + m * MINUTE + s * SECOND


def parse_clock_range(value: object) -> tuple[int, int]:
    """``"23:00-07:00"`` → (start ms of day, length ms); may cross midnight, ``-24:00`` ends it."""
    hint = 'write "HH:MM-HH:MM", e.g. "23:00-07:00" (crosses midnight) or "00:00-24:00"'
    if not isinstance(value, str) or value.count("-") != 1:
        raise FormatError(f"expected a time range, got {describe(value)}", hint)
    first, second = value.split("-")
    try:
        start = parse_clock(first)
        end = parse_clock(second, allow_24=True)
    except FormatError as exc:
        raise FormatError(f"'{value}': {exc.message}", hint) from None
    length = DAY - start if end == DAY else (end - start) % DAY
    if length == 0:
        raise FormatError(
            f"'{value}' starts and ends at the same time", 'for the whole day write "00:00-24:00"'
        )
    return start, length


def parse_instant(value: object) -> datetime:
    """``2026-03-02T07:30`` (naive: scenario-local) or with an offset (``+01:00``, ``Z``)."""
    hint = "write 2026-03-02T07:30 (scenario-local) or 2026-03-02T07:30+01:00"
    text = value.strip() if isinstance(value, str) else ""
    if not _DATE_START.match(text):
        raise FormatError(f"expected a date and time, got {describe(value)}", hint)
    try:
        return datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise FormatError(f"'{text}' is not a valid date and time", hint) from None


def parse_size(value: object) -> int:
    """``200KB``, ``1.5MB``, ``512`` (bytes) → bytes; 1 KB = 1000 B."""
    hint = "write 200KB, 1.5MB or a whole number of bytes"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FormatError(f"expected a size, got {describe(value)}", hint)
    text = str(value).strip()
    if text.startswith("-"):
        raise FormatError(f"'{text}' is negative", hint)
    match = _SIZE.match(text)
    unit = match[2].lower() if match else ""
    if match is None or unit not in SIZE_UNITS and unit != "":
        raise FormatError(f"'{text}' is not a size", hint)
    try:
        number = Decimal(match[1]) * SIZE_UNITS.get(unit, 1)
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise FormatError(f"'{text}' is not a size", hint) from None
    if unit == "" and number != number.to_integral_value():
        raise FormatError(f"'{text}' is not a whole number of bytes", hint)
    return int(number.to_integral_value())


def format_duration(ms: int) -> str:
    """The inverse of ``parse_duration`` for messages: 5400000 → ``1h30m``."""
    if ms == 0:
        return "0s"
    parts = []
    for unit, size in UNITS_MS.items():
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    return "".join(parts)


def describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def parse_timezone(value: object) -> str:
    """An IANA time zone name (``Europe/Paris``), checked against the zone database."""
    hint = "use an IANA name such as Europe/Paris, America/New_York or UTC"
    if not isinstance(value, str) or not value.strip():
        raise FormatError(f"expected a time zone name, got {describe(value)}", hint)
    name = value.strip()
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    zones = _zone_names()
    lowered = {z.lower(): z for z in zones}
    guess = lowered.get(name.lower()) or next(
        iter(difflib.get_close_matches(name, zones, n=1, cutoff=0.6)), None
    )
    more = f" — did you mean '{guess}'?" if guess else ""
    raise FormatError(f"unknown time zone '{name}'{more}", hint)


@functools.cache
def _zone_names() -> list[str]:
    return sorted(available_timezones())
