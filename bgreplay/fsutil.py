"""Files in and out: atomic writes that never destroy what they write to, bounded reads of
regular files only (SPEC §3).

Every file bgreplay writes (exports, baselines, reports, traces) goes through here. A regular
file is written to a temporary file in the destination's folder, flushed and fsynced, then moved
over the destination with ``os.replace`` (atomic on POSIX and Windows within one file system). On
any error — including Ctrl-C — the temporary file is removed and the old file, if any, is
untouched. What is not a regular file is never replaced: ``-`` means standard output, and a
character device (``/dev/stdout``, ``/dev/null``) or a named pipe is written through once the
output is complete. A symbolic link is followed: its target is replaced, the link stays. A file
the running command reads (its scenario, trace, profile or database) is never overwritten.

A temporary file carries the writing process's id (``.NAME.PID-XXXX.tmp``): one left behind by
a process killed outright (``kill -9``) is removed by the next write to the same file.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bgreplay.errors import InputError, Location, Problem

STDOUT = "-"
_inputs: contextvars.ContextVar[set[tuple[int, int]] | None] = contextvars.ContextVar(
    "bgreplay_inputs", default=None
)


# -- what a command reads ----------------------------------------------------------------------


@contextlib.contextmanager
def inputs_guarded() -> Iterator[None]:
    """For one command: the files it reads (``note_input``) cannot be written over."""
    token = _inputs.set(set())
    try:
        yield
    finally:
        _inputs.reset(token)


def note_input(path: str | os.PathLike[str]) -> None:
    """``path`` is an input of the running command (a no-op outside ``inputs_guarded``)."""
    seen = _inputs.get()
    if seen is None:
        return
    with contextlib.suppress(OSError):
        st = os.stat(path)
        seen.add((st.st_dev, st.st_ino))


def _is_input(st: os.stat_result) -> bool:
    return (st.st_dev, st.st_ino) in (_inputs.get() or ())


def not_a_file(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as an input file (None for a regular file, followed
    through symbolic links)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "the symbolic link points to a file that does not exist"
        return "file not found"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "the symbolic links loop (a link that points back to itself)"
        if exc.errno == errno.EACCES:
            return "permission denied reading the file"
        return f"cannot read the file ({exc.strerror})"
    if stat.S_ISDIR(st.st_mode):
        return "this is a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "this is not a regular file (a device, a named pipe or a socket)"
    return None


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the regular file ``path`` (the caller knows the file is
    too long when it gets more than ``limit``). Never blocks on a named pipe and never reads a
    device: either raises ``IsADirectoryError`` / ``NotRegularFile``, or ``OSError``."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, "Not a regular file", str(path))
        note_input(path)
        return fh.read(limit + 1)


class NotRegularFile(OSError):
    """A device, a named pipe or a socket where a file was expected."""


# -- writing -----------------------------------------------------------------------------------


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: keep its files
    return True


def _pid_of(name: str, prefix: str, suffix: str) -> int | None:
    """The process id written into a temporary name ``PREFIX<pid>-XXXX<SUFFIX>``."""
    found = re.fullmatch(re.escape(prefix) + r"(\d+)-[^/]+" + re.escape(suffix), name)
    return int(found.group(1)) if found else None


def sweep_orphans(folder: Path, prefix: str, suffix: str = "") -> None:
    """Remove ``PREFIX<pid>-...`` files and folders in ``folder`` whose process has died
    (left by a ``kill -9``, an out-of-memory kill or a power cut)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        pid = _pid_of(name, prefix, suffix)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        orphan = folder / name
        if orphan.is_dir() and not orphan.is_symlink():
            shutil.rmtree(orphan, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                orphan.unlink()


def _temp_in(folder: Path, name: str) -> Path:
    prefix = f".{name}."
    sweep_orphans(folder, prefix, ".tmp")
    fd, tmp = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}-", suffix=".tmp", dir=folder)
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


def _refuse_input(path: str | os.PathLike[str]) -> None:
    raise InputError(
        Problem(
            Location(str(path)),
            "this file is an input of the command; writing the output there would destroy it",
            "choose another output file",
        )
    )


def _destination(path: str | os.PathLike[str]) -> tuple[Path | None, bool]:
    """``(dest, through)``: the file to write (None: standard output) and whether it is
    written through (a device or a pipe) rather than replaced. A symbolic link is resolved
    to its target, so the link survives and the target is replaced."""
    if str(path) == STDOUT:
        return None, True
    dest = Path(path)
    if dest.is_symlink():
        dest = Path(os.path.realpath(dest))
        if dest.is_symlink():  # realpath stops at a loop
            raise OSError(errno.ELOOP, "Too many levels of symbolic links", str(path))
    try:
        st = dest.stat()
    except FileNotFoundError:
        return dest, False
    if _is_input(st):
        _refuse_input(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    return dest, not stat.S_ISREG(st.st_mode)


def _write_through(tmp: Path, dest: Path | None) -> None:
    """Copy the finished output to standard output or into a device or pipe."""
    if dest is None:
        out = sys.stdout
        out.flush()
        buffer = getattr(out, "buffer", None)
        with open(tmp, "rb") as src:
            if buffer is None:  # a text-only stream (captured output)
                out.write(src.read().decode("utf-8", "replace"))
            else:
                shutil.copyfileobj(src, buffer)
                buffer.flush()
        return
    with open(tmp, "rb") as src, os.fdopen(_open_for_writing(dest), "wb") as sink:
        shutil.copyfileobj(src, sink)


def _open_for_writing(dest: Path) -> int:
    """A descriptor to write into ``dest``. A named pipe is opened only once a reader is there
    (as a shell's ``>`` does), waiting in short sleeps so that Ctrl-C stops the wait at once: a
    blocking open could be woken by no signal at all, when another thread takes it."""
    if not stat.S_ISFIFO(dest.stat().st_mode) or not hasattr(os, "O_NONBLOCK"):
        return os.open(dest, os.O_WRONLY | os.O_TRUNC)
    import time

    while True:
        try:
            fd = os.open(dest, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            time.sleep(0.05)
            continue
        os.set_blocking(fd, True)
        return fd


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path; on success its content becomes ``path`` (atomically for a
    regular file, written through for ``-``, a device or a pipe).

    For writers that want a file name rather than a file object (``DataFrame.write_parquet``).
    """
    dest, through = _destination(path)
    if through:
        with tempfile.TemporaryDirectory(prefix="bgreplay-") as folder:
            tmp = Path(folder) / (dest.name if dest is not None else "stdout")
            yield tmp
            _write_through(tmp, dest)
        return
    assert dest is not None
    tmp = _temp_in(dest.parent if str(dest.parent) else Path("."), dest.name)
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
    """Open a temporary file for writing; it becomes ``path`` only on success.

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


# -- one writer at a time ----------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock for a read-modify-write of ``path`` by several processes at once
    (two CI jobs updating one baseline). The lock is taken on the file's folder, so no lock
    file is left beside it; ``fcntl.flock`` (Linux, macOS). Where locks are not available
    (Windows, some network file systems) the update proceeds unlocked."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):  # no lock support here: unlocked
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# -- a work folder that outlives no one ----------------------------------------------------------

_JANITOR = """
import shutil, signal, sys
for name in ("SIGINT", "SIGTERM", "SIGHUP"):
    if hasattr(signal, name):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
sys.stdin.buffer.read()
shutil.rmtree(sys.argv[1], ignore_errors=True)
"""


@contextlib.contextmanager
def work_folder(parent: str | os.PathLike[str] | None, prefix: str) -> Iterator[Path]:
    """A private folder ``PREFIX<pid>-XXXX`` in ``parent`` (the system's temporary folder when
    None), removed at the end — even when this process is killed outright (``kill -9``, the
    out-of-memory killer): a small watcher process removes it once this one's end of a pipe
    closes. Folders of earlier runs whose process died are removed first."""
    folder = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    sweep_orphans(folder, prefix)
    work = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=folder))
    import subprocess

    janitor = None
    with contextlib.suppress(OSError):
        janitor = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _JANITOR, str(work)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if janitor is not None:
            assert janitor.stdin is not None  # opened with stdin=PIPE
            with contextlib.suppress(OSError):
                janitor.stdin.close()
            with contextlib.suppress(Exception):
                janitor.wait(5)
