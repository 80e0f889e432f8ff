"""Schedules: hand-worked examples for each plan type and properties over random terms."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.compliance.engine.calendar import Calendar
from doorstep.plans.schedule import (
    Debt,
    PlanType,
    Roll,
    Terms,
    TermsError,
    add_months,
    build_schedule,
    due_dates,
)

D = Decimal
DEBT = Debt(principal=D("10000.00"), interest=D("300.00"), penalty=D("200.00"))
START = date(2026, 6, 30)
CALENDAR = Calendar()


def _rows(schedule):  # type: ignore[no-untyped-def]
    return [
        (i.due_date, i.penalty, i.interest, i.principal, i.fee, i.amount)
        for i in schedule.instalments
    ]


def test_equal_instalments_charge_monthly_interest_and_the_last_absorbs_the_cent() -> None:
    # 10,500.00 financed at 12 %/year = 1 %/month over 3 months.
    # payment = 10500 × 0.01 / (1 − 1.01^−3) = 3570.2335… → 3570.23
    # m1: interest 105.00, repays 3465.23 → balance 7034.77
    #     (the repayment settles the 200.00 penalty, then the 300.00 old interest, then
    #      2965.23 principal, so its interest column is 300.00 + 105.00 = 405.00)
    # m2: interest 70.3477 → 70.35, repays 3499.88 → balance 3534.89
    # m3: interest 35.3489 → 35.35, repays the 3534.89 left: 3570.24 (the extra cent).
    # Total 3570.23 + 3570.23 + 3570.24 = 10710.70 = 10500.00 + 105.00 + 70.35 + 35.35.
    schedule = build_schedule(
        DEBT,
        Terms(PlanType.INSTALMENTS, 3, annual_rate=D("0.12")),
        start=START,
        due_day=31,
        rest_days=CALENDAR,
    )
    assert _rows(schedule) == [
        (date(2026, 7, 31), D("200.00"), D("405.00"), D("2965.23"), D("0"), D("3570.23")),
        (date(2026, 8, 31), D("0"), D("70.35"), D("3499.88"), D("0"), D("3570.23")),
        (date(2026, 9, 30), D("0"), D("35.35"), D("3534.89"), D("0"), D("3570.24")),
    ]
    assert schedule.new_interest == D("210.70")
    assert schedule.total == D("10710.70")


def test_equal_principal_charges_interest_on_the_falling_balance() -> None:
    # 10,500.00 in thirds of 3500.00; interest 1 % of 10500, 7000, 3500 = 105, 70, 35.
    schedule = build_schedule(
        DEBT,
        Terms(PlanType.EQUAL_PRINCIPAL, 3, annual_rate=D("0.12")),
        start=START,
        due_day=31,
        rest_days=CALENDAR,
    )
    assert [i.amount for i in schedule.instalments] == [D("3605.00"), D("3570.00"), D("3535.00")]
    assert schedule.total == D("10710.00")


def test_interest_freeze_waives_then_spreads_with_a_monthly_fee() -> None:
    # Penalty waived 100 % (200.00), old interest 50 % (150.00): 10,150.00 financed.
    # 10150 / 3 = 3383.333… → 3383.33, 3383.33, and the last 3383.34.
    # Fee 0.5 %/month of 10150 = 50.75 a month, 152.25 in all.
    schedule = build_schedule(
        DEBT,
        Terms(
            PlanType.INTEREST_FREEZE,
            3,
            monthly_fee_pct=D("0.5"),
            penalty_waiver_pct=D("100"),
            interest_waiver_pct=D("50"),
        ),
        start=START,
        due_day=31,
        rest_days=CALENDAR,
    )
    assert (schedule.waived_penalty, schedule.waived_interest) == (D("200.00"), D("150.00"))
    assert [i.amount for i in schedule.instalments] == [D("3434.08"), D("3434.08"), D("3434.09")]
    assert schedule.new_interest == D("0")
    assert schedule.total == D("10302.25")  # 10150.00 + 152.25


def test_settlement_is_one_payment_after_waivers_and_the_principal_discount() -> None:
    # 10 % of 10000.00 principal discounted, penalty and interest waived: 9000.00 once.
    schedule = build_schedule(
        DEBT,
        Terms(
            PlanType.SETTLEMENT,
            1,
            principal_discount_pct=D("10"),
            penalty_waiver_pct=D("100"),
            interest_waiver_pct=D("100"),
        ),
        start=START,
        due_day=31,
    )
    assert _rows(schedule) == [
        (date(2026, 7, 31), D("0"), D("0"), D("9000.00"), D("0"), D("9000.00"))
    ]
    assert schedule.waived == D("1500.00")


def test_a_payment_holiday_pushes_the_first_due_and_charges_its_interest_with_it() -> None:
    # Without a holiday the first due is 31 Jul 2026; two months' holiday → Wed 30 Sep.
    # 10,500.00 at 1 %/month: equal principal 3500.00; interest 105.00 plus the holiday's
    # 2 × 105.00 = 210.00 with the first instalment.
    schedule = build_schedule(
        DEBT,
        Terms(PlanType.EQUAL_PRINCIPAL, 3, annual_rate=D("0.12"), holiday_months=2),
        start=START,
        due_day=31,
        rest_days=CALENDAR,
    )
    first = schedule.instalments[0]
    assert first.due_date == date(2026, 9, 30)
    assert first.amount == D("3500.00") + D("105.00") + D("210.00")


def test_a_down_payment_is_first_and_the_rest_is_spread() -> None:
    # 10,500.00 interest-free: 3000.00 first, then 7500.00 / 2 = 3750.00 twice.
    schedule = build_schedule(
        DEBT,
        Terms(PlanType.INTEREST_FREEZE, 3, first_payment=D("3000.00")),
        start=START,
        due_day=15,
    )
    assert [i.amount for i in schedule.instalments] == [D("3000.00"), D("3750.00"), D("3750.00")]


def test_due_dates_keep_month_ends_and_roll_rest_days_forward() -> None:
    # Due day 31 in 2026: 31 Jan is a Saturday → Mon 2 Feb; 28 Feb is a make-up workday (调休),
    # so it stays; 31 May is a Sunday → Mon 1 Jun; 31 Oct is a Saturday → Mon 2 Nov.
    dates, guessed = due_dates(first=date(2026, 1, 1), count=12, due_day=31, rest_days=CALENDAR)
    assert dates == [
        date(2026, 2, 2),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 6, 1),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 11, 2),
        date(2026, 11, 30),
        date(2026, 12, 31),
    ]
    assert guessed is False


def test_modified_following_stays_in_the_month_and_preceding_goes_back() -> None:
    # 31 Jan 2026 is a Saturday: modified following would leave January, so Friday 30 Jan.
    first = date(2026, 1, 1)
    assert due_dates(
        first=first, count=1, due_day=31, rest_days=CALENDAR, rule=Roll.MODIFIED_FOLLOWING
    )[0] == [date(2026, 1, 30)]
    # 3 Oct 2026 is inside the National Day holiday (1–7 Oct): preceding → Wed 30 Sep.
    assert due_dates(
        first=date(2026, 10, 1), count=1, due_day=3, rest_days=CALENDAR, rule=Roll.PRECEDING
    )[0] == [date(2026, 9, 30)]


def test_a_year_without_a_loaded_calendar_is_flagged_as_guessed() -> None:
    _dates, guessed = due_dates(first=date(2027, 1, 1), count=1, due_day=15, rest_days=CALENDAR)
    assert guessed is True


def test_month_arithmetic_uses_the_last_day_of_short_months() -> None:
    assert add_months(date(2028, 1, 31), 1, 31) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3, 30) == date(2027, 2, 28)


def test_terms_that_cannot_make_a_schedule_name_the_term() -> None:
    with pytest.raises(TermsError) as error:
        build_schedule(DEBT, Terms(PlanType.INSTALMENTS, 61), start=START, due_day=15)
    assert error.value.field == "months"
    with pytest.raises(TermsError) as error:
        build_schedule(
            DEBT,
            Terms(PlanType.INSTALMENTS, 6, principal_discount_pct=D("5")),
            start=START,
            due_day=15,
        )
    assert error.value.field == "principal_discount_pct"


money = st.decimals(min_value=D("0.00"), max_value=D("500000.00"), places=2)
pct = st.decimals(min_value=D("0"), max_value=D("100"), places=2)


@st.composite
def plans(draw):  # type: ignore[no-untyped-def]
    kind = draw(st.sampled_from(list(PlanType)))
    months = 1 if kind is PlanType.SETTLEMENT else draw(st.integers(1, 60))
    return Terms(
        plan_type=kind,
        months=months,
        annual_rate=draw(st.decimals(min_value=D("0"), max_value=D("0.36"), places=4)),
        monthly_fee_pct=(
            draw(st.decimals(min_value=D("0"), max_value=D("1"), places=2))
            if kind is PlanType.INTEREST_FREEZE
            else D("0")
        ),
        penalty_waiver_pct=draw(pct),
        interest_waiver_pct=draw(pct),
        principal_discount_pct=draw(pct) if kind is PlanType.SETTLEMENT else D("0"),
        holiday_months=draw(st.integers(0, 3)),
    )


@settings(max_examples=300, deadline=None)
@given(
    debt=st.builds(Debt, principal=money, interest=money, penalty=money),
    terms=plans(),
    due_day=st.integers(1, 31),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30)),
)
def test_every_schedule_sums_exactly_and_never_has_a_zero_or_negative_instalment(
    debt: Debt, terms: Terms, due_day: int, start: date
) -> None:
    try:
        schedule = build_schedule(debt, terms, start=start, due_day=due_day, rest_days=CALENDAR)
    except TermsError:
        return  # e.g. nothing left to repay, or more months than cents
    instalments = schedule.instalments
    assert sum(i.amount for i in instalments) == schedule.total
    assert schedule.total == debt.total - schedule.waived + schedule.new_interest + schedule.fees
    assert sum(i.penalty for i in instalments) == debt.penalty - schedule.waived_penalty
    assert sum(i.principal for i in instalments) == debt.principal - schedule.discounted_principal
    assert all(i.amount > 0 for i in instalments)
    assert all(v >= 0 for i in instalments for v in i.parts().values())
    assert all(a.due_date < b.due_date for a, b in itertools.pairwise(instalments))
    assert len(instalments) == terms.months
