from __future__ import annotations

from celery import shared_task

from doorstep.access.services import alerts_check


@shared_task(name="access.alerts_check")
def alerts_check_task() -> int:
    """The periodic sweep for unusual reveal volume; returns how many alerts it raised."""
    return len(alerts_check())
