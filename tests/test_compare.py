"""``compare``: option parsing (``--vary`` splitting, cartesian product) and the comparison."""

from __future__ import annotations

import json

import polars as pl
import pytest
from analysis_fixtures import FILM, FILM_PROC, FILM_REFRESH, NEWS, NEWS_REFRESH, FakeWorld

from bgreplay.analysis.compare import (
    DEFAULT_ROWS,
    Column,
    Row,
    parse_row,
    parse_variant,
    parse_vary,
    plan_columns,
    run_compare,
    split_top_level,
    vary_columns,
)
from bgreplay.cli.compare import render_plain
from bgreplay.errors import InputError

WHEN = "apps/*/tasks/*refresh/submit/when"


# -- splitting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("[app_launch],[app_background]", ["[app_launch]", "[app_background]"]),
        (
            "[app_launch, handler_end],[app_background]",
            ["[app_launch, handler_end]", "[app_background]"],
        ),
        ("15m,1h,2h", ["15m", "1h", "2h"]),
        ("{median: 4s, p90: 12s},5s", ["{median: 4s, p90: 12s}", "5s"]),
        ("'a,b',c", ["'a,b'", "c"]),
        ('"x,[y",z', ['"x,[y"', "z"]),
        ("[[a,b],[c]],d", ["[[a,b],[c]]", "d"]),
        ("single", ["single"]),
    ],
)
def test_split_on_commas_at_bracket_depth_zero(text, parts):
    assert split_top_level(text, ",") == parts


def test_parse_vary_from_the_brief():
    path, values = parse_vary(f"{WHEN}=[app_launch],[app_background]")
    assert path == WHEN and values == ["[app_launch]", "[app_background]"]


@pytest.mark.parametrize("text", ["noequals", "=1,2", "a/b=1,,2", "a/b="])
def test_bad_vary(text):
    with pytest.raises(InputError, match="--vary"):
        parse_vary(text)


def test_vary_columns_are_the_cartesian_product_first_option_slowest():
    cols = vary_columns(
        [f"{WHEN}=[app_launch],[app_background]", "apps/*/tasks/*refresh/earliest_begin=15m,1h,2h"]
    )
    assert len(cols) == 6
    assert [c.name for c in cols[:4]] == [
        "when=[app_launch] earliest_begin=15m",
        "when=[app_launch] earliest_begin=1h",
        "when=[app_launch] earliest_begin=2h",
        "when=[app_background] earliest_begin=15m",
    ]
    assert cols[0].overrides == (f"{WHEN}=[app_launch]", "apps/*/tasks/*refresh/earliest_begin=15m")
    assert all(c.variant is None for c in cols)


def test_vary_labels_use_the_full_path_when_last_segments_clash():
    cols = vary_columns(["apps/a/tasks/t/earliest_begin=1h", "apps/b/tasks/u/earliest_begin=2h"])
    assert cols[0].name == "apps/a/tasks/t/earliest_begin=1h apps/b/tasks/u/earliest_begin=2h"


def test_parse_variant_with_several_overrides():
    col = parse_variant(f"late={WHEN}=[app_launch, handler_end];apps/*/tasks/*/earliest_begin=4h")
    assert col == Column(
        "late", None, (f"{WHEN}=[app_launch, handler_end]", "apps/*/tasks/*/earliest_begin=4h")
    )


@pytest.mark.parametrize("text", ["late", "=a=1", "late=nopath", "late=a=1;b"])
def test_bad_variant(text):
    with pytest.raises(InputError, match="--variant"):
        parse_variant(text)


def test_plan_columns_order_and_duplicates():
    cols = plan_columns(("every-launch",), [f"x={WHEN}=[app_launch]"])
    assert [(c.name, c.variant) for c in cols] == [
        ("base", None),
        ("every-launch", "every-launch"),
        ("x", None),
    ]
    cols = plan_columns((), (), ["a/b=1,2"])
    assert [c.name for c in cols] == ["b=1", "b=2"]  # with --vary there is no plain base
    with pytest.raises(InputError, match="two columns named 'every-launch'"):
        plan_columns(("every-launch",), [f"every-launch={WHEN}=[app_launch]"])


# -- rows --------------------------------------------------------------------------------------


def test_parse_row():
    assert parse_row("launches_per_day") == ("launches_per_day", None)
    assert parse_row("launch_delay.p90") == ("launch_delay", "p(90)")
    assert parse_row("launch_delay") == ("launch_delay", "p(50)")
    assert parse_row("kills.jetsam") == ("kills.jetsam", None)
    with pytest.raises(InputError, match="did you mean 'launches'"):
        parse_row("lunches")
    with pytest.raises(InputError, match="single number"):
        parse_row("launches.p90")
    for row in DEFAULT_ROWS:
        parse_row(row)


def test_best_and_deltas():
    row = Row("t", "launches", "count", "higher", (2.0, 1.0, 2.0, None))
    assert row.deltas == (0.0, -1.0, 0.0, None)
    assert row.best == {0, 2}
    assert row.formatted_delta(1) == "-1" and row.formatted_delta(3) == "n/a"
    assert row.formatted_delta(2) == "±0"
    assert Row("t", "kills", "count", "lower", (2.0, 1.0)).best == {1}
    assert Row("t", "kills", "count", "lower", (1.0, 1.0)).best == set()
    assert Row("t", "runtime.p50", "seconds", "none", (1.0, 2.0)).best == set()


# -- the comparison ----------------------------------------------------------------------------


def test_run_compare_columns_rows_and_deltas():
    world = FakeWorld(variant_names=("every-launch",), fewer=("every-launch",))
    comp = run_compare(
        "film.yaml", load=world.load, replay=world.replay, variants=[f"mine={WHEN}=[app_launch]"]
    )
    assert [c.name for c in comp.columns] == ["base", "every-launch", "mine"]
    assert world.loaded == [
        ("film.yaml", None, ()),  # the base, loaded once
        ("film.yaml", "every-launch", ()),
        ("film.yaml", None, (f"{WHEN}=[app_launch]",)),
    ]
    rows = {(r.target, r.metric): r for r in comp.rows}
    assert set(t for t, _ in rows) == {FILM_REFRESH, FILM_PROC, NEWS_REFRESH, FILM, NEWS}
    lpd = rows[(FILM_REFRESH, "launches_per_day")]
    assert lpd.values == (1.0, 0.5, 1.0) and lpd.deltas == (0.0, -0.5, 0.0)
    assert lpd.best == {0, 2}
    assert rows[(FILM, "staleness_at_open.p90")].values[0] == pytest.approx(6120.0)
    assert rows[(NEWS, "fresh_open_ratio")].values == (None, None, None)
    assert [r.metric for r in comp.rows[:4]] == [
        "launches_per_day",
        "successes",
        "kills",
        "launch_delay.p50",
    ]


def test_run_compare_with_vary_and_chosen_metrics():
    world = FakeWorld()
    comp = run_compare(
        "film.yaml",
        load=world.load,
        replay=world.replay,
        vary=["a/b=x,fewer"],
        metrics=["launches", "launch_delay.max"],
    )
    assert [c.name for c in comp.columns] == ["b=x", "b=fewer"]
    rows = {(r.target, r.metric): r for r in comp.rows}
    assert rows[(FILM_REFRESH, "launches")].values == (2.0, 1.0)
    assert rows[(FILM_REFRESH, "launch_delay.max")].values == (7200.0, 7200.0)
    assert {r.metric for r in comp.rows} == {"launches", "launch_delay.max"}


def test_outputs_json_csv_text():
    world = FakeWorld(variant_names=("every-launch",), fewer=("every-launch",))
    comp = run_compare("film.yaml", load=world.load, replay=world.replay, metrics=["launches"])
    doc = json.loads(json.dumps(comp.to_dict()))
    first = doc["rows"][0]
    assert first == {
        "target": FILM_REFRESH,
        "metric": "launches",
        "unit": "count",
        "better": "higher",
        "values": {"base": 2.0, "every-launch": 1.0},
        "deltas": {"base": 0.0, "every-launch": -1.0},
        "best": ["base"],
    }
    frame = pl.read_csv(comp.to_frame().write_csv().encode())
    assert frame.columns == ["target", "metric", "unit", "column", "value", "delta", "best"]
    assert frame.height == 3 * 2
    text = render_plain(comp)
    assert "io.x.film.refresh     launches  2*    1 (-1)" in text
    assert "(Δ) change against 'base'" in text
