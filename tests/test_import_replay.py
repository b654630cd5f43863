"""A real-device trace, imported, replays end to end and calibrates against its observed runs."""

from __future__ import annotations

import json

from conftest import run_cli
from fixtures_sqlite import PowerLog, at, bgsql

SCENARIO = """\
bgreplay: 1
name: my phone
start: 2026-03-02T00:00
duration: 2d
timezone: Europe/Paris
device:
  trace: pl.csv
apps:
  io.a:
    background_modes: [fetch]
    permitted_identifiers: [io.a.r]
    tasks:
      io.a.r:
        type: refresh
        earliest_begin: 1h
        submit: {when: [app_background, handler_start]}
"""


def test_imported_powerlog_replays_and_calibrates(tmp_path):
    pl = PowerLog(tmp_path / "CurrentPowerlog.PLSQL", 3_600.0)
    pl.write_offsets(at(2, 0))
    for day in (2, 3):
        for hour in (8, 13, 20):
            pl.add("PLSpringBoardAgent_EventForward_SBLock", at(day, hour), Locked=0)
            pl.add("PLSpringBoardAgent_EventForward_SBLock", at(day, hour, 10), Locked=1)
    runs = [(1, at(2 + k % 2, 7 + k), at(2 + k % 2, 7 + k, 1), 1) for k in range(4)]
    tasks = bgsql(tmp_path / "x.BGSQL", runs, {1: ("io.a", "io.a.r")})
    code, _, err = run_cli(
        "trace",
        "import",
        "powerlog",
        str(pl.close()),
        "--bgsql",
        str(tasks),
        "--timezone",
        "Europe/Paris",
        "-o",
        str(tmp_path / "pl.csv"),
    )
    assert code == 0, err
    (tmp_path / "phone.yaml").write_text(SCENARIO)
    code, out, err = run_cli("check", str(tmp_path / "phone.yaml"))
    assert code == 0, err  # no expectations: the replay itself must run cleanly
    code, out, err = run_cli("calibrate", str(tmp_path / "phone.yaml"), "--format", "json")
    assert code == 0, err
    [task] = json.loads(out)
    assert task["task"] == "io.a.r" and task["observed_per_day"] == [2, 2]
