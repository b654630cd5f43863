"""Persona trace generation speed: 365 days of each persona (target: under 2 s each)."""

from __future__ import annotations

import time
from datetime import datetime

from bgreplay.personas import PERSONAS
from bgreplay.trace.persona_trace import generate_trace


def run() -> list[str]:
    lines = []
    for name in sorted(PERSONAS):
        begun = time.perf_counter()
        trace = generate_trace(
            name,
            365,
            datetime(2026, 1, 5),
            "Europe/Paris",
            seed=1,
            apps=[("io.cocoabytes.filmtracker", None), ("io.other.app", None)],
        )
        elapsed = time.perf_counter() - begun
        lines.append(f"{name:<14} 365 days: {elapsed:.3f} s, {len(trace.records)} rows")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
