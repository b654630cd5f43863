"""The device timeline the engine replays: validated intervals and points in integer ms.

Times are milliseconds since the scenario's first instant. Wall-clock time exists only through
``offsets`` (the device's UTC offset over the replay, with real DST and travel), so the engine can
ask "what local time of day is it" without knowing about time zones.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Final

INTERVAL_KINDS: frozenset[str] = frozenset(
    {
        "unlocked",
        "app",
        "screen",
        "plugged",
        "network",
        "low_power_mode",
        "thermal",
        "off",
        "bar",
        "bg_task_observed",
    }
)
POINT_KINDS: frozenset[str] = frozenset(
    {
        "battery",
        "boot",
        "force_quit",
        "user_action",
        "cancel",
        "simulate_launch",
        "simulate_expiration",
        "timezone",
    }
)
KINDS: frozenset[str] = INTERVAL_KINDS | POINT_KINDS
# Kinds whose rows must name a subject (a bundle id or a task identifier).
SUBJECT_REQUIRED: frozenset[str] = frozenset(
    {
        "app",
        "force_quit",
        "user_action",
        "cancel",
        "simulate_launch",
        "simulate_expiration",
        "bg_task_observed",
    }
)
# Interval kinds that may overlap across subjects (two apps, a global and a per-app ``bar``).
SUBJECT_KEYED: frozenset[str] = frozenset({"app", "bar", "bg_task_observed"})
# Device states: touching intervals with the same value are one interval (no spurious edges).
STATE_KINDS: frozenset[str] = frozenset(
    {"plugged", "network", "low_power_mode", "thermal", "off", "bar"}
)

DAY_MS: Final = 86_400_000


@dataclass(frozen=True, slots=True)
class Interval:
    start: int
    end: int
    kind: str
    value: str | None = None
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Point:
    t: int
    kind: str
    value: str | None = None
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Clock:
    """Maps replay time to the device's local wall clock.

    ``start_utc_ms`` is the first instant as Unix ms; ``offsets`` is a sorted tuple of
    ``(t, utc_offset_ms)`` pairs, the first at ``t = 0``, each valid until the next.
    ``zones`` likewise lists ``(t, IANA name)``: the scenario's zone, then each travel.
    """

    start_utc_ms: int
    offsets: tuple[tuple[int, int], ...] = ((0, 0),)
    zones: tuple[tuple[int, str], ...] = ((0, "UTC"),)

    def utc_ms(self, t: int) -> int:
        """Replay time ``t`` as Unix ms."""
        return self.start_utc_ms + t

    def zone_at(self, t: int) -> str:
        i = bisect_right(self.zones, (t, "\U0010ffff")) - 1
        return self.zones[max(i, 0)][1]

    def offset_at(self, t: int) -> int:
        if len(self.offsets) == 1:
            return self.offsets[0][1]
        i = bisect_right(self.offsets, (t, 1 << 62)) - 1
        return self.offsets[max(i, 0)][1]

    def local_ms(self, t: int) -> int:
        """Local wall time at replay time ``t``, as ms since 1970-01-01T00:00 local."""
        return self.start_utc_ms + t + self.offset_at(t)

    def ms_of_day(self, t: int) -> int:
        return self.local_ms(t) % DAY_MS

    def local_day(self, t: int) -> int:
        """Local calendar day number (days since 1970-01-01)."""
        return self.local_ms(t) // DAY_MS

    def weekday(self, t: int) -> int:
        """0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
        return (self.local_day(t) + 3) % 7


@dataclass(frozen=True, slots=True)
class Timeline:
    """A whole validated device trace: intervals per channel never overlap, ``app`` lies inside
    ``unlocked``; both tuples are sorted by time."""

    duration: int
    clock: Clock
    intervals: tuple[Interval, ...] = ()
    points: tuple[Point, ...] = ()
    notes: tuple[str, ...] = ()  # what the loader did on the user's behalf (e.g. added unlocked)

    def of_kind(self, kind: str) -> tuple[Interval | Point, ...]:
        if kind in INTERVAL_KINDS:
            return tuple(i for i in self.intervals if i.kind == kind)
        return tuple(p for p in self.points if p.kind == kind)
