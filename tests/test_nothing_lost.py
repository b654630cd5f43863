"""Nothing lost (SPEC §3): every file bgreplay writes goes through a temporary file and a rename,
so a full disk, Ctrl-C or a kill in the middle of a write leaves the previous file byte for byte
and no temporary file; Ctrl-C exits 130 and SIGTERM 143, with one short line, no traceback, no
partial output."""

from __future__ import annotations

import ast
import errno
import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fuzz_strategies import ROOT

from fuzz.cases import inside, run_in_process

PACKAGE = ROOT / "bgreplay"
FLAGSHIP = ROOT / "scenarios" / "pixar-film-tracker.yaml"
OLD = b'{"old": "file, byte for byte"}\n'
WRITERS = (
    "write_parquet",
    "write_csv",
    "write_ndjson",
    "write_json",
    "write_ipc",
    "write_avro",
    "sink_parquet",
    "sink_csv",
    "sink_ipc",
    "sink_ndjson",
)
# Writes that are not outputs, both into private temporary folders: the gunzipped copy of a .gz
# database, and fleet's per-chunk parts (concatenated into --out through atomic_path).
NOT_OUTPUTS = {("trace/importers/__init__.py", "_gunzip_sqlite"), ("fleet/store.py", "write")}


# --- the audit -----------------------------------------------------------------------------------


def _atomic_names(func: ast.AST) -> set[str]:
    """Names bound by ``with atomic_path(...) as NAME`` / ``atomic_writer(...) as NAME``."""
    names = set()
    for node in ast.walk(func):
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and getattr(call.func, "id", getattr(call.func, "attr", ""))
                    in ("atomic_path", "atomic_writer")
                    and isinstance(item.optional_vars, ast.Name)
                ):
                    names.add(item.optional_vars.id)
    return names


def _raw_writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(PACKAGE).as_posix()
    owner: dict[ast.AST, ast.AST] = {}  # each call -> its innermost function (or the module)
    for func in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        for node in ast.walk(func):
            owner[node] = func if node not in owner or func is not tree else owner[node]
    found = []
    for node, func in owner.items():
        if not isinstance(node, ast.Call) or (rel, getattr(func, "name", "")) in NOT_OUTPUTS:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        where = f"{rel}:{node.lineno}"
        if name in ("write_text", "write_bytes"):
            found.append(f"{where}: {name}()")
        elif name == "open":
            mode = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg == "mode"), None)
            )
            text = mode.value if isinstance(mode, ast.Constant) else ""
            if isinstance(text, str) and set(text) & set("wax+"):
                found.append(f"{where}: open(..., {text!r})")
        elif name in WRITERS and (node.args or node.keywords):
            target = node.args[0] if node.args else node.keywords[0].value
            if not (isinstance(target, ast.Name) and target.id in _atomic_names(func)):
                found.append(f"{where}: {name}({ast.unparse(target)})")
    return sorted(found)


def test_every_file_bgreplay_writes_goes_through_fsutil():
    """A static audit: outside ``fsutil.py``, no ``open(..., "w")``, ``write_text``,
    ``write_bytes`` or polars writer with a path — only into an ``atomic_path`` /
    ``atomic_writer`` temporary. A new writer that bypasses it fails here."""
    found = [
        hit
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "fsutil.py"
        for hit in _raw_writes(p)
    ]
    assert not found, "non-atomic writes:\n" + "\n".join(found)


def test_the_audit_catches_a_plain_write(tmp_path):  # noqa: ARG001 - unread here; its callers pass it
    sample = PACKAGE / "_audit_sample.py"
    try:
        sample.write_text(
            "def f(frame, out):\n    frame.write_parquet(out)\n    open(out, 'w').write('x')\n"
        )
        assert len(_raw_writes(sample)) == 2
    finally:
        sample.unlink()


@pytest.fixture(scope="module")
def old_baseline(tmp_path_factory) -> bytes:
    """A real baseline (of another scenario), so that updating it is allowed."""
    folder = tmp_path_factory.mktemp("old-baseline")
    (folder / "h.yaml").write_bytes((ROOT / "scenarios" / "health-study.yaml").read_bytes())
    with inside(folder):
        outcome = run_in_process(["check", "h.yaml", "--baseline", "b.json", "--update-baseline"])
    assert outcome.code == 0, outcome.stderr
    return (folder / "b.json").read_bytes()


# --- a full disk ---------------------------------------------------------------------------------


def _small_files_only() -> None:  # pragma: no cover - runs in the child
    """Files above 4 KB cannot be written (EFBIG): a disk that fills up mid-write."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def _bgreplay(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "bgreplay", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )


FULL_DISK = {  # command -> (argv, output file, exit 2 with a message: the commands we own)
    "check --update-baseline": (
        ["check", "s.yaml", "--baseline", "out.json", "--update-baseline"],
        "out.json",
        True,
    ),
    "trace generate csv": (
        ["trace", "generate", "--persona", "heavy_user", "--days", "30", "-o", "out.csv"],
        "out.csv",
        True,
    ),
    "trace generate parquet": (
        ["trace", "generate", "--persona", "heavy_user", "--days", "30", "-o", "out.parquet"],
        "out.parquet",
        True,
    ),
    "run --out jsonl": (
        ["run", "s.yaml", "--format", "jsonl", "--out", "out.jsonl"],
        "out.jsonl",
        False,
    ),
    "run --out parquet": (
        ["run", "s.yaml", "--format", "parquet", "--out", "out.parquet"],
        "out.parquet",
        False,
    ),
    "run --svg": (["run", "s.yaml", "--svg", "out.svg"], "out.svg", False),
    "run --html": (["run", "s.yaml", "--html", "out.html"], "out.html", False),
    "compare --out": (
        ["compare", "s.yaml", "--format", "json", "--out", "out.json"],
        "out.json",
        False,
    ),
}


@pytest.mark.parametrize("name", list(FULL_DISK))
def test_a_full_disk_keeps_the_previous_file(tmp_path, name, old_baseline):
    argv, output, ours = FULL_DISK[name]
    old = old_baseline if "baseline" in name else OLD
    (tmp_path / "s.yaml").write_bytes(FLAGSHIP.read_bytes())
    (tmp_path / output).write_bytes(old)
    done = _bgreplay(argv, tmp_path, preexec_fn=_small_files_only)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert (tmp_path / output).read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["s.yaml", output])
    if ours:
        assert done.returncode == 2 and "cannot write" in done.stderr, done.stderr


def test_no_space_left_in_process(tmp_path, monkeypatch, old_baseline):
    """``ENOSPC`` when the data is flushed (``fsync``): exit 2 naming the file, old file kept."""
    (tmp_path / "s.yaml").write_bytes(FLAGSHIP.read_bytes())
    (tmp_path / "out.json").write_bytes(old_baseline)

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with inside(tmp_path):
        outcome = run_in_process(["check", "s.yaml", "--baseline", "out.json", "--update-baseline"])
    assert outcome.code == 2, outcome.stderr
    assert "out.json" in outcome.stderr and "No space left on device" in outcome.stderr
    assert (tmp_path / "out.json").read_bytes() == old_baseline
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "s.yaml"]


# --- interrupted mid-write -----------------------------------------------------------------------

STOPPED = {
    signal.SIGINT: (130, "bgreplay: interrupted\n"),  # exit code, stderr
    signal.SIGTERM: (143, "bgreplay: terminated\n"),
}
PAUSE_IN_FSYNC = textwrap.dedent("""
    import os, sys, time
    real_fsync = os.fsync
    def slow_fsync(fd):  # the data is in the temporary file; the rename has not happened yet
        sys.stderr.write("writing\\n")
        sys.stderr.flush()
        time.sleep(60)  # the test signals the process here
        real_fsync(fd)
    os.fsync = slow_fsync
    from bgreplay.cli.app import main
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_killing_check_update_baseline_mid_write_keeps_the_old_baseline(
    tmp_path, sig, old_baseline
):
    (tmp_path / "s.yaml").write_bytes(FLAGSHIP.read_bytes())
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes(old_baseline)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PAUSE_IN_FSYNC,
            "check",
            "s.yaml",
            "--baseline",
            "baseline.json",
            "--update-baseline",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr.readline() == "writing\n", proc.communicate()
    temps = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert temps, "the new baseline should be in a temporary file at this point"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert baseline.read_bytes() == old_baseline
    if sig in STOPPED:
        assert (proc.returncode, stderr) == STOPPED[sig]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "s.yaml"]
    else:  # no Python code runs: only the rename is atomic, the temporary file stays behind
        assert proc.returncode == -sig
        assert "Traceback" not in stderr


# --- Ctrl-C during long commands -----------------------------------------------------------------

AT_WORK_THEN_MAIN = textwrap.dedent("""
    import importlib, sys
    module, _, attr = sys.argv[1].partition(":")
    owner_name, _, method = attr.rpartition(".")
    owner = importlib.import_module(module)
    owner = getattr(owner, owner_name) if owner_name else owner
    original = getattr(owner, method)
    def at_work(*args, **kwargs):  # the command has reached this point: it is at work
        if not getattr(at_work, "said", False):
            at_work.said = True
            sys.stderr.write("working\\n")
            sys.stderr.flush()
        return original(*args, **kwargs)
    setattr(owner, method, at_work)
    from bgreplay.cli.app import main
    sys.exit(main(sys.argv[2:]))
""")
REPLAYING = "bgreplay.engine.select:engine_module"  # picks the engine as a replay starts
LONG = {  # command -> (argv, outputs that must not appear when interrupted, where it is at work)
    "check": (
        ["check", "long.yaml", "--baseline", "b.json", "--update-baseline", "--junit", "j.xml"],
        ("b.json", "j.xml"),
        REPLAYING,
    ),
    "run": (
        ["run", "s.yaml", "--set", "duration=400d", "--format", "parquet", "--out", "e.parquet"],
        ("e.parquet",),
        REPLAYING,
    ),
    "compare": (
        ["compare", "s.yaml", "--set", "duration=120d", "--out", "c.txt"],
        ("c.txt",),
        REPLAYING,
    ),
    "trace generate": (
        ["trace", "generate", "--persona", "heavy_user", "--days", "400", "-o", "t.parquet"],
        ("t.parquet",),
        "bgreplay.trace.persona_trace:generate_trace",
    ),
    "fleet": (
        ["fleet", "s.yaml", "--devices", "60", "--jobs", "2", "--out", "f.parquet"],
        ("f.parquet",),
        "bgreplay.fleet.store:Parts.write",
    ),  # a first chunk is replayed
}
WORKERS_STARTING = "bgreplay.fleet.executors:LocalExecutor.submit"


def _interrupt(
    tmp_path: Path, argv: list[str], at_work: str, sig: int = signal.SIGINT
) -> tuple[int, str, list[str]]:
    """Send ``sig`` as soon as the command reaches ``at_work`` (``module:Class.method``)."""
    text = FLAGSHIP.read_text(encoding="utf-8")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "long.yaml").write_text(
        text.replace("duration: 7d", "duration: 400d"), encoding="utf-8"
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = subprocess.Popen(
        [sys.executable, "-c", AT_WORK_THEN_MAIN, at_work, *argv],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
    )
    assert proc.stderr.readline() == "working\n", proc.communicate()
    os.killpg(proc.pid, sig)  # the whole process group, as a terminal's Ctrl-C (or `timeout`)
    _, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0:  # finished first: then the outputs are complete
        pytest.skip(f"{argv[0]} finished before the signal arrived")
    left = sorted(set(p.name for p in tmp_path.iterdir()) - set(before))
    return proc.returncode, stderr, left


@pytest.mark.parametrize("name", list(LONG))
def test_ctrl_c_during_a_long_command(tmp_path, name):
    """Exit 130, one line, no traceback (nor from worker processes), no output file and no
    temporary file or folder."""
    argv, outputs, at_work = LONG[name]
    code, stderr, left = _interrupt(tmp_path, argv, at_work)
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "bgreplay: interrupted", stderr
    assert left == [], f"left behind: {left}"


def test_ctrl_c_while_fleet_workers_start(tmp_path):
    """The workers (and the fork server) start with SIGINT blocked: no traceback from them
    while they import, and the driver stops them."""
    argv, _, _ = LONG["fleet"]
    code, stderr, left = _interrupt(tmp_path, argv, WORKERS_STARTING)
    assert code == 130 and left == []
    assert "Traceback" not in stderr


@pytest.mark.parametrize("name", ["run", "fleet"])
def test_sigterm_cleans_up_like_ctrl_c(tmp_path, name):
    """SIGTERM (a service manager, `timeout`): the same cleanup as Ctrl-C, exit 143."""
    argv, _, at_work = LONG[name]
    code, stderr, left = _interrupt(tmp_path, argv, at_work, signal.SIGTERM)
    assert code == 143, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "bgreplay: terminated", stderr
    assert left == [], f"left behind: {left}"


# Modules `bgreplay run` imports before its command starts, earliest first; `-X importtime`
# reports each one as it is imported, so the signal lands while the next ones are importing.
START_UP = ("typer", "yaml", "polars.dataframe.frame", "rich.console")


@pytest.mark.parametrize("sig", list(STOPPED), ids=lambda sig: sig.name)
@pytest.mark.parametrize("after", START_UP)
def test_a_signal_during_start_up(tmp_path, after, sig):
    """The entry point handles signals before importing typer, rich or polars. (Python's own
    start-up, before bgreplay's first line, is out of its reach.)"""
    argv, _, _ = LONG["run"]
    (tmp_path / "s.yaml").write_bytes(FLAGSHIP.read_bytes())
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "bgreplay", *argv],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    for line in proc.stderr:
        if line.rpartition("|")[2].strip() == after:
            break
    else:
        pytest.fail(f"{after} was not imported: {proc.wait()}")
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    code, message = STOPPED[sig]
    assert (proc.returncode, stderr.splitlines()[-1:]) == (code, [message.strip()]), stderr
    assert "Traceback" not in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


def test_a_folder_that_does_not_exist_is_bad_input_not_a_bug(tmp_path):
    from conftest import run_cli

    target = tmp_path / "missing" / "events.jsonl"
    code, _, err = run_cli(
        "run",
        "scenarios/pixar-film-tracker.yaml",
        "--days",
        "1",
        "--format",
        "jsonl",
        "--out",
        str(target),
    )
    assert code == 2 and "Traceback" not in err and "fix:" in err
    assert not target.parent.exists()
