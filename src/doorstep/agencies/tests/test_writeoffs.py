"""Write-off: proposal, the credit committee's approval, the accounting record, recoveries
after it, and the reconciliation with the accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from doorstep.agencies import writeoffs
from doorstep.agencies.models import WriteOff
from doorstep.agencies.tests.conftest import AgencyWorld
from doorstep.cases.models import Case
from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.oversight.models import Committee
from doorstep.oversight.services import approval_decide
from doorstep.portfolio.models import Account, Payment, Statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(aw: AgencyWorld) -> Committee:
    group = Committee.objects.create(code="credit-committee", name="Credit committee", quorum=2)
    group.members.set([aw.world.compliance_zhou, aw.world.manager_liu])
    return group


def old_case(aw: AgencyWorld) -> Case:
    """The oldest case, with interest and fees billed too."""
    case = max(aw.cases, key=lambda c: c.dpd)
    account = case.accounts.get()
    Statement.objects.filter(account=account).update(
        interest_due=Decimal("120.50"), fee_due=Decimal("30.25")
    )
    from doorstep.cases.services import case_refresh_arrears

    return case_refresh_arrears(case=case, as_of=case.arrears_as_of)


def approve(aw: AgencyWorld, write_off: WriteOff) -> None:
    assert write_off.approval is not None
    for name in ("compliance_zhou", "manager_liu"):
        approval_decide(
            request=write_off.approval,
            approver=aw.world.user(name),
            approve=True,
            reason="Uncollectable.",
        )


def test_a_write_off_proposal_asks_the_credit_committee_with_the_unpaid_amounts(
    aw: AgencyWorld, committee: Committee
) -> None:
    case = old_case(aw)
    write_off = writeoffs.writeoff_propose(
        actor=aw.world.user("manager_wang"), case=case, reason="Debtor deceased, no estate."
    )
    assert write_off.principal == case.outstanding_principal
    assert write_off.interest == Decimal("120.50") == case.outstanding_interest
    assert write_off.fees == Decimal("30.25") == case.outstanding_penalty
    assert write_off.approval.route["committee"] == "credit-committee"  # type: ignore[union-attr]
    case.refresh_from_db()
    assert case.status == "active"  # nothing is booked before the committee decides


def test_approval_books_the_write_off_charges_off_and_closes_the_case(
    aw: AgencyWorld, committee: Committee
) -> None:
    case = old_case(aw)
    write_off = writeoffs.writeoff_propose(
        actor=aw.world.user("manager_wang"), case=case, reason="Debtor deceased, no estate."
    )
    approve(aw, write_off)
    write_off.refresh_from_db()
    case.refresh_from_db()
    assert write_off.status == WriteOff.Status.BOOKED
    assert case.status == "closed_written_off"
    assert case.accounts.get().status == Account.Status.CHARGED_OFF
    assert LedgerEntry.objects.filter(kind="writeoff.booked").count() == 1


def test_a_rejected_write_off_changes_nothing_on_the_accounts(
    aw: AgencyWorld, committee: Committee
) -> None:
    case = old_case(aw)
    write_off = writeoffs.writeoff_propose(
        actor=aw.world.user("manager_wang"), case=case, reason="Debtor abroad."
    )
    approval_decide(
        request=write_off.approval,  # type: ignore[arg-type]
        approver=aw.world.user("compliance_zhou"),
        approve=False,
        reason="Try the guarantor first.",
    )
    write_off.refresh_from_db()
    case.refresh_from_db()
    assert write_off.status == WriteOff.Status.REJECTED
    assert case.status == "active"
    assert case.accounts.get().status == Account.Status.OPEN


def test_a_case_under_180_days_past_due_is_not_written_off(
    aw: AgencyWorld, committee: Committee
) -> None:
    young = min(aw.cases, key=lambda c: c.dpd)
    assert young.dpd < 180
    with pytest.raises(DomainError) as refused:
        writeoffs.writeoff_propose(actor=aw.world.user("manager_wang"), case=young, reason="x")
    assert refused.value.code == "too_early"
    assert not WriteOff.objects.exists()


def test_an_agent_may_not_propose_a_write_off(aw: AgencyWorld, committee: Committee) -> None:
    with pytest.raises(DomainError) as refused:
        writeoffs.writeoff_propose(
            actor=aw.world.user("agent_li"), case=old_case(aw), reason="Hopeless."
        )
    assert refused.value.status == 403


def test_write_off_totals_reconcile_with_the_accounts_and_recoveries_count_apart(
    aw: AgencyWorld, committee: Committee
) -> None:
    oldest = sorted(aw.cases, key=lambda c: -c.dpd)[:3]
    booked = []
    for case in oldest:
        write_off = writeoffs.writeoff_propose(
            actor=aw.world.user("manager_wang"), case=case, reason="Uncollectable."
        )
        approve(aw, write_off)
        booked.append(write_off)
    account = oldest[0].accounts.get()
    Payment.objects.create(
        account=account,
        external_id="TX-RECOVERY-1",
        paid_on=date(2026, 8, 1),
        amount=Decimal("300"),
    )
    report = writeoffs.reconciliation(user=aw.world.user("finance_wu"))
    assert report.balanced
    assert report.total == sum((w.total for w in booked), Decimal("0")) == report.lines_total
    assert report.total == sum((c.outstanding_total for c in oldest), Decimal("0"))
    assert report.recovered == Decimal("300.00")
    assert [a.recovered for a in report.accounts if a.account == account.external_id] == [
        Decimal("300.00")
    ]


def test_reconciliation_flags_an_account_charged_off_without_a_write_off(
    aw: AgencyWorld, committee: Committee
) -> None:
    stray = aw.cases[0].accounts.get()
    Account.objects.filter(pk=stray.pk).update(status=Account.Status.CHARGED_OFF)
    report = writeoffs.reconciliation(user=aw.world.user("finance_wu"))
    assert not report.balanced
    assert report.charged_off_without_write_off == [stray.external_id]


def test_write_off_through_the_api(aw: AgencyWorld, committee: Committee, client: Client) -> None:
    case = old_case(aw)
    client.force_login(aw.world.user("manager_wang"))
    response = client.post(
        f"/api/v1/cases/{case.pk}/write-off",
        {"reason": "Debtor deceased."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["total"] == f"{case.outstanding_total:.2f}"
    client.force_login(aw.world.user("auditor_chen"))
    report = client.get("/api/v1/write-offs/reconciliation").json()
    assert report["balanced"] is True
    assert report["total"] == "0.00"
    client.force_login(aw.world.user("agent_li"))
    assert client.get("/api/v1/write-offs/reconciliation").status_code == 404
