"""``bgreplay fleet``: one scenario over a population of devices (SPEC §9).

Stages: validate everything (scenario and every variant, mix, options, expectations) before
any worker starts → split the devices into chunks → run them on an executor, at most a few
chunks in flight → write each finished chunk as Parquet parts (one per variant) → concatenate
the parts lazily, in variant then device order, into ``--out`` (atomically) → distributions
across devices of the chosen metrics, and the share of devices meeting each expectation.

Memory stays flat with N: finished chunks go to disk at once, and the final file is written by
polars' streaming sink. A chunk that fails is retried one device at a time; a device that
fails again stops the fleet with a ``FleetDeviceError`` naming its index, persona and seed.
After a worker crash, the suspects are retried one at a time, alone, so the culprit is found.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import polars as pl

from bgreplay.analysis.compare import DEFAULT_ROWS, Column, parse_row, plan_columns
from bgreplay.analysis.measure import agg_key
from bgreplay.errors import BgreplayError, InputError, Location, Problem
from bgreplay.fleet.aggregate import ExpectationShare, quantiles, row_aggs
from bgreplay.fleet.executors import Executor, capped_jobs, default_jobs, open_executor
from bgreplay.fleet.population import (
    DEFAULT_MIX,
    DeviceSpec,
    Mix,
    check_rates,
    device_at,
    parse_mix,
    population,
)
from bgreplay.fleet.store import Parts, check_out, write_fleet_file
from bgreplay.fleet.worker import (
    ChunkResult,
    DeviceFailed,
    FleetPlan,
    ScenarioSource,
    run_devices,
)
from bgreplay.fsutil import work_folder
from bgreplay.scenario.model import Scenario

TYPE_CHECKING = False  # what mypy reads: the analyses are imported when used
if TYPE_CHECKING:
    from bgreplay.analysis.expect import Expectation
    from bgreplay.engine.records import ReplayResult

ALLOCATION = (
    "quota sequence: device i takes the persona furthest behind its share after i+1 "
    "devices (ties: first in the mix)"
)
DEVICE_SEED = "stream_seed(seed, 'fleet/device=<i>') (blake2b)"
MAX_CHUNK = 64  # devices per task; their metrics are one computation (2.5 ms a device; 3.2 at 32)
WORK_PREFIX = ".bgreplay-fleet-"  # + the driver's process id: the parts of finished chunks


class FleetDeviceError(BgreplayError):
    """A device failed twice (or crashed its worker twice): the fleet stopped."""

    def __init__(self, failure: DeviceFailed):
        self.failure = failure
        super().__init__(f"{failure} (failed twice)")


@dataclass
class FleetResult:
    """A finished fleet: what ran, distributions across devices, expectation shares."""

    meta: dict
    columns: list[Column]
    quantiles: pl.DataFrame
    expectations: list[ExpectationShare]
    out: str | None = None
    sidecar: str | None = None  # metadata file, when polars cannot write Parquet metadata
    seconds: float = 0.0
    rows: list[tuple[str, str | None]] = field(default_factory=list)  # the chosen row specs

    @property
    def devices(self) -> int:
        return self.meta["devices_run"]

    def to_dict(self) -> dict:
        return {
            **self.meta,
            "distributions": self.quantiles.to_dicts(),
            "out": self.out,
        }


@dataclass(frozen=True, slots=True)
class _Unit:
    devices: tuple[DeviceSpec, ...]
    retry: bool = False


def _bad(option: str, message: str, fix: str) -> InputError:
    return InputError(Problem(Location(option), message, fix))


def run_fleet(
    path: str | Path,
    *,
    devices: int,
    mix: str | None = None,
    variants: Sequence[str] = (),
    vary: Sequence[str] = (),
    overrides: Sequence[str] = (),
    seed: int | None = None,
    apps: Sequence[str] = (),
    metrics: Sequence[str] = (),
    jobs: int | None = None,
    executor: str = "local",
    address: str | None = None,
    out: str | Path | None = None,
    only_device: int | None = None,
    scenario_variants: bool = True,
    columns: Sequence[Column] | None = None,
    chunk_size: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    load: Callable[..., Scenario],
    replay: Callable[..., ReplayResult],
) -> FleetResult:
    """Replay ``path`` over ``devices`` generated devices for the base and every variant.

    ``mix`` is ``NAME=WEIGHT,...`` (default ``DEFAULT_MIX``); ``variants``, ``vary``,
    ``overrides`` as for ``compare``; ``seed`` replaces the scenario's; ``apps`` are
    ``BUNDLE:RATE``; ``metrics`` the rows summarised (``compare``'s defaults when empty);
    ``only_device`` replays that one device here, in this process; ``load`` and ``replay`` are
    ``bgreplay.api``'s ``load_scenario`` and ``replay`` (or stand-ins). Bad input raises
    ``InputError`` before anything runs.
    """
    out = None if out is None else str(out)
    setup = _prepare(
        path,
        devices=devices,
        mix=mix,
        variants=variants,
        vary=vary,
        overrides=overrides,
        seed=seed,
        apps=apps,
        metrics=metrics,
        out=out,
        only_device=only_device,
        scenario_variants=scenario_variants,
        columns=columns,
        load=load,
        replay=replay,
    )
    jobs = default_jobs() if jobs is None else jobs
    if address is None:  # local processes: never more than the cores can run
        jobs = capped_jobs(jobs) if jobs >= 1 else jobs
    began = time.perf_counter()  # wall time includes starting the workers
    ex = (
        open_executor("local", 1)
        if only_device is not None
        else open_executor(executor, jobs, address)
    )
    parent = (Path(out).parent if str(Path(out).parent) else Path(".")) if out else None
    with work_folder(parent, WORK_PREFIX) as work:
        parts = Parts(work, len(setup.columns))
        passed = _execute(ex, setup, parts, chunk_size, on_progress)
        n = setup.count
        shares = [
            ExpectationShare(col.name, e.target, e.metric, e.text, passed[k][j], n)
            for k, col in enumerate(setup.columns)
            for j, e in enumerate(setup.expectations[k])
        ]
        keys = list(dict.fromkeys(m if a is None else f"{m}.{agg_key(a)}" for m, a in setup.rows))
        lazy = pl.scan_parquet(parts.paths())
        table = quantiles(lazy, n, keys, [c.name for c in setup.columns])
        meta = _metadata(path, setup, shares)
        sidecar = write_fleet_file(lazy, out, meta) if out else None
    return FleetResult(
        meta, setup.columns, table, shares, out, sidecar, time.perf_counter() - began, setup.rows
    )


@dataclass(frozen=True)
class _Setup:
    """A validated fleet, ready to run."""

    base: Scenario
    columns: list[Column]
    expectations: list[tuple[Expectation, ...]]  # per column, parsed
    rows: list[tuple[str, str | None]]
    rates: dict[str, float]
    seed: int
    mix: Mix
    devices: int
    only_device: int | None
    count: int  # devices to run
    members: Callable[[], Iterator[DeviceSpec]]  # they, one at a time
    plan: FleetPlan


def _prepare(
    path: str | Path,
    *,
    devices: int,
    mix: str | None,
    variants: Sequence[str],
    vary: Sequence[str],
    overrides: Sequence[str],
    seed: int | None,
    apps: Sequence[str],
    metrics: Sequence[str],
    out: str | None,
    only_device: int | None,
    scenario_variants: bool,
    columns: Sequence[Column] | None,
    load: Callable[..., Scenario],
    replay: Callable[..., ReplayResult],
) -> _Setup:
    """Check every input (scenario and every variant, mix, options, expectations) and plan
    the devices; nothing runs yet."""
    from bgreplay.analysis.expect import parse_expectations

    load_scenario = load
    persona_mix = parse_mix(mix or DEFAULT_MIX)
    if devices < 1:
        raise _bad(
            "--devices", f"--devices must be at least 1, not {devices}", "e.g. --devices 1000"
        )
    if only_device is not None and not 0 <= only_device < devices:
        raise _bad(
            "--only-device",
            f"device {only_device} is not in a fleet of {devices}",
            f"give an index from 0 to {devices - 1}",
        )
    check_out(out)
    rows = [parse_row(m) for m in (metrics or DEFAULT_ROWS)]
    base = load_scenario(path, overrides=list(overrides))
    if columns is None:
        columns = plan_columns(base.variant_names if scenario_variants else (), variants, vary)
    columns = list(columns)
    scenarios = [
        base
        if c.variant is None and not c.overrides
        else load_scenario(path, variant=c.variant, overrides=[*overrides, *c.overrides])
        for c in columns
    ]
    rates = check_rates(base, apps)
    base_seed = base.seed if seed is None else seed
    if only_device is not None:
        one = device_at(persona_mix, base_seed, only_device)
        count, members = 1, lambda: iter([one])
    else:
        count, members = devices, lambda: population(persona_mix, base_seed, devices)
    plan = FleetPlan(
        ScenarioSource.read(path),
        tuple(overrides),
        tuple(columns),
        row_aggs(a for _, a in rows if a is not None),
        tuple(rates.items()),
        load,
        replay,
    )
    return _Setup(
        base,
        columns,
        [parse_expectations(s) for s in scenarios],
        rows,
        rates,
        base_seed,
        persona_mix,
        devices,
        only_device,
        count,
        members,
        plan,
    )


def _execute(
    ex: Executor,
    setup: _Setup,
    parts: Parts,
    chunk_size: int | None,
    on_progress: Callable[[int, int], None] | None,
) -> list[list[int]]:
    """Run every device on ``ex``, writing parts as chunks finish; return, per column and
    expectation, how many devices met it. Any failure or Ctrl-C stops the workers."""
    passed = [[0] * len(e) for e in setup.expectations]

    def keep(result: ChunkResult) -> None:
        parts.write(result)
        for k, counts in enumerate(result.passed):
            for j, n in enumerate(counts):
                passed[k][j] += n

    try:
        _dispatch(ex, setup.plan, setup.members(), setup.count, chunk_size, keep, on_progress)
    except BaseException:
        abort = getattr(ex, "abort", None)
        if abort is not None:
            abort()
        raise
    finally:
        ex.close()
    return passed


def _chunks(members: Iterator[DeviceSpec], size: int) -> Iterator[_Unit]:
    """Chunks of ``size`` devices, made as they are needed."""
    while chunk := tuple(islice(members, size)):
        yield _Unit(chunk)


def _dispatch(
    ex: Executor,
    plan: FleetPlan,
    members: Iterator[DeviceSpec],
    count: int,
    chunk_size: int | None,
    keep: Callable[[ChunkResult], None],
    on_progress: Callable[[int, int], None] | None,
) -> None:
    """Run every device, a bounded number of chunks in flight; retry, then report."""
    size = chunk_size or max(1, min(MAX_CHUNK, -(-count // (ex.workers * 4))))
    fresh = _chunks(members, size)
    queue: deque[_Unit] = deque()  # retries first, then the fresh chunks
    isolated: deque[_Unit] = deque()  # after a crash: one device at a time, alone
    inflight: dict[object, _Unit] = {}  # the executor's handle of each chunk in flight
    window = max(2, ex.workers * 2)
    done = 0
    if on_progress:
        on_progress(0, count)
    exhausted = False

    def take() -> _Unit | None:
        nonlocal exhausted
        if queue:
            return queue.popleft()
        chunk = None if exhausted else next(fresh, None)
        exhausted = chunk is None
        return chunk

    while queue or not exhausted or isolated or inflight:
        if isolated:
            if not inflight:
                unit = isolated.popleft()
                inflight[ex.submit(run_devices, plan, unit.devices)] = unit
        else:
            while len(inflight) < window and (taken := take()) is not None:
                inflight[ex.submit(run_devices, plan, taken.devices)] = taken
        if not inflight:
            continue
        for handle in ex.wait(list(inflight)):
            unit = inflight.pop(handle)
            try:
                result = ex.result(handle)
            except DeviceFailed as exc:
                if unit.retry:
                    raise FleetDeviceError(exc) from None
                queue.extendleft(_Unit((d,), retry=True) for d in reversed(unit.devices))
                continue
            except Exception as exc:
                if not ex.is_crash(exc):
                    raise
                ex.recover(handle)
                if unit.retry:
                    d = unit.devices[0]
                    raise FleetDeviceError(
                        DeviceFailed(
                            d.index,
                            d.seed,
                            d.persona,
                            "(any)",
                            f"its worker process died ({type(exc).__name__}: {exc})",
                        )
                    ) from None
                isolated.extend(_Unit((d,), retry=True) for d in unit.devices)
                continue
            keep(result)
            done += result.devices
            if on_progress:
                on_progress(done, count)


def _metadata(path: str | Path, setup: _Setup, shares: list[ExpectationShare]) -> dict[str, object]:
    """What the Parquet file says about itself; nothing that depends on the executor, the
    number of jobs or the wall time, so every executor writes the same file."""
    plan, base = setup.plan, setup.base
    return {
        "bgreplay_fleet": 1,
        "scenario": str(path),
        "scenario_name": base.name,
        "scenario_sha256": plan.source.digest,
        "start": base.start.isoformat(),
        "timezone": base.timezone,
        "days": base.duration_ms / 86_400_000,
        "seed": setup.seed,
        "devices": setup.devices,
        "devices_run": setup.count,
        "only_device": setup.only_device,
        "persona_mix": dict(setup.mix),
        "allocation": ALLOCATION,
        "device_seed": DEVICE_SEED,
        "app_rates": dict(setup.rates),
        "overrides": list(plan.overrides),
        "variants": [
            {"name": c.name, "variant": c.variant, "overrides": list(c.overrides)}
            for c in plan.columns
        ],
        "aggregations": list(plan.aggs),
        "expectations": [s.to_dict() for s in shares],
    }
