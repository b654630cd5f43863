"""Baselines: tolerances, snapshots, comparison, and the update → check round trip."""

from __future__ import annotations

import json

import pytest
from analysis_fixtures import FILM, FILM_REFRESH, FakeWorld, result, scenario

from bgreplay.analysis.baseline import (
    Change,
    Tolerance,
    compare_snapshots,
    parse_tolerances,
    read_baseline,
    render_baseline,
    scenario_key,
    snapshot,
)
from bgreplay.analysis.check import run_check
from bgreplay.analysis.frame import events_frame
from bgreplay.analysis.metrics import compute_metrics
from bgreplay.errors import InputError


def snap():
    return snapshot(compute_metrics(events_frame(result()), scenario()))


# -- tolerances --------------------------------------------------------------------------------


def test_default_tolerance_is_five_percent_relative():
    tols = parse_tolerances([])
    assert tols.for_key("launches") == Tolerance(0.05)
    assert tols.default.allows(100.0, 105.0, "count")
    assert not tols.default.allows(100.0, 105.1, "count")
    assert not tols.default.allows(0.0, 0.01, "count")  # any move away from 0


def test_tolerance_overrides_and_precedence():
    tols = parse_tolerances(
        ["10%", "launch_delay=30s", "launch_delay.p90=1m", "kills.*=1", "kills=2"]
    )
    assert tols.default.amount == pytest.approx(0.10)
    assert tols.for_key("launch_delay.p50").amount == 30.0
    assert tols.for_key("launch_delay.p90").amount == 60.0  # later and more specific
    assert tols.for_key("kills.jetsam").amount == 1.0
    assert tols.for_key("kills").amount == 2.0
    assert tols.for_key("successes").amount == pytest.approx(0.10)
    assert not tols.for_key("launch_delay.p50").relative


def test_duration_tolerance_on_an_hours_metric_is_converted():
    tol = parse_tolerances(["plugged_hours_per_day=30m"]).for_key("plugged_hours_per_day")
    assert tol.allows(8.0, 8.5, "hours") and not tol.allows(8.0, 8.6, "hours")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("five", "cannot read the tolerance"),
        ("-5%", "negative"),
        ("lunches=5%", "did you mean 'launches'"),
        ("kills=abc", "cannot read"),
    ],
)
def test_bad_tolerances_are_input_errors(spec, message):
    with pytest.raises(InputError) as info:
        parse_tolerances([spec])
    assert message in info.value.render()


# -- snapshots and comparison ------------------------------------------------------------------


def test_snapshot_holds_scalars_and_distribution_summaries():
    s = snap()
    assert s[FILM_REFRESH]["launches"] == 2.0
    assert set(k for k in s[FILM] if k.startswith("staleness_at_open")) == {
        "staleness_at_open.p50",
        "staleness_at_open.p90",
        "staleness_at_open.max",
        "staleness_at_open.count",
    }
    assert s[FILM]["fresh_open_ratio"] == 0.666667
    assert s["io.y.news"]["fresh_open_ratio"] is None


def test_identical_snapshots_have_no_changes():
    assert compare_snapshots(snap(), snap(), parse_tolerances([])) == []


def test_a_move_beyond_tolerance_is_listed_with_old_and_new():
    old, new = snap(), snap()
    new[FILM_REFRESH]["launches"] = 1.0
    new[FILM_REFRESH]["successes"] = 1.04  # +4 %: within 5 %
    new[FILM]["staleness_at_open.p90"] = 1.5 * old[FILM]["staleness_at_open.p90"]
    changes = compare_snapshots(old, new, parse_tolerances([]), scenario="s.yaml")
    assert [(c.target, c.key) for c in changes] == [
        (FILM, "staleness_at_open.p90"),
        (FILM_REFRESH, "launches"),
    ]
    stale, launches = changes
    assert launches.text == "2 → 1" and launches.direction == "worse"
    assert stale.direction == "worse" and stale.text == "1h42m → 2h33m"


def test_improvements_are_regressions_too_but_say_better():
    old, new = snap(), snap()
    new[FILM_REFRESH]["kills"] = 0.0
    (change,) = compare_snapshots(old, new, parse_tolerances([]))
    assert change.direction == "better" and change.text == "1 → 0"


def test_new_and_vanished_metrics_and_no_data():
    old, new = snap(), snap()
    del old[FILM]["opens"]
    del new[FILM]["crashes"]
    new["io.y.news"]["fresh_open_ratio"] = 0.5
    new[FILM_REFRESH]["throttled_time.thermal"] = 0.0  # a family member absent before = 0
    changes = {c.key: c for c in compare_snapshots(old, new, parse_tolerances([]))}
    assert set(changes) == {"opens", "crashes", "fresh_open_ratio"}
    assert changes["opens"].missing == "old" and changes["opens"].text == "— → 3"
    assert changes["crashes"].missing == "new" and changes["crashes"].text == "1 → —"
    assert changes["fresh_open_ratio"].text == "n/a → 0.5"
    assert changes["fresh_open_ratio"].direction == "changed"


def test_change_to_dict():
    c = Change("s.yaml", "base", FILM_REFRESH, "launch_delay.p50", 10.0, 20.0, "5%")
    d = c.to_dict()
    assert (
        d["change"] == "10s → 20s"
        and d["direction"] == "worse"
        and d["metric"] == "launch_delay.p50"
    )


# -- the file ----------------------------------------------------------------------------------


def test_render_is_sorted_and_stable():
    text = render_baseline({"b.yaml": {"base": snap()}, "a.yaml": {"base": {}}})
    assert text.endswith("}\n")
    doc = json.loads(text)
    assert list(doc["scenarios"]) == ["a.yaml", "b.yaml"]
    assert text == render_baseline(json.loads(text)["scenarios"])


def test_scenario_key_is_relative_to_the_baseline_folder(tmp_path):
    (tmp_path / "ci").mkdir()
    key = scenario_key(tmp_path / "scenarios" / "x.yaml", tmp_path / "ci" / "baseline.json")
    assert key == "../scenarios/x.yaml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline file not found"),
        ("{not json", "not valid JSON"),
        ('{"scenarios": {}}', "not a bgreplay baseline"),
        ('{"bgreplay_baseline": 1, "scenarios": {"a": {"base": {"t": {"m": "x"}}}}}', "malformed"),
    ],
)
def test_bad_baseline_files_are_input_errors(tmp_path, content, message):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as info:
        read_baseline(path)
    assert message in info.value.render()
    assert "--update-baseline" in info.value.render()


def test_round_trip_update_then_check_then_regression(tmp_path):
    world = FakeWorld({"base": {FILM_REFRESH: {"launches": ">= 1"}}}, variant_names=("alt",))
    base_file = tmp_path / "baseline.json"
    scen = str(tmp_path / "film.yaml")

    def check(**kw):
        return run_check(
            [scen], load=world.load, replay=world.replay, baseline=str(base_file), **kw
        )

    with pytest.raises(InputError, match="baseline file not found"):
        check()
    assert world.replayed == []  # bad input is found before any replay

    report = check(update_baseline=True)
    assert report.outcome.exit_code == 0 and report.baseline_updated
    doc = json.loads(base_file.read_text())
    assert set(doc["scenarios"]["film.yaml"]) == {"base", "alt"}  # every variant is stored
    assert doc["scenarios"]["film.yaml"]["base"][FILM_REFRESH]["launches"] == 2.0

    report = check()
    assert report.outcome.exit_code == 0 and report.regressions == []

    world.fewer_everywhere = True  # launches 2 → 1 in every variant
    report = check()
    assert report.outcome.exit_code == 1
    texts = {(c.variant, c.key): c.text for c in report.regressions}
    assert texts[("base", "launches")] == "2 → 1"
    assert texts[("alt", "launches_per_day")] == "1 → 0.5"
    assert all(r.passed for c in report.checks for r in c.results)  # expectations still pass

    report = check(tolerances=["100%"])  # only what lost its data altogether is left
    assert {c.text.split(" → ")[1] for c in report.regressions} == {"n/a"}
    assert {c.key.split(".")[0] for c in report.regressions} == {
        "launch_spacing",
        "time_to_expiration",
    }

    check(update_baseline=True)  # accept the new level
    assert check().outcome.exit_code == 0


def test_update_keeps_other_scenarios_and_missing_entries_are_input_errors(tmp_path):
    world = FakeWorld()
    base_file = tmp_path / "baseline.json"
    a, b = str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")
    run_check(
        [a], load=world.load, replay=world.replay, baseline=str(base_file), update_baseline=True
    )
    run_check(
        [b], load=world.load, replay=world.replay, baseline=str(base_file), update_baseline=True
    )
    assert set(json.loads(base_file.read_text())["scenarios"]) == {"a.yaml", "b.yaml"}
    c = str(tmp_path / "c.yaml")
    with pytest.raises(InputError, match=r"no baseline for .*c\.yaml \(variant base\)"):
        run_check([a, c], load=world.load, replay=world.replay, baseline=str(base_file))


def test_update_baseline_needs_a_file():
    world = FakeWorld()
    with pytest.raises(InputError, match="--update-baseline needs --baseline"):
        run_check(["x.yaml"], load=world.load, replay=world.replay, update_baseline=True)
