"""Wall clock and replay time: the scenario's zone, real DST, and travel (``timezone`` events).

Naive wall times follow one rule everywhere (SPEC §5.3): a time inside a spring-forward gap moves
forward by the gap, a time that happens twice at fall-back means its first occurrence. PEP 495's
``fold=0`` gives exactly that, so ``local_to_utc_ms`` is one line of zoneinfo.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TypeGuard
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bgreplay.trace.model import Clock

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STEP_MS = 6 * 3_600_000  # no zone changes its offset twice within six hours


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``ValueError`` for anything that is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def is_zone(name: object) -> TypeGuard[str]:
    if not isinstance(name, str) or not name or name != name.strip():
        return False
    try:
        zone(name)
    except ValueError:
        return False
    return True


def to_ms(moment: datetime) -> int:
    """An aware datetime as Unix milliseconds, exactly (no float rounding)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def local_to_utc_ms(naive: datetime, zone_name: str) -> int:
    """Unix ms of a wall time in ``zone_name``: gaps move forward, repeats take the first."""
    return to_ms(naive.replace(tzinfo=zone(zone_name), fold=0))


def instant_ms(moment: datetime, zone_name: str) -> int:
    """Aware datetimes are instants; naive ones are wall times in ``zone_name``."""
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return to_ms(moment)
    return local_to_utc_ms(moment.replace(tzinfo=None), zone_name)


def utc_to_local(utc_ms: int, zone_name: str) -> datetime:
    return (EPOCH + timedelta(milliseconds=utc_ms)).astimezone(zone(zone_name))


def local_date(utc_ms: int, zone_name: str) -> date:
    return utc_to_local(utc_ms, zone_name).date()


def offset_ms(utc_ms: int, zone_name: str) -> int:
    offset = utc_to_local(utc_ms, zone_name).utcoffset() or timedelta(0)
    return offset // timedelta(milliseconds=1)


def format_local(utc_ms: int, zone_name: str) -> str:
    """``2026-03-02 07:30`` (seconds only when present), for messages and notes."""
    moment = utc_to_local(utc_ms, zone_name)
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")
    return f"{text} {moment.tzname()}"


def offset_changes(zone_name: str, start_utc_ms: int, end_utc_ms: int) -> list[tuple[int, int]]:
    """Every ``(utc_ms, new_offset_ms)`` of ``zone_name`` in ``(start, end)``, to the ms."""
    changes: list[tuple[int, int]] = []
    lo, current = start_utc_ms, offset_ms(start_utc_ms, zone_name)
    while lo < end_utc_ms:
        hi = min(lo + _STEP_MS, end_utc_ms)
        if offset_ms(hi, zone_name) == current:
            lo = hi
            continue
        a, b = lo, hi  # offset(a) == current != offset(b): bisect to the first changed ms
        while b - a > 1:
            mid = (a + b) // 2
            if offset_ms(mid, zone_name) == current:
                a = mid
            else:
                b = mid
        if b >= end_utc_ms:
            break
        current = offset_ms(b, zone_name)
        changes.append((b, current))
        lo = b
    return changes


def build_clock(
    start: datetime, zone_name: str, duration_ms: int, moves: Iterable[tuple[int, str]] = ()
) -> Clock:
    """The device clock over ``[0, duration_ms)``: DST of the zone in force, and ``moves``
    (``(t, zone)`` from ``timezone`` events, replay ms) switching the zone from ``t`` on."""
    start_utc = instant_ms(start, zone_name)
    ordered = sorted(moves, key=lambda m: m[0])
    current = zone_name
    for t, name in ordered:
        if t <= 0:
            current = name  # a move before the replay: the device starts in that zone
    zones: list[tuple[int, str]] = [(0, current)]
    zones += [(t, name) for t, name in ordered if 0 < t < duration_ms]
    offsets: list[tuple[int, int]] = []

    def add(t: int, offset: int) -> None:
        if offsets and offsets[-1][0] == t:
            offsets.pop()
        if not offsets or offsets[-1][1] != offset:
            offsets.append((t, offset))

    for i, (t, name) in enumerate(zones):
        end = zones[i + 1][0] if i + 1 < len(zones) else duration_ms
        add(t, offset_ms(start_utc + t, name))
        for utc, offset in offset_changes(name, start_utc + t, start_utc + end):
            add(utc - start_utc, offset)
    kept_zones = tuple(z for i, z in enumerate(zones) if i == 0 or z[1] != zones[i - 1][1])
    return Clock(start_utc_ms=start_utc, offsets=tuple(offsets), zones=kept_zones)
