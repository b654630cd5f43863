"""Generating a persona's trace (SPEC §5.4): the day-by-day model behind ``trace generate``,
``persona:`` scenarios and fleets.

Model, per local day: wake/sleep times; interactions (lognormal count, T§3.1) spread over a
24-hour intensity curve shifted to the wake time (T§3.3), each a glance (``screen``) or an
unlock (``unlocked``) with a session length from an exponential body plus a Pareto tail
(T§3.2); app opens placed inside unlocked sessions at rank-exponential rates (T§3.4); a place
plan (home, commute, work, out, hotel, airport, flight) that decides Wi-Fi or cellular (T§3.6);
overnight charging and daytime top-ups (T§3.5); Low Power Mode, reboots and travel (T§3.8).
Each day draws from its own named streams ``rng_for(seed, "persona/<name>/<purpose>/<date>")``,
so a 7-day trace is the first week of a 28-day one, and adding an app never moves another
app's opens (SPEC §6.11). Longer than most modules: the stages are one generator's steps, each
reading what the earlier ones placed (app opens go into the sessions, Low Power Mode follows the
charging) and drawing from the same named streams.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import polars as pl

from bgreplay.errors import InputError
from bgreplay.personas import Persona, app_rates, get_persona
from bgreplay.rng import rng_for
from bgreplay.trace.clock import offset_changes, offset_ms, zone
from bgreplay.trace.write import Offsets, TraceRow, iso, to_frame

if TYPE_CHECKING:
    from bgreplay.trace.model import Timeline

CURVE_WAKE_MIN = 420  # the T§3.3 curve describes someone who wakes at about 07:00
HOUR = 3600
MINUTE = 60
# Trip destinations for the traveller (T§3.8: a traveller should exercise UTC-offset changes).
DESTINATIONS = (
    "America/New_York",
    "Asia/Tokyo",
    "Europe/London",
    "America/Los_Angeles",
    "Asia/Singapore",
    "Asia/Dubai",
    "Europe/Berlin",
)
V = TypeVar("V")
Session = tuple[int, int, bool, int]  # (start, end, unlocked, index of its day), Unix seconds
Span = tuple[int, int, str, str, str]  # (start, end, kind, value, subject); "" for none


@dataclass(frozen=True, slots=True)
class PersonaTrace:
    """A generated trace in memory: sorted rows in Unix ms plus the device's clock."""

    persona: str
    seed: int
    timezone: str
    start: datetime  # naive wall time of the first instant, in ``timezone``
    start_ms: int
    end_ms: int
    records: tuple[TraceRow, ...]
    offsets: tuple[tuple[int, int], ...]  # (unix_ms, utc_offset_ms) changes (DST and travel)
    moves: tuple[tuple[int, str], ...] = ()  # (unix_ms, zone) travel, also ``timezone`` rows

    def frame(self) -> pl.DataFrame:
        """The file layout of SPEC §5.2 (text columns ``start,end,kind,value,subject``)."""
        return to_frame(self.records, Offsets(self.offsets))

    def rows(self) -> list[tuple[str, str | None, str, str | None, str | None]]:
        at = Offsets(self.offsets).at
        return [
            (
                iso(r.start, at(r.start)),
                None if r.end is None else iso(r.end, at(r.end)),
                r.kind,
                r.value,
                r.subject,
            )
            for r in self.records
        ]

    def timeline(self) -> Timeline:
        """The trace as the engine's ``Timeline`` directly, for fleets (no file round trip)."""
        from bgreplay.trace.clock import build_clock
        from bgreplay.trace.model import Interval, Point, Timeline

        t0 = self.start_ms
        clock = build_clock(
            self.start, self.timezone, self.end_ms - t0, [(t - t0, z) for t, z in self.moves]
        )
        intervals = tuple(
            Interval(r.start - t0, r.end - t0, r.kind, r.value, r.subject)
            for r in self.records
            if r.end is not None
        )
        points = tuple(
            Point(r.start - t0, r.kind, r.value, r.subject) for r in self.records if r.end is None
        )
        return Timeline(self.end_ms - t0, clock, intervals, points)


def generate_trace(
    persona: str | Persona,
    days: int,
    start: datetime,
    timezone: str = "UTC",
    seed: int = 0,
    apps: Sequence[tuple[str, float | None]] = (),
) -> PersonaTrace:
    """``days`` days of ``persona`` from the naive wall time ``start`` in ``timezone``."""
    p = get_persona(persona)
    if start.tzinfo is not None:
        raise InputError(
            f"start {start.isoformat()} has a UTC offset",
            fix="give the wall time without one; the zone comes from the timezone",
        )
    if days < 1:
        raise InputError(f"days must be at least 1, not {days}")
    if not 1971 <= start.year <= 2099 - days // 365:
        raise InputError(
            f"start {start.isoformat()} is outside the years this tool models",
            fix="start between 1971 and 2098",
        )
    bundles = [bundle for bundle, _ in apps]
    twice = sorted({b for b in bundles if bundles.count(b) > 1})
    if twice:
        raise InputError(
            f"app {twice[0]} is given more than once",
            fix="give each bundle once (with its rate, if any)",
        )
    try:
        zone(timezone)
    except ValueError as exc:
        raise InputError(
            f"unknown time zone {timezone!r}",
            fix="use an IANA name such as Europe/Paris or America/New_York",
        ) from exc
    return _Generator(p, seed, timezone, app_rates(p, apps)).run(start, days)


def generate(
    persona: str | Persona,
    days: int,
    start: datetime,
    timezone: str = "UTC",
    seed: int = 0,
    apps: Sequence[tuple[str, float | None]] = (),
) -> list[tuple[str, str | None, str, str | None, str | None]]:
    """The trace as file rows ``(start, end, kind, value, subject)``, ISO 8601 with offsets."""
    return generate_trace(persona, days, start, timezone, seed, apps).rows()


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _utc_s(zone_name: str, day: date, minutes: float) -> int:
    """Unix seconds of a wall time ``minutes`` after ``day``'s midnight (gaps move forward)."""
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    return int(naive.replace(tzinfo=zone(zone_name)).timestamp())


@dataclass(slots=True)
class _Day:
    date: date
    zone: str
    off: bool
    wake: int  # Unix seconds
    sleep: int
    curve: int  # where hour 0 of the shifted intensity curve starts
    rng: random.Random  # "day": shape, places, network (in that order)
    power: random.Random  # "power": charging, Low Power Mode, reboots
    work: tuple[int, int] | None = None
    stay: str = "home"  # "home" or "hotel"
    flight: tuple[int, int, str] | None = None  # (departure, arrival, zone after) this day


class _Generator:
    def __init__(self, p: Persona, seed: int, home: str, rates: list[tuple[str, float]]) -> None:
        self.p, self.seed, self.home, self.rates = p, seed, home, rates
        total = sum(p.hourly)
        self.cum = [sum(p.hourly[: h + 1]) / total for h in range(24)]
        self.body = p.session_body_mean_s()
        self.unlocks_mean = p.expected_sessions() * p.unlocked_share

    def rng(self, purpose: str, day: date | int) -> random.Random:
        return rng_for(self.seed, f"persona/{self.p.name}/{purpose}/{day}")

    def run(self, start: datetime, n: int) -> PersonaTrace:
        t0 = _utc_s(self.home, start.date(), start.hour * 60 + start.minute + start.second / 60)
        end_local = start + timedelta(days=n)
        t1 = _utc_s(
            self.home,
            end_local.date(),
            end_local.hour * 60 + end_local.minute + end_local.second / 60,
        )
        first = start.date() - timedelta(days=1)
        days = self._days([first + timedelta(days=i) for i in range(n + 4)])
        body = days[:-1]
        sessions = self._sessions(days)
        plugs = self._charging(days)
        spans: list[Span] = [
            (s, e, "unlocked" if unlocked else "screen", "", "") for s, e, unlocked, _ in sessions
        ]
        spans += self._apps(body, sessions)
        spans += [(s, e, "plugged", v, "") for s, e, v in plugs]
        spans += [(s, e, "low_power_mode", "", "") for s, e in self._lpm(body, plugs)]
        spans += [(s, e, "network", v, "") for s, e, v in self._network(days)]
        # file order (start, kind, subject, end, value), clipped to the window; end -1: a point
        rows = [
            (max(s, t0), k, sub, min(e, t1), v) for s, e, k, v, sub in spans if e > t0 and s < t1
        ]
        rows += [
            (t, "boot", "", -1, "") for t in self._boots(body, plugs, sessions) if t0 <= t < t1
        ]
        moves = [(d.flight[1], d.flight[2]) for d in body if d.flight]
        zone_at_t0 = self.home
        for t, z in moves:
            if t <= t0:
                zone_at_t0 = z
        if zone_at_t0 != self.home:
            moves.append((t0, zone_at_t0))
        rows += [(t, "timezone", "", -1, z) for t, z in moves if t0 <= t < t1]
        rows.sort()
        records = [
            TraceRow(s * 1000, None if e < 0 else e * 1000, k, v or None, sub or None)
            for s, k, sub, e, v in rows
        ]
        zones = sorted((t * 1000, z) for t, z in moves if t0 <= t < t1)
        return PersonaTrace(
            self.p.name,
            self.seed,
            self.home,
            start.replace(tzinfo=None),
            t0 * 1000,
            t1 * 1000,
            tuple(records),
            self._offsets(t0 * 1000, t1 * 1000, zones),
            tuple(zones),
        )

    def _offsets(
        self, t0: int, t1: int, moves: list[tuple[int, str]]
    ) -> tuple[tuple[int, int], ...]:
        spans = [(t0, self.home)] + [(t, z) for t, z in moves if t > t0]
        if moves and moves[0][0] == t0:
            spans = [(t0, moves[0][1])] + [(t, z) for t, z in moves[1:]]
        out: list[tuple[int, int]] = []
        for i, (t, z) in enumerate(spans):
            end = spans[i + 1][0] if i + 1 < len(spans) else t1
            out.append((t, offset_ms(t, z)))
            out += offset_changes(z, t, max(end, t + 1))
        return tuple(out)

    # --- days ---------------------------------------------------------------------------
    def _days(self, dates: list[date]) -> list[_Day]:
        trips = self._trips(dates, dates[1])
        days = [self._day(d, trips.get(d.toordinal())) for d in dates]
        for prev, nxt in zip(days, days[1:], strict=False):
            if prev.flight and nxt.wake < prev.flight[1] + 6 * HOUR:  # sleep off the flight
                shift = prev.flight[1] + 6 * HOUR - nxt.wake
                nxt.wake, nxt.curve = nxt.wake + shift, nxt.curve + shift
                if nxt.work:
                    nxt.work = None
        return days

    def _day(self, d: date, trip: tuple[str, str] | None) -> _Day:
        p, rng, power = self.p, self.rng("day", d), self.rng("power", d)
        rota = p.rotation[(d.toordinal() // 7) % len(p.rotation)] if p.rotation else None
        weekday = d.toordinal() % 7 if rota else d.weekday()
        off = weekday not in p.workdays or (trip is not None and trip[0] != "away")
        wake = (rota[0] if rota else p.wake_min) + (p.offday_wake_shift_min if off else 0)
        wake += rng.gauss(0, p.jitter_min)
        sleep = (rota[2] if rota else p.sleep_min) + rng.gauss(0, p.jitter_min)
        role, where = trip if trip else ("", self.home)
        zone_name = self.home if role == "depart" else where
        day = _Day(
            d,
            zone_name,
            off,
            _utc_s(zone_name, d, wake),
            _utc_s(zone_name, d, sleep),
            _utc_s(zone_name, d, wake - CURVE_WAKE_MIN),
            stay="hotel" if role in ("away", "return") else "home",
            rng=rng,
            power=power,
        )
        if not off and p.work_hours > 0:
            begin = (rota[1] if rota else p.work_start_min) + rng.gauss(0, p.jitter_min / 2)
            begin = max(begin, wake + p.commute_min + 15)
            hours = p.work_hours * 60 + rng.gauss(0, p.jitter_min)
            day.work = (_utc_s(zone_name, d, begin), _utc_s(zone_name, d, begin + hours))
        if role in ("depart", "return"):
            after = where if role == "depart" else self.home
            leave = day.wake + 3 * HOUR
            hours = abs(_offset_h(after, d) - _offset_h(zone_name, d))
            day.flight = (leave, leave + int((60 + 50 * hours) * MINUTE), after)
        return day

    def _trips(self, dates: list[date], first_day: date) -> dict[int, tuple[str, str]]:
        """Traveller trips, one chance per calendar fortnight: ordinal -> (role, zone). A trip
        that would leave before ``first_day`` is dropped: every trace starts at home."""
        out: dict[int, tuple[str, str]] = {}
        if self.p.trip_p <= 0:
            return out
        for block in sorted({d.toordinal() // 14 for d in dates}):
            rng = self.rng("trip", block)
            if rng.random() >= self.p.trip_p:
                continue
            length = rng.randint(*self.p.trip_days)
            first = block * 14 + rng.randint(0, 14 - length - 1)
            if first < first_day.toordinal():
                continue
            when = date.fromordinal(first)
            home = _offset_h(self.home, when)
            choices = [z for z in DESTINATIONS if _offset_h(z, when) != home]
            where = rng.choice(choices)
            out[first] = ("depart", where)
            for k in range(1, length - 1):
                out[first + k] = ("away", where)
            out[first + length - 1] = ("return", where)
        return out

    # --- interactions and apps -------------------------------------------------------------
    def _sessions(self, days: list[_Day]) -> list[Session]:
        """Interactions of each day, spread over the curve stretched to fit between this day's
        and the next day's anchor (23 or 25 hours across DST or a flight), never overlapping."""
        drafts: list[Session] = []  # (start, length, unlocked, day) until placed
        p, log, body = self.p, math.log, self.body
        unlocked, tail, tail_min = p.unlocked_share, p.tail_share, p.tail_min_s
        inv_alpha, longest, glance = -1 / p.tail_alpha, p.session_max_s, p.glance_mean_s
        for i, (day, nxt) in enumerate(zip(days, days[1:], strict=False)):
            rng = self.rng("sessions", day.date)
            factor = p.offday_sessions if day.off else 1.0
            count = round(p.sessions_median * factor * math.exp(rng.gauss(0, p.sessions_sigma)))
            hours = rng.choices(range(24), cum_weights=self.cum, k=count)
            hour = max(nxt.curve - day.curve, HOUR) / 24
            for h in hours:
                start = day.curve + int((h + rng.random()) * hour)
                if rng.random() < unlocked:
                    if rng.random() < tail:
                        length = tail_min * (1 - rng.random()) ** inv_alpha
                    else:
                        length = max(5.0, -log(1 - rng.random()) * body)
                    drafts.append((start, int(min(length, longest)), True, i))
                else:
                    drafts.append((start, int(max(2.0, -log(1 - rng.random()) * glance)), False, i))
        drafts.sort()
        out: list[Session] = []
        free = -(1 << 62)
        for start, length, unlocked, i in drafts:  # one after another, 5 s apart at least
            start = max(start, free)
            out.append((start, start + length, unlocked, i))
            free = start + length + 5
        return out

    def _apps(self, days: list[_Day], sessions: list[Session]) -> list[Span]:
        p = self.p
        per_day: dict[int, list[int]] = {}
        for k, (_, _, unlocked, i) in enumerate(sessions):
            if unlocked:
                per_day.setdefault(i, []).append(k)
        placed: dict[int, list[tuple[int, int, str]]] = {}
        mu = math.log(p.app_median_s)
        for bundle, rate in self.rates:
            if rate <= 0:
                continue
            for i, day in enumerate(days):
                chosen = per_day.get(i, [])
                rng = self.rng(f"app={bundle}", day.date)
                lam = rate * len(chosen) / max(self.unlocks_mean, 1e-9)
                for k in rng.sample(chosen, min(_poisson(rng, lam), len(chosen))):
                    s, e = sessions[k][0], sessions[k][1]
                    length = max(2, int(rng.lognormvariate(mu, p.app_sigma)))
                    room = max(0, e - s - 2 - length)
                    begin = s + 1 + int(rng.random() * room)
                    placed.setdefault(k, []).append((begin, min(begin + length, e), bundle))
        rows: list[Span] = []
        for k in sorted(placed):
            free, end = sessions[k][0], sessions[k][1]
            for begin, stop, bundle in sorted(placed[k]):
                begin = max(begin, free)
                stop = min(max(stop, begin + 1), end)
                if stop - begin >= 1:
                    rows.append((begin, stop, "app", "", bundle))
                    free = stop + 1
        return rows

    # --- charging, Low Power Mode, reboots -------------------------------------------------
    def _charging(self, days: list[_Day]) -> list[tuple[int, int, str]]:
        """Charges as (start, end, "wired" or "wireless"), overlapping ones merged."""
        p = self.p
        plugs: list[tuple[int, int, str]] = []
        for day, nxt in zip(days, days[1:], strict=False):
            rng = day.power
            kind = "wireless" if rng.random() < p.wireless_share else "wired"
            if rng.random() < p.night_charge_p:
                lead = min(max(rng.gauss(p.plug_lead_min, p.plug_lead_sigma_min), -30), 180)
                begin = day.sleep - int(lead * MINUTE)
                end = nxt.wake + int(rng.uniform(0, 20) * MINUTE)
                if end - begin >= HOUR:
                    plugs.append((begin, end, kind))
            lo, hi = day.wake + HOUR, day.sleep - 90 * MINUTE
            for _ in range(_poisson(rng, p.topups_per_day)):
                if hi <= lo:
                    break
                begin = int(rng.uniform(lo, hi))
                minutes = min(max(rng.lognormvariate(math.log(p.topup_median_min), 0.5), 10), 180)
                wireless = rng.random() < p.wireless_share
                plugs.append(
                    (begin, begin + int(minutes * MINUTE), "wireless" if wireless else "wired")
                )
        return _union(plugs)

    def _lpm(self, days: list[_Day], plugs: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
        spans: list[tuple[int, int, None]] = []
        starts = [s for s, _, _ in plugs]
        for day in days:
            rng = day.power
            if rng.random() >= self.p.lpm_p or day.sleep - day.wake < 8 * HOUR:
                continue
            begin = int(rng.uniform(day.wake + 6 * HOUR, day.sleep - HOUR))
            k = _bisect(starts, begin)
            if k < len(plugs) and plugs[k][0] - begin < 18 * HOUR:  # off after charging
                end = min(plugs[k][0] + int(rng.uniform(30, 60) * MINUTE), plugs[k][1])
            else:
                end = begin + int(rng.uniform(2, 6) * HOUR)
            if end > begin:
                spans.append((begin, end, None))
        return [(s, e) for s, e, _ in _union(spans)]

    def _boots(
        self, days: list[_Day], plugs: list[tuple[int, int, str]], sessions: list[Session]
    ) -> list[int]:
        p = self.p
        times: list[int] = []
        for day in days:
            rng = day.power
            for _ in range(_poisson(rng, p.reboots_per_day)):
                times.append(int(rng.uniform(day.wake, max(day.sleep, day.wake + 1))))
            if rng.random() < 1 / p.update_every_days:
                night = [x for x in plugs if day.sleep - 3 * HOUR <= x[0] < day.sleep + 6 * HOUR]
                if night:
                    s, e, _ = night[0]
                    times.append(int(s + (e - s) * rng.uniform(0.3, 0.7)))
        starts = [s for s, _, _, _ in sessions]
        out: list[int] = []
        for t in sorted(times):  # never in the middle of an interaction: move to its end
            k = _bisect(starts, t + 1) - 1
            if k >= 0 and sessions[k][0] <= t < sessions[k][1]:
                t = sessions[k][1] + 1
            out.append(t)
        return out

    # --- places and network ----------------------------------------------------------------
    def _plan(self, day: _Day, until: int, rng: random.Random) -> list[tuple[int, str]]:
        p, stay = self.p, day.stay
        if day.flight:
            dep, arr, after = day.flight
            back = "hotel" if after != self.home else "home"
            return [
                (day.wake, stay),
                (dep - 90 * MINUTE, "airport"),
                (dep, "flight"),
                (arr, "airport"),
                (arr + 45 * MINUTE, back),
            ]
        if day.work:
            begin, end = day.work
            commute = int(p.commute_min * MINUTE)
            plan = [
                (day.wake, stay),
                (begin - commute, "commute"),
                (begin, "work"),
                (end, "commute"),
                (end + commute, stay),
            ]
            if rng.random() < p.evening_out_p:
                out = end + commute + int(rng.uniform(30, 120) * MINUTE)
                plan += [(out, "out"), (out + int(rng.uniform(60, 180) * MINUTE), stay)]
            return plan
        plan, cursor = [(day.wake, stay)], day.wake + HOUR
        for _ in range(_poisson(rng, p.offday_outings)):
            begin = cursor + int(rng.uniform(30, 180) * MINUTE)
            end = begin + int(rng.uniform(60, 240) * MINUTE)
            if end > min(day.sleep, until) - 30 * MINUTE:
                break
            plan += [(begin, "out"), (end, stay)]
            cursor = end
        return plan

    def _network(self, days: list[_Day]) -> list[tuple[int, int, str]]:
        p = self.p
        wifi = {
            "home": p.wifi_home,
            "work": p.wifi_work,
            "commute": p.wifi_out,
            "out": p.wifi_out,
            "hotel": p.wifi_hotel,
            "airport": p.wifi_airport,
        }
        changes: list[tuple[int, str, int]] = []
        for i, (day, nxt) in enumerate(zip(days, days[1:], strict=False)):
            changes += [(t, place, i) for t, place in self._plan(day, nxt.wake, day.rng)]
        changes.append((days[-1].wake, "home", len(days) - 1))
        spans: list[tuple[int, int, str]] = []
        last = changes[0][0]
        for k, (t, place, i) in enumerate(changes[:-1]):
            begin, end = max(t, last), max(changes[k + 1][0], last)
            if end <= begin:
                continue
            last = end
            rng = days[i].rng
            if place == "flight":
                spans.append((begin, end, "none"))
                continue
            chance = min(0.99, wifi[place] + (p.offday_wifi if days[i].off else 0.0))
            if place in ("home", "work", "hotel"):
                cut = begin
                while cut < end:  # Wi-Fi comes and goes in stretches of about two hours
                    stop = min(end, cut + int(rng.expovariate(1 / 120) * MINUTE) + MINUTE)
                    spans.append((cut, stop, "wifi" if rng.random() < chance else "cellular"))
                    cut = stop
                continue
            value = "wifi" if rng.random() < chance else "cellular"
            if rng.random() < p.dead_zone_p and end - begin > 10 * MINUTE:
                gap = int(rng.uniform(2, 8) * MINUTE)
                at = begin + int(rng.random() * (end - begin - gap))
                spans += [(begin, at, value), (at, at + gap, "none"), (at + gap, end, value)]
            else:
                spans.append((begin, end, value))
        merged: list[tuple[int, int, str]] = []
        for s, e, v in spans:
            if e <= s:
                continue
            if merged and merged[-1][2] == v and merged[-1][1] == s:
                merged[-1] = (merged[-1][0], e, v)
            else:
                merged.append((s, e, v))
        return merged


def _offset_h(zone_name: str, d: date) -> float:
    offset = datetime(d.year, d.month, d.day, 12, tzinfo=zone(zone_name)).utcoffset()
    assert offset is not None  # an aware time always has one
    return offset.total_seconds() / 3600


def _bisect(values: list[int], x: int) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _union(spans: list[tuple[int, int, V]]) -> list[tuple[int, int, V]]:
    """Overlapping intervals merged; the merged one keeps the first one's value."""
    out: list[tuple[int, int, V]] = []
    for s, e, v in sorted(spans, key=lambda x: (x[0], x[1])):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e), out[-1][2])
        else:
            out.append((s, e, v))
    return out
