"""The case lifecycle: every allowed status change and the guard that must hold for it.

A pure module (no Django) so the table can be read in one screen and tested exhaustively.
Anything not in ``TRANSITIONS`` is forbidden; closed statuses are terminal because a debtor who
falls behind again opens a new delinquency episode, i.e. a new case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class Status(StrEnum):
    NEW = "new"
    ACTIVE = "active"
    PROMISED = "promised"
    IN_PLAN = "in_plan"
    LEGAL = "legal"
    CLOSED_CURED = "closed_cured"
    CLOSED_SETTLED = "closed_settled"
    CLOSED_WRITTEN_OFF = "closed_written_off"
    CLOSED_SOLD = "closed_sold"  # the debt was sold and transferred: no longer the bank's


CLOSED = frozenset(
    {Status.CLOSED_CURED, Status.CLOSED_SETTLED, Status.CLOSED_WRITTEN_OFF, Status.CLOSED_SOLD}
)
OPEN = frozenset(set(Status) - CLOSED)

WRITE_OFF_MIN_DPD = 180


@dataclass(frozen=True)
class Facts:
    """What the guards may look at, gathered by the service before it asks."""

    dpd: int
    has_agent: bool
    reason: str


# Guard messages are constants so services translate them and tests assert them exactly.
NEEDS_AGENT = gettext_noop("Assign an agent before work starts on the case.")
NEEDS_REASON = gettext_noop("Give a reason for this change.")
NEEDS_NO_ARREARS = gettext_noop("A case is cured only when nothing is past due.")
NEEDS_WRITE_OFF_AGE = gettext_noop("A write-off needs at least 180 days past due.")
NOT_ALLOWED = gettext_noop("A case cannot move from %(current)s to %(target)s.")
BY_SALE_ONLY = gettext_noop("Only the transfer of a debt sale closes a case as sold.")

Guard = Callable[[Facts], str | None]


def _agent_assigned(facts: Facts) -> str | None:
    return None if facts.has_agent else NEEDS_AGENT


def _reason_given(facts: Facts) -> str | None:
    return None if facts.reason.strip() else NEEDS_REASON


def _no_arrears(facts: Facts) -> str | None:
    return None if facts.dpd == 0 else NEEDS_NO_ARREARS


def _write_off_allowed(facts: Facts) -> str | None:
    if facts.dpd < WRITE_OFF_MIN_DPD:
        return NEEDS_WRITE_OFF_AGE
    return _reason_given(facts)


S = Status
TRANSITIONS: dict[tuple[Status, Status], Guard] = {
    (S.NEW, S.ACTIVE): _agent_assigned,
    (S.NEW, S.CLOSED_CURED): _no_arrears,
    (S.ACTIVE, S.PROMISED): _reason_given,
    (S.ACTIVE, S.IN_PLAN): _reason_given,
    (S.ACTIVE, S.LEGAL): _reason_given,
    (S.ACTIVE, S.CLOSED_CURED): _no_arrears,
    (S.ACTIVE, S.CLOSED_SETTLED): _reason_given,
    (S.ACTIVE, S.CLOSED_WRITTEN_OFF): _write_off_allowed,
    (S.PROMISED, S.ACTIVE): _reason_given,  # promise broken or withdrawn
    (S.PROMISED, S.IN_PLAN): _reason_given,
    (S.PROMISED, S.LEGAL): _reason_given,
    (S.PROMISED, S.CLOSED_CURED): _no_arrears,
    (S.PROMISED, S.CLOSED_SETTLED): _reason_given,
    (S.IN_PLAN, S.ACTIVE): _reason_given,  # plan broken
    (S.IN_PLAN, S.LEGAL): _reason_given,
    (S.IN_PLAN, S.CLOSED_CURED): _no_arrears,
    (S.IN_PLAN, S.CLOSED_SETTLED): _reason_given,
    (S.LEGAL, S.ACTIVE): _reason_given,  # proceedings withdrawn
    (S.LEGAL, S.CLOSED_CURED): _no_arrears,
    (S.LEGAL, S.CLOSED_SETTLED): _reason_given,
    (S.LEGAL, S.CLOSED_WRITTEN_OFF): _write_off_allowed,
    # A debt sale closes whatever stage the case was at (agencies.sales transfers it).
    (S.NEW, S.CLOSED_SOLD): _reason_given,
    (S.ACTIVE, S.CLOSED_SOLD): _reason_given,
    (S.PROMISED, S.CLOSED_SOLD): _reason_given,
    (S.IN_PLAN, S.CLOSED_SOLD): _reason_given,
    (S.LEGAL, S.CLOSED_SOLD): _reason_given,
}


class TransitionRefused(Exception):
    """The change is not in the table, or its guard does not hold. ``message`` says why."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def check(current: Status, target: Status, facts: Facts) -> None:
    """Raise TransitionRefused unless ``current → target`` is allowed for these facts."""
    guard = TRANSITIONS.get((current, target))
    if guard is None:
        raise TransitionRefused(NOT_ALLOWED, current=current.value, target=target.value)
    problem = guard(facts)
    if problem is not None:
        raise TransitionRefused(problem)


# Reached only through the process that owns them, never chosen by hand: a case closes as sold
# when its debt-sale transfer runs (``agencies.sales``), which records the sale and the buyer.
BY_PROCESS_ONLY = frozenset({Status.CLOSED_SOLD})


def allowed_targets(current: Status) -> list[Status]:
    """The statuses a person may move a case to from ``current``."""
    return [
        target
        for (source, target) in TRANSITIONS
        if source == current and target not in BY_PROCESS_ONLY
    ]
