"""Affordability and the three proposals, worked by hand for 张伟 (杭州, household of 3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from doorstep.core.testing import AS_OF
from doorstep.plans.affordability import Household, assess, propose
from doorstep.plans.policy import DEFAULT_RULES, parse_policy
from doorstep.plans.schedule import Debt
from doorstep.plans.selectors import case_plan_options

D = Decimal


def test_disposable_income_follows_the_city_norm_and_household_size() -> None:
    # 杭州: 2500.00 for the first person, 1200.00 for each other: 2500 + 2 × 1200 = 4900.00.
    # Other debts 20000.00 at 3 % a month = 600.00. Disposable 8000 − 4900 − 600 = 2500.00;
    # 60 % of it is sustainable: 1500.00.
    means = assess(Household(D("8000.00"), 3, D("20000.00"), "杭州市"))
    assert (means.essential_expenses, means.other_debt_service) == (D("4900.00"), D("600.00"))
    assert (means.disposable, means.sustainable) == (D("2500.00"), D("1500.00"))


def test_an_unknown_city_uses_the_default_norm_and_income_never_goes_negative() -> None:
    means = assess(Household(D("1000.00"), 2, D("0.00"), "某县"))
    assert means.essential_expenses == D("3000.00")  # 2000.00 + 1000.00
    assert (means.disposable, means.sustainable) == (D("0.00"), D("0.00"))


def test_three_options_ranked_by_expected_recovery() -> None:
    # Disposable 3100.00, sustainable 1860.00 (no other debts). Debt 2500.00 at 18 %/year.
    # Fastest: 1 month = 2500.00 + 37.50 interest > 1860.00; 2 months: 1278.20 largest, fits.
    #   burden 1278.20 / 3100 = 0.4123; completion 0.9 − 0.8 × 0.4123 − 0.005 × 2 = 0.5602;
    #   expected 2556.39 × 0.5602 = 1432.09.
    # Standard: the agent's 12 months, largest 229.20, burden 0.0739, completion 0.7809,
    #   expected 2750.39 × 0.7809 = 2147.78.
    # Hardship: interest frozen, old interest waived 50 % (the agent's cap): 2350.00 in 2 × 1175.00.
    means = assess(Household(D("8000.00"), 3, D("0.00"), "杭州市"))
    options = propose(
        Debt(D("2000.00"), D("300.00"), D("200.00")),
        means,
        parse_policy(DEFAULT_RULES),
        rate=D("0.18"),
        start=date(2026, 6, 30),
        due_day=15,
    )
    summary = [
        (o.name, o.schedule.terms.months, o.schedule.total, o.expected_recovery, o.affordable)
        for o in options
    ]
    assert summary == [
        ("Standard", 12, D("2750.39"), D("2147.78"), True),
        ("Fastest affordable", 2, D("2556.39"), D("1432.09"), True),
        ("Hardship", 2, D("2350.00"), D("1378.98"), True),
    ]
    assert options[1].burden == D("0.4123")


def test_the_case_options_use_the_customer_360(world, zhang) -> None:  # type: ignore[no-untyped-def]
    found = case_plan_options(case=zhang, user=world.user("agent_li"), on=AS_OF)
    assert found.means.disposable == D("3100.00")
    assert {o.name for o in found.options} == {"Standard", "Fastest affordable", "Hardship"}
