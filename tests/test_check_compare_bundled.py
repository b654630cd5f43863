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
    flagship.write_text(flagship.read_text().replace('launches_per_day: ">= 2"',
                                                     'launches_per_day: ">= 40"'))
    junit = tmp_path / "junit.xml"
    code, out, err = run_cli("check", str(copy / "*.yaml"), "--junit", str(junit))
    assert code == 1, err
    failed = [line for line in out.splitlines() if "✗" in line]
    assert len(failed) == 1 and "launches_per_day" in failed[0] and ">= 40" in failed[0]
    assert "2.57" in failed[0]  # the measured value beside the threshold
    root = ET.fromstring(junit.read_bytes())
    failures = root.findall(".//failure")
    assert len(failures) == 1 and "measured 2.57" in failures[0].get("message")


def test_baseline_round_trip_on_the_flagship(tmp_path, run_cli):
    baseline = tmp_path / "baseline.json"
    flagship = "scenarios/pixar-film-tracker.yaml"
    assert run_cli("check", flagship, "--baseline", str(baseline), "--update-baseline")[0] == 0
    assert run_cli("check", flagship, "--baseline", str(baseline))[0] == 0
    copy = tmp_path / "pixar-film-tracker.yaml"
    copy.write_text((ROOT / flagship).read_text().replace("earliest_begin: 2h",
                                                          "earliest_begin: 6h"))
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
    assert (_column(comparison, "fixed", "staleness_at_open.p50", app)
            < _column(comparison, "when=[app_launch]", "staleness_at_open.p50", app))


def test_on_launch_starves_the_flagship_refresh_in_the_seeds_direction():
    """The seed: submitting on every launch "resets the scheduling timer and can delay your task
    execution"; on background it does not. A pre-warm (F93) runs the launch code ahead of each
    predicted open and replaces the request dasd meant to run before it (docs/model.md)."""
    comparison = api.compare("scenarios/pixar-film-tracker.yaml", vary=[VARY_WHEN])
    task, app = "io.cocoabytes.filmtracker.refresh", "io.cocoabytes.filmtracker"
    launch, background = "when=[app_launch]", "when=[app_background]"
    assert (_column(comparison, launch, "launches_per_day", task)
            < _column(comparison, background, "launches_per_day", task) / 2)
    for metric in ("staleness_at_open.p50", "staleness_at_open.p90"):
        assert (_column(comparison, launch, metric, app)
                > 2 * _column(comparison, background, metric, app))
    # without pre-warms the two triggers are alike: each one replaces the pending request (F14)
    alike = api.compare("scenarios/pixar-film-tracker.yaml", vary=[VARY_WHEN],
                        overrides=["scheduler/params/prewarm_lead=0s"])
    assert (_column(alike, launch, "launches_per_day", task)
            == _column(alike, background, "launches_per_day", task))


def test_compare_cli_prints_the_two_strategies_in_the_seeds_direction(run_cli):
    """The acceptance command, from the shell: the two --vary columns come first; with
    --no-scenario-variants they are the only ones."""
    base = ["compare", "scenarios/pixar-film-tracker.yaml", "--vary", VARY_WHEN,
            "--format", "json"]
    for extra, names in (([], 5), (["--no-scenario-variants"], 2)):
        code, out, err = run_cli(*base, *extra)
        assert code == 0, err
        data = json.loads(out)
        columns = [c["name"] for c in data["columns"]]
        assert len(columns) == names and columns[:2] == ["when=[app_launch]",
                                                         "when=[app_background]"]
        values = {(r["target"], r["metric"]): r["values"] for r in data["rows"]}
        launches = values[("io.cocoabytes.filmtracker.refresh", "launches_per_day")]
        stale = values[("io.cocoabytes.filmtracker", "staleness_at_open.p90")]
        assert launches["when=[app_launch]"] < launches["when=[app_background]"]
        assert stale["when=[app_launch]"] > stale["when=[app_background]"]
