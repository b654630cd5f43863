"""The work of one task: replay a few devices for every variant and measure them.

A task receives a small, picklable ``FleetPlan`` (the scenario file's text and path, overrides,
variant columns) and a few ``DeviceSpec``; it loads the scenarios once per process (cached), so
workers never receive big objects and a remote Dask worker needs no shared file system. The
scenario loader and the replay are the callables ``bgreplay.api.fleet`` passes (module-level
functions, pickled by name), so tests can inject a failing replay without touching the engine,
and the fleet never imports the API above it.
"""

from __future__ import annotations

import hashlib
import tempfile
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from bgreplay.analysis.compare import Column
from bgreplay.fleet.aggregate import RowBuffer, Rows, device_rows
from bgreplay.fleet.population import DeviceSpec, device_scenario, device_timeline
from bgreplay.gcpause import paused_gc
from bgreplay.scenario.model import Scenario
from bgreplay.trace.model import Timeline

TYPE_CHECKING = False  # what mypy reads: the analyses are imported when used
if TYPE_CHECKING:
    from bgreplay.analysis.expect import Expectation, ExpectationResult
    from bgreplay.engine.records import ReplayResult


@dataclass(frozen=True, slots=True)
class ScenarioSource:
    """The scenario file as it was when the fleet started: path, bytes and their digest."""

    path: str
    text: bytes
    digest: str

    @classmethod
    def read(cls, path: str | Path) -> ScenarioSource:
        p = Path(path).resolve()
        text = p.read_bytes()
        return cls(str(p), text, hashlib.sha256(text).hexdigest())

    def local_path(self) -> Path:
        """This file here: the original when it is unchanged, else a private copy (a remote
        worker, or a file edited since the start)."""
        p = Path(self.path)
        try:
            if hashlib.sha256(p.read_bytes()).hexdigest() == self.digest:
                return p
        except OSError:
            pass
        copy = _private_folder() / f"{self.digest[:16]}-{p.name}"
        try:
            if hashlib.sha256(copy.read_bytes()).hexdigest() == self.digest:
                return copy
        except OSError:
            pass
        from bgreplay.fsutil import write_atomic

        write_atomic(copy, self.text)
        return copy


_FOLDER: list[Path] = []


def _private_folder() -> Path:
    """This process's own temporary folder (``mkdtemp``: a name no one can guess, readable by
    this user only), removed when the process ends normally."""
    if not _FOLDER:
        import atexit
        import shutil

        folder = Path(tempfile.mkdtemp(prefix="bgreplay-scenario-"))
        atexit.register(shutil.rmtree, folder, True)
        _FOLDER.append(folder)
    return _FOLDER[0]


@dataclass(frozen=True, slots=True)
class FleetPlan:
    """Everything a worker needs besides the devices; small and picklable."""

    source: ScenarioSource
    overrides: tuple[str, ...]  # ``--set``, before each column's own
    columns: tuple[Column, ...]
    aggs: tuple[str, ...]  # aggregations kept for distribution metrics
    rates: tuple[tuple[str, float], ...]  # ``--app BUNDLE:RATE``
    load: Callable[..., Scenario]  # ``bgreplay.api.load_scenario``
    replay: Callable[..., ReplayResult]  # ``bgreplay.api.replay``


class DeviceFailed(Exception):
    """One device could not be replayed; carries what is needed to replay it alone."""

    def __init__(
        self, index: int, seed: int, persona: str, variant: str, error: str, details: str = ""
    ):
        super().__init__(index, seed, persona, variant, error, details)
        self.index, self.seed, self.persona = index, seed, persona
        self.variant, self.error, self.details = variant, error, details

    def __str__(self) -> str:
        return (
            f"device {self.index} (persona {self.persona}, seed {self.seed}, "
            f"variant {self.variant}): {self.error}"
        )


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """What a task sends back: per column, the rows of its devices and how many devices met
    each expectation."""

    first: int
    devices: int
    frames: tuple[pl.DataFrame, ...]
    passed: tuple[tuple[int, ...], ...]


@dataclass
class _Prepared:
    scenario: Scenario
    expectations: tuple[Expectation, ...]


_CacheKey = tuple[str, str, tuple[str, ...], tuple[Column, ...]]
_CACHE: dict[_CacheKey, list[_Prepared]] = {}


def _prepared(plan: FleetPlan) -> list[_Prepared]:
    """The columns' scenarios and parsed expectations, loaded once per process."""
    key: _CacheKey = (plan.source.path, plan.source.digest, plan.overrides, plan.columns)
    if key not in _CACHE:
        from bgreplay.analysis.expect import parse_expectations

        load_scenario = plan.load
        path = plan.source.local_path()
        out = []
        for col in plan.columns:
            scenario = load_scenario(
                path, overrides=[*plan.overrides, *col.overrides], variant=col.variant
            )
            out.append(_Prepared(scenario, parse_expectations(scenario)))
        _CACHE.clear()
        _CACHE[key] = out
    return _CACHE[key]


def run_devices(plan: FleetPlan, devices: Sequence[DeviceSpec]) -> ChunkResult:
    """Replay and measure ``devices`` for every column of ``plan``: each device's replay on its
    own, then the metrics of the whole chunk in one computation per column."""
    prepared = _prepared(plan)
    buffers = [RowBuffer(col.name) for col in plan.columns]
    passed = [[0] * len(p.expectations) for p in prepared]
    timelines: dict[tuple[object, ...], Timeline] = {}  # one per device, window and app set
    with paused_gc():
        for col, prep, buffer, counts in zip(plan.columns, prepared, buffers, passed, strict=True):
            frames, profile = _replay_column(plan, col, prep.scenario, devices, timelines)
            for device, rows, outcomes in _measure(plan, col, prep, devices, frames, profile):
                buffer.add(device.index, device.persona, device.seed, rows)
                for j, outcome in enumerate(outcomes):
                    counts[j] += outcome.passed
    return ChunkResult(
        devices[0].index if devices else 0,
        len(devices),
        tuple(b.frame() for b in buffers),
        tuple(tuple(p) for p in passed),
    )


def _measure(
    plan: FleetPlan,
    col: Column,
    prep: _Prepared,
    devices: Sequence[DeviceSpec],
    frames: list[pl.DataFrame],
    profile: Mapping[str, object] | None,
) -> list[tuple[DeviceSpec, Rows, list[ExpectationResult]]]:
    """Per device: its metric rows and its expectations' outcomes, from one computation of the
    chunk's metrics."""
    from bgreplay.analysis.expect import evaluate
    from bgreplay.analysis.metrics import devices_metrics

    try:
        indices = [d.index for d in devices]
        metrics = devices_metrics(pl.concat(frames), indices, prep.scenario, profile)
        by_device = metrics.partition_by("device", as_dict=True, include_key=False)
        measured = []
        for device in devices:
            own = by_device[(device.index,)]
            measured.append((device, device_rows(own, plan.aggs), evaluate(prep.expectations, own)))
    except Exception as exc:
        raise _failed(devices[0], col, exc) from None
    return measured


def _replay_column(
    plan: FleetPlan,
    col: Column,
    scenario: Scenario,
    devices: Sequence[DeviceSpec],
    timelines: dict[tuple[object, ...], Timeline],
) -> tuple[list[pl.DataFrame], Mapping[str, object] | None]:
    """The event logs of ``devices`` replaying the column's ``scenario``, and the resolved
    profile (the same for every device: a device changes the seed and the persona only)."""
    from bgreplay.analysis.frame import events_frame

    rates = dict(plan.rates)
    frames = []
    profile: Mapping[str, object] | None = None
    for device in devices:
        try:
            own = device_scenario(scenario, device)
            window = (
                device.index,
                own.start,
                own.timezone,
                own.duration_ms,
                tuple(a.bundle for a in own.apps),
            )
            if window not in timelines:
                timelines[window] = device_timeline(own, device, rates)
            result = plan.replay(own, timelines[window])
            frames.append(
                events_frame(result, variant=col.name, device=device.index, printed=False)
            )
            profile = result.profile
        except Exception as exc:
            raise _failed(device, col, exc) from None
    return frames, profile


def _failed(device: DeviceSpec, col: Column, exc: Exception) -> DeviceFailed:
    return DeviceFailed(
        device.index,
        device.seed,
        device.persona,
        col.name,
        f"{type(exc).__name__}: {exc}",
        traceback.format_exc(),
    )
