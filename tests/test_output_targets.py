"""Where bgreplay writes: a device, a named pipe, ``-``, a symbolic link or one of the command's
own inputs is never replaced by a regular file (SPEC §3: atomic writes, nothing destroyed).

Devices here are private copies made with ``mknod`` in the test's folder (a character device
``/dev/null``'s numbers: writes vanish), never the real ``/dev`` nodes, so that a regression
destroys nothing; without the right to ``mknod`` those cases are skipped.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time

import pytest
from fuzz_strategies import ROOT

from fuzz.cases import inside, run_in_process

FLAGSHIP = ROOT / "scenarios" / "pixar-film-tracker.yaml"
SMALL = ROOT / "scenarios" / "pitfalls" / "force-quit-user.yaml"


def _null_device(folder):
    node = folder / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("mknod is not permitted here")
    return node


def _run(folder, *args):
    with inside(folder):
        return run_in_process(list(args), timeout=60)


@pytest.mark.parametrize("option", [["--format", "csv", "--out"], ["--svg"], ["--html"]])
def test_a_character_device_is_written_through_not_replaced(tmp_path, option):
    device = _null_device(tmp_path)
    outcome = _run(tmp_path, "run", str(SMALL), *option, "null")
    assert outcome.code == 0, outcome.stderr
    assert stat.S_ISCHR(device.lstat().st_mode), "the device node was replaced"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temporary file beside


def test_junit_and_baseline_into_a_device(tmp_path):
    device = _null_device(tmp_path)
    outcome = _run(tmp_path, "check", str(SMALL), "--junit", "null")
    assert outcome.code == 0, outcome.stderr
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_a_named_pipe_receives_the_whole_output(tmp_path):
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    outcome = _run(tmp_path, "run", str(SMALL), "--format", "jsonl", "--out", "events.fifo")
    reader.join(30)
    assert outcome.code == 0, outcome.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got and got[0].count(b"\n") > 10 and got[0].startswith(b"{")


def test_dash_means_standard_output(tmp_path):
    outcome = _run(tmp_path, "run", str(SMALL), "--format", "csv", "--out", "-")
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout.startswith("t_ms,") or "," in outcome.stdout.splitlines()[0]
    assert not (tmp_path / "-").exists()


def test_dash_for_parquet_writes_the_bytes_to_stdout(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", "run", str(SMALL), "--format", "parquet", "--out", "-"],
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout[:4] == b"PAR1" and done.stdout[-4:] == b"PAR1"
    assert not (tmp_path / "-").exists()


def test_a_symbolic_link_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.jsonl"
    real.write_text("OLD\n")
    (tmp_path / "link.jsonl").symlink_to("real.jsonl")
    outcome = _run(tmp_path, "run", str(SMALL), "--format", "jsonl", "--out", "link.jsonl")
    assert outcome.code == 0, outcome.stderr
    assert (tmp_path / "link.jsonl").is_symlink()
    assert real.read_text().startswith("{")


def test_a_symbolic_link_loop_is_bad_input(tmp_path):
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    outcome = _run(tmp_path, "run", str(SMALL), "--format", "csv", "--out", "a.csv")
    assert outcome.code == 2 and "symbolic links" in outcome.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["run", "s.yaml", "--format", "jsonl", "--out", "s.yaml"],
        ["run", "s.yaml", "--html", "s.yaml"],
        ["check", "s.yaml", "--junit", "s.yaml"],
        ["run", "s.yaml", "--format", "csv", "--out", "week.csv"],
    ],
)
def test_an_input_of_the_command_is_never_overwritten(tmp_path, args):
    (tmp_path / "s.yaml").write_text(SMALL.read_text())
    if "week.csv" in args:
        (tmp_path / "week.csv").write_bytes((ROOT / "traces" / "commuter-week.csv").read_bytes())
        (tmp_path / "s.yaml").write_text(
            "bgreplay: 1\nstart: 2026-03-02T00:00\nduration: 2d\n"
            "timezone: Europe/Paris\ndevice:\n  trace: week.csv\n"
        )
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    outcome = _run(tmp_path, *args)
    assert outcome.code == 2, outcome.stderr
    assert "input of the command" in outcome.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_temporary_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".events.csv.{dead.pid}-abcd1234.tmp"
    stale.write_text("half")
    alive = tmp_path / f".events.csv.{os.getpid()}-efgh5678.tmp"  # a writer still running
    alive.write_text("busy")
    outcome = _run(tmp_path, "run", str(SMALL), "--format", "csv", "--out", "events.csv")
    assert outcome.code == 0, outcome.stderr
    assert not stale.exists() and alive.exists()


def test_a_closed_pipe_keeps_the_exit_code_and_the_files(tmp_path):
    """``run … --html | head -1`` and ``check | head -1``: exit 0 and every file written."""
    script = (
        f"{sys.executable} -m bgreplay run {FLAGSHIP} --html r.html --svg r.svg | head -1;"
        " echo rc=${PIPESTATUS[0]};"
        f"{sys.executable} -m bgreplay check {FLAGSHIP} --junit j.xml | head -1;"
        " echo rc=${PIPESTATUS[0]}"
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    codes = [line for line in done.stdout.splitlines() if line.startswith("rc=")]
    assert codes == ["rc=0", "rc=0"], (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr, done.stderr
    for name in ("r.html", "r.svg", "j.xml"):
        assert (tmp_path / name).stat().st_size > 1000, name


def test_a_closed_pipe_does_not_hide_failed_expectations(tmp_path):
    (tmp_path / "f.yaml").write_text(
        SMALL.read_text() + "expect:\n  io.cocoabytes.filmtracker"
        '.refresh:\n    launches_per_day: ">= 1000"\n'
    )
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"{sys.executable} -m bgreplay check f.yaml | head -1; echo rc=${{PIPESTATUS[0]}}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.splitlines()[-1] == "rc=1", (done.stdout, done.stderr)


def test_two_baseline_updates_at_once_both_land(tmp_path):
    """Two ``check --update-baseline`` on one file at the same moment: each keeps its entry."""
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_bytes(SMALL.read_bytes())
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bgreplay",
                "check",
                f"{name}.yaml",
                "--baseline",
                "base.json",
                "--update-baseline",
            ],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in ("a", "b", "c")
    ]
    for proc in procs:
        assert proc.wait(120) == 0, proc.stderr.read()
    import json

    stored = json.loads((tmp_path / "base.json").read_text())["scenarios"]
    assert sorted(stored) == ["a.yaml", "b.yaml", "c.yaml"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".lock"))]


def test_the_lock_waits_for_another_process(tmp_path):
    from bgreplay.fsutil import exclusive

    code = (
        "import sys, time\nfrom bgreplay.fsutil import exclusive\n"
        "with exclusive(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(0.6)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "base.json")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert holder.stdout.readline().strip() == "held"
    began = time.monotonic()
    with exclusive(tmp_path / "base.json"):
        waited = time.monotonic() - began
    holder.wait(10)
    assert waited >= 0.3
