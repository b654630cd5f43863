"""Golden files of bundled scenarios replayed through the engine: the flagship's week and the
spring-forward night (plain text, 100 columns). `pytest --update-goldens` rewrites them after a
deliberate model or layout change."""

from __future__ import annotations

import io

import pytest
from goldens import check_golden

from bgreplay import api
from bgreplay.render.report import render_run
from bgreplay.render.theme import make_console


@pytest.mark.parametrize(
    ("scenario", "case"),
    [
        ("scenarios/pixar-film-tracker.yaml", "flagship/run.txt"),
        ("scenarios/spring-forward.yaml", "spring-forward/run.txt"),
    ],
)
def test_scenario_report_golden(request, scenario, case):
    loaded = api.load_scenario(scenario)
    result = api.replay(loaded)
    out = io.StringIO()
    render_run(result, make_console(out, width=100, plain=True), lint=api.lint(loaded))
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 100
    check_golden(request, case, text)
