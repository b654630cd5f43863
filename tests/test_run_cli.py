"""``bgreplay run``: options, formats and files, through the command line."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from bgreplay import api
from bgreplay.analysis.frame import EVENT_SCHEMA, events_frame
from bgreplay.cli import app as cli_app
from bgreplay.cli import run as run_cli
from bgreplay.render.clockview import DAY_MS, HOUR_MS, MINUTE_MS

ROOT = Path(__file__).resolve().parents[1]
# ``bgreplay run`` through the real entry point
BOOT = textwrap.dedent("""
    import sys
    from bgreplay.cli import app as a
    sys.exit(a.main(sys.argv[1:]))
""")

SCENARIO = """\
bgreplay: 1
name: Tiny news reader
start: 2026-03-02T00:00
duration: 2d
timezone: Europe/Paris
seed: 3
device:
  timeline:
    daily:
      - {unlocked: "07:30", for: 10m, app: io.x.news}
      - {unlocked: "21:00", for: 15m, app: io.x.news}
      - {plugged: "23:00-07:00"}
      - {network: wifi, during: "18:30-08:15"}
      - {network: cellular, during: "08:15-18:30"}
apps:
  io.x.news:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.x.news.refresh, io.x.news.processing]
    tasks:
      io.x.news.refresh:
        type: refresh
        earliest_begin: 1h
        submit: {when: [app_background, handler_start]}
      io.x.news.processing:
        type: processing
        earliest_begin: 2h
        requires_external_power: true
variants:
  soon:
    apps/io.x.news/tasks/*refresh/earliest_begin: 15m
"""


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("run") / "news.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def bgreplay(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-c", BOOT, *args],
        capture_output=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=60,
    )


def expected_frame(path: Path, **load) -> pl.DataFrame:
    scenario = api.load_scenario(path, **load)
    return events_frame(api.replay(scenario), variant=scenario.variant)


@pytest.fixture(name="cli")
def _cli(capsys):
    """Run the CLI in this process (fast) through its error boundary."""

    def call(*args: str) -> tuple[int, str, str]:
        code = cli_app.main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


# -- machine formats (subprocess round trips) ---------------------------------------------------


def test_jsonl_round_trip(scenario_path):
    done = bgreplay("run", str(scenario_path), "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    got = pl.read_ndjson(io.BytesIO(done.stdout), schema=EVENT_SCHEMA)
    expected = expected_frame(scenario_path)
    assert got.height > 20
    assert got.equals(expected)


def test_csv_round_trip_with_a_variant(scenario_path):
    done = bgreplay("run", str(scenario_path), "--format", "csv", "--variant", "soon")
    assert done.returncode == 0, done.stderr
    got = pl.read_csv(io.BytesIO(done.stdout), schema=EVENT_SCHEMA)
    assert got.equals(expected_frame(scenario_path, variant="soon"))
    assert set(got["variant"]) == {"soon"}


def test_parquet_round_trip_needs_out(scenario_path, tmp_path):
    out = tmp_path / "events.parquet"
    done = bgreplay(
        "run", str(scenario_path), "--format", "parquet", "--out", str(out), "--seed", "5"
    )
    assert done.returncode == 0, done.stderr
    assert b"events to" in done.stderr and done.stdout == b""
    assert pl.read_parquet(out).equals(expected_frame(scenario_path, overrides=["seed=5"]))
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]  # no temporary left
    refused = bgreplay("run", str(scenario_path), "--format", "parquet")
    assert refused.returncode == 2
    assert b"--out" in refused.stderr and b"Traceback" not in refused.stderr


def test_text_in_a_pipe_is_plain_and_fits_100_columns(scenario_path):
    done = bgreplay("run", str(scenario_path))
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "\x1b[" not in text
    assert text.startswith("Tiny news reader\n")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "Legend" in text and "Tasks" in text and "Freshness at open" in text


# -- options (in process) -------------------------------------------------------------------------


def test_days_seed_and_profile_become_overrides(cli, scenario_path):
    code, out, _ = cli(
        "run", str(scenario_path), "--days", "1", "--seed", "9", "--profile", "ideal", "--quiet"
    )
    assert code == 0
    assert "Tasks" in out and "Legend" not in out and "seed" not in out
    code, out, _ = cli(
        "run",
        str(scenario_path),
        "--days",
        "1",
        "--seed",
        "9",
        "--profile",
        "ideal",
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert doc["scenario"]["seed"] == 9
    assert doc["scenario"]["profile"] == "ideal"
    assert doc["scenario"]["period"]["days"] == 1
    assert doc["scenario"]["overrides"] == ["duration=1d", "seed=9", 'scheduler/profile="ideal"']
    assert {t["task"] for t in doc["tasks"]} == {"io.x.news.refresh", "io.x.news.processing"}


def test_set_overrides_and_unknown_paths_are_input_errors(cli, scenario_path):
    code, out, _ = cli(
        "run",
        str(scenario_path),
        "--quiet",
        "--set",
        "apps/io.x.news/tasks/*refresh/earliest_begin=30m",
    )
    assert code == 0
    code, _, err = cli("run", str(scenario_path), "--set", "apps/nope/x=1")
    assert code == 2 and "nope" in err


def test_events_table_and_window(cli, scenario_path):
    code, out, _ = cli("run", str(scenario_path), "--events", "--from", "07:00", "--to", "08:00")
    assert code == 0
    assert "Task events" in out and "Legend" not in out
    times = re.findall(r"^(\d\d):(\d\d):\d\d ", out, flags=re.M)
    assert times and all(h == "07" for h, _ in times)


def test_timeline_window_of_instants(cli, scenario_path):
    code, out, _ = cli(
        "run", str(scenario_path), "--from", "2026-03-02T20:00", "--to", "2026-03-03T02:00"
    )
    assert code == 0
    assert "Mon 2026-03-02  20:00–24:00" in out and "Tue 2026-03-03  00:00–02:00" in out


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("soon", None, "is not a duration"),
        ("2026-03-02T09:00", "2026-03-02T08:00", "is not before"),
        ("2026-04-01T00:00", None, "outside the replay"),
        ("07:00", "07:00", "empty window"),
    ],
)
def test_bad_windows_exit_2(cli, scenario_path, start, end, message):
    args = ["run", str(scenario_path), "--from", start] + (["--to", end] if end else [])
    code, _, err = cli(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_text_out_is_written_atomically_and_plain(cli, scenario_path, tmp_path):
    out = tmp_path / "report.txt"
    out.write_text("old report", encoding="utf-8")
    code, stdout, _ = cli("run", str(scenario_path), "--out", str(out))
    assert code == 0 and stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("Tiny news reader") and "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_json_to_out(cli, scenario_path, tmp_path):
    out = tmp_path / "summary.json"
    code, _, _ = cli("run", str(scenario_path), "--format", "json", "--out", str(out))
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["scenario"]["name"] == "Tiny news reader"
    assert doc["apps"][0]["app"] == "io.x.news"


# -- window parsing -------------------------------------------------------------------------------


def test_parse_window_forms(scenario_path):
    scenario = api.load_scenario(scenario_path)
    clock = api.load_timeline(scenario).clock
    parse = run_cli.parse_window
    assert parse(None, None, scenario, clock) is None
    assert parse("07:00", "09:30", scenario, clock).daily == (
        7 * HOUR_MS,
        9 * HOUR_MS + 30 * MINUTE_MS,
    )
    assert parse("22:00", "06:00", scenario, clock).daily == (22 * HOUR_MS, 6 * HOUR_MS)
    assert parse("1d", "1d6h", scenario, clock).start == DAY_MS
    w = parse("2026-03-02T23:00+00:00", None, scenario, clock)  # midnight in Paris
    assert (w.start, w.end) == (DAY_MS, 2 * DAY_MS)
    w = parse("2026-03-03T06:00", "09:00", scenario, clock)  # --to: next 09:00 after --from
    assert (w.start, w.end) == (DAY_MS + 6 * HOUR_MS, DAY_MS + 9 * HOUR_MS)


def test_svg_and_html_files(cli, scenario_path, tmp_path):
    svg, page = tmp_path / "run.svg", tmp_path / "run.html"
    code, out, err = cli(
        "run", str(scenario_path), "--quiet", "--svg", str(svg), "--html", str(page)
    )
    assert code == 0 and "Tasks" in out
    assert f"wrote the report as SVG to {svg}" in err
    assert f"wrote the HTML report to {page}" in err
    assert svg.read_text(encoding="utf-8").startswith("<svg")
    assert "Tiny news reader" in page.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.html", "run.svg"]


# -- real scenarios -------------------------------------------------------------------------------


def test_flagship_scenario_fits_100_columns(cli):
    code, out, err = cli("run", str(ROOT / "scenarios" / "pixar-film-tracker.yaml"), "--days", "2")
    assert code == 0, err
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert out.count("UTC+01:00 ·") == 2  # two day blocks


def test_dst_scenario_has_a_23_hour_day(cli, tmp_path):
    path = tmp_path / "dst.yaml"
    path.write_text(SCENARIO.replace("2026-03-02T00:00", "2026-03-28T00:00"), encoding="utf-8")
    code, out, _ = cli("run", str(path))
    assert code == 0
    assert "Sun 2026-03-29  23 h · UTC+01:00 → UTC+02:00, clocks forward at 02:00" in out
    axis = out.splitlines()[
        out.splitlines().index(
            next(line for line in out.splitlines() if line.startswith("Sun 2026-03-29"))
        )
        + 1
    ]
    assert axis.split() == [f"{h:02d}" for h in range(24) if h != 2]
