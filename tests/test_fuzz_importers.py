"""`bgreplay trace import` on damaged SQLite (truncated, flipped bytes, wrong tables, not SQLite
at all, broken .gz): exit 0 or 2 with a message, and a failed import writes no output file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fixtures_sqlite import KnowledgeC, at
from fuzz_strategies import CASE_SECONDS, budget, check_case
from hypothesis import given
from hypothesis import strategies as st

from fuzz.cases import Case, inside, judge, run_in_process


@budget(40)
@given(st.data())
def test_damaged_databases_end_in_0_or_2_and_leave_no_output(data):
    check_case(data, "sqlite")


def _good(tmp_path: Path) -> bytes:
    kc = KnowledgeC(tmp_path / "good.db")
    for minute in range(0, 300, 10):
        kc.add(
            "/device/isLocked", at(2, 8, minute % 60), at(2, 8, minute % 60, 30), integer=minute % 2
        )
    return kc.close().read_bytes()


def _import(tmp_path: Path, name: str, data: bytes) -> tuple[int | None, str]:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "out.csv").write_text("old,good\n")  # an earlier import must survive
    argv = ["trace", "import", "knowledgec", name, "-o", "out.csv"]
    case = Case("classic", argv)
    with inside(tmp_path):
        outcome = run_in_process(argv, timeout=3 * CASE_SECONDS)
    assert not judge(case, outcome, tmp_path, CASE_SECONDS), outcome.stderr
    if outcome.code != 0:
        assert (tmp_path / "out.csv").read_text() == "old,good\n"
    return outcome.code, outcome.stderr


@pytest.mark.parametrize(
    "damage",
    [
        "empty",
        "text",
        "header only",
        "half",
        "schema page",
        "schema not utf-8",
        "gz of garbage",
        "truncated gz",
        "html",
    ],
)
def test_classic_database_damage(tmp_path, damage):
    good = _good(tmp_path)
    name, data = {
        "empty": ("k.db", b""),
        "text": ("k.db", b"this is not a database\n" * 40),
        "header only": ("k.db", good[:100]),
        "half": ("k.db", good[: len(good) // 2]),
        "schema page": ("k.db", good[:100] + bytes(reversed(good[100:4096])) + good[4096:]),
        # SQLite's own error message then quotes bytes that are not UTF-8 (was a crash)
        "schema not utf-8": ("k.db", good.replace(b"ZOBJECT (Z_PK", b"ZOBJECT " + b"\x9b" * 5, 1)),
        "gz of garbage": ("k.db.gz", gzip.compress(b"\x00garbage" * 100)),
        "truncated gz": ("k.db.gz", gzip.compress(good)[:200]),
        "html": ("k.db", b"<html><body>404</body></html>"),
    }[damage]
    code, stderr = _import(tmp_path, name, data)
    assert code == 2 and stderr.strip()
