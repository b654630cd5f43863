"""bgreplay: replay simulated iPhone days through a model of the iOS background-task scheduler.

The library mirrors the command line::

    import bgreplay
    scenario = bgreplay.load_scenario("scenarios/pixar-film-tracker.yaml")
    result = bgreplay.replay(scenario)          # a ReplayResult with the event log
    print(bgreplay.metrics(result))             # every metric of the replay
"""

TYPE_CHECKING = False  # not typing's: this package is the first import of the command line
if TYPE_CHECKING:
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


def __getattr__(name: str):
    """The API is imported on first use: the command line starts without it (and handles
    Ctrl-C before its heavy imports). ``__version__`` is the installed package's."""
    if name == "__version__":
        return package_version()
    if name in __all__:
        from bgreplay import api

        return getattr(api, name)
    raise AttributeError(f"module 'bgreplay' has no attribute {name!r}")


def package_version() -> str:
    """The installed package's version (its metadata: one source of truth, pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bgreplay")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"
