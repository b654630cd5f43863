"""Network (F32): a request that requires a network connection waits for one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class Network(Policy):
    def __init__(self) -> None:
        super().__init__("network", "Network", "N", "F32")

    def applies(self, task: Task) -> bool:
        return task.requires_network

    def explain(self, params: Mapping[str, object]) -> str:
        return "the request requires a network connection and there was none (F32)"

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return v.device.network == "none"

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        return "requiresNetworkConnectivity, no network"


POLICY = Network()
