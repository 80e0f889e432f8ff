"""The visit lifecycle: every allowed status change and the guard that must hold for it.

A pure module (no Django) so the whole state machine reads in one screen and is tested
exhaustively. Anything not in ``TRANSITIONS`` is forbidden. ``completed`` and ``aborted`` lead
only to ``reported``; ``reported`` and ``cancelled`` are terminal. Which transitions are contacts
with the debtor (and so go through the compliance gate) is ``CONTACT_TRANSITIONS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from doorstep.core.i18n import gettext_noop


class Status(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    EN_ROUTE = "en_route"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    ABORTED = "aborted"
    REPORTED = "reported"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    MET_DEBTOR = "met_debtor"
    PROMISE = "promise"
    PLAN_ACCEPTED = "plan_accepted"
    PAID_DURING_VISIT = "paid_during_visit"
    REFUSED = "refused"
    NOT_HOME = "not_home"
    MOVED = "moved"
    THIRD_PARTY_ONLY = "third_party_only"
    DISPUTE_RAISED = "dispute_raised"
    HARDSHIP_DECLARED = "hardship_declared"
    SAFETY_ABORT = "safety_abort"


class AbortReason(StrEnum):
    SAFETY = "safety"
    REFUSED = "refused"
    NOT_FOUND = "not_found"


# Outcomes where the agents spoke with the debtor: the visit is a "met" contact for the
# limitation rules (CN-LIM-03); the others are attempts.
MET_OUTCOMES = frozenset(
    {
        Outcome.MET_DEBTOR,
        Outcome.PROMISE,
        Outcome.PLAN_ACCEPTED,
        Outcome.PAID_DURING_VISIT,
        Outcome.REFUSED,
        Outcome.DISPUTE_RAISED,
        Outcome.HARDSHIP_DECLARED,
    }
)

# The outcome the compliance contact log records for each visit outcome: meeting the debtor
# and stating the purpose is the demand that interrupts limitation (CN-LIM-03); the others are not.
CONTACT_OUTCOME = {
    **dict.fromkeys(MET_OUTCOMES, "demand_stated"),
    Outcome.REFUSED: "refused",
    Outcome.NOT_HOME: "not_home",
    Outcome.THIRD_PARTY_ONLY: "third_party_only",
    Outcome.MOVED: "other",
    Outcome.SAFETY_ABORT: "other",
}

MIN_TEAM = 2  # CN-TEAM-01


@dataclass(frozen=True)
class Facts:
    """What the guards may look at, gathered by the service before it asks."""

    reason: str = ""
    team_size: int = 0
    has_date: bool = False
    needs_approval: bool = False
    approved: bool = False
    outcome: str = ""
    abort_reason: str = ""


NEEDS_REASON = gettext_noop("Give a reason for this change.")
NEEDS_TEAM = gettext_noop("A field visit needs a team of at least two agents (CN-TEAM-01).")
NEEDS_DATE = gettext_noop("Give the visit a date first.")
NEEDS_APPROVAL = gettext_noop("This visit needs a manager's approval first.")
NEEDS_OUTCOME = gettext_noop("Record the outcome of the visit.")
NEEDS_ABORT_REASON = gettext_noop("Say why the visit was aborted: safety, refused or not found.")
NOT_ALLOWED = gettext_noop("A visit cannot move from %(current)s to %(target)s.")

Guard = Callable[[Facts], str | None]


def _nothing(facts: Facts) -> str | None:
    return None


def _reason_given(facts: Facts) -> str | None:
    return None if facts.reason.strip() else NEEDS_REASON


def _approval_granted(facts: Facts) -> str | None:
    return None if facts.approved else NEEDS_APPROVAL


def _ready_to_schedule(facts: Facts) -> str | None:
    if facts.needs_approval and not facts.approved:
        return NEEDS_APPROVAL
    if facts.team_size < MIN_TEAM:
        return NEEDS_TEAM
    return None if facts.has_date else NEEDS_DATE


def _team_present(facts: Facts) -> str | None:
    return None if facts.team_size >= MIN_TEAM else NEEDS_TEAM


def _outcome_given(facts: Facts) -> str | None:
    return None if facts.outcome in set(Outcome) else NEEDS_OUTCOME


def _abort_reason_given(facts: Facts) -> str | None:
    if facts.abort_reason not in set(AbortReason):
        return NEEDS_ABORT_REASON
    return _reason_given(facts)


S = Status
TRANSITIONS: dict[tuple[Status, Status], Guard] = {
    (S.PROPOSED, S.APPROVED): _approval_granted,
    (S.PROPOSED, S.SCHEDULED): _ready_to_schedule,
    (S.PROPOSED, S.CANCELLED): _reason_given,
    (S.APPROVED, S.SCHEDULED): _ready_to_schedule,
    (S.APPROVED, S.CANCELLED): _reason_given,
    (S.SCHEDULED, S.EN_ROUTE): _team_present,
    (S.SCHEDULED, S.CHECKED_IN): _team_present,  # the agents arrived without marking en route
    (S.SCHEDULED, S.RESCHEDULED): _reason_given,
    (S.SCHEDULED, S.CANCELLED): _reason_given,
    (S.SCHEDULED, S.ABORTED): _abort_reason_given,
    (S.EN_ROUTE, S.CHECKED_IN): _team_present,
    (S.EN_ROUTE, S.ABORTED): _abort_reason_given,
    (S.EN_ROUTE, S.RESCHEDULED): _reason_given,
    (S.CHECKED_IN, S.COMPLETED): _outcome_given,
    (S.CHECKED_IN, S.ABORTED): _abort_reason_given,
    (S.COMPLETED, S.REPORTED): _nothing,
    (S.ABORTED, S.REPORTED): _nothing,
    (S.RESCHEDULED, S.SCHEDULED): _ready_to_schedule,
    (S.RESCHEDULED, S.CANCELLED): _reason_given,
}

# Arriving at the door is the contact the gate decides; completing it records what happened.
CONTACT_TRANSITIONS = frozenset({(S.SCHEDULED, S.CHECKED_IN), (S.EN_ROUTE, S.CHECKED_IN)})


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


def allowed_targets(current: Status) -> list[Status]:
    return [target for (source, target) in TRANSITIONS if source == current]
