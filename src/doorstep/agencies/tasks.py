"""Agency jobs: recording the end of placements whose term is over. Idempotent."""

from __future__ import annotations

from celery import shared_task

from doorstep.agencies.services import placements_expire


@shared_task(name="agencies.expire_placements")
def expire_placements() -> int:
    """Recall (end of term) every placement whose term ended; access already ended with it."""
    return placements_expire()
