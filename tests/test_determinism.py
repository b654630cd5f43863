"""SPEC §6.11: the same scenario, seed and options give an identical event log — across repeated
runs, string-hash seeds (``PYTHONHASHSEED``), host time zones (``TZ``) — and adding an app never
changes another app's events."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from engine_fixtures import run
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_engine_properties import worlds

from bgreplay import api
from bgreplay.analysis.frame import events_frame

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
ENVIRONMENTS = [  # (PYTHONHASHSEED, TZ)
    ("0", "UTC"),
    ("random", "Pacific/Auckland"),
    ("4242", "America/Los_Angeles"),
]
TRACE_SCENARIO = """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
timezone: Europe/Paris
seed: 11
device: {trace: %s, history: repeat}
apps:
  io.cocoabytes.filmtracker:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.cocoabytes.filmtracker.refresh, io.cocoabytes.filmtracker.sync]
    tasks:
      io.cocoabytes.filmtracker.refresh:
        type: refresh
        earliest_begin: 30m
        submit: {when: [app_background, handler_start]}
        handler: {duration: {median: 4s, p90: 20s}, success_rate: 0.9}
      io.cocoabytes.filmtracker.sync:
        type: processing
        requires_external_power: true
        handler: {duration: {min: 1m, max: 9m}}
"""
PERSONA_SCENARIO = """\
bgreplay: 1
start: 2026-03-26T07:00
duration: 5d
timezone: America/New_York
seed: 4
device: {persona: {name: heavy_user, seed: 9}}
apps:
  io.x:
    background_modes: [fetch]
    permitted_identifiers: [io.x.refresh]
    tasks:
      io.x.refresh: {type: refresh, earliest_begin: 15m, handler: {duration: {min: 1s, max: 40s}}}
"""


def _env(hashseed: str, tz: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHASHSEED", "TZ")}
    return {**env, "PYTHONHASHSEED": hashseed, "TZ": tz, "NO_COLOR": "1", "COLUMNS": "100"}


def _run_jsonl(scenario: Path, hashseed: str, tz: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", "run", str(scenario), "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=_env(hashseed, tz),
    )
    assert done.returncode == 0, done.stderr
    return hashlib.sha256(done.stdout.encode()).hexdigest()


HASH_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    from bgreplay import api
    from bgreplay.analysis.frame import events_frame
    for path in sys.argv[1:]:
        scenario = api.load_scenario(path)
        for name in ("base", *scenario.variant_names):
            variant = api.load_scenario(path, variant=name) if name != "base" else scenario
            frame = events_frame(api.replay(variant), variant=name)
            digest = hashlib.sha256(frame.write_ndjson().encode()).hexdigest()
            print(path, name, frame.height, digest)
""")


@pytest.fixture(scope="module")
def extra_scenarios(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("determinism")
    csv_path = folder / "trace.yaml"
    csv_path.write_text(TRACE_SCENARIO % (ROOT / "traces" / "commuter-week.csv"), encoding="utf-8")
    parquet_path = folder / "parquet.yaml"
    parquet_path.write_text(
        TRACE_SCENARIO.replace("2026-03-02", "2026-03-02")
        % (ROOT / "traces" / "night-shift-week.parquet"),
        encoding="utf-8",
    )
    persona = folder / "persona.yaml"
    persona.write_text(PERSONA_SCENARIO, encoding="utf-8")
    return [csv_path, parquet_path, persona]


def test_run_jsonl_is_identical_across_hash_seeds_and_host_time_zones():
    flagship = SCENARIOS / "pixar-film-tracker.yaml"
    spring = SCENARIOS / "spring-forward.yaml"
    for scenario in [p for p in (flagship, spring) if p.exists()]:
        digests = {_run_jsonl(scenario, seed, tz) for seed, tz in ENVIRONMENTS}
        assert len(digests) == 1, f"{scenario.name}: {len(digests)} different event logs"


# two halves: xdist runs them side by side. The field scenarios (half a year of a persona, some)
# are replayed by test_field_calibration; one of them stands for their mechanisms here.
@pytest.mark.parametrize("half", [0, 1])
def test_every_scenario_and_variant_is_identical_across_environments(extra_scenarios, half):
    paths = (
        sorted(str(p) for p in SCENARIOS.rglob("*.yaml") if p.parent.name != "field")
        + [str(SCENARIOS / "field" / "fo01-processing-overnight-spacing.yaml")]
        + [str(p) for p in extra_scenarios]
    )[half::2]
    outputs = []
    for seed, tz in ENVIRONMENTS:
        done = subprocess.run(
            [sys.executable, "-c", HASH_SCRIPT, *paths],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=ROOT,
            env=_env(seed, tz),
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0].count("\n") >= len(paths)
    assert outputs[1:] == outputs[:1] * (len(outputs) - 1), "\n".join(outputs)


def test_repeated_replays_in_one_process_are_identical(extra_scenarios):
    for path in [SCENARIOS / "pixar-film-tracker.yaml", *extra_scenarios]:
        scenario = api.load_scenario(path)
        first = api.replay(scenario)
        second = api.replay(api.load_scenario(path))
        assert first.events == second.events
        assert events_frame(first).equals(events_frame(second))


# --- an added app does not change another app's events ------------------------------------------


def _without_seq(events, keep) -> list[tuple]:
    """The kept events without the replay-wide counters: ``seq``, and the request and run
    numbers, which count every app's requests and runs (runs are renumbered in order)."""
    runs: dict[int, int] = {}
    out = []
    for e in events:
        if keep(e):
            run = None if e.run is None else runs.setdefault(e.run, len(runs))
            detail = re.sub(r"request \d+", "request #", e.detail or "")
            out.append((e.t, e.event, e.app, e.task, e.task_type, e.reason, run, e.value, detail))
    return out


def _replay_doc(tmp_path: Path, doc: dict, name: str):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return api.replay(api.load_scenario(path))


PODCASTS = {
    "background_modes": ["fetch", "processing"],
    "permitted_identifiers": ["com.apple.podcasts.refresh", "com.apple.podcasts.download"],
    "content": {"changes_per_hour": 6},
    "tasks": {
        "com.apple.podcasts.refresh": {
            "type": "refresh",
            "earliest_begin": "20m",
            "submit": {"when": ["app_background", "handler_start"]},
            "handler": {"duration": {"median": "3s", "p90": "25s"}, "success_rate": 0.8},
        },
        "com.apple.podcasts.download": {
            "type": "processing",
            "requires_network": True,
            "handler": {"duration": {"min": "1m", "max": "20m"}, "memory_mb": 40},
        },
    },
}


@pytest.mark.parametrize(
    "scenario", ["pixar-film-tracker.yaml", "health-study.yaml", "media-transcode.yaml"]
)
def test_adding_an_app_changes_no_other_apps_events(tmp_path, scenario):
    """The podcasts app is opened in the flagship's trace; giving it tasks of its own must not
    move a single event of the other apps or of the device (compared without ``seq``)."""
    doc = yaml.safe_load((SCENARIOS / scenario).read_text(encoding="utf-8"))
    doc.pop("variants", None)
    before = _replay_doc(tmp_path, doc, "before.yaml")
    doc["apps"]["com.apple.podcasts"] = PODCASTS
    after = _replay_doc(tmp_path, doc, "after.yaml")
    others = [a for a in doc["apps"] if a != "com.apple.podcasts"]

    def keep(e):
        return e.app in others or (e.app is None and e.task is None)

    old, new = _without_seq(before.events, keep), _without_seq(after.events, keep)
    assert old == new, next(
        (
            f"first difference at {i}: {a} != {b}"
            for i, (a, b) in enumerate(zip(old, new, strict=False))
            if a != b
        ),
        "lengths differ",
    )
    assert (
        any(e.app == "com.apple.podcasts" and e.event == "submitted" for e in after.events)
        or scenario != "pixar-film-tracker.yaml"
    )


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(worlds(), st.sampled_from(["ios-26", "ideal"]))
def test_removing_an_app_changes_no_other_apps_events_on_random_worlds(world, profile):
    """Engine level: any world with two apps (the second without continued processing, whose
    concurrency limit is shared by design, F102), replayed with and without the second app."""
    sc, tl = world
    assume(len(sc.apps) == 2 and all(t.type != "continued_processing" for t in sc.apps[1].tasks))
    alone = dataclasses.replace(sc, apps=sc.apps[:1])
    first = sc.apps[0].bundle

    def keep(e):
        return e.app == first or (e.app is None and e.task is None)

    both_log = _without_seq(run(sc, tl, profile=profile).events, keep)
    alone_log = _without_seq(run(alone, tl, profile=profile).events, keep)
    assert both_log == alone_log
