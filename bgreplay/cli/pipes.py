"""Standard output that a closed pipe cannot fail: ``bgreplay run … | head`` exits 0.

When the reader of a pipe goes away (``head`` has its lines), writing raises
``BrokenPipeError``. Nothing the command does is wrong then: the rest of its output simply has
no reader. So from the first failed write on, standard output is pointed at the null device and
every write is dropped, and the command carries on — it still writes its files (``--html``,
``--junit``, a baseline) and ends with its own exit code. (rich's own answer to a broken pipe,
``SystemExit(1)``, never comes into play: rich writes through this stream too.)
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any


class ClosedPipeSafe:
    """A stand-in for ``sys.stdout`` (or its ``buffer``) that drops writes once the reader has
    gone; every other attribute is the wrapped stream's."""

    def __init__(self, stream: Any, shared: dict | None = None):
        self._stream = stream
        self._state = shared if shared is not None else {"closed": False}
        self._buffer: ClosedPipeSafe | None = None

    @property
    def closed_pipe(self) -> bool:
        return self._state["closed"]

    def _reader_gone(self) -> None:
        self._state["closed"] = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())  # what is still buffered goes nowhere
            os.close(devnull)

    def write(self, data: Any) -> int:
        if not self._state["closed"]:
            try:
                return self._stream.write(data)
            except BrokenPipeError:
                self._reader_gone()
        return len(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self._state["closed"]:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    @property
    def buffer(self) -> ClosedPipeSafe:
        if self._buffer is None:
            self._buffer = ClosedPipeSafe(self._stream.buffer, self._state)
        return self._buffer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def closed_pipe_safe_stdout() -> Iterator[ClosedPipeSafe]:
    """``sys.stdout`` wrapped for the duration of a command."""
    before = sys.stdout
    safe = ClosedPipeSafe(before)
    sys.stdout = safe  # type: ignore[assignment]
    try:
        yield safe
    finally:
        sys.stdout = before
