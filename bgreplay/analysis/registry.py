"""The registry of SPEC §8's metrics: each metric's name, scope, kind, unit and which way is better,
defined once. ``check``, ``compare``, ``fleet`` and ``docs/metrics.md`` read ``METRICS``, so
none of them can drift; ``metrics`` computes them, ``measure`` aggregates and looks them up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bgreplay.engine.records import KILL_REASONS

Scope = Literal["task", "app", "device"]
Kind = Literal["scalar", "distribution"]
Unit = Literal["seconds", "hours", "count", "ratio", "percent", "units"]
Better = Literal["higher", "lower", "none"]


def _throttle_reasons() -> tuple[str, ...]:
    """What a ``throttled`` event's reason may be: a policy's short name or an engine state."""
    from bgreplay.engine.policies import REASONS

    return tuple(REASONS)


@dataclass(frozen=True, slots=True)
class MetricDef:
    """One metric: what it measures, where, in which unit, and which way is better.

    A *family* (``kills.<reason>``) stands for one scalar per suffix; ``members`` lists the known
    suffixes, or is empty when any suffix is allowed (policy names come from the profile).
    """

    name: str
    scope: Scope
    kind: Kind
    unit: Unit
    better: Better
    doc: str
    family: bool = False
    members: tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return self.name.split(".", 1)[0]


def _m(
    name: str,
    scope: Scope,
    kind: Kind,
    unit: Unit,
    better: Better,
    doc: str,
    members: tuple[str, ...] | None = None,
) -> MetricDef:
    return MetricDef(
        name, scope, kind, unit, better, doc, family=members is not None, members=members or ()
    )


METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in (
        _m(
            "submits",
            "task",
            "scalar",
            "count",
            "none",
            "Requests accepted by `submit` (`submitted` events); failed submits are not counted.",
        ),
        _m(
            "submit_errors",
            "task",
            "scalar",
            "count",
            "lower",
            "Submits that failed (`submit_failed`: unavailable, notPermitted, "
            "tooManyPendingTaskRequests, immediateRunIneligible).",
        ),
        _m(
            "replaced",
            "task",
            "scalar",
            "count",
            "lower",
            "Pending requests replaced by a new submit of the same identifier (resets the timer, "
            "F14).",
        ),
        _m(
            "launches",
            "task",
            "scalar",
            "count",
            "higher",
            "Runs launched (organic and simulated).",
        ),
        _m(
            "launches_per_day",
            "task",
            "scalar",
            "count",
            "higher",
            "`launches` divided by the replay's length in days.",
        ),
        _m(
            "completions",
            "task",
            "scalar",
            "count",
            "higher",
            "Runs that called `setTaskCompleted` (`completed`, success or failure).",
        ),
        _m("successes", "task", "scalar", "count", "higher", "Runs completed with success."),
        _m(
            "failures",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs completed with failure (including completion after expiration).",
        ),
        _m(
            "expirations",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs whose expiration handler was called (`expired`).",
        ),
        _m(
            "kills",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs killed by the system (`killed`, any reason).",
        ),
        _m(
            "kills.<reason>",
            "task",
            "scalar",
            "count",
            "lower",
            "Runs killed for one reason: " + ", ".join(KILL_REASONS) + ".",
            KILL_REASONS,
        ),
        _m(
            "throttled_time",
            "task",
            "scalar",
            "seconds",
            "lower",
            "Time pending past `start_after` while blocked: from each `throttled` event to the "
            "request's next event (`throttled`, `launched`, `replaced`, `cancelled`, "
            "`submitted`) or the end of the replay.",
        ),
        _m(
            "throttled_time.<policy>",
            "task",
            "scalar",
            "seconds",
            "lower",
            "`throttled_time` while the given policy blocked the request (`threshold` = score "
            "below threshold; `device_off`, `already_running` = engine states). Zero when it "
            "never blocked the request. Policies: " + ", ".join(_throttle_reasons()) + ".",
            _throttle_reasons(),
        ),
        _m(
            "launch_delay",
            "task",
            "distribution",
            "seconds",
            "lower",
            "Per launch: launch time − `start_after`.",
        ),
        _m(
            "begin_delay",
            "task",
            "distribution",
            "seconds",
            "lower",
            "Per organic launch: launch time − the request's earliest begin date (`launch_delay` "
            "plus dasd's start delay for the task type, F29, F31).",
        ),
        _m(
            "launch_spacing",
            "task",
            "distribution",
            "seconds",
            "none",
            "Time between consecutive organic launches of the task (dasd's rate limit, F68).",
        ),
        _m(
            "launches_by_day",
            "task",
            "distribution",
            "count",
            "none",
            "Launches in each 24-hour day of the replay, in order; `at(N)` is day N.",
        ),
        _m(
            "launches_by_week",
            "task",
            "distribution",
            "count",
            "none",
            "Launches in each 7-day week of the replay, in order (a last partial week counts); "
            "`at(N)` is week N.",
        ),
        _m(
            "runtime",
            "task",
            "distribution",
            "seconds",
            "none",
            "Per run: launch to its end (`completed` or `killed`).",
        ),
        _m(
            "time_to_expiration",
            "task",
            "distribution",
            "seconds",
            "none",
            "Per expired run: launch to the expiration (`expired`), whatever expired it.",
        ),
        _m(
            "energy",
            "task",
            "scalar",
            "units",
            "lower",
            "Energy-budget units spent by the task's runs on battery (§6.6; the `energy` of "
            "`completed` / `killed` in the event log). Runs while plugged in cost nothing.",
        ),
        _m("opens", "app", "scalar", "count", "none", "Foreground opens (`app_opened`)."),
        _m(
            "staleness_at_open",
            "app",
            "distribution",
            "seconds",
            "lower",
            "Per open: open time − last fetch completion, measured before the open's own sync. "
            "Opens before any fetch (no staleness) are left out.",
        ),
        _m(
            "fresh_open_ratio",
            "app",
            "scalar",
            "ratio",
            "higher",
            "Share of opens with staleness below `fresh_within` (1 h); an open with no fetch yet "
            "is not fresh. No data when the app was never opened.",
        ),
        _m(
            "missed_changes_at_open",
            "app",
            "distribution",
            "count",
            "lower",
            "Per open: server changes not fetched yet (the `missed_changes` of `app_opened`).",
        ),
        _m(
            "background_runtime",
            "app",
            "scalar",
            "seconds",
            "none",
            "Total runtime of all the app's background runs.",
        ),
        _m(
            "prewarms",
            "app",
            "scalar",
            "count",
            "none",
            "Pre-warm launches of the app's process (`prewarmed`, F93).",
        ),
        _m(
            "prewarms_per_open",
            "app",
            "scalar",
            "ratio",
            "none",
            "`prewarms` divided by `opens`. No data when the app was never opened.",
        ),
        _m(
            "prewarmed_start_share",
            "app",
            "scalar",
            "ratio",
            "none",
            "Share of app starts (opens that found no process in memory, or one a pre-warm "
            "started) that a pre-warm started (`app_opened` reason `prewarmed` against "
            "`cold`); resumes of a process in memory are not starts (FO5).",
        ),
        _m(
            "prewarm_launch_code_share",
            "app",
            "scalar",
            "ratio",
            "none",
            "Share of pre-warms that ran the app's launch code (`prewarmed` reason "
            "`launch_code`, FO7). No data without pre-warms.",
        ),
        _m(
            "prewarm_to_open",
            "app",
            "distribution",
            "seconds",
            "none",
            "Per pre-warmed start: time from the pre-warm to the open that used it (FO6).",
        ),
        _m(
            "crashes",
            "app",
            "scalar",
            "count",
            "lower",
            "App crashes (`app_crashed`: no launch handler registered, late registration).",
        ),
        _m(
            "unlocks_per_day",
            "device",
            "scalar",
            "count",
            "none",
            "`unlocked` events divided by the replay's length in days.",
        ),
        _m(
            "plugged_hours_per_day",
            "device",
            "scalar",
            "hours",
            "none",
            "Hours on external power (from `plugged` / `unplugged` events) per day.",
        ),
        _m(
            "min_battery",
            "device",
            "scalar",
            "percent",
            "higher",
            "Lowest battery level seen (`battery` events). No data without battery events.",
        ),
    )
}
"""The registry, in display order."""

FAMILIES: dict[str, MetricDef] = {m.stem: m for m in METRICS.values() if m.family}


def metric_def(name: str, *, strict: bool = True) -> MetricDef | None:
    """The definition of ``name`` (``kills`` or ``kills.jetsam`` alike), or None if unknown.

    ``strict=False`` accepts any family suffix (a kill reason the registry does not list yet).
    """
    if name in METRICS and not METRICS[name].family:
        return METRICS[name]
    stem, dot, suffix = name.partition(".")
    fam = FAMILIES.get(stem)
    if fam is None or not dot or not suffix:
        return None
    if strict and fam.members and suffix not in fam.members:
        return None
    return fam


def known_metric(name: str) -> MetricDef:
    """The definition of a name already known to be a metric (a row ``parse_row`` accepted, or
    one ``compute_metrics`` produced); any family suffix is accepted."""
    mdef = metric_def(name, strict=False)
    if mdef is None:
        raise KeyError(f"not a metric: {name!r}")
    return mdef


def metric_names(scope: str | None = None) -> list[str]:
    """Every metric name a user may write (families expanded where their members are known)."""
    out: list[str] = []
    for m in METRICS.values():
        if scope is not None and m.scope != scope:
            continue
        if m.family:
            out.extend(f"{m.stem}.{s}" for s in m.members)
        else:
            out.append(m.name)
    return out


_POSITION = {name: i for i, name in enumerate(METRICS)}


def metric_rank(name: str) -> tuple[int, int, str]:
    """Registry order; family members in their documented order, then alphabetically."""
    mdef = metric_def(name, strict=False)
    if mdef is None:
        return (len(_POSITION), 0, name)
    if not mdef.family:
        return (_POSITION[mdef.name], 0, "")
    suffix = name.partition(".")[2]
    member = mdef.members.index(suffix) if suffix in mdef.members else len(mdef.members)
    return (_POSITION[mdef.name], member, suffix)
