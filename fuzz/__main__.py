"""``python -m fuzz --minutes 10``: the long fuzz run (``make fuzz``).

Workers (``fuzz.worker``) run mutated scenarios, traces and SQLite databases through the CLI and
replay the valid mutants, checking the SPEC §6 invariants on every replay. This process hands out
cases, kills a worker whose case runs past ``--timeout`` (a hang) or whose memory passes
``--max-rss-mb``, prints a summary and exits 1 on any traceback, exit code 3, hang, memory
blow-up or invariant violation (a case slower than ``--slow`` that still finishes is listed, not
failed). Every failure is reproducible from its seed:
``python -m fuzz --replay SEED FAMILY`` rebuilds the case in ``out/fuzz/`` and runs it with
``--debug``.

Alongside, the out-of-process mode (``fuzz.outside``) runs real ``bgreplay`` processes, one case
at a time: closed pipes, signals, special files, concurrent writers, decode bombs, busy scenarios
at the limits and fleet drivers killed outright. ``--outside`` runs only that mode, ``--inside``
only the in-process one; by default both run for ``--minutes``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import selectors
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIX = ("scenario",) * 7 + ("valid",) * 6 + ("trace",) * 4 + ("sqlite",) * 3


@dataclass
class Worker:
    proc: subprocess.Popen
    request: dict | None = None
    started: float = 0.0
    peak_kb: int = 0


@dataclass
class Tally:
    cases: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    status: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)
    slow: list[dict] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    peak_kb: int = 0

    def add(self, answer: dict) -> None:
        self.cases[answer["family"]] += 1
        self.codes[answer["code"]] += 1
        self.status[answer["status"]] += 1
        label = f"{answer['describe']} (seed {answer['seed']})"
        self.slowest = sorted([*self.slowest, (answer["seconds"], label)], reverse=True)[:3]
        if answer["problems"]:
            self.failures.append(answer)
        elif answer.get("slow"):
            self.slow.append(answer)


def _spawn(log) -> Worker:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fuzz.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        cwd=ROOT,
        env=env,
    )
    return Worker(proc)


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _kill(worker: Worker) -> None:
    worker.proc.kill()
    worker.proc.wait()


def _failure(request: dict, problem: str, describe: str) -> dict:
    return {
        "seed": request["seed"],
        "family": request["family"],
        "code": None,
        "describe": describe,
        "seconds": request["timeout"],
        "status": "killed",
        "problems": [problem],
        "slow": [],
        "stderr": "",
    }


def _describe(request: dict) -> str:
    """The case's command line, rebuilt from its seed (the worker died before answering)."""
    import tempfile

    from fuzz.cases import make_case
    from fuzz.draw import RandomDraw

    with tempfile.TemporaryDirectory() as folder:
        return make_case(RandomDraw(request["seed"]), Path(folder), request["family"]).describe()


def campaign(args: argparse.Namespace) -> Tally:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / "workers.log", "w")  # noqa: SIM115 - open for the whole campaign
    tally = Tally()
    selector = selectors.DefaultSelector()
    workers = [_spawn(log) for _ in range(args.jobs)]
    for w in workers:
        selector.register(w.proc.stdout, selectors.EVENT_READ, w)
    deadline = time.monotonic() + args.minutes * 60
    counter = 0
    last_report = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            for w in workers:
                if w.request is None and now < deadline:
                    family = MIX[counter % len(MIX)]
                    w.request = {
                        "seed": f"{args.seed}:{counter}",
                        "family": family,
                        "max_seconds": args.slow,
                        "timeout": args.timeout,
                    }
                    counter += 1
                    w.started = now
                    w.proc.stdin.write(json.dumps(w.request) + "\n")
                    w.proc.stdin.flush()
            busy = [w for w in workers if w.request is not None]
            if not busy:
                break
            for key, _ in selector.select(timeout=0.2):
                w = key.data
                line = w.proc.stdout.readline()
                if line:
                    tally.add(json.loads(line))
                    w.request = None
            for i, w in enumerate(workers):
                if w.request is None:
                    continue
                rss = _rss_kb(w.proc.pid)
                tally.peak_kb = max(tally.peak_kb, rss)
                elapsed = time.monotonic() - w.started
                problem = ""
                if w.proc.poll() is not None:
                    problem = f"the worker died (exit {w.proc.returncode})"
                elif elapsed > args.timeout + 5:
                    problem = f"no answer within {args.timeout + 5:g} s (a hang)"
                elif rss > args.max_rss_mb * 1024:
                    problem = f"memory passed {args.max_rss_mb} MB (RSS {rss // 1024} MB)"
                if problem:
                    request = w.request
                    selector.unregister(w.proc.stdout)
                    _kill(w)
                    tally.add(_failure(request, problem, _describe(request)))
                    workers[i] = _spawn(log)
                    selector.register(workers[i].proc.stdout, selectors.EVENT_READ, workers[i])
            if time.monotonic() - last_report > 30:
                last_report = time.monotonic()
                print(
                    f"  ... {sum(tally.cases.values()):,} cases, {len(tally.failures)} failures",
                    flush=True,
                )
    finally:
        for w in workers:
            _kill(w)
        log.close()
    return tally


def summary(tally: Tally, args: argparse.Namespace, seconds: float) -> str:
    total = sum(tally.cases.values())
    lines = [
        f"bgreplay fuzz: {seconds / 60:.1f} min, seed {args.seed}, {args.jobs} worker(s), "
        f"per-case timeout {args.timeout:g} s, slow above {args.slow:g} s",
        f"cases: {total:,} ("
        + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.cases.items()))
        + ")",
        "exit codes: "
        + ", ".join(
            f"{k}: {v:,}"
            for k, v in sorted(tally.codes.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ),
        "valid mutants replayed and checked for invariants: "
        f"{tally.status['replayed']:,} "
        f"(refused as invalid: {tally.status['invalid']:,})",
        f"peak worker memory: {tally.peak_kb / 1024:.0f} MB",
        "slowest: " + "; ".join(f"{s:.1f} s {d}" for s, d in tally.slowest),
        f"slow but finished (above {args.slow:g} s, not failures): {len(tally.slow)}",
        *(f"  - {a['seconds']:.1f} s {a['describe']} (seed {a['seed']})" for a in tally.slow[:5]),
        f"failures: {len(tally.failures)}",
    ]
    for f in tally.failures[:20]:
        lines.append(f"  - {f['describe']}")
        for p in f["problems"]:
            lines.append("      " + p.replace("\n", "\n      "))
        if f["stderr"].strip():
            lines.append("      stderr: " + f["stderr"].strip().splitlines()[-1][:300])
        lines.append(f"      reproduce: python -m fuzz --replay '{f['seed']}' {f['family']}")
    return "\n".join(lines)


def replay_one(seed: str, family: str, out: Path) -> int:
    """Rebuild one case in ``out/<seed>`` and run it with ``--debug`` (tracebacks shown)."""
    from fuzz.cases import inside, make_case, run_in_process, write_files
    from fuzz.draw import RandomDraw

    folder = out / seed.replace(":", "-").replace("/", "-")
    folder.mkdir(parents=True, exist_ok=True)
    case = make_case(RandomDraw(seed), folder, family)
    write_files(case, folder)
    print(f"case files in {folder}\n{case.describe()}")
    with inside(folder):
        outcome = run_in_process(["--debug", *case.argv], timeout=600)
    print(f"exit {outcome.code} after {outcome.seconds:.2f} s")
    print(outcome.stdout[-3000:])
    print(outcome.stderr[-6000:], file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", default=None, help="campaign seed (default: random)")
    parser.add_argument("--jobs", type=int, default=max(1, min(4, (os.cpu_count() or 2) - 1)))
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a hang")
    parser.add_argument("--slow", type=float, default=15.0, help="seconds before 'too slow'")
    parser.add_argument("--max-rss-mb", type=int, default=2500)
    parser.add_argument("--out", default=str(ROOT / "out" / "fuzz"))
    parser.add_argument("--replay", nargs=2, metavar=("SEED", "FAMILY"))
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--outside", action="store_true", help="only the out-of-process mode")
    mode.add_argument("--inside", action="store_true", help="only the in-process mode")
    args = parser.parse_args(argv)
    if args.replay and args.outside:
        from fuzz.outside import run_case

        outcome = run_case(args.replay[1], args.replay[0])
        print(f"{outcome.name}: {outcome.seconds:.1f} s {outcome.note}")
        print("\n".join(outcome.problems) or "ok")
        return 1 if outcome.problems else 0
    if args.replay:
        return replay_one(args.replay[0], args.replay[1], Path(args.out))
    args.seed = args.seed or secrets.token_hex(4)
    print(f"fuzzing for {args.minutes:g} min with seed {args.seed} ...", flush=True)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    outside: dict = {}
    thread = None
    if not args.inside:
        import threading

        from fuzz.outside import campaign as outside_campaign

        def run_outside() -> None:
            outside["done"], outside["seconds"] = outside_campaign(args.minutes, args.seed)

        thread = threading.Thread(target=run_outside)
        thread.start()
    failed = False
    texts = []
    if not args.outside:
        started = time.monotonic()
        tally = campaign(args)
        texts.append(summary(tally, args, time.monotonic() - started))
        failed = bool(tally.failures)
    if thread is not None:
        from fuzz.outside import summary as outside_summary

        thread.join()
        texts.append(outside_summary(outside["done"], outside["seconds"], args.seed))
        failed = failed or any(o.problems for _, o in outside["done"])
    text = "\n\n".join(texts)
    print(text)
    (Path(args.out) / "summary.txt").write_text(text + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
