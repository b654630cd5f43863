"""A scenario within every static limit can still ask for hours of replay (a hundred apps whose
tasks ask again on every launch, for 400 days). The replay's work is counted (requests scored and
predicted moments) and bounded: such a replay is refused as soon as its pace shows it, the same
way every time; a long replay off a terminal says how far it is."""

from __future__ import annotations

import io

import pytest
from fuzz_strategies import ROOT

from bgreplay import api
from bgreplay.errors import InputError
from bgreplay.scenario.limits import MAX_REPLAY_WORK
from fuzz.cases import inside, run_in_process
from fuzz.outside import aggressive_scenario

DAY = 86_400_000


def test_a_replay_far_over_the_budget_is_refused_within_seconds(tmp_path):
    (tmp_path / "busy.yaml").write_text(aggressive_scenario(100, 100))
    with inside(tmp_path):
        outcome = run_in_process(["run", "-q", "busy.yaml"], timeout=120)
        again = run_in_process(["run", "-q", "busy.yaml"], timeout=120)
    assert outcome.code == 2, outcome.stderr
    assert "the replay is too large" in outcome.stderr and "docs/limits.md" in outcome.stderr
    assert outcome.stderr == again.stderr  # counted in work, not in seconds: always the same
    assert outcome.seconds < 10


@pytest.fixture(scope="module")
def flagship():
    return api.load_scenario(ROOT / "scenarios" / "pixar-film-tracker.yaml")


@pytest.mark.parametrize(
    "work,at_ms,refused",
    [
        (MAX_REPLAY_WORK // 40, 1 * 3_600_000, False),  # early: a burst says little
        (MAX_REPLAY_WORK // 16, 1 * 3_600_000, True),  # a real pace, far too fast for 7 days
        (MAX_REPLAY_WORK // 2, 5 * DAY, False),  # on course for about 0.7 of the budget
        (MAX_REPLAY_WORK // 2, 3 * DAY, False),  # about 1.2 of it: runs on, to the limit itself
        (MAX_REPLAY_WORK // 2, 1 * DAY, True),  # about 3.5 of it
        (MAX_REPLAY_WORK + 1, 7 * DAY - 1, True),  # over the budget itself
    ],
)
def test_the_budget_refuses_by_pace_and_by_total(flagship, work, at_ms, refused):
    from bgreplay.api import check_replay_work

    if refused:
        with pytest.raises(InputError, match="the replay is too large"):
            check_replay_work(flagship, work, at_ms)
    else:
        check_replay_work(flagship, work, at_ms)


def test_the_engine_counts_its_work_the_same_every_time(flagship):
    from bgreplay.engine.replay import Replay

    counts = []
    for _ in range(2):
        engine = Replay(flagship, api.load_timeline(flagship), api.resolve_profile(flagship))
        engine.advance()
        counts.append(engine.work)
    assert counts[0] == counts[1] and 0 < counts[0] < MAX_REPLAY_WORK // 10


def test_a_long_replay_off_a_terminal_prints_where_it_is(monkeypatch):
    import sys

    from bgreplay.cli.run import _heartbeat

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    clock = iter([6.0, 7.0, 13.0])
    monkeypatch.setattr("time.monotonic", lambda: next(clock))
    beat = _heartbeat(0.0, every=5.0)
    beat(1 * DAY, 30 * DAY)  # 6 s: a line
    beat(2 * DAY, 30 * DAY)  # 7 s: too soon
    beat(3 * DAY, 30 * DAY)  # 13 s: a line
    assert err.getvalue() == "replaying: day 1/30 (6 s)\nreplaying: day 3/30 (13 s)\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["run", "-q"], "replaying: day 1/7 ("),
        (["check"], "replaying: day 1/7 ("),
        (["compare"], "replaying: day 1/7 ("),
        (["fleet", "--devices", "3", "--jobs", "1"], "fleet: 1/3 devices replayed ("),
        (["compare", "--fleet", "3", "--jobs", "1"], "fleet: 1/3 devices replayed ("),
    ],
    ids=["run", "check", "compare", "fleet", "compare-fleet"],
)
def test_every_long_command_off_a_terminal_says_how_far_it_is(args, line, monkeypatch, capsys):
    """Off a terminal (CI logs, pipes) every command that replays prints a progress line every
    few seconds; here at every chance, so that the flagship's week shows them."""
    from bgreplay.cli.app import main

    monkeypatch.setattr("bgreplay.cli.run.HEARTBEAT_SECONDS", 0.0)
    flagship = str(ROOT / "scenarios" / "pixar-film-tracker.yaml")
    code = main([args[0], flagship, *args[1:]])
    err = capsys.readouterr().err
    assert code == 0, err
    assert line in err
