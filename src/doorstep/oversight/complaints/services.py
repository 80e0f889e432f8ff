"""Every change to a complaint: one function, one transaction, its history row and its ledger
entry with it.

Intake (``complaint_submit`` from the public page, ``complaint_intake`` by staff) starts the
clocks; ``complaint_link`` ties it to the case, visit and agent and puts the complaint hold on
the customer (CN-HOLD-01) through the compliance hold service; ``complaint_resolve`` records
the outcome and ``complaint_verify`` closes it only when a second person agrees, which also
lifts the hold. ``complaints_escalate`` is the SLA timer.

The complainant's words and contact details never reach the ledger: entries carry hashes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.agencies.services import placement_recall_for_complaint
from doorstep.cases.models import Case, CaseParticipant
from doorstep.cases.services import case_attach
from doorstep.compliance.engine import Hold as HoldKind
from doorstep.compliance.selectors import calendar_in_force
from doorstep.compliance.services import hold_add, hold_release
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.selectors import entry_list
from doorstep.ledger.services import ledger_append
from doorstep.oversight.complaints import lifecycle, mail
from doorstep.oversight.complaints.lifecycle import Category, Extension, Outcome, RootCause, Status
from doorstep.oversight.complaints.selectors import (
    HANDLER_ROLES,
    INTAKE_ROLES,
    REVEAL_ROLES,
    VERIFIER_ROLES,
)
from doorstep.oversight.models import (
    COMPLAINT_STATUS_LABELS,
    Complaint,
    ComplaintEvent,
    ComplaintEvidence,
)
from doorstep.oversight.services import approval_request
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import staff_for

EXTENSION_KIND = "complaints.extension"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone
TEXT_MAX = 4000
SHORT_MAX = 2000
REVEAL_REASON_MIN = 4


class ComplaintRefused(DomainError):
    """The actor's role may not make this change to the complaint."""

    status = 403


# Each guard message of the lifecycle, as the error code and field an API client sees.
_REFUSALS: dict[str, tuple[str, type[DomainError], str | None]] = {
    lifecycle.NEEDS_OUTCOME: ("outcome_required", DomainError, "outcome"),
    lifecycle.NEEDS_ROOT_CAUSE: ("root_cause_required", DomainError, "root_cause"),
    lifecycle.SAME_PERSON: ("same_person", ComplaintRefused, None),
    lifecycle.NEEDS_NOTE: ("note_required", DomainError, "note"),
}


@dataclass(frozen=True)
class Filed:
    """A new complaint and the access code the complainant is shown once (only its hash is
    stored)."""

    complaint: Complaint
    access_code: str


def _require(actor: Any, roles: frozenset[Role]) -> StaffMember:
    staff = staff_for(actor)
    if staff is None or staff.role not in roles:
        raise ComplaintRefused("forbidden", _("Your role may not do this to a complaint."))
    return staff


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError("required", _("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(
            "too_long", _("Keep it under %(n)d characters.") % {"n": limit}, field=field
        )
    return text


def _choice(value: str, enum: type[Any], *, field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(item.value for item in enum)},
            field=field,
        ) from None


def _event(
    complaint: Complaint,
    action: str,
    *,
    actor: Any,
    from_status: str,
    note: str = "",
    details: dict[str, Any] | None = None,
    at: datetime,
) -> None:
    """The history row and the ledger entry of one change, in the caller's transaction."""
    ComplaintEvent.objects.create(
        complaint=complaint,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=complaint.status,
        note=note,
        details=details or {},
        at=at,
    )
    subject: dict[str, str | int] = {"complaint": complaint.reference}
    if complaint.case is not None:
        subject["case"] = complaint.case.reference
    ledger_append(
        kind=f"complaint.{action}",
        actor=actor,
        subject=subject,
        record={
            "category": complaint.category,
            "from": from_status,
            "to": complaint.status,
            "note_hash": content_hash(note) if note else None,
            "details": details or {},
        },
        at=at,
    )


def _reference(now: datetime) -> str:
    stamp = timezone.localtime(now).strftime("%y%m%d")
    while True:
        tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _n in range(6))
        reference = f"TS{stamp}-{tail}"
        if not Complaint.objects.filter(reference=reference).exists():
            return reference


def _file(
    *,
    channel: str,
    category: str,
    name: str,
    phone: str,
    email: str,
    description: str,
    happened_on: date | None,
    language: str,
    actor: Any,
    now: datetime | None,
    message_id: str = "",
) -> Filed:
    chosen = _choice(category, Category, field="category")
    _choice(channel, Complaint.Channel, field="channel")
    contact_phone = _text(phone, field="phone", limit=20, required=False)
    contact_email = _text(email, field="email", limit=254, required=False)
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            raise DomainError(
                "invalid_email", _("Enter a valid e-mail address."), field="email"
            ) from None
    if not contact_phone and not contact_email:
        raise DomainError(
            "contact_required",
            _("Give a phone number or an e-mail address so we can reply."),
            field="phone",
        )
    received = now or timezone.now()
    if happened_on is not None and happened_on > timezone.localdate(received):
        raise DomainError("in_future", _("This date is in the future."), field="happened_on")
    code = f"{secrets.randbelow(10**8):08d}"
    complaint = Complaint.objects.create(
        reference=_reference(received),
        access_code=make_password(code),
        channel=channel,
        category=chosen.value,
        complainant_name=_text(name, field="name", limit=100),
        complainant_phone=contact_phone,
        complainant_email=contact_email,
        description=_text(description, field="description", limit=TEXT_MAX),
        happened_on=happened_on,
        language=language,
        message_id=message_id,
        received_by=actor,
        received_at=received,
        ack_due_at=lifecycle.ack_due(received, calendar_in_force()),
        decision_due_at=lifecycle.decision_due(received, chosen, Extension.NONE),
    )
    _event(
        complaint,
        ComplaintEvent.Action.RECEIVED,
        actor=actor,
        from_status="",
        details={
            "channel": channel,
            "description_hash": content_hash(complaint.description),
            "ack_due_at": complaint.ack_due_at.isoformat(),
            "decision_due_at": complaint.decision_due_at.isoformat(),
        },
        at=received,
    )
    return Filed(complaint, code)


@transaction.atomic
def complaint_submit(
    *,
    category: str,
    name: str,
    phone: str,
    email: str,
    description: str,
    happened_on: date | None = None,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> Filed:
    """A complaint from the public page: nobody is signed in; the clocks start now."""
    return _file(
        channel=Complaint.Channel.WEB,
        category=category,
        name=name,
        phone=phone,
        email=email,
        description=description,
        happened_on=happened_on,
        language=language,
        actor=None,
        now=now,
    )


@transaction.atomic
def complaint_intake(
    *,
    actor: Any,
    channel: str,
    category: str,
    name: str,
    phone: str,
    email: str,
    description: str,
    happened_on: date | None = None,
    received_at: datetime | None = None,
) -> Filed:
    """A complaint staff took by phone, letter, e-mail, at a branch or from the regulator.
    ``received_at`` is when the bank received it (a letter's arrival), which starts the
    clocks; it may not be in the future."""
    _require(actor, INTAKE_ROLES)
    if channel == Complaint.Channel.WEB:
        raise DomainError(
            "invalid_choice", _("Web complaints come through the public page."), field="channel"
        )
    if received_at is not None and received_at > timezone.now():
        raise DomainError("in_future", _("This date is in the future."), field="received_at")
    return _file(
        channel=channel,
        category=category,
        name=name,
        phone=phone,
        email=email,
        description=description,
        happened_on=happened_on,
        language="zh-hans",
        actor=actor,
        now=received_at,
    )


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=complaint.pk)
    )


def _move(complaint: Complaint, target: Status, facts: lifecycle.Facts) -> Status:
    current = Status(complaint.status)
    try:
        lifecycle.check(current, target, facts)
    except lifecycle.TransitionRefused as error:
        code, kind, field = _REFUSALS.get(
            error.message, ("transition_refused", ConflictError, None)
        )
        params = {
            key: str(COMPLAINT_STATUS_LABELS[Status(str(value))]).lower()
            for key, value in error.params.items()
        }
        message = _(error.message) % params if params else _(error.message)
        raise kind(code, message, field=field) from None
    complaint.status = target.value
    return current


def _facts(complaint: Complaint, *, actor: Any = None, note: str = "") -> lifecycle.Facts:
    return lifecycle.Facts(
        actor_recorded_outcome=actor is not None and complaint.outcome_by_id == actor.pk,
        has_outcome=bool(complaint.outcome),
        has_root_cause=bool(complaint.root_cause),
        note=note,
    )


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, actor: Any, start: bool = False) -> Complaint:
    """Tell the complainant we have it (and, with ``start``, begin the investigation with the
    actor as its handler). Acknowledging stops the acknowledgement clock."""
    staff = _require(actor, HANDLER_ROLES)
    complaint = _locked(complaint)
    target = Status.INVESTIGATING if start else Status.ACKNOWLEDGED
    current = _move(complaint, target, _facts(complaint))
    now = timezone.now()
    complaint.acknowledged_at = now
    if start:
        complaint.handler = staff
    complaint.save(update_fields=["status", "acknowledged_at", "handler"])
    action = ComplaintEvent.Action.INVESTIGATING if start else ComplaintEvent.Action.ACKNOWLEDGED
    late = now >= complaint.ack_due_at
    _event(complaint, action, actor=actor, from_status=current, details={"late": late}, at=now)
    return complaint


@transaction.atomic
def complaint_start(*, complaint: Complaint, actor: Any) -> Complaint:
    """Begin investigating an acknowledged complaint, the actor as its handler."""
    staff = _require(actor, HANDLER_ROLES)
    complaint = _locked(complaint)
    current = _move(complaint, Status.INVESTIGATING, _facts(complaint))
    complaint.handler = staff
    complaint.save(update_fields=["status", "handler"])
    _event(
        complaint,
        ComplaintEvent.Action.INVESTIGATING,
        actor=actor,
        from_status=current,
        at=timezone.now(),
    )
    return complaint


def _require_open(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise ConflictError("complaint_closed", _("This complaint is closed."))


@transaction.atomic
def complaint_link(
    *,
    complaint: Complaint,
    actor: Any,
    case: Case | None = None,
    agent: StaffMember | None = None,
    visit_reference: str = "",
    category: str = "",
) -> Complaint:
    """Tie the complaint to the case it is about (its customer and branch follow; its agent
    unless ``agent`` names another), and to a visit; correct its ``category`` (an e-mail comes
    in as "other"), which resets the decision clock of an unextended complaint. Linking a
    customer puts the complaint hold on them: no contact until the complaint is closed
    (CN-HOLD-01). The handler is attached to the case so they can read it."""
    staff = _require(actor, HANDLER_ROLES)
    complaint = _locked(complaint)
    _require_open(complaint)
    if case is None and agent is None and not visit_reference.strip() and not category:
        raise DomainError("nothing_to_link", _("Name a case, an agent or a visit."), field="case")
    if category and category != complaint.category:
        chosen = _choice(category, Category, field="category")
        complaint.category = chosen.value
        complaint.decision_due_at = lifecycle.decision_due(
            complaint.received_at, chosen, Extension(complaint.extension)
        )
    if agent is not None and agent.role not in {Role.FIELD_AGENT, Role.PHONE_AGENT}:
        raise DomainError(
            "not_an_agent",
            _("%(name)s is not a collections agent.") % {"name": agent.display_name},
            field="agent",
        )
    if case is not None:
        complaint.case = case
        complaint.customer_id = case.customer_id
        complaint.branch_id = case.branch_id
        if agent is None and case.agent_id is not None:
            complaint.agent_id = case.agent_id
    if agent is not None:
        complaint.agent = agent
        if complaint.branch_id is None:
            complaint.branch_id = agent.branch_id
    if visit_reference.strip():
        complaint.visit_reference = _text(visit_reference, field="visit_reference", limit=40)
    now = timezone.now()
    if complaint.customer is not None and complaint.hold_id is None:
        complaint.hold = hold_add(
            customer=complaint.customer,
            kind=HoldKind.COMPLAINT.value,
            reason=_("Complaint %(reference)s is open.") % {"reference": complaint.reference},
            actor=actor,
            starts_at=now,
        )
    complaint.save(
        update_fields=[
            "case",
            "customer",
            "branch",
            "agent",
            "visit_reference",
            "hold",
            "category",
            "decision_due_at",
        ]
    )
    if case is not None:
        # A complaint about a case placed with an agency recalls it at once (issue 14).
        placement_recall_for_complaint(case=case, complaint=complaint, actor=actor)
    if (
        case is not None
        and staff.role == Role.COMPLAINT_HANDLER
        and not CaseParticipant.objects.filter(
            case=case, staff=staff, capacity=CaseParticipant.Capacity.COMPLAINT
        ).exists()
    ):
        case_attach(
            case=case, staff=staff, capacity=CaseParticipant.Capacity.COMPLAINT, actor=actor
        )
    _event(
        complaint,
        ComplaintEvent.Action.LINKED,
        actor=actor,
        from_status=complaint.status,
        details={
            "case": case.reference if case is not None else None,
            "agent": complaint.agent.employee_number if complaint.agent else None,
            "visit": complaint.visit_reference or None,
            "hold": complaint.hold_id,
            "category": complaint.category,
        },
        at=now,
    )
    return complaint


@transaction.atomic
def complaint_note(*, complaint: Complaint, actor: Any, note: str) -> ComplaintEvent:
    """An investigation note: what was checked, who was heard."""
    _require(actor, HANDLER_ROLES)
    complaint = _locked(complaint)
    _require_open(complaint)
    text = _text(note, field="note", limit=TEXT_MAX)
    _event(
        complaint,
        ComplaintEvent.Action.NOTE,
        actor=actor,
        from_status=complaint.status,
        note=text,
        at=timezone.now(),
    )
    return complaint.events.order_by("-pk").first()  # type: ignore[return-value]


@transaction.atomic
def complaint_add_evidence(
    *, complaint: Complaint, actor: Any, ledger_index: int
) -> ComplaintEvidence:
    """Rely on a ledger entry of the linked case (a visit record, a contact, a note)."""
    _require(actor, HANDLER_ROLES)
    complaint = _locked(complaint)
    _require_open(complaint)
    if complaint.case is None:
        raise DomainError(
            "no_case", _("Link the complaint to its case first."), field="ledger_index"
        )
    entry = (
        entry_list(subject=("case", complaint.case.reference)).filter(index=ledger_index).first()
    )
    if entry is None:
        raise DomainError(
            "not_in_case",
            _("Ledger entry %(index)s is not about this complaint's case.")
            % {"index": ledger_index},
            field="ledger_index",
        )
    if complaint.evidence.filter(ledger_index=ledger_index).exists():
        raise ConflictError(
            "already_attached", _("This entry is already evidence."), field="ledger_index"
        )
    now = timezone.now()
    evidence = ComplaintEvidence.objects.create(
        complaint=complaint,
        ledger_index=entry.index,
        entry_kind=entry.kind,
        leaf_hash=bytes(entry.leaf_hash).hex(),
        added_by=actor,
        at=now,
    )
    _event(
        complaint,
        ComplaintEvent.Action.EVIDENCE,
        actor=actor,
        from_status=complaint.status,
        details={"ledger_index": entry.index, "leaf_hash": evidence.leaf_hash},
        at=now,
    )
    return evidence


def _apply_extension(complaint: Complaint, extension: Extension, actor: Any, reason: str) -> None:
    complaint.extension = extension.value
    complaint.decision_due_at = lifecycle.decision_due(
        complaint.received_at, Category(complaint.category), extension
    )
    complaint.escalations = [
        item for item in complaint.escalations if item != lifecycle.Breach.DECISION.value
    ]
    complaint.save(update_fields=["extension", "decision_due_at", "escalations"])
    _event(
        complaint,
        ComplaintEvent.Action.EXTENDED,
        actor=actor,
        from_status=complaint.status,
        note=reason,
        details={"extension": extension.value, "due": complaint.decision_due_at.isoformat()},
        at=timezone.now(),
    )


@transaction.atomic
def complaint_extend(*, complaint: Complaint, actor: Any, extension: str, reason: str) -> Any:
    """Extend the decision deadline: to 30 days for a complex complaint (the handler decides),
    then by a further 30 days only with a head-office administrator's approval (returns the
    approval request; the deadline moves when it is approved)."""
    _require(actor, HANDLER_ROLES)
    complaint = _locked(complaint)
    _require_open(complaint)
    chosen = _choice(extension, Extension, field="extension")
    text = _text(reason, field="reason", limit=SHORT_MAX)
    order = list(Extension)
    if order.index(chosen) != order.index(Extension(complaint.extension)) + 1:
        raise ConflictError(
            "extension_order",
            _("A complaint is extended once for complexity, then once with head-office approval."),
            field="extension",
        )
    if chosen is Extension.COMPLEX:
        _apply_extension(complaint, chosen, actor, text)
        return complaint
    return approval_request(
        kind=EXTENSION_KIND,
        subject=complaint,
        summary=_("Extend complaint %(reference)s by 30 days") % {"reference": complaint.reference},
        payload={"complaint": complaint.reference, "extension": chosen.value},
        requested_by=actor,
        reason=text,
        branch=complaint.branch,
    )


def extension_approved(request: Any) -> None:
    """The head-office extension's approval handler: the deadline moves in its transaction."""
    complaint = _locked(Complaint.objects.get(pk=request.subject_id))
    if not complaint.is_open or complaint.extension != Extension.COMPLEX.value:
        raise ConflictError(
            "extension_stale", _("The complaint is no longer waiting for this extension.")
        )
    _apply_extension(complaint, Extension.HEAD_OFFICE, request.requested_by, request.reason)


@transaction.atomic
def complaint_resolve(
    *,
    complaint: Complaint,
    actor: Any,
    outcome: str,
    remedy: str,
    root_cause: str,
    accountability: str = "",
) -> Complaint:
    """Record the decision: upheld, partly or not, the remedy, the root cause and the
    accountability action. The complaint then waits for a second person to verify it."""
    _require(actor, HANDLER_ROLES)
    complaint = _locked(complaint)
    chosen = _choice(outcome, Outcome, field="outcome")
    cause = _choice(root_cause, RootCause, field="root_cause")
    complaint.outcome = chosen.value
    complaint.root_cause = cause.value
    complaint.remedy = _text(remedy, field="remedy", limit=SHORT_MAX)
    complaint.accountability = _text(
        accountability,
        field="accountability",
        limit=SHORT_MAX,
        required=chosen is not Outcome.NOT_UPHELD,
    )
    complaint.outcome_by = actor
    current = _move(complaint, Status.RESOLVED, _facts(complaint))
    now = timezone.now()
    complaint.decided_at = now
    complaint.save(
        update_fields=[
            "status",
            "outcome",
            "root_cause",
            "remedy",
            "accountability",
            "outcome_by",
            "decided_at",
        ]
    )
    _event(
        complaint,
        ComplaintEvent.Action.RESOLVED,
        actor=actor,
        from_status=current,
        details={
            "outcome": chosen.value,
            "root_cause": cause.value,
            "remedy_hash": content_hash(complaint.remedy),
            "late": now >= complaint.decision_due_at,
        },
        at=now,
    )
    return complaint


@transaction.atomic
def complaint_verify(*, complaint: Complaint, actor: Any, accept: bool, note: str) -> Complaint:
    """A second person checks the recorded outcome. Accepted: the complaint closes and its hold
    is lifted. Not accepted: the investigation resumes with the verifier's note."""
    _require(actor, VERIFIER_ROLES)
    complaint = _locked(complaint)
    target = Status.CLOSED if accept else Status.INVESTIGATING
    text = (note or "").strip()
    current = _move(complaint, target, _facts(complaint, actor=actor, note=text))
    _text(text, field="note", limit=SHORT_MAX)
    now = timezone.now()
    if accept:
        complaint.verified_by = actor
        complaint.closed_at = now
        if complaint.hold is not None and complaint.hold.released_at is None:
            hold_release(
                hold=complaint.hold,
                actor=actor,
                reason=_("Complaint %(reference)s is closed.") % {"reference": complaint.reference},
            )
    else:
        complaint.outcome_by = None
        complaint.decided_at = None
    complaint.save(update_fields=["status", "verified_by", "closed_at", "outcome_by", "decided_at"])
    action = ComplaintEvent.Action.CLOSED if accept else ComplaintEvent.Action.REOPENED
    _event(complaint, action, actor=actor, from_status=current, note=text, at=now)
    return complaint


@dataclass(frozen=True)
class MailImport:
    """What an import did: references created, message ids already imported, and the
    messages refused with the reason (each message is its own transaction)."""

    created: list[str]
    duplicates: list[str]
    refused: list[tuple[str, str]]


def complaints_import_mail(*, messages: Iterable[bytes], actor: Any) -> MailImport:
    """Take in every message as an e-mail complaint of category "other" (the handler sets
    the category when linking it), received when it was sent. A message already imported (same
    Message-ID) is skipped, so importing a mailbox twice is safe."""
    _require(actor, INTAKE_ROLES)
    created: list[str] = []
    duplicates: list[str] = []
    refused: list[tuple[str, str]] = []
    now = timezone.now()
    for raw in messages:
        parsed = mail.parse(raw)
        label = parsed.message_id or parsed.subject or "?"
        if parsed.message_id and Complaint.objects.filter(message_id=parsed.message_id).exists():
            duplicates.append(parsed.message_id)
            continue
        sent = parsed.sent_at if parsed.sent_at is not None and parsed.sent_at <= now else now
        try:
            with transaction.atomic():
                filed = _file(
                    channel=Complaint.Channel.EMAIL,
                    category=Category.OTHER.value,
                    name=parsed.name,
                    phone="",
                    email=parsed.email,
                    description=parsed.body,
                    happened_on=None,
                    language="zh-hans",
                    actor=actor,
                    now=sent,
                    message_id=parsed.message_id,
                )
        except DomainError as error:
            refused.append((label, f"{error.field or ''}: {error.message}"))
        else:
            created.append(filed.complaint.reference)
    return MailImport(created, duplicates, refused)


@transaction.atomic
def complaint_reveal(*, complaint: Complaint, actor: Any, reason: str) -> Complaint:
    """Show the complainant's name and contact details to a handler who must reply, after
    recording who asked and why (the history and the ledger keep the reason's hash)."""
    _require(actor, REVEAL_ROLES)
    text = _text(reason, field="reason", limit=200)
    if len(text) < REVEAL_REASON_MIN:
        raise DomainError(
            "reason_required",
            _("Say why you need the contact details (at least %(n)d characters).")
            % {"n": REVEAL_REASON_MIN},
            field="reason",
        )
    _event(
        complaint,
        ComplaintEvent.Action.REVEALED,
        actor=actor,
        from_status=complaint.status,
        note=text,
        at=timezone.now(),
    )
    return complaint


def complaints_escalate(*, now: datetime | None = None) -> list[str]:
    """Escalate every open complaint that has run past a clock, once per clock: the history
    and the ledger record it and head office sees it in the escalated list. Safe to run at any
    time and twice. Returns the references escalated."""
    now = now or timezone.now()
    candidates = Complaint.objects.filter(
        status__in=[status.value for status in lifecycle.OPEN]
    ).filter(ack_due_at__lte=now) | Complaint.objects.filter(
        status__in=[status.value for status in lifecycle.OPEN], decision_due_at__lte=now
    )
    escalated = []
    for pk in candidates.order_by("decision_due_at", "pk").values_list("pk", flat=True):
        with transaction.atomic():
            complaint = (
                Complaint.objects.select_for_update(of=("self",)).select_related("case").get(pk=pk)
            )
            new = [
                breach.value
                for breach in lifecycle.breaches(
                    status=Status(complaint.status),
                    ack_due_at=complaint.ack_due_at,
                    decision_due_at=complaint.decision_due_at,
                    now=now,
                )
                if breach.value not in complaint.escalations
            ]
            if not new:
                continue
            complaint.escalations = [*complaint.escalations, *new]
            complaint.save(update_fields=["escalations"])
            _event(
                complaint,
                ComplaintEvent.Action.ESCALATED,
                actor=None,
                from_status=complaint.status,
                details={"clocks": new},
                at=now,
            )
            escalated.append(complaint.reference)
    return escalated
