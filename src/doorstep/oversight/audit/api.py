"""Internal audit over JSON: campaigns (draw one, read one with its report), the review of a
sampled record, findings, and remediation.

Thin: loaded through ``audit.selectors`` (404 outside what the caller may see), every write is
one ``audit.services`` call.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from doorstep.cases.api import MAX_ID, Time
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination, ErrorOut
from doorstep.oversight.audit import services
from doorstep.oversight.audit.sampling import Method
from doorstep.oversight.audit.selectors import (
    campaign_get,
    campaign_report,
    campaign_reproduces,
    campaign_visible,
    finding_get,
    item_get,
    remediation_get,
    remediation_visible,
)
from doorstep.oversight.lookups import branch_by_code, staff_by_number
from doorstep.oversight.models import AuditCampaign, AuditFinding, AuditItem, Remediation

router = Router(tags=["audit"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class CampaignOut(Schema):
    id: int
    name: str
    population_kind: str
    period_start: date
    period_end: date
    branch: str | None
    method: str
    strata_by: str
    size: int
    population_size: int
    seed: str = Field(description="Hex; with the population snapshot it re-draws the sample.")
    population_hash: str
    sample_hash: str
    status: str
    created_at: Time

    @staticmethod
    def resolve_branch(campaign: AuditCampaign) -> str | None:
        return campaign.branch.code if campaign.branch else None


class ItemOut(Schema):
    id: int
    position: int
    record_id: int
    stratum: str
    weight: float
    case_reference: str
    status: str
    results: dict[str, str]
    note: str


class CountOut(Schema):
    key: str
    count: int


class ReportOut(Schema):
    items: int
    reviewed: int
    failures: list[CountOut]
    findings: list[CountOut]
    remediation: dict[str, int]
    overdue_remediation: int


class CampaignDetailOut(CampaignOut):
    reproduces: bool = Field(description="Re-drawn from seed and snapshot, the same sample.")
    report: ReportOut
    items: list[ItemOut]

    @staticmethod
    def resolve_reproduces(campaign: AuditCampaign) -> bool:
        return campaign_reproduces(campaign)

    @staticmethod
    def resolve_report(campaign: AuditCampaign) -> dict[str, Any]:
        report = campaign_report(campaign, today=timezone.localdate())
        return {
            "items": report.items,
            "reviewed": report.reviewed,
            "failures": [{"key": k, "count": n} for k, n in report.failures],
            "findings": [{"key": k, "count": n} for k, n in report.findings],
            "remediation": report.remediation,
            "overdue_remediation": report.overdue_remediation,
        }

    @staticmethod
    def resolve_items(campaign: AuditCampaign) -> list[AuditItem]:
        return list(campaign.items.order_by("position"))


@router.get("/audit/campaigns", response=list[CampaignOut])
@paginate(BoundedPageNumberPagination)
def audit_campaigns(request: HttpRequest) -> Any:
    return campaign_visible(user=request.user)


class CampaignIn(ApiInput):
    name: str = Field(max_length=120)
    population_kind: AuditCampaign.Population
    period_start: date
    period_end: date
    branch: str | None = Field(None, max_length=16, description="A branch code; empty: all.")
    method: Method
    strata_by: str = Field("", max_length=8)
    size: int = Field(ge=1, le=2000)


@router.post("/audit/campaigns", response={201: CampaignDetailOut})
def audit_campaign_draw(request: HttpRequest, payload: CampaignIn) -> Status[AuditCampaign]:
    """Snapshot the population and draw the sample from a fresh seed, both ledgered."""
    branch = branch_by_code(payload.branch) if payload.branch else None
    campaign = services.audit_campaign_draw(
        actor=request.user,
        name=payload.name,
        population_kind=payload.population_kind.value,
        period_start=payload.period_start,
        period_end=payload.period_end,
        branch=branch,
        method=payload.method.value,
        strata_by=payload.strata_by,
        size=payload.size,
    )
    return Status(201, campaign_get(user=request.user, pk=campaign.pk))


@router.get("/audit/campaigns/{campaign_id}", response=CampaignDetailOut)
def audit_campaign(request: HttpRequest, campaign_id: Id) -> AuditCampaign:
    return campaign_get(user=request.user, pk=campaign_id)


@router.post(
    "/audit/campaigns/{campaign_id}/close", response={200: CampaignDetailOut, 409: ErrorOut}
)
def audit_campaign_close(request: HttpRequest, campaign_id: Id) -> AuditCampaign:
    campaign = campaign_get(user=request.user, pk=campaign_id)
    services.audit_campaign_close(campaign=campaign, actor=request.user)
    return campaign_get(user=request.user, pk=campaign_id)


class ReviewIn(ApiInput):
    results: dict[str, str] = Field(description="Every checklist item: pass, fail or na.")
    note: str = Field("", max_length=2000)


@router.post("/audit/items/{item_id}/review", response={200: ItemOut, 409: ErrorOut})
def audit_item_review(request: HttpRequest, item_id: Id, payload: ReviewIn) -> AuditItem:
    item = item_get(user=request.user, pk=item_id)
    return services.audit_item_review(
        item=item, actor=request.user, results=payload.results, note=payload.note
    )


class FindingIn(ApiInput):
    severity: AuditFinding.Severity
    description: str = Field(max_length=2000)
    checklist_item: str = Field("", max_length=32)


class FindingOut(Schema):
    id: int
    severity: str
    checklist_item: str
    description: str
    at: Time


@router.post("/audit/items/{item_id}/findings", response={201: FindingOut, 409: ErrorOut})
def audit_finding_add(
    request: HttpRequest, item_id: Id, payload: FindingIn
) -> Status[AuditFinding]:
    item = item_get(user=request.user, pk=item_id)
    finding = services.audit_finding_add(
        item=item,
        actor=request.user,
        severity=payload.severity.value,
        description=payload.description,
        checklist_item=payload.checklist_item,
    )
    return Status(201, finding)


class RemediationIn(ApiInput):
    owner: str = Field(max_length=20, description="The owner's employee number.")
    action: str = Field(max_length=2000)
    due_on: date


class RemediationOut(Schema):
    id: int
    finding: int
    action: str
    owner: str
    due_on: date
    status: str
    done_note: str

    @staticmethod
    def resolve_finding(action: Remediation) -> int:
        return action.finding_id

    @staticmethod
    def resolve_owner(action: Remediation) -> str:
        return action.owner.employee_number


@router.post("/audit/findings/{finding_id}/remediation", response={201: RemediationOut})
def audit_remediation_assign(
    request: HttpRequest, finding_id: Id, payload: RemediationIn
) -> Status[Remediation]:
    finding = finding_get(user=request.user, pk=finding_id)
    owner = staff_by_number(payload.owner, field="owner")
    action = services.remediation_assign(
        finding=finding,
        actor=request.user,
        owner=owner,
        action=payload.action,
        due_on=payload.due_on,
    )
    return Status(201, action)


@router.get("/audit/remediation", response=list[RemediationOut])
@paginate(BoundedPageNumberPagination)
def audit_remediation_list(request: HttpRequest) -> Any:
    """Remediation actions the caller owns or oversees, the earliest due first."""
    return remediation_visible(user=request.user)


class UpdateIn(ApiInput):
    note: str = Field("", max_length=2000)


class VerifyIn(UpdateIn):
    accept: bool


@router.post("/audit/remediation/{action_id}/done", response={200: RemediationOut, 409: ErrorOut})
def audit_remediation_done(request: HttpRequest, action_id: Id, payload: UpdateIn) -> Remediation:
    action = remediation_get(user=request.user, pk=action_id)
    return services.remediation_done(remediation=action, actor=request.user, note=payload.note)


@router.post("/audit/remediation/{action_id}/verify", response={200: RemediationOut, 409: ErrorOut})
def audit_remediation_verify(request: HttpRequest, action_id: Id, payload: VerifyIn) -> Remediation:
    action = remediation_get(user=request.user, pk=action_id)
    return services.remediation_verify(
        remediation=action, actor=request.user, accept=payload.accept, note=payload.note
    )
