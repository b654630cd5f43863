"""Background App Refresh (F51, F52): off for the app or globally, no refresh launches."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class BackgroundAppRefresh(Policy):
    def __init__(self) -> None:
        super().__init__("background_app_refresh", "Background App Refresh", "F", "F51, F52")

    def applies(self, task: Task) -> bool:
        return task.type == "refresh"

    def explain(self, params: Mapping[str, object]) -> str:
        return "Background App Refresh was off (F51)"

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        d = v.device
        return d.bar_global_off or req.app in d.bar_off_apps

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        scope = "globally" if v.device.bar_global_off else "for this app"
        return f"Background App Refresh off {scope}"


POLICY = BackgroundAppRefresh()
