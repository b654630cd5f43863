"""The scenario's keys and allowed values in one place (SPEC §4), read by the loader and overrides.

Kept as plain data so that error messages ("did you mean"), override rules and any generated
documentation or JSON Schema come from the same lists.
"""

from __future__ import annotations

from bgreplay.trace.model import NETWORK_VALUES, PLUGGED_VALUES, THERMAL_VALUES

TOP_KEYS = ("bgreplay", "name", "description", "seed", "start", "duration", "timezone", "device",
            "apps", "scheduler", "expect", "variants", "observation")
OBSERVATION_KEYS = ("id", "source", "observed")
EXPECT_CHECK_KEYS = ("check", "robust")
DEVICE_KEYS = ("model", "ios", "memory_limit_mb", "gpu", "background_app_refresh", "battery",
               "history", "trace", "persona", "timeline")
BATTERY_KEYS = ("start",)
PERSONA_KEYS = ("name", "seed", "opens_per_day")
TIMELINE_KEYS = ("daily", "events")
APP_KEYS = ("background_modes", "permitted_identifiers", "entitlements", "registers",
            "registration", "content", "on_open", "tasks")
CONTENT_KEYS = ("changes_per_hour",)
TASK_KEYS = ("type", "earliest_begin", "requires_network", "requires_external_power",
             "protection", "strategy", "title", "subtitle", "resources", "submit", "handler")
SUBMIT_KEYS = ("when", "if_not_pending")
HANDLER_KEYS = ("duration", "success_rate", "completes", "expiration_handler", "on_expiration",
                "cancel_latency", "memory_mb", "cpu", "network", "work", "checkpoint",
                "progress_every")
NETWORK_USE_KEYS = ("requests", "bytes")
EARLIEST_AT_KEYS = ("at",)
SCHEDULER_KEYS = ("profile", "params")

DEVICE_MODELS = ("iphone", "ipad", "simulator")
HISTORY_WORDS = ("repeat", "none")
BACKGROUND_MODES = ("fetch", "processing", "remote-notification", "audio", "location", "voip",
                    "external-accessory", "bluetooth-central", "bluetooth-peripheral",
                    "nearby-interaction", "push-to-talk", "newsstand-content")
ENTITLEMENTS = ("healthresearch", "continued_processing_gpu")
REGISTRATIONS = ("at_launch", "late")
ON_OPEN = ("sync", "none")
STRATEGIES = ("queue", "fail")
RESOURCES = ("gpu",)
COMPLETES = ("always", "on_success", "never")
ON_EXPIRATION = ("cancel", "ignore")
BUILTIN_PROFILES = ("ios-17", "ios-18", "ios-26", "ideal")
PERSONAS = ("office_worker", "heavy_user", "light_user", "shift_worker", "traveller",
            "never_opens")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"weekdays": frozenset(range(5)), "weekends": frozenset({5, 6}),
            "all": frozenset(range(7))}

# Task keys that only one family of types has (SPEC §4 task table): key -> (types, request class)
TYPE_ONLY_KEYS: dict[str, tuple[frozenset[str], str]] = {
    "protection": (frozenset({"health_research"}), "BGHealthResearchTaskRequest"),
    "strategy": (frozenset({"continued_processing"}), "BGContinuedProcessingTaskRequest"),
    "title": (frozenset({"continued_processing"}), "BGContinuedProcessingTaskRequest"),
    "subtitle": (frozenset({"continued_processing"}), "BGContinuedProcessingTaskRequest"),
    "resources": (frozenset({"continued_processing"}), "BGContinuedProcessingTaskRequest"),
}
REQUEST_CLASS = {
    "refresh": "BGAppRefreshTaskRequest",
    "processing": "BGProcessingTaskRequest",
    "health_research": "BGHealthResearchTaskRequest",
    "continued_processing": "BGContinuedProcessingTaskRequest",
}

# Inline timeline channels (SPEC §5.1, §5.3)
PLAIN_INTERVALS = ("unlocked", "screen", "plugged", "low_power_mode", "bar", "off")
VALUE_CHANNELS: dict[str, tuple[str, ...]] = {
    "network": NETWORK_VALUES, "thermal": THERMAL_VALUES, "plugged": PLUGGED_VALUES,
}
SUBJECT_POINTS = ("force_quit", "user_action", "cancel", "simulate_launch", "simulate_expiration")
TASK_SUBJECT_POINTS = ("user_action", "cancel", "simulate_launch", "simulate_expiration")
DAILY_CHANNELS = PLAIN_INTERVALS + ("network", "thermal")
EVENT_CHANNELS = DAILY_CHANNELS + SUBJECT_POINTS + ("boot", "battery", "timezone")
DAILY_MODIFIERS = ("for", "during", "at", "days", "jitter", "app")
EVENT_MODIFIERS = ("at", "for", "app")

def is_free_map(path: tuple[str, ...]) -> bool:
    """Maps whose keys are the user's names (apps, tasks, variants): overrides may not add keys."""
    return path in (("apps",), ("variants",)) or (
        len(path) == 3 and path[0] == "apps" and path[2] == "tasks"
    )
