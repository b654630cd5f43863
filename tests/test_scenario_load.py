"""The loader on whole scenarios: every SPEC §4 key read into the model, defaults, problems."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bgreplay.api import load_scenario
from bgreplay.errors import InputError
from bgreplay.scenario.model import DurationDist, EarliestBegin, Handler, NetworkUse, Submit

S, M, H, D = 1000, 60_000, 3_600_000, 86_400_000

FULL = """\
bgreplay: 1
name: Pixar film tracker — a commuter's week
description: free text
seed: 7
start: 2026-03-02T00:00
duration: 7d
timezone: Europe/Paris

device:
  model: ipad
  ios: 26.1
  memory_limit_mb: 3072
  background_app_refresh: false
  battery: {start: 55}
  history: 14d
  trace: traces/week.csv
  timeline:
    daily:
      - {unlocked: "07:30", for: 10m, app: io.cocoabytes.filmtracker}
      - {plugged: "23:00-07:00"}
      - {plugged: wireless, during: "12:00-13:00", days: [sat, sun]}
      - {network: wifi, during: "18:30-08:15"}
      - {thermal: fair, at: "14:00", for: 1h, days: weekends}
      - {unlocked: "12:30", for: 15m, days: weekdays, jitter: 20m}
      - {bar: "00:00-24:00", app: io.other}
    events:
      - {at: "2026-03-04T13:00", force_quit: io.cocoabytes.filmtracker}
      - {at: "2026-03-05T10:00", low_power_mode: 8h}
      - {at: "2026-03-06T14:00", thermal: serious, for: 45m}
      - {at: "2026-03-07T03:10", boot: true}
      - {at: "2026-03-03T09:00+09:00", battery: 55}
      - {at: "2026-03-03T10:00", timezone: Asia/Tokyo}
      - {at: "2026-03-03T11:00", unlocked: 5m, app: io.other}
      - {at: "2026-03-03T12:00", user_action: io.cocoabytes.filmtracker.export.hd}

apps:
  io.cocoabytes.filmtracker:
    background_modes: [fetch, processing]
    permitted_identifiers:
      - io.cocoabytes.filmtracker.refresh
      - io.cocoabytes.filmtracker.processing
      - io.cocoabytes.filmtracker.export.*
    entitlements: [continued_processing_gpu]
    registers: [io.cocoabytes.filmtracker.refresh]
    registration: late
    content: {changes_per_hour: 4}
    on_open: none
    tasks:
      io.cocoabytes.filmtracker.refresh:
        type: refresh
        earliest_begin: 2h
        submit:
          when: [app_background, handler_end]
          if_not_pending: true
        handler:
          duration: {median: 5s, p90: 20s}
          success_rate: 0.98
          completes: on_success
          expiration_handler: false
          on_expiration: ignore
          cancel_latency: 2s
          memory_mb: 30
          cpu: 0.3
          network: {requests: 2, bytes: 200KB}
      io.cocoabytes.filmtracker.processing:
        type: processing
        earliest_begin: {at: "03:00"}
        requires_network: true
        requires_external_power: true
        handler: {work: 40m, checkpoint: true, duration: {min: 2s, max: 9s}}
      io.cocoabytes.filmtracker.export.hd:
        type: continued_processing
        strategy: fail
        title: Exporting
        resources: [gpu]
        submit: {when: [user_action]}
        handler: {progress_every: 10s}
  io.cocoabytes.health:
    tasks:
      io.cocoabytes.health.study:
        type: health_research
        protection: complete

scheduler:
  profile: ios-18
  params: {expiration_grace: 5s}

expect:
  io.cocoabytes.filmtracker.refresh:
    launches_per_day: ">= 3"
    kills: "== 0"
  io.cocoabytes.filmtracker:
    staleness_at_open: ["p(90) < 3h", "max < 12h"]

variants:
  every-launch:
    apps/io.cocoabytes.filmtracker/tasks/*refresh/submit/when: [app_launch]
  short-delay:
    apps/*/tasks/*refresh/earliest_begin: 15m
"""


@pytest.fixture
def full(tmp_path: Path):
    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "week.csv").write_text("start,end,kind,value,subject\n")
    path = tmp_path / "full.yaml"
    path.write_text(FULL)
    return load_scenario(path)


def test_top_level_and_device(full, tmp_path: Path) -> None:
    s = full
    assert (s.name, s.description, s.seed, s.timezone) == (
        "Pixar film tracker — a commuter's week",
        "free text",
        7,
        "Europe/Paris",
    )
    assert s.start == datetime(2026, 3, 2) and s.duration_ms == 7 * D
    d = s.device
    assert (d.model, d.ios, d.memory_limit_mb, d.gpu, d.background_app_refresh) == (
        "ipad",
        "26.1",
        3072.0,
        True,
        False,
    )  # gpu defaults to true on iPad
    assert (d.battery_start, d.history, d.persona) == (55.0, 14, None)
    assert d.trace == (tmp_path / "traces" / "week.csv").resolve()
    assert (s.variant, s.variant_names) == ("base", ("every-launch", "short-delay"))
    assert s.warnings == ()


def test_inline_timeline(full) -> None:
    daily = full.device.timeline.daily
    assert [(e.kind, e.start_ms_of_day, e.length_ms, e.value) for e in daily] == [
        ("unlocked", 7 * H + 30 * M, 10 * M, None),
        ("plugged", 23 * H, 8 * H, None),
        ("plugged", 12 * H, H, "wireless"),
        ("network", 18 * H + 30 * M, 13 * H + 45 * M, "wifi"),
        ("thermal", 14 * H, H, "fair"),
        ("unlocked", 12 * H + 30 * M, 15 * M, None),
        ("bar", 0, D, None),
    ]
    assert daily[0].app == "io.cocoabytes.filmtracker" and daily[6].subject == "io.other"
    assert daily[2].days == {5, 6} and daily[4].days == {5, 6}
    assert daily[5].days == {0, 1, 2, 3, 4} and daily[5].jitter_ms == 20 * M
    assert (daily[1].location.line, daily[1].location.column) == (20, 9)
    events = full.device.timeline.events
    assert [(e.kind, e.length_ms, e.value, e.subject) for e in events] == [
        ("force_quit", None, None, "io.cocoabytes.filmtracker"),
        ("low_power_mode", 8 * H, None, None),
        ("thermal", 45 * M, "serious", None),
        ("boot", None, None, None),
        ("battery", None, "55", None),
        ("timezone", None, "Asia/Tokyo", None),
        ("unlocked", 5 * M, None, None),
        ("user_action", None, None, "io.cocoabytes.filmtracker.export.hd"),
    ]
    assert events[0].at == datetime(2026, 3, 4, 13) and events[4].at.utcoffset() == timedelta(
        hours=9
    )
    assert events[6].app == "io.other"


def test_apps_tasks_and_handlers(full) -> None:
    film, health = full.apps
    assert film.background_modes == ("fetch", "processing")
    assert film.entitlements == ("continued_processing_gpu",)
    assert film.registers == ("io.cocoabytes.filmtracker.refresh",)
    assert (film.registration, film.changes_per_hour, film.on_open) == ("late", 4.0, "none")
    refresh, processing, export = film.tasks
    assert refresh.earliest_begin == EarliestBegin(delay_ms=2 * H)
    assert refresh.submit == Submit(("app_background", "handler_end"), True)
    assert refresh.handler == Handler(
        duration=DurationDist("lognormal", median_ms=5 * S, p90_ms=20 * S),
        success_rate=0.98,
        completes="on_success",
        expiration_handler=False,
        on_expiration="ignore",
        cancel_latency_ms=2 * S,
        memory_mb=30.0,
        cpu=0.3,
        network=NetworkUse(requests=2, bytes=200_000),
    )
    assert processing.earliest_begin == EarliestBegin(at_ms_of_day=3 * H)
    assert processing.requires_network and processing.requires_external_power
    assert processing.handler.work_ms == 40 * M and processing.handler.checkpoint
    assert processing.handler.duration == DurationDist("uniform", min_ms=2 * S, max_ms=9 * S)
    assert (export.strategy, export.title, export.subtitle, export.resources) == (
        "fail",
        "Exporting",
        "io.cocoabytes.filmtracker.export.hd",
        ("gpu",),
    )
    assert export.handler.progress_every_ms == 10 * S
    [study] = health.tasks
    assert (study.type, study.protection, study.submit) == ("health_research", "complete", Submit())
    assert health.registers == "all" and health.changes_per_hour == 1.0


def test_scheduler_and_expectations(full) -> None:
    assert full.scheduler.profile == "ios-18"
    assert dict(full.scheduler.params) == {"expiration_grace": 5 * S}
    got = [(e.target, e.metric, e.text, e.location.line) for e in full.expect]
    assert got == [
        ("io.cocoabytes.filmtracker.refresh", "launches_per_day", ">= 3", 90),
        ("io.cocoabytes.filmtracker.refresh", "kills", "== 0", 91),
        ("io.cocoabytes.filmtracker", "staleness_at_open", "p(90) < 3h", 93),
        ("io.cocoabytes.filmtracker", "staleness_at_open", "max < 12h", 93),
    ]


def test_source_map_points_at_keys(full) -> None:
    loc = full.source.at(
        "apps",
        "io.cocoabytes.filmtracker",
        "tasks",
        "io.cocoabytes.filmtracker.refresh",
        "handler",
        "memory_mb",
    )
    assert (loc.line, loc.column) == (62, 11)
    # an unwritten key falls back to its nearest written ancestor
    loc = full.source.at(
        "apps", "io.cocoabytes.health", "tasks", "io.cocoabytes.health.study", "handler"
    )
    assert (loc.line, loc.column) == (80, 7)


def test_defaults_of_a_minimal_scenario(write_scenario) -> None:
    path = write_scenario(
        """\
        bgreplay: 1
        start: 2026-03-02T00:00
        duration: 1d
        apps:
          io.x:
            tasks:
              io.x.refresh: {type: refresh}
        """,
        name="minimal.yaml",
    )
    s = load_scenario(path)
    assert (s.name, s.seed, s.timezone, s.description) == ("minimal", 0, "UTC", "")
    d = s.device
    assert (d.model, d.ios, d.memory_limit_mb, d.gpu, d.background_app_refresh) == (
        "iphone",
        "26.1",
        2048.0,
        False,
        True,
    )
    assert (d.battery_start, d.history, d.trace, d.persona, d.timeline) == (
        80.0,
        "repeat",
        None,
        None,
        None,
    )
    [app] = s.apps
    assert (app.background_modes, app.permitted_identifiers, app.entitlements) == ((), (), ())
    assert (app.registers, app.registration, app.changes_per_hour, app.on_open) == (
        "all",
        "at_launch",
        1.0,
        "sync",
    )
    [task] = app.tasks
    assert task.earliest_begin.is_null and task.submit == Submit(("app_background",), False)
    assert task.handler == Handler()
    assert task.handler.duration.fixed_ms == 5 * S and task.handler.progress_every_ms == 5 * S
    assert s.scheduler.profile is None and dict(s.scheduler.params) == {}
    assert s.expect == () and s.variant_names == ()


def test_persona_takes_the_scenario_seed_unless_given(write_scenario) -> None:
    base = "bgreplay: 1\nstart: 2026-03-02T00:00\nduration: 1d\nseed: 9\ndevice:\n"
    s = load_scenario(write_scenario(base + "  persona: {name: light_user}\n"))
    assert (s.device.persona.name, s.device.persona.seed) == ("light_user", 9)
    s = load_scenario(write_scenario(base + "  persona: {name: light_user, seed: 3}\n"))
    assert s.device.persona.seed == 3


def test_start_with_an_offset_becomes_scenario_local(write_scenario) -> None:
    s = load_scenario(
        write_scenario(
            "bgreplay: 1\nstart: 2026-03-02T00:00Z\nduration: 1d\ntimezone: Asia/Tokyo\n"
        )
    )
    assert s.start == datetime(2026, 3, 2, 9, 0)


def test_task_key_without_bundle_prefix_is_a_warning(write_scenario) -> None:
    s = load_scenario(
        write_scenario("""\
        bgreplay: 1
        start: 2026-03-02T00:00
        duration: 1d
        apps:
          io.x:
            tasks:
              com.other.refresh: {type: refresh}
        """)
    )
    [w] = s.warnings
    assert "does not start with its app's bundle id 'io.x'" in w.message
    assert (w.location.line, w.location.column) == (7, 7)


def test_profile_file_resolves_against_the_scenario(tmp_path: Path, write_scenario) -> None:
    (tmp_path / "mine.yaml").write_text("base: ios-26\n")
    s = load_scenario(
        write_scenario(
            "bgreplay: 1\nstart: 2026-03-02T00:00\nduration: 1d\nscheduler: {profile: mine.yaml}\n"
        )
    )
    assert s.scheduler.profile == str((tmp_path / "mine.yaml").resolve())


def messages(path: Path) -> list[str]:
    with pytest.raises(InputError) as err:
        load_scenario(path)
    return [p.message for p in err.value.problems]


HEAD = "bgreplay: 1\nstart: 2026-03-02T00:00\nduration: 1d\n"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("scheduler: {profile: ios-27}\n", "did you mean 'ios-26'"),
        ("scheduler: {params: {expiration_grase: 5s}}\n", "did you mean 'expiration_grace'"),
        ("scheduler: {params: {expiration_grace: 5}}\n", "5 has no unit"),
        ("device: {history: 36h}\n", "whole number of days"),
        ("device: {ios: 12.4}\n", "no BGTaskScheduler"),
        ("device: {model: iphon}\n", "did you mean 'iphone'"),
        ("device: {battery: {start: 120}}\n", "outside 0..100"),
        ("device: {memory_limit_mb: -1}\n", "above 0"),
        ("device: {persona: {name: office_workr}}\n", "did you mean 'office_worker'"),
        ("device: {timeline: {daily: [{unlocked: '07:30'}]}}\n", "needs for:"),
        ("device: {timeline: {daily: [{unlocked: '07:30', for: 25h}]}}\n", "longer than a day"),
        (
            "device: {timeline: {daily: [{network: wlan, during: '08:00-09:00'}]}}\n",
            "not a network value",
        ),
        ("device: {timeline: {daily: [{network: wifi}]}}\n", "needs a time"),
        ("device: {timeline: {daily: [{plugged: '07:00-07:00'}]}}\n", "same time"),
        (
            "device: {timeline: {daily: [{unlocked: '07:00-08:00', days: [mon, fry]}]}}\n",
            "not a day",
        ),
        (
            "device: {timeline: {daily: [{unlocked: '07:00-08:00', plugged: '07:00-08:00'}]}}\n",
            "exactly one channel key",
        ),
        ("device: {timeline: {daily: [{boot: true}]}}\n", "cannot be used here"),
        (
            "device: {timeline: {daily: [{screen: '07:00-08:00', app: io.x}]}}\n",
            "'app' is not used with screen",
        ),
        ("device: {timeline: {events: [{force_quit: io.x}]}}\n", "needs at:"),
        (
            "device: {timeline: {events: [{at: '2026-03-02T08:00', boot: false}]}}\n",
            "write boot: true",
        ),
        (
            "device: {timeline: {events: [{at: '2026-03-02T08:00', thermal: serious}]}}\n",
            "needs for:",
        ),
        (
            "device: {timeline: {events: [{at: '2026-03-02T08:00', unlocked: true}]}}\n",
            "give its length",
        ),
        (
            "device: {timeline: {events: [{at: '2026-03-02T08:00', battery: 101}]}}\n",
            "outside 0..100",
        ),
        (
            "device: {timeline: {events: [{at: '2026-03-02T08:00', timezone: Mars/Base}]}}\n",
            "unknown time zone",
        ),
        (
            "device: {timeline: {events: [{at: '2026-03-02T08:00', boot: true, for: 1m}]}}\n",
            "point event",
        ),
        (
            "device: {timeline: {events: [{at: '2026-03-02T08:00', lowpower: 1h}]}}\n",
            "did you mean 'low_power_mode'",
        ),
        ("expect: {io.x: {opens: 3}}\n", "expected a check"),
        ("apps: {io.x: {background_modes: [fetc]}}\n", "did you mean 'fetch'"),
        ("apps: {io.x: {registers: some}}\n", "'all' or a list"),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: refresh, handler: {duration: {median: 9s, "
            "p90: 2s}}}}}}\n",
            "p90 is below the median",
        ),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: refresh, handler: {duration: {mean: 9s}}}}}}\n",
            "{median, p90} or {min, max}",
        ),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: refresh, handler: {network: {requests: 0}}}}}}\n",
            "outside 1..",
        ),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: refresh, handler: {work: 40m}}}}}\n",
            "'work' applies only to processing-family tasks",
        ),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: processing, handler: {progress_every: 5s}}}}}\n",
            "'progress_every' applies only to continued_processing",
        ),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: refresh, protection: none}}}}\n",
            "BGAppRefreshTaskRequest has no such property",
        ),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: refresh, submit: {when: [launch]}}}}}\n",
            "not a submit trigger",
        ),
        (
            "apps: {io.x: {tasks: {io.x.r: {type: refresh}}}, io.y: {tasks: {io.x.r: "
            "{type: refresh}}}}\n",
            "also declared under app 'io.x'",
        ),
        ("apps: {io.x: {tasks: {io.x.r: {earliest_begin: 1h}}}}\n", "missing required key"),
    ],
)
def test_problems(write_scenario, body: str, words: str) -> None:
    found = messages(write_scenario(HEAD + body))
    assert any(words in m for m in found), found


def test_no_input_makes_anything_but_an_input_error(tmp_path: Path) -> None:
    """Random edits of a full scenario: each either loads or raises InputError, never a crash."""
    import random

    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "week.csv").write_text("start,end,kind,value,subject\n")
    path = tmp_path / "fuzz.yaml"
    rng = random.Random(4)
    alphabet = " :-[]{}\n,'\"&*!#|>%@`0123456789abxyz.\t"
    for _ in range(150):
        chars = list(FULL)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.4:
                chars[pos] = rng.choice(alphabet)
            elif op < 0.7:
                del chars[pos]
            else:
                chars.insert(pos, rng.choice(alphabet))
        path.write_text("".join(chars))
        try:
            load_scenario(path)
        except InputError as exc:
            assert all(p.location.file for p in exc.problems)
