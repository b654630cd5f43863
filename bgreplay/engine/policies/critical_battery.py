"""Critically low battery (F58): at or below the critical level, unplugged, only essential work
runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy, number

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class CriticalBattery(Policy):
    def __init__(self) -> None:
        super().__init__("critical_battery", "Critically low battery", "C", "F58")

    def applies(self, task: Task) -> bool:
        return task.type == "refresh"

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            f"the battery was at or below {number(params['critical_battery'])} % and "
            "unplugged: only essential work runs (F58)"
        )

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return not v.device.plugged and v.battery_level(now) <= v.p.critical_battery

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        return f"battery {v.battery_level(now):.0f}% <= {v.p.critical_battery:.0f}%, unplugged"


POLICY = CriticalBattery()
