"""App switcher (F47, F48): after the user force-quits an app, nothing of it launches in the
background until the user opens it again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from .base import Policy

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


class AppSwitcher(Policy):
    def __init__(self) -> None:
        super().__init__("app_switcher", "App switcher", "Q", "F47, F48")

    def applies(self, task: Task) -> bool:
        return True

    def explain(self, params: Mapping[str, object]) -> str:
        return (
            "the user had force-quit the app, and iOS launches it in the background only "
            "after the user opens it again (F47)"
        )

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        return v.world.apps[req.app].force_quit

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        return "the user force-quit the app; no launches until it is opened again"


POLICY = AppSwitcher()
