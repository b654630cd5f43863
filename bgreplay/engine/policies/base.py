"""What a policy is (F§2.3): a name, a letter, the words that explain it, its sources, and
``evaluate``, which answers ``(decision, score, weight)`` for one request at one moment.

``evaluate(view, req, now, at, live)``: ``now`` is the present; ``at`` the moment the score is for
(``now`` for a live evaluation, a future step of the optimal-score scan, None for the vetoes
only); ``live`` False asks what a future moment *would* score from predictions only: then vetoes,
which depend on the present device state, are not asked. ``rationale`` words the answer, asked
with the same arguments at the same moment, only when someone reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from bgreplay.scenario.model import Task

if TYPE_CHECKING:
    from ..view import PolicyView
    from ..world import Request


# F§2.3: decision codes; the overall decision is the numeric maximum.
CP: Final = 0
MNP: Final = 33
MP: Final = 67
AMNP: Final = 100
AMP: Final = 200
DECISION_NAMES = {CP: "CP", MNP: "MNP", MP: "MP", AMNP: "AMNP", AMP: "AMP"}

Answer = tuple[int, float, float]  # (decision code, score, weight)


class Reason:
    """Something that can hold a request back, as the event log, the timeline and ``explain``
    name it: the `throttled` reason (``short``), a title, a letter for the timeline, and
    ``explain(params)``, one sentence with the facts behind it, from the resolved profile."""

    def __init__(self, short: str, title: str, letter: str, sources: str) -> None:
        self.short = short
        self.title = title
        self.letter = letter
        self.sources = sources

    def explain(self, params: Mapping[str, object]) -> str:
        raise NotImplementedError


class Policy(Reason):
    """A dasd policy. ``state_only``: a veto that only a device or app change can lift (no
    re-score on ticks); ``predicts``: its score depends on the moment asked about;
    ``expires_as``: the `expired` reason when its veto appears while a run is in progress (None:
    it does not stop runs); ``absolute``: its veto is AMNP, which outranks every MNP (F§2.3).

    ``vetoes`` is the policy's one veto rule; ``evaluate`` answers it (and, for a policy that
    scores, the score), so the vetoes alone can be asked without the scores (``holding``,
    runs in progress). ``scores``: it answers with a score too when it does not veto (it
    overrides ``evaluate``); a policy that does not is asked nothing more once no veto holds."""

    absolute = False
    scores = False

    def __init__(
        self,
        short: str,
        title: str,
        letter: str,
        sources: str,
        *,
        state_only: bool = True,
        predicts: bool = False,
        expires_as: str | None = None,
    ) -> None:
        super().__init__(short, title, letter, sources)
        self.state_only = state_only
        self.predicts = predicts
        self.expires_as = expires_as

    def applies(self, task: Task) -> bool:
        return task.type != "continued_processing"

    def vetoes(self, v: PolicyView, req: Request, now: int) -> bool:
        """Whether the policy vetoes ``req`` now, from the present device state."""
        return False

    def can_veto(self, task: Task) -> bool:
        """False when no state makes it veto a request of ``task`` (``vetoes`` is False for
        it whatever the device does): then it is not asked for vetoes at all."""
        return True

    def evaluate(
        self, v: PolicyView, req: Request, now: int, at: int | None, live: bool
    ) -> Answer | None:
        """A policy without a score answers its veto only."""
        if live and self.vetoes(v, req, now):
            return (AMNP if self.absolute else MNP, 0.0, 0.0)
        return None

    def rationale(self, v: PolicyView, req: Request, now: int, at: int | None, live: bool) -> str:
        raise NotImplementedError

    def expires(self, task: Task) -> bool:
        """Whether its veto expires a run of ``task`` in progress."""
        return self.expires_as is not None


def is_processing_launch(kind: str) -> bool:
    """dasd's `launchType == PROCESSING` for a task of this type: processing and its
    health-research subclass (F44)."""
    return kind == "processing" or kind == "health_research"


def combine(answers: list[Answer]) -> float:
    """dasd's rule (F§2.3), the score it gives: the decision is the numeric maximum; MNP/AMNP
    block (score 0); MP/AMP (or nothing weighted) score 1; otherwise the weighted mean of the
    CP answers. Weight-0 CP answers (the penalty) multiply the result."""
    decision = CP
    num = den = 0.0
    factor = 1.0
    for code, score, weight in answers:
        if code == CP:
            if weight > 0:
                num += weight * score
                den += weight
            else:
                factor *= score
        elif code > decision:
            decision = code
    if decision in (MNP, AMNP):
        return 0.0
    if decision in (MP, AMP) or den == 0:
        return factor
    return num / den * factor


def relax(slot: int, pre: float, d: float, e: float) -> float:
    """F§2.3: the threshold relaxes across 10 slots between the optimal time and the deadline."""
    if slot <= 0:
        return pre
    return max(pre * (1 - float((10 * min(slot, 10) / d) ** e)), 0.0)


def span(ms: object) -> str:
    """A parameter's duration in words: ``5 minutes``, ``7 days``, ``30 seconds``."""
    assert isinstance(ms, int | float)
    for unit, size in (
        ("day", 86_400_000),
        ("hour", 3_600_000),
        ("minute", 60_000),
        ("second", 1_000),
    ):
        if ms >= size and ms % size == 0:
            n = int(ms // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{ms / 1000:g} seconds"


def number(value: object) -> str:
    """A parameter's number as it reads in a sentence (``20``, ``0.5``)."""
    assert isinstance(value, int | float)
    return f"{value:g}"
