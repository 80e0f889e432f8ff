"""Case services against the database: opening, refreshing, assigning, transferring."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doorstep.cases import services
from doorstep.cases.models import BucketChange, Case, StatusChange
from doorstep.core.errors import DomainError
from doorstep.core.testing import AS_OF, make_account, make_customer
from doorstep.portfolio.models import Payment

pytestmark = pytest.mark.django_db


def test_a_case_opens_with_arrears_computed_from_dues(world) -> None:
    case = world.zhang_case
    # April's 1,000 unpaid since 2026-04-15: 76 days late on 2026-06-30, plus May's 1,000.
    assert (case.dpd, case.bucket, case.past_due) == (76, "M3", Decimal("2000.00"))
    assert case.opened_on == date(2026, 4, 16)
    assert (case.status, case.agent) == ("active", world.agent_li)


def test_a_partial_payment_before_the_snapshot_is_counted(world) -> None:
    case = world.huang_case
    # 500 of May's 2,500 paid: May still the oldest unpaid, 51 days late.
    assert (case.dpd, case.past_due) == (51, Decimal("4500.00"))


def test_refreshing_after_a_payment_records_the_bucket_move_and_cures(world) -> None:
    case = world.zhang_case
    account = case.accounts.get()
    Payment.objects.create(
        account=account, external_id="TX-CURE", paid_on=date(2026, 7, 3), amount=Decimal("2000")
    )
    case = services.case_refresh_arrears(case=case, as_of=date(2026, 7, 5))
    assert (case.dpd, case.bucket, case.status) == (0, "current", "closed_cured")
    move = BucketChange.objects.filter(case=case).order_by("-on", "-id").first()
    assert (move.from_bucket, move.to_bucket, move.cause) == ("M3", "current", "payment")
    assert move.cause_amount == Decimal("2000.00")
    last = StatusChange.objects.filter(case=case).order_by("-id").first()
    assert (last.from_status, last.to_status) == ("active", "closed_cured")


def test_a_refused_transition_changes_nothing(world) -> None:
    case = world.huang_case  # new, no agent
    with pytest.raises(DomainError) as refused:
        services.case_transition(case=case, target="active", actor=world.user("manager_liu"))
    assert refused.value.code == "transition_refused"
    assert refused.value.field == "status"
    case.refresh_from_db()
    assert case.status == "new"
    assert StatusChange.objects.filter(case=case).count() == 1


def test_an_agent_of_another_branch_cannot_be_assigned(world) -> None:
    with pytest.raises(DomainError) as refused:
        services.case_assign(
            case=world.huang_case, agent=world.agent_li, actor=world.user("manager_liu")
        )
    assert refused.value.code == "agent_not_eligible"
    assert Case.objects.get(pk=world.huang_case.pk).agent is None


def test_a_transfer_leaves_the_case_unassigned_at_the_new_branch(world) -> None:
    case = services.case_transfer(
        case=world.zhang_case,
        to_branch=world.bj,
        actor=world.user("manager_wang"),
        reason="Debtor moved to Binjiang",
    )
    assert (case.branch, case.agent) == (world.bj, None)
    assert case.assignments.filter(ended_at__isnull=True).get().branch == world.bj


def test_sync_opens_cases_for_newly_late_customers_once(world) -> None:
    chen = make_customer("陈静")
    make_account(chen, world.xh, dues=[(date(2026, 6, 1), "800.00")])
    first = services.cases_sync(as_of=AS_OF)
    second = services.cases_sync(as_of=AS_OF)
    assert first["opened"] == 1
    assert second["opened"] == 0
    assert Case.objects.filter(customer=chen).count() == 1


def _ledger_kinds(case: Case) -> list[str]:
    from doorstep.ledger.models import LedgerEntry

    return list(
        LedgerEntry.objects.filter(subjects__name="case", subjects__value=case.reference)
        .order_by("index")
        .values_list("kind", flat=True)
    )


def test_every_case_change_is_in_the_ledger_with_the_case_reference(world) -> None:
    case = world.huang_case
    services.case_assign(case=case, agent=world.agent_sun, actor=world.user("manager_liu"))
    services.case_add_entry(
        case=case, author=world.user("agent_sun"), kind="note", body="Called, no answer"
    )
    services.case_transition(
        case=case, target="promised", actor=world.user("agent_sun"), reason="Pays 5 July"
    )
    assert _ledger_kinds(case) == [
        "case.opened",
        "case.assigned",
        "case.status_changed",
        "case.entry_added",
        "case.status_changed",
    ]


def test_the_ledger_keeps_hashes_of_texts_not_the_texts(world) -> None:
    from doorstep.ledger.models import LedgerEntry

    services.case_add_entry(
        case=world.zhang_case, author=world.user("agent_li"), kind="note", body="张伟说月底还款"
    )
    assert not LedgerEntry.objects.filter(data__contains="月底还款").exists()


def test_a_refused_change_leaves_no_ledger_entry(world) -> None:
    before = _ledger_kinds(world.huang_case)
    with pytest.raises(DomainError):
        services.case_transition(
            case=world.huang_case, target="active", actor=world.user("manager_liu")
        )
    assert _ledger_kinds(world.huang_case) == before
