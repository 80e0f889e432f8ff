"""SMS reminders of promises to pay: the day before, through the compliance gate, once."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from doorstep.compliance.models import ContactEvent, Decision
from doorstep.compliance.services import hold_add
from doorstep.core.errors import ConflictError
from doorstep.core.testing import AS_OF
from doorstep.ledger.models import LedgerEntry
from doorstep.plans.models import PromiseReminder
from doorstep.plans.services import (
    promise_reminder_receipt,
    promise_reminders_send,
    promise_take,
)
from doorstep.plans.tasks import plans_promise_reminders
from doorstep.remote.channels import gateway

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = date(2026, 7, 2)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def promise(world, zhang):  # type: ignore[no-untyped-def]
    gateway().sent.clear()  # type: ignore[attr-defined]
    return promise_take(
        case=zhang,
        amount=Decimal("250.00"),
        due_on=DUE,
        channel="call",
        actor=world.user("agent_li"),
        on=AS_OF,
    )


def test_a_promise_is_reminded_by_sms_the_day_before_and_only_once(promise) -> None:  # type: ignore[no-untyped-def]
    too_early = promise_reminders_send(at=_at(date(2026, 6, 30), 10))
    assert sum(too_early.values()) == 0

    counts = promise_reminders_send(at=_at(date(2026, 7, 1), 10))

    assert counts["delivered"] == 1
    reminder = PromiseReminder.objects.get()
    assert reminder.promise_id == promise.pk
    assert reminder.status == "delivered"
    contact = ContactEvent.objects.get(pk=reminder.contact_id)
    assert contact.channel == "sms"
    assert contact.decision_id == reminder.decision_id
    decision = Decision.objects.get(pk=reminder.decision_id)
    assert decision.channel == "sms"
    sent = [ref for _channel, _to, ref in gateway().sent]  # type: ignore[attr-defined]
    assert sent == [f"promise-{promise.pk}-reminder"]

    again = promise_reminders_send(at=_at(date(2026, 7, 1), 15))
    assert sum(again.values()) == 0
    assert PromiseReminder.objects.count() == 1
    assert ContactEvent.objects.filter(channel="sms").count() == 1
    assert len(gateway().sent) == 1  # type: ignore[attr-defined]
    assert LedgerEntry.objects.filter(kind="promise.reminded").count() == 1
    assert "250.00" not in LedgerEntry.objects.get(kind="promise.reminded").data


def test_a_reminder_to_a_debtor_on_hold_is_blocked_and_never_sent(world, promise) -> None:  # type: ignore[no-untyped-def]
    hold_add(
        customer=world.debtor_zhang,
        kind="cease_contact",
        reason="Asked us to stop",
        actor=world.user("compliance_zhou"),
        starts_at=_at(AS_OF, 9),
    )

    counts = promise_reminders_send(at=_at(date(2026, 7, 1), 10))

    assert counts["blocked"] == 1
    reminder = PromiseReminder.objects.get()
    assert "CN-HOLD-01" in reminder.rules
    assert reminder.contact_id is None
    assert gateway().sent == []  # type: ignore[attr-defined]
    assert sum(promise_reminders_send(at=_at(date(2026, 7, 1), 11)).values()) == 0


def test_a_reminder_at_night_is_blocked_by_the_contact_hours(promise) -> None:  # type: ignore[no-untyped-def]
    counts = promise_reminders_send(at=_at(date(2026, 7, 1), 23))
    assert counts["blocked"] == 1
    assert "CN-TIME-01" in PromiseReminder.objects.get().rules
    assert gateway().sent == []  # type: ignore[attr-defined]


def test_a_reminder_accepted_by_the_gateway_becomes_a_contact_on_its_receipt(
    promise, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(gateway(), "DELIVERS_AT_ONCE", False)

    assert plans_promise_reminders(_at(date(2026, 7, 1), 10).isoformat())["sent"] == 1
    reminder = PromiseReminder.objects.get()
    assert reminder.contact_id is None

    promise_reminder_receipt(
        gateway_ref=reminder.gateway_ref, delivered=True, at=_at(date(2026, 7, 1), 10)
    )
    reminder.refresh_from_db()
    assert reminder.status == "delivered"
    assert ContactEvent.objects.get(pk=reminder.contact_id).decision_id == reminder.decision_id
    with pytest.raises(ConflictError):
        promise_reminder_receipt(
            gateway_ref=reminder.gateway_ref, delivered=True, at=_at(date(2026, 7, 1), 11)
        )


def test_a_kept_or_closed_promise_is_not_reminded(promise) -> None:  # type: ignore[no-untyped-def]
    promise.status = "kept"
    promise.save(update_fields=["status"])
    assert sum(promise_reminders_send(at=_at(date(2026, 7, 1), 10)).values()) == 0
    assert not PromiseReminder.objects.exists()
