"""A number's verification status changes in one place, ledgered with where it was learnt."""

from __future__ import annotations

import pytest

from doorstep.core.errors import DomainError
from doorstep.ledger.models import LedgerEntry
from doorstep.portfolio.services import phone_verification_set

pytestmark = pytest.mark.django_db


def test_a_status_change_is_ledgered_once_and_a_repeat_changes_nothing(world) -> None:
    phone = world.debtor_zhang.phones.get()
    actor = world.user("agent_zhao")
    kwargs = {
        "actor": actor,
        "subject": {"case": world.zhang_case.reference},
        "source": {"call": 7},
    }
    assert phone_verification_set(phone=phone, status="wrong_number", **kwargs) is True
    assert phone_verification_set(phone=phone, status="wrong_number", **kwargs) is False
    phone.refresh_from_db()
    assert phone.verification == "wrong_number"
    entry = LedgerEntry.objects.get(kind="phone.verification_changed")
    assert '"to":"wrong_number"' in entry.data
    assert phone.number not in entry.data


def test_an_unknown_status_is_refused_naming_the_field(world) -> None:
    with pytest.raises(DomainError) as refused:
        phone_verification_set(
            phone=world.debtor_zhang.phones.get(),
            status="maybe",
            actor=world.user("agent_zhao"),
            subject={},
            source={},
        )
    assert refused.value.field == "verification"
