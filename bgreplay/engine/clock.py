"""Local wall time for the replay: the device's clock, as integer ms (UTC offset included)."""

from __future__ import annotations

from bgreplay.trace.model import DAY_MS, Clock


class LocalClock:
    """Replay ms → local ms, and back for a local wall time (DST-aware)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.changes = len(clock.offsets) > 1  # the UTC offset changes during the replay
        self._shift = clock.start_utc_ms + clock.offsets[0][1]

    def local_ms(self, t: int) -> int:
        if self.changes:
            return self.clock.local_ms(t)
        return t + self._shift

    def at_local(self, t: int, target: int) -> int:
        """The replay time of local wall time ``target`` (after ``t``'s local time)."""
        if not self.changes:
            return target - self._shift  # one UTC offset: the inverse of ``local_ms``
        candidate = t + (target - self.local_ms(t))
        # correct once if a UTC-offset change lies in between (DST)
        clock = self.clock
        corrected = candidate - (clock.offset_at(candidate) - clock.offset_at(t))
        if corrected > t and self.local_ms(corrected) == target:
            return corrected
        return candidate  # the time falls in a spring-forward gap: later by the gap (§5.3)

    def next_clock_time(self, t: int, ms_of_day: int) -> int:
        """The next occurrence of a local clock time after ``t``."""
        local = self.local_ms(t)
        target = local - local % DAY_MS + ms_of_day
        if target <= local:
            target += DAY_MS
        return self.at_local(t, target)
