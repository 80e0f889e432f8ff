"""Approval timers. Idempotent: an escalated request is not overdue until its next SLA ends."""

from __future__ import annotations

from celery import shared_task

from doorstep.oversight.services import approvals_escalate


@shared_task(name="oversight.approvals_escalate")
def approvals_escalate_task() -> list[int]:
    """Escalate every overdue approval request one level; run every few minutes."""
    return approvals_escalate()
