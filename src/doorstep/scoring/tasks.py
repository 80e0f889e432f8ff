"""The nightly scoring run as a Celery task; safe to run twice for a date (it replaces)."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from doorstep.scoring.services import scores_run


@shared_task(name="scoring.run")
def scoring_run(as_of: str | None = None) -> int:
    """Score every open case as of ``as_of`` (default: today in the bank's time zone)."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return scores_run(as_of=day).run.cases
