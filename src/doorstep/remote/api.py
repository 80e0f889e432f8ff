"""Remote collection over JSON: allocation rules and runs, the phone queue and calls, templates
and campaigns, and the gateway's delivery receipts (signed by the gateway, not a staff token).
Thin: parse, one selector or service call, serialise. Money is a string with two decimals;
times are ISO 8601 with their offset.

No ``from __future__ import annotations``: Ninja reads the signatures at import time.
"""

import hashlib
import hmac
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja.responses import Status
from ninja.security import APIKeyHeader
from pydantic import AwareDatetime, PlainSerializer, WithJsonSchema

from doorstep.cases.selectors import CaseAction, CaseNotFound, case_get
from doorstep.core.api_errors import ApiInput, ErrorOut
from doorstep.core.errors import DomainError
from doorstep.core.masking import mask_phone
from doorstep.remote import clock, services
from doorstep.remote.models import (
    AllocationMove,
    AllocationRule,
    AllocationRun,
    Call,
    Campaign,
    CampaignMessage,
    MessageTemplate,
    QualityReview,
    TemplateVersion,
    VulnerabilityFlag,
)
from doorstep.remote.selectors import (
    MANAGERS,
    QueueItem,
    Trend,
    call_get,
    campaign_get,
    managed_branch,
    quality_trends,
    queue,
    rules_in_force,
    run_get,
    staff_in,
    template_get,
    template_list,
)
from doorstep.staff.models import Branch, StaffMember, Team

router = Router(tags=["remote"])
MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Money = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "2000.00"}),
]


def _branch(branch_id: int | None) -> Branch | None:
    if branch_id is None:
        return None
    branch = Branch.objects.filter(pk=branch_id).first()
    if branch is None:
        raise DomainError("unknown_branch", _("No branch has that id."), field="branch_id")
    return branch


# ---------------------------------------------------------------------------------------------
# Allocation


class RuleIn(ApiInput):
    name: str = Field(max_length=100)
    position: int = Field(ge=0, le=10_000)
    team_id: int = Field(ge=1, le=MAX_ID)
    branch_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    buckets: list[str] = Field(default_factory=list, max_length=10)
    products: list[str] = Field(default_factory=list, max_length=10)
    min_amount: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    max_amount: Decimal | None = Field(default=None, ge=0, max_digits=16, decimal_places=2)
    agent_cap: int = Field(default=200, ge=1, le=100_000)
    rotate_after_days: int | None = Field(default=None, ge=1, le=3650)
    languages: list[str] = Field(
        default_factory=list, max_length=10, description="The debtor's preferred languages."
    )
    risk_bands: list[str] = Field(
        default_factory=list, max_length=4, description="high, medium, low, unscored."
    )


class RuleOut(Schema):
    id: int
    position: int
    name: str
    branch_id: int | None
    team_id: int
    buckets: list[str]
    products: list[str]
    min_amount: Money | None
    max_amount: Money | None
    agent_cap: int
    rotate_after_days: int | None
    languages: list[str]
    risk_bands: list[str]


@router.get("/remote/allocation/rules", response=list[RuleOut])
def rules_list(request: HttpRequest) -> list[AllocationRule]:
    """The active rules of the caller's branch (head office: every rule), in the order tried."""
    return rules_in_force(branch=managed_branch(request.user, None))


@router.post("/remote/allocation/rules", response={201: RuleOut})
def rules_create(request: HttpRequest, payload: RuleIn) -> Status[AllocationRule]:
    staff_in(request.user, MANAGERS)  # the role first: nobody else learns which ids exist
    team = Team.objects.filter(pk=payload.team_id).first()
    if team is None:
        raise DomainError("unknown_team", _("No team has that id."), field="team_id")
    rule = services.allocation_rule_save(
        actor=request.user,
        name=payload.name,
        team=team,
        position=payload.position,
        branch=_branch(payload.branch_id),
        buckets=payload.buckets,
        products=payload.products,
        min_amount=payload.min_amount,
        max_amount=payload.max_amount,
        agent_cap=payload.agent_cap,
        rotate_after_days=payload.rotate_after_days,
        languages=payload.languages,
        risk_bands=payload.risk_bands,
    )
    return Status(201, rule)


class RunIn(ApiInput):
    as_of: date | None = None
    apply: bool = False
    branch_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class MoveOut(Schema):
    case_id: int
    case_reference: str
    from_agent_id: int | None
    to_agent_id: int | None
    team_id: int
    rule_id: int | None
    reason: str

    @staticmethod
    def resolve_case_reference(move: AllocationMove) -> str:
        return move.case.reference


class RunOut(Schema):
    id: int
    mode: str
    as_of: date
    branch_id: int | None
    moved: int
    no_capacity: int
    rules: list[dict[str, Any]]
    moves: list[MoveOut]

    @staticmethod
    def resolve_moves(run: AllocationRun) -> list[AllocationMove]:
        return list(run.moves.select_related("case"))


@router.post("/remote/allocation/runs", response={201: RunOut})
def runs_create(request: HttpRequest, payload: RunIn) -> Status[AllocationRun]:
    """Simulate (``apply`` false, the default) or apply the stored rules; both answer the
    moves, and a simulation's moves are what applying on the same data does."""
    run = services.allocation_run(
        actor=request.user,
        as_of=payload.as_of or clock.now().date(),
        apply=payload.apply,
        branch=_branch(payload.branch_id),
    )
    return Status(201, run)


@router.get("/remote/allocation/runs/{run_id}", response=RunOut)
def runs_detail(request: HttpRequest, run_id: Id) -> AllocationRun:
    return run_get(user=request.user, pk=run_id)


class OverrideIn(ApiInput):
    agent_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(max_length=500)
    until: date | None = None


class OverrideOut(Schema):
    case_id: int
    agent_id: int
    until: date | None


@router.post("/remote/cases/{case_id}/override", response={201: OverrideOut})
def cases_override(request: HttpRequest, case_id: Id, payload: OverrideIn) -> Status[Any]:
    """Give the case to an agent by hand, with a reason; automatic allocation leaves it."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.ASSIGN)
    agent = StaffMember.objects.filter(pk=payload.agent_id).first()
    if agent is None:
        raise DomainError("unknown_agent", _("No staff member has that id."), field="agent_id")
    pin = services.allocation_override(
        case=case, agent=agent, actor=request.user, reason=payload.reason, until=payload.until
    )
    return Status(201, pin)


class FlagIn(ApiInput):
    kind: str = Field(max_length=20)
    note: str = Field(default="", max_length=500)


class FlagOut(Schema):
    id: int
    kind: str
    handling: str
    hold_id: int | None
    contact_approved_until: date | None
    ended_at: datetime | None


@router.post("/remote/cases/{case_id}/vulnerability", response={201: FlagOut})
def cases_flag(request: HttpRequest, case_id: Id, payload: FlagIn) -> Status[Any]:
    """Flag the debtor (serious_illness, elderly, bereaved, deceased, bankruptcy); the answer
    says the handling the bank set for that kind (hold, specialist, approval)."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.NOTE)
    flag = services.vulnerability_flag(
        case=case, kind=payload.kind, actor=request.user, note=payload.note
    )
    return Status(201, flag)


class ReasonIn(ApiInput):
    reason: str = Field(max_length=500)


def _flag(request: HttpRequest, case_id: int, flag_id: int, action: CaseAction) -> Any:
    case = case_get(user=request.user, pk=case_id, action=action)
    flag = VulnerabilityFlag.objects.filter(pk=flag_id, customer_id=case.customer_id).first()
    if flag is None:
        raise CaseNotFound
    return case, flag


@router.post("/remote/cases/{case_id}/vulnerability/{flag_id}/end", response=FlagOut)
def flags_end(request: HttpRequest, case_id: Id, flag_id: Id, payload: ReasonIn) -> Any:
    case, flag = _flag(request, case_id, flag_id, CaseAction.ASSIGN)
    return services.vulnerability_end(
        flag=flag, case=case, actor=request.user, reason=payload.reason
    )


class ApprovalOut(Schema):
    id: int
    kind: str
    status: str


@router.post(
    "/remote/cases/{case_id}/vulnerability/{flag_id}/contact-requests",
    response={201: ApprovalOut},
)
def flags_contact_request(
    request: HttpRequest, case_id: Id, flag_id: Id, payload: ReasonIn
) -> Status[Any]:
    """Ask a manager of the branch to approve contact for 7 days (flags handled by approval)."""
    case, flag = _flag(request, case_id, flag_id, CaseAction.NOTE)
    approval = services.vulnerable_contact_request(
        flag=flag, case=case, actor=request.user, reason=payload.reason
    )
    return Status(201, approval)


# ---------------------------------------------------------------------------------------------
# Phone queue


class QueueItemOut(Schema):
    case_id: int
    reference: str
    customer_name: str
    bucket: str
    past_due: Money
    priority: int | None
    follow_up: str | None
    verdict: str


def _item(item: QueueItem) -> dict[str, Any]:
    return {
        "case_id": item.case.pk,
        "reference": item.case.reference,
        "customer_name": item.case.customer.name,
        "bucket": item.case.bucket,
        "past_due": item.case.past_due,
        "priority": item.priority,
        "follow_up": item.follow_up.kind if item.follow_up else None,
        "verdict": item.decision.verdict,
    }


@router.get("/remote/queue", response=list[QueueItemOut])
def queue_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's phone queue now: only cases the gate allows a call to at this moment."""
    return [_item(item) for item in queue(user=request.user, at=clock.now())]


class CallOut(Schema):
    id: int
    case_id: int
    reference: str
    decision_id: int
    phone_masked: str
    started_at: datetime
    dialer_ref: str
    wrapped_at: datetime | None
    outcome: str
    duration_seconds: int | None
    recording_sha256: str

    @staticmethod
    def resolve_reference(call: Call) -> str:
        return call.case.reference

    @staticmethod
    def resolve_phone_masked(call: Call) -> str:
        return mask_phone(call.phone.number) if call.phone else ""


@router.post("/remote/queue/next", response={201: CallOut, 204: None})
def queue_next(request: HttpRequest) -> Status[Any]:
    """Open the next call (or the one still open): the gate decides it first and the dialer
    is asked to dial. 204 when the queue is empty."""
    call = services.call_next(user=request.user, at=clock.now())
    if call is None:
        return Status(204, None)
    return Status(201, call)


class WrapUpIn(ApiInput):
    outcome: str = Field(max_length=20)
    duration_seconds: int = Field(ge=0, le=services.MAX_CALL_SECONDS)
    notes: str = Field(default="", max_length=4000)
    recording_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    promise_amount: Decimal | None = Field(default=None, gt=0, max_digits=16, decimal_places=2)
    promise_due_on: date | None = None
    callback_at: datetime | None = None


@router.post("/remote/calls/{call_id}/wrap-up", response=CallOut)
def calls_wrap_up(request: HttpRequest, call_id: Id, payload: WrapUpIn) -> Call:
    """Close the call with its outcome code (right_party, promise, callback, dispute,
    hardship, refusal, third_party, wrong_number, no_answer). Over JSON a recording is given
    by its SHA-256; the screen uploads the file and hashes it."""
    call = call_get(user=request.user, pk=call_id)
    wrapped = services.call_wrap_up(
        call=call,
        actor=request.user,
        outcome=payload.outcome,
        duration_seconds=payload.duration_seconds,
        at=clock.now(),
        notes=payload.notes,
        promise_amount=payload.promise_amount,
        promise_due_on=payload.promise_due_on,
        callback_at=payload.callback_at,
        recording_sha256=payload.recording_sha256,
    )
    return wrapped


# ---------------------------------------------------------------------------------------------
# Templates and campaigns


class VersionOut(Schema):
    id: int
    number: int
    subject: str
    body: str
    status: str
    approval_id: int | None


class TemplateOut(Schema):
    id: int
    code: str
    name: str
    channel: str
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(template: MessageTemplate) -> list[TemplateVersion]:
        return sorted(template.versions.all(), key=lambda v: -v.number)


class TemplateIn(ApiInput):
    code: str = Field(max_length=40, pattern=r"^[a-z0-9-]+$")
    name: str = Field(max_length=100)
    channel: str = Field(max_length=8)


@router.get("/remote/templates", response=list[TemplateOut])
def templates_list(request: HttpRequest) -> list[MessageTemplate]:
    return list(template_list(user=request.user))


@router.post("/remote/templates", response={201: TemplateOut})
def templates_create(request: HttpRequest, payload: TemplateIn) -> Status[MessageTemplate]:
    template = services.template_create(
        code=payload.code, name=payload.name, channel=payload.channel, actor=request.user
    )
    return Status(201, template)


class VersionIn(ApiInput):
    body: str = Field(max_length=4000)
    subject: str = Field(default="", max_length=200)
    reason: str = Field(max_length=500)


@router.post("/remote/templates/{template_id}/versions", response={201: VersionOut})
def templates_propose(
    request: HttpRequest, template_id: Id, payload: VersionIn
) -> Status[TemplateVersion]:
    """A new version, screened (prohibited wording answers 400 ``prohibited_content`` naming
    the rules and words) and sent to compliance for approval."""
    template = template_get(user=request.user, pk=template_id)
    version = services.template_version_propose(
        template=template,
        body=payload.body,
        subject=payload.subject,
        actor=request.user,
        reason=payload.reason,
    )
    return Status(201, version)


class CampaignIn(ApiInput):
    name: str = Field(max_length=100)
    version_id: int = Field(ge=1, le=MAX_ID)
    scheduled_at: datetime
    branch_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    buckets: list[str] = Field(default_factory=list, max_length=10)
    min_dpd: int | None = Field(default=None, ge=0, le=100_000)
    max_dpd: int | None = Field(default=None, ge=0, le=100_000)


class CampaignOut(Schema):
    id: int
    name: str
    version_id: int
    branch_id: int | None
    buckets: list[str]
    min_dpd: int | None
    max_dpd: int | None
    scheduled_at: datetime
    status: str
    targeted: int
    sent: int
    blocked: int
    failed: int
    blocked_by_rule: dict[str, int]


@router.post("/remote/campaigns", response={201: CampaignOut})
def campaigns_create(request: HttpRequest, payload: CampaignIn) -> Status[Campaign]:
    managed_branch(request.user, None)  # 403 before anything is looked up
    version = get_object_or_404(TemplateVersion, pk=payload.version_id)
    campaign = services.campaign_create(
        actor=request.user,
        name=payload.name,
        version=version,
        scheduled_at=payload.scheduled_at,
        branch=_branch(payload.branch_id),
        buckets=payload.buckets,
        min_dpd=payload.min_dpd,
        max_dpd=payload.max_dpd,
    )
    return Status(201, campaign)


@router.get("/remote/campaigns/{campaign_id}", response=CampaignOut)
def campaigns_detail(request: HttpRequest, campaign_id: Id) -> Campaign:
    return campaign_get(user=request.user, pk=campaign_id)


@router.post("/remote/campaigns/{campaign_id}/send", response=CampaignOut)
def campaigns_send(request: HttpRequest, campaign_id: Id) -> Campaign:
    """Send a due campaign now, without waiting for the worker (409 ``not_due`` before its
    scheduled time). Sending twice answers the first result."""
    campaign = campaign_get(user=request.user, pk=campaign_id)
    return services.campaign_run(campaign=campaign, at=clock.now())


# ---------------------------------------------------------------------------------------------
# Quality review


class SampleIn(ApiInput):
    since: date
    until: date
    per_agent: int = Field(ge=1, le=100)
    method: str = Field(max_length=8, description="random or risk")
    seed: int | None = Field(default=None, ge=0, le=2**52)
    branch_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class ReviewOut(Schema):
    id: int
    call_id: int
    agent_id: int
    method: str
    seed: int
    score: int | None
    answers: dict[str, bool]


@router.post("/remote/quality/samples", response={201: list[ReviewOut]})
def quality_samples(request: HttpRequest, payload: SampleIn) -> Status[Any]:
    """Sample calls for review, per agent, random or risk-weighted (seed kept)."""
    reviews = services.quality_sample(
        actor=request.user,
        since=payload.since,
        until=payload.until,
        per_agent=payload.per_agent,
        method=payload.method,
        seed=payload.seed,
        branch=_branch(payload.branch_id),
    )
    return Status(201, reviews)


class ReviewIn(ApiInput):
    answers: dict[str, bool] = Field(description="Every checklist item: true or false.")
    coaching: str = Field(default="", max_length=4000)


@router.post("/remote/quality/reviews/{review_id}", response=ReviewOut)
def quality_reviews(request: HttpRequest, review_id: Id, payload: ReviewIn) -> QualityReview:
    review = QualityReview.objects.filter(pk=review_id).first()
    if review is None:
        raise CaseNotFound
    return services.quality_review(
        review=review, actor=request.user, answers=payload.answers, coaching=payload.coaching
    )


class TrendOut(Schema):
    month: date
    key: int | None
    name: str
    reviews: int
    average: float


@router.get("/remote/quality/trends", response=list[TrendOut])
def quality_trend_list(request: HttpRequest, by: str = "agent") -> list[Trend]:
    """Average review score per month, by ``agent`` or ``team``."""
    return quality_trends(user=request.user, by=by)


# ---------------------------------------------------------------------------------------------
# Delivery receipts from the SMS/e-mail gateway


class ReceiptsDisabled(DomainError):
    status = 503


class BadSignature(DomainError):
    status = 401


SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


class GatewaySignature(APIKeyHeader):
    """The gateway signs each receipt: ``X-Gateway-Signature: sha256=<hex>``, the HMAC-SHA256 of
    the raw body under ``settings.SMS_GATEWAY_RECEIPT_SECRET``. Checked before the body is
    parsed, so nothing unsigned is ever read. A request without a well-formed signature is
    refused (401) whatever the configuration; a signed one while no secret is configured gets
    503, which a gateway retries once receipts are switched on."""

    param_name = "X-Gateway-Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:
        given = SIGNATURE.fullmatch(key or "")
        if given is None:
            raise BadSignature(
                "bad_signature", _("Sign the body: X-Gateway-Signature: sha256=<hex>.")
            )
        secret = settings.SMS_GATEWAY_RECEIPT_SECRET
        if not secret:
            raise ReceiptsDisabled(
                "receipts_disabled", _("Delivery receipts are not switched on here.")
            )
        expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given.group(1).lower()):
            raise BadSignature("bad_signature", _("The signature does not match the body."))
        return "gateway"


class ReceiptIn(ApiInput):
    ref: str = Field(min_length=1, max_length=64, description="The gateway's reference.")
    delivered: bool
    at: AwareDatetime = Field(description="When it was delivered (or given up), with its offset.")


class ReceiptOut(Schema):
    ref: str
    kind: str = Field(description="campaign_message or promise_reminder")
    id: int
    status: str
    contact_id: int | None


@router.post(
    "/gateway/receipts",
    auth=GatewaySignature(),
    response={200: ReceiptOut, 409: ErrorOut, 503: ErrorOut},
)
def gateway_receipts(request: HttpRequest, payload: ReceiptIn) -> dict[str, Any]:
    """One delivery receipt from the SMS/e-mail gateway, for a campaign message or a promise
    reminder it accepted earlier: the contact is recorded, delivered or not. 404 ``unknown_ref``
    naming ``ref``; 409 ``receipt_twice`` for a second receipt (a replay changes nothing); 401
    ``bad_signature``; 503 ``receipts_disabled`` while no secret is configured."""
    done = services.gateway_receipt(ref=payload.ref, delivered=payload.delivered, at=payload.at)
    kind = "campaign_message" if isinstance(done, CampaignMessage) else "promise_reminder"
    return {
        "ref": payload.ref,
        "kind": kind,
        "id": done.pk,
        "status": done.status,
        "contact_id": done.contact_id,
    }
