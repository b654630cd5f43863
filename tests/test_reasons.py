"""Reasons everywhere: a run that fails for a cause the model knows says so in the event log,
`run --events`, JSONL and `explain`; `explain` groups evaluations by request and says what became
of each."""

from __future__ import annotations

import json

NO_NETWORK = """\
bgreplay: 1
name: A refresh that needs a network on a device without one
start: 2026-03-02T00:00
duration: 2d
timezone: Europe/Paris
device:
  history: repeat
  timeline:
    daily:
      - {plugged: "23:00-07:00"}
      - {unlocked: "08:00", for: 10m, app: io.x}
      - {unlocked: "12:30", for: 10m, app: io.x}
      - {unlocked: "20:00", for: 10m, app: io.x}
apps:
  io.x:
    background_modes: [fetch]
    permitted_identifiers: [io.x.refresh]
    tasks:
      io.x.refresh:
        type: refresh
        earliest_begin: 1h
        submit: {when: [app_background, handler_start]}
        handler: {duration: 2s, network: {requests: 1, bytes: 20KB}}
"""


def test_a_handler_without_a_network_fails_with_no_network_everywhere(write_scenario, run_cli):
    path = str(write_scenario(NO_NETWORK))
    code, out, err = run_cli("run", path, "--events")
    assert code == 0, err
    failed = [line for line in out.splitlines() if "failure" in line]
    assert failed and all("no network" in line for line in failed)
    code, out, err = run_cli("run", path, "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    completed = [r for r in rows if r["event"] == "completed"]
    assert completed and all(
        r["reason"] == "failure" and r["detail"].startswith("no network") for r in completed
    )
    launched = next(r for r in rows if r["event"] == "launched")
    during = f"{int(launched['t']) + 5}s"  # five seconds into the run: since the start
    code, out, err = run_cli("explain", path, "--task", "io.x.refresh", "--at", during)
    assert code == 0, err
    assert "completed (failure)" in out and "no network" in " ".join(out.split())
    code, out, err = run_cli("explain", path, "--task", "io.x.refresh")
    assert code == 0 and "failed: no network" in " ".join(out.split())


def test_explain_groups_evaluations_by_request_and_says_what_became_of_each(run_cli):
    code, out, err = run_cli(
        "explain",
        "scenarios/pixar-film-tracker.yaml",
        "--task",
        "io.cocoabytes.filmtracker.refresh",
        "--at",
        "2026-03-04T08:30",
    )
    assert code == 0, err
    lines = out.splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("── request ")]
    fates = [i for i, line in enumerate(lines) if line.lstrip().startswith("⇒ request ")]
    assert len(headers) >= 2 and len(headers) == len(fates)
    for start, end in zip(headers, fates, strict=True):  # each group closes before the next
        assert start < end
        number = lines[start].split()[2].rstrip(":")
        assert f"request {number} " in lines[end]
    assert "request 16: submitted Tue 03-03 21:45 (app_background)" in out
    assert "request 16 launched at Wed 03-04 07:45" in out
    assert "not re-scored from Wed 03-04 10:10" in out  # why ticks are missing
    code, out, err = run_cli(
        "explain",
        "scenarios/pitfalls/submit-on-every-launch.yaml",
        "--task",
        "io.cocoabytes.filmtracker.refresh",
        "--at",
        "2026-03-03T06:40",
    )
    assert code == 0, err
    assert "was replaced at" in out or "launched at" in out
