"""Ctrl-C (SIGINT), SIGTERM and SIGHUP (a closed terminal or ssh session) end bgreplay with one
line and exit 130, 143 or 129, never a traceback.

While a command runs, the first signal raises (``Interrupted``, or ``Terminated`` for SIGTERM),
so that every cleanup — temporary files, worker processes — runs before the error boundary
reports it; further signals are ignored so that they cannot cut the cleanup short. Before a
command (the start-up imports) and after it there is nothing to clean up: a signal ends the
process at once. Only the standard library is imported here, so that the entry point can
install this before the heavy imports.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from bgreplay.exitcodes import Outcome

TYPE_CHECKING = False  # what mypy reads; at run time `typing` stays out of the start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType
    from typing import Any

    # what ``signal.signal`` takes and returns (typeshed's private ``_HANDLER``)
    Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C. Not a plain ``KeyboardInterrupt``: once one has passed through ``exec()``
    (dataclasses use it), CPython ends ``python -m`` by SIGINT, whatever the exit code."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP), raised as a kind of Ctrl-C so that the same cleanup runs."""


STOPS: dict[int, tuple[type[KeyboardInterrupt], str]] = {  # signal -> (exception, message)
    signal.SIGINT: (Interrupted, "bgreplay: interrupted"),
    signal.SIGTERM: (Terminated, "bgreplay: terminated"),
}
if hasattr(signal, "SIGHUP"):  # not on Windows
    STOPS[signal.SIGHUP] = (Terminated, "bgreplay: hangup")


def _stop_now(signum: int, _frame: FrameType | None) -> None:
    os.write(2, f"{STOPS[signum][1]}\n".encode())
    os._exit(Outcome(stopped_by=signum).exit_code)


def stop_at_once() -> None:
    """Outside a command a signal ends the process immediately (nothing to clean up)."""
    for signum in STOPS:
        signal.signal(signum, _stop_now)


class Interruption:
    """The signal handlers for a command's duration; remembers which signal stopped it."""

    def __init__(self) -> None:
        self.received: int = signal.SIGINT  # a KeyboardInterrupt without a signal: Ctrl-C
        self._previous: dict[int, Handler] = {}

    def __enter__(self) -> Interruption:
        with contextlib.suppress(ValueError):  # not the main thread: its signals are not ours
            self._previous = {signum: signal.signal(signum, self._raise) for signum in STOPS}
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _raise(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signum
        for other in STOPS:
            signal.signal(other, signal.SIG_IGN)
        raise STOPS[signum][0]()

    def report(self) -> Outcome:
        """Say which signal stopped the command, in one line."""
        sys.stderr.write(STOPS[self.received][1] + "\n")
        sys.stderr.flush()
        return Outcome(stopped_by=self.received)
