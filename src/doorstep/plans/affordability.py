"""What a debtor can afford, and the three plans the generator proposes.

Pure (no Django). Disposable income = declared monthly income − essential expenses (a norm per
city and household size, ``data/expense_norms.json``, replaced by the bank's table) − service of
other declared debts (a stated % of their balance a month). The largest sustainable instalment
is a stated share of what is disposable (the rest is a buffer for shocks).

The three options:

* **fastest affordable**: the fewest months of equal instalments at the account rate whose
  largest instalment fits the sustainable amount;
* **standard**: equal instalments over the longest term the offering agent may grant alone;
* **hardship**: interest frozen (停息分期) with the interest waived up to the agent's cap,
  over as few months as fit the sustainable amount (up to the policy's maximum).

Each is ranked by expected recovery for the bank (what it pays × the chance the plan completes,
which falls as the instalment takes a larger share of disposable income) and shows its burden
(largest instalment ÷ disposable income).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from doorstep.core.i18n import gettext_noop
from doorstep.plans.policy import Level, Policy, policy_breaches
from doorstep.plans.schedule import (
    HUNDRED,
    ZERO,
    Debt,
    PlanType,
    RestDays,
    Schedule,
    Terms,
    TermsError,
    build_schedule,
    cents,
)

NORMS_FILE = Path(__file__).parent / "data" / "expense_norms.json"


@cache
def load_norms() -> Mapping[str, Any]:
    data: Mapping[str, Any] = json.loads(NORMS_FILE.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Household:
    monthly_income: Decimal
    household_size: int
    other_debts: Decimal
    city: str


@dataclass(frozen=True)
class Affordability:
    income: Decimal
    essential_expenses: Decimal
    other_debt_service: Decimal
    disposable: Decimal
    sustainable: Decimal  # the largest instalment the debtor can keep paying


def assess(household: Household, norms: Mapping[str, Any] | None = None) -> Affordability:
    norms = norms or load_norms()
    city = norms["cities"].get(household.city, norms["default"])
    size = max(household.household_size, 1)
    expenses = Decimal(city["first_person"]) + Decimal(city["each_other"]) * (size - 1)
    service = cents(household.other_debts * Decimal(norms["other_debt_monthly_pct"]) / HUNDRED)
    disposable = max(household.monthly_income - expenses - service, ZERO)
    sustainable = cents(disposable * Decimal(norms["sustainable_share_pct"]) / HUNDRED)
    return Affordability(household.monthly_income, expenses, service, disposable, sustainable)


FASTEST = gettext_noop("Fastest affordable")
STANDARD = gettext_noop("Standard")
HARDSHIP = gettext_noop("Hardship")


@dataclass(frozen=True)
class Option:
    name: str
    schedule: Schedule
    burden: Decimal  # largest instalment ÷ disposable income (None-like 0 when nothing is)
    completion: Decimal  # the chance the plan completes, 0–1
    expected_recovery: Decimal
    affordable: bool


def completion_chance(burden: Decimal, months: int) -> Decimal:
    """A stated, simple model: 90 % at no burden, falling linearly to 10 % when the instalment
    takes all disposable income, less 0.5 point per month of term (long plans break more)."""
    chance = Decimal("0.9") - Decimal("0.8") * min(burden, Decimal("1")) - Decimal("0.005") * months
    return max(chance, Decimal("0.05")).quantize(Decimal("0.0001"))


def _option(name: str, schedule: Schedule, means: Affordability) -> Option:
    largest = schedule.largest_amount
    burden = (largest / means.disposable) if means.disposable > 0 else Decimal("1")
    burden = min(burden, Decimal("9.9999")).quantize(Decimal("0.0001"))
    chance = completion_chance(burden, schedule.terms.months)
    return Option(
        name=name,
        schedule=schedule,
        burden=burden,
        completion=chance,
        expected_recovery=cents(schedule.total * chance),
        affordable=largest <= means.sustainable,
    )


def propose(
    debt: Debt,
    means: Affordability,
    policy: Policy,
    *,
    rate: Decimal,
    start: date,
    due_day: int,
    level: Level = Level.AGENT,
    rest_days: RestDays | None = None,
) -> list[Option]:
    """Three options (fewer if the policy allows fewer), best expected recovery first."""
    limit = policy.limits[level]

    def make(terms: Terms) -> Schedule | None:
        try:
            schedule = build_schedule(
                debt, terms, start=start, due_day=due_day, rest_days=rest_days, rule=policy.roll
            )
        except TermsError:
            return None
        return None if policy_breaches(policy, schedule) else schedule

    options: list[Option] = []
    if PlanType.INSTALMENTS in policy.plan_types:
        longest = policy.max_months[PlanType.INSTALMENTS]
        for months in range(1, longest + 1):
            schedule = make(Terms(PlanType.INSTALMENTS, months, annual_rate=rate))
            if schedule is not None and schedule.largest_amount <= means.sustainable:
                options.append(_option(FASTEST, schedule, means))
                break
        standard = make(
            Terms(PlanType.INSTALMENTS, min(limit.max_months, longest), annual_rate=rate)
        )
        if standard is not None:
            options.append(_option(STANDARD, standard, means))
    if PlanType.INTEREST_FREEZE in policy.plan_types:
        longest = policy.max_months[PlanType.INTEREST_FREEZE]
        waiver = min(limit.max_interest_waiver_pct, policy.max_interest_waiver_pct)
        chosen = None
        for months in range(1, longest + 1):
            chosen = make(Terms(PlanType.INTEREST_FREEZE, months, interest_waiver_pct=waiver))
            if chosen is not None and chosen.largest_amount <= means.sustainable:
                break
        if chosen is not None:
            options.append(_option(HARDSHIP, chosen, means))
    return sorted(options, key=lambda o: (-o.expected_recovery, o.burden))
