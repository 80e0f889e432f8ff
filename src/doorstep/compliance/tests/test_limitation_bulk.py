"""The limitation of many cases at once (``limitations_for_cases``, what the dashboard reads)
is, case by case and account by account, what ``case_limitation`` shows on the case file, in
the same few queries however many cases are asked for.

A small demo bank, with limitation events recorded on some of its open cases' accounts: an
acknowledgement, a suit still pending, a suit ended, obstacles cleared and not, a demand and a
plan; the bank's own payments (reversed debits among them) interrupt the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from doorstep.cases.models import Case
from doorstep.compliance.engine import EventKind, Interruption, limitation
from doorstep.compliance.models import LimitationEvent
from doorstep.compliance.selectors import (
    AccountLimitation,
    calendar_in_force,
    case_limitation,
    cn_params_in_force,
    limitations_for_cases,
)
from doorstep.core.testing import AS_OF
from doorstep.demo.services import demo_load
from doorstep.ledger.tests.conftest import log_key
from doorstep.portfolio.models import Account, Payment

__all__ = ["log_key"]

pytestmark = pytest.mark.django_db

ACKNOWLEDGED_ON = AS_OF - timedelta(days=3)
SUED_ON = date(2025, 11, 3)
SUIT_ENDED_ON = date(2026, 3, 2)


@dataclass
class Bank:
    cases: list[Case]  # every case, closed ones too, by pk
    acknowledged: Account  # no payment since a few days before the acknowledgement
    sued: Account  # a suit still pending
    judged: Account  # a suit ended on SUIT_ENDED_ON, nothing since


def _running(cases: list[Case]) -> list[AccountLimitation]:
    """The accounts of open cases whose period runs, each once, in case order."""
    seen: dict[int, AccountLimitation] = {}
    for case in cases:
        if case.status.startswith("closed_"):
            continue
        for item in case_limitation(case, today=AS_OF):
            if item.start is not None:
                seen.setdefault(item.account.pk, item)
    return list(seen.values())


def _quiet_since(item: AccountLimitation, day: date) -> bool:
    """The period ran before ``day`` and nothing was paid since."""
    assert item.start is not None
    paid = Payment.objects.filter(account=item.account, paid_on__gte=day).exists()
    return item.start < day and not paid


@pytest.fixture
def bank() -> Bank:
    demo_load(accounts=400, seed=5, as_of=AS_OF, background=False)
    cases = list(Case.objects.order_by("pk"))
    running = _running(cases)
    judged = next(item.account for item in running if _quiet_since(item, SUED_ON))
    acknowledged = next(
        item.account
        for item in running
        if item.account != judged and _quiet_since(item, ACKNOWLEDGED_ON - timedelta(days=7))
    )
    rest = [item for item in running if item.account not in (acknowledged, judged)]
    sued = next(item.account for item in rest if item.start and item.start < SUED_ON)
    others = [item.account for item in rest if item.account != sued]
    assert len(others) >= 6

    def record(account: Account, kind: str, on: date, ended_on: date | None = None) -> None:
        LimitationEvent.objects.create(
            account=account, kind=kind, on=on, ended_on=ended_on, source=f"{kind} {account.pk}"
        )

    record(acknowledged, "acknowledgement", ACKNOWLEDGED_ON)
    record(acknowledged, "demand_delivered", date(2026, 1, 12))
    record(sued, "suit", SUED_ON)
    record(judged, "suit", SUED_ON, SUIT_ENDED_ON)
    record(others[0], "obstacle", date(2026, 2, 1), date(2026, 4, 1))
    record(others[1], "obstacle", date(2026, 5, 1))
    record(others[2], "demand_delivered", AS_OF - timedelta(days=40))
    record(others[3], "plan", date(2026, 4, 20))
    record(others[4], "acknowledgement", date(2001, 1, 1))  # before the period started
    record(others[5], "acknowledgement", date(2026, 6, 1))
    record(others[5], "suit", date(2026, 6, 15))
    return Bank(cases=cases, acknowledged=acknowledged, sued=sued, judged=judged)


def _all(found: dict[int, list[AccountLimitation]]) -> list[AccountLimitation]:
    return [item for items in found.values() for item in items]


def _of(found: dict[int, list[AccountLimitation]], account: Account) -> AccountLimitation:
    return next(item for item in _all(found) if item.account == account)


def _last_interruption(item: AccountLimitation) -> Interruption | None:
    return item.result.interrupted_by if item.result is not None else None


def _alone(item: AccountLimitation, last: Interruption) -> date | None:
    """The expiry the engine gives the account's period with only its last interruption."""
    assert item.start is not None
    period = limitation(
        item.start, [last], params=cn_params_in_force(), calendar=calendar_in_force()
    )
    return period.expires


def test_many_cases_at_once_equal_each_case_on_its_own(bank: Bank) -> None:
    found = limitations_for_cases(bank.cases, today=AS_OF)

    assert list(found) == [case.pk for case in bank.cases]
    for case in bank.cases:
        assert found[case.pk] == case_limitation(case, today=AS_OF), case.reference
        assert [item.account for item in found[case.pk]] == list(
            case.accounts.order_by("opened_on", "pk")
        )
    assert len(_all(found)) == sum(case.accounts.count() for case in bank.cases)
    assert Account.objects.filter(cases__in=bank.cases).distinct().count() < len(_all(found))
    assert LimitationEvent.objects.count() == 11
    reversed_payments = Payment.objects.filter(reversed_on__isnull=False)
    assert reversed_payments.filter(account__cases__in=bank.cases).exists()
    kinds = {last.kind for item in _all(found) if (last := _last_interruption(item))}
    assert {EventKind.ACKNOWLEDGEMENT, EventKind.SUIT, EventKind.PART_PAYMENT} <= kinds


def test_each_account_gets_its_own_events_and_payments(bank: Bank) -> None:
    found = limitations_for_cases(bank.cases, today=AS_OF)

    acknowledged = _of(found, bank.acknowledged)
    last = Interruption(EventKind.ACKNOWLEDGEMENT, ACKNOWLEDGED_ON)
    assert _last_interruption(acknowledged) == last
    assert (acknowledged.interrupted_label, acknowledged.interrupted_source) == (
        "Acknowledgement",
        f"acknowledgement {bank.acknowledged.pk}",
    )
    assert acknowledged.result is not None
    assert acknowledged.result.expires == _alone(acknowledged, last)
    assert acknowledged.days_left is not None
    assert acknowledged.days_left > 3 * 365 - 10

    sued = _of(found, bank.sued)
    assert sued.result is not None
    assert (sued.result.expires, sued.days_left, sued.time_barred) == (None, None, False)
    assert sued.interrupted_source == f"suit {bank.sued.pk}"
    assert "pending" in sued.explanation

    judged = _of(found, bank.judged)
    last = Interruption(EventKind.SUIT, SUED_ON, ended=SUIT_ENDED_ON)
    assert _last_interruption(judged) == last
    assert judged.result is not None
    assert judged.result.expires == _alone(judged, last)

    with_events = set(LimitationEvent.objects.values_list("account_id", flat=True))
    paid = [
        (item, last)
        for item in _all(found)
        if (last := _last_interruption(item))
        and last.kind in (EventKind.PART_PAYMENT, EventKind.DEBIT)
        and item.account.pk not in with_events
    ]
    assert len(paid) >= 5
    for item, last in paid:  # the account's own latest payment that stands
        payment = Payment.objects.get(external_id=item.interrupted_source.split(" ")[0])
        assert (payment.account_id, payment.paid_on, payment.reversed_on) == (
            item.account.pk,
            last.on,
            None,
        )
        standing = Payment.objects.filter(account=item.account, reversed_on=None)
        assert last.on == standing.aggregate(last=Max("paid_on"))["last"]


def test_the_queries_do_not_grow_with_the_number_of_cases(bank: Bank) -> None:
    limitations_for_cases(bank.cases[:1], today=AS_OF)  # the calendar cache filled
    with CaptureQueriesContext(connection) as few:
        small = limitations_for_cases(bank.cases[:2], today=AS_OF)
    with CaptureQueriesContext(connection) as many:
        large = limitations_for_cases(bank.cases, today=AS_OF)

    assert (len(small), len(large)) == (2, len(bank.cases))
    assert len(large) >= 40
    assert len(many) == len(few) == 7
