"""Continued processing (F100–F105): started at once when there is room and nothing vetoes it,
else queued (``strategy: queue``) or refused (``fail``); a queued request starts when a slot
frees and its policies allow it.

The caller passes the ``launch`` (``Runs.launch``) with each call rather than this holding the
runs: ``Runs`` holds this, and a cycle between them would keep a finished replay's whole state
for the cycle collector instead of freeing it when the replay is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from bgreplay.scenario.model import Task

from .log import EventLog
from .params import Params
from .policies import Policy, holding
from .view import PolicyView
from .world import Request, World


class Continued:
    def __init__(
        self,
        world: World,
        params: Params,
        view: PolicyView,
        log: EventLog,
        task_vetoers: dict[str, tuple[Policy, ...]],
    ) -> None:
        self.world = world
        self.p = params
        self.view = view
        self.log = log
        self.task_vetoers = task_vetoers  # per task, the policies that can veto it

    def submit(
        self, task: Task, t: int, trigger: str, launch: Callable[[Request, int], None]
    ) -> None:
        w = self.world
        req = Request(w.next_request_number(), task, t, t, t)
        req.lpm_submitted_before = not w.device.lpm  # F56: exempt if LPM was already on
        if self.can_start(t, req):
            w.pend(req)
            self.log.task(t, "submitted", task, reason=trigger, value=0.0, request=req.number)
            launch(req, t)
            return
        if task.strategy == "fail":
            self.log.task(
                t,
                "submit_failed",
                task,
                reason="immediateRunIneligible",
                detail="no room to run it right away (F19, F102)",
            )
            return
        req.queued = True
        w.pend(req)
        w.cp_queue.append(req)
        self.log.task(
            t, "submitted", task, reason=trigger, value=0.0, request=req.number, detail="queued"
        )

    def can_start(self, t: int, req: Request) -> bool:
        """Nothing holds it (the device on, no run of it in progress, no veto of its
        policies) and fewer than `cp_max_concurrent` run."""
        if holding(self.view, self.task_vetoers[req.task_id], req, t) is not None:
            return False
        return self.world.device.cp_running < self.p.cp_max_concurrent

    def admit_queued(self, t: int, launch: Callable[[Request, int], None]) -> None:
        for req in list(self.world.cp_queue):
            if not self.can_start(t, req):
                continue
            req.queued = False
            launch(req, t)
