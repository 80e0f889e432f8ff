"""Oversight timers. Idempotent: an escalated approval is not overdue until its next SLA ends;
a complaint's clock is escalated once."""

from __future__ import annotations

from celery import shared_task

from doorstep.oversight.complaints.services import complaints_escalate
from doorstep.oversight.services import approvals_escalate


@shared_task(name="oversight.approvals_escalate")
def approvals_escalate_task() -> list[int]:
    """Escalate every overdue approval request one level; run every few minutes."""
    return approvals_escalate()


@shared_task(name="oversight.complaints_escalate")
def complaints_escalate_task() -> list[str]:
    """Escalate every complaint past its acknowledgement or decision deadline, once each."""
    return complaints_escalate()
