"""Structure-aware mutations of valid scenarios (SPEC §4): keys dropped, duplicated, retyped or
misspelt, extreme and negative durations, huge counts, unicode, deep nesting, alias bombs, BOMs,
CRLF and tabs.

A case starts from one of the repository's valid scenarios (or a small built-in one that uses a
trace file, a persona, travel or continued processing), parsed with ``yaml.safe_load``. Tree
mutations change the parsed document and dump it again; text mutations then damage the YAML text
or its bytes. Half of the tree mutations stay inside the schema (a valid value for the key), so
many mutants still load and replay, which is where engine invariants get exercised.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from bgreplay.scenario import schema as S
from bgreplay.scenario.model import SUBMIT_TRIGGERS, TASK_TYPES
from fuzz.draw import Draw, chance, some

ROOT = Path(__file__).resolve().parents[1]
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
TRACE_NAME = "trace.csv"  # the trace file a seed may name; the case writes it beside the YAML

DURATIONS = [
    "0s",
    "1ms",
    "500ms",
    "5s",
    "30s",
    "90s",
    "15m",
    "1h30m",
    "2h",
    "22h",
    "1d",
    "7d",
    "400d",
    "401d",
    "-5m",
    "-1d",
    "0.5ms",
    "1.5s",
    "1e3s",
    "5",
    "5 s",
    "5S",
    "1h1h",
    "99999999999999999999d",
    "10000000d",
    "1d2h3m4s5ms",
    "",
    "∞",
    "NaN",
    "1 h 30 m",
]
CLOCKS = [
    "00:00",
    "02:30",
    "03:00",
    "07:30",
    "12:30",
    "23:59",
    "24:00",
    "25:00",
    "7:5",
    "-1:00",
    "12:30:30",
    "99:99",
    "",
]
RANGES = [
    "23:00-07:00",
    "00:00-24:00",
    "02:00-03:00",
    "01:30-02:30",
    "22:00-21:59",
    "08:00-08:00",
    "24:00-01:00",
    "07:00",
    "7-8",
    "-",
]  # the first five are valid
INSTANTS = [
    "2026-03-02T00:00",
    "2026-03-02T13:45",
    "2026-03-29T02:30",
    "2026-10-25T02:30",
    "2026-03-08T02:30",
    "2026-11-01T01:30",
    "2028-02-29T00:00",
    "2027-02-29T00:00",
    "2026-03-02T07:30+01:00",
    "2026-03-02T07:30Z",
    "2026-03-02T07:30+14:00",
    "1900-01-01T00:00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2026-13-01T00:00",
    "2026-03-02",
    "2026-03-02T24:00",
    "tomorrow",
    "2026-03-02T07:30:00.123456",
]
ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
    "Europe/Pariss",
    "europe/paris",
    "Mars/Olympus",
    "",
    "../../etc/passwd",
    "Europe/Paris\x00",
    "EST5EDT",
]
WEIRD = [
    None,
    True,
    False,
    0,
    -1,
    1,
    1.5,
    -0.0,
    10**30,
    -(10**30),
    2**63,
    1e308,
    -1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    "",
    " ",
    "text",
    "null",
    "yes",
    "0x1F",
    [],
    {},
    [1, 2],
    {"a": 1},
    [[[]]],
    "ü",
    "日本語",
    "🙂",
    "\u202eevil",
    "a\u200bb",
    "x" * 10_000,
    "\x07bell",
    "a\nb",
    "'",
    '"',
    "*alias",
    "&anchor",
    "!!python/object",
]
UNICODE = [
    "é",
    "日本語の名前",
    "🙂📱",
    "\u202e",
    "a\u0301",
    "\u200b",
    "Ωmega",
    "ß",
    "\ufeff",
    "\u2028",
    "İ",
    "ﬁ",
]
KEYS = sorted(
    set(
        S.TOP_KEYS
        + S.DEVICE_KEYS
        + S.APP_KEYS
        + S.TASK_KEYS
        + S.HANDLER_KEYS
        + S.DAILY_MODIFIERS
        + S.EVENT_CHANNELS
        + S.SUBMIT_KEYS
        + ("<<",)
    )
)

# Valid values by key name: a mutant that stays inside the schema still loads and replays.
VALID: dict[str, list[Any]] = {
    "type": list(TASK_TYPES),
    "model": list(S.DEVICE_MODELS),
    "ios": ["13.0", "16.4", "17.0", "18.2", "26.1", "27", 26.1, "26.1.1"],
    "timezone": ZONES[:10],
    "start": INSTANTS[:7],
    "duration": [
        "1h",
        "6h",
        "1d",
        "3d",
        "7d",
        "30d",
        {"median": "4s", "p90": "12s"},
        {"min": "1s", "max": "9s"},
        "45s",
    ],
    "profile": list(S.BUILTIN_PROFILES),
    "history": ["repeat", "none", "14d", "1d", "3d"],
    "completes": list(S.COMPLETES),
    "on_expiration": list(S.ON_EXPIRATION),
    "expiration_handler": [True, False],
    "registration": list(S.REGISTRATIONS),
    "registers": ["all", []],
    "on_open": list(S.ON_OPEN),
    "strategy": list(S.STRATEGIES),
    "success_rate": [0, 0.5, 0.97, 1],
    "cpu": [0.0, 0.3, 0.9, 1],
    "memory_mb": [1, 20, 45, 80, 3000],
    "memory_limit_mb": [50, 2048],
    "requires_network": [True, False],
    "requires_external_power": [True, False],
    "if_not_pending": [True, False],
    "checkpoint": [True, False],
    "gpu": [True, False],
    "background_app_refresh": [True, False],
    "earliest_begin": [None, "0s", "15m", "2h", "22h", {"at": "03:00"}, {"at": "02:30"}],
    "when": [[t] for t in SUBMIT_TRIGGERS]
    + [["app_background", "handler_start"], ["app_launch"], ["handler_end"]],
    "cancel_latency": ["0s", "1s", "10s"],
    "work": ["5m", "40m", "3h"],
    "progress_every": ["5s", "35s"],
    "jitter": ["0s", "5m", "30m", "2h"],
    "for": ["1m", "10m", "2h", "24h"],
    "days": ["weekdays", "weekends", ["mon", "sun"], "all"],
    "seed": [0, 1, 7, 2**31, 2**64 + 1],
    "changes_per_hour": [0, 1, 4, 60],
    "start_level": [0, 5, 50, 100],
    "background_modes": [["fetch"], ["processing"], ["fetch", "processing"], []],
    "entitlements": [[], ["healthresearch"], ["continued_processing_gpu"]],
    "protection": ["complete", "none", "complete_unless_open"],
    "resources": [[], ["gpu"]],
}


@functools.cache
def seeds() -> tuple[tuple[str, str], ...]:
    """``(name, YAML text)`` of every valid scenario a mutation may start from."""
    found = sorted((ROOT / "scenarios").rglob("*.yaml"))
    out = [(p.relative_to(ROOT).as_posix(), p.read_text(encoding="utf-8")) for p in found]
    return tuple(out) + tuple(BUILTIN_SEEDS.items())


BUILTIN_SEEDS = {
    "builtin/trace-file.yaml": f"""\
bgreplay: 1
start: 2026-03-02T00:00
duration: 3d
timezone: Europe/Paris
device: {{trace: {TRACE_NAME}, history: none}}
apps:
  io.cocoabytes.filmtracker:
    background_modes: [fetch]
    permitted_identifiers: [io.cocoabytes.filmtracker.refresh]
    tasks:
      io.cocoabytes.filmtracker.refresh: {{type: refresh, earliest_begin: 15m,
        submit: {{when: [app_background, handler_start]}}}}
""",
    "builtin/persona.yaml": """\
bgreplay: 1
start: 2026-03-27T09:15
duration: 4d
timezone: Europe/Paris
seed: 5
device: {persona: {name: office_worker, seed: 2}, model: ipad}
apps:
  io.x:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.x.refresh, io.x.sync]
    tasks:
      io.x.refresh: {type: refresh, earliest_begin: {at: "02:30"}}
      io.x.sync: {type: processing, requires_external_power: true, handler: {work: 40m}}
""",
    "builtin/travel.yaml": """\
bgreplay: 1
start: 2026-10-24T00:00
duration: 3d
timezone: America/New_York
device:
  timeline:
    daily:
      - {unlocked: "02:30", for: 10m, app: io.x}
      - {unlocked: "01:30", for: 5m}
      - {plugged: "22:00-06:00"}
      - {network: wifi, during: "00:00-24:00"}
    events:
      - {at: "2026-10-25T12:00", timezone: Europe/Paris}
      - {at: "2026-10-26T03:00", boot: true}
      - {at: "2026-10-25T18:00", low_power_mode: 3h}
      - {at: "2026-10-25T20:00", thermal: serious, for: 1h}
apps:
  io.x:
    background_modes: [fetch]
    permitted_identifiers: [io.x.refresh]
    tasks:
      io.x.refresh: {type: refresh, submit: {when: [app_background, handler_end]}}
""",
    "builtin/continued.yaml": """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 1d
device:
  ios: "26.1"
  model: ipad
  timeline:
    daily:
      - {unlocked: "10:00", for: 30m, app: io.x}
    events:
      - {at: "2026-03-02T10:05", user_action: io.x.export.video}
      - {at: "2026-03-02T10:06", user_action: io.x.export.video}
      - {at: "2026-03-02T10:07", cancel: io.x.export.video}
      - {at: "2026-03-02T10:08", simulate_launch: io.x.export.video}
      - {at: "2026-03-02T10:09", force_quit: io.x}
apps:
  io.x:
    background_modes: [processing]
    permitted_identifiers: [io.x.export.*]
    entitlements: [continued_processing_gpu]
    tasks:
      io.x.export.video:
        type: continued_processing
        submit: {when: [user_action]}
        resources: [gpu]
        handler: {duration: 2m, progress_every: 10s}
""",
}


# --- the parsed document -------------------------------------------------------------------
Path_ = tuple[Any, ...]


def _walk(node: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    out = [(path, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _walk(v, (*path, i))
    return out


def _get(doc: Any, path: Path_) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def _set(doc: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _pick(draw: Draw, doc: Any, want=None) -> tuple[Path_, Any] | None:
    nodes = [(p, n) for p, n in _walk(doc) if want is None or want(p, n)]
    return draw.choice(nodes) if nodes else None


def _key_of(path: Path_) -> str:
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "")


def _fresh(draw: Draw, pool: list[Any]) -> Any:
    """A value from a pool, copied: a later mutation of the document must not reach the pool
    (one worker builds thousands of cases from the same pools)."""
    return copy.deepcopy(draw.choice(pool))


def op_drop(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc, lambda p, _: bool(p))
    if hit:
        parent = _get(doc, hit[0][:-1])
        del parent[hit[0][-1]]
    return doc


def op_retype(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc)
    return _set(doc, hit[0], _fresh(draw, WEIRD)) if hit else doc


def op_valid(draw: Draw, doc: Any) -> Any:
    """A valid value for the key (the mutant usually still loads)."""
    hit = _pick(draw, doc, lambda p, _: bool(p) and isinstance(p[-1], str) and p[-1] in VALID)
    if hit is None:
        return doc
    pool = ["1h", "6h", "1d", "3d", "7d", "30d"] if hit[0] == ("duration",) else VALID[hit[0][-1]]
    return _set(doc, hit[0], _fresh(draw, pool))


def op_duration(draw: Draw, doc: Any) -> Any:
    def durationish(_: Path_, n: Any) -> bool:
        return isinstance(n, str) and n[:1].isdigit() and n[-1:] in "smhd"

    hit = _pick(draw, doc, durationish)
    return _set(doc, hit[0], draw.choice(DURATIONS)) if hit else doc


def op_clock(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc, lambda _, n: isinstance(n, str) and ":" in n and len(n) <= 11)
    if hit is None:
        return doc
    pool = RANGES if "-" in hit[1] else CLOCKS + INSTANTS
    return _set(doc, hit[0], draw.choice(pool))


def op_number(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc, lambda _, n: isinstance(n, int | float) and not isinstance(n, bool))
    pool = [0, -1, 1, 0.5, 101, 1e308, 10**30, 2**63, float("nan"), float("inf"), -0.0, 1e-300]
    return _set(doc, hit[0], draw.choice(pool)) if hit else doc


def op_rename(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc, lambda _, n: isinstance(n, dict) and bool(n))
    if hit is None:
        return doc
    mapping = hit[1]
    old = draw.choice(list(mapping))
    text = str(old)
    new = draw.choice(
        [
            text + "s",
            text[:-1],
            text.upper(),
            f" {text}",
            text.replace("_", "-"),
            draw.choice(UNICODE) + text,
            draw.choice(KEYS),
            "",
            1,
            True,
            None,
            text + draw.choice(UNICODE),
        ]
    )
    if new in mapping:
        return doc
    items = [(new if k == old else k, v) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)
    return doc


def op_add_key(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc, lambda _, n: isinstance(n, dict))
    if hit is None:
        return doc
    key = draw.choice(KEYS)
    pool = VALID.get(key) or WEIRD
    hit[1].setdefault(key, _fresh(draw, pool))
    return doc


def op_copy(draw: Draw, doc: Any) -> Any:
    """A subtree pasted somewhere else (a handler under device, a task under expect ...)."""
    src = _pick(draw, doc)
    dst = _pick(draw, doc, lambda _, n: isinstance(n, dict | list))
    if src is None or dst is None:
        return doc
    value = copy.deepcopy(src[1])
    if isinstance(dst[1], dict):
        dst[1][_key_of(src[0]) or draw.choice(KEYS)] = value
    else:
        dst[1].append(value)
    return doc


MAX_TEXT = 6_000_000  # mutants stay near the 4 MB limit, not far past it (dumping is slow)


def _size(node: Any, depth: int = 0) -> int:
    """About how many characters ``node`` takes as YAML (block style indents every level)."""
    pad = 2 * depth + 2
    if isinstance(node, dict):
        return pad + sum(len(str(k)) + pad + _size(v, depth + 1) for k, v in node.items())
    if isinstance(node, list):
        return pad + sum(pad + _size(v, depth + 1) for v in node)
    return len(str(node)) + 1


def op_many(draw: Draw, doc: Any) -> Any:
    """Huge counts: an entry, app or task copied tens to thousands of times."""
    hit = _pick(draw, doc, lambda _, n: isinstance(n, dict | list) and bool(n))
    if hit is None:
        return doc
    n = draw.choice([2, 10, 150, 600, 3000])
    node = hit[1]
    if isinstance(node, list):
        item = node[draw.integer(0, len(node) - 1)]
        n = min(n, MAX_TEXT // _size(item, len(hit[0])))
        node.extend(copy.deepcopy(item) for _ in range(n))
    else:
        key = draw.choice(list(node))
        n = min(n, MAX_TEXT // _size(node[key], len(hit[0])))
        for i in range(n):
            node[f"{key}.c{i}"] = copy.deepcopy(node[key])
    return doc


def op_nest(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc)
    if hit is None:
        return doc
    value = hit[1]
    for _ in range(draw.choice([3, 40, 99, 101, 150, 500])):
        value = [value] if chance(draw, 50) else {"k": value}
    return _set(doc, hit[0], value)


def op_unicode(draw: Draw, doc: Any) -> Any:
    hit = _pick(draw, doc, lambda _, n: isinstance(n, str))
    if hit is None:
        return doc
    u = draw.choice(UNICODE)
    return _set(doc, hit[0], draw.choice([u + hit[1], hit[1] + u, u, hit[1].replace(".", u)]))


def op_timeline(draw: Draw, doc: Any, *, valid: bool = False) -> Any:
    """Random but well-formed inline timeline entries and events; with ``valid``, only channels
    the timeline does not use yet (so the new entries cannot overlap old ones)."""
    if not isinstance(doc, dict):
        return doc
    device = doc.setdefault("device", {})
    if not isinstance(device, dict):
        return doc
    if device.get("timeline") is None or not isinstance(device.get("timeline"), dict):
        device["timeline"] = {}
    tl = device["timeline"]
    apps = (list(doc["apps"]) if isinstance(doc.get("apps"), dict) else []) or ["io.x"]
    app_map = doc["apps"] if isinstance(doc.get("apps"), dict) else {}
    tasks = [
        t
        for a in app_map.values()
        if isinstance(a, dict) and isinstance(a.get("tasks"), dict)
        for t in a["tasks"]
    ] or ["io.x.t"]
    daily = tl.setdefault("daily", []) if isinstance(tl.get("daily", []), list) else []
    events = tl.setdefault("events", []) if isinstance(tl.get("events", []), list) else []
    used = {k for e in daily if isinstance(e, dict) for k in e}
    kinds = [
        "unlocked",
        "unlocked",
        "plugged",
        "network",
        "thermal",
        "screen",
        "low_power_mode",
        "bar",
        "off",
    ]
    if valid:
        kinds = [k for k in kinds if k not in used and k != "off"] or ["screen"]
    for _ in range(draw.integer(1, 1 if valid else 4)):
        kind = draw.choice(kinds)
        entry: dict[str, Any]
        if kind in ("network", "thermal"):
            values = S.VALUE_CHANNELS[kind]
            entry = {kind: draw.choice(values), "during": draw.choice(RANGES[:5])}
        else:
            entry = {kind: draw.choice(CLOCKS[:6]), "for": _fresh(draw, VALID["for"])}
            if kind == "unlocked" and chance(draw, 60):
                entry["app"] = draw.choice(apps)
        if chance(draw, 30):
            entry["jitter"] = _fresh(draw, VALID["jitter"])
        if chance(draw, 20):
            entry["days"] = _fresh(draw, VALID["days"])
        daily.append(entry)
    start = str(doc.get("start", "2026-03-02T00:00"))[:10]
    for _ in range(draw.integer(0, 4)):
        at = f"{start}T{draw.integer(0, 23):02d}:{draw.integer(0, 59):02d}"
        kind = draw.choice(
            [
                "boot",
                "force_quit",
                "user_action",
                "cancel",
                "simulate_launch",
                "simulate_expiration",
                "battery",
                "timezone",
            ]
            + ([] if valid else ["low_power_mode", "thermal", "unlocked"])
        )
        event: dict[str, Any] = {"at": at}
        if kind == "boot":
            event[kind] = True
        elif kind == "force_quit":
            event[kind] = draw.choice(apps)
        elif kind in S.TASK_SUBJECT_POINTS:
            event[kind] = draw.choice(tasks)
        elif kind == "battery":
            event[kind] = draw.choice([0, 15, 50, 100])
        elif kind == "timezone":
            event[kind] = draw.choice(ZONES[:10])
        elif kind == "thermal":
            event.update({kind: draw.choice(["fair", "serious", "critical"]), "for": "1h"})
        else:
            event[kind] = draw.choice(["5m", "3h"])
        events.append(event)
    return doc


def op_timeline_valid(draw: Draw, doc: Any) -> Any:
    return op_timeline(draw, doc, valid=True)


TREE_OPS = (
    op_drop,
    op_retype,
    op_valid,
    op_valid,
    op_valid,
    op_duration,
    op_clock,
    op_number,
    op_rename,
    op_add_key,
    op_copy,
    op_many,
    op_nest,
    op_unicode,
    op_timeline,
    op_timeline,
)
VALID_OPS = (op_valid, op_valid, op_timeline_valid)  # mutants that usually still load and replay


# --- the text ------------------------------------------------------------------------------
def alias_bomb(levels: int = 12, width: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join(f"*a{i - 1}" for _ in range(width))
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def text_op(draw: Draw, text: str) -> str:
    """One damage to the YAML text."""
    lines = text.split("\n")
    i = draw.integer(0, max(len(lines) - 1, 0))
    op = draw.integer(0, 17)
    if op == 0:
        return "\ufeff" + text
    if op == 1:
        return text.replace("\n", "\r\n")
    if op == 2:  # a tab in the indentation
        lines[i] = "\t" + lines[i].lstrip(" ") if lines[i].startswith(" ") else "\t" + lines[i]
    elif op == 3:
        return text[: draw.integer(0, len(text))]
    elif op == 4:  # a duplicated line: often a duplicate key
        lines.insert(i, lines[i])
    elif op == 5:
        del lines[i]
    elif op == 6:
        lines[i] = " " * draw.integer(1, 3) + lines[i]
    elif op == 7:
        return text + "\nbomb:\n" + "\n".join("  " + s for s in alias_bomb().split("\n"))
    elif op == 8:
        return text + "\ndeep: " + "[" * 5000 + "]" * 5000 + "\n"
    elif op == 9:
        return text + "\nobj: !!python/object/apply:os.system ['true']\n"
    elif op == 10:
        return text + "\nx: *nowhere\n"
    elif op == 11:
        return text + "\n---\nbgreplay: 1\n"
    elif op == 12:
        return "%YAML 1.1\n---\n" + text
    elif op == 13:
        lines[i] += "  # " + draw.choice(UNICODE) * 50
    elif op == 14:
        return text + "\nloop: &loop [*loop]\n"
    elif op == 15:
        return text + "\nbase: &base {seed: 3}\nmerged: {<<: *base, <<: [*base, 1]}\n"
    elif op == 16:
        lines[i] = lines[i].replace(":", "", 1)
    else:
        lines[i] = lines[i] + draw.choice(["\x00", "\x1b[31m", "\x7f", "\u0085", "\ud7ff"])
    return "\n".join(lines)


def bytes_op(draw: Draw, data: bytes) -> bytes:
    """Damage below the text: bytes that are not UTF-8, UTF-16, flipped bits."""
    op = draw.integer(0, 4)
    if op == 0:
        return data.decode("utf-8", "replace").encode("utf-16")
    if op == 1 and data:
        i = draw.integer(0, len(data) - 1)
        return data[:i] + bytes([draw.integer(0, 255)]) + data[i + 1 :]
    if op == 2:
        return data + b"\nname: caf\xe9\n"
    if op == 3:
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    return data.replace(b"\n", b"\r")


def dump(doc: Any) -> str:
    try:
        return yaml.dump(doc, Dumper=DUMPER, allow_unicode=True, sort_keys=False, width=200)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):  # too deep to dump
        return "bgreplay: 1\nunreadable: [" + "[" * 150 + "]" * 150 + "]\n"


def mutate(draw: Draw, *, valid_only: bool = False) -> tuple[str, bytes]:
    """``(seed name, YAML bytes)``: a seed scenario after a few mutations."""
    name, text = draw.choice(seeds())
    doc = yaml.safe_load(text)
    ops = VALID_OPS if valid_only else TREE_OPS
    for _ in range(draw.integer(1, 3)):
        doc = draw.choice(ops)(draw, doc)
    text = dump(doc)
    if not valid_only:
        for _ in range(draw.choice([0, 0, 1, 2])):
            text = text_op(draw, text)
    data = text.encode("utf-8", "surrogatepass")
    if not valid_only and chance(draw, 8):
        data = bytes_op(draw, data)
    return name, data


__all__ = ["mutate", "seeds", "some", "TRACE_NAME"]
