"""The event queue: one heap keyed ``(time, phase, insertion)`` — deterministic FIFO tie-breaks.

Same-instant events run in a documented phase order: interval ends, then interval starts and
points (the device state), then submits, then evaluations, then run ends.
"""

from __future__ import annotations

import heapq
from itertools import count

END, START, SUBMIT, EVALUATE, RUN_END = 0, 1, 2, 3, 4


class EventQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, int, str, object]] = []
        self._ids = count()

    def push(self, t: int, phase: int, kind: str, payload: object = None) -> None:
        heapq.heappush(self._heap, (t, phase, next(self._ids), kind, payload))

    def pop_before(self, stop: int) -> tuple[int, int, int, str, object] | None:
        """The next event if it is due before ``stop``, else None (it stays queued)."""
        heap = self._heap
        if heap and heap[0][0] < stop:
            return heapq.heappop(heap)
        return None
