"""Thermal policy (F62, F63): the thermal level scores every task; above the level a task's
priority allows (critical; serious for the processing family) the veto is absolute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import AMNP, CP, Answer, Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class Thermal(Policy):
    absolute = True
    scores = True

    def __init__(self) -> None:
        super().__init__("thermal", "Thermal", "T", "F62, F63", expires_as="thermal")

    def applies(self, task: Task) -> bool:
        return True

    def explain(self, params: Mapping[str, object]) -> str:
        return "the device was too hot (F62, F63)"

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        level = v.device.thermal
        return level == "critical" or (level == "serious" and req.processing_family)

    def evaluate(
        self, v: PolicyView, req: Request, now: int, at: int | None, live: bool
    ) -> Answer | None:
        level = v.device.thermal
        p = v.p
        if live and self.vetoes(v, req, now):
            return (AMNP, 0.0, p.thermal_weight)
        if at is None:
            return None
        if level == "nominal":
            score = 1.0
        elif level == "fair":
            score = p.thermal_score_fair
        elif level == "serious":
            score = p.thermal_score_serious
        else:
            score = 0.0
        return (CP, score, p.thermal_weight)

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        return "thermal level " + v.device.thermal


POLICY = Thermal()
