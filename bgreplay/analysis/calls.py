"""How ``check``, ``compare`` and ``compare --sensitivity`` load and replay scenarios: they are
handed the functions (``bgreplay.api`` passes its own, tests pass stand-ins), so the analyses never
import the API and data flows one way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from bgreplay.engine.records import ReplayResult
from bgreplay.scenario.model import Scenario
from bgreplay.trace.model import Timeline


class LoadScenario(Protocol):
    """As ``bgreplay.api.load_scenario``: one variant of a scenario file, ``--set`` applied."""

    def __call__(
        self, path: str, *, overrides: Sequence[str] = ..., variant: str | None = ...
    ) -> Scenario: ...


class Replay(Protocol):
    """As ``bgreplay.api.replay``: one replay over the scenario's trace (loaded when not given);
    ``record_params`` lists the profile parameters the replay read."""

    def __call__(
        self, scenario: Scenario, timeline: Timeline | None = ..., *, record_params: bool = ...
    ) -> ReplayResult: ...


LoadTimeline = Callable[[Scenario], Timeline]  # as ``bgreplay.api.load_timeline``
