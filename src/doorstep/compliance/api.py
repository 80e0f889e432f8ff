"""Compliance over JSON: the gate, the decision log, overrides, the content screen, a case's
limitation, holds and contacts, and parameter changes.

Thin: cases are loaded through ``cases.selectors.case_get`` (404 outside the caller's scope,
403 for a write their role may not make), decisions through ``compliance.selectors``; every
write is one ``compliance.services`` call. Explanations come in the request's language.

No ``from __future__ import annotations`` here: Ninja reads the view signatures at import time.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from doorstep.cases.api import MAX_ID, CaseId, Time
from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseAction, case_get
from doorstep.compliance import services
from doorstep.compliance.models import ContactEvent, Decision, Hold, ParameterVersion
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.selectors import (
    DecisionFilters,
    can_add_hold,
    can_release_hold,
    case_holds,
    case_limitation,
    decision_explanations,
    decision_get,
    decision_list,
    parameter_history,
    version_in_force,
)
from doorstep.core.api_errors import ApiInput, BoundedPageNumberPagination, ErrorOut
from doorstep.core.errors import DomainError

router = Router(tags=["compliance"])

DecisionId = Annotated[int, Path(ge=1, le=MAX_ID)]
ChannelName = Literal["visit", "call", "sms", "email", "letter", "chat"]
TargetName = Literal["debtor", "guarantor", "third_party", "attorney"]
Initiator = Literal["bank", "debtor"]
Profile = Literal["cn", "us", "uk"]


class ExplanationOut(Schema):
    rule: str
    verdict: str
    text: str


class DecisionOut(Schema):
    id: int | None = Field(description="Null for a preview (`record: false`).")
    case_id: int | None
    account_id: int | None
    channel: str
    at: Time
    target: str
    staff_count: int
    consented: bool
    initiated_by: str
    verdict: str
    verdict_label: str
    rules: list[str]
    explanations: list[ExplanationOut]
    fired: list[dict[str, Any]] = Field(description="Each rule's parameters and what it saw.")
    profile: str
    version: str = Field(description="The parameter version that decided, e.g. cn-3.")
    decided_at: Time
    overridden_by: int | None = Field(description="The approval that overrode it, if any.")
    allowed: bool = Field(description="Whether the contact may go ahead under this decision.")

    @staticmethod
    def resolve_verdict_label(decision: Decision) -> str:
        return str(decision.get_verdict_display())

    @staticmethod
    def resolve_explanations(decision: Decision) -> list[Any]:
        return decision_explanations(decision)

    @staticmethod
    def resolve_version(decision: Decision) -> str:
        return decision.version.label

    @staticmethod
    def resolve_overridden_by(decision: Decision) -> int | None:
        return decision.overridden_by_id

    @staticmethod
    def resolve_allowed(decision: Decision) -> bool:
        return services.contact_allowed(decision)


class DecideIn(ApiInput):
    case_id: int = Field(ge=1, le=MAX_ID)
    channel: ChannelName
    at: datetime = Field(description="ISO 8601 with its offset, e.g. 2026-03-02T10:00:00+08:00.")
    target: TargetName = "debtor"
    staff_count: int = Field(1, ge=0, le=20)
    consented: bool = False
    initiated_by: Initiator = "bank"
    account_id: int | None = Field(None, ge=1, le=MAX_ID, description="The debt it is about.")
    record: bool = Field(True, description="False: decide without storing (a preview).")
    relies_on: list[str] = Field(
        default_factory=list,
        max_length=5,
        description="Consent purposes the contact relies on, e.g. sensitive_whereabouts "
        "(CN-PI-05 blocks it unless that consent is in force).",
    )


@router.post("/compliance/decide", response=DecisionOut)
def compliance_decide(request: HttpRequest, payload: DecideIn) -> Decision:
    """Ask the gate about a proposed contact on a case. The decision is stored (unless
    `record` is false) with the rules that fired, their parameters and the version in force;
    `allowed` says whether the contact may go ahead."""
    action = CaseAction.NOTE if payload.record else CaseAction.VIEW
    case = case_get(user=request.user, pk=payload.case_id, action=action)
    proposal = ContactProposal(
        channel=payload.channel,
        at=payload.at,
        target=payload.target,
        staff_count=payload.staff_count,
        consented=payload.consented,
        initiated_by=payload.initiated_by,
        account_id=payload.account_id,
        relies_on=tuple(payload.relies_on),
    )
    return services.contact_decide(
        case=case, proposal=proposal, actor=request.user, record=payload.record
    )


class DecisionQuery(Schema):
    verdict: Literal["allow", "warn", "needs_approval", "block"] | None = None
    rule: str | None = Field(None, max_length=20, pattern=r"^[A-Z]{2}-[A-Z0-9]+-\d{2}$")
    agent: int | None = Field(None, ge=1, le=MAX_ID, description="Staff id of the agent.")
    branch: int | None = Field(None, ge=1, le=MAX_ID)
    since: date | None = None
    until: date | None = None
    overridden: bool | None = None


@router.get("/compliance/decisions", response=list[DecisionOut])
@paginate(BoundedPageNumberPagination)
def compliance_decisions(request: HttpRequest, filters: Query[DecisionQuery]) -> Any:
    """The decision log, newest first: every branch for compliance officers, auditors and
    head-office administrators, their branch for managers; nothing for other roles."""
    return decision_list(
        user=request.user,
        filters=DecisionFilters(
            verdict=filters.verdict or "",
            rule=filters.rule or "",
            agent=filters.agent,
            branch=filters.branch,
            since=filters.since,
            until=filters.until,
            overridden=filters.overridden,
        ),
    )


@router.get("/compliance/decisions/{decision_id}", response=DecisionOut)
def compliance_decision(request: HttpRequest, decision_id: DecisionId) -> Decision:
    """One decision with its explanations, in the log or on a case the caller can see."""
    return decision_get(user=request.user, pk=decision_id)


class OverrideIn(ApiInput):
    reason: str = Field(max_length=500)


class ApprovalRef(Schema):
    approval_id: int
    status: str


@router.post(
    "/compliance/decisions/{decision_id}/override", response={201: ApprovalRef, 409: ErrorOut}
)
def compliance_override(
    request: HttpRequest, decision_id: DecisionId, payload: OverrideIn
) -> Status[dict[str, Any]]:
    """Ask compliance officers to override a blocked decision (or one that needs approval) on
    a case you work; you cannot approve it yourself."""
    decision = decision_get(user=request.user, pk=decision_id)
    if decision.case_id is not None:
        case_get(user=request.user, pk=decision.case_id, action=CaseAction.NOTE)
    approval = services.decision_override_request(
        decision=decision, requested_by=request.user, reason=payload.reason
    )
    return Status(201, {"approval_id": approval.pk, "status": approval.status})


class ScreenIn(ApiInput):
    text: str = Field(max_length=20_000)
    kind: Literal["script", "letter", "sms", "email", "chat"]
    case_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Screens a threat of suit when its debt is time-barred."
    )
    letter_fields: dict[str, str] | None = Field(
        None, description="A letter's filled fields (CN-LET-01), e.g. debtor_name, balance, seal."
    )


class FindingOut(Schema):
    rule: str
    verdict: str
    matches: list[str]
    missing: list[str]
    explanation: str


class ScreenOut(Schema):
    verdict: str
    time_barred: bool
    findings: list[FindingOut]


@router.post("/compliance/screen", response=ScreenOut)
def compliance_screen(request: HttpRequest, payload: ScreenIn) -> dict[str, Any]:
    """Screen a script, letter or message before it is used or sent: threats, insults,
    spreading private information, a letter's required fields, a threat of suit on a
    time-barred debt. Each finding quotes what fired and explains it."""
    case = None if payload.case_id is None else case_get(user=request.user, pk=payload.case_id)
    check = services.content_check(
        text=payload.text, kind=payload.kind, case=case, letter_fields=payload.letter_fields
    )
    return {
        "verdict": check.screening.verdict.value,
        "time_barred": check.time_barred,
        "findings": [
            {
                "rule": finding.rule,
                "verdict": finding.verdict.value,
                "matches": finding.facts["matches"],
                "missing": finding.facts["missing"],
                "explanation": explanation.text,
            }
            for finding, explanation in zip(
                check.screening.findings, check.explanations, strict=True
            )
        ],
    }


class LimitationOut(Schema):
    account_id: int
    account: str
    start: date | None
    basis: str
    expires: date | None
    provisional: bool | None
    days_left: int | None
    warning: int | None = Field(description="The tightest of 180/90/30 days reached.")
    time_barred: bool
    interrupted_by: str | None = Field(description="The kind of the last interrupting event.")
    interrupted_on: date | None
    interrupted_source: str
    rules: list[str]
    explanation: str


@router.get("/compliance/cases/{case_id}/limitation", response=list[LimitationOut])
def compliance_limitation(request: HttpRequest, case_id: CaseId) -> list[dict[str, Any]]:
    """The limitation of each account of the case, with the event that last interrupted it."""
    case = case_get(user=request.user, pk=case_id)
    return [
        {
            "account_id": item.account.pk,
            "account": item.account.external_id,
            "start": item.start,
            "basis": item.basis,
            "expires": item.result.expires if item.result else None,
            "provisional": item.result.provisional if item.result else None,
            "days_left": item.days_left,
            "warning": item.warning,
            "time_barred": item.time_barred,
            "interrupted_by": (
                item.result.interrupted_by.kind.value
                if item.result and item.result.interrupted_by
                else None
            ),
            "interrupted_on": (
                item.result.interrupted_by.on
                if item.result and item.result.interrupted_by
                else None
            ),
            "interrupted_source": item.interrupted_source,
            "rules": list(item.result.rules) if item.result else [],
            "explanation": item.explanation,
        }
        for item in case_limitation(case)
    ]


class ContactIn(ApiInput):
    channel: ChannelName
    at: datetime
    outcome: ContactEvent.Outcome
    target: TargetName = "debtor"
    initiated_by: Initiator = "bank"
    connected: bool = True
    conversation: bool = False
    consented: bool = False
    staff_count: int = Field(1, ge=0, le=20)
    account_id: int | None = Field(None, ge=1, le=MAX_ID)
    decision_id: int | None = Field(None, ge=1, le=MAX_ID)


class ContactOut(Schema):
    id: int
    channel: str
    at: Time
    outcome: str
    decision_id: int | None


def _case_account(case: Case, account_id: int | None) -> Any:
    if account_id is None:
        return None
    account = case.accounts.filter(pk=account_id).first()
    if account is None:
        raise DomainError(
            "account_not_in_case",
            _("That account is not one of the case's accounts."),
            field="account_id",
        )
    return account


@router.post("/compliance/cases/{case_id}/contacts", response={201: ContactOut})
def compliance_contact(
    request: HttpRequest, case_id: CaseId, payload: ContactIn
) -> Status[ContactEvent]:
    """Record a contact that happened (after the gate allowed it). A visit where the debtor was
    met and the demand stated, or a delivered letter, SMS or e-mail, interrupts the limitation."""
    case = case_get(user=request.user, pk=case_id, action=CaseAction.NOTE)
    decision = None
    if payload.decision_id is not None:
        decision = decision_get(user=request.user, pk=payload.decision_id)
    event = services.contact_record(
        case=case,
        channel=payload.channel,
        at=payload.at,
        outcome=payload.outcome.value,
        actor=request.user,
        target=payload.target,
        initiated_by=payload.initiated_by,
        connected=payload.connected,
        conversation=payload.conversation,
        consented=payload.consented,
        staff_count=payload.staff_count,
        account=_case_account(case, payload.account_id),
        decision=decision,
    )
    return Status(201, event)


class HoldIn(ApiInput):
    kind: Literal["cease_contact", "dispute", "hardship", "complaint"]
    reason: str = Field(max_length=500)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    allowed_channels: list[ChannelName] = Field(default_factory=list)


class HoldOut(Schema):
    id: int
    kind: str
    allowed_channels: list[str]
    starts_at: Time
    ends_at: Time | None
    reason: str
    released_at: Time | None


@router.post("/compliance/cases/{case_id}/holds", response={201: HoldOut})
def compliance_hold(request: HttpRequest, case_id: CaseId, payload: HoldIn) -> Status[Hold]:
    """Put a hold on contacting the case's customer (a cease-contact request, a dispute, a
    complaint, hardship), letting through only `allowed_channels`."""
    case = case_get(user=request.user, pk=case_id)
    if not can_add_hold(user=request.user, case=case):
        raise services.ComplianceDenied("forbidden", _("Your role may not put holds on this case."))
    hold = services.hold_add(
        customer=case.customer,
        kind=payload.kind,
        reason=payload.reason,
        actor=request.user,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        allowed_channels=list(payload.allowed_channels),
    )
    return Status(201, hold)


class ReleaseIn(ApiInput):
    reason: str = Field(max_length=500)


@router.post(
    "/compliance/cases/{case_id}/holds/{hold_id}/release", response={200: HoldOut, 409: ErrorOut}
)
def compliance_hold_release(
    request: HttpRequest, case_id: CaseId, hold_id: DecisionId, payload: ReleaseIn
) -> Hold:
    """Lift a hold: compliance officers, the branch's managers and head-office administrators."""
    case = case_get(user=request.user, pk=case_id)
    if not can_release_hold(user=request.user, case=case):
        raise services.ComplianceDenied(
            "forbidden", _("Only compliance officers and the branch's managers lift holds.")
        )
    hold = case_holds(case).filter(pk=hold_id).first()
    if hold is None:
        raise DomainError("unknown_hold", _("This customer has no hold with that id."))
    return services.hold_release(hold=hold, actor=request.user, reason=payload.reason)


class VersionOut(Schema):
    profile: str
    number: int
    label: str
    status: str
    params: dict[str, Any]
    effective_from: Time
    reason: str
    approval_id: int | None
    created_at: Time | None = Field(description="Null for the engine defaults not yet stored.")
    approved_at: Time | None

    @staticmethod
    def resolve_approval_id(version: ParameterVersion) -> int | None:
        return version.approval_id


class ParametersOut(Schema):
    in_force: VersionOut
    versions: list[VersionOut]


@router.get("/compliance/parameters/{profile}", response=ParametersOut)
def compliance_parameters(request: HttpRequest, profile: Profile) -> dict[str, Any]:
    """The parameters in force for a profile, and every version with its status."""
    return {
        "in_force": version_in_force(profile, timezone.now()),
        "versions": [item["version"] for item in parameter_history(profile)],
    }


class ProposeIn(ApiInput):
    values: dict[str, bool | int | str | list[int] | list[str]] = Field(
        description='Only the changed ones, e.g. {"visit_window": "09:00-18:00"}.'
    )
    effective_from: datetime
    reason: str = Field(max_length=500)


@router.post("/compliance/parameters/{profile}", response={201: VersionOut})
def compliance_parameters_propose(
    request: HttpRequest, profile: Profile, payload: ProposeIn
) -> Status[ParameterVersion]:
    """Propose a parameter change (compliance officers); it takes effect from its time once
    another compliance officer approves it. A bad value is refused naming the parameter."""
    version = services.parameters_propose(
        profile=profile,
        values=payload.values,
        effective_from=payload.effective_from,
        maker=request.user,
        reason=payload.reason,
    )
    return Status(201, version)
