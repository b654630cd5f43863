"""The out-of-process fuzz mode: bgreplay as a shell, a CI job or a hostile user meets it.

The in-process harness (``fuzz.cases``) calls ``main()`` with redirected output, so it cannot
see what only a real process shows: a closed pipe, a signal, a driver killed outright and the
workers it leaves, special files, two writers at once, a small file that decodes to gigabytes,
or a valid scenario that replays for an hour. Each case here starts real ``python -m bgreplay``
processes (under an address-space limit, so that a blow-up cannot take the machine down) and
judges what a user would see: the exit code, the time, the peak memory, the files and processes
left.

``python -m fuzz --outside --minutes 10`` runs cases drawn from ``CASES`` with random
parameters; ``make fuzz`` runs both modes.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "scenarios" / "pitfalls" / "force-quit-user.yaml"
FLAGSHIP = ROOT / "scenarios" / "pixar-film-tracker.yaml"
PEAK_LIMIT = 2 << 30  # any input within the limits: under 2 GB resident at its peak
ADDRESS_CAP = 4 << 30  # the address space each process may reserve (polars reserves ~1 GB
# it never touches): a blow-up ends in an error, not in the machine's memory
ACCEPTED_SECONDS = 60.0  # any accepted input: under a minute
REFUSED_SECONDS = 2.0  # any refused input: an answer within seconds (plus start-up, below)
STARTUP_SECONDS = 3.0  # python, polars and the CLI on a busy 2-core machine


# --- inputs ------------------------------------------------------------------------------------


def aggressive_scenario(
    apps: int,
    days: int | str,
    tasks_per_app: int = 2,
    persona: str = "heavy_user",
    earliest: str = "1s",
) -> str:
    """A scenario inside every static limit that keeps the scheduler as busy as it can: every
    app changes content hourly, every task asks again on launch, on background and when it
    runs, as early as it may."""
    blocks = []
    for a in range(apps):
        bundle = f"io.busy.a{a:03d}"
        ids = [f"{bundle}.t{k}" for k in range(tasks_per_app)]
        tasks = []
        for k, tid in enumerate(ids):
            kind, seconds = ("refresh", 4) if k == 0 else ("processing", 30)
            tasks.append(
                f"      {tid}:\n        type: {kind}\n        earliest_begin: {earliest}\n"
                "        submit: {when: [app_launch, app_background, handler_start]}\n"
                f"        handler: {{duration: {seconds}s}}"
            )
        blocks.append(
            f"  {bundle}:\n    background_modes: [fetch, processing]\n"
            f"    permitted_identifiers: [{', '.join(ids)}]\n"
            "    content: {changes_per_hour: 1}\n    tasks:\n" + "\n".join(tasks)
        )
    duration = f"{days}d" if isinstance(days, int) else days
    return (
        f"bgreplay: 1\nname: busy\nstart: 2026-03-02T00:00\nduration: {duration}\n"
        f"timezone: Europe/Paris\ndevice:\n  persona: {{name: {persona}}}\napps:\n"
        + "\n".join(blocks)
        + "\n"
    )


def text_bomb(path: Path, rows: int = 1_000_000, cell: int = 8_000) -> None:
    """A Parquet trace of a few kilobytes whose cells decode to ``rows × cell`` bytes."""
    import polars as pl

    frame = pl.select(
        start=pl.repeat("2026-03-02T08:00", rows),
        end=pl.repeat(None, rows, dtype=pl.String),
        kind=pl.repeat("battery", rows),
        value=pl.repeat("5" * cell, rows),
        subject=pl.repeat(None, rows, dtype=pl.String),
    )
    frame.write_parquet(path, compression="zstd")


def sqlite_gzip_bomb(path: Path, declared_pages: int, zeros: int, valid: bool = True) -> None:
    """A gzip of a SQLite header declaring ``declared_pages`` pages, then ``zeros`` bytes."""
    header = bytearray(100)
    header[:16] = b"SQLite format 3\x00"
    header[16:18] = (4096).to_bytes(2, "big")
    header[24:28] = (7).to_bytes(4, "big")
    header[28:32] = declared_pages.to_bytes(4, "big")
    header[92:96] = (7 if valid else 6).to_bytes(4, "big")
    block = bytes(1 << 20)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(bytes(header))
        for _ in range(zeros >> 20):
            fh.write(block)


# --- running and judging -------------------------------------------------------------------------


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_CAP, ADDRESS_CAP))
    os.setsid()  # its own process group: everything it starts can be found and ended


@dataclass
class Ran:
    code: int | None
    stdout: bytes
    stderr: str
    seconds: float
    peak_kb: int = 0
    cpu: float = 0.0  # user + system seconds: what the machine's other jobs do not inflate


def bgreplay(
    folder: Path, *args: str, timeout: float = ACCEPTED_SECONDS + 30, stdin: bytes | None = None
) -> Ran:
    """``python -m bgreplay ARGS`` in ``folder`` under the address-space cap, with its peak
    resident memory (``wait4``: this process's own, children it waited for included)."""
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bgreplay", *args],
        cwd=folder,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_capped,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
    )
    got: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: got.__setitem__(k, f.read()))
        for k, f in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    killed: list[bool] = []

    def kill() -> None:
        killed.append(True)
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    for reader in readers:
        reader.join()
    return Ran(
        None if killed else proc.returncode,
        got.get("out", b""),
        got.get("err", b"").decode("utf-8", "replace"),
        time.monotonic() - began,
        usage.ru_maxrss,
        usage.ru_utime + usage.ru_stime,
    )


def judge(ran: Ran, *, codes: tuple[int, ...] = (0, 1, 2)) -> list[str]:
    """What is wrong with a run, by the rules every input must follow."""
    bad = []
    if ran.code is None:
        bad.append(f"no answer after {ran.seconds:.0f} s (a hang)")
    elif ran.code not in codes:
        bad.append(f"exit code {ran.code}")
    if "Traceback" in ran.stderr:
        bad.append("a traceback was printed")
    # Times are CPU seconds (user + system): other jobs on the machine inflate the wall time.
    if ran.code == 2:
        if not ran.stderr.strip():
            bad.append("exit 2 without a message")
        # a replay near its work limit is stopped only when it reaches it (docs/limits.md)
        allowed = (
            ACCEPTED_SECONDS
            if "the replay is too large" in ran.stderr
            else REFUSED_SECONDS + STARTUP_SECONDS + 3
        )
        if ran.cpu > allowed:
            bad.append(f"refused only after {ran.cpu:.1f} s of CPU")
    if ran.code in (0, 1) and ran.cpu > ACCEPTED_SECONDS:
        bad.append(f"accepted but took {ran.cpu:.1f} s of CPU (over {ACCEPTED_SECONDS:g} s)")
    if ran.peak_kb > PEAK_LIMIT // 1024:
        bad.append(f"peak memory {ran.peak_kb // 1024} MB")
    return bad


def leftovers(folder: Path) -> list[str]:
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name.endswith(".tmp") or p.name.startswith(".bgreplay-fleet-")
    )


def bgreplay_processes(marker: str) -> list[int]:
    """Processes whose command line or environment holds ``marker`` (Linux: /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


# --- the cases -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    note: str = ""


def case_busy_scenario(rng: random.Random, folder: Path) -> Outcome:
    """A scenario within every static limit that keeps the scheduler busy: accepted within a
    minute or refused within seconds, under 2 GB either way."""
    apps = rng.choice([1, 5, 20, 50, 100])
    duration = rng.choice(["6h", "1d", "3d", "20d", "400d"])
    tasks = rng.choice([1, 2])
    persona = rng.choice(["heavy_user", "office_worker", "shift_worker", "traveller"])
    (folder / "s.yaml").write_text(
        aggressive_scenario(apps, duration, tasks, persona, rng.choice(["1s", "1m", "15m"]))
    )
    args = ["run", "s.yaml", "--format", rng.choice(["jsonl", "json", "text"])]
    ran = bgreplay(folder, *args, "--out", "out.txt")
    return Outcome(
        f"busy {apps}x{tasks} {duration} {persona}",
        judge(ran),
        ran.seconds,
        f"exit {ran.code}, {ran.cpu:.1f} s CPU, {ran.peak_kb // 1024} MB",
    )


def case_closed_pipe(rng: random.Random, folder: Path) -> Outcome:
    """``… | head -1``: the command's own exit code, its files written."""
    command = rng.choice(["run", "check", "compare", "explain", "lint", "profiles"])
    args = {
        "run": ["run", str(FLAGSHIP), "--html", "r.html"],
        "check": ["check", str(FLAGSHIP), "--junit", "r.html"],
        "compare": ["compare", str(FLAGSHIP)],
        "explain": ["explain", str(FLAGSHIP), "--task", "io.cocoabytes.filmtracker.refresh"],
        "lint": ["lint", str(FLAGSHIP)],
        "profiles": ["profiles"],
    }[command]
    script = (
        f"{sys.executable} -m bgreplay {' '.join(args)} | head -{rng.randint(0, 3)}; "
        "echo ${PIPESTATUS[0]}"
    )
    began = time.monotonic()
    done = subprocess.run(
        ["bash", "-c", script], cwd=folder, capture_output=True, text=True, timeout=120
    )
    problems = []
    code = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "?"
    if code != "0":
        problems.append(f"exit {code} behind a closed pipe")
    if "Traceback" in done.stderr or "Broken pipe" in done.stderr:
        problems.append("a traceback or a broken-pipe message: " + done.stderr[-300:])
    if command in ("run", "check") and not (folder / "r.html").exists():
        problems.append("the file output was skipped")
    return Outcome(f"pipe {command}", problems, time.monotonic() - began)


def case_special_files(rng: random.Random, folder: Path) -> Outcome:
    """Devices, named pipes, symlinks and the command's own input as inputs and outputs."""
    target = rng.choice(
        [
            "fifo-in",
            "zero-in",
            "loop-in",
            "null-out",
            "fifo-out",
            "dash-out",
            "link-out",
            "self-out",
        ]
    )
    shutil.copyfile(SMALL, folder / "s.yaml")
    problems: list[str] = []
    if target == "fifo-in":
        os.mkfifo(folder / "f.yaml")
        ran = bgreplay(folder, rng.choice(["run", "validate", "lint"]), "f.yaml", timeout=20)
        problems = judge(ran, codes=(2,))
    elif target == "zero-in":
        (folder / "z.csv").symlink_to("/dev/zero")
        ran = bgreplay(folder, "validate", rng.choice(["/dev/zero", "z.csv"]), timeout=20)
        problems = judge(ran, codes=(2,))
    elif target == "loop-in":
        (folder / "a.yaml").symlink_to("b.yaml")
        (folder / "b.yaml").symlink_to("a.yaml")
        ran = bgreplay(folder, "run", "a.yaml", timeout=20)
        problems = judge(ran, codes=(2,))
    elif target == "null-out":
        node = folder / "null"
        try:
            os.mknod(node, 0o20666, os.makedev(1, 3))  # a private /dev/null
        except OSError:
            return Outcome("special null-out (mknod not permitted: skipped)")
        ran = bgreplay(
            folder,
            "run",
            "s.yaml",
            *rng.choice([["--format", "csv", "--out"], ["--svg"], ["--html"]]),
            "null",
        )
        problems = judge(ran, codes=(0,))
        if not node.is_char_device():
            problems.append("the character device was replaced by a file")
    elif target == "fifo-out":
        os.mkfifo(folder / "o.fifo")
        got: list[bytes] = []
        reader = threading.Thread(target=lambda: got.append((folder / "o.fifo").read_bytes()))
        reader.start()
        ran = bgreplay(folder, "run", "s.yaml", "--format", "jsonl", "--out", "o.fifo")
        reader.join(30)
        problems = judge(ran, codes=(0,))
        if not got or not got[0].startswith(b"{"):
            problems.append("the pipe's reader got nothing")
    elif target == "dash-out":
        ran = bgreplay(folder, "run", "s.yaml", "--format", "parquet", "--out", "-")
        problems = judge(ran, codes=(0,))
        if not ran.stdout.startswith(b"PAR1") or (folder / "-").exists():
            problems.append("--out - did not go to standard output")
    elif target == "link-out":
        (folder / "real.csv").write_text("OLD")
        (folder / "link.csv").symlink_to("real.csv")
        ran = bgreplay(folder, "run", "s.yaml", "--format", "csv", "--out", "link.csv")
        problems = judge(ran, codes=(0,))
        if not (folder / "link.csv").is_symlink() or (folder / "real.csv").read_text() == "OLD":
            problems.append("the link was replaced, or its target not written")
    else:
        before = (folder / "s.yaml").read_bytes()
        ran = bgreplay(folder, "run", "s.yaml", "--format", "jsonl", "--out", "s.yaml")
        problems = judge(ran, codes=(2,))
        if (folder / "s.yaml").read_bytes() != before:
            problems.append("the scenario was overwritten by the output")
    problems += [f"left {name}" for name in leftovers(folder)]
    return Outcome(f"special {target}", problems, ran.seconds)


def case_decode_bomb(rng: random.Random, folder: Path) -> Outcome:
    """Small files that decode to gigabytes: refused within seconds, under the memory cap."""
    kind = rng.choice(["parquet", "gzip-declared", "gzip-undeclared", "wide-csv", "empty-csv"])
    if kind == "parquet":  # made in a process of its own: making it takes gigabytes, which a
        # child forked from this process would count as its own peak
        rows, cell = rng.choice([400_000, 1_000_000]), rng.choice([1_000, 8_000])
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from fuzz.outside import text_bomb; "
                "text_bomb(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))",
                str(folder / "t.parquet"),
                str(rows),
                str(cell),
            ],
            cwd=ROOT,
            check=True,
        )
        args = ["validate", "t.parquet"]
    elif kind.startswith("gzip"):
        sqlite_gzip_bomb(
            folder / "k.db.gz",
            rng.choice([1, 2, 10]),
            rng.choice([64, 512]) << 20,
            valid=kind == "gzip-declared",
        )
        args = ["trace", "import", rng.choice(["knowledgec", "powerlog"]), "k.db.gz", "-o", "o.csv"]
    elif kind == "wide-csv":
        (folder / "t.csv").write_text(
            ",".join(f"c{i}" for i in range(rng.choice([40, 5_000, 2_000_000]))) + "\n"
        )
        args = ["validate", "t.csv"]
    else:
        with open(folder / "t.csv", "w") as fh:
            fh.write(
                "start,end,kind,value,subject\n" + ",,,,\n" * rng.choice([1_000_001, 20_000_000])
            )
        args = ["validate", "t.csv"]
    ran = bgreplay(folder, *args)
    codes = (0, 2) if kind == "gzip-undeclared" else (2,)
    return Outcome(
        f"bomb {kind}", judge(ran, codes=codes), ran.seconds, f"{ran.peak_kb // 1024} MB"
    )


def case_concurrent_baselines(rng: random.Random, folder: Path) -> Outcome:
    """Several ``check --update-baseline`` at once on one file: every entry lands."""
    n = rng.randint(2, 4)
    names = [f"s{i}.yaml" for i in range(n)]
    for name in names:
        shutil.copyfile(SMALL, folder / name)
    began = time.monotonic()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bgreplay",
                "check",
                name,
                "--baseline",
                "b.json",
                "--update-baseline",
            ],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in names
    ]
    codes = [p.wait(120) for p in procs]
    problems = [f"exit {c}" for c in codes if c != 0]
    stored = json.loads((folder / "b.json").read_text())["scenarios"]
    if sorted(stored) != names:
        problems.append(f"baseline holds {sorted(stored)}, not {names}")
    return Outcome(f"baseline x{n}", problems, time.monotonic() - began)


def case_signal(rng: random.Random, folder: Path) -> Outcome:
    """A signal in the middle of a command: its exit code, one line, nothing left behind."""
    sig = rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
    shutil.copyfile(FLAGSHIP, folder / "s.yaml")
    args = rng.choice(
        [
            ["run", str(FLAGSHIP), "--days", "60", "--format", "parquet", "--out", "e.parquet"],
            ["check", str(FLAGSHIP), "--baseline", "b.json", "--update-baseline"],
        ]
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bgreplay", *args],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_capped,
    )
    time.sleep(rng.uniform(0.5, 3.0))
    began = time.monotonic()
    proc.send_signal(sig)
    try:
        code = proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return Outcome(f"signal {sig.name}", [f"still running 20 s after {sig.name}"])
    err = proc.stderr.read().decode("utf-8", "replace")
    expected = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}[sig]
    problems = []
    if code not in (0, expected, -sig):  # -sig: it came before Python ran a line (a shell
        # shows both as 128 + the signal's number)
        problems.append(f"exit {code} after {sig.name} (expected {expected})")
    if "Traceback" in err:
        problems.append("a traceback")
    problems += [f"left {name}" for name in leftovers(folder)]
    return Outcome(f"signal {sig.name} {args[0]}", problems, time.monotonic() - began)


def case_fleet_killed(rng: random.Random, folder: Path) -> Outcome:
    """``kill -9`` (or SIGHUP) of a fleet driver: no process survives 5 s, no work folder
    stays once the next fleet has started."""
    marker = f"BGREPLAY_FUZZ_{os.getpid()}_{rng.randrange(1 << 30)}"
    sig = rng.choice([signal.SIGKILL, signal.SIGKILL, signal.SIGHUP])
    jobs = rng.choice(["1", "2", "3"])
    env = {**os.environ, marker: "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bgreplay",
            "fleet",
            str(FLAGSHIP),
            "--devices",
            "400",
            "--jobs",
            jobs,
            "--out",
            "f.parquet",
        ],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(rng.uniform(2.0, 6.0))
    proc.send_signal(sig)
    proc.wait(30)
    began = time.monotonic()
    while bgreplay_processes(marker) and time.monotonic() - began < 5:
        time.sleep(0.2)
    problems = []
    survivors = bgreplay_processes(marker)
    if survivors:
        problems.append(f"{len(survivors)} process(es) alive 5 s after {sig.name}")
        for pid in survivors:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    if leftovers(folder):
        problems.append(f"left {leftovers(folder)}")
    return Outcome(f"fleet {sig.name} --jobs {jobs}", problems, time.monotonic() - began)


CASES: dict[str, tuple[Callable[[random.Random, Path], Outcome], int]] = {
    "busy": (case_busy_scenario, 3),
    "pipe": (case_closed_pipe, 2),
    "special": (case_special_files, 3),
    "bomb": (case_decode_bomb, 2),
    "baseline": (case_concurrent_baselines, 1),
    "signal": (case_signal, 2),
    "fleet": (case_fleet_killed, 1),
}


def run_case(name: str, seed: str) -> Outcome:
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="bgreplay-outside-"))
    try:
        outcome = CASES[name][0](rng, folder)
    except Exception as exc:  # the harness itself: a finding too
        outcome = Outcome(name, [f"harness error: {type(exc).__name__}: {exc}"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return outcome


def campaign(minutes: float, seed: str) -> tuple[list[tuple[str, Outcome]], float]:
    """Cases one at a time (each starts several processes) for ``minutes``."""
    deck = [name for name, (_, weight) in CASES.items() for _ in range(weight)]
    done: list[tuple[str, Outcome]] = []
    began = time.monotonic()
    counter = 0
    while time.monotonic() - began < minutes * 60:
        name = deck[counter % len(deck)]
        case_seed = f"{seed}:{counter}"
        outcome = run_case(name, case_seed)
        done.append((case_seed, outcome))
        counter += 1
        flag = "FAIL " + "; ".join(outcome.problems) if outcome.problems else "ok"
        print(
            f"  [{case_seed}] {outcome.name}: {outcome.seconds:.1f} s {outcome.note} {flag}",
            flush=True,
        )
    return done, time.monotonic() - began


def summary(done: list[tuple[str, Outcome]], seconds: float, seed: str) -> str:
    failures = [(s, o) for s, o in done if o.problems]
    kinds: dict[str, int] = {}
    for _, o in done:
        key = o.name.split()[0]
        kinds[key] = kinds.get(key, 0) + 1
    lines = [
        f"bgreplay fuzz --outside: {seconds / 60:.1f} min, seed {seed}",
        f"cases: {len(done)} (" + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + ")",
        f"failures: {len(failures)}",
    ]
    for case_seed, o in failures[:20]:
        lines.append(f"  - {o.name}: " + "; ".join(o.problems))
        lines.append(
            f"      reproduce: python -m fuzz --outside --replay '{case_seed}' {o.name.split()[0]}"
        )
    return "\n".join(lines)
