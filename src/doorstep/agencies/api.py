"""Agencies, placements, recalls and write-offs over JSON. Thin: parse, one service call,
serialise. Money is a string with two decimals.

No ``from __future__ import annotations``: Ninja reads the signatures at import time.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema
from ninja.responses import Status

from doorstep.agencies import sales, services, writeoffs
from doorstep.agencies.models import Buyer, Placement, PlacementBatch, Sale, WriteOff
from doorstep.agencies.rules import MAX_BATCH, PlacementRules
from doorstep.agencies.selectors import (
    PLACING_ROLES,
    REGISTER_ROLES,
    agency_get,
    batch_get,
    performance,
    staff_in,
)
from doorstep.cases.api import CaseId, Money
from doorstep.cases.delinquency import Bucket
from doorstep.cases.selectors import case_get, case_visible
from doorstep.core.api_errors import ApiInput

router = Router(tags=["agencies"])
MAX_ID = 2**63 - 1
AgencyId = Annotated[int, Path(ge=1, le=MAX_ID)]


class PerformanceOut(Schema):
    id: int
    code: str
    name: str
    placed: int
    in_force: int
    outstanding: Money
    recovered: Money
    recovery_rate: Decimal | None = Field(description="Per cent of what was unpaid when placed.")
    complaints: int
    complaint_rate: Decimal | None = Field(description="Complaints per 100 placements.")
    promises_judged: int
    promises_kept: int
    kept_rate: Decimal | None
    commission: Money


@router.get("/agencies", response=list[PerformanceOut])
def agencies_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every agency with its performance over all its placements."""
    return [
        {
            "id": row.agency.pk,
            "code": row.agency.code,
            "name": row.agency.name,
            **{k: v for k, v in row.__dict__.items() if k != "agency"},
        }
        for row in performance(user=request.user)
    ]


class PlacementOut(Schema):
    case_id: int
    case: str
    bucket: str
    outstanding: Money
    ends_on: date
    recalled: bool
    recall_reason: str

    @staticmethod
    def resolve_case(placement: Placement) -> str:
        return placement.case.reference

    @staticmethod
    def resolve_recalled(placement: Placement) -> bool:
        return placement.recalled_at is not None


class BatchOut(Schema):
    reference: str
    agency: str
    ends_on: date
    rules: dict[str, Any]
    placements: list[PlacementOut]

    @staticmethod
    def resolve_agency(batch: PlacementBatch) -> str:
        return batch.agency.code

    @staticmethod
    def resolve_placements(batch: PlacementBatch) -> list[Placement]:
        return list(batch.placements.select_related("case").order_by("case__reference"))


class PlaceIn(ApiInput):
    buckets: list[Bucket] = []
    branch: int | None = Field(None, ge=1, le=MAX_ID)
    min_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    max_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    min_dpd: int | None = Field(None, ge=0, le=100_000)
    max_dpd: int | None = Field(None, ge=0, le=100_000)
    limit: int = Field(100, ge=1, le=MAX_BATCH)
    ends_on: date


@router.post("/agencies/{agency_id}/placements", response={201: BatchOut})
def agencies_place(
    request: HttpRequest, agency_id: AgencyId, payload: PlaceIn
) -> Status[PlacementBatch]:
    """Place the cases the rules choose with the agency, as one batch."""
    agency = agency_get(user=request.user, pk=agency_id)
    if staff_in(request.user, PLACING_ROLES) is None:
        raise Http404
    batch = services.placement_place(
        actor=request.user,
        agency=agency,
        rules=PlacementRules(
            buckets=tuple(b.value for b in payload.buckets),
            branch=payload.branch,
            min_amount=payload.min_amount,
            max_amount=payload.max_amount,
            min_dpd=payload.min_dpd,
            max_dpd=payload.max_dpd,
            limit=payload.limit,
        ),
        ends_on=payload.ends_on,
    )
    return Status(201, batch)


@router.get("/agency-batches/{reference}", response=BatchOut)
def batches_detail(request: HttpRequest, reference: str) -> PlacementBatch:
    return batch_get(user=request.user, reference=reference)


class RecallIn(ApiInput):
    note: str = Field(max_length=500)
    case_ids: list[int] = Field([], description="Cases to recall; all still placed if empty.")


@router.post("/agency-batches/{reference}/recall", response=BatchOut)
def batches_recall(request: HttpRequest, reference: str, payload: RecallIn) -> PlacementBatch:
    """Recall cases of the batch at the bank's will; the agency loses access at once."""
    batch = batch_get(user=request.user, reference=reference)
    if staff_in(request.user, PLACING_ROLES) is None:
        raise Http404
    placements = Placement.objects.filter(batch=batch, recalled_at__isnull=True)
    if payload.case_ids:
        placements = placements.filter(case_id__in=payload.case_ids)
    services.placements_recall(actor=request.user, placements=placements, note=payload.note)
    return batch


class WriteOffIn(ApiInput):
    reason: str = Field(max_length=2000)


class WriteOffOut(Schema):
    reference: str
    case: str
    status: str
    principal: Money
    interest: Money
    fees: Money
    total: Money
    as_of: date
    approval_id: int | None

    @staticmethod
    def resolve_case(write_off: WriteOff) -> str:
        return write_off.case.reference


@router.post("/cases/{case_id}/write-off", response={201: WriteOffOut})
def cases_write_off(request: HttpRequest, case_id: CaseId, payload: WriteOffIn) -> Status[WriteOff]:
    """Propose writing the case off; the credit committee decides."""
    case = case_get(user=request.user, pk=case_id)
    return Status(
        201, writeoffs.writeoff_propose(actor=request.user, case=case, reason=payload.reason)
    )


class AccountReconciliationOut(Schema):
    account: str
    written_off: Money
    owed_at_booking: Money
    recovered: Money
    status: str
    matches: bool


class ReconciliationOut(Schema):
    principal: Money
    interest: Money
    fees: Money
    total: Money
    lines_total: Money
    recovered: Money
    balanced: bool
    accounts: list[AccountReconciliationOut]
    charged_off_without_write_off: list[str]


@router.get("/write-offs/reconciliation", response=ReconciliationOut)
def write_offs_reconciliation(request: HttpRequest) -> Any:
    """Booked write-offs against the accounts, and the recoveries since."""
    try:
        return writeoffs.reconciliation(user=request.user)
    except writeoffs.WriteOffRefused:
        raise Http404 from None


class SaleIn(ApiInput):
    buyer: str = Field(max_length=32, description="The buyer's code.")
    case_ids: list[int] = Field(min_length=1, max_length=10_000)
    price: Decimal = Field(gt=0, max_digits=16, decimal_places=2)


class SaleOut(Schema):
    reference: str
    buyer: str
    price: Money
    status: str
    cases: int
    file_sha256: str

    @staticmethod
    def resolve_buyer(sale: Sale) -> str:
        return sale.buyer.code

    @staticmethod
    def resolve_cases(sale: Sale) -> int:
        return sale.items.count()


@router.post("/debt-sales", response={201: SaleOut})
def sales_create(request: HttpRequest, payload: SaleIn) -> Status[Sale]:
    """A draft sale of the given cases to a registered buyer (head-office administrators)."""
    buyer = Buyer.objects.filter(code=payload.buyer).first()
    if buyer is None or staff_in(request.user, REGISTER_ROLES) is None:
        raise Http404
    cases = list(case_visible(user=request.user).filter(pk__in=payload.case_ids))
    if len(cases) != len(set(payload.case_ids)):
        raise Http404
    return Status(
        201, sales.sale_create(actor=request.user, buyer=buyer, cases=cases, price=payload.price)
    )


@router.post("/debt-sales/{reference}/transfer", response={200: None})
def sales_transfer(
    request: HttpRequest, reference: str, file_format: Literal["csv", "json"] = "csv"
) -> HttpResponse:
    """Transfer the sale once: notices through the compliance gate, and the transfer file
    (personal data only with the debtor's separate consent) as the answer; its SHA-256 is
    ledgered and sent in the ``X-Content-SHA256`` header."""
    sale = Sale.objects.filter(reference=reference).first()
    if sale is None or staff_in(request.user, REGISTER_ROLES) is None:
        raise Http404
    transfer = sales.sale_transfer(
        actor=request.user,
        sale=sale,
        file_format=file_format,
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    content_type = "text/csv" if file_format == "csv" else "application/json"
    response = HttpResponse(transfer.content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{transfer.name}"'
    response["X-Content-SHA256"] = transfer.sha256
    return response
