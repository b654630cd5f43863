"""`bgreplay compare` speed: the flagship over 28 days with its three variants (4 columns)."""

from __future__ import annotations

import time

from bgreplay import api


def run() -> list[str]:
    begun = time.perf_counter()
    comparison = api.compare("scenarios/pixar-film-tracker.yaml", overrides=["duration=28d"])
    elapsed = time.perf_counter() - begun
    columns = len(comparison.columns)
    return [
        f"compare, {columns} columns x 28 days: {elapsed:.2f} s (target < 2 s), "
        f"{columns * 28 / elapsed:.0f} device-days/s"
    ]


if __name__ == "__main__":
    print("\n".join(run()))
