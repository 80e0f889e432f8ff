"""Reads about agencies: the register, placements in force, what an agency user may see, and
each agency's performance.

Which cases an agency user sees is decided in ``cases.selectors`` (the one place for case
scoping), from ``placements_in_force`` here; which fields of a case they see, from the
contract of the placement (``data_allowed``, ``profile_limited``).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from doorstep.agencies import commission
from doorstep.agencies.fields import DataField, allowed
from doorstep.agencies.models import (
    Agency,
    CommissionSchedule,
    Contract,
    ImpactAssessment,
    Placement,
    PlacementBatch,
)
from doorstep.cases.models import Case
from doorstep.portfolio.models import Payment
from doorstep.portfolio.selectors import AccountView, CustomerProfile
from doorstep.staff.models import Role, StaffMember
from doorstep.staff.selectors import staff_for

# Who keeps the register, contracts, commission schedules and agency users.
REGISTER_ROLES = frozenset({Role.HEAD_OFFICE_ADMIN})
# Who assesses and supervises the agencies (CN-PI-04).
SUPERVISION_ROLES = frozenset({Role.COMPLIANCE_OFFICER, Role.HEAD_OFFICE_ADMIN})
# Who places cases with agencies and recalls them: the people who assign cases.
PLACING_ROLES = frozenset({Role.COLLECTIONS_MANAGER, Role.BRANCH_ADMIN, Role.HEAD_OFFICE_ADMIN})
# Who reads the register and the agencies' performance.
VIEW_ROLES = PLACING_ROLES | SUPERVISION_ROLES | {Role.INTERNAL_AUDITOR}


class AgencyNotFound(Http404):
    pass


def staff_in(user: Any, roles: frozenset[Role]) -> StaffMember | None:
    staff = staff_for(user)
    return staff if staff is not None and staff.role in roles else None


def placements_in_force(*, on: date | None = None) -> QuerySet[Placement]:
    """Placements that give access today: not recalled, term not over, agency active. A
    placement whose term ended is out of force at once, before the nightly recall records it."""
    day = on or timezone.localdate()
    return Placement.objects.filter(
        recalled_at__isnull=True, ends_on__gte=day, agency__is_active=True
    )


def member_agency_id(staff: StaffMember) -> int | None:
    """The agency an agency user works for (None for anyone else or an unlinked user)."""
    if staff.role != Role.AGENCY_USER:
        return None
    cached = getattr(staff, "_doorstep_agency", 0)
    if cached == 0:
        membership = getattr(staff, "agency_membership", None)
        cached = membership.agency_id if membership is not None else None
        staff._doorstep_agency = cached  # type: ignore[attr-defined]
    return cached


def placement_of(*, staff: StaffMember, case: Case) -> Placement | None:
    """The placement in force through which agency user ``staff`` sees ``case``."""
    agency_id = member_agency_id(staff)
    if agency_id is None:
        return None
    return (
        placements_in_force()
        .filter(agency_id=agency_id, case=case)
        .select_related("batch__contract")
        .first()
    )


def data_allowed(*, staff: StaffMember, case: Case) -> frozenset[DataField]:
    placement = placement_of(staff=staff, case=case)
    if placement is None:
        return frozenset()
    return allowed(placement.batch.contract.data_allowed)


HIDDEN_ALWAYS = {"national_id": "", "birth_date": None}
HIDDEN_BY_GROUP: dict[DataField, dict[str, Any]] = {
    DataField.EMPLOYMENT: {"employer": "", "occupation": ""},
    DataField.FINANCES: {
        "monthly_income": None,
        "assets_value": None,
        "assets_description": "",
        "household_size": None,
        "dependants": None,
        "other_debts_declared": None,
    },
}


def profile_limited(profile: CustomerProfile, groups: frozenset[DataField]) -> CustomerProfile:
    """The customer 360 cut down to what an agency's contract allows.

    The customer is a detached copy with the fields outside ``groups`` emptied (and the ID
    number and birth date always), so no template or serializer can show them by reading the
    customer directly. Phones are full only when ``profile`` was built revealed (the caller
    logged that) and ``groups`` allow phones; masked otherwise.
    """
    customer = copy.copy(profile.customer)
    hidden = dict(HIDDEN_ALWAYS)
    for group, attributes in HIDDEN_BY_GROUP.items():
        if group not in groups:
            hidden.update(attributes)
    for name, value in hidden.items():
        setattr(customer, name, value)
    accounts = [
        AccountView(
            account=view.account,
            timeline=view.timeline if DataField.ACCOUNT_HISTORY in groups else [],
            guarantors=view.guarantors if DataField.GUARANTORS in groups else [],
        )
        for view in profile.accounts
    ]
    return replace(
        profile,
        customer=customer,
        national_id="",
        addresses=profile.addresses if DataField.ADDRESSES in groups else [],
        accounts=accounts,
    )


def agency_list(*, user: Any) -> QuerySet[Agency]:
    if staff_in(user, VIEW_ROLES) is None:
        return Agency.objects.none()
    return Agency.objects.order_by("code")


def agency_get(*, user: Any, pk: int) -> Agency:
    agency = agency_list(user=user).filter(pk=pk).first()
    if agency is None:
        raise AgencyNotFound
    return agency


def contract_in_force(*, agency: Agency, on: date) -> Contract | None:
    return (
        agency.contracts.filter(starts_on__lte=on, ends_on__gte=on).order_by("-starts_on").first()
    )


def assessment_latest(*, agency: Agency, on: date) -> ImpactAssessment | None:
    return agency.assessments.filter(assessed_on__lte=on).order_by("-assessed_on", "-id").first()


def batch_list(*, user: Any, agency: Agency | None = None) -> QuerySet[PlacementBatch]:
    if staff_in(user, VIEW_ROLES) is None:
        return PlacementBatch.objects.none()
    batches = PlacementBatch.objects.select_related("agency", "placed_by")
    return batches.filter(agency=agency) if agency is not None else batches


def batch_get(*, user: Any, reference: str) -> PlacementBatch:
    batch = batch_list(user=user).filter(reference=reference).first()
    if batch is None:
        raise AgencyNotFound
    return batch


@dataclass(frozen=True)
class Performance:
    agency: Agency
    placed: int
    in_force: int
    outstanding: Decimal
    recovered: Decimal
    recovery_rate: Decimal | None  # per cent of what was unpaid when placed
    complaints: int
    complaint_rate: Decimal | None  # complaints per 100 placements
    promises_judged: int
    promises_kept: int
    kept_rate: Decimal | None
    commission: Decimal


def _schedules(agency_ids: list[int]) -> dict[int, list[commission.Schedule]]:
    found: dict[int, list[commission.Schedule]] = defaultdict(list)
    for schedule in CommissionSchedule.objects.filter(agency_id__in=agency_ids).prefetch_related(
        "rates"
    ):
        found[schedule.agency_id].append(
            commission.Schedule(
                schedule.effective_from,
                {rate.bucket: rate.per_cent for rate in schedule.rates.all()},
            )
        )
    return found


def performance(*, user: Any, today: date | None = None) -> list[Performance]:
    """Every agency's results over all its placements: what was recovered while cases were
    with it (payments on the case's accounts from the placement day to the recall), the
    complaints about placed cases received meanwhile, and the promises taken meanwhile."""
    from doorstep.oversight.models import Complaint
    from doorstep.plans.models import Promise

    agencies = list(agency_list(user=user))
    day = today or timezone.localdate()
    placements = list(
        Placement.objects.filter(agency__in=agencies).prefetch_related("case__accounts")
    )
    schedules = _schedules([a.pk for a in agencies])
    account_windows: dict[int, list[tuple[Placement, date, date]]] = defaultdict(list)
    case_windows: dict[int, list[tuple[Placement, date, date]]] = defaultdict(list)
    for placement in placements:
        start = timezone.localtime(placement.placed_at).date()
        end = min(
            timezone.localtime(placement.recalled_at).date() if placement.recalled_at else day,
            placement.ends_on,
        )
        case_windows[placement.case_id].append((placement, start, end))
        for account in placement.case.accounts.all():
            account_windows[account.pk].append((placement, start, end))
    recovered: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    fees: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    payments = Payment.objects.filter(
        account_id__in=list(account_windows), reversed_on__isnull=True
    ).values_list("account_id", "paid_on", "amount")
    for account_id, paid_on, amount in payments:
        for placement, start, end in account_windows[account_id]:
            if start <= paid_on <= end:
                recovered[placement.agency_id] += amount
                fees[placement.agency_id] += commission.commission_for(
                    commission.Recovery(paid_on, amount, placement.bucket),
                    schedules[placement.agency_id],
                )
    complaints: dict[int, int] = defaultdict(int)
    for case_id, received in Complaint.objects.filter(case_id__in=list(case_windows)).values_list(
        "case_id", "received_at"
    ):
        on = timezone.localtime(received).date()
        for placement, start, end in case_windows[case_id]:
            if start <= on <= end:
                complaints[placement.agency_id] += 1
    judged: dict[int, int] = defaultdict(int)
    kept: dict[int, int] = defaultdict(int)
    for case_id, taken_on, status in Promise.objects.filter(
        case_id__in=list(case_windows)
    ).values_list("case_id", "taken_on", "status"):
        for placement, start, end in case_windows[case_id]:
            if start <= taken_on <= end and status != "open":
                judged[placement.agency_id] += 1
                kept[placement.agency_id] += status == "kept"
    rows = []
    for agency in agencies:
        mine = [p for p in placements if p.agency_id == agency.pk]
        outstanding = sum((p.outstanding for p in mine), Decimal("0.00"))
        in_force = sum(
            1 for p in mine if p.recalled_at is None and p.ends_on >= day and agency.is_active
        )
        rows.append(
            Performance(
                agency=agency,
                placed=len(mine),
                in_force=in_force,
                outstanding=outstanding,
                recovered=recovered[agency.pk],
                recovery_rate=commission.rate(recovered[agency.pk], outstanding),
                complaints=complaints[agency.pk],
                complaint_rate=commission.rate(complaints[agency.pk], len(mine)),
                promises_judged=judged[agency.pk],
                promises_kept=kept[agency.pk],
                kept_rate=commission.rate(kept[agency.pk], judged[agency.pk]),
                commission=fees[agency.pk],
            )
        )
    return rows


def open_placements(*, case_ids: list[int]) -> QuerySet[Placement]:
    return Placement.objects.filter(case_id__in=case_ids, recalled_at__isnull=True)


def placed_case_ids(*, agency: Agency) -> set[int]:
    return set(placements_in_force().filter(agency=agency).values_list("case_id", flat=True))


def in_force_q(prefix: str = "") -> Q:
    """The in-force condition as a Q over a relation to Placement (``prefix`` like
    ``placements__``)."""
    day = timezone.localdate()
    return Q(
        **{
            f"{prefix}recalled_at__isnull": True,
            f"{prefix}ends_on__gte": day,
            f"{prefix}agency__is_active": True,
        }
    )
