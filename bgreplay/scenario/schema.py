"""The scenario format in one place (SPEC §4): every key with its type, default and meaning.

The loader reads its allowed keys from the sections below, and the scenario reference
(``docs/scenario.md``) and the JSON Schema (``bgreplay schema``) are generated from them, so
the three cannot drift. A key's ``default`` is written as YAML; a test writes each one into a
scenario and checks that it loads exactly as if the key were left out. Longer than most
modules: it is data, one declaration per key of the format with its type, default and meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import get_args

from bgreplay import personas
from bgreplay.engine.profiles import PROFILE_NAMES
from bgreplay.scenario.model import (
    NETWORK_VALUES,
    PLUGGED_VALUES,
    PROTECTIONS,
    SUBMIT_TRIGGERS,
    TASK_TYPES,
    THERMAL_VALUES,
    Completes,
    DeviceModel,
    HistoryWord,
    OnExpiration,
    OnOpen,
    Registration,
    Strategy,
)

DEVICE_MODELS: tuple[DeviceModel, ...] = get_args(DeviceModel)
HISTORY_WORDS: tuple[HistoryWord, ...] = get_args(HistoryWord)
BACKGROUND_MODES = (
    "fetch",
    "processing",
    "remote-notification",
    "audio",
    "location",
    "voip",
    "external-accessory",
    "bluetooth-central",
    "bluetooth-peripheral",
    "nearby-interaction",
    "push-to-talk",
    "newsstand-content",
)
ENTITLEMENTS = ("healthresearch", "continued_processing_gpu")
REGISTRATIONS: tuple[Registration, ...] = get_args(Registration)
ON_OPEN: tuple[OnOpen, ...] = get_args(OnOpen)
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
RESOURCES = ("gpu",)
COMPLETES: tuple[Completes, ...] = get_args(Completes)
ON_EXPIRATION: tuple[OnExpiration, ...] = get_args(OnExpiration)
BUILTIN_PROFILES = PROFILE_NAMES
PERSONAS = tuple(personas.PERSONAS)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "all": frozenset(range(7)),
}

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
    "network": NETWORK_VALUES,
    "thermal": THERMAL_VALUES,
    "plugged": PLUGGED_VALUES,
}
SUBJECT_POINTS = ("force_quit", "user_action", "cancel", "simulate_launch", "simulate_expiration")
TASK_SUBJECT_POINTS = ("user_action", "cancel", "simulate_launch", "simulate_expiration")
DAILY_CHANNELS = PLAIN_INTERVALS + ("network", "thermal")
EVENT_CHANNELS = DAILY_CHANNELS + SUBJECT_POINTS + ("boot", "battery", "timezone")
DAILY_MODIFIERS = ("for", "during", "at", "days", "jitter", "app")
EVENT_MODIFIERS = ("at", "for", "app")


# -- value kinds: how a value is written, in words and as JSON Schema ----------------------------

_DURATION_RE = r"^\s*(\d+(\.\d+)?\s*(ms|d|h|m|s)\s*)+$"
_CLOCK_RE = r"\d{1,2}:\d{2}(:\d{2})?"


@dataclass(frozen=True, slots=True)
class Kind:
    """How a value is written: ``label`` for people, ``json`` (a JSON Schema) for editors."""

    label: str
    json: Mapping[str, object] = field(default_factory=dict)


def _enum(values) -> dict:
    return {"enum": list(values)}


BOOL = Kind("true or false", {"type": "boolean"})
TEXT = Kind("text", {"type": "string"})
DURATION = Kind(
    "duration (`90s`, `15m`, `2h`, `1h30m`, `500ms`)", {"type": "string", "pattern": _DURATION_RE}
)
CLOCK = Kind('clock time (`"07:30"`)', {"type": "string", "pattern": f"^{_CLOCK_RE}$"})
CLOCK_RANGE = Kind(
    'clock range (`"23:00-07:00"`, may cross midnight; `"00:00-24:00"` = all day)',
    {"type": "string", "pattern": f"^{_CLOCK_RE}-{_CLOCK_RE}$"},
)
INSTANT = Kind(
    "date and time (`2026-03-02T07:30`, scenario-local, or with an offset)",
    {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}"},
)
SIZE = Kind(
    "size (`40KB`, `1.5MB`, or bytes)",
    {
        "anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "string", "pattern": r"^\d+(\.\d+)?\s*([kKmMgG]i?)?[bB]?$"},
        ]
    },
)


def number(
    lo: float | None = None,
    hi: float | None = None,
    *,
    above: float | None = None,
    whole: bool = False,
) -> Kind:
    json: dict[str, object] = {"type": "integer" if whole else "number"}
    words = "whole number" if whole else "number"
    if lo is not None:
        json["minimum"] = lo
    if hi is not None:
        json["maximum"] = hi
    if above is not None:
        json["exclusiveMinimum"] = above
        words += f" above {above:g}"
    elif lo is not None and hi is not None:
        words += f" {lo:g}..{hi:g}"
    elif lo is not None:
        words += f" ≥ {lo:g}"
    return Kind(words, json)


def one_of(values, what: str = "one of") -> Kind:
    return Kind(f"{what}: " + ", ".join(f"`{v}`" for v in values), _enum(values))


def list_of(values) -> Kind:
    return Kind(
        "list of: " + ", ".join(f"`{v}`" for v in values),
        {"type": "array", "items": _enum(values), "uniqueItems": True},
    )


def mapping(section: str) -> Kind:
    """A nested mapping documented as its own section (``#/$defs/<section>`` in JSON)."""
    return Kind(f"mapping ({section})", {"$ref": f"#/$defs/{section}"})


def either(label: str, *kinds: Kind) -> Kind:
    return Kind(label, {"anyOf": [dict(k.json) for k in kinds]})


# -- keys and sections -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Key:
    """One key: ``default`` is YAML text equal to leaving the key out (``None``: there is no
    such value; ``default_note`` says what happens instead)."""

    name: str
    kind: Kind
    meaning: str
    default: str | None = None
    default_note: str = ""
    required: bool = False
    only: str = ""  # "processing family", "continued_processing": the task types that take it

    @property
    def shown_default(self) -> str:
        if self.required:
            return "required"
        if self.default is not None:
            return f"`{self.default}`"
        return self.default_note or "none"


@dataclass(frozen=True, slots=True)
class Section:
    """A mapping of the scenario: its place (``where``), its keys and what it is for."""

    id: str
    where: str
    title: str
    intro: str
    keys: tuple[Key, ...]
    free: bool = False  # keys are the user's names (``apps``), not fixed

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys if k.required)

    def key(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)


TASK_TYPES_KIND = one_of(TASK_TYPES)

TOP = Section(
    "scenario",
    "(top level)",
    "A scenario file",
    (
        "One YAML file per scenario. Keys are snake_case; an unknown key is an error with a "
        '"did you mean". Relative paths (trace files, profile files) are read from the '
        "scenario file's folder."
    ),
    (
        Key(
            "bgreplay",
            Kind("`1`", {"const": 1}),
            "The format version. Must be the first thing "
            "checked: a file of another version is not read further.",
            required=True,
        ),
        Key("name", TEXT, "A title shown in reports.", default_note="the file name"),
        Key("description", TEXT, "Free text shown under the title.", default='""'),
        Key(
            "seed",
            number(0, whole=True),
            "Every random draw of the replay (jitter, handler "
            "durations, successes...) derives from it: same scenario and seed, same event log.",
            default="0",
        ),
        Key(
            "start",
            INSTANT,
            "Scenario-local wall time of the first instant of the replay.",
            required=True,
        ),
        Key("duration", DURATION, "Length of the replay, from `1h` to `400d`.", required=True),
        Key(
            "timezone",
            Kind("IANA time zone name (`Europe/Paris`)", {"type": "string"}),
            "The device's time zone; its DST changes happen in the replay.",
            default="UTC",
        ),
        Key(
            "device",
            mapping("device"),
            "The phone or tablet and its days (trace, persona or inline timeline).",
            default_note="an iPhone on iOS 26.1 with no trace",
        ),
        Key(
            "apps",
            mapping("apps"),
            "The apps whose background tasks are replayed, by bundle id.",
            default_note="no apps",
        ),
        Key(
            "scheduler",
            mapping("scheduler"),
            "The scheduler model: profile and parameter overrides.",
            default_note="the profile of `device.ios`",
        ),
        Key(
            "expect",
            mapping("expect"),
            "Expectations checked by `bgreplay check`.",
            default_note="none",
        ),
        Key(
            "variants",
            mapping("variants"),
            "Named sets of overrides replayed by `compare`.",
            default_note="none",
        ),
        Key(
            "observation",
            mapping("observation"),
            "The field report this scenario reproduces "
            "(the scenarios of scenarios/field, docs/calibration.md).",
            default_note="none",
        ),
    ),
)

OBSERVATION = Section(
    "observation",
    "observation",
    "Observation",
    (
        "A published field report that the scenario reproduces; its band goes in `expect`. All "
        "three keys are needed."
    ),
    (
        Key(
            "id", TEXT, "The report's number in docs/sources.md (`FO1`, `F117`...).", required=True
        ),
        Key("source", TEXT, "Where it was published, in a few words.", required=True),
        Key("observed", TEXT, "The figure observed on real devices.", required=True),
    ),
)

DEVICE = Section(
    "device",
    "device",
    "The device",
    (
        "Give at most one of `trace` and `persona`; `timeline` may be added to either or stand "
        "alone (their rows add up). With no trace source at all the device is never unlocked, "
        "never plugged in and has no network."
    ),
    (
        Key(
            "model",
            one_of(DEVICE_MODELS),
            "`simulator`: submits fail and tasks never run, only simulated launches (F22, F113).",
            default="iphone",
        ),
        Key(
            "ios",
            Kind(
                'iOS version (`"26.1"`, quoted)',
                {
                    "anyOf": [
                        {"type": "string", "pattern": r"^\d+(\.\d+){0,2}$"},
                        {"type": "number"},
                    ]
                },
            ),
            "Chooses the default scheduler profile and the version rules (SPEC §6.10); 13 or later.",
            default='"26.1"',
        ),
        Key(
            "memory_limit_mb",
            number(above=0),
            "Memory limit of one app's footprint (jetsam, F81).",
            default="2048",
        ),
        Key(
            "gpu",
            BOOL,
            "Background GPU for continued processing (F107).",
            default_note="`true` on an iPad, else `false`",
        ),
        Key(
            "background_app_refresh",
            BOOL,
            "The global Background App Refresh switch (F51); "
            "per-app switches are `bar` timeline entries.",
            default="true",
        ),
        Key("battery", mapping("battery"), "Battery start level.", default="{start: 80}"),
        Key(
            "history",
            either("`repeat`, `none` or whole days (`14d`)", one_of(HISTORY_WORDS), DURATION),
            "What the usage predictor knows before `start` (SPEC §6.4): `repeat` the replay's own "
            "days, `none` nothing, or that many days of them.",
            default="repeat",
        ),
        Key(
            "trace",
            Kind("path of a `.csv` or `.parquet` trace", {"type": "string"}),
            "A trace file (format: traces/README.md), relative to the scenario's folder.",
            default_note="none",
        ),
        Key(
            "persona",
            either("persona name, or a mapping (persona)", one_of(PERSONAS), mapping("persona")),
            "A generated trace of a synthetic user (docs/personas.md).",
            default_note="none",
        ),
        Key(
            "timeline",
            mapping("timeline"),
            "An inline trace written in the scenario.",
            default_note="none",
        ),
    ),
)

BATTERY = Section(
    "battery",
    "device.battery",
    "Battery",
    ("Used while the trace has no battery sample (the level is then simulated, SPEC §6.8)."),
    (Key("start", number(0, 100), "Battery level in % at the start of the replay.", default="80"),),
)

PERSONA = Section(
    "persona",
    "device.persona",
    "Persona (mapping form)",
    ("`persona: office_worker` is short for `persona: {name: office_worker}`."),
    (
        Key("name", one_of(PERSONAS), "The synthetic user.", required=True),
        Key(
            "seed",
            number(0, whole=True),
            "Seed of the generated days.",
            default_note="the scenario's `seed`",
        ),
        Key(
            "opens_per_day",
            Kind(
                "mapping of bundle id → opens a day (0..500)",
                {
                    "type": "object",
                    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 500},
                },
            ),
            "Opens a day of these apps of the scenario, instead of the rate the persona's app "
            "ranking gives them.",
            default="{}",
        ),
    ),
)

TIMELINE = Section(
    "timeline",
    "device.timeline",
    "Inline timeline",
    (
        "The device's days written in the scenario. **Time that no `network` entry covers has no "
        "network**, so a task that needs one fails or waits: add e.g. `{network: wifi, during: "
        '"00:00-24:00"}`. `app:` on an `unlocked` entry puts that app in the foreground for the '
        "whole unlock; an unlock without `app:` uses some other app."
    ),
    (
        Key(
            "daily",
            Kind(
                "list of daily entries", {"type": "array", "items": {"$ref": "#/$defs/daily_entry"}}
            ),
            "Entries repeated every day (or the days of `days:`).",
            default="[]",
        ),
        Key(
            "events",
            Kind("list of events", {"type": "array", "items": {"$ref": "#/$defs/event_entry"}}),
            "Entries that happen once, at `at:`.",
            default="[]",
        ),
    ),
)

_CHANNEL_MEANINGS = {
    "unlocked": "Device unlocked and in use. Daily: a clock time with `for:`, or a range. "
    "Event: a duration.",
    "screen": "Screen on while locked (glances, notifications).",
    "plugged": "On external power; optionally `wired` or `wireless` as the value with `during:`.",
    "low_power_mode": "Low Power Mode on.",
    "bar": "Background App Refresh off (with `app:` for one app, else for all).",
    "off": "Device powered off.",
    "network": "Connectivity: `wifi`, `cellular` or `none`, with `during:` (or `at:` and "
    "`for:`). Time not covered has no network.",
    "thermal": "Thermal state above nominal: `fair`, `serious` or `critical`.",
    "force_quit": "Events only: the user swipes the app (bundle id) away in the app switcher.",
    "user_action": "Events only: a user action that submits this continued-processing task.",
    "cancel": "Events only: the user cancels this continued-processing task.",
    "simulate_launch": "Events only: the debugger's simulated launch of this task (F113).",
    "simulate_expiration": "Events only: the debugger's simulated expiration of this task (F114).",
    "boot": "Events only: `boot: true`, a (re)boot; running tasks are killed.",
    "battery": "Events only: a measured battery level in %.",
    "timezone": "Events only: the device changes time zone (an IANA name).",
}
_MODIFIER_MEANINGS = {
    "for": "How long: a duration (at most `24h` in a daily entry).",
    "during": "The range of a `network`, `thermal` or `plugged: wired` daily entry.",
    "at": "Daily: the clock time of a valued channel, with `for:`. Events: the instant.",
    "days": "Daily: `weekdays`, `weekends`, `all` or a list of `mon`..`sun`.",
    "jitter": "Daily: shift each day's occurrence by a seeded draw in ±jitter.",
    "app": "On `unlocked`: the app (bundle id) in the foreground for the whole unlock; on "
    "`bar`: the app whose switch is off.",
}
_CHANNEL_KINDS = {
    "network": one_of(NETWORK_VALUES),
    "thermal": one_of(THERMAL_VALUES),
    "plugged": either(
        "clock, range, or `wired`/`wireless`", CLOCK, CLOCK_RANGE, one_of(PLUGGED_VALUES)
    ),
    "boot": Kind("`true`", {"const": True}),
    "battery": number(0, 100),
    "timezone": Kind("IANA time zone name", {"type": "string"}),
}
_PLAIN = either("clock with `for:`, or a range", CLOCK, CLOCK_RANGE)
_PLAIN_EVENT = either("duration, or `true` with `for:`", DURATION, Kind("", {"const": True}))
_MODIFIER_KINDS = {
    "for": DURATION,
    "during": CLOCK_RANGE,
    "at": either("clock (daily) or date and time", CLOCK, INSTANT),
    "days": either(
        "`weekdays`, `weekends`, `all` or a list of days",
        one_of(tuple(DAY_SETS)),
        list_of(WEEKDAYS),
    ),
    "jitter": DURATION,
    "app": TEXT,
}


def _channel_key(name: str, daily: bool) -> Key:
    kind = _CHANNEL_KINDS.get(name)
    if kind is None:
        kind = TEXT if name in SUBJECT_POINTS else _PLAIN if daily else _PLAIN_EVENT
    return Key(name, kind, _CHANNEL_MEANINGS[name])


DAILY_ENTRY = Section(
    "daily_entry",
    "device.timeline.daily[]",
    "Daily entries",
    (
        "Each entry has exactly one channel key, plus the modifiers it needs. A daily time that "
        "does not exist on a day (spring forward) moves forward by the gap; one that exists twice "
        "(fall back) happens once."
    ),
    tuple(_channel_key(c, True) for c in DAILY_CHANNELS)
    + tuple(Key(m, _MODIFIER_KINDS[m], _MODIFIER_MEANINGS[m]) for m in DAILY_MODIFIERS),
)

EVENT_ENTRY = Section(
    "event_entry",
    "device.timeline.events[]",
    "Events",
    (
        "Each event has `at:` and exactly one channel key. Intervals take a duration "
        "(`low_power_mode: 8h`) or a value with `for:` (`thermal: serious, for: 45m`); points take "
        "their subject (`force_quit: io.example.app`)."
    ),
    tuple(_channel_key(c, False) for c in EVENT_CHANNELS)
    + tuple(
        Key(m, DURATION if m == "for" else INSTANT if m == "at" else TEXT, _MODIFIER_MEANINGS[m])
        for m in EVENT_MODIFIERS
    ),
)

APPS = Section(
    "apps",
    "apps",
    "Apps",
    ("A mapping of bundle id → app. Apps that are only used (opened in the trace) need no entry."),
    (),
    free=True,
)

APP = Section(
    "app",
    "apps.<bundle id>",
    "An app",
    ("The app's Info.plist facts, how it registers its handlers, and its tasks."),
    (
        Key(
            "background_modes",
            list_of(BACKGROUND_MODES),
            "`UIBackgroundModes`: `fetch` for "
            "refresh, `processing` for the processing family (BGR002).",
            default="[]",
        ),
        Key(
            "permitted_identifiers",
            Kind("list of task identifiers", {"type": "array", "items": {"type": "string"}}),
            "`BGTaskSchedulerPermittedIdentifiers`; a submit of any other identifier fails with "
            "notPermitted (F17). Continued processing uses a wildcard (`io.example.app.export.*`).",
            default="[]",
        ),
        Key(
            "entitlements",
            list_of(ENTITLEMENTS),
            "`healthresearch` for health research (F97), "
            "`continued_processing_gpu` for `resources: [gpu]` (F107).",
            default="[]",
        ),
        Key(
            "registers",
            either(
                "`all` or a list of identifiers",
                Kind("", {"const": "all"}),
                Kind("", {"type": "array", "items": {"type": "string"}}),
            ),
            "The identifiers whose launch handler the app registers: `all` = every permitted "
            "one. A permitted identifier without a handler crashes the launch (F88).",
            default="all",
        ),
        Key(
            "registration",
            one_of(REGISTRATIONS),
            "`late`: handlers registered after "
            "didFinishLaunching, a crash on iOS 18 and earlier (F87).",
            default="at_launch",
        ),
        Key(
            "content",
            mapping("content"),
            "The server side, for freshness.",
            default="{changes_per_hour: 1}",
        ),
        Key(
            "on_open",
            one_of(ON_OPEN),
            "`sync`: opening the app fetches fresh data itself; staleness is measured before that.",
            default="sync",
        ),
        Key(
            "tasks",
            mapping("tasks"),
            "The app's background tasks by identifier.",
            default_note="no tasks",
        ),
    ),
)

CONTENT = Section(
    "content",
    "apps.<bundle id>.content",
    "Content",
    ("How often the data the app shows changes on the server (SPEC §6.9)."),
    (
        Key(
            "changes_per_hour",
            number(0, 60),
            "Mean server-side changes per hour (at most one a minute).",
            default="1",
        ),
    ),
)

TASKS = Section(
    "tasks",
    "apps.<bundle id>.tasks",
    "Tasks",
    (
        "A mapping of task identifier → task. Apple's convention, checked with a warning: the "
        "identifier starts with the app's bundle id."
    ),
    (),
    free=True,
)

TASK = Section(
    "task",
    "apps.<bundle id>.tasks.<identifier>",
    "A task",
    (
        'One `BGTaskRequest` and its handler. "Processing family" = `processing`, '
        "`health_research` and `continued_processing`."
    ),
    (
        Key(
            "type",
            TASK_TYPES_KIND,
            "The request class: `BGAppRefreshTaskRequest`, "
            "`BGProcessingTaskRequest`, `BGHealthResearchTaskRequest` (iOS 17, F96) or "
            "`BGContinuedProcessingTaskRequest` (iOS 26, F101).",
            required=True,
        ),
        Key(
            "earliest_begin",
            either(
                "duration, `{at: clock}`, or `null`",
                DURATION,
                mapping("earliest_at"),
                Kind("", {"type": "null"}),
            ),
            "`earliestBeginDate`: a delay after each submit (`2h`), the next occurrence of a clock "
            'time (`{at: "03:00"}`), or `null` (as soon as iOS likes). A floor, not a schedule '
            "(F26); ignored for continued processing (F101).",
            default="null",
        ),
        Key(
            "requires_network",
            BOOL,
            "`requiresNetworkConnectivity` (F32).",
            default="false",
            only="processing family",
        ),
        Key(
            "requires_external_power",
            BOOL,
            "`requiresExternalPower` (F33).",
            default="false",
            only="processing family",
        ),
        Key(
            "protection",
            one_of(PROTECTIONS),
            "`protectionTypeOfRequiredData` (F98).",
            default="complete_until_first_user_authentication",
            only="health_research",
        ),
        Key(
            "strategy",
            one_of(STRATEGIES),
            "Submission strategy when the system cannot start it now: `queue` or `fail` (F102).",
            default="queue",
            only="continued_processing",
        ),
        Key(
            "title",
            TEXT,
            "Shown in reports, as in the Live Activity (F103).",
            default_note="the identifier",
            only="continued_processing",
        ),
        Key(
            "subtitle",
            TEXT,
            "Shown in reports, as in the Live Activity (F103).",
            default_note="the identifier",
            only="continued_processing",
        ),
        Key(
            "resources",
            list_of(RESOURCES),
            "`[gpu]` needs the `continued_processing_gpu` entitlement and a GPU (F107).",
            default="[]",
            only="continued_processing",
        ),
        Key(
            "submit",
            mapping("submit"),
            "When the app submits the request.",
            default="{when: [app_background]}",
        ),
        Key("handler", mapping("handler"), "What the app's launch handler does.", default="{}"),
    ),
)

EARLIEST_AT = Section(
    "earliest_at",
    "….earliest_begin (mapping form)",
    "earliest_begin at a clock time",
    ('`earliest_begin: {at: "03:00"}`: each submit asks for the next 03:00, local time.'),
    (Key("at", CLOCK, "The local clock time.", required=True),),
)

SUBMIT = Section(
    "submit",
    "….tasks.<identifier>.submit",
    "Submit",
    (
        "Every submit goes through iOS's checks (F16–F23); a submit while a request with the same "
        "identifier is pending replaces it and restarts its `earliest_begin` (F14)."
    ),
    (
        Key(
            "when",
            list_of(SUBMIT_TRIGGERS),
            "`app_launch` every foreground launch (and pre-warm, "
            "F93); `app_background` when the app leaves the foreground; `handler_start`, "
            "`handler_end` (any normal completion), `handler_success` inside the task's own "
            "handler; `user_action` a `user_action` timeline event (continued processing, F100).",
            default="[app_background]",
        ),
        Key(
            "if_not_pending",
            BOOL,
            "Skip a submit while a request with this identifier is "
            "pending (check `getPendingTaskRequests` first).",
            default="false",
        ),
    ),
)

HANDLER = Section(
    "handler",
    "….tasks.<identifier>.handler",
    "Handler",
    ("The app's code for the task, described by what it does (SPEC §4.6)."),
    (
        Key(
            "duration",
            either(
                "duration, `{median, p90}` or `{min, max}`",
                DURATION,
                mapping("duration_lognormal"),
                mapping("duration_uniform"),
            ),
            "How long a run takes: fixed, lognormal (`{median: 5s, p90: 20s}`) or uniform "
            "(`{min: 2s, max: 9s}`).",
            default="5s",
        ),
        Key(
            "success_rate",
            number(0, 1),
            "Probability that a finished run reports success.",
            default="1",
        ),
        Key(
            "completes",
            one_of(COMPLETES),
            "When it calls `setTaskCompleted`: `always`, "
            "`on_success`, or `never` (watchdog kill, F73–F74).",
            default="always",
        ),
        Key("expiration_handler", BOOL, "Sets `expirationHandler` (F72).", default="true"),
        Key(
            "on_expiration",
            one_of(ON_EXPIRATION),
            "`cancel`: stop and complete after "
            "`cancel_latency`; `ignore`: keep running (killed at the grace limit).",
            default="cancel",
        ),
        Key(
            "cancel_latency",
            DURATION,
            "Time from expiration to `setTaskCompleted(false)` when cancelling.",
            default="1s",
        ),
        Key(
            "memory_mb",
            number(above=0),
            "Peak footprint of a run in MB (jetsam, F81).",
            default="20",
        ),
        Key("cpu", number(0, 1), "Mean CPU use 0..1 (CPU monitor, F9).", default="0.2"),
        Key(
            "network",
            either(
                "mapping (network use) or `null`",
                mapping("network_use"),
                Kind("", {"type": "null"}),
            ),
            "The run needs a network: without one it fails after a few seconds (F32, SPEC §6.7).",
            default="null",
        ),
        Key(
            "work",
            DURATION,
            "Processing family: total work the job needs, done across runs "
            "instead of a fixed duration.",
            default_note="none: `duration` is used",
            only="processing family",
        ),
        Key(
            "checkpoint",
            BOOL,
            "Processing family: progress survives an interrupted run.",
            default="false",
            only="processing family",
        ),
        Key(
            "progress_every",
            DURATION,
            "Continued processing: interval between progress reports (a stall rule, F105).",
            default="5s",
            only="continued_processing",
        ),
    ),
)

DURATION_LOGNORMAL = Section(
    "duration_lognormal",
    "….handler.duration (lognormal)",
    "Lognormal duration",
    ("Both keys are needed."),
    (
        Key("median", DURATION, "Median run length.", required=True),
        Key("p90", DURATION, "90th percentile, at least the median.", required=True),
    ),
)
DURATION_UNIFORM = Section(
    "duration_uniform",
    "….handler.duration (uniform)",
    "Uniform duration",
    ("Both keys are needed."),
    (
        Key("min", DURATION, "Shortest run (may be `0s`).", required=True),
        Key("max", DURATION, "Longest run, at least `min`.", required=True),
    ),
)

NETWORK_USE = Section(
    "network_use",
    "….handler.network",
    "Network use",
    ("Each request pays a round trip; the bytes take time at the link's speed (SPEC §6.7)."),
    (
        Key("requests", number(1, whole=True), "Requests per run.", default="1"),
        Key("bytes", SIZE, "Bytes transferred per run.", default="0"),
    ),
)

SCHEDULER = Section(
    "scheduler",
    "scheduler",
    "Scheduler",
    ("The model's parameters: `bgreplay profiles` lists each with its default, unit and source."),
    (
        Key(
            "profile",
            Kind(
                "`ios-17`, `ios-18`, `ios-26`, `ideal` or a profile file path", {"type": "string"}
            ),
            "The parameter set; `ideal` applies the hard constraints only.",
            default_note="from `device.ios` (SPEC §6.10)",
        ),
        Key(
            "params",
            mapping("params"),
            "Overrides of single parameters (`{expiration_grace: 5s}`).",
            default="{}",
        ),
    ),
)

EXPECT = Section(
    "expect",
    "expect",
    "Expectations",
    (
        "A mapping of target (task identifier, bundle id or `device`) → metric → check, e.g. "
        '`launches_per_day: ">= 3"`, a list such as `["p(90) < 3h", "max < 12h"]`, or '
        '`{check: ">= 3", robust: true}` (robust: it must also hold at both ends of every '
        "uncertain model parameter, `compare --sensitivity`). Metrics and the check syntax: "
        "docs/metrics.md."
    ),
    (),
    free=True,
)

VARIANTS = Section(
    "variants",
    "variants",
    "Variants",
    (
        "A mapping of variant name → overrides (`PATH: VALUE`), the same paths as `--set` "
        "(SPEC §4.8): `/`-separated keys, each may be an `fnmatch` pattern (`*refresh`). A path "
        "that matches nothing is an error."
    ),
    (),
    free=True,
)

SECTIONS: tuple[Section, ...] = (
    TOP,
    DEVICE,
    BATTERY,
    PERSONA,
    TIMELINE,
    DAILY_ENTRY,
    EVENT_ENTRY,
    APPS,
    APP,
    CONTENT,
    TASKS,
    TASK,
    EARLIEST_AT,
    SUBMIT,
    HANDLER,
    DURATION_LOGNORMAL,
    DURATION_UNIFORM,
    NETWORK_USE,
    SCHEDULER,
    EXPECT,
    VARIANTS,
    OBSERVATION,
)
SECTION_BY_ID: Mapping[str, Section] = MappingProxyType({s.id: s for s in SECTIONS})

# The key lists the loader checks mappings against
TOP_KEYS = TOP.names
DEVICE_KEYS = DEVICE.names
BATTERY_KEYS = BATTERY.names
PERSONA_KEYS = PERSONA.names
TIMELINE_KEYS = TIMELINE.names
APP_KEYS = APP.names
CONTENT_KEYS = CONTENT.names
TASK_KEYS = TASK.names
SUBMIT_KEYS = SUBMIT.names
HANDLER_KEYS = HANDLER.names
NETWORK_USE_KEYS = NETWORK_USE.names
EARLIEST_AT_KEYS = EARLIEST_AT.names
SCHEDULER_KEYS = SCHEDULER.names
DURATION_KEYS = DURATION_LOGNORMAL.names + DURATION_UNIFORM.names
OBSERVATION_KEYS = OBSERVATION.names
EXPECT_CHECK_KEYS = ("check", "robust")


def is_free_map(path: tuple[str, ...]) -> bool:
    """Maps whose keys are the user's names (apps, tasks, variants): overrides may not add keys."""
    return path in (("apps",), ("variants",)) or (
        len(path) == 3 and path[0] == "apps" and path[2] == "tasks"
    )
