"""Device activity policy (F6, F35, F46, F98): processing waits until the user leaves the device;
a refresh scores by how likely the device is in use soon."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import CP, MNP, Answer, Policy, is_processing_launch

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class DeviceActivity(Policy):
    scores = True

    def __init__(self) -> None:
        super().__init__(
            "device_activity",
            "Device activity",
            "D",
            "F6, F35, F46, F98",
            predicts=True,
            expires_as="device_in_use",
        )

    def explain(self, params: Mapping[str, object]) -> str:
        return "processing runs only while the device is idle, and the user was using it (F6, F35)"

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return v.device.in_use and req.kind != "refresh" and vetoed_in_use(req.task)

    def can_veto(self, task: Task) -> bool:
        return task.type != "refresh" and vetoed_in_use(task)

    def evaluate(
        self, v: PolicyView, req: Request, now: int, at: int | None, live: bool
    ) -> Answer | None:
        if req.kind == "refresh":
            if at is None:
                return None
            return (
                CP,
                max(v.in_use_probability(at), v.p.device_activity_floor),
                v.p.device_activity_weight,
            )
        if live and self.vetoes(v, req, now):
            return (MNP, 0.0, 0.0)
        return None

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        if req.kind == "refresh" and at is not None:
            return f"predicted in use soon {v.in_use_probability(at):.2f}"
        return "launchType == PROCESSING AND deviceActive == YES"


def vetoed_in_use(task: Task) -> bool:
    """F98: health research that needs `complete` data may run while the device is in use."""
    if task.type == "health_research":
        return task.protection not in ("complete", "complete_unless_open")
    return is_processing_launch(task.type)


POLICY = DeviceActivity()
