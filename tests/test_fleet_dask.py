"""``fleet --executor dask`` on a real ``LocalCluster`` (2 worker processes) writes the same
Parquet as ``--jobs 1`` and ``--jobs 2``."""

from __future__ import annotations

import importlib.util

import polars as pl
import pytest
from test_fleet import SCENARIO, run_fleet

from bgreplay.fleet import read_metadata

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="dask.distributed is not installed (pip install 'bgreplay[dask]', or the dev extra)",
)


def test_dask_local_cluster_gives_the_same_parquet_as_local_processes(tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    outs = {}
    for name, options in {
        "jobs1": {"jobs": 1},
        "jobs2": {"jobs": 2},
        "dask": {"jobs": 2, "executor": "dask"},
    }.items():
        outs[name] = tmp_path / f"{name}.parquet"
        run_fleet(path, devices=6, out=outs[name], **options)
    frames = {name: pl.read_parquet(out) for name, out in outs.items()}
    assert frames["jobs1"].select("variant", "device").unique().height == 2 * 6
    assert frames["dask"].equals(frames["jobs1"])
    assert frames["jobs2"].equals(frames["jobs1"])
    assert read_metadata(outs["dask"]) == read_metadata(outs["jobs1"])
    assert outs["dask"].read_bytes() == outs["jobs1"].read_bytes()
