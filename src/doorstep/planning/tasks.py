"""Planning as Celery tasks (inline when no broker is configured): re-planning a team's day
after an event, and the nightly drafts, one task per branch so more workers finish sooner."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from doorstep.compliance.selectors import calendar_in_force
from doorstep.planning.replan import plan_replan
from doorstep.planning.services import NIGHTLY_SECONDS, plan_nightly
from doorstep.staff.models import Branch
from doorstep.visits.models import Visit


@shared_task(name="planning.replan")
def replan_after(event: str, visit_id: int, actor_id: int | None, at: str) -> int | None:
    """Re-plan after ``event`` on visit ``visit_id`` at ``at`` (ISO time); the re-plan's id,
    or None when there was nothing to re-plan."""
    visit = Visit.objects.select_related("branch").get(pk=visit_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    replan = plan_replan(visit=visit, event=event, at=datetime.fromisoformat(at), actor=actor)
    return replan.pk if replan is not None else None


def next_working_day(today: date) -> date:
    """The first working day after ``today`` (the compliance calendar in force)."""
    return calendar_in_force().next_workday(today + timedelta(days=1))[0]


@shared_task(name="planning.plan_branch", acks_late=True)
def plan_branch(branch_id: int, day: str, seconds: float = NIGHTLY_SECONDS) -> str:
    """The nightly draft of one branch's ``day``; its outcome (``NightlyDraft.Outcome``)."""
    row = plan_nightly(
        branch=Branch.objects.get(pk=branch_id), day=date.fromisoformat(day), seconds=seconds
    )
    return row.outcome


@shared_task(name="planning.plan_all", acks_late=True)
def plan_all(day: str | None = None, seconds: float = NIGHTLY_SECONDS) -> list[int]:
    """Queue one ``planning.plan_branch`` per branch for ``day`` (default: the next working
    day in the bank's time zone); the branch ids queued."""
    target = date.fromisoformat(day) if day else next_working_day(timezone.localdate())
    branch_ids = list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    for branch_id in branch_ids:
        plan_branch.delay(branch_id, target.isoformat(), seconds)
    return branch_ids
