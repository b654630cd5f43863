"""Inputs that are small on disk but endless, huge once decoded, or of the wrong kind: each is
refused at once with exit 2 (never a hang, a memory blow-up, an abort or exit 3).

Memory is checked in a child process under an address-space limit (``RLIMIT_AS``), the way a
container caps it; the limits' own messages are in ``docs/limits.md`` (tests/test_limits.py).
"""

from __future__ import annotations

import gzip
import os
import resource
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from fixtures_sqlite import KnowledgeC, at
from fuzz_strategies import ROOT

from fuzz.cases import inside, run_in_process
from fuzz.outside import sqlite_gzip_bomb

SMALL = ROOT / "scenarios" / "pitfalls" / "force-quit-user.yaml"
CAP = 2 << 30  # "under 2 GB": the address space the child may use


def _capped(cap: int = CAP):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return limit


def bgreplay(folder, *args, timeout: float = 60, cap: int | None = CAP):
    """``python -m bgreplay ARGS`` in ``folder`` under a memory cap: (code, stderr, seconds)."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", *args],
        cwd=folder,
        timeout=timeout,
        capture_output=True,
        text=True,
        preexec_fn=_capped(cap) if cap else None,
    )
    return done.returncode, done.stderr, time.monotonic() - began


# --- special files ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "run", "lint"])
def test_an_endless_device_is_refused_at_once(tmp_path, command):
    code, err, seconds = bgreplay(tmp_path, command, "/dev/zero", timeout=30)
    assert code == 2, err
    assert "not a regular file" in err and seconds < 10


def test_a_named_pipe_as_a_scenario_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "s.yaml")
    code, err, _ = bgreplay(tmp_path, "validate", "s.yaml", timeout=30)
    assert code == 2 and "not a regular file" in err


def test_a_named_pipe_or_a_device_as_a_trace(tmp_path):
    os.mkfifo(tmp_path / "t.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    with inside(tmp_path):
        for name in ("t.csv", "zero.csv"):
            outcome = run_in_process(["validate", name], timeout=20)
            assert outcome.code == 2 and "not a regular file" in outcome.stderr, outcome.stderr


def test_a_symlink_loop_says_so(tmp_path):
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    with inside(tmp_path):
        outcome = run_in_process(["validate", "a.yaml"])
    assert outcome.code == 2 and "loop" in outcome.stderr


# --- decode bombs -----------------------------------------------------------------------------


def test_a_parquet_file_of_kilobytes_that_decodes_to_gigabytes(tmp_path):
    """1,000,000 rows of one 8,000-character cell: 8 GB of text in 14 KB (made by
    ``fuzz.outside.text_bomb``; kept as a file since making it takes 2 GB and seconds)."""
    data = (ROOT / "tests" / "data" / "decodes-to-8gb.parquet").read_bytes()
    assert len(data) < 100_000
    (tmp_path / "bomb.parquet").write_bytes(data)
    code, err, seconds = bgreplay(tmp_path, "validate", "bomb.parquet")
    assert code == 2, err
    assert "decode to 8," in err and "at most 256 MB" in err and seconds < 15


def test_a_long_cell_is_refused_with_its_place_and_shown_short(tmp_path):
    evil = "\x1b[2J" + "A" * 500
    (tmp_path / "t.csv").write_text(
        f"start,end,kind,value,subject\n2026-03-02T08:00,2026-03-02T09:00,app,,{evil}\n"
    )
    with inside(tmp_path):
        outcome = run_in_process(["validate", "t.csv"])
    assert outcome.code == 2
    assert "t.csv:2:" in outcome.stderr and "cells are limited to 256" in outcome.stderr
    assert "\x1b" not in outcome.stderr and "A" * 100 not in outcome.stderr


def test_cells_in_errors_are_escaped_and_cut(tmp_path):
    secret = "AWS_SECRET=" + "s" * 100
    (tmp_path / "t.csv").write_text(f"start,end,kind,value,subject\n{secret},,battery,5,\n")
    with inside(tmp_path):
        outcome = run_in_process(["validate", "t.csv"])
    assert outcome.code == 2 and "AWS_SECRET=sss" in outcome.stderr
    assert "s" * 60 not in outcome.stderr


def test_a_wide_header_and_millions_of_empty_lines(tmp_path):
    (tmp_path / "wide.csv").write_text(",".join(f"c{i}" for i in range(200_000)) + "\n")
    with open(tmp_path / "empty.csv", "w") as fh:
        fh.write("start,end,kind,value,subject\n" + ",,,,\n" * 3_000_000)
    for name, said in (("wide.csv", "not a header"), ("empty.csv", "more than 1,000,000 rows")):
        code, err, seconds = bgreplay(tmp_path, "validate", name, cap=1 << 30)
        assert code == 2 and said in err, err
        assert seconds < 10


def test_a_gzip_bomb_is_not_unpacked_past_the_size_its_header_declares(tmp_path):
    sqlite_gzip_bomb(tmp_path / "k.db.gz", 1, 300 << 20)
    code, err, seconds = bgreplay(
        tmp_path, "trace", "import", "knowledgec", "k.db.gz", "-o", "o.csv"
    )
    assert code == 2, err
    assert seconds < 10 and not (tmp_path / "o.csv").exists()


def test_a_gzip_that_unpacks_past_the_limit_is_refused(tmp_path, monkeypatch):
    from bgreplay.scenario import limits

    monkeypatch.setattr(limits, "MAX_DATABASE_BYTES", 8 << 20)
    sqlite_gzip_bomb(tmp_path / "k.db.gz", 0, 20 << 20, valid=False)
    sqlite_gzip_bomb(tmp_path / "big.db.gz", 100_000, 0)
    (tmp_path / "text.gz").write_bytes(gzip.compress(b"not a database" * 100))
    with inside(tmp_path):
        for name, said in (
            ("k.db.gz", "more than"),
            ("big.db.gz", "its header says"),
            ("text.gz", "does not hold a SQLite database"),
        ):
            outcome = run_in_process(["trace", "import", "knowledgec", name, "-o", "o.csv"])
            assert outcome.code == 2 and said in outcome.stderr, outcome.stderr


# --- a read-only import leaves nothing beside the evidence ------------------------------------


def _knowledgec(path, string: object = "io.cocoabytes.filmtracker"):
    db = KnowledgeC(path)
    db.add("/app/inFocus", at(2, 8), at(2, 8, 10), string="io.cocoabytes.filmtracker")
    db.add("/app/inFocus", at(2, 9), at(2, 9, 5), string="com.apple.news")
    db.add("/device/isLocked", at(2, 8), at(2, 9, 30), integer=0)
    db.close()
    if string != "io.cocoabytes.filmtracker":
        conn = sqlite3.connect(path)
        conn.execute(
            "UPDATE ZOBJECT SET ZVALUESTRING = ? WHERE ZVALUESTRING = 'com.apple.news'", (string,)
        )
        conn.commit()
        conn.close()


def test_the_import_creates_no_file_beside_the_database(tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    _knowledgec(folder / "knowledgeC.db")
    with inside(tmp_path):
        outcome = run_in_process(
            ["trace", "import", "knowledgec", "evidence/knowledgeC.db", "-o", "o.csv"]
        )
    assert outcome.code == 0, outcome.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["knowledgeC.db"]


def test_a_database_with_its_write_ahead_log_is_read_whole_from_a_copy(tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    _knowledgec(folder / "knowledgeC.db")
    writer = sqlite3.connect(folder / "knowledgeC.db")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute(
        "UPDATE ZOBJECT SET ZVALUESTRING = 'io.walonly' WHERE ZVALUESTRING = 'com.apple.news'"
    )
    writer.commit()
    import shutil

    shutil.copyfile(folder / "knowledgeC.db", tmp_path / "copy.db")
    shutil.copyfile(folder / "knowledgeC.db-wal", tmp_path / "copy.db-wal")
    writer.close()  # (closing checkpoints the original; the copies keep their log)
    with inside(tmp_path):
        outcome = run_in_process(["trace", "import", "knowledgec", "copy.db", "-o", "o.csv"])
    assert outcome.code == 0, outcome.stderr
    assert "io.walonly" in (tmp_path / "o.csv").read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == [
        "copy.db",
        "copy.db-wal",
    ]


def test_stored_values_of_any_type_are_read_as_text():
    """SQLite is dynamically typed: a column without text affinity keeps a number as a number."""
    from bgreplay.trace.importers.knowledgec import _text

    assert [_text(v) for v in (12345, 1.5, b"io.blob", b"\xff\xfe", None, "io.x")] == [
        "12345",
        "1.5",
        "io.blob",
        None,
        None,
        "io.x",
    ]


@pytest.mark.parametrize("stored", [b"io.blob.app", b"\xff\xfe"])
def test_a_blob_where_knowledgec_stores_text(tmp_path, stored):
    _knowledgec(tmp_path / "k.db", stored)
    with inside(tmp_path):
        outcome = run_in_process(["trace", "import", "knowledgec", "k.db", "-o", "o.csv"])
    assert outcome.code == 0, outcome.stderr
    text = (tmp_path / "o.csv").read_text()
    assert "io.cocoabytes.filmtracker" in text
    if stored == b"io.blob.app":
        assert "io.blob.app" in text


# --- Ctrl-C while reading -------------------------------------------------------------------


def test_ctrl_c_while_a_pipe_is_open_as_an_output_is_honoured(tmp_path):
    """Writing into a named pipe nobody reads blocks, as in a shell; Ctrl-C ends it at once."""
    os.mkfifo(tmp_path / "out.csv")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bgreplay",
            "run",
            str(SMALL),
            "--format",
            "csv",
            "--out",
            "out.csv",
        ],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    timer = threading.Timer(2.0, lambda: proc.send_signal(2))
    timer.start()
    try:
        code = proc.wait(30)
    finally:
        timer.cancel()
    assert code == 130, proc.stderr.read()


# --- wrong types and numbers out of range in profiles and options ------------------------------


@pytest.mark.parametrize(
    "profile,said",
    [
        ("base: ios-26\nparams: [1, 2]\n", "p.yaml:2:9: error (params): params is a mapping"),
        (
            "params:\n  refresh_start_delay: .inf\n",
            "p.yaml:2:24: error (params/refresh_start_delay)",
        ),
        ("params:\n  min_run_score: .nan\n", "must be a finite number"),
        ("params:\n  min_run_score: 0.5\n  min_run_score: 0.6\n", "duplicate key"),
        ("params:\n  window: 999999999999d\n", "longer than ten years"),
        ("base: ios-99\n", "unknown base profile"),
    ],
)
def test_a_profile_file_is_read_like_a_scenario(tmp_path, profile, said):
    (tmp_path / "p.yaml").write_text(profile)
    with inside(tmp_path):
        outcome = run_in_process(["run", "-q", str(SMALL), "--profile", "p.yaml"])
    assert outcome.code == 2, outcome.stderr
    assert said in outcome.stderr


@pytest.mark.parametrize(
    "argv,said",
    [
        (
            ["run", "-q", str(SMALL), "--set", "scheduler/params/min_run_score=.nan"],
            "must be a finite number",
        ),
        (
            [
                "explain",
                str(SMALL),
                "--set",
                "scheduler/params/refresh_start_delay=99999999999999d",
                "--task",
                "io.cocoabytes.filmtracker.refresh",
                "--at",
                "2026-03-02T12:00",
            ],
            "longer than ten years",
        ),
    ],
)
def test_set_values_go_through_the_same_readers(tmp_path, argv, said):
    with inside(tmp_path):
        outcome = run_in_process(argv)
    assert outcome.code == 2 and said in outcome.stderr, outcome.stderr


def test_persona_weights_near_the_float_maximum():
    from bgreplay.fleet.population import parse_mix

    assert parse_mix("office_worker=1e308,light_user=1e308") == (
        ("office_worker", 0.5),
        ("light_user", 0.5),
    )
    assert dict(parse_mix("office_worker=1e308,light_user=1e-308"))["office_worker"] == 1.0
