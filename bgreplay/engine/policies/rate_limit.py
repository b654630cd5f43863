"""Rate limit (F68; FO1, FO3): "the system reasonably spaces out launches". Field logs show one
task's launches at least ~10 min apart for refresh (FO3) — further apart the less its app is
used (F42) — and ~30 min for processing (FO1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .base import Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class RateLimit(Policy):
    def __init__(self) -> None:
        super().__init__("rate_limit", "Rate limit", "M", "F68, FO1, FO3")

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            "the task had launched a short while before, and iOS spaces out one task's "
            "launches — the less the app is used, the further apart (F68)"
        )

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return v.spacing_ends(req, now) is not None

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        lifted = v.spacing_ends(req, now)
        last = v.world.last_launch[req.task_id]
        assert lifted is not None
        return (
            f"launched {(now - last) / 60_000:.1f} min ago; launches of one task are "
            f"spaced {(lifted - last) / 60_000:.0f} min apart (F68)"
        )


POLICY = RateLimit()
