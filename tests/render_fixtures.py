"""A hand-made two-day replay for renderer tests: one app, a refresh and a processing task.

``news_result()`` starts Monday 2026-03-02 00:00 Europe/Paris (UTC+1, no DST change). Its trace
has unlocks with and without the app, charging overnight, Wi-Fi / cellular / no network, a Low
Power Mode afternoon, heat, a force quit; its event log has every task event a renderer draws:
submits (one failing), replacements, throttling by several policies, launches, successes, a
failure after expiration, a watchdog kill, app opens with staleness. ``dst_result()`` is the
same story starting Saturday 2026-03-28, so its second day (clocks forward) has 23 hours;
``fall_back_result()`` starts 2026-10-24 and its second day has 25 hours.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bgreplay.engine.records import Event, ReplayResult
from bgreplay.errors import Location
from bgreplay.scenario.lint import Finding
from bgreplay.scenario.model import App, Device, EarliestBegin, Scenario, Submit, Task
from bgreplay.trace.clock import build_clock
from bgreplay.trace.model import Interval, Point, Timeline

S = 1_000
M = 60 * S
H = 60 * M
D = 24 * H

APP = "io.example.news"
REFRESH = "io.example.news.refresh"
PROC = "io.example.news.processing"
PODCASTS = "com.apple.podcasts"
FILE = "scenarios/news-digest.yaml"
ON_BATTERY = "launchType == PROCESSING AND pluggedIn == NO"


def hm(day: int, clock: str) -> int:
    """Replay ms of ``clock`` (``HH:MM`` or ``HH:MM:SS``) on day ``day`` (0-based), for a day
    without a DST change before it."""
    parts = [int(p) for p in clock.split(":")]
    h, m, s = (parts + [0])[:3]
    return day * D + h * H + m * M + s * S


def scenario(start: datetime = datetime(2026, 3, 2)) -> Scenario:
    refresh = Task(
        REFRESH,
        APP,
        "refresh",
        earliest_begin=EarliestBegin(delay_ms=2 * H),
        submit=Submit(when=("app_background", "handler_start")),
    )
    proc = Task(
        PROC,
        APP,
        "processing",
        earliest_begin=EarliestBegin(delay_ms=4 * H),
        requires_network=True,
        requires_external_power=True,
    )
    app = App(
        APP,
        background_modes=("fetch", "processing"),
        permitted_identifiers=(REFRESH, PROC),
        tasks=(refresh, proc),
    )
    return Scenario(
        name="News digest — two days",
        start=start,
        duration_ms=2 * D,
        timezone="Europe/Paris",
        seed=11,
        device=Device(ios="26.1"),
        apps=(app,),
        path=Path(FILE),
    )


def timeline(start: datetime = datetime(2026, 3, 2)) -> Timeline:
    iv = [
        Interval(0, hm(0, "07:00"), "plugged", "wired"),
        Interval(hm(0, "23:00"), hm(1, "07:00"), "plugged", "wired"),
        Interval(hm(1, "23:00"), 2 * D, "plugged", "wired"),
        Interval(0, hm(0, "08:15"), "network", "wifi"),
        Interval(hm(0, "08:15"), hm(0, "08:50"), "network", "cellular"),
        Interval(hm(0, "09:10"), hm(0, "17:45"), "network", "wifi"),
        Interval(hm(0, "17:45"), hm(0, "18:30"), "network", "cellular"),
        Interval(hm(0, "18:30"), hm(1, "08:15"), "network", "wifi"),
        Interval(hm(1, "08:15"), hm(1, "08:50"), "network", "cellular"),
        Interval(hm(1, "08:50"), 2 * D, "network", "wifi"),
        Interval(hm(0, "14:00"), hm(0, "18:00"), "low_power_mode"),
        Interval(hm(1, "07:00"), hm(1, "10:00"), "low_power_mode"),
        Interval(hm(0, "16:00"), hm(0, "16:45"), "thermal", "serious"),
        Interval(hm(0, "16:45"), hm(0, "17:15"), "thermal", "fair"),
        Interval(hm(1, "15:00"), hm(1, "15:20"), "thermal", "critical"),
    ]
    uses = [  # (day, start, minutes, app)
        (0, "07:30", 10, APP),
        (0, "08:20", 20, PODCASTS),
        (0, "12:30", 15, APP),
        (0, "15:30", 5, None),
        (0, "21:00", 20, APP),
        (1, "07:35", 10, APP),
        (1, "08:20", 20, PODCASTS),
        (1, "10:50", 5, None),
        (1, "12:40", 15, APP),
        (1, "21:10", 20, APP),
    ]
    for day, at, minutes, app in uses:
        t = hm(day, at)
        iv.append(Interval(t, t + minutes * M, "unlocked"))
        if app:
            iv.append(Interval(t, t + minutes * M, "app", subject=app))
    points = [Point(hm(1, "13:00"), "force_quit", subject=APP)]
    clock = build_clock(start, "Europe/Paris", 2 * D)
    return Timeline(
        duration=2 * D,
        clock=clock,
        intervals=tuple(sorted(iv, key=lambda i: (i.start, i.kind))),
        points=tuple(points),
    )


def _task(task: str) -> dict:
    return {"app": APP, "task": task, "task_type": "processing" if task == PROC else "refresh"}


def _battery() -> list[tuple]:
    out: list[tuple] = [(0, "battery", {"value": 80.0})]
    out += [(4 * M * k, "battery", {"value": 80.0 + 5 * k}) for k in (1, 2, 3, 4)]
    day0 = [
        ("09:00", 95),
        ("13:00", 90),
        ("16:00", 85),
        ("19:30", 80),
        ("22:00", 75),
        ("23:04", 80),
        ("23:08", 85),
        ("23:12", 90),
        ("23:16", 95),
        ("23:20", 100),
    ]
    out += [(hm(0, at), "battery", {"value": float(v)}) for at, v in day0]
    level, t = 100, hm(1, "07:00")
    while level > 20:  # a heavy day: down to 15 % before the charger
        level -= 5
        t += 59 * M
        out.append((t, "battery", {"value": float(level)}))
    out.append((hm(1, "22:55"), "battery", {"value": 15.0}))
    out += [(hm(1, "23:00") + 4 * M * k, "battery", {"value": 15.0 + 5 * k}) for k in range(1, 14)]
    return out


def raw_events() -> list[tuple]:
    r, p = _task(REFRESH), _task(PROC)

    def opened(missed: int) -> dict:
        return {"missed_changes": missed, "backlog_ms": 0}

    ev: list[tuple] = [
        (0, "plugged", {}),
        (0, "network", {"reason": "wifi"}),
        (hm(0, "07:00"), "unplugged", {}),
        # Monday: first open (no fetch yet), both tasks submitted on leaving the app
        (hm(0, "07:30"), "unlocked", {}),
        (hm(0, "07:30"), "app_opened", {"app": APP, **opened(5)}),
        (hm(0, "07:40"), "app_closed", {"app": APP}),
        (hm(0, "07:40"), "locked", {}),
        (
            hm(0, "07:40"),
            "submitted",
            {**r, "reason": "app_background", "value": 7200.0, "detail": "request 1"},
        ),
        (
            hm(0, "07:40"),
            "submitted",
            {**p, "reason": "app_background", "value": 14850.0, "detail": "request 2"},
        ),
        (hm(0, "08:15"), "network", {"reason": "cellular"}),
        (hm(0, "08:50"), "network", {"reason": "none"}),
        (hm(0, "09:10"), "network", {"reason": "wifi"}),
        (
            hm(0, "09:40"),
            "throttled",
            {
                **r,
                "reason": "threshold",
                "value": 0.54,
                "detail": "score 0.54 below threshold 0.89",
            },
        ),
        (
            hm(0, "11:05"),
            "launched",
            {**r, "reason": "organic", "run": 1, "value": 5100.0, "detail": "allowance 30s"},
        ),
        (
            hm(0, "11:05"),
            "submitted",
            {**r, "reason": "handler_start", "value": 7200.0, "detail": "request 3"},
        ),
        (
            hm(0, "11:05:09"),
            "completed",
            {**r, "reason": "success", "run": 1, "value": 9.0, "energy": 1.8},
        ),
        (
            hm(0, "11:47:30"),
            "throttled",
            {**p, "reason": "battery", "value": 0.0, "detail": ON_BATTERY},
        ),
        (hm(0, "12:30"), "unlocked", {}),
        (
            hm(0, "12:30"),
            "app_opened",
            {"app": APP, "fetched_at": hm(0, "12:30") - 5091 * 1000, **opened(3)},
        ),
        (
            hm(0, "12:30"),
            "throttled",
            {
                **p,
                "reason": "application",
                "value": 0.0,
                "detail": "appIsForeground: Required:0 Observed:1",
            },
        ),
        (hm(0, "12:45"), "app_closed", {"app": APP}),
        (hm(0, "12:45"), "locked", {}),
        (
            hm(0, "12:45"),
            "replaced",
            {**r, "reason": "app_background", "detail": "request 3 replaced (F14)"},
        ),
        (
            hm(0, "12:45"),
            "submitted",
            {**r, "reason": "app_background", "value": 7200.0, "detail": "request 4"},
        ),
        (
            hm(0, "12:45"),
            "replaced",
            {**p, "reason": "app_background", "detail": "request 2 replaced (F14)"},
        ),
        (
            hm(0, "12:45"),
            "submitted",
            {**p, "reason": "app_background", "value": 14850.0, "detail": "request 5"},
        ),
        (hm(0, "14:00"), "low_power_mode", {"reason": "on"}),
        (
            hm(0, "14:45"),
            "throttled",
            {
                **r,
                "reason": "low_power_mode",
                "value": 0.0,
                "detail": "Low Power Mode on, unplugged",
            },
        ),
        (hm(0, "15:30"), "unlocked", {}),
        (hm(0, "15:35"), "locked", {}),
        (hm(0, "16:00"), "thermal", {"reason": "serious"}),
        (hm(0, "16:45"), "thermal", {"reason": "fair"}),
        (
            hm(0, "16:52:30"),
            "throttled",
            {**p, "reason": "battery", "value": 0.0, "detail": ON_BATTERY},
        ),
        (hm(0, "17:15"), "thermal", {"reason": "nominal"}),
        (hm(0, "17:45"), "network", {"reason": "cellular"}),
        (hm(0, "18:00"), "low_power_mode", {"reason": "off"}),
        (
            hm(0, "18:00"),
            "throttled",
            {
                **r,
                "reason": "threshold",
                "value": 0.41,
                "detail": "score 0.41 below threshold 0.80",
            },
        ),
        (hm(0, "18:30"), "network", {"reason": "wifi"}),
        # a refresh that runs out of time: expired, then completed with failure
        (
            hm(0, "19:10"),
            "launched",
            {**r, "reason": "organic", "run": 2, "value": 15300.0, "detail": "allowance 30s"},
        ),
        (
            hm(0, "19:10"),
            "submitted",
            {**r, "reason": "handler_start", "value": 7200.0, "detail": "request 6"},
        ),
        (hm(0, "19:10:30"), "expired", {**r, "reason": "allowance", "run": 2, "value": 30.0}),
        (
            hm(0, "19:10:31"),
            "completed",
            {**r, "reason": "failure", "run": 2, "value": 31.0, "energy": 6.2},
        ),
        (hm(0, "21:00"), "unlocked", {}),
        (
            hm(0, "21:00"),
            "app_opened",
            {"app": APP, "fetched_at": hm(0, "21:00") - 30600 * 1000, **opened(17)},
        ),
        (
            hm(0, "21:00"),
            "throttled",
            {
                **r,
                "reason": "application",
                "value": 0.0,
                "detail": "appIsForeground: Required:0 Observed:1",
            },
        ),
        (hm(0, "21:20"), "app_closed", {"app": APP}),
        (hm(0, "21:20"), "locked", {}),
        (hm(0, "21:20"), "replaced", {**r, "reason": "app_background"}),
        (
            hm(0, "21:20"),
            "submitted",
            {**r, "reason": "app_background", "value": 7200.0, "detail": "request 7"},
        ),
        (hm(0, "21:20"), "replaced", {**p, "reason": "app_background"}),
        (
            hm(0, "21:20"),
            "submitted",
            {**p, "reason": "app_background", "value": 14850.0, "detail": "request 8"},
        ),
        (hm(0, "23:00"), "plugged", {}),
        # a refresh that ignores its expiration: the watchdog kills it
        (
            hm(0, "23:20"),
            "launched",
            {**r, "reason": "organic", "run": 3, "value": 0.0, "detail": "allowance 30s"},
        ),
        (
            hm(0, "23:20"),
            "submitted",
            {**r, "reason": "handler_start", "value": 7200.0, "detail": "request 9"},
        ),
        (hm(0, "23:20:30"), "expired", {**r, "reason": "allowance", "run": 3, "value": 30.0}),
        (
            hm(0, "23:20:36"),
            "killed",
            {**r, "reason": "watchdog", "run": 3, "value": 36.0, "energy": 0.0},
        ),
        # overnight processing on the charger
        (
            hm(1, "01:27:30"),
            "launched",
            {**p, "reason": "organic", "run": 1, "value": 0.0, "detail": "allowance 30m"},
        ),
        (
            hm(1, "01:31:10"),
            "completed",
            {**p, "reason": "success", "run": 1, "value": 220.0, "energy": 0.0},
        ),
        (hm(1, "07:00"), "unplugged", {}),
        (hm(1, "07:00"), "low_power_mode", {"reason": "on"}),
        (
            hm(1, "07:20"),
            "throttled",
            {
                **r,
                "reason": "low_power_mode",
                "value": 0.0,
                "detail": "Low Power Mode on, unplugged",
            },
        ),
        # Tuesday: Low Power Mode turns Background App Refresh off for submits (F52)
        (hm(1, "07:35"), "unlocked", {}),
        (
            hm(1, "07:35"),
            "app_opened",
            {"app": APP, "fetched_at": hm(1, "07:35") - 36600 * 1000, **opened(20)},
        ),
        (hm(1, "07:45"), "app_closed", {"app": APP}),
        (hm(1, "07:45"), "locked", {}),
        (hm(1, "07:45"), "replaced", {**r, "reason": "app_background"}),
        (
            hm(1, "07:45"),
            "submit_failed",
            {**r, "reason": "unavailable", "detail": "Low Power Mode: Background App Refresh off"},
        ),
        (
            hm(1, "07:45"),
            "submitted",
            {**p, "reason": "app_background", "value": 14850.0, "detail": "request 10"},
        ),
        (hm(1, "08:15"), "network", {"reason": "cellular"}),
        (hm(1, "08:50"), "network", {"reason": "wifi"}),
        (hm(1, "10:00"), "low_power_mode", {"reason": "off"}),
        (hm(1, "10:50"), "unlocked", {}),
        (hm(1, "10:55"), "locked", {}),
        (
            hm(1, "11:52:30"),
            "throttled",
            {**p, "reason": "battery", "value": 0.0, "detail": ON_BATTERY},
        ),
        (hm(1, "12:40"), "unlocked", {}),
        (
            hm(1, "12:40"),
            "app_opened",
            {"app": APP, "fetched_at": hm(1, "12:40") - 18300 * 1000, **opened(10)},
        ),
        (hm(1, "12:55"), "app_closed", {"app": APP}),
        (hm(1, "12:55"), "locked", {}),
        (hm(1, "12:55"), "replaced", {**r, "reason": "app_background"}),
        (
            hm(1, "12:55"),
            "submitted",
            {**r, "reason": "app_background", "value": 7200.0, "detail": "request 11"},
        ),
        (hm(1, "12:55"), "replaced", {**p, "reason": "app_background"}),
        (
            hm(1, "12:55"),
            "submitted",
            {**p, "reason": "app_background", "value": 14850.0, "detail": "request 12"},
        ),
        (hm(1, "13:00"), "force_quit", {"app": APP}),
        (
            hm(1, "14:55"),
            "throttled",
            {**r, "reason": "app_switcher", "value": 0.0, "detail": "the user force-quit the app"},
        ),
        (hm(1, "15:00"), "thermal", {"reason": "critical"}),
        (hm(1, "15:20"), "thermal", {"reason": "nominal"}),
        (
            hm(1, "17:02:30"),
            "throttled",
            {**p, "reason": "app_switcher", "value": 0.0, "detail": "the user force-quit the app"},
        ),
        (hm(1, "21:10"), "unlocked", {}),
        (
            hm(1, "21:10"),
            "app_opened",
            {"app": APP, "fetched_at": hm(1, "21:10") - 30600 * 1000, **opened(16)},
        ),
        (hm(1, "21:30"), "app_closed", {"app": APP}),
        (hm(1, "21:30"), "locked", {}),
        (hm(1, "21:30"), "replaced", {**r, "reason": "app_background"}),
        (
            hm(1, "21:30"),
            "submitted",
            {**r, "reason": "app_background", "value": 7200.0, "detail": "request 13"},
        ),
        (hm(1, "21:30"), "replaced", {**p, "reason": "app_background"}),
        (
            hm(1, "21:30"),
            "submitted",
            {**p, "reason": "app_background", "value": 14850.0, "detail": "request 14"},
        ),
        (
            hm(1, "22:40"),
            "throttled",
            {**r, "reason": "critical_battery", "value": 0.0, "detail": "battery 20 %, unplugged"},
        ),
        (hm(1, "23:00"), "plugged", {}),
        (
            hm(1, "23:40"),
            "launched",
            {**r, "reason": "organic", "run": 4, "value": 3600.0, "detail": "allowance 30s"},
        ),
        (
            hm(1, "23:40"),
            "submitted",
            {**r, "reason": "handler_start", "value": 7200.0, "detail": "request 15"},
        ),
        (
            hm(1, "23:40:04"),
            "completed",
            {**r, "reason": "success", "run": 4, "value": 4.0, "energy": 0.0},
        ),
    ]
    return ev + _battery()


def events(shift: int = 0) -> tuple[Event, ...]:
    """The log in (t, order written) order, ``seq`` numbered; ``shift`` moves every event."""
    rows = sorted(enumerate(raw_events()), key=lambda r: (r[1][0], r[0]))
    return tuple(
        Event(seq=i, t=t + shift, event=kind, **_moved(fields, shift))
        for i, (_, (t, kind, fields)) in enumerate(rows)
    )


def _moved(fields: dict, shift: int) -> dict:
    if fields.get("fetched_at") is None:
        return fields
    return {**fields, "fetched_at": fields["fetched_at"] + shift}


def findings() -> list[Finding]:
    return [
        Finding(
            "BGR008",
            "warning",
            Location(FILE, 31, 15),
            "io.example.news.processing reschedules only when the app goes to the background",
            "also submit at handler_start so an expired or killed run does not end the chain",
        ),
        Finding(
            "BGR013",
            "info",
            Location(FILE, 38, 20),
            "io.example.news.refresh downloads 250 KB per run",
            "keep refresh payloads under 100 KB (F65)",
        ),
    ]


def news_result() -> ReplayResult:
    return ReplayResult(scenario(), timeline(), "ios-26", {"refresh_runtime": 30_000}, events())


def _shifted(start: datetime) -> ReplayResult:
    """The same story from another Monday... or weekend: hand-made times are wall-clock-free
    offsets, so only the headings and the DST day's length change."""
    return ReplayResult(scenario(start), timeline(start), "ios-26", {}, events())


def dst_result() -> ReplayResult:
    """Starts Saturday 2026-03-28 in Paris; Sunday 29 has 23 hours (02:00 → 03:00)."""
    return _shifted(datetime(2026, 3, 28))


def fall_back_result() -> ReplayResult:
    """Starts Saturday 2026-10-24 in Paris; Sunday 25 has 25 hours (03:00 → 02:00)."""
    return _shifted(datetime(2026, 10, 24))
