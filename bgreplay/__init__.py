"""bgreplay: replay simulated iPhone days through a model of the iOS background-task scheduler.

The library mirrors the command line::

    import bgreplay
    scenario = bgreplay.load_scenario("scenarios/pixar-film-tracker.yaml")
    result = bgreplay.replay(scenario)          # a ReplayResult with the event log
    print(bgreplay.metrics(result))             # every metric of the replay
"""

from bgreplay.api import (
    check,
    compare,
    fleet,
    lint,
    load_scenario,
    load_timeline,
    metrics,
    replay,
    resolve_profile,
    validate_file,
)

__version__ = "0.1.0"
__all__ = [
    "check",
    "compare",
    "fleet",
    "lint",
    "load_scenario",
    "load_timeline",
    "metrics",
    "replay",
    "resolve_profile",
    "validate_file",
]
