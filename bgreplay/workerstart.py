"""The first act of a local fleet worker process.

Apart from ``bgreplay.fleet`` on purpose: a worker imports this module to run it before any of
its tasks, and it must run before polars is imported (``bgreplay.fleet`` imports polars).
"""

from __future__ import annotations

import os
import signal


def polars_threads() -> str:
    """How many threads each worker's polars runs: one (a pool runs a worker per core), unless
    the user chose a number (``POLARS_MAX_THREADS``)."""
    return os.environ.get("POLARS_MAX_THREADS", "1")


def start_worker(driver: int, polars_thread_count: str) -> None:
    """A worker's first act. It sets the number of threads polars will start when the first
    task imports it (``POLARS_MAX_THREADS``: the pool runs a worker per core, and a polars
    thread per core in each made them contend for the cores, over frames of a few thousand
    rows: a fleet took 3-5 % longer). Where SIGINT cannot be blocked (the executors'
    ``_workers_starting``), it ignores it; and it ends when the driver ends, however that
    happens (``kill -9``, the out-of-memory killer): otherwise it would wait for ever on pipes
    that no one reads, keep the job's output open (``bgreplay fleet … | tee log`` would never
    end) and its fellow processes alive."""
    import threading

    os.environ["POLARS_MAX_THREADS"] = polars_thread_count
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_end_with, args=(driver,), daemon=True, name="bgreplay-driver-watch"
    ).start()


def _end_with(driver: int) -> None:
    """Wait for process ``driver`` to end, then end this process at once. A pidfd (Linux)
    wakes exactly when it ends, zombie or not; elsewhere its id is polled."""
    import select
    import time

    try:
        fd = os.pidfd_open(driver)  # type: ignore[attr-defined]
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        select.select([fd], [], [])
        os._exit(1)
    while True:
        time.sleep(0.5)
        try:
            os.kill(driver, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass
