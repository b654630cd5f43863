"""The event queue hands entries out in (time, phase, insertion) order, whichever way they came
in: loaded from the trace, planned for later, or planned for the very instant being replayed."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bgreplay.engine import queue as pure_queue
from bgreplay.engine import select

compiled = select.compiled()
QUEUES = [pure_queue]
if compiled is not None:
    QUEUES.append(importlib.import_module(compiled.__name__.rsplit(".", 1)[0] + ".queue"))

# what each popped entry plans: (delay from its time, phase, whether it is later cancelled)
plans = st.lists(st.tuples(st.sampled_from([0, 0, 0, 1, 5]), st.integers(0, 4), st.booleans()))


@pytest.mark.parametrize("module", QUEUES, ids=lambda m: m.__name__.split(".")[1])
@settings(max_examples=100, deadline=None)
@given(
    trace=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 4)), max_size=30),
    planned=st.lists(plans, min_size=40, max_size=40),
    stop=st.integers(5, 40),
)
def test_entries_come_out_in_time_phase_insertion_order(module, trace, planned, stop):
    queue = module.EventQueue()
    for n, (t, phase) in enumerate(trace):
        queue.load(t, phase, 0, n)
    queue.loaded()
    waiting = {(t, phase, n) for n, (t, phase) in enumerate(trace)}  # insertion: load order
    serial = len(trace)
    pops = 0
    entry = queue.pop_before(stop)
    while entry is not None:
        live = [key for key in waiting if key[0] < stop]
        assert live, "an entry came out that was never queued or was cancelled"
        expected = min(live)
        assert (entry.t, entry.payload) == (expected[0], expected[2])
        waiting.discard(expected)
        pops += 1
        for delay, phase, cancel in planned[pops % len(planned)] if pops < 60 else ():
            new = queue.push(entry.t + delay, phase, 0, serial)
            if cancel:
                new.cancel()
            else:
                waiting.add((entry.t + delay, phase, serial))
            serial += 1
        entry = queue.pop_before(stop)
    assert not [key for key in waiting if key[0] < stop], "a live entry never came out"
