"""Energy budget (§6.6, F42, F65, F66): an app that has spent its budget does not launch on
battery; the budget follows how often the user opens the app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class EnergyBudget(Policy):
    def __init__(self) -> None:
        super().__init__("energy_budget", "Energy budget", "E", "F42, F65, F66", state_only=False)

    def applies(self, task: Task) -> bool:
        if task.type == "refresh":
            return True
        return task.type == "processing" and not task.requires_external_power

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            "the app had spent its background energy budget, which refills through the "
            "day in proportion to how often the user opens the app, and does not apply "
            "while charging (F42, F65, F66)"
        )

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return not v.device.plugged and v.energy_spent(req.app, now)

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        app = req.app
        return (
            f"Energy Budget: Required:1.00, Observed:0.00 ({v.energy_left(app, now):.1f} "
            f"units left; allocation {v.energy_allocation(app, now):.1f} units/day from "
            f"{v.daily_opens(app, now):.1f} opens/day, F42)"
        )


POLICY = EnergyBudget()
