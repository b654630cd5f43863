"""The replay against real devices: every field scenario lies within its band, and
docs/calibration.md is generated from them (a stale page fails)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from bgreplay.cli.field_doc import field_report, render

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "calibration.md"
FIELD = sorted(p.name for p in (ROOT / "scenarios" / "field").glob("*.yaml"))
REQUIRED = {
    "FO1",
    "FO2",
    "FO3",
    "FO4",
    "FO5",
    "FO6",
    "FO7",
    "FO8",
    "FO11",
    "F29",
    "F31",
    "F117",
    "F118",
}


@functools.cache
def _report():
    cwd = os.getcwd()
    os.chdir(ROOT)  # the page names the scenarios by their path from the repository root
    try:
        return field_report()
    finally:
        os.chdir(cwd)


def test_every_field_observation_is_replayed_within_its_band():
    report = _report()
    outside = [(c.path, c.variant, r.message) for c in report.checks for r in c.failures]
    assert report.outcome.exit_code == 0, outside
    assert {c.observation.id for c in report.checks} == REQUIRED
    assert len({c.path for c in report.checks}) == len(FIELD)


def test_calibration_page_is_generated_from_the_field_scenarios():
    assert DOC.read_text(encoding="utf-8") == render(_report()), (
        "docs/calibration.md is stale: run `python -m bgreplay.cli.field_doc > docs/calibration.md`"
    )


def test_check_runs_a_field_scenario_from_the_shell(run_cli):
    code, out, err = run_cli("check", "scenarios/field/f029-processing-start-delay.yaml")
    assert code == 0, out + err
    assert "begin_delay" in out and "7m30s" in out
