"""Fleets (SPEC §9): the persona mix, device seeds, identical results for every job count,
retry-then-report, atomic output, ``compare --fleet``.

The replay hook below (``flaky_replay``) is how failures are injected: the fleet names its
replay function by ``module:function`` so worker processes import it themselves.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import polars as pl
import pytest

from bgreplay import api
from bgreplay.analysis.compare import Column, run_fleet_compare
from bgreplay.errors import InputError
from bgreplay.fleet import FleetDeviceError, read_metadata
from bgreplay.fleet import run_fleet as fleet_of
from bgreplay.fleet.aggregate import quantiles
from bgreplay.fleet.executors import open_executor
from bgreplay.fleet.population import (
    DEFAULT_MIX,
    device_at,
    device_scenario,
    device_seed,
    device_timeline,
    parse_mix,
    personas,
    population,
)

SCENARIO = """\
bgreplay: 1
name: Fleet test
seed: 3
start: 2026-03-02T00:00
duration: 2d
timezone: Europe/Paris
device: {model: iphone, ios: "26.1"}
apps:
  io.test.app:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.test.app.refresh, io.test.app.processing]
    tasks:
      io.test.app.refresh:
        type: refresh
        earliest_begin: 1h
        submit: {when: [app_background, handler_start]}
      io.test.app.processing:
        type: processing
        earliest_begin: 2h
        requires_external_power: true
        submit: {when: [app_background]}
expect:
  io.test.app.refresh:
    launches_per_day: ">= 1"
  io.test.app:
    staleness_at_open: "p(50) < 2h"
variants:
  late:
    apps/io.test.app/tasks/*refresh/earliest_begin: 4h
"""


def run_fleet(path, **options):
    """``run_fleet`` with the API's loader and replay, as ``bgreplay.api.fleet`` calls it."""
    return fleet_of(path, **{"load": api.load_scenario, "replay": api.replay, **options})


def flaky_replay(scenario, timeline):
    """``api.replay``, except for the device named in ``fail.json`` beside the scenario
    (``{"seed": ..., "mode": ..., "log": ...}``): mode ``raise`` raises every time,
    ``crash-once`` kills its worker process the first time. Each attempt leaves a file in
    ``log``. (A file, not environment variables: forkserver workers keep the environment the
    server started with.)"""
    config = scenario.path.parent / "fail.json"
    if config.is_file():
        fail = json.loads(config.read_text())
        if scenario.seed == fail["seed"]:
            log = Path(fail["log"])
            first = not any(log.iterdir())
            (log / f"attempt-{uuid.uuid4().hex}").touch()
            if fail["mode"] == "raise":
                raise RuntimeError("injected failure")
            if first:
                os._exit(1)
    return api.replay(scenario, timeline)


@pytest.fixture(name="scenario_path")
def _scenario_path(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def fleet_frame(path: Path, out: Path, **options) -> pl.DataFrame:
    run_fleet(path, out=out, **{"devices": 6, **options})
    return pl.read_parquet(out)


# -- population --------------------------------------------------------------------------------


def test_mix_is_parsed_and_normalised():
    assert parse_mix("office_worker=5,light_user=3,heavy_user=2") == (
        ("office_worker", 0.5),
        ("light_user", 0.3),
        ("heavy_user", 0.2),
    )
    assert parse_mix("light_user") == (("light_user", 1.0),)
    assert parse_mix("light_user=1,heavy_user=0") == (("light_user", 1.0),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("office_workr=1", "did you mean 'office_worker'"),
        ("office_worker=-1", "not a number >= 0"),
        ("office_worker=x", "not a number >= 0"),
        ("office_worker=1,office_worker=2", "given twice"),
        ("office_worker=0", "every weight is zero"),
        ("office_worker=1,,light_user=1", "empty entry"),
    ],
)
def test_bad_mix_is_bad_input(text, message):
    with pytest.raises(InputError, match=message) as info:
        parse_mix(text)
    assert "--persona-mix" in info.value.render()


def test_every_prefix_of_the_fleet_holds_the_mix_within_one_device():
    mix = parse_mix(DEFAULT_MIX)
    assert [d.persona for d in population(mix, 1, 6)].count("office_worker") == 3
    counts = dict.fromkeys(dict(mix), 0)
    for n, name in zip(range(1, 501), personas(mix), strict=False):
        counts[name] += 1
        assert all(abs(counts[k] - w * n) < 1 for k, w in mix), n


def test_a_device_depends_on_the_seed_and_its_index_not_on_the_fleet_size():
    mix = parse_mix(DEFAULT_MIX)
    assert list(population(mix, 7, 50))[:5] == list(population(mix, 7, 5))
    assert device_at(mix, 7, 3) == list(population(mix, 7, 5))[3]
    assert device_at(mix, 7, 3).seed == device_seed(7, 3) != device_seed(8, 3)
    assert len({d.seed for d in population(mix, 7, 50)}) == 50


@pytest.mark.parametrize("duration", ["2d", "36h"])
def test_device_timeline_is_the_scenario_persona_timeline(scenario_path, duration):
    scenario = api.load_scenario(scenario_path, overrides=[f"duration={duration}"])
    for device in population(parse_mix(DEFAULT_MIX), 3, 3):
        assert device_timeline(scenario, device) == api.load_timeline(
            device_scenario(scenario, device)
        )


# -- results -----------------------------------------------------------------------------------


def test_one_row_per_device_variant_and_metric_in_order(scenario_path, tmp_path):
    frame = fleet_frame(scenario_path, tmp_path / "a.parquet", jobs=1)
    assert frame.columns == [
        "variant",
        "device",
        "persona",
        "seed",
        "scope",
        "target",
        "metric",
        "unit",
        "value",
    ]
    assert frame["variant"].unique(maintain_order=True).to_list() == ["base", "late"]
    base = frame.filter(pl.col("variant") == "base")
    assert base["device"].unique(maintain_order=True).to_list() == list(range(6))
    keys = base.filter(pl.col("device") == 0)["metric"].to_list()
    assert len(keys) == len(
        set(zip(base.filter(pl.col("device") == 0)["target"], keys, strict=True))
    )
    assert {
        "launch_delay.p50",
        "launch_delay.p90",
        "launch_delay.max",
        "launch_delay.count",
        "launches_per_day",
    } <= set(keys)
    assert base["persona"].unique().sort().to_list() == [
        "heavy_user",
        "light_user",
        "office_worker",
    ]
    meta = read_metadata(tmp_path / "a.parquet")
    assert meta["persona_mix"] == dict(parse_mix(DEFAULT_MIX)) and meta["seed"] == 3
    assert [v["name"] for v in meta["variants"]] == ["base", "late"]


def test_same_parquet_for_every_job_count_and_chunking(scenario_path, tmp_path):
    one = fleet_frame(scenario_path, tmp_path / "one.parquet", jobs=1, chunk_size=4)
    two = fleet_frame(scenario_path, tmp_path / "two.parquet", jobs=2)
    assert one.equals(two)
    assert read_metadata(tmp_path / "one.parquet") == read_metadata(tmp_path / "two.parquet")
    assert not list(tmp_path.glob(".bgreplay-fleet-*"))  # parts cleaned up


def test_device_3_is_the_same_in_fleets_of_5_and_8(scenario_path, tmp_path):
    small = fleet_frame(scenario_path, tmp_path / "5.parquet", devices=5, jobs=1)
    large = fleet_frame(scenario_path, tmp_path / "8.parquet", devices=8, jobs=1)
    alone = fleet_frame(scenario_path, tmp_path / "3.parquet", devices=8, only_device=3)
    three = pl.col("device") == 3
    assert small.filter(three).equals(large.filter(three))
    assert alone.equals(large.filter(three))


def test_summary_distributions_and_expectation_shares(scenario_path):
    result = run_fleet(scenario_path, devices=6, jobs=1)
    assert result.quantiles["variant"].unique(maintain_order=True).to_list() == ["base", "late"]
    row = result.quantiles.filter(
        (pl.col("variant") == "base")
        & (pl.col("metric") == "launches_per_day")
        & (pl.col("target") == "io.test.app.refresh")
    ).row(0, named=True)
    assert row["devices"] == 6 and row["p10"] <= row["p50"] <= row["p90"]
    shares = [(s.variant, s.metric, s.devices) for s in result.expectations]
    assert shares == [
        ("base", "launches_per_day", 6),
        ("base", "staleness_at_open", 6),
        ("late", "launches_per_day", 6),
        ("late", "staleness_at_open", 6),
    ]
    assert all(0 <= s.passed <= 6 for s in result.expectations)


def test_quantiles_count_a_family_member_a_device_never_had_as_zero():
    rows = pl.LazyFrame(
        {
            "variant": ["base"] * 3,
            "device": [0, 0, 1],
            "persona": ["p"] * 3,
            "seed": [1, 1, 2],
            "scope": ["task"] * 3,
            "target": ["t"] * 3,
            "metric": ["throttled_time.battery", "launch_delay.p50", "launch_delay.p50"],
            "unit": ["seconds"] * 3,
            "value": [100.0, None, 30.0],
        }
    )
    table = quantiles(rows, devices=4, variants=["base"])
    assert table.select("metric", "devices", "p50").rows() == [
        ("throttled_time.battery", 4, 0.0),
        ("launch_delay.p50", 1, 30.0),
    ]


def test_compare_fleet_cells_are_fleet_medians(scenario_path):
    seen = {}

    def fleet(columns, metrics):
        seen["result"] = run_fleet(
            scenario_path, devices=4, jobs=1, columns=columns, metrics=metrics
        )
        return seen["result"]

    comparison = run_fleet_compare(
        str(scenario_path),
        load=api.load_scenario,
        fleet=fleet,
        metrics=["launches_per_day", "launch_delay.p90"],
    )
    assert [c.name for c in comparison.columns] == ["base", "late"]
    q = seen["result"].quantiles
    row = next(r for r in comparison.rows if r.metric == "launch_delay.p90")
    late = q.filter(
        (pl.col("variant") == "late")
        & (pl.col("metric") == "launch_delay.p90")
        & (pl.col("target") == row.target)
    ).row(0, named=True)
    assert row.values[1] == late["p50"] and row.spread[1] == (late["p10"], late["p90"])
    data = json.loads(json.dumps(comparison.to_dict()))
    assert data["fleet"]["devices"] == 4 and "p10" in data["rows"][0]


# -- failures ----------------------------------------------------------------------------------


def _inject(scenario_path: Path, index: int, mode: str) -> Path:
    log = scenario_path.parent / f"log-{mode}"
    log.mkdir()
    (scenario_path.parent / "fail.json").write_text(
        json.dumps({"seed": device_seed(3, index), "mode": mode, "log": str(log)})
    )
    return log


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_device_is_retried_once_then_reported(scenario_path, tmp_path, jobs):
    log = _inject(scenario_path, 4, "raise")
    out = tmp_path / "out.parquet"
    out.write_bytes(b"the previous good file")
    with pytest.raises(FleetDeviceError) as info:
        run_fleet(scenario_path, devices=6, jobs=jobs, out=out, replay=flaky_replay)
    failure = info.value.failure
    assert (failure.index, failure.seed, failure.variant) == (4, device_seed(3, 4), "base")
    assert "RuntimeError: injected failure" in failure.error
    assert "flaky_replay" in failure.details  # the worker's traceback
    assert len(list(log.iterdir())) == 2  # tried, retried alone, reported
    assert out.read_bytes() == b"the previous good file"  # --out is atomic
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fail.json",
        "fleet.yaml",
        "log-raise",
        "out.parquet",
    ]


def test_a_worker_crash_is_retried_and_the_results_are_unchanged(scenario_path, tmp_path):
    clean = fleet_frame(scenario_path, tmp_path / "clean.parquet", jobs=1)
    log = _inject(scenario_path, 2, "crash-once")
    crashed = fleet_frame(scenario_path, tmp_path / "crash.parquet", jobs=2, replay=flaky_replay)
    assert len(list(log.iterdir())) == 3  # the crash, then its base and late replays, alone
    assert crashed.equals(clean)


def test_dask_missing_names_the_install_command(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)
    with pytest.raises(InputError, match=r"pip install 'bgreplay\[dask\]'"):
        open_executor("dask", 2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"devices": 0}, "--devices must be at least 1"),
        ({"devices": 5, "only_device": 5}, "device 5 is not in a fleet of 5"),
        ({"devices": 2, "out": "x.csv"}, "is not a .parquet file"),
        ({"devices": 2, "apps": ["io.nope:3"]}, "'io.nope' is not an app"),
        ({"devices": 2, "metrics": ["lunches"]}, "unknown metric"),
        ({"devices": 2, "jobs": 0}, "--jobs must be at least 1"),
        ({"devices": 2, "address": "tcp://127.0.0.1:1"}, "needs --executor dask"),
    ],
)
def test_bad_options_are_bad_input_before_anything_runs(scenario_path, options, message):
    with pytest.raises(InputError, match=message):
        run_fleet(scenario_path, **options)


def test_app_rates_and_explicit_columns(scenario_path):
    result = run_fleet(
        scenario_path,
        devices=3,
        jobs=1,
        apps=["io.test.app:0"],
        metrics=["opens", "launches"],
        columns=[Column("base"), Column("reseeded", None, ("seed=99",))],
    )
    opens = result.quantiles.filter(pl.col("metric") == "opens")
    assert opens["p90"].to_list() == [0.0, 0.0]  # rate 0: never opened
    base, other = (
        result.quantiles.filter(pl.col("variant") == v).drop("variant")
        for v in ("base", "reseeded")
    )
    assert base.equals(other)  # each device's seed replaces the scenario's


def test_workers_use_the_scenario_as_it_was_when_the_fleet_started(scenario_path):
    from bgreplay.fleet.worker import ScenarioSource

    source = ScenarioSource.read(scenario_path)
    assert source.local_path() == scenario_path.resolve()
    scenario_path.write_text(SCENARIO.replace("seed: 3", "seed: 4"), encoding="utf-8")
    copy = source.local_path()
    assert copy != scenario_path and copy.read_text(encoding="utf-8") == SCENARIO
