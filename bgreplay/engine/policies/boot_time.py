"""Boot time (F92): no launches for a while after the device boots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .base import Policy, span

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class BootTime(Policy):
    def __init__(self) -> None:
        super().__init__("boot_time", "Boot time", "R", "F92", state_only=False)

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            f"the device had booted moments before; iOS waits {span(params['boot_wait'])} "
            f"after boot ({span(params['boot_wait_network'])} for a task that needs the "
            "network) (F92)"
        )

    def _wait(self, v: PolicyView, req: Request) -> int:
        return v.p.boot_wait_network if req.task.requires_network else v.p.boot_wait

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        boot = v.device.last_boot
        return boot is not None and now - boot < self._wait(v, req)

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        boot = v.device.last_boot
        assert boot is not None
        return (
            f"Minimum seconds after boot: Required:{self._wait(v, req) // 1000} "
            f"Observed:{(now - boot) // 1000}"
        )


POLICY = BootTime()
