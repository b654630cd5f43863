"""Every bundled scenario (and each of its variants) replays with the invariants intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from bgreplay import api
from bgreplay.analysis.invariants import check_invariants

SCENARIOS = sorted(Path("scenarios").rglob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p))
def test_bundled_scenario_replays_cleanly(path):
    base = api.load_scenario(path)
    for variant in (None, *base.variant_names):
        scenario = api.load_scenario(path, variant=variant)
        result = api.replay(scenario)
        tasks = {t.id: t for t in scenario.tasks}
        violations = check_invariants(result.events, tasks, ipad=scenario.device.model == "ipad")
        assert not violations, "\n".join(map(str, violations[:5]))
        assert result.events, "a replay always records the device's day"
