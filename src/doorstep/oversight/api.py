"""Approvals over JSON: the inbox, what one may see, one request with its history, decisions.

Thin: requests are loaded through ``oversight.selectors`` (404 outside what the caller may see),
every write is one ``oversight.services`` call.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from enum import StrEnum
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from doorstep.cases.api import MAX_ID, Money, Time
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination, ErrorOut
from doorstep.core.templatetags.ui import person
from doorstep.oversight import services
from doorstep.oversight.approval_lifecycle import ApprovalStatus
from doorstep.oversight.models import ApprovalEvent, ApprovalRequest, ApprovalVote
from doorstep.oversight.registry import get_kind
from doorstep.oversight.selectors import (
    approval_get,
    approval_history,
    approval_inbox,
    approval_visible,
    can_decide,
)

router = Router(tags=["oversight"])

ApprovalId = Annotated[int, Path(ge=1, le=MAX_ID)]


class Box(StrEnum):
    INBOX = "inbox"
    VISIBLE = "visible"


class RouteOut(Schema):
    roles: list[str]
    branch: int | None
    committee: str
    quorum: int


class ApprovalOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    summary: str
    reason: str
    payload: dict[str, Any]
    subject: str = Field(description="The thing the request would change, as app.model:id.")
    requested_by: str
    branch: str | None
    amount: Money | None
    risk: int | None
    level: int = Field(description="0 where the request started; one more per escalation.")
    route: RouteOut = Field(description="Who may decide it now.")
    due_at: Time
    overdue: bool
    created_at: Time
    decided_at: Time | None

    @staticmethod
    def resolve_kind_label(request: ApprovalRequest) -> str:
        kind = get_kind(request.kind)
        return str(kind.label) if kind is not None else request.kind

    @staticmethod
    def resolve_status_label(request: ApprovalRequest) -> str:
        return str(request.get_status_display())

    @staticmethod
    def resolve_subject(request: ApprovalRequest) -> str:
        model = request.subject_type.model_class()
        label = model._meta.label_lower if model is not None else "unknown"
        return f"{label}:{request.subject_id}"

    @staticmethod
    def resolve_requested_by(request: ApprovalRequest) -> str:
        return person(request.requested_by)

    @staticmethod
    def resolve_branch(request: ApprovalRequest) -> str | None:
        return request.branch.code if request.branch else None

    @staticmethod
    def resolve_overdue(request: ApprovalRequest) -> bool:
        return request.is_open and request.due_at < timezone.now()


class VoteOut(Schema):
    voter: str
    approve: bool
    reason: str
    level: int
    at: Time

    @staticmethod
    def resolve_voter(vote: ApprovalVote) -> str:
        return person(vote.voter)


class EventOut(Schema):
    action: str
    actor: str
    from_status: str
    to_status: str
    level: int
    reason: str
    details: dict[str, Any]
    at: Time

    @staticmethod
    def resolve_actor(event: ApprovalEvent) -> str:
        return person(event.actor)


class ApprovalDetailOut(ApprovalOut):
    can_decide: bool = Field(description="Whether the caller may approve or reject it now.")
    votes: list[VoteOut]
    events: list[EventOut] = Field(description="The history, oldest first.")

    @staticmethod
    def resolve_can_decide(request: ApprovalRequest, context: dict[str, Any]) -> bool:
        return can_decide(user=context["request"].user, request=request)

    @staticmethod
    def resolve_votes(request: ApprovalRequest) -> list[ApprovalVote]:
        return list(approval_history(request)["votes"])

    @staticmethod
    def resolve_events(request: ApprovalRequest) -> list[ApprovalEvent]:
        return list(approval_history(request)["events"])


class ApprovalQuery(Schema):
    box: Box = Field(
        Box.VISIBLE, description="`inbox`: what you may decide now; `visible`: all you may see."
    )
    status: ApprovalStatus | None = None
    kind: str | None = Field(None, max_length=64)


@router.get("/approvals", response=list[ApprovalOut])
@paginate(BoundedPageNumberPagination)
def approvals_list(request: HttpRequest, filters: Query[ApprovalQuery]) -> list[ApprovalRequest]:
    """Approval requests: the caller's inbox (the most urgent first), or everything they may
    see (the newest first)."""
    if filters.box is Box.INBOX:
        found = approval_inbox(user=request.user)
    else:
        found = list(approval_visible(user=request.user).select_related("subject_type"))
    return [
        item
        for item in found
        if (filters.status is None or item.status == filters.status.value)
        and (filters.kind is None or item.kind == filters.kind)
    ]


@router.get("/approvals/{approval_id}", response=ApprovalDetailOut)
def approvals_detail(request: HttpRequest, approval_id: ApprovalId) -> ApprovalRequest:
    """One request with its votes and its history, and whether the caller may decide it."""
    return approval_get(user=request.user, pk=approval_id)


class DecideIn(ApiInput):
    approve: bool
    reason: str = Field(max_length=2000)


@router.post("/approvals/{approval_id}/decide", response={200: ApprovalDetailOut, 409: ErrorOut})
def approvals_decide(
    request: HttpRequest, approval_id: ApprovalId, payload: DecideIn
) -> ApprovalRequest:
    """Approve or reject with a reason. Nobody decides their own request; the request must be
    routed to the caller; a committee needs its quorum of distinct approvals."""
    approval = approval_get(user=request.user, pk=approval_id)
    approval = services.approval_decide(
        request=approval, approver=request.user, approve=payload.approve, reason=payload.reason
    )
    return approval_get(user=request.user, pk=approval.pk)


class WithdrawIn(ApiInput):
    reason: str = Field(max_length=2000)


@router.post("/approvals/{approval_id}/withdraw", response={200: ApprovalDetailOut, 409: ErrorOut})
def approvals_withdraw(
    request: HttpRequest, approval_id: ApprovalId, payload: WithdrawIn
) -> ApprovalRequest:
    """Take back a request you made, while it is open."""
    approval = approval_get(user=request.user, pk=approval_id)
    approval = services.approval_withdraw(
        request=approval, actor=request.user, reason=payload.reason
    )
    return approval_get(user=request.user, pk=approval.pk)
