"""Low Power Mode (F52, F55, F56): enforced when on and unplugged or under the threshold; a
continued-processing task submitted after LPM began, or already running, is exempt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy, number

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class LowPowerMode(Policy):
    def __init__(self) -> None:
        super().__init__(
            "low_power_mode", "Low Power Mode", "L", "F52, F55, F56", expires_as="low_power_mode"
        )

    def applies(self, task: Task) -> bool:
        return True

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            "Low Power Mode pauses background work unless the device charges at "
            f"{number(params['lpm_battery_threshold'])} % or more (F55)"
        )

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        if not v.lpm_enforced(now):
            return False
        # F56: a continued-processing task submitted after LPM engaged is exempt
        return req.kind != "continued_processing" or req.lpm_submitted_before

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        return f"Low Power Mode on, unplugged or battery < {number(v.p.lpm_battery_threshold)}%"

    def expires(self, task: Task) -> bool:
        return task.type != "continued_processing"  # F56: a running one is exempt


POLICY = LowPowerMode()
