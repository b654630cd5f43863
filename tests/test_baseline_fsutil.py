"""Atomic writes (``bgreplay.fsutil``): the old file survives any failure, no temp file remains."""

from __future__ import annotations

import os
import stat

import pytest

from bgreplay.fsutil import atomic_path, atomic_writer, write_atomic


def test_write_atomic_text_and_bytes(tmp_path):
    path = tmp_path / "out.json"
    write_atomic(path, "héllo\n")
    assert path.read_bytes() == "héllo\n".encode()
    write_atomic(str(path), b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["out.json"]


def test_a_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_writer(path) as fh:
        fh.write("half of the new")
        raise RuntimeError("disk full")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["baseline.json"]


def test_an_interrupt_keeps_the_old_file(tmp_path):
    path = tmp_path / "report.xml"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_path(path) as tmp:
        tmp.write_text("partial")
        raise KeyboardInterrupt
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.xml"]


def test_atomic_path_for_writers_that_want_a_name(tmp_path):
    path = tmp_path / "data.csv"
    with atomic_path(path) as tmp:
        assert tmp.parent == tmp_path and tmp != path
        tmp.write_text("a,b\n")
    assert path.read_text() == "a,b\n"


def test_new_files_get_normal_permissions_and_existing_keep_theirs(tmp_path):
    fresh = tmp_path / "fresh.txt"
    write_atomic(fresh, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask
    kept = tmp_path / "kept.txt"
    kept.write_text("x")
    kept.chmod(0o640)
    write_atomic(kept, "y")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_bad_mode_is_refused(tmp_path):
    with pytest.raises(ValueError), atomic_writer(tmp_path / "x", "a"):
        pass
