"""Every write of compliance: one function, one transaction, its history written with it.

- Parameters and calendars change only through a second person's approval
  (``parameters_propose``, ``calendar_propose``; the approval handlers put them in force).
- The facts the gate reads: holds, opt-outs, attorneys, contacts that happened, limitation
  events (a met-debtor visit or a delivered letter, SMS or e-mail interrupts the limitation by
  itself).
- The gate: ``contact_decide`` (one contact) and ``contact_decide_batch`` (a planning run) store
  the decision; ``decision_override_request`` asks for an override; ``contact_allowed`` tells a
  contact path whether it may go ahead.

The ledger append for each of these belongs inside the same function (the lead wires it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.cases.lifecycle import OPEN as CASE_OPEN
from doorstep.cases.models import Case
from doorstep.compliance.batch import (
    batch_decide,
    batch_prepare,
    batch_rows,
    engine_error,
    fired_row,
    rule_text,
)
from doorstep.compliance.engine import (
    PROFILES,
    Channel,
    EngineInputError,
    Explanation,
    ParameterError,
    Screening,
    Target,
    Verdict,
    YearArrangement,
    decide,
    explain_screening,
    params_from_dict,
    params_to_dict,
    screen,
)
from doorstep.compliance.engine import Kind as ContentKind
from doorstep.compliance.engine.limitation import EventKind
from doorstep.compliance.facts import customer_facts, home_timezone, lookback, primary_timezone
from doorstep.compliance.models import (
    HOLD_CHOICES,
    Approval,
    CalendarArrangement,
    ChannelOptOut,
    ContactEvent,
    Decision,
    Hold,
    LimitationEvent,
    ParameterVersion,
    Representation,
)
from doorstep.compliance.proposals import (
    ContactProposal,
    PlannedContact,
    checked_moment,
    to_contact,
)
from doorstep.compliance.selectors import (
    CALENDAR_LOADERS,
    PARAMETER_MAKERS,
    bank_profile,
    calendar_cache,
    calendar_in_force,
    case_limitation,
    default_version,
    may,
    ui_language,
    version_in_force,
    version_params,
)
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import LedgerEvent, ledger_append, ledger_append_many
from doorstep.oversight.approval_lifecycle import OPEN
from doorstep.oversight.models import ApprovalRequest
from doorstep.oversight.services import approval_request
from doorstep.portfolio.models import Account, Customer
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

PARAMETERS_KIND = "compliance.parameters"
CALENDAR_KIND = "compliance.calendar"
OVERRIDE_KIND = "compliance.override"
PAST_SLACK = timedelta(minutes=10)  # a form filled in slowly still says "from now"
REASON_MAX = 500


class ComplianceDenied(DomainError):
    """The actor's role may not make this change."""

    status = 403


def _require(user: Any, roles: frozenset[Role], message: str) -> None:
    if not may(user, roles):
        raise ComplianceDenied("forbidden", message)


def _reason(text: str, *, field: str = "reason") -> str:
    reason = text.strip()
    if not reason:
        raise DomainError("reason_required", _("Give a reason."), field=field)
    if len(reason) > REASON_MAX:
        raise DomainError(
            "too_long", _("Keep it under %(n)d characters.") % {"n": REASON_MAX}, field=field
        )
    return reason


# ---------------------------------------------------------------------------------------------
# Parameters


def _open_case_refs(customer_ids: Sequence[int]) -> dict[int, str]:
    """The reference of each customer's open case, so ledger entries show on the case page."""
    return dict(
        Case.objects.filter(customer_id__in=customer_ids, status__in=sorted(CASE_OPEN))
        .order_by("customer_id", "-pk")
        .values_list("customer_id", "reference")
    )


def _subject(customer_id: int, **ids: str | int) -> dict[str, str | int]:
    reference = _open_case_refs([customer_id]).get(customer_id)
    return {**ids, "case": reference} if reference else dict(ids)


def _parameters_event(version: ParameterVersion, actor: Any) -> None:
    ledger_append(
        kind="parameters.changed",
        actor=actor,
        subject={"parameters": version.label},
        record={
            "profile": version.profile,
            "version": version.number,
            "effective_from": version.effective_from,
            "params": version.params,
        },
    )


@transaction.atomic
def seed_version(profile: str) -> ParameterVersion:
    """Store version 1 of ``profile`` (the engine defaults, approved by the system) unless it
    is stored already."""
    default = default_version(profile)
    version, created = ParameterVersion.objects.get_or_create(
        profile=profile,
        number=1,
        defaults={
            "params": default.params,
            "effective_from": default.effective_from,
            "status": default.status,
            "reason": default.reason,
            "approved_at": timezone.now(),
        },
    )
    if created:
        _parameters_event(version, None)
    return version


@transaction.atomic
def parameters_propose(
    *,
    profile: str,
    values: Mapping[str, Any],
    effective_from: datetime,
    maker: Any,
    reason: str,
) -> ParameterVersion:
    """Propose new values for some of ``profile``'s parameters (JSON form, e.g.
    ``{"visit_window": "09:00-18:00"}``), in force from ``effective_from`` once a second
    compliance officer approves. Every value is checked by the engine; a bad one is refused
    naming the parameter."""
    _require(maker, PARAMETER_MAKERS, _("Only compliance officers change parameters."))
    if profile not in PROFILES:
        raise DomainError(
            "unknown_profile",
            _("“%(profile)s” is not a profile.") % {"profile": profile},
            field="profile",
        )
    reason = _reason(reason)
    checked_moment(effective_from, field="effective_from")
    now = timezone.now()
    if effective_from < now - PAST_SLACK:
        raise DomainError(
            "effective_in_past",
            _("A change takes effect now or later, not in the past."),
            field="effective_from",
        )
    seed_version(profile)
    existing = list(
        ParameterVersion.objects.select_for_update()
        .filter(profile=profile)
        .values_list("number", flat=True)
    )
    base = version_in_force(profile, now)
    merged = {**base.params, **values}
    try:
        params = params_from_dict(profile, merged)
    except ParameterError as error:
        raise engine_error(error) from None
    stored = params_to_dict(params)
    changes = {
        name: [base.params.get(name), value]
        for name, value in stored.items()
        if base.params.get(name) != value
    }
    if not changes:
        raise DomainError("no_change", _("These are the values in force already."))
    version = ParameterVersion.objects.create(
        profile=profile,
        number=max(existing) + 1,
        params=stored,
        effective_from=effective_from,
        base=base,
        maker=maker,
        reason=reason,
    )
    version.approval = approval_request(
        kind=PARAMETERS_KIND,
        subject=version,
        summary=_("Parameters %(label)s: %(names)s")
        % {"label": version.label, "names": ", ".join(changes)},
        payload={
            "profile": profile,
            "version": version.number,
            "base": base.number,
            "effective_from": effective_from.isoformat(),
            "changes": changes,
        },
        requested_by=maker,
        reason=reason,
    )
    version.save(update_fields=["approval"])
    return version


def parameters_approved(request: ApprovalRequest) -> None:
    """Approval handler: the version is in force from its stated time, or from now if that has
    passed while it waited (a decision already made is never re-decided under it)."""
    version = ParameterVersion.objects.select_for_update().get(pk=request.subject_id)
    now = timezone.now()
    version.status = Approval.APPROVED
    version.approved_at = now
    version.effective_from = max(version.effective_from, now)
    version.save(update_fields=["status", "approved_at", "effective_from"])
    _parameters_event(version, version.maker)


def parameters_rejected(request: ApprovalRequest) -> None:
    ParameterVersion.objects.filter(pk=request.subject_id).update(status=Approval.REJECTED)


# ---------------------------------------------------------------------------------------------
# Calendars


def read_arrangements(text: str) -> list[YearArrangement]:
    """One arrangement or a list of them, as JSON (``{"year", "rest_days",
    "makeup_workdays", "names"}``); refused naming what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DomainError(
            "invalid_json",
            _("The file is not JSON: %(problem)s") % {"problem": error.msg},
            field="file",
        ) from None
    items = data if isinstance(data, list) else [data]
    arrangements = []
    for item in items:
        if not isinstance(item, dict):
            raise DomainError(
                "invalid_calendar", _("Each arrangement is a JSON object."), field="file"
            )
        try:
            arrangements.append(YearArrangement.from_dict(item))
        except EngineInputError as error:
            raise engine_error(error, field="file") from None
    if not arrangements:
        raise DomainError("invalid_calendar", _("The file holds no arrangement."), field="file")
    return arrangements


def _arrangement_row(
    arrangement: YearArrangement, *, source: str, loaded_by: Any
) -> CalendarArrangement:
    data = arrangement.to_dict()
    return CalendarArrangement.objects.create(
        year=arrangement.year,
        rest_days=data["rest_days"],
        makeup_workdays=data["makeup_workdays"],
        names=data["names"],
        source=source,
        loaded_by=loaded_by,
    )


@transaction.atomic
def calendar_propose(
    *, arrangement: YearArrangement, source: str, loaded_by: Any
) -> CalendarArrangement:
    """Load a year's official arrangement from the screen; it overrides the packaged calendar
    once a second person (a compliance officer or head-office administrator) approves."""
    _require(
        loaded_by,
        CALENDAR_LOADERS,
        _("Only compliance officers and head-office administrators load calendars."),
    )
    source = _reason(source, field="source")
    row = _arrangement_row(arrangement, source=source, loaded_by=loaded_by)
    row.approval = approval_request(
        kind=CALENDAR_KIND,
        subject=row,
        summary=_("Holiday arrangement for %(year)s") % {"year": arrangement.year},
        payload={
            "year": arrangement.year,
            "rest_days": len(arrangement.rest_days),
            "makeup_workdays": sorted(str(day) for day in arrangement.makeup_workdays),
            "source": source,
        },
        requested_by=loaded_by,
        reason=source,
    )
    row.save(update_fields=["approval"])
    return row


@transaction.atomic
def calendar_load(*, arrangement: YearArrangement, source: str) -> CalendarArrangement:
    """Load an arrangement from the command line, in force at once: whoever runs commands on
    the server is already trusted with the whole database (recorded as loaded by no one)."""
    row = _arrangement_row(arrangement, source=_reason(source, field="source"), loaded_by=None)
    row.status = Approval.APPROVED
    row.approved_at = timezone.now()
    row.save(update_fields=["status", "approved_at"])
    _calendar_event(row)
    transaction.on_commit(calendar_cache.clear)
    return row


def _calendar_event(row: CalendarArrangement) -> None:
    ledger_append(
        kind="calendar.loaded",
        actor=row.loaded_by,
        subject={"calendar": row.year},
        record={
            "year": row.year,
            "rest_days": sorted(str(day) for day in row.rest_days),
            "makeup_workdays": sorted(str(day) for day in row.makeup_workdays),
            "source_hash": content_hash(row.source),
        },
    )


def calendar_approved(request: ApprovalRequest) -> None:
    CalendarArrangement.objects.filter(pk=request.subject_id).update(
        status=Approval.APPROVED, approved_at=timezone.now()
    )
    _calendar_event(CalendarArrangement.objects.get(pk=request.subject_id))
    transaction.on_commit(calendar_cache.clear)


def calendar_rejected(request: ApprovalRequest) -> None:
    CalendarArrangement.objects.filter(pk=request.subject_id).update(status=Approval.REJECTED)


# ---------------------------------------------------------------------------------------------
# Facts about the debtor


def _channels(values: Sequence[str], *, field: str) -> list[str]:
    known = {channel.value for channel in Channel}
    wrong = [value for value in values if value not in known]
    if wrong:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a channel.") % {"value": wrong[0]},
            field=field,
        )
    return sorted(set(values))


@transaction.atomic
def hold_add(
    *,
    customer: Customer,
    kind: str,
    reason: str,
    actor: Any,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    allowed_channels: Sequence[str] = (),
) -> Hold:
    """Put a hold on contacting ``customer`` (from now unless ``starts_at``), letting through
    only ``allowed_channels``."""
    if kind not in {value for value, _label in HOLD_CHOICES}:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a kind of hold.") % {"value": kind},
            field="kind",
        )
    starts = checked_moment(starts_at or timezone.now(), field="starts_at")
    if ends_at is not None and checked_moment(ends_at, field="ends_at") <= starts:
        raise DomainError("ends_before_start", _("A hold ends after it starts."), field="ends_at")
    hold = Hold.objects.create(
        customer=customer,
        kind=kind,
        allowed_channels=_channels(allowed_channels, field="allowed_channels"),
        starts_at=starts,
        ends_at=ends_at,
        reason=_reason(reason),
        created_by=actor,
    )
    ledger_append(
        kind="compliance.hold_added",
        actor=actor,
        subject=_subject(customer.pk, hold=hold.pk),
        record={
            "kind": kind,
            "allowed_channels": hold.allowed_channels,
            "starts_at": starts,
            "ends_at": ends_at,
            "reason_hash": content_hash(hold.reason),
        },
    )
    return hold


@transaction.atomic
def hold_release(*, hold: Hold, actor: Any, reason: str) -> Hold:
    """Lift a hold from now on; the hold and who lifted it stay on file."""
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise ConflictError("already_released", _("This hold is already released."))
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_reason = _reason(reason)
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    ledger_append(
        kind="compliance.hold_released",
        actor=actor,
        subject=_subject(hold.customer_id, hold=hold.pk),
        record={"kind": hold.kind, "reason_hash": content_hash(hold.release_reason)},
    )
    return hold


@transaction.atomic
def opt_out_record(
    *, customer: Customer, channel: str, actor: Any, at: datetime | None = None
) -> ChannelOptOut:
    """The customer opted out of ``channel``; recording it again keeps the first time."""
    _channels([channel], field="channel")
    opt_out, created = ChannelOptOut.objects.get_or_create(
        customer=customer,
        channel=channel,
        defaults={"at": at or timezone.now(), "recorded_by": actor},
    )
    if created:
        ledger_append(
            kind="compliance.opted_out",
            actor=actor,
            subject=_subject(customer.pk, opt_out=opt_out.pk),
            record={"channel": channel, "at": opt_out.at},
        )
    return opt_out


@transaction.atomic
def representation_record(
    *,
    customer: Customer,
    attorney_name: str,
    attorney_contact: str,
    starts_on: date,
    actor: Any,
    ends_on: date | None = None,
) -> Representation:
    if not attorney_name.strip():
        raise DomainError("name_required", _("Name the attorney."), field="attorney_name")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("ends_before_start", _("It ends after it starts."), field="ends_on")
    representation = Representation.objects.create(
        customer=customer,
        attorney_name=attorney_name.strip(),
        attorney_contact=attorney_contact.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by=actor,
    )
    ledger_append(
        kind="compliance.represented",
        actor=actor,
        subject=_subject(customer.pk, representation=representation.pk),
        record={
            "starts_on": starts_on,
            "ends_on": ends_on,
            "attorney_hash": content_hash(
                {"name": representation.attorney_name, "contact": representation.attorney_contact}
            ),
        },
    )
    return representation


LIMITATION_KINDS = frozenset({kind.value for kind in EventKind} | {"obstacle"})


@transaction.atomic
def limitation_event_add(
    *,
    account: Account,
    kind: str,
    on: date,
    source: str,
    actor: Any,
    ended_on: date | None = None,
    contact: ContactEvent | None = None,
) -> LimitationEvent:
    """Record something that interrupts or suspends ``account``'s limitation: a suit (ended
    on the end of the proceedings), an obstacle (``on`` to ``ended_on``), an acknowledgement…"""
    if kind not in LIMITATION_KINDS:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not a limitation event.") % {"value": kind},
            field="kind",
        )
    if ended_on is not None and kind not in ("suit", "obstacle"):
        raise DomainError("no_end", _("Only a suit or an obstacle has an end."), field="ended_on")
    if ended_on is not None and ended_on < on:
        raise DomainError("ends_before_start", _("It ends after it starts."), field="ended_on")
    return _limitation_event(
        LimitationEvent(
            account=account,
            kind=kind,
            on=on,
            ended_on=ended_on,
            source=_reason(source, field="source")[:300],
            contact=contact,
            recorded_by=actor,
        )
    )


@transaction.atomic
def limitation_proceedings_end(
    *, event: LimitationEvent, ended_on: date, actor: Any
) -> LimitationEvent:
    """Record the end of the proceedings of a pending ``suit`` event: the limitation restarts
    from ``ended_on`` (CN-LIM-03; 民法典 Art 195, last sentence). Ledgered like a new event."""
    event = LimitationEvent.objects.select_for_update().select_related("account").get(pk=event.pk)
    if event.kind != EventKind.SUIT.value or event.ended_on is not None:
        raise DomainError("not_pending_suit", _("Only a pending suit can end."), field="ended_on")
    if ended_on < event.on:
        raise DomainError("ends_before_start", _("It ends after it starts."), field="ended_on")
    event.ended_on = ended_on
    event.recorded_by = actor
    return _limitation_event(event)


def _limitation_event(event: LimitationEvent) -> LimitationEvent:
    event.save()
    ledger_append(
        kind="limitation.event",
        actor=event.recorded_by,
        subject=_subject(
            event.account.customer_id, account=event.account.external_id, limitation=event.pk
        ),
        record={
            "kind": event.kind,
            "on": event.on,
            "ended_on": event.ended_on,
            "contact": event.contact_id,
            "source_hash": content_hash(event.source),
        },
    )
    return event


DEMANDING = {
    Channel.VISIT.value: ContactEvent.Outcome.DEMAND_STATED,
    Channel.LETTER.value: ContactEvent.Outcome.DELIVERED,
    Channel.SMS.value: ContactEvent.Outcome.DELIVERED,
    Channel.EMAIL.value: ContactEvent.Outcome.DELIVERED,
}


def interrupts(*, channel: str, outcome: str, target: str) -> bool:
    """CN-LIM-03: a demand that provably reached the debtor — a visit where the debtor was met
    and the demand stated, a letter, SMS or e-mail delivered. Not "not home", not "third party
    only", not a call (a call is not listed in rules.md; record an acknowledgement by hand)."""
    return target == Target.DEBTOR.value and DEMANDING.get(channel) == outcome


@transaction.atomic
def contact_record(
    *,
    case: Case,
    channel: str,
    at: datetime,
    outcome: str,
    actor: Any,
    target: str = Target.DEBTOR.value,
    initiated_by: str = "bank",
    connected: bool = True,
    conversation: bool = False,
    consented: bool = False,
    staff_count: int = 1,
    account: Account | None = None,
    decision: Decision | None = None,
) -> ContactEvent:
    """Record a contact that happened (every contact path does, afterwards). A contact outside
    its decision is still recorded, never dropped. A demand that reached the debtor adds a
    ``demand_delivered`` limitation event for the account, or every account of the case."""
    contact = to_contact(
        ContactProposal(
            channel=channel,
            at=at,
            target=target,
            staff_count=staff_count,
            consented=consented,
            initiated_by=initiated_by,
        )
    )
    if outcome not in ContactEvent.Outcome.values:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not an outcome.") % {"value": outcome},
            field="outcome",
        )
    accounts = list(case.accounts.all())
    if account is not None and account.pk not in {a.pk for a in accounts}:
        raise DomainError(
            "account_not_in_case",
            _("That account is not one of the case's accounts."),
            field="account",
        )
    if decision is not None and decision.case_id != case.pk:
        raise DomainError(
            "decision_not_in_case", _("That decision is about another case."), field="decision"
        )
    event = ContactEvent.objects.create(
        outside_decision=(
            contact.initiated_by.value == "bank"
            and (decision is None or not contact_allowed(decision))
        ),
        customer_id=case.customer_id,
        case=case,
        account=account,
        channel=contact.channel.value,
        at=at,
        target=contact.target.value,
        initiated_by=contact.initiated_by.value,
        connected=connected,
        conversation=conversation,
        consented=consented,
        staff_count=staff_count,
        outcome=outcome,
        decision=decision,
        recorded_by=actor,
    )
    ledger_append(
        kind="contact.recorded",
        actor=actor,
        subject={"case": case.reference, "contact": event.pk},
        record={
            "channel": event.channel,
            "at": event.at,
            "target": event.target,
            "initiated_by": event.initiated_by,
            "connected": event.connected,
            "conversation": event.conversation,
            "consented": event.consented,
            "staff_count": event.staff_count,
            "outcome": event.outcome,
            "decision": event.decision_id,
            "outside_decision": event.outside_decision,
        },
    )
    if interrupts(channel=event.channel, outcome=outcome, target=event.target):
        zone = ZoneInfo(primary_timezone(case.customer_id) or home_timezone("cn"))
        label = str(ContactEvent.Outcome(outcome).label)
        for each in [account] if account is not None else accounts:
            _limitation_event(
                LimitationEvent(
                    account=each,
                    kind=EventKind.DEMAND_DELIVERED.value,
                    on=at.astimezone(zone).date(),
                    source=f"{event.get_channel_display()} #{event.pk}: {label}"[:300],
                    contact=event,
                    recorded_by=actor,
                )
            )
    return event


# ---------------------------------------------------------------------------------------------
# The gate


def _decision_row(
    *,
    case: Case,
    proposal: ContactProposal,
    actor: Any,
    agent_id: int | None,
) -> Decision:
    profile = bank_profile()
    contact = to_contact(proposal)
    seed_version(profile)
    if (
        proposal.account_id is not None
        and not case.accounts.filter(pk=proposal.account_id).exists()
    ):
        raise DomainError(
            "account_not_in_case",
            _("That account is not one of the case's accounts."),
            field="account_id",
        )
    version = version_in_force(profile, contact.at)
    params = version_params(version)
    facts = customer_facts([case.customer_id], since=contact.at - lookback(params), profile=profile)
    known = facts[case.customer_id]
    try:
        decision = decide(
            contact,
            known.debtor(contact, home_timezone(profile)),
            known.history,
            profile=profile,
            params=params,
            calendar=calendar_in_force(),
            version=version.label,
        )
    except EngineInputError as error:
        raise engine_error(error) from None
    return Decision(
        case=case,
        customer_id=case.customer_id,
        account_id=proposal.account_id,
        branch_id=case.branch_id,
        channel=contact.channel.value,
        at=contact.at,
        target=contact.target.value,
        staff_count=contact.staff_count,
        consented=contact.consented,
        initiated_by=contact.initiated_by.value,
        verdict=decision.verdict.value,
        rule_ids=rule_text(decision.rules),
        fired=[fired_row(fired) for fired in decision.fired],
        profile=profile,
        version=version,
        requested_by=actor,
        agent_id=agent_id,
        decided_at=timezone.now(),
    )


@transaction.atomic
def contact_decide(
    *,
    case: Case,
    proposal: ContactProposal,
    actor: Any,
    record: bool = True,
    agent_id: int | None = None,
) -> Decision:
    """The gate: decide ``proposal`` about ``case`` (loaded through ``case_get``) from the
    facts on file, under the parameter version in force at the contact's time and the bank's
    profile, and store the decision (``record=False``: a preview, not stored). ``agent_id`` is
    the staff member who would make the contact: the one asking, unless said otherwise."""
    if agent_id is None:
        staff = staff_for(actor)
        agent_id = staff.pk if staff is not None else None
    row = _decision_row(case=case, proposal=proposal, actor=actor, agent_id=agent_id)
    if record:
        row.save()
        ledger_append_many([_decision_event(row, case.reference)])
    return row


def _decision_subject(decision: Decision, reference: str | None) -> dict[str, str | int]:
    return {"case": reference, "decision": decision.pk} if reference else {"decision": decision.pk}


def _decision_event(row: Decision, reference: str | None) -> LedgerEvent:
    return LedgerEvent(
        kind="compliance.decision",
        actor=row.requested_by,
        subject=_decision_subject(row, reference),
        record={
            "channel": row.channel,
            "at": row.at,
            "target": row.target,
            "staff_count": row.staff_count,
            "consented": row.consented,
            "initiated_by": row.initiated_by,
            "verdict": row.verdict,
            "rules": row.rules,
            "profile": row.profile,
            "version": row.version.label,
        },
        at=row.decided_at,
    )


@transaction.atomic
def contact_decide_batch(
    *, items: Sequence[PlannedContact], actor: Any, record: bool = True, run: str = ""
) -> list[Decision]:
    """The gate for a planning run: facts read in bulk, the engine's batch path, decisions
    stored with ``bulk_create``; the same verdicts as ``contact_decide`` one by one."""
    profile = bank_profile()
    seed_version(profile)
    prepared = batch_prepare(items, profile=profile)
    rows = batch_rows(prepared, batch_decide(prepared), actor=actor, run=run)
    if record:
        Decision.objects.bulk_create(rows, batch_size=2_000)
        references = dict(
            Case.objects.filter(pk__in={row.case_id for row in rows}).values_list("pk", "reference")
        )
        ledger_append_many(
            _decision_event(row, references[row.case_id] if row.case_id else None) for row in rows
        )
    return rows


def contact_allowed(decision: Decision) -> bool:
    """Whether a contact path may go ahead under ``decision``: it allowed (or warned), or an
    approval overrode it."""
    if decision.verdict in (Verdict.ALLOW.value, Verdict.WARN.value):
        return True
    return decision.overridden_by_id is not None


def open_override(decision: Decision) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.filter(
            kind=OVERRIDE_KIND, subject_id=decision.pk, status__in=sorted(OPEN)
        )
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def decision_override_request(
    *, decision: Decision, requested_by: Any, reason: str
) -> ApprovalRequest:
    """Ask compliance officers to override a ``block`` or ``needs_approval`` decision; the
    requester never approves it. Once approved, the decision shows the approval."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.verdict not in (Verdict.BLOCK.value, Verdict.NEEDS_APPROVAL.value):
        raise DomainError(
            "not_overridable",
            _("Only a blocked decision or one that needs approval is overridden."),
        )
    if decision.overridden_by_id is not None:
        raise ConflictError(
            "already_overridden",
            _("Approval #%(number)s already overrode this decision.")
            % {"number": decision.overridden_by_id},
        )
    pending = open_override(decision)
    if pending is not None:
        raise ConflictError(
            "override_pending",
            _("Approval #%(number)s for this override is still open.") % {"number": pending.pk},
        )
    return approval_request(
        kind=OVERRIDE_KIND,
        subject=decision,
        summary=_("Override decision #%(number)s (%(verdict)s: %(rules)s)")
        % {
            "number": decision.pk,
            "verdict": decision.get_verdict_display(),
            "rules": ", ".join(decision.rules),
        },
        payload={
            "decision": decision.pk,
            "case": decision.case_id,
            "channel": decision.channel,
            "at": decision.at.isoformat(),
            "verdict": decision.verdict,
            "rules": decision.rules,
        },
        requested_by=requested_by,
        reason=reason,
        branch=decision.branch,
    )


def override_approved(request: ApprovalRequest) -> None:
    decision = Decision.objects.select_related("case").get(pk=request.subject_id)
    decision.overridden_by = request
    decision.save(update_fields=["overridden_by"])
    ledger_append(
        kind="compliance.override",
        actor=None,
        subject=_decision_subject(decision, decision.case.reference if decision.case else None),
        record={"approval": request.pk, "verdict": decision.verdict, "rules": decision.rules},
    )


# ---------------------------------------------------------------------------------------------
# Content


@dataclass(frozen=True)
class ContentCheck:
    screening: Screening
    explanations: list[Explanation]
    time_barred: bool


def content_check(
    *,
    text: str,
    kind: str,
    case: Case | None = None,
    letter_fields: Mapping[str, str] | None = None,
) -> ContentCheck:
    """Screen a script, letter or message before it is used or sent (CN-CON-01, CN-LET-01,
    and, when ``case``'s limitation has expired unwaived on any account, CN-LIM-05)."""
    if kind not in {item.value for item in ContentKind}:
        raise DomainError(
            "invalid_choice",
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": kind, "choices": ", ".join(item.value for item in ContentKind)},
            field="kind",
        )
    time_barred = case is not None and any(item.time_barred for item in case_limitation(case))
    screening = screen(
        text,
        profile=bank_profile(),
        kind=ContentKind(kind),
        time_barred=time_barred,
        letter_fields=letter_fields,
    )
    return ContentCheck(screening, explain_screening(screening, ui_language()), time_barred)
