"""Fuzz cases: files to write, a command line to run, and the oracle every run must satisfy.

A case runs in-process through ``bgreplay.cli.app.main`` (stdout and stderr captured), which is
fast enough for thousands of cases; ``run_in_process`` also enforces a per-case time limit with
``SIGALRM``. The oracle (``judge``): exit 0, 1 or 2 — never 3 — and never "Traceback"; exit 2
always says something; a failed command leaves no output file and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import io
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from fuzz.draw import Draw, chance
from fuzz.scenarios import TRACE_NAME, ZONES, mutate
from fuzz.traces import base_rows, mutate_sqlite, mutate_trace

ALLOWED_CODES = (0, 1, 2)
OVERRIDES = [
    "apps/*/tasks/*/earliest_begin=15m",
    "seed=3",
    "duration=401d",
    "duration=-1h",
    "apps/*/tasks/*/handler/duration=[1, 2]",
    "nope/x=1",
    "apps/*=",
    "=3",
    "x",
    "device/timeline/daily/0/for=25h",
    "timezone=Mars/Base",
    "apps/*/tasks/*/type=job",
    "expect/io.x/opens=>= 1",
    "device/battery/start=1e999",
    "start=2026-02-29T00:00",
]


@dataclass
class Case:
    """What a case writes into its folder and the command line it runs there."""

    family: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()  # files the command may write: must not appear on failure
    origin: str = ""

    def describe(self) -> str:
        return f"[{self.family}] {self.origin}: bgreplay {' '.join(self.argv)}"


@dataclass
class Outcome:
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    escaped: str = ""  # an exception that got past the CLI's error boundary (a BaseException)


class CaseTimeout(BaseException):
    """Raised by the alarm: a BaseException, so the CLI boundary cannot swallow it."""


def _on_alarm(_signum, _frame):  # pragma: no cover - only on a hang
    raise CaseTimeout


def run_in_process(argv: list[str], timeout: float = 20.0) -> Outcome:
    """``bgreplay ARGV`` in this process, output captured, at most ``timeout`` seconds."""
    from bgreplay.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    code, timed_out, escaped = None, False, ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    except CaseTimeout:
        timed_out = True
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # e.g. a Rust panic in polars (pyo3's PanicException)
        escaped = f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return Outcome(
        code, out.getvalue(), err.getvalue(), time.perf_counter() - start, timed_out, escaped
    )


def judge(case: Case, outcome: Outcome, folder: Path, max_seconds: float) -> list[str]:
    """Everything wrong with one run (an empty list when it behaved)."""
    bad = []
    if outcome.escaped:
        bad.append(f"an exception escaped the error boundary (a traceback): {outcome.escaped}")
    if outcome.timed_out:
        bad.append(f"stopped after {outcome.seconds:.0f} s without an answer (a hang)")
    elif outcome.code not in ALLOWED_CODES and not outcome.escaped:
        bad.append(f"exit code {outcome.code}")
    if "Traceback" in outcome.stderr or "Traceback" in outcome.stdout:
        bad.append("a traceback was printed")
    if outcome.code == 2 and not outcome.stderr.strip():
        bad.append("exit 2 without a message")
    if outcome.seconds > max_seconds and not outcome.timed_out:
        bad.append(f"took {outcome.seconds:.1f} s (limit {max_seconds:g} s)")
    if outcome.code not in (0, 1):
        bad += [f"failed but left {name}" for name in case.outputs if (folder / name).exists()]
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    if leftovers:
        bad.append(f"temporary files left: {leftovers}")
    return bad


def write_files(case: Case, folder: Path) -> None:
    for name, data in case.files.items():
        (folder / name).write_bytes(data)


def _first_task(data: bytes) -> str:
    try:
        doc = yaml.safe_load(data.decode("utf-8"))
        app = next(iter(doc["apps"].values()))
        return str(next(iter(app["tasks"])))
    except Exception:
        return "io.x.refresh"


def trace_csv() -> bytes:
    lines = [",".join(["start", "end", "kind", "value", "subject"])]
    lines += [",".join(r) for r in base_rows()]
    return ("\n".join(lines) + "\n").encode()


def scenario_case(draw: Draw, *, valid_only: bool = False) -> Case:
    origin, data = mutate(draw, valid_only=valid_only)
    name = "scenario.yaml" if chance(draw, 90) else draw.choice(["s.yml", "s.YAML", "s"])
    files = {name: data, TRACE_NAME: trace_csv()}
    pick = draw.integer(0, 11)
    outputs: tuple[str, ...] = ()
    if pick == 0:
        argv = ["validate", name]
    elif pick == 1:
        argv = ["lint", name, *(["--format", "json"] if chance(draw, 30) else [])]
    elif pick in (2, 3):
        argv = ["check", name, "--junit", "report.xml"]
        outputs = ("report.xml",)
        if chance(draw, 40):
            argv += ["--baseline", "base.json", "--update-baseline"]
            outputs += ("base.json",)
    elif pick == 4:
        argv = ["explain", name, "--task", _first_task(data)]
        if chance(draw, 30):
            argv += ["--at", draw.choice(["07:10", "2026-03-03T07:10", "25:00", "x"])]
    elif pick == 5:
        argv = ["compare", name, "--format", draw.choice(["text", "json", "csv"])]
    elif pick == 6:
        argv = ["compare", name, "--set", draw.choice(OVERRIDES)]
    else:
        argv = ["run", name, "--format", draw.choice(["text", "json", "jsonl", "csv"])]
        if chance(draw, 30):
            argv += ["--out", "events.parquet", "--format", "parquet"]
            outputs = ("events.parquet",)
        if chance(draw, 20):
            argv += ["--set", draw.choice(OVERRIDES)]
        if chance(draw, 15):
            argv += ["--days", str(draw.choice([1, 2, 500]))]
    return Case("scenario", argv, files, outputs, origin)


def trace_case(draw: Draw) -> Case:
    suffix, data = mutate_trace(draw)
    name = "trace" + suffix
    pick = draw.integer(0, 3)
    if pick == 0:
        argv = ["validate", name]
    elif pick == 1:
        argv = ["trace", "show", name, "--format", draw.choice(["text", "json", "csv"])]
        if chance(draw, 40):
            argv += ["--timezone", draw.choice(ZONES)]
    else:
        scenario = (
            f"bgreplay: 1\nstart: 2026-03-02T00:00\nduration: {draw.choice(['1d', '7d'])}"
            f"\ntimezone: {draw.choice(ZONES[:6])}\ndevice: {{trace: {name}}}\n"
            "apps:\n  io.cocoabytes.filmtracker:\n    background_modes: [fetch]\n"
            "    permitted_identifiers: [io.cocoabytes.filmtracker.refresh]\n"
            "    tasks: {io.cocoabytes.filmtracker.refresh: {type: refresh}}\n"
        )
        return Case(
            "trace",
            [draw.choice(["check", "run", "validate"]), "scenario.yaml"],
            {name: data, "scenario.yaml": scenario.encode()},
            (),
            f"trace{suffix}",
        )
    return Case("trace", argv, {name: data}, (), f"trace{suffix}")


def sqlite_case(draw: Draw, folder: Path) -> Case:
    """Builds its database in ``folder`` directly (SQLite writes files itself)."""
    kind, path, bgsql = mutate_sqlite(draw, folder)
    out = draw.choice(["out.csv", "out.parquet"])
    argv = ["trace", "import", kind, path.name, "-o", out]
    if bgsql is not None:
        argv += ["--bgsql", bgsql.name]
    if chance(draw, 20):
        argv += ["--timezone", draw.choice(ZONES)]
    return Case("sqlite", argv, {}, (out,), f"{kind} {path.name}")


FAMILIES = ("scenario", "scenario", "scenario", "trace", "trace", "sqlite")


def make_case(draw: Draw, folder: Path, family: str | None = None) -> Case:
    """A random case of ``family`` (or any); SQLite cases write their files into ``folder``."""
    family = family or draw.choice(FAMILIES)
    if family == "scenario":
        return scenario_case(draw)
    if family == "valid":
        return scenario_case(draw, valid_only=True)
    if family == "trace":
        return trace_case(draw)
    return sqlite_case(draw, folder)


@contextlib.contextmanager
def inside(folder: Path):
    """Run with ``folder`` as the current directory (cases name their files relatively)."""
    import os

    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
