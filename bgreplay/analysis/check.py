"""``bgreplay check``: replay each scenario and variant, measure its expectations (the language
is ``expect``'s), and compare the metrics with a baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bgreplay.analysis.calls import LoadScenario, LoadTimeline, Replay
from bgreplay.analysis.expect import Expectation, ExpectationResult, evaluate, parse_expectations
from bgreplay.errors import InputError, Location, Problem
from bgreplay.exitcodes import Outcome
from bgreplay.scenario.model import Observation, Scenario

if TYPE_CHECKING:
    from bgreplay.analysis.baseline import Baseline, Change, Snapshot


@dataclass(frozen=True, slots=True)
class ReplayCheck:
    """One replayed scenario variant: its expectation results and baseline changes."""

    path: str
    variant: str
    name: str
    results: tuple[ExpectationResult, ...]
    changes: tuple[Change, ...] = ()  # beyond tolerance
    seconds: float = 0.0  # wall time of replay + metrics, for JUnit
    observation: Observation | None = None  # the scenario's field report, if any

    @property
    def failures(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.passed]


@dataclass(frozen=True, slots=True)
class CheckReport:
    checks: tuple[ReplayCheck, ...]
    baseline: str | None = None
    baseline_updated: bool = False

    @property
    def failed(self) -> int:
        return sum(len(c.failures) for c in self.checks)

    @property
    def passed(self) -> int:
        return sum(len(c.results) for c in self.checks) - self.failed

    @property
    def regressions(self) -> list[Change]:
        return [ch for c in self.checks for ch in c.changes]

    @property
    def outcome(self) -> Outcome:
        """Every failed expectation and every metric beyond the baseline tolerance fails."""
        return Outcome(failures=self.failed + len(self.regressions))


@dataclass(frozen=True, slots=True)
class _Planned:
    path: str
    variant: str
    scenario: Scenario
    expectations: tuple[Expectation, ...]


def _plan(
    paths: Sequence[str],
    load: LoadScenario,
    with_all_variants: bool,
    overrides: Sequence[str] = (),
    variant: str | None = None,
) -> list[_Planned]:
    """Load every scenario and variant and parse every expectation before anything runs.
    ``variant`` checks that variant alone (with the expectations it has, its own or the
    base's); ``overrides`` (``PATH=VALUE``) apply to every scenario."""
    planned: list[_Planned] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            base = load(path, overrides=overrides)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        own = set(base.variants_with_expect)
        names = [n for n in base.variant_names if with_all_variants or n in own]
        for name in ["base", *names] if variant is None else [variant]:
            try:
                scenario = base if name == "base" else load(path, variant=name, overrides=overrides)
                exps = (
                    parse_expectations(scenario) if name in ("base", variant) or name in own else ()
                )
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            planned.append(_Planned(str(path), name, scenario, exps))
    if problems:
        raise InputError(problems)
    return planned


def _robust(
    results: Sequence[ExpectationResult],
    scenario: Scenario,
    replay: Replay,
    load_timeline: LoadTimeline,
) -> tuple[ExpectationResult, ...]:
    """``robust: true``: replay at both ends of every uncertain parameter the scenario reads
    (as ``compare --sensitivity``) and fail where the expectation does not hold."""
    from bgreplay.analysis.sensitivity import robust_failures

    failures = robust_failures(
        [r.expectation for r in results], scenario, load_timeline(scenario), replay=replay
    )
    out = []
    for r in results:
        mine = tuple(
            (s.param, s.text, measured) for e, s, measured in failures if e is r.expectation
        )
        out.append(replace(r, passed=r.passed and not mine, not_robust=mine))
    return tuple(out)


def run_check(
    paths: Sequence[str],
    *,
    load: LoadScenario,
    replay: Replay,
    baseline: str | None = None,
    update_baseline: bool = False,
    tolerances: Sequence[str] = (),
    load_timeline: LoadTimeline | None = None,
    overrides: Sequence[str] = (),
    variant: str | None = None,
) -> CheckReport:
    """``bgreplay check``: replay each scenario (and each variant with its own ``expect``),
    evaluate expectations, and compare with / update a baseline.

    ``load(path, variant=None)`` returns a Scenario and ``replay(scenario)`` a ReplayResult
    (``bgreplay.api`` passes its own, and ``load_timeline`` for ``robust: true`` checks,
    which replay the scenario again at both ends of every uncertain parameter). With a
    baseline every variant is replayed, since the baseline holds every metric per scenario and
    variant. Bad input of any kind is raised as
    one ``InputError`` before the first replay.
    """
    import time

    from bgreplay.analysis import baseline as bl
    from bgreplay.analysis.frame import events_frame
    from bgreplay.analysis.metrics import compute_metrics

    if baseline == "":
        raise InputError(
            "--baseline names no file",
            fix="e.g. bgreplay check scenarios/*.yaml --baseline ci/baseline.json",
        )
    if update_baseline and baseline is None:
        raise InputError(
            "--update-baseline needs --baseline FILE",
            fix="e.g. bgreplay check scenarios/*.yaml --baseline ci/baseline.json "
            "--update-baseline",
        )
    tols = bl.parse_tolerances(tolerances)
    stored = None if baseline is None else bl.read_baseline(baseline, missing_ok=update_baseline)
    planned = _plan(
        paths, load, with_all_variants=stored is not None, overrides=overrides, variant=variant
    )
    if stored is not None and not update_baseline:
        _require_entries(stored, planned)
    if load_timeline is None and any(e.robust for p in planned for e in p.expectations):
        raise InputError(
            "robust: true needs the scenario's trace loader",
            fix="call bgreplay.api.check, which passes it",
        )
    checks: list[ReplayCheck] = []
    entries: dict[str, dict[str, Snapshot]] = {}  # scenario key → variant → its metrics
    for plan in planned:
        started = time.perf_counter()
        result = replay(plan.scenario)
        metrics = compute_metrics(
            events_frame(result, variant=plan.variant, printed=False), plan.scenario, result.profile
        )
        results = tuple(evaluate(plan.expectations, metrics))
        if load_timeline is not None and any(e.robust for e in plan.expectations):
            results = _robust(results, plan.scenario, replay, load_timeline)
        changes: tuple[Change, ...] = ()
        if stored is not None:
            key = bl.scenario_key(plan.path, stored.path)
            snap = bl.snapshot(metrics)
            entries.setdefault(key, {})[plan.variant] = snap
            old = None if update_baseline else stored.get(key, plan.variant)
            if old is not None:  # present: _require_entries checked
                changes = tuple(
                    bl.compare_snapshots(old, snap, tols, scenario=plan.path, variant=plan.variant)
                )
        checks.append(
            ReplayCheck(
                plan.path,
                plan.variant,
                plan.scenario.name,
                results,
                changes,
                time.perf_counter() - started,
                plan.scenario.observation,
            )
        )
    if update_baseline and stored is not None:
        bl.write_baseline(stored.path, entries)
    return CheckReport(tuple(checks), baseline, update_baseline)


def _require_entries(stored: Baseline, planned: Sequence[_Planned]) -> None:
    """Every planned scenario and variant has its entry in the baseline (bad input if not)."""
    from bgreplay.analysis.baseline import scenario_key

    missing = [
        p for p in planned if stored.get(scenario_key(p.path, stored.path), p.variant) is None
    ]
    if missing:
        raise InputError(
            [
                Problem(
                    Location(str(stored.path)),
                    f"no baseline for {p.path} (variant {p.variant})",
                    "record it with --update-baseline (and commit the baseline file)",
                )
                for p in missing
            ]
        )
