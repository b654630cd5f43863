"""A few fuzz cases through a real `python -m bgreplay` process: the same exit code as in-process,
no traceback, no leftover files — what a shell or CI job actually sees."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from fuzz_strategies import CASE_SECONDS

from fuzz.cases import Outcome, inside, judge, make_case, run_in_process, write_files
from fuzz.draw import RandomDraw

PEAK_KB = 1_000_000  # small inputs: a few hundred MB at most (polars and the CLI take ~100)
# `python -m bgreplay ARGS`, plus the peak RSS written at exit (VmHWM, Linux only)
AS_MODULE = textwrap.dedent("""
    import atexit, runpy, sys
    peak_file = sys.argv.pop(1)
    def peak():
        try:
            status = open("/proc/self/status").read().splitlines()
        except OSError:
            return
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM"))
        open(peak_file, "w").write(kb)
    atexit.register(peak)
    sys.argv[0] = "bgreplay"
    runpy.run_module("bgreplay", run_name="__main__", alter_sys=True)
""")
SEEDS = [
    ("scenario", "sub:1"),
    ("scenario", "sub:7"),
    ("valid", "sub:2"),
    ("trace", "sub:3"),
    ("trace", "sub:4"),
    ("sqlite", "sub:5"),
]


@pytest.mark.parametrize("family,seed", SEEDS)
def test_cases_behave_the_same_in_a_real_process(tmp_path, family, seed):
    case = make_case(RandomDraw(seed), tmp_path, family)
    write_files(case, tmp_path)
    with inside(tmp_path):
        inproc = run_in_process(case.argv, timeout=3 * CASE_SECONDS)
    for name in case.outputs:  # the in-process run may have written them: start again
        (tmp_path / name).unlink(missing_ok=True)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    peak_file = tmp_path.parent / f"{tmp_path.name}.peak"
    done = subprocess.run(
        [sys.executable, "-c", AS_MODULE, str(peak_file), *case.argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    outcome = Outcome(done.returncode, done.stdout, done.stderr, 0.0)
    assert not judge(case, outcome, tmp_path, CASE_SECONDS), (case.describe(), done.stderr)
    assert done.returncode == inproc.code, (case.describe(), done.stderr, inproc.stderr)
    if peak_file.exists():  # Linux: the process's own peak resident memory
        assert int(peak_file.read_text()) < PEAK_KB, case.describe()
