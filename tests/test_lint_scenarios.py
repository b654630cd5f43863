"""The shipped scenarios stay valid: each one loads, builds its timeline, and every variant
applies (a typo in a variant path is an error, SPEC §4.8)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").rglob("*.yaml"))

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("bgreplay.scenario.load") is None
    or importlib.util.find_spec("bgreplay.trace.build") is None,
    reason="the scenario and trace loaders have not landed yet",
)


def test_there_are_scenarios() -> None:
    assert len(FILES) >= 11


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_scenario_validates(path: Path) -> None:
    from bgreplay import api

    api.validate_file(path)
    scenario = api.load_scenario(path)
    assert scenario.start.minute == 0 and scenario.duration_ms >= 86_400_000
    for name in scenario.variant_names:
        api.load_scenario(path, variant=name)
