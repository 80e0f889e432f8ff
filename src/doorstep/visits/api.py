"""Visits over JSON: propose, schedule, the moves of the lifecycle, check-in and outcome, the
briefing, the field app's day and its offline sync.

Thin on purpose: every visit is loaded through ``visits.selectors.visit_get`` (404 outside the
caller's scope, 403 for an action the role may not take), every write is one service call.

No ``from __future__ import annotations`` here: Ninja reads the signatures at import time.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from doorstep.cases.selectors import CaseAction, case_get
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination
from doorstep.core.errors import DomainError
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import assignable_agents, staff_for
from doorstep.visits import services
from doorstep.visits.lifecycle import AbortReason, Outcome, allowed_targets
from doorstep.visits.lifecycle import Status as VisitStatus
from doorstep.visits.models import Visit
from doorstep.visits.selectors import (
    BoardRow,
    VisitAction,
    field_record_for_upload,
    mask_name,
    visit_board,
    visit_briefing,
    visit_get,
    visit_visible,
    visits_for_day,
)
from doorstep.visits.sync import MAX_BATCH, field_sync

router = Router(tags=["visits"])

MAX_ID = 2**63 - 1
VisitId = Annotated[int, Path(ge=1, le=MAX_ID)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=10, decimal_places=6)]


def _local(value: datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


class VisitOut(Schema):
    id: int
    case: str
    case_id: int
    debtor: str
    address: str
    kind: str
    status: str
    status_label: str
    next_statuses: list[str]
    scheduled_on: date | None
    window_start: time | None
    window_end: time | None
    planned_arrival: str | None
    route_position: int | None
    duration_minutes: int
    lead_agent: str | None
    second_agent: str | None
    risk_score: int
    risk_level: str
    risk_factors: list[dict[str, Any]]
    needs_approval: bool
    approval_id: int | None
    envelope: dict[str, Any]
    outcome: str
    abort_reason: str
    checked_in_at: str | None
    checkin_distance_m: int | None
    flagged_rules: list[str]

    @staticmethod
    def resolve_case(visit: Visit) -> str:
        return visit.case.reference

    @staticmethod
    def resolve_debtor(visit: Visit) -> str:
        return mask_name(visit.case.customer.name)

    @staticmethod
    def resolve_address(visit: Visit) -> str:
        return str(visit.address)

    @staticmethod
    def resolve_status_label(visit: Visit) -> str:
        return str(visit.get_status_display())

    @staticmethod
    def resolve_next_statuses(visit: Visit) -> list[str]:
        return [status.value for status in allowed_targets(VisitStatus(visit.status))]

    @staticmethod
    def resolve_planned_arrival(visit: Visit) -> str | None:
        return _local(visit.planned_arrival)

    @staticmethod
    def resolve_checked_in_at(visit: Visit) -> str | None:
        return _local(visit.checked_in_at)

    @staticmethod
    def resolve_lead_agent(visit: Visit) -> str | None:
        return visit.lead_agent.display_name if visit.lead_agent else None

    @staticmethod
    def resolve_second_agent(visit: Visit) -> str | None:
        return visit.second_agent.display_name if visit.second_agent else None


AGENT_FIELDS = {"lead_agent": "lead_agent_id", "second_agent": "second_agent_id"}


@contextmanager
def _agent_fields() -> Iterator[None]:
    """The service names agents as ``lead_agent``; the client sent ``lead_agent_id``."""
    try:
        yield
    except DomainError as error:
        if error.field not in AGENT_FIELDS:
            raise
        raise type(error)(error.code, error.message, field=AGENT_FIELDS[error.field]) from None


def _agent(visit_branch: Any, pk: int | None, field: str) -> StaffMember | None:
    if pk is None:
        return None
    agent = (
        assignable_agents(branch=visit_branch).filter(pk=pk, role=Role.FIELD_AGENT.value).first()
    )
    if agent is None:
        raise DomainError(
            "agent_not_eligible", _("Not a field agent of this case's branch."), field=field
        )
    return agent


class ProposeIn(ApiInput):
    case_id: int = Field(ge=1, le=MAX_ID)
    kind: Visit.Kind = Visit.Kind.FIRST
    lead_agent_id: int | None = Field(None, ge=1, le=MAX_ID)
    second_agent_id: int | None = Field(None, ge=1, le=MAX_ID)
    window_start: time | None = None
    window_end: time | None = None


@router.post("/visits", response={201: VisitOut})
def visits_propose(request: HttpRequest, payload: ProposeIn) -> Status[Visit]:
    """Propose a visit to the debtor's home; its risk is assessed and, above the threshold, a
    manager's approval is requested at once."""
    case = case_get(user=request.user, pk=payload.case_id, action=CaseAction.TRANSITION)
    with _agent_fields():
        visit = services.visit_propose(
            case=case,
            actor=request.user,
            kind=payload.kind.value,
            lead_agent=_agent(case.branch, payload.lead_agent_id, "lead_agent_id"),
            second_agent=_agent(case.branch, payload.second_agent_id, "second_agent_id"),
            window_start=payload.window_start,
            window_end=payload.window_end,
        )
    return Status(201, visit_get(user=request.user, pk=visit.pk))


class VisitQuery(Schema):
    day: date | None = None
    status: list[VisitStatus] = Field(default_factory=list)


@router.get("/visits", response=list[VisitOut])
@paginate(BoundedPageNumberPagination)
def visits_list(request: HttpRequest, filters: Query[VisitQuery]) -> QuerySet[Visit]:
    """Visits the caller may see, optionally of one day and some statuses."""
    visits = visit_visible(user=request.user).select_related(
        "case", "case__customer", "address", "lead_agent", "second_agent"
    )
    if filters.day is not None:
        visits = visits.filter(scheduled_on=filters.day)
    if filters.status:
        visits = visits.filter(status__in=[s.value for s in filters.status])
    return visits.order_by("scheduled_on", "route_position", "id")


@router.get("/visits/{visit_id}", response=VisitOut)
def visits_detail(request: HttpRequest, visit_id: VisitId) -> Visit:
    return visit_get(user=request.user, pk=visit_id)


@router.get("/visits/{visit_id}/briefing", response=dict[str, Any])
def visits_briefing(request: HttpRequest, visit_id: VisitId) -> dict[str, Any]:
    """The briefing and interview outline, in the request's language; personal data masked."""
    return visit_briefing(visit_get(user=request.user, pk=visit_id))


class ScheduleIn(ApiInput):
    scheduled_on: date
    window_start: time
    window_end: time
    lead_agent_id: int | None = Field(None, ge=1, le=MAX_ID)
    second_agent_id: int | None = Field(None, ge=1, le=MAX_ID)
    planned_arrival: datetime | None = None
    route_position: int | None = Field(None, ge=0, le=1000)


@router.post("/visits/{visit_id}/schedule", response=VisitOut)
def visits_schedule(request: HttpRequest, visit_id: VisitId, payload: ScheduleIn) -> Visit:
    """Fix the day, window and team; the gate decides the visit and its envelope is stored."""
    visit = visit_get(user=request.user, pk=visit_id, action=VisitAction.MANAGE)
    if payload.planned_arrival is not None and payload.planned_arrival.utcoffset() is None:
        raise DomainError(
            "naive_time", _("Give the time with its UTC offset."), field="planned_arrival"
        )
    with _agent_fields():
        services.visit_schedule(
            visit=visit,
            actor=request.user,
            scheduled_on=payload.scheduled_on,
            window_start=payload.window_start,
            window_end=payload.window_end,
            lead_agent=_agent(visit.branch, payload.lead_agent_id, "lead_agent_id"),
            second_agent=_agent(visit.branch, payload.second_agent_id, "second_agent_id"),
            planned_arrival=payload.planned_arrival,
            route_position=payload.route_position,
        )
    return visit_get(user=request.user, pk=visit_id)


TEAM_MOVES = frozenset({VisitStatus.EN_ROUTE, VisitStatus.ABORTED})


class TransitionIn(ApiInput):
    status: Literal["en_route", "aborted", "rescheduled", "cancelled"]
    reason: str = Field("", max_length=500)
    abort_reason: AbortReason | Literal[""] = ""


@router.post("/visits/{visit_id}/transition", response=VisitOut)
def visits_transition(request: HttpRequest, visit_id: VisitId, payload: TransitionIn) -> Visit:
    """En route and aborted are the team's moves; rescheduled and cancelled the team's or a
    manager's (the report has its sign-off). Refusals name the field and say why."""
    wanted = VisitStatus(payload.status)
    actions = (
        (VisitAction.FIELD,) if wanted in TEAM_MOVES else (VisitAction.FIELD, VisitAction.MANAGE)
    )
    visit = visit_get(user=request.user, pk=visit_id, action=actions)
    services.visit_transition(
        visit=visit,
        target=wanted.value,
        actor=request.user,
        reason=payload.reason,
        abort_reason=payload.abort_reason,
    )
    return visit_get(user=request.user, pk=visit_id)


class CheckInIn(ApiInput):
    at: datetime
    lat: Latitude
    lon: Longitude
    far_reason: str = Field("", max_length=300)


@router.post("/visits/{visit_id}/check-in", response=VisitOut)
def visits_check_in(request: HttpRequest, visit_id: VisitId, payload: CheckInIn) -> Visit:
    """The team is at the door (online): the gate decides; outside the envelope answers 409
    naming the rules, and a far check-in without a reason 400 on ``far_reason``."""
    visit = visit_get(user=request.user, pk=visit_id, action=VisitAction.FIELD)
    if payload.at.utcoffset() is None:
        raise DomainError("naive_time", _("Give the time with its UTC offset."), field="at")
    services.visit_check_in(
        visit=visit,
        actor=request.user,
        at=payload.at,
        latitude=payload.lat,
        longitude=payload.lon,
        far_reason=payload.far_reason,
    )
    return visit_get(user=request.user, pk=visit_id)


class CompleteIn(ApiInput):
    at: datetime
    outcome: Outcome
    payment_reference: str = Field("", max_length=64)


@router.post("/visits/{visit_id}/complete", response=VisitOut)
def visits_complete(request: HttpRequest, visit_id: VisitId, payload: CompleteIn) -> Visit:
    """Record the outcome; the contact goes to the compliance log under the check-in's decision."""
    visit = visit_get(user=request.user, pk=visit_id, action=VisitAction.FIELD)
    if payload.at.utcoffset() is None:
        raise DomainError("naive_time", _("Give the time with its UTC offset."), field="at")
    services.visit_complete(
        visit=visit,
        actor=request.user,
        at=payload.at,
        outcome=payload.outcome.value,
        payment_reference=payload.payment_reference,
    )
    return visit_get(user=request.user, pk=visit_id)


class DayQuery(Schema):
    day: date | None = Field(None, description="The phone's local date; today by default.")


class BoardRowOut(Schema):
    visit: VisitOut
    last_check_in: str | None
    safety_alerts: int
    overdue: bool

    @staticmethod
    def resolve_last_check_in(row: BoardRow) -> str | None:
        return _local(row.last_check_in)


@router.get("/field/board", response=list[BoardRowOut])
def visits_board(request: HttpRequest, query: Query[DayQuery]) -> list[BoardRow]:
    """The supervisor's board: the day's visits the caller may see, each with its last
    check-in, safety alerts, and whether the team is at the door longer than expected."""
    now = timezone.now()
    return visit_board(user=request.user, day=query.day or timezone.localdate(now), now=now)


@router.post("/visits/{visit_id}/report/sign-off", response=VisitOut)
def visits_report_sign_off(request: HttpRequest, visit_id: VisitId) -> Visit:
    """A manager of the branch signs the visit report off; the visit becomes reported."""
    visit = visit_get(user=request.user, pk=visit_id, action=VisitAction.MANAGE)
    services.visit_report_sign_off(visit=visit, actor=request.user)
    return visit_get(user=request.user, pk=visit_id)


# ---------------------------------------------------------------------------------------------
# The field app


class FieldVisitOut(VisitOut):
    briefing: dict[str, Any]
    address_latitude: str | None
    address_longitude: str | None

    @staticmethod
    def resolve_briefing(visit: Visit) -> dict[str, Any]:
        return visit_briefing(visit)

    @staticmethod
    def resolve_address_latitude(visit: Visit) -> str | None:
        return None if visit.address.latitude is None else str(visit.address.latitude)

    @staticmethod
    def resolve_address_longitude(visit: Visit) -> str | None:
        return None if visit.address.longitude is None else str(visit.address.longitude)


class DayOut(Schema):
    day: date
    agent: str
    visits: list[FieldVisitOut]


@router.get("/field/day", response=DayOut)
def field_day(request: HttpRequest, query: Query[DayQuery]) -> dict[str, Any]:
    """Everything the phone caches for a day offline: the caller's visits in route order,
    each with its envelope and briefing."""
    day = query.day or timezone.localdate()
    visits = list(visits_for_day(user=request.user, day=day))
    staff = staff_for(request.user)
    return {"day": day, "agent": staff.display_name if staff else "", "visits": visits}


class SyncIn(ApiInput):
    records: list[dict[str, Any]] = Field(max_length=MAX_BATCH)


class AnswerOut(Schema):
    id: str
    status: Literal["stored", "flagged", "duplicate", "rejected"]
    flags: list[str]
    message: str
    error: dict[str, Any] | None


class SyncOut(Schema):
    results: list[AnswerOut]
    stored: int
    flagged: int
    duplicate: int
    rejected: int


@router.post("/field/sync", response=SyncOut)
def field_sync_batch(request: HttpRequest, payload: SyncIn) -> dict[str, Any]:
    """Store a batch of records made on the phone, each exactly once however often it is
    sent; answers per record in the order sent (see docs/field-app.md)."""
    answers = field_sync(user=request.user, records=payload.records)
    counts = dict.fromkeys(("stored", "flagged", "duplicate", "rejected"), 0)
    for answer in answers:
        counts[answer.status] += 1
    return {"results": answers, **counts}


class EvidenceFileOut(Schema):
    id: str
    sha256: str
    bytes: int


@router.post(
    "/field/records/{record_id}/file", response={200: EvidenceFileOut, 201: EvidenceFileOut}
)
def field_evidence_upload(
    request: HttpRequest, record_id: uuid.UUID, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """The photo or signature behind an evidence record already synced: accepted only if it
    hashes to the record's SHA-256; sending it again answers 200 and changes nothing."""
    record = field_record_for_upload(user=request.user, client_uuid=record_id)
    stored, created = services.evidence_file_store(
        record=record,
        data=file.read(),
        content_type=file.content_type or "",
        actor=request.user,
    )
    body = {"id": str(record.client_uuid), "sha256": stored.sha256, "bytes": stored.size}
    return Status(201 if created else 200, body)
