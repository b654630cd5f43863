"""Scheduler profiles: every number of the model as a named, sourced parameter (SPEC §6).

Profiles are data. ``bgreplay profiles`` prints this table, so the documentation and the
behaviour cannot drift. Sources are F-numbers of ``research/ios-ground-truth.md`` (F§2.3 = its
section 2.3) or T§ sections of ``research/traces.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

DOCUMENTED = "documented"
ENGINEER = "Apple engineer"
REVERSED = "reverse-engineered"
OBSERVED = "observed"
ASSUMPTION = "assumption"

_S = 1_000
_MIN = 60 * _S
_H = 60 * _MIN
_D = 24 * _H


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: object
    unit: str  # "ms" (written as a duration), "ratio", "%", "count", "units/h", "bool", ...
    source: str
    confidence: str
    description: str

    def parse(self, raw: object) -> object:
        """Turn a written value (``5s``, ``0.5``, ``true``) into the engine's value or raise."""
        if self.unit == "bool":
            if isinstance(raw, bool):
                return raw
            raise ValueError(f"{self.name} takes true or false, not {raw!r}")
        if self.unit == "ms":
            if isinstance(raw, bool):
                raise ValueError(f"{self.name} takes a duration such as 5s, not {raw!r}")
            if isinstance(raw, int | float):
                if raw < 0:
                    raise ValueError(f"{self.name} must not be negative")
                return int(raw)
            if isinstance(raw, str):
                return _duration_ms(self.name, raw)
            raise ValueError(f"{self.name} takes a duration such as 5s, not {raw!r}")
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(f"{self.name} takes a number ({self.unit}), not {raw!r}")
        if raw < 0:
            raise ValueError(f"{self.name} must not be negative")
        return type(self.default)(raw) if isinstance(self.default, int | float) else raw


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_MS = {"ms": 1, "s": _S, "m": _MIN, "h": _H, "d": _D}


def _duration_ms(name: str, text: str) -> int:
    text = text.strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{name}: {text!r} is not a duration; write e.g. 5s, 15m, 1h30m")
    return int(sum(float(n) * _UNIT_MS[u] for n, u in parts))


def _p(name, default, unit, source, confidence, description) -> Param:
    return Param(name, default, unit, source, confidence, description)


PARAMETERS: dict[str, Param] = {
    p.name: p
    for p in (
        # --- request windows (§6.1)
        _p("refresh_start_delay", 0, "ms", "F31", OBSERVED,
           "delay dasd adds to earliest_begin for refresh requests"),
        _p("processing_start_delay", 450 * _S, "ms", "F29", OBSERVED,
           "delay dasd adds to earliest_begin for processing requests (~7.5 min)"),
        _p("window", 7 * _D, "ms", "F29", OBSERVED, "start_before = start_after + window"),
        _p("persist_on_reboot", True, "bool", "F90", ASSUMPTION,
           "pending requests survive a reboot"),
        _p("max_pending_refresh", 1, "count", "F13", DOCUMENTED,
           "pending refresh requests per app"),
        _p("max_pending_processing", 10, "count", "F13", DOCUMENTED,
           "pending processing requests per app"),
        # --- evaluation and threshold (§6.2)
        _p("rescore_interval", 15 * _MIN, "ms", "F40", REVERSED,
           "pending requests are re-scored this often (policy responses valid 900 s)"),
        _p("min_run_score", 0.6, "ratio", "F41", ASSUMPTION,
           "floor under the relaxing threshold: stands for dasd's non-public decision part"),
        _p("optimal_target", 0.9, "ratio", "F30", REVERSED,
           "the prediction scan stops at the first predicted score above this"),
        _p("prediction_horizon", 24 * _H, "ms", "F30", REVERSED,
           "how far past start_after the optimal-score scan looks"),
        _p("prediction_step", 15 * _MIN, "ms", "F30", REVERSED, "scan step"),
        _p("prediction_step_short", 5 * _MIN, "ms", "F30", REVERSED,
           "scan step for windows of 15 min or less"),
        _p("prediction_skip_beyond", 21 * _H, "ms", "F30", REVERSED,
           "start_after further away than this skips prediction"),
        _p("skipped_optimal_score", 0.01, "ratio", "F30", REVERSED,
           "optimal score when prediction is skipped"),
        _p("relax_pre", 0.95, "ratio", "F§2.3", REVERSED,
           "threshold relaxation at slot 0 (Background priority)"),
        _p("relax_d", 120.0, "count", "F§2.3", REVERSED, "relaxation curve D (Background)"),
        _p("relax_e", 1.5, "count", "F§2.3", REVERSED, "relaxation curve exponent E (Background)"),
        # --- Application policy (F43, F45)
        _p("app_weight", 50.0, "weight", "F43", REVERSED, "Application policy weight"),
        _p("app_prediction_offset", 450 * _S, "ms", "F43", REVERSED,
           "the app's launch likelihood is read this far ahead"),
        _p("app_jitter_max", 1350 * _S, "ms", "F43", REVERSED,
           "plus a uniform jitter up to this"),
        _p("app_jitter_redraw", 5 * _MIN, "ms", "F43", REVERSED, "jitter redraw period"),
        _p("app_default_likelihood", 0.0025, "ratio", "F43", REVERSED,
           "likelihood when the app has no usage history"),
        _p("app_launch_rule", 0.25, "ratio", "F43", REVERSED, "sqrt(p) above this scores 1"),
        _p("app_request_bonus", 0.1, "ratio", "F43", REVERSED,
           "score added per pending request of the app beyond the first"),
        _p("app_recent_share", 0.35, "ratio", "F43", REVERSED,
           "share of the score given by membership of the recent-apps set"),
        _p("app_recent_size", 25, "count", "F43", REVERSED, "size of the recent-apps set"),
        _p("recent_window", 3 * _D, "ms", "T§3.4", ASSUMPTION,
           "an app counts as recent only if opened within this window"),
        _p("app_cap", 0.5, "ratio", "F43", REVERSED, "a score above this becomes 1"),
        # --- Device activity policy (F35, F46)
        _p("device_activity_weight", 5.0, "weight", "F46", REVERSED,
           "Device activity policy weight for refresh"),
        _p("device_activity_floor", 0.05, "ratio", "F46", REVERSED,
           "floor of the predicted in-use probability"),
        _p("device_activity_horizon", 15 * _MIN, "ms", "F46", REVERSED,
           "'in use soon' looks this far ahead"),
        # --- Battery (F34, F58, F59)
        _p("battery_weight", 10.0, "weight", "F59", ASSUMPTION, "Battery level policy weight"),
        _p("battery_base", 20.0, "%", "F59", REVERSED, "battery score b (below-utility priority)"),
        _p("battery_exponent", 0.5, "count", "F59", REVERSED, "battery score exponent e"),
        _p("battery_plugged_boost", 1.2, "ratio", "F59", REVERSED,
           "battery score multiplier while plugged in"),
        _p("ipad_processing_min_battery", 75.0, "%", "F34", REVERSED,
           "an iPad runs processing on battery at or above this level"),
        _p("critical_battery", 20.0, "%", "F58", ENGINEER,
           "refresh is vetoed at or below this level unless plugged"),
        # --- Low Power Mode (F52, F55, F56)
        _p("lpm_battery_threshold", 30.0, "%", "F55", REVERSED,
           "LPM is not enforced while plugged in at or above this level"),
        # --- Thermal (F62, F63)
        _p("thermal_weight", 10.0, "weight", "F62", ASSUMPTION, "Thermal policy weight"),
        _p("thermal_score_fair", 0.6, "ratio", "F62", REVERSED, "score at fair"),
        _p("thermal_score_serious", 0.1, "ratio", "F62", REVERSED, "score at serious"),
        # --- Energy budget (§6.6, F65, F66)
        _p("energy_capacity", 60.0, "units", "F65", ASSUMPTION, "per-app energy budget"),
        _p("energy_refill", 2.5, "units/h", "F65", ASSUMPTION, "budget refill rate"),
        _p("energy_per_cpu_second", 1.0, "units", "F65", ASSUMPTION,
           "cost of one CPU-second on battery"),
        _p("energy_per_100kb_cellular", 1.0, "units", "F65", ASSUMPTION,
           "cost of 100 KB over cellular on battery"),
        _p("energy_per_100kb_wifi", 0.2, "units", "F65", ASSUMPTION,
           "cost of 100 KB over Wi-Fi on battery"),
        # --- Boot, recent use, penalty
        _p("boot_wait", 300 * _S, "ms", "F92", REVERSED, "no launches this long after boot"),
        _p("boot_wait_network", 120 * _S, "ms", "F92", REVERSED,
           "boot wait for requests that require the network"),
        _p("processing_recent_use", 7 * _D, "ms", "F29, F44", DOCUMENTED,
           "processing needs a foreground use of the app within this window"),
        _p("penalty_factor", 0.5, "ratio", "F74", ASSUMPTION,
           "score multiplier after a watchdog kill or a run ended without setTaskCompleted"),
        _p("penalty_duration", 24 * _H, "ms", "F74", ASSUMPTION, "how long a penalty lasts"),
        # --- Runs (§6.5)
        _p("refresh_runtime", 30 * _S, "ms", "F2", DOCUMENTED, "refresh allowance"),
        _p("processing_runtime_powered", 30 * _MIN, "ms", "F5", ASSUMPTION,
           "processing allowance when external power is required (and health research)"),
        _p("processing_runtime_battery", 10 * _MIN, "ms", "F5", ASSUMPTION,
           "processing allowance otherwise"),
        _p("expiration_grace", 5 * _S, "ms", "F71", ASSUMPTION,
           "time between expiration and the watchdog kill"),
        _p("cpu_limit", 0.8, "ratio", "F9", OBSERVED, "background CPU monitor threshold"),
        _p("cpu_limit_window", 60 * _S, "ms", "F9", OBSERVED,
           "sustained CPU above the threshold this long is killed"),
        _p("cp_max_concurrent", 2, "count", "F102", ASSUMPTION,
           "continued-processing tasks running at once"),
        _p("cp_stall", 30 * _S, "ms", "F105", REVERSED,
           "continued processing expires after this long without progress"),
        _p("cp_stall_first", 45 * _S, "ms", "F105", REVERSED,
           "... or this long before its first progress report"),
        _p("late_registration_crash", False, "bool", "F87", OBSERVED,
           "registering handlers after launch finishes crashes the app"),
        # --- Network (§6.7)
        _p("wifi_rtt", 50, "ms", "§6.7", ASSUMPTION, "Wi-Fi round trip"),
        _p("wifi_bandwidth", 20.0, "MB/s", "§6.7", ASSUMPTION, "Wi-Fi throughput"),
        _p("cellular_rtt", 150, "ms", "§6.7", ASSUMPTION, "cellular round trip"),
        _p("cellular_bandwidth", 5.0, "MB/s", "§6.7", ASSUMPTION, "cellular throughput"),
        _p("network_timeout", 10 * _S, "ms", "§6.7", ASSUMPTION,
           "a request without a network fails after this"),
        # --- Battery simulation (§6.8, T§3.7)
        _p("drain_idle", 0.7, "%/h", "T§3.7", OBSERVED, "battery drain while locked"),
        _p("drain_unlocked", 10.0, "%/h", "T§3.7", OBSERVED, "battery drain while in use"),
        _p("charge_fast", 1.2, "%/min", "T§3.7", OBSERVED, "charging rate up to 80 %"),
        _p("charge_slow", 0.3, "%/min", "T§3.7", OBSERVED, "charging rate from 80 % to 100 %"),
        # --- Usage predictor (§6.4)
        _p("history_half_life", 7 * _D, "ms", "§6.4", ASSUMPTION,
           "recency weighting of past days"),
        _p("history_days", 28, "count", "§6.4", ASSUMPTION, "days the predictor looks back"),
        _p("predictor_window", 15 * _MIN, "ms", "§6.4, seed", ASSUMPTION,
           "an open within this much of the time of day counts (the seed: an 8 AM app is "
           "refreshed around 7:30)"),
        _p("weekday_split_min_days", 3, "count", "§6.4", ASSUMPTION,
           "weekdays and weekends are predicted apart once each has this many days"),
        _p("history_repeat_days", 14, "count", "§6.4", ASSUMPTION,
           "days of the trace `history: repeat` replays before the start"),
        # --- Pre-warm launches (F93; docs/model.md)
        _p("prewarm_lead", 45 * _MIN, "ms", "F93", ASSUMPTION,
           "an app is pre-warmed this long before its predicted-use window opens; its launch "
           "code runs, app_launch submits included (0s: no pre-warming)"),
        _p("prewarm_likelihood", 0.0625, "ratio", "F93, F43", ASSUMPTION,
           "a predicted-use window is where the app's launch likelihood is above this (the "
           "level at which the Application policy scores 1)"),
    )
}

_DEFAULTS = {name: p.default for name, p in PARAMETERS.items()}

# How the built-in profiles differ from the shared defaults; `ideal` also drops scoring.
PROFILE_OVERRIDES: dict[str, dict[str, object]] = {
    "ios-17": {"late_registration_crash": True},  # F87: crash observed through iOS 18.6
    "ios-18": {"late_registration_crash": True},
    "ios-26": {},  # F87: no late-registration check in the iOS 26.1 decompile
    "ideal": {"prewarm_lead": 0},  # no prediction, so nothing to pre-warm for
}
PROFILE_NOTES: dict[str, str] = {
    "ios-17": "iOS 17: health research available (F96); late registration crashes (F87)",
    "ios-18": "iOS 18: as ios-17 (F87 observed on 18.6)",
    "ios-26": "iOS 26: the reverse-engineered 26.1 dasd (F§2); continued processing (F100)",
    "ideal": "constraints only: a request runs at the first moment no hard veto holds",
}
PROFILE_NAMES = tuple(PROFILE_OVERRIDES)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    params: Mapping[str, object]
    scoring: bool = True  # False for `ideal`

    def __getitem__(self, key: str) -> object:
        return self.params[key]


def default_profile_name(ios: str) -> str:
    """SPEC §6.10: 17 → ios-17, 18 → ios-18, 26 and later → ios-26."""
    major = int(str(ios).split(".")[0])
    if major <= 17:
        return "ios-17"
    if major < 26:
        return "ios-18"
    return "ios-26"


def build_profile(
    name: str, overrides: Mapping[str, object] | None = None, base: str | None = None
) -> Profile:
    """A profile from a built-in name (or a file's ``base``) plus already-parsed overrides."""
    base_name = base or name
    if base_name not in PROFILE_OVERRIDES:
        raise KeyError(base_name)
    params = dict(_DEFAULTS)
    params.update(PROFILE_OVERRIDES[base_name])
    params.update(overrides or {})
    return Profile(name, MappingProxyType(params), scoring=base_name != "ideal")
