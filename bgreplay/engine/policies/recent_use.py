"""Recent use (F29, F44): a processing task of an app not used in the foreground for a while
does not launch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy, span

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class RecentUse(Policy):
    def __init__(self) -> None:
        super().__init__("recent_use", "Recent use", "U", "F29, F44")

    def applies(self, task: Task) -> bool:
        return task.type == "processing"

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            f"the app had not been used in the foreground for "
            f"{span(params['processing_recent_use'])} (F29)"
        )

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        last = v.world.apps[req.app].last_open
        return last is None or now - last > v.p.processing_recent_use

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        days = v.p.processing_recent_use // 86_400_000
        return f"app not used in the foreground in the last {days} days"


POLICY = RecentUse()
