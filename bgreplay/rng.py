"""Named random streams (SPEC §6.11): each purpose draws from its own seeded generator.

A stream is derived by hashing the scenario seed with a name such as ``"jitter/app=io.x"``, so
adding an app or a task never shifts another one's draws, and nothing uses the global ``random``.
"""

from __future__ import annotations

import hashlib
import random


def stream_seed(seed: int, name: str) -> int:
    digest = hashlib.blake2b(f"{seed}\x1f{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(seed: int, name: str) -> random.Random:
    """A private generator for one named purpose, identical on every platform."""
    return random.Random(stream_seed(seed, name))


def unit_draw(base: int, key: int) -> float:
    """A uniform draw in [0, 1) for ``key`` (a time, a count) within the stream whose
    ``stream_seed`` is ``base``: hashed, not drawn in sequence, so it does not depend on how
    often or in which order the replay asks."""
    return mix64(base + key) / 2.0**64


def mix64(x: int) -> int:
    """splitmix64's finaliser: a well-spread 64-bit hash of an integer."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class Streams:
    """One replay's named streams, each created on first use: generators drawn in sequence
    (``generator``) and seeds for hashed draws (``seed_of``)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._generators: dict[str, random.Random] = {}
        self._seeds: dict[str, int] = {}

    def generator(self, name: str) -> random.Random:
        gen = self._generators.get(name)
        if gen is None:
            gen = self._generators[name] = rng_for(self.seed, name)
        return gen

    def seed_of(self, name: str) -> int:
        base = self._seeds.get(name)
        if base is None:
            base = self._seeds[name] = stream_seed(self.seed, name)
        return base
