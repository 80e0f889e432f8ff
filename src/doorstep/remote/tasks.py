"""Nightly allocation, one task per branch so more workers finish sooner. Safe to run twice:
a second run on the same day finds nothing left to move."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from doorstep.remote.models import Campaign
from doorstep.remote.services import allocation_run, campaign_run
from doorstep.staff.models import Branch


@shared_task(name="remote.allocate_branch")
def remote_allocate_branch(branch_id: int, as_of: str | None = None) -> dict[str, int]:
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    run = allocation_run(actor=None, as_of=day, apply=True, branch=Branch.objects.get(pk=branch_id))
    return {"moved": run.moved, "no_capacity": run.no_capacity}


@shared_task(name="remote.allocate_all")
def remote_allocate_all(as_of: str | None = None) -> list[int]:
    """Queue one allocation per branch for ``as_of`` (default: today in the bank's zone)."""
    day = (date.fromisoformat(as_of) if as_of else timezone.localdate()).isoformat()
    branch_ids = list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    for branch_id in branch_ids:
        remote_allocate_branch.delay(branch_id, day)
    return branch_ids


@shared_task(name="remote.send_due_campaigns")
def remote_send_due_campaigns() -> list[int]:
    """Send every scheduled campaign whose time has come."""
    due = Campaign.objects.filter(
        status=Campaign.Status.SCHEDULED, scheduled_at__lte=timezone.now()
    ).order_by("scheduled_at", "pk")
    sent = []
    for campaign in due:
        campaign_run(campaign=campaign, at=timezone.now())
        sent.append(campaign.pk)
    return sent
