"""The plan and promise lifecycles: every allowed status change in one table each.

Pure (no Django). A plan waits for approval when its terms exceed the offering person's
authority, is offered, becomes active when the debtor accepts (the acceptance is recorded with
how it was given), and ends completed (every instalment paid) or broken (an instalment unpaid
beyond the grace days), which returns the case to collection with the plan kept as history.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class PlanStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    OFFERED = "offered"
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


P = PlanStatus
PLAN_TRANSITIONS: frozenset[tuple[PlanStatus, PlanStatus]] = frozenset(
    {
        (P.PENDING_APPROVAL, P.OFFERED),  # approved by the right level
        (P.PENDING_APPROVAL, P.REJECTED),  # rejected, or the request was withdrawn
        (P.OFFERED, P.ACTIVE),  # the debtor accepted
        (P.OFFERED, P.WITHDRAWN),  # the bank took the offer back, or another was accepted
        (P.ACTIVE, P.COMPLETED),
        (P.ACTIVE, P.BROKEN),
        (P.COMPLETED, P.ACTIVE),  # a reversal re-opened an instalment
    }
)
LIVE = frozenset({P.ACTIVE, P.COMPLETED})  # payments are allocated to these

PLAN_NOT_ALLOWED = gettext_noop("A plan cannot move from %(current)s to %(target)s.")


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    BROKEN = "broken"


class PlanTransitionRefused(Exception):
    def __init__(self, current: PlanStatus, target: PlanStatus) -> None:
        super().__init__(PLAN_NOT_ALLOWED % {"current": current.value, "target": target.value})
        self.current = current
        self.target = target


def check_plan(current: PlanStatus, target: PlanStatus) -> None:
    if (current, target) not in PLAN_TRANSITIONS:
        raise PlanTransitionRefused(current, target)


def promise_outcome(*, amount: Decimal, paid: Decimal) -> PromiseStatus:
    """Kept when the payments cover the promise, partly kept when they cover some of it."""
    if paid >= amount:
        return PromiseStatus.KEPT
    if paid > 0:
        return PromiseStatus.PARTLY_KEPT
    return PromiseStatus.BROKEN
