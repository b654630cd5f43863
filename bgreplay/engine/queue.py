"""The event queue: one heap keyed ``(time, phase, insertion)`` — deterministic FIFO tie-breaks.

Same-instant events run in a documented phase order: interval ends, then interval starts and
points (the device state), then submits, then evaluations, then run ends.

``push`` returns the queued ``Entry``; ``entry.cancel()`` is the one way to withdraw it (a run
whose end moved, a request no longer pending, a battery step planned anew): a cancelled entry is
dropped when its time comes, so no handler has to ask whether its entry is still wanted.

The trace's changes, known from the start, are ``load``-ed instead: sorted once and read in turn
beside the heap, in the same ``(time, phase, insertion)`` order as if each had been pushed, so
the heap holds only what the replay plans (tens of entries, not a trace's thousands). What is
planned for the very instant being replayed (a re-score after a device change, a submit) waits
in a short sorted list beside them instead of going through the heap.
"""

from __future__ import annotations

import heapq
from typing import Any, Final

_NEVER: Final = 1 << 62  # later than any replay's end

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

    __slots__ = ("t", "kind", "payload", "cancelled", "phase", "seq")

    def __init__(self, t: int, phase: int, seq: int, kind: int, payload: object) -> None:
        self.t = t
        self.phase = phase  # its place among the happenings of its instant (END ... RUN_END)
        self.seq = seq  # its insertion number
        self.kind = kind
        # Any, not object: ``kind`` says its type, and the replay hands it on as that type
        # without a ``cast`` (a call, in the pure-Python engine)
        self.payload: Any = payload
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


# (time, phase, insertion, entry): the queue's order. Typed as a plain tuple: the compiled
# engine would otherwise take each apart into native values and box them again to compare.
Item = tuple[Any, ...]
# Held as final names: the compiled engine looks a name imported by ``from`` up in the module's
# globals at every call, and a final one not.
heappop: Final = heapq.heappop
heappush: Final = heapq.heappush


class EventQueue:
    def __init__(self) -> None:
        self._heap: list[Item] = []
        self._seq = 0
        # the trace's entries, in order, then one that never comes (so there always is a next)
        self._loaded: list[Entry] = [Entry(_NEVER, RUN_END, 0, BATTERY_STEP, None)]
        self._next = 0  # the first of them not yet popped
        self._now = -1  # the time of the last entry popped
        self._instant: list[Entry] = []  # entries pushed for that time, in queue order

    def push(self, t: int, phase: int, kind: int, payload: object = None) -> Entry:
        self._seq += 1
        return self.push_as(self._seq, t, phase, kind, payload)

    def reserve(self) -> int:
        """The insertion number a ``push`` now would take, taken: for an entry queued later
        in the place it would have had (``push_as``)."""
        self._seq += 1
        return self._seq

    def push_as(self, seq: int, t: int, phase: int, kind: int, payload: object = None) -> Entry:
        """Queue an entry with insertion number ``seq`` (from ``reserve``)."""
        entry = Entry(t, phase, seq, kind, payload)
        if t != self._now:
            item: Item = (t, phase, seq, entry)
            heappush(self._heap, item)
            return entry
        instant = self._instant  # in queue order; most often it goes last
        i = len(instant)
        while i > 0 and _before(entry, instant[i - 1]):
            i -= 1
        instant.insert(i, entry)
        return entry

    def load(self, t: int, phase: int, kind: int, payload: object) -> None:
        """Queue an entry known before the replay starts (the trace's changes), as ``push``
        would, but beside the heap; ``loaded`` sorts them once all are in."""
        self._seq += 1
        self._loaded.insert(-1, Entry(t, phase, self._seq, kind, payload))

    def loaded(self) -> None:
        """Every entry known before the replay is in: in queue order from now on."""
        self._loaded.sort(key=_time_and_phase)  # stable: insertion order within a time and phase

    def pop_before(self, stop: int) -> Entry | None:
        """The next live entry due before ``stop``, or None (later ones stay queued)."""
        heap, loaded, instant = self._heap, self._loaded, self._instant
        while True:
            i = self._next
            entry = loaded[i]
            source = 0
            if heap:  # (the times compared first: they most often differ)
                top: Entry = heap[0][3]
                if top.t < entry.t or (top.t == entry.t and _before(top, entry)):
                    entry, source = top, 1
            if instant:
                first = instant[0]
                if first.t < entry.t or (first.t == entry.t and _before(first, entry)):
                    entry, source = first, 2
            if entry.t >= stop:
                return None
            if source == 0:
                self._next = i + 1
            elif source == 1:
                heappop(heap)
            else:
                instant.pop(0)
            self._now = entry.t
            if not entry.cancelled:
                return entry


def _before(a: Entry, b: Entry) -> bool:
    """``a`` comes out of the queue before ``b``: by time, phase, then insertion."""
    if a.t != b.t:
        return a.t < b.t
    if a.phase != b.phase:
        return a.phase < b.phase
    return a.seq < b.seq


def _time_and_phase(entry: Entry) -> int:
    """The queue order of a loaded entry without its insertion number, as one integer (phases
    are below 8): cheaper to compare than a tuple."""
    return entry.t * 8 + entry.phase
