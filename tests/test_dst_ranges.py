"""A daily range is wall-clock: "00:00-14:00" ends at 14:00 even on a 23-hour day."""

from __future__ import annotations

from bgreplay import api

SCENARIO = """\
bgreplay: 1
name: spring forward
start: 2026-03-28T00:00
duration: 3d
timezone: Europe/Paris
device:
  timeline:
    daily:
      - {network: wifi, during: "00:00-14:00"}
      - {network: cellular, during: "14:00-24:00"}
      - {unlocked: "09:00", for: 2h}
"""


def test_ranges_meet_at_their_wall_times_across_spring_forward(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    timeline = api.load_timeline(api.load_scenario(path))
    clock = timeline.clock
    network = [i for i in timeline.intervals if i.kind == "network"]
    for a, b in zip(network, network[1:], strict=False):
        assert a.end <= b.start  # no overlap, so the trace loads at all
    wifi = [i for i in network if i.value == "wifi" and i.end < timeline.duration]
    assert len(wifi) == 3 and all(clock.ms_of_day(i.end) == 14 * 3_600_000 for i in wifi)
    sunday = wifi[1]  # 2026-03-29: the clocks go forward at 02:00
    assert sunday.end - sunday.start == 13 * 3_600_000
    unlocked = [i for i in timeline.intervals if i.kind == "unlocked"]
    assert all(i.end - i.start == 2 * 3_600_000 for i in unlocked)  # for: is elapsed time
