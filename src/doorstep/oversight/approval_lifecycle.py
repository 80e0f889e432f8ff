"""The approval lifecycle: every allowed status change and the guard that must hold for it.

A pure module (no Django) so the table reads in one screen and is tested exhaustively, like the
case lifecycle. Anything not in ``TRANSITIONS`` is forbidden; approved, rejected and withdrawn
are terminal (a refused change is asked for again as a new request, with its own history).

A vote that does not yet reach the quorum changes no status: it is checked with
``vote_problem`` and recorded, and the request is approved only when the approving votes reach
the quorum of the level it is at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    ESCALATED = "escalated"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({ApprovalStatus.PENDING, ApprovalStatus.ESCALATED})
CLOSED = frozenset(set(ApprovalStatus) - OPEN)


@dataclass(frozen=True)
class Facts:
    """What the guards look at, gathered by the service before it asks."""

    actor_is_requester: bool
    actor_qualifies: bool  # the actor matches the route of the request's level or one below it
    already_voted: bool
    approvals: int  # distinct approving votes, the one being cast included
    quorum: int
    overdue: bool
    has_next_level: bool
    reason: str


# Guard messages are constants so services translate them and tests assert them exactly.
OWN_REQUEST = gettext_noop("Nobody approves or rejects their own request.")
NOT_ROUTED = gettext_noop("This request is not routed to you.")
ALREADY_VOTED = gettext_noop("You have already decided on this request.")
NEEDS_REASON = gettext_noop("Give a reason for your decision.")
QUORUM_NOT_REACHED = gettext_noop("%(approvals)s of %(quorum)s approvals so far.")
NOT_OVERDUE = gettext_noop("The request is not overdue.")
NO_NEXT_LEVEL = gettext_noop("There is no higher level to escalate to.")
ONLY_REQUESTER = gettext_noop("Only the person who asked can withdraw a request.")
NOT_ALLOWED = gettext_noop("An approval request cannot move from %(current)s to %(target)s.")

Guard = Callable[[Facts], str | None]


def vote_problem(facts: Facts) -> str | None:
    """Why the actor may not vote on an open request, or None: a checker who is not the maker,
    routed to it, deciding once, with a reason."""
    if facts.actor_is_requester:
        return OWN_REQUEST
    if not facts.actor_qualifies:
        return NOT_ROUTED
    if facts.already_voted:
        return ALREADY_VOTED
    if not facts.reason.strip():
        return NEEDS_REASON
    return None


def _quorum_reached(facts: Facts) -> str | None:
    problem = vote_problem(facts)
    if problem is not None:
        return problem
    return None if facts.approvals >= facts.quorum else QUORUM_NOT_REACHED


def _checker_rejects(facts: Facts) -> str | None:
    """One qualified checker's rejection stops the change: maker-checker is a veto."""
    return vote_problem(facts)


def _overdue_with_next_level(facts: Facts) -> str | None:
    if not facts.overdue:
        return NOT_OVERDUE
    return None if facts.has_next_level else NO_NEXT_LEVEL


def _requester_withdraws(facts: Facts) -> str | None:
    if not facts.actor_is_requester:
        return ONLY_REQUESTER
    return None if facts.reason.strip() else NEEDS_REASON


S = ApprovalStatus
TRANSITIONS: dict[tuple[ApprovalStatus, ApprovalStatus], Guard] = {
    (S.PENDING, S.APPROVED): _quorum_reached,
    (S.PENDING, S.REJECTED): _checker_rejects,
    (S.PENDING, S.ESCALATED): _overdue_with_next_level,
    (S.PENDING, S.WITHDRAWN): _requester_withdraws,
    (S.ESCALATED, S.APPROVED): _quorum_reached,
    (S.ESCALATED, S.REJECTED): _checker_rejects,
    (S.ESCALATED, S.ESCALATED): _overdue_with_next_level,  # overdue again at the next level
    (S.ESCALATED, S.WITHDRAWN): _requester_withdraws,
}


class TransitionRefused(Exception):
    """The change is not in the table, or its guard does not hold. ``message`` says why."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def check(current: ApprovalStatus, target: ApprovalStatus, facts: Facts) -> None:
    """Raise TransitionRefused unless ``current → target`` is allowed for these facts."""
    guard = TRANSITIONS.get((current, target))
    if guard is None:
        raise TransitionRefused(NOT_ALLOWED, current=current.value, target=target.value)
    problem = guard(facts)
    if problem is QUORUM_NOT_REACHED:
        raise TransitionRefused(problem, approvals=facts.approvals, quorum=facts.quorum)
    if problem is not None:
        raise TransitionRefused(problem)
