"""`bgreplay calibrate`: a device's observed launches beside the replay's."""

from __future__ import annotations

import json

SCENARIO = """\
bgreplay: 1
name: calibration
start: 2026-03-02T00:00
duration: 3d
timezone: UTC
device:
  trace: trace.csv
apps:
  io.x:
    background_modes: [fetch]
    permitted_identifiers: [io.x.refresh]
    tasks:
      io.x.refresh:
        type: refresh
        earliest_begin: 1h
        submit: {when: [app_background, handler_start]}
"""


def _trace(days: int, observed_per_day: int) -> str:
    rows = ["start,end,kind,value,subject"]
    for d in range(days):
        day = f"2026-03-0{2 + d}"
        rows.append(f"{day}T00:00,{day}T07:00,plugged,,")
        rows.append(f"{day}T00:00,{day}T23:59,network,wifi,")
        for hour in ("08", "13", "20"):
            rows.append(f"{day}T{hour}:00,{day}T{hour}:10,unlocked,,")
            rows.append(f"{day}T{hour}:01,{day}T{hour}:09,app,,io.x")
        for k in range(observed_per_day):
            rows.append(
                f"{day}T{2 + 2 * k:02d}:00,{day}T{2 + 2 * k:02d}:01,bg_task_observed,,io.x.refresh"
            )
    return "\n".join(rows) + "\n"


def test_calibrate_counts_observed_and_replayed_launches(tmp_path, run_cli):
    (tmp_path / "trace.csv").write_text(_trace(3, 5))
    (tmp_path / "s.yaml").write_text(SCENARIO)
    code, out, err = run_cli("calibrate", str(tmp_path / "s.yaml"), "--format", "json")
    assert code == 0, err
    [task] = json.loads(out)
    assert task["task"] == "io.x.refresh"
    assert task["observed_per_day"] == [5, 5, 5]
    assert task["observed_hours"] == [3, 6, 6, 0, 0, 0]  # 02, 04+06, 08+10 h in 4-hour bins
    assert task["observed_on_battery"] == 0.4  # 08:00 and 10:00 are after unplugging at 07:00
    assert task["advice"]
    code, out, _ = run_cli("calibrate", str(tmp_path / "s.yaml"))
    assert code == 0 and "launches per day" in out and "→" in out


def test_calibrate_without_observations_is_bad_input(tmp_path, run_cli):
    (tmp_path / "trace.csv").write_text(_trace(3, 0))
    (tmp_path / "s.yaml").write_text(SCENARIO)
    code, _, err = run_cli("calibrate", str(tmp_path / "s.yaml"))
    assert code == 2 and "bg_task_observed" in err and "Traceback" not in err
