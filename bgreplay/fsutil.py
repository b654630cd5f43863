"""Atomic file writing: a failed or interrupted run never leaves a half-written file (SPEC §3).

Every file bgreplay writes (exports, baselines, reports, traces) goes through here. The data is
written to a temporary file in the destination's folder, flushed and fsynced, then moved over the
destination with ``os.replace`` (atomic on POSIX and Windows within one file system). On any
error — including Ctrl-C — the temporary file is removed and the old file, if any, is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on every platform."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_in(folder: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    # mkstemp creates 0600; give the final file the permissions a plain open() would.
    with contextlib.suppress(OSError):
        os.chmod(tmp, 0o666 & ~_umask())
    return Path(tmp)


def _commit(tmp: Path, dest: Path) -> None:
    if dest.exists():
        with contextlib.suppress(OSError):
            os.chmod(tmp, dest.stat().st_mode & 0o7777)
    os.replace(tmp, dest)
    _fsync_dir(dest.parent)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    For writers that want a file name rather than a file object (``DataFrame.write_parquet``).
    """
    dest = Path(path)
    folder = dest.parent if str(dest.parent) else Path(".")
    tmp = _temp_in(folder, dest.name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        _commit(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def atomic_writer(
    path: str | os.PathLike[str],
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; it replaces ``path`` only on success.

    ``mode`` is ``"w"`` (text, UTF-8 by default) or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_writer mode must be 'w' or 'wb', not {mode!r}")
    with atomic_path(path) as tmp:
        if mode == "wb":
            fh: IO[Any] = open(tmp, "wb")  # noqa: SIM115 - closed below, before the rename
        else:
            fh = open(tmp, "w", encoding=encoding, newline=newline)  # noqa: SIM115
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fh.close()


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_writer(path, "wb") as fh:
        fh.write(payload)
