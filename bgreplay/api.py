"""The library API; every CLI command parses its arguments, calls these functions for the
work, and renders what they return.

Longer than most modules, on purpose: it is the whole library surface, a few lines per
function, each importing what it needs when called (so the command line starts fast)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bgreplay.errors import InputError, Problem
from bgreplay.scenario.model import Scenario
from bgreplay.trace.model import Timeline

TYPE_CHECKING = False  # what mypy reads; at run time each function imports what it needs
if TYPE_CHECKING:
    import polars as pl

    from bgreplay.analysis.calibrate import TaskCalibration
    from bgreplay.analysis.check import CheckReport
    from bgreplay.analysis.compare import Column, Comparison
    from bgreplay.analysis.explain import Explanation
    from bgreplay.analysis.invariants import Violation
    from bgreplay.analysis.sensitivity import Sensitivity
    from bgreplay.engine.profiles import Param, Profile
    from bgreplay.engine.records import ReplayResult
    from bgreplay.fleet.run import FleetResult
    from bgreplay.personas import Persona, PersonaParameter
    from bgreplay.scan import ScanResult
    from bgreplay.trace.importers import ImportResult
    from bgreplay.trace.persona_trace import PersonaTrace

SCENARIO_SUFFIXES = (".yaml", ".yml")
TRACE_SUFFIXES = (".csv", ".parquet")


def load_scenario(
    path: str | Path, *, overrides: Sequence[str] = (), variant: str | None = None
) -> Scenario:
    """Read, normalise, validate and build a scenario; ``overrides`` are ``PATH=VALUE`` strings."""
    from bgreplay.scenario.load import load_scenario as _load

    return _load(Path(path), overrides=overrides, variant=variant)


def load_timeline(scenario: Scenario) -> Timeline:
    """The scenario's device trace (file, persona and/or inline timeline), merged and validated."""
    from bgreplay.trace.build import load_timeline as _load

    return _load(scenario)


def validate_file(path: str | Path) -> list[Problem]:
    """Raise ``InputError`` listing every problem in a scenario or trace file; return the
    warnings (``Problem`` objects with severity ``warning``) of a valid one."""
    p = Path(path)
    if p.suffix.lower() in SCENARIO_SUFFIXES:
        scenario = load_scenario(p)
        load_timeline(scenario)
        return list(scenario.warnings)
    if p.suffix.lower() in TRACE_SUFFIXES:
        from bgreplay.trace.io import read_trace_file

        read_trace_file(p)
        return []
    raise InputError(
        f"{p}: unknown file type {p.suffix!r}",
        fix="pass a scenario (.yaml, .yml) or a trace (.csv, .parquet)",
    )


from bgreplay.scenario.lint import Finding  # noqa: E402  (lint needs only the model)


def lint(scenario: Scenario) -> list[Finding]:
    """Static checks of the scenario's app configuration (SPEC §4.9), sorted by YAML location."""
    from bgreplay.scenario.lint import lint_scenario

    return lint_scenario(scenario)


def resolve_profile(scenario: Scenario) -> Profile:
    """The scheduler profile: a built-in name or a profile file, plus ``scheduler.params``."""
    from bgreplay.engine.profiles import PROFILE_NAMES, build_profile, default_profile_name

    name = scenario.scheduler.profile or default_profile_name(scenario.device.ios)
    overrides = dict(scenario.scheduler.params)
    if name in PROFILE_NAMES:
        return build_profile(name, overrides)
    base, params = _read_profile_file(scenario, name)
    params.update(overrides)
    return build_profile(Path(name).stem, params, base=base)


def _read_profile_file(scenario: Scenario, name: str) -> tuple[str, dict[str, object]]:
    """A profile file (``scenario.scheduler.read_profile_file``), relative to the scenario."""
    from bgreplay.engine.profiles import PROFILE_NAMES
    from bgreplay.scenario.scheduler import read_profile_file

    path = Path(name)
    if not path.is_absolute() and scenario.path is not None:
        path = scenario.path.parent / path
    if not path.exists():
        raise InputError(
            Problem(
                scenario.source.at("scheduler", "profile"),
                f"unknown profile {name!r} (no such file)",
                f"use one of {', '.join(PROFILE_NAMES)} or a YAML file with base: and params:",
            )
        )
    return read_profile_file(path)


def replay(
    scenario: Scenario,
    timeline: Timeline | None = None,
    *,
    explain_task: str | None = None,
    on_day: Callable[[int, int], None] | None = None,
    record_params: bool = False,
) -> ReplayResult:
    """Replay a scenario and return its ``ReplayResult``; ``on_day(done_ms, total_ms)`` is
    called after each simulated day (for progress bars); with ``record_params`` the result
    lists the profile parameters the replay read.

    A replay whose cost passes ``MAX_REPLAY_WORK`` stops with ``InputError`` (see
    ``check_replay_work``). The compiled engine replays where it is built and current
    (``bgreplay --version`` says which)."""
    from bgreplay.engine.select import engine_module
    from bgreplay.gcpause import paused_gc

    if timeline is None:
        timeline = load_timeline(scenario)
    profile = resolve_profile(scenario)
    with paused_gc():  # the replay makes many short-lived objects and no cycles
        engine = engine_module(record_params=record_params).Replay(
            scenario, timeline, profile, explain_task=explain_task, record_params=record_params
        )
        end = scenario.duration_ms
        for until in range(HOUR_MS, end + HOUR_MS, HOUR_MS):
            engine.advance(min(until, end))
            check_replay_work(scenario, engine.work, min(until, end))
            if on_day is not None and (until % DAY_MS == 0 or until >= end):
                on_day(min(until, end), end)
        result = engine.result()
        del engine  # freed before the collector resumes, which would scan it all (engine.replay)
    return result


HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def _replay_reporting(on_day: Callable[[int, int], None] | None) -> Callable[..., ReplayResult]:
    """``replay``, reporting its progress to ``on_day`` when there is one."""
    if on_day is None:
        return replay
    import functools

    return functools.partial(replay, on_day=on_day)


def check_replay_work(scenario: Scenario, work: int, at_ms: int) -> None:
    """Refuse a replay that costs more than ``MAX_REPLAY_WORK`` (requests scored and
    prediction steps: about a minute of replay). Once a replay has done a 32nd of that,
    it is refused as soon as its pace so far would pass twice the limit by its end (the first
    hours are the busiest: every app starts), so a replay far too large stops within seconds.
    Counted in work, not wall time, so the same scenario is always accepted or refused."""
    from bgreplay.errors import Location
    from bgreplay.scenario.limits import MAX_REPLAY_WORK

    end = scenario.duration_ms
    projected = work * end // max(at_ms, 1)
    if work <= MAX_REPLAY_WORK and (
        work < MAX_REPLAY_WORK // 32 or projected <= 2 * MAX_REPLAY_WORK
    ):
        return
    from bgreplay.analysis.formatting import format_duration

    where = Location(str(scenario.path) if scenario.path is not None else "scenario")
    raise InputError(
        Problem(
            where,
            f"the replay is too large for bgreplay: after {format_duration(at_ms / 1000)} of "
            f"{format_duration(end / 1000)} it had scored {work:,} requests and predicted "
            f"moments, on course for about {projected:,}; a replay may do at most "
            f"{MAX_REPLAY_WORK:,} (about a minute)",
            "replay fewer days (--days), fewer tasks, or submit less often (earliest_begin, "
            "submit.when); see docs/limits.md",
        )
    )


def event_log(result: ReplayResult, *, variant: str | None = None, device: int = 0) -> pl.DataFrame:
    """The replay's event log as a polars frame with the SPEC §7 columns, in time order;
    ``variant`` (the scenario's own by default) and ``device`` fill their columns."""
    from bgreplay.analysis.frame import events_frame

    return events_frame(result, variant=variant or result.scenario.variant, device=device)


def metrics(result: ReplayResult, *, variant: str | None = None, device: int = 0) -> pl.DataFrame:
    """Every SPEC §8 metric of one replay as a tidy polars frame (see
    ``bgreplay.analysis.metrics``: scope, target, metric, kind, unit, value, values)."""
    from bgreplay.analysis.metrics import compute_metrics

    frame = event_log(result, variant=variant, device=device)
    return compute_metrics(frame, result.scenario, result.profile)


def invariant_violations(result: ReplayResult) -> list[Violation]:
    """Where the replay's event log breaks the model's lifecycle and policy invariants (none,
    unless the model has a bug)."""
    from bgreplay.analysis.invariants import check_invariants

    scenario = result.scenario
    return check_invariants(
        result.events, {t.id: t for t in scenario.tasks}, ipad=scenario.device.model == "ipad"
    )


def explain(result: ReplayResult, task: str, at: int | None = None) -> Explanation:
    """``bgreplay explain``: every evaluation of ``task`` around replay time ``at`` (or its
    verdict changes over the whole replay), and the answer in words. ``result`` comes from
    ``replay(..., explain_task=task)``, which keeps every evaluation of that task."""
    from bgreplay.analysis.explain import explain as _explain

    return _explain(result, task, at)


def calibrate(result: ReplayResult) -> list[TaskCalibration]:
    """``bgreplay calibrate``: per task, the launches a real device made (the trace's
    ``bg_task_observed`` rows) beside the replay's, with advice; empty without such rows."""
    from bgreplay.analysis.calibrate import calibrate as _calibrate

    return _calibrate(result)


def check(
    paths: Sequence[str | Path],
    *,
    baseline: str | Path | None = None,
    update_baseline: bool = False,
    tolerances: Sequence[str] = (),
    overrides: Sequence[str] = (),
    variant: str | None = None,
    on_day: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """``bgreplay check``: replay, evaluate ``expect``, compare with (or update) a baseline.

    ``overrides`` (``PATH=VALUE``) apply to every scenario; ``variant`` checks that variant
    alone. Returns a ``bgreplay.analysis.check.CheckReport``; its ``outcome`` counts the
    failed expectations and the regressions (``outcome.exit_code``: 0 or 1). Bad input raises
    ``InputError`` before anything is replayed. ``on_day`` is passed to every ``replay``.
    """
    from bgreplay.analysis.check import run_check

    return run_check(
        [str(p) for p in paths],
        load=load_scenario,
        replay=_replay_reporting(on_day),
        load_timeline=load_timeline,
        baseline=None if baseline is None else str(baseline),
        update_baseline=update_baseline,
        tolerances=tolerances,
        overrides=overrides,
        variant=variant,
    )


def compare(
    path: str | Path,
    *,
    variants: Sequence[str] = (),
    vary: Sequence[str] = (),
    metrics: Sequence[str] = (),
    overrides: Sequence[str] = (),
    scenario_variants: bool = True,
    on_day: Callable[[int, int], None] | None = None,
) -> Comparison:
    """``bgreplay compare``: the scenario's columns side by side (a
    ``bgreplay.analysis.compare.Comparison``); ``variants`` are ``NAME=PATH=VALUE[;...]``,
    ``vary`` ``PATH=V1,V2``, ``metrics`` row names such as ``launch_delay.p90``;
    ``overrides`` (``PATH=VALUE``) apply to every column; ``scenario_variants=False`` leaves
    out the scenario's own variants; ``on_day`` is passed to every ``replay``."""
    from bgreplay.analysis.compare import run_compare

    return run_compare(
        str(path),
        load=load_scenario,
        replay=_replay_reporting(on_day),
        variants=variants,
        vary=vary,
        metrics=metrics,
        overrides=overrides,
        scenario_variants=scenario_variants,
    )


def sensitivity(
    path: str | Path,
    *,
    overrides: Sequence[str] = (),
    metrics: Sequence[str] = (),
    jobs: int = 1,
) -> Sensitivity:
    """``bgreplay compare --sensitivity``: the scenario replayed at both ends of every uncertain
    model parameter it reads (a ``bgreplay.analysis.sensitivity.Sensitivity``)."""
    from bgreplay.analysis.sensitivity import run_sensitivity

    return run_sensitivity(
        str(path),
        load=load_scenario,
        replay=replay,
        load_timeline=load_timeline,
        metrics=metrics,
        overrides=overrides,
        jobs=jobs,
    )


def fleet(
    path: str | Path,
    *,
    devices: int,
    persona_mix: str | None = None,
    variants: Sequence[str] = (),
    vary: Sequence[str] = (),
    overrides: Sequence[str] = (),
    seed: int | None = None,
    apps: Sequence[str] = (),
    metrics: Sequence[str] = (),
    jobs: int | None = None,
    executor: str = "local",
    scheduler_address: str | None = None,
    out: str | Path | None = None,
    only_device: int | None = None,
    scenario_variants: bool = True,
    columns: Sequence[Column] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> FleetResult:
    """``bgreplay fleet``: replay the scenario over ``devices`` generated users (SPEC §9) and
    return a ``bgreplay.fleet.FleetResult`` (distributions across devices, expectation
    shares, metadata). ``persona_mix`` is ``NAME=WEIGHT,...``; ``variants``, ``vary`` and
    ``overrides`` as for ``compare`` (or explicit ``columns``); ``apps`` are ``BUNDLE:RATE``;
    ``executor`` is ``local`` or ``dask``; ``out`` a Parquet file with every metric of every
    device; ``on_progress(done, total)`` is called as devices finish."""
    from bgreplay.fleet.run import run_fleet

    return run_fleet(
        path,
        devices=devices,
        mix=persona_mix,
        variants=variants,
        vary=vary,
        overrides=overrides,
        seed=seed,
        apps=apps,
        metrics=metrics,
        jobs=jobs,
        executor=executor,
        address=scheduler_address,
        out=out,
        only_device=only_device,
        scenario_variants=scenario_variants,
        columns=columns,
        on_progress=on_progress,
        load=load_scenario,
        replay=replay,
    )


def fleet_compare(
    path: str | Path,
    *,
    devices: int,
    persona_mix: str | None = None,
    jobs: int | None = None,
    variants: Sequence[str] = (),
    vary: Sequence[str] = (),
    metrics: Sequence[str] = (),
    overrides: Sequence[str] = (),
    scenario_variants: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """``bgreplay compare --fleet N``: ``compare``'s columns, each cell the median across
    ``devices`` generated devices (``fleet``); the arguments as for ``compare`` and ``fleet``."""
    import functools

    from bgreplay.analysis.compare import run_fleet_compare

    runner = functools.partial(
        fleet,
        path,
        devices=devices,
        persona_mix=persona_mix,
        jobs=jobs,
        overrides=overrides,
        on_progress=on_progress,
    )
    return run_fleet_compare(
        str(path),
        load=load_scenario,
        fleet=runner,
        variants=variants,
        vary=vary,
        metrics=metrics,
        overrides=overrides,
        scenario_variants=scenario_variants,
    )


def scenario_schema() -> dict[str, object]:
    """The scenario format as a JSON Schema, with the model's parameters and metric names."""
    from bgreplay.analysis.registry import metric_names
    from bgreplay.engine.profiles import PARAMETERS
    from bgreplay.scenario.jsonschema import scenario_json_schema

    return scenario_json_schema(PARAMETERS, metric_names())


def scenario_reference() -> str:
    """The scenario reference page (``docs/scenario.md``) as Markdown."""
    from bgreplay.scenario.reference import reference_markdown

    return reference_markdown()


def scan(path: str | Path) -> ScanResult:
    """``bgreplay scan``: the scenario an app's source folder describes, and the pitfalls in its
    code (finding locations relative to the folder); ``InputError`` when it is not a readable
    folder of sources."""
    from bgreplay.scan import scan_folder

    return scan_folder(path)


# -- scheduler profiles, personas and device traces -------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileCatalogue:
    """``bgreplay profiles``: the built-in scheduler profiles in order, what each one stands
    for, and every model parameter (unit, source, confidence, the range the evidence allows)."""

    profiles: dict[str, Profile]
    notes: dict[str, str]
    parameters: tuple[Param, ...]


def profile_catalogue() -> ProfileCatalogue:
    """The built-in profiles and the parameters they set (see ``ProfileCatalogue``)."""
    from bgreplay.engine.profiles import PARAMETERS, PROFILE_NAMES, PROFILE_NOTES, build_profile

    return ProfileCatalogue(
        {name: build_profile(name) for name in PROFILE_NAMES},
        {name: PROFILE_NOTES[name] for name in PROFILE_NAMES},
        tuple(PARAMETERS.values()),
    )


def personas() -> list[Persona]:
    """The built-in personas of synthetic device traces (SPEC §5.4), in order."""
    from bgreplay.personas import PERSONAS

    return list(PERSONAS.values())


def persona(name: str) -> Persona:
    """The built-in persona ``name``; an unknown name is an ``InputError`` with a suggestion."""
    from bgreplay.personas import get_persona

    return get_persona(name)


def persona_parameters(persona: Persona) -> list[PersonaParameter]:
    """Every parameter of ``persona``: name, value, unit, source (a T§ section), description."""
    from bgreplay.personas import parameters

    return parameters(persona)


def generate_trace(
    persona: str | Persona,
    *,
    days: int,
    start: datetime,
    timezone: str = "UTC",
    seed: int = 0,
    apps: Sequence[tuple[str, float | None]] = (),
) -> PersonaTrace:
    """``bgreplay trace generate``: ``days`` days of a persona from the naive wall time
    ``start`` in ``timezone``; ``apps`` are ``(bundle, opens a day or None)``, a ``None`` rate
    drawn from the persona's rank-frequency law. The same inputs give the same trace."""
    from bgreplay.trace.persona_trace import generate_trace as _generate

    return _generate(persona, days, start, timezone, seed, apps)


def import_knowledgec(
    source: str | Path, *, device: str | None = None, timezone: str | None = None
) -> ImportResult:
    """``bgreplay trace import knowledgec``: a device trace from a ``knowledgeC.db``; ``device``
    picks a ``ZSOURCE.ZDEVICEID`` (``local``: rows without one), other UTC offsets than the
    home ``timezone``'s become time-zone rows."""
    from bgreplay.trace.importers.knowledgec import import_knowledgec as _import

    return _import(source, device, timezone)


def import_powerlog(
    source: str | Path, *, bgsql: str | Path | None = None, timezone: str = "UTC"
) -> ImportResult:
    """``bgreplay trace import powerlog``: a device trace from a sysdiagnose's PowerLog (and its
    ``.BGSQL``: the background-task runs the device observed); ``timezone`` when the log has no
    time-zone rows."""
    from bgreplay.trace.importers.powerlog import import_powerlog as _import

    return _import(source, bgsql, timezone)


def check_trace_output(path: str | Path) -> Path:
    """The file a trace will be written to, or an ``InputError`` saying why it cannot be (a
    suffix other than .csv or .parquet, a folder, a missing folder): checked before the work."""
    from bgreplay.trace.write import check_output_path

    return check_output_path(path)


def write_trace(path: str | Path, trace: PersonaTrace | ImportResult) -> Path:
    """Write a generated or imported trace as CSV or Parquet (by suffix), atomically; the same
    trace always gives the same bytes. Returns the path written."""
    from bgreplay.trace.write import write_trace as _write

    return _write(path, trace.frame())


def trace_day_stats(path: str | Path, *, timezone: str = "UTC") -> pl.DataFrame:
    """``bgreplay trace show``: per-day statistics of a trace file (unlocks, screen time, apps,
    charging, Wi-Fi share), after validating it (``InputError`` names the bad line);
    ``timezone`` is the zone of times written without an offset."""
    import polars as pl

    from bgreplay.trace.io import read_trace_and_rows
    from bgreplay.trace.stats import day_stats

    raw = read_trace_and_rows(path, timezone)[1]  # the rows as written
    return day_stats(raw.with_columns(pl.col(c).cast(pl.String) for c in ("value", "subject")))
