"""The library API; every CLI command is a thin call into these functions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bgreplay.errors import InputError
from bgreplay.scenario.model import Scenario
from bgreplay.trace.model import Timeline

SCENARIO_SUFFIXES = (".yaml", ".yml")
TRACE_SUFFIXES = (".csv", ".parquet")


def load_scenario(
    path: str | Path, *, overrides: Sequence[str] = (), variant: str | None = None
) -> Scenario:
    """Read, normalise, validate and build a scenario; ``overrides`` are ``PATH=VALUE`` strings."""
    from bgreplay.scenario.load import load_scenario as _load

    return _load(Path(path), overrides=overrides, variant=variant)


def load_timeline(scenario: Scenario) -> Timeline:
    """The scenario's device trace (file, persona and/or inline timeline), merged and validated."""
    from bgreplay.trace.build import load_timeline as _load

    return _load(scenario)


def validate_file(path: str | Path) -> None:
    """Raise ``InputError`` listing every problem in a scenario or trace file."""
    p = Path(path)
    if p.suffix.lower() in SCENARIO_SUFFIXES:
        load_timeline(load_scenario(p))
    elif p.suffix.lower() in TRACE_SUFFIXES:
        from bgreplay.trace.io import read_trace_file

        read_trace_file(p)
    else:
        raise InputError(
            f"{p}: unknown file type {p.suffix!r}",
            fix="pass a scenario (.yaml, .yml) or a trace (.csv, .parquet)",
        )
