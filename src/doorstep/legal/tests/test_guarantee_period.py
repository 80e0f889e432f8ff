"""The guarantee period (民法典 Arts 692–694), pure."""

from __future__ import annotations

from datetime import date, timedelta

from doorstep.legal.guarantee import (
    Basis,
    Claim,
    GuaranteeKind,
    Standing,
    guarantee_period,
    guarantee_state,
)

DUE = date(2026, 3, 15)


def test_without_an_agreement_the_period_is_six_months_from_the_debts_due_date() -> None:
    period = guarantee_period(debt_due=DUE)
    assert (period.ends, period.basis) == (date(2026, 9, 15), Basis.DEFAULT)


def test_an_agreed_period_after_the_due_date_is_taken_as_agreed() -> None:
    period = guarantee_period(debt_due=DUE, agreed_end=date(2028, 3, 15))
    assert (period.ends, period.basis) == (date(2028, 3, 15), Basis.AGREED)


def test_an_agreed_period_ending_with_or_before_the_debt_counts_as_no_agreement() -> None:
    same_day = guarantee_period(debt_due=DUE, agreed_end=DUE)
    earlier = guarantee_period(debt_due=DUE, agreed_end=date(2025, 12, 31))
    assert (same_day.ends, same_day.basis) == (date(2026, 9, 15), Basis.AGREED_TOO_EARLY)
    assert (earlier.ends, earlier.basis) == (date(2026, 9, 15), Basis.AGREED_TOO_EARLY)


def test_a_month_without_the_corresponding_day_ends_on_its_last_day() -> None:
    assert guarantee_period(debt_due=date(2026, 8, 31)).ends == date(2027, 2, 28)


def test_a_rest_day_end_moves_to_the_next_workday_when_a_calendar_is_given() -> None:
    # 2026-10-04 is inside the National Day holiday; say the next workday is 10-09.
    def next_workday(day: date) -> date:
        return date(2026, 10, 9) if date(2026, 10, 1) <= day <= date(2026, 10, 8) else day

    period = guarantee_period(debt_due=date(2026, 4, 4), next_workday=next_workday)
    assert (period.nominal_end, period.ends) == (date(2026, 10, 4), date(2026, 10, 9))


def test_a_running_guarantee_warns_at_the_tightest_threshold_reached() -> None:
    period = guarantee_period(debt_due=DUE)  # ends 2026-09-15
    states = {
        days: guarantee_state(
            kind=GuaranteeKind.JOINT,
            period=period,
            claims=[],
            today=period.ends - timedelta(days=days),
        )
        for days in (90, 60, 45, 30, 7, 0)
    }
    assert {d: s.warning for d, s in states.items()} == {
        90: None,
        60: 60,
        45: 60,
        30: 30,
        7: 7,
        0: 7,
    }
    assert all(s.standing is Standing.RUNNING for s in states.values())


def test_a_joint_guarantee_is_preserved_by_a_demand_on_the_guarantor_within_the_period() -> None:
    period = guarantee_period(debt_due=DUE)
    state = guarantee_state(
        kind=GuaranteeKind.JOINT,
        period=period,
        claims=[Claim("proceedings", date(2026, 5, 1)), Claim("demand", date(2026, 9, 15))],
        today=date(2026, 12, 1),
    )
    assert (state.standing, state.preserved_by) == (
        Standing.PRESERVED,
        Claim("demand", date(2026, 9, 15)),
    )


def test_a_general_guarantee_needs_a_suit_against_the_debtor_not_a_demand() -> None:
    period = guarantee_period(debt_due=DUE)
    demanded = guarantee_state(
        kind=GuaranteeKind.GENERAL,
        period=period,
        claims=[Claim("demand", date(2026, 5, 1))],
        today=date(2026, 12, 1),
    )
    sued = guarantee_state(
        kind=GuaranteeKind.GENERAL,
        period=period,
        claims=[Claim("proceedings", date(2026, 5, 1))],
        today=date(2026, 12, 1),
    )
    assert demanded.standing is Standing.LAPSED
    assert demanded.days_left == -77
    assert (sued.standing, sued.preserved_by) == (
        Standing.PRESERVED,
        Claim("proceedings", date(2026, 5, 1)),
    )


def test_a_claim_after_the_period_ended_does_not_revive_the_guarantee() -> None:
    period = guarantee_period(debt_due=DUE)
    state = guarantee_state(
        kind=GuaranteeKind.JOINT,
        period=period,
        claims=[Claim("demand", date(2026, 9, 16))],
        today=date(2026, 10, 1),
    )
    assert state.standing is Standing.LAPSED
