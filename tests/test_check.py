"""``bgreplay check``: orchestration, reports (text, JSON, JUnit) and the command line."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from analysis_fixtures import FILM, FILM_REFRESH, FakeWorld

from bgreplay.analysis.check import run_check
from bgreplay.cli import check as check_cli
from bgreplay.cli import compare as compare_cli
from bgreplay.errors import InputError
from bgreplay.exitcodes import Outcome

EXPECT = {
    "base": {
        FILM_REFRESH: {"launches": ">= 1", "kills": "== 0"},
        FILM: {"staleness_at_open": ["p(90) < 3h", "max < 1h"]},
    },
    "strict": {FILM_REFRESH: {"launches": ">= 5"}},
}


def world() -> FakeWorld:
    return FakeWorld(EXPECT, variant_names=("strict", "plain"), with_expect=("strict",))


def report_for(w: FakeWorld | None = None):
    w = w or world()
    return run_check(["film.yaml"], load=w.load, replay=w.replay)


# -- orchestration -----------------------------------------------------------------------------


def test_base_and_variants_with_their_own_expect_are_replayed():
    w = world()
    report = report_for(w)
    assert w.replayed == ["base", "strict"]  # "plain" has no expectations of its own
    assert [(c.variant, len(c.results)) for c in report.checks] == [("base", 4), ("strict", 1)]
    failing = [(c.variant, r.metric, r.text) for c in report.checks for r in c.failures]
    assert failing == [
        ("base", "kills", "== 0"),
        ("base", "staleness_at_open", "max < 1h"),
        ("strict", "launches", ">= 5"),
    ]
    assert (report.passed, report.failed, report.outcome.exit_code) == (2, 3, 1)


def test_all_passing_exits_zero():
    w = FakeWorld({"base": {FILM_REFRESH: {"launches": ">= 1"}}})
    assert report_for(w).outcome.exit_code == 0


def test_bad_expectations_anywhere_stop_before_any_replay():
    w = FakeWorld(
        {
            "base": {FILM_REFRESH: {"launches": ">= 1"}},
            "strict": {FILM_REFRESH: {"lunches": ">= 5"}},
        },
        variant_names=("strict",),
        with_expect=("strict",),
    )
    with pytest.raises(InputError, match="did you mean 'launches'"):
        report_for(w)
    assert w.replayed == []


# -- reports -----------------------------------------------------------------------------------


def test_junit_is_well_formed_with_exactly_the_failing_testcases():
    xml = check_cli.junit_xml(report_for())
    root = ET.fromstring(xml.encode())
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("5", "3")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["film.yaml (base)", "film.yaml (strict)"]
    assert [(s.get("tests"), s.get("failures")) for s in suites] == [("4", "2"), ("1", "1")]
    failed = {
        (c.get("classname"), c.get("name")): c.find("failure").get("message")
        for c in root.iter("testcase")
        if c.find("failure") is not None
    }
    assert failed == {
        ("film.yaml (base)", f"{FILM_REFRESH} kills == 0"): "measured 1, expected == 0",
        (
            "film.yaml (base)",
            f"{FILM} staleness_at_open max < 1h",
        ): "measured 2h, expected max < 1h",
        ("film.yaml (strict)", f"{FILM_REFRESH} launches >= 5"): "measured 2, expected >= 5",
    }
    passed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is None]
    assert passed == [f"{FILM_REFRESH} launches >= 1", f"{FILM} staleness_at_open p(90) < 3h"]


def test_junit_has_a_baseline_testcase_when_comparing(tmp_path):
    w = world()
    base = str(tmp_path / "b.json")
    run_check(["film.yaml"], load=w.load, replay=w.replay, baseline=base, update_baseline=True)
    w.fewer_everywhere = True
    report = run_check(["film.yaml"], load=w.load, replay=w.replay, baseline=base)
    root = ET.fromstring(check_cli.junit_xml(report))
    baseline_cases = [c for c in root.iter("testcase") if c.get("name") == "baseline"]
    assert len(baseline_cases) == 3  # base, strict and plain: every variant is replayed
    failure = baseline_cases[0].find("failure")
    assert failure is not None and f"{FILM_REFRESH} launches: 2 → 1" in failure.text


def test_json_report():
    doc = json.loads(json.dumps(check_cli.report_json(report_for())))
    assert doc["passed"] is False
    assert doc["summary"] == {"passed": 2, "failed": 3, "regressions": 0}
    first = doc["checks"][0]["expectations"][0]
    assert first == {
        "target": FILM_REFRESH,
        "metric": "launches",
        "expectation": ">= 1",
        "measured": 2.0,
        "measured_text": "2",
        "passed": True,
        "location": "film.yaml:41:5",
        "robust": False,
        "not_robust": [],
    }


def test_plain_table(capsys):
    check_cli.print_plain(report_for())
    out = capsys.readouterr().out
    assert "film.yaml (base)\n" in out
    assert f"  ✗  {FILM_REFRESH}  kills              == 0        1" in out
    assert "2 passed, 3 failed" in out


def test_expand_paths(tmp_path):
    for name in ("b.yaml", "a.yaml", "c.yml"):
        (tmp_path / name).write_text("")
    got = check_cli.expand_paths(
        [str(tmp_path / "*.yaml"), str(tmp_path / "a.yaml"), str(tmp_path / "c.yml")]
    )
    assert got == [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), str(tmp_path / "c.yml")]
    with pytest.raises(InputError, match="no file matches"):
        check_cli.expand_paths([str(tmp_path / "*.json")])


# -- the command, in process and in a subprocess -----------------------------------------------

SCENARIO = """\
    bgreplay: 1
    name: mini
    start: 2026-03-02T00:00
    duration: 2d
    timezone: Europe/Paris
    device:
      timeline:
        daily:
          - {plugged: "23:00-07:00"}
          - {network: wifi, during: "00:00-24:00"}
          - {unlocked: "08:00", for: 10m, app: io.x.app}
          - {unlocked: "12:00", for: 10m, app: io.x.app}
          - {unlocked: "19:00", for: 10m, app: io.x.app}
    apps:
      io.x.app:
        background_modes: [fetch]
        permitted_identifiers: [io.x.app.refresh]
        tasks:
          io.x.app.refresh:
            type: refresh
            earliest_begin: 1h
    expect:
      io.x.app.refresh:
        launches: ">= 1"
        kills: "== 0"
      io.x.app:
        staleness_at_open: "max < 2d"
    variants:
      strict:
        expect/io.x.app.refresh/launches: ">= 100"
      late:
        apps/io.x.app/tasks/io.x.app.refresh/earliest_begin: 4h
"""


@pytest.fixture(name="mini")
def _mini(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    return path


def invoke(*args: str, capsys) -> tuple[int, str, str]:
    """The check/compare commands with the CLI's exit-code rules, without the whole app."""
    app = typer.Typer(add_completion=False)
    app.command()(check_cli.check)
    app.command()(compare_cli.compare)
    try:
        outcome = typer.main.get_command(app).main(
            args=list(args), prog_name="bgreplay", standalone_mode=False
        )
    except InputError as exc:
        sys.stderr.write(exc.render() + "\n")
        outcome = Outcome(bad_input=True)
    code = outcome.exit_code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_check_real_scenario(mini, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    junit = tmp_path / "out" / "report.xml"
    junit.parent.mkdir()
    code, out, _ = invoke("check", str(tmp_path / "*.yaml"), "--junit", str(junit), capsys=capsys)
    assert code == 1
    assert f"{mini} (base)" in out and f"{mini} (strict)" in out and "(late)" not in out
    assert "5 passed, 1 failed" in out
    root = ET.fromstring(junit.read_bytes())
    assert root.get("failures") == "1"
    assert [p.name for p in junit.parent.iterdir()] == ["report.xml"]


def test_cli_check_json_and_bad_expectation(mini, capsys):
    code, out, _ = invoke("check", str(mini), "--format", "json", capsys=capsys)
    assert code == 1 and json.loads(out)["summary"]["failed"] == 1
    mini.write_text(mini.read_text().replace('kills: "== 0"', 'kils: "== 0"'))
    code, out, err = invoke("check", str(mini), capsys=capsys)
    assert code == 2 and out == ""
    assert f"{mini}:25:" in err and "did you mean 'kills'" in err


def test_cli_check_baseline_round_trip(mini, tmp_path, capsys):
    mini.write_text(mini.read_text().replace('">= 100"', '">= 1"'))
    baseline = tmp_path / "baseline.json"
    code, _, err = invoke("check", str(mini), "--baseline", str(baseline), capsys=capsys)
    assert code == 2 and "--update-baseline" in err and not baseline.exists()
    code, _, err = invoke(
        "check", str(mini), "--baseline", str(baseline), "--update-baseline", capsys=capsys
    )
    assert code == 0 and "baseline written" in err
    stored = json.loads(baseline.read_text())["scenarios"]["mini.yaml"]
    assert set(stored) == {"base", "strict", "late"}
    code, out, _ = invoke("check", str(mini), "--baseline", str(baseline), capsys=capsys)
    assert code == 0 and "0 metrics beyond baseline tolerance" in out
    mini.write_text(mini.read_text().replace("earliest_begin: 1h", "earliest_begin: 3h"))
    code, out, _ = invoke("check", str(mini), "--baseline", str(baseline), capsys=capsys)
    assert code == 1
    assert "beyond tolerance (old → new)" in out and " → " in out


def test_cli_check_an_empty_baseline_path_is_bad_input(mini, capsys):
    code, out, err = invoke("check", str(mini), "--baseline", "", capsys=capsys)
    assert code == 2 and out == ""
    assert "--baseline names no file" in err and "--baseline ci/baseline.json" in err


def test_cli_compare_real_scenario(mini, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = invoke(
        "compare",
        str(mini),
        "--vary",
        "apps/*/tasks/*refresh/earliest_begin=1h,4h",
        "--metric",
        "launches",
        "--format",
        "json",
        capsys=capsys,
    )
    assert code == 0
    doc = json.loads(out)
    assert [c["name"] for c in doc["columns"]] == [
        "earliest_begin=1h",
        "earliest_begin=4h",
        "strict",
        "late",
    ]
    launches = doc["rows"][0]["values"]
    assert launches["earliest_begin=4h"] == launches["late"]
    code, _, err = invoke(
        "compare", str(mini), "--vary", "apps/*/tasks/*refrsh/x=1,2", capsys=capsys
    )
    assert code == 2 and err


def _cli_import_problem() -> str | None:
    try:
        importlib.import_module("bgreplay.cli.app")
    except ImportError as exc:
        return f"bgreplay.cli.app cannot be imported ({exc}); `python -m bgreplay` is broken"
    return None


@pytest.mark.skipif(_cli_import_problem() is not None, reason=str(_cli_import_problem()))
def test_subprocess_check_exit_codes(mini, tmp_path, run_cli):
    junit = tmp_path / "r.xml"
    code, out, err = run_cli("check", str(mini), "--junit", str(junit))
    assert code == 1, err
    assert "✗" in out and junit.exists()
    mini.write_text(mini.read_text().replace('">= 100"', '">= 1"'))
    assert run_cli("check", str(mini))[0] == 0
    mini.write_text(mini.read_text().replace("launches:", "lunches:"))
    code, out, err = run_cli("check", str(mini))
    assert code == 2 and "Traceback" not in err and "did you mean 'launches'" in err


@pytest.mark.skipif(_cli_import_problem() is not None, reason=str(_cli_import_problem()))
def test_subprocess_compare(mini, run_cli):
    code, out, err = run_cli("compare", str(mini), "--format", "csv", "--metric", "launches")
    assert code == 0, err
    assert out.splitlines()[0] == "target,metric,unit,column,value,delta,best"


def test_check_takes_set_and_variant_like_run(tmp_path):
    """``check --set`` changes every scenario before its expectations are checked; ``--variant``
    checks that variant alone."""
    import json

    from fuzz_strategies import ROOT

    from fuzz.cases import inside, run_in_process

    flagship = str(ROOT / "scenarios" / "pixar-film-tracker.yaml")
    with inside(tmp_path):
        base = run_in_process(["check", flagship, "--format", "json"])
        broken = run_in_process(
            [
                "check",
                flagship,
                "--format",
                "json",
                "--set",
                "apps/*/tasks/*refresh/earliest_begin=3d",
            ]
        )
        one = run_in_process(["check", flagship, "--format", "json", "--variant", "every-launch"])
        unknown = run_in_process(["check", flagship, "--variant", "nope"])
    assert base.code == 0 and broken.code == 1, broken.stderr
    checks = json.loads(one.stdout)["checks"]
    assert [c["variant"] for c in checks] == ["every-launch"] and checks[0]["expectations"]
    assert unknown.code == 2
