"""A fleet whose driver dies outright (``kill -9``, the out-of-memory killer, a closed terminal)
leaves no process and no work folder behind; ``--jobs`` and ``--devices`` cannot exhaust the
machine. Real processes (Linux ``/proc``): what a shell or CI job sees."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
from fuzz_strategies import ROOT

from fuzz.cases import inside, run_in_process
from fuzz.outside import bgreplay_processes, leftovers

FLAGSHIP = ROOT / "scenarios" / "pixar-film-tracker.yaml"
pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc (Linux)")


def _fleet(folder, marker: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bgreplay", "fleet", str(FLAGSHIP), *args],
        cwd=folder,
        env={**os.environ, marker: "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait_for_workers(marker: str, at_least: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while len(bgreplay_processes(marker)) < at_least and time.monotonic() < end:
        time.sleep(0.1)


def _gone_within(marker: str, seconds: float) -> list[int]:
    end = time.monotonic() + seconds
    while (alive := bgreplay_processes(marker)) and time.monotonic() < end:
        time.sleep(0.1)
    for pid in alive:  # do not leave them to the next test
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return alive


@pytest.mark.parametrize(
    ("executor", "processes"),
    [("local", 4), ("dask", 5)],  # driver, forkserver or tracker, workers (Dask: and nannies)
)
def test_kill_9_of_the_driver_leaves_no_process_and_no_work_folder(tmp_path, executor, processes):
    marker = f"BGREPLAY_TEST_ORPHANS_{os.getpid()}"
    driver = _fleet(
        tmp_path,
        marker,
        *("--devices", "400", "--jobs", "2", "--executor", executor, "--out", "f.parquet"),
    )
    _wait_for_workers(marker, processes)
    time.sleep(1.0)
    driver.kill()
    driver.wait(10)
    assert _gone_within(marker, 5) == []  # (and any survivor is ended by it)
    assert leftovers(tmp_path) == []


def test_sighup_ends_the_fleet_like_sigterm(tmp_path):
    marker = f"BGREPLAY_TEST_HUP_{os.getpid()}"
    driver = _fleet(tmp_path, marker, "--devices", "400", "--jobs", "2", "--out", "f.parquet")
    _wait_for_workers(marker, 3)
    time.sleep(1.0)
    driver.send_signal(signal.SIGHUP)
    try:
        code = driver.wait(20)
    finally:
        survivors = _gone_within(marker, 5)  # ended here whatever happened
    assert code == 129
    assert "bgreplay: hangup" in driver.stderr.read().decode()
    assert survivors == [] and leftovers(tmp_path) == []


def test_a_work_folder_of_a_dead_driver_is_removed_at_the_next_start(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".bgreplay-fleet-{dead.pid}-abcd"
    (stale / "v0000").mkdir(parents=True)
    with inside(tmp_path):
        outcome = run_in_process(
            ["fleet", str(FLAGSHIP), "--devices", "1", "--jobs", "1", "--out", "f.parquet"],
            timeout=60,
        )
    assert outcome.code == 0, outcome.stderr
    assert not stale.exists() and (tmp_path / "f.parquet").exists()


def test_jobs_beyond_the_cores_are_capped_with_a_note(tmp_path):
    from bgreplay.fleet.executors import JOBS_PER_CORE, capped_jobs, default_jobs

    assert capped_jobs(1000) == JOBS_PER_CORE * default_jobs() and capped_jobs(1) == 1
    with inside(tmp_path):
        outcome = run_in_process(
            ["fleet", str(FLAGSHIP), "--devices", "3", "--jobs", "1000", "--only-device", "0"],
            timeout=60,
        )
    assert outcome.code == 0, outcome.stderr
    assert "note: --jobs 1000 is capped at" in outcome.stderr


def test_an_astronomical_fleet_starts_without_building_its_device_list(tmp_path):
    marker = f"BGREPLAY_TEST_HUGE_{os.getpid()}"
    driver = _fleet(tmp_path, marker, "--devices", str(10**23), "--jobs", "1")
    time.sleep(4)
    with open(f"/proc/{driver.pid}/status") as fh:
        rss_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))
    driver.terminate()
    assert driver.wait(20) == 143
    assert rss_kb < 400_000  # the device list alone would grow by ~25 MB a second


@pytest.mark.parametrize(
    ("executor_name", "preset"), [("local", None), ("local", "2"), ("dask", None)]
)
def test_each_worker_runs_polars_on_one_thread_unless_told_otherwise(
    monkeypatch, executor_name, preset
):
    """Workers run one per core: each one's polars runs one thread, unless the user chose a
    number (POLARS_MAX_THREADS); the driver's own environment is left as it was."""
    import importlib.util

    from bgreplay.fleet.executors import DaskExecutor, LocalExecutor

    if executor_name == "dask" and importlib.util.find_spec("distributed") is None:
        pytest.skip("dask.distributed is not installed")
    if preset is None:
        monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    else:
        monkeypatch.setenv("POLARS_MAX_THREADS", preset)
    executor = LocalExecutor(1) if executor_name == "local" else DaskExecutor(1)
    try:
        threads = executor.submit(eval, "__import__('polars').thread_pool_size()")
        seen = executor.result(threads)
    finally:
        executor.close()
    assert seen == int(preset or "1")
    assert os.environ.get("POLARS_MAX_THREADS") == preset
