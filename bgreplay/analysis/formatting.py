"""Measured values as reports print them: durations in the input syntax (``2h13m``), ratios,
percentages and counts; ``n/a`` when there is no data."""

from __future__ import annotations

import math


def plain_number(x: float) -> str:
    """``3`` for 3.0, ``2.5`` for 2.50: a number without trailing zeros (at most 2 decimals)."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def format_duration(seconds: float) -> str:
    """Seconds as the shortest readable duration in the input syntax: ``45s``, ``2h13m``."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds < 60:
        return f"{plain_number(round(seconds, 2))}s"
    total = round(seconds)
    parts: list[tuple[int, str]] = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        qty, total = divmod(total, size)
        if qty or parts:
            parts.append((qty, unit))
    shown = parts[:2]
    return "".join(f"{q}{u}" for q, u in shown if q) or "0s"


def format_value(value: float | None, unit: str) -> str:
    """A measured value with its unit, for reports; ``n/a`` when there is no data."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "seconds":
        return format_duration(value)
    if unit == "hours":
        return f"{plain_number(round(value, 2))}h"
    if unit == "percent":
        return f"{plain_number(round(value, 1))}%"
    return plain_number(round(value, 2)) if unit == "ratio" else plain_number(value)
