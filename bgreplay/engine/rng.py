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
