"""Cases over JSON: list, detail, the customer 360, history, the thread, and the writes.

Thin on purpose: every case is loaded through ``cases.selectors.case_get``/``case_list`` (404
outside the caller's scope, 403 for an action the role may not take), every write is one
``cases.services`` call. Money is a string with two decimals, times are ISO 8601 in Shanghai
time.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time,
and the paginated views' annotations would stay unresolved strings.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import PlainSerializer, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from doorstep.agencies.services import agency_profile
from doorstep.cases import services
from doorstep.cases.delinquency import Bucket
from doorstep.cases.lifecycle import Status as CaseStatus
from doorstep.cases.lifecycle import allowed_targets
from doorstep.cases.models import (
    Assignment,
    BucketChange,
    Case,
    CaseParticipant,
    Entry,
    StatusChange,
    Transfer,
)
from doorstep.cases.selectors import (
    DEFAULT_SORT,
    SORTS,
    CaseAction,
    CaseFilters,
    attachable_staff,
    case_actions,
    case_entries,
    case_get,
    case_history,
    case_list,
    case_with_details,
    is_agency_reader,
)
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination
from doorstep.core.errors import DomainError
from doorstep.portfolio.selectors import AccountView, CustomerProfile, customer_profile
from doorstep.portfolio.services import personal_data_reveal
from doorstep.staff.selectors import assignable_agents, branch_list

router = Router(tags=["cases"])

# Ids are database keys: anything larger cannot exist, and would overflow SQLite's integers.
MAX_ID = 2**63 - 1
CaseId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _two_places(value: Decimal) -> str:
    return f"{value:.2f}"


def _local(value: datetime) -> str:
    return timezone.localtime(value).isoformat()


Money = Annotated[
    Decimal,
    PlainSerializer(_two_places, return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "2000.00"}),
]
Time = Annotated[
    datetime,
    PlainSerializer(_local, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _person(user: Any) -> str | None:
    """How a user appears in histories and threads: their staff name, else their username."""
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return str(staff.display_name) if staff is not None else str(user.get_username())


class BranchRef(Schema):
    id: int
    code: str
    name: str


class TeamRef(Schema):
    id: int
    name: str


class StaffRef(Schema):
    id: int
    display_name: str
    role: str


class CaseOut(Schema):
    id: int
    reference: str
    customer_name: str
    branch: BranchRef
    team: TeamRef | None
    agent: StaffRef | None
    status: str
    status_label: str
    bucket: str
    dpd: int
    past_due: Money
    outstanding_principal: Money
    outstanding_interest: Money
    outstanding_penalty: Money
    outstanding_total: Money
    opened_on: date
    closed_at: Time | None
    arrears_as_of: date
    updated_at: Time

    @staticmethod
    def resolve_customer_name(case: Case) -> str:
        return case.customer.name

    @staticmethod
    def resolve_status_label(case: Case) -> str:
        return str(case.get_status_display())


class CustomerRef(Schema):
    id: int
    external_id: str
    name: str


class AccountRef(Schema):
    id: int
    external_id: str
    product: str
    product_label: str

    @staticmethod
    def resolve_product_label(account: Any) -> str:
        return str(account.get_product_display())


class ParticipantOut(Schema):
    staff: StaffRef
    capacity: str
    added_at: Time


class CaseDetailOut(CaseOut):
    customer: CustomerRef
    accounts: list[AccountRef]
    participants: list[ParticipantOut]
    actions: list[str] = Field(description="What the caller may do with this case.")
    next_statuses: list[str] = Field(description="Statuses the lifecycle allows from this one.")

    @staticmethod
    def resolve_accounts(case: Case) -> list[Any]:
        return list(case.accounts.all())

    @staticmethod
    def resolve_participants(case: Case) -> list[CaseParticipant]:
        return list(case.participants.all())

    @staticmethod
    def resolve_actions(case: Case, context: dict[str, Any]) -> list[str]:
        return [str(a) for a in case_actions(user=context["request"].user, case=case)]

    @staticmethod
    def resolve_next_statuses(case: Case) -> list[str]:
        return [] if case.is_closed else [s.value for s in allowed_targets(CaseStatus(case.status))]


class CaseQuery(ApiInput):
    bucket: list[Bucket] = Field([], description="Repeatable. Send M6+ as M6%2B.")
    status: list[CaseStatus] = Field([], description="Repeatable.")
    branch: int | None = Field(None, ge=1, le=MAX_ID, description="Branch id.")
    agent: int | None = Field(None, ge=1, le=MAX_ID, description="Staff id of the agent.")
    min_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    max_amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    min_dpd: int | None = Field(None, ge=0, le=100_000)
    max_dpd: int | None = Field(None, ge=0, le=100_000)
    q: str = Field("", max_length=100, description="Reference, customer name or number, account.")
    sort: str = Field(DEFAULT_SORT, json_schema_extra={"enum": list(SORTS)})

    @field_validator("bucket", mode="before")
    @classmethod
    def _plus_sent_unescaped(cls, value: Any) -> Any:
        """``?bucket=M6+`` arrives as ``"M6 "``: a ``+`` in a query string means a space."""
        if isinstance(value, list):
            return ["M6+" if item == "M6 " else item for item in value]
        return value

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str) -> str:
        if value not in SORTS:
            raise PydanticCustomError(
                "literal_error", "Input should be one of {expected}", {"expected": ", ".join(SORTS)}
            )
        return value


@router.get("/cases", response=list[CaseOut])
@paginate(BoundedPageNumberPagination)
def cases_list(request: HttpRequest, filters: Query[CaseQuery]) -> QuerySet[Case]:
    """Cases the caller may see, filtered and sorted like the case list screen.

    Amounts filter on what is past due. Unknown bucket, status or sort values answer 422.
    """
    return case_list(
        user=request.user,
        filters=CaseFilters(
            buckets=tuple(b.value for b in filters.bucket),
            statuses=tuple(s.value for s in filters.status),
            branch=filters.branch,
            agent=filters.agent,
            min_amount=filters.min_amount,
            max_amount=filters.max_amount,
            min_dpd=filters.min_dpd,
            max_dpd=filters.max_dpd,
            search=filters.q,
            sort=filters.sort,
        ),
    )


@router.get("/cases/{case_id}", response=CaseDetailOut)
def cases_detail(request: HttpRequest, case_id: CaseId) -> Case:
    """One case with its branch, team, agent, amounts, accounts and participants."""
    return case_with_details(case_get(user=request.user, pk=case_id))


class PhoneOut(Schema):
    number: str
    kind: str
    kind_label: str
    verification: str
    verification_label: str
    is_primary: bool


class AddressOut(Schema):
    kind: str
    province: str
    city: str
    district: str
    line: str
    postcode: str
    latitude: Decimal | None
    longitude: Decimal | None


class CustomerOut(Schema):
    """The customer 360. ``national_id`` and phone numbers are masked unless ``revealed``."""

    revealed: bool
    id: int
    external_id: str
    name: str
    national_id: str
    gender: str
    employer: str
    occupation: str
    monthly_income: Money | None
    assets_value: Money | None
    assets_description: str
    household_size: int | None
    dependants: int | None
    other_debts_declared: Money | None
    phones: list[PhoneOut]
    addresses: list[AddressOut]


def _customer(profile: CustomerProfile) -> dict[str, Any]:
    person = profile.customer
    return {
        "revealed": profile.revealed,
        "id": person.pk,
        "external_id": person.external_id,
        "name": person.name,
        "national_id": profile.national_id,
        "gender": person.gender,
        "employer": person.employer,
        "occupation": person.occupation,
        "monthly_income": person.monthly_income,
        "assets_value": person.assets_value,
        "assets_description": person.assets_description,
        "household_size": person.household_size,
        "dependants": person.dependants,
        "other_debts_declared": person.other_debts_declared,
        "phones": profile.phones,
        "addresses": profile.addresses,
    }


def _profile(request: HttpRequest, case: Case) -> CustomerProfile:
    if is_agency_reader(user=request.user):
        return agency_profile(
            user=request.user, case=case, remote_addr=request.META.get("REMOTE_ADDR"), channel="api"
        )
    return customer_profile(customer=case.customer, accounts=case.accounts.all(), revealed=False)


@router.get("/cases/{case_id}/customer", response=CustomerOut)
def cases_customer(request: HttpRequest, case_id: CaseId) -> dict[str, Any]:
    """The customer 360 with the ID number and phones masked (for an agency user, only what
    the placement's contract allows, and never the ID number)."""
    return _customer(_profile(request, case_get(user=request.user, pk=case_id)))


class RevealIn(ApiInput):
    reason: str = Field(max_length=200, description="Why you need the full values; logged.")


@router.post("/cases/{case_id}/customer/reveal", response=CustomerOut)
def cases_customer_reveal(
    request: HttpRequest, case_id: CaseId, payload: RevealIn
) -> dict[str, Any]:
    """The customer 360 unmasked, for roles that need it; who, when, why and from where is
    logged before anything is shown."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.REVEAL)
    profile = personal_data_reveal(
        user=request.user,
        customer=case.customer,
        accounts=list(case.accounts.all()),
        reason=payload.reason,
        remote_addr=request.META.get("REMOTE_ADDR"),
        channel="api",
    )
    return _customer(profile)


class TimelineOut(Schema):
    on: date
    kind: Literal["statement", "payment"]
    amount: Money
    due_date: date | None
    closing_balance: Money | None
    channel: str
    reversed_on: date | None
    reference: str


class GuarantorOut(Schema):
    name: str
    relationship: str
    guaranteed_amount: Money | None


class AccountOut(Schema):
    id: int
    external_id: str
    branch: str
    product: str
    product_label: str
    status: str
    currency: str
    credit_limit: Money | None
    principal: Money | None
    term_months: int | None
    opened_on: date
    interest_rate: Decimal
    due_day: int
    guarantors: list[GuarantorOut]
    timeline: list[TimelineOut] = Field(description="Statements and payments, newest first.")


def _account(view: AccountView) -> dict[str, Any]:
    account = view.account
    return {
        "id": account.pk,
        "external_id": account.external_id,
        "branch": account.branch.code,
        "product": account.product,
        "product_label": str(account.get_product_display()),
        "status": account.status,
        "currency": account.currency,
        "credit_limit": account.credit_limit,
        "principal": account.principal,
        "term_months": account.term_months,
        "opened_on": account.opened_on,
        "interest_rate": account.interest_rate,
        "due_day": account.due_day,
        "guarantors": [
            {
                "name": g.guarantor.name,
                "relationship": g.relationship,
                "guaranteed_amount": g.guaranteed_amount,
            }
            for g in view.guarantors
        ],
        "timeline": view.timeline,
    }


@router.get("/cases/{case_id}/accounts", response=list[AccountOut])
def cases_accounts(request: HttpRequest, case_id: CaseId) -> list[dict[str, Any]]:
    """The accounts in the case, each with its statements and payments as a timeline."""
    case = case_get(user=request.user, pk=case_id)
    return [_account(view) for view in _profile(request, case).accounts]


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    actor: str | None
    at: Time

    @staticmethod
    def resolve_actor(change: StatusChange) -> str | None:
        return _person(change.actor)


class BucketChangeOut(Schema):
    on: date
    from_bucket: str
    to_bucket: str
    dpd: int
    cause: str
    cause_label: str
    cause_date: date
    cause_amount: Money | None

    @staticmethod
    def resolve_cause_label(change: BucketChange) -> str:
        return str(change.get_cause_display())


class AssignmentOut(Schema):
    branch: str
    team: str | None
    agent: StaffRef | None
    reason: str
    assigned_by: str | None
    started_at: Time
    ended_at: Time | None

    @staticmethod
    def resolve_branch(assignment: Assignment) -> str:
        return assignment.branch.code

    @staticmethod
    def resolve_team(assignment: Assignment) -> str | None:
        return assignment.team.name if assignment.team else None

    @staticmethod
    def resolve_assigned_by(assignment: Assignment) -> str | None:
        return _person(assignment.assigned_by)


class TransferOut(Schema):
    from_branch: str
    to_branch: str
    reason: str
    by: str | None
    at: Time

    @staticmethod
    def resolve_from_branch(transfer: Transfer) -> str:
        return transfer.from_branch.code

    @staticmethod
    def resolve_to_branch(transfer: Transfer) -> str:
        return transfer.to_branch.code

    @staticmethod
    def resolve_by(transfer: Transfer) -> str | None:
        return _person(transfer.by)


class HistoryOut(Schema):
    status_changes: list[StatusChangeOut]
    bucket_changes: list[BucketChangeOut]
    assignments: list[AssignmentOut]
    transfers: list[TransferOut]


@router.get("/cases/{case_id}/history", response=HistoryOut)
def cases_history(request: HttpRequest, case_id: CaseId) -> Any:
    """Status changes, bucket moves with their cause, assignments and transfers, oldest first."""
    return case_history(case=case_get(user=request.user, pk=case_id))


class EntryOut(Schema):
    id: int
    kind: str
    body: str
    author: str | None
    author_branch: str | None
    at: Time

    @staticmethod
    def resolve_author(entry: Entry) -> str | None:
        return _person(entry.author)

    @staticmethod
    def resolve_author_branch(entry: Entry) -> str | None:
        return entry.author_branch.code if entry.author_branch else None


@router.get("/cases/{case_id}/entries", response=list[EntryOut])
@paginate(BoundedPageNumberPagination)
def cases_entries(request: HttpRequest, case_id: CaseId) -> QuerySet[Entry]:
    """Notes and thread messages, oldest first. Both branches of a transferred case see them."""
    return case_entries(case=case_get(user=request.user, pk=case_id))


class EntryIn(ApiInput):
    kind: Literal["note", "message"]
    body: str


@router.post("/cases/{case_id}/entries", response={201: EntryOut})
def cases_entries_add(request: HttpRequest, case_id: CaseId, payload: EntryIn) -> Status[Entry]:
    """Add a note to the case file or a message to the thread shared between branches."""
    action = CaseAction.NOTE if payload.kind == "note" else CaseAction.MESSAGE
    case = case_get(user=request.user, pk=case_id, action=action)
    entry = services.case_add_entry(
        case=case, author=request.user, kind=payload.kind, body=payload.body
    )
    return Status(201, entry)


class TransitionIn(ApiInput):
    status: CaseStatus
    reason: str = Field("", max_length=500)


@router.post("/cases/{case_id}/transition", response=CaseDetailOut)
def cases_transition(request: HttpRequest, case_id: CaseId, payload: TransitionIn) -> Case:
    """Move the case to another status if the lifecycle allows it; refusals say why."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.TRANSITION)
    case = services.case_transition(
        case=case, target=payload.status.value, actor=request.user, reason=payload.reason
    )
    return _reloaded(request, case)


def _reloaded(request: HttpRequest, case: Case) -> Case:
    """The case after a write, loaded again for the caller (a transfer may take it out of view
    for some roles, in which case they get the 404 they would get next time)."""
    return case_with_details(case_get(user=request.user, pk=case.pk))


def _renamed(error: DomainError, names: dict[str, str]) -> DomainError:
    """The service's error with its field named as the client sent it (``agent`` → ``agent_id``)."""
    field = names.get(error.field, error.field) if error.field else None
    return type(error)(error.code, error.message, field=field)


class AssignIn(ApiInput):
    agent_id: int | None = Field(ge=1, le=MAX_ID, description="Null to unassign.")
    reason: str = Field("", max_length=500)


@router.post("/cases/{case_id}/assign", response=CaseDetailOut)
def cases_assign(request: HttpRequest, case_id: CaseId, payload: AssignIn) -> Case:
    """Give the case to a field or phone agent of its branch (or unassign it)."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.ASSIGN)
    agent = None
    if payload.agent_id is not None:
        agent = assignable_agents(branch=case.branch).filter(pk=payload.agent_id).first()
        if agent is None:
            raise DomainError(
                "agent_not_eligible",
                _("No active field or phone agent of this case's branch has that id."),
                field="agent_id",
            )
    try:
        case = services.case_assign(
            case=case, agent=agent, actor=request.user, reason=payload.reason
        )
    except DomainError as error:
        raise _renamed(error, {"agent": "agent_id", "team": "agent_id"}) from None
    return _reloaded(request, case)


class TransferIn(ApiInput):
    branch_id: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(max_length=500)


@router.post("/cases/{case_id}/transfer", response=CaseDetailOut)
def cases_transfer(request: HttpRequest, case_id: CaseId, payload: TransferIn) -> Case:
    """Hand the case to another branch; it arrives unassigned and both branches keep the thread."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.TRANSFER)
    branch = branch_list().filter(pk=payload.branch_id).first()
    if branch is None:
        raise DomainError("unknown_branch", _("No branch has that id."), field="branch_id")
    try:
        case = services.case_transfer(
            case=case, to_branch=branch, actor=request.user, reason=payload.reason
        )
    except DomainError as error:
        raise _renamed(error, {"to_branch": "branch_id"}) from None
    return _reloaded(request, case)


class ParticipantIn(ApiInput):
    staff_id: int = Field(ge=1, le=MAX_ID)
    capacity: CaseParticipant.Capacity


@router.post("/cases/{case_id}/participants", response={201: ParticipantOut})
def cases_participants_add(
    request: HttpRequest, case_id: CaseId, payload: ParticipantIn
) -> Status[CaseParticipant]:
    """Attach a legal or finance specialist or a complaint handler, who then sees the case."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.ATTACH)
    staff = attachable_staff().filter(pk=payload.staff_id).first()
    if staff is None:
        raise DomainError(
            "staff_not_eligible",
            _("No active specialist or complaint handler has that id."),
            field="staff_id",
        )
    try:
        participant = services.case_attach(
            case=case, staff=staff, capacity=payload.capacity.value, actor=request.user
        )
    except DomainError as error:
        raise _renamed(error, {"staff": "staff_id"}) from None
    return Status(201, participant)
