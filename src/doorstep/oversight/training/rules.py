"""When training counts as current: a pure module (no Django).

A completion counts when it passed (score at least the course's pass mark); it is valid from
the day it was completed until ``validity_months`` later (the day before the same date of that
month, or the month's last day when there is no such date). A staff member's training is
current on a day when every mandatory course of their role has a valid completion covering
that day. Managers are warned ``EXPIRING_DAYS`` ahead.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

EXPIRING_DAYS = 30


class Topic(StrEnum):
    LEGAL = "legal"
    PIPL = "pipl"
    SAFETY = "safety"
    COMMUNICATION = "communication"
    OTHER = "other"


class State(StrEnum):
    CURRENT = "current"
    EXPIRING = "expiring"  # current, but ends within EXPIRING_DAYS
    EXPIRED = "expired"
    MISSING = "missing"  # never passed


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(completed_on: date, validity_months: int) -> date:
    """The last day a completion is valid."""
    return add_months(completed_on, validity_months) - timedelta(days=1)


@dataclass(frozen=True)
class Pass:
    """A passed completion: from ``completed_on`` to ``expires_on`` inclusive."""

    completed_on: date
    expires_on: date


def state(passes: Iterable[Pass], on: date) -> tuple[State, date | None]:
    """The state of one course on ``on`` and the last valid day of the best completion (the
    one covering ``on`` that lasts longest, else the latest expired one)."""
    covering = [item.expires_on for item in passes if item.completed_on <= on <= item.expires_on]
    if covering:
        until = max(covering)
        return (State.EXPIRING if (until - on).days < EXPIRING_DAYS else State.CURRENT), until
    before = [item.expires_on for item in passes if item.expires_on < on]
    if before:
        return State.EXPIRED, max(before)
    return State.MISSING, None


def is_valid(found: State) -> bool:
    return found in {State.CURRENT, State.EXPIRING}
