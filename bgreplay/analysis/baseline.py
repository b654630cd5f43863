"""Baselines (SPEC §8): every metric per scenario and variant, stored as JSON, and tolerances.

File format (sorted keys, two-space indent, one trailing newline, so diffs stay readable)::

    {
      "bgreplay_baseline": 1,
      "scenarios": {
        "scenarios/film.yaml": {            # path relative to the baseline file's folder
          "base": {                         # variant
            "device": {"min_battery": 42.0, ...},
            "io.x.film": {"staleness_at_open.p50": 1800.0, "staleness_at_open.p90": ...},
            "io.x.film.refresh": {"kills": 0.0, "launch_delay.max": 7200.0, ...}
          }
        }
      }
    }

Scalars are stored by name; each distribution as ``.p50``, ``.p90``, ``.max`` and ``.count``;
``null`` means "no data". A metric moving by more than its tolerance, in either direction, is a
regression (SPEC §8: the baseline pins behaviour; an improvement is reported as "better" and
still needs ``--update-baseline`` so the new level is locked in).

Tolerances: ``5%`` (default) is relative to the old value — so any change from 0 is beyond it —
and ``N`` or a duration (``30s``) is absolute, in the metric's unit (a duration on an ``hours``
metric is converted). ``METRIC=TOL`` sets one metric's tolerance; METRIC is a name (``kills``,
matching ``kills`` only), a key (``launch_delay.p90``), a stem covering all aggregations
(``launch_delay``) or an ``fnmatch`` pattern (``kills.*``). When several match, the last given
wins.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import polars as pl

from bgreplay.analysis.formatting import format_value
from bgreplay.analysis.measure import split_key, summary
from bgreplay.analysis.registry import metric_def, metric_names
from bgreplay.errors import InputError, Location, Problem
from bgreplay.fsutil import exclusive, write_atomic
from bgreplay.scenario.durations import FormatError, parse_duration

BASELINE_VERSION = 1
DEFAULT_TOLERANCE = "5%"
Snapshot = dict[str, dict[str, float | None]]  # target → key → value


@dataclass(frozen=True, slots=True)
class Tolerance:
    amount: float
    relative: bool = True
    duration: bool = False  # written as a duration: ``amount`` is seconds
    text: str = DEFAULT_TOLERANCE

    def allows(self, old: float, new: float, unit: str) -> bool:
        delta = abs(new - old)
        if self.relative:
            return delta <= self.amount * abs(old) + 1e-9
        limit = self.amount / 3600.0 if self.duration and unit == "hours" else self.amount
        return delta <= limit + 1e-9


@dataclass(frozen=True, slots=True)
class Tolerances:
    default: Tolerance = Tolerance(0.05)
    overrides: tuple[tuple[str, Tolerance], ...] = ()

    def for_key(self, key: str) -> Tolerance:
        name, _ = split_key(key)
        chosen = self.default
        for pattern, tol in self.overrides:
            if pattern in (key, name) or (
                _is_glob(pattern) and (fnmatchcase(key, pattern) or fnmatchcase(name, pattern))
            ):
                chosen = tol
        return chosen


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def _parse_tolerance(text: str) -> Tolerance:
    raw = text.strip()
    try:
        if raw.endswith("%"):
            amount = float(raw[:-1]) / 100.0
            relative, duration = True, False
        else:
            try:
                amount, relative, duration = float(raw), False, False
            except ValueError:
                amount = parse_duration(raw, allow_zero=True) / 1000.0
                relative, duration = False, True
    except (ValueError, FormatError):
        raise ValueError(f"cannot read the tolerance '{raw}'") from None
    if math.isnan(amount) or amount < 0:
        raise ValueError(f"the tolerance '{raw}' is negative")
    return Tolerance(amount, relative, duration, raw)


def parse_tolerances(specs: Sequence[str]) -> Tolerances:
    """``--tolerance`` options: ``5%`` sets the default, ``METRIC=10%`` one metric's."""
    fix = (
        "write --tolerance 5% (relative), --tolerance kills=0 (absolute) or "
        "--tolerance launch_delay=30s"
    )
    default, overrides, problems = Tolerance(0.05), [], []
    for spec in specs:
        pattern, eq, value = spec.rpartition("=")
        try:
            tol = _parse_tolerance(value)
        except ValueError as exc:
            problems.append(Problem(Location("--tolerance"), f"{exc} in '{spec}'", fix))
            continue
        if not eq:
            default = tol
            continue
        pattern = pattern.strip()
        if not _is_glob(pattern) and metric_def(split_key(pattern)[0]) is None:
            close = difflib.get_close_matches(pattern, metric_names(), n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            problems.append(
                Problem(
                    Location("--tolerance"),
                    f"unknown metric '{pattern}' in '{spec}'{hint}",
                    "see docs/metrics.md for metric names",
                )
            )
            continue
        overrides.append((pattern, tol))
    if problems:
        raise InputError(problems)
    return Tolerances(default, tuple(overrides))


# -- snapshots and comparison ------------------------------------------------------------------


def _clean(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), 6)


def snapshot(metrics: pl.DataFrame) -> Snapshot:
    """What a baseline stores for one replay: every scalar, and p50/p90/max/count of each
    distribution, rounded to 6 decimals."""
    return {
        target: {key: _clean(v) for key, v in sorted(entry.items())}
        for target, entry in sorted(summary(metrics).items())
    }


@dataclass(frozen=True, slots=True)
class Change:
    """One metric that moved beyond its tolerance (or appeared or disappeared)."""

    scenario: str
    variant: str
    target: str
    key: str
    old: float | None
    new: float | None
    tolerance: str
    missing: str = ""  # "old": not in the baseline; "new": no longer measured

    @property
    def unit(self) -> str:
        name, agg = split_key(self.key)
        mdef = metric_def(name, strict=False)
        if mdef is None:
            return "count"
        return "count" if agg == "count" else mdef.unit

    @property
    def direction(self) -> str:
        """``worse``, ``better`` or ``changed`` (no better direction, or no data on a side)."""
        mdef = metric_def(split_key(self.key)[0], strict=False)
        if self.old is None or self.new is None or mdef is None or mdef.better == "none":
            return "changed"
        if split_key(self.key)[1] == "count":
            return "changed"
        higher = self.new > self.old
        return "better" if higher == (mdef.better == "higher") else "worse"

    @property
    def text(self) -> str:
        old = "—" if self.missing == "old" else format_value(self.old, self.unit)
        new = "—" if self.missing == "new" else format_value(self.new, self.unit)
        return f"{old} → {new}"

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "variant": self.variant,
            "target": self.target,
            "metric": self.key,
            "old": self.old,
            "new": self.new,
            "change": self.text,
            "direction": self.direction,
            "tolerance": self.tolerance,
            "missing": self.missing or None,
        }


def _moved(old: float | None, new: float | None, tol: Tolerance, unit: str) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    return not tol.allows(old, new, unit)


def compare_snapshots(
    old: Snapshot,
    new: Snapshot,
    tolerances: Tolerances,
    *,
    scenario: str = "",
    variant: str = "base",
) -> list[Change]:
    """Every metric of ``new`` that moved beyond tolerance from ``old``, in a stable order.

    A family member absent on one side (``throttled_time.thermal`` never happened) counts as 0.
    """
    changes = []
    for target in sorted(set(old) | set(new)):
        before, after = old.get(target, {}), new.get(target, {})
        for key in sorted(set(before) | set(after)):
            name, _ = split_key(key)
            mdef = metric_def(name, strict=False)
            family = mdef is not None and mdef.family
            tol = tolerances.for_key(key)
            missing = ""
            if key not in before:
                missing = "" if family else "old"
            elif key not in after:
                missing = "" if family else "new"
            o = before.get(key, 0.0 if family else None)
            n = after.get(key, 0.0 if family else None)
            unit = Change(scenario, variant, target, key, o, n, tol.text).unit
            if missing or _moved(o, n, tol, unit):
                changes.append(Change(scenario, variant, target, key, o, n, tol.text, missing))
    return changes


# -- the file ----------------------------------------------------------------------------------


def scenario_key(path: str | os.PathLike[str], baseline_path: str | os.PathLike[str]) -> str:
    """A scenario's key in the baseline: its path relative to the baseline file's folder, so the
    file works from any working directory."""
    folder = Path(baseline_path).resolve().parent
    try:
        rel = os.path.relpath(Path(path).resolve(), folder)
    except ValueError:  # another drive on Windows
        rel = str(Path(path).resolve())
    return Path(rel).as_posix()


@dataclass
class Baseline:
    path: Path
    scenarios: dict[str, dict[str, Snapshot]] = field(default_factory=dict)

    def get(self, scenario: str, variant: str) -> Snapshot | None:
        return self.scenarios.get(scenario, {}).get(variant)


def read_baseline(path: str | os.PathLike[str], *, missing_ok: bool = False) -> Baseline:
    """Read a baseline file; a missing or malformed one is bad input (exit 2)."""
    p = Path(path)
    where = Location(str(p))
    fix = "create it with: bgreplay check SCENARIO... --baseline FILE --update-baseline"
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Baseline(p)
        raise InputError(Problem(where, "baseline file not found", fix)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(where, f"cannot read the baseline: {exc}", fix)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            Problem(Location(str(p), exc.lineno, exc.colno), f"not valid JSON: {exc.msg}", fix)
        ) from None
    if (
        not isinstance(doc, dict)
        or doc.get("bgreplay_baseline") != BASELINE_VERSION
        or not isinstance(doc.get("scenarios"), dict)
    ):
        raise InputError(Problem(where, "not a bgreplay baseline (version 1)", fix))
    return Baseline(p, _validated(doc["scenarios"], where, fix))


def _validated(raw: Mapping, where: Location, fix: str) -> dict[str, dict[str, Snapshot]]:
    def ok_value(v: object) -> bool:
        return v is None or (isinstance(v, int | float) and not isinstance(v, bool))

    for scen, variants in raw.items():
        shape_ok = isinstance(variants, dict) and all(
            isinstance(snap, dict)
            and all(
                isinstance(entry, dict) and all(ok_value(v) for v in entry.values())
                for entry in snap.values()
            )
            for snap in variants.values()
        )
        if not shape_ok:
            raise InputError(Problem(where, f"malformed entry for scenario '{scen}'", fix))
    return {
        s: {
            v: {
                t: {k: (None if x is None else float(x)) for k, x in e.items()}
                for t, e in snap.items()
            }
            for v, snap in variants.items()
        }
        for s, variants in raw.items()
    }


def render_baseline(scenarios: Mapping[str, Mapping[str, Snapshot]]) -> str:
    doc = {"bgreplay_baseline": BASELINE_VERSION, "scenarios": scenarios}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_baseline(
    path: str | os.PathLike[str], entries: Mapping[str, Mapping[str, Snapshot]]
) -> None:
    """Write the baseline atomically. Scenarios in ``entries`` replace their old entry whole
    (every variant); other scenarios in the file are kept. The file is read again, merged and
    written under an exclusive lock, so two updates at once (two CI jobs) both land."""
    try:
        with exclusive(path):
            merged = dict(read_baseline(path, missing_ok=True).scenarios)
            for scen, variants in entries.items():
                merged[scen] = dict(variants)
            write_atomic(path, render_baseline(merged))
    except OSError as exc:  # a full disk or a read-only folder: the old file is untouched
        raise InputError(
            Problem(
                Location(str(path)),
                f"cannot write the baseline ({exc.strerror or exc}); the "
                "previous file is unchanged",
                "free some disk space, or check the folder exists and is writable",
            )
        ) from None
