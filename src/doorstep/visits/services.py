"""Every change to a visit: one function, one transaction, its status-change row and ledger entry.

``visit_propose`` creates a visit with its risk assessment (and asks a manager when the score
needs it), ``visit_schedule`` fixes date, window and team and stores the compliance envelope the
gate computed, ``visit_check_in`` and ``visit_complete`` are the contact itself (decided and
recorded by the compliance gate, channel ``visit``), ``visit_transition`` covers the rest (en
route, aborted, rescheduled, cancelled, reported). The field app's sync (``visits.sync``) calls
the same functions, with ``enforce=False`` so a contact outside its envelope is kept and
flagged rather than refused.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases.models import Case
from doorstep.compliance.engine.model import Verdict
from doorstep.compliance.engine.params import CnParams
from doorstep.compliance.models import Decision, Hold
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.selectors import bank_profile, version_in_force, version_params
from doorstep.compliance.services import contact_allowed, contact_decide, contact_record
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.oversight.approval_lifecycle import ApprovalStatus
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_request
from doorstep.portfolio.models import Address
from doorstep.staff.models import Role, StaffMember
from doorstep.visits import lifecycle, risk
from doorstep.visits.envelope import FAR_METRES, Envelope, check_moment, distance_m, narrowest
from doorstep.visits.lifecycle import AbortReason, Outcome, Status
from doorstep.visits.models import (
    STATUS_LABELS,
    EvidenceFile,
    FieldRecord,
    Visit,
    VisitTransition,
)

APPROVAL_KIND = "visits.high_risk"
REASON_MAX = 500


def _ledger(visit: Visit, kind: str, actor: Any, record: dict[str, Any], at: datetime) -> None:
    """Append to the verifiable ledger in the caller's transaction: public ids and hashes only."""
    ledger_append(
        kind=kind,
        actor=actor,
        subject={"case": visit.case.reference, "visit": visit.pk},
        record=record,
        at=at,
    )


def _reason(text: str) -> str:
    cleaned = text.strip()
    if len(cleaned) > REASON_MAX:
        raise DomainError(
            "too_long",
            _("Use at most %(limit)s characters.") % {"limit": REASON_MAX},
            field="reason",
        )
    return cleaned


def _refusal(error: lifecycle.TransitionRefused) -> DomainError:
    fields = {
        lifecycle.NEEDS_REASON: "reason",
        lifecycle.NEEDS_TEAM: "second_agent",
        lifecycle.NEEDS_DATE: "scheduled_on",
        lifecycle.NEEDS_OUTCOME: "outcome",
        lifecycle.NEEDS_ABORT_REASON: "abort_reason",
    }
    labels = {key: str(STATUS_LABELS[Status(value)]) for key, value in error.params.items()}
    message = _(error.message) % labels if labels else _(error.message)
    return DomainError("transition_refused", message, field=fields.get(error.message, "status"))


def _move(
    visit: Visit,
    target: Status,
    *,
    actor: Any,
    at: datetime,
    facts: lifecycle.Facts,
    decision: Decision | None = None,
    record: dict[str, Any] | None = None,
) -> None:
    """Check ``visit → target`` against the table, save it, its history row and its entry.
    A contact move without the gate's decision is a programming error, never a silent pass."""
    try:
        lifecycle.check(Status(visit.status), target, facts)
    except lifecycle.TransitionRefused as refusal:
        raise _refusal(refusal) from None
    if (Status(visit.status), target) in lifecycle.CONTACT_TRANSITIONS and decision is None:
        raise ValueError(f"visit {visit.pk}: a contact needs the compliance gate's decision")
    previous = visit.status
    visit.status = target.value
    visit.save()
    VisitTransition.objects.create(
        visit=visit,
        from_status=previous,
        to_status=target.value,
        reason=facts.reason,
        decision_id=None if decision is None else decision.pk,
        actor=actor,
        at=at,
    )
    _ledger(
        visit,
        "visit.status_changed",
        actor,
        {
            "from": previous,
            "to": target.value,
            "reason_hash": content_hash(facts.reason) if facts.reason else None,
            "decision": None if decision is None else decision.pk,
            **(record or {}),
        },
        at,
    )
    if target is Status.ABORTED:
        _tell_planner("aborted", visit, actor, at)


def _tell_planner(event: str, visit: Visit, actor: Any, at: datetime) -> None:
    """After commit, let the planner re-plan today's route if a published plan holds the visit
    (``planning.hooks``; imported here because the planner imports this module)."""
    from doorstep.planning.hooks import visit_changed

    visit_id, actor_id = visit.pk, getattr(actor, "pk", None)
    transaction.on_commit(
        lambda: visit_changed(event=event, visit_id=visit_id, actor_id=actor_id, at=at)
    )


def _facts(visit: Visit, **extra: Any) -> lifecycle.Facts:
    return lifecycle.Facts(
        team_size=visit.team_size,
        has_date=visit.scheduled_on is not None,
        needs_approval=visit.needs_approval,
        approved=_approved(visit),
        **extra,
    )


def _approved(visit: Visit) -> bool:
    return visit.approval_id is not None and (
        ApprovalRequest.objects.filter(
            pk=visit.approval_id, status=ApprovalStatus.APPROVED.value
        ).exists()
    )


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().select_related("case", "address").get(pk=visit.pk)


# ---------------------------------------------------------------------------------------------
# Team and risk


def _check_agent(agent: StaffMember, case: Case, field: str) -> None:
    if agent.branch_id != case.branch_id or agent.role != Role.FIELD_AGENT.value:
        raise DomainError(
            "agent_not_eligible",
            _("%(name)s is not a field agent of this case's branch.")
            % {"name": agent.display_name},
            field=field,
        )
    if not agent.is_active:
        raise DomainError(
            "agent_inactive",
            _("%(name)s is not active.") % {"name": agent.display_name},
            field=field,
        )


def _check_team(case: Case, lead: StaffMember | None, second: StaffMember | None) -> None:
    """CN-TEAM-01: two distinct field agents of the case's branch (a visit may be proposed
    before its team is known; it cannot be scheduled without one)."""
    if lead is not None:
        _check_agent(lead, case, "lead_agent")
    if second is not None:
        _check_agent(second, case, "second_agent")
        if lead is None:
            raise DomainError("lead_required", _("Name the lead agent first."), field="lead_agent")
        if lead.pk == second.pk:
            raise DomainError(
                "same_agent",
                _("A field visit needs two different agents (CN-TEAM-01)."),
                field="second_agent",
            )


def risk_facts(visit: Visit) -> risk.RiskFacts:
    """What the bank's own records say before the visit: earlier visits to this debtor and this
    address, complaint holds, the planned time and the team's experience."""
    earlier = Visit.objects.filter(case__customer_id=visit.case.customer_id).exclude(pk=visit.pk)
    safety = FieldRecord.objects.filter(kind=FieldRecord.Kind.SAFETY)
    threats = earlier.filter(abort_reason=AbortReason.SAFETY.value).count() + (
        safety.filter(visit__case__customer_id=visit.case.customer_id)
        .exclude(visit_id=visit.pk)
        .values("visit")
        .distinct()
        .count()
    )
    refusals = (
        earlier.filter(outcome=Outcome.REFUSED.value).count()
        + earlier.filter(abort_reason=AbortReason.REFUSED.value).count()
    )
    complaints = Hold.objects.filter(customer_id=visit.case.customer_id, kind="complaint").count()
    address_incidents = (
        safety.filter(visit__address_id=visit.address_id)
        .exclude(visit__case__customer_id=visit.case.customer_id)
        .count()
    )
    team = [a for a in (visit.lead_agent, visit.second_agent) if a is not None]
    return risk.RiskFacts(
        threats=threats,
        refusals=refusals,
        complaints=complaints,
        address_incidents=address_incidents,
        arrival=_arrival_time(visit),
        team_years=tuple(agent.years_experience for agent in team),
    )


def _arrival_time(visit: Visit) -> time | None:
    if visit.planned_arrival is not None:
        return visit.planned_arrival.astimezone(ZoneInfo(visit.address.timezone)).time()
    return visit.window_start


def _assess(visit: Visit) -> risk.Assessment:
    assessment = risk.assess(risk_facts(visit))
    visit.risk_score = assessment.score
    visit.risk_level = assessment.level.value
    visit.risk_factors = [
        {"code": factor.code, "points": factor.points} for factor in assessment.factors
    ]
    visit.needs_approval = visit.needs_approval or assessment.needs_approval
    return assessment


def _require_senior(visit: Visit, assessment: risk.Assessment) -> None:
    team = tuple(a.years_experience for a in (visit.lead_agent, visit.second_agent) if a)
    if assessment.needs_senior and len(team) == 2 and not risk.has_senior(team):
        raise DomainError(
            "senior_required",
            _("A high-risk visit needs a senior agent (%(years)s years or more) in the team.")
            % {"years": risk.SENIOR_YEARS},
            field="lead_agent",
        )


def _ask_approval(visit: Visit, actor: Any) -> None:
    if not visit.needs_approval or visit.approval_id is not None:
        return
    request = approval_request(
        kind=APPROVAL_KIND,
        subject=visit,
        summary=_("Field visit %(visit)s for case %(case)s, risk %(score)s")
        % {"visit": visit.pk, "case": visit.case.reference, "score": visit.risk_score},
        payload={"visit": visit.pk, "risk_factors": visit.risk_factors},
        requested_by=actor,
        reason=_("The visit's risk score needs a manager's approval."),
        branch=visit.branch,
        risk=visit.risk_score,
    )
    visit.approval_id = request.pk
    visit.save(update_fields=["approval_id", "updated_at"])


@transaction.atomic
def visit_propose(
    *,
    case: Case,
    actor: Any,
    kind: str = Visit.Kind.FIRST,
    address: Address | None = None,
    lead_agent: StaffMember | None = None,
    second_agent: StaffMember | None = None,
    scheduled_on: date | None = None,
    window_start: time | None = None,
    window_end: time | None = None,
) -> Visit:
    """Propose a visit to the debtor's home (or ``address``) about ``case`` (loaded through
    ``case_get``); its risk is assessed at once, and a score that needs it asks a manager."""
    if case.is_closed:
        raise ConflictError("case_closed", _("The case is closed."), field="case")
    if kind not in Visit.Kind.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a kind of visit.") % {"value": kind},
            field="kind",
        )
    if address is None:
        address = case.customer.addresses.filter(kind=Address.Kind.HOME).first()
    if address is None or address.customer_id != case.customer_id:
        raise DomainError(
            "address_required", _("Choose one of the debtor's addresses."), field="address"
        )
    _check_team(case, lead_agent, second_agent)
    if window_start is not None and window_end is not None and window_end <= window_start:
        raise DomainError(
            "invalid_window", _("The window must end after it starts."), field="window_end"
        )
    visit = Visit(
        case=case,
        address=address,
        branch_id=case.branch_id,
        kind=kind,
        lead_agent=lead_agent,
        second_agent=second_agent,
        scheduled_on=scheduled_on,
        window_start=window_start,
        window_end=window_end,
        created_by=actor,
    )
    assessment = _assess(visit)
    _require_senior(visit, assessment)
    visit.save()
    now = timezone.now()
    VisitTransition.objects.create(
        visit=visit, from_status="", to_status=visit.status, actor=actor, at=now
    )
    _ledger(
        visit,
        "visit.proposed",
        actor,
        {
            "kind": visit.kind,
            "risk_score": visit.risk_score,
            "risk_level": visit.risk_level,
            "team": [a for a in (visit.lead_agent_id, visit.second_agent_id) if a],
        },
        now,
    )
    _ask_approval(visit, actor)
    if visit.scheduled_on is not None:
        _tell_planner("added", visit, actor, now)
    return visit


def visit_approved(request: ApprovalRequest) -> None:
    """The approval handler: a proposed visit becomes approved, in the approving transaction."""
    visit = _locked(Visit.objects.get(pk=request.subject_id))
    vote = request.votes.filter(approve=True).select_related("voter").last()
    actor = vote.voter if vote is not None else None
    if visit.status == Status.PROPOSED.value:
        _move(
            visit,
            Status.APPROVED,
            actor=actor,
            at=timezone.now(),
            facts=lifecycle.Facts(approved=True),
            record={"approval": request.pk},
        )
        if visit.scheduled_on is not None:
            _tell_planner("added", visit, actor, timezone.now())


# ---------------------------------------------------------------------------------------------
# Scheduling and the envelope


def _visit_window(at: datetime) -> tuple[time, time]:
    """The bank's visit hours and the contact hours in force at ``at`` (``cn`` profile)."""
    params = version_params(version_in_force(bank_profile(), at))
    if isinstance(params, CnParams):
        visit_hours = (params.visit_window.start, params.visit_window.end)
        contact_hours = (params.contact_window.start, params.contact_window.end)
        return narrowest(visit_hours, contact_hours)
    return (params.contact_window.start, params.contact_window.end)


@transaction.atomic
def visit_schedule(
    *,
    visit: Visit,
    actor: Any,
    scheduled_on: date,
    window_start: time,
    window_end: time,
    lead_agent: StaffMember | None = None,
    second_agent: StaffMember | None = None,
    planned_arrival: datetime | None = None,
    route_position: int | None = None,
) -> Visit:
    """Put the visit on ``scheduled_on`` within the window, with its team of two, and store
    the envelope: the gate's decision for the planned arrival and the allowed local hours."""
    visit = _locked(visit)
    if window_end <= window_start:
        raise DomainError(
            "invalid_window", _("The window must end after it starts."), field="window_end"
        )
    lead = lead_agent or visit.lead_agent
    second = second_agent or visit.second_agent
    _check_team(visit.case, lead, second)
    visit.lead_agent, visit.second_agent = lead, second
    visit.scheduled_on = scheduled_on
    visit.window_start, visit.window_end = window_start, window_end
    visit.planned_arrival = planned_arrival
    visit.route_position = route_position
    zone = ZoneInfo(visit.address.timezone)
    arrival = planned_arrival or datetime.combine(scheduled_on, window_start, tzinfo=zone)
    assessment = _assess(visit)
    _require_senior(visit, assessment)
    decision = contact_decide(
        case=visit.case,
        proposal=ContactProposal(channel="visit", at=arrival, staff_count=visit.team_size),
        actor=actor,
        agent_id=None if lead is None else lead.pk,
    )
    start, end = narrowest((window_start, window_end), _visit_window(arrival))
    visit.envelope = Envelope(
        on=scheduled_on,
        start=start,
        end=end,
        zone=visit.address.timezone,
        allowed=contact_allowed(decision),
        rules=tuple(fired["rule"] for fired in decision.fired),
        decision=decision.pk,
        latitude=visit.address.latitude,
        longitude=visit.address.longitude,
    ).as_json()
    _move(
        visit,
        Status.SCHEDULED,
        actor=actor,
        at=timezone.now(),
        facts=_facts(visit),
        decision=decision,
        record={"on": scheduled_on, "verdict": decision.verdict},
    )
    _ask_approval(visit, actor)
    return visit


# ---------------------------------------------------------------------------------------------
# At the door


@dataclass(frozen=True)
class CheckIn:
    visit: Visit
    decision: Decision
    flags: list[str]
    distance_m: int | None


class ContactRefused(DomainError):
    """The gate or the envelope does not allow the contact now (HTTP 409)."""

    status = 409


def _gate_rules(decision: Decision) -> list[str]:
    if contact_allowed(decision):
        return []
    return [fired["rule"] for fired in decision.fired if fired["verdict"] != Verdict.WARN.value]


@transaction.atomic
def visit_check_in(
    *,
    visit: Visit,
    actor: Any,
    at: datetime,
    latitude: Decimal,
    longitude: Decimal,
    far_reason: str = "",
    enforce: bool = True,
) -> CheckIn:
    """The team is at the door: the gate decides the contact at ``at`` (recorded), the distance
    to the address is recorded, and a far check-in needs ``far_reason``. With ``enforce`` a
    contact outside the envelope or refused by the gate is refused; without (a synced record
    made offline) it is kept and its rule ids returned as ``flags``."""
    visit = _locked(visit)
    far_reason = _reason(far_reason)
    distance = None
    if visit.address.latitude is not None and visit.address.longitude is not None:
        distance = distance_m(latitude, longitude, visit.address.latitude, visit.address.longitude)
    if distance is not None and distance > FAR_METRES and not far_reason:
        raise DomainError(
            "far_reason_required",
            _("You are %(metres)s m from the address: say why you check in here.")
            % {"metres": distance},
            field="far_reason",
        )
    decision = contact_decide(
        case=visit.case,
        proposal=ContactProposal(channel="visit", at=at, staff_count=visit.team_size),
        actor=actor,
    )
    flags = _gate_rules(decision)
    if visit.envelope:
        flags += [
            rule
            for rule in check_moment(Envelope.from_json(visit.envelope), at)
            if rule not in flags
        ]
    if flags and enforce:
        raise ContactRefused(
            "outside_envelope",
            _("Not allowed now: %(rules)s.") % {"rules": ", ".join(flags)},
            field="at",
        )
    visit.checked_in_at = at
    visit.checkin_latitude, visit.checkin_longitude = latitude, longitude
    visit.checkin_distance_m = distance
    visit.checkin_far_reason = far_reason
    visit.flagged_rules = sorted({*visit.flagged_rules, *flags})
    _move(
        visit,
        Status.CHECKED_IN,
        actor=actor,
        at=at,
        facts=_facts(visit),
        decision=decision,
        record={"distance_m": distance, "flags": flags},
    )
    return CheckIn(visit=visit, decision=decision, flags=flags, distance_m=distance)


def _check_in_decision(visit: Visit) -> Decision | None:
    row = visit.transitions.filter(to_status=Status.CHECKED_IN.value).last()
    if row is None or row.decision_id is None:
        return None
    return Decision.objects.get(pk=row.decision_id)


@transaction.atomic
def visit_complete(
    *, visit: Visit, actor: Any, at: datetime, outcome: str, payment_reference: str = ""
) -> Visit:
    """Record the outcome: the visit is completed (a safety abort: aborted) and the contact is
    recorded with the compliance log under the check-in's decision. A payment during the visit
    is only ever through a bank channel, so it needs the bank's transaction reference."""
    visit = _locked(visit)
    if outcome not in Outcome.__members__.values():
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not an outcome.") % {"value": outcome},
            field="outcome",
        )
    if outcome == Outcome.PAID_DURING_VISIT and not payment_reference.strip():
        raise DomainError(
            "payment_reference_required",
            _("Give the bank's transaction reference of the payment."),
            field="payment_reference",
        )
    safety = outcome == Outcome.SAFETY_ABORT
    target = Status.ABORTED if safety else Status.COMPLETED
    if safety:
        visit.abort_reason = AbortReason.SAFETY.value
    visit.outcome = outcome
    visit.completed_at = at
    facts = _facts(
        visit,
        outcome=outcome,
        abort_reason=visit.abort_reason,
        reason=outcome if safety else "",
    )
    contact = contact_record(
        case=visit.case,
        channel="visit",
        at=at,
        outcome=lifecycle.CONTACT_OUTCOME[Outcome(outcome)],
        actor=actor,
        conversation=outcome in lifecycle.MET_OUTCOMES,
        staff_count=visit.team_size,
        decision=_check_in_decision(visit),
    )
    _move(
        visit,
        target,
        actor=actor,
        at=at,
        facts=facts,
        record={
            "outcome": outcome,
            "contact": contact.pk,
            "payment_reference_hash": (
                content_hash(payment_reference.strip()) if payment_reference.strip() else None
            ),
        },
    )
    return visit


# Moves with their own service (and their own checks): never through ``visit_transition``.
DEDICATED = frozenset(
    {Status.CHECKED_IN, Status.COMPLETED, Status.SCHEDULED, Status.APPROVED, Status.REPORTED}
)


@transaction.atomic
def visit_transition(
    *,
    visit: Visit,
    target: str,
    actor: Any,
    reason: str = "",
    abort_reason: str = "",
    at: datetime | None = None,
) -> Visit:
    """Any other move in the table: en route, aborted (with why), rescheduled or cancelled
    (with a reason)."""
    visit = _locked(visit)
    try:
        wanted = Status(target)
    except ValueError:
        raise DomainError(
            "unknown_status",
            _("“%(status)s” is not a visit status.") % {"status": target},
            field="status",
        ) from None
    if wanted in DEDICATED:
        raise DomainError(
            "use_dedicated_action",
            _("Check in, complete, schedule, approve and sign off have their own actions."),
            field="status",
        )
    if wanted is Status.ABORTED:
        visit.abort_reason = abort_reason
    _move(
        visit,
        wanted,
        actor=actor,
        at=at or timezone.now(),
        facts=_facts(visit, reason=_reason(reason), abort_reason=abort_reason),
        record={"abort_reason": abort_reason or None},
    )
    return visit


@transaction.atomic
def visit_report_sign_off(*, visit: Visit, actor: Any) -> Visit:
    """A manager reviews the visit report and signs it off: the visit becomes ``reported``,
    with who signed and when, and the entry names the report's content hash."""
    from doorstep.visits.selectors import visit_report

    visit = _locked(visit)
    if visit.report_signed_at is not None:
        raise ConflictError("already_signed", _("The report is already signed off."))
    now = timezone.now()
    report = visit_report(visit)
    visit.report_signed_by = actor
    visit.report_signed_at = now
    _move(
        visit,
        Status.REPORTED,
        actor=actor,
        at=now,
        facts=_facts(visit),
        record={"report_hash": content_hash(report["fingerprint"])},
    )
    return visit


EVIDENCE_MAX_BYTES = 16 * 1024 * 1024
EVIDENCE_MIME_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/webm",
    "audio/ogg",
    "audio/mp4",
    "audio/mpeg",
}


@transaction.atomic
def evidence_file_store(
    *, record: FieldRecord, data: bytes, content_type: str, actor: Any
) -> tuple[EvidenceFile, bool]:
    """Keep the file behind an evidence record (a photo, a signature) if it is the one the
    phone hashed when it was taken. Sending the same file again changes nothing (``False``);
    another file for the same record is a conflict. Ledgered with its digest."""
    if record.kind != FieldRecord.Kind.EVIDENCE:
        raise DomainError("not_evidence", _("Only an evidence record takes a file."), field="id")
    if content_type.split(";")[0] not in EVIDENCE_MIME_TYPES:
        raise DomainError(
            "invalid_type",
            _("Send a JPEG, PNG or WebP image, or a WebM, Ogg, MP4 or MP3 recording."),
            field="file",
        )
    if len(data) > EVIDENCE_MAX_BYTES:
        raise DomainError(
            "too_large",
            _("The file is larger than %(mb)s MB.") % {"mb": EVIDENCE_MAX_BYTES // 1024 // 1024},
            field="file",
        )
    digest = hashlib.sha256(data).hexdigest()
    if digest != record.payload.get("sha256"):
        raise DomainError(
            "hash_mismatch",
            _("This is not the file the phone recorded: its SHA-256 differs."),
            field="file",
        )
    stored = EvidenceFile.objects.filter(record=record).first()
    if stored is not None:
        return stored, False
    evidence = EvidenceFile.objects.create(
        record=record,
        sha256=digest,
        size=len(data),
        content_type=content_type.split(";")[0],
        content=base64.b64encode(data).decode("ascii"),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    ledger_append(
        kind="visit.evidence_file",
        actor=actor,
        subject={"case": record.visit.case.reference, "visit": record.visit_id},
        record={"id": str(record.client_uuid), "sha256": digest, "bytes": len(data)},
    )
    return evidence, True
