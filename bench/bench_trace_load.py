"""Trace loading speed (SPEC §5.2: a year of hundreds of thousands of rows in well under 1 s).

Generates a deterministic 1-year Europe/Paris CSV of about 200,000 rows (sessions, app use,
lock-screen glances, network changes, overnight charging, battery samples every 5 minutes), then,
in a fresh process, times ``read_trace_file`` and the whole ``load_timeline`` (which reads the file
again and builds the Timeline) and reports the process's peak resident memory.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import polars as pl

ZONE = "Europe/Paris"
START = datetime(2026, 1, 1)
DAYS = 365
APPS = ("io.cocoabytes.filmtracker", "com.example.mail", "com.example.chat")
S, M, H, D = 1_000, 60_000, 3_600_000, 86_400_000


def _day_rows(rng: random.Random, day0: int, rows: list[tuple]) -> None:
    """One day (``day0`` = local midnight as naive-epoch ms): every interval kind apart."""
    starts = sorted(rng.randrange(7 * H, 23 * H) for _ in range(rng.randint(95, 125)))
    for i, s in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else 23 * H + 30 * M
        length = min(rng.randint(30 * S, 12 * M), nxt - s - 20 * S)
        if length < 10 * S:
            continue
        rows.append((day0 + s, day0 + s + length, "unlocked", None, None))
        if rng.random() < 0.8:
            rows.append((day0 + s + S, day0 + s + length - S, "app", None, rng.choice(APPS)))
        if rng.random() < 0.6:  # a lock-screen glance just before the unlock
            rows.append((day0 + s - 15 * S, day0 + s - 5 * S, "screen", None, None))
    cuts = [0, *sorted(rng.randrange(6 * H, 22 * H) for _ in range(9)), D]
    for i in range(len(cuts) - 1):
        if cuts[i + 1] > cuts[i]:
            kind = "wifi" if i % 2 == 0 else "cellular"
            rows.append((day0 + cuts[i], day0 + cuts[i + 1], "network", kind, None))
    rows.append((day0 + 23 * H + 30 * M, day0 + D + 6 * H + 30 * M, "plugged", "wired", None))
    rows += [
        (day0 + t, None, "battery", str(90 - t // (20 * M) % 60), None) for t in range(0, D, 5 * M)
    ]
    if rng.random() < 0.05:
        rows.append((day0 + 14 * H, day0 + 16 * H, "low_power_mode", None, None))


def year_trace(seed: int = 1) -> pl.DataFrame:
    """The benchmark trace in file format, with ``+01:00``/``+02:00`` offsets."""
    rng = random.Random(seed)
    rows: list[tuple] = []
    base = int((START - datetime(1970, 1, 1)).total_seconds() * 1000)
    for day in range(DAYS):
        _day_rows(rng, base + day * D, rows)
    schema = {
        "start": pl.Int64,
        "end": pl.Int64,
        "kind": pl.String,
        "value": pl.String,
        "subject": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row")

    def iso(column: str) -> pl.Expr:
        return (
            pl.from_epoch(column, time_unit="ms")
            .dt.replace_time_zone(ZONE, ambiguous="earliest", non_existent="null")
            .dt.strftime("%Y-%m-%dT%H:%M:%S%:z")
            .alias(column)
        )

    return frame.with_columns(iso("start"), iso("end")).filter(pl.col("start").is_not_null())


def _peak_rss_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` is per process image, whereas Linux's
    ``ru_maxrss`` carries the parent's peak over ``exec`` (it would report the generator)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _child(path: str) -> None:
    """Runs in a fresh process: time the load and report the peak RSS of this process only."""
    from bgreplay.scenario.model import Device, Scenario
    from bgreplay.trace.build import load_timeline
    from bgreplay.trace.io import read_trace_file

    scenario = Scenario(
        name="bench",
        start=START,
        duration_ms=DAYS * D,
        timezone=ZONE,
        device=Device(trace=Path(path)),
    )
    base_mb = _peak_rss_mb()
    timings, peak_mb = [], 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        rows = read_trace_file(path, ZONE).height
        t1 = time.perf_counter()
        timeline = load_timeline(scenario)
        t2 = time.perf_counter()
        timings.append((t1 - t0, t2 - t1))
        peak_mb = peak_mb or _peak_rss_mb()
    print(
        json.dumps(
            {
                "rows": rows,
                "timings": timings,
                "peak_mb": peak_mb,
                "base_mb": base_mb,
                "intervals": len(timeline.intervals),
                "points": len(timeline.points),
            }
        )
    )


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "year.csv"
        year_trace().write_csv(path)
        size_mb = path.stat().st_size / 1e6
        out = subprocess.run(
            [sys.executable, "-m", "bench.bench_trace_load", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
    result = json.loads(out.stdout)
    rows = result["rows"]
    first_read, first_build = result["timings"][0]
    best = min(result["timings"], key=sum)
    return [
        f"1-year CSV: {rows:,} rows, {size_mb:.1f} MB -> {result['intervals']:,} intervals, "
        f"{result['points']:,} points",
        f"first load (cold): read_trace_file {first_read:.3f} s + load_timeline "
        f"{first_build:.3f} s",
        f"best of 3: read_trace_file {best[0]:.3f} s ({rows / best[0]:,.0f} rows/s), "
        f"load_timeline (read + build) {best[1]:.3f} s ({rows / best[1]:,.0f} rows/s)"
        f"  [target < 1 s: {'ok' if best[1] < 1 else 'MISSED'}]",
        f"peak memory (process RSS after one read + load): {result['peak_mb']:.0f} MB, of which "
        f"{result['base_mb']:.0f} MB is the interpreter with polars imported",
    ]


if __name__ == "__main__":
    _child(sys.argv[1])
