"""Penalty (F74): after a watchdog kill or a run that ended without `setTaskCompleted`, the
task's scores are multiplied down for a while."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import CP, Answer, Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class Penalty(Policy):
    scores = True

    def __init__(self) -> None:
        super().__init__("penalty", "Penalty", "X", "F74", state_only=False)

    def applies(self, task: Task) -> bool:
        return True

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            "a recent run of the task was killed or never completed, and iOS scores it "
            "lower for a while (F74)"
        )

    def can_veto(self, task: Task) -> bool:
        return False  # it scores only

    def evaluate(
        self, v: PolicyView, req: Request, now: int, at: int | None, live: bool
    ) -> Answer | None:
        if at is None:
            return None
        factor = v.penalty_multiplier(req.task_id, now)
        return None if factor >= 1.0 else (CP, factor, 0.0)

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        return "score multiplied: a recent run was killed or never completed"


POLICY = Penalty()
