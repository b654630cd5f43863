"""Who is in the fleet (SPEC §9): the persona mix, each device's persona and seed, its trace.

Device ``i`` depends on the scenario seed, the mix and ``i`` alone — never on the number of
devices — so device 3 of a 5-device fleet is device 3 of a 50-device one, and any device can be
replayed alone (``--only-device``).

* **Persona**: a quota sequence. Device ``i`` takes the persona furthest behind its share after
  ``i + 1`` devices (``w_k * (i + 1) - count_k``, ties to the first in the mix). Every prefix of
  the fleet therefore holds the mix within one device of each persona's exact quota: 6 devices
  of ``office_worker=0.5,light_user=0.3,heavy_user=0.2`` are 3 / 2 / 1.
* **Seed**: ``stream_seed(scenario seed, "fleet/device=<i>")`` (blake2b, SPEC §6.11). It seeds
  the persona trace and replaces the scenario's seed for the replay (handler durations, jitter),
  so each device is a different user, and the base and every variant see the same user.
* **Trace**: the persona's trace over the scenario's duration, from the scenario's start and
  time zone; the scenario's apps get launch rates from the persona's rank law (T§3.4) unless a
  rate is given. It replaces the scenario's trace file and inline timeline.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from bgreplay.errors import InputError, Location, Problem
from bgreplay.rng import stream_seed
from bgreplay.scenario.model import PersonaRef, Scenario
from bgreplay.trace.model import DAY_MS, Interval, Point, Timeline

DEFAULT_MIX = "office_worker=0.5,light_user=0.3,heavy_user=0.2"
MIX_FIX = (
    "write --persona-mix NAME=WEIGHT,NAME=WEIGHT, e.g. "
    f"--persona-mix {DEFAULT_MIX} (weights are normalised; see `bgreplay personas`)"
)

Mix = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """One simulated user: index in the fleet, persona, and the seed of everything random."""

    index: int
    persona: str
    seed: int


def _mix_error(text: str, message: str) -> InputError:
    return InputError(Problem(Location("--persona-mix"), f"{message} in '{text}'", MIX_FIX))


def parse_mix(text: str) -> Mix:
    """``office_worker=0.5,light_user=0.3`` → normalised ``((name, weight), ...)`` in the given
    order. A bare name weighs 1; zero weights are dropped; anything else wrong is bad input."""
    from bgreplay.personas import PERSONAS

    pairs: list[tuple[str, float]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise _mix_error(text, "empty entry")
        name, eq, raw = (s.strip() for s in part.partition("="))
        if name not in PERSONAS:
            import difflib

            close = difflib.get_close_matches(name, sorted(PERSONAS), n=1, cutoff=0.5)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            raise _mix_error(text, f"unknown persona '{name}'{hint}")
        try:
            weight = float(raw) if eq else 1.0
        except ValueError:
            weight = -1.0
        if not math.isfinite(weight) or weight < 0:
            raise _mix_error(text, f"the weight of '{name}' is not a number >= 0")
        if any(n == name for n, _ in pairs):
            raise _mix_error(text, f"'{name}' is given twice")
        pairs.append((name, weight))
    largest = max(w for _, w in pairs)
    if largest <= 0:
        raise _mix_error(text, "every weight is zero")
    # scaled by the largest first: weights near the float maximum add up without overflow
    total = math.fsum(w / largest for _, w in pairs)
    return tuple((n, w / largest / total) for n, w in pairs if w / largest > 0)


def format_mix(mix: Mix) -> str:
    return ",".join(f"{name}={weight:.6g}" for name, weight in mix)


def device_seed(scenario_seed: int, index: int) -> int:
    """The seed of device ``index``: the scenario seed and the index, nothing else."""
    return stream_seed(scenario_seed, f"fleet/device={index}")


def personas(mix: Mix) -> Iterator[str]:
    """The quota sequence: device 0's persona, device 1's, ... (endless)."""
    counts = [0] * len(mix)
    n = 0
    while True:
        n += 1
        k = max(range(len(mix)), key=lambda j: (mix[j][1] * n - counts[j], -j))
        counts[k] += 1
        yield mix[k][0]


def population(mix: Mix, scenario_seed: int, devices: int) -> Iterator[DeviceSpec]:
    """The first ``devices`` devices of the fleet, one at a time (never all in memory: a fleet
    may be as large as the user's patience)."""
    names = personas(mix)
    return (DeviceSpec(i, next(names), device_seed(scenario_seed, i)) for i in range(devices))


def device_at(mix: Mix, scenario_seed: int, index: int) -> DeviceSpec:
    """Device ``index`` alone (the same as in any fleet of more than ``index`` devices)."""
    names = personas(mix)
    for _ in range(index):
        next(names)
    return DeviceSpec(index, next(names), device_seed(scenario_seed, index))


def device_scenario(scenario: Scenario, device: DeviceSpec) -> Scenario:
    """The scenario as this device replays it: its seed, its persona, no other trace source.

    ``load_timeline`` of the result gives the same timeline as ``device_timeline`` (tested)."""
    return replace(
        scenario,
        seed=device.seed,
        device=replace(
            scenario.device,
            persona=PersonaRef(device.persona, device.seed),
            trace=None,
            timeline=None,
        ),
    )


def device_timeline(
    scenario: Scenario, device: DeviceSpec, rates: Mapping[str, float] | None = None
) -> Timeline:
    """The persona trace of ``device`` over ``scenario``'s window, straight to the engine's
    ``Timeline`` (no file, no re-validation: the generator's output is valid by construction).

    ``rates`` gives some apps explicit opens per day; the others follow the persona's law."""
    from bgreplay.trace.persona_trace import generate_trace

    rates = rates or {}
    days = max(1, -(-scenario.duration_ms // DAY_MS))
    apps = [(app.bundle, rates.get(app.bundle)) for app in scenario.apps]
    trace = generate_trace(
        device.persona, days, scenario.start, scenario.timezone, seed=device.seed, apps=apps
    )
    return persona_timeline(trace, scenario.duration_ms)


def persona_timeline(trace, duration_ms: int) -> Timeline:
    """A ``PersonaTrace`` as the engine's ``Timeline`` over ``[0, duration_ms)`` (the trace
    covers whole days; the replay may end earlier)."""
    from bgreplay.trace.clock import build_clock

    t0 = trace.start_ms
    end = min(duration_ms, trace.end_ms - t0)
    clock = build_clock(
        trace.start, trace.timezone, end, [(t - t0, z) for t, z in trace.moves if t - t0 < end]
    )
    intervals = tuple(
        Interval(r.start - t0, min(r.end - t0, end), r.kind, r.value, r.subject)
        for r in trace.records
        if r.end is not None and r.start - t0 < end
    )
    points = tuple(
        Point(r.start - t0, r.kind, r.value, r.subject)
        for r in trace.records
        if r.end is None and r.start - t0 < end
    )
    return Timeline(end, clock, intervals, points)


def check_rates(scenario: Scenario, apps: Sequence[str]) -> dict[str, float]:
    """``--app BUNDLE:RATE`` options as ``{bundle: opens per day}``; each must be a scenario
    app and carry a rate."""
    from bgreplay.personas import parse_app

    bundles = [a.bundle for a in scenario.apps]
    persona = scenario.device.persona  # the scenario's own rates hold unless --app says
    rates: dict[str, float] = dict(persona.opens_per_day) if persona is not None else {}
    for text in apps:
        bundle, rate = parse_app(text)
        if bundle not in bundles:
            raise InputError(
                Problem(
                    Location("--app"),
                    f"'{bundle}' is not an app of the scenario",
                    f"use one of {', '.join(bundles) or '(none)'}",
                )
            )
        if rate is None:
            raise InputError(
                Problem(
                    Location("--app"),
                    f"'{text}' has no rate",
                    f"write --app {bundle}:RATE (opens per day)",
                )
            )
        rates[bundle] = rate
    return rates
