"""Nightly plan and promise work. Safe to run twice: a judged promise or broken plan is not
picked up again."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from celery import shared_task
from django.utils import timezone

from doorstep.plans.services import (
    plans_check_breaches,
    promise_reminders_send,
    promises_evaluate,
)


def nightly(as_of: date) -> dict[str, Any]:
    """Judge yesterday's promises and break plans past their grace days, as of ``as_of``."""
    return {
        "promises": promises_evaluate(as_of=as_of),
        "broken_plans": plans_check_breaches(as_of=as_of),
    }


@shared_task(name="plans.nightly")
def plans_nightly(as_of: str | None = None) -> dict[str, Any]:
    return nightly(date.fromisoformat(as_of) if as_of else timezone.localdate())


@shared_task(name="plans.promise_reminders")
def plans_promise_reminders(at: str | None = None) -> dict[str, int]:
    """SMS reminders of tomorrow's promises (beat: daily in contact hours); idempotent."""
    return promise_reminders_send(at=datetime.fromisoformat(at) if at else None)
