"""The event queue: one heap keyed ``(time, phase, insertion)`` — deterministic FIFO tie-breaks.

Same-instant events run in a documented phase order: interval ends, then interval starts and
points (the device state), then submits, then evaluations, then run ends.

``push`` returns the queued ``Entry``; ``entry.cancel()`` is the one way to withdraw it (a run
whose end moved, a request no longer pending, a battery step planned anew): a cancelled entry is
dropped when its time comes, so no handler has to ask whether its entry is still wanted.
"""

from __future__ import annotations

import heapq
from typing import Final

END: Final = 0
START: Final = 1
SUBMIT: Final = 2
EVALUATE: Final = 3
RUN_END: Final = 4

# What an entry asks for (``Entry.kind``); the replay dispatches on it.
BATTERY_STEP: Final = 0
INTERVAL_START: Final = 1
INTERVAL_END: Final = 2
POINT: Final = 3
DO_SUBMIT: Final = 4
REQUEST: Final = 5
TICK: Final = 6
CONTEXT: Final = 7
RUN_EVENT: Final = 8
PREWARM: Final = 9
PREWARM_PLAN: Final = 10


class Entry:
    """One queued happening: when, what (``kind``), about what (``payload``)."""

    __slots__ = ("t", "kind", "payload", "cancelled")

    def __init__(self, t: int, kind: int, payload: object) -> None:
        self.t = t
        self.kind = kind
        self.payload = payload
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class EventQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, int, Entry]] = []
        self._seq = 0

    def push(self, t: int, phase: int, kind: int, payload: object = None) -> Entry:
        entry = Entry(t, kind, payload)
        self._seq += 1
        heapq.heappush(self._heap, (t, phase, self._seq, entry))
        return entry

    def pop_before(self, stop: int) -> Entry | None:
        """The next live entry due before ``stop``, or None (later ones stay queued)."""
        heap = self._heap
        while heap and heap[0][0] < stop:
            entry = heapq.heappop(heap)[3]
            if not entry.cancelled:
                return entry
        return None
