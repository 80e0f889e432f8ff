"""The allocation waterfall: hand-worked backdated and reversed payments, and properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.plans.allocation import (
    PARTS,
    Allocation,
    Obligation,
    Receipt,
    allocate,
    days_past_due,
)

D = Decimal
JULY = Obligation(
    "1",
    date(2026, 7, 15),
    {"fee": D("10.00"), "penalty": D("20.00"), "interest": D("30.00"), "principal": D("940.00")},
)
AUGUST = Obligation("2", date(2026, 8, 15), {"principal": D("1000.00"), "interest": D("0.00")})


def test_a_payment_settles_fees_then_penalties_then_interest_then_principal() -> None:
    # 50.00 against July: fee 10.00, penalty 20.00, interest 20.00 of 30.00; principal untouched.
    result = allocate([JULY, AUGUST], [Receipt("TX1", date(2026, 7, 10), D("50.00"))])
    assert [(a.part, a.amount) for a in result.applied] == [
        ("fee", D("10.00")),
        ("penalty", D("20.00")),
        ("interest", D("20.00")),
    ]
    assert result.remaining["1"] == {
        "fee": D("0"),
        "penalty": D("0"),
        "interest": D("10.00"),
        "principal": D("940.00"),
    }


def test_a_configured_order_puts_principal_first() -> None:
    result = allocate(
        [JULY],
        [Receipt("TX1", date(2026, 7, 10), D("950.00"))],
        order=("principal", "interest", "penalty", "fee"),
    )
    # 940.00 principal, then 10.00 of the 30.00 interest.
    assert [(a.part, a.amount) for a in result.applied] == [
        ("principal", D("940.00")),
        ("interest", D("10.00")),
    ]


def test_a_backdated_payment_recomputes_dpd_from_its_value_date() -> None:
    # July's 1000.00 falls due on 15 Jul. On 20 Aug it is 36 days late (20 Aug − 15 Jul) and
    # August's is 5 days late. A payment of 1000.00 arrives on 21 Aug with value date 1 Aug:
    # replayed at 1 Aug it pays July in full, so on 20 Aug only August is late: DPD 5, and on
    # 31 Jul (before the value date) DPD was still 16.
    payments = [Receipt("TX9", date(2026, 8, 1), D("1000.00"))]
    before = allocate([JULY, AUGUST], [])
    assert days_past_due(before, [JULY, AUGUST], date(2026, 8, 20)) == 36
    after = allocate([JULY, AUGUST], payments)
    assert days_past_due(after, [JULY, AUGUST], date(2026, 8, 20)) == 5
    assert after.settled_on["1"] == date(2026, 8, 1)
    as_of_july = allocate([JULY, AUGUST], [p for p in payments if p.paid_on <= date(2026, 7, 31)])
    assert days_past_due(as_of_july, [JULY, AUGUST], date(2026, 7, 31)) == 16


def test_reversing_a_payment_restores_the_exact_prior_state() -> None:
    # TX1 900.00 on 10 Jul, TX2 600.00 on 12 Aug. TX2 pays July's last 100.00 then 500.00 of
    # August. Reversing TX1 (replaying without it) puts TX2 on July: 600.00 of its 1000.00.
    first = Receipt("TX1", date(2026, 7, 10), D("900.00"))
    second = Receipt("TX2", date(2026, 8, 12), D("600.00"))
    both = allocate([JULY, AUGUST], [first, second])
    assert both.owed("1") == D("0")
    assert both.owed("2") == D("500.00")
    reversed_first = allocate([JULY, AUGUST], [second])
    assert reversed_first.owed("1") == D("400.00")
    assert reversed_first.owed("2") == D("1000.00")


def test_money_beyond_every_obligation_is_credit() -> None:
    result = allocate([AUGUST], [Receipt("TX1", date(2026, 8, 1), D("1200.00"))])
    assert result.credit == D("200.00")


parts = st.fixed_dictionaries(
    {part: st.decimals(min_value=D("0"), max_value=D("5000"), places=2) for part in PARTS}
)
obligations = st.lists(
    st.tuples(st.dates(date(2026, 1, 1), date(2027, 12, 31)), parts), min_size=1, max_size=8
).map(lambda rows: [Obligation(str(k), day, p) for k, (day, p) in enumerate(rows)])
receipts = st.lists(
    st.tuples(
        st.dates(date(2026, 1, 1), date(2027, 12, 31)),
        st.decimals(min_value=D("0.01"), max_value=D("8000"), places=2),
    ),
    max_size=8,
).map(lambda rows: [Receipt(f"TX{k}", day, amount) for k, (day, amount) in enumerate(rows)])
orders = st.permutations(PARTS)


def _slots(
    result: Allocation, owed: list[Obligation], order: tuple[str, ...]
) -> list[tuple[Decimal, Decimal]]:
    """(paid, owed) per obligation part, in the order the waterfall fills them."""
    ordered = sorted(owed, key=lambda o: (o.due_date, o.key))
    return [
        (o.parts.get(part, D("0")) - result.remaining[o.key][part], o.parts.get(part, D("0")))
        for o in ordered
        for part in order
    ]


@settings(max_examples=200, deadline=None)
@given(owed=obligations, paid=receipts, order=orders)
def test_allocation_conserves_money_never_overpays_and_fills_in_order(
    owed: list[Obligation], paid: list[Receipt], order: list[str]
) -> None:
    result = allocate(owed, paid, tuple(order))
    assert sum(a.amount for a in result.applied) + result.credit == sum(r.amount for r in paid)
    slots = _slots(result, owed, tuple(order))
    assert all(D("0") <= done <= due for done, due in slots)
    # The waterfall fills a prefix: every slot before a partly or unpaid one is full, every one
    # after it untouched.
    first_open = next((k for k, (done, due) in enumerate(slots) if done < due), len(slots))
    assert all(done == due for done, due in slots[:first_open])
    assert all(done == 0 for done, _due in slots[first_open + 1 :])
    if result.credit > 0:
        assert first_open == len(slots)


@settings(max_examples=150, deadline=None)
@given(owed=obligations, paid=receipts, extra=receipts)
def test_more_payments_never_reopen_anything_and_apply_what_was_owed(
    owed: list[Obligation], paid: list[Receipt], extra: list[Receipt]
) -> None:
    added = [Receipt(f"X{r.key}", r.paid_on, r.amount) for r in extra]
    without = allocate(owed, paid)
    with_extra = allocate(owed, [*paid, *added])
    for o in owed:
        assert with_extra.owed(o.key) <= without.owed(o.key)
    owed_before = sum((without.owed(o.key) for o in owed), D("0"))
    brought = sum((r.amount for r in added), D("0"))
    owed_after = sum((with_extra.owed(o.key) for o in owed), D("0"))
    assert owed_before - owed_after == min(brought, owed_before)
