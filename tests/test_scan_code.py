"""What scan reads from code: earliestBeginDate forms, identifier constants, submit triggers,
launch handler paths — each checked on a small app written for the case."""

from __future__ import annotations

import plistlib

import pytest
import yaml

from bgreplay.scan import scan_folder
from bgreplay.scan.xcode import NotAProject, parse_openstep, read_xcconfig

PLIST = {
    "CFBundleIdentifier": "io.x",
    "CFBundlePackageType": "APPL",
    "BGTaskSchedulerPermittedIdentifiers": ["io.x.refresh", "io.x.work"],
    "UIBackgroundModes": ["fetch", "processing"],
}


def scan_app(tmp_path, files: dict[str, str]):
    """Scan a folder holding ``files`` and an Info.plist; (scenario as data, findings)."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "Info.plist").write_bytes(plistlib.dumps(PLIST))
    result = scan_folder(tmp_path)
    doc = yaml.safe_load(result.scenario) if result.scenario else None
    return doc, result.findings


def task(doc, identifier="io.x.refresh"):
    return doc["apps"]["io.x"]["tasks"][identifier]


def swift_request(expression: str, extra: str = "") -> str:
    return f"""import BackgroundTasks
{extra}
final class Planner {{
    static let delay: TimeInterval = 30 * 60
    func applicationDidEnterBackground(_ application: UIApplication) {{
        let request = BGAppRefreshTaskRequest(identifier: "io.x.refresh")
        request.earliestBeginDate = {expression}
        try? BGTaskScheduler.shared.submit(request)
    }}
}}
"""


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Date(timeIntervalSinceNow: 2 * 60 * 60)", "2h"),
        (".now + 3600", "1h"),
        ("Date.now + 90", "1m30s"),
        ("Date().addingTimeInterval(TimeInterval(15 * 60))", "15m"),
        ("Date.now.addingTimeInterval(45 * 60)", "45m"),
        ("Calendar.current.date(byAdding: .hour, value: 3, to: Date())", "3h"),
        ("Calendar.current.date(byAdding: .day, value: 1, to: .now)", "1d"),
        ("Date(timeInterval: 1200, since: Date())", "20m"),
        ("Date().advanced(by: 600)", "10m"),
        ("Date(timeIntervalSinceNow: Self.delay)", "30m"),
        ("Date(timeIntervalSinceNow: 1.5 * 3600)", "1h30m"),
        ("nil", None),
    ],
)
def test_swift_earliest_begin_forms(tmp_path, expression, expected):
    doc, findings = scan_app(tmp_path, {"Planner.swift": swift_request(expression)})
    assert task(doc)["earliest_begin"] == expected
    assert not [f for f in findings if f.rule == "BGS002"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("[NSDate dateWithTimeIntervalSinceNow:15 * 60]", "15m"),
        ("[[NSDate date] dateByAddingTimeInterval:3600]", "1h"),
        ("[[NSDate alloc] initWithTimeIntervalSinceNow:7200]", "2h"),
        ("[NSDate dateWithTimeInterval:60 * 60 * 4 sinceDate:[NSDate date]]", "4h"),
        ("kDelay", "20m"),
    ],
)
def test_objc_earliest_begin_forms(tmp_path, expression, expected):
    source = f"""#define kDelay [NSDate dateWithTimeIntervalSinceNow:1200]
@implementation Planner
- (void)applicationDidEnterBackground:(UIApplication *)application {{
    BGAppRefreshTaskRequest *request =
        [[BGAppRefreshTaskRequest alloc] initWithIdentifier:@"io.x.refresh"];
    request.earliestBeginDate = {expression};
    [[BGTaskScheduler sharedScheduler] submitTaskRequest:request error:nil];
}}
@end
"""
    doc, _ = scan_app(tmp_path, {"Planner.m": source})
    assert task(doc)["earliest_begin"] == expected


def test_a_computed_date_is_a_marked_guess(tmp_path):
    source = swift_request("Date(timeIntervalSinceNow: Settings.shared.interval)")
    doc, findings = scan_app(tmp_path, {"Planner.swift": source})
    assert task(doc)["earliest_begin"] == "15m"
    notes = [f for f in findings if f.rule == "BGS002"]
    assert notes and notes[0].location.line == 7 and "not a constant" in notes[0].message
    assert (
        "earliest_begin: 15m  # guess: earliestBeginDate is not a constant at Planner.swift:7"
        in scan_folder(tmp_path).scenario
    )


@pytest.mark.parametrize(
    "identifier",
    [
        '"io.x.refresh"',
        "Ids.refresh",
        "Ids.Nested.deep",
        "TaskKind.refresh.rawValue",
        "Ids.computed",
        'Ids.prefix + ".refresh"',
        '"\\(Ids.prefix).refresh"',
        '"\\(Bundle.main.bundleIdentifier!).refresh"',
        "String(Ids.refresh)",
    ],
)
def test_identifier_constants_are_resolved(tmp_path, identifier):
    ids = """enum Ids {
    static let prefix = "io.x"
    static let refresh = "io.x.refresh"
    static var computed: String { "io.x.refresh" }
    enum Nested { static let deep = "io.x.refresh" }
}
enum TaskKind: String { case refresh = "io.x.refresh", other }
"""
    source = swift_request("nil").replace('"io.x.refresh"', identifier)
    doc, findings = scan_app(tmp_path, {"Planner.swift": source, "Ids.swift": ids})
    assert list(doc["apps"]["io.x"]["tasks"]) == ["io.x.refresh"]
    assert not [f for f in findings if f.rule == "BGS002"]


def test_an_identifier_passed_in_is_read_at_each_call(tmp_path):
    source = """import BackgroundTasks
enum Planner {
    static func schedule(_ identifier: String, every delay: TimeInterval) {
        let request = BGProcessingTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: delay)
        try? BGTaskScheduler.shared.submit(request)
    }
}
final class Scenes: UIResponder, UIWindowSceneDelegate {
    func sceneDidEnterBackground(_ scene: UIScene) {
        Planner.schedule("io.x.work", every: 3600)
        Planner.schedule("io.x.refresh", every: 7200)
    }
}
"""
    doc, _ = scan_app(tmp_path, {"Planner.swift": source})
    assert task(doc, "io.x.work")["earliest_begin"] == "1h"
    assert task(doc, "io.x.work")["submit"]["when"] == ["app_background"]
    assert set(doc["apps"]["io.x"]["tasks"]) == {"io.x.work", "io.x.refresh"}


TRIGGER_APP = """import BackgroundTasks
import SwiftUI

@main
struct FilmApp: App {{
    @Environment(\\.scenePhase) private var phase
    init() {{
        let scheduler = BGTaskScheduler.shared
        scheduler.register(forTaskWithIdentifier: "io.x.refresh", using: nil) {{ task in
            {handler}
        }}
        {init}
    }}
    var body: some Scene {{
        WindowGroup {{ Text("x") }}
            .onChange(of: phase) {{ _, new in
                {phase}
            }}
    }}
    static func schedule() {{
        let request = BGAppRefreshTaskRequest(identifier: "io.x.refresh")
        request.earliestBeginDate = Date(timeIntervalSinceNow: 3600)
        try? BGTaskScheduler.shared.submit(request)
    }}
}}
"""


@pytest.mark.parametrize(
    ("init", "phase", "handler", "when", "pending"),
    [
        (
            "",
            "if new == .background { Self.schedule() }",
            "task.setTaskCompleted(success: true)",
            ["app_background"],
            False,
        ),
        ("Self.schedule()", "", "task.setTaskCompleted(success: true)", ["app_launch"], False),
        (
            "BGTaskScheduler.shared.getPendingTaskRequests { r in if r.isEmpty { Self.schedule() } }",
            "",
            "task.setTaskCompleted(success: true)",
            ["app_launch"],
            True,
        ),
        (
            "",
            "if new == .active { Self.schedule() }",
            "task.setTaskCompleted(success: true)",
            ["app_launch"],
            False,
        ),
        (
            "",
            "switch new { case .background: Self.schedule()\n default: break }",
            "Self.schedule(); task.setTaskCompleted(success: true)",
            ["app_background", "handler_start"],
            False,
        ),
        ("", "", "task.setTaskCompleted(success: true); Self.schedule()", ["handler_end"], None),
        (
            "",
            "",
            "Task { do { try await work(); Self.schedule(); task.setTaskCompleted(success: true) }"
            " catch { task.setTaskCompleted(success: false) } }",
            ["handler_success"],
            None,
        ),
    ],
)
def test_submit_triggers(tmp_path, init, phase, handler, when, pending):
    source = TRIGGER_APP.format(init=init, phase=phase, handler=handler)
    doc, findings = scan_app(tmp_path, {"FilmApp.swift": source})
    submit = task(doc)["submit"]
    assert submit["when"] == when
    assert submit.get("if_not_pending") is pending
    launches = [f for f in findings if f.rule == "BGR005"]
    assert bool(launches) == ("app_launch" in when and not pending)


@pytest.mark.parametrize(
    ("handler", "completes", "missing_lines", "expiration"),
    [
        ("task.expirationHandler = { }\ntask.setTaskCompleted(success: true)", "always", [], True),
        (
            "guard let t = task as? BGAppRefreshTask else { return }\nt.setTaskCompleted(success: true)",
            "always",
            [],
            False,
        ),
        ("if ready { task.setTaskCompleted(success: true) }", "on_success", [6], False),
        ("if !ready {\nreturn\n}\ntask.setTaskCompleted(success: true)", "on_success", [6], False),
        (
            "defer { task.setTaskCompleted(success: true) }\nif !ready { return }\nwork()",
            "always",
            [],
            False,
        ),
        (
            "fetch { ok in\nswitch ok {\ncase true: task.setTaskCompleted(success: true)\n"
            "case false: break\n}\n}",
            "on_success",
            [10],
            False,
        ),
        (
            "Task {\ndo { try await work(); task.setTaskCompleted(success: true) }\n"
            "catch { print(error) }\n}",
            "on_success",
            [8],
            False,
        ),
        ("print(task)", "never", [6], False),
        ("self.current = task", "always", [], True),  # kept for later: unknown, not a finding
        ("Helper.finish(task)", "always", [], True),
    ],
)
def test_launch_handler_paths(tmp_path, handler, completes, missing_lines, expiration):
    source = f"""import BackgroundTasks
final class Delegate: UIResponder, UIApplicationDelegate {{
    func application(_ a: UIApplication, didFinishLaunchingWithOptions o: [String: Any]?) -> Bool {{
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "io.x.refresh",
                                        using: nil) {{ task in {handler}
        }}
        return true
    }}
}}
enum Helper {{
    static func finish(_ task: BGTask) {{
        task.expirationHandler = {{ }}
        task.setTaskCompleted(success: true)
    }}
}}
"""
    source = source.replace("\n\n", "\n")
    doc, findings = scan_app(tmp_path, {"Delegate.swift": source})
    handler_doc = task(doc)["handler"]
    assert handler_doc["completes"] == completes
    assert handler_doc["expiration_handler"] is expiration
    lines = [f.location.line for f in findings if f.rule == "BGR007"]
    assert sorted(lines) == missing_lines
    assert bool([f for f in findings if f.rule == "BGR006"]) == (not expiration)


def test_registration_after_launch_and_twice(tmp_path):
    source = """import BackgroundTasks
final class Scenes: UIResponder, UIWindowSceneDelegate {
    func sceneDidBecomeActive(_ scene: UIScene) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "io.x.refresh", using: nil) { t in
            t.expirationHandler = { }
            t.setTaskCompleted(success: true)
        }
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "io.x.refresh", using: nil) { t in
            t.expirationHandler = { }
            t.setTaskCompleted(success: true)
        }
    }
}
"""
    doc, findings = scan_app(tmp_path, {"Scenes.swift": source})
    assert doc["apps"]["io.x"]["registration"] == "late"
    rules = {(f.rule, f.location.line, f.severity) for f in findings}
    assert ("BGR004", 4, "error") in rules and ("BGR022", 8, "error") in rules


def test_openstep_property_lists():
    doc = parse_openstep(
        '// !$*UTF8*$!\n{ a = "x \\"y\\""; /* c */ b = (1, two, "3",);\n'
        "c = { d = path/to/File.swift; }; }"
    )
    assert doc == {"a": 'x "y"', "b": ["1", "two", "3"], "c": {"d": "path/to/File.swift"}}
    assert doc.lines == {"a": 2, "b": 2, "c": 3}
    for bad in ("{ a = ; }", "{ a = b", "(a, b)", "{ a = b; } }", "{" * 100 + "}" * 100):
        with pytest.raises(NotAProject):
            parse_openstep(bad)


def test_xcconfig_settings():
    settings = read_xcconfig(
        "Base.xcconfig",
        '// c\nA = 1 // note\nB[sdk=iphoneos*] = $(A).x\n#include "Other.xcconfig"\n',
    )
    assert {k: v.value for k, v in settings.items()} == {"A": "1", "B": "$(A).x"}
    assert settings["B"].loc.line == 3
