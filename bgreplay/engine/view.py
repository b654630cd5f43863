"""What the policies may ask about the device and the user (F41-F43, F55, F65, F68, F74; FO2,
FO4, FO11), and the bookkeeping behind those answers: the usage predictor's shares faded by
disuse, the energy budget that follows use, the rate limit, penalties, the recent-apps set.

Policies read the ``World`` through this object and change nothing; ``Runs`` spends energy
through it.
"""

from __future__ import annotations

from bgreplay.rng import Streams, mix64
from bgreplay.trace.model import DAY_MS

from .battery import Battery
from .clock import LocalClock
from .params import Params
from .predictor import UsagePredictor
from .world import DeviceState, Request, World


class PolicyView:
    def __init__(
        self,
        world: World,
        params: Params,
        predictor: UsagePredictor,
        clock: LocalClock,
        battery: Battery,
        streams: Streams,
    ) -> None:
        self.world = world
        self.device: DeviceState = world.device
        self.p = params
        self.predictor = predictor
        self.clock = clock
        self.battery = battery
        self.streams = streams
        # per app: the energy budget's walk from its last spend to the last midnight passed,
        # valid while that spend and the app's opens stand (see ``energy_left``)
        self._walks: dict[str, tuple[tuple[float, int, int], int, float]] = {}
        # per app: a stretch of time over which its budget is known to stay spent, or above 0
        # (the same validity; see ``energy_spent``)
        self._known: dict[str, tuple[tuple[float, int, int], int, int, bool]] = {}
        # bundle -> its jitter stream's seed, and the last redraw period asked and its draw
        self._jitter: dict[str, tuple[int, int, int]] = {}

    # --- device -----------------------------------------------------------------------------
    def battery_level(self, now: int) -> float:
        return self.battery.level(now)

    def lpm_enforced(self, now: int) -> bool:
        """F55: LPM binds when on and (unplugged or battery under the threshold)."""
        d = self.device
        if not d.lpm:
            return False
        return not d.plugged or self.battery.level(now) < self.p.lpm_battery_threshold

    def in_use_probability(self, at: int) -> float:
        return self.predictor.in_use_probability(self.clock.local_ms(at))

    # --- the user's use of the app (F41-F43; FO11) ------------------------------------------
    def app_likelihood(self, bundle: str, look: int, at: int) -> float:
        """The app's launch likelihood at ``look`` as predicted at ``at``: the predictor's
        share of past days with an open near that time, faded by how long the user has not
        opened the app (FO11)."""
        share = self.predictor.app_likelihood(
            bundle, self.clock.local_ms(look), self.p.app_default_likelihood
        )
        return share * self.dormancy_fade(bundle, at)

    def dormancy_fade(self, bundle: str, at: int) -> float:
        """0.5 per `app_dormancy_half_life` since the app's last open (1 without opens, or
        with a half-life of 0)."""
        half_life = self.p.app_dormancy_half_life
        last = self.world.last_open_any.get(bundle)
        if last is None or at <= last or half_life <= 0:
            return 1.0
        return float(0.5 ** ((at - last) / half_life))

    def days_unopened(self, bundle: str, at: int) -> float:
        last = self.world.last_open_any.get(bundle)
        return 0.0 if last is None else max(at - last, 0) / DAY_MS

    def daily_opens(self, bundle: str, now: int) -> float:
        return self.predictor.daily_opens(bundle, self.clock.local_ms(now) // DAY_MS)

    def is_recent_app(self, bundle: str, now: int) -> bool:
        """Among the `app_recent_size` most recently used apps, opened within `recent_window`."""
        last_open = self.world.last_open_any
        last = last_open.get(bundle)
        if last is None or now - last > self.p.recent_window:
            return False
        size = self.p.app_recent_size
        if len(last_open) <= size:
            return True
        return self.world.newer_opens(last) < size

    def pending_count(self, bundle: str) -> int:
        return self.world.pending_count(bundle)

    def jitter(self, bundle: str, now: int) -> int:
        """Uniform in [0, app_jitter_max], redrawn every app_jitter_redraw (F43); hashed from
        the app's named stream and the redraw period, not drawn in sequence, so it does not
        depend on how often the app is evaluated."""
        bucket = now // self.p.app_jitter_redraw
        drawn = self._jitter.get(bundle)
        if drawn is not None and drawn[1] == bucket:
            return drawn[2]  # the same redraw period as last asked
        base = self.streams.seed_of(f"app-jitter/{bundle}") if drawn is None else drawn[0]
        value: int = mix64(base + bucket) * self.p.app_jitter_max >> 64
        self._jitter[bundle] = (base, bucket, value)
        return value

    # --- the energy budget (F42, F65, F66; FO2, FO4) -----------------------------------------
    def energy_allocation(self, bundle: str, now: int) -> float:
        """Units a day the app's budget receives: `energy_per_open` per daily open (F42)."""
        return self.p.energy_per_open * self.daily_opens(bundle, now)

    def energy_bank(self, bundle: str, now: int) -> float:
        return self.energy_allocation(bundle, now) * self.p.energy_bank / DAY_MS

    def energy_left(self, bundle: str, now: int) -> float:
        """The budget at ``now``: refilled day by day at that day's allocation, held to
        `energy_bank` of it (F65: budgets are spread through the day).

        The walk from the last spend is kept at the last midnight it passed: the days behind
        it depend only on that spend and on the app's opens (their count, as opens only
        arrive), so while both stand the next call goes on from there, the same steps."""
        state = self.world.apps[bundle]
        level, t = state.energy, state.energy_t
        key = (level, t, self.predictor.opens_seen(bundle))
        walked = self._walks.get(bundle)
        if walked is not None and walked[0] == key and walked[1] <= now:
            t, level = walked[1], walked[2]
        clock = self.clock
        while t < now:
            midnight = clock.next_clock_time(t, 0)
            upto = min(now, midnight)
            per_day = self.energy_allocation(bundle, t)
            level = _refilled(level, per_day, per_day * self.p.energy_bank / DAY_MS, upto - t)
            t = upto
            if t == midnight:
                self._walks[bundle] = (key, t, level)
        return level

    def energy_spent(self, bundle: str, now: int) -> bool:
        """``energy_left(bundle, now) <= 0``. Until the next midnight the budget refills in a
        straight line from where the walk's last step began (never down), so the answer holds
        over a stretch that line gives: once above 0, up to that midnight; once spent, up to
        the moment the line crosses 0 (found exactly). Asked again within it, with the same
        spend and opens, it needs no walk."""
        state = self.world.apps[bundle]
        key = (state.energy, state.energy_t, self.predictor.opens_seen(bundle))
        known = self._known.get(bundle)
        if known is not None and known[0] == key and known[1] <= now < known[2]:
            return known[3]
        spent = self.energy_left(bundle, now) <= 0
        self._known[bundle] = (key, now, self._holds_until(bundle, now, key, spent), spent)
        return spent

    def _holds_until(self, bundle: str, now: int, key: tuple[float, int, int], spent: bool) -> int:
        """The first moment after ``now``, up to the next midnight, at which the walk of
        ``energy_left`` could answer otherwise than it does at ``now`` (``now + 1`` when
        unsure)."""
        walked = self._walks.get(bundle)
        if walked is not None and walked[0] == key and walked[1] <= now:
            start, level = walked[1], walked[2]  # the last midnight the walk to `now` passed
        else:
            start, level = key[1], key[0]  # no midnight since the last spend
        midnight = self.clock.next_clock_time(start, 0)
        per_day = self.energy_allocation(bundle, start)
        bank = per_day * self.p.energy_bank / DAY_MS
        if not spent:  # the line never goes down: above 0 from `now` on if it is at `now`
            if _refilled(level, per_day, bank, now - start) > 0:
                return midnight
            return now + 1
        if per_day <= 0:
            return midnight
        guess = start + int(-level * DAY_MS / per_day) - 1
        moment = max(now, min(guess, midnight))
        if _refilled(level, per_day, bank, moment - start) > 0:
            return now + 1
        for _ in range(8):  # the guess is off by rounding only: a step or two
            if moment >= midnight or _refilled(level, per_day, bank, moment - start) > 0:
                return moment
            moment += 1
        return moment

    def spend_energy(self, bundle: str, now: int, units: float) -> None:
        state = self.world.apps[bundle]
        state.energy = self.energy_left(bundle, now) - units
        state.energy_t = now

    # --- the rate limit and penalties (F68, F74; FO1, FO3) ----------------------------------
    def spacing_ends(self, req: Request, now: int) -> int | None:
        """When the rate limit (F68) lets the request's task launch again, if it does not now."""
        last = self.world.last_launch.get(req.task_id)
        if last is None:
            return None
        p = self.p
        if req.processing_family:
            spacing = p.processing_min_spacing
        else:  # "depending on what's appropriate" (F68): the less used, the further apart (F42)
            if now - last >= max(p.refresh_min_spacing, DAY_MS):
                return None  # opens a day count from one a day: no spacing passes a day
            by_use = p.refresh_spacing_by_use
            opens = max(self.daily_opens(req.app, now), by_use / DAY_MS)
            spacing = max(p.refresh_min_spacing, int(by_use / opens) if by_use > 0 else 0)
        return last + spacing if now - last < spacing else None

    def penalty_multiplier(self, task_id: str, now: int) -> float:
        starts = self.world.penalties.get(task_id)
        if not starts:
            return 1.0
        active = sum(1 for s in starts if now - s < self.p.penalty_duration)
        return float(self.p.penalty_factor**active)

    # --- what holds a request regardless of the policies ----------------------------------
    def held_by_state(self, req: Request) -> str | None:
        """``device_off`` or ``already_running`` when no policy is asked at all."""
        if self.device.off:
            return "device_off"
        if req.task_id in self.world.active:
            return "already_running"
        return None


def _refilled(level: float, per_day: float, bank: float, ms: int) -> float:
    """The budget ``ms`` after it stood at ``level``, refilling at ``per_day`` units a day and
    held to ``bank`` (F65)."""
    return min(level + per_day * ms / DAY_MS, bank)
