"""Reads for legal: matters scoped by who may see their case, guarantees with their standing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from doorstep.cases.models import Case
from doorstep.cases.selectors import case_visible
from doorstep.core.masking import mask_national_id, mask_phone
from doorstep.legal import guarantee as rules
from doorstep.legal.lifecycle import OPEN, MatterKind
from doorstep.legal.models import GuaranteeContract, Matter, MoneyLine
from doorstep.portfolio.models import Guarantor
from doorstep.staff.models import Role
from doorstep.staff.selectors import BRANCH_ROLES, staff_for


class MatterNotFound(Http404):
    pass


def matters_visible(*, user: Any) -> QuerySet[Matter]:
    """A legal specialist sees the matters they handle or argue (as counsel); everyone else the
    matters of the cases they may see."""
    staff = staff_for(user)
    if staff is None:
        return Matter.objects.none()
    matters = Matter.objects.select_related("case", "case__customer", "specialist", "counsel")
    if staff.role == Role.LEGAL_SPECIALIST:
        return matters.filter(Q(specialist=staff) | Q(counsel=staff))
    return matters.filter(case__in=case_visible(user=user))


def matter_get(*, user: Any, pk: int) -> Matter:
    matter = matters_visible(user=user).filter(pk=pk).first()
    if matter is None:
        raise MatterNotFound
    return matter


def matter_can_edit(*, user: Any, matter: Matter) -> bool:
    """The specialist or counsel of the matter, a head-office administrator, or a manager of
    the case's branch."""
    staff = staff_for(user)
    if staff is None:
        return False
    role = Role(staff.role)
    if role is Role.LEGAL_SPECIALIST:
        return staff.pk in (matter.specialist_id, matter.counsel_id)
    if role is Role.HEAD_OFFICE_ADMIN:
        return True
    return role in BRANCH_ROLES and matter.case.branch_id == staff.branch_id


def can_record_guarantee(*, user: Any, case: Case) -> bool:
    """Managers of the case's branch, head-office administrators, and the legal specialist
    attached to the case (who can see it at all)."""
    staff = staff_for(user)
    if staff is None or case.is_closed:
        return False
    role = Role(staff.role)
    if role in (Role.HEAD_OFFICE_ADMIN, Role.LEGAL_SPECIALIST):
        return True
    return role in BRANCH_ROLES and case.branch_id == staff.branch_id


@dataclass(frozen=True)
class MatterTotals:
    costs: Decimal
    recoveries: Decimal

    @property
    def net(self) -> Decimal:
        return self.recoveries - self.costs


def matter_totals(matter: Matter) -> MatterTotals:
    sums = dict(
        MoneyLine.objects.filter(matter=matter)
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    zero = Decimal("0.00")
    return MatterTotals(
        costs=sums.get(MoneyLine.Kind.COST.value) or zero,
        recoveries=sums.get(MoneyLine.Kind.RECOVERY.value) or zero,
    )


def case_matters(case: Case) -> list[Matter]:
    """The matters of a case (loaded through ``case_get``), newest first."""
    return list(case.legal_matters.select_related("specialist", "counsel"))


def case_current_matter(case: Case) -> Matter | None:
    return case.legal_matters.filter(status__in=[s.value for s in OPEN]).first()


# ---------------------------------------------------------------------------------------------
# Guarantees

PRESERVING_PROCEEDINGS = (MatterKind.SUIT.value, MatterKind.ARBITRATION.value)


def _claims(contract: GuaranteeContract) -> list[rules.Claim]:
    """Suits and arbitrations filed against the debtor on a case holding the guaranteed
    account, and demands that reached the guarantor."""
    filed = Matter.objects.filter(
        case__accounts=contract.guarantee.account_id,
        kind__in=PRESERVING_PROCEEDINGS,
        filed_on__isnull=False,
    ).values_list("filed_on", flat=True)
    demanded = contract.demands.filter(delivered=True).values_list("on", flat=True)
    return [rules.Claim("proceedings", on) for on in filed if on is not None] + [
        rules.Claim("demand", on) for on in demanded
    ]


def guarantee_state_of(
    contract: GuaranteeContract, *, today: date | None = None
) -> rules.GuaranteeState:
    period = rules.Period(
        debt_due=contract.debt_due_on,
        ends=contract.period_ends,
        nominal_end=contract.period_ends,
        basis=rules.Basis(contract.period_basis),
    )
    return rules.guarantee_state(
        kind=rules.GuaranteeKind(contract.kind),
        period=period,
        claims=_claims(contract),
        today=today or timezone.localdate(),
    )


@dataclass(frozen=True)
class GuaranteeRow:
    contract: GuaranteeContract
    state: rules.GuaranteeState
    guarantor_name: str
    guarantor_id_masked: str
    guarantor_phone_masked: str


def _row(contract: GuaranteeContract, today: date) -> GuaranteeRow:
    person = contract.guarantee.guarantor
    phone = next(iter(person.phones.all()), None)
    return GuaranteeRow(
        contract=contract,
        state=guarantee_state_of(contract, today=today),
        guarantor_name=person.name,
        guarantor_id_masked=mask_national_id(person.national_id),
        guarantor_phone_masked=mask_phone(phone.number) if phone is not None else "",
    )


def case_guarantees(case: Case, *, today: date | None = None) -> list[GuaranteeRow]:
    """The guarantee contracts on the accounts of a case (loaded through ``case_get``)."""
    today = today or timezone.localdate()
    contracts = (
        GuaranteeContract.objects.filter(guarantee__account__in=case.accounts.all())
        .select_related("guarantee__guarantor", "guarantee__account")
        .prefetch_related("guarantee__guarantor__phones")
    )
    return [_row(contract, today) for contract in contracts]


def guarantees_ending(
    *, user: Any, today: date | None = None, within: int = 60
) -> list[GuaranteeRow]:
    """Running guarantees on cases the user sees whose period ends within ``within`` days,
    soonest first: the warning list."""
    today = today or timezone.localdate()
    accounts = case_visible(user=user).values("accounts")
    contracts = (
        GuaranteeContract.objects.filter(
            guarantee__account__in=accounts,
            period_ends__gte=today,
            period_ends__lte=date.fromordinal(today.toordinal() + within),
        )
        .select_related("guarantee__guarantor", "guarantee__account")
        .prefetch_related("guarantee__guarantor__phones")
        .order_by("period_ends", "pk")
    )
    rows = [_row(contract, today) for contract in contracts]
    return [row for row in rows if row.state.standing is rules.Standing.RUNNING]


def deadlines_ahead(*, user: Any, today: date, within: int = 30) -> QuerySet[Any]:
    """Open deadlines of the user's matters due from today to ``within`` days ahead, or
    already missed, soonest first."""
    from doorstep.legal.models import Deadline

    return (
        Deadline.objects.filter(
            matter__in=matters_visible(user=user).filter(status__in=[s.value for s in OPEN]),
            done_on__isnull=True,
            due_on__lte=date.fromordinal(today.toordinal() + within),
        )
        .select_related("matter")
        .order_by("due_on", "pk")
    )


def case_guarantee(*, case: Case, account: str, guarantor: str) -> Guarantor | None:
    """The guarantee of ``guarantor`` (customer number) on ``account`` (account number), if it
    is one of ``case``'s accounts (the case already loaded through ``case_get``)."""
    return Guarantor.objects.filter(
        account__in=case.accounts.all(),
        account__external_id=account,
        guarantor__external_id=guarantor,
    ).first()
