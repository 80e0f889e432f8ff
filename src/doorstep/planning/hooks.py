"""What the visits services tell the planner, after their transaction has committed.

``visit_changed`` is cheap: it only looks whether the visit's branch has a published plan for
the day of the event, and if so queues the Celery task ``planning.replan`` (run inline when no
broker is configured, as in the tests). The visits app imports this module late, inside its
functions, because the planner imports the visits services.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from doorstep.planning.models import Plan
from doorstep.visits.models import Visit

logger = logging.getLogger(__name__)


def visit_changed(*, event: str, visit_id: int, actor_id: int | None, at: datetime) -> bool:
    """Queue a re-plan if ``visit`` belongs to a day whose plan is published; True if queued."""
    from doorstep.planning.tasks import replan_after

    visit = Visit.objects.select_related("branch").filter(pk=visit_id).first()
    if visit is None or visit.scheduled_on is None:
        return False
    day = at.astimezone(ZoneInfo(visit.branch.timezone)).date()
    if visit.scheduled_on != day:
        return False
    if not Plan.objects.filter(
        branch_id=visit.branch_id, day=day, status=Plan.Status.PUBLISHED
    ).exists():
        return False
    try:
        replan_after.delay(event, visit_id, actor_id, at.isoformat())
    except Exception:  # the visit's change is committed; a failed re-plan must not undo it
        logger.exception("re-planning after %s of visit %s failed", event, visit_id)
        return False
    return True
