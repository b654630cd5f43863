"""Where the mutators get their choices: a ``random.Random`` or hypothesis data."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class Draw(Protocol):
    def integer(self, lo: int, hi: int) -> int:
        """A whole number in ``[lo, hi]``."""
        ...

    def choice(self, items: Sequence[T]) -> T:
        """One of ``items`` (non-empty)."""
        ...


class RandomDraw:
    """Choices from a seeded ``random.Random`` (the long run: fast, no shrinking)."""

    def __init__(self, seed: int | str):
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.rng.randrange(len(items))]


def chance(draw: Draw, percent: int) -> bool:
    """True about ``percent`` times in a hundred."""
    return draw.integer(1, 100) <= percent


def some(draw: Draw, items: Sequence[T], lo: int = 0, hi: int = 3) -> list[T]:
    """A few of ``items`` (with repeats)."""
    return [draw.choice(items) for _ in range(draw.integer(lo, hi))]
