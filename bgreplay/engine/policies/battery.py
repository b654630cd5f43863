"""Battery level policy (F34, F59): processing needs external power on iPhone (on iPad, a
charged battery); the level scores the rest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import CP, MNP, Answer, Policy, is_processing_launch

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class BatteryLevel(Policy):
    scores = True

    def __init__(self) -> None:
        super().__init__("battery", "Battery level", "B", "F34, F59")

    def explain(self, params: Mapping[str, object]) -> str:
        return "processing needs external power on iPhone (F34)"

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        d = v.device
        return (
            not d.plugged
            and is_processing_launch(req.kind)
            and (d.model != "ipad" or v.battery_level(now) < v.p.ipad_processing_min_battery)
        )

    def can_veto(self, task: Task) -> bool:
        return is_processing_launch(task.type)

    def evaluate(
        self, v: PolicyView, req: Request, now: int, at: int | None, live: bool
    ) -> Answer | None:
        p = v.p
        if live and self.vetoes(v, req, now):
            return (MNP, 0.0, p.battery_weight)
        if at is None:
            return None
        level = v.battery_level(now)
        s = (max(level - p.battery_base, 0.0) / (100.0 - p.battery_base)) ** p.battery_exponent
        if v.device.plugged:
            s *= p.battery_plugged_boost
        return (CP, min(max(s, 0.0), 1.0), p.battery_weight)

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        level = v.battery_level(now)
        if live and self.vetoes(v, req, now):
            return f"launchType == PROCESSING AND pluggedIn == NO (battery {level:.0f}%)"
        return f"battery {level:.0f}%{', plugged' if v.device.plugged else ''}"


POLICY = BatteryLevel()
