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
    code, out, err = run_cli("explain", FLAGSHIP, "--task", PROCESSING,
                             "--at", "2026-03-03T23:30")
    assert code == 0, err
    assert "Battery level" in out or "External power" in out  # the per-policy table
    answer = " ".join(out.split("\n\n")[-1].split())
    assert "launched at" in answer
    assert "threshold" in out


def test_explain_blocked_answer_names_the_policy_and_what_changed(run_cli):
    code, out, err = run_cli("explain", FLAGSHIP, "--task", PROCESSING,
                             "--at", "2026-03-03T22:40",
                             "--set", "apps/*/tasks/*processing/earliest_begin=15m")
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
