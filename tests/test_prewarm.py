"""Pre-warm launches (F93; FO5-FO7): iOS starts an app's process ahead of a predicted open for
some predicted opens, not while the process is still in memory, and only some pre-warms run the
app's launch code — whose `app_launch` submits then replace the pending request early."""

from __future__ import annotations

import json
import re

from engine_fixtures import (
    D,
    Device,
    H,
    M,
    Point,
    app,
    daily_life,
    of,
    refresh,
    replace,
    run,
    scenario,
    timeline,
)

from bgreplay.analysis.invariants import check_invariants
from bgreplay.engine.records import PREWARM
from bgreplay.scenario.model import Submit

ON_LAUNCH = Submit(("app_launch",))
ON_BACKGROUND = Submit(("app_background",))
DAYS = 5
# Today's upper bound, by name: every predicted open is pre-warmed, no process stays in memory,
# every pre-warm runs the launch code.
UPPER = {"prewarm_chance": 1.0, "prewarm_launch_code_share": 1.0, "process_residency": 0}


def _replay(
    submit: Submit, intervals=None, points=(), days: int = DAYS, history="repeat", **params
):
    sc = scenario(app(refresh(submit=submit)), days=days, device=Device(history=history))
    return run(sc, timeline(intervals or daily_life(days), points, days=days), **params)


def _prewarm_submits(result):
    return [e for e in of(result, "submitted") if e.origin == PREWARM]


def test_at_the_upper_bound_every_predicted_open_is_prewarmed_lead_before_and_submits():
    result = _replay(ON_LAUNCH, **UPPER)
    prewarms = of(result, "prewarmed")
    opens = [e.t for e in of(result, "app_opened")]
    assert len(prewarms) == 3 * DAYS  # daily_life: three opens a day, all predicted
    for p in prewarms:
        nxt = min(o for o in opens if o > p.t)
        # the open is at the same minute every day: its window opens 15 min before it (±window)
        assert nxt - p.t == 45 * M + 15 * M
        assert p.reason == "launch_code"
    assert [e.t for e in _prewarm_submits(result)] == [p.t for p in prewarms]
    assert not check_invariants(result.events, {t.id: t for t in result.scenario.tasks})


def test_by_default_prewarms_are_rare_and_only_some_run_the_launch_code():
    """FO5: about 5 % of app starts are pre-warmed; FO7: sometimes the launch code runs."""
    days = 120
    result = _replay(ON_BACKGROUND, daily_life(days), days=days, process_residency=H)
    prewarms = of(result, "prewarmed")
    assert 0 < len(prewarms) < 0.1 * 3 * days  # 360 predicted opens, 4 % chance each
    assert {p.reason for p in prewarms} == {"launch_code", "no_launch_code"}
    prewarmed = [e for e in of(result, "app_opened") if e.reason == "prewarmed"]
    assert 0 < len(prewarmed) <= len(prewarms)


def test_no_prewarm_while_the_process_is_still_in_memory():
    """A process the user left a few hours ago is still there: nothing to pre-warm (FO6)."""
    resident = _replay(ON_LAUNCH, **{**UPPER, "process_residency": 24 * H})
    # the replay starts with no process in memory: the first morning is pre-warmed; from then on
    # the app is never out of memory for a day, so no pre-warm at all
    assert [(e.t // H) for e in of(resident, "prewarmed")] == [6]
    assert [e.reason for e in of(resident, "app_opened")][:2] == ["prewarmed", "resumed"]
    assert {e.reason for e in of(resident, "app_opened")[1:]} == {"resumed"}
    # ten hours: the 07:30 open follows the night, the others the morning's use
    ten = _replay(ON_LAUNCH, **{**UPPER, "process_residency": 10 * H})
    assert {(e.t % D) // H for e in of(ten, "prewarmed")} == {6}


def test_a_prewarmed_process_is_used_by_the_open_that_follows():
    result = _replay(ON_BACKGROUND, **{**UPPER, "process_residency": 2 * H})
    opens = of(result, "app_opened")
    prewarmed = [e for e in opens if e.reason == "prewarmed"]
    assert prewarmed and len(prewarmed) == len(of(result, "prewarmed"))
    for open_ in prewarmed:
        before = max(p.t for p in of(result, "prewarmed") if p.t < open_.t)
        assert open_.t - before == 60 * M


def test_a_prewarm_without_the_launch_code_leaves_the_submit_to_the_open():
    without = _replay(
        ON_LAUNCH, **{**UPPER, "prewarm_launch_code_share": 0.0, "process_residency": 2 * H}
    )
    assert {p.reason for p in of(without, "prewarmed")} == {"no_launch_code"}
    assert not _prewarm_submits(without)
    at_opens = {e.t for e in of(without, "submitted")} | {e.t for e in of(without, "replaced")}
    assert {e.t for e in of(without, "app_opened") if e.reason == "prewarmed"} <= at_opens
    # ... and one that ran it does not submit again at the open: the launch happened once
    with_code = _replay(ON_LAUNCH, **{**UPPER, "process_residency": 2 * H})
    submits = {e.t for e in of(with_code, "submitted")} | {e.t for e in of(with_code, "replaced")}
    assert not {e.t for e in of(with_code, "app_opened") if e.reason == "prewarmed"} & submits


def test_submit_on_launch_at_the_upper_bound_misses_the_refresh_before_opens():
    """The most harm a pre-warm can do: every predicted open is pre-warmed and each pre-warm's
    submit replaces the request just before dasd meant to run it."""
    on_launch, on_background = _replay(ON_LAUNCH, **UPPER), _replay(ON_BACKGROUND, **UPPER)
    assert len(of(on_launch, "launched")) < len(of(on_background, "launched")) / 2
    stale = [
        sum(e.t - e.fetched_at for e in of(r, "app_opened")) for r in (on_launch, on_background)
    ]
    assert stale[0] > 2 * stale[1]
    # without pre-warming the two triggers are alike: each replaces the request (F14)
    alike = [_replay(s, prewarm_lead=0) for s in (ON_LAUNCH, ON_BACKGROUND)]
    assert not of(alike[0], "prewarmed")
    assert len(of(alike[0], "launched")) == len(of(alike[1], "launched"))


def test_every_app_may_be_prewarmed_but_not_under_the_ideal_profile():
    assert of(_replay(ON_BACKGROUND, **UPPER), "prewarmed")
    assert not of(_replay(ON_LAUNCH, profile="ideal", **UPPER), "prewarmed")


def test_if_not_pending_keeps_the_request_through_a_prewarm():
    result = _replay(Submit(("app_launch",), if_not_pending=True), **UPPER)
    assert of(result, "prewarmed")
    assert not [e for e in of(result, "replaced") if e.origin == PREWARM]


def test_no_prewarm_before_the_predictor_has_seen_an_open():
    result = _replay(ON_LAUNCH, history="none", **UPPER)
    first_open = of(result, "app_opened")[0].t
    assert of(result, "prewarmed")[0].t > first_open


def test_no_prewarm_while_the_app_is_in_use_or_force_quit():
    # day 2: the app is open from 06:00 to 08:00, over the 06:30 pre-warm for the 07:31 open
    long_session = [
        i
        for i in daily_life(DAYS)
        if not (i.start // D == 1 and i.start % D < 8 * H and i.kind in ("app", "unlocked"))
    ]
    long_session += [
        replace(
            long_session[0],
            start=D + 6 * H,
            end=D + 8 * H,
            kind="unlocked",
            value=None,
            subject=None,
        ),
        replace(
            long_session[0], start=D + 6 * H, end=D + 8 * H, kind="app", value=None, subject="io.x"
        ),
    ]
    busy = _replay(ON_LAUNCH, long_session, **UPPER)
    assert not [p for p in of(busy, "prewarmed") if D + 6 * H <= p.t < D + 8 * H]
    # force quit on day 3 at 10:00: no pre-warm until the user opens the app again (F47)
    quit_at = 2 * D + 10 * H
    quit_ = _replay(ON_LAUNCH, points=[Point(quit_at, "force_quit", None, "io.x")], **UPPER)
    reopen = min(e.t for e in of(quit_, "app_opened") if e.t > quit_at)
    assert not [p for p in of(quit_, "prewarmed") if quit_at <= p.t < reopen]
    assert [p for p in of(quit_, "prewarmed") if p.t > reopen]
    assert next(e for e in of(quit_, "app_opened") if e.t == reopen).reason == "cold"


def test_prewarms_never_depend_on_the_trace_ahead():
    """Cutting the trace at any moment leaves every earlier event as it was (no peeking)."""
    params = {"prewarm_chance": 0.5, "process_residency": 3 * H}
    full = _replay(ON_LAUNCH, history="none", **params)
    for cut in (D + 7 * H, 2 * D + 11 * H + 30 * M, 3 * D + 20 * H):
        kept = [
            i if i.end <= cut else replace(i, end=DAYS * D)
            for i in daily_life(DAYS)
            if i.start < cut
        ]
        cut_run = _replay(ON_LAUNCH, kept, history="none", **params)
        before = [e for e in full.events if e.t < cut]
        assert [e for e in cut_run.events if e.t < cut] == before
    assert of(full, "prewarmed")


def test_explain_and_profiles_name_the_prewarm(run_cli):
    upper = [
        arg
        for name, value in (
            ("prewarm_chance", "1"),
            ("prewarm_launch_code_share", "1"),
            ("process_residency", "0s"),
        )
        for arg in ("--set", f"scheduler/params/{name}={value}")
    ]
    code, out, err = run_cli(
        "explain",
        "scenarios/pixar-film-tracker.yaml",
        "--variant",
        "every-launch",
        "--task",
        "io.cocoabytes.filmtracker.refresh",
        "--at",
        "2026-03-03T07:40",
        *upper,
    )
    assert code == 0, err
    text = " ".join(out.split())
    assert re.search(r"submitted at Tue 03-03 07:00 \(app_launch, pre-warm launch \(F93\)", text)
    code, out, err = run_cli("profiles", "--format", "json")
    params = {p["name"]: p for p in json.loads(out)["parameters"]}
    assert code == 0 and "F93" in params["prewarm_lead"]["source"]
    assert params["prewarm_lead"]["defaults"]["ideal"] == 0
    assert "FO5" in params["prewarm_chance"]["source"]
    assert "FO7" in params["prewarm_launch_code_share"]["source"]
