"""The scenario reference (``docs/scenario.md``), generated from ``bgreplay.scenario.schema``:
``bgreplay schema --format markdown > docs/scenario.md``. A test fails when the file is stale,
and another loads every example below as a scenario, so the page can be trusted as written."""

from __future__ import annotations

from bgreplay.scenario import schema as S

# One complete, small scenario per construct, each valid as written (tested). Paths are
# relative to the scenarios/ folder, where the examples are checked.
EXAMPLES: dict[str, tuple[str, str]] = {  # key: a section id, or "trace" (shown with device)
    "scenario": (
        "A complete scenario: an inline timeline, a refresh and a processing task, expectations",
        """\
bgreplay: 1
name: News app, a weekday routine
start: 2026-03-02T00:00
duration: 7d
timezone: Europe/Paris
device:
  timeline:
    daily:
      - {unlocked: "07:30", for: 10m, app: com.example.news}
      - {unlocked: "12:30", for: 15m, app: com.example.news, jitter: 20m}
      - {unlocked: "21:00", for: 20m, app: com.example.news}
      - {plugged: "23:00-07:00"}
      - {network: wifi, during: "00:00-24:00"}    # no network row = no network
apps:
  com.example.news:
    background_modes: [fetch, processing]
    permitted_identifiers: [com.example.news.refresh, com.example.news.nightly]
    tasks:
      com.example.news.refresh:
        type: refresh
        earliest_begin: 1h
        submit: {when: [app_background, handler_start]}
        handler: {duration: 4s, network: {requests: 1, bytes: 40KB}}
      com.example.news.nightly:
        type: processing
        requires_network: true
        requires_external_power: true
        handler: {duration: {median: 2m, p90: 5m}, checkpoint: true}
expect:
  com.example.news.refresh:
    launches_per_day: ">= 1"
  com.example.news:
    staleness_at_open: ["p(90) < 6h"]
""",
    ),
    "device": (
        "A device described by its keys, with a persona's days",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 14d
device:
  model: iphone
  ios: "18.4"
  memory_limit_mb: 3072
  background_app_refresh: true
  battery: {start: 60}
  history: 14d
  persona: office_worker
""",
    ),
    "persona": (
        "A persona with its own seed",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  persona: {name: light_user, seed: 3}
""",
    ),
    "trace": (
        "A trace file of the repository",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
timezone: Europe/Paris
device:
  trace: ../traces/commuter-week.csv    # relative to the scenario's folder
""",
    ),
    "timeline": (
        "Daily entries and one-off events",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  timeline:
    daily:
      - {unlocked: "08:00", for: 10m, app: io.example.app, days: weekdays}
      - {unlocked: "10:00-10:05", days: [sat, sun], jitter: 30m}
      - {screen: "13:00", for: 1m}
      - {plugged: "23:00-07:00"}
      - {plugged: wireless, during: "12:00-12:30", days: weekdays}
      - {network: wifi, during: "18:30-08:15"}
      - {network: cellular, at: "08:15", for: 10h15m}
      - {low_power_mode: "15:00-16:00", days: [fri]}
      - {thermal: fair, during: "14:00-14:20"}
      - {bar: "00:00-06:00", app: io.example.app}
    events:
      - {at: "2026-03-04T13:00", force_quit: io.example.app}
      - {at: "2026-03-05T10:00", low_power_mode: 8h}
      - {at: "2026-03-06T16:00", thermal: serious, for: 45m}
      - {at: "2026-03-06T20:00", unlocked: 5m, app: io.example.app}
      - {at: "2026-03-07T03:10", boot: true}
      - {at: "2026-03-07T09:00", battery: 35}
      - {at: "2026-03-07T12:00", off: 30m}
      - {at: "2026-03-08T09:00", timezone: Europe/London}
""",
    ),
    "app": (
        "An app: Info.plist facts, registration, content and an explicit handler list",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  persona: heavy_user
apps:
  io.example.app:
    background_modes: [fetch]
    permitted_identifiers: [io.example.app.refresh]
    registers: [io.example.app.refresh]
    registration: at_launch
    content: {changes_per_hour: 4}
    on_open: none
    tasks:
      io.example.app.refresh: {type: refresh}
""",
    ),
    "task": (
        "The four task types, with the keys each one takes",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  ios: "26.1"
  persona: office_worker
  timeline:
    events:
      - {at: "2026-03-03T18:00", user_action: io.example.app.export.video}
apps:
  io.example.app:
    background_modes: [fetch, processing]
    permitted_identifiers:
      - io.example.app.refresh
      - io.example.app.cleanup
      - io.example.app.study
      - io.example.app.export.*
    entitlements: [healthresearch]
    tasks:
      io.example.app.refresh:
        type: refresh
        earliest_begin: 30m
      io.example.app.cleanup:
        type: processing
        earliest_begin: {at: "03:00"}
        requires_external_power: true
      io.example.app.study:
        type: health_research
        protection: complete_unless_open
        requires_network: true
      io.example.app.export.video:
        type: continued_processing
        strategy: fail
        title: Exporting video
        subtitle: holiday.mov
        submit: {when: [user_action]}
        handler: {work: 3m, progress_every: 5s}
""",
    ),
    "submit": (
        "Submitting on launch, but only when nothing is pending",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  persona: office_worker
apps:
  io.example.app:
    background_modes: [fetch]
    permitted_identifiers: [io.example.app.refresh]
    tasks:
      io.example.app.refresh:
        type: refresh
        earliest_begin: 2h
        submit: {when: [app_launch, handler_start], if_not_pending: true}
""",
    ),
    "handler": (
        "Handlers: a fixed, a lognormal and a uniform run length; network use; work "
        "done across runs",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  persona: office_worker
apps:
  io.example.app:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.example.app.refresh, io.example.app.sync, io.example.app.index]
    tasks:
      io.example.app.refresh:
        type: refresh
        handler:
          duration: {median: 4s, p90: 12s}
          success_rate: 0.97
          completes: always
          expiration_handler: true
          on_expiration: cancel
          cancel_latency: 500ms
          memory_mb: 30
          cpu: 0.3
          network: {requests: 1, bytes: 40KB}
      io.example.app.sync:
        type: processing
        requires_network: true
        handler: {duration: {min: 20s, max: 2m}, network: {requests: 3, bytes: 1.5MB}}
      io.example.app.index:
        type: processing
        requires_external_power: true
        handler: {work: 40m, checkpoint: true, cpu: 0.6, memory_mb: 45}
""",
    ),
    "scheduler": (
        "A profile and one parameter changed",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  persona: office_worker
scheduler:
  profile: ios-18
  params: {expiration_grace: 10s, prewarm_lead: 0s}
""",
    ),
    "expect": (
        "Expectations on a task, an app and the device",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  persona: office_worker
apps:
  io.example.app:
    background_modes: [fetch]
    permitted_identifiers: [io.example.app.refresh]
    tasks:
      io.example.app.refresh: {type: refresh, earliest_begin: 1h}
expect:
  io.example.app.refresh:
    launches_per_day: ">= 1"
    kills: "== 0"
  io.example.app:
    staleness_at_open: ["p(90) < 12h", "max < 2d"]
    fresh_open_ratio: ">= 10%"
  device:
    unlocks_per_day: "> 5"
""",
    ),
    "variants": (
        "Variants compared with `bgreplay compare`",
        """\
bgreplay: 1
start: 2026-03-02T00:00
duration: 7d
device:
  persona: office_worker
apps:
  io.example.app:
    background_modes: [fetch]
    permitted_identifiers: [io.example.app.refresh]
    tasks:
      io.example.app.refresh: {type: refresh, earliest_begin: 2h}
variants:
  every-launch:
    apps/io.example.app/tasks/*refresh/submit/when: [app_launch]
  short-delay:
    apps/*/tasks/*refresh/earliest_begin: 15m
""",
    ),
}

_INTRO = """\
# Scenario reference

Generated from the schema the loader uses (`bgreplay schema --format markdown`); a test fails
when this page is stale, and every example on it is loaded as a scenario by the tests. Each
example is a complete scenario: save it as a `.yaml` file and run `bgreplay run FILE` (paths
in the examples are relative to the repository's `scenarios/` folder).

For completion and inline errors in an editor (VS Code with the YAML extension, Neovim with
yaml-language-server), write the JSON Schema once and point the scenario at it on its first
line:

```sh
bgreplay schema > bgreplay.schema.json
```

```yaml
# yaml-language-server: $schema=bgreplay.schema.json
```

(`docs/scenario.schema.json` in the repository is the same file.)

How values are written: durations `90s`, `15m`, `2h`, `1d`, `1h30m`, `500ms` (a number alone
has no unit and is refused); clock times in quotes, `"07:30"`; instants `2026-03-02T07:30`
(scenario-local) or with an offset; sizes `40KB`, `1.5MB` (1 KB = 1000 bytes). A key written
as `null` or left empty means its default, except where a type needs a value.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(section: S.Section) -> list[str]:
    only = any(k.only for k in section.keys)
    head = "| key | type | default | meaning |"
    rule = "|---|---|---|---|"
    if only:
        head, rule = head[:-1] + " only for |", rule + "---|"
    lines = [head, rule]
    for k in section.keys:
        cells = [f"`{k.name}`", k.kind.label, k.shown_default, k.meaning]
        if only:
            cells.append(k.only or "all")
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


_SHOWN_WITH = {"device": ("device", "trace")}  # sections with more than one example


def _example(section_id: str) -> list[str]:
    out = []
    for key in _SHOWN_WITH.get(section_id, (section_id,)):
        if key in EXAMPLES:
            title, text = EXAMPLES[key]
            out += [f"Example — {title}:", "", "```yaml", text.rstrip("\n"), "```", ""]
    return out


def reference_markdown() -> str:
    parts = [_INTRO]
    for section in S.SECTIONS:
        parts += [f"## {section.title}", "", f"`{section.where}` — {section.intro}", ""]
        if section.keys:
            parts += [*_table(section), ""]
        parts += _example(section.id)
    return "\n".join(parts).rstrip("\n") + "\n"


def examples() -> list[tuple[str, str]]:
    """(name, document) of every example on the page."""
    return [(key, text) for key, (_, text) in EXAMPLES.items()]
