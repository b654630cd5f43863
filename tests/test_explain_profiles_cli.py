"""`bgreplay explain` and `bgreplay profiles` as a user runs them."""

from __future__ import annotations

import json

from bgreplay.engine.profiles import PARAMETERS

FLAGSHIP = "scenarios/pixar-film-tracker.yaml"
PROCESSING = "io.cocoabytes.filmtracker.processing"


def test_profiles_lists_every_parameter_with_its_source(run_cli):
    code, out, err = run_cli("profiles", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    names = {p["name"] for p in doc["parameters"]}
    assert names == set(PARAMETERS)
    assert all(p["source"] and p["confidence"] for p in doc["parameters"])
    assert set(doc["profiles"]) == {"ios-17", "ios-18", "ios-26", "ideal"}
    code, out, _ = run_cli("profiles")
    assert code == 0 and "expiration_grace" in out and "F71" in out


def test_explain_answers_why_processing_waited_in_the_evening(run_cli):
    code, out, err = run_cli("explain", FLAGSHIP, "--task", PROCESSING, "--at", "2026-03-03T23:30")
    assert code == 0, err
    assert "Battery level" in out or "External power" in out  # the per-policy table
    answer = " ".join(out.split("\n\n")[-1].split())
    assert "launched at" in answer
    assert "threshold" in out


def test_explain_blocked_answer_names_the_policy_and_what_changed(run_cli):
    code, out, err = run_cli(
        "explain",
        FLAGSHIP,
        "--task",
        PROCESSING,
        "--at",
        "2026-03-03T22:40",
        "--set",
        "apps/*/tasks/*processing/earliest_begin=15m",
    )
    assert code == 0, err
    answer = " ".join(out.split("\n\n")[-1].split())
    assert answer.startswith("Blocked by"), answer
    assert "launched at" in answer


def test_explain_whole_replay_and_unknown_task(run_cli):
    code, out, _ = run_cli("explain", FLAGSHIP, "--task", "io.cocoabytes.filmtracker.refresh")
    assert code == 0 and "Over 7 days the task was submitted" in out
    code, _, err = run_cli("explain", FLAGSHIP, "--task", "io.cocoabytes.filmtracker.refrsh")
    assert code == 2 and "did you mean io.cocoabytes.filmtracker.refresh" in err
    code, _, err = run_cli("explain", FLAGSHIP, "--task", PROCESSING, "--at", "tomorrow")
    assert code == 2 and "Traceback" not in err


BUSY = """\
bgreplay: 1
start: 2026-10-24T00:00
duration: 30d
device:
  timeline:
    daily:
    - {unlocked: "02:30", for: 10m, app: io.x}
    - {plugged: "22:00-06:00"}
    - {network: wifi, during: "00:00-24:00"}
apps:
  io.x:
    background_modes: [fetch]
    permitted_identifiers: [io.x.refresh]
    tasks:
      io.x.refresh: {type: refresh, submit: {when: [app_background, handler_start]}}
scheduler:  # no rate limit (F68): a launch every few minutes
  params: {refresh_min_spacing: 0s, refresh_spacing_by_use: 0s}
"""


def test_explain_over_a_busy_month_lists_the_first_and_last_changes_and_counts_the_rest(
    run_cli, tmp_path
):
    """A refresh resubmitted at every start runs every few minutes: thousands of verdict
    changes, of which a reader can use a few — the rest are counted, not printed."""
    from bgreplay.analysis.explain import WHOLE_REPLAY_SHOWN

    path = tmp_path / "busy.yaml"
    path.write_text(BUSY, encoding="utf-8")
    code, out, _ = run_cli("explain", str(path), "--task", "io.x.refresh")
    assert code == 0
    assert out.count("trigger ") == WHOLE_REPLAY_SHOWN
    more = next(line for line in out.splitlines() if "more verdict changes" in line)
    assert int(more.split()[1].replace(",", "")) > 1000
    assert "Over 30 days the task was submitted" in " ".join(out.split())
