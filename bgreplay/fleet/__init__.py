"""Fleets (SPEC §9): one scenario replayed over a population of generated devices.

``run_fleet`` is the entry point (``bgreplay.api.fleet`` and ``bgreplay fleet`` call it);
``population`` decides each device's persona and seed, ``worker`` replays and measures a few
devices, ``executors`` run the work here, in processes or on Dask, ``aggregate`` turns metrics
into rows and distributions across devices.
"""

from bgreplay.fleet.population import DEFAULT_MIX, DeviceSpec, parse_mix, population
from bgreplay.fleet.run import FleetDeviceError, FleetResult, run_fleet
from bgreplay.fleet.store import read_metadata

__all__ = [
    "DEFAULT_MIX",
    "DeviceSpec",
    "FleetDeviceError",
    "FleetResult",
    "parse_mix",
    "population",
    "read_metadata",
    "run_fleet",
]
