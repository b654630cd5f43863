"""What rendering adds to a replay: the flagship over 28 days, text report at 100 columns and the
HTML report (target: under 0.3 s on top of the replay)."""

from __future__ import annotations

import io
import time

from bgreplay import api
from bgreplay.render.html import render_html
from bgreplay.render.report import render_run
from bgreplay.render.theme import make_console


def run() -> list[str]:
    scenario = api.load_scenario("scenarios/pixar-film-tracker.yaml", overrides=["duration=28d"])
    begun = time.perf_counter()
    result = api.replay(scenario, explain_task="*")
    replayed = time.perf_counter() - begun
    begun = time.perf_counter()
    render_run(result, make_console(io.StringIO(), width=100, plain=True))
    text = time.perf_counter() - begun
    begun = time.perf_counter()
    render_html(result)
    page = time.perf_counter() - begun
    return [
        f"28 days: replay {replayed:.3f} s; text report +{text:.3f} s, HTML report "
        f"+{page:.3f} s (target: under 0.3 s each)"
    ]


if __name__ == "__main__":
    print("\n".join(run()))
