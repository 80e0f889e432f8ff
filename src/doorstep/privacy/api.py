"""Privacy over JSON: purposes and retention rules, notice versions, a customer's consents and
the notices they were shown, consent checks, retention runs.

Compliance officers, internal auditors, head-office administrators and complaint handlers
read; compliance officers and complaint handlers record consents and notices shown;
compliance officers publish notices; compliance officers and head-office administrators run
retention. Any other role gets 403.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from doorstep.cases.api import MAX_ID, Time
from doorstep.compliance.proposals import checked_moment
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination, ErrorOut
from doorstep.portfolio.models import Customer
from doorstep.privacy import retention, services
from doorstep.privacy.catalogue import (
    BASIS_NAMES,
    CATEGORY_NAMES,
    HOLD_NAMES,
    PURPOSES,
    RETENTION_RULES,
)
from doorstep.privacy.models import ConsentEvent, Notice, NoticeShown, RetentionRun
from doorstep.privacy.selectors import (
    CONSENT_RECORDERS,
    NOTICE_PUBLISHERS,
    PRIVACY_READERS,
    RETENTION_RUNNERS,
    consent_history,
    consent_in_force,
    customer_consents,
    customer_get,
    may,
    notice_list,
    notices_shown,
    retention_runs,
)
from doorstep.staff.models import Role

router = Router(tags=["privacy"])

CustomerId = Annotated[int, Path(ge=1, le=MAX_ID)]
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
ConsentPurpose = Literal["sensitive_whereabouts", "sensitive_financial", "transfer_to_buyer"]
ChannelName = Literal["letter", "sms", "email", "visit", "call", "app", "branch", "web"]
Language = Literal["zh-hans", "en"]


def _require(request: HttpRequest, roles: frozenset[Role]) -> None:
    if not may(request.user, roles):
        raise services.PrivacyDenied("forbidden", _("Your role may not do this."))


def _customer(customer_id: int) -> Customer:
    return customer_get(customer_id)


class PurposeOut(Schema):
    code: str
    name: str
    basis: str
    basis_label: str
    needs_consent: bool
    sensitive: bool
    categories: list[str]
    citation: str


class RetentionRuleOut(Schema):
    category: str
    name: str
    years_after_close: int
    action: str
    citation: str


class CatalogueOut(Schema):
    purposes: list[PurposeOut]
    retention_rules: list[RetentionRuleOut]
    categories: dict[str, str]
    holds: dict[str, str]


@router.get("/privacy/catalogue", response=CatalogueOut)
def privacy_catalogue(request: HttpRequest) -> dict[str, Any]:
    """Processing purposes with their legal basis, retention rules per data category, the
    data categories and the holds that keep records past their period."""
    _require(request, PRIVACY_READERS)
    return {
        "purposes": [
            {
                "code": p.code,
                "name": _(p.name),
                "basis": p.basis.value,
                "basis_label": _(BASIS_NAMES[p.basis]),
                "needs_consent": p.needs_consent,
                "sensitive": p.sensitive,
                "categories": list(p.categories),
                "citation": p.citation,
            }
            for p in PURPOSES
        ],
        "retention_rules": [
            {
                "category": r.category,
                "name": _(r.name),
                "years_after_close": r.years_after_close,
                "action": r.action.value,
                "citation": r.citation,
            }
            for r in RETENTION_RULES
        ],
        "categories": {code: _(name) for code, name in CATEGORY_NAMES.items()},
        "holds": {kind.value: _(name) for kind, name in HOLD_NAMES.items()},
    }


class NoticeOut(Schema):
    version: int
    text_zh: str
    text_en: str
    effective_from: Time
    published_at: Time
    text_hash: str


class NoticeIn(ApiInput):
    text_zh: str = Field(max_length=20_000)
    text_en: str = Field(max_length=20_000)
    effective_from: datetime | None = Field(None, description="ISO 8601 with its offset.")


@router.get("/privacy/notices", response=list[NoticeOut])
@paginate(BoundedPageNumberPagination)
def privacy_notices(request: HttpRequest) -> Any:
    """Every version of the privacy notice, newest first."""
    _require(request, PRIVACY_READERS)
    return notice_list()


@router.post("/privacy/notices", response={201: NoticeOut})
def privacy_notice_publish(request: HttpRequest, payload: NoticeIn) -> Status[Notice]:
    """Publish the next version of the notice (compliance officers)."""
    _require(request, NOTICE_PUBLISHERS)
    notice = services.notice_publish(
        text_zh=payload.text_zh,
        text_en=payload.text_en,
        effective_from=payload.effective_from,
        actor=request.user,
    )
    return Status(201, notice)


class ConsentEventOut(Schema):
    id: int
    purpose: str
    action: str
    at: Time
    channel: str
    evidence: str
    notice_version: int | None
    recorded_by: str | None

    @staticmethod
    def resolve_notice_version(event: ConsentEvent) -> int | None:
        return event.notice.version if event.notice else None

    @staticmethod
    def resolve_recorded_by(event: ConsentEvent) -> str | None:
        return event.recorded_by.get_username() if event.recorded_by else None


class ConsentStateOut(Schema):
    purpose: str
    in_force: bool


class NoticeShownOut(Schema):
    id: int
    notice_version: int
    language: str
    channel: str
    at: Time
    evidence: str

    @staticmethod
    def resolve_notice_version(shown: NoticeShown) -> int:
        return shown.notice.version


class CustomerPrivacyOut(Schema):
    customer_id: int
    consents: list[ConsentStateOut]
    history: list[ConsentEventOut]
    notices_shown: list[NoticeShownOut]


@router.get("/privacy/customers/{customer_id}", response=CustomerPrivacyOut)
def privacy_customer(request: HttpRequest, customer_id: CustomerId) -> dict[str, Any]:
    """A customer's consents now, every consent event, and the notices they were shown."""
    _require(request, PRIVACY_READERS)
    customer = _customer(customer_id)
    return {
        "customer_id": customer.pk,
        "consents": [
            {"purpose": item.purpose, "in_force": item.in_force}
            for item in customer_consents(customer.pk)
        ],
        "history": list(consent_history(customer.pk)),
        "notices_shown": list(notices_shown(customer.pk)),
    }


class ConsentIn(ApiInput):
    purpose: ConsentPurpose
    action: Literal["given", "withdrawn"]
    channel: ChannelName
    evidence: str = Field(min_length=1, max_length=200)
    at: datetime | None = Field(None, description="When it took effect; default now.")


@router.post(
    "/privacy/customers/{customer_id}/consents", response={201: ConsentEventOut, 409: ErrorOut}
)
def privacy_consent_record(
    request: HttpRequest, customer_id: CustomerId, payload: ConsentIn
) -> Status[ConsentEvent]:
    """Record a consent given or withdrawn. A withdrawal stops what relied on it from its
    time on (the compliance gate's CN-PI-05)."""
    _require(request, CONSENT_RECORDERS)
    customer = _customer(customer_id)
    record = services.consent_give if payload.action == "given" else services.consent_withdraw
    event = record(
        customer=customer,
        purpose=payload.purpose,
        channel=payload.channel,
        evidence=payload.evidence,
        actor=request.user,
        at=payload.at,
    )
    return Status(201, event)


class InForceQuery(Schema):
    at: datetime | None = Field(None, description="ISO 8601 with its offset; default now.")


class InForceOut(Schema):
    customer_id: int
    purpose: str
    at: datetime | None
    in_force: bool


@router.get("/privacy/customers/{customer_id}/consents/{purpose}", response=InForceOut)
def privacy_consent_in_force(
    request: HttpRequest,
    customer_id: CustomerId,
    purpose: ConsentPurpose,
    query: Query[InForceQuery],
) -> dict[str, Any]:
    """Whether the customer's consent for ``purpose`` is in force (now, or at ``at``)."""
    _require(request, PRIVACY_READERS)
    customer = _customer(customer_id)
    if query.at is not None:
        checked_moment(query.at, field="at")
    return {
        "customer_id": customer.pk,
        "purpose": purpose,
        "at": query.at,
        "in_force": consent_in_force(customer.pk, purpose, query.at),
    }


class NoticeShownIn(ApiInput):
    channel: ChannelName
    language: Language = "zh-hans"
    notice_version: int | None = Field(None, ge=1, le=1_000_000)
    at: datetime | None = None
    evidence: str = Field("", max_length=200)


@router.post("/privacy/customers/{customer_id}/notices-shown", response={201: NoticeShownOut})
def privacy_notice_shown(
    request: HttpRequest, customer_id: CustomerId, payload: NoticeShownIn
) -> Status[NoticeShown]:
    """Record that the customer was shown a notice version (the one in force by default)."""
    _require(request, CONSENT_RECORDERS)
    customer = _customer(customer_id)
    notice = (
        get_object_or_404(Notice, version=payload.notice_version)
        if payload.notice_version
        else None
    )
    shown = services.notice_shown_record(
        customer=customer,
        channel=payload.channel,
        language=payload.language,
        notice=notice,
        at=payload.at,
        evidence=payload.evidence,
        actor=request.user,
    )
    return Status(201, shown)


class RunOut(Schema):
    id: int
    status: str
    dry_run: bool
    as_of: date
    started_at: Time
    finished_at: Time | None
    total: int
    processed: int
    report: dict[str, Any]


class RunIn(ApiInput):
    dry_run: bool = True
    as_of: date | None = Field(None, description="Judge expiry on this day; default today.")


@router.get("/privacy/retention/runs", response=list[RunOut])
@paginate(BoundedPageNumberPagination)
def privacy_retention_runs(request: HttpRequest) -> Any:
    """Retention runs, newest first, with their reports."""
    _require(request, PRIVACY_READERS)
    return retention_runs()


@router.get("/privacy/retention/runs/{run_id}", response=RunOut)
def privacy_retention_run(request: HttpRequest, run_id: RunId) -> RetentionRun:
    _require(request, PRIVACY_READERS)
    return get_object_or_404(RetentionRun, pk=run_id)


@router.post("/privacy/retention/runs", response={201: RunOut})
def privacy_retention_start(request: HttpRequest, payload: RunIn) -> Status[RetentionRun]:
    """Run retention now (a dry run by default). The nightly job and ``doorstep privacy
    retention`` do the same; a large bank runs the real thing there."""
    _require(request, RETENTION_RUNNERS)
    run = retention.retention_run(actor=request.user, dry_run=payload.dry_run, as_of=payload.as_of)
    return Status(201, run)
