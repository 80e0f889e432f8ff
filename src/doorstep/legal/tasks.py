"""Daily legal reminders. Safe to run twice: a reminded deadline or a warned threshold is not
picked up again."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone

from doorstep.legal.services import deadlines_remind, guarantees_warn


@shared_task(name="legal.reminders")
def legal_reminders(as_of: str | None = None) -> dict[str, Any]:
    today = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return {
        "deadlines": len(deadlines_remind(today=today)),
        "guarantees": len(guarantees_warn(today=today)),
    }
