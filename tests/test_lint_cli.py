"""``bgreplay lint`` end to end, in a subprocess: the pitfall scenarios report their rule, the
exit code follows the severities, the output formats hold, bad input exits 2."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
MAIN_SCENARIOS = ["pixar-film-tracker.yaml", "media-transcode.yaml", "health-study.yaml"]
PITFALLS = {
    "missing-permitted-identifier.yaml": "BGR001",
    "submit-on-every-launch.yaml": "BGR005",
    "no-expiration-handler.yaml": "BGR006",
    "never-completes.yaml": "BGR007",
    "reschedule-only-at-end.yaml": "BGR008",
    "force-quit-user.yaml": "BGR019",
    "low-power-afternoon.yaml": "BGR020",
    "refresh-80mb.yaml": "BGR010",
}
LINE = re.compile(r"^\S+:\d+:\d+  BGR\d{3} (error|warning|info)  .+ \u2014 .+$")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("bgreplay.scenario.load") is None,
    reason="the scenario loader (bgreplay/scenario/load.py) has not landed yet",
)


def bgreplay(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "bgreplay", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def lint_json(path: Path) -> tuple[int, list[dict]]:
    done = bgreplay("lint", "--format", "json", str(path))
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_every_pitfall_file_is_covered() -> None:
    assert sorted(p.name for p in (SCENARIOS / "pitfalls").glob("*.yaml")) == sorted(PITFALLS)


@pytest.mark.parametrize(("name", "rule"), sorted(PITFALLS.items()))
def test_pitfall_reports_its_rule(name: str, rule: str) -> None:
    code, findings = lint_json(SCENARIOS / "pitfalls" / name)
    assert rule in {f["rule"] for f in findings}
    assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)
    for f in findings:
        assert set(f) == {"file", "line", "column", "rule", "severity", "message", "advice"}
        assert f["file"].endswith(name) and f["line"] > 0


def test_refresh_80mb_is_a_warning_and_exits_0() -> None:
    code, findings = lint_json(SCENARIOS / "pitfalls" / "refresh-80mb.yaml")
    assert [(f["rule"], f["severity"]) for f in findings] == [("BGR010", "warning")]
    assert code == 0


def test_missing_identifier_is_an_error_and_exits_1() -> None:
    code, findings = lint_json(SCENARIOS / "pitfalls" / "missing-permitted-identifier.yaml")
    assert ("BGR001", "error") in {(f["rule"], f["severity"]) for f in findings}
    assert code == 1


@pytest.mark.parametrize("name", MAIN_SCENARIOS)
def test_main_scenarios_have_no_errors(name: str) -> None:
    code, findings = lint_json(SCENARIOS / name)
    assert [f for f in findings if f["severity"] == "error"] == []
    assert code == 0


def test_text_output_one_line_per_finding_grouped_then_a_count() -> None:
    files = [str(SCENARIOS / "pitfalls" / n) for n in ("never-completes.yaml", "refresh-80mb.yaml")]
    done = bgreplay("lint", *files)
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    lines = done.stdout.splitlines()
    findings = [line for line in lines if LINE.match(line)]
    assert len(findings) >= 2
    assert findings[0].startswith(files[0]) and findings[-1].startswith(files[1])
    assert re.match(r"^\d+ findings? in 2 files: 0 errors, \d+ warnings?, \d+ info$", lines[-1])


def test_findings_point_at_the_key() -> None:
    path = SCENARIOS / "pitfalls" / "refresh-80mb.yaml"
    _, findings = lint_json(path)
    line = path.read_text().splitlines()[findings[0]["line"] - 1]
    assert "memory_mb" in line


def test_bad_input_exits_2_and_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    done = bgreplay("lint", str(missing))
    assert done.returncode == 2
    assert "nope.yaml" in done.stderr and "Traceback" not in done.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("bgreplay: 1\nname: [unclosed\n")
    assert bgreplay("lint", str(SCENARIOS / "health-study.yaml"), str(broken)).returncode == 2


def test_help_ends_with_an_example() -> None:
    done = bgreplay("lint", "--help")
    assert done.returncode == 0
    assert "Example: bgreplay lint" in done.stdout
