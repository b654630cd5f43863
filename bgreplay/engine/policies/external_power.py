"""External power (F33): a request that requires external power waits for a charger, and a run
of it stops when the device is unplugged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class ExternalPower(Policy):
    def __init__(self) -> None:
        super().__init__("external_power", "External power", "P", "F33", expires_as="unplugged")

    def applies(self, task: Task) -> bool:
        return task.requires_external_power

    def explain(self, params: Mapping[str, object]) -> str:
        return "the request requires external power and the device was on battery (F33)"

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return not v.device.plugged

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        return "requiresExternalPower, on battery"


POLICY = ExternalPower()
