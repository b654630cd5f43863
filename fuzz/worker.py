"""The fuzz worker: reads one case request per line on stdin, runs it, answers one JSON line.

A request is ``{"seed": ..., "family": ...}``; the case is rebuilt from it (cases are pure
functions of their seed), run in-process through the CLI and judged. ``valid`` cases are also
replayed through the library and every replay's event log is checked against the SPEC §6
invariants (and, for one case in four, replayed again to check it is identical).
The parent (``fuzz.__main__``) watches time and memory and kills a worker that hangs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from fuzz.cases import inside, judge, make_case, run_in_process, write_files
from fuzz.draw import RandomDraw


def replay_checks(folder: Path, name: str, again: bool) -> tuple[str, list[str]]:
    """``(status, problems)``: status ``invalid`` (refused with an InputError) or
    ``replayed``."""
    from bgreplay import api
    from bgreplay.analysis.invariants import check_invariants
    from bgreplay.errors import InputError

    try:
        scenario = api.load_scenario(folder / name)
        timeline = api.load_timeline(scenario)
    except InputError:
        return "invalid", []
    try:
        result = api.replay(scenario, timeline)
        tasks = {t.id: t for t in scenario.tasks}
        violations = check_invariants(result.events, tasks, ipad=scenario.device.model == "ipad")
        problems = [f"invariant: {v}" for v in violations[:5]]
        if again and api.replay(scenario, timeline).events != result.events:
            problems.append("two replays of the same scenario differ")
        return "replayed", problems
    except Exception:  # a crash in the library is a finding, reported with its traceback
        return "replayed", ["replay crashed:\n" + traceback.format_exc(limit=8)]


def run_one(seed: str, family: str, max_seconds: float, timeout: float) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bgreplay-fuzz-"))
    try:
        draw = RandomDraw(seed)
        case = make_case(draw, folder, family)
        write_files(case, folder)
        with inside(folder):
            outcome = run_in_process(case.argv, timeout=timeout)
            found = judge(case, outcome, folder, max_seconds)
            slow = [p for p in found if p.startswith("took ")]  # slow but finished: a warning
            problems = [p for p in found if p not in slow]
            status = "cli"
            if family == "valid" and not outcome.timed_out:
                status, more = replay_checks(folder, case.argv[1], again=draw.integer(0, 3) == 0)
                problems += more
        return {
            "seed": seed,
            "family": family,
            "describe": case.describe(),
            "code": outcome.code,
            "seconds": round(outcome.seconds, 3),
            "status": status,
            "problems": problems,
            "slow": slow,
            "stderr": outcome.stderr[-2000:],
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    # Answers go to a private copy of stdout; anything else written to fd 1 is discarded, so a
    # stray print cannot corrupt the protocol.
    answers = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = run_one(
                request["seed"], request["family"], request["max_seconds"], request["timeout"]
            )
        except Exception:  # the case generator itself failed: report, keep serving
            answer = {
                "seed": request["seed"],
                "family": request["family"],
                "code": None,
                "describe": "(case generation)",
                "seconds": 0,
                "status": "error",
                "problems": ["fuzz harness error:\n" + traceback.format_exc(limit=8)],
                "slow": [],
                "stderr": "",
            }
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
