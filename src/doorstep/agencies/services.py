"""Every write about agencies: one function, one transaction, its ledger entry with it.

The register (``agency_register``, ``contract_add``, ``assessment_add``, ``supervision_add``,
``member_add``, ``schedule_add``), placement of cases in batches chosen by rules
(``placement_place``), and the three recalls (``placements_recall`` at will,
``placement_recall_for_complaint`` when a complaint is linked to a placed case,
``placements_expire`` at the end of term). A recall ends the agency's access in the same
transaction: the scope in ``cases.selectors`` only counts placements not recalled.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.agencies.fields import DataField, allowed, unknown
from doorstep.agencies.models import (
    Agency,
    AgencyMember,
    CommissionRate,
    CommissionSchedule,
    Contract,
    ImpactAssessment,
    Placement,
    PlacementBatch,
    SupervisionRecord,
)
from doorstep.agencies.rules import PlacementRules
from doorstep.agencies.selectors import (
    PLACING_ROLES,
    REGISTER_ROLES,
    SUPERVISION_ROLES,
    assessment_latest,
    contract_in_force,
    data_allowed,
    profile_limited,
    staff_in,
)
from doorstep.cases.delinquency import Bucket
from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseAction, case_can, case_list
from doorstep.core.errors import ConflictError, DomainError
from doorstep.ledger.entries import content_hash
from doorstep.ledger.services import ledger_append
from doorstep.portfolio.models import PersonalDataAccess
from doorstep.portfolio.selectors import CustomerProfile, customer_profile
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import BRANCH_ROLES, staff_for

KEEP_ASSESSMENT_YEARS = 3  # PIPL Art 56: keep the assessment at least three years
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AgencyRefused(DomainError):
    status = 403


def _require(actor: Any, roles: frozenset[Role]) -> StaffMember:
    staff = staff_in(actor, roles)
    if staff is None:
        raise AgencyRefused("forbidden", _("Your role may not do this."))
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


def _reference(prefix: str, model: Any, now: datetime) -> str:
    stamp = timezone.localtime(now).strftime("%y%m%d")
    while True:
        tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _n in range(5))
        reference = f"{prefix}{stamp}-{tail}"
        if not model.objects.filter(reference=reference).exists():
            return reference


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def agency_register(
    *,
    actor: Any,
    code: str,
    name: str,
    credit_code: str,
    contact_name: str,
    contact_phone: str,
    address: str = "",
) -> Agency:
    _require(actor, REGISTER_ROLES)
    now = timezone.now()
    credit = _text(credit_code, field="credit_code", limit=18).upper()
    if len(credit) != 18 or not credit.isalnum():
        raise DomainError(
            "invalid_credit_code",
            _("A unified social credit code has 18 letters and digits."),
            field="credit_code",
        )
    if Agency.objects.filter(code=code).exists():
        raise ConflictError("duplicate", _("An agency with this code exists."), field="code")
    if Agency.objects.filter(credit_code=credit).exists():
        raise ConflictError(
            "duplicate", _("An agency with this credit code exists."), field="credit_code"
        )
    agency = Agency.objects.create(
        code=_text(code, field="code", limit=32),
        name=_text(name, field="name", limit=100),
        credit_code=credit,
        contact_name=_text(contact_name, field="contact_name", limit=50),
        contact_phone=_text(contact_phone, field="contact_phone", limit=20),
        address=_text(address, field="address", limit=200, required=False),
        registered_by=actor,
        registered_at=now,
    )
    ledger_append(
        kind="agency.registered",
        actor=actor,
        subject={"agency": agency.code},
        record={"name": agency.name, "credit_code": agency.credit_code},
        at=now,
    )
    return agency


@transaction.atomic
def contract_add(
    *,
    actor: Any,
    agency: Agency,
    number: str,
    signed_on: date,
    starts_on: date,
    ends_on: date,
    scope: str,
    data_allowed: Iterable[str],
    delete_within_days: int = 7,
) -> Contract:
    """Record the entrusted-processing contract: its term, its purpose and the data groups
    (``fields.DataField``) the agency may see."""
    _require(actor, REGISTER_ROLES)
    groups = list(data_allowed)
    strange = unknown(groups)
    if strange:
        raise DomainError(
            "invalid_choice",
            _("Unknown data groups: %(groups)s.") % {"groups": ", ".join(strange)},
            field="data_allowed",
        )
    if ends_on < starts_on:
        raise DomainError(
            "ends_before_start", _("A contract ends after it starts."), field="ends_on"
        )
    if Contract.objects.filter(number=number).exists():
        raise ConflictError("duplicate", _("A contract with this number exists."), field="number")
    now = timezone.now()
    contract = Contract.objects.create(
        agency=agency,
        number=_text(number, field="number", limit=40),
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        scope=_text(scope, field="scope", limit=2000),
        data_allowed=sorted(field.value for field in allowed(groups)),
        delete_within_days=delete_within_days,
        created_by=actor,
        created_at=now,
    )
    ledger_append(
        kind="agency.contract_added",
        actor=actor,
        subject={"agency": agency.code, "contract": contract.number},
        record={
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "data_allowed": contract.data_allowed,
            "scope_hash": content_hash(contract.scope),
        },
        at=now,
    )
    return contract


@transaction.atomic
def assessment_add(
    *,
    actor: Any,
    agency: Agency,
    assessed_on: date,
    conclusion: str,
    risks: str,
    measures: str,
) -> ImpactAssessment:
    """Record the personal-information impact assessment (kept three years from its date)."""
    _require(actor, SUPERVISION_ROLES)
    if conclusion not in ImpactAssessment.Conclusion.values:
        raise DomainError("invalid_choice", _("Choose a conclusion."), field="conclusion")
    now = timezone.now()
    if assessed_on > timezone.localdate(now):
        raise DomainError("in_future", _("This date is in the future."), field="assessed_on")
    assessment = ImpactAssessment.objects.create(
        agency=agency,
        assessed_on=assessed_on,
        conclusion=conclusion,
        risks=_text(risks, field="risks", limit=4000),
        measures=_text(measures, field="measures", limit=4000),
        keep_until=_years_later(assessed_on, KEEP_ASSESSMENT_YEARS),
        assessor=actor,
        at=now,
    )
    ledger_append(
        kind="agency.assessed",
        actor=actor,
        subject={"agency": agency.code},
        record={
            "assessed_on": assessed_on.isoformat(),
            "conclusion": conclusion,
            "text_hash": content_hash([assessment.risks, assessment.measures]),
        },
        at=now,
    )
    return assessment


@transaction.atomic
def supervision_add(
    *, actor: Any, agency: Agency, on: date, kind: str, rating: str, findings: str
) -> SupervisionRecord:
    _require(actor, SUPERVISION_ROLES)
    if kind not in SupervisionRecord.Kind.values:
        raise DomainError("invalid_choice", _("Choose a kind of supervision."), field="kind")
    if rating not in SupervisionRecord.Rating.values:
        raise DomainError("invalid_choice", _("Choose a rating."), field="rating")
    now = timezone.now()
    record = SupervisionRecord.objects.create(
        agency=agency,
        on=on,
        kind=kind,
        rating=rating,
        findings=_text(findings, field="findings", limit=4000),
        by=actor,
        at=now,
    )
    ledger_append(
        kind="agency.supervised",
        actor=actor,
        subject={"agency": agency.code},
        record={
            "on": on.isoformat(),
            "kind": kind,
            "rating": rating,
            "findings_hash": content_hash(record.findings),
        },
        at=now,
    )
    return record


@transaction.atomic
def member_add(*, actor: Any, agency: Agency, staff: StaffMember) -> AgencyMember:
    """Link an agency user's staff record to ``agency``; only agency users can be linked."""
    _require(actor, REGISTER_ROLES)
    if staff.role != Role.AGENCY_USER:
        raise DomainError(
            "not_agency_user", _("Only agency users can be linked to an agency."), field="staff"
        )
    member, _created = AgencyMember.objects.update_or_create(
        staff=staff, defaults={"agency": agency}
    )
    ledger_append(
        kind="agency.member_linked",
        actor=actor,
        subject={"agency": agency.code},
        record={"staff": staff.employee_number},
    )
    return member


@transaction.atomic
def schedule_add(
    *, actor: Any, agency: Agency, effective_from: date, rates: Mapping[str, Decimal | str]
) -> CommissionSchedule:
    """A commission schedule: per-cent of recoveries by the bucket a case was placed in."""
    _require(actor, REGISTER_ROLES)
    parsed: dict[str, Decimal] = {}
    for bucket, value in rates.items():
        if bucket not in {b.value for b in Bucket}:
            raise DomainError(
                "invalid_choice",
                _("“%(value)s” is not a bucket.") % {"value": bucket},
                field="rates",
            )
        try:
            per_cent = Decimal(str(value))
        except InvalidOperation:
            raise DomainError("invalid", _("A rate is a number."), field="rates") from None
        if not Decimal("0") <= per_cent <= Decimal("100") or per_cent != per_cent.quantize(
            Decimal("0.01")
        ):
            raise DomainError(
                "invalid",
                _("A rate is between 0 and 100 per cent, with at most two decimals."),
                field="rates",
            )
        parsed[bucket] = per_cent
    if not parsed:
        raise DomainError("required", _("Give at least one rate."), field="rates")
    if CommissionSchedule.objects.filter(agency=agency, effective_from=effective_from).exists():
        raise ConflictError(
            "duplicate", _("A schedule starts on that day already."), field="effective_from"
        )
    now = timezone.now()
    schedule = CommissionSchedule.objects.create(
        agency=agency, effective_from=effective_from, created_by=actor, created_at=now
    )
    CommissionRate.objects.bulk_create(
        CommissionRate(schedule=schedule, bucket=bucket, per_cent=per_cent)
        for bucket, per_cent in sorted(parsed.items())
    )
    ledger_append(
        kind="agency.commission_schedule",
        actor=actor,
        subject={"agency": agency.code},
        record={
            "effective_from": effective_from.isoformat(),
            "rates": {bucket: str(per_cent) for bucket, per_cent in sorted(parsed.items())},
        },
        at=now,
    )
    return schedule


def placement_candidates(*, actor: Any, rules: PlacementRules) -> list[Case]:
    """The cases ``rules`` choose among those ``actor`` may assign: open, not placed already,
    without an open complaint, oldest arrears first, at most ``rules.limit``."""
    from doorstep.oversight.complaints.lifecycle import OPEN as OPEN_COMPLAINTS
    from doorstep.oversight.models import Complaint

    staff = _require(actor, PLACING_ROLES)
    cases = case_list(user=actor, filters=rules.filters()).exclude(status__startswith="closed_")
    if staff.role in BRANCH_ROLES and staff.branch_id is not None:
        cases = cases.filter(branch_id=staff.branch_id)
    placed = Placement.objects.filter(case=OuterRef("pk"), recalled_at__isnull=True)
    complained = Complaint.objects.filter(case=OuterRef("pk"), status__in=sorted(OPEN_COMPLAINTS))
    cases = cases.exclude(Exists(placed)).exclude(Exists(complained))
    chosen = list(cases[: rules.limit])
    return [case for case in chosen if case_can(staff=staff, case=case, action=CaseAction.ASSIGN)]


@transaction.atomic
def placement_place(
    *, actor: Any, agency: Agency, rules: PlacementRules, ends_on: date, note: str = ""
) -> PlacementBatch:
    """Place the cases ``rules`` choose with ``agency`` until ``ends_on``, as one batch.

    Refused unless the agency is active, a contract is in force today and still on
    ``ends_on``, and its latest impact assessment, made before today, found the risks
    acceptable (CN-PI-04).
    """
    _require(actor, PLACING_ROLES)
    now = timezone.now()
    today = timezone.localdate(now)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not agency.is_active:
        raise DomainError("agency_inactive", _("This agency is not active."), field="agency")
    if ends_on <= today:
        raise DomainError("ends_in_past", _("A placement ends after today."), field="ends_on")
    contract = contract_in_force(agency=agency, on=today)
    if contract is None:
        raise DomainError(
            "no_contract",
            _("No entrusted-processing contract with this agency is in force (CN-PI-04)."),
            field="agency",
        )
    if contract.ends_on < ends_on:
        raise DomainError(
            "beyond_contract",
            _("The contract ends on %(day)s; place the cases until then at the latest.")
            % {"day": contract.ends_on.isoformat()},
            field="ends_on",
        )
    assessment = assessment_latest(agency=agency, on=today)
    if assessment is None or assessment.conclusion != ImpactAssessment.Conclusion.ACCEPTABLE:
        raise DomainError(
            "no_assessment",
            _(
                "Entrusting personal data needs a prior impact assessment that found the risks "
                "acceptable (PIPL Art 55, CN-PI-04)."
            ),
            field="agency",
        )
    cases = placement_candidates(actor=actor, rules=rules)
    if not cases:
        raise DomainError("no_cases", _("No case you may place matches these rules."))
    locked = list(Case.objects.select_for_update().filter(pk__in=[c.pk for c in cases]))
    if Placement.objects.filter(case__in=locked, recalled_at__isnull=True).exists():
        raise ConflictError("already_placed", _("Some of these cases were just placed."))
    batch = PlacementBatch.objects.create(
        reference=_reference("PB", PlacementBatch, now),
        agency=agency,
        contract=contract,
        rules=rules.as_json(),
        ends_on=ends_on,
        placed_by=actor,
        placed_at=now,
    )
    Placement.objects.bulk_create(
        Placement(
            batch=batch,
            agency=agency,
            case=case,
            placed_at=now,
            ends_on=ends_on,
            bucket=case.bucket,
            dpd=case.dpd,
            outstanding=case.outstanding_total,
        )
        for case in sorted(locked, key=lambda c: c.reference)
    )
    ledger_append(
        kind="agency.placed",
        actor=actor,
        subject={"batch": batch.reference, "agency": agency.code},
        record={
            "contract": contract.number,
            "ends_on": ends_on.isoformat(),
            "rules": batch.rules,
            "cases": sorted(c.reference for c in locked),
            "note_hash": content_hash(note) if note.strip() else None,
        },
        at=now,
    )
    return batch


def _recall(
    placements: Iterable[Placement],
    *,
    reason: str,
    actor: Any,
    note: str,
    now: datetime,
    complaint: Any = None,
) -> list[Placement]:
    done = []
    for placement in placements:
        placement.recalled_at = now
        placement.recall_reason = reason
        placement.recalled_by = actor
        placement.recall_note = note[:500]
        placement.complaint = complaint
        placement.save(
            update_fields=[
                "recalled_at",
                "recall_reason",
                "recalled_by",
                "recall_note",
                "complaint",
            ]
        )
        ledger_append(
            kind="agency.recalled",
            actor=actor,
            subject={"case": placement.case.reference, "batch": placement.batch.reference},
            record={
                "agency": placement.agency.code,
                "reason": reason,
                "complaint": complaint.reference if complaint is not None else None,
            },
            at=now,
        )
        done.append(placement)
    return done


@transaction.atomic
def placements_recall(*, actor: Any, placements: Iterable[Placement], note: str) -> list[Placement]:
    """Recall placements at the bank's will; the agency loses access when this commits."""
    staff = _require(actor, PLACING_ROLES)
    text = _text(note, field="note", limit=500)
    ids = [p.pk for p in placements]
    locked = list(
        Placement.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, recalled_at__isnull=True)
        .select_related("case", "batch", "agency")
        .order_by("pk")
    )
    for placement in locked:
        if staff.role in BRANCH_ROLES and placement.case.branch_id != staff.branch_id:
            raise AgencyRefused("forbidden", _("You may not recall cases of another branch."))
    return _recall(
        locked, reason=Placement.Recall.AT_WILL, actor=actor, note=text, now=timezone.now()
    )


def placement_recall_for_complaint(*, case: Case, complaint: Any, actor: Any) -> list[Placement]:
    """A complaint was linked to ``case``: recall its placement at once, in the caller's
    transaction (``complaint_link``), and record which complaint did it."""
    locked = list(
        Placement.objects.select_for_update(of=("self",))
        .filter(case=case, recalled_at__isnull=True)
        .select_related("case", "batch", "agency")
    )
    return _recall(
        locked,
        reason=Placement.Recall.COMPLAINT,
        actor=actor,
        note=_("Complaint %(reference)s") % {"reference": complaint.reference},
        now=timezone.now(),
        complaint=complaint,
    )


def placements_expire(*, today: date | None = None) -> int:
    """Record the recall of every placement whose term is over (access already ended with the
    term: see ``selectors.placements_in_force``), and recall the placements of cases closed
    cured or settled (a written-off debt may still be worked for recoveries). Safe to run
    twice. Returns how many were recalled."""
    day = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        open_rows = Placement.objects.select_for_update(of=("self",)).filter(
            recalled_at__isnull=True
        )
        ended = list(
            open_rows.filter(ends_on__lt=day)
            .select_related("case", "batch", "agency")
            .order_by("pk")
        )
        closed = list(
            open_rows.filter(ends_on__gte=day, case__status__in=["closed_cured", "closed_settled"])
            .select_related("case", "batch", "agency")
            .order_by("pk")
        )
        done = _recall(ended, reason=Placement.Recall.END_OF_TERM, actor=None, note="", now=now)
        done += _recall(closed, reason=Placement.Recall.CASE_CLOSED, actor=None, note="", now=now)
    return len(done)


def agency_profile(
    *, user: Any, case: Case, remote_addr: str | None, channel: str
) -> CustomerProfile:
    """The customer 360 an agency user may see for a placed case: what the contract allows,
    never the ID number; full phone numbers only when the contract allows them, and then the
    read is logged like any reveal."""
    staff = staff_for(user)
    groups = data_allowed(staff=staff, case=case) if staff is not None else frozenset()
    full_phones = DataField.PHONES in groups
    if full_phones:
        PersonalDataAccess.objects.create(
            user=user,
            customer=case.customer,
            fields=["phones"],
            reason=_("Placed with the agency under its contract")[:200],
            remote_addr=remote_addr or None,
            channel=channel,
        )
    profile = customer_profile(
        customer=case.customer, accounts=case.accounts.all(), revealed=full_phones
    )
    return profile_limited(profile, groups)
