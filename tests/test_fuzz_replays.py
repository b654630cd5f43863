"""Valid mutants of the repository's scenarios (values changed inside the schema, timeline
entries and events added) load, replay and keep every SPEC §6 invariant."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fuzz_strategies import HypothesisDraw, budget
from hypothesis import given
from hypothesis import strategies as st

from bgreplay.analysis.invariants import check_invariants
from bgreplay.engine.records import Event
from fuzz.cases import trace_csv
from fuzz.scenarios import TRACE_NAME, mutate
from fuzz.worker import replay_checks


@budget(30)
@given(st.data())
def test_valid_mutants_replay_without_invariant_violations(data):
    origin, text = mutate(HypothesisDraw(data), valid_only=True)
    with tempfile.TemporaryDirectory(prefix="bgreplay-fuzz-") as name:
        folder = Path(name)
        (folder / "s.yaml").write_bytes(text)
        (folder / TRACE_NAME).write_bytes(trace_csv())
        status, problems = replay_checks(folder, "s.yaml", again=True)
    assert not problems, f"{origin}\n" + "\n".join(problems) + "\n" + text.decode()[:4000]


def _events(*rows):
    return [
        Event(
            i,
            t,
            event,
            app="io.x",
            task="io.x.export",
            task_type=kind,
            reason=reason,
            run=run,
            value=value,
        )
        for i, (t, event, kind, reason, run, value) in enumerate(rows)
    ]


def test_a_continued_task_submitted_after_a_force_quit_may_launch():
    """A user action in the app after a force quit is the user back in the app (F100)."""
    cp = "continued_processing"
    fine = _events(
        (0, "force_quit", None, None, None, None),
        (1000, "submitted", cp, "user_action", None, 0.0),
        (1000, "launched", cp, "organic", 1, 0.0),
    )
    assert check_invariants(fine) == []
    stale = _events(
        (0, "submitted", cp, "user_action", None, 0.0),
        (500, "force_quit", None, None, None, None),
        (1000, "launched", cp, "organic", 1, 0.0),
    )
    assert [v.rule for v in check_invariants(stale)] == ["app-switcher"]


def test_a_start_after_before_the_submit_is_a_violation():
    rows = _events((5000, "submitted", "refresh", "app_background", None, -1200.0))
    assert [v.rule for v in check_invariants(rows)] == ["start-after"]


def test_a_task_event_without_its_task_or_a_launch_without_a_run_is_a_violation():
    rows = [
        Event(0, 0, "submitted", app="io.x"),
        Event(1, 10, "submitted", app="io.x", task="io.x.sync", task_type="refresh", value=0.0),
        Event(2, 20, "launched", app="io.x", task="io.x.sync", task_type="refresh", value=0.0),
    ]
    assert [v.rule for v in check_invariants(rows)] == ["task-event", "run-number"]
