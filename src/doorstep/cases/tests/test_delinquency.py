"""DPD, buckets and arrears against hand-worked examples, and the bucket history against a
day-by-day recomputation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.cases.delinquency import (
    Bucket,
    Cause,
    Due,
    History,
    Paid,
    arrears,
    bucket_for,
    bucket_moves,
    combined,
    dpd_range,
)

D = Decimal


def due(day: date, amount: str, interest: str = "0", fee: str = "0") -> Due:
    return Due(day - timedelta(days=20), day, D(amount), D(interest), D(fee))


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [
        (0, Bucket.CURRENT),
        (1, Bucket.M1),
        (30, Bucket.M1),
        (31, Bucket.M2),
        (60, Bucket.M2),
        (61, Bucket.M3),
        (90, Bucket.M3),
        (91, Bucket.M4),
        (121, Bucket.M5),
        (150, Bucket.M5),
        (151, Bucket.M6),
        (180, Bucket.M6),
        (181, Bucket.M6_PLUS),
        (2000, Bucket.M6_PLUS),
    ],
)
def test_bucket_boundaries_follow_thirty_day_months(dpd: int, bucket: Bucket) -> None:
    assert bucket_for(dpd) is bucket


def test_bucket_ranges_are_contiguous() -> None:
    assert dpd_range(Bucket.M1) == (1, 30)
    assert dpd_range(Bucket.M6) == (151, 180)
    assert dpd_range(Bucket.M6_PLUS) == (181, None)


def test_a_due_is_not_late_on_its_due_date() -> None:
    result = arrears([due(date(2026, 4, 15), "1000")], [], date(2026, 4, 15))
    assert (result.dpd, result.bucket, result.past_due) == (0, Bucket.CURRENT, D("0"))


def test_an_unpaid_due_is_one_day_late_the_day_after() -> None:
    result = arrears([due(date(2026, 4, 15), "1000")], [], date(2026, 4, 16))
    assert (result.dpd, result.bucket, result.past_due) == (1, Bucket.M1, D("1000"))
    assert result.oldest_unpaid_due == date(2026, 4, 15)


def test_thirty_one_days_late_is_m2() -> None:
    result = arrears([due(date(2026, 4, 15), "1000")], [], date(2026, 5, 16))
    assert (result.dpd, result.bucket) == (31, Bucket.M2)


def test_a_partial_payment_leaves_the_oldest_due_late() -> None:
    dues = [due(date(2026, 4, 15), "1000"), due(date(2026, 5, 15), "1000")]
    result = arrears(dues, [Paid(date(2026, 4, 20), D("600"))], date(2026, 5, 20))
    # 600 settles part of April's due; April stays the oldest unpaid: 35 days late.
    assert result.dpd == 35
    assert result.past_due == D("1400")


def test_a_payment_after_a_missed_due_settles_the_oldest_due_first() -> None:
    dues = [due(date(2026, 4, 15), "1000"), due(date(2026, 5, 15), "1000")]
    payments = [Paid(date(2026, 4, 20), D("600")), Paid(date(2026, 5, 25), D("400"))]
    result = arrears(dues, payments, date(2026, 5, 25))
    # April is now paid in full; May's due, 10 days late, is the oldest unpaid.
    assert result.dpd == 10
    assert result.oldest_unpaid_due == date(2026, 5, 15)
    assert result.past_due == D("1000")


def test_paying_everything_late_cures_the_account() -> None:
    dues = [due(date(2026, 4, 15), "1000"), due(date(2026, 5, 15), "1000")]
    result = arrears(dues, [Paid(date(2026, 6, 1), D("2000"))], date(2026, 6, 1))
    assert (result.dpd, result.past_due) == (0, D("0"))


def test_a_payment_counts_only_from_its_value_date() -> None:
    dues = [due(date(2026, 4, 15), "1000")]
    result = arrears(dues, [Paid(date(2026, 6, 1), D("1000"))], date(2026, 5, 31))
    assert result.dpd == 46


def test_a_reversed_payment_stops_counting_on_the_reversal_day() -> None:
    dues = [due(date(2026, 4, 15), "1000")]
    payments = [Paid(date(2026, 4, 14), D("1000"), reversed_on=date(2026, 4, 20))]
    assert arrears(dues, payments, date(2026, 4, 19)).dpd == 0
    assert arrears(dues, payments, date(2026, 4, 20)).dpd == 5


def test_an_overpayment_is_credit_against_the_next_due() -> None:
    dues = [due(date(2026, 4, 15), "1000"), due(date(2026, 5, 15), "1000")]
    result = arrears(dues, [Paid(date(2026, 4, 10), D("1500"))], date(2026, 5, 16))
    assert result.dpd == 1
    assert result.past_due == D("500")


def test_a_due_not_yet_billed_is_ignored() -> None:
    dues = [due(date(2026, 5, 15), "1000")]  # billed 2026-04-25
    result = arrears(dues, [Paid(date(2026, 4, 1), D("300"))], date(2026, 4, 20))
    assert (result.unpaid_total, result.credit) == (D("0"), D("300"))


def test_past_due_within_tolerance_is_not_delinquent() -> None:
    dues = [due(date(2026, 4, 15), "1000")]
    payments = [Paid(date(2026, 4, 15), D("995"))]
    assert arrears(dues, payments, date(2026, 5, 1), tolerance=D("10")).dpd == 0
    assert arrears(dues, payments, date(2026, 5, 1)).dpd == 16


def test_a_payment_settles_fees_then_interest_then_principal() -> None:
    dues = [due(date(2026, 4, 15), "800", interest="150", fee="50")]
    result = arrears(dues, [Paid(date(2026, 4, 15), D("120"))], date(2026, 4, 30))
    assert result.unpaid_fee == D("0")
    assert result.unpaid_interest == D("80")
    assert result.unpaid_principal == D("800")


def test_a_customer_is_as_late_as_the_latest_account() -> None:
    card = arrears([due(date(2026, 4, 15), "1000")], [], date(2026, 6, 1))
    loan = arrears([due(date(2026, 5, 20), "3000")], [], date(2026, 6, 1))
    both = combined([card, loan], date(2026, 6, 1))
    assert (both.dpd, both.bucket, both.past_due) == (47, Bucket.M2, D("4000"))
    assert both.oldest_unpaid_due == date(2026, 4, 15)


def test_bucket_moves_name_their_causes() -> None:
    history = History(
        dues=[due(date(2026, 1, 15), "1000"), due(date(2026, 2, 15), "1000")],
        payments=[Paid(date(2026, 3, 10), D("2000"))],
    )
    moves = bucket_moves([history], date(2026, 1, 1), date(2026, 3, 31))
    assert [(m.on, m.from_bucket, m.to_bucket, m.cause) for m in moves] == [
        (date(2026, 1, 16), Bucket.CURRENT, Bucket.M1, Cause.MISSED_DUE),
        (date(2026, 2, 15), Bucket.M1, Bucket.M2, Cause.AGEING),
        (date(2026, 3, 10), Bucket.M2, Bucket.CURRENT, Cause.PAYMENT),
    ]
    assert moves[0].cause_amount == D("1000")
    assert moves[2].cause_amount == D("2000")


def test_a_reversal_that_makes_the_account_late_is_named() -> None:
    history = History(
        dues=[due(date(2026, 1, 15), "1000")],
        payments=[Paid(date(2026, 1, 10), D("1000"), reversed_on=date(2026, 1, 25))],
    )
    moves = bucket_moves([history], date(2026, 1, 1), date(2026, 1, 31))
    assert [(m.on, m.to_bucket, m.cause, m.dpd) for m in moves] == [
        (date(2026, 1, 25), Bucket.M1, Cause.REVERSAL, 10)
    ]


START = date(2025, 1, 1)
days = st.integers(min_value=0, max_value=400).map(lambda n: START + timedelta(days=n))
amounts = st.integers(min_value=1, max_value=3000).map(lambda n: D(n))


@st.composite
def histories(draw: st.DrawFn) -> History:
    first = draw(st.integers(min_value=0, max_value=60))
    n = draw(st.integers(min_value=0, max_value=10))
    dues = [due(START + timedelta(days=first + 30 * i), str(draw(amounts))) for i in range(n)]
    payments = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        paid_on = draw(days)
        reversed_on = draw(st.one_of(st.none(), st.integers(1, 40)))
        payments.append(
            Paid(
                paid_on,
                draw(amounts),
                None if reversed_on is None else paid_on + timedelta(days=reversed_on),
            )
        )
    return History(dues, payments)


@settings(max_examples=150, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=3))
def test_bucket_moves_match_a_day_by_day_recomputation(accounts: list[History]) -> None:
    end = START + timedelta(days=450)

    def bucket_on(day: date) -> Bucket:
        parts = [arrears(h.dues, h.payments, day) for h in accounts]
        return combined(parts, day).bucket

    expected = []
    previous = bucket_on(START)
    for offset in range(1, (end - START).days + 1):
        day = START + timedelta(days=offset)
        now = bucket_on(day)
        if now != previous:
            expected.append((day, previous, now))
            previous = now
    moves = bucket_moves(accounts, START, end)
    assert [(m.on, m.from_bucket, m.to_bucket) for m in moves] == expected
