"""The expectation language: parsing (before any replay) and evaluation."""

from __future__ import annotations

import pytest
from analysis_fixtures import FILE, FILM, FILM_PROC, FILM_REFRESH, NEWS, result, scenario

from bgreplay.analysis.expect import evaluate, parse_expectation, parse_expectations
from bgreplay.analysis.frame import events_frame
from bgreplay.analysis.metrics import compute_metrics
from bgreplay.errors import InputError, Location

SC = scenario()
METRICS = compute_metrics(events_frame(result()), SC)


def run(target: str, metric: str, text: str):
    exp = parse_expectation(target, metric, text, SC)
    return evaluate([exp], METRICS)[0]


def problem(target: str, metric: str, text: str):
    with pytest.raises(InputError) as info:
        parse_expectation(target, metric, text, SC, Location(FILE, 12, 7))
    (prob,) = info.value.problems
    assert str(prob.location) == f"{FILE}:12:7"
    assert prob.path == f"expect/{target}/{metric}"
    return prob


# -- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "op", "threshold"),
    [
        (">= 3", ">=", 3.0),
        ("> 3", ">", 3.0),
        ("<= 3", "<=", 3.0),
        ("< 3", "<", 3.0),
        ("== 0", "==", 0.0),
        ("!= 0", "!=", 0.0),
        ("==2.5", "==", 2.5),
        ("  >=  -1 ", ">=", -1.0),
    ],
)
def test_scalar_operators(text, op, threshold):
    exp = parse_expectation(FILM_REFRESH, "launches", text, SC)
    assert (exp.op, exp.threshold, exp.agg, exp.scope) == (op, threshold, None, "task")


@pytest.mark.parametrize(
    ("text", "agg", "threshold"),
    [
        ("p(90) < 3h", "p(90)", 10800.0),
        ("max < 12h", "max", 43200.0),
        ("min >= 0s", "min", 0.0),
        ("avg < 1h30m", "avg", 5400.0),
        ("med <= 90s", "med", 90.0),
        ("count >= 5", "count", 5.0),
        ("p(99.9) < 2d", "p(99.9)", 172800.0),
        ("p( 50 ) < 600", "p(50)", 600.0),
        ("max < 500ms", "max", 0.5),
    ],
)
def test_distribution_aggregations_and_durations(text, agg, threshold):
    exp = parse_expectation(FILM, "staleness_at_open", text, SC)
    assert (exp.agg, exp.threshold) == (agg, threshold)


def test_percentages():
    assert parse_expectation(FILM, "fresh_open_ratio", "> 80%", SC).threshold == 0.8
    assert parse_expectation(FILM, "fresh_open_ratio", "> 0.8", SC).threshold == 0.8
    assert parse_expectation("device", "min_battery", "> 20%", SC).threshold == 20.0
    assert parse_expectation("device", "plugged_hours_per_day", ">= 6h", SC).threshold == 6.0


def test_parse_expectations_reads_the_scenarios_expect():
    sc = scenario(
        {
            FILM_REFRESH: {"launches_per_day": ">= 1", "kills.watchdog": "== 0"},
            FILM: {"staleness_at_open": ["p(90) < 3h", "max < 12h"]},
        }
    )
    exps = parse_expectations(sc)
    assert [(e.target, e.metric, e.text) for e in exps] == [
        (FILM_REFRESH, "launches_per_day", ">= 1"),
        (FILM_REFRESH, "kills.watchdog", "== 0"),
        (FILM, "staleness_at_open", "p(90) < 3h"),
        (FILM, "staleness_at_open", "max < 12h"),
    ]


def test_all_bad_expectations_are_reported_together():
    sc = scenario(
        {FILM_REFRESH: {"lunches": ">= 1", "launches": "> x"}, "io.x.flim": {"opens": "> 1"}}
    )
    with pytest.raises(InputError) as info:
        parse_expectations(sc)
    assert len(info.value.problems) == 3
    assert all(p.location.file == FILE and p.location.line > 0 for p in info.value.problems)


def test_unknown_target_has_did_you_mean():
    prob = problem("io.x.film.refrsh", "launches", ">= 1")
    assert "unknown task or app 'io.x.film.refrsh'" in prob.message
    assert "did you mean 'io.x.film.refresh'" in prob.message
    assert "device" in prob.fix


def test_unknown_metric_has_did_you_mean():
    prob = problem(FILM_REFRESH, "lunches_per_day", ">= 1")
    assert "did you mean 'launches_per_day'" in prob.message
    assert "launch_delay" in prob.fix


def test_unknown_family_member_is_unknown():
    prob = problem(FILM_REFRESH, "kills.jetsom", "== 0")
    assert "did you mean 'kills.jetsam'" in prob.message
    prob = problem(FILM_REFRESH, "throttled_time.aplication", "< 1h")
    assert "did you mean 'throttled_time.application'" in prob.message


def test_metric_of_the_wrong_scope_says_where_it_belongs():
    prob = problem(FILM_REFRESH, "opens", ">= 1")
    assert "app metric" in prob.message and f"put it under the app: {FILM}" in prob.fix
    prob = problem(FILM, "launches", ">= 1")
    assert "task metric" in prob.message and FILM_PROC in prob.fix
    prob = problem(FILM, "min_battery", "> 20")
    assert "device" in prob.fix


def test_distribution_without_aggregation():
    prob = problem(FILM, "staleness_at_open", "< 3h")
    assert "distribution" in prob.message
    assert '"p(90) < 3h"' in prob.fix


def test_aggregation_on_a_scalar():
    prob = problem(FILM_REFRESH, "launches", "max >= 3")
    assert "single number" in prob.message and '">= 3"' in prob.fix


@pytest.mark.parametrize(
    ("text", "in_message", "in_fix"),
    [
        ("at least 3", "cannot read", "AGG OP VALUE"),
        ("=> 3", "cannot read", "OP is"),
        ("p90 < 3h", "unknown aggregation 'p90'", "p(90)"),
        ("p(101) < 3h", "unknown aggregation", "0 <= N <= 100"),
        ("mean < 3h", "unknown aggregation", "avg"),
        ("max < 3 hours", "cannot read", ""),
        ("max < 3x", "not a number or a duration", ""),
        ("count >= 5m", "not a number", "plain number"),
    ],
)
def test_syntax_errors(text, in_message, in_fix):
    prob = problem(FILM, "staleness_at_open", text)
    assert in_message in prob.message
    assert in_fix in prob.fix


def test_duration_or_percentage_on_a_count_metric():
    assert "not a number" in problem(FILM_REFRESH, "launches", ">= 3h").message
    assert "percentage" in problem(FILM_REFRESH, "launches", ">= 3%").message


# -- evaluation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        (">= 2", True),
        ("> 2", False),
        ("<= 2", True),
        ("< 2", False),
        ("== 2", True),
        ("!= 2", False),
        ("!= 3", True),
        ("== 3", False),
    ],
)
def test_every_operator_evaluates(text, passed):
    res = run(FILM_REFRESH, "launches", text)
    assert res.passed is passed
    assert res.measured == 2.0 and res.measured_text == "2"


@pytest.mark.parametrize(
    ("text", "passed", "shown"),
    [
        ("p(90) < 2h", True, "1h42m"),  # [600, 1800, 7200] → 1800 + 0.8 × 5400 = 6120 s
        ("max < 2h", False, "2h"),
        ("min < 15m", True, "10m"),
        ("avg == 3200", True, "53m20s"),
        ("med == 30m", True, "30m"),
        ("count >= 3", True, "3"),
        ("count > 3", False, "3"),
    ],
)
def test_distribution_checks(text, passed, shown):
    res = run(FILM, "staleness_at_open", text)
    assert (res.passed, res.measured_text) == (passed, shown)


def test_no_data_fails_with_na():
    res = run(NEWS, "fresh_open_ratio", ">= 0")
    assert not res.passed and res.measured is None and res.measured_text == "n/a"
    res = run(NEWS, "staleness_at_open", "max < 1d")
    assert not res.passed and res.measured_text == "n/a"
    assert res.message == "measured n/a, expected max < 1d"
    res = run(NEWS, "staleness_at_open", "count == 0")
    assert res.passed  # count of an empty distribution is 0, not "no data"


def test_family_members_and_units_in_results():
    assert run(FILM_REFRESH, "kills.watchdog", "== 1").passed
    assert run(FILM_REFRESH, "kills.jetsam", "== 0").passed
    res = run(FILM_REFRESH, "throttled_time.application", "< 8h")
    assert not res.passed and res.message == "measured 9h, expected < 8h"
    res = run(FILM, "fresh_open_ratio", ">= 60%")
    assert res.passed and res.measured_text == "0.67"
    assert run("device", "min_battery", ">= 42").measured_text == "42%"
