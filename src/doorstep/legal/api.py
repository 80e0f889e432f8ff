"""Legal matters and guarantees over JSON.

Thin: matters are reached through ``matter_get`` (scoped), cases through ``case_get``; every
write is one ``legal.services`` call. Money is a string with two decimals.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja.responses import Status

from doorstep.cases.api import MAX_ID, CaseId, Money
from doorstep.cases.selectors import CaseAction, case_get
from doorstep.core.api_errors import ApiInput, ErrorOut
from doorstep.core.errors import DomainError
from doorstep.legal import selectors, services
from doorstep.legal.models import Matter
from doorstep.staff.models import StaffMember

router = Router(tags=["legal"])

MatterId = Annotated[int, Path(ge=1, le=MAX_ID)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]


class MatterOut(Schema):
    id: int
    reference: str
    case: str
    kind: str
    status: str
    claim_amount: Money
    court: str
    court_reference: str
    filed_on: date | None
    ended_on: date | None
    judgment_amount: Money | None
    enforcement_on: date | None
    closed_on: date | None
    specialist: str
    counsel_name: str
    counsel_outside: bool
    approval: int | None
    costs: Money
    recoveries: Money

    @staticmethod
    def resolve_case(obj: Matter) -> str:
        return obj.case.reference

    @staticmethod
    def resolve_specialist(obj: Matter) -> str:
        return obj.specialist.employee_number

    @staticmethod
    def resolve_approval(obj: Matter) -> int | None:
        return obj.approval_id

    @staticmethod
    def resolve_costs(obj: Matter) -> Decimal:
        return selectors.matter_totals(obj).costs

    @staticmethod
    def resolve_recoveries(obj: Matter) -> Decimal:
        return selectors.matter_totals(obj).recoveries


class ProposeIn(ApiInput):
    kind: str = Field(description="payment_order, suit, mediation or arbitration")
    claim_amount: Amount
    specialist: str = Field(max_length=20, description="The legal specialist's employee number")
    reason: str = Field(max_length=2000)
    court: str = Field("", max_length=100)


class FileIn(ApiInput):
    filed_on: date
    court: str = Field(max_length=100)
    court_reference: str = Field("", max_length=60)


class DecideIn(ApiInput):
    ended_on: date = Field(description="The day the proceedings ended: limitation restarts here")
    judgment: str = Field(max_length=2000)
    judgment_amount: Amount | None = None


class GuaranteeOut(Schema):
    number: str
    kind: str
    account: str
    guarantor_name: str
    guarantor_id: str = Field(description="Masked")
    debt_due_on: date
    period_ends: date
    period_basis: str
    standing: str
    days_left: int | None
    warning: int | None


@router.get("/legal/matters", response=list[MatterOut])
def matters_list(request: HttpRequest) -> list[Matter]:
    """The matters the caller may see, newest first."""
    return list(selectors.matters_visible(user=request.user)[:500])


@router.get("/legal/matters/{matter_id}", response=MatterOut)
def matters_get(request: HttpRequest, matter_id: MatterId) -> Matter:
    return selectors.matter_get(user=request.user, pk=matter_id)


@router.post("/cases/{case_id}/legal", response={201: MatterOut, 409: ErrorOut})
def matters_propose(request: HttpRequest, case_id: CaseId, payload: ProposeIn) -> Status[Matter]:
    """Ask to hand the case to legal; a manager of its branch approves (oversight)."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.TRANSITION)
    specialist = StaffMember.objects.filter(employee_number=payload.specialist).first()
    if specialist is None:
        raise DomainError("unknown_specialist", _("No such employee."), field="specialist")
    matter = services.matter_propose(
        case=case,
        kind=payload.kind,
        claim_amount=payload.claim_amount,
        specialist=specialist,
        reason=payload.reason,
        court=payload.court,
        actor=request.user,
    )
    return Status(201, matter)


def _editable(request: HttpRequest, matter_id: int) -> Matter:
    matter = selectors.matter_get(user=request.user, pk=matter_id)
    if not selectors.matter_can_edit(user=request.user, matter=matter):
        raise PermissionDenied
    return matter


@router.post("/legal/matters/{matter_id}/file", response={200: MatterOut, 409: ErrorOut})
def matters_file(request: HttpRequest, matter_id: MatterId, payload: FileIn) -> Matter:
    matter = _editable(request, matter_id)
    return services.matter_file(matter=matter, actor=request.user, **payload.dict())


@router.post("/legal/matters/{matter_id}/decide", response={200: MatterOut, 409: ErrorOut})
def matters_decide(request: HttpRequest, matter_id: MatterId, payload: DecideIn) -> Matter:
    """The proceedings ended; the limitation of every account restarts from ``ended_on``."""
    matter = _editable(request, matter_id)
    return services.matter_decide(matter=matter, actor=request.user, **payload.dict())


class ContractIn(ApiInput):
    account: str = Field(max_length=32, description="The guaranteed account's number")
    guarantor: str = Field(max_length=32, description="The guarantor's customer number")
    number: str = Field(max_length=40)
    kind: str = Field(description="general or joint")
    signed_on: date
    debt_due_on: date
    agreed_period_end: date | None = Field(
        None, description="Empty when the contract sets none (six months from the due date)"
    )


def _guarantee_row(row: selectors.GuaranteeRow) -> dict[str, Any]:
    return {
        "number": row.contract.number,
        "kind": row.contract.kind,
        "account": row.contract.guarantee.account.external_id,
        "guarantor_name": row.guarantor_name,
        "guarantor_id": row.guarantor_id_masked,
        "debt_due_on": row.contract.debt_due_on,
        "period_ends": row.contract.period_ends,
        "period_basis": row.contract.period_basis,
        "standing": row.state.standing.value,
        "days_left": row.state.days_left,
        "warning": row.state.warning,
    }


@router.get("/cases/{case_id}/guarantees", response=list[GuaranteeOut])
def guarantees_list(request: HttpRequest, case_id: CaseId) -> list[dict[str, Any]]:
    """The guarantee contracts on the case's accounts with where each stands today."""
    case = case_get(user=request.user, pk=case_id)
    return [_guarantee_row(row) for row in selectors.case_guarantees(case)]


@router.post("/cases/{case_id}/guarantees", response={201: GuaranteeOut, 409: ErrorOut})
def guarantees_record(
    request: HttpRequest, case_id: CaseId, payload: ContractIn
) -> Status[dict[str, Any]]:
    """Record a guarantee contract on one of the case's accounts; the guarantee period is
    computed from its terms (民法典 Art 692)."""
    case = case_get(user=request.user, pk=case_id)
    if not selectors.can_record_guarantee(user=request.user, case=case):
        raise PermissionDenied
    guarantee = selectors.case_guarantee(
        case=case, account=payload.account, guarantor=payload.guarantor
    )
    if guarantee is None:
        raise DomainError(
            "unknown_guarantee", _("No such guarantor on this case's accounts."), field="guarantor"
        )
    contract = services.guarantee_contract_record(
        guarantee=guarantee,
        number=payload.number,
        kind=payload.kind,
        signed_on=payload.signed_on,
        debt_due_on=payload.debt_due_on,
        agreed_period_end=payload.agreed_period_end,
        actor=request.user,
    )
    [row] = [r for r in selectors.case_guarantees(case) if r.contract.pk == contract.pk]
    return Status(201, _guarantee_row(row))
