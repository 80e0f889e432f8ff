"""Every change to a legal matter or a guarantee: one function, one transaction, ledgered.

The hand-off from collections goes through an oversight approval (``legal.handoff``); its
approval moves the case to ``legal`` through the cases lifecycle. Filing records a ``suit``
limitation event on each account of the case and the end of the proceedings is written onto
them through compliance, which alone decides what that does to the limitation.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases import lifecycle as case_lifecycle
from doorstep.cases import services as case_services
from doorstep.cases.models import Case, CaseParticipant
from doorstep.compliance.models import ContactEvent, LimitationEvent
from doorstep.compliance.proposals import ContactProposal
from doorstep.compliance.services import (
    contact_allowed,
    contact_decide,
    contact_record,
    limitation_event_add,
    limitation_proceedings_end,
)
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.legal import guarantee as rules
from doorstep.legal.lifecycle import NOT_ALLOWED, MatterKind, MatterStatus, allowed
from doorstep.legal.models import (
    STATUS_LABELS,
    Deadline,
    Document,
    GuaranteeContract,
    GuarantorDemand,
    Hearing,
    Matter,
    MoneyLine,
)
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_request
from doorstep.portfolio.models import Guarantor
from doorstep.staff.models import Role, StaffMember

HANDOFF_KIND = "legal.handoff"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Proceedings that restart limitation from their end (民法典 Art 195(3)(4); SPC 诉讼时效规定
# Arts 11, 14): a suit, an arbitration, a payment order, a mediation request.
DEMAND_CHANNELS = ("letter", "sms", "email", "visit", "call")


def _mail_on_commit(subject: str, recipients: list[str]) -> None:
    """Send the reminder once the transaction that recorded it commits."""

    def send() -> None:
        send_mail(subject, subject, None, recipients, fail_silently=True)

    transaction.on_commit(send)


def _ledger(matter: Matter, kind: str, actor: Any, record: dict[str, Any]) -> None:
    ledger_append(
        kind=kind,
        actor=actor,
        subject={"case": matter.case.reference, "matter": matter.reference},
        record=record,
    )


def _move(matter: Matter, target: MatterStatus) -> None:
    current = MatterStatus(matter.status)
    if not allowed(current, target):
        raise ConflictError(
            "matter_transition_refused",
            _(NOT_ALLOWED) % {"current": STATUS_LABELS[current], "target": STATUS_LABELS[target]},
        )
    matter.status = target.value


def _locked(matter: Matter) -> Matter:
    return Matter.objects.select_for_update().select_related("case").get(pk=matter.pk)


def _text(value: str, *, field: str, message: str, limit: int = 500) -> str:
    text = value.strip()
    if not text:
        raise DomainError(f"{field}_required", message, field=field)
    return text[:limit]


@transaction.atomic
def matter_propose(
    *,
    case: Case,
    kind: str,
    claim_amount: Decimal,
    specialist: StaffMember,
    reason: str,
    actor: Any,
    court: str = "",
) -> Matter:
    """Collections asks to hand ``case`` to legal for a ``kind`` action; a manager of the case's
    branch approves it (oversight). Nothing changes on the case until then."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    try:
        chosen = MatterKind(kind)
    except ValueError:
        raise DomainError(
            "invalid_choice", _("“%(value)s” is not a matter type.") % {"value": kind}, field="kind"
        ) from None
    status = case_lifecycle.Status(case.status)
    if (status, case_lifecycle.Status.LEGAL) not in case_lifecycle.TRANSITIONS:
        raise ConflictError(
            "case_not_handable", _("Only a case being worked can be handed to legal."), field="case"
        )
    if specialist.role != Role.LEGAL_SPECIALIST or not specialist.is_active:
        raise DomainError(
            "not_legal_specialist",
            _("%(name)s is not an active legal specialist.") % {"name": specialist.display_name},
            field="specialist",
        )
    if claim_amount <= 0:
        raise DomainError(
            "amount_positive", _("The amount must be positive."), field="claim_amount"
        )
    if Matter.objects.filter(case=case, status=MatterStatus.PROPOSED.value).exists():
        raise ConflictError("handoff_pending", _("A hand-off of this case is already waiting."))
    reason_text = _text(reason, field="reason", message=_("Say why this case goes to legal."))
    serial = Matter.objects.filter(case=case).count() + 1
    matter = Matter.objects.create(
        reference=f"L{case.reference[1:]}-{serial}",
        case=case,
        kind=chosen.value,
        claim_amount=claim_amount,
        court=court.strip()[:100],
        specialist=specialist,
        proposed_by=actor,
        created_at=timezone.now(),
    )
    matter.approval = approval_request(
        kind=HANDOFF_KIND,
        subject=matter,
        summary=_("Hand %(case)s to legal: %(kind)s, claim ¥%(amount)s")
        % {"case": case.reference, "kind": matter.get_kind_display(), "amount": claim_amount},
        payload={"matter": matter.reference, "kind": chosen.value, "claim": str(claim_amount)},
        requested_by=actor,
        reason=reason_text,
        branch=case.branch,
        amount=claim_amount,
    )
    matter.save(update_fields=["approval"])
    _ledger(
        matter,
        "legal.proposed",
        actor,
        {"kind": chosen.value, "claim": claim_amount, "approval": matter.approval.pk},
    )
    return matter


def _approver(request: ApprovalRequest) -> Any:
    vote = request.votes.filter(approve=True).select_related("voter").order_by("-at").first()
    return vote.voter if vote is not None else None


def handoff_approved(request: ApprovalRequest) -> None:
    """The approval's handler (in its transaction): the case moves to ``legal`` and the
    specialist is attached to it, so they see it."""
    matter = Matter.objects.select_for_update().select_related("case").get(pk=request.subject_id)
    actor = _approver(request)
    _move(matter, MatterStatus.PREPARING)
    matter.save(update_fields=["status", "updated_at"])
    case_services.case_transition(
        case=matter.case,
        target=case_lifecycle.Status.LEGAL.value,
        actor=actor,
        reason=f"{matter.reference} {request.reason}"[:500],
    )
    attached = CaseParticipant.objects.filter(
        case=matter.case, staff=matter.specialist, capacity=CaseParticipant.Capacity.LEGAL
    ).exists()
    if not attached:
        case_services.case_attach(
            case=matter.case,
            staff=matter.specialist,
            capacity=CaseParticipant.Capacity.LEGAL.value,
            actor=actor,
        )
    _ledger(matter, "legal.handed_off", actor, {"approval": request.pk})


def handoff_rejected(request: ApprovalRequest) -> None:
    matter = Matter.objects.select_for_update().select_related("case").get(pk=request.subject_id)
    _move(matter, MatterStatus.REJECTED)
    matter.closed_on = timezone.localdate()
    matter.save(update_fields=["status", "closed_on", "updated_at"])
    _ledger(matter, "legal.rejected", None, {"approval": request.pk})


@transaction.atomic
def matter_file(
    *, matter: Matter, filed_on: date, court: str, court_reference: str, actor: Any
) -> Matter:
    """The claim is filed: a ``suit`` limitation event (pending) on every account of the case."""
    matter = _locked(matter)
    _move(matter, MatterStatus.FILED)
    if filed_on > timezone.localdate():
        raise DomainError("future_date", _("That date is in the future."), field="filed_on")
    matter.court = _text(court, field="court", message=_("Name the court."), limit=100)
    matter.court_reference = court_reference.strip()[:60]
    matter.filed_on = filed_on
    matter.save()
    for account in matter.case.accounts.order_by("pk"):
        event = limitation_event_add(
            account=account,
            kind="suit",
            on=filed_on,
            source=f"{matter.reference} {matter.get_kind_display()} {matter.court}",
            actor=actor,
        )
        matter.limitation_events.add(event)
    _ledger(
        matter,
        "legal.filed",
        actor,
        {"filed_on": filed_on, "court": matter.court, "court_reference": matter.court_reference},
    )
    return matter


@transaction.atomic
def matter_decide(
    *,
    matter: Matter,
    ended_on: date,
    judgment: str,
    actor: Any,
    judgment_amount: Decimal | None = None,
) -> Matter:
    """The proceedings ended (judgment or award in effect, payment order in effect, mediation
    agreement, withdrawal): compliance restarts every account's limitation from ``ended_on``."""
    matter = _locked(matter)
    _move(matter, MatterStatus.DECIDED)
    if matter.filed_on is not None and ended_on < matter.filed_on:
        raise DomainError("ends_before_start", _("It ends after it starts."), field="ended_on")
    if ended_on > timezone.localdate():
        raise DomainError("future_date", _("That date is in the future."), field="ended_on")
    matter.ended_on = ended_on
    matter.judgment = _text(
        judgment, field="judgment", message=_("Say how the proceedings ended."), limit=2000
    )
    matter.judgment_amount = judgment_amount
    matter.save()
    for event in matter.limitation_events.filter(ended_on__isnull=True):
        limitation_proceedings_end(event=event, ended_on=ended_on, actor=actor)
    _ledger(
        matter,
        "legal.decided",
        actor,
        {
            "ended_on": ended_on,
            "judgment_hash": content_hash(matter.judgment),
            "amount": judgment_amount,
        },
    )
    return matter


@transaction.atomic
def matter_enforce(*, matter: Matter, on: date, reference: str, actor: Any) -> Matter:
    """Enforcement (执行) applied for."""
    matter = _locked(matter)
    _move(matter, MatterStatus.ENFORCEMENT)
    matter.enforcement_on = on
    matter.enforcement_reference = reference.strip()[:60]
    matter.save()
    _ledger(matter, "legal.enforcement", actor, {"on": on, "reference": reference.strip()})
    return matter


@transaction.atomic
def matter_close(*, matter: Matter, on: date, reason: str, actor: Any) -> Matter:
    matter = _locked(matter)
    _move(matter, MatterStatus.CLOSED)
    text = _text(reason, field="reason", message=_("Give a reason for this change."))
    matter.closed_on = on
    matter.save()
    _ledger(matter, "legal.closed", actor, {"on": on, "reason_hash": content_hash(text)})
    return matter


def _open(matter: Matter) -> None:
    if matter.status in (MatterStatus.REJECTED.value, MatterStatus.CLOSED.value):
        raise ConflictError("matter_closed", _("The matter is closed."))


@transaction.atomic
def hearing_add(*, matter: Matter, at: datetime, place: str, actor: Any) -> Hearing:
    matter = _locked(matter)
    _open(matter)
    hearing = Hearing.objects.create(matter=matter, at=at, place=place.strip()[:100])
    _ledger(matter, "legal.hearing", actor, {"at": at, "place": hearing.place})
    return hearing


@transaction.atomic
def deadline_add(
    *, matter: Matter, due_on: date, what: str, actor: Any, remind_days: int = 7
) -> Deadline:
    matter = _locked(matter)
    _open(matter)
    deadline = Deadline.objects.create(
        matter=matter,
        due_on=due_on,
        what=_text(what, field="what", message=_("Say what is due."), limit=200),
        remind_days=max(0, min(remind_days, 365)),
    )
    _ledger(matter, "legal.deadline", actor, {"due_on": due_on, "what_hash": content_hash(what)})
    return deadline


@transaction.atomic
def deadline_done(*, deadline: Deadline, on: date, actor: Any) -> Deadline:
    deadline = (
        Deadline.objects.select_for_update().select_related("matter__case").get(pk=deadline.pk)
    )
    if deadline.done_on is not None:
        raise ConflictError("deadline_done", _("Already done."))
    deadline.done_on = on
    deadline.save(update_fields=["done_on"])
    _ledger(deadline.matter, "legal.deadline_done", actor, {"deadline": deadline.pk, "on": on})
    return deadline


def deadlines_remind(*, today: date) -> list[int]:
    """Mail the specialist (and counsel) of every deadline whose reminder day has come and that
    is neither done nor reminded yet. Safe to run twice: a reminded deadline is skipped."""
    reminded: list[int] = []
    due = Deadline.objects.filter(
        done_on__isnull=True,
        reminded_at__isnull=True,
        matter__status__in=[
            s.value
            for s in (
                MatterStatus.PREPARING,
                MatterStatus.FILED,
                MatterStatus.DECIDED,
                MatterStatus.ENFORCEMENT,
            )
        ],
        due_on__gte=today,
    ).select_related("matter__case", "matter__specialist__user", "matter__counsel__user")
    for deadline in due:
        if (deadline.due_on - today).days > deadline.remind_days:
            continue
        with transaction.atomic():
            locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
            if locked.reminded_at is not None:
                continue
            locked.reminded_at = timezone.now()
            locked.save(update_fields=["reminded_at"])
            matter = deadline.matter
            _ledger(matter, "legal.deadline_reminded", None, {"deadline": deadline.pk})
            people = [matter.specialist] + ([matter.counsel] if matter.counsel else [])
            recipients = [p.user.email for p in people if p.user.email]
            if recipients:
                subject = _("Deadline %(due)s: %(what)s (%(matter)s)") % {
                    "due": deadline.due_on.isoformat(),
                    "what": deadline.what,
                    "matter": matter.reference,
                }
                _mail_on_commit(subject, recipients)
            reminded.append(deadline.pk)
    return reminded


MONEY_KINDS = frozenset(MoneyLine.Kind.values)


@transaction.atomic
def money_add(
    *, matter: Matter, kind: str, on: date, amount: Decimal, note: str, actor: Any
) -> MoneyLine:
    """A cost (court fee, counsel's fee, enforcement fee) or a recovery from the proceedings."""
    matter = _locked(matter)
    if kind not in MONEY_KINDS:
        raise DomainError("invalid_choice", _("A cost or a recovery."), field="kind")
    if amount <= 0:
        raise DomainError("amount_positive", _("The amount must be positive."), field="amount")
    line = MoneyLine.objects.create(
        matter=matter,
        kind=kind,
        on=on,
        amount=amount.quantize(Decimal("0.01")),
        note=_text(note, field="note", message=_("Say what it is for."), limit=200),
        recorded_by=actor,
    )
    _ledger(matter, f"legal.{kind}", actor, {"on": on, "amount": line.amount})
    return line


@transaction.atomic
def counsel_set(
    *,
    matter: Matter,
    name: str,
    firm: str,
    outside: bool,
    actor: Any,
    user_staff: StaffMember | None = None,
) -> Matter:
    """Who argues the matter: in-house or outside counsel, optionally with a user of their own
    (a legal specialist's login) who then sees this matter."""
    matter = _locked(matter)
    _open(matter)
    if user_staff is not None and user_staff.role != Role.LEGAL_SPECIALIST:
        raise DomainError(
            "not_legal_specialist",
            _("%(name)s is not an active legal specialist.") % {"name": user_staff.display_name},
            field="counsel",
        )
    matter.counsel_name = _text(
        name, field="counsel_name", message=_("Name the counsel."), limit=100
    )
    matter.counsel_firm = firm.strip()[:100]
    matter.counsel_outside = outside
    matter.counsel = user_staff
    matter.save()
    _ledger(
        matter,
        "legal.counsel",
        actor,
        {
            "outside": outside,
            "counsel_hash": content_hash([matter.counsel_name, matter.counsel_firm]),
            "user": user_staff.employee_number if user_staff else None,
        },
    )
    return matter


@transaction.atomic
def document_upload(
    *, matter: Matter, upload: UploadedFile[bytes], title: str, actor: Any
) -> Document:
    """Store the file encrypted with its SHA-256, and ledger the hash."""
    matter = _locked(matter)
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise DomainError("too_large", _("The file is larger than 20 MB."), field="file")
    digest = hashlib.sha256()
    chunks = []
    for chunk in upload.chunks():
        digest.update(chunk)
        chunks.append(chunk)
    sha = digest.hexdigest()
    document = Document.objects.create(
        matter=matter,
        name=Path(upload.name or "document").name[:200],
        title=_text(title, field="title", message=_("Give the document a title."), limit=200),
        sha256=sha,
        size=upload.size,
        content_type=(upload.content_type or "application/octet-stream")[:100],
        content=base64.b64encode(b"".join(chunks)).decode("ascii"),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    _ledger(matter, "legal.document", actor, {"sha256": sha, "size": upload.size})
    return document


def document_bytes(document: Document) -> bytes:
    """The stored bytes, refused when they no longer hash to the ledgered SHA-256."""
    data = base64.b64decode(document.content)
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise ConflictError("document_altered", _("The stored file does not match its hash."))
    return data


# ---------------------------------------------------------------------------------------------
# Guarantees


@transaction.atomic
def guarantee_contract_record(
    *,
    guarantee: Guarantor,
    number: str,
    kind: str,
    signed_on: date,
    debt_due_on: date,
    actor: Any,
    agreed_period_end: date | None = None,
) -> GuaranteeContract:
    """The terms of a guarantee on file; the guarantee period is computed from them (Art 692)."""
    try:
        chosen = rules.GuaranteeKind(kind)
    except ValueError:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a guarantee type.") % {"value": kind},
            field="kind",
        ) from None
    from doorstep.compliance.selectors import calendar_in_force

    calendar = calendar_in_force()
    period = rules.guarantee_period(
        debt_due=debt_due_on,
        agreed_end=agreed_period_end,
        next_workday=lambda day: calendar.next_workday(day)[0],
    )
    contract = GuaranteeContract.objects.create(
        guarantee=guarantee,
        number=_text(number, field="number", message=_("Give the contract number."), limit=40),
        kind=chosen.value,
        signed_on=signed_on,
        debt_due_on=debt_due_on,
        agreed_period_end=agreed_period_end,
        period_ends=period.ends,
        period_basis=period.basis.value,
        recorded_by=actor,
        created_at=timezone.now(),
    )
    ledger_append(
        kind="guarantee.recorded",
        actor=actor,
        subject={"account": guarantee.account.external_id, "guarantee": contract.number},
        record={
            "kind": chosen.value,
            "debt_due_on": debt_due_on,
            "agreed_period_end": agreed_period_end,
            "period_ends": period.ends,
            "basis": period.basis.value,
        },
        personal={"customer": guarantee.guarantor_id},
    )
    return contract


@transaction.atomic
def guarantor_demand(
    *, contract: GuaranteeContract, case: Case, channel: str, delivered: bool, actor: Any
) -> GuarantorDemand:
    """Demand performance from the guarantor. It is a contact, so the compliance gate decides
    first (target ``guarantor``, CN-TGT-01); a refused contact is kept as ``blocked`` with its
    decision, and nothing is sent. A
    demand that reached the guarantor within the period preserves a joint guarantee (Art 693)."""
    contract = GuaranteeContract.objects.select_related("guarantee__account").get(pk=contract.pk)
    if contract.guarantee.account_id not in set(case.accounts.values_list("pk", flat=True)):
        raise DomainError(
            "account_not_in_case",
            _("That guarantee is not on an account of this case."),
            field="contract",
        )
    if channel not in DEMAND_CHANNELS:
        raise DomainError("invalid_choice", _("Choose a channel."), field="channel")
    now = timezone.now()
    decision = contact_decide(
        case=case,
        proposal=ContactProposal(
            channel=channel, at=now, target="guarantor", account_id=contract.guarantee.account_id
        ),
        actor=actor,
    )
    if not contact_allowed(decision):
        # Kept, not raised: the stored decision shows the refusal; nothing was sent.
        demand = GuarantorDemand.objects.create(
            contract=contract,
            case=case,
            channel=channel,
            on=timezone.localdate(),
            delivered=False,
            blocked=True,
            decision=decision,
            by=actor,
            at=now,
        )
        ledger_append(
            kind="guarantee.demand_blocked",
            actor=actor,
            subject={"case": case.reference, "guarantee": contract.number},
            record={"channel": channel, "decision": decision.pk},
        )
        return demand
    if channel in ("visit", "call"):
        outcome = (
            ContactEvent.Outcome.DEMAND_STATED if delivered else ContactEvent.Outcome.NO_ANSWER
        )
    else:
        outcome = (
            ContactEvent.Outcome.DELIVERED if delivered else ContactEvent.Outcome.NOT_DELIVERED
        )
    contact = contact_record(
        case=case,
        channel=channel,
        at=now,
        outcome=outcome.value,
        actor=actor,
        target="guarantor",
        account=contract.guarantee.account,
        decision=decision,
    )
    demand = GuarantorDemand.objects.create(
        contract=contract,
        case=case,
        channel=channel,
        on=timezone.localdate(),
        delivered=delivered,
        decision=decision,
        contact=contact,
        by=actor,
        at=now,
    )
    ledger_append(
        kind="guarantee.demand",
        actor=actor,
        subject={"case": case.reference, "guarantee": contract.number},
        record={"channel": channel, "delivered": delivered, "contact": contact.pk},
    )
    return demand


def guarantees_warn(*, today: date) -> list[tuple[int, int]]:
    """Ledger (and mail the branch's managers) each running guarantee that reached a warning
    threshold it was not yet warned at. Safe to run twice."""
    from doorstep.legal.selectors import guarantee_state_of

    warned: list[tuple[int, int]] = []
    contracts = GuaranteeContract.objects.select_related("guarantee__account__branch").filter(
        period_ends__gte=today
    )
    for contract in contracts:
        state = guarantee_state_of(contract, today=today)
        if state.warning is None or str(state.warning) in contract.warned_at:
            continue
        with transaction.atomic():
            locked = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
            if str(state.warning) in locked.warned_at:
                continue
            locked.warned_at = {**locked.warned_at, str(state.warning): today.isoformat()}
            locked.save(update_fields=["warned_at"])
            ledger_append(
                kind="guarantee.warning",
                actor=None,
                subject={"guarantee": contract.number},
                record={
                    "days_left": state.days_left,
                    "threshold": state.warning,
                    "period_ends": contract.period_ends,
                },
            )
            managers = StaffMember.objects.filter(
                role=Role.COLLECTIONS_MANAGER,
                branch=contract.guarantee.account.branch,
                is_active=True,
            ).select_related("user")
            recipients = [m.user.email for m in managers if m.user.email]
            if recipients:
                subject = _("Guarantee %(number)s: the guarantee period ends %(ends)s") % {
                    "number": contract.number,
                    "ends": contract.period_ends.isoformat(),
                }
                _mail_on_commit(subject, recipients)
        warned.append((contract.pk, state.warning))
    return warned


def pending_suit_events(matter: Matter) -> list[LimitationEvent]:
    return list(matter.limitation_events.filter(ended_on__isnull=True))
