"""Each lint rule on model objects built by hand: it fires when its condition holds, stays quiet
when it does not, with the right severity and the most specific YAML location."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime

import pytest

from bgreplay.errors import Location
from bgreplay.scenario.lint import RULES, Finding, fmt_ms, lint_scenario
from bgreplay.scenario.model import (
    DAY,
    HOUR,
    MINUTE,
    SECOND,
    App,
    DailyEntry,
    Device,
    DurationDist,
    EarliestBegin,
    Handler,
    InlineTimeline,
    NetworkUse,
    PersonaRef,
    Scenario,
    SourceMap,
    Submit,
    Task,
    TimelineEvent,
)

BUNDLE = "io.x"


class EchoPaths(Mapping):
    """Every key path is 'written': its location's file is the path, so tests can read it."""

    def __getitem__(self, key: tuple[str, ...]) -> Location:
        return Location("/".join(key), 1, 1)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(())

    def __len__(self) -> int:
        return 0


def task(name: str = "refresh", type: str = "refresh", **kw) -> Task:
    return Task(id=f"{BUNDLE}.{name}", app=BUNDLE, type=type, **kw)  # type: ignore[arg-type]


def handler(**kw) -> Handler:
    return Handler(**kw)


def app(*tasks: Task, **kw) -> App:
    kw.setdefault("background_modes", ("fetch", "processing"))
    kw.setdefault("permitted_identifiers", tuple(t.id for t in tasks))
    return App(bundle=BUNDLE, tasks=tasks, **kw)


def scenario(*apps: App, timeline: InlineTimeline | None = None, **device: object) -> Scenario:
    return Scenario(
        name="t",
        start=datetime(2026, 3, 2),
        duration_ms=7 * DAY,
        device=Device(timeline=timeline, **device),  # type: ignore[arg-type]
        apps=apps,
        source=SourceMap("s.yaml", EchoPaths()),
    )


def good() -> Scenario:
    """The seed's advice followed to the letter: no findings at all."""
    refresh = task(
        earliest_begin=EarliestBegin(delay_ms=2 * HOUR),
        submit=Submit(when=("app_background", "handler_start")),
        handler=handler(network=NetworkUse(requests=1, bytes=40 * 1024)),
    )
    processing = task(
        "processing",
        "processing",
        earliest_begin=EarliestBegin(delay_ms=4 * HOUR),
        requires_network=True,
        requires_external_power=True,
        handler=handler(work_ms=5 * MINUTE, cpu=0.9, memory_mb=45),
    )
    return scenario(app(refresh, processing), persona=PersonaRef("office_worker"))


def findings(s: Scenario, rule: str) -> list[Finding]:
    return [f for f in lint_scenario(s) if f.rule == rule]


def only(s: Scenario, rule: str) -> Finding:
    found = findings(s, rule)
    assert len(found) == 1, found
    return found[0]


def path(*rest: str, name: str = "refresh") -> str:
    return "/".join(("apps", BUNDLE, "tasks", f"{BUNDLE}.{name}", *rest))


def test_registry_holds_the_twenty_one_rules_each_with_a_severity() -> None:
    assert list(RULES) == [*(f"BGR{n:03d}" for n in range(1, 21)), "BGR023"]  # 21, 22: scan
    assert {r.severity for r in RULES.values()} <= {"error", "warning", "info"}


def test_the_seed_advice_gives_no_findings() -> None:
    assert lint_scenario(good()) == []


# --- BGR001 -------------------------------------------------------------------------------------


def test_bgr001_identifier_not_permitted() -> None:
    s = scenario(app(task(), permitted_identifiers=(f"{BUNDLE}.processing",)))
    f = only(s, "BGR001")
    assert f.severity == "error"
    assert f.location.file == path()
    assert "notPermitted" in f.message


def test_bgr001_wildcard_permits_its_children() -> None:
    export = task("export.a1", "continued_processing", submit=Submit(when=("user_action",)))
    s = scenario(app(export, permitted_identifiers=(f"{BUNDLE}.export.*",)))
    assert findings(s, "BGR001") == []
    s = scenario(app(export, permitted_identifiers=(f"{BUNDLE}.import.*",)))
    assert findings(s, "BGR001")[0].location.file == path(name="export.a1")


# --- BGR002 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "modes", "missing"),
    [
        ("refresh", ("processing",), "fetch"),
        ("processing", ("fetch",), "processing"),
        ("health_research", ("fetch",), "processing"),
    ],
)
def test_bgr002_missing_background_mode(kind: str, modes: tuple[str, ...], missing: str) -> None:
    s = scenario(app(task("t", kind), background_modes=modes, entitlements=("healthresearch",)))
    f = only(s, "BGR002")
    assert f.severity == "error"
    assert f.location.file == f"apps/{BUNDLE}/background_modes"
    assert f"`{missing}`" in f.message


def test_bgr002_quiet_with_the_right_mode_and_for_continued_processing() -> None:
    s = scenario(app(task(), background_modes=("fetch",)))
    assert findings(s, "BGR002") == []
    cp = task("export.*", "continued_processing", submit=Submit(when=("user_action",)))
    assert findings(scenario(app(cp, background_modes=())), "BGR002") == []


# --- BGR003 -------------------------------------------------------------------------------------


def test_bgr003_permitted_identifier_without_handler() -> None:
    s = scenario(app(task(), registers=()))
    f = only(s, "BGR003")
    assert f.severity == "error"
    assert f.location.file == f"apps/{BUNDLE}/registers"
    assert "F88" in f.message


def test_bgr003_quiet_when_registered() -> None:
    assert findings(scenario(app(task(), registers="all")), "BGR003") == []
    assert findings(scenario(app(task(), registers=(f"{BUNDLE}.refresh",))), "BGR003") == []
    wildcard = app(permitted_identifiers=(f"{BUNDLE}.export.*",), registers=(f"{BUNDLE}.export.*",))
    assert findings(scenario(wildcard), "BGR003") == []


# --- BGR004 -------------------------------------------------------------------------------------


def test_bgr004_late_registration_up_to_ios_18() -> None:
    f = only(scenario(app(task(), registration="late"), ios="18.6"), "BGR004")
    assert f.severity == "error"
    assert f.location.file == f"apps/{BUNDLE}/registration"
    assert findings(scenario(app(task(), registration="late"), ios="26.1"), "BGR004") == []
    assert findings(scenario(app(task()), ios="17.0"), "BGR004") == []


# --- BGR005 -------------------------------------------------------------------------------------


def test_bgr005_submit_on_every_launch() -> None:
    f = only(scenario(app(task(submit=Submit(when=("app_launch",))))), "BGR005")
    assert f.severity == "warning"
    assert f.location.file == path("submit", "when")


def test_bgr005_quiet_with_if_not_pending() -> None:
    guarded = task(submit=Submit(when=("app_launch",), if_not_pending=True))
    assert findings(scenario(app(guarded)), "BGR005") == []


# --- BGR006 / BGR007 ----------------------------------------------------------------------------


def test_bgr006_no_expiration_handler() -> None:
    f = only(scenario(app(task(handler=handler(expiration_handler=False)))), "BGR006")
    assert f.severity == "warning"
    assert f.location.file == path("handler", "expiration_handler")
    assert findings(good(), "BGR006") == []


@pytest.mark.parametrize("completes", ["never", "on_success"])
def test_bgr007_completes_not_always(completes: str) -> None:
    f = only(scenario(app(task(handler=handler(completes=completes)))), "BGR007")
    assert f.severity == "warning"
    assert f.location.file == path("handler", "completes")


def test_bgr007_quiet_when_always() -> None:
    assert findings(scenario(app(task(handler=handler(completes="always")))), "BGR007") == []


# --- BGR008 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["handler_end", "handler_success"])
def test_bgr008_reschedules_only_at_the_end(end: str) -> None:
    s = scenario(app(task(submit=Submit(when=("user_action", end)))))
    f = only(s, "BGR008")
    assert f.severity == "warning"
    assert f.location.file == path("submit", "when")


@pytest.mark.parametrize("other", ["handler_start", "app_launch", "app_background"])
def test_bgr008_quiet_when_something_else_keeps_the_chain(other: str) -> None:
    s = scenario(app(task(submit=Submit(when=(other, "handler_end"), if_not_pending=True))))
    assert findings(s, "BGR008") == []


# --- BGR009 -------------------------------------------------------------------------------------


def test_bgr009_refresh_p90_over_30s() -> None:
    slow = DurationDist(kind="lognormal", median_ms=10 * SECOND, p90_ms=40 * SECOND)
    f = only(scenario(app(task(handler=handler(duration=slow)))), "BGR009")
    assert f.severity == "warning"
    assert f.location.file == path("handler", "duration", "p90")
    assert "40s" in f.message


def test_bgr009_boundaries_and_other_types() -> None:
    exactly = DurationDist(fixed_ms=30 * SECOND)
    assert findings(scenario(app(task(handler=handler(duration=exactly)))), "BGR009") == []
    over = DurationDist(kind="uniform", min_ms=20 * SECOND, max_ms=45 * SECOND)  # p90 42.5 s
    assert only(scenario(app(task(handler=handler(duration=over)))), "BGR009").location.file == (
        path("handler", "duration", "max")
    )
    long_processing = task(
        "p",
        "processing",
        requires_external_power=True,
        handler=handler(duration=DurationDist(fixed_ms=HOUR)),
    )
    assert findings(scenario(app(long_processing)), "BGR009") == []


# --- BGR010 -------------------------------------------------------------------------------------


def test_bgr010_warning_above_50_mb() -> None:
    f = only(scenario(app(task(handler=handler(memory_mb=80)))), "BGR010")
    assert f.severity == "warning"
    assert f.location.file == path("handler", "memory_mb")
    assert findings(scenario(app(task(handler=handler(memory_mb=50)))), "BGR010") == []


def test_bgr010_error_above_the_device_limit() -> None:
    s = scenario(app(task(handler=handler(memory_mb=900))), memory_limit_mb=512)
    f = only(s, "BGR010")
    assert f.severity == "error"
    assert "512 MB" in f.message


# --- BGR011 -------------------------------------------------------------------------------------


def test_bgr011_cpu_monitor_without_power() -> None:
    two_minutes = DurationDist(fixed_ms=2 * MINUTE)
    hot = task("p", "processing", handler=handler(cpu=0.9, duration=two_minutes))
    f = only(scenario(app(hot)), "BGR011")
    assert f.severity == "warning"
    assert f.location.file == path("handler", "cpu", name="p")


def test_bgr011_work_counts_as_run_length() -> None:
    hot = task("p", "processing", handler=handler(cpu=0.95, work_ms=40 * MINUTE))
    assert findings(scenario(app(hot)), "BGR011")


@pytest.mark.parametrize(
    "variant",
    [
        {"requires_external_power": True},
        {"handler": Handler(cpu=0.8, work_ms=HOUR)},
        {"handler": Handler(cpu=0.9, duration=DurationDist(fixed_ms=60 * SECOND))},
    ],
)
def test_bgr011_quiet(variant: dict) -> None:
    base = task("p", "processing", handler=handler(cpu=0.9, work_ms=HOUR))
    assert findings(scenario(app(replace(base, **variant))), "BGR011") == []


def test_bgr011_ignores_refresh() -> None:
    hot = task(handler=handler(cpu=1.0, duration=DurationDist(fixed_ms=2 * MINUTE)))
    assert findings(scenario(app(hot)), "BGR011") == []


# --- BGR012 -------------------------------------------------------------------------------------


def test_bgr012_two_refresh_identifiers() -> None:
    s = scenario(app(task("a"), task("b")))
    f = only(s, "BGR012")
    assert f.severity == "warning"
    assert f.location.file == path(name="b")


def test_bgr012_eleven_processing_identifiers() -> None:
    many = [task(f"p{i:02d}", "processing", requires_external_power=True) for i in range(11)]
    f = only(scenario(app(*many)), "BGR012")
    assert f.location.file == path(name="p10")
    assert findings(scenario(app(*many[:10])), "BGR012") == []


# --- BGR013 / BGR014 ----------------------------------------------------------------------------


def test_bgr013_refresh_payload_over_100_kb() -> None:
    big = task(handler=handler(network=NetworkUse(requests=1, bytes=200_000)))
    f = only(scenario(app(big)), "BGR013")
    assert f.severity == "info"
    assert f.location.file == path("handler", "network", "bytes")
    ok = task(handler=handler(network=NetworkUse(requests=1, bytes=100_000)))  # 100KB
    assert findings(scenario(app(ok)), "BGR013") == []
    bulk = task(
        "p",
        "processing",
        requires_external_power=True,
        handler=handler(network=NetworkUse(requests=1, bytes=50 * 1024 * 1024)),
    )
    assert findings(scenario(app(bulk)), "BGR013") == []


def test_bgr014_several_requests() -> None:
    chatty = task(handler=handler(network=NetworkUse(requests=50, bytes=10 * 1024)))
    f = only(scenario(app(chatty)), "BGR014")
    assert f.severity == "info"
    assert f.location.file == path("handler", "network", "requests")
    assert "50" in f.message
    assert findings(good(), "BGR014") == []


# --- BGR015 -------------------------------------------------------------------------------------


def _cp(every_ms: int) -> Task:
    return task(
        "export.*",
        "continued_processing",
        submit=Submit(when=("user_action",)),
        handler=handler(progress_every_ms=every_ms),
    )


def test_bgr015_progress_every_30s_or_more() -> None:
    f = only(scenario(app(_cp(30 * SECOND))), "BGR015")
    assert f.severity == "error"
    assert f.location.file == path("handler", "progress_every", name="export.*")
    assert findings(scenario(app(_cp(29 * SECOND))), "BGR015") == []


# --- BGR016 -------------------------------------------------------------------------------------


def test_bgr016_health_research_without_entitlement() -> None:
    study = task("study", "health_research")
    f = only(scenario(app(study, entitlements=())), "BGR016")
    assert f.severity == "error"
    assert f.location.file == f"apps/{BUNDLE}/entitlements"


def test_bgr016_health_research_before_ios_17() -> None:
    study = task("study", "health_research")
    f = only(scenario(app(study, entitlements=("healthresearch",)), ios="16.4"), "BGR016")
    assert f.location.file == "device/ios"
    assert findings(scenario(app(study, entitlements=("healthresearch",))), "BGR016") == []


# --- BGR017 / BGR018 ----------------------------------------------------------------------------


def test_bgr017_simulator() -> None:
    f = only(scenario(app(task()), model="simulator"), "BGR017")
    assert f.severity == "warning"
    assert f.location.file == "device/model"
    assert findings(scenario(app(task()), model="ipad"), "BGR017") == []
    assert findings(scenario(model="simulator"), "BGR017") == []  # nothing to run anyway


def test_bgr018_beyond_21_hours() -> None:
    late = task(earliest_begin=EarliestBegin(delay_ms=22 * HOUR))
    f = only(scenario(app(late)), "BGR018")
    assert f.severity == "info"
    assert f.location.file == path("earliest_begin")
    assert (
        findings(scenario(app(task(earliest_begin=EarliestBegin(delay_ms=21 * HOUR)))), "BGR018")
        == []
    )


def test_bgr018_processing_start_delay_counts() -> None:
    # 21 h + the 450 s processing start delay puts start_after past the horizon (F29, F30).
    p = task(
        "p",
        "processing",
        requires_external_power=True,
        earliest_begin=EarliestBegin(delay_ms=21 * HOUR),
    )
    assert only(scenario(app(p)), "BGR018").location.file == path("earliest_begin", name="p")
    at = task(earliest_begin=EarliestBegin(at_ms_of_day=3 * HOUR))
    assert findings(scenario(app(at)), "BGR018") == []


# --- BGR019 / BGR020 (timeline) -----------------------------------------------------------------


def _event(kind: str, **kw) -> TimelineEvent:
    return TimelineEvent(
        at=datetime(2026, 3, 4, 13, 0), kind=kind, location=Location("s.yaml", 40, 7), **kw
    )


def test_bgr019_force_quit_of_an_app_with_tasks() -> None:
    tl = InlineTimeline(events=(_event("force_quit", subject=BUNDLE),))
    f = only(scenario(app(task()), timeline=tl), "BGR019")
    assert f.severity == "info"
    assert f.location == Location("s.yaml", 40, 7)
    assert "2026-03-04 13:00" in f.message


def test_bgr019_quiet_for_other_apps() -> None:
    tl = InlineTimeline(events=(_event("force_quit", subject="com.other"),))
    assert findings(scenario(app(task()), timeline=tl), "BGR019") == []
    assert findings(scenario(app(task())), "BGR019") == []


def test_bgr020_low_power_mode_event_and_daily() -> None:
    daily = DailyEntry(
        kind="low_power_mode",
        start_ms_of_day=13 * HOUR,
        length_ms=5 * HOUR,
        location=Location("s.yaml", 30, 7),
    )
    tl = InlineTimeline(daily=(daily,), events=(_event("low_power_mode", length_ms=5 * HOUR),))
    found = findings(scenario(app(task()), timeline=tl), "BGR020")
    assert [f.location.line for f in found] == [30, 40]
    assert {f.severity for f in found} == {"info"}
    assert "daily 13:00-18:00" in found[0].message
    assert "for 5h" in found[1].message


def test_bgr020_quiet_without_tasks_or_lpm() -> None:
    tl = InlineTimeline(events=(_event("low_power_mode", length_ms=HOUR),))
    assert findings(scenario(app(), timeline=tl), "BGR020") == []
    tl = InlineTimeline(events=(_event("thermal", value="serious", length_ms=HOUR),))
    assert findings(scenario(app(task()), timeline=tl), "BGR020") == []


# --- ordering and helpers -----------------------------------------------------------------------


def test_findings_sorted_by_location() -> None:
    lines = {
        ("apps", BUNDLE, "tasks", f"{BUNDLE}.refresh", "handler", "memory_mb"): 20,
        ("apps", BUNDLE, "tasks", f"{BUNDLE}.refresh", "submit", "when"): 12,
        ("apps", BUNDLE, "registers"): 5,
    }
    locations = {k: Location("s.yaml", v, 9) for k, v in lines.items()}
    bad = task(submit=Submit(when=("app_launch",)), handler=handler(memory_mb=80))
    s = replace(scenario(app(bad, registers=())), source=SourceMap("s.yaml", locations))
    assert [(f.location.line, f.rule) for f in lint_scenario(s)] == [
        (5, "BGR003"),
        (12, "BGR005"),
        (20, "BGR010"),
    ]


def test_every_finding_has_one_line_advice_and_cites_a_source() -> None:
    bad = task(
        submit=Submit(when=("handler_end",)),
        handler=handler(
            expiration_handler=False,
            completes="never",
            memory_mb=80,
            network=NetworkUse(requests=3, bytes=300 * 1024),
            duration=DurationDist(fixed_ms=45 * SECOND),
        ),
    )
    found = lint_scenario(scenario(app(bad, registers=()), model="simulator"))
    assert len({f.rule for f in found}) == 10  # BGR023 too: the device has no trace
    for f in found:
        assert "\n" not in f.advice and f.advice
        assert "(F" in f.message or "(seed)" in f.message


def test_fmt_ms() -> None:
    assert fmt_ms(90 * MINUTE) == "1h30m"
    assert fmt_ms(21 * HOUR + 450 * SECOND) == "21h7m30s"
    assert fmt_ms(0) == "0s"


def test_docs_table_lists_every_rule_with_its_severity() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "lint.md").read_text()
    rows = {
        line.split("|")[1].strip(): line.split("|")[2]
        for line in doc.splitlines()
        if line.startswith("| BGR")
    }
    assert set(rows) >= set(RULES)
    for rule_id, rule in RULES.items():
        assert rule.severity in rows[rule_id], rule_id


# --- BGR023 (a network the device never has) --------------------------------------------------


def _daily(kind: str, value: str | None = None) -> DailyEntry:
    return DailyEntry(
        kind=kind, start_ms_of_day=0, length_ms=DAY, value=value, location=Location("s.yaml", 30, 7)
    )


def test_bgr021_a_fetching_handler_and_a_network_requirement_on_a_timeline_without_network():
    fetch = task(handler=handler(network=NetworkUse()))
    needs = task("sync", "processing", requires_network=True)
    plain = task("index", "processing")
    tl = InlineTimeline(daily=(_daily("unlocked"), _daily("network", "none")))
    found = findings(scenario(app(fetch, needs, plain), timeline=tl), "BGR023")
    assert [f.location.file for f in found] == [
        path("handler", "network"),
        path("requires_network", name="sync"),
    ]
    assert {f.severity for f in found} == {"warning"}
    assert "inline timeline has no wifi or cellular network entry" in found[0].message
    assert "{network: wifi" in found[0].advice


def test_bgr021_a_device_without_any_trace():
    f = only(scenario(app(task(handler=handler(network=NetworkUse())))), "BGR023")
    assert "device has no trace at all" in f.message


@pytest.mark.parametrize(
    "device",
    [
        {"timeline": InlineTimeline(daily=(_daily("network", "cellular"),))},
        {"persona": PersonaRef("office_worker")},
    ],
)
def test_bgr021_quiet_when_the_device_can_have_a_network(device):
    fetch = task(handler=handler(network=NetworkUse()))
    assert findings(scenario(app(fetch), **device), "BGR023") == []
