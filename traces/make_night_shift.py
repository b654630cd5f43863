"""Regenerate ``traces/night-shift-week.parquet``: a night-shift nurse's week in New York.

    python traces/make_night_shift.py        # from the repository root; same bytes every time

The week runs Monday 2026-03-02 to Sunday 2026-03-08 in America/New_York, so it crosses the US
spring-forward (Sunday 02:00 -> 03:00). Rows start on the Sunday evening before, as a real
capture would; the loader clips them to the replay. The person:
- works five nights, Sunday to Thursday, 22:00-06:00 at a hospital (its Wi-Fi), commuting by
  train (cellular) 21:20-21:55 and 06:05-06:45; uses the phone on the commute and on breaks
  (about 00:40, a long break near 03:00, 05:10), glances at the lock screen now and then;
- sleeps by day, about 07:20-14:40, with the phone on the charger the whole time; wakes in the
  afternoon, uses the film tracker (``io.cocoabytes.filmtracker``) a few times before leaving;
- keeps a nocturnal rhythm on Friday and Saturday nights off: up until about 04:00 at home,
  asleep and charging until late morning, out on Saturday afternoon;
- runs low after the Wednesday night shift: Low Power Mode on the train home on Thursday morning.
Times get a small jitter from one fixed-seed ``random.Random`` (no global random state).
Timestamps are written with their UTC offset, so the file reads the same in any time zone.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bgreplay.trace.clock import local_to_utc_ms, utc_to_local  # noqa: E402
from bgreplay.trace.write import write_trace  # noqa: E402

ZONE = "America/New_York"
FILM = "io.cocoabytes.filmtracker"
CHAT = "com.example.chat"
NEWS = "com.example.news"
MUSIC = "com.example.podcasts"
WORK_NIGHTS = (
    date(2026, 3, 1),
    date(2026, 3, 2),
    date(2026, 3, 3),
    date(2026, 3, 4),
    date(2026, 3, 5),
    date(2026, 3, 8),
)  # evenings a shift starts
OFF_NIGHTS = (date(2026, 3, 6), date(2026, 3, 7))
OUT = ROOT / "traces" / "night-shift-week.parquet"

Row = tuple[datetime, datetime | None, str, str | None, str | None]


class Week:
    """Rows in naive local wall time; ``at`` jitters a clock time by up to ``spread`` minutes."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.rows: list[Row] = []

    def at(self, day: date, hhmm: str, spread: int = 0) -> datetime:
        hours, minutes = map(int, hhmm.split(":"))
        jitter = self.rng.randint(-spread, spread) if spread else 0
        return datetime(day.year, day.month, day.day) + timedelta(
            hours=hours, minutes=minutes + jitter
        )

    def interval(
        self,
        start: datetime,
        end: datetime,
        kind: str,
        value: str | None = None,
        subject: str | None = None,
    ) -> None:
        self.rows.append((start, end, kind, value, subject))

    def point(
        self, t: datetime, kind: str, value: str | None = None, subject: str | None = None
    ) -> None:
        self.rows.append((t, None, kind, value, subject))

    def session(self, start: datetime, minutes: int, apps: tuple[str, ...] = ()) -> None:
        """An unlocked session with the apps used one after another inside it."""
        end = start + timedelta(minutes=minutes)
        self.interval(start, end, "unlocked")
        cursor = start + timedelta(minutes=1)
        share = max((minutes - 2) // max(len(apps), 1), 1)
        for app in apps:
            self.interval(cursor, cursor + timedelta(minutes=share), "app", subject=app)
            cursor += timedelta(minutes=share)

    def glance(self, t: datetime) -> None:
        """The lock screen lit for a notification, twenty seconds."""
        self.interval(t, t + timedelta(seconds=20), "screen")


def work_night(w: Week, d: date, moves: list[tuple[datetime, str]], heavy: bool) -> datetime:
    """The shift starting on the evening of ``d``; returns when the person gets home."""
    nxt = d + timedelta(days=1)
    leave, arrive = w.at(d, "21:20", 3), w.at(d, "21:55", 2)
    off, home = w.at(nxt, "06:05", 3), w.at(nxt, "06:45", 4)
    moves += [(leave, "cellular"), (arrive, "wifi"), (off, "cellular"), (home, "wifi")]
    w.session(leave + timedelta(minutes=4), 18, (MUSIC, FILM))
    w.point(leave + timedelta(minutes=5), "battery", "86")
    w.session(w.at(nxt, "00:40", 10), 5, (CHAT,))
    w.point(w.at(nxt, "00:30"), "battery", "62" if heavy else "71")
    w.glance(w.at(nxt, "01:50", 20))
    w.session(w.at(nxt, "03:05", 10), 26, (FILM, NEWS))
    w.point(w.at(nxt, "03:40"), "battery", "35" if heavy else "56")
    w.session(w.at(nxt, "05:10", 8), 4)
    w.session(off + timedelta(minutes=8), 22, (FILM, CHAT))
    if heavy:  # a heavy night: 17 % on the train, Low Power Mode until the charger
        w.point(off + timedelta(minutes=2), "battery", "17")
        w.interval(off + timedelta(minutes=3), w.at(nxt, "07:20"), "low_power_mode")
    else:
        w.point(off + timedelta(minutes=2), "battery", "44")
    return home


def day_at_home(w: Week, day: date, home: datetime) -> None:
    """Home from the night shift: a last look, asleep on the charger, up in the afternoon."""
    w.session(home + timedelta(minutes=12), 9, (NEWS,))
    w.interval(w.at(day, "07:20"), w.at(day, "14:40", 10), "plugged", "wired")
    w.point(w.at(day, "14:45", 5), "battery", "100")
    w.session(w.at(day, "15:05", 10), 16, (FILM, CHAT))
    w.glance(w.at(day, "16:40", 20))
    w.session(w.at(day, "17:30", 15), 8)
    w.session(w.at(day, "19:45", 15), 20, (FILM,))


def night_off(w: Week, d: date) -> None:
    """A night off at home on the evening of ``d``: up until about 04:00, then asleep."""
    nxt = d + timedelta(days=1)
    w.session(w.at(d, "23:05", 10), 12, (CHAT,))
    w.session(w.at(nxt, "01:10", 10), 42, (FILM, MUSIC))
    w.point(w.at(nxt, "01:05"), "battery", "58")
    w.glance(w.at(nxt, "03:00", 10))  # on Sunday 03:00 is the first minute after the DST jump
    w.session(w.at(nxt, "03:35", 5), 10, (NEWS,))
    w.interval(w.at(nxt, "04:10", 5), w.at(nxt, "11:30", 15), "plugged", "wired")
    w.point(w.at(nxt, "11:40", 5), "battery", "100")
    w.session(w.at(nxt, "12:20", 10), 15, (FILM,))


def build(seed: int = 2026) -> list[Row]:
    w = Week(seed)
    moves: list[tuple[datetime, str]] = [(w.at(date(2026, 3, 1), "15:00"), "wifi")]
    for d in WORK_NIGHTS:
        home = work_night(w, d, moves, heavy=d == date(2026, 3, 4))
        if d + timedelta(days=1) not in OFF_NIGHTS + (date(2026, 3, 9),):
            day_at_home(w, d + timedelta(days=1), home)
    fri, sat = OFF_NIGHTS
    w.session(w.at(fri, "07:02", 3), 9, (NEWS,))  # Friday after the last shift of the week
    w.interval(w.at(fri, "07:25", 4), w.at(fri, "14:30", 10), "plugged", "wired")
    w.point(w.at(fri, "14:40", 5), "battery", "100")
    w.session(w.at(fri, "15:10", 10), 20, (FILM, CHAT))
    w.session(w.at(fri, "19:30", 10), 14, (MUSIC,))
    night_off(w, fri)
    moves += [(w.at(sat, "15:30", 5), "cellular"), (w.at(sat, "19:10", 5), "wifi")]
    w.session(w.at(sat, "16:20", 10), 12, (FILM,))
    w.point(w.at(sat, "18:00"), "battery", "77")
    w.session(w.at(sat, "20:30", 10), 25, (FILM, NEWS))
    night_off(w, sat)  # crosses 02:00 -> 03:00 EST -> EDT on Sunday morning
    w.session(w.at(date(2026, 3, 8), "17:00", 10), 18, (FILM,))
    moves.sort()
    for (start, network), (end, _) in zip(moves, moves[1:], strict=False):
        w.interval(start, end, "network", network)
    return w.rows


def iso(local: datetime) -> str:
    """A wall time in ZONE with its offset (a time in the DST gap moves forward by the gap)."""
    return utc_to_local(local_to_utc_ms(local, ZONE), ZONE).isoformat(timespec="seconds")


def frame(rows: list[Row]) -> pl.DataFrame:
    ordered = sorted(
        rows,
        key=lambda r: (
            local_to_utc_ms(r[0], ZONE),
            r[2] != "unlocked",
            r[2],
            r[4] or "",
            r[1] or r[0],
        ),
    )
    return pl.DataFrame(
        {
            "start": [iso(r[0]) for r in ordered],
            "end": [iso(r[1]) if r[1] else None for r in ordered],
            "kind": [r[2] for r in ordered],
            "value": [r[3] for r in ordered],
            "subject": [r[4] for r in ordered],
        },
        schema=dict.fromkeys(("start", "end", "kind", "value", "subject"), pl.String),
    )


if __name__ == "__main__":
    table = frame(build())
    write_trace(OUT, table)
    print(f"wrote {OUT.relative_to(ROOT)}: {table.height} rows")
