"""Collection notices: every CN-LET-01 field, the compliance gate, delivery as a demand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doorstep.compliance.models import ContactEvent, Decision, LimitationEvent
from doorstep.compliance.services import hold_add
from doorstep.core.errors import ConflictError
from doorstep.ledger.models import LedgerEntry
from doorstep.plans import letters
from doorstep.plans.services import letter_outcome, letter_send

D = Decimal


def test_a_notice_carries_every_required_field_in_both_languages() -> None:
    fields = letters.notice(
        name="张伟",
        account="*0001",
        balance=letters.Balance(D("2000.00"), D("300.00"), D("200.00")),
        dpd=76,
        as_of=date(2026, 6, 30),
    )
    assert letters.missing(fields) == []
    assert fields["balance"]["total"] == "2500.00"
    assert "76" in fields["reason"]["zh-hans"]
    assert "76 days" in fields["reason"]["en"]
    assert letters.missing({**fields, "name": " ", "rights": {"zh-hans": "x", "en": ""}}) == [
        "name",
        "rights",
    ]


def test_sending_goes_through_the_gate_and_delivery_interrupts_limitation(world, zhang) -> None:  # type: ignore[no-untyped-def]
    letter = letter_send(case=zhang, actor=world.user("agent_li"))
    assert letter.status == "sent"
    assert Decision.objects.get(pk=letter.decision_id).channel == "letter"
    entry = LedgerEntry.objects.get(kind="letter.sent")
    assert "张伟" not in entry.data
    letter = letter_outcome(letter=letter, delivered=True, actor=world.user("agent_li"))
    assert letter.status == "delivered"
    assert ContactEvent.objects.get().outcome == "delivered"
    assert LimitationEvent.objects.get().kind == "demand_delivered"
    with pytest.raises(ConflictError):
        letter_outcome(letter=letter, delivered=True, actor=world.user("agent_li"))


def test_an_undelivered_letter_interrupts_nothing(world, zhang) -> None:  # type: ignore[no-untyped-def]
    letter = letter_send(case=zhang, actor=world.user("agent_li"))
    letter_outcome(letter=letter, delivered=False, actor=world.user("agent_li"))
    assert not LimitationEvent.objects.exists()


def test_a_letter_to_a_debtor_on_hold_is_blocked_and_the_decision_kept(world, zhang) -> None:  # type: ignore[no-untyped-def]
    hold_add(
        customer=world.debtor_zhang,
        kind="cease_contact",
        reason="Asked us to stop",
        actor=world.user("compliance_zhou"),
    )
    letter = letter_send(case=zhang, actor=world.user("agent_li"))
    assert letter.status == "blocked"
    assert "CN-HOLD-01" in Decision.objects.get(pk=letter.decision_id).rule_ids
    with pytest.raises(ConflictError):
        letter_outcome(letter=letter, delivered=True, actor=world.user("agent_li"))
