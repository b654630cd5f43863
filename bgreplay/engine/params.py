"""The profile's parameters as typed attributes (``params.window``), read on every decision.

``Params`` has one attribute per entry of ``bgreplay.engine.profiles.PARAMETERS`` (a test keeps
the two in step), so a parameter can be followed through the engine by name and a type checker
knows each one's type. ``bgreplay.engine.recording`` has the subclass that notes which ones a
replay reads.
"""

from __future__ import annotations

from collections.abc import Mapping


class Params:
    """One replay's parameter values (in the engine's units: ms, ratios, counts)."""

    refresh_start_delay: int
    processing_start_delay: int
    window: int
    persist_on_reboot: bool
    max_pending_refresh: int
    max_pending_processing: int
    rescore_interval: int
    min_run_score: float
    optimal_target: float
    prediction_horizon: int
    prediction_step: int
    prediction_step_short: int
    prediction_skip_beyond: int
    skipped_optimal_score: float
    relax_pre: float
    relax_d: float
    relax_e: float
    app_weight: float
    app_prediction_offset: int
    app_jitter_max: int
    app_jitter_redraw: int
    app_default_likelihood: float
    app_launch_rule: float
    app_request_bonus: float
    app_recent_share: float
    app_recent_size: int
    recent_window: int
    app_cap: float
    app_dormancy_half_life: int
    device_activity_weight: float
    device_activity_floor: float
    device_activity_horizon: int
    battery_weight: float
    battery_base: float
    battery_exponent: float
    battery_plugged_boost: float
    ipad_processing_min_battery: float
    critical_battery: float
    lpm_battery_threshold: float
    thermal_weight: float
    thermal_score_fair: float
    thermal_score_serious: float
    energy_per_open: float
    energy_bank: int
    energy_per_launch: float
    energy_per_cpu_second: float
    energy_per_100kb_cellular: float
    energy_per_100kb_wifi: float
    refresh_min_spacing: int
    refresh_spacing_by_use: int
    processing_min_spacing: int
    boot_wait: int
    boot_wait_network: int
    processing_recent_use: int
    penalty_factor: float
    penalty_duration: int
    refresh_runtime: int
    refresh_early_expiry_share: float
    refresh_early_expiry_min: int
    refresh_early_expiry_max: int
    processing_runtime_powered: int
    processing_runtime_battery: int
    expiration_grace: int
    cpu_limit: float
    cpu_limit_window: int
    cp_max_concurrent: int
    cp_stall: int
    cp_stall_first: int
    late_registration_crash: bool
    wifi_rtt: int
    wifi_bandwidth: float
    cellular_rtt: int
    cellular_bandwidth: float
    network_timeout: int
    drain_idle: float
    drain_unlocked: float
    charge_fast: float
    charge_slow: float
    history_half_life: int
    history_days: int
    predictor_window: int
    weekday_split_min_days: int
    history_repeat_days: int
    process_residency: int
    prewarm_lead: int
    prewarm_likelihood: float
    prewarm_chance: float
    prewarm_launch_code_share: float

    def __init__(self, values: Mapping[str, object]) -> None:
        self.refresh_start_delay = _int(values["refresh_start_delay"])
        self.processing_start_delay = _int(values["processing_start_delay"])
        self.window = _int(values["window"])
        self.persist_on_reboot = _bool(values["persist_on_reboot"])
        self.max_pending_refresh = _int(values["max_pending_refresh"])
        self.max_pending_processing = _int(values["max_pending_processing"])
        self.rescore_interval = _int(values["rescore_interval"])
        self.min_run_score = _float(values["min_run_score"])
        self.optimal_target = _float(values["optimal_target"])
        self.prediction_horizon = _int(values["prediction_horizon"])
        self.prediction_step = _int(values["prediction_step"])
        self.prediction_step_short = _int(values["prediction_step_short"])
        self.prediction_skip_beyond = _int(values["prediction_skip_beyond"])
        self.skipped_optimal_score = _float(values["skipped_optimal_score"])
        self.relax_pre = _float(values["relax_pre"])
        self.relax_d = _float(values["relax_d"])
        self.relax_e = _float(values["relax_e"])
        self.app_weight = _float(values["app_weight"])
        self.app_prediction_offset = _int(values["app_prediction_offset"])
        self.app_jitter_max = _int(values["app_jitter_max"])
        self.app_jitter_redraw = _int(values["app_jitter_redraw"])
        self.app_default_likelihood = _float(values["app_default_likelihood"])
        self.app_launch_rule = _float(values["app_launch_rule"])
        self.app_request_bonus = _float(values["app_request_bonus"])
        self.app_recent_share = _float(values["app_recent_share"])
        self.app_recent_size = _int(values["app_recent_size"])
        self.recent_window = _int(values["recent_window"])
        self.app_cap = _float(values["app_cap"])
        self.app_dormancy_half_life = _int(values["app_dormancy_half_life"])
        self.device_activity_weight = _float(values["device_activity_weight"])
        self.device_activity_floor = _float(values["device_activity_floor"])
        self.device_activity_horizon = _int(values["device_activity_horizon"])
        self.battery_weight = _float(values["battery_weight"])
        self.battery_base = _float(values["battery_base"])
        self.battery_exponent = _float(values["battery_exponent"])
        self.battery_plugged_boost = _float(values["battery_plugged_boost"])
        self.ipad_processing_min_battery = _float(values["ipad_processing_min_battery"])
        self.critical_battery = _float(values["critical_battery"])
        self.lpm_battery_threshold = _float(values["lpm_battery_threshold"])
        self.thermal_weight = _float(values["thermal_weight"])
        self.thermal_score_fair = _float(values["thermal_score_fair"])
        self.thermal_score_serious = _float(values["thermal_score_serious"])
        self.energy_per_open = _float(values["energy_per_open"])
        self.energy_bank = _int(values["energy_bank"])
        self.energy_per_launch = _float(values["energy_per_launch"])
        self.energy_per_cpu_second = _float(values["energy_per_cpu_second"])
        self.energy_per_100kb_cellular = _float(values["energy_per_100kb_cellular"])
        self.energy_per_100kb_wifi = _float(values["energy_per_100kb_wifi"])
        self.refresh_min_spacing = _int(values["refresh_min_spacing"])
        self.refresh_spacing_by_use = _int(values["refresh_spacing_by_use"])
        self.processing_min_spacing = _int(values["processing_min_spacing"])
        self.boot_wait = _int(values["boot_wait"])
        self.boot_wait_network = _int(values["boot_wait_network"])
        self.processing_recent_use = _int(values["processing_recent_use"])
        self.penalty_factor = _float(values["penalty_factor"])
        self.penalty_duration = _int(values["penalty_duration"])
        self.refresh_runtime = _int(values["refresh_runtime"])
        self.refresh_early_expiry_share = _float(values["refresh_early_expiry_share"])
        self.refresh_early_expiry_min = _int(values["refresh_early_expiry_min"])
        self.refresh_early_expiry_max = _int(values["refresh_early_expiry_max"])
        self.processing_runtime_powered = _int(values["processing_runtime_powered"])
        self.processing_runtime_battery = _int(values["processing_runtime_battery"])
        self.expiration_grace = _int(values["expiration_grace"])
        self.cpu_limit = _float(values["cpu_limit"])
        self.cpu_limit_window = _int(values["cpu_limit_window"])
        self.cp_max_concurrent = _int(values["cp_max_concurrent"])
        self.cp_stall = _int(values["cp_stall"])
        self.cp_stall_first = _int(values["cp_stall_first"])
        self.late_registration_crash = _bool(values["late_registration_crash"])
        self.wifi_rtt = _int(values["wifi_rtt"])
        self.wifi_bandwidth = _float(values["wifi_bandwidth"])
        self.cellular_rtt = _int(values["cellular_rtt"])
        self.cellular_bandwidth = _float(values["cellular_bandwidth"])
        self.network_timeout = _int(values["network_timeout"])
        self.drain_idle = _float(values["drain_idle"])
        self.drain_unlocked = _float(values["drain_unlocked"])
        self.charge_fast = _float(values["charge_fast"])
        self.charge_slow = _float(values["charge_slow"])
        self.history_half_life = _int(values["history_half_life"])
        self.history_days = _int(values["history_days"])
        self.predictor_window = _int(values["predictor_window"])
        self.weekday_split_min_days = _int(values["weekday_split_min_days"])
        self.history_repeat_days = _int(values["history_repeat_days"])
        self.process_residency = _int(values["process_residency"])
        self.prewarm_lead = _int(values["prewarm_lead"])
        self.prewarm_likelihood = _float(values["prewarm_likelihood"])
        self.prewarm_chance = _float(values["prewarm_chance"])
        self.prewarm_launch_code_share = _float(values["prewarm_launch_code_share"])


def _int(value: object) -> int:
    assert isinstance(value, int | float)
    return int(value)


def _float(value: object) -> float:
    assert isinstance(value, int | float)
    return float(value)


def _bool(value: object) -> bool:
    return bool(value)
