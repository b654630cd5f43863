"""``bgreplay scan`` on hostile folders: a clear message and exit 2, or a BGS finding — never a
traceback; and a 5,000-file folder in well under 20 s."""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scan_fixtures import in_process, write_large_app

from bgreplay.scan import scan_folder


@pytest.fixture(name="cli")
def _cli(monkeypatch, capsys):
    return in_process(monkeypatch, capsys, ROOT)


APP = """import BackgroundTasks
import UIKit

@main
class AppDelegate: UIResponder, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions options: [String: Any]?) -> Bool {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: "io.x.refresh", using: nil) { task in
            task.expirationHandler = {}
            task.setTaskCompleted(success: true)
        }
        return true
    }

    func applicationDidEnterBackground(_ application: UIApplication) {
        let request = BGAppRefreshTaskRequest(identifier: "io.x.refresh")
        request.earliestBeginDate = Date(timeIntervalSinceNow: 3600)
        try? BGTaskScheduler.shared.submit(request)
    }
}
"""
PLIST = {
    "CFBundleIdentifier": "io.x",
    "CFBundlePackageType": "APPL",
    "BGTaskSchedulerPermittedIdentifiers": ["io.x.refresh"],
    "UIBackgroundModes": ["fetch"],
}


def make_app(root, plist: bool = True):
    root.mkdir(parents=True, exist_ok=True)
    (root / "AppDelegate.swift").write_text(APP, encoding="utf-8")
    if plist:
        (root / "Info.plist").write_bytes(plistlib.dumps(PLIST))
    return root


def notes(result, rule: str = "BGS001") -> list[str]:
    return [f"{f.location} {f.message}" for f in result.findings if f.rule == rule]


def assert_clean_exit_2(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    for word in words:
        assert word in err


def test_missing_folder_file_and_empty_folder(tmp_path, cli):
    code, _, err = cli("scan", str(tmp_path / "nowhere"))
    assert_clean_exit_2(code, err, "no such folder", "fix:")
    (tmp_path / "one.swift").write_text("let x = 1\n")
    code, _, err = cli("scan", str(tmp_path / "one.swift"))
    assert_clean_exit_2(code, err, "not a folder")
    (tmp_path / "empty").mkdir()
    code, _, err = cli("lint", str(tmp_path / "empty"))
    assert_clean_exit_2(code, err, "no Swift, Objective-C, Info.plist")


def test_code_without_background_tasks(tmp_path, cli):
    (tmp_path / "View.swift").write_text("struct V { func f() { print(1) } }\n")
    code, _, err = cli("scan", str(tmp_path))
    assert_clean_exit_2(code, err, "no background task found")
    code, out, _ = cli("scan", str(tmp_path), "--lint")
    assert code == 0 and "no findings" in out


def test_symlink_loops_are_reported_not_followed(tmp_path, cli):
    app = make_app(tmp_path / "app")
    (app / "Sources").mkdir()
    os.symlink("..", app / "Sources" / "Loop")  # a folder link back to its parent
    os.symlink("..", app / "Up")  # a link out of the scanned folder
    os.symlink("self.swift", app / "self.swift")  # a file link to itself
    result = scan_folder(app)
    found = " ".join(notes(result))
    assert "Sources/Loop: symbolic link loop" in found
    assert "Up: symbolic link to a folder outside" in found
    assert "self.swift: cannot be read (Too many levels of symbolic links)" in found
    assert result.tasks == 1
    code, _, err = cli("scan", str(app), "-o", str(tmp_path / "out.yaml"))
    assert code == 0 and "Traceback" not in err


def test_unparseable_huge_and_deep_sources_are_notes(tmp_path):
    app = make_app(tmp_path / "app")
    # files that use the API are parsed; their damage is a note with line and column
    (app / "Broken.swift").write_text(
        "func broken() {\n  let r = BGAppRefreshTaskRequest(identifier: {{{ ]]] @@@\n"
    )
    (app / "Binary.m").write_bytes(b"BGProcessingTaskRequest" + bytes(range(256)) * 8)
    (app / "Huge.swift").write_text('let r = BGAppRefreshTaskRequest(identifier: "a")\n' * 30_000)
    depth = 4000
    (app / "Deep.swift").write_text(
        'func deep() {\n  let r = BGAppRefreshTaskRequest(identifier: "io.x.deep")\n'
        "  r.earliestBeginDate = " + "(" * depth + "1" + ")" * depth + "\n}\n"
    )
    result = scan_folder(app)
    found = notes(result)
    assert any("Broken.swift:1:1" in n and "could not read the code" in n for n in found)
    assert any("Binary.m:" in n and "Objective-C grammar" in n for n in found)
    assert any("Huge.swift" in n and "over the 1,000,000-byte limit" in n for n in found)
    assert any("deep() is nested too deeply" in n for n in found)
    assert "io.x.refresh" in result.scenario  # the rest of the folder is still read


def test_damaged_property_lists_and_projects(tmp_path):
    app = make_app(tmp_path / "app")
    (app / "Other-Info.plist").write_bytes(b"bplist00\x00\x01garbage")
    (app / "App.entitlements").write_text("<plist><dict><key>x</key></dict>")
    proj = app / "App.xcodeproj"
    proj.mkdir()
    (proj / "project.pbxproj").write_text("{ objects = { A = { isa = ; }; ")
    result = scan_folder(app)
    found = " ".join(notes(result))
    assert "Other-Info.plist: not a readable property list" in found
    assert "App.entitlements: not a readable property list" in found
    assert "not a readable Xcode project" in found
    assert result.tasks == 1


@pytest.mark.parametrize(
    "project",
    [
        "{ objects = { R = { isa = PBXProject; targets = ( { isa = x; } ); }; }; rootObject = R; }",
        "{ objects = { R = { isa = PBXProject; }; }; rootObject = ( R ); }",
        "{ objects = { R = { isa = PBXProject; buildConfigurationList = L; }; "
        "L = { buildConfigurations = ( ( C ) ); }; }; rootObject = R; }",
    ],
    ids=["target", "root", "configuration"],
)
def test_a_reference_that_is_not_an_identifier_names_nothing(tmp_path, project):
    """A list or a dictionary where a project names an object by its identifier."""
    app = make_app(tmp_path / "app")
    (app / "App.xcodeproj").mkdir()
    (app / "App.xcodeproj" / "project.pbxproj").write_text(project)
    result = scan_folder(app)
    assert result.tasks == 1
    assert not any("Xcode project" in n for n in notes(result))


def test_missing_info_plist_is_a_warning_and_a_guess(tmp_path):
    result = scan_folder(make_app(tmp_path / "app", plist=False))
    assert any("no Info.plist" in n for n in notes(result, "BGS004"))
    assert "guess: no Info.plist found" in result.scenario


def test_binary_info_plist_is_read(tmp_path):
    app = make_app(tmp_path / "app", plist=False)
    (app / "Info.plist").write_bytes(plistlib.dumps(PLIST, fmt=plistlib.FMT_BINARY))
    result = scan_folder(app)
    assert (
        "io.x.refresh  # BGTaskSchedulerPermittedIdentifiers at Info.plist (binary"
        in result.scenario
    )
    assert not notes(result, "BGS004")


def test_unwritable_output_is_exit_2(tmp_path, cli):
    app = make_app(tmp_path / "app")
    code, _, err = cli("scan", str(app), "-o", str(tmp_path / "missing" / "out.yaml"))
    assert_clean_exit_2(code, err, "fix:")


def test_without_the_parsers_the_message_says_how_to_install(tmp_path):
    app = make_app(tmp_path / "app")
    script = (
        "import sys; sys.modules['tree_sitter_swift'] = None\n"
        "from bgreplay.cli.app import main\n"
        f"sys.exit(main(['scan', {str(app)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert_clean_exit_2(done.returncode, done.stderr, "tree-sitter", "pip install 'bgreplay[scan]'")


def test_five_thousand_files_in_well_under_twenty_seconds(tmp_path):
    root = write_large_app(tmp_path / "large", files=5000)
    begun = time.perf_counter()
    result = scan_folder(root)
    elapsed = time.perf_counter() - begun
    assert result.files >= 4990 and result.tasks == 2
    assert elapsed < 20, f"{elapsed:.1f} s"


SWIFTISH = st.sampled_from(
    [
        "func f() {",
        "}",
        "{",
        "(",
        ")",
        "let x = ",
        '"io.x.refresh"',
        "BGTaskScheduler.shared",
        ".register(forTaskWithIdentifier: ",
        ", using: nil) { task in ",
        "task.setTaskCompleted(",
        "success: true)",
        "guard let t = task as? BGAppRefreshTask else { return }",
        "return",
        "BGAppRefreshTaskRequest(identifier: ",
        ".earliestBeginDate = ",
        "Date(timeIntervalSinceNow: ",
        "60 * 60",
        "try? BGTaskScheduler.shared.submit(r)",
        "if ",
        "else ",
        "switch x { case .a: ",
        "default: break }",
        "do {",
        "} catch {",
        "\n",
        " ",
        "@main struct A: App {",
        "init() {",
        ".backgroundTask(.appRefresh(",
        "\\(",
        '"',
        "#if DEBUG",
        "#endif",
        "defer {",
        "Task {",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(SWIFTISH, max_size=60), st.binary(max_size=200))
def test_any_source_text_gives_a_result_not_a_traceback(tmp_path, words, noise):
    folder = tmp_path / f"f{abs(hash((tuple(words), noise)))}"
    folder.mkdir()
    (folder / "A.swift").write_text("".join(words), encoding="utf-8")
    (folder / "B.m").write_bytes(noise)
    result = scan_folder(folder)
    assert result.files == 2
    assert all(f.rule.startswith(("BGR", "BGS")) for f in result.findings)
