"""The limitation period: counting, interruption, suspension, long-stop, warnings, waiver."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.compliance.engine import (
    Calendar,
    CnParams,
    EventKind,
    Interruption,
    Limitation,
    Obstacle,
    limitation,
)
from doorstep.compliance.engine.explain import explain_limitation
from doorstep.compliance.engine.limitation import corresponding_day, start_for_instalments

CALENDAR = Calendar()


def period(start: date, *events: Interruption | Obstacle) -> Limitation:
    return limitation(start, events, params=CnParams(), calendar=CALENDAR)


@pytest.mark.parametrize(
    ("start", "years", "months", "expected"),
    [
        (date(2023, 2, 17), 3, 0, date(2026, 2, 17)),
        (date(2024, 2, 29), 3, 0, date(2027, 2, 28)),
        (date(2024, 2, 29), 4, 0, date(2028, 2, 29)),
        (date(2023, 8, 31), 0, 6, date(2024, 2, 29)),
        (date(2023, 3, 31), 0, -1, date(2023, 2, 28)),
        (date(2025, 12, 15), 0, 1, date(2026, 1, 15)),
    ],
)
def test_the_corresponding_day_falls_back_to_the_months_last_day(
    start: date, years: int, months: int, expected: date
) -> None:
    assert corresponding_day(start, years=years, months=months) == expected


def test_the_example_of_issue_3_ends_after_the_spring_festival() -> None:
    result = period(date(2023, 2, 17))

    assert (result.expires, result.extended_from, result.provisional) == (
        date(2026, 2, 24),
        date(2026, 2, 17),
        False,
    )
    assert result.rules == ("CN-LIM-01", "CN-LIM-04")


def test_the_event_that_last_interrupted_it_is_named() -> None:
    plan = Interruption(EventKind.PLAN, date(2022, 6, 6))

    result = period(
        date(2020, 1, 6),
        Interruption(EventKind.DEBIT, date(2020, 8, 3)),
        plan,
        Interruption(EventKind.PART_PAYMENT, date(2021, 5, 10)),
    )

    assert (result.expires, result.interrupted_by) == (date(2025, 6, 6), plan)


def test_a_part_payment_during_a_suit_does_not_shorten_the_restart() -> None:
    suit = Interruption(EventKind.SUIT, date(2021, 6, 1), ended=date(2023, 3, 2))

    result = period(date(2019, 3, 5), suit, Interruption(EventKind.PART_PAYMENT, date(2022, 1, 4)))

    assert (result.expires, result.interrupted_by) == (date(2026, 3, 2), suit)


def test_events_before_the_start_are_ignored() -> None:
    result = period(date(2022, 3, 3), Interruption(EventKind.DEMAND_DELIVERED, date(2021, 1, 4)))

    assert (result.expires, result.interrupted_by) == (date(2025, 3, 3), None)


def test_an_obstacle_in_the_new_last_six_months_extends_again() -> None:
    first = Obstacle(date(2023, 1, 10), date(2023, 3, 1))
    second = Obstacle(date(2023, 8, 1), date(2023, 8, 21))

    result = period(date(2020, 6, 1), first, second)

    assert (result.expires, result.suspended_by) == (date(2024, 2, 21), second)


@pytest.mark.parametrize(
    ("today", "level"),
    [
        (date(2025, 8, 27), None),  # 181 days left
        (date(2025, 8, 28), 180),
        (date(2025, 11, 26), 90),
        (date(2026, 1, 25), 30),
        (date(2026, 2, 24), 30),  # the last day: it ends at 24:00
        (date(2026, 2, 25), None),  # expired
    ],
)
def test_warnings_come_at_180_90_and_30_days(today: date, level: int | None) -> None:
    assert period(date(2023, 2, 17)).warning(today) == level


def test_it_is_time_barred_only_after_the_last_day() -> None:
    result = period(date(2023, 2, 17))

    assert (result.days_left(date(2026, 2, 24)), result.time_barred(date(2026, 2, 24))) == (
        0,
        False,
    )
    assert (result.days_left(date(2026, 2, 25)), result.time_barred(date(2026, 2, 25))) == (
        -1,
        True,
    )


def test_an_acknowledgement_after_expiry_waives_the_defence() -> None:
    ack = Interruption(EventKind.ACKNOWLEDGEMENT, date(2023, 1, 5))

    result = period(
        date(2019, 3, 2), Interruption(EventKind.DEMAND_DELIVERED, date(2022, 6, 1)), ack
    )

    assert (result.expires, result.waived_by) == (date(2022, 3, 2), ack)
    assert result.time_barred(date(2023, 6, 1)) is False


def test_a_demand_after_expiry_waives_nothing() -> None:
    result = period(date(2019, 3, 2), Interruption(EventKind.DEMAND_DELIVERED, date(2022, 6, 1)))

    assert (result.waived_by, result.time_barred(date(2023, 6, 1))) == (None, True)


def test_an_instalment_debt_runs_from_its_last_due_date() -> None:
    assert start_for_instalments([date(2023, 1, 15), date(2023, 3, 15), date(2023, 2, 15)]) == date(
        2023, 3, 15
    )


def test_the_explanation_names_the_extension_and_the_article() -> None:
    result = period(date(2023, 2, 17))

    assert explain_limitation(result) == (
        "诉讼时效届满日 2026-02-24；自 2023-02-17 起算（民法典 第188条）；"
        "2026-02-17 为休息日，顺延至下一个工作日（民法典 第203条）。"
    )
    assert explain_limitation(result, "en") == (
        "The limitation period ends on 2026-02-24; counted from 2023-02-17 (Civil Code Art 188); "
        "2026-02-17 is a rest day, so it moves to the next workday (Civil Code Art 203)."
    )


def test_the_explanation_names_the_interrupting_event_and_a_provisional_date() -> None:
    result = period(date(2023, 1, 4), Interruption(EventKind.PART_PAYMENT, date(2024, 5, 6)))

    assert explain_limitation(result) == (
        "诉讼时效届满日 2027-05-06；自 2023-01-04 起算（民法典 第188条）；"
        "2024-05-06 部分还款中断时效，自 2024-05-06 重新计算（民法典 第195条）；"
        "该年度放假安排未载入，日期为暂定。"
    )
