"""Complaints over JSON for staff and integrations (a phone system, the regulator's referral
feed): intake, the list, one complaint with its history, each step of the handling, and the
statistics. The public complains through the web page (``/complaints/``), not this API.

Thin: complaints are loaded through ``complaints.selectors`` (404 outside what the caller may
see), every write is one ``complaints.services`` call. Contact details are masked.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from doorstep.cases.api import Time
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination, ErrorOut
from doorstep.core.templatetags.ui import person
from doorstep.oversight.complaints import services
from doorstep.oversight.complaints.lifecycle import Category, Extension, Outcome, RootCause
from doorstep.oversight.complaints.lifecycle import Status as ComplaintStatus
from doorstep.oversight.complaints.selectors import (
    ComplaintFilters,
    complaint_get,
    complaint_history,
    complaint_list,
    complaint_stats,
    linkable_case,
    masked_contact,
    overdue_clocks,
)
from doorstep.oversight.lookups import staff_by_number
from doorstep.oversight.models import Complaint, ComplaintEvent, ComplaintEvidence

router = Router(tags=["complaints"])

Reference = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]


class ContactOut(Schema):
    name: str
    phone: str
    email: str


class ComplaintOut(Schema):
    reference: str
    channel: str
    category: str
    category_label: str
    status: str
    status_label: str
    complainant: ContactOut = Field(description="Masked: the reveal is on the web screen.")
    case: str | None
    branch: str | None
    agent: str | None = Field(description="The agent's employee number.")
    visit: str
    hold_in_force: bool
    received_at: Time
    ack_due_at: Time
    acknowledged_at: Time | None
    extension: str
    decision_due_at: Time
    overdue: list[str] = Field(description="Clocks run past: acknowledgement, decision.")
    escalated: list[str]
    outcome: str
    root_cause: str
    decided_at: Time | None
    closed_at: Time | None

    @staticmethod
    def resolve_category_label(item: Complaint) -> str:
        return str(item.get_category_display())

    @staticmethod
    def resolve_status_label(item: Complaint) -> str:
        return str(item.get_status_display())

    @staticmethod
    def resolve_complainant(item: Complaint) -> dict[str, str]:
        return masked_contact(item)

    @staticmethod
    def resolve_case(item: Complaint) -> str | None:
        return item.case.reference if item.case else None

    @staticmethod
    def resolve_branch(item: Complaint) -> str | None:
        return item.branch.code if item.branch else None

    @staticmethod
    def resolve_agent(item: Complaint) -> str | None:
        return item.agent.employee_number if item.agent else None

    @staticmethod
    def resolve_visit(item: Complaint) -> str:
        return item.visit_reference

    @staticmethod
    def resolve_hold_in_force(item: Complaint) -> bool:
        return item.hold is not None and item.hold.released_at is None

    @staticmethod
    def resolve_overdue(item: Complaint) -> list[str]:
        return overdue_clocks(item)

    @staticmethod
    def resolve_escalated(item: Complaint) -> list[str]:
        return list(item.escalations)


class EventOut(Schema):
    action: str
    actor: str
    from_status: str
    to_status: str
    note: str
    details: dict[str, Any]
    at: Time

    @staticmethod
    def resolve_actor(event: ComplaintEvent) -> str:
        return person(event.actor)

    @staticmethod
    def resolve_note(event: ComplaintEvent) -> str:
        return "" if event.action == ComplaintEvent.Action.REVEALED else event.note


class EvidenceOut(Schema):
    ledger_index: int
    entry_kind: str
    leaf_hash: str
    at: Time


class ComplaintDetailOut(ComplaintOut):
    description: str
    remedy: str
    accountability: str
    evidence: list[EvidenceOut]
    events: list[EventOut] = Field(description="The history, oldest first.")

    @staticmethod
    def resolve_evidence(item: Complaint) -> list[ComplaintEvidence]:
        return list(item.evidence.all())

    @staticmethod
    def resolve_events(item: Complaint) -> list[ComplaintEvent]:
        return complaint_history(item)


class ComplaintQuery(Schema):
    status: str = Field(
        "open", description="`open` (default), empty for all, or one status.", max_length=16
    )
    category: Category | None = None
    overdue: bool = False
    escalated: bool = False


@router.get("/complaints", response=list[ComplaintOut])
@paginate(BoundedPageNumberPagination)
def complaints_list(request: HttpRequest, filters: Query[ComplaintQuery]) -> Any:
    """Complaints the caller may see, the newest first."""
    if filters.status not in {"", "open", *(status.value for status in ComplaintStatus)}:
        filters.status = "open"
    return complaint_list(
        user=request.user,
        filters=ComplaintFilters(
            status=filters.status,
            category=filters.category.value if filters.category else "",
            overdue=filters.overdue,
            escalated=filters.escalated,
        ),
    ).select_related("hold")


class CountOut(Schema):
    key: str
    count: int


class StatsOut(Schema):
    total: int
    open: int
    overdue: int
    on_time_rate: float | None
    by_category: list[CountOut]
    by_root_cause: list[CountOut]
    by_outcome: list[CountOut]
    by_branch: list[CountOut]
    by_agent: list[CountOut]
    by_month: list[CountOut]


class StatsQuery(Schema):
    since: date | None = None
    until: date | None = None


@router.get("/complaints/stats", response=StatsOut)
def complaints_stats(request: HttpRequest, period: Query[StatsQuery]) -> dict[str, Any]:
    """Counts by category, root cause, outcome, branch, agent and month, of the complaints the
    caller may see received in the period (local days, inclusive)."""
    stats = complaint_stats(user=request.user, since=period.since, until=period.until)
    rows = {
        name: [{"key": key, "count": count} for key, count in getattr(stats, name)]
        for name in (
            "by_category",
            "by_root_cause",
            "by_outcome",
            "by_branch",
            "by_agent",
            "by_month",
        )
    }
    return {
        "total": stats.total,
        "open": stats.open,
        "overdue": stats.overdue,
        "on_time_rate": stats.on_time_rate,
        **rows,
    }


@router.get("/complaints/{reference}", response=ComplaintDetailOut)
def complaints_detail(request: HttpRequest, reference: Reference) -> Complaint:
    return complaint_get(user=request.user, reference=reference)


class IntakeIn(ApiInput):
    channel: Complaint.Channel
    category: Category
    name: str = Field(max_length=100)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    description: str = Field(max_length=4000)
    happened_on: date | None = None
    received_at: datetime | None = Field(None, description="When the bank received it.")


class FiledOut(Schema):
    complaint: ComplaintDetailOut
    access_code: str = Field(description="Give it to the complainant; it is not stored.")


@router.post("/complaints", response={201: FiledOut})
def complaints_intake(request: HttpRequest, payload: IntakeIn) -> Status[dict[str, Any]]:
    """Record a complaint taken by phone, letter, e-mail, at a branch or from the regulator."""
    filed = services.complaint_intake(
        actor=request.user,
        channel=payload.channel.value,
        category=payload.category.value,
        name=payload.name,
        phone=payload.phone,
        email=payload.email,
        description=payload.description,
        happened_on=payload.happened_on,
        received_at=payload.received_at,
    )
    return Status(201, {"complaint": filed.complaint, "access_code": filed.access_code})


def _reloaded(request: HttpRequest, reference: str) -> Complaint:
    return complaint_get(user=request.user, reference=reference)


class AcknowledgeIn(ApiInput):
    start: bool = Field(False, description="Also start the investigation, as its handler.")


@router.post(
    "/complaints/{reference}/acknowledge", response={200: ComplaintDetailOut, 409: ErrorOut}
)
def complaints_acknowledge(
    request: HttpRequest, reference: Reference, payload: AcknowledgeIn
) -> Complaint:
    complaint = complaint_get(user=request.user, reference=reference)
    services.complaint_acknowledge(complaint=complaint, actor=request.user, start=payload.start)
    return _reloaded(request, reference)


@router.post("/complaints/{reference}/start", response={200: ComplaintDetailOut, 409: ErrorOut})
def complaints_start(request: HttpRequest, reference: Reference) -> Complaint:
    complaint = complaint_get(user=request.user, reference=reference)
    services.complaint_start(complaint=complaint, actor=request.user)
    return _reloaded(request, reference)


class LinkIn(ApiInput):
    case: str | None = Field(None, max_length=24, description="The case reference.")
    agent: str | None = Field(None, max_length=20, description="An employee number.")
    visit: str = Field("", max_length=40)
    category: Category | None = Field(None, description="Correct the category.")


@router.post("/complaints/{reference}/link", response={200: ComplaintDetailOut, 409: ErrorOut})
def complaints_link(request: HttpRequest, reference: Reference, payload: LinkIn) -> Complaint:
    """Tie the complaint to its case (which puts the complaint hold on the customer), the
    agent and the visit."""
    complaint = complaint_get(user=request.user, reference=reference)
    case = linkable_case(user=request.user, reference=payload.case) if payload.case else None
    agent = staff_by_number(payload.agent, field="agent") if payload.agent else None
    services.complaint_link(
        complaint=complaint,
        actor=request.user,
        case=case,
        agent=agent,
        visit_reference=payload.visit,
        category=payload.category.value if payload.category else "",
    )
    return _reloaded(request, reference)


class NoteIn(ApiInput):
    note: str = Field(max_length=4000)


@router.post("/complaints/{reference}/notes", response={201: ComplaintDetailOut, 409: ErrorOut})
def complaints_note(
    request: HttpRequest, reference: Reference, payload: NoteIn
) -> Status[Complaint]:
    complaint = complaint_get(user=request.user, reference=reference)
    services.complaint_note(complaint=complaint, actor=request.user, note=payload.note)
    return Status(201, _reloaded(request, reference))


class EvidenceIn(ApiInput):
    ledger_index: int = Field(ge=0, le=2**63 - 1)


@router.post("/complaints/{reference}/evidence", response={201: ComplaintDetailOut, 409: ErrorOut})
def complaints_evidence(
    request: HttpRequest, reference: Reference, payload: EvidenceIn
) -> Status[Complaint]:
    """Cite a ledger entry of the linked case as evidence."""
    complaint = complaint_get(user=request.user, reference=reference)
    services.complaint_add_evidence(
        complaint=complaint, actor=request.user, ledger_index=payload.ledger_index
    )
    return Status(201, _reloaded(request, reference))


class ExtendIn(ApiInput):
    extension: Extension
    reason: str = Field(max_length=2000)


class ExtendOut(Schema):
    complaint: ComplaintDetailOut
    approval: int | None = Field(description="The approval request a head-office extension needs.")


@router.post("/complaints/{reference}/extend", response={200: ExtendOut, 409: ErrorOut})
def complaints_extend(
    request: HttpRequest, reference: Reference, payload: ExtendIn
) -> dict[str, Any]:
    """`complex`: to 30 days at once; `head_office`: a further 30 once approved."""
    complaint = complaint_get(user=request.user, reference=reference)
    result = services.complaint_extend(
        complaint=complaint,
        actor=request.user,
        extension=payload.extension.value,
        reason=payload.reason,
    )
    approval = None if isinstance(result, Complaint) else result.pk
    return {"complaint": _reloaded(request, reference), "approval": approval}


class ResolveIn(ApiInput):
    outcome: Outcome
    root_cause: RootCause
    remedy: str = Field(max_length=2000)
    accountability: str = Field("", max_length=2000)


@router.post("/complaints/{reference}/resolve", response={200: ComplaintDetailOut, 409: ErrorOut})
def complaints_resolve(request: HttpRequest, reference: Reference, payload: ResolveIn) -> Complaint:
    """Record the outcome; a second person then verifies it."""
    complaint = complaint_get(user=request.user, reference=reference)
    services.complaint_resolve(
        complaint=complaint,
        actor=request.user,
        outcome=payload.outcome.value,
        root_cause=payload.root_cause.value,
        remedy=payload.remedy,
        accountability=payload.accountability,
    )
    return _reloaded(request, reference)


class VerifyIn(ApiInput):
    accept: bool
    note: str = Field(max_length=2000)


@router.post("/complaints/{reference}/verify", response={200: ComplaintDetailOut, 409: ErrorOut})
def complaints_verify(request: HttpRequest, reference: Reference, payload: VerifyIn) -> Complaint:
    """Accept the outcome (closes the complaint, lifts the hold) or send it back."""
    complaint = complaint_get(user=request.user, reference=reference)
    services.complaint_verify(
        complaint=complaint, actor=request.user, accept=payload.accept, note=payload.note
    )
    return _reloaded(request, reference)
