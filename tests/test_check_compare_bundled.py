"""`check` and `compare` on the bundled scenarios, as a CI job and a team would use them."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from bgreplay import api

ROOT = Path(__file__).resolve().parents[1]
VARY_WHEN = "apps/*/tasks/*refresh/submit/when=[app_launch],[app_background]"


def test_bundled_scenarios_pass_and_one_impossible_expectation_fails(tmp_path, run_cli):
    code, out, err = run_cli("check", "scenarios/*.yaml")
    assert code == 0, out + err
    copy = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", copy)
    shutil.copytree(ROOT / "traces", tmp_path / "traces")
    flagship = copy / "pixar-film-tracker.yaml"
    flagship.write_text(
        flagship.read_text().replace('launches_per_day: ">= 2"', 'launches_per_day: ">= 40"')
    )
    junit = tmp_path / "junit.xml"
    code, out, err = run_cli("check", str(copy / "*.yaml"), "--junit", str(junit))
    assert code == 1, err
    failed = [line for line in out.splitlines() if "✗" in line]
    assert len(failed) == 1 and "launches_per_day" in failed[0] and ">= 40" in failed[0]
    assert "2.29" in failed[0]  # the measured value beside the threshold
    root = ET.fromstring(junit.read_bytes())
    failures = root.findall(".//failure")
    assert len(failures) == 1 and "measured 2.29" in failures[0].get("message")


def test_baseline_round_trip_on_the_flagship(tmp_path, run_cli):
    baseline = tmp_path / "baseline.json"
    flagship = "scenarios/pixar-film-tracker.yaml"
    assert run_cli("check", flagship, "--baseline", str(baseline), "--update-baseline")[0] == 0
    assert run_cli("check", flagship, "--baseline", str(baseline))[0] == 0
    copy = tmp_path / "pixar-film-tracker.yaml"
    copy.write_text(
        (ROOT / flagship).read_text().replace("earliest_begin: 2h", "earliest_begin: 6h")
    )
    stored = json.loads(baseline.read_text())
    stored["scenarios"][str(Path("..") / copy.name)] = stored["scenarios"].popitem()[1]
    moved = tmp_path / "sub" / "baseline.json"
    moved.parent.mkdir()
    moved.write_text(json.dumps(stored))
    code, out, err = run_cli("check", str(copy), "--baseline", str(moved))
    assert code == 1, err
    assert "launches_per_day" in out and "→" in out


def _column(comparison, name: str, metric: str, target: str) -> float:
    doc = comparison.to_dict()
    row = next(r for r in doc["rows"] if r["metric"] == metric and r["target"] == target)
    return row["values"][name]


def test_resetting_the_timer_is_what_starves_a_frequent_opener():
    """The seed: "do not submit on every launch"; check pending requests first (F14)."""
    path = "scenarios/pitfalls/submit-on-every-launch.yaml"
    comparison = api.compare(path, vary=[VARY_WHEN])
    task, app = "io.cocoabytes.filmtracker.refresh", "io.cocoabytes.filmtracker"
    on_launch = _column(comparison, "when=[app_launch]", "launches_per_day", task)
    fixed = _column(comparison, "fixed", "launches_per_day", task)
    assert fixed > 3 * on_launch
    assert _column(comparison, "fixed", "staleness_at_open.p50", app) < _column(
        comparison, "when=[app_launch]", "staleness_at_open.p50", app
    )


UPPER_PREWARM = [
    "scheduler/params/prewarm_chance=1",
    "scheduler/params/prewarm_launch_code_share=1",
    "scheduler/params/process_residency=0s",
]


def test_on_launch_gets_no_more_than_on_background_and_pre_warms_bound_the_harm():
    """The seed: submitting on every launch "resets the scheduling timer and can delay your task
    execution" — so not more refreshes than submitting on background. Pre-warms are rare (FO5)
    and only sometimes run the launch code (FO7): not a wipe-out. At today's named upper bound
    (every predicted open pre-warmed, running the launch code) the harm is at its worst."""
    task, app = "io.cocoabytes.filmtracker.refresh", "io.cocoabytes.filmtracker"
    launch, background = "when=[app_launch]", "when=[app_background]"
    comparison = api.compare("scenarios/pixar-film-tracker.yaml", vary=[VARY_WHEN])
    on_launch = _column(comparison, launch, "launches_per_day", task)
    on_background = _column(comparison, background, "launches_per_day", task)
    assert 0.5 * on_background < on_launch <= on_background
    worst = api.compare(
        "scenarios/pixar-film-tracker.yaml", vary=[VARY_WHEN], overrides=UPPER_PREWARM
    )
    assert (
        _column(worst, launch, "launches_per_day", task)
        < _column(worst, background, "launches_per_day", task) / 2
    )
    assert _column(worst, launch, "staleness_at_open.p50", app) > 2 * _column(
        worst, background, "staleness_at_open.p50", app
    )
    # without pre-warms the two triggers are alike: each one replaces the pending request (F14)
    alike = api.compare(
        "scenarios/pixar-film-tracker.yaml",
        vary=[VARY_WHEN],
        overrides=["scheduler/params/prewarm_lead=0s"],
    )
    assert _column(alike, launch, "launches_per_day", task) == _column(
        alike, background, "launches_per_day", task
    )


PERSONA_MONTH = """\
bgreplay: 1
name: A month of an office worker with the film tracker
seed: {seed}
start: 2026-03-02T00:00
duration: 28d
timezone: Europe/Paris
device:
  persona: {{name: office_worker, seed: {seed}}}
apps:
  io.cocoabytes.filmtracker:
    background_modes: [fetch]
    permitted_identifiers: [io.cocoabytes.filmtracker.refresh]
    content: {{changes_per_hour: 2}}
    tasks:
      io.cocoabytes.filmtracker.refresh:
        type: refresh
        earliest_begin: 2h
        submit: {{when: [app_background, handler_start]}}
        handler:
          duration: {{median: 4s, p90: 12s}}
          network: {{requests: 1, bytes: 40KB}}
"""


def test_on_a_persona_month_on_launch_is_neither_better_nor_a_wipe_out(tmp_path):
    """Three office workers' months: the two triggers give the same refreshes within a month's
    noise (a submit at the open starts the timer a session earlier than one at the close); the
    rare pre-warms that run the launch code cost a little (FO5, FO7)."""
    task = "io.cocoabytes.filmtracker.refresh"
    launch, background = "when=[app_launch]", "when=[app_background]"
    totals = {launch: 0.0, background: 0.0}
    for seed in (3, 4, 5):
        path = tmp_path / f"month-{seed}.yaml"
        path.write_text(PERSONA_MONTH.format(seed=seed), encoding="utf-8")
        comparison = api.compare(path, vary=[VARY_WHEN])
        for name in totals:
            totals[name] += _column(comparison, name, "launches_per_day", task)
    assert 0.5 * totals[background] < totals[launch] <= 1.03 * totals[background]


def test_compare_cli_prints_the_two_strategies_in_the_seeds_direction(run_cli):
    """The acceptance command, from the shell: the two --vary columns come first; with
    --no-scenario-variants they are the only ones."""
    base = ["compare", "scenarios/pixar-film-tracker.yaml", "--vary", VARY_WHEN, "--format", "json"]
    for extra, names in (([], 5), (["--no-scenario-variants"], 2)):
        code, out, err = run_cli(*base, *extra)
        assert code == 0, err
        data = json.loads(out)
        columns = [c["name"] for c in data["columns"]]
        assert len(columns) == names and columns[:2] == [
            "when=[app_launch]",
            "when=[app_background]",
        ]
        values = {(r["target"], r["metric"]): r["values"] for r in data["rows"]}
        launches = values[("io.cocoabytes.filmtracker.refresh", "launches_per_day")]
        assert 0 < launches["when=[app_launch]"] <= launches["when=[app_background]"]
