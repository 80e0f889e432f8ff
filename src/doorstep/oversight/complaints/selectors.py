"""Reads of complaints, scoped to who may see them, and the complainant's own status view.

Complaint handlers, compliance officers, internal auditors and head-office administrators see
every complaint; a branch's managers and administrators see their branch's; whoever took a
complaint in sees it. Anyone else gets 404. Contact details are masked unless the reader's
role handles complaints (the reveal is a deliberate click, like a case's).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from doorstep.access.matrix import Action, Category, roles_that
from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseNotFound
from doorstep.core.masking import mask_phone
from doorstep.ledger.models import LedgerEntry
from doorstep.ledger.selectors import entry_list
from doorstep.oversight.complaints import lifecycle
from doorstep.oversight.complaints.lifecycle import Status
from doorstep.oversight.models import Complaint, ComplaintEvent
from doorstep.staff.models import Role
from doorstep.staff.selectors import BRANCH_ROLES, staff_for

ALL_COMPLAINT_ROLES = frozenset(
    {
        Role.COMPLAINT_HANDLER,
        Role.COMPLIANCE_OFFICER,
        Role.INTERNAL_AUDITOR,
        Role.HEAD_OFFICE_ADMIN,
    }
)
HANDLER_ROLES = frozenset({Role.COMPLAINT_HANDLER, Role.HEAD_OFFICE_ADMIN})
VERIFIER_ROLES = frozenset(
    {Role.COMPLAINT_HANDLER, Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN}
)
INTAKE_ROLES = frozenset(set(Role) - {Role.INTERNAL_AUDITOR})
# Who may see a complainant's contact details: the permission matrix (docs/permissions.md).
REVEAL_ROLES = frozenset(Role(role) for role in roles_that(Category.COMPLAINTS, Action.REVEAL))


class ComplaintNotFound(Http404):
    pass


def complaint_visible(*, user: Any) -> QuerySet[Complaint]:
    """Every complaint ``user`` may look at (see the module's docstring)."""
    staff = staff_for(user)
    if staff is None:
        return Complaint.objects.none()
    complaints = Complaint.objects.select_related("case", "branch", "agent", "handler")
    if staff.role in ALL_COMPLAINT_ROLES:
        return complaints
    mine = Q(received_by=user)
    if staff.role in BRANCH_ROLES and staff.branch_id is not None:
        mine |= Q(branch=staff.branch_id)
    return complaints.filter(mine)


def complaint_get(*, user: Any, reference: str) -> Complaint:
    """One complaint for ``user`` by its reference, or 404 if they may not see it."""
    complaint = complaint_visible(user=user).filter(reference=reference.upper()).first()
    if complaint is None:
        raise ComplaintNotFound
    return complaint


def can_handle(*, user: Any) -> bool:
    staff = staff_for(user)
    return staff is not None and staff.role in HANDLER_ROLES


def can_verify(*, user: Any, complaint: Complaint) -> bool:
    staff = staff_for(user)
    return (
        staff is not None
        and staff.role in VERIFIER_ROLES
        and complaint.status == Status.RESOLVED.value
        and complaint.outcome_by_id != user.pk
    )


def can_take_in(*, user: Any) -> bool:
    staff = staff_for(user)
    return staff is not None and staff.role in INTAKE_ROLES


def masked_contact(complaint: Complaint) -> dict[str, str]:
    """The complainant's contact details as everyone sees them by default."""
    email = complaint.complainant_email
    local, _at, domain = email.partition("@")
    return {
        "name": complaint.complainant_name[:1] + "*" * max(len(complaint.complainant_name) - 1, 1),
        "phone": mask_phone(complaint.complainant_phone) if complaint.complainant_phone else "",
        "email": f"{local[:1]}***@{domain}" if email else "",
    }


def overdue_clocks(complaint: Complaint, *, now: datetime | None = None) -> list[str]:
    return [
        breach.value
        for breach in lifecycle.breaches(
            status=Status(complaint.status),
            ack_due_at=complaint.ack_due_at,
            decision_due_at=complaint.decision_due_at,
            now=now or timezone.now(),
        )
    ]


@dataclass(frozen=True)
class ComplaintFilters:
    status: str = ""
    category: str = ""
    overdue: bool = False
    escalated: bool = False


def complaint_list(*, user: Any, filters: ComplaintFilters) -> QuerySet[Complaint]:
    complaints = complaint_visible(user=user)
    if filters.status == "open":
        complaints = complaints.exclude(status=Status.CLOSED.value)
    elif filters.status:
        complaints = complaints.filter(status=filters.status)
    if filters.category:
        complaints = complaints.filter(category=filters.category)
    if filters.escalated:
        complaints = complaints.exclude(escalations=[])
    if filters.overdue:
        now = timezone.now()
        complaints = complaints.filter(
            Q(status=Status.RECEIVED.value, ack_due_at__lte=now)
            | Q(
                status__in=[Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING],
                decision_due_at__lte=now,
            )
        )
    return complaints


def complaint_history(complaint: Complaint) -> list[ComplaintEvent]:
    return list(complaint.events.select_related("actor__staff"))


def case_entries(complaint: Complaint, *, limit: int = 50) -> list[LedgerEntry]:
    """The linked case's ledger entries, newest first: what the handler may cite as evidence."""
    if complaint.case is None:
        return []
    entries = entry_list(subject=("case", complaint.case.reference)).defer("data")
    return list(entries.order_by("-index")[:limit])


@dataclass(frozen=True)
class PublicStatus:
    """What the complainant sees: no staff names, notes or other people's data."""

    reference: str
    status: str
    category: str
    received_at: datetime
    acknowledged_at: datetime | None
    decision_due_at: datetime
    outcome: str
    remedy: str
    closed_at: datetime | None


def complaint_public_status(*, reference: str, code: str) -> PublicStatus | None:
    """The status for whoever holds the reference and its access code, else None (the same
    answer for a wrong code and an unknown reference, so neither can be probed)."""
    complaint = Complaint.objects.filter(reference=reference.strip().upper()).first()
    if complaint is None:
        make_password(code)  # take as long as a wrong code, so timing tells nothing either
        return None
    if not check_password(code.strip(), complaint.access_code):
        return None
    closed = complaint.status == Status.CLOSED.value
    return PublicStatus(
        reference=complaint.reference,
        status=complaint.status,
        category=complaint.category,
        received_at=complaint.received_at,
        acknowledged_at=complaint.acknowledged_at,
        decision_due_at=complaint.decision_due_at,
        outcome=complaint.outcome if closed else "",
        remedy=complaint.remedy if closed else "",
        closed_at=complaint.closed_at,
    )


@dataclass(frozen=True)
class ComplaintStats:
    total: int
    open: int
    overdue: int
    by_category: list[tuple[str, int]]
    by_root_cause: list[tuple[str, int]]
    by_outcome: list[tuple[str, int]]
    by_branch: list[tuple[str, int]]
    by_agent: list[tuple[str, int]]
    by_month: list[tuple[str, int]]
    on_time_rate: float | None  # decided by the due time, of those decided


def complaint_stats(
    *, user: Any, since: date | None = None, until: date | None = None
) -> ComplaintStats:
    """Counts of the complaints ``user`` may see, received from ``since`` to ``until``
    (inclusive, local days): by category, root cause, outcome, branch, agent and month."""
    complaints = complaint_visible(user=user)
    if since is not None:
        complaints = complaints.filter(received_at__date__gte=since)
    if until is not None:
        complaints = complaints.filter(received_at__date__lt=until + timedelta(days=1))
    rows = list(
        complaints.values_list(
            "status",
            "category",
            "root_cause",
            "outcome",
            "branch__code",
            "agent__employee_number",
            "received_at",
            "decided_at",
            "decision_due_at",
            "ack_due_at",
        )
    )
    now = timezone.now()
    counts: dict[str, Counter[str]] = {
        name: Counter() for name in ("category", "cause", "outcome", "branch", "agent", "month")
    }
    open_count = overdue = decided = on_time = 0
    for status, category, cause, outcome, branch, agent, received, done, due, ack_due in rows:
        counts["category"][category] += 1
        counts["month"][timezone.localtime(received).strftime("%Y-%m")] += 1
        if cause:
            counts["cause"][cause] += 1
        if outcome:
            counts["outcome"][outcome] += 1
        counts["branch"][branch or "—"] += 1
        if agent:
            counts["agent"][agent] += 1
        if status != Status.CLOSED.value:
            open_count += 1
            if lifecycle.breaches(
                status=Status(status), ack_due_at=ack_due, decision_due_at=due, now=now
            ):
                overdue += 1
        if done is not None:
            decided += 1
            on_time += done < due
    return ComplaintStats(
        total=len(rows),
        open=open_count,
        overdue=overdue,
        by_category=counts["category"].most_common(),
        by_root_cause=counts["cause"].most_common(),
        by_outcome=counts["outcome"].most_common(),
        by_branch=sorted(counts["branch"].items()),
        by_agent=counts["agent"].most_common(),
        by_month=sorted(counts["month"].items()),
        on_time_rate=on_time / decided if decided else None,
    )


def linkable_case(*, user: Any, reference: str) -> Case:
    """The case a handler links a complaint to, by its reference: complaint handlers are not
    yet attached to the case a complaint is about, so they find it here (linking attaches them)."""
    staff = staff_for(user)
    case = Case.objects.filter(reference=reference.strip()).first()
    if staff is None or staff.role not in HANDLER_ROLES or case is None:
        raise CaseNotFound
    return case
