"""Application policy (F43, F45): the app's predicted use scores a refresh; a foreground app's
background tasks do not launch."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .base import CP, MNP, Answer, Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class Application(Policy):
    scores = True

    def __init__(self) -> None:
        super().__init__(
            "application",
            "Application",
            "A",
            "F43, F45",
            predicts=True,
            expires_as="app_foreground",
        )

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            "the app was in the foreground, and iOS does not launch a foreground app's "
            "background tasks (F45)"
        )

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return v.device.foreground == req.app

    def evaluate(
        self, v: PolicyView, req: Request, now: int, at: int | None, live: bool
    ) -> Answer | None:
        p = v.p
        app = req.app
        if live and self.vetoes(v, req, now):
            return (MNP, 0.0, p.app_weight)
        if at is None or req.kind != "refresh":
            return None  # F44: its score applies to refresh only; the veto to every BG task (F45)
        s = math.sqrt(self._likelihood(v, req, now, at, live))
        if s > p.app_launch_rule:
            s = 1.0
        s += p.app_request_bonus * (v.pending_count(app) - 1)
        recent = v.is_recent_app(app, now)
        s = (1 - p.app_recent_share) * s + p.app_recent_share * (1.0 if recent else 0.0)
        if s > p.app_cap:
            s = 1.0
        return (CP, min(max(s, 0.0), 1.0), p.app_weight)

    def _likelihood(self, v: PolicyView, req: Request, now: int, at: int, live: bool) -> float:
        look = at + v.p.app_prediction_offset
        if live:
            look += v.jitter(req.app, now)
        return v.app_likelihood(req.app, look, at)

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        app = req.app
        if at is None or (live and self.vetoes(v, req, now)):
            return "appIsForeground: Required:0 Observed:1"
        likelihood = self._likelihood(v, req, now, at, live)
        fade = v.dormancy_fade(app, at)
        faded = (
            f" (faded x{fade:.2f}: not opened for {v.days_unopened(app, at):.1f} days, FO11)"
            if fade <= 0.5
            else ""
        )  # from one half-life on: worth saying
        recent = v.is_recent_app(app, now)
        return (
            f"launch likelihood {likelihood:.3f}{faded}, {'recent app' if recent else 'not recent'}"
        )


POLICY = Application()
