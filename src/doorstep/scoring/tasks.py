"""The nightly scoring run as Celery tasks, partitioned by branch so more workers finish
sooner: ``scoring.run`` opens the date's runs and queues one ``scoring.run_branch`` per branch;
the partition that completes the set queues ``scoring.finish`` (the whole-book stability report
and the ledger entries). Every step is safe to run twice for a date: it replaces."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from doorstep.scoring.models import ScoringPartition
from doorstep.scoring.services import scores_finish, scores_prepare, scores_run_branch
from doorstep.staff.models import Branch


def _day(as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else timezone.localdate()


@shared_task(name="scoring.finish")
def scoring_finish(as_of: str) -> int | None:
    """The whole-book step; does nothing while a partition of the date is pending."""
    runs = scores_finish(as_of=date.fromisoformat(as_of))
    return runs[0].cases if runs else None


@shared_task(name="scoring.run_branch", acks_late=True)
def scoring_run_branch(branch_id: int, as_of: str) -> int:
    """Score one branch's open cases for ``as_of``, replacing that branch's scores of the
    date; the last partition to finish queues ``scoring.finish``."""
    day = date.fromisoformat(as_of)
    cases = scores_run_branch(as_of=day, branch=Branch.objects.get(pk=branch_id))
    if not ScoringPartition.objects.filter(as_of=day, finished_at__isnull=True).exists():
        scoring_finish.delay(as_of)
    return cases


@shared_task(name="scoring.run", acks_late=True)
def scoring_run(as_of: str | None = None) -> list[int]:
    """Open the runs of ``as_of`` (default: today in the bank's time zone) and queue one
    partition per branch; returns the branch ids queued."""
    day = _day(as_of).isoformat()
    scores_prepare(as_of=date.fromisoformat(day))
    branch_ids = list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    for branch_id in branch_ids:
        scoring_run_branch.delay(branch_id, day)
    if not branch_ids:
        scoring_finish.delay(day)
    return branch_ids
