"""`run --check-invariants`: clean replays pass; a broken event log is reported as a bug."""

from __future__ import annotations

import dataclasses

import pytest

from bgreplay import api
from bgreplay.cli.run import InvariantViolation, _check_invariants


def test_flagship_passes_the_invariant_check(run_cli):
    code, _, err = run_cli(
        "run", "scenarios/pixar-film-tracker.yaml", "--check-invariants", "--quiet"
    )
    assert code == 0, err


def test_a_launch_without_a_request_is_reported():
    result = api.replay(
        api.load_scenario("scenarios/pixar-film-tracker.yaml", overrides=["duration=1d"])
    )
    last = result.events[-1]
    first_launch = next(e for e in result.events if e.event == "launched")
    again = first_launch._replace(seq=last.seq + 1, t=last.t)  # run launched twice
    broken = dataclasses.replace(result, events=result.events + (again,))
    with pytest.raises(InvariantViolation, match="run-number"):
        _check_invariants(broken)
