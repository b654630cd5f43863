"""Local-time arithmetic for renderers: days, midnights and labels on the device's own clock.

Replay time is integer ms since the scenario start; a ``Clock`` maps it to local wall time with
real DST and travel. Renderers need the inverse too (where does local midnight fall?), which is
what ``replay_ms`` gives: the first replay instant showing a local wall time, or, for a wall time
skipped by a spring-forward gap, the instant the gap ends.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def replay_ms(clock, local: int) -> int:
    """The first replay time whose local wall time is ``local`` (ms since 1970-01-01 local)."""
    offsets = clock.offsets or ((0, 0),)
    for i, (start, offset) in enumerate(offsets):
        t = local - clock.start_utc_ms - offset
        lo = start if i else -(1 << 62)
        hi = offsets[i + 1][0] if i + 1 < len(offsets) else 1 << 62
        if lo <= t < hi:
            return t
    # In a gap: the first offset change after which local time is past ``local``.
    for start, _ in offsets[1:]:
        if clock.local_ms(start) > local:
            return start
    return local - clock.start_utc_ms - offsets[-1][1]


def midnight(clock, day: int) -> int:
    """Replay time of the local midnight that starts local day number ``day``."""
    return replay_ms(clock, day * DAY_MS)


def local_datetime(clock, t: int) -> datetime:
    """Local wall time at replay time ``t`` as a naive datetime."""
    return (_EPOCH + timedelta(milliseconds=clock.local_ms(t))).replace(tzinfo=None)


def day_date(day: int) -> datetime:
    return (_EPOCH + timedelta(days=day)).replace(tzinfo=None)


def offset_text(offset_ms: int) -> str:
    sign = "-" if offset_ms < 0 else "+"
    minutes = abs(offset_ms) // MINUTE_MS
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def offset_changes(clock, start: int, end: int) -> list[tuple[int, int, int]]:
    """``(t, old offset, new offset)`` for every offset change in ``(start, end)``."""
    out = []
    offsets = clock.offsets or ((0, 0),)
    first = bisect_right([o[0] for o in offsets], start)
    for i in range(max(first, 1), len(offsets)):
        t, new = offsets[i]
        if t >= end:
            break
        if t > start:
            out.append((t, offsets[i - 1][1], new))
    return out


def stamp(clock, t: int, *, seconds: bool = False) -> str:
    """``Mon 03-02 07:30`` in device-local time (``07:30:15`` with ``seconds``)."""
    moment = local_datetime(clock, t)
    return moment.strftime("%a %m-%d %H:%M:%S" if seconds else "%a %m-%d %H:%M")
