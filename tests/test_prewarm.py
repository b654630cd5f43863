"""Pre-warm launches (F93): the app's launch code runs ahead of a predicted open, so a submit on
`app_launch` replaces the pending request just before dasd meant to run it."""

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
from bgreplay.scenario.model import Submit

ON_LAUNCH = Submit(("app_launch",))
ON_BACKGROUND = Submit(("app_background",))
DAYS = 5


def _replay(submit: Submit, intervals=None, points=(), days: int = DAYS, history="repeat",
            **params):
    sc = scenario(app(refresh(submit=submit)), days=days, device=Device(history=history))
    return run(sc, timeline(intervals or daily_life(days), points, days=days), **params)


def test_prewarm_comes_lead_before_each_predicted_open_and_submits():
    result = _replay(ON_LAUNCH)
    prewarms = of(result, "prewarmed")
    opens = [e.t for e in of(result, "app_opened")]
    assert len(prewarms) == 3 * DAYS  # daily_life: three opens a day, all predicted
    for p in prewarms:
        nxt = min(o for o in opens if o > p.t)
        # the open is at the same minute every day: its window opens 15 min before it (±window)
        assert nxt - p.t == 45 * M + 15 * M
    submits = [e for e in of(result, "submitted") if "pre-warm" in (e.detail or "")]
    assert [e.t for e in submits] == [p.t for p in prewarms]
    assert not check_invariants(result.events, {t.id: t for t in result.scenario.tasks})


def test_submit_on_launch_misses_the_refresh_before_opens_and_on_background_does_not():
    """The seed: "Do not call submit() on every app launch. This resets the scheduling timer"."""
    on_launch, on_background = _replay(ON_LAUNCH), _replay(ON_BACKGROUND)
    assert len(of(on_launch, "launched")) < len(of(on_background, "launched")) / 2
    stale = [sum(e.value for e in of(r, "app_opened")) for r in (on_launch, on_background)]
    assert stale[0] > 2 * stale[1]
    # without pre-warming the two triggers are alike: each replaces the request (F14)
    alike = [_replay(s, prewarm_lead=0) for s in (ON_LAUNCH, ON_BACKGROUND)]
    assert not of(alike[0], "prewarmed")
    assert len(of(alike[0], "launched")) == len(of(alike[1], "launched"))


def test_only_apps_that_submit_on_launch_are_prewarmed():
    assert not of(_replay(ON_BACKGROUND), "prewarmed")
    assert not of(_replay(ON_LAUNCH, profile="ideal"), "prewarmed")


def test_if_not_pending_keeps_the_request_through_a_prewarm():
    result = _replay(Submit(("app_launch",), if_not_pending=True))
    assert of(result, "prewarmed")
    assert not [e for e in of(result, "replaced") if "pre-warm" in (e.detail or "")]


def test_no_prewarm_before_the_predictor_has_seen_an_open():
    result = _replay(ON_LAUNCH, history="none")
    first_open = of(result, "app_opened")[0].t
    assert of(result, "prewarmed")[0].t > first_open


def test_no_prewarm_while_the_app_is_in_use_or_force_quit():
    # day 2: the app is open from 06:00 to 08:00, over the 06:30 pre-warm for the 07:31 open
    long_session = [i for i in daily_life(DAYS) if not (i.start // D == 1 and i.start % D < 8 * H
                                                         and i.kind in ("app", "unlocked"))]
    long_session += [replace(long_session[0], start=D + 6 * H, end=D + 8 * H, kind="unlocked",
                             value=None, subject=None),
                     replace(long_session[0], start=D + 6 * H, end=D + 8 * H, kind="app",
                             value=None, subject="io.x")]
    busy = _replay(ON_LAUNCH, long_session)
    assert not [p for p in of(busy, "prewarmed") if D + 6 * H <= p.t < D + 8 * H]
    # force quit on day 3 at 10:00: no pre-warm until the user opens the app again (F47)
    quit_at = 2 * D + 10 * H
    quit_ = _replay(ON_LAUNCH, points=[Point(quit_at, "force_quit", None, "io.x")])
    reopen = min(e.t for e in of(quit_, "app_opened") if e.t > quit_at)
    assert not [p for p in of(quit_, "prewarmed") if quit_at <= p.t < reopen]
    assert [p for p in of(quit_, "prewarmed") if p.t > reopen]


def test_prewarms_never_depend_on_the_trace_ahead():
    """Cutting the trace at any moment leaves every earlier event as it was (no peeking)."""
    full = _replay(ON_LAUNCH, history="none")
    for cut in (D + 7 * H, 2 * D + 11 * H + 30 * M, 3 * D + 20 * H):
        kept = [i if i.end <= cut else replace(i, end=DAYS * D)
                for i in daily_life(DAYS) if i.start < cut]
        cut_run = _replay(ON_LAUNCH, kept, history="none")
        before = [e for e in full.events if e.t < cut]
        assert [e for e in cut_run.events if e.t < cut] == before
        assert any(e.event == "prewarmed" for e in before)


def test_explain_and_profiles_name_the_prewarm(run_cli):
    code, out, err = run_cli("explain", "scenarios/pixar-film-tracker.yaml", "--variant",
                             "every-launch", "--task", "io.cocoabytes.filmtracker.refresh",
                             "--at", "2026-03-03T07:40")
    assert code == 0, err
    text = " ".join(out.split())
    assert "submitted at Tue 03-03 07:00 (app_launch, pre-warm launch (F93)" in text
    code, out, err = run_cli("profiles", "--format", "json")
    params = {p["name"]: p for p in json.loads(out)["parameters"]}
    assert code == 0 and params["prewarm_lead"]["source"] == "F93"
    assert params["prewarm_lead"]["defaults"]["ideal"] == 0


def test_explain_over_the_whole_replay_counts_the_replacing_prewarms(run_cli):
    code, out, err = run_cli("explain", "scenarios/pitfalls/submit-on-every-launch.yaml",
                             "--task", "io.cocoabytes.filmtracker.refresh")
    assert code == 0, err
    text = " ".join(out.split())
    assert "launched 0 times" in text
    assert re.search(r"\d+ submits replaced the pending request and restarted its earliest_begin "
                     r"\(F14\), \d+ of them at pre-warm launches", text)
    code, out, err = run_cli("explain", "scenarios/pixar-film-tracker.yaml", "--task",
                             "io.cocoabytes.filmtracker.refresh")
    assert code == 0 and "submits replaced" not in out  # replaced less often than it ran
