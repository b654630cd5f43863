"""A hand-built two-day replay with known metric values, for analysis tests.

Scenario: starts 2026-03-02T00:00 Europe/Paris (UTC+1), lasts 2 days, two apps:
``io.x.film`` (tasks ``io.x.film.refresh``, ``io.x.film.processing``) and ``io.y.news``
(task ``io.y.news.refresh``). The events below are written so that every metric has a value
that can be worked out by hand; ``EXPECTED`` lists them.
"""

from __future__ import annotations

from datetime import datetime

from bgreplay.engine.records import Event, ReplayResult
from bgreplay.errors import Location
from bgreplay.scenario.model import App, ExpectationSpec, Scenario, Task
from bgreplay.trace.model import Clock, Timeline

S = 1_000
M = 60 * S
H = 60 * M
D = 24 * H

FILM, NEWS = "io.x.film", "io.y.news"
FILM_REFRESH, FILM_PROC, NEWS_REFRESH = (
    "io.x.film.refresh",
    "io.x.film.processing",
    "io.y.news.refresh",
)
START_UTC_MS = int(datetime.fromisoformat("2026-03-01T23:00:00+00:00").timestamp() * 1000)
FILE = "film.yaml"


def scenario(
    expect: dict | None = None,
    *,
    variant: str = "base",
    variant_names: tuple[str, ...] = (),
    variants_with_expect: tuple[str, ...] = (),
    overrides: tuple[str, ...] = (),
) -> Scenario:
    """The fixture scenario; ``expect`` maps target → metric → text or list of texts."""
    specs = []
    line = 40
    for target, metrics in (expect or {}).items():
        for metric, texts in metrics.items():
            for text in [texts] if isinstance(texts, str) else texts:
                line += 1
                specs.append(ExpectationSpec(target, metric, text, Location(FILE, line, 5)))
    film = App(
        FILM,
        background_modes=("fetch", "processing"),
        permitted_identifiers=(FILM_REFRESH, FILM_PROC),
        tasks=(Task(FILM_REFRESH, FILM, "refresh"), Task(FILM_PROC, FILM, "processing")),
    )
    news = App(
        NEWS,
        background_modes=("fetch",),
        permitted_identifiers=(NEWS_REFRESH,),
        tasks=(Task(NEWS_REFRESH, NEWS, "refresh"),),
    )
    return Scenario(
        name="film fixture",
        start=datetime(2026, 3, 2),
        duration_ms=2 * D,
        timezone="Europe/Paris",
        apps=(film, news),
        expect=tuple(specs),
        variant=variant,
        variant_names=variant_names,
        variants_with_expect=variants_with_expect,
        overrides=overrides,
    )


def timeline(offsets: tuple[tuple[int, int], ...] = ((0, H),)) -> Timeline:
    return Timeline(duration=2 * D, clock=Clock(START_UTC_MS, offsets))


def _task(task: str) -> dict:
    app = FILM if task.startswith(FILM) else NEWS
    ttype = "processing" if task == FILM_PROC else "refresh"
    return {"app": app, "task": task, "task_type": ttype}


RAW: list[tuple] = [
    # device
    (0, "plugged", {"reason": "wired"}),
    (0, "battery", {"value": 80.0}),
    (7 * H, "unplugged", {}),
    (7 * H + 30 * M, "unlocked", {}),
    (
        7 * H + 30 * M,
        "app_opened",
        {
            "app": FILM,
            "fetched_at": 7 * H + 30 * M - 1800 * S,
            "missed_changes": 2,
            "backlog_ms": 0,
        },
    ),
    (12 * H, "unlocked", {}),
    (
        12 * H,
        "app_opened",
        {"app": FILM, "fetched_at": 12 * H - 7200 * S, "missed_changes": 5, "backlog_ms": 0},
    ),
    (20 * H, "battery", {"value": 55.0}),
    (23 * H, "plugged", {"reason": "wired"}),
    (31 * H, "unplugged", {}),
    (31 * H + 30 * M, "unlocked", {}),
    (
        31 * H + 30 * M,
        "app_opened",
        {
            "app": FILM,
            "fetched_at": 31 * H + 30 * M - 600 * S,
            "missed_changes": 0,
            "backlog_ms": 0,
        },
    ),
    (46 * H, "battery", {"value": 42.0}),
    (47 * H, "plugged", {"reason": "wireless"}),
    # io.x.film.refresh
    (1 * H, "submitted", {**_task(FILM_REFRESH), "reason": "app_background", "value": 0.0}),
    (1 * H, "throttled", {**_task(FILM_REFRESH), "reason": "application", "value": 0.1}),
    (2 * H, "throttled", {**_task(FILM_REFRESH), "reason": "threshold", "value": 0.4}),
    (3 * H, "launched", {**_task(FILM_REFRESH), "reason": "organic", "run": 1, "value": 7200.0}),
    (
        3 * H + 10 * S,
        "completed",
        {**_task(FILM_REFRESH), "reason": "success", "run": 1, "value": 10.0, "energy": 2.5},
    ),
    (3 * H + 10 * S, "submitted", {**_task(FILM_REFRESH), "reason": "handler_end", "value": 0.0}),
    (4 * H, "throttled", {**_task(FILM_REFRESH), "reason": "energy_budget", "value": 0.0}),
    (6 * H, "replaced", {**_task(FILM_REFRESH), "reason": "app_launch"}),
    (6 * H, "submitted", {**_task(FILM_REFRESH), "reason": "app_launch", "value": 0.0}),
    (8 * H, "launched", {**_task(FILM_REFRESH), "reason": "organic", "run": 2, "value": 300.0}),
    (
        8 * H + 30 * S,
        "expired",
        {**_task(FILM_REFRESH), "reason": "allowance", "run": 2, "value": 30.0},
    ),
    (
        8 * H + 36 * S,
        "killed",
        {**_task(FILM_REFRESH), "reason": "watchdog", "run": 2, "value": 36.0, "energy": 1.25},
    ),
    (9 * H, "submitted", {**_task(FILM_REFRESH), "reason": "app_background", "value": 0.0}),
    (10 * H, "submit_failed", {**_task(FILM_REFRESH), "reason": "notPermitted"}),
    (40 * H, "throttled", {**_task(FILM_REFRESH), "reason": "application", "value": 0.2}),
    # io.x.film.processing
    (2 * H, "submitted", {**_task(FILM_PROC), "reason": "app_background", "value": 450.0}),
    (
        23 * H + 30 * M,
        "launched",
        {**_task(FILM_PROC), "reason": "organic", "run": 3, "value": 76000.0},
    ),
    (
        23 * H + 31 * M,
        "killed",
        {**_task(FILM_PROC), "reason": "jetsam", "run": 3, "value": 60.0, "energy": 0.0},
    ),
    (24 * H, "submitted", {**_task(FILM_PROC), "reason": "app_background", "value": 450.0}),
    (25 * H, "launched", {**_task(FILM_PROC), "reason": "organic", "run": 4, "value": 3000.0}),
    (
        25 * H + 10 * M,
        "completed",
        {**_task(FILM_PROC), "reason": "failure", "run": 4, "value": 600.0, "energy": 0.0},
    ),
    (30 * H, "app_crashed", {"app": FILM, "task": FILM_PROC, "reason": "no_handler"}),
    # io.y.news.refresh
    (5 * H, "submitted", {**_task(NEWS_REFRESH), "reason": "app_background", "value": 0.0}),
    (10 * H, "throttled", {**_task(NEWS_REFRESH), "reason": "device_activity", "value": 0.0}),
    (20 * H, "cancelled", {**_task(NEWS_REFRESH), "reason": "force_quit"}),
    (21 * H, "submit_failed", {**_task(NEWS_REFRESH), "reason": "unavailable"}),
]


def events() -> tuple[Event, ...]:
    """The events in time order with sequence numbers, as the engine would emit them."""
    ordered = sorted(enumerate(RAW), key=lambda item: (item[1][0], item[0]))
    return tuple(
        Event(seq, t, kind, **fields) for seq, (_, (t, kind, fields)) in enumerate(ordered)
    )


def result(
    sc: Scenario | None = None,
    offsets: tuple[tuple[int, int], ...] = ((0, H),),
    evts: tuple[Event, ...] | None = None,
) -> ReplayResult:
    return ReplayResult(
        sc or scenario(), timeline(offsets), "ios-26", {}, events() if evts is None else evts
    )


EXPECTED: dict[tuple[str, str], float | list[float] | None] = {
    (FILM_REFRESH, "submits"): 4,
    (FILM_REFRESH, "submit_errors"): 1,
    (FILM_REFRESH, "replaced"): 1,
    (FILM_REFRESH, "launches"): 2,
    (FILM_REFRESH, "launches_per_day"): 1.0,
    (FILM_REFRESH, "completions"): 1,
    (FILM_REFRESH, "successes"): 1,
    (FILM_REFRESH, "failures"): 0,
    (FILM_REFRESH, "expirations"): 1,
    (FILM_REFRESH, "kills"): 1,
    (FILM_REFRESH, "kills.watchdog"): 1,
    (FILM_REFRESH, "kills.jetsam"): 0,
    # 1h application + 1h threshold + 2h energy_budget (until replaced) + 8h application (to end)
    (FILM_REFRESH, "throttled_time"): 12 * 3600.0,
    (FILM_REFRESH, "throttled_time.application"): 9 * 3600.0,
    (FILM_REFRESH, "throttled_time.threshold"): 3600.0,
    (FILM_REFRESH, "throttled_time.energy_budget"): 2 * 3600.0,
    (FILM_REFRESH, "launch_delay"): [7200.0, 300.0],
    (FILM_REFRESH, "runtime"): [10.0, 36.0],
    (FILM_REFRESH, "energy"): 3.75,
    (FILM_PROC, "launches"): 2,
    (FILM_PROC, "successes"): 0,
    (FILM_PROC, "failures"): 1,
    (FILM_PROC, "kills"): 1,
    (FILM_PROC, "kills.jetsam"): 1,
    (FILM_PROC, "throttled_time"): 0.0,
    (FILM_PROC, "launch_delay"): [76000.0, 3000.0],
    (FILM_PROC, "runtime"): [60.0, 600.0],
    (NEWS_REFRESH, "submits"): 1,
    (NEWS_REFRESH, "submit_errors"): 1,
    (NEWS_REFRESH, "launches"): 0,
    (NEWS_REFRESH, "throttled_time"): 10 * 3600.0,  # ended by the cancellation
    (NEWS_REFRESH, "throttled_time.device_activity"): 10 * 3600.0,
    (NEWS_REFRESH, "launch_delay"): [],
    (FILM, "opens"): 3,
    (FILM, "staleness_at_open"): [1800.0, 7200.0, 600.0],
    (FILM, "fresh_open_ratio"): 2 / 3,
    (FILM, "missed_changes_at_open"): [2.0, 5.0, 0.0],
    (FILM, "background_runtime"): 706.0,
    (FILM, "crashes"): 1,
    (NEWS, "opens"): 0,
    (NEWS, "fresh_open_ratio"): None,
    (NEWS, "staleness_at_open"): [],
    (NEWS, "background_runtime"): 0.0,
    (NEWS, "crashes"): 0,
    ("device", "unlocks_per_day"): 1.5,
    ("device", "plugged_hours_per_day"): 8.0,  # 7h + 8h + 1h over 2 days
    ("device", "min_battery"): 42.0,
}


class FakeWorld:
    """Stands in for ``api.load_scenario`` and ``api.replay`` in orchestration tests.

    ``expect`` maps a variant name to its expectations (``base`` for the scenario's own). A
    column whose variant is in ``fewer`` or whose overrides mention ``fewer`` loses the refresh
    run at 08:00 (launches 2 → 1); ``self.fewer_everywhere`` does that for every replay.
    """

    def __init__(
        self,
        expect: dict | None = None,
        variant_names: tuple[str, ...] = (),
        with_expect: tuple[str, ...] = (),
        fewer: tuple[str, ...] = (),
    ):
        self.expect = expect or {}
        self.variant_names = variant_names
        self.with_expect = with_expect
        self.fewer = set(fewer)
        self.fewer_everywhere = False
        self.loaded: list[tuple[str, str | None, tuple[str, ...]]] = []
        self.replayed: list[str] = []

    def load(self, path, variant=None, overrides=()):
        self.loaded.append((str(path), variant, tuple(overrides)))
        name = variant or "base"
        expect = (
            self.expect.get(name, self.expect.get("base"))
            if name in ("base", *self.with_expect)
            else self.expect.get("base")
        )
        return scenario(
            expect,
            variant=name,
            variant_names=self.variant_names,
            variants_with_expect=self.with_expect,
            overrides=tuple(overrides),
        )

    def replay(self, sc):
        self.replayed.append(sc.variant)
        fewer = (
            self.fewer_everywhere
            or sc.variant in self.fewer
            or any("fewer" in o for o in sc.overrides)
        )
        drop = {8 * H, 8 * H + 30 * S, 8 * H + 36 * S} if fewer else set()
        kept = tuple(e for e in events() if not (e.task == FILM_REFRESH and e.t in drop))
        return result(sc, evts=kept)
