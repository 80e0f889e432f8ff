"""Guarantee contracts on file: the period from their terms, demands through the compliance
gate, and the warnings before a period ends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doorstep.compliance.models import ContactEvent, Decision
from doorstep.core.testing import make_customer
from doorstep.ledger.models import LedgerEntry
from doorstep.legal import selectors, services
from doorstep.legal.guarantee import Standing
from doorstep.portfolio.models import Guarantor

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarantee(world):  # type: ignore[no-untyped-def]
    brother = make_customer("张强", national_id="330106198808081111", phone="13600001111")
    account = world.zhang_case.accounts.get()
    return Guarantor.objects.create(
        account=account,
        guarantor=brother,
        relationship="brother",
        guaranteed_amount=Decimal("10000.00"),
    )


def record(world, guarantee, **terms):  # type: ignore[no-untyped-def]
    return services.guarantee_contract_record(
        guarantee=guarantee,
        number=terms.pop("number", "GC-2024-001"),
        kind=terms.pop("kind", "joint"),
        signed_on=date(2024, 1, 1),
        debt_due_on=terms.pop("debt_due_on", date(2026, 5, 15)),
        actor=world.user("manager_wang"),
        **terms,
    )


def test_a_contract_without_an_agreed_period_gets_six_months_from_the_due_date(
    world, guarantee
) -> None:
    contract = record(world, guarantee)
    # 2026-11-15 is a Sunday: the period ends on the next workday (Art 203).
    assert (contract.period_ends, contract.period_basis) == (date(2026, 11, 16), "default")
    assert LedgerEntry.objects.filter(kind="guarantee.recorded").count() == 1


def test_an_agreed_period_is_kept_and_an_early_one_is_treated_as_none(world, guarantee) -> None:
    agreed = record(world, guarantee, agreed_period_end=date(2028, 5, 15))
    assert (agreed.period_ends, agreed.period_basis) == (date(2028, 5, 15), "agreed")
    other = Guarantor.objects.create(
        account=guarantee.account, guarantor=make_customer("李娜", national_id="330106199001012222")
    )
    early = record(world, other, number="GC-2", agreed_period_end=date(2026, 5, 1))
    assert (early.period_ends, early.period_basis) == (date(2026, 11, 16), "agreed_too_early")


def test_a_demand_on_the_guarantor_goes_through_the_gate_and_preserves_a_joint_guarantee(
    world, guarantee
) -> None:
    contract = record(world, guarantee, agreed_period_end=date(2027, 12, 31))
    demand = services.guarantor_demand(
        contract=contract,
        case=world.zhang_case,
        channel="letter",
        delivered=True,
        actor=world.user("agent_li"),
    )
    assert demand.blocked is False
    decision = Decision.objects.get(pk=demand.decision_id)
    contact = ContactEvent.objects.get(pk=demand.contact_id)
    assert (decision.target, contact.target, contact.decision_id) == (
        "guarantor",
        "guarantor",
        decision.pk,
    )
    state = selectors.guarantee_state_of(contract, today=date(2027, 1, 1))
    assert state.standing is Standing.PRESERVED
    assert state.preserved_by is not None
    assert state.preserved_by.kind == "demand"


def test_a_general_guarantee_is_not_preserved_by_a_demand_but_by_a_suit(world, guarantee) -> None:
    from doorstep.legal.tests.conftest import hand_off

    contract = record(world, guarantee, kind="general", agreed_period_end=date(2027, 12, 31))
    services.guarantor_demand(
        contract=contract,
        case=world.zhang_case,
        channel="letter",
        delivered=True,
        actor=world.user("agent_li"),
    )
    assert selectors.guarantee_state_of(contract, today=date(2027, 1, 1)).standing is (
        Standing.RUNNING
    )
    matter = hand_off(world)
    services.matter_file(
        matter=matter,
        filed_on=date(2026, 8, 1),
        court="西湖区人民法院",
        court_reference="",
        actor=world.user("legal_qian"),
    )
    state = selectors.guarantee_state_of(contract, today=date(2027, 1, 1))
    assert (state.standing, state.preserved_by and state.preserved_by.on) == (
        Standing.PRESERVED,
        date(2026, 8, 1),
    )


def test_warnings_are_given_once_per_threshold_and_listed(world, guarantee) -> None:
    contract = record(world, guarantee)  # ends 2026-11-16
    assert services.guarantees_warn(today=date(2026, 9, 1)) == []  # 76 days left
    assert services.guarantees_warn(today=date(2026, 9, 20)) == [(contract.pk, 60)]
    assert services.guarantees_warn(today=date(2026, 9, 21)) == []
    assert services.guarantees_warn(today=date(2026, 10, 20)) == [(contract.pk, 30)]
    rows = selectors.guarantees_ending(user=world.user("manager_wang"), today=date(2026, 10, 20))
    assert [(r.contract.number, r.state.days_left, r.guarantor_id_masked) for r in rows] == [
        ("GC-2024-001", 27, "330106********1111")
    ]
    assert (
        selectors.guarantees_ending(user=world.user("manager_liu"), today=date(2026, 10, 20)) == []
    )
    assert LedgerEntry.objects.filter(kind="guarantee.warning").count() == 2
