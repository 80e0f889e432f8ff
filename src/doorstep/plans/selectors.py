"""Reads for plans and promises. A plan or promise is loaded for a user only through its case
(``cases.selectors.case_get``), so the case's role and branch scoping applies unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from doorstep.cases.models import Case
from doorstep.cases.selectors import CaseAction, CaseNotFound, case_get, case_visible
from doorstep.compliance.selectors import calendar_in_force
from doorstep.plans import affordability
from doorstep.plans.lifecycle import PromiseStatus
from doorstep.plans.models import Letter, Plan, PlanPolicy, Promise
from doorstep.plans.policy import DEFAULT_RULES, Level, Policy, parse_policy
from doorstep.plans.schedule import Debt
from doorstep.portfolio.models import Account, Payment
from doorstep.staff.models import Role
from doorstep.staff.selectors import staff_for

# What each role may grant on its own; anyone else cannot offer plans.
LEVELS: dict[str, Level] = {
    Role.FIELD_AGENT.value: Level.AGENT,
    Role.PHONE_AGENT.value: Level.AGENT,
    Role.COLLECTIONS_MANAGER.value: Level.MANAGER,
}


def policy_in_force(*, product: str, bucket: str, on: date) -> tuple[PlanPolicy | None, Policy]:
    """The approved policy for ``product`` and ``bucket`` on ``on``: the most specific one
    (product and bucket, then product, then bucket, then the bank-wide row), latest effective
    date and version first. With none approved, the built-in default (``policy.DEFAULT_RULES``)."""
    rows = PlanPolicy.objects.filter(
        status=PlanPolicy.Status.APPROVED,
        effective_from__lte=on,
        product__in=[product, ""],
        bucket__in=[bucket, ""],
    )
    best = sorted(
        rows,
        key=lambda r: (r.product == "", r.bucket == "", -r.effective_from.toordinal(), -r.version),
    )
    if not best:
        return None, parse_policy(DEFAULT_RULES)
    return best[0], parse_policy(best[0].rules)


def policies() -> QuerySet[PlanPolicy]:
    return PlanPolicy.objects.select_related("proposed_by")


def case_account(case: Case) -> Account:
    """The account a plan's terms follow (due day, rate, product): the case's first."""
    account = case.accounts.order_by("pk").first()
    if account is None:
        raise CaseNotFound
    return account


def case_debt(case: Case) -> Debt:
    return Debt(
        principal=case.outstanding_principal,
        interest=case.outstanding_interest,
        penalty=case.outstanding_penalty,
    )


def plan_get(*, user: Any, pk: int, action: CaseAction = CaseAction.VIEW) -> Plan:
    """A plan through its case's scope: 404 outside it, 403 when the action is not allowed."""
    plan = Plan.objects.filter(pk=pk).first()
    if plan is None:
        raise CaseNotFound
    plan.case = case_get(user=user, pk=plan.case_id, action=action)
    return plan


def case_plans(case: Case) -> QuerySet[Plan]:
    return case.plans.prefetch_related("instalments").order_by("-offered_at", "-pk")


def case_promises(case: Case) -> QuerySet[Promise]:
    return case.promises.select_related("taken_by").order_by("-due_on", "-pk")


def household_of(case: Case) -> affordability.Household:
    customer = case.customer
    address = customer.addresses.order_by("kind", "pk").first()
    return affordability.Household(
        monthly_income=customer.monthly_income or Decimal("0.00"),
        household_size=customer.household_size or 1,
        other_debts=customer.other_debts_declared or Decimal("0.00"),
        city=address.city if address is not None else "",
    )


@dataclass(frozen=True)
class PlanOptions:
    means: affordability.Affordability
    options: list[affordability.Option]


def case_plan_options(*, case: Case, user: Any, on: date) -> PlanOptions:
    """The three proposals for the case, at the authority of ``user`` (an agent by default)."""
    staff = staff_for(user)
    level = LEVELS.get(staff.role, Level.AGENT) if staff is not None else Level.AGENT
    account = case_account(case)
    _row, policy = policy_in_force(product=account.product, bucket=case.bucket, on=on)
    means = affordability.assess(household_of(case))
    debt = case_debt(case)
    if debt.total <= 0:
        return PlanOptions(means, [])
    options = affordability.propose(
        debt,
        means,
        policy,
        rate=account.interest_rate,
        start=on,
        due_day=account.due_day,
        level=level,
        rest_days=calendar_in_force(),
    )
    return PlanOptions(means, options)


@dataclass(frozen=True)
class KeptRate:
    key: int
    label: str
    evaluated: int
    kept: int

    @property
    def rate(self) -> Decimal | None:
        if not self.evaluated:
            return None
        return (Decimal(self.kept) / Decimal(self.evaluated)).quantize(Decimal("0.0001"))


def _kept_counts(promises: QuerySet[Promise], group: str) -> list[tuple[int, int, int]]:
    rows = (
        promises.exclude(status=PromiseStatus.OPEN.value)
        .values(group)
        .annotate(
            evaluated=Count("pk"),
            kept=Count("pk", filter=Q(status=PromiseStatus.KEPT.value)),
        )
        .order_by(group)
    )
    return [(row[group], row["evaluated"], row["kept"]) for row in rows if row[group]]


def kept_rates_by_agent(*, user: Any) -> list[KeptRate]:
    """Kept rate of evaluated promises per member of staff who took them, over visible cases."""
    promises = Promise.objects.filter(case__in=case_visible(user=user))
    names = dict(get_user_model().objects.values_list("pk", "username"))
    return [
        KeptRate(key, names.get(key, str(key)), evaluated, kept)
        for key, evaluated, kept in _kept_counts(promises, "taken_by")
    ]


def promise_record(*, customer_id: int) -> dict[str, int]:
    """A debtor's promise history for scoring and the briefing: counts by outcome."""
    rows = (
        Promise.objects.filter(case__customer_id=customer_id)
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = {status.value: 0 for status in PromiseStatus}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def account_for_posting(*, external_id: str) -> Account:
    """The account a payment names; who may post to it is the service's check."""
    account = Account.objects.filter(external_id=external_id).first()
    if account is None:
        raise CaseNotFound
    return account


def payment_for_reversal(*, external_id: str) -> Payment:
    if "\x00" in external_id:  # PostgreSQL cannot compare against NUL: no such payment
        raise CaseNotFound
    payment = Payment.objects.select_related("account").filter(external_id=external_id).first()
    if payment is None:
        raise CaseNotFound
    return payment


def case_letters(case: Case) -> QuerySet[Letter]:
    return case.letters.select_related("decision").order_by("-created_at", "-pk")


def letter_get(*, user: Any, pk: int, action: CaseAction = CaseAction.VIEW) -> Letter:
    """A letter through its case's scope: 404 outside it, 403 when the action is not allowed."""
    letter = Letter.objects.filter(pk=pk).first()
    if letter is None:
        raise CaseNotFound
    letter.case = case_get(user=user, pk=letter.case_id, action=action)
    return letter
