"""The scheduler's policies (SPEC §6.3), one small function each, and dasd's combination rule.

A policy answers ``(decision, score, weight, rationale)`` for one pending request, as dasd's
``_DAS*Policy`` classes do (F§2.2). ``live`` is False while the optimal-score scan asks what a
future moment *would* score from predictions only: then vetoes, which depend on the present
device state, are not asked. ``at`` None asks for the vetoes only (no scores).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bgreplay.engine.records import PolicyVerdict
from bgreplay.engine.rng import mix64, stream_seed
from bgreplay.scenario.model import Task

if TYPE_CHECKING:
    from bgreplay.engine.engine import Replay
    from bgreplay.engine.state import Request

# F§2.3: decision codes; the overall decision is the numeric maximum.
CP, MNP, MP, AMNP, AMP = 0, 33, 67, 100, 200
DECISION_NAMES = {CP: "CP", MNP: "MNP", MP: "MP", AMNP: "AMNP", AMP: "AMP"}
_BLOCKING = (MNP, AMNP)


@dataclass(frozen=True, slots=True)
class Policy:
    name: str  # as in dasd's log ("Battery Level Policy" → "Battery level")
    short: str  # the `throttled` reason
    applies: Callable[[Task], bool]
    evaluate: Callable[..., tuple | None]  # (decision, score, weight, rationale) or None
    state_only: bool  # a veto that only a device or app change can lift (no re-score on ticks)
    predicts: bool = False  # its score depends on the moment asked about (a prediction)


Answer = tuple  # (decision code, score, weight, rationale: str or a function giving it)


def _v(policy: str, decision: int, score: float, weight: float, why) -> Answer:
    """A policy's answer; the rationale is formatted only when someone reads it."""
    return (decision, score, weight, why)


def verdict(policy: Policy, answer: Answer) -> PolicyVerdict:
    code, score, weight, why = answer
    text = why() if callable(why) else why
    return PolicyVerdict(policy.name, DECISION_NAMES[code], score, weight, text)


def _is_processing_launch(task: Task) -> bool:
    """dasd's `launchType == PROCESSING`: processing and its health-research subclass (F44)."""
    return task.type in ("processing", "health_research")


# --- Application policy (F43, F45) --------------------------------------------------------
def application(r: Replay, req: Request, now: int, at: int, live: bool) -> Answer | None:
    p = r.params
    app = req.task.app
    if live and r.device.foreground == app:
        why = "appIsForeground: Required:0 Observed:1"
        return _v("Application", MNP, 0.0, p["app_weight"], why)
    if req.task.type != "refresh" or at is None:
        return None  # F44: its score applies to refresh only; the veto to every BG task (F45)
    look = at + p["app_prediction_offset"]
    if live:
        look += _jitter(r, app, now)
    likelihood = r.app_likelihood(app, look, at)
    s = math.sqrt(likelihood)
    if s > p["app_launch_rule"]:
        s = 1.0
    s += p["app_request_bonus"] * (r.pending_count(app) - 1)
    recent = r.is_recent_app(app, now)
    s = (1 - p["app_recent_share"]) * s + p["app_recent_share"] * (1.0 if recent else 0.0)
    if s > p["app_cap"]:
        s = 1.0
    s = min(max(s, 0.0), 1.0)
    def why() -> str:
        fade = r.dormancy_fade(app, at)
        faded = f" (faded x{fade:.2f}: not opened for {r.days_unopened(app, at):.1f} days, " \
                "FO11)" if fade <= 0.5 else ""  # from one half-life on: worth saying
        return (f"launch likelihood {likelihood:.3f}{faded}, "
                f"{'recent app' if recent else 'not recent'}")

    return _v("Application", CP, s, p["app_weight"], why)


def _jitter(r: Replay, app: str, now: int) -> int:
    """Uniform in [0, app_jitter_max], redrawn every app_jitter_redraw (F43); hashed from the
    app's named stream and the redraw period, not drawn in sequence, so it does not depend on
    how often the app is evaluated."""
    base = r.jitter_seeds.get(app)
    if base is None:
        base = r.jitter_seeds[app] = stream_seed(r.seed, f"app-jitter/{app}")
    bucket = now // r.params["app_jitter_redraw"]
    return mix64(base + bucket) * r.params["app_jitter_max"] >> 64


# --- Device activity policy (F6, F35, F46, F98) ---------------------------------------------
def device_activity(r: Replay, req: Request, now: int, at: int, live: bool) -> Answer | None:
    task = req.task
    p = r.params
    if task.type == "refresh":
        if at is None:
            return None
        prob = r.predictor.in_use_probability(r.local_ms(at))
        s = max(prob, p["device_activity_floor"])
        return _v("Device activity", CP, s, p["device_activity_weight"],
                  lambda: f"predicted in use soon {prob:.2f}")
    if not live or not _vetoed_in_use(task):
        return None
    if r.device.in_use:
        return _v("Device activity", MNP, 0.0, 0.0,
                  "launchType == PROCESSING AND deviceActive == YES")
    return None


def _vetoed_in_use(task: Task) -> bool:
    """F98: health research that needs `complete` data may run while the device is in use."""
    if task.type == "health_research":
        return task.protection not in ("complete", "complete_unless_open")
    return _is_processing_launch(task)


# --- Battery level (F34, F59) and critically low battery (F58) -----------------------------
def battery_level(r: Replay, req: Request, now: int, at: int, live: bool) -> Answer | None:
    d = r.device
    p = r.params
    level = r.battery_level(now)
    on_battery_processing = live and _is_processing_launch(req.task) and not d.plugged
    if on_battery_processing and (
        d.model != "ipad" or level < p["ipad_processing_min_battery"]
    ):
        return _v("Battery level", MNP, 0.0, p["battery_weight"],
                  lambda: f"launchType == PROCESSING AND pluggedIn == NO (battery {level:.0f}%)")
    if at is None:
        return None
    b = p["battery_base"]
    base = max(level - b, 0.0) / (100.0 - b)
    s = base ** p["battery_exponent"]
    if d.plugged:
        s *= p["battery_plugged_boost"]
    s = min(max(s, 0.0), 1.0)
    plugged = ", plugged" if d.plugged else ""
    return _v("Battery level", CP, s, p["battery_weight"], lambda: f"battery {level:.0f}%{plugged}")


def critical_battery(r: Replay, req: Request, now: int, at: int, live: bool):
    if not live or r.device.plugged:
        return None
    level = r.battery_level(now)
    if level <= r.params["critical_battery"]:
        limit = r.params["critical_battery"]
        return _v("Critically low battery", MNP, 0.0, 0.0,
                  lambda: f"battery {level:.0f}% <= {limit:.0f}%, unplugged")
    return None


# --- Low Power Mode (F52, F55, F56) --------------------------------------------------------
def low_power_mode(r: Replay, req: Request, now: int, at: int, live: bool):
    if not live or not r.lpm_enforced(now):
        return None
    if req.task.type == "continued_processing" and not req.lpm_submitted_before:
        return None  # F56: submitted after LPM engaged
    return _v("Low Power Mode", MNP, 0.0, 0.0, "Low Power Mode on, unplugged or battery < 30%")


# --- Thermal (F62, F63) ----------------------------------------------------------------------
def thermal(r: Replay, req: Request, now: int, at: int, live: bool) -> Answer | None:
    level = r.device.thermal
    p = r.params
    if live and (level == "critical" or (level == "serious" and req.task.is_processing_family)):
        return _v("Thermal", AMNP, 0.0, p["thermal_weight"], "thermal level " + level)
    if at is None:
        return None
    score = {"nominal": 1.0, "fair": p["thermal_score_fair"],
             "serious": p["thermal_score_serious"], "critical": 0.0}[level]
    return _v("Thermal", CP, score, p["thermal_weight"], "thermal level " + level)


# --- Energy budget (§6.6, F65, F66) ----------------------------------------------------------
def energy_budget(r: Replay, req: Request, now: int, at: int, live: bool):
    if not live or r.device.plugged:
        return None
    app = req.task.app
    left = r.energy_left(app, now)
    if left <= 0:
        def why() -> str:
            per_day = r.energy_allocation(app, now)
            return (f"Energy Budget: Required:1.00, Observed:0.00 ({left:.1f} units left; "
                    f"allocation {per_day:.1f} units/day from "
                    f"{r.daily_opens(app, now):.1f} opens/day, F42)")
        return _v("Energy budget", MNP, 0.0, 0.0, why)
    return None


def _budgeted(task: Task) -> bool:
    if task.type == "refresh":
        return True
    return task.type == "processing" and not task.requires_external_power


# --- Hard requirements (F32, F33) ------------------------------------------------------------
def network(r: Replay, req: Request, now: int, at: int, live: bool):
    if live and r.device.network == "none":
        return _v("Network", MNP, 0.0, 0.0, "requiresNetworkConnectivity, no network")
    return None


def external_power(r: Replay, req: Request, now: int, at: int, live: bool):
    if live and not r.device.plugged:
        return _v("External power", MNP, 0.0, 0.0, "requiresExternalPower, on battery")
    return None


# --- Rate limit (F68; FO1, FO3) --------------------------------------------------------------
def rate_limit(r: Replay, req: Request, now: int, at: int, live: bool):
    """F68: "the system reasonably spaces out launches". Field logs show one task's launches at
    least ~10 min apart for refresh (FO3) and ~30 min for processing (FO1)."""
    if not live:
        return None
    lifted = r.spacing_ends(req.task, now)
    if lifted is None:
        return None
    last = r.last_launch[req.task.id]
    return _v("Rate limit", MNP, 0.0, 0.0,
              lambda: f"launched {(now - last) / 60_000:.1f} min ago; launches of one task "
                      f"are spaced {(lifted - last) / 60_000:.0f} min apart (F68)")


# --- Boot time (F92) -------------------------------------------------------------------------
def boot_time(r: Replay, req: Request, now: int, at: int, live: bool):
    boot = r.device.last_boot
    if not live or boot is None:
        return None
    task = req.task
    wait = r.params["boot_wait_network"] if task.requires_network else r.params["boot_wait"]
    if now - boot < wait:
        return _v("Boot time", MNP, 0.0, 0.0,
                  lambda: f"Minimum seconds after boot: Required:{wait // 1000} "
                          f"Observed:{(now - boot) // 1000}")
    return None


# --- App switcher (F47, F48) and Background App Refresh (F51, F52) --------------------------
def app_switcher(r: Replay, req: Request, now: int, at: int, live: bool):
    if live and r.apps[req.task.app].force_quit:
        return _v("App switcher", MNP, 0.0, 0.0,
                  "the user force-quit the app; no launches until it is opened again")
    return None


def background_app_refresh(r: Replay, req: Request, now: int, at: int, live: bool):
    d = r.device
    if live and (d.bar_global_off or req.task.app in d.bar_off_apps):
        scope = "globally" if d.bar_global_off else "for this app"
        return _v("Background App Refresh", MNP, 0.0, 0.0, f"Background App Refresh off {scope}")
    return None


# --- Recent use (F29, F44) -------------------------------------------------------------------
def recent_use(r: Replay, req: Request, now: int, at: int, live: bool):
    if not live:
        return None
    last = r.apps[req.task.app].last_open
    window = r.params["processing_recent_use"]
    if last is None or now - last > window:
        return _v("Recent use", MNP, 0.0, 0.0,
                  lambda: f"app not used in the foreground in the last {window // 86_400_000} days")
    return None


# --- Penalty (F74) ---------------------------------------------------------------------------
def penalty(r: Replay, req: Request, now: int, at: int, live: bool):
    if at is None:
        return None
    factor = r.penalty_multiplier(req.task.id, now)
    if factor >= 1.0:
        return None
    return _v("Penalty", CP, factor, 0.0,
              "score multiplied: a recent run was killed or never completed")


POLICIES: tuple[Policy, ...] = (
    Policy("Application", "application", lambda t: t.type != "continued_processing", application,
           True, predicts=True),
    Policy("Device activity", "device_activity",
           lambda t: t.type != "continued_processing", device_activity, True, predicts=True),
    Policy("Battery level", "battery", lambda t: t.type != "continued_processing",
           battery_level, True),
    Policy("Critically low battery", "critical_battery", lambda t: t.type == "refresh",
           critical_battery, True),
    Policy("Low Power Mode", "low_power_mode", lambda t: True, low_power_mode, True),
    Policy("Thermal", "thermal", lambda t: True, thermal, True),
    Policy("Energy budget", "energy_budget", _budgeted, energy_budget, False),
    Policy("Network", "network", lambda t: t.requires_network, network, True),
    Policy("External power", "external_power", lambda t: t.requires_external_power,
           external_power, True),
    Policy("Rate limit", "rate_limit", lambda t: t.type != "continued_processing", rate_limit,
           True),
    Policy("Boot time", "boot_time", lambda t: t.type != "continued_processing", boot_time, False),
    Policy("App switcher", "app_switcher", lambda t: True, app_switcher, True),
    Policy("Background App Refresh", "background_app_refresh", lambda t: t.type == "refresh",
           background_app_refresh, True),
    Policy("Recent use", "recent_use", lambda t: t.type == "processing", recent_use, True),
    Policy("Penalty", "penalty", lambda t: True, penalty, False),
)
POLICY_BY_NAME = {p.name: p for p in POLICIES}
SHORT_NAMES = {p.name: p.short for p in POLICIES}


def policies_for(task: Task) -> tuple[Policy, ...]:
    return tuple(p for p in POLICIES if p.applies(task))


def combine(answers: list[Answer]) -> tuple[int, float, int]:
    """dasd's rule (F§2.3): the decision is the numeric maximum; MNP/AMNP block with score 0;
    MP/AMP (or nothing weighted) score 1; otherwise the weighted mean of the CP answers.
    Weight-0 CP answers (the penalty) multiply the result. Returns ``(decision, score,
    index of the blocking answer or -1)``."""
    decision = CP
    blocker = -1
    num = den = 0.0
    factor = 1.0
    for i, (code, score, weight, _) in enumerate(answers):
        if code > decision:
            decision = code
            if code in _BLOCKING:
                blocker = i
        if code == CP:
            if weight > 0:
                num += weight * score
                den += weight
            else:
                factor *= score
    if decision in _BLOCKING:
        return decision, 0.0, blocker
    if decision in (MP, AMP) or den == 0:
        return decision, factor, -1
    return decision, num / den * factor, -1


def relax(slot: int, pre: float, d: float, e: float) -> float:
    """F§2.3: the threshold relaxes across 10 slots between the optimal time and the deadline."""
    if slot <= 0:
        return pre
    return max(pre * (1 - (10 * min(slot, 10) / d) ** e), 0.0)
