"""``bgreplay scan`` on the fixture apps under tests/apps/: golden scenarios and findings, the
scenarios load and replay, the same code gives the same file, exit codes follow ``lint``."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from goldens import check_golden
from scan_fixtures import APPS, FIXTURES, in_process

from bgreplay import api
from bgreplay.cli.lint import _line
from bgreplay.scan import scan_folder, shown_from


@pytest.fixture(name="cli")
def _cli(monkeypatch, capsys):
    return in_process(monkeypatch, capsys, ROOT)


@pytest.fixture(scope="module")
def scanned():
    return {name: scan_folder(APPS / name) for name in FIXTURES}


@pytest.mark.parametrize("name", FIXTURES)
def test_scenario_matches_golden(request, scanned, name):
    check_golden(request, f"scan/{name}/scenario.yaml", scanned[name].scenario)


@pytest.mark.parametrize("name", FIXTURES)
def test_findings_match_golden(request, scanned, name):
    shown = shown_from(scanned[name].findings, f"tests/apps/{name}")
    check_golden(request, f"scan/{name}/findings.txt", "".join(f"{_line(f)}\n" for f in shown))


@pytest.mark.parametrize("name", FIXTURES)
def test_scenario_loads_and_replays(tmp_path, scanned, name):
    path = tmp_path / "scanned.yaml"
    path.write_text(scanned[name].scenario, encoding="utf-8")
    scenario = api.load_scenario(path)
    result = api.replay(scenario)
    assert scenario.tasks, "the scanned scenario has the app's tasks"
    assert any(e.event == "submitted" for e in result.events)


def test_every_value_says_where_it_comes_from(scanned):
    """Each line with a value under apps: has a comment naming a file:line, or a guess."""
    for name, result in scanned.items():
        body = result.scenario.split("\napps:\n", 1)[1]
        for line in body.splitlines():
            text = line.strip()
            if (
                not text
                or text.startswith("#")
                or text.endswith(":")
                or text in ("tasks:", "submit:", "handler:")
                or text.startswith("when:")
            ):
                continue
            assert "  # " in line, f"{name}: no comment on {line!r}"
            note = line.split("  # ", 1)[1]
            assert "guess" in note or ":" in note or "(binary, no line)" in note, (
                f"{name}: no file:line on {line!r}"
            )


def test_same_code_same_file(scanned):
    again = scan_folder(APPS / "scenedelegate")
    assert again.scenario == scanned["scenedelegate"].scenario
    assert again.findings == scanned["scenedelegate"].findings


def test_sarif_for_code_scanning(request, cli):
    code, out, _ = cli("scan", "tests/apps/uikit-appdelegate", "--lint", "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "bgreplay"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert (ROOT / uri).is_file()
    check_golden(request, "scan/uikit-appdelegate/findings.sarif", out)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("uikit-appdelegate", 1),  # BGR002, BGR003: errors
        ("scenedelegate", 1),  # BGR004 on a deployment target of iOS 16
        ("swiftui-app", 0),  # a guess note only
        ("objc-app", 0),  # warnings only
    ],
)
def test_lint_exit_codes_follow_lint(name, code, cli):
    assert cli("scan", f"tests/apps/{name}", "--lint")[0] == code
    assert cli("lint", f"tests/apps/{name}", "--format", "json")[0] == code


def test_lint_mixes_folders_and_scenarios(cli):
    code, out, _ = cli(
        "lint", "tests/apps/objc-app", "scenarios/pixar-film-tracker.yaml", "--format", "json"
    )
    rows = json.loads(out)
    assert code == 0
    assert {r["rule"] for r in rows} >= {"BGR006", "BGR007"}
    assert all(r["file"].startswith("tests/apps/objc-app/") for r in rows)


def test_scan_writes_the_scenario_and_says_so(tmp_path, cli):
    out = tmp_path / "app.yaml"
    code, stdout, stderr = cli("scan", "tests/apps/swiftui-app", "-o", str(out))
    assert code == 0 and stdout == ""
    assert f"wrote {out}: 2 tasks" in stderr
    assert out.read_text(encoding="utf-8") == scan_folder(APPS / "swiftui-app").scenario
    assert cli("validate", str(out))[0] == 0
