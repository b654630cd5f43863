"""Fleet throughput (SPEC §10: 1,000 device-weeks in under 60 s on 2 cores, under 1 GB).

(c) ``bgreplay fleet`` on a 3-app week, office/light/heavy mix, ``--jobs 2``, local processes;
(d) the same on a local Dask cluster of 2 workers;
(e) a bare SimPy replay of the same persona traces (``bench/simpy_minimal.py``) against
    bgreplay's engine on the same traces, in device-days per second of CPU, each replay in a
    process of its own (run one after the other in one process, the pure-Python engine's
    leftovers slowed the compiled engine after it by a tenth to a fifth).

Each fleet runs as its own ``python -m bgreplay fleet`` process, so its wall time includes
start-up and its memory is its own: peak resident memory is the sum over the process tree
(sampled every 0.1 s from /proc), with the largest single process and the CPU time of the
tree, which does not depend on what else the machine is running.
``BGREPLAY_BENCH_DEVICES`` (default 1000) scales (c) and (d); (e) uses a tenth of it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DAY_MS = 86_400_000
SCENARIO = """\
bgreplay: 1
name: Three apps, one week (fleet benchmark)
seed: 11
start: 2026-03-02T00:00
duration: 7d
timezone: Europe/Paris
device: {model: iphone, ios: "26.1", battery: {start: 80}, history: repeat}
apps:
  io.bench.news:
    background_modes: [fetch, processing]
    permitted_identifiers: [io.bench.news.refresh, io.bench.news.processing]
    content: {changes_per_hour: 4}
    tasks:
      io.bench.news.refresh:
        type: refresh
        earliest_begin: 1h
        submit: {when: [app_background, handler_start]}
        handler: {duration: {median: 4s, p90: 12s}, network: {requests: 1, bytes: 40KB}}
      io.bench.news.processing:
        type: processing
        earliest_begin: 4h
        requires_network: true
        requires_external_power: true
        submit: {when: [app_background]}
        handler: {duration: {median: 3m, p90: 6m}, cpu: 0.6}
  io.bench.films:
    background_modes: [fetch]
    permitted_identifiers: [io.bench.films.refresh]
    tasks:
      io.bench.films.refresh:
        type: refresh
        earliest_begin: 2h
        submit: {when: [app_background, handler_start]}
        handler: {duration: {median: 5s, p90: 15s}}
  io.bench.health:
    background_modes: [processing]
    permitted_identifiers: [io.bench.health.processing]
    tasks:
      io.bench.health.processing:
        type: processing
        earliest_begin: 6h
        requires_external_power: true
        submit: {when: [app_background]}
        handler: {duration: {median: 2m, p90: 5m}}
"""
MIX = "office_worker=0.5,light_user=0.3,heavy_user=0.2"


def devices() -> int:
    return max(1, int(os.environ.get("BGREPLAY_BENCH_DEVICES", "1000")))


def write_scenario(folder: str | None = None) -> Path:
    path = Path(folder or tempfile.mkdtemp(prefix="bgreplay-bench-")) / "three-apps.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


class TreeSampler:
    """Samples a process and all its descendants from /proc (Linux) every 0.1 s: peak total
    resident memory, the largest single process, and CPU time per process (a process that
    ends between two samples loses at most its last 0.1 s). ``ru_maxrss`` of children would
    miss the workers: they are children of a fork server, never waited for by us."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, root: int):
        self.root = root
        self.peak_kb = 0
        self.largest_kb = 0
        self.cpu: dict[int, float] = {}

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        tree, frontier = {self.root}, [self.root]
        while frontier:
            pid = frontier.pop()
            kids = [p for p, pp in parents.items() if pp == pid and p not in tree]
            tree.update(kids)
            frontier += kids
        return sorted(tree)

    def sample(self) -> None:
        total = 0
        for pid in self._tree():
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/status") as fh:
                    rss = next(
                        (int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0
                    )
            except (OSError, ValueError, IndexError):
                continue
            self.cpu[pid] = (int(fields[11]) + int(fields[12])) / self.TICK
            total += rss
            self.largest_kb = max(self.largest_kb, rss)
        self.peak_kb = max(self.peak_kb, total)


def run_fleet_process(args: list[str]) -> tuple[float, TreeSampler]:
    """Run ``python -m bgreplay fleet ARGS`` and sample it: (wall s, the sampler)."""
    begun = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bgreplay", "fleet", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = TreeSampler(proc.pid)

    def sample() -> None:
        while proc.poll() is None:
            sampler.sample()
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    if os.path.isdir("/proc"):
        thread.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - begun
    if thread.is_alive():
        thread.join()
    if proc.returncode != 0:
        raise RuntimeError(f"bgreplay fleet failed ({proc.returncode}): {err.strip()}")
    return elapsed, sampler


def fleet_line(label: str, path: Path, extra: list[str], n: int) -> str:
    out = path.parent / f"{label}.parquet"
    elapsed, tree = run_fleet_process(
        [
            str(path),
            "--devices",
            str(n),
            "--persona-mix",
            MIX,
            "--jobs",
            "2",
            "--out",
            str(out),
            *extra,
        ]
    )
    days = n * 7
    cpu = sum(tree.cpu.values())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    flags = " ".join(["--jobs 2", *extra])
    return (
        f"({label}) {n} device-weeks, 3 apps, {flags}: {elapsed:.1f} s wall, "
        f"{n / elapsed:.1f} devices/s, {days / elapsed:.0f} device-days/s; CPU {cpu:.0f} s "
        f"(~{cpu / 2:.0f} s on 2 idle cores); peak RSS {tree.peak_kb // 1024} MB (process "
        f"tree), largest process {tree.largest_kb // 1024} MB; load average {load:.1f}"
    )


def device_pairs(path: Path, n: int) -> list[tuple[object, object]]:
    """(device scenario, timeline) for the fleet's first ``n`` devices (traces built here)."""
    from bgreplay import api
    from bgreplay.fleet.population import (
        device_scenario,
        device_timeline,
        parse_mix,
        population,
    )

    base = api.load_scenario(path)
    pairs = []
    for device in population(parse_mix(MIX), base.seed, n):
        scenario = device_scenario(base, device)
        pairs.append((scenario, device_timeline(scenario, device)))
    return pairs


def _replay_rate(pairs, engine=None) -> tuple[float, float]:
    """``(CPU seconds, device-days per CPU second)`` of a replay of every pair with ``engine``
    (a ``replay`` module; default: the one bgreplay picks)."""
    from bgreplay import api
    from bgreplay.engine.select import engine_module

    engine = engine or engine_module()
    profiles = [api.resolve_profile(scenario) for scenario, _ in pairs]
    begun = time.process_time()
    for (scenario, timeline), profile in zip(pairs, profiles, strict=True):
        engine.replay(scenario, timeline, profile)
    seconds = time.process_time() - begun
    return seconds, sum(t.duration for _, t in pairs) / DAY_MS / seconds


def _without_tasks(pairs):
    """The same devices with every app's tasks removed: what following the trace costs."""
    from dataclasses import replace

    return [(replace(s, apps=tuple(replace(a, tasks=()) for a in s.apps)), t) for s, t in pairs]


REPLAYS = ("simpy", "compiled", "pure", "no-tasks")


def replay_rate(what: str, path: Path, n: int) -> tuple[float, float] | None:
    """``(CPU seconds, device-days per CPU second)`` of one of ``REPLAYS`` over the first ``n``
    devices, or None (SimPy or the compiled engine missing). Run in this process: call it
    through ``measured_apart``."""
    pairs = device_pairs(path, n)
    if what == "simpy":
        try:
            from bench import simpy_minimal
        except ImportError:  # simpy is in the dev extra
            return None
        seconds, rate, _ = simpy_minimal.throughput(pairs, cpu=True)
        return seconds, rate
    from bgreplay.engine import replay as pure
    from bgreplay.engine.select import compiled

    if what == "compiled":
        fast = compiled()
        return None if fast is None else _replay_rate(pairs, fast)
    if what == "pure":
        return _replay_rate(pairs, pure)
    return _replay_rate(_without_tasks(pairs))


def measured_apart(what: str, path: Path, n: int) -> tuple[float, float] | None:
    """``replay_rate`` in a process of its own: one replay's leftovers (a heap the other
    engine fragmented, garbage awaiting the collector) do not slow the next one down."""
    code = (
        "import sys; from pathlib import Path; from bench.bench_fleet import replay_rate; "
        f"print(replay_rate({what!r}, Path({str(path)!r}), {n}))"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    answer = done.stdout.strip().splitlines()[-1]
    if answer == "None":
        return None
    seconds, rate = (float(x) for x in answer.strip("()").split(","))
    return seconds, rate


def engine_line(path: Path, n: int) -> list[str]:
    simpy = measured_apart("simpy", path, n)
    if simpy is None:
        return ["(e) skipped: simpy is not installed (pip install simpy)"]
    simpy_rate = simpy[1]
    lines = [
        f"(e) same persona traces, {n} device-weeks, CPU time, each replay in a process of its "
        f"own: SimPy minimal replay {simpy_rate:.0f} device-days/s per core"
    ]
    fast = measured_apart("compiled", path, n)
    if fast is not None:
        fast_s, fast_rate = fast
        lines.append(
            f"    bgreplay compiled engine {fast_rate:.0f} device-days/s per core "
            f"({fast_s:.2f} s), {fast_rate / simpy_rate:.2f}x SimPy (targets: >= 700, "
            ">= 0.5x)"
        )
    else:
        lines.append("    bgreplay compiled engine: not built (pip install -e . builds it)")
    pure = measured_apart("pure", path, n)
    assert pure is not None
    pure_s, pure_rate = pure
    lines.append(
        f"    bgreplay pure-Python engine {pure_rate:.0f} device-days/s per core "
        f"({pure_s:.2f} s), {pure_rate / simpy_rate:.2f}x SimPy (target: >= 250)"
    )
    floor = measured_apart("no-tasks", path, n)
    assert floor is not None
    lines.append(
        f"    bgreplay with the tasks removed (device state, battery, predictor and event log "
        f"only): {floor[1]:.0f} device-days/s per core"
    )
    return lines


def run() -> list[str]:
    n = devices()
    with tempfile.TemporaryDirectory(prefix="bgreplay-bench-") as folder:
        path = write_scenario(folder)
        lines = [fleet_line("c", path, [], n)]
        try:
            import distributed  # noqa: F401
        except ImportError:
            lines.append("(d) skipped: dask is not installed (pip install 'bgreplay[dask]')")
        else:
            lines.append(fleet_line("d", path, ["--executor", "dask"], n))
        lines += engine_line(path, max(10, n // 10))
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
