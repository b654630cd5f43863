"""The usage predictor (SPEC §6.4): what dasd's timelines know of the user, from the past only.

Observations are fed as the replay passes them (an app open when it happens, an unlocked interval
when it ends), so a query can never see the future of the trace. ``history`` seeds observations
from before the start (``device.history``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import TypeVar

from bgreplay.trace.model import DAY_MS

from .params import Params

V = TypeVar("V")
DEVICE = "\x00device"  # the key of unlocked intervals, next to app bundle ids


class UsagePredictor:
    """Recency-weighted share of past days with use near a time of day (half-life, 28 days,
    weekdays and weekends apart when each has enough days)."""

    def __init__(self, params: Params, first_day: int) -> None:
        self._window = params.predictor_window
        self._horizon = params.device_activity_horizon
        self._days = params.history_days
        self._half_life_days = params.history_half_life / DAY_MS
        self._split_min = params.weekday_split_min_days
        self._first_day = first_day  # first local day with observations (history included)
        self._opens: dict[str, list[int]] = {}  # key -> sorted local ms of opens
        self._starts: list[int] = []  # unlocked intervals, local ms
        self._ends: list[int] = []
        self._cache: dict[tuple[str, int, int], tuple[list[int], list[float]]] = {}
        self._span_cache: dict[tuple[str, int, int], tuple[tuple[int, ...], tuple[int, ...]]] = {}
        self._days_of: dict[int, list[tuple[int, float]]] = {}
        self._rate_cache: dict[tuple[str, int, int], float] = {}

    # --- observations -------------------------------------------------------------------
    def observe_open(self, key: str, local_ms: int) -> None:
        times = self._opens.setdefault(key, [])
        if times and local_ms < times[-1]:
            times.insert(bisect_right(times, local_ms), local_ms)
        else:
            times.append(local_ms)

    def observe_unlocked(self, local_start: int, local_end: int) -> None:
        if self._starts and local_start < self._starts[-1]:
            i = bisect_right(self._starts, local_start)
            self._starts.insert(i, local_start)
            self._ends.insert(i, local_end)
        else:
            self._starts.append(local_start)
            self._ends.append(local_end)

    def opens_seen(self, bundle: str) -> int:
        """How many opens of the app have been observed: what its rates depend on."""
        return len(self._opens.get(bundle, ()))

    # --- queries ------------------------------------------------------------------------
    def app_likelihood(self, bundle: str, local_ms: int, default: float) -> float:
        """Share of past days on which the app was opened within ±window of this time of day."""
        if bundle not in self._opens:
            return default
        return self._query(bundle, local_ms)

    def in_use_probability(self, local_ms: int) -> float:
        """Share of past days on which the device was unlocked during the next ``horizon``."""
        if not self._starts:
            return 0.0
        return self._query(DEVICE, local_ms)

    def daily_opens(self, bundle: str, local_day: int) -> float:
        """How often the user opens the app: the recency-weighted mean number of opens a day
        over the past ``history_days`` and today so far (F42; the energy budget's measure)."""
        times = self._opens.get(bundle)
        if not times:
            return 0.0
        return _cached(self._rate_cache, (bundle, local_day, len(times)), self._daily_opens)

    def _daily_opens(self, bundle: str, today: int) -> float:
        times = self._opens[bundle]
        num = den = 0.0
        # from the first day observed, but always today: a time zone change can set the clock
        # back to a local day before the first one (the day before a westward flight's start)
        first = min(max(today - self._days, self._first_day), today)
        for d in range(first, today + 1):
            weight = 0.5 ** ((today - d) / self._half_life_days)
            num += weight * (bisect_left(times, (d + 1) * DAY_MS) - bisect_left(times, d * DAY_MS))
            den += weight
        return num / den

    def next_above(self, bundle: str, local_ms: int, level: float) -> int | None:
        """The first local time from ``local_ms`` on at which the app's likelihood exceeds
        ``level``: within this day's prediction, or the start of the next day (whose prediction
        may differ); None when the app has no history (its likelihood is a constant)."""
        if bundle not in self._opens:
            return None
        day = local_ms // DAY_MS
        bounds, shares = self._curve_of(bundle, day)
        tod = local_ms % DAY_MS
        i = bisect_right(bounds, tod) - 1
        for j in range(i, len(bounds)):
            if shares[j] > level:
                return day * DAY_MS + max(bounds[j], tod)
        return (day + 1) * DAY_MS

    def rises(self, bundle: str, local_day: int, level: float) -> list[int]:
        """Local times on ``local_day`` at which the app's likelihood climbs above ``level``: the
        starts of its predicted-use windows (none when the app has no history)."""
        if bundle not in self._opens:
            return []
        bounds, shares = self._curve_of(bundle, local_day)
        before = self._curve_of(bundle, local_day - 1)[1][-1]  # the level at midnight
        found = []
        for at, share in zip(bounds, shares, strict=True):
            if share > level >= before:
                found.append(local_day * DAY_MS + at)
            before = share
        return found

    def _query(self, key: str, local_ms: int) -> float:
        day, tod = divmod(local_ms, DAY_MS)
        bounds, shares = self._curve_of(key, day)
        return shares[bisect_right(bounds, tod) - 1]

    def _curve_of(self, key: str, day: int) -> tuple[list[int], list[float]]:
        """The day's curve, rebuilt only when an observation it depends on arrives: opens
        before the day's end plus the window, unlocked intervals starting before the day."""
        if key == DEVICE:
            seen = bisect_left(self._starts, day * DAY_MS)
        else:
            seen = bisect_left(self._opens[key], day * DAY_MS + self._window + 1)
        return _cached(self._cache, (key, day, seen), self._curve)

    def _curve(self, key: str, today: int) -> tuple[list[int], list[float]]:
        """The day's prediction as a step function of the time of day: each past day adds its
        weight where it had use near that time; built once per day and observation count."""
        weighted = self._weighted_days(today)
        # A step (time, ±weight) is sorted as one integer, time * n + the weight's rank among
        # the day's 2n signed weights: the order of the (time, delta) pairs, at a fraction of
        # the cost of sorting pairs.
        deltas = sorted([w for _, w in weighted] + [-w for _, w in weighted])
        n = len(deltas)
        rank = {delta: i for i, delta in enumerate(deltas)}
        keys: list[int] = []
        den = 0.0
        for d, w in weighted:
            den += w
            starts, ends = self._spans(key, d)
            if starts:
                up, down = rank[w], rank[-w]
                keys += [at * n + up for at in starts]
                keys += [at * n + down for at in ends]
        if not keys:
            return [0], [0.0]
        keys.sort()
        # the level after each time's last step, summed in the sorted order
        level_at = {0: 0.0}
        level_at.update(
            zip(
                [k // n for k in keys],
                accumulate([deltas[k % n] for k in keys]),
                strict=True,
            )
        )
        return list(level_at), [
            (0.0 if level < 0.0 else level) / den for level in level_at.values()
        ]

    def _weighted_days(self, today: int) -> list[tuple[int, float]]:
        """The past days behind ``today``'s curve and their recency weights (kept per day)."""
        days = self._days_of.get(today)
        if days is None:
            first = max(today - self._days, self._first_day)
            weekend = _is_weekend(today)
            same = [d for d in range(first, today) if _is_weekend(d) == weekend]
            chosen = same if len(same) >= self._split_min else range(first, today)
            days = self._days_of[today] = [
                (d, 0.5 ** ((today - d) / self._half_life_days)) for d in chosen
            ]
        return days

    def _spans(self, key: str, day: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Times of day (merged ranges, ms: their starts and their ends) at which a query would
        count ``day`` as a hit; a past day's spans feed a month of curves, so they are kept
        until an observation they depend on arrives (keyed like the curves)."""
        end = (day + 1) * DAY_MS
        if key == DEVICE:
            seen = bisect_left(self._starts, end)
        else:
            seen = bisect_right(self._opens[key], end + self._window)
        return _cached(self._span_cache, (key, day, seen), self._merged_spans)

    def _merged_spans(self, key: str, day: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        base = day * DAY_MS
        raw: list[tuple[int, int]] = []
        if key == DEVICE:
            h = self._horizon
            i = bisect_right(self._ends, base - h)
            while i < len(self._starts) and self._starts[i] < base + DAY_MS:
                raw.append((self._starts[i] - h - base, self._ends[i] - base))
                i += 1
        else:
            w = self._window
            times = self._opens[key]
            i = bisect_left(times, base - w)
            while i < len(times) and times[i] <= base + DAY_MS + w:
                raw.append((times[i] - w - base, times[i] + w + 1 - base))
                i += 1
        merged: list[tuple[int, int]] = []
        for lo, hi in raw:
            lo, hi = max(lo, 0), min(hi, DAY_MS)
            if lo >= hi:
                continue
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        starts, ends = zip(*merged, strict=True) if merged else ((), ())
        return starts, ends


def _cached(
    cache: dict[tuple[str, int, int], V],
    cache_key: tuple[str, int, int],
    build: Callable[[str, int], V],
) -> V:
    """``build(key, day)`` for ``cache_key = (key, day, observations seen)``, kept in ``cache``
    (emptied past 4,096 entries, so a year-long replay's memory stays flat)."""
    value = cache.get(cache_key)
    if value is None:
        if len(cache) > 4096:
            cache.clear()
        value = cache[cache_key] = build(cache_key[0], cache_key[1])
    return value


def _is_weekend(local_day: int) -> bool:
    return (local_day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
