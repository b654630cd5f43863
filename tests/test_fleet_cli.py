"""``bgreplay fleet`` on the command line: output, exit codes, the failure report."""

from __future__ import annotations

import json

import polars as pl
from test_fleet import SCENARIO

from bgreplay.cli.fleet import replay_alone_command, report_failure
from bgreplay.fleet import FleetDeviceError, read_metadata
from bgreplay.fleet.worker import DeviceFailed


def test_fleet_prints_distributions_and_expectation_shares(tmp_path, write_scenario, run_cli):
    path = write_scenario(SCENARIO)
    out = tmp_path / "fleet.parquet"
    code, stdout, stderr = run_cli(
        "fleet",
        str(path),
        "--devices",
        "4",
        "--jobs",
        "1",
        "--out",
        str(out),
        "--persona-mix",
        "light_user=1",
    )
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[0] == f"Fleet: Fleet test ({path})"
    assert lines[1] == "4 devices x 2 days from 2026-03-02 00:00 (Europe/Paris); seed 3"
    assert lines[2] == "Persona mix: light_user=1"
    assert lines[3] == "Variants: base, late"
    assert any(line.startswith("base") and "launches_per_day" in line for line in lines)
    assert any("launches_per_day >= 1" in line and "/4" in line for line in lines)
    assert "\x1b[" not in stdout and "fleet: 4 devices x 2 variants" in stderr
    assert pl.read_parquet(out)["persona"].unique().to_list() == ["light_user"]
    assert read_metadata(out)["persona_mix"] == {"light_user": 1.0}


def test_fleet_json_and_only_device(write_scenario, run_cli):
    path = write_scenario(SCENARIO)
    code, stdout, stderr = run_cli(
        "fleet",
        str(path),
        "--devices",
        "10",
        "--only-device",
        "7",
        "--format",
        "json",
        "--no-scenario-variants",
    )
    assert code == 0, stderr
    data = json.loads(stdout)
    assert (data["devices"], data["devices_run"], data["only_device"]) == (10, 1, 7)
    assert {d["variant"] for d in data["distributions"]} == {"base"}
    assert all(e["devices"] == 1 for e in data["expectations"])


def test_bad_mix_and_bad_options_exit_2_with_a_message(write_scenario, run_cli):
    path = str(write_scenario(SCENARIO))
    code, stdout, stderr = run_cli(
        "fleet", path, "--devices", "3", "--persona-mix", "office_worker=0.5,couch_potato=0.5"
    )
    assert code == 2 and stdout == ""
    assert "--persona-mix: error: unknown persona 'couch_potato'" in stderr
    assert "Traceback" not in stderr
    code, _, stderr = run_cli("fleet", path, "--devices", "3", "--out", "fleet.csv")
    assert code == 2 and "--out: error: 'fleet.csv' is not a .parquet file" in stderr
    code, _, stderr = run_cli("fleet", path, "--devices", "3", "--executor", "spark")
    assert code == 2


def test_a_device_that_failed_twice_is_reported_with_the_command_to_replay_it(capsys):
    failure = DeviceFailed(
        17,
        123456789,
        "heavy_user",
        "base",
        "RuntimeError: boom",
        "Traceback (most recent call last):\n  ...\nRuntimeError: boom\n",
    )
    options = {
        "devices": 100,
        "mix": "light_user=1",
        "seed": None,
        "overrides": ["duration=2d"],
        "variants": ["late=a/b=1"],
        "vary": [],
        "apps": [],
        "scenario_variants": False,
    }
    report_failure(FleetDeviceError(failure), "s.yaml", options, show_details=False)
    err = capsys.readouterr().err
    assert err.splitlines()[:2] == [
        "bgreplay: device 17 failed twice (persona heavy_user, seed 123456789, variant base):",
        "    RuntimeError: boom",
    ]
    assert (
        "    bgreplay fleet s.yaml --devices 100 --persona-mix light_user=1 --set "
        "duration=2d --variant late=a/b=1 --no-scenario-variants --only-device 17" in err
    )
    assert "Traceback" not in err
    assert (
        replay_alone_command("s.yaml", {"devices": 5}, 3)
        == "bgreplay fleet s.yaml --devices 5 --only-device 3"
    )


def test_a_device_failure_exits_3_with_the_report(write_scenario, monkeypatch, capsys):
    from bgreplay import api
    from bgreplay.cli.app import main

    def failing(*_args, **_kwargs):
        raise FleetDeviceError(DeviceFailed(2, 42, "light_user", "base", "ValueError: x"))

    monkeypatch.setattr(api, "fleet", failing)
    path = str(write_scenario(SCENARIO))
    assert main(["fleet", path, "--devices", "5"]) == 3
    err = capsys.readouterr().err
    assert "device 2 failed twice (persona light_user, seed 42, variant base)" in err
    assert f"bgreplay fleet {path} --devices 5 --only-device 2" in err


def test_compare_fleet_on_the_command_line(write_scenario, run_cli):
    path = str(write_scenario(SCENARIO))
    code, stdout, stderr = run_cli(
        "compare",
        path,
        "--fleet",
        "3",
        "--jobs",
        "1",
        "--metric",
        "launches_per_day",
        "--format",
        "json",
    )
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["fleet"]["devices"] == 3 and data["fleet"]["seed"] == 3
    row = data["rows"][0]
    assert set(row["p10"]) == set(row["p90"]) == set(row["values"]) == {"base", "late"}
    assert row["p10"]["base"] <= row["values"]["base"] <= row["p90"]["base"]
    code, stdout, _ = run_cli("compare", path, "--fleet", "3", "--jobs", "1")
    assert code == 0 and "Cells: medians across 3 generated devices (seed 3)" in stdout
