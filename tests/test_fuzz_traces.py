"""No trace file can produce a traceback: damaged CSV and Parquet traces, through `validate`,
`trace show` and a scenario that replays them, end in exit 0, 1 or 2 with a message."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from fuzz_strategies import CASE_SECONDS, budget, check_case
from hypothesis import given
from hypothesis import strategies as st

from fuzz.cases import Case, inside, judge, run_in_process

HEADER = "start,end,kind,value,subject\n"
GOOD = [
    "2026-03-02T07:30:00+01:00,2026-03-02T07:40:00+01:00,unlocked,,",
    "2026-03-02T07:31:00+01:00,2026-03-02T07:39:00+01:00,app,,io.x",
    "2026-03-02T08:00:00+01:00,,battery,64,",
]
SCENARIO = (
    "bgreplay: 1\nstart: 2026-03-02T00:00\nduration: 1d\ntimezone: Europe/Paris\n"
    "device: {trace: FILE}\napps:\n  io.x:\n    background_modes: [fetch]\n"
    "    permitted_identifiers: [io.x.refresh]\n"
    "    tasks: {io.x.refresh: {type: refresh}}\n"
)


@budget(60)
@given(st.data())
def test_damaged_traces_end_in_0_1_or_2(data):
    check_case(data, "trace")


def _all_commands(tmp_path: Path, name: str, data: bytes) -> list[tuple[str, int | None, str]]:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "s.yaml").write_text(SCENARIO.replace("FILE", name), encoding="utf-8")
    out = []
    for argv in (
        ["validate", name],
        ["trace", "show", name, "--format", "json"],
        ["run", "s.yaml", "--format", "jsonl"],
    ):
        case = Case("classic", argv)
        with inside(tmp_path):
            outcome = run_in_process(argv, timeout=3 * CASE_SECONDS)
        assert not judge(case, outcome, tmp_path, CASE_SECONDS), (argv, outcome.stderr)
        out.append((argv[0], outcome.code, outcome.stderr))
    return out


CSV_CASES = {
    "missing column": ("start,end,kind,value\n2026-03-02T07:30,,boot,\n", "missing column subject"),
    "header twice": ("start,start,kind,value,subject\n", "more than once"),
    "padded header": ("start ,end ,kind,value,subject\n" + "\n".join(GOOD) + "\n", None),
    "padded header twice": ("start,start ,end,kind,value,subject\n", "more than once"),
    "no header": (GOOD[0] + "\n" + GOOD[2] + "\n", "missing columns"),
    "unsorted": (HEADER + "\n".join(reversed(GOOD)) + "\n", None),
    "overlapping": (
        HEADER + GOOD[0] + "\n" + GOOD[0].replace("07:30:00", "07:35:00") + "\n",
        "overlaps",
    ),
    "NaN battery": (HEADER + GOOD[2].replace(",64,", ",NaN,") + "\n", "battery needs a value"),
    "inf battery": (HEADER + GOOD[2].replace(",64,", ",inf,") + "\n", "not a percentage"),
    "far future": (HEADER + GOOD[0].replace("2026", "9999") + "\n", "out of range"),
    "year 3000 offset": (HEADER + "3000-06-01T00:00:00+01:00,,boot,,\n", "out of range"),
    "Feb 30": (HEADER + "2026-02-30T00:00,,boot,,\n", "no date 2026-02-30"),
    "leap day 2027": (HEADER + "2027-02-29T00:00,,boot,,\n", "no date 2027-02-29"),
    "end before start": (
        HEADER + "2026-03-02T08:00,2026-03-02T07:00,unlocked,,\n",
        "not after start",
    ),
    "epoch number": (HEADER + "1772434800,,boot,,\n", "not a valid time"),
    "ragged": (HEADER + GOOD[0] + ",extra,more\n", "more than the 5 fields"),
    "quote never closed": (HEADER + '"2026-03-02T07:30,,boot,,\n', None),
    "utf-16": ((HEADER + GOOD[2] + "\n").encode("utf-16"), None),
    "latin-1 subject": ((HEADER + GOOD[1]).encode() + b"caf\xe9\n", None),
    "BOM and CRLF": ("\ufeff" + (HEADER + "\n".join(GOOD) + "\n").replace("\n", "\r\n"), None),
    "empty": ("", "the file is empty"),
    "CR line endings": (
        (HEADER + "\n".join(GOOD) + "\n").replace("\n", "\r"),
        "lone carriage return",
    ),
    "data as header": (GOOD[0] + "\n" + GOOD[2] + "\n", "missing columns"),
    "unknown kind": (HEADER + "2026-03-02T07:30,,reboot,,\n", "did you mean 'boot'"),
}


@pytest.mark.parametrize("name", list(CSV_CASES))
def test_classic_csv_damage(tmp_path, name):
    text, message = CSV_CASES[name]
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    results = _all_commands(tmp_path, "trace.csv", data)
    if name == "padded header":  # `trace show` read the raw header again (was a crash)
        assert [code for _, code, _ in results] == [0, 0, 0], results
    if message is not None:
        assert all(
            code == 2 and message in err
            for cmd, code, err in results
            if cmd != "run" or "overlaps" not in message
        ), results


def _parquet(**columns) -> bytes:
    frame = pl.DataFrame(columns)
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


PARQUET_CASES = {
    "start as integers": (
        dict(
            start=[1, 2],
            end=[None, None],
            kind=["boot", "boot"],
            value=[None, None],
            subject=[None, None],
        ),
        "has type Int64",
    ),
    "float NaN value": (
        dict(
            start=["2026-03-02T08:00"],
            end=[None],
            kind=["battery"],
            value=[float("nan")],
            subject=[None],
        ),
        "battery",
    ),
    "list column": (
        dict(start=["2026-03-02T08:00"], end=[None], kind=[["boot"]], value=[None], subject=[None]),
        "holds List",
    ),
    "aware datetimes": (
        dict(
            start=pl.Series(["2026-03-02T08:00:00+01:00"]).str.to_datetime(time_zone="UTC"),
            end=[None],
            kind=["boot"],
            value=[None],
            subject=[None],
        ),
        None,
    ),
    "naive far-future datetimes": (
        dict(
            start=pl.Series(["9999-01-01T00:00:00"]).str.to_datetime(),
            end=[None],
            kind=["boot"],
            value=[None],
            subject=[None],
        ),
        "not a valid time",
    ),
    "no columns": (dict(x=[1]), "missing columns"),
    "binary text columns": (
        dict(
            start=pl.Series([b"2026-03-02T08:00"]),
            end=[None],
            kind=pl.Series([b"boot"]),
            value=[None],
            subject=[None],
        ),
        None,
    ),
}


@pytest.mark.parametrize("name", list(PARQUET_CASES))
def test_classic_parquet_damage(tmp_path, name):
    columns, message = PARQUET_CASES[name]
    results = _all_commands(tmp_path, "trace.parquet", _parquet(**columns))
    if message is not None:
        assert all(code == 2 and message in err for _, code, err in results), results


def test_truncated_and_random_parquet(tmp_path):
    good = _parquet(
        start=["2026-03-02T08:00"] * 50,
        end=[None] * 50,
        kind=["boot"] * 50,
        value=[None] * 50,
        subject=[None] * 50,
    )
    for cut in (0, 4, 100, len(good) - 10):
        results = _all_commands(tmp_path, "trace.parquet", good[:cut])
        assert all(code == 2 for _, code, _ in results), results
    results = _all_commands(tmp_path, "trace.parquet", b"PAR1" + bytes(range(256)) * 4 + b"PAR1")
    assert all(code == 2 and "not a readable Parquet file" in err for _, code, err in results)


def test_a_parquet_file_that_aborts_the_reader(tmp_path):
    """The case a long fuzz run found (seed 5220eda6:5174): a validity run claiming exabytes
    makes polars' Rust reader abort the process (SIGABRT, a Rust backtrace, exit 134) — not a
    panic Python could catch. Decoded in a child process, it is an input error: exit 2."""
    from fuzz.cases import make_case
    from fuzz.draw import RandomDraw

    case = make_case(RandomDraw("5220eda6:5174"), tmp_path, "trace")
    (tmp_path / "trace.parquet").write_bytes(case.files["trace.parquet"])
    for args in (["validate", "trace.parquet"], ["trace", "show", "trace.parquet"]):
        done = subprocess.run(
            [sys.executable, "-m", "bgreplay", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert "not a readable Parquet file (the file is damaged" in done.stderr
        assert "memory allocation" not in done.stderr and "Traceback" not in done.stderr


def test_a_parquet_file_that_made_the_reader_panic(tmp_path):
    """The case the long fuzz run found (seed final10:575): exit 2, no traceback, no panic text
    (checked in a real process, where the Rust message would reach the terminal)."""
    from fuzz.cases import make_case
    from fuzz.draw import RandomDraw

    case = make_case(RandomDraw("final10:575"), tmp_path, "trace")
    (tmp_path / "trace.parquet").write_bytes(case.files["trace.parquet"])
    env = {**os.environ, "RUST_BACKTRACE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bgreplay", "validate", "trace.parquet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "panicked" not in done.stderr
