"""Plans, promises, payments and policies over JSON.

Thin: plans and promises are reached through their case (``case_get`` scoping: 404 outside the
caller's scope, 403 for an action the role may not take), every write is one ``plans.services``
call. Money is a string with two decimals.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema
from ninja.responses import Status

from doorstep.cases.api import MAX_ID, CaseId, Money, Time
from doorstep.cases.selectors import CaseAction, case_get
from doorstep.core.api_errors import ApiInput, ErrorOut
from doorstep.plans import services
from doorstep.plans.models import Letter, Plan, PlanPolicy, Promise
from doorstep.plans.policy import Level
from doorstep.plans.schedule import PlanType, Terms
from doorstep.plans.selectors import (
    account_for_posting,
    case_plan_options,
    case_plans,
    case_promises,
    letter_get,
    payment_for_reversal,
    plan_get,
    policies,
)
from doorstep.portfolio.models import Payment

router = Router(tags=["plans"])

PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]
Amount = Annotated[Decimal, Field(gt=0, max_digits=16, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class InstalmentOut(Schema):
    number: int
    due_date: date
    fee: Money
    penalty: Money
    interest: Money
    principal: Money
    amount: Money
    paid: Money
    settled_on: date | None


class PlanOut(Schema):
    id: int
    case: str
    plan_type: str
    status: str
    status_label: str
    terms: dict[str, str]
    required_level: str
    approval_id: int | None
    debt_total: Money
    waived: Money
    new_interest: Money
    fees: Money
    total: Money
    starts_on: date
    offered_at: Time
    accepted_at: Time | None
    accepted_via: str
    instalments: list[InstalmentOut]

    @staticmethod
    def resolve_case(plan: Plan) -> str:
        return plan.case.reference

    @staticmethod
    def resolve_status_label(plan: Plan) -> str:
        return str(plan.get_status_display())

    @staticmethod
    def resolve_required_level(plan: Plan) -> str:
        return Level(plan.required_level).name.lower()

    @staticmethod
    def resolve_instalments(plan: Plan) -> list[Any]:
        return list(plan.instalments.all())


class TermsIn(ApiInput):
    plan_type: PlanType
    months: int = Field(ge=1, le=60)
    annual_rate: Decimal = Field(Decimal("0"), ge=0, le=1, max_digits=7, decimal_places=4)
    monthly_fee_pct: Decimal = Field(Decimal("0"), ge=0, le=5, max_digits=5, decimal_places=2)
    penalty_waiver_pct: Percent = Decimal("0")
    interest_waiver_pct: Percent = Decimal("0")
    principal_discount_pct: Percent = Decimal("0")
    holiday_months: int = Field(0, ge=0, le=6)
    first_payment: Decimal = Field(Decimal("0"), ge=0, max_digits=16, decimal_places=2)
    reason: str = Field("", max_length=2000)

    def terms(self) -> Terms:
        return Terms(
            plan_type=self.plan_type,
            months=self.months,
            annual_rate=self.annual_rate,
            monthly_fee_pct=self.monthly_fee_pct,
            penalty_waiver_pct=self.penalty_waiver_pct,
            interest_waiver_pct=self.interest_waiver_pct,
            principal_discount_pct=self.principal_discount_pct,
            holiday_months=self.holiday_months,
            first_payment=self.first_payment,
        )


@router.get("/cases/{case_id}/plans", response=list[PlanOut])
def plans_list(request: HttpRequest, case_id: CaseId) -> list[Plan]:
    """Every plan offered on the case, newest first, with its full schedule."""
    case = case_get(user=request.user, pk=case_id)
    return list(case_plans(case).select_related("case"))


@router.post("/cases/{case_id}/plans", response={201: PlanOut, 409: ErrorOut})
def plans_offer(request: HttpRequest, case_id: CaseId, payload: TermsIn) -> Status[Plan]:
    """Offer a plan. Beyond the caller's authority it answers ``pending_approval`` with the
    approval request's id; terms the policy forbids answer 400 naming the term."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.TRANSITION)
    plan = services.plan_offer(
        case=case, terms=payload.terms(), actor=request.user, reason=payload.reason
    )
    return Status(201, plan)


class AcceptIn(ApiInput):
    via: str = Field(description="in_person or self_service")
    signature: str = Field("", max_length=200_000, description="The captured signature (data URL).")


@router.post("/plans/{plan_id}/accept", response={200: PlanOut, 409: ErrorOut})
def plans_accept(request: HttpRequest, plan_id: PlanId, payload: AcceptIn) -> Plan:
    """The debtor accepted the offer; the plan becomes active and limitation is interrupted."""
    plan = plan_get(user=request.user, pk=plan_id, action=CaseAction.TRANSITION)
    return services.plan_accept(
        plan=plan, actor=request.user, via=payload.via, signature=payload.signature
    )


class ScheduleOut(Schema):
    terms: dict[str, str]
    total: Money
    waived: Money
    new_interest: Money
    fees: Money
    instalments: list[InstalmentOut]


class OptionOut(Schema):
    name: str
    burden: Decimal
    completion: Decimal
    expected_recovery: Money
    affordable: bool
    schedule: ScheduleOut


class OptionsOut(Schema):
    disposable: Money
    sustainable: Money
    options: list[OptionOut]


def _schedule(schedule: Any) -> dict[str, Any]:
    return {
        "terms": {key: str(value) for key, value in vars(schedule.terms).items()},
        "total": schedule.total,
        "waived": schedule.waived,
        "new_interest": schedule.new_interest,
        "fees": schedule.fees,
        "instalments": [
            {**vars(i), "amount": i.amount, "paid": Decimal("0.00"), "settled_on": None}
            for i in schedule.instalments
        ],
    }


@router.get("/cases/{case_id}/plan-options", response=OptionsOut)
def plans_options(request: HttpRequest, case_id: CaseId) -> dict[str, Any]:
    """Three proposals from the debtor's declared means, best expected recovery first."""
    case = case_get(user=request.user, pk=case_id)
    found = case_plan_options(case=case, user=request.user, on=timezone.localdate())
    return {
        "disposable": found.means.disposable,
        "sustainable": found.means.sustainable,
        "options": [
            {
                "name": option.name,
                "burden": option.burden,
                "completion": option.completion,
                "expected_recovery": option.expected_recovery,
                "affordable": option.affordable,
                "schedule": _schedule(option.schedule),
            }
            for option in found.options
        ],
    }


class PromiseOut(Schema):
    id: int
    amount: Money
    due_on: date
    channel: str
    status: str
    paid: Money
    taken_on: date
    evaluated_on: date | None


class PromiseIn(ApiInput):
    amount: Amount
    due_on: date
    channel: Promise.Channel


@router.get("/cases/{case_id}/promises", response=list[PromiseOut])
def promises_list(request: HttpRequest, case_id: CaseId) -> list[Promise]:
    case = case_get(user=request.user, pk=case_id)
    return list(case_promises(case))


@router.post("/cases/{case_id}/promises", response={201: PromiseOut, 409: ErrorOut})
def promises_take(request: HttpRequest, case_id: CaseId, payload: PromiseIn) -> Status[Promise]:
    """Record a promise to pay within 30 days; it is judged the day after its date."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.TRANSITION)
    promise = services.promise_take(
        case=case,
        amount=payload.amount,
        due_on=payload.due_on,
        channel=payload.channel.value,
        actor=request.user,
    )
    return Status(201, promise)


class PaymentIn(ApiInput):
    account: str = Field(max_length=32, description="Account number.")
    transaction_id: str = Field(max_length=40)
    paid_on: date = Field(description="Value date; may be in the past (backdated).")
    amount: Amount
    channel: Payment.Channel = Payment.Channel.TRANSFER


class PaymentOut(Schema):
    transaction_id: str
    account: str
    paid_on: date
    amount: Money
    channel: str
    reversed_on: date | None

    @staticmethod
    def resolve_transaction_id(payment: Payment) -> str:
        return payment.external_id

    @staticmethod
    def resolve_account(payment: Payment) -> str:
        return payment.account.external_id


@router.post("/payments", response={200: PaymentOut, 201: PaymentOut, 409: ErrorOut})
def payments_post(request: HttpRequest, payload: PaymentIn) -> Status[Payment]:
    """Post a payment: 201 when new, 200 when this transaction id was already posted with the
    same details, 409 when it was posted with other details."""
    account = account_for_posting(external_id=payload.account)
    payment, created = services.payment_post(
        account=account,
        external_id=payload.transaction_id,
        paid_on=payload.paid_on,
        amount=payload.amount,
        channel=payload.channel.value,
        actor=request.user,
    )
    return Status(201 if created else 200, payment)


class ReverseIn(ApiInput):
    reversed_on: date
    reason: str = Field(max_length=500)


@router.post("/payments/{transaction_id}/reverse", response={200: PaymentOut, 409: ErrorOut})
def payments_reverse(
    request: HttpRequest, transaction_id: Annotated[str, Path(max_length=40)], payload: ReverseIn
) -> Payment:
    """Reverse a payment; what it paid is re-opened and the case recomputed."""
    payment = payment_for_reversal(external_id=transaction_id)
    return services.payment_reverse(
        payment=payment,
        reversed_on=payload.reversed_on,
        actor=request.user,
        reason=payload.reason,
    )


class PolicyOut(Schema):
    id: int
    product: str
    bucket: str
    version: int
    effective_from: date
    status: str
    rules: dict[str, Any]


class PolicyIn(ApiInput):
    product: str = Field("", max_length=20)
    bucket: str = Field("", max_length=8)
    effective_from: date
    rules: dict[str, Any]
    reason: str = Field(max_length=2000)


@router.get("/plan-policies", response=list[PolicyOut])
def policies_list(request: HttpRequest) -> list[PlanPolicy]:
    return list(policies())


@router.post("/plan-policies", response={201: PolicyOut})
def policies_propose(request: HttpRequest, payload: PolicyIn) -> Status[PlanPolicy]:
    """Propose a policy version; a head-office administrator approves it in oversight."""
    row = services.policy_propose(
        product=payload.product,
        bucket=payload.bucket,
        effective_from=payload.effective_from,
        rules=payload.rules,
        actor=request.user,
        reason=payload.reason,
    )
    return Status(201, row)


class LetterOut(Schema):
    id: int
    case: str
    status: str
    decision_id: int
    verdict: str
    rules: str
    content_hash: str
    created_at: Time
    fields: dict[str, Any]

    @staticmethod
    def resolve_case(letter: Letter) -> str:
        return letter.case.reference

    @staticmethod
    def resolve_verdict(letter: Letter) -> str:
        return letter.decision.verdict

    @staticmethod
    def resolve_rules(letter: Letter) -> str:
        return letter.decision.rule_ids


@router.post("/cases/{case_id}/letters", response={201: LetterOut, 409: ErrorOut})
def letters_send(request: HttpRequest, case_id: CaseId) -> Status[Letter]:
    """Send a collection notice through the compliance gate: ``status`` is ``sent``, or
    ``blocked`` with the decision's rules (the decision is logged either way)."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.TRANSITION)
    return Status(201, services.letter_send(case=case, actor=request.user))


class OutcomeIn(ApiInput):
    delivered: bool


LetterId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("/letters/{letter_id}/outcome", response={200: LetterOut, 409: ErrorOut})
def letters_outcome(request: HttpRequest, letter_id: LetterId, payload: OutcomeIn) -> Letter:
    """Record the delivery; a delivered letter interrupts limitation (a demand received)."""
    letter = letter_get(user=request.user, pk=letter_id, action=CaseAction.TRANSITION)
    return services.letter_outcome(letter=letter, delivered=payload.delivered, actor=request.user)
