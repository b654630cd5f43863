"""The event queue: one heap keyed ``(time, phase, insertion)`` — deterministic FIFO tie-breaks.

Same-instant events run in a documented phase order: interval ends, then interval starts and
points (the device state), then submits, then evaluations, then run ends.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import count

END, START, SUBMIT, EVALUATE, RUN_END = 0, 1, 2, 3, 4


class EventQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, int, str, object]] = []
        self._ids = count()

    def push(self, t: int, phase: int, kind: str, payload: object = None) -> None:
        heapq.heappush(self._heap, (t, phase, next(self._ids), kind, payload))

    def pop_before(self, stop: int) -> Iterator[tuple[int, int, int, str, object]]:
        """The events due before ``stop``, in order, including those pushed while iterating;
        later ones stay queued."""
        heap, pop = self._heap, heapq.heappop
        while heap and heap[0][0] < stop:
            yield pop(heap)
