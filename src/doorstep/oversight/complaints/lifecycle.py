"""The complaint lifecycle and its clocks: a pure module (no Django), read in one screen.

Statuses move only along ``TRANSITIONS``; each guard says why a move is refused. The clocks
follow 银行保险机构消费投诉处理管理办法 (2020) and bank policy (docs/complaints.md):

- acknowledgement by the end of the first business day after the day of receipt (bank policy;
  business days from the PRC calendar, make-up workdays included, holidays excluded);
- a decision within 15 calendar days of receipt (counted from the day after receipt, ending at
  24:00), extendable to 30 for a complex complaint and by a further 30 with head-office
  approval; a category may set a shorter internal target, never a longer one.

A complaint is closed only when a second person verifies the outcome someone else recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from doorstep.core.i18n import gettext_noop

LOCAL = ZoneInfo("Asia/Shanghai")


class Status(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"  # outcome recorded, waiting for a second person's verification
    CLOSED = "closed"


OPEN = frozenset({Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.RESOLVED})


class Category(StrEnum):
    VIOLENCE_THREAT = "violence_threat"  # 暴力、威胁、恐吓
    HARASSMENT = "harassment"  # 骚扰：频繁联系、非规定时间联系
    THIRD_PARTY = "third_party"  # 联系或告知无关第三人
    PRIVACY = "privacy"  # 泄露个人信息
    MISREPRESENTATION = "misrepresentation"  # 冒充公检法、虚假陈述
    AMOUNT_DISPUTE = "amount_dispute"  # 对欠款金额、费用有异议
    STAFF_CONDUCT = "staff_conduct"  # 态度、着装、未出示证件
    SERVICE = "service"  # 还款渠道、协商、其他服务
    OTHER = "other"


class Extension(StrEnum):
    NONE = "none"
    COMPLEX = "complex"  # up to 30 days from receipt
    HEAD_OFFICE = "head_office"  # a further 30 days, with head-office approval


REGULATORY_DECISION_DAYS = 15
EXTENSION_DAYS = {Extension.NONE: 15, Extension.COMPLEX: 30, Extension.HEAD_OFFICE: 60}
# Bank policy: conduct that endangers or exposes the debtor is decided within 7 days.
CATEGORY_DECISION_DAYS = {
    Category.VIOLENCE_THREAT: 7,
    Category.PRIVACY: 7,
    Category.THIRD_PARTY: 10,
}
ACK_BUSINESS_DAYS = 1


class Outcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


class RootCause(StrEnum):
    AGENT_CONDUCT = "agent_conduct"
    PROCESS_GAP = "process_gap"
    SYSTEM_ERROR = "system_error"
    DATA_ERROR = "data_error"
    POLICY = "policy"
    TRAINING = "training"
    NO_FAULT = "no_fault"


class Workdays(Protocol):
    """What the clock needs from the compliance calendar (``engine.calendar.Calendar``)."""

    def next_workday(self, day: date) -> tuple[date, bool]: ...


def _end_of(day: date) -> datetime:
    """24:00 of ``day`` in China, i.e. the first instant of the next day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL)


def ack_due(received_at: datetime, calendar: Workdays) -> datetime:
    """The end of the first business day after the day of receipt (a complaint received on a
    Friday before a holiday week is due at the end of the first workday after it)."""
    day = received_at.astimezone(LOCAL).date()
    for _n in range(ACK_BUSINESS_DAYS):
        day, _guessed = calendar.next_workday(day + timedelta(days=1))
    return _end_of(day)


def decision_days(category: Category, extension: Extension) -> int:
    """Calendar days from receipt to the decision: the category's target unless extended."""
    if extension is not Extension.NONE:
        return EXTENSION_DAYS[extension]
    return CATEGORY_DECISION_DAYS.get(category, REGULATORY_DECISION_DAYS)


def decision_due(received_at: datetime, category: Category, extension: Extension) -> datetime:
    """24:00 of the ``n``-th calendar day after the day of receipt (rest days count)."""
    day = received_at.astimezone(LOCAL).date()
    return _end_of(day + timedelta(days=decision_days(category, extension)))


class Breach(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    DECISION = "decision"


def breaches(
    *, status: Status, ack_due_at: datetime, decision_due_at: datetime, now: datetime
) -> list[Breach]:
    """The clocks an open complaint has run past: not acknowledged in time, not decided in
    time (a resolved complaint has its decision, waiting only for verification)."""
    found = []
    if status is Status.RECEIVED and now >= ack_due_at:
        found.append(Breach.ACKNOWLEDGEMENT)
    if status in OPEN - {Status.RESOLVED} and now >= decision_due_at:
        found.append(Breach.DECISION)
    return found


@dataclass(frozen=True)
class Facts:
    """What the guards look at, gathered by the service before it asks."""

    actor_recorded_outcome: bool  # the verifier is the person who recorded the outcome
    has_outcome: bool
    has_root_cause: bool
    note: str


# Guard messages are constants so services translate them and tests assert them exactly.
NEEDS_OUTCOME = gettext_noop("Record the outcome, remedy and root cause first.")
NEEDS_ROOT_CAUSE = gettext_noop("Name the root cause of the complaint.")
SAME_PERSON = gettext_noop("The outcome must be verified by someone other than who recorded it.")
NEEDS_NOTE = gettext_noop("Say what you checked.")
NOT_ALLOWED = gettext_noop("A complaint cannot move from %(current)s to %(target)s.")

Guard = Callable[[Facts], str | None]


def _always(facts: Facts) -> str | None:
    return None


def _outcome_recorded(facts: Facts) -> str | None:
    if not facts.has_outcome:
        return NEEDS_OUTCOME
    return None if facts.has_root_cause else NEEDS_ROOT_CAUSE


def _second_person_verifies(facts: Facts) -> str | None:
    if facts.actor_recorded_outcome:
        return SAME_PERSON
    return None if facts.note.strip() else NEEDS_NOTE


S = Status
TRANSITIONS: dict[tuple[Status, Status], Guard] = {
    (S.RECEIVED, S.ACKNOWLEDGED): _always,
    (S.RECEIVED, S.INVESTIGATING): _always,  # acknowledged and started in one step
    (S.ACKNOWLEDGED, S.INVESTIGATING): _always,
    (S.INVESTIGATING, S.RESOLVED): _outcome_recorded,
    (S.RESOLVED, S.CLOSED): _second_person_verifies,
    # The verifier does not accept the outcome: investigation resumes, the clock still runs.
    (S.RESOLVED, S.INVESTIGATING): _second_person_verifies,
}


class TransitionRefused(Exception):
    """The change is not in the table, or its guard does not hold. ``message`` says why."""

    def __init__(self, message: str, **params: object) -> None:
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
