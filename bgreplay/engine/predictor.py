"""The usage predictor (SPEC §6.4): what dasd's timelines know of the user, from the past only.

Observations are fed as the replay passes them (an app open when it happens, an unlocked interval
when it ends), so a query can never see the future of the trace. ``history`` seeds observations
from before the start (``device.history``).
"""

from __future__ import annotations

import bisect
from itertools import islice
from typing import Final, Generic, TypeVar

from bgreplay.trace.model import DAY_MS

from .params import Params

V = TypeVar("V")
bisect_left: Final = bisect.bisect_left  # final names: no globals look-up at every call
bisect_right: Final = bisect.bisect_right
Spans = tuple[tuple[int, ...], tuple[int, ...]]  # a day's merged ranges: starts, ends
DEVICE: Final = "\x00device"  # the key of unlocked intervals, next to app bundle ids


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
        # key -> local day -> what was built for it, and from how many observations
        self._curves: dict[str, dict[int, _Built[_DayCurve]]] = {}
        self._span_cache: dict[str, dict[int, _Built[Spans]]] = {}
        self._rates: dict[str, dict[int, _Built[_Rate]]] = {}
        self._days_of: dict[int, list[tuple[int, float]]] = {}

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
        built = _built(self._rates, bundle, local_day)
        if built is None:
            built = _keep(self._rates, bundle, local_day, -1, 0)
            built.value = _Rate()
        rate = built.value
        if built.seen != len(times):
            built.seen = len(times)
            start = bisect_left(times, local_day * DAY_MS)
            if rate.before != start:  # an open before today arrived (or the day is new)
                self._past_opens(rate, times, local_day)
                rate.before = start
            today = bisect_left(times, (local_day + 1) * DAY_MS) - start
            rate.value = (rate.past + rate.weight_today * today) / rate.weights
        return rate.value

    def _past_opens(self, rate: _Rate, times: list[int], today: int) -> None:
        """The weighted sum of the opens of the days before today, and the weights of all days
        (today's last): today's opens are then one more term of the same sum, in the same
        order, however often they change."""
        past = weights = weight = 0.0
        # from the first day observed, but always today: a time zone change can set the clock
        # back to a local day before the first one (the day before a westward flight's start)
        first = min(max(today - self._days, self._first_day), today)
        for d in range(first, today + 1):
            weight = 0.5 ** ((today - d) / self._half_life_days)
            weights += weight
            if d < today:
                past += weight * (
                    bisect_left(times, (d + 1) * DAY_MS) - bisect_left(times, d * DAY_MS)
                )
        rate.past, rate.weights, rate.weight_today = past, weights, weight

    def next_above(self, bundle: str, local_ms: int, level: float) -> int | None:
        """The first local time from ``local_ms`` on at which the app's likelihood exceeds
        ``level``: within this day's prediction, or the start of the next day (whose prediction
        may differ); None when the app has no history (its likelihood is a constant)."""
        if bundle not in self._opens:
            return None
        day = local_ms // DAY_MS
        curve = self._curve_of(bundle, day)
        bounds, shares = curve.bounds, curve.levels
        tod = local_ms % DAY_MS
        i = bisect_right(bounds, tod) - 1
        for j in range(i, len(bounds)):
            if shares[j] > level:
                return day * DAY_MS + max(bounds[j], tod)
        return (day + 1) * DAY_MS

    def next_rise(self, bundle: str, local_day: int, level: float, after: int) -> int | None:
        """The first local time on ``local_day``, later than ``after``, at which the app's
        likelihood climbs above ``level``: the start of a predicted-use window (None without
        one, or without history)."""
        if bundle not in self._opens:
            return None
        curve = self._curve_of(bundle, local_day)
        bounds, shares = curve.bounds, curve.levels
        base = local_day * DAY_MS
        first = bisect_right(bounds, after - base)
        for j in range(first, len(bounds)):
            # the level before the step; at midnight, the day before's last
            before = shares[j - 1] if j > 0 else self._curve_of(bundle, local_day - 1).levels[-1]
            if shares[j] > level >= before:
                return base + bounds[j]
        return None

    def _query(self, key: str, local_ms: int) -> float:
        day = local_ms // DAY_MS
        tod = local_ms - day * DAY_MS
        curve = self._curve_of(key, day)
        return curve.levels[bisect_right(curve.bounds, tod) - 1]

    def _curve_of(self, key: str, day: int) -> _DayCurve:
        """The day's curve, rebuilt only when an observation it depends on arrives: one that
        the spans of its newest past day count (``_spans``) — unlocked intervals starting
        before that day's end, opens before its end plus the window. A weekday's curve counts
        no weekend day once the two are apart, and a weekend day's no weekday."""
        times = self._starts if key == DEVICE else self._opens[key]
        by_day = self._curves.get(key)  # (``_built``, written out: the most asked look-up)
        built = None if by_day is None else by_day.get(day)
        if built is not None and built.checked == len(times):
            return built.value  # nothing observed since it was last checked
        weighted = self._weighted_days(day)
        newest_end = (weighted[-1][0] + 1) * DAY_MS if weighted else day * DAY_MS
        limit = newest_end if key == DEVICE else newest_end + self._window + 1
        seen = bisect_left(times, limit)
        if built is None or built.seen != seen:
            before = None if built is None else built.value
            built = _keep(self._curves, key, day, seen, len(times))
            built.value = self._curve(key, day, before)
        built.checked = len(times)
        return built.value

    def _curve(self, key: str, today: int, kept: _DayCurve | None) -> _DayCurve:
        """The day's prediction as a step function of the time of day: each past day adds its
        weight where it had use near that time; built once per day and observation count, and
        when only the newest past day has changed since, renewed from where it changed."""
        weighted = self._weighted_days(today)
        spans = [self._spans(key, d) for d, _ in weighted]
        if kept is not None and spans and _same_but_last(kept.spans, spans):
            return _renewed(kept, spans, weighted[-1][1])
        # The steps are summed in (time, signed weight) order. Weights grow with the day (the
        # newer, the heavier), so that order within one time is: the ends, newest day first,
        # then the starts, oldest day first. Laid out so, a stable sort on time alone gives it.
        times: list[int] = []
        deltas: list[float] = []
        for (_, w), (_, ends) in zip(reversed(weighted), reversed(spans), strict=True):
            times += ends
            deltas += [-w] * len(ends)
        den = 0.0
        for (_, w), (starts, _) in zip(weighted, spans, strict=True):
            den += w
            times += starts
            deltas += [w] * len(starts)
        curve = _DayCurve(spans, den)
        if times:
            order = sorted(range(len(times)), key=times.__getitem__)
            curve.at = [times[i] for i in order]
            curve.delta = [deltas[i] for i in order]
            _accumulate(curve, 0)
        return curve

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

    def _spans(self, key: str, day: int) -> Spans:
        """Times of day (merged ranges, ms: their starts and their ends) at which a query would
        count ``day`` as a hit; a past day's spans feed a month of curves, so they are kept
        until an observation they depend on arrives (kept like the curves)."""
        end = (day + 1) * DAY_MS
        if key == DEVICE:
            times, seen = self._starts, bisect_left(self._starts, end)
        else:
            times = self._opens[key]
            seen = bisect_right(times, end + self._window)
        built = _built(self._span_cache, key, day)
        if built is None or built.seen != seen:
            built = _keep(self._span_cache, key, day, seen, len(times))
            built.value = self._merged_spans(key, day)
        return built.value

    def _merged_spans(self, key: str, day: int) -> Spans:
        base = day * DAY_MS
        if key == DEVICE:  # the unlocked intervals reaching into the day, `horizon` early
            h, starts, ends = self._horizon, self._starts, self._ends
            i = bisect_right(ends, base - h)
            j = bisect_left(starts, base + DAY_MS, i)
            return _merged([s - h - base for s in starts[i:j]], [e - base for e in ends[i:j]])
        w = self._window  # the opens within `window` of the day
        times = self._opens[key]
        i = bisect_left(times, base - w)
        j = bisect_right(times, base + DAY_MS + w, i)
        return _merged([t - w - base for t in times[i:j]], [t + w + 1 - base for t in times[i:j]])


class _DayCurve:
    """A day's curve (``bounds``, ``levels``) and what it was summed from: the steps in summing
    order (``at``, ``delta``), the level after each bound before it is held at 0 and divided by
    the sum of the weights (``raw``, ``den``), and each past day's spans."""

    __slots__ = ("spans", "den", "at", "delta", "bounds", "raw", "levels")

    def __init__(self, spans: list[Spans], den: float) -> None:
        self.spans = spans
        self.den = den
        self.at: list[int] = []
        self.delta: list[float] = []
        self.bounds = [0]
        self.raw = [0.0]
        self.levels = [0.0]


def _accumulate(curve: _DayCurve, start: int) -> None:
    """Sum the steps from ``start`` on, after the bounds and levels kept so far (all of them
    before the first of these steps): the level after each time's last step."""
    bounds, raw = curve.bounds, curve.raw
    kept = len(raw)
    level, last = raw[-1], bounds[-1]
    steps = zip(islice(curve.at, start, None), islice(curve.delta, start, None), strict=True)
    for moment, step in steps:
        level += step
        if moment == last:
            raw[-1] = level
        else:
            bounds.append(moment)
            raw.append(level)
            last = moment
    den = curve.den
    curve.levels = curve.levels[: kept - 1] + [
        (0.0 if level < 0.0 else level) / den for level in raw[kept - 1 :]
    ]


def _same_but_last(before: list[Spans], now: list[Spans]) -> bool:
    """The same past days, all but the newest with the very spans they had."""
    if len(before) != len(now):
        return False
    for i in range(len(now) - 1):  # (the pairs themselves may be copies; their parts not)
        if before[i][0] is not now[i][0] or before[i][1] is not now[i][1]:
            return False
    return True


def _renewed(curve: _DayCurve, spans: list[Spans], weight: float) -> _DayCurve:
    """``curve`` after its newest past day's spans changed (to ``spans[-1]``, at ``weight``):
    that day's steps from the first change on are taken out and put in where the summing order
    puts them — its ends first among steps at one time, its starts last — and the sum goes on
    from the last bound before the change. The same steps in the same order as a new sum."""
    (old_starts, old_ends), (new_starts, new_ends) = curve.spans[-1], spans[-1]
    changed = (set(old_starts) ^ set(new_starts)) | (set(old_ends) ^ set(new_ends))
    renewed = _DayCurve(spans, curve.den)
    renewed.at, renewed.delta = curve.at, curve.delta  # the old curve is not used again
    if not changed:
        renewed.bounds, renewed.raw, renewed.levels = curve.bounds, curve.raw, curve.levels
        return renewed
    first = min(changed)
    at, delta = renewed.at, renewed.delta
    for end in old_ends:
        if end >= first:
            i = bisect_left(at, end)
            del at[i], delta[i]
    for start in old_starts:
        if start >= first:
            i = bisect_right(at, start) - 1
            del at[i], delta[i]
    for end in new_ends:
        if end >= first:
            i = bisect_left(at, end)
            at.insert(i, end)
            delta.insert(i, -weight)
    for start in new_starts:
        if start >= first:
            i = bisect_right(at, start)
            at.insert(i, start)
            delta.insert(i, weight)
    kept = bisect_left(curve.bounds, first)
    if kept == 0:  # a change at midnight: the sum starts over
        _accumulate(renewed, 0)
        return renewed
    renewed.bounds = curve.bounds[:kept]
    renewed.raw = curve.raw[:kept]
    renewed.levels = curve.levels[:kept]
    _accumulate(renewed, bisect_left(at, first))
    return renewed


class _Built(Generic[V]):
    """What was built for one key and day: from ``seen`` observations it depends on, last
    checked when the key had ``checked`` observations in all (none since: still current)."""

    __slots__ = ("seen", "checked", "value")

    def __init__(self, seen: int, checked: int) -> None:
        self.seen = seen
        self.checked = checked
        self.value: V


class _Rate:
    """A day's opens-a-day rate, kept apart from its last term (today's opens)."""

    __slots__ = ("before", "past", "weights", "weight_today", "value")

    def __init__(self) -> None:
        self.before = -1  # opens before the day when ``past`` was summed
        self.past = 0.0
        self.weights = 1.0
        self.weight_today = 1.0
        self.value = 0.0


def _built(cache: dict[str, dict[int, _Built[V]]], key: str, day: int) -> _Built[V] | None:
    by_day = cache.get(key)
    return None if by_day is None else by_day.get(day)


def _keep(
    cache: dict[str, dict[int, _Built[V]]], key: str, day: int, seen: int, checked: int
) -> _Built[V]:
    """A new entry for ``key`` and ``day`` (its ``value`` to be set), replacing the old one; a
    key's days are forgotten past 64, so a year-long replay's memory stays flat."""
    by_day = cache.get(key)
    if by_day is None:
        by_day = cache[key] = {}
    elif day not in by_day and len(by_day) >= 64:
        by_day.clear()
    built: _Built[V] = _Built(seen, checked)
    by_day[day] = built
    return built


def _merged(los: list[int], his: list[int]) -> Spans:
    """The ranges [lo, hi) (in ``lo`` order), held to the day and merged where they touch."""
    starts: list[int] = []
    ends: list[int] = []
    for lo, hi in zip(los, his, strict=True):
        if lo < 0:
            lo = 0
        if hi > DAY_MS:
            hi = DAY_MS
        if lo >= hi:
            continue
        if ends and lo <= ends[-1]:
            if hi > ends[-1]:
                ends[-1] = hi
        else:
            starts.append(lo)
            ends.append(hi)
    return tuple(starts), tuple(ends)


def _is_weekend(local_day: int) -> bool:
    return (local_day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
