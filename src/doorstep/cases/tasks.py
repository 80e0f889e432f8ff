"""Nightly case work, partitioned by branch so more workers finish sooner. Safe to run twice."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from doorstep.cases.services import cases_sync
from doorstep.staff.models import Branch


@shared_task(name="cases.sync_branch")
def cases_sync_branch(branch_id: int, as_of: str | None = None) -> dict[str, int]:
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return cases_sync(as_of=day, branch=Branch.objects.get(pk=branch_id))


@shared_task(name="cases.sync_all")
def cases_sync_all(as_of: str | None = None) -> list[int]:
    """Queue one sync per branch for ``as_of`` (default: today in the bank's time zone)."""
    day = (date.fromisoformat(as_of) if as_of else timezone.localdate()).isoformat()
    branch_ids = list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    for branch_id in branch_ids:
        cases_sync_branch.delay(branch_id, day)
    return branch_ids
