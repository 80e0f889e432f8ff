"""Every write of remote work: one function, one transaction, its ledger entries with it.

- Allocation: ``allocation_run`` (simulate or apply the rules; applying goes through
  ``cases.services.case_assign`` so the assignment history stays in cases) and
  ``allocation_override`` (a manager's choice with a reason, pinned against automatic moves).
- Phone work: ``call_next`` asks the gate (stored decision) before every call,
  ``call_wrap_up`` records the outcome with compliance (``contact_record``) and what follows
  from it (promise and its reminder, call-back, dispute hold, phone verification).
- Templates (``template_create``, ``template_version_propose``; approved through oversight)
  and campaigns (``campaign_create``, ``campaign_run``, ``message_receipt``).
- Delivery receipts from the gateway (``gateway_receipt``): to the campaign message or the
  promise reminder that carries the reference.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases import services as case_services
from doorstep.cases.lifecycle import OPEN
from doorstep.cases.models import Case
from doorstep.compliance.engine import Kind as ContentKind
from doorstep.compliance.engine import Verdict, screen
from doorstep.compliance.proposals import ContactProposal, PlannedContact, checked_moment
from doorstep.compliance.selectors import bank_profile
from doorstep.compliance.services import (
    contact_allowed,
    contact_decide,
    contact_decide_batch,
    contact_record,
    content_check,
    hold_add,
    hold_release,
)
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_request
from doorstep.plans import services as plan_services
from doorstep.plans.models import PromiseReminder
from doorstep.portfolio.models import Account, Address, Customer, Phone
from doorstep.portfolio.services import phone_verification_set
from doorstep.remote import allocation, quality, worklist
from doorstep.remote.channels import dialer, gateway
from doorstep.remote.models import (
    AllocationMove,
    AllocationPin,
    AllocationRule,
    AllocationRun,
    Call,
    Campaign,
    CampaignMessage,
    FollowUp,
    MessageTemplate,
    QualityReview,
    TemplateVersion,
    VulnerabilityFlag,
)
from doorstep.remote.selectors import (
    MANAGERS,
    TEMPLATE_AUTHORS,
    allocation_inputs,
    call_proposal,
    dialable_phone,
    managed_branch,
    open_call,
    queue,
    rule_data,
    rules_in_force,
    staff_in,
)
from doorstep.staff.models import Branch, Language, Role, StaffMember, Team
from doorstep.staff.selectors import FIELD_ROLES

E = TypeVar("E", bound=Enum)

TEMPLATE_KIND = "remote.template"
REASON_MAX = 500
MAX_CALL_SECONDS = 4 * 3600
MAX_RECORDING_BYTES = 50 * 1024 * 1024
REMINDER_HOUR = time(10)
PAST_SLACK = timedelta(minutes=10)


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise DomainError("reason_required", _("Give a reason."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            "too_long", _("Keep it under %(n)d characters.") % {"n": REASON_MAX}, field="reason"
        )
    return reason


# ---------------------------------------------------------------------------------------------
# Allocation


def _rule_json(rule: AllocationRule, data: allocation.Rule) -> dict[str, Any]:
    return {
        "id": data.id,
        "name": rule.name,
        "team": data.team_id,
        "branch": data.branch_id,
        "buckets": sorted(data.buckets),
        "products": sorted(data.products),
        "min_amount": None if data.min_amount is None else f"{data.min_amount:.2f}",
        "max_amount": None if data.max_amount is None else f"{data.max_amount:.2f}",
        "agent_cap": data.agent_cap,
        "rotate_after_days": data.rotate_after_days,
        "languages": sorted(data.languages),
        "risk_bands": sorted(data.risk_bands),
    }


def _member(choices: type[E], value: str, *, field: str, message: str) -> E:
    """``value`` as a member of ``choices``; otherwise a 4xx naming ``field``. ``message`` is
    already translated and has a ``%(value)s`` placeholder."""
    try:
        return choices(value)
    except ValueError:
        raise DomainError("invalid_choice", message % {"value": value}, field=field) from None


@transaction.atomic
def allocation_rule_save(
    *,
    actor: Any,
    name: str,
    team: Team,
    position: int,
    branch: Branch | None = None,
    buckets: Sequence[str] = (),
    products: Sequence[str] = (),
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
    agent_cap: int = 200,
    rotate_after_days: int | None = None,
    languages: Sequence[str] = (),
    risk_bands: Sequence[str] = (),
    rule: AllocationRule | None = None,
) -> AllocationRule:
    """Add a rule, or change ``rule``. A branch manager's rules are for their branch and its
    teams; head office may write rules for any branch, or for all."""
    branch = managed_branch(actor, branch)
    if rule is not None and rule.branch_id != (branch.pk if branch else None):
        raise DomainError("other_branch", _("That rule is another branch's."), field="branch")
    if branch is not None and team.branch_id != branch.pk:
        raise DomainError("team_not_in_branch", _("The team is not in the branch."), field="team")
    if not name.strip():
        raise DomainError("name_required", _("Give the rule a name."), field="name")
    known_buckets = {value for value, _label in Case._meta.get_field("bucket").choices or []}
    for field, values, known in (
        ("buckets", buckets, known_buckets),
        ("products", products, set(Account.Product.values)),
        ("languages", languages, set(Language.values)),
        ("risk_bands", risk_bands, {band.value for band in allocation.RiskBand}),
    ):
        wrong = [value for value in values if value not in known]
        if wrong:
            raise DomainError(
                "invalid_choice",
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": wrong[0], "choices": ", ".join(sorted(known))},
                field=field,
            )
    if min_amount is not None and max_amount is not None and max_amount < min_amount:
        raise DomainError(
            "invalid_range", _("The range ends before it starts."), field="max_amount"
        )
    if agent_cap < 1:
        raise DomainError("invalid_cap", _("The cap is at least 1."), field="agent_cap")
    if rotate_after_days is not None and rotate_after_days < 1:
        raise DomainError(
            "invalid_rotation", _("Rotate after at least 1 day."), field="rotate_after_days"
        )
    rule = rule or AllocationRule(created_by=actor)
    rule.name = name.strip()[:100]
    rule.team = team
    rule.position = position
    rule.branch = branch
    rule.buckets = sorted(set(buckets))
    rule.products = sorted(set(products))
    rule.min_amount = min_amount
    rule.max_amount = max_amount
    rule.agent_cap = agent_cap
    rule.rotate_after_days = rotate_after_days
    rule.languages = sorted(set(languages))
    rule.risk_bands = sorted(set(risk_bands))
    rule.save()
    ledger_append(
        kind="allocation.rule_saved",
        actor=actor,
        subject={"allocation_rule": rule.pk},
        record=_rule_json(rule, rule_data(rule)),
    )
    return rule


REASON_TEXT = {
    allocation.Reason.NEW: "Automatic allocation: new case (rule %(rule)s)",
    allocation.Reason.REALIGNED: "Automatic allocation: re-aged into rule %(rule)s",
    allocation.Reason.ROTATION: "Automatic allocation: rotation after no progress (rule %(rule)s)",
}


@transaction.atomic
def allocation_run(
    *,
    actor: Any,
    as_of: date,
    apply: bool,
    branch: Branch | None = None,
    rules: Sequence[AllocationRule] | None = None,
) -> AllocationRun:
    """Plan the allocation of ``branch``'s open cases (every branch: None) under the active
    rules, or under ``rules`` (unsaved rows: a simulation of a rule change), store the plan,
    and with ``apply`` make each move through ``case_assign``. ``actor`` None is the nightly
    task; anyone else must manage the branch."""
    if actor is not None:
        branch = managed_branch(actor, branch)
    if apply and rules is not None:
        raise DomainError(
            "apply_stored_rules",
            _("Only the stored rules are applied; save the change first."),
            field="rules",
        )
    chosen = rules_in_force(branch=branch) if rules is None else list(rules)
    # An unsaved rule of a simulation gets an id that exists only inside this plan.
    data = [rule_data(rule, pk=rule.pk or -(n + 1)) for n, rule in enumerate(chosen)]
    cases, agents = allocation_inputs(branch=branch, rules=data, as_of=as_of)
    moves = allocation.plan(cases=cases, rules=data, agents=agents, as_of=as_of)
    run = AllocationRun.objects.create(
        mode=AllocationRun.Mode.APPLY if apply else AllocationRun.Mode.SIMULATE,
        as_of=as_of,
        branch=branch,
        rules=[_rule_json(rule, item) for rule, item in zip(chosen, data, strict=True)],
        actor=actor,
        at=timezone.now(),
        moved=sum(1 for move in moves if move.to_agent is not None),
        no_capacity=sum(1 for move in moves if move.to_agent is None),
    )
    AllocationMove.objects.bulk_create(
        AllocationMove(
            run=run,
            case_id=move.case_id,
            rule_id=move.rule_id if move.rule_id > 0 else None,
            team_id=move.team_id,
            from_agent_id=move.from_agent,
            to_agent_id=move.to_agent,
            reason=move.reason.value,
        )
        for move in moves
    )
    if apply:
        _apply(moves, actor)
    ledger_append(
        kind="allocation.run",
        actor=actor,
        subject={"allocation_run": run.pk},
        record={
            "mode": run.mode,
            "as_of": as_of,
            "branch": branch.code if branch else None,
            "rules_hash": content_hash(run.rules),
            "moved": run.moved,
            "no_capacity": run.no_capacity,
        },
    )
    return run


def _apply(moves: Sequence[allocation.Move], actor: Any) -> None:
    wanted = [move for move in moves if move.to_agent is not None]
    agents = StaffMember.objects.in_bulk([move.to_agent for move in wanted])
    teams = Team.objects.in_bulk({move.team_id for move in wanted})
    cases = Case.objects.in_bulk([move.case_id for move in wanted])
    for move in wanted:
        case_services.case_assign(
            case=cases[move.case_id],
            agent=agents[move.to_agent],
            team=teams[move.team_id],
            actor=actor,
            reason=REASON_TEXT[move.reason] % {"rule": move.rule_id},
        )


@transaction.atomic
def allocation_override(
    *, case: Case, agent: StaffMember, actor: Any, reason: str, until: date | None = None
) -> AllocationPin:
    """A manager gives ``case`` (loaded through ``case_get`` with ASSIGN) to ``agent`` by hand;
    automatic allocation leaves it there until ``until`` (or for good)."""
    staff_in(actor, MANAGERS)
    reason = _reason(reason)
    if until is not None and until < timezone.localdate():
        raise DomainError("until_in_past", _("Give a date from today on."), field="until")
    now = timezone.now()
    AllocationPin.objects.filter(case=case, released_at__isnull=True).update(released_at=now)
    if case.agent_id != agent.pk:
        case_services.case_assign(case=case, agent=agent, actor=actor, reason=reason)
    pin = AllocationPin.objects.create(
        case=case, agent=agent, reason=reason, until=until, by=actor, at=now
    )
    ledger_append(
        kind="allocation.override",
        actor=actor,
        subject={"case": case.reference, "allocation_pin": pin.pk},
        record={
            "agent": agent.employee_number,
            "until": until,
            "reason_hash": content_hash(reason),
        },
    )
    return pin


# ---------------------------------------------------------------------------------------------
# Phone work


@transaction.atomic
def call_next(*, user: Any, at: datetime) -> Call | None:
    """The agent's next call: the call still open if there is one, else the first case of
    their queue that the gate allows now (the decision is stored), dialled through the dialer.
    None when the queue is empty."""
    current = open_call(user=user)
    if current is not None:
        return current
    staff = staff_in(user, frozenset(FIELD_ROLES))
    for item in queue(user=user, at=at, limit=20):
        phone = dialable_phone(item.case)
        if phone is None:
            continue
        decision = contact_decide(
            case=item.case,
            proposal=call_proposal(at=at, follow_up=item.follow_up),
            actor=user,
            agent_id=staff.pk,
        )
        if not contact_allowed(decision):
            continue  # the facts changed since the queue was read
        call = Call.objects.create(
            case=item.case, agent=staff, phone=phone, decision=decision, started_at=at
        )
        call.dialer_ref = dialer().dial(call_id=call.pk, number=phone.number)[:64]
        call.save(update_fields=["dialer_ref"])
        ledger_append(
            kind="call.started",
            actor=user,
            subject={"case": item.case.reference, "call": call.pk},
            record={"decision": decision.pk, "at": at, "phone": phone.pk},
        )
        return call
    return None


def _local_date(at: datetime) -> date:
    return timezone.localtime(at).date()


def _reminder_at(due_on: date, taken_on: date) -> datetime:
    """The promise reminder: 10:00 the day before the promised date (that day itself when
    the promise falls due tomorrow or today)."""
    day = max(due_on - timedelta(days=1), taken_on + timedelta(days=1))
    day = min(day, due_on)
    return timezone.make_aware(datetime.combine(day, REMINDER_HOUR))


def _phone_verified(call: Call, status: str, actor: Any) -> None:
    if call.phone is not None:
        phone_verification_set(
            phone=call.phone,
            status=status,
            actor=actor,
            subject={"case": call.case.reference},
            source={"call": call.pk},
        )


@transaction.atomic
def call_wrap_up(
    *,
    call: Call,
    actor: Any,
    outcome: str,
    duration_seconds: int,
    at: datetime,
    notes: str = "",
    recording: bytes | None = None,
    recording_sha256: str | None = None,
    promise_amount: Decimal | None = None,
    promise_due_on: date | None = None,
    callback_at: datetime | None = None,
) -> Call:
    """Close ``call`` (loaded through ``call_get``) with its outcome. Records the contact with
    compliance under the call's decision, then: a promise is taken through plans and its
    reminder scheduled; a call-back is scheduled; a dispute puts a dispute hold on the debtor;
    a wrong number marks the phone so and a right-party contact marks it verified; the notes
    go on the case file; a recording (the file, or its SHA-256 from the telephony system) is
    kept only as its SHA-256, which is ledgered."""
    call = (
        Call.objects.select_for_update(of=("self",)).select_related("case", "phone").get(pk=call.pk)
    )
    if call.wrapped_at is not None:
        raise ConflictError("already_wrapped_up", _("This call is already wrapped up."))
    code = _member(
        worklist.Outcome, outcome, field="outcome", message=_("“%(value)s” is not an outcome.")
    )
    if not 0 <= duration_seconds <= MAX_CALL_SECONDS:
        raise DomainError(
            "invalid_duration",
            _("The duration is from 0 to %(n)d seconds.") % {"n": MAX_CALL_SECONDS},
            field="duration_seconds",
        )
    notes = notes.strip()
    if len(notes) > 4000:
        raise DomainError("too_long", _("Keep it under 4,000 characters."), field="notes")
    if recording is not None and len(recording) > MAX_RECORDING_BYTES:
        raise DomainError("too_large", _("The recording is over 50 MB."), field="recording")
    case = call.case
    follow_ups: list[FollowUp] = []
    if code is worklist.Outcome.PROMISE:
        if promise_amount is None or promise_due_on is None:
            field = "promise_amount" if promise_amount is None else "promise_due_on"
            raise DomainError(
                "promise_required", _("Give the promised amount and date."), field=field
            )
        promise = plan_services.promise_take(
            case=case,
            amount=promise_amount,
            due_on=promise_due_on,
            channel="call",
            actor=actor,
            on=_local_date(at),
        )
        follow_ups.append(
            FollowUp(
                case=case,
                kind=FollowUp.Kind.PROMISE_REMINDER,
                due_at=_reminder_at(promise_due_on, _local_date(at)),
                promise=promise,
            )
        )
    if code is worklist.Outcome.CALLBACK:
        if callback_at is None:
            raise DomainError(
                "callback_required", _("Give the time to call back."), field="callback_at"
            )
        checked_moment(callback_at, field="callback_at")
        if callback_at <= at:
            raise DomainError(
                "callback_in_past", _("The call-back is after this call."), field="callback_at"
            )
        follow_ups.append(FollowUp(case=case, kind=FollowUp.Kind.CALLBACK, due_at=callback_at))
    meaning = worklist.MEANING[code]
    contact = contact_record(
        case=case,
        channel="call",
        at=call.started_at,
        outcome=meaning.outcome,
        actor=actor,
        connected=meaning.connected,
        conversation=meaning.conversation,
        initiated_by=call.decision.initiated_by,
        decision=call.decision,
    )
    if code is worklist.Outcome.DISPUTE:
        hold_add(
            customer=case.customer,
            kind="dispute",
            reason=_("Dispute raised on call #%(call)s.") % {"call": call.pk},
            actor=actor,
            starts_at=at,
        )
    if code is worklist.Outcome.WRONG_NUMBER:
        _phone_verified(call, Phone.Verification.WRONG_NUMBER, actor)
    elif meaning.right_party:
        _phone_verified(call, Phone.Verification.VERIFIED, actor)
    if notes:
        case_services.case_add_entry(case=case, author=actor, kind="note", body=notes)
    for follow_up in follow_ups:
        follow_up.source_call = call
        follow_up.created_by = actor
        follow_up.save()
    FollowUp.objects.filter(case=case, done_by_call__isnull=True, due_at__lte=at).exclude(
        pk__in=[f.pk for f in follow_ups]
    ).update(done_by_call=call)
    call.outcome = code.value
    call.duration_seconds = duration_seconds
    call.notes = notes
    call.wrapped_at = at
    call.contact = contact
    if recording is not None:
        call.recording_sha256 = hashlib.sha256(recording).hexdigest()
        call.recording_bytes = len(recording)
    elif recording_sha256:
        call.recording_sha256 = recording_sha256
    call.save()
    ledger_append(
        kind="call.wrapped_up",
        actor=actor,
        subject={"case": case.reference, "call": call.pk},
        record={
            "outcome": call.outcome,
            "duration_seconds": duration_seconds,
            "contact": contact.pk,
            "notes_hash": content_hash(notes) if notes else None,
            "recording_sha256": call.recording_sha256 or None,
            "follow_ups": [[f.kind, f.due_at] for f in follow_ups],
        },
    )
    return call


# ---------------------------------------------------------------------------------------------
# Templates


@transaction.atomic
def template_create(*, code: str, name: str, channel: str, actor: Any) -> MessageTemplate:
    staff_in(actor, TEMPLATE_AUTHORS)
    if channel not in MessageTemplate.Channel.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a channel.") % {"value": channel},
            field="channel",
        )
    if not name.strip():
        raise DomainError("name_required", _("Give the template a name."), field="name")
    if MessageTemplate.objects.filter(code=code).exists():
        raise ConflictError("code_taken", _("That code is taken."), field="code")
    template = MessageTemplate.objects.create(
        code=code, name=name.strip()[:100], channel=channel, created_by=actor
    )
    ledger_append(
        kind="template.created",
        actor=actor,
        subject={"template": template.code},
        record={"channel": channel},
    )
    return template


def _screen(template: MessageTemplate, subject: str, body: str) -> None:
    """Refuse wording the content screen blocks, naming each rule and the words that fired.

    A template goes to many debts at once, some perhaps time-barred, so it is screened as if
    for a time-barred debt too: a threat of suit (CN-LIM-05) is refused in any template."""
    try:
        used = worklist.variables_of(subject) | worklist.variables_of(body)
    except worklist.TemplateError as error:
        raise DomainError(
            "invalid_variable", _(error.message) % error.params, field="body"
        ) from None
    text = f"{subject}\n{body}" if subject else body
    fields = {name: name for name in used}
    check = content_check(text=text, kind=template.channel, letter_fields=fields)
    findings = list(check.screening.findings)
    if "CN-LIM-05" not in check.screening.rules:
        barred = screen(
            text,
            profile=bank_profile(),
            kind=ContentKind(template.channel),
            time_barred=True,
            letter_fields=fields,
        )
        findings += [f for f in barred.findings if f.rule not in check.screening.rules]
    blocking = [f for f in findings if f.verdict is not Verdict.ALLOW]
    if blocking:
        parts = []
        for finding in blocking:
            words = "、".join(span.text for span in finding.spans) or ", ".join(finding.missing)
            parts.append(f"{finding.rule} ({words})" if words else finding.rule)
        raise DomainError(
            "prohibited_content",
            _("The content screen refuses this text: %(findings)s.")
            % {"findings": "; ".join(parts)},
            field="body",
        )


@transaction.atomic
def template_version_propose(
    *, template: MessageTemplate, body: str, actor: Any, reason: str, subject: str = ""
) -> TemplateVersion:
    """A new version of ``template``, screened now (prohibited wording is refused outright)
    and sent for a compliance officer's approval; campaigns use only approved versions."""
    staff_in(actor, TEMPLATE_AUTHORS)
    body = body.strip()
    if not body:
        raise DomainError("body_required", _("Write the text."), field="body")
    if len(body) > 4000:
        raise DomainError("too_long", _("Keep it under 4,000 characters."), field="body")
    subject = subject.strip()[:200]
    _screen(template, subject, body)
    reason = _reason(reason)
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    last = template.versions.order_by("-number").values_list("number", flat=True).first()
    version = TemplateVersion.objects.create(
        template=template,
        number=(last or 0) + 1,
        subject=subject,
        body=body,
        created_by=actor,
    )
    version.approval = approval_request(
        kind=TEMPLATE_KIND,
        subject=version,
        summary=_("Template %(code)s version %(number)s")
        % {"code": template.code, "number": version.number},
        payload={
            "template": template.code,
            "channel": template.channel,
            "version": version.number,
            "subject": subject,
            "body": body,
        },
        requested_by=actor,
        reason=reason,
    )
    version.save(update_fields=["approval"])
    ledger_append(
        kind="template.proposed",
        actor=actor,
        subject={"template": template.code},
        record={"version": version.number, "text_hash": content_hash(f"{subject}\n{body}")},
    )
    return version


def template_version_approved(request: ApprovalRequest) -> None:
    """Approval handler: screened again (the lexicon may have grown since), then in use."""
    version = (
        TemplateVersion.objects.select_for_update()
        .select_related("template")
        .get(pk=request.subject_id)
    )
    _screen(version.template, version.subject, version.body)
    version.status = TemplateVersion.Status.APPROVED
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_at"])
    ledger_append(
        kind="template.approved",
        actor=None,
        subject={"template": version.template.code},
        record={"version": version.number, "approval": request.pk},
    )


def template_version_rejected(request: ApprovalRequest) -> None:
    TemplateVersion.objects.filter(pk=request.subject_id).update(
        status=TemplateVersion.Status.REJECTED
    )


# ---------------------------------------------------------------------------------------------
# Campaigns


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    name: str,
    version: TemplateVersion,
    scheduled_at: datetime,
    branch: Branch | None = None,
    buckets: Sequence[str] = (),
    min_dpd: int | None = None,
    max_dpd: int | None = None,
) -> Campaign:
    """Schedule ``version`` (approved) to the open cases of a segment: a branch (a manager's
    own), buckets and a DPD range."""
    branch = managed_branch(actor, branch)
    if version.status != TemplateVersion.Status.APPROVED:
        raise DomainError(
            "template_not_approved", _("Only an approved version is sent."), field="version"
        )
    if not name.strip():
        raise DomainError("name_required", _("Give the campaign a name."), field="name")
    checked_moment(scheduled_at, field="scheduled_at")
    if scheduled_at < timezone.now() - PAST_SLACK:
        raise DomainError("scheduled_in_past", _("Schedule it from now on."), field="scheduled_at")
    known = {choice for choice, _label in Case._meta.get_field("bucket").choices or []}
    wrong = [bucket for bucket in buckets if bucket not in known]
    if wrong:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a bucket.") % {"value": wrong[0]},
            field="buckets",
        )
    if min_dpd is not None and max_dpd is not None and max_dpd < min_dpd:
        raise DomainError("invalid_range", _("The range ends before it starts."), field="max_dpd")
    campaign = Campaign.objects.create(
        name=name.strip()[:100],
        version=version,
        branch=branch,
        buckets=sorted(set(buckets)),
        min_dpd=min_dpd,
        max_dpd=max_dpd,
        scheduled_at=scheduled_at,
        created_by=actor,
    )
    ledger_append(
        kind="campaign.created",
        actor=actor,
        subject={"campaign": campaign.pk},
        record={
            "template": version.template.code,
            "version": version.number,
            "branch": branch.code if branch else None,
            "buckets": campaign.buckets,
            "min_dpd": min_dpd,
            "max_dpd": max_dpd,
            "scheduled_at": scheduled_at,
        },
    )
    return campaign


def _segment(campaign: Campaign) -> list[Case]:
    cases = Case.objects.filter(status__in=sorted(OPEN))
    if campaign.branch_id is not None:
        cases = cases.filter(branch_id=campaign.branch_id)
    if campaign.buckets:
        cases = cases.filter(bucket__in=campaign.buckets)
    if campaign.min_dpd is not None:
        cases = cases.filter(dpd__gte=campaign.min_dpd)
    if campaign.max_dpd is not None:
        cases = cases.filter(dpd__lte=campaign.max_dpd)
    return list(cases.select_related("customer").order_by("pk"))


def letter_text() -> Mapping[str, str]:
    """The bank's own CN-LET-01 fields (``settings.REMOTE_LETTER_TEXT`` overrides them)."""
    return {
        "bank_contact": "95555",
        "reason": "贷款/信用卡逾期未还",
        "legal_basis": "《中华人民共和国民法典》第六百七十五条及借款合同约定",
        "debtor_rights": "您有权查询、核对欠款明细，并对有异议的金额提出异议",
        "dispute_channel": "致电客服热线或到任一网点提出异议",
        "seal": "（银行印章）",
        **getattr(settings, "REMOTE_LETTER_TEXT", {}),
    }


def _destinations(channel: str, customer_ids: Sequence[int]) -> dict[int, str]:
    """Where each customer's message goes: a number not known to be wrong for SMS, the home
    address for letters, the customer's e-mail address for e-mail (none when not on file)."""
    out: dict[int, str] = {}
    if channel == MessageTemplate.Channel.SMS:
        phones = (
            Phone.objects.filter(customer_id__in=customer_ids)
            .exclude(
                verification__in=[
                    Phone.Verification.WRONG_NUMBER,
                    Phone.Verification.DISCONNECTED,
                ]
            )
            .order_by("customer_id", "-is_primary", "id")
            .values_list("customer_id", "number")
        )
        for customer_id, number in phones:
            out.setdefault(customer_id, number)
    elif channel == MessageTemplate.Channel.LETTER:
        for customer_id, *parts in Address.objects.filter(customer_id__in=customer_ids).values_list(
            "customer_id", "province", "city", "district", "line"
        ):
            out.setdefault(customer_id, "".join(parts))
    elif channel == MessageTemplate.Channel.EMAIL:
        # Encrypted at rest: read through the model, keep those on file.
        for customer_id, email in Customer.objects.filter(pk__in=customer_ids).values_list(
            "pk", "email"
        ):
            if email:
                out[customer_id] = email
    return out


def _values(case: Case) -> dict[str, str]:
    return {
        **letter_text(),
        "debtor_name": case.customer.name,
        "reference": case.reference,
        "past_due": f"{case.past_due:.2f}",
        "balance": f"{case.outstanding_total:.2f}",
        "bucket": case.bucket,
    }


CHUNK = 2000


@transaction.atomic
def campaign_run(*, campaign: Campaign, at: datetime | None = None) -> Campaign:
    """Send ``campaign`` now (``at``; not before its scheduled time): every case of its
    segment through the gate in one batch (decisions stored), the allowed ones rendered and
    handed to the gateway, the blocked ones counted by each rule that fired. Delivered messages
    are recorded as contacts, which for a demand delivered to the debtor interrupts the
    limitation (compliance does that). Safe to run twice: a sent campaign is returned as is."""
    campaign = (
        Campaign.objects.select_for_update().select_related("version__template").get(pk=campaign.pk)
    )
    if campaign.status == Campaign.Status.DONE:
        return campaign
    moment = at or timezone.now()
    if moment < campaign.scheduled_at:
        raise ConflictError(
            "not_due",
            _("The campaign is scheduled for %(at)s.")
            % {"at": timezone.localtime(campaign.scheduled_at).strftime("%Y-%m-%d %H:%M")},
        )
    version = campaign.version
    channel = version.template.channel
    cases = _segment(campaign)
    destinations = _destinations(channel, [case.customer_id for case in cases])
    by_rule: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    send = gateway()
    for start in range(0, len(cases), CHUNK):
        chunk = cases[start : start + CHUNK]
        decisions = contact_decide_batch(
            items=[
                PlannedContact(
                    case_id=case.pk, proposal=ContactProposal(channel=channel, at=moment)
                )
                for case in chunk
            ],
            actor=campaign.created_by,
            run=f"campaign-{campaign.pk}",
        )
        messages = []
        for case, decision in zip(chunk, decisions, strict=True):
            message = CampaignMessage(campaign=campaign, case=case, decision=decision)
            if not contact_allowed(decision):
                message.status = CampaignMessage.Status.BLOCKED
                message.rules = decision.rule_ids
                by_rule.update(decision.rules)
            elif case.customer_id not in destinations:
                message.status = CampaignMessage.Status.FAILED
                message.error = "no_address"
            else:
                text = worklist.render(version.body, _values(case))
                message.text_sha256 = hashlib.sha256(text.encode()).hexdigest()
                result = send.send(
                    channel=channel,
                    to=destinations[case.customer_id],
                    subject=worklist.render(version.subject, _values(case)),
                    text=text,
                    ref=f"campaign-{campaign.pk}-case-{case.pk}",
                )
                message.gateway_ref = result.ref[:64]
                if result.status == "failed":
                    message.status = CampaignMessage.Status.FAILED
                    message.error = result.error[:40]
                else:
                    message.status = CampaignMessage.Status.SENT
                    if result.status == "delivered":
                        _delivered(message, moment, campaign.created_by)
            counts[message.status] += 1
            messages.append(message)
        CampaignMessage.objects.bulk_create(messages, batch_size=1000)
    campaign.status = Campaign.Status.DONE
    campaign.ran_at = timezone.now()
    campaign.targeted = len(cases)
    campaign.blocked = counts[CampaignMessage.Status.BLOCKED]
    campaign.failed = counts[CampaignMessage.Status.FAILED]
    campaign.sent = counts[CampaignMessage.Status.SENT] + counts[CampaignMessage.Status.DELIVERED]
    campaign.blocked_by_rule = dict(sorted(by_rule.items()))
    campaign.save()
    ledger_append(
        kind="campaign.sent",
        actor=campaign.created_by,
        subject={"campaign": campaign.pk},
        record={
            "at": moment,
            "targeted": campaign.targeted,
            "sent": campaign.sent,
            "blocked": campaign.blocked,
            "failed": campaign.failed,
            "blocked_by_rule": campaign.blocked_by_rule,
        },
    )
    return campaign


def _delivered(message: CampaignMessage, at: datetime, actor: Any) -> None:
    message.status = CampaignMessage.Status.DELIVERED
    message.contact = contact_record(
        case=message.case,
        channel=message.campaign.version.template.channel,
        at=at,
        outcome="delivered",
        actor=actor,
        decision=message.decision,
    )


@transaction.atomic
def message_receipt(*, gateway_ref: str, delivered: bool, at: datetime) -> CampaignMessage:
    """A delivery receipt from the gateway for a message it accepted earlier."""
    message = (
        CampaignMessage.objects.select_for_update(of=("self",))
        .select_related("campaign__version__template", "case", "decision")
        .filter(gateway_ref=gateway_ref)
        .first()
    )
    if message is None:
        raise DomainError("unknown_message", _("No message has that reference."), field="ref")
    if message.status != CampaignMessage.Status.SENT:
        raise ConflictError("receipt_twice", _("That message already has its receipt."))
    if delivered:
        _delivered(message, at, message.campaign.created_by)
    else:
        message.status = CampaignMessage.Status.UNDELIVERED
        message.contact = contact_record(
            case=message.case,
            channel=message.campaign.version.template.channel,
            at=at,
            outcome="not_delivered",
            actor=message.campaign.created_by,
            connected=False,
            decision=message.decision,
        )
    message.save(update_fields=["status", "contact"])
    return message


class UnknownReceiptRef(DomainError):
    """A receipt for a reference no message and no reminder carries (HTTP 404)."""

    status = 404


def gateway_receipt(
    *, ref: str, delivered: bool, at: datetime
) -> CampaignMessage | PromiseReminder:
    """A delivery receipt from the gateway, whatever it sent: the campaign message or the promise
    reminder carrying ``ref`` gets it, through its own service (each records the contact,
    delivered or not, in its own transaction). Unknown ``ref``: ``UnknownReceiptRef``; a second
    receipt: ``ConflictError``."""
    if ref and CampaignMessage.objects.filter(gateway_ref=ref).exists():
        return message_receipt(gateway_ref=ref, delivered=delivered, at=at)
    if ref and PromiseReminder.objects.filter(gateway_ref=ref).exists():
        return plan_services.promise_reminder_receipt(gateway_ref=ref, delivered=delivered, at=at)
    raise UnknownReceiptRef(
        "unknown_ref", _("No message or reminder has that reference."), field="ref"
    )


# ---------------------------------------------------------------------------------------------
# Vulnerable and special debtors

VULNERABLE_CONTACT_KIND = "remote.vulnerable_contact"
CONTACT_APPROVAL_DAYS = 7


def handling_for(kind: worklist.Vulnerability) -> worklist.Handling:
    """The handling the bank set for ``kind`` (``settings.REMOTE_VULNERABILITY_HANDLING``,
    e.g. ``{"elderly": "approval"}``), else the default."""
    chosen = getattr(settings, "REMOTE_VULNERABILITY_HANDLING", {}).get(kind.value)
    return worklist.Handling(chosen) if chosen else worklist.DEFAULT_HANDLING[kind]


@transaction.atomic
def vulnerability_flag(*, case: Case, kind: str, actor: Any, note: str = "") -> VulnerabilityFlag:
    """Flag the debtor of ``case`` (loaded through ``case_get`` with NOTE) as vulnerable or
    special, with the bank's handling: a hold puts a hardship hold through compliance (the gate
    then blocks every contact); a specialist flag keeps the case for specialist agents; an
    approval flag keeps it out of every queue until a manager approves contact."""
    vulnerability = _member(
        worklist.Vulnerability,
        kind,
        field="kind",
        message=_("“%(value)s” is not a kind of vulnerability."),
    )
    note = note.strip()
    if len(note) > REASON_MAX:
        raise DomainError(
            "too_long", _("Keep it under %(n)d characters.") % {"n": REASON_MAX}, field="note"
        )
    customer = case.customer
    if VulnerabilityFlag.objects.filter(
        customer=customer, kind=vulnerability.value, ended_at__isnull=True
    ).exists():
        raise ConflictError("already_flagged", _("The debtor is already flagged so."), field="kind")
    handling = handling_for(vulnerability)
    now = timezone.now()
    hold = None
    if handling is worklist.Handling.HOLD:
        hold = hold_add(
            customer=customer,
            kind="hardship",
            reason=_("Vulnerable debtor: %(kind)s")
            % {"kind": _(worklist.VULNERABILITY_LABELS[vulnerability])},
            actor=actor,
            starts_at=now,
        )
    flag = VulnerabilityFlag.objects.create(
        customer=customer,
        kind=vulnerability.value,
        handling=handling.value,
        note=note,
        hold=hold,
        set_by=actor,
        set_at=now,
    )
    ledger_append(
        kind="vulnerability.flagged",
        actor=actor,
        subject={"case": case.reference, "vulnerability_flag": flag.pk},
        record={
            "kind": flag.kind,
            "handling": flag.handling,
            "hold": hold.pk if hold else None,
            "note_hash": content_hash(note) if note else None,
        },
    )
    return flag


@transaction.atomic
def vulnerability_end(
    *, flag: VulnerabilityFlag, case: Case, actor: Any, reason: str
) -> VulnerabilityFlag:
    """The flag no longer applies (a manager's call); its hold is released with it."""
    staff_in(actor, MANAGERS)
    reason = _reason(reason)
    flag = VulnerabilityFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.ended_at is not None:
        raise ConflictError("already_ended", _("This flag has already ended."))
    flag.ended_at = timezone.now()
    flag.ended_by = actor
    flag.save(update_fields=["ended_at", "ended_by"])
    if flag.hold is not None and flag.hold.released_at is None:
        hold_release(hold=flag.hold, actor=actor, reason=reason)
    ledger_append(
        kind="vulnerability.ended",
        actor=actor,
        subject={"case": case.reference, "vulnerability_flag": flag.pk},
        record={"kind": flag.kind, "reason_hash": content_hash(reason)},
    )
    return flag


@transaction.atomic
def vulnerable_contact_request(
    *, flag: VulnerabilityFlag, case: Case, actor: Any, reason: str
) -> ApprovalRequest:
    """Ask a manager of the case's branch to approve contacting a debtor whose flag needs it;
    once approved the case returns to its agent's queue for 7 days."""
    if flag.handling != worklist.Handling.APPROVAL or flag.ended_at is not None:
        raise DomainError(
            "no_approval_needed", _("This flag does not need an approval to contact.")
        )
    return approval_request(
        kind=VULNERABLE_CONTACT_KIND,
        subject=flag,
        summary=_("Contact a vulnerable debtor (%(kind)s) on case %(case)s")
        % {"kind": flag.get_kind_display(), "case": case.reference},
        payload={"case": case.reference, "kind": flag.kind, "days": CONTACT_APPROVAL_DAYS},
        requested_by=actor,
        reason=reason,
        branch=case.branch,
    )


def vulnerable_contact_approved(request: ApprovalRequest) -> None:
    flag = VulnerabilityFlag.objects.select_for_update().get(pk=request.subject_id)
    flag.contact_approved_until = timezone.localdate() + timedelta(days=CONTACT_APPROVAL_DAYS)
    flag.save(update_fields=["contact_approved_until"])
    ledger_append(
        kind="vulnerability.contact_approved",
        actor=None,
        subject={"case": request.payload["case"], "vulnerability_flag": flag.pk},
        record={"approval": request.pk, "until": flag.contact_approved_until},
    )


# ---------------------------------------------------------------------------------------------
# Quality review (质检)

QA_ROLES = MANAGERS | {Role.INTERNAL_AUDITOR}


@transaction.atomic
def quality_sample(
    *,
    actor: Any,
    since: date,
    until: date,
    per_agent: int,
    method: str,
    seed: int | None = None,
    branch: Branch | None = None,
) -> list[QualityReview]:
    """Sample up to ``per_agent`` wrapped-up calls of each agent from ``since`` to ``until``
    (local days, inclusive) not sampled before, randomly or weighted by risk; a manager
    samples their branch, head office and internal auditors any. The seed is kept so the
    sample can be drawn again for the audit file."""
    staff = staff_in(actor, QA_ROLES)
    if Role(staff.role) is Role.COLLECTIONS_MANAGER or Role(staff.role) is Role.BRANCH_ADMIN:
        branch = managed_branch(actor, branch)
    chosen_method = _member(
        quality.Method, method, field="method", message=_("“%(value)s” is not a sampling method.")
    )
    if not 1 <= per_agent <= 100:
        raise DomainError("invalid_count", _("Sample 1 to 100 calls per agent."), field="per_agent")
    if until < since:
        raise DomainError("invalid_range", _("The range ends before it starts."), field="until")
    start = timezone.make_aware(datetime.combine(since, time.min))
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
    calls = Call.objects.filter(
        wrapped_at__isnull=False,
        started_at__gte=start,
        started_at__lt=end,
        review__isnull=True,
    )
    if branch is not None:
        calls = calls.filter(case__branch=branch)
    facts = [
        quality.CallFacts(pk, agent_id, outcome, bool(outside))
        for pk, agent_id, outcome, outside in calls.values_list(
            "pk", "agent_id", "outcome", "contact__outside_decision"
        )
    ]
    seed = seed if seed is not None else secrets.randbelow(2**52)  # exact in the ledger JSON
    picked = quality.sample(facts, per_agent=per_agent, method=chosen_method, seed=seed)
    agent_of = {fact.id: fact.agent_id for fact in facts}
    now = timezone.now()
    reviews = QualityReview.objects.bulk_create(
        QualityReview(
            call_id=pk,
            agent_id=agent_of[pk],
            method=chosen_method.value,
            seed=seed,
            sampled_by=actor,
            sampled_at=now,
        )
        for pk in picked
    )
    ledger_append(
        kind="quality.sampled",
        actor=actor,
        subject={"quality_sample": f"{since}..{until}"},
        record={
            "method": chosen_method.value,
            "seed": seed,
            "per_agent": per_agent,
            "branch": branch.code if branch else None,
            "calls": picked,
        },
    )
    return reviews


@transaction.atomic
def quality_review(
    *, review: QualityReview, actor: Any, answers: Mapping[str, bool], coaching: str = ""
) -> QualityReview:
    """Record the checklist (every item answered), its score and coaching notes. Nobody
    reviews their own call."""
    staff = staff_in(actor, QA_ROLES)
    review = (
        QualityReview.objects.select_for_update(of=("self",))
        .select_related("call__case")
        .get(pk=review.pk)
    )
    if Role(staff.role) is not Role.HEAD_OFFICE_ADMIN and Role(staff.role) in MANAGERS:
        managed_branch(actor, review.call.case.branch)
    if review.agent_id == staff.pk:
        raise DomainError("own_call", _("Nobody reviews their own call."))
    if review.reviewed_at is not None:
        raise ConflictError("already_reviewed", _("This call is already reviewed."))
    missing = [item for item in quality.CHECKLIST if item not in answers]
    unknown = [item for item in answers if item not in quality.CHECKLIST]
    if missing or unknown:
        raise DomainError(
            "incomplete_checklist",
            _("Answer each checklist item once: %(items)s.")
            % {"items": ", ".join(missing or unknown)},
            field="answers",
        )
    coaching = coaching.strip()
    if len(coaching) > 4000:
        raise DomainError("too_long", _("Keep it under 4,000 characters."), field="coaching")
    review.answers = {item: bool(answers[item]) for item in quality.CHECKLIST}
    review.score = quality.score(review.answers)
    review.coaching = coaching
    review.reviewer = actor
    review.reviewed_at = timezone.now()
    review.save()
    ledger_append(
        kind="quality.reviewed",
        actor=actor,
        subject={"call": review.call_id, "quality_review": review.pk},
        record={
            "answers": review.answers,
            "score": review.score,
            "coaching_hash": content_hash(coaching) if coaching else None,
        },
    )
    return review


def callback_schedule(*, case: Case, due_at: datetime, actor: Any) -> FollowUp:
    """A call-back the debtor asked for outside a call (the self-service chat): once due it puts
    the case at the top of its phone agent's queue, like one promised on a call."""
    checked_moment(due_at, field="at")
    follow_up = FollowUp.objects.create(
        case=case, kind=FollowUp.Kind.CALLBACK, due_at=due_at, created_by=actor
    )
    ledger_append(
        kind="remote.callback_scheduled",
        actor=actor,
        subject={"case": case.reference},
        record={"follow_up": follow_up.pk, "due_at": due_at},
    )
    return follow_up
