"""A whole `bgreplay run` of the flagship (7 days) from the shell: start-up, load, replay and the
printed report, against the floor of importing the libraries it stands on (target: under 0.4 s
on an idle machine).

Each is its own process, started in turn (run, floor, run, floor, ...) so that a drift in the
machine's speed falls on both; the medians are printed, with the spread.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15
COMMANDS = {
    "bgreplay run scenarios/pixar-film-tracker.yaml": [
        sys.executable,
        "-m",
        "bgreplay",
        "run",
        "scenarios/pixar-film-tracker.yaml",
    ],
    "import typer, rich, yaml, polars (floor)": [
        sys.executable,
        "-c",
        "import typer, rich, yaml, polars",
    ],
}


def _wall(command: list[str]) -> float:
    begun = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - begun


def run() -> list[str]:
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(RUNS + 1):  # the first round warms the file cache and is not counted
        for name, command in COMMANDS.items():
            walls[name].append(_wall(command))
    lines = []
    for name, seconds in walls.items():
        counted = sorted(seconds[1:])
        lines.append(
            f"{name}: median {statistics.median(counted):.3f} s wall "
            f"(min {counted[0]:.3f}, max {counted[-1]:.3f}; {RUNS} runs)"
        )
    run_s, floor_s = (statistics.median(sorted(s[1:])) for s in walls.values())
    lines.append(f"run above the floor: {run_s - floor_s:.3f} s (target: run under 0.4 s)")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
