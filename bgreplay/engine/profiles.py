"""Scheduler profiles: every number of the model as a named, sourced parameter (SPEC §6).

Longer than most modules: profiles are data, one flat table of every parameter with its unit,
source, confidence and range. ``bgreplay profiles`` prints this table, so the documentation and
the behaviour cannot drift. Sources are F-numbers (F§2.3: how dasd combines its policies) or T§
sections, each listed with its public source in docs/sources.md.
"""

from __future__ import annotations

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
    """One model number. ``low``/``high`` bound what the evidence allows for a number that is
    not documented (``range_source`` says why); ``bgreplay compare --sensitivity`` replays both
    ends. Documented numbers and switches carry no range."""

    name: str
    default: object
    unit: str  # "ms" (written as a duration), "ratio", "%", "count", "units/h", "bool", ...
    source: str
    confidence: str
    description: str
    low: object = None
    high: object = None
    range_source: str = ""
    minimum: object = None  # the least value the model is defined for (below it: an input error)

    @property
    def has_range(self) -> bool:
        return self.low is not None and self.high is not None

    def format(self, value: object) -> str:
        """A value as a user writes it (``5m``, ``0.04``, ``true``): copyable into ``--set``."""
        if self.unit == "ms":
            return format_duration(int(value))  # type: ignore[call-overload]
        if isinstance(value, bool):
            return "true" if value else "false"
        return f"{value:g}" if isinstance(value, float) else str(value)


def format_duration(ms: int) -> str:
    """``5400000`` → ``1h30m``: what the scenario's duration parser reads back."""
    if ms == 0:
        return "0s"
    parts = []
    for unit, size in (("d", _D), ("h", _H), ("m", _MIN), ("s", _S)):
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    if ms:
        parts.append(f"{ms}ms")
    return "".join(parts)


def _p(
    name: str,
    default: object,
    unit: str,
    source: str,
    confidence: str,
    description: str,
    low: object = None,
    high: object = None,
    why: str = "",
    *,
    minimum: object = None,
) -> Param:
    return Param(name, default, unit, source, confidence, description, low, high, why, minimum)


# Ranges: a number seen once in the field is taken within a factor of 2 either side (the field
# notes treat a factor of 2 as noise); reverse-engineered numbers range over the alternatives the
# same binary uses for other priorities or activities, or ±20 % where Trial may tune them (F§2);
# assumptions over what the field allows. Each range says which.
_X2 = "one field report: a factor of 2 either side"
_TRIAL = "read from one iOS build; Trial may tune it (F§2): about ±10 %"
_GUESS = "assumption: the plausible span, no measurement"
_SWITCH = "unknown either way: both settings"

PARAMETERS: dict[str, Param] = {
    p.name: p
    for p in (
        # --- request windows (§6.1)
        _p(
            "refresh_start_delay",
            0,
            "ms",
            "F31",
            OBSERVED,
            "delay dasd adds to earliest_begin for refresh requests",
            0,
            60 * _S,
            "F31: one relaunch 18 s after earliestBeginDate",
        ),
        _p(
            "processing_start_delay",
            450 * _S,
            "ms",
            "F29",
            OBSERVED,
            "delay dasd adds to earliest_begin for processing requests (~7.5 min)",
            225 * _S,
            900 * _S,
            _X2 + " (F29, one log)",
        ),
        _p(
            "window",
            7 * _D,
            "ms",
            "F29",
            OBSERVED,
            "start_before = start_after + window",
            2 * _D,
            7 * _D,
            "F29: the SDK header promises two days, one dasd log shows seven",
        ),
        _p(
            "persist_on_reboot",
            True,
            "bool",
            "F90",
            ASSUMPTION,
            "pending requests survive a reboot",
            False,
            True,
            _SWITCH,
        ),
        _p(
            "max_pending_refresh", 1, "count", "F13", DOCUMENTED, "pending refresh requests per app"
        ),
        _p(
            "max_pending_processing",
            10,
            "count",
            "F13",
            DOCUMENTED,
            "pending processing requests per app",
        ),
        # --- evaluation and threshold (§6.2)
        _p(
            "rescore_interval",
            15 * _MIN,
            "ms",
            "F40",
            REVERSED,
            "pending requests are re-scored this often (policy responses valid 900 s)",
            810 * _S,
            990 * _S,
            _TRIAL,
            minimum=_MIN,
        ),
        _p(
            "min_run_score",
            0.6,
            "ratio",
            "F41, FO9",
            ASSUMPTION,
            "floor under the relaxing threshold: stands for dasd's non-public decision part "
            "(not applied when dasd skips prediction, F30, F31)",
            0.45,
            0.75,
            "between the score of a recent app with no predicted use (~0.5) and of "
            "a predicted one (~0.9); FO9 saw a threshold of 0.91",
        ),
        _p(
            "optimal_target",
            0.9,
            "ratio",
            "F30",
            REVERSED,
            "the prediction scan stops at the first predicted score above this",
            0.81,
            0.99,
            _TRIAL,
        ),
        _p(
            "prediction_horizon",
            24 * _H,
            "ms",
            "F30",
            REVERSED,
            "how far past start_after the optimal-score scan looks",
            77760 * _S,
            95040 * _S,
            _TRIAL,
        ),
        _p(
            "prediction_step",
            15 * _MIN,
            "ms",
            "F30",
            REVERSED,
            "scan step",
            15 * _MIN,
            30 * _MIN,
            "F30: 30 min for activities that launch no app",
            minimum=_MIN,
        ),
        _p(
            "prediction_step_short",
            5 * _MIN,
            "ms",
            "F30",
            REVERSED,
            "scan step for windows of 15 min or less",
            270 * _S,
            330 * _S,
            _TRIAL,
            minimum=_MIN,
        ),
        _p(
            "prediction_skip_beyond",
            21 * _H,
            "ms",
            "F30",
            REVERSED,
            "start_after further away than this skips prediction",
            68040 * _S,
            83160 * _S,
            _TRIAL,
        ),
        _p(
            "skipped_optimal_score",
            0.01,
            "ratio",
            "F30",
            REVERSED,
            "optimal score when prediction is skipped",
            0.009,
            0.011,
            _TRIAL,
        ),
        _p(
            "relax_pre",
            0.95,
            "ratio",
            "F§2.3",
            REVERSED,
            "threshold relaxation at slot 0 (Background priority)",
            0.925,
            0.975,
            "F§2.3: the Utility and Maintenance priorities",
        ),
        _p(
            "relax_d",
            120.0,
            "count",
            "F§2.3",
            REVERSED,
            "relaxation curve D (Background)",
            110.0,
            130.0,
            "F§2.3: the Utility and Maintenance priorities",
            minimum=1.0,
        ),
        _p(
            "relax_e",
            1.5,
            "count",
            "F§2.3",
            REVERSED,
            "relaxation curve exponent E (Background)",
            1.35,
            1.7,
            "F§2.3: the Utility and Maintenance priorities",
        ),
        # --- Application policy (F43, F45)
        _p(
            "app_weight",
            50.0,
            "weight",
            "F43",
            REVERSED,
            "Application policy weight",
            25.0,
            50.0,
            "F43: 25 for other utility-or-higher work",
        ),
        _p(
            "app_prediction_offset",
            450 * _S,
            "ms",
            "F43",
            REVERSED,
            "the app's launch likelihood is read this far ahead",
            405 * _S,
            495 * _S,
            _TRIAL,
        ),
        _p(
            "app_jitter_max",
            1350 * _S,
            "ms",
            "F43",
            REVERSED,
            "plus a uniform jitter up to this",
            1215 * _S,
            1485 * _S,
            _TRIAL,
        ),
        _p(
            "app_jitter_redraw",
            5 * _MIN,
            "ms",
            "F43",
            REVERSED,
            "jitter redraw period",
            270 * _S,
            330 * _S,
            _TRIAL,
            minimum=_S,
        ),
        _p(
            "app_default_likelihood",
            0.0025,
            "ratio",
            "F43",
            REVERSED,
            "likelihood when the app has no usage history",
            0.0023,
            0.0028,
            _TRIAL,
        ),
        _p(
            "app_launch_rule",
            0.25,
            "ratio",
            "F43",
            REVERSED,
            "sqrt(p) above this scores 1",
            0.225,
            0.275,
            _TRIAL,
        ),
        _p(
            "app_request_bonus",
            0.1,
            "ratio",
            "F43",
            REVERSED,
            "score added per pending request of the app beyond the first",
            0.09,
            0.11,
            _TRIAL,
        ),
        _p(
            "app_recent_share",
            0.35,
            "ratio",
            "F43",
            REVERSED,
            "share of the score given by membership of the recent-apps set",
            0.315,
            0.385,
            _TRIAL,
        ),
        _p(
            "app_recent_size",
            25,
            "count",
            "F43",
            REVERSED,
            "size of the recent-apps set",
            22,
            28,
            _TRIAL,
        ),
        _p(
            "recent_window",
            14 * _D,
            "ms",
            "F43, FO12",
            ASSUMPTION,
            "an app counts as recent only if opened within this window: how long an app stays "
            "among a user's 25 most recently used when they open 14-18 apps a week",
            7 * _D,
            21 * _D,
            "FO12: 14-18 distinct apps a week fill 25 places in one to three weeks",
        ),
        _p(
            "app_cap",
            0.5,
            "ratio",
            "F43",
            REVERSED,
            "a score above this becomes 1",
            0.45,
            0.55,
            _TRIAL,
        ),
        _p(
            "app_dormancy_half_life",
            2 * _D,
            "ms",
            "F41, FO11",
            ASSUMPTION,
            "an app's predicted launch likelihood halves with each this long since its last "
            "open: a habit the user dropped stops predicting use",
            1 * _D,
            7 * _D,
            "FO11: 'if you don't open your app daily' events stop; at most the "
            "predictor's own half-life",
        ),
        # --- Device activity policy (F35, F46)
        _p(
            "device_activity_weight",
            5.0,
            "weight",
            "F46",
            REVERSED,
            "Device activity policy weight for refresh",
            5.0,
            20.0,
            "F§2.2: 10 for other activities, 20 for requires-inactivity ones",
        ),
        _p(
            "device_activity_floor",
            0.05,
            "ratio",
            "F46",
            REVERSED,
            "floor of the predicted in-use probability",
            0.045,
            0.055,
            _TRIAL,
        ),
        _p(
            "device_activity_horizon",
            15 * _MIN,
            "ms",
            "F46",
            REVERSED,
            "'in use soon' looks this far ahead",
            810 * _S,
            990 * _S,
            _TRIAL,
        ),
        # --- Battery (F34, F58, F59)
        _p(
            "battery_weight",
            10.0,
            "weight",
            "F59",
            ASSUMPTION,
            "Battery level policy weight",
            5.0,
            20.0,
            _GUESS,
        ),
        _p(
            "battery_base",
            20.0,
            "%",
            "F59",
            REVERSED,
            "battery score b (below-utility priority)",
            18.0,
            22.0,
            _TRIAL,
        ),
        _p(
            "battery_exponent",
            0.5,
            "count",
            "F59",
            REVERSED,
            "battery score exponent e",
            0.45,
            0.55,
            _TRIAL,
        ),
        _p(
            "battery_plugged_boost",
            1.2,
            "ratio",
            "F59",
            REVERSED,
            "battery score multiplier while plugged in",
            1.08,
            1.32,
            _TRIAL,
        ),
        _p(
            "ipad_processing_min_battery",
            75.0,
            "%",
            "F34",
            REVERSED,
            "an iPad runs processing on battery at or above this level",
            67.5,
            82.5,
            _TRIAL,
        ),
        _p(
            "critical_battery",
            20.0,
            "%",
            "F58",
            ENGINEER,
            "refresh is vetoed at or below this level unless plugged",
            10.0,
            20.0,
            "F58: 'critically low'; iOS's own low-battery alerts come at 20 and 10 %",
        ),
        # --- Low Power Mode (F52, F55, F56)
        _p(
            "lpm_battery_threshold",
            30.0,
            "%",
            "F55",
            REVERSED,
            "LPM is not enforced while plugged in at or above this level",
            27.0,
            33.0,
            _TRIAL,
        ),
        # --- Thermal (F62, F63)
        _p(
            "thermal_weight",
            10.0,
            "weight",
            "F62",
            ASSUMPTION,
            "Thermal policy weight",
            5.0,
            20.0,
            _GUESS,
        ),
        _p(
            "thermal_score_fair", 0.6, "ratio", "F62", REVERSED, "score at fair", 0.54, 0.66, _TRIAL
        ),
        _p(
            "thermal_score_serious",
            0.1,
            "ratio",
            "F62",
            REVERSED,
            "score at serious",
            0.09,
            0.11,
            _TRIAL,
        ),
        # --- Energy budget (§6.6, F42, F65, F66)
        _p(
            "energy_per_open",
            2.0,
            "units",
            "F42, FO2, FO4",
            ASSUMPTION,
            "the app's daily energy allocation per daily open (recency-weighted opens a day "
            "over the predictor's history): frequently used apps get more background time",
            1.0,
            4.0,
            "FO2 (a heavy user's ~75 wakes a day) and FO4/F117 (a handful a day) bracket it",
        ),
        _p(
            "energy_bank",
            12 * _H,
            "ms",
            "F65",
            ASSUMPTION,
            "the budget holds this much of the daily allocation (budgets are spread through "
            "the day)",
            4 * _H,
            24 * _H,
            _GUESS,
        ),
        _p(
            "energy_per_launch",
            1.0,
            "units",
            "F65",
            ASSUMPTION,
            "cost of launching or resuming the app in the background on battery (about a "
            "CPU-second)",
            0.5,
            2.0,
            _GUESS,
        ),
        _p(
            "energy_per_cpu_second",
            1.0,
            "units",
            "F65",
            ASSUMPTION,
            "cost of one CPU-second on battery (the unit)",
            0.5,
            2.0,
            _GUESS,
        ),
        _p(
            "energy_per_100kb_cellular",
            1.0,
            "units",
            "F65",
            ASSUMPTION,
            "cost of 100 KB over cellular on battery",
            0.5,
            2.0,
            _GUESS,
        ),
        _p(
            "energy_per_100kb_wifi",
            0.2,
            "units",
            "F65",
            ASSUMPTION,
            "cost of 100 KB over Wi-Fi on battery",
            0.1,
            0.4,
            _GUESS,
        ),
        # --- Rate limit (F68)
        _p(
            "refresh_min_spacing",
            10 * _MIN,
            "ms",
            "F68, FO3",
            OBSERVED,
            "launches of one refresh task are at least this far apart",
            5 * _MIN,
            20 * _MIN,
            _X2 + " (FO3: 'every 10 minutes')",
        ),
        _p(
            "refresh_spacing_by_use",
            200 * _MIN,
            "ms",
            "F68, F42, FO2, FO3",
            ASSUMPTION,
            "spacing of one refresh task's launches for an app opened once a day; divided by "
            "the app's daily opens (at most a day, at least refresh_min_spacing)",
            100 * _MIN,
            400 * _MIN,
            "FO3's 10 min for FO2's ~20 opens a day, a factor of 2 either side",
        ),
        _p(
            "processing_min_spacing",
            30 * _MIN,
            "ms",
            "F68, FO1",
            OBSERVED,
            "launches of one processing task are at least this far apart",
            15 * _MIN,
            60 * _MIN,
            _X2 + " (FO1: 30-31 min in three logs)",
        ),
        # --- Boot, recent use, penalty
        _p(
            "boot_wait",
            300 * _S,
            "ms",
            "F92",
            REVERSED,
            "no launches this long after boot",
            270 * _S,
            330 * _S,
            _TRIAL,
        ),
        _p(
            "boot_wait_network",
            120 * _S,
            "ms",
            "F92",
            REVERSED,
            "boot wait for requests that require the network",
            108 * _S,
            132 * _S,
            _TRIAL,
        ),
        _p(
            "processing_recent_use",
            7 * _D,
            "ms",
            "F29, F44",
            DOCUMENTED,
            "processing needs a foreground use of the app within this window",
        ),
        _p(
            "penalty_factor",
            0.5,
            "ratio",
            "F74",
            ASSUMPTION,
            "score multiplier after a watchdog kill or a run ended without setTaskCompleted",
            0.25,
            1.0,
            _GUESS,
        ),
        _p(
            "penalty_duration",
            24 * _H,
            "ms",
            "F74",
            ASSUMPTION,
            "how long a penalty lasts",
            6 * _H,
            72 * _H,
            _GUESS,
        ),
        # --- Runs (§6.5)
        _p(
            "refresh_runtime",
            30 * _S,
            "ms",
            "F2",
            DOCUMENTED,
            "refresh allowance: the documented maximum",
        ),
        _p(
            "refresh_early_expiry_share",
            0.1,
            "ratio",
            "F3, FO8",
            ASSUMPTION,
            "share of refresh launches the system expires early, a few seconds in (the "
            "expiration handler 'may be called before' the 30 s)",
            0.02,
            0.3,
            "FO8 gives when early expirations come, not how often",
        ),
        _p(
            "refresh_early_expiry_min",
            2 * _S,
            "ms",
            "FO8",
            OBSERVED,
            "an early expiry comes no sooner than this after launch",
            1 * _S,
            4 * _S,
            _X2 + " (FO8: 2-5 s)",
        ),
        _p(
            "refresh_early_expiry_max",
            5 * _S,
            "ms",
            "FO8",
            OBSERVED,
            "... and no later than this",
            3 * _S,
            10 * _S,
            _X2 + " (FO8: 2-5 s)",
        ),
        _p(
            "processing_runtime_powered",
            30 * _MIN,
            "ms",
            "F5",
            ASSUMPTION,
            "processing allowance when external power is required (and health research)",
            10 * _MIN,
            60 * _MIN,
            "F5: 'minutes'",
        ),
        _p(
            "processing_runtime_battery",
            10 * _MIN,
            "ms",
            "F5",
            ASSUMPTION,
            "processing allowance otherwise",
            5 * _MIN,
            30 * _MIN,
            "F5: 'minutes'",
        ),
        _p(
            "expiration_grace",
            5 * _S,
            "ms",
            "F71",
            ASSUMPTION,
            "time between expiration and the watchdog kill",
            1 * _S,
            10 * _S,
            _GUESS,
        ),
        _p(
            "cpu_limit",
            0.8,
            "ratio",
            "F9",
            OBSERVED,
            "background CPU monitor threshold",
            0.5,
            0.9,
            "F9: one device's crash log; other reports name 50 %",
        ),
        _p(
            "cpu_limit_window",
            60 * _S,
            "ms",
            "F9",
            OBSERVED,
            "sustained CPU above the threshold this long is killed",
            30 * _S,
            180 * _S,
            "F9: one crash log over 60 s; other logs show up to 180 s",
        ),
        _p(
            "cp_max_concurrent",
            2,
            "count",
            "F102",
            ASSUMPTION,
            "continued-processing tasks running at once",
            1,
            4,
            _GUESS,
        ),
        _p(
            "cp_stall",
            30 * _S,
            "ms",
            "F105",
            REVERSED,
            "continued processing expires after this long without progress",
            27 * _S,
            33 * _S,
            _TRIAL,
        ),
        _p(
            "cp_stall_first",
            45 * _S,
            "ms",
            "F105",
            REVERSED,
            "... or this long before its first progress report",
            40 * _S,
            50 * _S,
            _TRIAL,
        ),
        _p(
            "late_registration_crash",
            False,
            "bool",
            "F87",
            OBSERVED,
            "registering handlers after launch finishes crashes the app",
            False,
            True,
            "F87: seen through iOS 18.6, not found in the 26.1 binary",
        ),
        # --- Network (§6.7)
        _p("wifi_rtt", 50, "ms", "§6.7", ASSUMPTION, "Wi-Fi round trip", 20, 100, _GUESS),
        _p(
            "wifi_bandwidth",
            20.0,
            "MB/s",
            "§6.7",
            ASSUMPTION,
            "Wi-Fi throughput",
            5.0,
            50.0,
            _GUESS,
            minimum=0.01,
        ),
        _p("cellular_rtt", 150, "ms", "§6.7", ASSUMPTION, "cellular round trip", 50, 300, _GUESS),
        _p(
            "cellular_bandwidth",
            5.0,
            "MB/s",
            "§6.7",
            ASSUMPTION,
            "cellular throughput",
            1.0,
            20.0,
            _GUESS,
            minimum=0.01,
        ),
        _p(
            "network_timeout",
            10 * _S,
            "ms",
            "§6.7",
            ASSUMPTION,
            "a request without a network fails after this",
            5 * _S,
            60 * _S,
            "URLSession's default is 60 s; apps often set 10 s or less",
        ),
        # --- Battery simulation (§6.8, T§3.7)
        _p(
            "drain_idle",
            0.7,
            "%/h",
            "T§3.7",
            OBSERVED,
            "battery drain while locked",
            0.35,
            1.4,
            _X2,
        ),
        _p(
            "drain_unlocked",
            10.0,
            "%/h",
            "T§3.7",
            OBSERVED,
            "battery drain while in use",
            5.0,
            20.0,
            _X2,
        ),
        _p(
            "charge_fast",
            1.2,
            "%/min",
            "T§3.7",
            OBSERVED,
            "charging rate up to 80 %",
            0.6,
            2.4,
            _X2,
        ),
        _p(
            "charge_slow",
            0.3,
            "%/min",
            "T§3.7",
            OBSERVED,
            "charging rate from 80 % to 100 %",
            0.15,
            0.6,
            _X2,
        ),
        # --- Usage predictor (§6.4)
        _p(
            "history_half_life",
            7 * _D,
            "ms",
            "§6.4",
            ASSUMPTION,
            "recency weighting of past days",
            3 * _D,
            14 * _D,
            _GUESS,
            minimum=_D,
        ),
        _p(
            "history_days",
            28,
            "count",
            "§6.4",
            ASSUMPTION,
            "days the predictor looks back",
            14,
            56,
            _GUESS,
        ),
        _p(
            "predictor_window",
            15 * _MIN,
            "ms",
            "§6.4, seed",
            ASSUMPTION,
            "an open within this much of the time of day counts (the seed: an 8 AM app is "
            "refreshed around 7:30)",
            10 * _MIN,
            30 * _MIN,
            "the seed's half hour before an open; SPEC §6.4's ±30 min",
        ),
        _p(
            "weekday_split_min_days",
            3,
            "count",
            "§6.4",
            ASSUMPTION,
            "weekdays and weekends are predicted apart once each has this many days",
            2,
            7,
            _GUESS,
        ),
        _p(
            "history_repeat_days",
            14,
            "count",
            "§6.4",
            ASSUMPTION,
            "days of the trace `history: repeat` replays before the start",
            7,
            28,
            _GUESS,
        ),
        # --- The app's process: residency and pre-warm launches (F93; docs/model.md)
        _p(
            "process_residency",
            4 * _H,
            "ms",
            "FO6",
            ASSUMPTION,
            "an app's process stays in memory this long after its last use or pre-warm "
            "(then the system reclaims it); no pre-warm while it is there",
            1 * _H,
            24 * _H,
            "FO6: pre-warmed processes used 30 min to several days later",
        ),
        _p(
            "prewarm_lead",
            45 * _MIN,
            "ms",
            "F93, FO6",
            ASSUMPTION,
            "an app is pre-warmed this long before its predicted-use window opens (0s: no "
            "pre-warming)",
            15 * _MIN,
            2 * _H,
            "FO6: 30 min to 4 h before the open",
        ),
        _p(
            "prewarm_likelihood",
            0.0625,
            "ratio",
            "F93, F43",
            ASSUMPTION,
            "a predicted-use window is where the app's launch likelihood is above this (the "
            "level at which the Application policy scores 1)",
            0.03,
            0.15,
            _GUESS,
        ),
        _p(
            "prewarm_chance",
            0.04,
            "ratio",
            "F93, FO5",
            ASSUMPTION,
            "share of predicted opens (with no process in memory) that get a pre-warm: iOS "
            "pre-warms 'depending on device conditions'",
            0.02,
            0.08,
            "FO5: about 5 % of app starts pre-warmed, a factor of 2 either side",
        ),
        _p(
            "prewarm_launch_code_share",
            0.5,
            "ratio",
            "F93, FO7",
            ASSUMPTION,
            "share of pre-warms that run the app's launch code (app_launch submits); the "
            "others stop before it, and it runs at the open",
            0.0,
            1.0,
            "FO7: 'sometimes'; DTS says never for apps without scenes, field logs still see it",
        ),
    )
}
"""Every model number (SPEC §6); ``bgreplay profiles`` prints this table."""

_DEFAULTS = {name: p.default for name, p in PARAMETERS.items()}

# How the built-in profiles differ from the shared defaults; `ideal` also drops scoring.
PROFILE_OVERRIDES: dict[str, dict[str, object]] = {
    "ios-17": {"late_registration_crash": True},  # F87: crash observed through iOS 18.6
    "ios-18": {"late_registration_crash": True},
    "ios-26": {},  # F87: no late-registration check in the iOS 26.1 decompile
    # no prediction, so nothing to pre-warm for; no rate limit and no energy rationing: dasd's
    # discretion, not constraints of the request
    "ideal": {
        "prewarm_lead": 0,
        "refresh_min_spacing": 0,
        "refresh_spacing_by_use": 0,
        "processing_min_spacing": 0,
        "energy_per_open": 1e9,
    },
}
PROFILE_NOTES: dict[str, str] = {
    "ios-17": "iOS 17: health research available (F96); late registration crashes (F87)",
    "ios-18": "iOS 18: as ios-17 (F87 observed on 18.6)",
    "ios-26": "iOS 26: the reverse-engineered 26.1 dasd (F§2); continued processing (F100)",
    "ideal": "constraints only: a request runs at the first moment no hard veto holds (no "
    "scores, rate limit, energy rationing or pre-warms)",
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
