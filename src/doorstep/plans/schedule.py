"""Repayment schedules in exact cents: instalment amounts, their parts and their due dates.

Pure (no Django). Every amount is a ``Decimal`` with two places. The rounding rule is stated
once: interest and the equal-instalment payment are rounded half-up to the cent; an amount
split evenly (principal, fees) is rounded down to the cent; and **the last instalment absorbs
the difference**, so a schedule always sums exactly to what is financed plus the interest and
fees it charges. Nothing is lost or invented; waivers and discounts round down, never above
their cap.

Due dates: instalment *k* falls in the *k*-th month after the start month on the account's due
day, or on the month's last day when the month is shorter (due day 31 → 30 April, 28/29
February). A date that falls on a rest day moves by the bank's business-day convention
(``Roll``), using the compliance calendar (weekends, State Council holidays, make-up workdays).
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

from doorstep.core.i18n import gettext_noop

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
MAX_MONTHS = 60  # 停息分期 runs up to 60 months; no plan type goes beyond


def cents(value: Decimal) -> Decimal:
    """Round half-up to the cent (the bank's rounding for computed amounts)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def cents_down(value: Decimal) -> Decimal:
    """Round down to the cent: for waivers and discounts, which must never exceed their cap."""
    return value.quantize(CENT, rounding=ROUND_DOWN)


class RestDays(Protocol):
    """What the schedule needs of ``compliance.engine.Calendar``."""

    def is_rest_day(self, day: date) -> tuple[bool, bool]: ...


class Roll(StrEnum):
    """Where a due date on a rest day moves.

    ``following``: the next workday (the default, and what CN-LIM-04 does for periods);
    ``modified_following``: the next workday unless that leaves the month, then the previous;
    ``preceding``: the previous workday; ``none``: keep the date.
    """

    FOLLOWING = "following"
    MODIFIED_FOLLOWING = "modified_following"
    PRECEDING = "preceding"
    NONE = "none"


class PlanType(StrEnum):
    INSTALMENTS = "instalments"  # 分期: equal instalments (annuity) at the plan rate
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金: equal principal, interest on the balance
    INTEREST_FREEZE = "interest_freeze"  # 停息分期/停息挂账: no interest, optional monthly fee
    SETTLEMENT = "settlement"  # 和解: one lump sum after a discount


def add_months(start: date, months: int, day: int) -> date:
    """``day`` of the month ``months`` after ``start``'s month, or that month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = month_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day, last))


def roll(day: date, rest_days: RestDays | None, rule: Roll) -> tuple[date, bool]:
    """``day`` moved off rest days by ``rule``; the flag says an unknown year was guessed."""
    if rest_days is None or rule is Roll.NONE:
        return day, False
    guessed = False

    def walk(start: date, step: int) -> date:
        nonlocal guessed
        current = start
        while True:
            rest, guess = rest_days.is_rest_day(current)
            guessed = guessed or guess
            if not rest:
                return current
            current += timedelta(days=step)

    if rule is Roll.PRECEDING:
        return walk(day, -1), guessed
    moved = walk(day, 1)
    if rule is Roll.MODIFIED_FOLLOWING and moved.month != day.month:
        moved = walk(day, -1)
    return moved, guessed


def due_dates(
    *,
    first: date,
    count: int,
    due_day: int,
    rest_days: RestDays | None = None,
    rule: Roll = Roll.FOLLOWING,
) -> tuple[list[date], bool]:
    """``count`` monthly due dates from ``first``'s month on ``due_day`` (1–31), rolled off
    rest days; the flag says some date lies in a year whose holidays are not loaded."""
    if not 1 <= due_day <= 31:
        raise ValueError("the due day is 1 to 31")
    if count < 1:
        raise ValueError("a schedule has at least one instalment")
    dates: list[date] = []
    guessed = False
    for k in range(count):
        nominal = add_months(first, k, due_day)
        rolled, guess = roll(nominal, rest_days, rule)
        dates.append(rolled)
        guessed = guessed or guess
    return dates, guessed


@dataclass(frozen=True)
class Debt:
    """What is owed, by part: the case's unpaid principal, interest and fees/penalties."""

    principal: Decimal
    interest: Decimal
    penalty: Decimal

    def __post_init__(self) -> None:
        for name in ("principal", "interest", "penalty"):
            value = getattr(self, name)
            if value < 0 or value != cents(value):
                raise ValueError(f"{name} must be a non-negative amount in cents")

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty


@dataclass(frozen=True)
class Terms:
    """What an offer asks for. Percentages are of the part they reduce (0–100).

    ``months`` is the number of instalments (1 for a settlement); ``annual_rate`` the plan's
    interest rate for ``instalments`` and ``equal_principal``; ``monthly_fee_pct`` a fee of
    the financed amount per month for ``interest_freeze`` (分期手续费); ``holiday_months``
    pushes the first due date back (a short payment holiday; interest-bearing plans charge the
    holiday's interest with the first instalment); ``first_payment`` a larger first
    instalment (a down payment), the rest spread evenly over the others.
    """

    plan_type: PlanType
    months: int
    annual_rate: Decimal = ZERO
    monthly_fee_pct: Decimal = ZERO
    penalty_waiver_pct: Decimal = ZERO
    interest_waiver_pct: Decimal = ZERO
    principal_discount_pct: Decimal = ZERO
    holiday_months: int = 0
    first_payment: Decimal = ZERO


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: date
    penalty: Decimal
    interest: Decimal
    principal: Decimal
    fee: Decimal  # the plan's own fee (interest-freeze instalments)

    @property
    def amount(self) -> Decimal:
        return self.fee + self.penalty + self.interest + self.principal

    def parts(self) -> dict[str, Decimal]:
        return {
            "fee": self.fee,
            "penalty": self.penalty,
            "interest": self.interest,
            "principal": self.principal,
        }


@dataclass(frozen=True)
class Schedule:
    """A plan's full cost: what is waived, what is financed, and every instalment."""

    terms: Terms
    debt: Debt
    waived_penalty: Decimal
    waived_interest: Decimal
    discounted_principal: Decimal
    new_interest: Decimal
    fees: Decimal
    instalments: Sequence[Instalment] = field(default_factory=tuple)
    dates_guessed: bool = False

    @property
    def financed(self) -> Decimal:
        """The old debt the plan repays, after waivers and discount."""
        return self.debt.total - self.waived

    @property
    def waived(self) -> Decimal:
        return self.waived_penalty + self.waived_interest + self.discounted_principal

    @property
    def total(self) -> Decimal:
        """What the debtor pays over the plan: financed + new interest + fees."""
        return self.financed + self.new_interest + self.fees

    @property
    def first_amount(self) -> Decimal:
        return self.instalments[0].amount

    @property
    def largest_amount(self) -> Decimal:
        return max(i.amount for i in self.instalments)


class TermsError(ValueError):
    """Terms that cannot make a schedule; ``field`` names the term."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _pct(value: Decimal, name: str) -> Decimal:
    if not ZERO <= value <= HUNDRED:
        raise TermsError(name, gettext_noop("A percentage is from 0 to 100."))
    return value / HUNDRED


def _split_even(total: Decimal, count: int) -> list[Decimal]:
    """``total`` in ``count`` equal shares rounded down to the cent; the last absorbs the
    remainder (under ``count`` cents), so it is never smaller than the others nor negative."""
    share = cents_down(total / count)
    shares = [share] * (count - 1)
    return [*shares, total - sum(shares, ZERO)]


def _label(
    amounts: Sequence[Decimal], debt_parts: Sequence[tuple[str, Decimal]]
) -> list[dict[str, Decimal]]:
    """Say which old part each instalment's repayment settles: the parts are consumed in the
    given order (penalty, interest, then principal), earliest instalments first."""
    left = dict(debt_parts)
    labelled = []
    for amount in amounts:
        parts = dict.fromkeys(left, ZERO)
        need = amount
        for name in left:
            take = min(need, left[name])
            parts[name] += take
            left[name] -= take
            need -= take
        labelled.append(parts)
    return labelled


def build_schedule(
    debt: Debt,
    terms: Terms,
    *,
    start: date,
    due_day: int,
    rest_days: RestDays | None = None,
    rule: Roll = Roll.FOLLOWING,
) -> Schedule:
    """The schedule for ``terms`` on ``debt``, the first instalment in the month after
    ``start`` (plus any holiday months).

    Waivers and the discount are rounded down to the cent (never above their cap); they apply
    to the penalty, the old interest and (settlements only) the principal. What remains is
    financed and repaid penalty first, then old interest, then principal.
    """
    months = terms.months
    if terms.plan_type is PlanType.SETTLEMENT:
        if months != 1:
            raise TermsError("months", gettext_noop("A settlement is one payment."))
    elif not 1 <= months <= MAX_MONTHS:
        raise TermsError("months", gettext_noop("A plan runs 1 to 60 months."))
    if terms.principal_discount_pct and terms.plan_type is not PlanType.SETTLEMENT:
        raise TermsError(
            "principal_discount_pct", gettext_noop("Only a settlement discounts principal.")
        )
    if terms.annual_rate < 0 or terms.annual_rate > 1:
        raise TermsError("annual_rate", gettext_noop("The rate is a fraction from 0 to 1."))
    if terms.holiday_months < 0 or terms.holiday_months > 6:
        raise TermsError("holiday_months", gettext_noop("A payment holiday lasts 0 to 6 months."))
    if terms.first_payment < 0:
        raise TermsError("first_payment", gettext_noop("The first payment cannot be negative."))

    waived_penalty = cents_down(debt.penalty * _pct(terms.penalty_waiver_pct, "penalty_waiver_pct"))
    waived_interest = cents_down(
        debt.interest * _pct(terms.interest_waiver_pct, "interest_waiver_pct")
    )
    discount = cents_down(
        debt.principal * _pct(terms.principal_discount_pct, "principal_discount_pct")
    )
    old_parts = (
        ("penalty", debt.penalty - waived_penalty),
        ("interest", debt.interest - waived_interest),
        ("principal", debt.principal - discount),
    )
    financed = sum((value for _, value in old_parts), ZERO)
    if financed <= 0:
        raise TermsError("months", gettext_noop("Nothing is left to repay."))

    dates, guessed = due_dates(
        first=add_months(start, 1 + terms.holiday_months, 1),
        count=months,
        due_day=due_day,
        rest_days=rest_days,
        rule=rule,
    )
    repay, interest, fees = _amounts(terms, financed)
    if any(r + i + f <= 0 for r, i, f in zip(repay, interest, fees, strict=True)):
        raise TermsError("months", gettext_noop("Every instalment must be more than zero."))
    labelled = _label(repay, old_parts)
    instalments = tuple(
        Instalment(
            number=k + 1,
            due_date=dates[k],
            penalty=labelled[k]["penalty"],
            interest=labelled[k]["interest"] + interest[k],
            principal=labelled[k]["principal"],
            fee=fees[k],
        )
        for k in range(months)
    )
    return Schedule(
        terms=terms,
        debt=debt,
        waived_penalty=waived_penalty,
        waived_interest=waived_interest,
        discounted_principal=discount,
        new_interest=sum(interest, ZERO),
        fees=sum(fees, ZERO),
        instalments=instalments,
        dates_guessed=guessed,
    )


def _amounts(terms: Terms, financed: Decimal) -> tuple[list[Decimal], list[Decimal], list[Decimal]]:
    """Per instalment: the part repaying ``financed``, new interest, and fee."""
    n = terms.months
    none = [ZERO] * n
    if terms.plan_type is PlanType.SETTLEMENT:
        return [financed], none, none
    if terms.first_payment:
        if terms.first_payment >= financed or n == 1:
            raise TermsError(
                "first_payment", gettext_noop("A first payment must leave something to spread.")
            )
        if terms.first_payment != cents(terms.first_payment):
            raise TermsError("first_payment", gettext_noop("Amounts are in cents."))
    if terms.plan_type is PlanType.INTEREST_FREEZE:
        repay = _with_first(financed, n, terms.first_payment)
        fee_total = cents(financed * terms.monthly_fee_pct / HUNDRED) * n
        if terms.monthly_fee_pct < 0 or terms.monthly_fee_pct > 5:
            raise TermsError(
                "monthly_fee_pct", gettext_noop("The monthly fee is 0 to 5 per cent of the amount.")
            )
        return repay, none, _split_even(fee_total, n) if fee_total else none
    rate = terms.annual_rate / 12
    holiday_interest = cents(financed * rate * terms.holiday_months)
    if terms.plan_type is PlanType.EQUAL_PRINCIPAL or rate == 0:
        repay = _with_first(financed, n, terms.first_payment)
        interest = []
        balance = financed
        for part in repay:
            interest.append(cents(balance * rate))
            balance -= part
    else:
        repay, interest = _annuity(financed, rate, n, terms.first_payment)
    interest[0] += holiday_interest
    return repay, interest, none


def _with_first(total: Decimal, n: int, first: Decimal) -> list[Decimal]:
    if not first:
        return _split_even(total, n)
    return [first, *_split_even(total - first, n - 1)]


def _annuity(
    financed: Decimal, rate: Decimal, n: int, first: Decimal
) -> tuple[list[Decimal], list[Decimal]]:
    """Equal instalments: payment = B·r / (1 − (1+r)^−m) rounded to the cent; each month's
    interest is the balance × r rounded to the cent, the rest repays the balance, and the last
    instalment repays whatever balance is left (so the difference lands there)."""
    repay: list[Decimal] = []
    interest: list[Decimal] = []
    balance = financed
    m = n
    if first:
        first_interest = cents(balance * rate)
        if first <= first_interest:
            raise TermsError(
                "first_payment", gettext_noop("The first payment must exceed its interest.")
            )
        repay.append(first - first_interest)
        interest.append(first_interest)
        balance -= first - first_interest
        m = n - 1
    payment = cents(balance * rate / (1 - (1 + rate) ** -m))
    for k in range(m):
        month_interest = cents(balance * rate)
        part = balance if k == m - 1 else min(payment - month_interest, balance)
        repay.append(part)
        interest.append(month_interest)
        balance -= part
    return repay, interest
