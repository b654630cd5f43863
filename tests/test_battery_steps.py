"""The simulated battery's next step (SPEC §6.8): the next 5-point mark the level reaches at its
current rate — below it when draining, above it when charging (80 % where the charging rate
changes), never past 0 or 100 — planned for the first whole millisecond past it."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from bgreplay.engine.battery import Battery
from bgreplay.engine.params import Params
from bgreplay.engine.profiles import build_profile
from bgreplay.engine.queue import EventQueue
from bgreplay.engine.world import DeviceState

END = 10**12


def planned_step(level: float, plugged: bool, in_use: bool) -> tuple[int | None, Battery]:
    device = DeviceState(model="iphone", battery=level, plugged=plugged)
    device.set_unlocked(in_use)
    battery = Battery(device, Params(build_profile("ios-26").params), EventQueue(), END)
    battery.schedule(1_000)
    return battery.due, battery


def mark(level: float, charging: bool) -> float:
    if charging:
        above = min(math.floor(level / 5) * 5 + 5, 100)
        return 80 if level < 80 < above + 1e-9 else above
    return max(math.ceil(level / 5) * 5 - 5, 0)


@given(
    level=st.one_of(st.floats(0, 100), st.integers(0, 100).map(float)),
    plugged=st.booleans(),
    in_use=st.booleans(),
)
def test_the_next_step_is_the_next_5_point_mark(level, plugged, in_use):
    due, battery = planned_step(level, plugged, in_use)
    rate = battery.rate_per_ms()
    if rate == 0.0:
        assert due is None
        return
    target = mark(level, charging=rate > 0)
    assert due == 1_000 + math.floor(abs((target - level) / rate)) + 1
