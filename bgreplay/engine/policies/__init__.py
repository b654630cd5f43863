"""dasd's policies (F§2.3), one module each; every reason a request can be held back for, with
what the event log, the timeline and ``explain`` say of it (``REASONS``).

``POLICIES`` is in dasd's evaluation order, which is also the order in which a veto that
appears while a task runs is looked for (``Policy.expires_as``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bgreplay.scenario.model import Task

from . import (
    app_switcher,
    application,
    background_app_refresh,
    battery,
    boot_time,
    critical_battery,
    device_activity,
    energy_budget,
    external_power,
    low_power_mode,
    network,
    penalty,
    rate_limit,
    recent_use,
    thermal,
)
from .base import (
    AMNP,
    AMP,
    CP,
    DECISION_NAMES,
    MNP,
    MP,
    Answer,
    Policy,
    Reason,
    combine,
    relax,
)
from .states import STATES

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request

POLICIES: tuple[Policy, ...] = (
    application.POLICY,
    device_activity.POLICY,
    battery.POLICY,
    critical_battery.POLICY,
    low_power_mode.POLICY,
    thermal.POLICY,
    energy_budget.POLICY,
    network.POLICY,
    external_power.POLICY,
    rate_limit.POLICY,
    boot_time.POLICY,
    app_switcher.POLICY,
    background_app_refresh.POLICY,
    recent_use.POLICY,
    penalty.POLICY,
)
REASONS: dict[str, Reason] = {r.short: r for r in (*POLICIES, *STATES)}
"""Every `throttled` reason the engine can write → what it is."""


def policies_for(task: Task) -> tuple[Policy, ...]:
    return tuple(p for p in POLICIES if p.applies(task))


def vetoers_for(task: Task) -> tuple[Policy, ...]:
    """The task's policies that can veto it (``Policy.can_veto``), in order: the ones
    ``first_veto`` asks."""
    return tuple(p for p in policies_for(task) if p.can_veto(task))


def first_veto(
    view: PolicyView, policies: tuple[Policy, ...], req: Request, now: int
) -> Policy | None:
    """The policy whose veto holds ``req`` now, or None: dasd's combination (``combine``) of the
    vetoes alone, which is the first absolute veto (AMNP), else the first veto (MNP). Once a veto
    is found only an absolute one can take its place, so no other is asked."""
    found = None
    for pol in policies:
        if (found is None or pol.absolute) and pol.vetoes(view, req, now):
            if pol.absolute:
                return pol
            found = pol
    return found


def holding(
    view: PolicyView, vetoers: tuple[Policy, ...], req: Request, now: int
) -> Policy | str | None:
    """What holds ``req`` now, the scores aside: a state (``held_by_state``, a reason of
    ``STATES``: no policy is asked), else the policy whose veto decides (``first_veto``),
    else nothing."""
    held = view.held_by_state(req)
    if held is not None:
        return held
    return first_veto(view, vetoers, req, now)


def reason_of(hold: Policy | str | None) -> str | None:
    """The `throttled` reason of what ``holding`` answered."""
    if hold is None or isinstance(hold, str):
        return hold
    return hold.short


__all__ = [
    "AMNP",
    "AMP",
    "CP",
    "DECISION_NAMES",
    "MNP",
    "MP",
    "POLICIES",
    "REASONS",
    "Answer",
    "Policy",
    "Reason",
    "combine",
    "first_veto",
    "holding",
    "policies_for",
    "reason_of",
    "relax",
    "vetoers_for",
]
