"""`bgreplay compare --sensitivity` speed: the flagship at both ends of every uncertain
parameter it reads, as a user runs it (a whole process, every core; target < 10 s)."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def run() -> list[str]:
    command = [
        sys.executable,
        "-m",
        "bgreplay",
        "compare",
        "scenarios/pixar-film-tracker.yaml",
        "--sensitivity",
        "--format",
        "json",
    ]
    begun = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, check=True
    )
    elapsed = time.perf_counter() - begun
    import json

    replays = len(json.loads(done.stdout)["parameters"]) + 1
    return [
        f"compare --sensitivity, flagship (7 days): {replays} replays in {elapsed:.1f} s "
        f"(target < 10 s), {replays * 7 / elapsed:.0f} device-days/s"
    ]


if __name__ == "__main__":
    print("\n".join(run()))
