"""Where a fleet's tasks run: in this process, in local processes, or on Dask (SPEC §9).

Each executor offers the same small surface — ``submit``, ``wait`` (until at least one task is
done), ``result``, ``recover`` after a crashed worker, ``close`` — so the driver's loop (chunks,
retries, streaming to Parquet) is written once. Results never depend on the executor: a task's
output depends only on its devices, and the driver writes them in device order.

The registry ``EXECUTORS`` feeds ``--executor`` and its help.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from bgreplay.errors import InputError, Location, Problem
from bgreplay.workerstart import polars_threads, start_worker

DASK_INSTALL = "pip install 'bgreplay[dask]'"


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


JOBS_PER_CORE = 4  # beyond this, workers only fight over the cores (1000 on 2 cores: 25x slower)


def capped_jobs(jobs: int) -> int:
    """``jobs``, at most ``JOBS_PER_CORE`` per core this process may use."""
    return min(jobs, JOBS_PER_CORE * default_jobs())


class Executor(Protocol):
    workers: int  # tasks that can run at once (bounds how many are in flight)

    def submit(self, fn: Callable, *args: Any) -> Any: ...

    def wait(self, handles: Iterable[Any]) -> list[Any]: ...

    def result(self, handle: Any) -> Any: ...

    def is_crash(self, exc: BaseException) -> bool: ...

    def recover(self, handle: Any) -> None: ...

    def close(self) -> None: ...


class _Done:
    """A finished in-process task."""

    def __init__(self, fn: Callable, args: tuple):
        try:
            self.value, self.error = fn(*args), None
        except Exception as exc:  # handed to the driver like a worker's failure
            self.value, self.error = None, exc


class InProcessExecutor:
    """``--jobs 1``: every task runs here, at once (tracebacks and debuggers work)."""

    workers = 1

    def submit(self, fn: Callable, *args: Any) -> _Done:
        return _Done(fn, args)

    def wait(self, handles: Iterable[_Done]) -> list[_Done]:
        return list(handles)

    def result(self, handle: _Done) -> Any:
        if handle.error is not None:
            raise handle.error
        return handle.value

    def is_crash(self, exc: BaseException) -> bool:  # noqa: ARG002 - unread here; its callers pass it
        return False

    def recover(self, handle: Any) -> None:
        pass

    def close(self) -> None:
        pass


@contextlib.contextmanager
def _workers_starting() -> Iterator[None]:
    """Around the start of worker processes. They inherit SIGINT blocked, from their first
    instruction: a terminal sends Ctrl-C to its whole process group, and a worker interrupted
    while it imports prints a traceback; the driver stops them instead. The driver's own SIGINT
    or SIGTERM is deferred to the end of the block, so that no start is left half done."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def defer(signum: int, _frame: object) -> None:
        caught.append(signum)

    previous = {signum: signal.signal(signum, defer) for signum in (signal.SIGINT, signal.SIGTERM)}
    mask = None
    try:
        if hasattr(signal, "pthread_sigmask"):
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()  # starting it later would unblock SIGINT here
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        yield
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending Ctrl-C: into caught
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            signal.raise_signal(caught[0])


class LocalExecutor:
    """``--executor local``: a pool of ``jobs`` processes started fresh (``forkserver`` where
    available, else ``spawn``: never ``fork`` of a process that runs polars threads)."""

    def __init__(self, jobs: int):
        self.workers = jobs
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context(
            "forkserver" if "forkserver" in methods else "spawn"
        )
        self._pool: cf.ProcessPoolExecutor | None = None
        self._generation = 0
        self._born: dict[cf.Future, int] = {}

    def _ensure(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                self.workers,
                mp_context=self._context,
                initializer=start_worker,
                initargs=(os.getpid(), polars_threads()),
            )
        return self._pool

    def submit(self, fn: Callable, *args: Any) -> cf.Future:
        from concurrent.futures.process import BrokenProcessPool

        with _workers_starting():  # the pool starts its workers as tasks arrive
            try:
                future = self._ensure().submit(fn, *args)
            except BrokenProcessPool:  # a worker died since the last look: start a new pool
                self._shutdown()
                self._generation += 1
                future = self._ensure().submit(fn, *args)
        self._born[future] = self._generation
        return future

    def wait(self, handles: Iterable[cf.Future]) -> list[cf.Future]:
        return list(cf.wait(list(handles), return_when=cf.FIRST_COMPLETED).done)

    def result(self, handle: cf.Future) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            value = handle.result()
        except BrokenProcessPool:
            raise  # keep its generation for ``recover``
        except BaseException:
            self._born.pop(handle, None)
            raise
        self._born.pop(handle, None)
        return value

    def is_crash(self, exc: BaseException) -> bool:
        from concurrent.futures.process import BrokenProcessPool

        return isinstance(exc, BrokenProcessPool)

    def recover(self, handle: cf.Future) -> None:
        """A worker died and took the pool with it: start a new pool, once per crash (every
        task of the dead pool fails with it; those of an older pool are ignored)."""
        if self._born.pop(handle, -1) == self._generation:
            self._shutdown()
            self._generation += 1

    def _shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
        if terminate is not None:
            with contextlib.suppress(Exception):
                terminate()
        else:
            for proc in list(getattr(pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    proc.terminate()
        # A worker killed while it wrote a result leaves half a message in the result pipe, and
        # the pool's reader waits for the rest for ever: this process holds the pipe's writing
        # end too. Closing it turns that wait into end-of-file (a broken pool, which shuts down).
        writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
        pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop now (Ctrl-C, or a device that failed twice): kill the workers."""
        self._shutdown()


class DaskExecutor:
    """``--executor dask``: an existing cluster (``--scheduler-address``) or a local one of
    ``jobs`` single-threaded worker processes. Dask is imported only here."""

    def __init__(self, jobs: int, address: str | None = None):
        try:
            import distributed
        except ImportError:
            raise InputError(
                Problem(
                    Location("--executor"),
                    "the dask executor needs dask.distributed, which is not installed",
                    f"install it with: {DASK_INSTALL}",
                )
            ) from None
        self._distributed = distributed
        self._cluster = None
        try:
            if address:
                self.client = distributed.Client(address, timeout="15s")
            else:
                with _workers_starting():
                    self._cluster = distributed.LocalCluster(
                        n_workers=jobs,
                        threads_per_worker=1,
                        processes=True,
                        env={"POLARS_MAX_THREADS": polars_threads()},  # as local workers
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                    self.client = distributed.Client(self._cluster)
        except BaseException as exc:  # Ctrl-C too: no cluster is left to Dask's exit hooks
            self.close()
            if not isinstance(exc, OSError | TimeoutError):
                raise
            where = address or "a local cluster"
            raise InputError(
                Problem(
                    Location("--scheduler-address"),
                    f"cannot reach the Dask scheduler at {where}: {exc}",
                    "start one with `dask scheduler` and workers with `dask worker "
                    "tcp://HOST:8786`, then pass --scheduler-address tcp://HOST:8786",
                )
            ) from None
        self.workers = max(1, sum(self.client.nthreads().values()))

    def submit(self, fn: Callable, *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False, retries=0)

    def wait(self, handles: Iterable[Any]) -> list[Any]:
        return list(self._distributed.wait(list(handles), return_when="FIRST_COMPLETED").done)

    def result(self, handle: Any) -> Any:
        return handle.result()

    def is_crash(self, exc: BaseException) -> bool:
        from distributed.scheduler import KilledWorker

        return isinstance(exc, KilledWorker)

    def recover(self, handle: Any) -> None:
        pass  # Dask reschedules the work of a dead worker itself

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()

    def abort(self) -> None:
        self.close()


EXECUTORS: dict[str, str] = {
    "local": "processes on this machine (--jobs, default: every core; --jobs 1 runs here)",
    "dask": "a Dask cluster: --scheduler-address tcp://HOST:PORT, or a local one of --jobs "
    f"workers ({DASK_INSTALL})",
}


def open_executor(name: str, jobs: int, address: str | None = None):
    """The executor ``name`` with ``jobs`` workers; bad combinations are bad input."""
    if name not in EXECUTORS:
        raise InputError(
            Problem(
                Location("--executor"),
                f"unknown executor '{name}'",
                f"use one of {', '.join(EXECUTORS)}",
            )
        )
    if jobs < 1:
        raise InputError(
            Problem(
                Location("--jobs"),
                f"--jobs must be at least 1, not {jobs}",
                "omit it to use every core",
            )
        )
    if address and name != "dask":
        raise InputError(
            Problem(
                Location("--scheduler-address"),
                "--scheduler-address needs --executor dask",
                "add --executor dask",
            )
        )
    if name == "dask":
        return DaskExecutor(jobs, address)
    return InProcessExecutor() if jobs == 1 else LocalExecutor(jobs)
