"""The README's "What a scenario says" example is a real excerpt of the flagship and runs as it
is: copied from the page, it loads and replays."""

from __future__ import annotations

import re
from pathlib import Path

from bgreplay import api

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "pixar-film-tracker.yaml"


def _readme_scenario() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## What a scenario says") :]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_is_an_excerpt_of_the_flagship_in_order():
    flagship = [line.rstrip() for line in FLAGSHIP.read_text(encoding="utf-8").splitlines()]
    at = 0
    for line in _readme_scenario().splitlines():
        if not line.strip():
            continue
        assert line.rstrip() in flagship[at:], f"not in the flagship (in order): {line!r}"
        at = flagship.index(line.rstrip(), at) + 1


def test_the_readme_example_runs_as_copied(tmp_path):
    path = tmp_path / "film.yaml"
    path.write_text(_readme_scenario(), encoding="utf-8")
    scenario = api.load_scenario(path)
    assert scenario.warnings == ()
    result = api.replay(scenario)
    assert any(e.event == "launched" for e in result.events)
