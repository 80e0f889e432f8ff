"""Payment posting, backdating and reversal; plan completion and breach; promises kept or not.

Amounts follow 张伟's debt in conftest: 2000.00 principal, 300.00 interest, 200.00 penalty.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.cases import delinquency
from doorstep.cases.models import Case
from doorstep.cases.services import case_open, cases_refresh
from doorstep.core.errors import ConflictError, DomainError
from doorstep.core.testing import AS_OF, make_account, make_customer
from doorstep.ledger.models import LedgerEntry
from doorstep.plans.models import Allocation, Instalment, Plan, Promise
from doorstep.plans.schedule import PlanType, Terms
from doorstep.plans.selectors import kept_rates_by_agent, promise_record
from doorstep.plans.services import (
    payment_post,
    payment_reverse,
    plan_accept,
    plan_offer,
    plans_check_breaches,
    plans_replay_accounts,
    promise_take,
    promises_evaluate,
)
from doorstep.portfolio.importing import import_file
from doorstep.portfolio.models import Payment
from doorstep.portfolio.rows import Kind
from doorstep.portfolio.selectors import histories_for

D = Decimal


def pay(
    world,
    tx: str,
    paid_on: date,
    amount: str,
    *,
    on: date | None = None,
    who: str = "branch_admin_he",
):  # type: ignore[no-untyped-def]
    account = world.zhang_case.accounts.get()
    return payment_post(
        account=account,
        external_id=tx,
        paid_on=paid_on,
        amount=D(amount),
        channel="transfer",
        actor=world.user(who),
        on=on or paid_on,
    )


@pytest.fixture
def plan(world, zhang):  # type: ignore[no-untyped-def]
    """Interest frozen, 3 months: 2500.00 / 3 = 833.33, 833.33, 833.34, due on the 15th:
    15 Jul (Wed), 15 Aug is a Saturday → Mon 17 Aug, 15 Sep (Tue). The first instalment
    repays the 200.00 penalty, the 300.00 interest and 333.33 of principal."""
    offered = plan_offer(
        case=zhang, terms=Terms(PlanType.INTEREST_FREEZE, 3), actor=world.user("agent_li"), on=AS_OF
    )
    return plan_accept(plan=offered, actor=world.user("agent_li"), via="self_service", on=AS_OF)


def _state(plan: Plan) -> list[tuple[int, Decimal, date | None]]:
    return list(
        Instalment.objects.filter(plan=plan)
        .order_by("number")
        .values_list("number", "paid", "settled_on")
    )


def test_the_schedule_of_the_fixture_plan(plan) -> None:  # type: ignore[no-untyped-def]
    rows = list(
        plan.instalments.order_by("number").values_list(
            "due_date", "penalty", "interest", "principal"
        )
    )
    assert rows == [
        (date(2026, 7, 15), D("200.00"), D("300.00"), D("333.33")),
        (date(2026, 8, 17), D("0.00"), D("0.00"), D("833.33")),
        (date(2026, 9, 15), D("0.00"), D("0.00"), D("833.34")),
    ]


def test_a_payment_is_allocated_in_policy_order_and_spills_into_the_next_instalment(
    world, plan
) -> None:  # type: ignore[no-untyped-def]
    # 900.00 on 14 Jul: penalty 200.00, interest 300.00, principal 333.33 settle instalment 1;
    # the remaining 66.67 goes to instalment 2's principal.
    pay(world, "TX-A", date(2026, 7, 14), "900.00")
    assert _state(plan) == [
        (1, D("833.33"), date(2026, 7, 14)),
        (2, D("66.67"), None),
        (3, D("0.00"), None),
    ]
    parts = list(Allocation.objects.order_by("pk").values_list("part", "amount"))
    assert parts == [
        ("penalty", D("200.00")),
        ("interest", D("300.00")),
        ("principal", D("333.33")),
        ("principal", D("66.67")),
    ]


def test_posting_the_same_transaction_twice_changes_nothing(world, plan) -> None:  # type: ignore[no-untyped-def]
    first, created = pay(world, "TX-A", date(2026, 7, 14), "900.00")
    again, created_again = pay(world, "TX-A", date(2026, 7, 14), "900.00")
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Allocation.objects.count() == 4
    with pytest.raises(ConflictError) as error:
        pay(world, "TX-A", date(2026, 7, 14), "901.00")
    assert error.value.field == "external_id"


def test_a_reversal_restores_the_exact_prior_state(world, plan) -> None:  # type: ignore[no-untyped-def]
    pay(world, "TX-0", date(2026, 7, 1), "100.00")
    before = _state(plan)
    payment, _created = pay(world, "TX-A", date(2026, 7, 14), "900.00")
    # With TX-A the April due is paid (100.00 + 900.00): the oldest unpaid is 15 May.
    assert Case.objects.get(pk=plan.case_id).dpd == 60  # 16 (May) + 30 (Jun) + 14 (Jul)
    payment_reverse(
        payment=payment,
        reversed_on=date(2026, 7, 16),
        actor=world.user("branch_admin_he"),
        reason="Returned by the payer's bank",
        on=date(2026, 7, 16),
    )
    assert _state(plan) == before
    # As if TX-A never came: 15 Apr is unpaid again, DPD 15 + 31 + 30 + 16 = 92 on 16 Jul.
    case = Case.objects.get(pk=plan.case_id)
    assert (case.dpd, case.bucket, case.past_due) == (92, "M4", D("2400.00"))
    # What TX-A paid stays on record, marked reversed.
    kept = Allocation.objects.filter(payment=payment)
    assert kept.count() > 0
    assert all(a.reversed_on == date(2026, 7, 16) for a in kept)
    with pytest.raises(ConflictError):
        payment_reverse(
            payment=payment,
            reversed_on=date(2026, 7, 16),
            actor=world.user("branch_admin_he"),
            reason="again",
            on=date(2026, 7, 16),
        )


def test_a_backdated_payment_recomputes_the_case_dpd(world, zhang) -> None:  # type: ignore[no-untyped-def]
    # On 30 Jun the oldest unpaid due is 15 Apr: DPD = 15 (Apr) + 31 (May) + 30 (Jun) = 76, M3.
    assert (zhang.dpd, zhang.bucket) == (76, "M3")
    # 1000.00 posted on 30 Jun with value date 10 May pays the April due: the oldest unpaid is
    # now 15 May, DPD = 16 (May) + 30 (Jun) = 46, M2.
    pay(world, "TX-B", date(2026, 5, 10), "1000.00", on=AS_OF)
    case = Case.objects.get(pk=zhang.pk)
    assert (case.dpd, case.bucket) == (46, "M2")


def test_paying_every_instalment_completes_the_plan_and_a_reversal_reopens_it(world, plan) -> None:  # type: ignore[no-untyped-def]
    payment, _ = pay(world, "TX-ALL", date(2026, 7, 10), "2500.00")
    plan.refresh_from_db()
    assert plan.status == "completed"
    payment_reverse(
        payment=payment,
        reversed_on=date(2026, 7, 11),
        actor=world.user("branch_admin_he"),
        reason="chargeback",
        on=date(2026, 7, 11),
    )
    plan.refresh_from_db()
    assert plan.status == "active"


def test_an_instalment_unpaid_beyond_the_grace_days_breaks_the_plan(world, plan) -> None:  # type: ignore[no-untyped-def]
    # Instalment 1 is due 15 Jul with 7 grace days: still fine on 22 Jul, broken on 23 Jul.
    assert plans_check_breaches(as_of=date(2026, 7, 22)) == []
    assert plans_check_breaches(as_of=date(2026, 7, 23)) == [plan.pk]
    assert plans_check_breaches(as_of=date(2026, 7, 23)) == []  # safe to run twice
    plan.refresh_from_db()
    case = Case.objects.get(pk=plan.case_id)
    assert (plan.status, case.status) == ("broken", "active")
    assert plan.instalments.count() == 3  # the history stays


def test_only_admins_of_the_account_branch_post_payments(world, zhang) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        pay(world, "TX-C", date(2026, 6, 1), "10.00", on=AS_OF, who="agent_li")
    with pytest.raises(DomainError) as error:
        pay(world, "TX-C", date(2026, 7, 1), "10.00", on=AS_OF)
    assert error.value.field == "paid_on"
    assert not Payment.objects.filter(external_id="TX-C").exists()


def test_a_promise_moves_the_case_and_is_judged_the_day_after(world, zhang) -> None:  # type: ignore[no-untyped-def]
    promise = promise_take(
        case=zhang,
        amount=D("500.00"),
        due_on=date(2026, 7, 5),
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    assert Case.objects.get(pk=zhang.pk).status == "promised"
    pay(world, "TX-P", date(2026, 7, 3), "300.00")
    assert promises_evaluate(as_of=date(2026, 7, 5)) == {"kept": 0, "partly_kept": 0, "broken": 0}
    assert promises_evaluate(as_of=date(2026, 7, 6)) == {"kept": 0, "partly_kept": 1, "broken": 0}
    promise.refresh_from_db()
    assert (promise.status, promise.paid) == ("partly_kept", D("300.00"))
    assert Case.objects.get(pk=zhang.pk).status == "active"
    assert promise_record(customer_id=zhang.customer_id)["partly_kept"] == 1


def test_a_promise_paid_in_full_is_kept_at_once_and_counts_in_the_kept_rate(world, zhang) -> None:  # type: ignore[no-untyped-def]
    kept = promise_take(
        case=zhang,
        amount=D("200.00"),
        due_on=date(2026, 7, 3),
        channel="visit",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    broken = promise_take(
        case=zhang,
        amount=D("100.00"),
        due_on=date(2026, 7, 10),
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    pay(world, "TX-K", date(2026, 7, 2), "200.00")
    kept.refresh_from_db()
    assert kept.status == "kept"
    # The 200.00 also counts towards the second promise (same window), so move its date past
    # no payment: a reversal leaves it with nothing by its date.
    payment = Payment.objects.get(external_id="TX-K")
    payment_reverse(
        payment=payment,
        reversed_on=date(2026, 7, 4),
        actor=world.user("branch_admin_he"),
        reason="bounced",
        on=date(2026, 7, 4),
    )
    kept.refresh_from_db()
    assert kept.status == "broken"  # re-judged: nothing counted by its date any more
    promises_evaluate(as_of=date(2026, 7, 11))
    broken.refresh_from_db()
    assert broken.status == "broken"
    rates = kept_rates_by_agent(user=world.user("manager_wang"))
    assert [(r.label, r.evaluated, r.kept) for r in rates] == [("agent_li", 2, 0)]


def test_a_promise_must_fall_within_thirty_days_and_the_debt(world, zhang) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as error:
        promise_take(
            case=zhang,
            amount=D("10.00"),
            due_on=date(2026, 8, 1),
            channel="call",
            actor=world.user("agent_li"),
            on=AS_OF,
        )
    assert error.value.field == "due_on"
    with pytest.raises(DomainError) as error:
        promise_take(
            case=zhang,
            amount=D("2500.01"),
            due_on=date(2026, 7, 1),
            channel="call",
            actor=world.user("agent_li"),
            on=AS_OF,
        )
    assert error.value.field == "amount"
    assert not Promise.objects.exists()


def test_a_payment_stored_by_an_import_counts_before_the_plan_is_judged(world, plan) -> None:  # type: ignore[no-untyped-def]
    # An import writes the payment row itself; the nightly judgement replays before it decides.
    Payment.objects.create(
        account=plan.case.accounts.get(),
        external_id="IMP-1",
        paid_on=date(2026, 7, 14),
        amount=D("833.33"),
    )
    assert plans_check_breaches(as_of=date(2026, 7, 23)) == []
    assert _state(plan)[0] == (1, D("833.33"), date(2026, 7, 14))


def test_replaying_after_an_import_updates_plans_and_promises(world, plan) -> None:  # type: ignore[no-untyped-def]
    promise = promise_take(
        case=plan.case,
        amount=D("100.00"),
        due_on=date(2026, 7, 5),
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    account = plan.case.accounts.get()
    Payment.objects.create(
        account=account, external_id="IMP-2", paid_on=date(2026, 7, 1), amount=D("100.00")
    )
    assert plans_replay_accounts(account_ids=[account.pk], on=date(2026, 7, 1)) == 1
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert _state(plan)[0] == (1, D("100.00"), None)


ON = date(2026, 7, 31)


def _snapshot(plan: Plan) -> tuple[Any, ...]:
    """The plan's instalments and status, and the account's arrears recomputed from what is on
    file (not the case row: a payment that clears the arrears cures and closes the case, and a
    closed case is not refreshed again; the nightly sync opens a new one)."""
    account_id = plan.case.accounts.get().pk
    history = histories_for([account_id], as_of=ON)[account_id]
    owed = delinquency.arrears(history.dues, history.payments, ON)
    plan.refresh_from_db()
    return (_state(plan), (owed.dpd, owed.bucket, owed.past_due), plan.status)


@pytest.mark.slow
def test_reversing_any_payment_equals_never_having_posted_it(world, plan) -> None:  # type: ignore[no-untyped-def]
    admin = world.user("branch_admin_he")
    account = plan.case.accounts.get()

    def post_all(rows: list[tuple[int, int]], skip: int | None) -> list[Payment]:
        posted = []
        for k, (day, cents) in enumerate(rows):
            if k != skip:
                payment, _ = payment_post(
                    account=account,
                    external_id=f"H{k}",
                    paid_on=date(2026, 7, day),
                    amount=D(cents) / 100,
                    channel="transfer",
                    actor=admin,
                    on=ON,
                )
                posted.append(payment)
        return posted

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        rows=st.lists(
            st.tuples(st.integers(1, 31), st.integers(1, 150_000)), min_size=1, max_size=4
        ),
        pick=st.integers(0, 3),
    )
    def check(rows: list[tuple[int, int]], pick: int) -> None:
        k = pick % len(rows)
        with transaction.atomic():
            post_all(rows, skip=k)
            expected = _snapshot(plan)
            transaction.set_rollback(True)
        with transaction.atomic():
            payment = post_all(rows, skip=None)[k]
            payment_reverse(payment=payment, reversed_on=ON, actor=admin, reason="test", on=ON)
            assert _snapshot(plan) == expected
            transaction.set_rollback(True)

    check()


def test_a_payment_imported_from_the_bank_keeps_the_promise_it_settles(world, plan) -> None:  # type: ignore[no-untyped-def]
    promise = promise_take(
        case=plan.case,
        amount=D("100.00"),
        due_on=date(2026, 7, 5),
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )
    account = plan.case.accounts.get()
    data = (
        "transaction_id,account_id,paid_on,amount,channel\n"
        f"IMP-9,{account.external_id},2026-07-01,100.00,transfer\n"
    ).encode()
    report = import_file(
        kind=Kind.PAYMENTS,
        data=data,
        filename="payments.csv",
        actor=world.user("branch_admin_he").staff,
    )
    assert [r.outcome.value for r in report.results] == ["created"]
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert _state(plan)[0] == (1, D("100.00"), None)


def test_a_backdated_payment_restates_the_bucket_history_from_its_value_date(world) -> None:  # type: ignore[no-untyped-def]
    wu = make_customer("吴敏", national_id="330106198812121234", phone="13911112222")
    card = make_account(
        wu, world.xh, dues=[(date(2026, 4, 15), "800.00"), (date(2026, 5, 15), "800.00")]
    )
    case = case_open(customer=wu, accounts=[card], as_of=date(2026, 5, 20))
    cases_refresh(case_ids=[case.pk], as_of=AS_OF)
    before = list(case.bucket_changes.order_by("on", "id").values_list("on", "to_bucket"))
    assert before[-1][1] == "M3"  # aged into M3 in June, as recorded then

    # Paid in full on 25 May, posted on 30 June: the June ageing never happened.
    payment_post(
        account=card,
        external_id="TX-LATE",
        paid_on=date(2026, 5, 25),
        amount=D("1600.00"),
        channel="transfer",
        actor=world.user("branch_admin_he"),
        on=AS_OF,
    )
    after = list(
        case.bucket_changes.order_by("on", "id").values_list("on", "from_bucket", "to_bucket")
    )
    history = list(histories_for([card.pk], as_of=AS_OF).values())
    expected = delinquency.bucket_moves(history, date(2026, 5, 20), AS_OF)
    assert after[1:] == [(m.on, m.from_bucket.value, m.to_bucket.value) for m in expected]
    assert after[-1] == (date(2026, 5, 25), "M2", "current")
    case.refresh_from_db()
    assert (case.dpd, case.status) == (0, "closed_cured")
    restated = LedgerEntry.objects.filter(kind="case.bucket_history_restated").get()
    assert case.reference in restated.data
